"""``pychrony check``: chronyd as seen by a monitoring system (Nagios, Icinga, Naemon...).

Follows the Monitoring Plugins development guidelines: one status line
``CHRONY <STATE> - <what> | <performance data>`` and the exit code of the
state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Thresholds use the Nagios
range syntax (``10``, ``10:``, ``~:10``, ``10:20``, ``@10:20``), parsed by
the ``nagiosplugin`` library (``pip install 'pychrony[check]'``):

* ``-w/-c``: the absolute offset of the system clock, in seconds;
* ``-W/-C``: chronyd's stratum;
* ``--reachable-warning/--reachable-critical``: the number of reachable
  sources (``2:`` alerts below two);
* ``--selectable-warning/--selectable-critical``: the number of sources
  chronyd would synchronise to;
* ``--unsynchronised``: the state when chronyd is not synchronised
  (default CRITICAL); ``--leap``: the state while a leap second is pending
  (default OK);
* ``--unreachable``: the state when chronyd does not answer (default
  CRITICAL, as ``check_ntp_time``; ``unknown`` to leave that to a host check).

Performance data: ``offset`` (signed, seconds), ``last_offset``,
``rms_offset``, ``root_delay``, ``root_dispersion`` (seconds), ``frequency``
and ``skew`` (ppm), ``stratum``, ``sources``, ``reachable`` and
``selectable``.
"""

from __future__ import annotations

import argparse
import errno
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import ChronyConnectionError, ChronyLibraryError
from . import streams
from .query import Target, ask
from .status import Overview, human_seconds, reachable, selectable

__all__ = [
    "GLOBAL_OPTIONS",
    "HELP",
    "RANGE_SYNTAX",
    "add_arguments",
    "evaluate",
    "run",
    "usage_error",
]

#: The global options check takes (``dest`` names); any other is a usage error.
GLOBAL_OPTIONS = ("addresses", "timeout", "retries", "all")

#: How a bad threshold is explained.
RANGE_SYNTAX = (
    "a range is N (alert outside 0..N), N: (below N), ~:N (above N) or N:M "
    "(outside N..M), with @ in front to alert inside instead"
)

# "|" opens the performance data; in the text it is written as an escape.
_PIPE = r"\x7c"

# What nagiosplugin says about a range's numbers, as opposed to its shape.
_NOT_A_NUMBER = re.compile(r"invalid literal|could not convert")

HELP = "a monitoring plugin: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, with perfdata"

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
_NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}
_SEVERITY = {"ok": OK, "warning": WARNING, "critical": CRITICAL, "unknown": UNKNOWN}
_EXTRA_HINT = "pychrony check needs nagiosplugin: pip install 'pychrony[check]'"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The plugin's own options."""
    parser.add_argument(
        "-H",
        "--host",
        dest="addresses",
        action="append",
        default=argparse.SUPPRESS,
        metavar="ADDRESS",
        help="same as -a",
    )
    group = parser.add_argument_group("thresholds (Nagios range syntax)")
    group.add_argument("-w", "--warning", metavar="RANGE", help="absolute offset, seconds")
    group.add_argument("-c", "--critical", metavar="RANGE", help="absolute offset, seconds")
    group.add_argument("-W", "--stratum-warning", metavar="RANGE", help="stratum")
    group.add_argument("-C", "--stratum-critical", metavar="RANGE", help="stratum")
    group.add_argument("--reachable-warning", metavar="RANGE", help="reachable sources")
    group.add_argument("--reachable-critical", metavar="RANGE", help="reachable sources")
    group.add_argument("--selectable-warning", metavar="RANGE", help="selectable sources")
    group.add_argument("--selectable-critical", metavar="RANGE", help="selectable sources")
    group.add_argument(
        "--unsynchronised",
        choices=("ok", "warning", "critical"),
        default="critical",
        help="state when chronyd is not synchronised (default critical)",
    )
    group.add_argument(
        "--leap",
        choices=("ok", "warning", "critical"),
        default="ok",
        help="state while a leap second is pending (default ok)",
    )
    group.add_argument(
        "--unreachable",
        choices=("critical", "unknown"),
        default="critical",
        help="state when chronyd does not answer (default critical)",
    )


def _print(state: int, text: str, perfdata: str = "") -> int:
    # The text may quote what the user gave (an address, a range): nothing in
    # it may end the line early or open the performance data.
    line = f"CHRONY {_NAMES[state]} - {streams.printable(text).replace('|', _PIPE)}"
    if perfdata:
        line += f" | {perfdata}"
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except (OSError, ValueError) as exc:
        # Nobody can read the verdict: say so where possible, and stay a plugin.
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        streams.say(f"pychrony check: cannot write the status line: {reason}")
        streams.settle()
        return UNKNOWN
    return state


def usage_error(message: str) -> int:
    """A bad command line: UNKNOWN, as the guidelines ask (never exit 2, which is CRITICAL)."""
    return _print(UNKNOWN, f"usage: {message} (see pychrony check --help)")


@dataclass
class Thresholds:
    """Parsed ``nagiosplugin.Range`` thresholds (None when not given)."""

    offset: tuple[Any, Any] = (None, None)
    stratum: tuple[Any, Any] = (None, None)
    reachable: tuple[Any, Any] = (None, None)
    selectable: tuple[Any, Any] = (None, None)
    unsynchronised: int = CRITICAL
    leap: int = OK
    unreachable: int = CRITICAL


