"""The exporter's options: our own, and chrony_exporter's with the same meaning and syntax.

A chrony_exporter command line runs unchanged: ``--chrony.address``
(``HOST:PORT``, ``[V6]:PORT`` or ``unix:///path``), ``--chrony.timeout`` (a
Go duration), ``--web.listen-address`` (repeatable), ``--web.telemetry-path``,
``--web.config.file``, ``--web.systemd-socket``, ``--[no-]collector.NAME``,
``--log.level`` and ``--log.format``. Our older spellings (``-a``,
``--listen``, ``--scrape-timeout``) keep working beside them.
"""

from __future__ import annotations

import argparse
import re

from ...models.catalog import REPORTS
from .logs import LEVELS, LOG_FORMATS
from .probe import add_arguments as add_probe_arguments
from .server import Limits

__all__ = [
    "DEFAULT_COLLECTORS",
    "DEFAULT_LISTEN",
    "GO_EXPORTER_COLLECTORS",
    "add_arguments",
    "chrony_address",
    "go_duration",
    "parse_listen",
]

DEFAULT_LISTEN = ":9123"
# On by default: what chronyd serves over its UDP command port and what a
# dashboard needs first. The others need the Unix socket on chronyd < 4.7, or
# chronyd options (rtcdata, smoothing), or cost one request per source.
DEFAULT_COLLECTORS = frozenset({"tracking", "sources", "activity"})
# chrony_exporter's collectors and their defaults there (its main.go), for
# the documentation's side-by-side table and --help.
GO_EXPORTER_COLLECTORS = {
    "tracking": True,
    "sources": False,
    "sourcestats": False,
    "serverstats": False,
}
_DEFAULT_LIMITS = Limits()
_DEFAULT_SCRAPE_TIMEOUT = 5.0  # seconds, chrony_exporter's --chrony.timeout

_GO_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "\u00b5s": 1e-6,
    "\u03bcs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_GO_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


def go_duration(text: str) -> float:
    """A Go duration (``5s``, ``500ms``, ``1m30s``, ``1.5h``) in seconds; must be positive.

    Raises:
        argparse.ArgumentTypeError: not a Go duration, or not above zero.
    """
    position, total = 0, 0.0
    while position < len(text):
        match = _GO_PART.match(text, position)
        if match is None:
            break
        total += float(match.group(1)) * _GO_UNITS[match.group(2)]
        position = match.end()
    if not text or position != len(text):
        raise argparse.ArgumentTypeError(
            f"not a duration: {text!r} (a number and a unit, e.g. 5s, 500ms, 1m30s)"
        )
    if total <= 0:
        raise argparse.ArgumentTypeError(f"must be longer than zero: {text!r}")
    return total


def chrony_address(text: str) -> str:
    """chrony_exporter's ``--chrony.address`` as pychrony spells it: ``unix:///p`` is ``/p``.

    Raises:
        argparse.ArgumentTypeError: a ``unix://`` address without an absolute path.
    """
    if text.startswith("unix://"):
        path = text[len("unix://") :]
        if not path.startswith("/"):
            raise argparse.ArgumentTypeError(f"not unix:///absolute/path: {text!r}")
        return path
    return text


