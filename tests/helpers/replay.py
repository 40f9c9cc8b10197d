"""``ReplayResponder``: a thousand chronyd command ports on loopback, from one process.

Each port answers chronyd command requests with chronyd's own replies,
recorded from one real daemon (a sandboxed chronyd's UDP command port). The
first time a request is seen it is forwarded upstream and the reply kept;
from then on every port answers that request from the recording, with only
the reply's sequence number set to the request's (the one thing libchrony
checks to match a reply to its request). So a client sees chronyd's bytes,
a faithful protocol peer, while the upstream daemon answers each distinct
request once, however many ports and clients ask::

    with ReplayResponder(sandbox.udp_address, ports=1000) as replay:
        results = gather_sync(replay.addresses, timeout=0.5)

The values every port serves are therefore the upstream's at recording time:
:meth:`ReplayResponder.record` fills the recording from a given list of
requests made through a port (say, one ``get_tracking()`` and one
``get_sources()``), and :meth:`ReplayResponder.freeze` stops forwarding, so a
request never recorded is dropped like a lost datagram (and counted).

One thread serves every port (``selectors``, so epoll on Linux); it stops
on :meth:`ReplayResponder.close`, or by itself after ``lifetime`` seconds.
``python -m tests.helpers.replay UPSTREAM PORTS`` serves from a process of
its own (the benchmark's way, so the responder's work does not share the
client's interpreter): it prints its addresses as one JSON line, then serves
until its standard input closes.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import json
import resource
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

__all__ = ["ReplayResponder", "ReplayStats", "request_key"]

# chronyd's command protocol (candm.h): the request's 32-bit sequence number
# sits at byte 8, the reply's at byte 16, and the reply echoes the request's.
# The request's attempt counter (bytes 6-8) is chronyc's; libchrony leaves it
# at zero, but a resend must find its recording whatever the client puts there.
_REQUEST_ATTEMPT = slice(6, 8)
_REQUEST_SEQ = slice(8, 12)
_REPLY_SEQ = slice(16, 20)
_REQUEST_HEADER = 20
_MAX_DATAGRAM = 65535
# How long a forwarded request waits for the upstream's reply.
_UPSTREAM_WAIT = 1.0


def request_key(request: bytes) -> bytes:
    """What identifies a request's answer: the request without its sequence and attempt."""
    return (
        request[: _REQUEST_ATTEMPT.start]
        + bytes(_REQUEST_SEQ.stop - _REQUEST_ATTEMPT.start)
        + request[_REQUEST_SEQ.stop :]
    )


@dataclass
class ReplayStats:
    """What the responder did, for tests to check it really answered from its recording."""

    requests: int = 0
    replayed: int = 0
    forwarded: int = 0
    dropped: int = 0
    clients: int = 0  # distinct (port, client socket) pairs: connections, as the client opened them


