"""The catalogue of chronyd's reports: one entry per libchrony report.

Every layer that needs to know "which reports exist, what model each decodes
to, whether it is one record or many" reads :data:`REPORTS` instead of
repeating the list: the typed connections, the command line, the exporter and
the test kit.
"""

from __future__ import annotations

from dataclasses import dataclass

from .auth import AuthData
from .clock import RTCData, Smoothing
from .ntp import NTPData
from .selection import SelectData
from .server import ServerStats
from .sources import Activity, Source, SourceStats
from .tracking import TrackingStatus

__all__ = ["REPORTS", "ReportSpec", "spec_for"]


@dataclass(frozen=True, slots=True)
class ReportSpec:
    """How one libchrony report maps onto the typed layer.

    Attributes:
        name: libchrony's report name (``"tracking"``).
        method: the typed getter on :class:`pychrony.ChronyConnection`
            (``"get_tracking"``).
        model: the frozen dataclass each record decodes to.
        many: whether the report has one record per source (the getter returns
            a list) rather than exactly one.
        may_be_disabled: whether chronyd may answer DISABLED (the getter then
            returns None).
        over_udp: whether chronyd 4.3-4.6 serves it over the UDP command port
            (the others need the Unix socket).
    """

    name: str
    method: str
    model: type
    many: bool = False
    may_be_disabled: bool = False
    over_udp: bool = True


# libchrony's order.
REPORTS: tuple[ReportSpec, ...] = (
    ReportSpec("tracking", "get_tracking", TrackingStatus),
    ReportSpec("sources", "get_sources", Source, many=True),
    ReportSpec("sourcestats", "get_source_stats", SourceStats, many=True),
    ReportSpec("selectdata", "get_select_data", SelectData, many=True, over_udp=False),
    ReportSpec("activity", "get_activity", Activity),
    ReportSpec("authdata", "get_auth_data", AuthData, many=True, over_udp=False),
    ReportSpec("ntpdata", "get_ntp_data", NTPData, many=True, over_udp=False),
    ReportSpec("serverstats", "get_server_stats", ServerStats, over_udp=False),
    ReportSpec("rtcdata", "get_rtc_data", RTCData, may_be_disabled=True),
    ReportSpec("smoothing", "get_smoothing", Smoothing, may_be_disabled=True),
)

_BY_NAME = {spec.name: spec for spec in REPORTS}


def spec_for(name: str) -> ReportSpec:
    """The catalogue entry of report ``name``.

    Raises:
        KeyError: no such report.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(_BY_NAME)
        raise KeyError(f"unknown report {name!r}; known reports: {known}") from None
