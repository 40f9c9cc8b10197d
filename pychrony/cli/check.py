"""``pychrony check``: chronyd as seen by a monitoring system (Nagios, Icinga, Naemon...).

Follows the Monitoring Plugins development guidelines: one status line
``CHRONY <STATE> - <what> | <performance data>`` and the exit code of the
state (:class:`~pychrony.cli.exitcodes.PluginCode`). Thresholds use the Nagios
range syntax (``10``, ``10:``, ``~:10``, ``10:20``, ``@10:20``), parsed by
the ``nagiosplugin`` library (``pip install 'pychrony[check]'``):

* ``-w/-c``: the absolute offset of the system clock, in seconds;
* ``-W/-C``: chronyd's stratum;
* ``-j/-k``: the jitter of the selected source: the standard deviation of
  its samples (``chronyc sourcestats``' Std Dev), in seconds;
* ``-F/-G``: the absolute frequency error of the system clock, in ppm;
* ``--update-age-warning/--max-update-age``: seconds since chronyd last
  updated the clock (now minus tracking's reference time);
* ``--reachable-warning/--reachable-critical``: the number of reachable
  sources (``2:`` alerts below two);
* ``--selectable-warning/--selectable-critical``: the number of sources
  chronyd would synchronise to;
* ``--unsynchronised``: the state when chronyd is not synchronised
  (default CRITICAL); ``--leap``: the state while a leap second is pending
  (default OK);
* ``--unreachable``: the state when chronyd does not answer (default
  CRITICAL, as ``check_ntp_time``; ``unknown`` to leave that to a host check).

``-t/--timeout`` is the plugin's deadline (default 10 s), spread over its
requests and their resends; ``-v`` adds detail (``-v`` on the status line,
``-vv`` and ``-vvv`` on further lines); ``-V`` prints the version.

Performance data: ``offset`` (signed, seconds), ``last_offset``,
``rms_offset``, ``root_delay``, ``root_dispersion``, ``jitter`` and
``update_age`` (seconds), ``frequency`` (signed) and ``skew`` (ppm, which has
no unit of measure in the guidelines), ``stratum``, ``sources``,
``reachable`` and ``selectable``. Numbers are plain decimals (never
``1e-07``), a value chronyd cannot give is ``U``, and thresholds are printed
exactly as given.
"""

from __future__ import annotations

import argparse
import errno
import math
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .. import __version__
from .._core.timing import RetryPolicy
from ..connection import ChronyConnection
from ..exceptions import ChronyConnectionError, ChronyLibraryError
from ..models import SourceStats
from . import check_detail, streams
from .args import DEFAULTS as COMMON_DEFAULTS
from .exitcodes import PluginCode, plugin_codes_in_brief
from .query import Target, ask
from .status import Overview, human_seconds, reachable, selectable

__all__ = [
    "CALLS",
    "DEFAULTS",
    "DEFAULT_DEADLINE",
    "GLOBAL_OPTIONS",
    "HELP",
    "RANGE_SYNTAX",
    "SHARED_OPTIONS",
    "Reading",
    "add_arguments",
    "evaluate",
    "plain_number",
    "retry_policy",
    "run",
    "selected_stats",
    "update_age",
    "usage_error",
]

#: The global options check takes (``dest`` names); any other is a usage error.
GLOBAL_OPTIONS = ("addresses", "timeout", "retries", "all")

#: Those of them check's parser takes from the shared options; ``-t/--timeout``
#: is check's own, because it means the plugin's deadline here.
SHARED_OPTIONS = ("addresses", "retries", "all")

#: The Monitoring Plugins' customary deadline, seconds (their DEFAULT_SOCKET_TIMEOUT).
DEFAULT_DEADLINE = 10.0

#: The defaults main() fills in for check: ``timeout`` is the deadline.
DEFAULTS: dict[str, object] = {**COMMON_DEFAULTS, "timeout": DEFAULT_DEADLINE}

#: Requests one check makes (tracking, sources, sourcestats), each a getter call.
CALLS = 3

# Significant digits of a performance-data value.
_DIGITS = 9

# Of the deadline, kept back for judging, printing and exiting.
_SPARE = 0.1

#: How a bad threshold is explained.
RANGE_SYNTAX = (
    "a range is N (alert outside 0..N), N: (below N), ~:N (above N) or N:M "
    "(outside N..M), with @ in front to alert inside instead"
)