class ReplayResponder:
    """Loopback UDP ports answering like the chronyd at ``upstream`` (``IP:port``).

    Args:
        upstream: the real chronyd's UDP command address the replies come from.
        ports: how many ports to open on 127.0.0.1.
        delay: seconds each reply is held back (servers that far away), so
            a client's connections stay open long enough to be counted.
        lifetime: seconds after which the serving thread stops by itself.

    Attributes:
        addresses: ``127.0.0.1:PORT`` of every port, to hand to clients.
        stats: counters of what happened.
    """

    def __init__(
        self, upstream: str, ports: int, *, delay: float = 0.0, lifetime: float = 600.0
    ) -> None:
        host, _, port = upstream.rpartition(":")
        self.upstream = (host, int(port))
        self.stats = ReplayStats()
        self.delay = delay
        # Replies held back: (when due, order, port, client, reply).
        self._due: list[tuple[float, int, socket.socket, tuple[str, int], bytes]] = []
        self._order = itertools.count()
        self._peers: set[tuple[int, tuple[str, int]]] = set()
        self._lifetime = lifetime
        self._recording: dict[bytes, bytes] = {}
        self._frozen = False
        self._lock = threading.Lock()  # the recording, between record() and the thread
        _raise_descriptor_limit(ports + 64)
        self._selector = selectors.DefaultSelector()
        self._sockets: list[socket.socket] = []
        try:
            for _ in range(ports):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self._sockets.append(sock)
                sock.bind(("127.0.0.1", 0))
                sock.setblocking(False)
                self._selector.register(sock, selectors.EVENT_READ)
        except BaseException:
            self._close_sockets()
            raise
        self.addresses = [f"127.0.0.1:{s.getsockname()[1]}" for s in self._sockets]
        self._upstream_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._upstream_sock.connect(self.upstream)
        self._upstream_sock.settimeout(_UPSTREAM_WAIT)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="replay-responder", daemon=True)

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> ReplayResponder:
        """Start answering in a background thread."""
        if not self._thread.is_alive():
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop the thread and close every socket."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        if self._thread.is_alive():
            raise RuntimeError("the replay responder thread did not stop")
        self._close_sockets()

    def _close_sockets(self) -> None:
        self._selector.close()
        for sock in self._sockets:
            sock.close()
        upstream = getattr(self, "_upstream_sock", None)
        if upstream is not None:
            upstream.close()

    def __enter__(self) -> ReplayResponder:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- the recording -------------------------------------------------------

    def record(self, *requests: Callable[[str], object]) -> list[object]:
        """Run each ``request(address)`` through the first port, recording what it asks.

        Each is a client call against one of the ports (``lambda a:
        ChronyConnection(a).get_tracking()``); its requests reach the upstream
        and their replies are kept. Returns what each call returned: the
        upstream's answers as the client decoded them, the values every port
        serves from now on.
        """
        self.start()
        return [request(self.addresses[0]) for request in requests]

    def freeze(self) -> None:
        """Stop forwarding: a request not recorded yet is dropped from now on."""
        with self._lock:
            self._frozen = True

    @property
    def recording(self) -> dict[bytes, bytes]:
        """Each recorded request (:func:`request_key`) and chronyd's reply to it, as sent."""
        with self._lock:
            return dict(self._recording)

    # -- the loop ------------------------------------------------------------

    def _run(self) -> None:
        end = time.monotonic() + self._lifetime
        select = self._selector.select
        while not self._stop.is_set() and time.monotonic() < end:
            wait = (
                0.05 if not self._due else min(0.05, max(0.0, self._due[0][0] - time.monotonic()))
            )
            for key, _ in select(wait):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                # Drain each ready port: under load many requests queue at once.
                while True:
                    try:
                        request, client = sock.recvfrom(_MAX_DATAGRAM)
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:
                        break  # an ICMP error from a client that went away
                    peer = (sock.fileno(), client)
                    if peer not in self._peers:
                        self._peers.add(peer)
                        self.stats.clients += 1
                    reply = self._answer(request)
                    if reply is None:
                        continue
                    if self.delay:
                        due = time.monotonic() + self.delay
                        heapq.heappush(self._due, (due, next(self._order), sock, client, reply))
                        continue
                    with contextlib.suppress(OSError):  # the client went away
                        sock.sendto(reply, client)
            now = time.monotonic()
            while self._due and self._due[0][0] <= now:
                _, _, sock, client, reply = heapq.heappop(self._due)
                with contextlib.suppress(OSError):
                    sock.sendto(reply, client)

    def _answer(self, request: bytes) -> bytes | None:
        self.stats.requests += 1
        if len(request) < _REQUEST_HEADER:
            self.stats.dropped += 1
            return None
        key = request_key(request)
        with self._lock:
            recorded = self._recording.get(key)
            frozen = self._frozen
        if recorded is None:
            if frozen:
                self.stats.dropped += 1
                return None
            recorded = self._forward(key)
            if recorded is None:
                self.stats.dropped += 1
                return None
            self.stats.forwarded += 1
        else:
            self.stats.replayed += 1
        if len(recorded) < _REPLY_SEQ.stop:
            return recorded
        return recorded[: _REPLY_SEQ.start] + request[_REQUEST_SEQ] + recorded[_REPLY_SEQ.stop :]

    def _forward(self, key: bytes) -> bytes | None:
        """Ask the upstream once (blocking this thread, briefly); keep its reply."""
        # A sequence number of our own, so a late reply to an earlier forward is told apart.
        sequence = (self.stats.forwarded + 1).to_bytes(4, "little")
        request = key[: _REQUEST_SEQ.start] + sequence + key[_REQUEST_SEQ.stop :]
        deadline = time.monotonic() + _UPSTREAM_WAIT
        try:
            self._upstream_sock.send(request)
            while time.monotonic() < deadline:
                reply = self._upstream_sock.recv(_MAX_DATAGRAM)
                if reply[_REPLY_SEQ] == sequence:
                    break
            else:
                return None
        except OSError:  # no upstream reply in time, or chronyd is down
            return None
        with self._lock:
            self._recording[key] = reply
        return reply


def _raise_descriptor_limit(needed: int) -> None:
    """Let this process hold ``needed`` descriptors, up to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def main(argv: list[str]) -> int:
    """Serve ``PORTS`` ports replaying ``UPSTREAM`` until standard input closes."""
    if len(argv) != 2:
        sys.stderr.write("usage: python -m tests.helpers.replay UPSTREAM PORTS\n")
        return 2
    with ReplayResponder(argv[0], int(argv[1])) as replay:
        print(json.dumps(replay.addresses), flush=True)
        for line in sys.stdin:  # until stdin closes; "stats" prints the counters
            if line.strip() == "stats":
                print(json.dumps(replay.stats.__dict__), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
