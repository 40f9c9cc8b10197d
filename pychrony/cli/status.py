"""``pychrony status``: what an operator reads at a glance.

Synchronised or not, to what, the system clock's offset and stratum, then
each source with its state, reachability, polling interval and last sample,
in the spirit of ``chronyc tracking`` + ``chronyc sources`` but spelled out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from ..connection import ChronyConnection
from ..models import Source, TrackingStatus
from ..models.units import NEVER
from .render import Block
from .values import Plain, listed, record_dict

__all__ = ["Overview", "StatusView", "human_seconds", "reachable", "selectable"]


def reachable(sources: Sequence[Source]) -> int:
    """How many sources answered at least one of their last eight polls."""
    return sum(1 for s in sources if s.is_reachable())


def selectable(sources: Sequence[Source]) -> int:
    """How many sources chronyd considers selectable (``*``, ``+`` or ``-``)."""
    return sum(1 for s in sources if s.is_selectable())


def human_seconds(value: float, *, signed: bool = True) -> str:
    """Seconds in the unit that reads best: ``+12.3 us``, ``-1.5 ms``, ``2.000 s``."""
    sign = ("+" if value >= 0 else "-") if signed else ("-" if value < 0 else "")
    magnitude = abs(value)
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if magnitude >= scale:
            return f"{sign}{magnitude / scale:.3f} {unit}"
    return f"{sign}{magnitude / 1e-9:.0f} ns"


def _poll(poll: int) -> str:
    interval = 2.0**poll
    return f"{interval:g} s" if interval < 60 else f"{interval / 60:g} min"


def _ago(seconds: int) -> str:
    if seconds >= NEVER:
        return "never"
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


@dataclass(frozen=True)
class Overview:
    """One server's tracking report and sources.

    Attributes:
        tracking: the tracking report.
        sources: the sources shown and counted: as ``chronyc sources``, those
            whose name is not resolved yet are left out unless asked for.
        unresolved: how many placeholder sources were left out.
    """

    tracking: TrackingStatus
    sources: list[Source]
    unresolved: int = 0

    @classmethod
    def read(cls, conn: ChronyConnection, *, include_unresolved: bool = False) -> Overview:
        """Tracking and sources from ``conn``, placeholders left out unless included."""
        tracking, every = conn.get_tracking(), conn.get_sources()
        shown = listed(every, include_unresolved)
        return cls(tracking, shown, len(every) - len(shown))

    @property
    def synchronised(self) -> bool:
        """Whether chronyd is synchronised to a source."""
        return self.tracking.is_synchronized()

    @property
    def reference(self) -> str:
        """The source synchronised to, as people name it ("" when none)."""
        t = self.tracking
        if not self.synchronised:
            return ""
        return t.reference_ip or t.reference_id_name

    def summary(self) -> dict[str, Plain]:
        """The at-a-glance figures, also the CSV row."""
        t = self.tracking
        return {
            "synchronised": self.synchronised,
            "reference": self.reference,
            "stratum": t.stratum,
            "offset": t.offset,
            "leap_status": t.leap_status.name,
            "sources_total": len(self.sources),
            "sources_reachable": reachable(self.sources),
            "sources_selectable": selectable(self.sources),
        }

    def lines(self) -> list[str]:
        """The overview as text."""
        t = self.tracking
        s = self.summary()
        if self.synchronised:
            head = f"synchronised to {self.reference} ({t.reference_id_name}), stratum {t.stratum}"
        else:
            head = f"NOT synchronised (stratum {t.stratum})"
        lines = [
            head,
            f"  system time     {human_seconds(abs(t.offset), signed=False)} "
            f"{t.offset_direction} of NTP time",
            f"  last offset     {human_seconds(t.last_offset)}, "
            f"rms {human_seconds(t.rms_offset, signed=False)}",
            f"  frequency       {t.frequency:+.3f} ppm (skew {t.skew:.3f} ppm, "
            f"residual {t.residual_freq:+.3f} ppm)",
            f"  root            delay {human_seconds(t.root_delay, signed=False)}, "
            f"dispersion {human_seconds(t.root_dispersion, signed=False)}",
            f"  leap status     {t.leap_status.description}",
            f"  sources         {s['sources_reachable']} of {s['sources_total']} reachable, "
            f"{s['sources_selectable']} selectable",
            "",
        ]
        rows = [("", "source", "mode", "state", "reach", "poll", "last sample")]
        for src in self.sources:
            if src.last_sample_ago >= NEVER:
                sample = "never"
            else:
                sample = (
                    f"{human_seconds(src.latest_meas)} "
                    f"+/- {human_seconds(src.latest_meas_err, signed=False)}, "
                    f"{_ago(src.last_sample_ago)}"
                )
            rows.append(
                (
                    src.mode.symbol + src.state.symbol,
                    src.display_name,
                    src.mode.description,
                    src.state.description,
                    f"{src.reachability:03o}",
                    _poll(src.poll),
                    sample,
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines += [
            "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows
        ]
        return lines


class StatusView:
    """``status``: tracking and sources of each server."""

    calls = 2

    def __init__(self, *, include_unresolved: bool = False) -> None:
        self.include_unresolved = include_unresolved

    columns: ClassVar[list[str]] = [
        "synchronised",
        "reference",
        "stratum",
        "offset",
        "leap_status",
        "sources_total",
        "sources_reachable",
        "sources_selectable",
    ]

    def fetch(self, conn: ChronyConnection) -> Overview:
        """Tracking and sources."""
        return Overview.read(conn, include_unresolved=self.include_unresolved)

    def document(self, value: Overview) -> Plain:
        """The summary, plus the full tracking report and every source."""
        doc: dict[str, Any] = dict(value.summary())
        doc["tracking"] = record_dict(value.tracking)
        doc["sources"] = [record_dict(s) for s in value.sources]
        return doc

    def rows(self, value: Overview) -> list[dict[str, Plain]]:
        """One summary row."""
        return [value.summary()]

    def block(self, value: Overview) -> Block:
        """The overview text."""
        return Block([], self.columns, False, text=value.lines())
