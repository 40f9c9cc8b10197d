"""The exporter's metric families: what each chronyd report becomes in Prometheus.

``tracking``, ``sources``, ``sourcestats`` and ``serverstats`` keep the metric
names, help-free semantics, labels and units of the widely used Go
``chrony_exporter`` (``chrony_tracking_*``, ``chrony_sources_*``,
``chrony_sourcestats_*``, ``chrony_serverstats_*``), so its dashboards and
alerts work unchanged. Every other report of the catalogue is exported
generically from its model, following Prometheus' naming conventions, with
each field's unit and counter flag read from the model's metadata
(:class:`pychrony.models.units.Unit`): one sample per numeric field in its
base unit, ``chrony_<report>_<field>[_<unit suffix>]`` (``_seconds``,
``_bytes``; ``_ppm`` as chrony_exporter does for frequencies), cumulative
counts as counters ``chrony_<report>_<field>_total``, and one
``chrony_<report>_info`` gauge carrying its identifiers and states (reference
IDs, ports, enums, flags, text) as labels. Per-source records are labelled
``source_address`` and ``source_name`` (records without an address, such as
authdata, by ``source_index``). Nothing here reads a docstring.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import operator
import typing
from collections.abc import Callable, Iterator, Sequence
from enum import Enum
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.samples import Sample

from ..models import Source, SourceStats, TrackingStatus
from ..models._convert import ref_id_name
from ..models._declare import FieldSource, field_source, field_unit
from ..models.catalog import ReportSpec
from ..models.units import Unit
from .values import plain, records_of

__all__ = ["COMPATIBLE", "Namer", "families"]

#: What the ``source_name`` and ``tracking_name`` labels say for an address
#: (the exporter's reverse DNS names); by default the address itself.
Namer = Callable[[str], str]

_SOURCE_LABELS = ["source_address", "source_name"]
# chrony_exporter's label values, from the Go chrony library's names.
_STATE_NAMES = ("sync", "unreach", "falseticker", "jittery", "candidate", "outlier")
_MODE_NAMES = ("client", "peer", "reference clock")
_LOCAL_REFERENCE = "127.127.1.1"


def _gauge(name: str, doc: str, labels: Sequence[str] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=list(labels))


def _unnamed(address: str) -> str:
    return address


def _name_of(index: int, names: Sequence[str]) -> str:
    return names[index] if 0 <= index < len(names) else f"unknown ({index})"


def tracking_families(t: TrackingStatus, namer: Namer = _unnamed) -> Iterator[Metric]:
    """chrony_exporter's ``chrony_tracking_*`` metrics."""
    info = _gauge(
        "chrony_tracking_info",
        "Chrony tracking info",
        ["tracking_address", "tracking_name", "tracking_refid"],
    )
    info.add_metric(
        [
            t.reference_ip,
            namer(t.reference_ip) if t.reference_ip else t.reference_id_name,
            f"{t.reference_id:08X}",
        ],
        1.0,
    )
    yield info
    simple: tuple[tuple[str, str, float], ...] = (
        ("last_offset_seconds", "Chrony tracking last offset in seconds", t.last_offset),
        ("reference_timestamp_seconds", "Chrony tracking reference timestamp", t.ref_time),
        ("system_time_seconds", "Chrony tracking system time offset in seconds", t.offset),
        (
            "remote_reference",
            "Chrony tracking is connected to a remote source",
            0.0 if t.reference_ip == _LOCAL_REFERENCE else 1.0,
        ),
        ("rms_offset_seconds", "Chrony tracking long-term average of the offset", t.rms_offset),
        (
            "root_delay_seconds",
            "Total of the network path delays to the stratum-1 source",
            t.root_delay,
        ),
        (
            "root_dispersion_seconds",
            "Total of all measurement errors to the NTP root",
            t.root_dispersion,
        ),
        (
            "frequency_ppms",
            "Rate by which the system clock would be wrong if chronyd was not correcting it, "
            "in ppm",
            t.frequency,
        ),
        (
            "residual_frequency_ppms",
            "Difference between the frequency the reference suggests and the one in use, in ppm",
            t.residual_freq,
        ),
        ("skew_ppms", "Estimated error bound on the frequency, in ppm", t.skew),
        (
            "update_interval_seconds",
            "Interval between the last two clock updates, in seconds",
            t.update_interval,
        ),
        ("stratum", "Chrony tracking client stratum", float(t.stratum)),
        (
            "leap_status",
            "Leap status: 0 normal, 1 insert second, 2 delete second, 3 not synchronised",
            float(t.leap_status.value),
        ),
    )
    for suffix, doc, value in simple:
        family = _gauge(f"chrony_tracking_{suffix}", doc)
        family.add_metric([], value)
        yield family


