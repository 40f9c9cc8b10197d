"""``pychrony exporter``: chronyd's reports as Prometheus metrics.

Listens on ``:9123`` by default (``--listen [HOST]:PORT``) and serves
``/metrics``. Every scrape reads chronyd afresh (a custom collector, no
cache) within ``--scrape-timeout`` seconds, so a scrape always answers:
``chrony_up`` is 1 when chronyd answered and 0 when it did not. Metric names
and labels follow the Go ``chrony_exporter`` (see
:mod:`pychrony.cli.metrics`); each report is a collector that
``--collector.NAME`` / ``--no-collector.NAME`` switch on or off.

Needs the ``prometheus`` extra: ``pip install 'pychrony[prometheus]'``.
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from socketserver import ThreadingMixIn
from types import FrameType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from ..connection import ChronyConnection
from ..exceptions import ChronyConnectionError, ChronyError
from ..models.catalog import REPORTS, ReportSpec
from .exitcodes import ExitCode
from .query import Target, one_line
from .values import listed

__all__ = ["DEFAULT_COLLECTORS", "HELP", "ChronyCollector", "add_arguments", "parse_listen", "run"]

HELP = "a Prometheus exporter (metrics of chrony_exporter), on :9123 by default"
DEFAULT_LISTEN = ":9123"
# On by default: what chronyd serves over its UDP command port and what a
# dashboard needs first. The others need the Unix socket on chronyd < 4.7, or
# chronyd options (rtcdata, smoothing), or cost one request per source.
DEFAULT_COLLECTORS = frozenset({"tracking", "sources", "activity"})
_MISSING_HINT = "the exporter needs prometheus_client: pip install 'pychrony[prometheus]'"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The exporter's own options: where to listen, how long a scrape may take, collectors."""
    parser.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        metavar="[HOST]:PORT",
        help=f"where to serve /metrics (default {DEFAULT_LISTEN}, every interface; "
        "port 0 picks a free port, printed on stderr)",
    )
    parser.add_argument(
        "--scrape-timeout",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds a scrape may spend reading chronyd before answering chrony_up 0 (default 5)",
    )
    parser.add_argument(
        "--collector.sources.with-unresolved",
        dest="unresolved_sources",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="export sources whose name is not resolved yet (ID#... placeholders) too; "
        "off by default, as chronyc hides them (their count is "
        "chrony_activity_unresolved_sources)",
    )
    group = parser.add_argument_group("collectors (one per report)")
    for spec in REPORTS:
        on = spec.name in DEFAULT_COLLECTORS
        group.add_argument(
            f"--collector.{spec.name}",
            dest=f"collector_{spec.name}",
            action=argparse.BooleanOptionalAction,
            default=on,
            help=f"the {spec.name} report (default {'on' if on else 'off'})",
        )


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


