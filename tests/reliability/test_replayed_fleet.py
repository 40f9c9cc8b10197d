"""Two hundred servers from one process: chronyd's replayed replies, bounded descriptors.

A :class:`ReplayResponder` records the sandboxed chronyd's replies to one
``get_tracking()`` and one ``get_sources()`` and serves them on 200 loopback
ports, each reply held back a little so the client's connections stay open
long enough to be counted. ``gather`` and ``each_server`` run in a
subprocess that samples its own descriptors and threads every few
milliseconds: neither may hold more than ``max_connections`` connections
(two descriptors each) nor, for ``each_server``, threads; gather starts none.
"""

from __future__ import annotations

import json
import pickle
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pychrony import ChronyConnection, Source, TrackingStatus
from pychrony.sandbox import Sandbox
from tests.helpers.replay import ReplayResponder, request_key

pytestmark = pytest.mark.reliability

SERVERS = 200
LIMIT = 8
DELAY = 0.01  # seconds each reply is held: 25 waves of 6 exchanges, about 1.5 s
# Descriptors opened besides the connections': asyncio.run()'s epoll and
# self-pipe (gather), the exit-wakeup pipe of blocking connections (each_server).
OWN_FDS = 3


@pytest.fixture(scope="module")
def replay(sandbox: Sandbox) -> Iterator[tuple[ReplayResponder, TrackingStatus, list[Source]]]:
    with ReplayResponder(sandbox.udp_address, SERVERS, delay=DELAY) as responder:
        tracking, sources = responder.record(
            lambda a: ChronyConnection(a, timeout=1.0).get_tracking(),
            lambda a: ChronyConnection(a, timeout=1.0).get_sources(),
        )
        responder.freeze()
        assert isinstance(tracking, TrackingStatus)
        assert isinstance(sources, list)
        yield responder, tracking, sources


def test_replies_are_chronyds_own_bytes_with_the_requests_sequence(
    replay: tuple[ReplayResponder, TrackingStatus, list[Source]], sandbox: Sandbox
) -> None:
    responder, tracking, sources = replay
    # tracking, the count of sources, one record per source.
    assert len(responder.recording) == 2 + len(sources)
    with ChronyConnection(sandbox.socket_path) as conn:
        live = conn.get_tracking()
        live_sources = conn.get_sources()
    assert (tracking.reference_id, tracking.stratum) == (live.reference_id, live.stratum)
    assert [s.address for s in sources] == [s.address for s in live_sources]
    host, _, port = responder.addresses[-1].rpartition(":")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2.0)
        for number, (key, recorded) in enumerate(responder.recording.items()):
            sequence = (0xA5000000 + number).to_bytes(4, "little")
            request = key[:8] + sequence + key[12:]
            assert request_key(request) == key
            sock.sendto(request, (host, int(port)))
            reply = sock.recv(65536)
            assert reply[16:20] == sequence
            assert reply[:16] == recorded[:16]
            assert reply[20:] == recorded[20:]
    dropped = responder.stats.dropped
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"\x06\x01\x00\x00\xff\xff" + bytes(100), (host, int(port)))  # never recorded
        sock.settimeout(3 * DELAY + 0.2)
        with pytest.raises(TimeoutError):
            sock.recv(65536)
    assert responder.stats.dropped == dropped + 1


_CHILD = """
import json, os, pickle, sys, threading, time
from pychrony import gather_sync
from pychrony.fleet import each_server

def fds():
    return len(os.listdir("/proc/self/fd"))

def threads():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("Threads:"))

addresses, limit, out = json.loads(sys.argv[1])

def watching(run):  # run(): its result, and the counts before and at the peak
    stop = threading.Event()
    peak = {"fds": 0, "threads": 0}
    def sample():
        while not stop.wait(0.002):
            peak["fds"] = max(peak["fds"], fds())
            peak["threads"] = max(peak["threads"], threads())
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    time.sleep(0.05)
    base = {"fds": fds(), "threads": threads()}
    result = run()
    stop.set()
    sampler.join()
    return result, {"base": base, "peak": peak}

results, gathered = watching(lambda: gather_sync(
    addresses, reports=("tracking", "sources"), timeout=0.5, retries=2, max_connections=limit))
answers, asked = watching(lambda: each_server(
    addresses, lambda conn: conn.get_tracking(), timeout=0.5, retries=2, max_connections=limit))
with open(out, "wb") as file:
    pickle.dump({
        "gather": {a: (dict(r.reports), {k: str(e) for k, e in r.errors.items()})
                   for a, r in results.items()},
        "each_server": [(a.address, a.value, str(a.error)) for a in answers],
    }, file)
print(json.dumps({"gather": gathered, "each_server": asked}))
"""


def _run_child(responder: ReplayResponder, out: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps([responder.addresses, LIMIT, out])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    counts: dict[str, Any] = json.loads(proc.stdout)
    return counts


def test_gather_and_each_server_over_200_replayed_servers_within_max_connections(
    replay: tuple[ReplayResponder, TrackingStatus, list[Source]], tmp_path: Path
) -> None:
    responder, tracking, sources = replay
    clients = responder.stats.clients
    out = str(tmp_path / "results.pickle")
    counts = _run_child(responder, out)
    with open(out, "rb") as file:
        found = pickle.load(file)
    results = found["gather"]
    assert list(results) == responder.addresses
    for address, (reports, errors) in results.items():
        assert not errors, (address, errors)
        assert reports == {"tracking": tracking, "sources": sources}, address
    for address, value, error in found["each_server"]:
        assert value == tracking, (address, error)
    # One connection (its own client port) per server in each run: gather
    # asks both reports on one.
    assert responder.stats.clients - clients == 2 * SERVERS, responder.stats
    for name, threads in (("gather", 0), ("each_server", LIMIT)):
        base, peak = counts[name]["base"], counts[name]["peak"]
        opened = peak["fds"] - base["fds"]
        print(
            f"\n{name}: {SERVERS} replayed servers, max_connections={LIMIT}: "
            f"peak {opened} more fds, {peak['threads'] - base['threads']} more threads"
        )
        assert opened <= 2 * LIMIT + OWN_FDS, (name, counts)
        # The limit was reached (the sampler sees it), so the bound above is a real check.
        assert opened >= 2 * (LIMIT - 1), (name, counts)
        assert peak["threads"] - base["threads"] <= threads, (name, counts)
    # each_server ran its threads up to the limit.
    asked = counts["each_server"]
    assert asked["peak"]["threads"] - asked["base"]["threads"] >= LIMIT - 1, counts