# "|" opens the performance data; in the text it is written as an escape.
_PIPE = r"\x7c"

# The numbers of a range, as the guidelines write them ([-0-9.]+): no exponent,
# no sign but "-", no spaces or underscores (which Python's int() accepts), so
# that a threshold can go into the performance data exactly as given.
_RANGE_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")

HELP = f"a monitoring plugin: exit {plugin_codes_in_brief()}, with perfdata"

# Plain ints, as the states are compared and returned throughout.
OK, WARNING, CRITICAL, UNKNOWN = (int(code) for code in PluginCode)
_NAMES = {int(code): code.name for code in PluginCode}
_SEVERITY = {"ok": OK, "warning": WARNING, "critical": CRITICAL, "unknown": UNKNOWN}
_EXTRA_HINT = "pychrony check needs nagiosplugin: pip install 'pychrony[check]'"


def _deadline(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text!r}")
    return value


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
    parser.add_argument(
        "-t",
        "--timeout",
        dest="timeout",
        type=_deadline,
        default=argparse.SUPPRESS,
        metavar="S",
        help=f"the plugin's deadline in seconds (default {DEFAULT_DEADLINE:g}): each of its "
        f"{CALLS} requests gets an equal share, in which the first reply is awaited "
        "and resent --retries times, doubling the wait, as chronyc does",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="more detail: -v on the status line, -vv the settings and tracking "
        "report on further lines, -vvv every source as well",
    )
    parser.add_argument(
        "-V", "--version", action="version", version=f"pychrony check {__version__}"
    )
    group = parser.add_argument_group(
        "thresholds (Nagios range syntax; plain decimals such as 0.0000001, no exponents)"
    )
    group.add_argument("-w", "--warning", metavar="RANGE", help="absolute offset, seconds")
    group.add_argument("-c", "--critical", metavar="RANGE", help="absolute offset, seconds")
    group.add_argument("-W", "--stratum-warning", metavar="RANGE", help="stratum")
    group.add_argument("-C", "--stratum-critical", metavar="RANGE", help="stratum")
    group.add_argument(
        "-j",
        "--jitter-warning",
        metavar="RANGE",
        help="jitter of the selected source, seconds: the standard deviation of its "
        "offsets about chronyd's fit (sourcestats Std Dev), the statistic closest to "
        "ntpd's jitter that chronyd keeps",
    )
    group.add_argument("-k", "--jitter-critical", metavar="RANGE", help="jitter, as -j")
    group.add_argument(
        "-F",
        "--frequency-warning",
        metavar="RANGE",
        help="absolute frequency error of the system clock, ppm (tracking Frequency)",
    )
    group.add_argument("-G", "--frequency-critical", metavar="RANGE", help="frequency error, as -F")
    group.add_argument(
        "--update-age-warning",
        metavar="RANGE",
        help="seconds since chronyd last updated the clock: this host's real time minus "
        "tracking's Ref time (a clock never updated is too old)",
    )
    group.add_argument("--max-update-age", metavar="RANGE", help="the same age, CRITICAL beyond it")
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
        help="state when chronyd does not answer within the deadline (default critical)",
    )


def _print(state: int, text: str, perfdata: str = "", detail: Sequence[str] = ()) -> int:
    # The text may quote what the user gave (an address, a range): nothing in
    # it may end the line early or open the performance data.
    line = f"CHRONY {_NAMES[state]} - {_safe(text)}"
    if perfdata:
        line += f" | {perfdata}"
    # Further lines are the guidelines' long text: a "|" there would open
    # more performance data, so they are escaped the same way.
    out = "".join(f"{_safe(extra)}\n" for extra in detail)
    try:
        sys.stdout.write(line + "\n" + out)
        sys.stdout.flush()
    except (OSError, ValueError) as exc:
        # Nobody can read the verdict: say so where possible, and stay a plugin.
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        streams.say(f"pychrony check: cannot write the status line: {reason}")
        streams.settle()
        return UNKNOWN
    return state


def _safe(text: str) -> str:
    return streams.printable(text).replace("|", _PIPE)


def usage_error(message: str) -> int:
    """A bad command line: UNKNOWN, as the guidelines ask (the usage code means CRITICAL)."""
    return _print(UNKNOWN, f"usage: {message} (see pychrony check --help)")


