"""``pychrony exporter``: chronyd's reports as Prometheus metrics.

Listens on ``:9123`` by default (``--listen`` / ``--web.listen-address``
``[HOST]:PORT``, repeatable) and serves ``/metrics``
(``--web.telemetry-path``), ``/probe?target=ADDRESS`` for the chronyds
``--probe.allow`` names (:mod:`.probe`), a landing page at ``/`` and 404
elsewhere. Every
scrape reads chronyd afresh (a custom collector, no cache) within
``--scrape-timeout`` / ``--chrony.timeout``, so a scrape always answers:
``chrony_up`` is 1 when chronyd answered and 0 when it did not. Metric names
and labels follow the Go ``chrony_exporter`` (see
:mod:`pychrony.cli.metrics`), and so do its flags (:mod:`.flags`); each
report is a collector that ``--collector.NAME`` / ``--no-collector.NAME``
switch on or off.

The rooms: :mod:`.flags` (options), :mod:`.collector` (reading chronyd at a
scrape), :mod:`.probe` (``/probe``: the allowlist, a collector per
target), :mod:`.app` (paths), :mod:`.webconfig` (TLS, basic auth, headers),
:mod:`.server` (HTTP with bounded threads and a prompt stop), :mod:`.logs`.

Needs the ``exporter`` extra: ``pip install 'pychrony[exporter]'``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any, NoReturn

from ...models.catalog import ReportSpec
from ..exitcodes import ExitCode
from ..query import Target, one_line
from .collector import ChronyCollector
from .flags import DEFAULT_COLLECTORS, DEFAULT_LISTEN, add_arguments, parse_listen
from .logs import setup_logging
from .names import ReverseNames
from .probe import ProbeAllow, Prober, parse_allow
from .server import HTTPServer, Limits, TLSContext, listen, raise_file_limit

__all__ = ["DEFAULT_COLLECTORS", "HELP", "ChronyCollector", "add_arguments", "parse_listen", "run"]

HELP = "a Prometheus exporter (metrics and flags of chrony_exporter), on :9123 by default"
_MISSING_HINT = "the exporter needs prometheus_client: pip install 'pychrony[exporter]'"
_WEB_HINT = "PyYAML and bcrypt: pip install 'pychrony[exporter]'"
# Of the one second a stop may take: requests in progress get this long to
# finish, then reads of chronyd still inside libchrony get the rest.
_REQUEST_GRACE = 0.5
_READ_GRACE = 0.3

log = logging.getLogger("pychrony.exporter")


def _systemd_sockets() -> list[socket.socket]:
    # sd_listen_fds(3): descriptors from 3 on, meant for us when LISTEN_PID is ours.
    if os.environ.get("LISTEN_PID") != str(os.getpid()):
        raise ValueError("--web.systemd-socket: no sockets passed by systemd (LISTEN_PID)")
    count = int(os.environ.get("LISTEN_FDS", "0"))
    if count < 1:
        raise ValueError("--web.systemd-socket: no sockets passed by systemd (LISTEN_FDS)")
    sockets = []
    for fd in range(3, 3 + count):
        sock = socket.socket(fileno=fd)
        sock.setblocking(False)
        sockets.append(sock)
    return sockets


def _listeners(args: argparse.Namespace, backlog: int) -> list[socket.socket]:
    if args.systemd_socket:
        return _systemd_sockets()
    listeners: list[socket.socket] = []
    try:
        for text in args.listen or [DEFAULT_LISTEN]:
            host, port = parse_listen(text)
            try:
                listeners.append(listen(host, port, backlog))
            except OSError as exc:
                raise OSError(exc.errno, f"cannot listen on {text}: {exc.strerror or exc}") from exc
    except (OSError, ValueError):
        for sock in listeners:
            sock.close()
        raise
    return listeners


def _url(sock: socket.socket, scheme: str, path: str) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in str(host) else str(host)
    return f"{scheme}://{shown}:{port}{path}"


class _RefusedError(Exception):
    """The exporter cannot start: its exit code and the one line that says why."""

    def __init__(self, code: ExitCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def run(args: argparse.Namespace, targets: Sequence[Target]) -> int:
    """Serve metrics until SIGTERM or SIGINT; stop within a second of it."""
    try:
        allow = _check_arguments(args, targets)
        collector, prober, reports, app, tls = _build(args, targets[0], allow)
        limits = Limits(
            workers=args.workers,
            idle_timeout=args.idle_timeout,
            max_connections=args.max_connections,
            grace=_REQUEST_GRACE,
        )
        raise_file_limit()
        listeners = _open_listeners(args, limits.backlog)
    except _RefusedError as exc:
        sys.stderr.write(f"pychrony: {exc}\n")
        return exc.code
    server = HTTPServer(app, [(sock, tls) for sock in listeners], limits)
    # Before the first log line: whoever reads it may signal us at once.
    received: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        server.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    _log_start(args, listeners, tls, targets[0], reports)
    _log_probes(allow)
    server.serve()
    _stop(collector, prober, received)


def _check_arguments(args: argparse.Namespace, targets: Sequence[Target]) -> ProbeAllow:
    if len(targets) != 1:
        raise _RefusedError(
            ExitCode.USAGE,
            "the exporter reads exactly one chronyd: give -a (--chrony.address) once",
        )
    try:
        for text in args.listen or []:
            parse_listen(text)
        if not args.telemetry_path.startswith("/"):
            raise ValueError(f"--web.telemetry-path must start with /: {args.telemetry_path!r}")
        allow = parse_allow(args.probe_allow)
        setup_logging(args.log_level, args.log_format)
    except ValueError as exc:
        raise _RefusedError(ExitCode.USAGE, str(exc)) from None
    return allow


def _build(
    args: argparse.Namespace, target: Target, allow: ProbeAllow
) -> tuple[ChronyCollector, Prober, list[ReportSpec[Any]], Any, TLSContext]:
    """The collector, the prober, their reports, the WSGI app and the TLS context."""
    try:
        import prometheus_client
    except ImportError:
        raise _RefusedError(ExitCode.MISSING, _MISSING_HINT) from None
    from ... import __version__
    from ...models.catalog import REPORTS
    from .app import make_app

    on = {spec.name for spec in REPORTS if getattr(args, f"collector_{spec.name}")}
    if args.with_ntpdata:
        on.add("ntpdata")
    reports = [spec for spec in REPORTS if spec.name in on]
    names = ReverseNames() if args.dns_lookups else None
    collector = ChronyCollector(
        target,
        reports,
        args.scrape_timeout,
        names=names,
        include_unresolved=args.unresolved_sources,
        sources_peer=args.with_ntpdata,
    )
    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    registry.register(collector)
    # /probe reads other chronyds with the collectors and timeouts of /metrics.
    prober = Prober(
        allow,
        reports,
        args.scrape_timeout,
        target.timeout,
        target.retries,
        include_unresolved=args.unresolved_sources,
        sources_peer=args.with_ntpdata,
    )
    app = make_app(registry, args.telemetry_path, __version__, prober)
    if not args.web_config_file:
        return collector, prober, reports, app, None
    app, tls = _protect(app, args.web_config_file)
    return collector, prober, reports, app, tls


def _protect(app: Any, path: str) -> tuple[Any, TLSContext]:
    from .webconfig import WebConfigError, protect  # its third-party imports wait for protect()

    try:
        return protect(app, path)
    except ImportError:
        raise _RefusedError(ExitCode.MISSING, f"--web.config.file needs {_WEB_HINT}") from None
    except WebConfigError as exc:
        raise _RefusedError(ExitCode.USAGE, f"--web.config.file: {one_line(str(exc))}") from None


def _open_listeners(args: argparse.Namespace, backlog: int) -> list[socket.socket]:
    try:
        return _listeners(args, backlog)
    except (OSError, ValueError) as exc:
        message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise _RefusedError(ExitCode.FAILED, message) from None


def _log_start(
    args: argparse.Namespace,
    listeners: list[socket.socket],
    tls: TLSContext,
    target: Target,
    reports: list[ReportSpec[Any]],
) -> None:
    scheme = "https" if tls else "http"
    for sock in listeners:
        url = _url(sock, scheme, args.telemetry_path)
        log.info("Listening on", extra={"fields": {"address": url.split("/")[2], "url": url}})
    from ... import __version__

    log.info(
        "Reading chronyd",
        extra={
            "fields": {
                "address": target.label,
                "collectors": ",".join(s.name for s in reports),
                "version": __version__,
            }
        },
    )


def _log_probes(allow: ProbeAllow) -> None:
    if allow:
        shown = [str(n) for n in allow.networks] + sorted(allow.names) + sorted(allow.sockets)
        log.info("Probes allowed", extra={"fields": {"targets": ",".join(shown)}})


def _stop(collector: ChronyCollector, prober: Prober, received: list[int]) -> NoReturn:
    left = collector.wait_for_reads(_READ_GRACE)
    left += prober.wait_for_reads(_READ_GRACE / 2)
    signum = received[0] if received else signal.SIGTERM
    code = ExitCode.INTERRUPTED if signum == signal.SIGINT else ExitCode.OK
    fields: dict[str, object] = {"signal": signal.Signals(signum).name}
    if left:
        fields["reads_in_flight"] = left
    log.info("Stopped", extra={"fields": fields})
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    # Every socket is closed and, unless `left`, every chronyd session too.
    # The interpreter's teardown would add nothing but time (0.3-0.8 s on a
    # busy machine, against a one-second promise) and, with a read still
    # inside libchrony, the risk of freeing its session under it.
    os._exit(int(code))
