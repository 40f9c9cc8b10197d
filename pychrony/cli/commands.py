"""The registry of ``pychrony``'s subcommands: one entry per command, in ``--help`` order.

A command is either a *view* (it asks each server one question and the
shared output code prints the answer as a table, JSON or CSV, with
``--watch`` and repeated ``-a``) or a *runner* that owns its whole run
(``check``, ``exporter``). The parser, the dispatch, the man page and the
shell completion are all built from :data:`COMMANDS`, so a command added here
appears everywhere at once.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from ..models.catalog import REPORTS, ReportSpec
from . import check, exporter
from .args import DEFAULTS
from .dump import DumpView
from .query import Target
from .status import StatusView
from .views import ReportsView, ReportView, View

__all__ = ["COMMANDS", "Command", "command_named"]


@dataclass(frozen=True, slots=True)
class Command:
    """One subcommand.

    Attributes:
        name: what the user types (``sources``).
        help: one line, for ``pychrony --help`` and the command's own.
        view: builds the command's view from the parsed command line (for
            commands the shared output code prints); None for a runner.
        run: runs the whole command and returns its exit code (for commands
            that print on their own); None for a view.
        add_options: adds the command's own options to its parser.
        shares: the global options (``dest`` names) its parser takes after its
            name and lists in its ``--help``; None for all of them.
        accepts: the global options it accepts at all, before or after its
            name; None for all of them.
        defaults: the global options' defaults for this command.
        usage_error: reports a bad command line and returns the exit code;
            None for the usual one line and :attr:`ExitCode.USAGE
            <pychrony.cli.exitcodes.ExitCode.USAGE>`.
    """

    name: str
    help: str
    view: Callable[[argparse.Namespace], View] | None = None
    run: Callable[[argparse.Namespace, Sequence[Target]], int] | None = None
    add_options: Callable[[argparse.ArgumentParser], None] | None = None
    shares: Collection[str] | None = None
    accepts: Collection[str] | None = None
    defaults: Mapping[str, object] = field(default_factory=lambda: DEFAULTS)
    usage_error: Callable[[str], int] | None = None


def _report_help(spec: ReportSpec[object]) -> str:
    # The first line of the model's docstring says what the report is.
    doc = (spec.model.__doc__ or spec.name).strip().splitlines()[0].rstrip(".")
    doc = doc.replace("``", "")
    return f"the {spec.name} report: {doc[0].lower()}{doc[1:]}"


def _report(spec: ReportSpec[object]) -> Command:
    def view(args: argparse.Namespace) -> View:
        return ReportView(spec, wide=args.wide, include_unresolved=args.all)

    return Command(spec.name, _report_help(spec), view=view)


COMMANDS: tuple[Command, ...] = (
    Command(
        "status",
        "an overview: synchronisation, offset, stratum and every source",
        view=lambda args: StatusView(include_unresolved=args.all),
    ),
    *(_report(spec) for spec in REPORTS),
    Command("reports", "which reports the server answers", view=lambda args: ReportsView()),
    Command(
        "dump",
        "every report the server serves, with libchrony's own field names",
        view=lambda args: DumpView(),
    ),
    Command(
        "check",
        check.HELP,
        run=check.run,
        add_options=check.add_arguments,
        shares=check.SHARED_OPTIONS,
        accepts=check.GLOBAL_OPTIONS,
        defaults=check.DEFAULTS,
        usage_error=check.usage_error,
    ),
    Command("exporter", exporter.HELP, run=exporter.run, add_options=exporter.add_arguments),
)

_BY_NAME = {command.name: command for command in COMMANDS}


def command_named(name: str | None) -> Command | None:
    """The registry's entry for ``name``, or None when there is no such command."""
    return _BY_NAME.get(name) if name is not None else None