# A threshold: the parsed nagiosplugin.Range and the text it came from, which
# the performance data repeats.
_Limit = tuple[Any, str]
_Pair = tuple[_Limit | None, _Limit | None]


@dataclass
class Thresholds:
    """Parsed thresholds: ``(nagiosplugin.Range, text as given)``, or None when not given."""

    offset: _Pair = (None, None)
    stratum: _Pair = (None, None)
    reachable: _Pair = (None, None)
    selectable: _Pair = (None, None)
    jitter: _Pair = (None, None)
    frequency: _Pair = (None, None)
    update_age: _Pair = (None, None)
    unsynchronised: int = CRITICAL
    leap: int = OK
    unreachable: int = CRITICAL


def _range(option: str, text: str) -> Any:
    from nagiosplugin import Range

    spec = text.removeprefix("@")
    start, _, end = spec.partition(":") if ":" in spec else ("", "", spec)
    if spec in ("", ":", "~:"):
        # nagiosplugin reads these as 0:inf or -inf:inf: never alerts, or
        # always with @.
        raise ValueError(f"{option} {text!r} is not a range: no bound; {RANGE_SYNTAX}")
    for atom in (start, end):
        if atom not in ("", "~") and not _RANGE_NUMBER.fullmatch(atom):
            raise ValueError(
                f"{option} {text!r} is not a range: not a number ({atom!r}: plain "
                f"decimals only, e.g. 0.0000001 rather than 1e-7); {RANGE_SYNTAX}"
            )
    if end == "~":
        raise ValueError(f"{option} {text!r} is not a range: not a number ('~'); {RANGE_SYNTAX}")
    try:
        return Range(text)
    except ValueError as exc:
        raise ValueError(f"{option} {text!r} is not a range: {exc}; {RANGE_SYNTAX}") from None


