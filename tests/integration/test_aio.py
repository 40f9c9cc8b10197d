"""AsyncChronyConnection against real chronyd: same answers, deadlines, cancellation."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator

import pytest

from pychrony import (
    AsyncChronyConnection,
    ChronyConnection,
    ChronyConnectionError,
    ChronyTimeoutError,
    Transport,
)
from pychrony._core.timing import budget as budget_of
from pychrony.libchrony import RequestError
from pychrony.models.catalog import REPORTS
from pychrony.sandbox import Sandbox
from tests.helpers.relay import LatencyRelay

DELAY = 0.3


class Relays:
    def __init__(self, relay: LatencyRelay) -> None:
        self.relay = relay
        self.slow = relay.add(delay=DELAY)
        self.dead = relay.add(drop=True)
        self.dead_too = relay.add(drop=True)
        relay.start()


@pytest.fixture(scope="module")
def relays(sandbox: Sandbox) -> Iterator[Relays]:
    with LatencyRelay(sandbox.udp_address) as relay:
        yield Relays(relay)


def test_async_results_equal_the_sync_connections(address: str) -> None:
    with ChronyConnection(address) as conn:
        tracking, sources = conn.get_tracking(), conn.get_sources()
        stats, rtc = conn.get_source_stats(), conn.get_rtc_data()

    async def main() -> None:
        async with AsyncChronyConnection(address) as conn:
            assert conn.address == address
            expected = Transport.UNIX_SOCKET if address.startswith("/") else Transport.COMMAND_PORT
            assert conn.transport is expected
            got = await conn.get_tracking()
            assert (got.reference_id, got.stratum, got.leap_status) == (
                tracking.reference_id,
                tracking.stratum,
                tracking.leap_status,
            )
            got_sources = await conn.get_sources()
            assert [(s.address, s.mode, s.stratum) for s in got_sources] == [
                (s.address, s.mode, s.stratum) for s in sources
            ]
            got_stats = await conn.get_source_stats()
            assert [s.address for s in got_stats] == [s.address for s in stats]
            assert await conn.get_rtc_data() == rtc is None
        assert not conn.is_open

    asyncio.run(main())


def test_tasks_may_share_one_connection(sandbox: Sandbox) -> None:
    async def main() -> None:
        async with AsyncChronyConnection(sandbox.socket_path) as conn:
            calls = [conn.get_tracking() if i % 2 else conn.get_sources() for i in range(20)]
            results = await asyncio.gather(*calls)
        for i, result in enumerate(results):
            if i % 2:
                assert getattr(result, "stratum", None) == 9
            else:
                assert isinstance(result, list)
                assert len(result) == 4

    asyncio.run(main())


def test_waiting_does_not_block_the_event_loop(relays: Relays) -> None:
    async def main() -> tuple[int, float]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        tick_task = asyncio.create_task(ticker())
        start = time.monotonic()
        async with AsyncChronyConnection(relays.slow) as conn:
            await conn.get_tracking()
        elapsed = time.monotonic() - start
        tick_task.cancel()
        return ticks, elapsed

    ticks, elapsed = asyncio.run(main())
    assert elapsed >= DELAY
    # The loop kept running the ticker while the call waited for the reply.
    assert ticks >= DELAY / 0.01 / 3


@pytest.mark.parametrize(("timeout", "retries"), [(0.1, 0), (0.05, 2)])
def test_silent_server_times_out_within_budget(
    relays: Relays, timeout: float, retries: int
) -> None:
    budget = budget_of(timeout, retries)
    before = relays.relay.requests(relays.dead)

    async def main() -> None:
        async with AsyncChronyConnection(relays.dead, timeout=timeout, retries=retries) as conn:
            await conn.get_sources()

    start = time.monotonic()
    with pytest.raises(ChronyTimeoutError, match="no reply after") as info:
        asyncio.run(main())
    elapsed = time.monotonic() - start
    assert f"from {relays.dead}:" in info.value.message
    assert budget * 0.9 <= elapsed <= budget + 0.25
    time.sleep(0.06)
    assert relays.relay.requests(relays.dead) - before == retries + 1


def test_refused_port_raises_the_sync_error() -> None:
    async def main() -> None:
        async with AsyncChronyConnection("127.0.0.1:1", timeout=2.0) as conn:
            await conn.get_tracking()

    start = time.monotonic()
    with pytest.raises(ChronyConnectionError, match="Connection refused") as info:
        asyncio.run(main())
    assert not isinstance(info.value, ChronyTimeoutError)
    assert time.monotonic() - start < 1.0


def test_waiting_tasks_respect_their_own_budget(relays: Relays) -> None:
    timeout, retries = 0.1, 1
    budget = budget_of(timeout, retries)

    async def main() -> list[tuple[BaseException | None, float]]:
        conn = AsyncChronyConnection(relays.dead_too, timeout=timeout, retries=retries)

        async def call() -> tuple[BaseException | None, float]:
            start = time.monotonic()
            try:
                await conn.get_tracking()
            except ChronyTimeoutError as exc:
                return exc, time.monotonic() - start
            return None, time.monotonic() - start

        try:
            return await asyncio.gather(*(call() for _ in range(4)))
        finally:
            await conn.close()

    outcomes = asyncio.run(main())
    assert all(isinstance(exc, ChronyTimeoutError) for exc, _ in outcomes)
    assert all(elapsed <= budget + 0.25 for _, elapsed in outcomes), outcomes
    assert all(re.search("busy|no reply", str(exc)) for exc, _ in outcomes), outcomes


def test_a_call_that_never_gets_its_turn_says_it_was_busy(sandbox: Sandbox) -> None:
    async def main() -> None:
        async with AsyncChronyConnection(sandbox.udp_address, timeout=0.05, retries=1) as conn:
            # Stand in for a call that holds the connection longer than the waiter's budget.
            assert await conn._turns.acquire(None)
            start = time.monotonic()
            with pytest.raises(ChronyTimeoutError, match="busy with other calls"):
                await conn.get_tracking()
            assert 0.15 * 0.9 <= time.monotonic() - start <= 0.15 + 0.25
            conn._turns.release()
            assert (await conn.get_tracking()).stratum == 9

    asyncio.run(main())


def test_cancelled_calls_leave_the_connection_usable(relays: Relays, sandbox: Sandbox) -> None:
    with ChronyConnection(sandbox.udp_address) as sync_conn:
        count = len(sync_conn.get_sources())

    async def main() -> None:
        async with AsyncChronyConnection(relays.slow, timeout=1.0) as conn:
            # Cancelled after the record count arrived, while record 0 is outstanding.
            start = time.monotonic()
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(conn.get_sources(), DELAY * 1.5)
            assert time.monotonic() - start < DELAY * 1.5 + 0.1
            assert not conn.is_open, "the abandoned exchange must reset the session"
            # The next call gets its own reply, of its own report.
            assert (await conn.get_tracking()).stratum == 9
            assert len(await conn.get_sources()) == count

            # Cancelled while waiting for its very first reply, by task.cancel().
            task = asyncio.create_task(conn.get_tracking())
            await asyncio.sleep(DELAY / 3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # A waiter queued behind a cancelled call is not stranded either.
            first = asyncio.create_task(conn.get_sources())
            second = asyncio.create_task(conn.get_tracking())
            await asyncio.sleep(DELAY / 3)
            first.cancel()
            assert (await second).stratum == 9
            assert len(await conn.get_sources()) == count

    asyncio.run(main())


def test_every_catalogue_report_has_an_async_getter(sandbox: Sandbox) -> None:
    with ChronyConnection(sandbox.socket_path) as sync_conn:
        expected = {spec.name: getattr(sync_conn, spec.method)() for spec in REPORTS}

    async def main() -> dict[str, object]:
        async with AsyncChronyConnection(sandbox.socket_path) as conn:
            return {spec.name: await getattr(conn, spec.method)() for spec in REPORTS}

    got = asyncio.run(main())
    for spec in REPORTS:
        want, have = expected[spec.name], got[spec.name]
        assert type(have) is type(want), spec.name
        if spec.many:
            assert isinstance(have, list)
            assert isinstance(want, list)
            assert len(have) == len(want), spec.name
            assert all(isinstance(item, spec.model) for item in have)
        elif want is not None:
            assert isinstance(have, spec.model)


def test_async_generic_reports_equal_the_sync_connections(address: str) -> None:
    with ChronyConnection(address) as sync_conn:
        names = sync_conn.get_available_reports()
        count = sync_conn.get_record_count("sources")
        tracking = sync_conn.get_record("tracking")
        sources = sync_conn.get_report("sources")
        everything = sync_conn.get_all_reports()

    async def main() -> None:
        async with AsyncChronyConnection(address) as conn:
            assert await conn.get_available_reports() == names
            assert await conn.get_record_count("sources") == count
            record = await conn.get_record("tracking")
            assert [f.name for f in record] == [f.name for f in tracking]
            assert record["stratum"].value == tracking["stratum"].value
            report = await conn.get_report("sources")
            assert [r["address"].value for r in report] == [r["address"].value for r in sources]
            iterated = [r async for r in conn.iter_records("sources")]
            assert [r.index for r in iterated] == list(range(count))
            assert list(await conn.get_all_reports()) == list(everything)
            with pytest.raises(RequestError):
                await conn.get_record_count("no such report")

    asyncio.run(main())


def test_a_huge_timeout_is_waited_without_overflow(sandbox: Sandbox) -> None:
    async def main() -> int:
        async with AsyncChronyConnection(sandbox.udp_address, timeout=1e300, retries=30) as conn:
            return (await conn.get_tracking()).stratum

    assert asyncio.run(main()) == 9
