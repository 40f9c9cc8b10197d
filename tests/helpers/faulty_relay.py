"""A UDP relay on loopback that damages chronyd's replies on purpose.

Placed in front of a real chronyd's UDP command port, :class:`FaultyRelay`
forwards every request unchanged and, for each reply, decides with a seeded
``random.Random`` whether to drop it, hold it back (delay), send it twice
(duplicate), swap it with the next reply (reorder) or cut it short (truncate).
Faults chronyd itself never produces, so the client's deadlines, resends and
reply matching can be exercised against the real daemon's real answers.

It can also *replay*: before forwarding a reply, send the client an older
reply it has already seen (a stale answer to an earlier request). With
``forge_sequence`` the stale reply is rewritten to carry the current request's
sequence number, the one thing that tells a client it is stale; tests use that
to prove their consistency checks would notice a reply taken for the wrong
request.

The relay is a thread with a bounded lifetime: it stops by itself after
``lifetime`` seconds, and :meth:`FaultyRelay.stop` ends it and joins it.
"""

from __future__ import annotations

import contextlib
import heapq
import random
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

__all__ = ["FaultRates", "FaultyRelay", "RelayStats"]

# chronyd's command protocol (candm.h): the request's 32-bit sequence number
# sits at byte 8, the reply's at byte 16; the reply echoes the request's.
_REQUEST_SEQ = slice(8, 12)
_REPLY_SEQ = slice(16, 20)
_MAX_DATAGRAM = 65535


@dataclass(frozen=True)
class FaultRates:
    """Probabilities (0..1) of each fault, drawn independently per reply.

    Attributes:
        drop: the reply is never delivered.
        truncate: the reply is cut to a random shorter length.
        duplicate: the reply is delivered twice (the copy after ``delay``).
        delay: the reply is held back ``delay_seconds`` before delivery.
        reorder: the reply is held until the next reply has been delivered
            (or ``delay_seconds``, when no other reply comes).
        replay: a stale reply (one already delivered for an earlier request)
            is delivered first.
        delay_seconds: how long a delayed reply (or a duplicate's copy) waits.
    """

    drop: float = 0.0
    truncate: float = 0.0
    duplicate: float = 0.0
    delay: float = 0.0
    reorder: float = 0.0
    replay: float = 0.0
    delay_seconds: float = 0.1


@dataclass
class RelayStats:
    """What the relay did, for tests to check the faults really happened."""

    requests: int = 0
    replies: int = 0
    delivered: int = 0
    dropped: int = 0
    truncated: int = 0
    duplicated: int = 0
    delayed: int = 0
    reordered: int = 0
    replayed: int = 0
    request_sequences: list[bytes] = field(default_factory=list)


