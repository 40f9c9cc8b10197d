"""The catalogue of chronyd's reports: one entry per libchrony report.

Every layer that needs to know "which reports exist, what model each decodes
to, whether it is one record or many" reads :data:`REPORTS` instead of
repeating the list: the typed connections, the command line, the exporter and
the test kit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
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


if TYPE_CHECKING:
    #: ``chronyc tracking``: one :class:`~pychrony.TrackingStatus`.
    TRACKING: OneReport[TrackingStatus]
    #: ``chronyc sources``: a list of :class:`~pychrony.Source`.
    SOURCES: ManyReport[Source]
    #: ``chronyc sourcestats``: a list of :class:`~pychrony.SourceStats`.
    SOURCESTATS: ManyReport[SourceStats]
    #: ``chronyc selectdata``: a list of :class:`~pychrony.SelectData`
    #: (Unix socket before chronyd 4.7).
    SELECTDATA: ManyReport[SelectData]
    #: ``chronyc activity``: one :class:`~pychrony.Activity`.
    ACTIVITY: OneReport[Activity]
    #: ``chronyc authdata``: a list of :class:`~pychrony.AuthData` (Unix socket before chronyd 4.7).
    AUTHDATA: ManyReport[AuthData]
    #: ``chronyc ntpdata``: a list of :class:`~pychrony.NTPData` (Unix socket before chronyd 4.7).
    NTPDATA: ManyReport[NTPData]
    #: ``chronyc serverstats``: one :class:`~pychrony.ServerStats` (Unix socket before chronyd 4.7).
    SERVERSTATS: OneReport[ServerStats]
    #: ``chronyc rtcdata``: one :class:`~pychrony.RTCData`, or None when RTC tracking is off.
    RTCDATA: OptionalReport[RTCData]
    #: ``chronyc smoothing``: one :class:`~pychrony.Smoothing`, or None without ``smoothtime``.
    SMOOTHING: OptionalReport[Smoothing]
    # Every report, in libchrony's order.
    REPORTS: tuple[ReportSpec[Any], ...]

# Every report in libchrony's order: its kind, its getter, its model's class
# (pychrony.models knows the module of each) and whether chronyd 4.3-4.6
# serves it over UDP. Its constant is the name in capitals. An entry is built
# on first use, so a caller of one report imports that report's model only
# (each model is a dataclass built at import, and ``import pychrony`` should
# not pay for ten).
_DECLARED: dict[str, tuple[type[ReportSpec[Any]], str, str, bool]] = {
    "tracking": (OneReport, "get_tracking", "TrackingStatus", True),
    "sources": (ManyReport, "get_sources", "Source", True),
    "sourcestats": (ManyReport, "get_source_stats", "SourceStats", True),
    "selectdata": (ManyReport, "get_select_data", "SelectData", False),
    "activity": (OneReport, "get_activity", "Activity", True),
    "authdata": (ManyReport, "get_auth_data", "AuthData", False),
    "ntpdata": (ManyReport, "get_ntp_data", "NTPData", False),
    "serverstats": (OneReport, "get_server_stats", "ServerStats", False),
    "rtcdata": (OptionalReport, "get_rtc_data", "RTCData", True),
    "smoothing": (OptionalReport, "get_smoothing", "Smoothing", True),
}


def _entry(name: str) -> ReportSpec[Any]:
    """The one entry of report ``name``, built and kept on first use."""
    spec: ReportSpec[Any] | None = globals().get(name.upper())
    if spec is None:
        kind, method, model, over_udp = _DECLARED[name]
        # The package's lazy export imports the model from its subject module.
        cls = getattr(import_module(__package__), model)
        # setdefault keeps the first entry built when two threads race, so
        # every caller sees the same object.
        spec = globals().setdefault(name.upper(), kind(name, method, cls, over_udp=over_udp))
    return spec


def __dir__() -> list[str]:
    # The lazy names too, before their first use (for completion and help()).
    return sorted({*globals(), *__all__})


def __getattr__(attribute: str) -> object:
    if attribute == "REPORTS":
        return globals().setdefault("REPORTS", tuple(_entry(name) for name in _DECLARED))
    name = attribute.lower()
    if attribute.isupper() and name in _DECLARED:
        return _entry(name)
    raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")


def spec_for(name: str) -> ReportSpec[Any]:
    """The catalogue entry of report ``name``.

    Raises:
        KeyError: no such report.
    """
    if name not in _DECLARED:
        known = ", ".join(_DECLARED)
        raise KeyError(f"unknown report {name!r}; known reports: {known}")
    return _entry(name)