def thresholds(args: argparse.Namespace) -> Thresholds:
    """The thresholds of the command line.

    Raises:
        ImportError: nagiosplugin is not installed.
        ValueError: a range does not parse.
    """
    from nagiosplugin import Range

    def pair(warn_opt: str, crit_opt: str) -> tuple[Any, Any]:
        out: list[Any] = []
        for opt in (warn_opt, crit_opt):
            text = getattr(args, opt)
            if text is None:
                out.append(None)
                continue
            option = "--" + opt.replace("_", "-")
            if text.removeprefix("@") in ("", ":"):
                # nagiosplugin reads these as 0:inf: never alerts, or always with @.
                raise ValueError(f"{option} {text!r} is not a range: no bound; {RANGE_SYNTAX}")
            try:
                out.append(Range(text))
            except ValueError as exc:
                why = "not a number" if _NOT_A_NUMBER.search(str(exc)) else str(exc)
                raise ValueError(
                    f"{option} {text!r} is not a range: {why}; {RANGE_SYNTAX}"
                ) from None
        return out[0], out[1]

    return Thresholds(
        offset=pair("warning", "critical"),
        stratum=pair("stratum_warning", "stratum_critical"),
        reachable=pair("reachable_warning", "reachable_critical"),
        selectable=pair("selectable_warning", "selectable_critical"),
        unsynchronised=_SEVERITY[args.unsynchronised],
        leap=_SEVERITY[args.leap],
        unreachable=_SEVERITY[args.unreachable],
    )


@dataclass
class Verdict:
    """The state, the problems found and the performance data of one check."""

    state: int = OK
    problems: list[str] = field(default_factory=list)
    perfdata: list[str] = field(default_factory=list)

    def raise_to(self, state: int, problem: str) -> None:
        """Record a problem of severity ``state``."""
        if state != OK:
            self.state = max(self.state, state)
            self.problems.append(problem)


def _fixed(value: float) -> str:
    # Perfdata values are plain decimals: no exponent notation.
    text = f"{value:.9f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _judge(verdict: Verdict, what: str, value: float, shown: str, pair: tuple[Any, Any]) -> None:
    warn, crit = pair
    if crit is not None and not crit.match(value):
        verdict.raise_to(CRITICAL, f"{what} {shown} outside {crit}")
    elif warn is not None and not warn.match(value):
        verdict.raise_to(WARNING, f"{what} {shown} outside {warn}")


def evaluate(view: Overview, limits: Thresholds) -> Verdict:
    """Judge one server's tracking and sources against the thresholds."""
    from nagiosplugin import Performance

    t, sources = view.tracking, view.sources
    n_reach, n_select = reachable(sources), selectable(sources)
    verdict = Verdict()
    if not view.synchronised:
        verdict.raise_to(limits.unsynchronised, "not synchronised")
    if t.is_leap_pending():
        verdict.raise_to(limits.leap, f"leap second pending ({t.leap_status.description})")
    _judge(verdict, "offset", abs(t.offset), human_seconds(t.offset), limits.offset)
    _judge(verdict, "stratum", t.stratum, str(t.stratum), limits.stratum)
    _judge(verdict, "reachable sources", n_reach, str(n_reach), limits.reachable)
    _judge(verdict, "selectable sources", n_select, str(n_select), limits.selectable)

    def rng(r: Any) -> str:
        return "" if r is None else str(r)

    ow, oc = limits.offset
    perf = [
        Performance("offset", _fixed(t.offset), "s", rng(ow), rng(oc)),
        Performance("last_offset", _fixed(t.last_offset), "s"),
        Performance("rms_offset", _fixed(t.rms_offset), "s", min=0),
        Performance("root_delay", _fixed(t.root_delay), "s", min=0),
        Performance("root_dispersion", _fixed(t.root_dispersion), "s", min=0),
        Performance("frequency", _fixed(t.frequency)),
        Performance("skew", _fixed(t.skew), min=0),
        Performance("stratum", t.stratum, "", *map(rng, limits.stratum), 0, 16),
        Performance("sources", len(sources), "", min=0),
        Performance("reachable", n_reach, "", *map(rng, limits.reachable), 0, len(sources)),
        Performance("selectable", n_select, "", *map(rng, limits.selectable), 0, len(sources)),
    ]
    verdict.perfdata = [str(p) for p in perf]
    return verdict


def _summary(view: Overview) -> str:
    t = view.tracking
    sync = f"synchronised to {view.reference}" if view.synchronised else "not synchronised"
    return (
        f"{sync}, offset {human_seconds(t.offset)}, stratum {t.stratum}, "
        f"{reachable(view.sources)} of {len(view.sources)} sources reachable"
    )


def run(args: argparse.Namespace, targets: Sequence[Target]) -> int:
    """Check one chronyd and print the status line; return the plugin's exit code."""
    if len(targets) != 1:
        return usage_error("check watches exactly one chronyd: give -a/-H once")
    try:
        limits = thresholds(args)
    except ImportError:
        return _print(UNKNOWN, _EXTRA_HINT)
    except ValueError as exc:
        return usage_error(str(exc))
    try:
        outcome = ask(targets[0], lambda conn: Overview.read(conn, include_unresolved=args.all))
    except ChronyLibraryError as exc:
        return _print(UNKNOWN, exc.message)
    failure = outcome.exception
    address = targets[0].address
    if (
        isinstance(failure, ChronyConnectionError)
        and failure.errno == errno.EINVAL
        and address is not None
        and not address.startswith("/")
    ):
        # libchrony could not read the address at all: the command line is wrong.
        return usage_error(f"not a chronyd address: {address!r}: {outcome.error}")
    if not outcome.ok or outcome.value is None:
        return _print(limits.unreachable, f"chronyd at {outcome.label}: {outcome.error}")
    verdict = evaluate(outcome.value, limits)
    text = _summary(outcome.value)
    if verdict.problems:
        text = "; ".join(verdict.problems) + " - " + text
    return _print(verdict.state, text, " ".join(verdict.perfdata))