class FaultyRelay:
    """Relay UDP datagrams between clients and ``upstream``, damaging replies.

    Args:
        upstream: ``(host, port)`` of chronyd's command port.
        rates: fault probabilities.
        seed: seed of the relay's ``random.Random``: the same seed and traffic
            give the same faults.
        lifetime: seconds after which the relay stops by itself, so a test
            that forgets :meth:`stop` cannot leave a thread behind for long.
        forge_sequence: give replayed stale replies the current request's
            sequence number (a test of the tests: a client cannot tell them
            from the real answer).
        rewrite_request: applied to every request before it is forwarded
            (a hostile client's view of chronyd).
        rewrite_reply: applied to every reply before any fault (a hostile
            server: chronyd's real answer, with a field changed).

    Attributes:
        address: the relay's own ``127.0.0.1:PORT``, to hand to a client.
        stats: counters of what happened.
    """

    def __init__(
        self,
        upstream: tuple[str, int],
        rates: FaultRates,
        *,
        seed: int = 0,
        lifetime: float = 60.0,
        forge_sequence: bool = False,
        rewrite_request: Callable[[bytes], bytes] | None = None,
        rewrite_reply: Callable[[bytes], bytes] | None = None,
    ) -> None:
        self.upstream = upstream
        self.rewrite_request = rewrite_request
        self.rewrite_reply = rewrite_reply
        self.rates = rates
        self.forge_sequence = forge_sequence
        self.stats = RelayStats()
        self._random = random.Random(seed)
        self._lifetime = lifetime
        self._front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._front.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self._front.getsockname()[1]}"
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._front, selectors.EVENT_READ, None)
        # One upstream socket per client, so replies find their way back.
        self._upstreams: dict[tuple[str, int], socket.socket] = {}
        self._last_request_seq: dict[tuple[str, int], bytes] = {}
        # Reordered replies, awaiting the next reply (or, failing one, their deadline).
        self._held: dict[tuple[str, int], tuple[bytes, float]] = {}
        self._seen: list[bytes] = []  # replies already delivered, for replay
        self._timers: list[tuple[float, int, bytes, tuple[str, int]]] = []
        self._timer_ids = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="faulty-relay", daemon=True)

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> FaultyRelay:
        """Start relaying in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop relaying, join the thread and close every socket."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        if self._thread.is_alive():
            raise RuntimeError("the faulty relay thread did not stop")
        self._selector.close()
        for sock in (self._front, *self._upstreams.values()):
            sock.close()

    def __enter__(self) -> FaultyRelay:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the loop ------------------------------------------------------------

    def _run(self) -> None:
        end = time.monotonic() + self._lifetime
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= end:
                return
            self._fire_due_timers(now)
            wait = min(0.05, end - now)
            dues = [due for _, due in self._held.values()]
            if self._timers:
                dues.append(self._timers[0][0])
            if dues:
                wait = max(0.0, min(wait, min(dues) - now))
            for key, _ in self._selector.select(wait):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data, peer = sock.recvfrom(_MAX_DATAGRAM)
                except OSError:
                    continue  # e.g. ICMP unreachable while chronyd is down
                if key.data is None:
                    self._on_request(data, peer)
                else:
                    self._on_reply(data, key.data)

    def _on_request(self, data: bytes, client: tuple[str, int]) -> None:
        self.stats.requests += 1
        if self.rewrite_request is not None:
            data = self.rewrite_request(data)
        if len(data) >= _REQUEST_SEQ.stop:
            self._last_request_seq[client] = data[_REQUEST_SEQ]
            self.stats.request_sequences.append(data[_REQUEST_SEQ])
        upstream = self._upstreams.get(client)
        if upstream is None:
            upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            upstream.connect(self.upstream)
            self._upstreams[client] = upstream
            self._selector.register(upstream, selectors.EVENT_READ, client)
        with contextlib.suppress(OSError):  # chronyd is down: as good as a lost datagram
            upstream.send(data)

    def _on_reply(self, data: bytes, client: tuple[str, int]) -> None:
        self.stats.replies += 1
        if self.rewrite_reply is not None:
            data = self.rewrite_reply(data)
        rates, rnd = self.rates, self._random
        if self._seen and rnd.random() < rates.replay:
            self.stats.replayed += 1
            self._deliver(self._stale_reply(client), client)
        if rnd.random() < rates.drop:
            self.stats.dropped += 1
            return
        if len(data) > 1 and rnd.random() < rates.truncate:
            self.stats.truncated += 1
            self._deliver(data[: rnd.randrange(1, len(data))], client)
            return
        self._seen.append(data)
        del self._seen[:-64]
        if rnd.random() < rates.duplicate:
            self.stats.duplicated += 1
            self._schedule(rates.delay_seconds, data, client)
        if rnd.random() < rates.delay:
            self.stats.delayed += 1
            self._schedule(rates.delay_seconds, data, client)
            return
        held = self._held.pop(client, None)
        if held is None and rnd.random() < rates.reorder:
            self.stats.reordered += 1
            self._held[client] = (data, time.monotonic() + rates.delay_seconds)
            return
        self._deliver(data, client)
        if held is not None:
            self._deliver(held[0], client)

    def _stale_reply(self, client: tuple[str, int]) -> bytes:
        stale = self._random.choice(self._seen)
        current = self._last_request_seq.get(client)
        if self.forge_sequence and current is not None and len(stale) >= _REPLY_SEQ.stop:
            stale = stale[: _REPLY_SEQ.start] + current + stale[_REPLY_SEQ.stop :]
        return stale

    def _schedule(self, delay: float, data: bytes, client: tuple[str, int]) -> None:
        self._timer_ids += 1
        heapq.heappush(self._timers, (time.monotonic() + delay, self._timer_ids, data, client))

    def _fire_due_timers(self, now: float) -> None:
        while self._timers and self._timers[0][0] <= now:
            _, _, data, client = heapq.heappop(self._timers)
            self._deliver(data, client)
        # A reordered reply with no reply after it is delivered late instead.
        for client, (data, due) in list(self._held.items()):
            if due <= now:
                del self._held[client]
                self._deliver(data, client)

    def _deliver(self, data: bytes, client: tuple[str, int]) -> None:
        with contextlib.suppress(OSError):  # the client went away
            self._front.sendto(data, client)
            self.stats.delivered += 1