class ChronyCollector:
    """A prometheus_client collector that reads chronyd at every scrape.

    Args:
        target: the chronyd to read.
        reports: the reports (collectors) switched on.
        scrape_timeout: seconds a scrape may spend reading chronyd.
        include_unresolved: export placeholder sources (names chronyd has not
            resolved yet) too; they are left out by default, as chronyc does.
    """

    def __init__(
        self,
        target: Target,
        reports: Sequence[ReportSpec],
        scrape_timeout: float,
        *,
        include_unresolved: bool = False,
    ) -> None:
        self.target = target
        self.reports = tuple(reports)
        self.scrape_timeout = scrape_timeout
        self.include_unresolved = include_unresolved

    def describe(self) -> list[Any]:
        """Nothing up front: registering must not read chronyd."""
        return []

    def _read(self, box: dict[str, Any]) -> None:
        # Runs in its own thread; reports what it got through `box`.
        results: list[tuple[ReportSpec, Any, str | None]] = []
        box["results"] = results
        try:
            with ChronyConnection(
                self.target.address, timeout=self.target.timeout, retries=self.target.retries
            ) as conn:
                for spec in self.reports:
                    try:
                        results.append((spec, getattr(conn, spec.method)(), None))
                    except ChronyConnectionError:
                        raise
                    except ChronyError as exc:  # refused or unusable: this collector only
                        results.append((spec, None, one_line(str(exc))))
            box["up"] = True
        except ChronyError as exc:
            box["error"] = one_line(str(exc))
        except Exception as exc:
            box["error"] = f"{type(exc).__name__}: {exc}"

    def collect(self) -> Iterator[Any]:
        """Read chronyd now and yield its metrics, ``chrony_up`` last."""
        from prometheus_client.core import GaugeMetricFamily

        from .metrics import families

        started = time.monotonic()
        box: dict[str, Any] = {}
        reader = threading.Thread(target=self._read, args=(box,), daemon=True)
        reader.start()
        reader.join(self.scrape_timeout)
        up = not reader.is_alive() and bool(box.get("up"))
        success = GaugeMetricFamily(
            "chrony_scrape_collector_success",
            "Whether the collector's report was read successfully",
            labels=["collector"],
        )
        if up:
            for spec, value, error in box["results"]:
                success.add_metric([spec.name], 0.0 if error else 1.0)
                if error is None:
                    if spec.many and value is not None:
                        value = listed(value, self.include_unresolved)
                    yield from families(spec, value)
        else:
            for spec in self.reports:
                success.add_metric([spec.name], 0.0)
        yield success
        duration = GaugeMetricFamily(
            "chrony_scrape_duration_seconds", "Time spent reading chronyd for this scrape"
        )
        duration.add_metric([], time.monotonic() - started)
        yield duration
        up_family = GaugeMetricFamily("chrony_up", "Whether the chrony server is up.")
        up_family.add_metric([], 1.0 if up else 0.0)
        yield up_family


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes are not worth a log line each."""


def serve(collector: ChronyCollector, host: str, port: int) -> WSGIServer:
    """Start serving ``/metrics`` in a background thread; return the server."""
    from prometheus_client import CollectorRegistry, make_wsgi_app

    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    server_class = _Server6 if ":" in host else _Server
    server = make_server(host, port, make_wsgi_app(registry), server_class, _QuietHandler)
    threading.Thread(target=server.serve_forever, name="exporter", daemon=True).start()
    return server


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def run(args: argparse.Namespace, targets: Sequence[Target]) -> int:
    """Serve metrics until interrupted (Ctrl-C or SIGTERM)."""
    if len(targets) != 1:
        sys.stderr.write("pychrony: the exporter reads exactly one chronyd: give -a once\n")
        return ExitCode.USAGE
    try:
        host, port = parse_listen(args.listen)
        if args.scrape_timeout <= 0:
            raise ValueError("--scrape-timeout must be positive")
    except ValueError as exc:
        sys.stderr.write(f"pychrony: {exc}\n")
        return ExitCode.USAGE
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        sys.stderr.write(f"pychrony: {_MISSING_HINT}\n")
        return ExitCode.MISSING
    reports = [spec for spec in REPORTS if getattr(args, f"collector_{spec.name}")]
    collector = ChronyCollector(
        targets[0], reports, args.scrape_timeout, include_unresolved=args.unresolved_sources
    )
    try:
        server = serve(collector, host, port)
    except OSError as exc:
        sys.stderr.write(f"pychrony: cannot listen on {args.listen}: {exc.strerror or exc}\n")
        return ExitCode.FAILED
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
    sys.stderr.write(
        f"pychrony exporter: listening on http://{shown}:{bound_port}/metrics "
        f"(chronyd at {targets[0].label}; collectors: {', '.join(s.name for s in reports)})\n"
    )
    sys.stderr.flush()
    signal.signal(signal.SIGTERM, _stop)
    try:
        threading.Event().wait()
    finally:
        server.shutdown()
        server.server_close()
    return ExitCode.OK  # pragma: no cover - only reached through SystemExit
