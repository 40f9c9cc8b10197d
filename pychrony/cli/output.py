"""Running a view against the servers and writing what it found, once or ``--watch``-ing.

Answers go to standard output in the chosen format; each server that failed
gets one line on standard error. With ``--watch``, a terminal is redrawn in
place; anything else (a pipe, a file) receives one record after another, so
``>> file`` makes a usable log: table snapshots under a timestamp line; for
JSON, one object per line and per record carrying ``time`` (ISO 8601, UTC)
and ``server`` beside the record's fields; CSV rows under a single header
with trailing ``time`` and ``server`` columns.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, TextIO

from ..fleet import DEFAULT_MAX_CONNECTIONS
from . import streams
from .display import timestamp
from .exitcodes import ExitCode
from .query import Outcome, Target, query
from .render import render_csv, render_json, render_json_lines, render_table
from .views import View

__all__ = ["present", "run_view"]

_CLEAR = "\x1b[H\x1b[2J"


def present(
    view: View,
    outcomes: Sequence[Outcome[Any]],
    fmt: str,
    *,
    header: bool,
    compact: bool,
    stamp: str | None = None,
) -> str:
    """The outcomes of one round in format ``fmt`` (``table``, ``json`` or ``csv``).

    A lone server that failed prints nothing: its error goes to stderr, and
    JSON's ``null`` stays the answer of a report chronyd has disabled.

    Args:
        view: the command's view.
        outcomes: each server's answer or error.
        fmt: the output format.
        header: print CSV's header row.
        compact: one-line JSON.
        stamp: when the round was taken (``--watch`` to a pipe or file):
            every JSON and CSV record then carries it and its server.
    """
    if len(outcomes) == 1 and not outcomes[0].ok:
        return ""
    if fmt == "json":
        docs = [(o.label, view.document(o.value) if o.ok else None, o.error) for o in outcomes]
        if stamp is not None:
            return render_json_lines(docs, stamp)
        return render_json(docs, compact=compact)
    if fmt == "csv":
        tables = [(o.label, view.rows(o.value) if o.ok else []) for o in outcomes]
        return render_csv(tables, view.columns, header=header, stamp=stamp)
    blocks = [(o.label, view.block(o.value) if o.ok else None, o.error) for o in outcomes]
    return render_table(blocks)


def _report_errors(outcomes: Sequence[Outcome[Any]], err: TextIO) -> bool:
    failed = False
    for o in outcomes:
        if not o.ok:
            failed = True
            err.write(f"pychrony: {streams.printable(o.error_line)}\n")
    err.flush()
    return failed


def run_view(
    view: View,
    targets: Sequence[Target],
    fmt: str,
    *,
    watch: float | None = None,
    count: int | None = None,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Query, print, and repeat every ``watch`` seconds (``count`` times, if given).

    At most ``max_connections`` servers are asked at once.

    Returns:
        :attr:`ExitCode.OK`, or :attr:`ExitCode.FAILED` when a server failed
        in any round.
    """
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    rounds = 1 if watch is None else count
    terminal = watch is not None and out.isatty()
    failed = False
    done = 0
    while rounds is None or done < rounds:
        started = time.monotonic()
        outcomes = query(targets, view.fetch, calls=view.calls, max_connections=max_connections)
        logging = watch is not None and not terminal
        text = present(
            view,
            outcomes,
            fmt,
            header=done == 0 or terminal,
            compact=watch is not None,
            stamp=timestamp(time.time()) if logging else None,
        )
        if terminal:
            stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
            text = f"{_CLEAR}every {watch:g} s, {stamp} (Ctrl-C to stop)\n\n{text}"
        elif watch is not None and fmt == "table":
            stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
            text = f"# {stamp}\n{text}\n"
        streams.write(out, text)
        failed = _report_errors(outcomes, err) or failed
        done += 1
        if watch is not None and (rounds is None or done < rounds):
            time.sleep(max(0.0, watch - (time.monotonic() - started)))
    return ExitCode.FAILED if failed else ExitCode.OK