def sources_families(sources: Sequence[Source], namer: Namer = _unnamed) -> Iterator[Metric]:
    """chrony_exporter's ``chrony_sources_*`` metrics, one series per source."""
    specs: tuple[tuple[str, str, Callable[[Source], float]], ...] = (
        (
            "last_sample_age_seconds",
            "Chrony sources last good sample age in seconds",
            lambda s: float(s.last_sample_ago),
        ),
        (
            "reachability_ratio",
            "Chrony sources ratio of packet reachability",
            lambda s: bin(s.reachability & 0xFF).count("1") / 8.0,
        ),
        (
            "reachability_success",
            "Chrony sources last poll reachability success",
            lambda s: float(s.reachability & 1),
        ),
        (
            "last_sample_offset_seconds",
            "Chrony sources last sample offset in seconds",
            lambda s: s.latest_meas,
        ),
        (
            "last_sample_error_margin_seconds",
            "Chrony sources last sample margin of error in seconds",
            lambda s: s.latest_meas_err,
        ),
        (
            "polling_interval_seconds",
            "Chrony sources polling interval in seconds",
            lambda s: 2.0**s.poll,
        ),
        ("stratum", "Chrony sources stratum", lambda s: float(s.stratum)),
    )
    labelled = [(s, [s.address, namer(s.address)]) for s in sources]
    for suffix, doc, get in specs:
        family = _gauge(f"chrony_sources_{suffix}", doc, _SOURCE_LABELS)
        for s, labels in labelled:
            family.add_metric(labels, get(s))
        yield family
    state = _gauge(
        "chrony_sources_state_info",
        "Chrony sources state info",
        [*_SOURCE_LABELS, "source_state", "source_mode"],
    )
    for s, labels in labelled:
        states = [_name_of(s.state.value, _STATE_NAMES), _name_of(s.mode.value, _MODE_NAMES)]
        state.add_metric([*labels, *states], 1.0)
    yield state


def sourcestats_families(stats: Sequence[SourceStats], namer: Namer = _unnamed) -> Iterator[Metric]:
    """chrony_exporter's ``chrony_sourcestats_*`` metrics, one series per source."""
    specs: tuple[tuple[str, str, Callable[[SourceStats], float]], ...] = (
        (
            "samples",
            "The number of sample points currently retained for the source",
            lambda s: float(s.samples),
        ),
        (
            "runs",
            "The number of runs of residuals having the same sign following the last regression",
            lambda s: float(s.runs),
        ),
        (
            "span_seconds",
            "The interval between the oldest and newest samples in seconds",
            lambda s: float(s.span),
        ),
        ("stddev", "The estimated sample standard deviation, in seconds", lambda s: s.std_dev),
        (
            "frequency_ppms",
            "The estimated residual frequency for the source, in ppm",
            lambda s: s.resid_freq,
        ),
        (
            "frequency_skew_ppms",
            "The estimated error bounds on the frequency, in ppm",
            lambda s: s.skew,
        ),
        ("offset", "The estimated offset of the source, in seconds", lambda s: s.offset),
    )
    labelled = []
    for s in stats:
        address = s.address or ref_id_name(s.reference_id)
        labelled.append((s, [address, namer(address)]))
    for suffix, doc, get in specs:
        family = _gauge(f"chrony_sourcestats_{suffix}", doc, _SOURCE_LABELS)
        for s, labels in labelled:
            family.add_metric(labels, get(s))
        yield family


