"""Exit codes of the ``pychrony`` command and of its ``check`` plugin, in one place.

Every other place that names a code reads it here: the code (``ExitCode.USAGE``,
``PluginCode.UNKNOWN``), the ``--help`` epilog (:data:`EPILOG`) and the
manual's tables (built from :data:`COMMAND_CODES` and :data:`PLUGIN_CODES` by
the docs' ``pychrony-exit-codes`` directive), so a code and what it means are
changed here and nowhere else.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from enum import IntEnum

__all__ = [
    "COMMAND_CODES",
    "EPILOG",
    "PLUGIN_CODES",
    "ExitCode",
    "PluginCode",
    "plugin_codes_in_brief",
]


class ExitCode(IntEnum):
    """What ``pychrony`` returns to its shell (``check`` returns a :class:`PluginCode`).

    :data:`COMMAND_CODES` says when each is returned.
    """

    OK = 0
    FAILED = 1
    USAGE = 2
    MISSING = 3
    OUTPUT_FAILED = 74  # EX_IOERR of sysexits.h
    INTERRUPTED = 130  # 128 + SIGINT
    CLOSED_OUTPUT = 141  # 128 + SIGPIPE


class PluginCode(IntEnum):
    """What ``pychrony check`` returns: the Monitoring Plugins' states.

    :data:`PLUGIN_CODES` says when each is returned.
    """

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


#: When ``pychrony`` returns each :class:`ExitCode`.
COMMAND_CODES: Mapping[ExitCode, str] = {
    ExitCode.OK: "success",
    ExitCode.FAILED: "chronyd could not be queried (unreachable, timeout, refused, bad reply); "
    "with several -a addresses, at least one of them failed",
    ExitCode.USAGE: "bad usage (unknown command or option, invalid value)",
    ExitCode.MISSING: "something pychrony needs is missing (libchrony, an optional extra)",
    ExitCode.OUTPUT_FAILED: "standard output cannot be written (closed, or full)",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
    ExitCode.CLOSED_OUTPUT: "standard output closed early (pychrony sources | head -1)",
}

#: When ``pychrony check`` returns each :class:`PluginCode`.
PLUGIN_CODES: Mapping[PluginCode, str] = {
    PluginCode.OK: "every threshold met",
    PluginCode.WARNING: "a warning threshold crossed",
    PluginCode.CRITICAL: "a critical threshold crossed, chronyd unsynchronised, or (by "
    "default) chronyd not answering within the deadline",
    PluginCode.UNKNOWN: "bad usage (global options before check included: the guidelines "
    "reserve 2 for CRITICAL), something pychrony needs is missing, or the status line "
    "cannot be written",
}


def plugin_codes_in_brief() -> str:
    """``0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN``, for one-line help texts."""
    return ", ".join(f"{code.value} {code.name}" for code in PluginCode)


def _epilog() -> str:
    lines = ["exit codes:"]
    for code, meaning in COMMAND_CODES.items():
        lines += textwrap.wrap(
            meaning, 76, initial_indent=f"  {code.value:<5}", subsequent_indent=" " * 7
        )
    lines += [
        "  `pychrony check` uses the monitoring plugin codes instead:",
        f"  {plugin_codes_in_brief()}.",
    ]
    return "\n".join(lines) + "\n"


#: The exit codes as ``pychrony --help`` lists them, under every command's help.
EPILOG = _epilog()