def thresholds(args: argparse.Namespace) -> Thresholds:
    """The thresholds of the command line.

    Raises:
        ImportError: nagiosplugin is not installed.
        ValueError: a range does not parse.
    """

    def pair(warn_opt: str, crit_opt: str) -> _Pair:
        out: list[_Limit | None] = []
        for opt in (warn_opt, crit_opt):
            text = getattr(args, opt, None)
            option = "--" + opt.replace("_", "-")
            out.append(None if text is None else (_range(option, text), text))
        return out[0], out[1]

    return Thresholds(
        offset=pair("warning", "critical"),
        stratum=pair("stratum_warning", "stratum_critical"),
        reachable=pair("reachable_warning", "reachable_critical"),
        selectable=pair("selectable_warning", "selectable_critical"),
        jitter=pair("jitter_warning", "jitter_critical"),
        frequency=pair("frequency_warning", "frequency_critical"),
        update_age=pair("update_age_warning", "max_update_age"),
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


@dataclass(frozen=True)
class Reading:
    """What one check read from chronyd.

    Attributes:
        view: tracking and sources.
        stats: the sourcestats report.
        read_at: this host's real time (:func:`time.time`) when tracking
            arrived: tracking's reference time is on that clock, so the age of
            the last update is ``read_at - ref_time``.
        address: the address the answer came from.
        timeout: the first reply's wait that the deadline left each request.
        seconds: how long the requests took.
    """

    view: Overview
    stats: list[SourceStats]
    read_at: float
    address: str = ""
    timeout: float = 0.0
    seconds: float = 0.0

    def selected(self) -> SourceStats | None:
        """The statistics of the selected source (:func:`selected_stats`)."""
        return selected_stats(self.view, self.stats)

    def update_age(self) -> float | None:
        """Seconds since the last clock update (:func:`update_age`)."""
        return update_age(self.view.tracking.ref_time, self.read_at)


def plain_number(value: float) -> str:
    """A number as the guidelines' performance data writes it: ``[-0-9.]+``.

    Nine significant digits (more than chronyd's 32-bit floats carry) and no
    exponent: ``1e-07`` is ``0.0000001``. NaN and infinities, which have no
    such form, are ``U`` (the guidelines' "value could not be determined").
    """
    if not math.isfinite(value):
        return "U"
    text = format(Decimal(format(float(value), f".{_DIGITS}g")), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def selected_stats(view: Overview, stats: Sequence[SourceStats]) -> SourceStats | None:
    """The statistics of the source chronyd is synchronised to, if any.

    Matched on the reference ID tracking reports (a reference clock has no
    address), preferring the record whose address is tracking's too.
    """
    if not view.synchronised:
        return None
    t = view.tracking
    matches = [s for s in stats if s.reference_id == t.reference_id]
    for s in matches:
        if t.reference_ip and s.address == t.reference_ip:
            return s
    return matches[0] if matches else None


def update_age(tracking_ref_time: float, read_at: float) -> float | None:
    """Seconds since the last clock update, or None when chronyd never updated it.

    A reference time ahead of ``read_at`` (a remote host's clock ahead of
    ours) counts as just updated rather than as a negative age.
    """
    if tracking_ref_time <= 0:
        return None
    return max(0.0, read_at - tracking_ref_time)


def _judge(verdict: Verdict, what: str, value: float, shown: str, pair: _Pair) -> None:
    warn, crit = pair
    if crit is not None and not crit[0].match(value):
        verdict.raise_to(CRITICAL, f"{what} {shown} outside {crit[1]}")
    elif warn is not None and not warn[0].match(value):
        verdict.raise_to(WARNING, f"{what} {shown} outside {warn[1]}")


def _unknowable(verdict: Verdict, what: str, pair: _Pair) -> None:
    # A threshold on a value that does not exist (no selected source, a clock
    # never updated): the worst state asked for, which an unsynchronised
    # daemon may already have raised.
    warn, crit = pair
    if crit is not None:
        verdict.raise_to(CRITICAL, what)
    elif warn is not None:
        verdict.raise_to(WARNING, what)


def evaluate(
    view: Overview,
    limits: Thresholds,
    stats: Sequence[SourceStats] = (),
    read_at: float | None = None,
) -> Verdict:
    """Judge one server's tracking, sources and source statistics against the thresholds.

    Args:
        view: tracking and sources.
        limits: the thresholds.
        stats: the sourcestats report (the jitter is that of the selected source).
        read_at: this host's real time when tracking was read (default now).
    """
    from nagiosplugin import Performance

    t, sources = view.tracking, view.sources
    n_reach, n_select = reachable(sources), selectable(sources)
    chosen = selected_stats(view, stats)
    age = update_age(t.ref_time, time.time() if read_at is None else read_at)
    verdict = Verdict()
    if not view.synchronised:
        verdict.raise_to(limits.unsynchronised, _UNSYNCHRONISED)
    if t.is_leap_pending():
        verdict.raise_to(limits.leap, f"leap second pending ({t.leap_status.description})")
    _judge(verdict, "offset", abs(t.offset), human_seconds(t.offset), limits.offset)
    _judge(verdict, "stratum", t.stratum, str(t.stratum), limits.stratum)
    if chosen is not None:
        shown = human_seconds(chosen.std_dev, signed=False)
        _judge(verdict, "jitter", chosen.std_dev, shown, limits.jitter)
    else:
        _unknowable(verdict, "no selected source to measure jitter on", limits.jitter)
    _judge(verdict, "frequency", abs(t.frequency), f"{t.frequency:+.3f} ppm", limits.frequency)
    if age is not None:
        _judge(verdict, "last update", age, f"{age:.1f} s ago", limits.update_age)
    else:
        _unknowable(verdict, "clock never updated", limits.update_age)
    _judge(verdict, "reachable sources", n_reach, str(n_reach), limits.reachable)
    _judge(verdict, "selectable sources", n_select, str(n_select), limits.selectable)

    def given(pair: _Pair) -> tuple[str, str]:
        # Thresholds go into the performance data exactly as the user wrote them.
        return "" if pair[0] is None else pair[0][1], "" if pair[1] is None else pair[1][1]

    n = plain_number
    perf = [
        Performance("offset", n(t.offset), "s", *given(limits.offset)),
        Performance("last_offset", n(t.last_offset), "s"),
        Performance("rms_offset", n(t.rms_offset), "s", min=0),
        Performance("root_delay", n(t.root_delay), "s", min=0),
        Performance("root_dispersion", n(t.root_dispersion), "s", min=0),
        Performance("frequency", n(t.frequency), "", *given(limits.frequency)),
        Performance("skew", n(t.skew), min=0),
        Performance(
            "jitter",
            "U" if chosen is None else n(chosen.std_dev),
            "" if chosen is None else "s",
            *given(limits.jitter),
            0,
        ),
        Performance(
            "update_age",
            "U" if age is None else n(round(age, 3)),
            "" if age is None else "s",
            *given(limits.update_age),
            0,
        ),
        Performance("stratum", t.stratum, "", *given(limits.stratum), 0, 16),
        Performance("sources", len(sources), "", min=0),
        Performance("reachable", n_reach, "", *given(limits.reachable), 0, len(sources)),
        Performance("selectable", n_select, "", *given(limits.selectable), 0, len(sources)),
    ]
    verdict.perfdata = [str(p) for p in perf]
    return verdict


_UNSYNCHRONISED = "not synchronised"


def _summary(view: Overview, problems: Sequence[str] = ()) -> str:
    t = view.tracking
    sync = f"synchronised to {view.reference}" if view.synchronised else _UNSYNCHRONISED
    rest = (
        f"offset {human_seconds(t.offset)}, stratum {t.stratum}, "
        f"{reachable(view.sources)} of {len(view.sources)} sources reachable"
    )
    # A problem already says so: the line never reads "not synchronised -
    # not synchronised".
    return rest if sync in problems else f"{sync}, {rest}"


def retry_policy(deadline: float, retries: int, calls: int = CALLS) -> float:
    """The first reply's wait that fits ``calls`` requests and their resends in ``deadline``.

    Each request may take its whole budget (chronyc's doubling waits, see
    ``pychrony._core.timing.RetryPolicy``), and ``calls`` budgets fit
    in ``deadline``: no request, and so no run of the plugin, outlives it.
    """
    return RetryPolicy.within(deadline, retries, calls).timeout


def _read(
    conn: ChronyConnection, *, include_unresolved: bool
) -> tuple[Overview, list[SourceStats], float]:
    overview = Overview.read(conn, include_unresolved=include_unresolved)
    read_at = time.time()
    return overview, conn.get_source_stats(), read_at


def run(args: argparse.Namespace, targets: Sequence[Target]) -> int:
    """Check one chronyd and print the status line; return the plugin's exit code.

    The deadline (``-t``, carried in the target's ``timeout``) counts from here.
    """
    started = time.monotonic()
    if len(targets) != 1:
        return usage_error("check watches exactly one chronyd: give -a/-H once")
    try:
        limits = thresholds(args)
    except ImportError:
        return _print(UNKNOWN, _EXTRA_HINT)
    except ValueError as exc:
        return usage_error(str(exc))
    deadline, target = targets[0].timeout, targets[0]
    left = deadline - (time.monotonic() - started) - min(_SPARE, deadline / 10)
    if left <= 0:
        # Even the first request would outlive the deadline.
        return _print(
            limits.unreachable, f"no time left to ask chronyd within {plain_number(deadline)} s"
        )
    wait = retry_policy(left, target.retries)
    try:
        outcome = ask(
            Target(target.address, wait, target.retries),
            lambda conn: _read(conn, include_unresolved=args.all),
        )
    except ChronyLibraryError as exc:
        return _print(UNKNOWN, exc.message)
    failure = outcome.exception
    address = target.address
    if (
        isinstance(failure, ChronyConnectionError)
        and failure.errno == errno.EINVAL
        and address is not None
        and not address.startswith("/")
    ):
        # libchrony could not read the address at all: the command line is wrong.
        return usage_error(f"not a chronyd address: {address!r}: {outcome.error}")
    if not outcome.ok or outcome.value is None:
        return _print(limits.unreachable, outcome.error_line)
    view, stats, read_at = outcome.value
    reading = Reading(view, stats, read_at, outcome.label, wait, time.monotonic() - started)
    verdict = evaluate(view, limits, stats, read_at)
    text = _summary(view, verdict.problems)
    level = getattr(args, "verbose", 0)
    if level >= 1:
        text += check_detail.more(reading)
    if verdict.problems:
        text = "; ".join(verdict.problems) + " - " + text
    lines = check_detail.lines(reading, args, level, deadline, CALLS) if level >= 2 else []
    return _print(verdict.state, text, " ".join(verdict.perfdata), lines)
