"""The fault-injecting relay does what it claims, so tests built on it mean something.

Its upstream here is a loopback UDP echo server (the relay's own test needs no
chronyd); each datagram carries a request-shaped header whose sequence number
the echo keeps in the reply's place.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.helpers.faulty_relay import FaultRates, FaultyRelay

pytestmark = pytest.mark.reliability


def _request(seq: int) -> bytes:
    # chronyd's layout: the request's sequence number at byte 8.
    return bytes(8) + seq.to_bytes(4, "big") + bytes(20)


def _reply_seq(data: bytes) -> int:
    return int.from_bytes(data[16:20], "big")  # the reply's at byte 16


@pytest.fixture
def echo() -> Iterator[tuple[str, int]]:
    """Answers every request with a 40-byte reply carrying its sequence number."""
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = server.recvfrom(2048)
            except TimeoutError:
                continue
            server.sendto(bytes(16) + data[8:12] + bytes(20), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()
    stop.set()
    thread.join(5)
    server.close()


def _exchange(relay: FaultyRelay, count: int, wait: float = 0.2) -> list[bytes]:
    """Send ``count`` requests through the relay; return every datagram that came back."""
    host, port = relay.address.split(":")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.connect((host, int(port)))
        received: list[bytes] = []

        def drain(seconds: float) -> None:
            # Read as we go: hundreds of unread datagrams would overflow the
            # socket's receive buffer and be lost on our side, not the relay's.
            client.settimeout(seconds)
            while True:
                try:
                    received.append(client.recv(2048))
                except TimeoutError:
                    return

        for seq in range(1, count + 1):
            client.send(_request(seq))
            drain(0.002)
        drain(wait)
    return received


def test_no_faults_is_a_faithful_relay(echo: tuple[str, int]) -> None:
    with FaultyRelay(echo, FaultRates()) as relay:
        replies = _exchange(relay, 50)
    assert [_reply_seq(r) for r in replies] == list(range(1, 51))
    assert relay.stats.requests == relay.stats.replies == relay.stats.delivered == 50


def test_drops_and_truncations_happen_at_their_rates(echo: tuple[str, int]) -> None:
    with FaultyRelay(echo, FaultRates(drop=0.3, truncate=0.2), seed=1) as relay:
        replies = _exchange(relay, 400)
    stats = relay.stats
    assert 0.22 <= stats.dropped / 400 <= 0.38, stats
    assert 0.1 <= stats.truncated / 400 <= 0.2, stats  # 20% of the 70% not dropped
    assert len(replies) == 400 - stats.dropped
    assert sum(len(r) < 40 for r in replies) == stats.truncated


def test_duplicates_delays_reorders_and_replays_change_what_arrives(
    echo: tuple[str, int],
) -> None:
    rates = FaultRates(duplicate=0.2, delay=0.2, reorder=0.2, replay=0.2, delay_seconds=0.05)
    with FaultyRelay(echo, rates, seed=2) as relay:
        replies = _exchange(relay, 200)
    seqs = [_reply_seq(r) for r in replies]
    assert len(seqs) == 200 + relay.stats.duplicated + relay.stats.replayed
    assert seqs != sorted(seqs), "nothing arrived out of order"
    assert set(seqs) == set(range(1, 201))


def test_forged_replays_carry_the_current_requests_sequence(echo: tuple[str, int]) -> None:
    with FaultyRelay(echo, FaultRates(replay=1.0), seed=3, forge_sequence=True) as relay:
        host, port = relay.address.split(":")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.connect((host, int(port)))
            client.settimeout(1)
            client.send(_request(7))
            assert _reply_seq(client.recv(2048)) == 7
            client.send(_request(8))
            # The stale reply to 7 comes first, rewritten to claim 8.
            assert [_reply_seq(client.recv(2048)) for _ in range(2)] == [8, 8]


def test_the_relay_stops_by_itself_after_its_lifetime(echo: tuple[str, int]) -> None:
    relay = FaultyRelay(echo, FaultRates(), lifetime=0.3).start()
    time.sleep(0.5)
    assert not relay._thread.is_alive()
    relay.stop()  # still safe, and closes the sockets
