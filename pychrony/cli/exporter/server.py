"""The exporter's HTTP server: bounded threads, bounded idle time, a prompt stop.

One thread (the caller's) owns every socket that is not being served: the
listeners and the accepted connections that have not sent a request yet, all
in one :mod:`selectors` selector. A connection goes to the fixed pool of
worker threads only once it is readable, so idle sockets cost a file
descriptor each and no thread; one that stays silent past the idle timeout is
closed. At most ``max_connections`` are open at once: past that the
longest-idle one makes room. Each connection serves one request
(``Connection: close``): a scrape every few seconds gains nothing from
keep-alive, and the selector never has to guess what a TLS layer buffered.

:meth:`HTTPServer.serve` returns within ``grace`` (plus one poll) of
:meth:`HTTPServer.stop`: listeners and idle connections close at once,
requests in progress get ``grace`` to finish, then their sockets are shut
down so that a worker blocked on a slow client gives up.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import queue
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler

__all__ = [
    "HTTPServer",
    "Limits",
    "TLSContext",
    "WSGIApp",
    "listen",
    "plain_response",
    "raise_file_limit",
]

#: A WSGI application: what the server runs and the exporter's layers wrap.
WSGIApp = Callable[..., Iterable[bytes]]
#: Gives a listener the TLS context to use now (a renewed certificate is
#: picked up); None for plain HTTP.
TLSContext = Callable[[], ssl.SSLContext] | None

log = logging.getLogger("pychrony.exporter")

_POLL = 0.25  # seconds between checks of the idle deadlines at worst
_ACCEPT_BATCH = 64  # connections accepted per wake-up before serving the rest
_EMFILE_PAUSE = 0.1  # seconds without accepting after running out of descriptors


@dataclass(frozen=True)
class Limits:
    """What the server may spend.

    Attributes:
        workers: threads serving requests (the whole pool; never more).
        idle_timeout: seconds a connection may stay silent before its
            request, and the time allowed for any one read or write of it.
        max_connections: connections open at once; the longest-idle one is
            closed to make room for a new one.
        backlog: the listen queue, for bursts the accept loop has not reached.
        grace: seconds requests in progress get to finish after stop().
    """

    workers: int = 8
    idle_timeout: float = 10.0
    max_connections: int = 1024
    backlog: int = max(128, socket.SOMAXCONN)
    grace: float = 0.5


def listen(host: str, port: int, backlog: int) -> socket.socket:
    """A listening TCP socket on (host, port); ``host`` '' or '0.0.0.0' is every IPv4 address.

    An IPv6 host (``::``) also accepts IPv4 where the system allows it.

    Raises:
        OSError: the address cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and host == "::":
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind((host or "0.0.0.0", port))
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def plain_response(status: str, text: str, start_response: Any) -> list[bytes]:
    """Answer a WSGI request with ``status`` and a short UTF-8 ``text`` body."""
    body = text.encode()
    start_response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


def raise_file_limit() -> int:
    """Raise the soft limit on open files to the hard one (as Go programs do); return it.

    Every idle connection costs a descriptor; the default soft limit (often
    1024) would refuse connections long before memory or threads run short.
    """
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
    return soft


class _Connection:
    __slots__ = ("accepted", "address", "reading_until", "sock", "tls")

    def __init__(self, sock: socket.socket, address: Any, tls: TLSContext) -> None:
        self.sock = sock
        self.address = address
        self.tls = tls
        self.accepted = time.monotonic()
        # While a worker reads the request (handshake included): when it must
        # be complete. A client trickling one byte per timeout would
        # otherwise hold a worker for as long as it likes.
        self.reading_until: float | None = None

    def cut(self) -> None:
        """Shut the socket down under whoever is blocked on it (safe from any thread)."""
        with contextlib.suppress(OSError):
            # The plain socket's shutdown, also for TLS: SSLSocket's own would
            # drop its SSL object under the worker still using it.
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)


class _QuietServerHandler(ServerHandler):
    """wsgiref's handler, logging failures as one line instead of a traceback."""

    def log_exception(self, exc_info: Any) -> None:
        log.debug("request failed: %s", exc_info[1])


