"""Time sources: ``chronyc sources``, ``sourcestats`` and ``activity``.

A source's state and mode, with what each means to chronyc (its mark and its
words), are the enums here, beside the models that carry them.

Annotations are evaluated when the classes are created (no ``from __future__
import annotations`` here), so ``dataclasses.fields(Model)[i].type`` is the
type itself (``int``, ``SourceState``), as in pychrony 2.x.
"""

from dataclasses import dataclass, field

from ._convert import is_placeholder, ref_id_name, source_address, text
from ._declare import source
from ._enum import _TolerantEnum
from .units import Unit

__all__ = ["Activity", "Source", "SourceMode", "SourceState", "SourceStats"]


class SourceState(_TolerantEnum):
    """Selection state of a source (the ``S`` column of ``chronyc sources``).

    libchrony's names predate chronyc's wording and two of them read
    backwards; :attr:`symbol` and :attr:`description` give what chronyc shows.

    Attributes:
        SELECTED: the best source, selected for synchronisation (``*``).
        NONSELECTABLE: unusable: not selectable for synchronisation, e.g.
            unreachable, not synchronised or short of samples (``?``).
        FALSETICKER: a falseticker: disagrees with the majority (``x``).
        JITTERY: jittery: its time varies too much (``~``).
        UNSELECTED: combined: used for synchronisation together with the
            selected source (``+``; libchrony's name, despite what it suggests).
        SELECTABLE: not combined: selectable, but not currently used, e.g.
            for its distance (``-``).
    """

    SELECTED = 0
    NONSELECTABLE = 1
    FALSETICKER = 2
    JITTERY = 3
    UNSELECTED = 4
    SELECTABLE = 5

    @property
    def symbol(self) -> str:
        """The mark ``chronyc sources`` prints (``" "`` for a state it does not know)."""
        return _SOURCE_STATE_WORDS.get(int(self.value), (" ", ""))[0]

    @property
    def description(self) -> str:
        """The state in chronyc's words.

        One of ``selected``, ``combined``, ``not combined``, ``falseticker``,
        ``jittery`` or ``unusable``.
        """
        known = _SOURCE_STATE_WORDS.get(int(self.value))
        return known[1] if known else f"unknown ({int(self.value)})"

    @property
    def is_selected(self) -> bool:
        """Whether this is the best source, the one chronyd synchronises to (``*``)."""
        return self is SourceState.SELECTED

    @property
    def is_combined(self) -> bool:
        """Whether the source is used for synchronisation, selected or combined (``*``, ``+``)."""
        return self in (SourceState.SELECTED, SourceState.UNSELECTED)

    @property
    def is_selectable(self) -> bool:
        """Whether chronyd considers the source selectable (``*``, ``+``, ``-``)."""
        return self in (SourceState.SELECTED, SourceState.UNSELECTED, SourceState.SELECTABLE)


# One place for what each state means: chronyc's mark (client.c) and its words
# (chronyc's documentation and its `sources -v` legend).
_SOURCE_STATE_WORDS: dict[int, tuple[str, str]] = {
    SourceState.SELECTED.value: ("*", "selected"),
    SourceState.NONSELECTABLE.value: ("?", "unusable"),
    SourceState.FALSETICKER.value: ("x", "falseticker"),
    SourceState.JITTERY.value: ("~", "jittery"),
    SourceState.UNSELECTED.value: ("+", "combined"),
    SourceState.SELECTABLE.value: ("-", "not combined"),
}


class SourceMode(_TolerantEnum):
    """How chronyd talks to a source (the ``M`` column of ``chronyc sources``).

    Attributes:
        CLIENT: an NTP server polled by chronyd (``^``).
        PEER: a symmetric NTP peer (``=``).
        REFCLOCK: a local reference clock (``#``).
    """

    CLIENT = 0
    PEER = 1
    REFCLOCK = 2

    @property
    def symbol(self) -> str:
        """The mark ``chronyc sources`` prints (``" "`` for a mode it does not know)."""
        return _SOURCE_MODE_WORDS.get(int(self.value), (" ", ""))[0]

    @property
    def description(self) -> str:
        """The mode in chronyc's words (``server``, ``peer`` or ``reference clock``)."""
        known = _SOURCE_MODE_WORDS.get(int(self.value))
        return known[1] if known else f"unknown ({int(self.value)})"


_SOURCE_MODE_WORDS: dict[int, tuple[str, str]] = {
    SourceMode.CLIENT.value: ("^", "server"),
    SourceMode.PEER.value: ("=", "peer"),
    SourceMode.REFCLOCK.value: ("#", "reference clock"),
}