# chrony_exporter's serverstats names -> the ServerStats field, and whether a counter.
_SERVERSTATS: tuple[tuple[str, str, str, bool], ...] = (
    ("ntp_packets_received", "received_ntp_requests", "Valid NTP requests received", True),
    (
        "nts_ke_connections_accepted",
        "accepted_nts_ke_connections",
        "NTS-KE connections accepted",
        True,
    ),
    ("command_packets_received", "received_command_requests", "Command requests received", True),
    (
        "ntp_packets_dropped",
        "dropped_ntp_requests",
        "NTP requests dropped due to rate limiting",
        True,
    ),
    (
        "nts_ke_connections_dropped",
        "dropped_nts_ke_connections",
        "NTS-KE connections dropped due to rate limiting",
        True,
    ),
    (
        "command_packets_dropped",
        "dropped_command_requests",
        "Command requests dropped due to rate limiting",
        True,
    ),
    (
        "client_log_records_dropped",
        "dropped_client_log_records",
        "Client log records dropped to limit memory use",
        True,
    ),
    (
        "authenticated_ntp_packets",
        "received_authenticated_ntp_requests",
        "NTP requests authenticated with a symmetric key or NTS",
        True,
    ),
    (
        "interleaved_ntp_packets",
        "received_interleaved_ntp_requests",
        "NTP requests in the interleaved mode",
        True,
    ),
    (
        "ntp_timestamps_held",
        "held_ntp_timestamps",
        "Receive and transmit timestamp pairs held for interleaved clients",
        False,
    ),
    (
        "ntp_timestamp_span_seconds",
        "ntp_timestamp_span",
        "Interval covered by the held NTP timestamps, in seconds",
        False,
    ),
    (
        "ntp_daemon_rx_timestamps",
        "served_daemon_rx_timestamps",
        "NTP responses with a receive timestamp captured by the daemon",
        True,
    ),
    (
        "ntp_daemon_tx_timestamps",
        "served_daemon_tx_timestamps",
        "NTP responses with a transmit timestamp captured by the daemon",
        True,
    ),
    (
        "ntp_kernel_rx_timestamps",
        "served_kernel_rx_timestamps",
        "NTP responses with a receive timestamp captured by the kernel",
        True,
    ),
    (
        "ntp_kernel_tx_timestamps",
        "served_kernel_tx_timestamps",
        "NTP responses with a transmit timestamp captured by the kernel",
        True,
    ),
    (
        "ntp_hw_rx_timestamps",
        "served_hardware_rx_timestamps",
        "NTP responses with a receive timestamp captured by the NIC",
        True,
    ),
    (
        "ntp_hw_tx_timestamps",
        "served_hardware_tx_timestamps",
        "NTP responses with a transmit timestamp captured by the NIC",
        True,
    ),
)


def serverstats_families(stats: Any, namer: Namer = _unnamed) -> Iterator[Metric]:
    """chrony_exporter's ``chrony_serverstats_*`` metrics (absent fields are skipped)."""
    for suffix, attr, doc, counter in _SERVERSTATS:
        value = getattr(stats, attr, None)
        if value is None:
            continue  # an older chronyd does not count it
        name = f"chrony_serverstats_{suffix}"
        if counter:
            total = CounterMetricFamily(name, doc)
            total.add_metric([], float(value))
            yield total
        else:
            gauge = GaugeMetricFamily(name, doc)
            gauge.add_metric([], float(value))
            yield gauge


# chrony_exporter's --collector.sources.with-ntpdata names -> the NTPData field.
_SOURCES_PEER: tuple[tuple[str, str, str], ...] = (
    ("peer_offset_seconds", "offset", "Chrony sources peer offset"),
    ("peer_delay_seconds", "peer_delay", "Chrony sources peer delay"),
    ("peer_dispersion_seconds", "peer_dispersion", "Chrony sources peer dispersion"),
    ("peer_response_time_seconds", "response_time", "Chrony sources peer response time"),
    # A ratio (-0.5 to 0.5) in chronyd; the name is chrony_exporter's.
    ("peer_jitter_asymmetry_seconds", "jitter_asymmetry", "Chrony sources peer jitter asymmetry"),
)


@functools.cache
def _ntpdata_units() -> dict[str, Unit]:
    from ..models import NTPData

    return {f.name: field_unit(f) for f in dataclasses.fields(NTPData)}


