"""The exporter's log lines on standard error, as Prometheus exporters write them.

``--log.format logfmt`` (the default) writes ``time=... level=INFO msg="..."
key=value``; ``--log.format json`` one JSON object a line with the same keys.
``--log.level`` keeps messages of that severity and above (debug, info, warn,
error). Structured values travel in a record's ``fields`` extra:
``log.info("msg", extra={"fields": {"address": ...}})``.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, TextIO

from ..display import timestamp

__all__ = ["LEVELS", "LOG_FORMATS", "setup_logging"]

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}
_LEVEL_NAMES = {logging.DEBUG: "DEBUG", logging.INFO: "INFO", logging.WARNING: "WARN"}
LOG_FORMATS = ("logfmt", "json")


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "time": timestamp(record.created),
        "level": _LEVEL_NAMES.get(record.levelno, "ERROR"),
        "msg": record.getMessage(),
    }
    extra = getattr(record, "fields", None)
    if isinstance(extra, dict):
        out.update(extra)
    return out


def _logfmt_value(value: Any) -> str:
    text = str(value)
    if text and not any(c in text for c in ' ="\\') and text.isprintable():
        return text
    return json.dumps(text)  # quoted, with quotes, backslashes and controls escaped


class LogfmtFormatter(logging.Formatter):
    """``key=value`` pairs, quoted where a value needs it."""

    def format(self, record: logging.LogRecord) -> str:
        """One logfmt line."""
        return " ".join(f"{k}={_logfmt_value(v)}" for k, v in _fields(record).items())


class JSONFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        """One JSON line."""
        return json.dumps(_fields(record), default=str)


def setup_logging(level: str, fmt: str, stream: TextIO | None = None) -> logging.Logger:
    """Point the ``pychrony.exporter`` logger at ``stream`` (stderr) in ``fmt`` at ``level``.

    Raises:
        ValueError: an unknown level or format.
    """
    if level not in LEVELS:
        raise ValueError(f"--log.level must be one of {', '.join(LEVELS)}, not {level!r}")
    if fmt not in LOG_FORMATS:
        raise ValueError(f"--log.format must be one of {', '.join(LOG_FORMATS)}, not {fmt!r}")
    logger = logging.getLogger("pychrony.exporter")
    logger.handlers.clear()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(LogfmtFormatter() if fmt == "logfmt" else JSONFormatter())
    logger.addHandler(handler)
    logger.setLevel(LEVELS[level])
    logger.propagate = False
    return logger
