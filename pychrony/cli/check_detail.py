"""What ``pychrony check -v`` adds, by the Monitoring Plugins guidelines' verbosity levels.

* ``-v``: still one line, with additional information: the selected
  source's jitter, the age of the last clock update, the frequency error
  and which sources do not answer (the guidelines' "list processes that
  fail").
* ``-vv``: further lines with the configuration: the address answering,
  how the deadline was spread over the requests, the thresholds as given,
  then the tracking report.
* ``-vvv``: every source with its statistics, for diagnosing the plugin.

The first line stays the status line with all the performance data.
"""

from __future__ import annotations

import argparse
import itertools
from typing import TYPE_CHECKING

from ..models import SourceStats
from ..models.units import NEVER
from .status import human_seconds

if TYPE_CHECKING:
    from .check import Reading

__all__ = ["lines", "more"]

# Threshold options, in --help's order, as (option, dest).
_THRESHOLDS = (
    ("-w", "warning"),
    ("-c", "critical"),
    ("-W", "stratum_warning"),
    ("-C", "stratum_critical"),
    ("-j", "jitter_warning"),
    ("-k", "jitter_critical"),
    ("-F", "frequency_warning"),
    ("-G", "frequency_critical"),
    ("--update-age-warning", "update_age_warning"),
    ("--max-update-age", "max_update_age"),
    ("--reachable-warning", "reachable_warning"),
    ("--reachable-critical", "reachable_critical"),
    ("--selectable-warning", "selectable_warning"),
    ("--selectable-critical", "selectable_critical"),
    ("--unsynchronised", "unsynchronised"),
    ("--leap", "leap"),
    ("--unreachable", "unreachable"),
)


def _age(reading: Reading) -> str:
    age = reading.update_age()
    return "never updated" if age is None else f"updated {age:.1f} s ago"


def more(reading: Reading) -> str:
    """The ``-v`` additions to the status line's text (starting with ", ")."""
    view = reading.view
    chosen = reading.selected()
    parts = [
        "jitter n/a" if chosen is None else f"jitter {human_seconds(chosen.std_dev, signed=False)}",
        _age(reading),
        f"frequency {view.tracking.frequency:+.3f} ppm",
    ]
    silent = [s.address for s in view.sources if not s.is_reachable()]
    if silent:
        parts.append("unreachable: " + " ".join(silent))
    return ", " + ", ".join(parts)


def _stats_of(stats: list[SourceStats], address: str) -> SourceStats | None:
    return next((s for s in stats if s.address == address), None)


def lines(
    reading: Reading, args: argparse.Namespace, level: int, deadline: float, calls: int
) -> list[str]:
    """The lines after the status line at verbosity ``level`` (2 or more).

    Args:
        reading: what chronyd answered.
        args: the command line (thresholds as given, ``retries``).
        level: how many ``-v``.
        deadline: ``-t``, seconds.
        calls: the requests the deadline was spread over.
    """
    given = [
        f"{option} {getattr(args, dest)}"
        for option, dest in _THRESHOLDS
        if getattr(args, dest, None) is not None
    ]
    out = [
        f"chronyd: {reading.address}",
        f"deadline {deadline:g} s over {calls} requests: first reply awaited "
        f"{reading.timeout:.3g} s, then {args.retries} resends at most, each doubling the wait; "
        f"took {reading.seconds:.3f} s",
        "thresholds and states: " + " ".join(given),
        # The tracking part of the overview: up to its first blank line.
        *itertools.takewhile(bool, reading.view.lines()),
    ]
    if level >= 3:
        out.append("sources (state, reach, poll, samples, std dev, offset of the statistics):")
        for src in reading.view.sources:
            st = _stats_of(reading.stats, src.address)
            figures = (
                "no statistics"
                if st is None
                else f"{st.samples} samples over {st.span} s, std dev "
                f"{human_seconds(st.std_dev, signed=False)}, offset "
                f"{human_seconds(st.offset)} +/- {human_seconds(st.offset_err, signed=False)}"
            )
            ago = "never" if src.last_sample_ago >= NEVER else f"{src.last_sample_ago} s ago"
            out.append(
                f"  {src.address} {src.state.name.lower()} reach {src.reachability:03o} "
                f"poll 2^{src.poll} s, last sample {ago}: {figures}"
            )
    return out