def sources_peer_families(records: Sequence[Any], namer: Namer = _unnamed) -> Iterator[Metric]:
    """chrony_exporter's ``chrony_sources_peer_*`` metrics, from ntpdata records.

    What ``--collector.sources.with-ntpdata`` adds there: one series per NTP
    source (reference clocks have no NTP exchange and are left out), values
    in the base unit of the model's metadata.
    """
    kept = [(r, [r.remote_address, namer(r.remote_address)]) for r in records if r.remote_address]
    units = _ntpdata_units()
    for suffix, field, doc in _SOURCES_PEER:
        family = _gauge(f"chrony_sources_{suffix}", doc, _SOURCE_LABELS)
        to_base = units[field].base_converter()
        for record, labels in kept:
            value = getattr(record, field)
            if value is not None:
                family.add_metric(labels, to_base(value))
        yield family


COMPATIBLE: dict[str, Callable[[Any, Namer], Iterator[Metric]]] = {
    "tracking": tracking_families,
    "sources": sources_families,
    "sourcestats": sourcestats_families,
    "serverstats": serverstats_families,
}

# --- generic export of any other report ---------------------------------------

_ADDRESS_FIELDS = ("address", "remote_address")


@dataclasses.dataclass(frozen=True)
class _Column:
    field: str
    unit: Unit
    kind: str  # "gauge", "counter" or "label" (on the info gauge)
    metric: str
    doc: str


def _metric_name(report: str, field: str, unit: Unit) -> str:
    suffix = unit.metric_suffix
    name = f"chrony_{report}_{field}"
    return name if not suffix or name.endswith(f"_{suffix}") else f"{name}_{suffix}"


def _help(report: str, source: FieldSource, unit: Unit) -> str:
    what = f"chronyd's {report} {source.names[0]!r}"
    if source.counter:
        return f"{what}, a cumulative count"
    if unit.meaning.log2 or unit.meaning.scale != 1.0:
        return f"{what} in {unit.metric_suffix} (chronyd reports {unit.description})"
    if unit.metric_suffix:
        return f"{what} in {unit.description}"
    return f"{what} ({unit.description})"


@functools.cache
def _columns(spec: ReportSpec[Any]) -> tuple[_Column, ...]:
    hints = typing.get_type_hints(spec.model)
    columns = []
    for f in dataclasses.fields(spec.model):
        if f.name in _ADDRESS_FIELDS:
            continue  # the record's labels
        source, unit = field_source(f), field_unit(f)
        hint = hints[f.name]
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        base = args[0] if args else hint
        if unit.is_label or base is str:
            columns.append(_Column(f.name, unit, "label", f.name, ""))
        elif source.counter:
            metric = f"chrony_{spec.name}_{f.name}"
            columns.append(_Column(f.name, unit, "counter", metric, _help(spec.name, source, unit)))
        else:
            metric = _metric_name(spec.name, f.name, unit)
            columns.append(_Column(f.name, unit, "gauge", metric, _help(spec.name, source, unit)))
    return tuple(columns)


@functools.lru_cache(maxsize=4096, typed=True)
def _state_label(value: Enum) -> str:
    # Enum and flag values repeat across records and scrapes: name them once.
    shown = plain(value)
    return ",".join(str(v) for v in shown) if isinstance(shown, list) else str(shown)


def _label_value(value: Any, unit: Unit) -> str:
    kind = type(value)
    if kind is str:
        return str(value)  # most labels: addresses, names (str() of a str is itself)
    if kind is int and unit is not Unit.REFERENCE_ID:
        return str(value)  # ports, key IDs: what plain() and str() make of them
    if unit is Unit.REFERENCE_ID and isinstance(value, int):
        return f"{value:08X}"  # as chrony_exporter's tracking_refid
    if isinstance(value, Enum):
        return _state_label(value)
    shown = plain(value)
    if isinstance(shown, list):
        return ",".join(str(v) for v in shown)
    return "" if shown is None else str(shown)


@dataclasses.dataclass(frozen=True)
class _Plan:
    """How one report's records become samples, worked out once per report."""

    values: Callable[[Any], tuple[Any, ...]]  # every field of a record, in order
    # (position in values, column) of each sample family, in column order
    samples: tuple[tuple[int, _Column], ...]
    # (label name, position in values, unit) of each label of the info gauge
    labels: tuple[tuple[str, int, Unit], ...]


