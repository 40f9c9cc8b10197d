"""Entry point of the ``pychrony`` command (see :mod:`pychrony.cli` for exit codes)."""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Sequence

from .._core.address import candidates_for, is_name, validate_port
from ..connection import ChronyConnection
from ..exceptions import ChronyLibraryError
from ..models.catalog import spec_for
from . import check, exporter, streams
from .args import DEFAULTS, UsageError, build_parser, command_of
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
    streams.say(f"pychrony: {streams.printable(one_line(message))}")
    return code


def _targets(args: argparse.Namespace) -> list[Target]:
    addresses: list[str | None] = list(args.addresses) if args.addresses else [None]
    targets = []
    for address in addresses:
        # The connection validates the address (type, length, NUL) without opening it.
        ChronyConnection(address, timeout=args.timeout, retries=args.retries)
        # A malformed address, or a port libchrony would misread, is a usage
        # error, caught before any query or name lookup.
        for candidate in candidates_for(address):
            validate_port(candidate)
            is_name(candidate)
        targets.append(Target(address, args.timeout, args.retries))
    return targets


def _view(command: str, *, wide: bool, include_unresolved: bool) -> View:
    if command == "status":
        return StatusView(include_unresolved=include_unresolved)
    if command == "reports":
        return ReportsView()
    if command == "dump":
        return DumpView()
    return ReportView(spec_for(command), wide=wide, include_unresolved=include_unresolved)


def command_parser() -> argparse.ArgumentParser:
    """The whole command line's parser (also the source of the man page and completion)."""
    return build_parser(_EXTRA, restricted={"check": check.SHARED_OPTIONS})


def _run(argv: Sequence[str]) -> int:
    parser = command_parser()
    try:
        args, extras = parser.parse_known_args(argv)
        if extras:
            # Named after the command, so that check's errors stay UNKNOWN.
            prog = f"{parser.prog} {args.command}"
            raise UsageError(f"unrecognized arguments: {' '.join(extras)}", prog)
        given = [name for name in DEFAULTS if hasattr(args, name)]
        # For check, --timeout is the plugin's deadline, with a default of its own.
        for name, default in (check.DEFAULTS if args.command == "check" else DEFAULTS).items():
            if not hasattr(args, name):
                setattr(args, name, default)
        if args.command == "check":
            # Given before the command, where the main parser accepts them.
            for name in given:
                if name not in check.GLOBAL_OPTIONS:
                    option = "--" + name.replace("_", "-")
                    raise UsageError(f"{option} does not apply to check", "pychrony check")
        if args.count is not None and args.watch is None:
            raise UsageError("--count needs --watch", parser.prog)
        targets = _targets(args)
    except UsageError as exc:
        # A bad global option before `check` fails in the main parser: the
        # command line still asks for a plugin, which must answer UNKNOWN.
        if exc.prog.endswith(" check") or command_of(argv) == "check":
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
    return run_view(
        _view(args.command, wide=args.wide, include_unresolved=args.all),
        targets,
        args.format,
        watch=args.watch,
        count=args.count,
        max_connections=args.max_connections,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pychrony`` with ``argv`` (default ``sys.argv[1:]``); return its exit code.

    Never raises (except SystemExit from ``--help``): errors become one line
    on standard error and an exit code. A closed, full or abandoned standard
    output never ends in a traceback either: ``check`` still answers with a
    plugin code (UNKNOWN), other commands with 141 (the reader went away) or
    74 (closed or full).
    """
    words = list(sys.argv[1:] if argv is None else argv)
    streams.prepare()
    try:
        return _guarded(words)
    finally:
        streams.settle()


def _guarded(argv: Sequence[str]) -> int:
    try:
        return _run(argv)
    except ChronyLibraryError as exc:
        return _fail(exc.message, ExitCode.MISSING)
    except KeyboardInterrupt:
        return _fail("interrupted", ExitCode.INTERRUPTED)
    except streams.OutputError as exc:
        return _output_failed(exc.reason, argv)
    except OSError as exc:
        # Output written elsewhere than through streams.write.
        if exc.errno != errno.EPIPE and not streams.stdout_broken():
            raise
        return _output_failed(exc, argv)


def _output_failed(exc: OSError, argv: Sequence[str]) -> int:
    if command_of(argv) == "check":
        return _fail(f"cannot write the status line: {exc.strerror or exc}", check.UNKNOWN)
    if exc.errno == errno.EPIPE:
        # Whoever read our output has gone (`| head`): say nothing more.
        return int(ExitCode.CLOSED_OUTPUT)
    return _fail(f"cannot write to standard output: {exc.strerror or exc}", ExitCode.OUTPUT_FAILED)
