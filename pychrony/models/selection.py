"""Source selection: ``chronyc selectdata``, with why a source was (not) selected.

Annotations are evaluated when the classes are created (no ``from __future__
import annotations`` here), so ``dataclasses.fields(Model)[i].type`` is the
type itself (``int``, ``SourceState``), as in pychrony 2.x.
"""

from dataclasses import dataclass, field
from enum import IntFlag

from ._convert import is_placeholder, ref_id_name, text
from ._declare import source
from ._enum import _CharCodeEnum
from .tracking import LeapStatus
from .units import Unit

__all__ = ["SelectData", "SelectOptions", "SelectState"]


class SelectState(_CharCodeEnum):
    """Why a source was or was not selected (first column of ``chronyc selectdata``).

    Values are the ASCII codes chronyd uses; :attr:`code` gives the character.

    Attributes:
        IGNORED: configured with ``noselect`` (``N``).
        NOT_SYNCHRONIZED: the source is not synchronised (``s``).
        MISSING_SAMPLES: too few samples yet (``M``).
        UNACCEPTABLE_STRATUM: stratum outside ``minstratum``/``maxstratum``
            (``r``; chronyd 4.9+, which libchrony 0.2 has no constant name for).
        UNACCEPTABLE_DISTANCE: root distance over ``maxdistance`` (``d``).
        LARGE_DISTANCE: distance much larger than the best source's (``D``).
        JITTERY: jitter too large (``~``).
        WAITING_FOR_OTHERS: waiting for other sources to get samples (``w``).
        MISSING_SELECTABLE_SOURCES: fewer selectable sources than ``minsources`` (``W``).
        STALE: no recent sample (``S``).
        ORPHAN: an orphan source (``O``).
        NOT_TRUSTED: disagrees with the trusted sources (``T``).
        NOT_PREFERRED: another source has ``prefer`` (``P``).
        WAITING_FOR_UPDATE: waiting for a new sample (``U``).
        FALSETICKER: disagrees with the majority (``x``).
        COMBINED: combined with the best source (``+``).
        BEST: the selected source (``*``).
    """

    IGNORED = ord("N")
    NOT_SYNCHRONIZED = ord("s")
    MISSING_SAMPLES = ord("M")
    UNACCEPTABLE_STRATUM = ord("r")
    UNACCEPTABLE_DISTANCE = ord("d")
    LARGE_DISTANCE = ord("D")
    JITTERY = ord("~")
    WAITING_FOR_OTHERS = ord("w")
    MISSING_SELECTABLE_SOURCES = ord("W")
    STALE = ord("S")
    ORPHAN = ord("O")
    NOT_TRUSTED = ord("T")
    NOT_PREFERRED = ord("P")
    WAITING_FOR_UPDATE = ord("U")
    FALSETICKER = ord("x")
    COMBINED = ord("+")
    BEST = ord("*")


class SelectOptions(IntFlag):
    """Selection options of a source (``COpts``/``EOpts`` of ``chronyc selectdata``).

    Attributes:
        NOSELECT: never selected (``N``).
        PREFER: preferred over other sources (``P``).
        TRUST: trusted even when it disagrees with others (``T``).
        REQUIRE: must be selectable for any selection to happen (``R``).
    """

    NOSELECT = 0x1
    PREFER = 0x2
    TRUST = 0x4
    REQUIRE = 0x8


@dataclass(frozen=True, slots=True)
class SelectData:
    """How chronyd's source selection sees one source (a line of ``chronyc selectdata``).

    Served over the Unix socket only (and over UDP by chronyd 4.7+ with
    ``opencommands``).

    Attributes:
        reference_id: the source's reference ID.
        address: the source's IP address (``""`` for a reference clock).
        state: the outcome of selection for this source.
        authentication: whether the source is authenticated.
        leap_status: the leap status the source announces.
        configured_options: selection options from the configuration.
        effective_options: selection options in effect (after ``trust``/``prefer`` logic).
        last_sample_ago: seconds since the last sample (4294967295: never).
        score: the source's score against the selected source (1.0 when selected).
        low_limit: lower end of the source's offset interval, seconds.
        high_limit: upper end of the source's offset interval, seconds.
    """

    reference_id: int = field(metadata=source("reference ID", unit=Unit.REFERENCE_ID))
    address: str = field(metadata=source("address", convert=text, unit=Unit.ADDRESS))
    state: SelectState = field(metadata=source("state", convert=SelectState, unit=Unit.ENUM))
    authentication: bool = field(metadata=source("authentication", convert=bool, unit=Unit.BOOLEAN))
    leap_status: LeapStatus = field(
        metadata=source("leap status", convert=LeapStatus, unit=Unit.ENUM)
    )
    configured_options: SelectOptions = field(
        metadata=source("configured options", convert=SelectOptions, unit=Unit.FLAGS)
    )
    effective_options: SelectOptions = field(
        metadata=source("effective options", convert=SelectOptions, unit=Unit.FLAGS)
    )
    last_sample_ago: int = field(metadata=source("last sample ago", unit=Unit.INTERVAL))
    score: float = field(metadata=source("score", unit=Unit.RATIO))
    low_limit: float = field(metadata=source("low limit", unit=Unit.SECONDS))
    high_limit: float = field(metadata=source("high limit", unit=Unit.SECONDS))

    @property
    def reference_id_name(self) -> str:
        """The reference ID as text (dotted quad, or a reference clock's name)."""
        return ref_id_name(self.reference_id)

    def is_selected(self) -> bool:
        """Whether chronyd synchronises to this source."""
        return self.state is SelectState.BEST

    def is_combined(self) -> bool:
        """Whether the source contributes to the clock (selected or combined with it)."""
        return self.state in (SelectState.BEST, SelectState.COMBINED)

    def is_resolved(self) -> bool:
        """Whether the source has an address, not a placeholder (see :meth:`Source.is_resolved`)."""
        return not is_placeholder(self.address)

    @property
    def display_name(self) -> str:
        """How chronyc names the source (its address, or a reference clock's reference ID)."""
        return self.address or ref_id_name(self.reference_id)
