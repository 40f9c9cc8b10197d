"""Entry point of the ``pychrony`` command (exit codes: :mod:`pychrony.cli.exitcodes`)."""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Sequence

from .._core.address import candidates_for, is_name, validate_port
from ..connection import ChronyConnection
from ..exceptions import ChronyLibraryError
from . import streams
from .args import DEFAULTS, UsageError, build_parser, command_of
from .commands import COMMANDS, Command, command_named
from .exitcodes import ExitCode, PluginCode
from .output import run_view
from .query import Target, one_line

__all__ = ["command_parser", "main"]


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


def command_parser() -> argparse.ArgumentParser:
    """The whole command line's parser (also the source of the man page and completion)."""
    return build_parser(COMMANDS)


def _run(argv: Sequence[str]) -> int:
    parser = command_parser()
    command = command_named(command_of(argv))
    try:
        args = _parse(parser, argv)
        command = _registered(args.command)
        targets = _targets(args)
    except UsageError as exc:
        # A bad global option before `check` fails in the main parser: the
        # command line still asks for a plugin, which must answer UNKNOWN.
        failing = command_named(exc.prog.removeprefix(f"{parser.prog} ")) or command
        if failing is not None and failing.usage_error is not None:
            return failing.usage_error(str(exc))
        return _fail(f"{exc} (see {exc.prog} --help)", ExitCode.USAGE)
    except (TypeError, ValueError) as exc:
        if command is not None and command.usage_error is not None:
            return command.usage_error(str(exc))
        return _fail(str(exc), ExitCode.USAGE)
    return _dispatch(command, args, targets)


def _registered(name: str) -> Command:
    command = command_named(name)
    assert command is not None, f"the parser knows {name!r}, the registry does not"
    return command


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """The parsed command line, with every global option's default filled in.

    Raises:
        UsageError: an unknown argument, or an option the command does not take.
    """
    args, extras = parser.parse_known_args(argv)
    if extras:
        # Named after the command, so that check's errors stay UNKNOWN.
        prog = f"{parser.prog} {args.command}"
        raise UsageError(f"unrecognized arguments: {' '.join(extras)}", prog)
    command = _registered(args.command)
    given = [name for name in DEFAULTS if hasattr(args, name)]
    # For check, --timeout is the plugin's deadline, with a default of its own.
    for name, default in command.defaults.items():
        if not hasattr(args, name):
            setattr(args, name, default)
    if command.accepts is not None:
        _refuse_global_options(command, given)
    if args.count is not None and args.watch is None:
        raise UsageError("--count needs --watch", parser.prog)
    return args


def _refuse_global_options(command: Command, given: Sequence[str]) -> None:
    # Given before the command, where the main parser accepts them.
    for name in given:
        if command.accepts is not None and name not in command.accepts:
            option = "--" + name.replace("_", "-")
            raise UsageError(
                f"{option} does not apply to {command.name}", f"pychrony {command.name}"
            )


def _dispatch(command: Command, args: argparse.Namespace, targets: list[Target]) -> int:
    if command.run is not None:
        return command.run(args, targets)
    assert command.view is not None, f"{command.name} has neither a view nor a runner"
    return run_view(
        command.view(args),
        targets,
        args.format,
        watch=args.watch,
        count=args.count,
        max_connections=args.max_connections,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pychrony`` with ``argv`` (default ``sys.argv[1:]``); return its exit code.

    Never raises (except SystemExit from ``--help``): errors become one line
    on standard error and an exit code (:mod:`pychrony.cli.exitcodes`). A
    closed, full or abandoned standard output never ends in a traceback
    either: ``check`` still answers with a plugin code (UNKNOWN), other
    commands with ``CLOSED_OUTPUT`` (the reader went away) or
    ``OUTPUT_FAILED`` (closed or full).
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
        return _fail(f"cannot write the status line: {exc.strerror or exc}", PluginCode.UNKNOWN)
    if exc.errno == errno.EPIPE:
        # Whoever read our output has gone (`| head`): say nothing more.
        return int(ExitCode.CLOSED_OUTPUT)
    return _fail(f"cannot write to standard output: {exc.strerror or exc}", ExitCode.OUTPUT_FAILED)
