"""The PromQL of widely used chrony_exporter dashboards, to run against our names.

Our own list, written from reading the dashboards (the metric names, label
matchers and functions they use are facts about the interface):

- Grafana.com dashboard 19186 "Chrony", read through copies published with
  their changes described: Canonical's chrony charm ships it with Juju label
  matchers, a Raspberry Pi stratum-1 project ships it with two edits.
- Canonical's chrony charm dashboard (19186 plus serverstats panels, Juju
  topology labels, ``label_join`` to key sources per unit).
- A chrony + GNSS NTP-server dashboard for chrony_exporter (tracking,
  sources, serverstats and the ``clients`` collector).

Template variables stay as the dashboards write them (``$instance``,
``$juju_unit``, ``$__rate_interval``); the test substitutes them as Grafana
would. ``served=False`` marks a query that cannot work against pychrony, with
the reason; docs/guide/dashboards.rst documents each of those.
``since_chronyd`` marks one that needs a newer chronyd than some still in use.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["QUERIES", "DashboardQuery"]


@dataclass(frozen=True)
class DashboardQuery:
    """One query of a chrony_exporter dashboard."""

    dashboard: str
    panel: str
    expr: str
    served: bool = True
    why_not: str = ""
    # The chronyd release that first counts what the query reads; older ones
    # leave it out (pychrony serves no sample for a field chronyd lacks).
    since_chronyd: str = ""


_GRAFANA_19186 = "Grafana.com 19186 Chrony"
_CHARM = "Canonical chrony charm (COS)"
_NTP_SERVER = "chrony + GNSS NTP server"

# 19186 selects one instance: instance="$instance".
_ONE = 'instance="$instance"'
# The charm's Juju topology matchers, each a multi-value variable.
_JUJU = (
    'juju_application=~"$juju_application",juju_model=~"$juju_model",'
    'juju_model_uuid=~"$juju_model_uuid",juju_unit=~"$juju_unit"'
)
# The NTP-server dashboard's instance variable is multi-value.
_ANY = 'instance=~"$instance"'

_NO_CLIENTS = (
    "chronyd's clients report is not served by libchrony, so pychrony has no "
    "chrony_clients_* metrics"
)

QUERIES: tuple[DashboardQuery, ...] = (
    # --- Grafana.com 19186 -------------------------------------------------
    DashboardQuery(_GRAFANA_19186, "$instance variable", "chrony_up"),
    DashboardQuery(
        _GRAFANA_19186, "Reference Source Address / ID", f"chrony_tracking_info{{{_ONE}}}"
    ),
    DashboardQuery(_GRAFANA_19186, "Stratum", f"chrony_tracking_stratum{{{_ONE}}}"),
    DashboardQuery(_GRAFANA_19186, "Offset", f"chrony_tracking_last_offset_seconds{{{_ONE}}}"),
    DashboardQuery(_GRAFANA_19186, "Offset", f"chrony_tracking_rms_offset_seconds{{{_ONE}}}"),
    DashboardQuery(_GRAFANA_19186, "Offset", f"chrony_tracking_system_time_seconds{{{_ONE}}}"),
    DashboardQuery(_GRAFANA_19186, "Source delay", f"chrony_tracking_root_delay_seconds{{{_ONE}}}"),
    DashboardQuery(
        _GRAFANA_19186, "Source delay", f"chrony_tracking_root_dispersion_seconds{{{_ONE}}}"
    ),
    # A recorded series: needs chrony-recording-rules.yml loaded in Prometheus.
    DashboardQuery(
        _GRAFANA_19186, "Maximum Clock Error", f"instance:chrony_clock_error_seconds:abs{{{_ONE}}}"
    ),
    DashboardQuery(_GRAFANA_19186, "Current Status", f"chrony_sources_state_info{{{_ONE}}}"),
    DashboardQuery(_GRAFANA_19186, "Current Status", f"chrony_sources_stratum{{{_ONE}}}"),
    DashboardQuery(
        _GRAFANA_19186, "Current Status", f"chrony_sources_polling_interval_seconds{{{_ONE}}}"
    ),
    DashboardQuery(
        _GRAFANA_19186,
        "Last Sample: Age",
        f"chrony_sources_last_sample_age_seconds{{{_ONE}}} < 4294967295",
    ),
    DashboardQuery(
        _GRAFANA_19186,
        "Last Sample: Offset",
        f"chrony_sources_last_sample_offset_seconds{{{_ONE}}}",
    ),
    DashboardQuery(
        _GRAFANA_19186,
        "Last Sample: Error Margin",
        f"chrony_sources_last_sample_error_margin_seconds{{{_ONE}}}",
    ),
    # The stratum-1 project's edits of 19186.
    DashboardQuery(
        _GRAFANA_19186,
        "Current Status (edited)",
        f'label_replace(chrony_sources_state_info{{{_ONE}}}, "source_state", '
        '"coarse time only", "source_name", "NMEA")',
    ),
    DashboardQuery(
        _GRAFANA_19186,
        "Hardware TX timestamp ratio (added)",
        "rate(chrony_serverstats_ntp_hw_tx_timestamps_total[5m]) / ("
        "rate(chrony_serverstats_ntp_hw_tx_timestamps_total[5m])"
        " + rate(chrony_serverstats_ntp_daemon_tx_timestamps_total[5m])"
        " + rate(chrony_serverstats_ntp_kernel_tx_timestamps_total[5m]))",
        since_chronyd="4.4",
    ),
    # --- Canonical's chrony charm -----------------------------------------
    DashboardQuery(
        _CHARM,
        "NTP Packets",
        f"rate(chrony_serverstats_ntp_packets_received_total{{{_JUJU}}}[$__rate_interval])",
    ),
    DashboardQuery(
        _CHARM,
        "NTS-KE Connections",
        f"rate(chrony_serverstats_nts_ke_connections_accepted_total{{{_JUJU}}}[$__rate_interval])",
    ),
    DashboardQuery(_CHARM, "Reference Source Address / ID", f"chrony_tracking_info{{{_JUJU}}}"),
    DashboardQuery(_CHARM, "Stratum", f"chrony_tracking_stratum{{{_JUJU}}}"),
    DashboardQuery(_CHARM, "Offset", f"chrony_tracking_last_offset_seconds{{{_JUJU}}}"),
    DashboardQuery(_CHARM, "Offset", f"chrony_tracking_rms_offset_seconds{{{_JUJU}}}"),
    DashboardQuery(_CHARM, "Offset", f"chrony_tracking_system_time_seconds{{{_JUJU}}}"),
    DashboardQuery(
        _CHARM,
        "Maximum Clock Error",
        f"abs(chrony_tracking_last_offset_seconds{{{_JUJU}}})"
        f" + chrony_tracking_root_dispersion_seconds{{{_JUJU}}}"
        f" + (0.5 * chrony_tracking_root_delay_seconds{{{_JUJU}}})",
    ),
    DashboardQuery(_CHARM, "Source delay", f"chrony_tracking_root_delay_seconds{{{_JUJU}}}"),
    DashboardQuery(_CHARM, "Source delay", f"chrony_tracking_root_dispersion_seconds{{{_JUJU}}}"),
    *(
        DashboardQuery(
            _CHARM,
            "Current Status",
            f'label_join({metric}{{{_JUJU}}}, "source_uid", "-", '
            '"juju_model_uuid", "juju_unit", "source_address")',
        )
        for metric in (
            "chrony_sources_state_info",
            "chrony_sources_stratum",
            "chrony_sources_polling_interval_seconds",
        )
    ),
    DashboardQuery(
        _CHARM,
        "Last Sample: Age",
        f"chrony_sources_last_sample_age_seconds{{{_JUJU}}} < 4.294967295e+09",
    ),
    DashboardQuery(
        _CHARM, "Last Sample: Offset", f"chrony_sources_last_sample_offset_seconds{{{_JUJU}}}"
    ),
    DashboardQuery(
        _CHARM,
        "Last Sample: Error Margin",
        f"chrony_sources_last_sample_error_margin_seconds{{{_JUJU}}}",
    ),
    # --- the chrony + GNSS NTP-server dashboard (its chrony panels) -------
    DashboardQuery(_NTP_SERVER, "chronyd", f"chrony_up{{{_ANY}}}"),
    DashboardQuery(_NTP_SERVER, "Stratum", f"chrony_tracking_stratum{{{_ANY}}}"),
    DashboardQuery(
        _NTP_SERVER,
        "Clock error bound",
        f"abs(chrony_tracking_last_offset_seconds{{{_ANY}}})"
        f" + chrony_tracking_root_dispersion_seconds{{{_ANY}}}"
        f" + (0.5 * chrony_tracking_root_delay_seconds{{{_ANY}}})",
    ),
    DashboardQuery(_NTP_SERVER, "RMS offset", f"chrony_tracking_rms_offset_seconds{{{_ANY}}}"),
    DashboardQuery(
        _NTP_SERVER, "System clock offset", f"chrony_tracking_last_offset_seconds{{{_ANY}}}"
    ),
    DashboardQuery(
        _NTP_SERVER, "Root delay and dispersion", f"chrony_tracking_root_delay_seconds{{{_ANY}}}"
    ),
    DashboardQuery(
        _NTP_SERVER,
        "Root delay and dispersion",
        f"chrony_tracking_root_dispersion_seconds{{{_ANY}}}",
    ),
    DashboardQuery(_NTP_SERVER, "Frequency and skew", f"chrony_tracking_frequency_ppms{{{_ANY}}}"),
    DashboardQuery(
        _NTP_SERVER, "Frequency and skew", f"chrony_tracking_residual_frequency_ppms{{{_ANY}}}"
    ),
    DashboardQuery(_NTP_SERVER, "Frequency and skew", f"chrony_tracking_skew_ppms{{{_ANY}}}"),
    DashboardQuery(
        _NTP_SERVER, "Update interval", f"chrony_tracking_update_interval_seconds{{{_ANY}}}"
    ),
    DashboardQuery(
        _NTP_SERVER, "Source offsets", f"chrony_sources_last_sample_offset_seconds{{{_ANY}}}"
    ),
    DashboardQuery(
        _NTP_SERVER, "Source reachability", f"chrony_sources_reachability_ratio{{{_ANY}}}"
    ),
    DashboardQuery(
        _NTP_SERVER,
        "NTP packets served",
        f"rate(chrony_serverstats_ntp_packets_received_total{{{_ANY}}}[5m])",
    ),
    DashboardQuery(
        _NTP_SERVER,
        "NTP packets served",
        f"rate(chrony_serverstats_ntp_packets_dropped_total{{{_ANY}}}[5m])",
    ),
    DashboardQuery(
        _NTP_SERVER,
        "Client log records dropped",
        f"rate(chrony_serverstats_client_log_records_dropped_total{{{_ANY}}}[5m])",
    ),
    DashboardQuery(
        _NTP_SERVER,
        "Clients in chronyd's log",
        f"chrony_clients_connected{{{_ANY}}}",
        served=False,
        why_not=_NO_CLIENTS,
    ),
)
