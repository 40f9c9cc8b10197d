"""Entry point of the ``pychrony`` command (see :mod:`pychrony.cli` for exit codes)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ..connection import ChronyConnection
from ..exceptions import ChronyLibraryError
from ..models.catalog import spec_for
from . import check, exporter
from .args import DEFAULTS, UsageError, build_parser
from .dump import DumpView
from .exitcodes import ExitCode
from .output import run_view
from .query import Target, one_line
from .status import StatusView
from .views import ReportsView, ReportView, View

__all__ = ["command_parser", "main"]

_EXTRA = {
    "check": (check.HELP, check.add_arguments),
    "exporter": (exporter.HELP, exporter.add_arguments),
}


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"pychrony: {one_line(message)}\n")
    sys.stderr.flush()
    return code


def _targets(args: argparse.Namespace) -> list[Target]:
    addresses: list[str | None] = list(args.addresses) if args.addresses else [None]
    targets = []
    for address in addresses:
        # The connection validates the address (type, length, NUL) without opening it.
        ChronyConnection(address, timeout=args.timeout, retries=args.retries)
        targets.append(Target(address, args.timeout, args.retries))
    return targets


def _view(command: str) -> View:
    if command == "status":
        return StatusView()
    if command == "reports":
        return ReportsView()
    if command == "dump":
        return DumpView()
    return ReportView(spec_for(command))


def command_parser() -> argparse.ArgumentParser:
    """The whole command line's parser (also the source of the man page and completion)."""
    return build_parser(_EXTRA)


def _run(argv: Sequence[str] | None) -> int:
    parser = command_parser()
    try:
        args, extras = parser.parse_known_args(argv)
        if extras:
            # Named after the command, so that check's errors stay UNKNOWN.
            prog = f"{parser.prog} {args.command}"
            raise UsageError(f"unrecognized arguments: {' '.join(extras)}", prog)
        for name, default in DEFAULTS.items():
            if not hasattr(args, name):
                setattr(args, name, default)
        if args.count is not None and args.watch is None:
            raise UsageError("--count needs --watch", parser.prog)
        targets = _targets(args)
    except UsageError as exc:
        if exc.prog.endswith(" check"):
            return check.usage_error(str(exc))
        return _fail(f"{exc} (see {exc.prog} --help)", ExitCode.USAGE)
    except (TypeError, ValueError) as exc:
        if args.command == "check":
            return check.usage_error(str(exc))
        return _fail(str(exc), ExitCode.USAGE)
    if args.command == "check":
        return check.run(args, targets)
    if args.command == "exporter":
        return exporter.run(args, targets)
    return run_view(_view(args.command), targets, args.format, watch=args.watch, count=args.count)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pychrony`` with ``argv`` (default ``sys.argv[1:]``); return its exit code.

    Never raises (except SystemExit from ``--help``): errors become one line
    on standard error and an exit code.
    """
    try:
        return _run(argv)
    except ChronyLibraryError as exc:
        return _fail(exc.message, ExitCode.MISSING)
    except KeyboardInterrupt:
        return _fail("interrupted", ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # Whoever read our output has gone (`| head`): say nothing more, and
        # point stdout at /dev/null so the interpreter's final flush cannot fail.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return int(ExitCode.CLOSED_OUTPUT)
