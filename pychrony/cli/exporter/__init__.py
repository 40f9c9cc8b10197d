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
import ssl
import sys
from collections.abc import Callable, Iterable, Sequence
from types import FrameType

from ...models.catalog import ReportSpec
from ..exitcodes import ExitCode
from ..query import Target, one_line
from .collector import ChronyCollector
from .flags import DEFAULT_COLLECTORS, DEFAULT_LISTEN, add_arguments, parse_listen
from .logs import setup_logging
from .names import ReverseNames
from .probe import ProbeAllow, Prober, parse_allow
from .server import HTTPServer, Limits, listen, raise_file_limit

__all__ = ["DEFAULT_COLLECTORS", "HELP", "ChronyCollector", "add_arguments", "parse_listen", "run"]

HELP = "a Prometheus exporter (metrics and flags of chrony_exporter), on :9123 by default"
_MISSING_HINT = "the exporter needs prometheus_client: pip install 'pychrony[exporter]'"
_WEB_HINT = "PyYAML and bcrypt: pip install 'pychrony[exporter]'"
# Of the one second a stop may take: requests in progress get this long to
# finish, then reads of chronyd still inside libchrony get the rest.
_REQUEST_GRACE = 0.5
_READ_GRACE = 0.3

log = logging.getLogger("pychrony.exporter")

TLSContext = Callable[[], ssl.SSLContext] | None
WSGIApp = Callable[..., Iterable[bytes]]


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


def _prober(
    args: argparse.Namespace, allow: ProbeAllow, reports: Sequence[ReportSpec], local: Target
) -> Prober:
    # /probe reads other chronyds with the collectors and timeouts of /metrics.
    return Prober(
        allow,
        reports,
        args.scrape_timeout,
        local.timeout,
        local.retries,
        include_unresolved=args.unresolved_sources,
        sources_peer=args.with_ntpdata,
    )


def _reports(args: argparse.Namespace) -> list[ReportSpec]:
    # --collector.NAME switches, and ntpdata for --collector.sources.with-ntpdata.
    from ...models.catalog import REPORTS

    on = {spec.name for spec in REPORTS if getattr(args, f"collector_{spec.name}")}
    if args.with_ntpdata:
        on.add("ntpdata")
    return [spec for spec in REPORTS if spec.name in on]


def _protect(app: WSGIApp, web_config_file: str | None) -> tuple[WSGIApp, TLSContext] | ExitCode:
    # --web.config.file's credentials, headers and TLS around every path; or
    # the exit code of why they cannot be had.
    if not web_config_file:
        return app, None
    try:
        from .webconfig import WebConfigError, protect
    except ImportError:
        sys.stderr.write(f"pychrony: --web.config.file needs {_WEB_HINT}\n")
        return ExitCode.MISSING
    try:
        return protect(app, web_config_file)
    except ImportError:
        sys.stderr.write(f"pychrony: --web.config.file needs {_WEB_HINT}\n")
        return ExitCode.MISSING
    except WebConfigError as exc:
        sys.stderr.write(f"pychrony: --web.config.file: {one_line(str(exc))}\n")
        return ExitCode.USAGE


def _log_probes(allow: ProbeAllow) -> None:
    if allow:
        shown = [str(n) for n in allow.networks] + sorted(allow.names) + sorted(allow.sockets)
        log.info("Probes allowed", extra={"fields": {"targets": ",".join(shown)}})


def run(args: argparse.Namespace, targets: Sequence[Target]) -> int:
    """Serve metrics until SIGTERM or SIGINT; stop within a second of it."""
    if len(targets) != 1:
        sys.stderr.write(
            "pychrony: the exporter reads exactly one chronyd: give -a (--chrony.address) once\n"
        )
        return ExitCode.USAGE
    try:
        for text in args.listen or []:
            parse_listen(text)
        if not args.telemetry_path.startswith("/"):
            raise ValueError(f"--web.telemetry-path must start with /: {args.telemetry_path!r}")
        allow = parse_allow(args.probe_allow)
        setup_logging(args.log_level, args.log_format)
    except ValueError as exc:
        sys.stderr.write(f"pychrony: {exc}\n")
        return ExitCode.USAGE
    try:
        import prometheus_client
    except ImportError:
        sys.stderr.write(f"pychrony: {_MISSING_HINT}\n")
        return ExitCode.MISSING
    from ... import __version__
    from .app import make_app

    reports = _reports(args)
    names = ReverseNames() if args.dns_lookups else None
    collector = ChronyCollector(
        targets[0],
        reports,
        args.scrape_timeout,
        names=names,
        include_unresolved=args.unresolved_sources,
        sources_peer=args.with_ntpdata,
    )
    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    registry.register(collector)
    prober = _prober(args, allow, reports, targets[0])
    app = make_app(registry, args.telemetry_path, __version__, prober)
    protected = _protect(app, args.web_config_file)
    if isinstance(protected, ExitCode):
        return protected
    app, tls = protected
    limits = Limits(
        workers=args.workers,
        idle_timeout=args.idle_timeout,
        max_connections=args.max_connections,
        grace=_REQUEST_GRACE,
    )
    raise_file_limit()
    try:
        listeners = _listeners(args, limits.backlog)
    except (OSError, ValueError) as exc:
        message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        sys.stderr.write(f"pychrony: {message}\n")
        return ExitCode.FAILED
    server = HTTPServer(app, [(sock, tls) for sock in listeners], limits)
    # Before the first log line: whoever reads it may signal us at once.
    received: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        server.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    scheme = "https" if tls else "http"
    for sock in listeners:
        url = _url(sock, scheme, args.telemetry_path)
        log.info("Listening on", extra={"fields": {"address": url.split("/")[2], "url": url}})
    log.info(
        "Reading chronyd",
        extra={
            "fields": {
                "address": targets[0].label,
                "collectors": ",".join(s.name for s in reports),
                "version": __version__,
            }
        },
    )
    _log_probes(allow)
    server.serve()
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
