"""The catalogue of chronyd's reports: one entry per libchrony report.

Every layer that needs to know "which reports exist, what model each decodes
to, whether it is one record or many" reads :data:`REPORTS` instead of
repeating the list: the typed connections, the command line, the exporter and
the test kit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeVar

from .auth import AuthData
from .clock import RTCData, Smoothing
from .ntp import NTPData
from .selection import SelectData
from .server import ServerStats
from .sources import Activity, Source, SourceStats
from .tracking import TrackingStatus

__all__ = [
    "ACTIVITY",
    "AUTHDATA",
    "NTPDATA",
    "REPORTS",
    "RTCDATA",
    "SELECTDATA",
    "SERVERSTATS",
    "SMOOTHING",
    "SOURCES",
    "SOURCESTATS",
    "TRACKING",
    "ManyReport",
    "OneReport",
    "OptionalReport",
    "ReportSpec",
    "spec_for",
]

M_co = TypeVar("M_co", covariant=True)


@dataclass(frozen=True, slots=True)
class ReportSpec(Generic[M_co]):
    """How one libchrony report maps onto the typed layer.

    ``ReportSpec[TrackingStatus]`` is a report whose records decode to
    :class:`~pychrony.TrackingStatus`. What a fetch returns (one model, a list,
    or one model or None) is the subclass's: :class:`OneReport`,
    :class:`ManyReport`, :class:`OptionalReport`, which the catalogue's
    constants are and which :meth:`pychrony.ChronyConnection.fetch` reads to
    type its result.

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
    model: type[M_co]
    many: bool = False
    may_be_disabled: bool = False
    over_udp: bool = True


@dataclass(frozen=True, slots=True)
class OneReport(ReportSpec[M_co]):
    """A report of exactly one record: fetching it returns one model."""

    many: bool = field(default=False, init=False)
    may_be_disabled: bool = field(default=False, init=False)


@dataclass(frozen=True, slots=True)
class ManyReport(ReportSpec[M_co]):
    """A report of one record per source: fetching it returns a list of models."""

    many: bool = field(default=True, init=False)
    may_be_disabled: bool = field(default=False, init=False)


@dataclass(frozen=True, slots=True)
class OptionalReport(ReportSpec[M_co]):
    """A report of one record chronyd may have disabled: fetching it returns the model or None."""

    many: bool = field(default=False, init=False)
    may_be_disabled: bool = field(default=True, init=False)


#: ``chronyc tracking``: one :class:`~pychrony.TrackingStatus`.
TRACKING: Final = OneReport("tracking", "get_tracking", TrackingStatus)
#: ``chronyc sources``: a list of :class:`~pychrony.Source`.
SOURCES: Final = ManyReport("sources", "get_sources", Source)
#: ``chronyc sourcestats``: a list of :class:`~pychrony.SourceStats`.
SOURCESTATS: Final = ManyReport("sourcestats", "get_source_stats", SourceStats)
#: ``chronyc selectdata``: a list of :class:`~pychrony.SelectData` (Unix socket before chronyd 4.7).
SELECTDATA: Final = ManyReport("selectdata", "get_select_data", SelectData, over_udp=False)
#: ``chronyc activity``: one :class:`~pychrony.Activity`.
ACTIVITY: Final = OneReport("activity", "get_activity", Activity)
#: ``chronyc authdata``: a list of :class:`~pychrony.AuthData` (Unix socket before chronyd 4.7).
AUTHDATA: Final = ManyReport("authdata", "get_auth_data", AuthData, over_udp=False)
#: ``chronyc ntpdata``: a list of :class:`~pychrony.NTPData` (Unix socket before chronyd 4.7).
NTPDATA: Final = ManyReport("ntpdata", "get_ntp_data", NTPData, over_udp=False)
#: ``chronyc serverstats``: one :class:`~pychrony.ServerStats` (Unix socket before chronyd 4.7).
SERVERSTATS: Final = OneReport("serverstats", "get_server_stats", ServerStats, over_udp=False)
#: ``chronyc rtcdata``: one :class:`~pychrony.RTCData`, or None when RTC tracking is off.
RTCDATA: Final = OptionalReport("rtcdata", "get_rtc_data", RTCData)
#: ``chronyc smoothing``: one :class:`~pychrony.Smoothing`, or None without ``smoothtime``.
SMOOTHING: Final = OptionalReport("smoothing", "get_smoothing", Smoothing)

# libchrony's order.
REPORTS: tuple[ReportSpec[Any], ...] = (
    TRACKING,
    SOURCES,
    SOURCESTATS,
    SELECTDATA,
    ACTIVITY,
    AUTHDATA,
    NTPDATA,
    SERVERSTATS,
    RTCDATA,
    SMOOTHING,
)

_BY_NAME = {spec.name: spec for spec in REPORTS}


def spec_for(name: str) -> ReportSpec[Any]:
    """The catalogue entry of report ``name``.

    Raises:
        KeyError: no such report.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(_BY_NAME)
        raise KeyError(f"unknown report {name!r}; known reports: {known}") from None
