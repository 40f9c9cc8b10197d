"""``LatencyRelay``: UDP relays on loopback that make one chronyd look like many slow ones.

Each relay port forwards chronyd command requests to one real UDP command
port and sends the replies back after a fixed delay, or drops every request
(a server that never answers). Sixteen relays in front of one sandboxed
chronyd look like sixteen servers, each ``delay`` seconds away::

    with LatencyRelay(sandbox.udp_address) as relay:
        slow = relay.add(delay=0.3)   # "127.0.0.1:PORT"
        dead = relay.add(drop=True)
        relay.start()
        ...

Every client of a relay port gets its own upstream socket, so chronyd sees
separate clients and replies reach the client that asked. One thread serves
all relay ports; it stops on :meth:`LatencyRelay.close`.
"""

from __future__ import annotations

import heapq
import itertools
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

__all__ = ["LatencyRelay"]

_Client = tuple[str, int]


@dataclass
class _Port:
    sock: socket.socket
    delay: float
    drop: bool
    rewrite: Callable[[bytes], bytes] | None = None
    requests: int = 0
    upstreams: dict[_Client, socket.socket] = field(default_factory=dict)


class LatencyRelay:
    """UDP relay ports on 127.0.0.1 in front of one ``IP:port`` command address."""

    def __init__(self, upstream: str) -> None:
        host, _, port = upstream.rpartition(":")
        self.upstream = (host, int(port))
        self._selector = selectors.DefaultSelector()
        self._ports: dict[str, _Port] = {}
        self._due: list[tuple[float, int, _Port, _Client, bytes]] = []
        self._order = itertools.count()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(
        self,
        *,
        delay: float = 0.0,
        drop: bool = False,
        rewrite: Callable[[bytes], bytes] | None = None,
    ) -> str:
        """Open one relay port; return its address as ``127.0.0.1:PORT``.

        Args:
            delay: seconds each reply is held before it is sent on.
            drop: swallow every request instead (the server never answers).
            rewrite: applied to each reply before it is sent on (what a
                chronyd unlike the sandbox's would have sent).
        """
        if self._thread is not None:
            raise RuntimeError("add every relay port before start()")
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        address = f"127.0.0.1:{sock.getsockname()[1]}"
        port = _Port(sock, delay, drop, rewrite)
        self._ports[address] = port
        self._selector.register(sock, selectors.EVENT_READ, (port, None))
        return address

    def requests(self, address: str) -> int:
        """How many requests relay port ``address`` has received."""
        return self._ports[address].requests

    def start(self) -> LatencyRelay:
        """Start relaying in a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="latency-relay", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop the thread and close every socket."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for port in self._ports.values():
            for upstream in port.upstreams.values():
                upstream.close()
            port.sock.close()
        self._selector.close()

    def __enter__(self) -> LatencyRelay:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            wait = 0.05 if not self._due else min(0.05, max(0.0, self._due[0][0] - now))
            for key, _ in self._selector.select(wait):
                port, client = key.data
                try:
                    if client is None:
                        self._forward(port)
                    else:
                        self._hold_reply(port, client)
                except OSError:
                    continue  # a refused or vanished peer: like a lost datagram
            now = time.monotonic()
            while self._due and self._due[0][0] <= now:
                _, _, port, client, reply = heapq.heappop(self._due)
                try:
                    port.sock.sendto(reply, client)
                except OSError:
                    continue

    def _forward(self, port: _Port) -> None:
        request, client = port.sock.recvfrom(65536)
        port.requests += 1
        if port.drop:
            return
        upstream = port.upstreams.get(client)
        if upstream is None:
            upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            upstream.connect(self.upstream)
            upstream.setblocking(False)
            port.upstreams[client] = upstream
            self._selector.register(upstream, selectors.EVENT_READ, (port, client))
        upstream.send(request)

    def _hold_reply(self, port: _Port, client: _Client) -> None:
        reply = port.upstreams[client].recv(65536)
        if port.rewrite is not None:
            reply = port.rewrite(reply)
        due = time.monotonic() + port.delay
        heapq.heappush(self._due, (due, next(self._order), port, client, reply))
