"""The command line's grammar: global options, and one subcommand per registry entry.

Global options may come before or after the command (``pychrony -a X sources``
and ``pychrony sources -a X`` mean the same), so every subcommand shares them.
Parse errors raise :class:`UsageError` instead of exiting, so the caller
decides how to report them (``check`` must answer UNKNOWN, not the usage code).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Collection, Sequence
from typing import Any, NoReturn, Protocol

from .._core.timing import DEFAULT_RETRIES, DEFAULT_TIMEOUT
from ..fleet import DEFAULT_MAX_CONNECTIONS
from .completion import add_completion_option
from .exitcodes import EPILOG
from .version import add_version_option

__all__ = ["DEFAULTS", "CommandEntry", "UsageError", "build_parser", "command_of"]

FORMATS = ("table", "json", "csv")
DEFAULTS: dict[str, object] = {
    "addresses": None,
    "timeout": DEFAULT_TIMEOUT,
    "retries": DEFAULT_RETRIES,
    "format": "table",
    "watch": None,
    "count": None,
    "max_connections": DEFAULT_MAX_CONNECTIONS,
    "wide": False,
    "all": False,
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
        # float() takes "inf" and "nan": a wait of either never ends or never waits.
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
        if value < minimum or (strict and value == minimum):
            bound = f"greater than {minimum:g}" if strict else f"at least {minimum:g}"
            raise argparse.ArgumentTypeError(f"must be {bound}: {text!r}")
        return value

    return parse


def _common(only: Collection[str] | None = None) -> _Parser:
    """The global options, for the main parser and every subcommand.

    Args:
        only: keep just these (``dest`` names), for a subcommand that takes
            no others (its ``--help`` then lists only what it accepts).
    """
    # SUPPRESS defaults: an option given before the command must not be reset
    # by the subcommand's copy of it; main() fills in DEFAULTS afterwards.
    common = _Parser(add_help=False, argument_default=argparse.SUPPRESS)
    group = common.add_argument_group("connection" if only else "connection and output")

    def option(dest: str, *flags: str, **settings: Any) -> None:
        if only is None or dest in only:
            group.add_argument(*flags, dest=dest, **settings)

    option(
        "addresses",
        "-a",
        "--address",
        action="append",
        metavar="ADDRESS",
        help="chronyd's Unix socket path, or HOST[:port] of its command port (an IP "
        "address or a name); repeat to "
        "query several servers at once (default: $PYCHRONY_ADDRESS, else the "
        "Unix socket, then 127.0.0.1, then ::1)",
    )
    option(
        "timeout",
        "--timeout",
        type=_number(float, minimum=0, strict=True),
        metavar="S",
        help=f"seconds to wait for a reply before resending (default {DEFAULT_TIMEOUT:g})",
    )
    option(
        "retries",
        "--retries",
        type=_number(int, minimum=0, strict=False),
        metavar="N",
        help=f"resends, each doubling the wait (default {DEFAULT_RETRIES})",
    )
    option(
        "max_connections",
        "--max-connections",
        type=_number(int, minimum=1, strict=False),
        metavar="N",
        help="with several -a, query at most N servers at once (default "
        f"{DEFAULT_MAX_CONNECTIONS}; two file descriptors each)",
    )
    option("format", "-f", "--format", choices=FORMATS, help="output format (default table)")
    option(
        "watch",
        "--watch",
        type=_number(float, minimum=0, strict=True),
        metavar="S",
        help="repeat every S seconds: redraw a terminal, append records to a pipe",
    )
    option(
        "wide",
        "--wide",
        action="store_true",
        help="tables show every field, one column each (default: the report's "
        "compact columns, within 80 columns, as chronyc shows them)",
    )
    option(
        "all",
        "--all",
        action="store_true",
        help="include sources whose name is not resolved yet (ID#... placeholders), "
        "which are hidden as chronyc hides them without -a",
    )
    option(
        "count",
        "--count",
        type=_number(int, minimum=1, strict=False),
        metavar="N",
        help="with --watch, stop after N rounds",
    )
    return common


def command_of(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv``, found without parsing the rest.

    Used when a global option before the command is wrong, so that a
    ``check`` command line still answers as a monitoring plugin.
    """
    takes_value = {
        option
        for action in _common()._actions
        if action.nargs != 0
        for option in action.option_strings
    }
    words = iter(argv)
    for word in words:
        if word == "--":
            return next(words, None)
        if not word.startswith("-") or word == "-":
            return word
        if word in takes_value:
            next(words, None)  # its value, whatever it looks like
    return None


class CommandEntry(Protocol):
    """What the parser reads of a registry entry (:class:`pychrony.cli.commands.Command`)."""

    @property
    def name(self) -> str:
        """The command's name."""

    @property
    def help(self) -> str:
        """Its one-line help."""

    @property
    def add_options(self) -> Callable[[argparse.ArgumentParser], None] | None:
        """Adds its own options, if it has any."""

    @property
    def shares(self) -> Collection[str] | None:
        """The global options its parser takes (None: all)."""


def build_parser(commands: Sequence[CommandEntry]) -> argparse.ArgumentParser:
    """The whole parser, one subcommand per registry entry.

    Args:
        commands: the subcommands, in ``--help`` order (:data:`pychrony.cli.commands.COMMANDS`).
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
    add_version_option(parser)
    add_completion_option(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in commands:
        sub: argparse.ArgumentParser = subparsers.add_parser(
            command.name,
            help=command.help,
            description=command.help,
            parents=[common if command.shares is None else _common(command.shares)],
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if command.add_options is not None:
            command.add_options(sub)
    return parser