@functools.cache
def _plan(spec: ReportSpec[Any]) -> _Plan:
    names = tuple(f.name for f in dataclasses.fields(spec.model))
    getter = operator.attrgetter(*names)
    values: Callable[[Any], tuple[Any, ...]] = (
        getter if len(names) > 1 else (lambda record: (getter(record),))
    )
    position = {name: i for i, name in enumerate(names)}
    columns = _columns(spec)
    return _Plan(
        values,
        tuple((position[c.field], c) for c in columns if c.kind != "label"),
        tuple((c.field, position[c.field], c.unit) for c in columns if c.kind == "label"),
    )


def _record_labels(
    spec: ReportSpec[Any], record: Any, index: int, namer: Namer
) -> tuple[list[str], list[str]]:
    if not spec.many:
        return [], []
    for field in _ADDRESS_FIELDS:
        address = getattr(record, field, None)
        if address is not None:
            if not address and hasattr(record, "reference_id"):
                address = ref_id_name(record.reference_id)
            return _SOURCE_LABELS, [address, namer(address)]
    return ["source_index"], [str(index)]


def generic_families(
    spec: ReportSpec[Any], records: Sequence[Any], namer: Namer = _unnamed
) -> Iterator[Metric]:
    """Any report as gauges of its numeric fields and an info gauge of the rest."""
    plan = _plan(spec)
    # A record with nothing in it (a reference clock's ntpdata or authdata)
    # has no value to export, nor an address to label one with; the others
    # keep their position in the report.
    kept = []
    for i, record in enumerate(records):
        values = plan.values(record)
        if values.count(None) != len(values):
            kept.append((i, record, values))
    if not kept:
        return
    label_names, _ = _record_labels(spec, kept[0][1], kept[0][0], namer)
    # Each record's labels as a dict, once, shared by the record's samples
    # in every family (nothing changes a sample's labels once made). Like
    # add_metric, a record labelled otherwise than the first keeps the
    # first's names.
    keyed = [
        (dict(zip(label_names, _record_labels(spec, record, i, namer)[1], strict=False)), values)
        for i, record, values in kept
    ]
    for position, column in plan.samples:
        family: GaugeMetricFamily | CounterMetricFamily
        if column.kind == "counter":
            family = CounterMetricFamily(column.metric, column.doc, labels=label_names)
            sample_name = f"{column.metric}_total"
        else:
            family = _gauge(column.metric, column.doc, label_names)
            sample_name = column.metric
        # Samples made here rather than by add_metric: the same Sample, without
        # zipping the label names again for every one.
        append = family.samples.append
        to_base = column.unit.base_converter()
        for base, values in keyed:
            value = values[position]
            if value is not None:
                append(Sample(sample_name, base, to_base(value)))
        yield family
    if plan.labels:
        info = _gauge(
            f"chrony_{spec.name}_info",
            f"chronyd's {spec.name} report: its non-numeric fields as labels",
            [*label_names, *(field for field, _, _ in plan.labels)],
        )
        append = info.samples.append
        for base, values in keyed:
            labels = base.copy()
            for field, position, unit in plan.labels:
                labels[field] = _label_value(values[position], unit)
            append(Sample(info.name, labels, 1.0))
        yield info


def families(
    spec: ReportSpec[Any],
    value: Any,
    *,
    sources_peer: bool = False,
    namer: Namer | None = None,
) -> Iterator[Metric]:
    """The metric families of one report's answer (nothing when disabled).

    Args:
        spec: the report.
        value: its answer (a record, or a list of records).
        sources_peer: for ntpdata, also chrony_exporter's
            ``chrony_sources_peer_*`` families (``--collector.sources.with-ntpdata``).
        namer: what the ``source_name`` (``tracking_name``) label says for
            the address its ``source_address`` label holds; None: the
            address itself.
    """
    if namer is None:
        namer = _unnamed
    if value is None:
        return iter(())
    compatible = COMPATIBLE.get(spec.name)
    if compatible is not None:
        return compatible(value, namer)
    records = records_of(spec, value)
    if sources_peer and spec.name == "ntpdata":
        return itertools.chain(
            generic_families(spec, records, namer), sources_peer_families(records, namer)
        )
    return generic_families(spec, records, namer)
