"""The command line's grammar: global options, one subcommand per report, and the rest.

Global options may come before or after the command (``pychrony -a X sources``
and ``pychrony sources -a X`` mean the same), so every subcommand shares them.
Parse errors raise :class:`UsageError` instead of exiting, so the caller
decides how to report them (``check`` must answer UNKNOWN, not exit 2).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import NoReturn

from .. import __version__
from .._core.timing import DEFAULT_RETRIES, DEFAULT_TIMEOUT
from ..models.catalog import REPORTS
from .exitcodes import EPILOG

__all__ = ["DEFAULTS", "UsageError", "build_parser"]

FORMATS = ("table", "json", "csv")
DEFAULTS: dict[str, object] = {
    "addresses": None,
    "timeout": DEFAULT_TIMEOUT,
    "retries": DEFAULT_RETRIES,
    "format": "table",
    "watch": None,
    "count": None,
}


class UsageError(Exception):
    """The command line is wrong.

    Attributes:
        prog: the (sub)command whose parser complained, e.g. ``pychrony check``.
    """

    def __init__(self, message: str, prog: str) -> None:
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.prog)


def _number(
    kind: Callable[[str], float], *, minimum: float, strict: bool
) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value < minimum or (strict and value == minimum):
            bound = f"greater than {minimum:g}" if strict else f"at least {minimum:g}"
            raise argparse.ArgumentTypeError(f"must be {bound}: {text!r}")
        return value

    return parse


def _common() -> _Parser:
    # SUPPRESS defaults: an option given before the command must not be reset
    # by the subcommand's copy of it; main() fills in DEFAULTS afterwards.
    common = _Parser(add_help=False, argument_default=argparse.SUPPRESS)
    group = common.add_argument_group("connection and output")
    group.add_argument(
        "-a",
        "--address",
        dest="addresses",
        action="append",
        metavar="ADDRESS",
        help="chronyd's Unix socket path or IP[:port] of its command port; repeat to "
        "query several servers at once (default: $PYCHRONY_ADDRESS, else the "
        "Unix socket, then 127.0.0.1, then ::1)",
    )
    group.add_argument(
        "--timeout",
        type=_number(float, minimum=0, strict=True),
        metavar="S",
        help="seconds to wait for a reply before resending (default 1)",
    )
    group.add_argument(
        "--retries",
        type=_number(int, minimum=0, strict=False),
        metavar="N",
        help="resends, each doubling the wait (default 2)",
    )
    group.add_argument("-f", "--format", choices=FORMATS, help="output format (default table)")
    group.add_argument(
        "--watch",
        type=_number(float, minimum=0, strict=True),
        metavar="S",
        help="repeat every S seconds: redraw a terminal, append records to a pipe",
    )
    group.add_argument(
        "--count",
        type=_number(int, minimum=1, strict=False),
        metavar="N",
        help="with --watch, stop after N rounds",
    )
    return common


def build_parser(
    extra: Mapping[str, tuple[str, Callable[[argparse.ArgumentParser], None]]],
) -> argparse.ArgumentParser:
    """The whole parser.

    Args:
        extra: further subcommands: name -> (help, function adding its options).
    """
    common = _common()
    parser = _Parser(
        prog="pychrony",
        description="Show chronyd's reports, check it as a monitoring plugin, or export "
        "its metrics to Prometheus.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("-V", "--version", action="version", version=f"pychrony {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            parents=[common],
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        return sub

    add("status", "an overview: synchronisation, offset, stratum and every source")
    for spec in REPORTS:
        doc = (spec.model.__doc__ or spec.name).strip().splitlines()[0].rstrip(".")
        doc = doc.replace("``", "")
        add(spec.name, f"the {spec.name} report: {doc[0].lower()}{doc[1:]}")
    add("reports", "which reports the server answers")
    add("dump", "every report the server serves, with libchrony's own field names")
    for name, (help_text, add_options) in extra.items():
        add_options(add(name, help_text))
    return parser