@dataclass(frozen=True, slots=True)
class Source:
    """One time source (a line of ``chronyc sources``).

    Attributes:
        address: the source's IP address, or a reference clock's name.
        poll: polling interval, log2 seconds (-2 means every 0.25 s).
        stratum: the source's stratum.
        state: selection state.
        mode: client, peer or reference clock.
        flags: source flags as chronyd reports them.
        reachability: reachability register, last 8 polls (255 = ``377`` octal).
        last_sample_ago: seconds since the last good sample (4294967295: never).
        orig_latest_meas: last sample's offset as measured, seconds.
        latest_meas: last sample's offset adjusted for clock updates since, seconds.
        latest_meas_err: error bound of the last sample, seconds.
    """

    address: str = field(
        metadata=source("address", "reference ID", convert=source_address, unit=Unit.ADDRESS)
    )
    poll: int = field(metadata=source("poll", unit=Unit.LOG2_SECONDS))
    stratum: int = field(metadata=source("stratum", unit=Unit.COUNT))
    state: SourceState = field(metadata=source("state", convert=SourceState, unit=Unit.ENUM))
    mode: SourceMode = field(metadata=source("mode", convert=SourceMode, unit=Unit.ENUM))
    flags: int = field(metadata=source("flags", unit=Unit.FLAGS))
    reachability: int = field(metadata=source("reachability", unit=Unit.REGISTER))
    last_sample_ago: int = field(metadata=source("last sample ago", unit=Unit.INTERVAL))
    orig_latest_meas: float = field(
        metadata=source("original last sample offset", unit=Unit.OFFSET)
    )
    latest_meas: float = field(metadata=source("adjusted last sample offset", unit=Unit.OFFSET))
    latest_meas_err: float = field(metadata=source("last sample error", unit=Unit.SECONDS))

    def is_reachable(self) -> bool:
        """Whether any of the last eight polls got a reply."""
        return self.reachability > 0

    def is_selected(self) -> bool:
        """Whether chronyd synchronises to this source."""
        return self.state == SourceState.SELECTED

    def is_combined(self) -> bool:
        """Whether the source is used for synchronisation (selected or combined)."""
        return self.state.is_combined

    def is_selectable(self) -> bool:
        """Whether chronyd considers the source selectable (selected, combined or not combined)."""
        return self.state.is_selectable

    def is_resolved(self) -> bool:
        """Whether the source has an address, not a placeholder for an unresolved name.

        A ``server``/``pool`` whose name chronyd has not resolved yet is listed
        with a placeholder address (``ID#0000000001``). ``chronyc sources``
        hides such sources unless given ``-a``, and so do pychrony's command,
        check and exporter; the library returns every record, so filter with
        ``[s for s in sources if s.is_resolved()]``.
        """
        return not is_placeholder(self.address)

    @property
    def display_name(self) -> str:
        """How chronyc names the source (its address, or a reference clock's name)."""
        return self.address


@dataclass(frozen=True, slots=True)
class SourceStats:
    """Measurement statistics of one source (a line of ``chronyc sourcestats``).

    Attributes:
        reference_id: the source's reference ID.
        address: the source's IP address (``""`` for a reference clock).
        samples: sample points retained.
        runs: runs of residuals with the same sign.
        span: interval between the oldest and newest sample, seconds.
        std_dev: estimated sample standard deviation, seconds.
        resid_freq: residual frequency, ppm.
        skew: estimated error bound on ``resid_freq``, ppm.
        offset: estimated offset of the source, seconds.
        offset_err: estimated error of ``offset``, seconds.
    """

    reference_id: int = field(metadata=source("reference ID", unit=Unit.REFERENCE_ID))
    address: str = field(metadata=source("address", convert=text, unit=Unit.ADDRESS))
    samples: int = field(metadata=source("samples", unit=Unit.COUNT))
    runs: int = field(metadata=source("runs", unit=Unit.COUNT))
    span: int = field(metadata=source("span", unit=Unit.INTERVAL))
    std_dev: float = field(metadata=source("standard deviation", unit=Unit.SECONDS))
    resid_freq: float = field(metadata=source("residual frequency", unit=Unit.OFFSET_PPM))
    skew: float = field(metadata=source("skew", unit=Unit.PPM))
    offset: float = field(metadata=source("offset", unit=Unit.OFFSET))
    offset_err: float = field(metadata=source("offset error", unit=Unit.SECONDS))

    def has_sufficient_samples(self, minimum: int = 4) -> bool:
        """Whether at least ``minimum`` samples back the statistics."""
        return self.samples >= minimum

    def is_resolved(self) -> bool:
        """Whether the source has an address, not a placeholder (see :meth:`Source.is_resolved`)."""
        return not is_placeholder(self.address)

    @property
    def display_name(self) -> str:
        """How chronyc names the source (its address, or a reference clock's reference ID)."""
        return self.address or ref_id_name(self.reference_id)


@dataclass(frozen=True, slots=True)
class Activity:
    """How many sources are online (``chronyc activity``).

    Attributes:
        online_sources: sources being polled.
        offline_sources: sources set offline.
        burst_online_return_sources: sources in a burst, returning online afterwards.
        burst_offline_return_sources: sources in a burst, returning offline afterwards.
        unresolved_sources: sources whose name is not resolved yet.
    """

    online_sources: int = field(metadata=source("online sources", unit=Unit.COUNT))
    offline_sources: int = field(metadata=source("offline sources", unit=Unit.COUNT))
    burst_online_return_sources: int = field(
        metadata=source("burst online-return sources", unit=Unit.COUNT)
    )
    burst_offline_return_sources: int = field(
        metadata=source("burst offline-return sources", unit=Unit.COUNT)
    )
    unresolved_sources: int = field(metadata=source("unresolved sources", unit=Unit.COUNT))

    @property
    def total_sources(self) -> int:
        """All sources, whatever their state."""
        return (
            self.online_sources
            + self.offline_sources
            + self.burst_online_return_sources
            + self.burst_offline_return_sources
            + self.unresolved_sources
        )