def parse_listen(text: str) -> tuple[str, int]:
    """``[HOST]:PORT`` (``:9123``, ``127.0.0.1:9123``, ``[::1]:9123``) as (host, port).

    Raises:
        ValueError: not of that form.
    """
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit() or int(port_text) > 65535:
        raise ValueError(f"--listen {text!r} is not [HOST]:PORT")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host or "0.0.0.0", int(port_text)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above zero: {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Every option of ``pychrony exporter``."""
    chrony = parser.add_argument_group("chronyd")
    chrony.add_argument(
        "--chrony.address",
        dest="addresses",
        action="append",
        type=chrony_address,
        default=argparse.SUPPRESS,
        metavar="ADDRESS",
        help="chronyd to read, as chrony_exporter spells it: HOST:PORT, [V6]:PORT or "
        "unix:///path/to/chronyd.sock (the same as -a)",
    )
    chrony.add_argument(
        "--scrape-timeout",
        "--chrony.timeout",
        dest="scrape_timeout",
        type=_scrape_timeout,
        default=_DEFAULT_SCRAPE_TIMEOUT,
        metavar="DURATION",
        help="time a scrape may spend reading chronyd before answering chrony_up 0: "
        "seconds (3, 0.5) or a Go duration (5s, 500ms, 1m30s); "
        f"default {_DEFAULT_SCRAPE_TIMEOUT:g}s",
    )
    web = parser.add_argument_group("web")
    web.add_argument(
        "--listen",
        "--web.listen-address",
        dest="listen",
        action="append",
        default=None,
        metavar="[HOST]:PORT",
        help=f"where to serve (default {DEFAULT_LISTEN}, every interface); repeat for several "
        "listeners; port 0 picks a free port, logged at start",
    )
    web.add_argument(
        "--web.telemetry-path",
        dest="telemetry_path",
        default="/metrics",
        metavar="PATH",
        help="path of the metrics (default /metrics); / is a landing page, others 404",
    )
    web.add_argument(
        "--web.config.file",
        dest="web_config_file",
        default=None,
        metavar="FILE",
        help="TLS, basic authentication and HTTP headers in exporter-toolkit's YAML format",
    )
    web.add_argument(
        "--web.systemd-socket",
        dest="systemd_socket",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="serve on the sockets systemd passes (socket activation) instead of listening",
    )
    web.add_argument(
        "--web.workers",
        dest="workers",
        type=_positive_int,
        default=_DEFAULT_LIMITS.workers,
        metavar="N",
        help=f"threads serving requests (default {_DEFAULT_LIMITS.workers}); idle "
        "connections cost none",
    )
    web.add_argument(
        "--web.idle-timeout",
        dest="idle_timeout",
        type=_scrape_timeout,
        default=_DEFAULT_LIMITS.idle_timeout,
        metavar="DURATION",
        help="how long a connection may stay silent before its request, and any one read "
        f"or write of it may take (default {_DEFAULT_LIMITS.idle_timeout:g}s)",
    )
    web.add_argument(
        "--web.max-connections",
        dest="max_connections",
        type=_positive_int,
        default=_DEFAULT_LIMITS.max_connections,
        metavar="N",
        help=f"connections open at once (default {_DEFAULT_LIMITS.max_connections}); the "
        "longest-idle one makes room for a new one",
    )
    add_probe_arguments(parser)
    logs = parser.add_argument_group("logging")
    logs.add_argument(
        "--log.level",
        dest="log_level",
        choices=list(LEVELS),
        default="info",
        help="the least severe messages logged (default info)",
    )
    logs.add_argument(
        "--log.format",
        dest="log_format",
        choices=list(LOG_FORMATS),
        default="logfmt",
        help="log line format on standard error (default logfmt)",
    )
    group = parser.add_argument_group(
        "collectors (one per report; chrony_exporter's names where it has them)"
    )
    for spec in REPORTS:
        on = spec.name in DEFAULT_COLLECTORS
        go = GO_EXPORTER_COLLECTORS.get(spec.name)
        theirs = "" if go is None else f"; chrony_exporter: {'on' if go else 'off'}"
        group.add_argument(
            f"--collector.{spec.name}",
            dest=f"collector_{spec.name}",
            action=argparse.BooleanOptionalAction,
            default=on,
            help=f"the {spec.name} report (default {'on' if on else 'off'}{theirs})",
        )
    group.add_argument(
        "--collector.sources.with-ntpdata",
        dest="with_ntpdata",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="also read ntpdata (needs the Unix socket on chronyd < 4.7) and export "
        "chrony_exporter's chrony_sources_peer_* names from it, beside --collector.ntpdata's",
    )
    group.add_argument(
        "--collector.sources.with-unresolved",
        dest="unresolved_sources",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="export sources whose name is not resolved yet (ID#... placeholders) too; "
        "off by default, as chronyc hides them (their count is "
        "chrony_activity_unresolved_sources)",
    )
    group.add_argument(
        "--collector.dns-lookups",
        dest="dns_lookups",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="reverse DNS names for source_name and tracking_name, looked up in the "
        "background and cached (the address until the name is known; default on)",
    )
    group.add_argument(
        "--collector.chmod-socket",
        dest="chmod_socket",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="accepted for chrony_exporter's command lines; not needed: run the exporter "
        "in chronyd's group instead of as root (see the systemd unit)",
    )


def _scrape_timeout(text: str) -> float:
    """Seconds as a plain number (our spelling) or a Go duration (chrony_exporter's)."""
    try:
        value = float(text)
    except ValueError:
        return go_duration(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be above zero: {text!r}")
    return value