class _RequestHandler(WSGIRequestHandler):
    """One request read from an accepted (and, with TLS, wrapped) socket."""

    server: _ServerInfo  # type: ignore[assignment]
    # No interpreter version in the Server header: it helps only an attacker.
    server_version = "pychrony-exporter"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes are not worth a log line each."""

    def handle(self) -> None:
        """Serve a single request, as wsgiref does, through the quiet handler."""
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        self.server.connection.reading_until = None  # the request is in: no more deadline
        handler = _QuietServerHandler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]  # a writable binary stream, as wsgiref uses it
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]  # wsgiref's back pointer
        handler.run(self.server.app)


@dataclass
class _ServerInfo:
    """What a request handler asks of its server (wsgiref's WSGIServer interface)."""

    app: WSGIApp
    base_environ: dict[str, str]
    connection: _Connection

    def get_app(self) -> WSGIApp:
        return self.app


class HTTPServer:
    """Serve a WSGI application on listening sockets within :class:`Limits`.

    Args:
        app: the WSGI application.
        listeners: listening sockets (see :func:`listen`), each with a
            function giving the TLS context to use now, or None for plain HTTP.
        limits: threads, idle time, connections and the stop's grace.
    """

    def __init__(
        self,
        app: WSGIApp,
        listeners: Iterable[tuple[socket.socket, TLSContext]],
        limits: Limits,
    ) -> None:
        self.limits = limits
        self._listeners = list(listeners)
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._stopping = threading.Event()
        self._idle: dict[int, _Connection] = {}  # by fd, oldest first
        self._busy: set[_Connection] = set()
        self._busy_lock = threading.Condition()
        self._work: queue.SimpleQueue[_Connection | None] = queue.SimpleQueue()
        self._accept_paused_until = 0.0
        name, port = "localhost", "0"
        if self._listeners:
            bound = self._listeners[0][0].getsockname()
            name, port = str(bound[0]), str(bound[1])
        self._app = app
        self._base_environ = {
            "SERVER_NAME": name,
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PORT": port,
            "REMOTE_HOST": "",
            "CONTENT_LENGTH": "",
            "SCRIPT_NAME": "",
        }
        self._workers = [
            threading.Thread(target=self._work_loop, name=f"exporter-worker-{i}", daemon=True)
            for i in range(limits.workers)
        ]

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """(host, port) of each listener, as bound (port 0 resolved)."""
        return [(str(s.getsockname()[0]), int(s.getsockname()[1])) for s, _ in self._listeners]

    def stop(self) -> None:
        """Ask :meth:`serve` to return; safe from a signal handler or any thread."""
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def serve(self) -> None:
        """Serve until :meth:`stop`; then close everything within the grace."""
        for worker in self._workers:
            worker.start()
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        for sock, tls in self._listeners:
            self._selector.register(sock, selectors.EVENT_READ, tls or _PLAIN)
        try:
            while not self._stopping.is_set():
                try:
                    self._poll_once()
                except Exception as exc:  # the server must outlive any one bad event
                    log.error("serving failed", extra={"fields": {"err": repr(exc)}})
                    time.sleep(_POLL)  # and not spin on a lasting one
        finally:
            self._close_all()

    # -- the selector thread ---------------------------------------------------------

    def _poll_once(self) -> None:
        now = time.monotonic()
        timeout = _POLL
        if self._idle:
            oldest = next(iter(self._idle.values()))
            timeout = min(timeout, max(0.0, oldest.accepted + self.limits.idle_timeout - now))
        if self._accept_paused_until:
            if now >= self._accept_paused_until:
                self._resume_accepting()
            else:
                timeout = min(timeout, self._accept_paused_until - now)
        for key, _ in self._selector.select(timeout):
            if key.fileobj is self._wake_r:
                with contextlib.suppress(OSError):
                    self._wake_r.recv(4096)
            elif isinstance(key.data, _Connection):
                self._selector.unregister(key.fileobj)
                del self._idle[key.data.sock.fileno()]
                with self._busy_lock:
                    self._busy.add(key.data)
                self._work.put(key.data)
            else:
                self._accept(key.fileobj, None if key.data is _PLAIN else key.data)  # type: ignore[arg-type]
        now = time.monotonic()
        self._expire(now)
        self._cut_slow_requests(now)

    def _accept(self, listener: socket.socket, tls: TLSContext) -> None:
        for _ in range(_ACCEPT_BATCH):
            try:
                sock, address = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    # Out of descriptors: make room, and let the backlog hold
                    # the rest for a moment rather than spin on accept().
                    log.warning("cannot accept a connection: %s", exc.strerror)
                    self._evict_oldest()
                    self._pause_accepting()
                    return
                log.debug("accept failed: %s", exc)
                continue
            full = len(self._idle) + len(self._busy) >= self.limits.max_connections
            if full and not self._evict_oldest():
                sock.close()  # every slot is serving a request: refuse this one
                continue
            sock.setblocking(False)
            connection = _Connection(sock, address, tls)
            self._idle[sock.fileno()] = connection
            self._selector.register(sock, selectors.EVENT_READ, connection)

    def _pause_accepting(self) -> None:
        self._accept_paused_until = time.monotonic() + _EMFILE_PAUSE
        for sock, _ in self._listeners:
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(sock)

    def _resume_accepting(self) -> None:
        self._accept_paused_until = 0.0
        for sock, tls in self._listeners:
            with contextlib.suppress(KeyError, ValueError):
                self._selector.register(sock, selectors.EVENT_READ, tls or _PLAIN)

    def _evict_oldest(self) -> bool:
        if not self._idle:
            return False
        fd = next(iter(self._idle))
        self._drop_idle(fd)
        return True

    def _drop_idle(self, fd: int) -> None:
        connection = self._idle.pop(fd)
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(connection.sock)
        connection.sock.close()

    def _expire(self, now: float) -> None:
        limit = self.limits.idle_timeout
        while self._idle:
            fd, oldest = next(iter(self._idle.items()))
            if now - oldest.accepted < limit:
                return
            self._drop_idle(fd)

    def _cut_slow_requests(self, now: float) -> None:
        with self._busy_lock:
            slow = [c for c in self._busy if c.reading_until is not None and now > c.reading_until]
        for connection in slow:
            connection.reading_until = None
            connection.cut()

    def _close_all(self) -> None:
        for sock, _ in self._listeners:
            sock.close()
        for fd in list(self._idle):
            self._drop_idle(fd)
        deadline = time.monotonic() + self.limits.grace
        with self._busy_lock:
            while self._busy and time.monotonic() < deadline:
                self._busy_lock.wait(max(0.0, deadline - time.monotonic()))
            late = list(self._busy)
        for connection in late:
            connection.cut()  # a worker blocked reading or writing gets an error at once
        for _ in self._workers:
            self._work.put(None)
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    # -- the workers ---------------------------------------------------------------------

    def _work_loop(self) -> None:
        while True:
            connection = self._work.get()
            if connection is None:
                return
            try:
                self._serve_one(connection)
            except Exception as exc:  # one bad connection must never end a worker
                log.debug("connection from %s failed: %s", connection.address, exc)
            finally:
                with contextlib.suppress(OSError):
                    connection.sock.close()
                with self._busy_lock:
                    self._busy.discard(connection)
                    self._busy_lock.notify_all()

    def _serve_one(self, connection: _Connection) -> None:
        if self._stopping.is_set():
            return
        sock = connection.sock
        sock.settimeout(self.limits.idle_timeout)
        connection.reading_until = time.monotonic() + self.limits.idle_timeout
        if connection.tls is not None:
            try:
                sock = connection.tls().wrap_socket(
                    sock, server_side=True, do_handshake_on_connect=False
                )
                connection.sock = sock
                sock.do_handshake()
            except (OSError, ValueError) as exc:
                log.debug("TLS handshake with %s failed: %s", connection.address, exc)
                return
        info = _ServerInfo(self._app, self._base_environ, connection)
        _RequestHandler(sock, connection.address, info)  # type: ignore[arg-type]
        if not isinstance(sock, ssl.SSLSocket):
            # Half-close first so the client reads the whole response before
            # the FIN (TLS closes without waiting for the client's close_notify).
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)


# Marks a listener without TLS in the selector (None is the wake-up socket).
_PLAIN = object()
