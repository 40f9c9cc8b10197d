"""Many servers at once: sixteen slow servers cost about one; a dead one only itself.

The "servers" are :class:`LatencyRelay` ports in front of the one sandboxed
chronyd's UDP command port, each adding latency to every reply.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from pychrony import (
    Activity,
    ChronyConnection,
    ChronyPermissionError,
    ChronyTimeoutError,
    ServerResult,
    ServerStats,
    Source,
    TrackingStatus,
    gather,
    gather_sync,
)
from pychrony._core.timing import budget as budget_of
from pychrony.fleet import each_server
from pychrony.sandbox import Sandbox
from tests.helpers.relay import LatencyRelay

SLOW = 0.3  # seconds each slow relay adds to every reply
FAST = 0.05


class Fleet:
    def __init__(self, relay: LatencyRelay) -> None:
        self.relay = relay
        self.slow = [relay.add(delay=SLOW) for _ in range(17)]
        self.fast = [relay.add(delay=FAST) for _ in range(7)]
        self.dead = relay.add(drop=True)
        relay.start()


@pytest.fixture(scope="module")
def fleet(sandbox: Sandbox) -> Iterator[Fleet]:
    with LatencyRelay(sandbox.udp_address) as relay:
        yield Fleet(relay)


def reference(sandbox: Sandbox) -> tuple[TrackingStatus, list[Source]]:
    with ChronyConnection(sandbox.udp_address) as conn:
        return conn.get_tracking(), conn.get_sources()


def check_sane(result: ServerResult, tracking: TrackingStatus, sources: list[Source]) -> None:
    assert result.ok, result.error
    got = result["tracking"]
    assert isinstance(got, TrackingStatus)
    assert (got.reference_id, got.stratum) == (tracking.reference_id, tracking.stratum)
    got_sources = result["sources"]
    assert isinstance(got_sources, list)
    assert [s.address for s in got_sources] == [s.address for s in sources]


def test_sixteen_slow_servers_take_about_as_long_as_one(fleet: Fleet, sandbox: Sandbox) -> None:
    tracking, sources = reference(sandbox)

    start = time.monotonic()
    one = gather_sync(fleet.slow[:1], reports=("tracking", "sources"))
    single = time.monotonic() - start
    check_sane(one[fleet.slow[0]], tracking, sources)

    start = time.monotonic()
    results = gather_sync(fleet.slow[1:], reports=("tracking", "sources"))
    many = time.monotonic() - start

    print(f"\n1 server behind {SLOW} s: {single:.2f} s; 16 servers: {many:.2f} s")
    assert list(results) == fleet.slow[1:]
    for result in results.values():
        check_sane(result, tracking, sources)
    # sources is 1 + len(sources) round trips, each at least SLOW away.
    assert single >= SLOW * (1 + len(sources))
    assert many < 2.5
    assert many < single + 0.75, "servers were not queried concurrently"


def test_dead_server_fails_alone_within_its_budget(fleet: Fleet, sandbox: Sandbox) -> None:
    tracking, sources = reference(sandbox)
    timeout, retries = 0.3, 1
    budget = budget_of(timeout, retries)
    asked_before = fleet.relay.requests(fleet.dead)
    start = time.monotonic()
    results = gather_sync([*fleet.fast, fleet.dead], timeout=timeout, retries=retries)
    elapsed = time.monotonic() - start

    dead = results[fleet.dead]
    assert not dead.ok
    assert set(dead.errors) == {"tracking", "sources"}
    assert all(isinstance(e, ChronyTimeoutError) for e in dead.errors.values())
    with pytest.raises(ChronyTimeoutError, match="no reply after 2 attempts"):
        dead["tracking"]
    # Silent on tracking: sources was not asked, so the server cost one budget.
    with pytest.raises(ChronyTimeoutError, match=r"sources report .* not asked"):
        dead["sources"]
    assert fleet.relay.requests(fleet.dead) - asked_before == 1 + retries
    assert budget * 0.9 <= dead.elapsed <= budget + 0.3
    assert elapsed <= budget + 0.5
    for address in fleet.fast:
        check_sane(results[address], tracking, sources)
        assert results[address].elapsed < budget * 0.75, "a live server waited for the dead one"


def test_gather_on_a_running_loop_over_both_transports(sandbox: Sandbox) -> None:
    tracking, sources = reference(sandbox)

    async def main() -> dict[str | None, ServerResult]:
        return await gather(
            [sandbox.socket_path, sandbox.udp_address, sandbox.socket_path],
            reports=["tracking", "sources", "rtcdata"],
            timeout=0.5,
        )

    results = asyncio.run(main())
    assert list(results) == [sandbox.socket_path, sandbox.udp_address]
    for result in results.values():
        check_sane(result, tracking, sources)
        assert result["rtcdata"] is None  # the sandbox has no RTC tracking
        with pytest.raises(KeyError):
            result["sourcestats"]


def test_gather_rejects_bad_arguments_before_any_io() -> None:
    with pytest.raises(ValueError, match="unknown report 'trackin'"):
        gather_sync(["127.0.0.1"], reports=("trackin",))
    with pytest.raises(TypeError, match="not one str"):
        gather_sync(["127.0.0.1"], reports="tracking")
    with pytest.raises(ValueError, match="timeout"):
        gather_sync(["127.0.0.1"], timeout=0)

    async def inside_a_loop() -> None:
        gather_sync(["127.0.0.1"])

    with pytest.raises(RuntimeError, match="await gather"):
        asyncio.run(inside_a_loop())


def test_refused_report_fails_alone_and_default_address_works(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Over the UDP command port chronyd refuses serverstats but serves activity.
    results = gather_sync([sandbox.udp_address], reports=("serverstats", "activity"))
    result = results[sandbox.udp_address]
    assert not result.ok
    assert list(result.errors) == ["serverstats"]
    assert isinstance(result.error, ChronyPermissionError)
    assert isinstance(result["activity"], Activity)

    monkeypatch.setenv("PYCHRONY_ADDRESS", sandbox.socket_path)
    results = gather_sync([None], reports=("serverstats",))
    assert isinstance(results[None]["serverstats"], ServerStats)


def test_each_server_runs_a_function_everywhere_at_once(fleet: Fleet) -> None:
    addresses = [*fleet.slow[:8], fleet.dead]
    start = time.monotonic()
    answers = each_server(
        addresses,
        lambda conn: (conn.get_tracking().stratum, conn.get_activity().online_sources),
        timeout=0.4,
        retries=0,
        calls=2,
    )
    elapsed = time.monotonic() - start
    print(f"each_server: 8 servers 0.3 s away + 1 dead in {elapsed:.2f} s")
    assert [a.address for a in answers] == addresses
    for answer in answers[:-1]:
        assert answer.ok, answer.error
        assert answer.used == answer.address
        assert answer.value is not None
        assert answer.value[0] == 9  # the sandbox client's stratum
        assert answer.value[1] >= 1
    dead = answers[-1]
    assert not dead.ok
    assert isinstance(dead.error, ChronyTimeoutError)
    # Two slow calls in sequence per server, all servers at once; the dead
    # one costs its own 0.4 s budget, not the others'.
    assert elapsed < 1.6
