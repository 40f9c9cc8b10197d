"""Through a link that loses, damages, delays and replays replies, calls stay right.

A :class:`~tests.helpers.faulty_relay.FaultyRelay` sits between the client and
the sandbox chronyd's UDP command port. Every call must either return the
daemon's true answer or raise a ChronyError, always within its budget
(:func:`pychrony._core.timing.budget`); a reply that arrives late, twice, or
for another request must never be taken as the answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from pychrony import AsyncChronyConnection, ChronyConnection, ChronyDataError, ChronyError
from pychrony._core.timing import budget
from pychrony.sandbox import Sandbox
from tests.helpers.faulty_relay import FaultRates, FaultyRelay

from .conftest import Truth

pytestmark = pytest.mark.reliability

# Loopback replies take well under a millisecond; a short timeout keeps the
# hundreds of lost replies cheap. A reply later than that is resent and the
# late one must be ignored, which is exactly what is under test.
TIMEOUT = 0.01
# With 40% of replies lost, 9 attempts all fail about once in 4000 requests;
# the fixed seed makes the run repeatable.
RETRIES = 8
BUDGET = budget(TIMEOUT, RETRIES)
SLACK = 0.3  # scheduling on a loaded 2-core CI machine


def _calls(conn: ChronyConnection, truth: Truth, *, stats: bool) -> list[Callable[[], None]]:
    calls = [
        lambda: truth.check_tracking(conn.get_tracking()),
        lambda: truth.check_sources(conn.get_sources()),
    ]
    if stats:
        calls.append(lambda: truth.check_source_stats(conn.get_source_stats()))
    return calls


def _run(
    calls: list[Callable[[], None]], count: int, time_limit: float
) -> tuple[int, list[ChronyError], float]:
    """Make ``count`` checked calls; return (done, failures, slowest call)."""
    failures: list[ChronyError] = []
    slowest = 0.0
    end = time.monotonic() + time_limit
    done = 0
    while done < count and time.monotonic() < end:
        start = time.monotonic()
        try:
            calls[done % len(calls)]()
        except ChronyError as exc:
            failures.append(exc)
        slowest = max(slowest, time.monotonic() - start)
        done += 1
    return done, failures, slowest


def _upstream(sandbox: Sandbox) -> tuple[str, int]:
    return ("127.0.0.1", sandbox.cmd_port)


def test_every_call_succeeds_through_drops_and_truncation(sandbox: Sandbox, truth: Truth) -> None:
    rates = FaultRates(drop=0.3, truncate=0.1)
    with FaultyRelay(_upstream(sandbox), rates, seed=6, lifetime=60) as relay:
        conn = ChronyConnection(relay.address, timeout=TIMEOUT, retries=RETRIES)
        done, failures, slowest = _run(_calls(conn, truth, stats=False), 300, time_limit=30)
        conn.close()
    assert done == 300, f"only {done} calls in 30 s"
    assert failures == [], failures[:3]
    assert slowest <= BUDGET + SLACK
    # The faults really happened, at about the configured rates.
    assert 0.2 <= relay.stats.dropped / relay.stats.replies <= 0.4, relay.stats
    assert relay.stats.truncated >= 0.05 * relay.stats.replies, relay.stats


def test_late_duplicated_and_stale_replies_are_never_taken_for_an_answer(
    sandbox: Sandbox, truth: Truth
) -> None:
    # Delayed replies arrive after the client has resent (delay > timeout),
    # i.e. while a later request is waiting; duplicates and replays arrive
    # during the next call's requests.
    rates = FaultRates(
        delay=0.25, duplicate=0.25, reorder=0.15, replay=0.25, delay_seconds=TIMEOUT * 1.6
    )
    with FaultyRelay(_upstream(sandbox), rates, seed=7, lifetime=60) as relay:
        conn = ChronyConnection(relay.address, timeout=TIMEOUT, retries=RETRIES)
        done, failures, slowest = _run(_calls(conn, truth, stats=True), 150, time_limit=20)
        conn.close()
    assert done == 150, f"only {done} calls in 20 s"
    assert failures == [], failures[:3]
    assert slowest <= BUDGET + SLACK
    stats = relay.stats
    assert min(stats.delayed, stats.duplicated, stats.reordered, stats.replayed) >= 20, stats


def test_the_consistency_check_catches_a_reply_taken_for_the_wrong_request(
    sandbox: Sandbox, truth: Truth
) -> None:
    """A test of the test above: only the sequence number protects the client.

    The relay rewrites replayed stale replies to carry the current request's
    sequence number. libchrony then accepts some of them, and the checks above
    must notice the wrong answers, proving that their passing means libchrony's
    sequence check held.
    """
    rates = FaultRates(replay=0.5)
    wrong: list[str] = []
    with FaultyRelay(_upstream(sandbox), rates, seed=8, lifetime=60, forge_sequence=True) as relay:
        conn = ChronyConnection(relay.address, timeout=TIMEOUT, retries=RETRIES)
        for call in _calls(conn, truth, stats=True) * 20:
            try:
                call()
            except (AssertionError, ChronyDataError) as exc:
                wrong.append(str(exc))
        conn.close()
    assert relay.stats.replayed >= 20
    assert len(wrong) >= 3, "forged stale replies went unnoticed: the checks prove nothing"


@pytest.mark.parametrize("loss", [1.0, 0.0])
def test_failures_are_chrony_errors_within_the_budget(sandbox: Sandbox, loss: float) -> None:
    """A link that loses or damages everything fails each call in time."""
    rates = FaultRates(drop=loss, truncate=1.0 - loss)
    timeout, retries = 0.02, 3
    with FaultyRelay(_upstream(sandbox), rates, seed=9, lifetime=30) as relay:
        conn = ChronyConnection(relay.address, timeout=timeout, retries=retries)
        for getter in (conn.get_tracking, conn.get_sources, conn.get_source_stats):
            start = time.monotonic()
            with pytest.raises(ChronyError) as info:
                getter()
            assert time.monotonic() - start <= budget(timeout, retries) + SLACK
            assert f"from {relay.address}" in info.value.message
        conn.close()


def test_the_asyncio_driver_survives_the_same_lossy_link(sandbox: Sandbox, truth: Truth) -> None:
    """AsyncChronyConnection waits on the event loop instead of poll(): same guarantees."""
    rates = FaultRates(drop=0.3, truncate=0.1, duplicate=0.1, delay=0.1, delay_seconds=0.016)

    async def calls(address: str) -> tuple[list[ChronyError], float]:
        failures: list[ChronyError] = []
        slowest = 0.0
        async with AsyncChronyConnection(address, timeout=TIMEOUT, retries=RETRIES) as conn:
            for i in range(100):
                start = time.monotonic()
                try:
                    if i % 2:
                        truth.check_sources(await conn.get_sources())
                    else:
                        truth.check_tracking(await conn.get_tracking())
                except ChronyError as exc:
                    failures.append(exc)
                slowest = max(slowest, time.monotonic() - start)
        return failures, slowest

    with FaultyRelay(_upstream(sandbox), rates, seed=10, lifetime=60) as relay:
        failures, slowest = asyncio.run(asyncio.wait_for(calls(relay.address), 30))
    assert failures == [], failures[:3]
    assert slowest <= BUDGET + SLACK
    assert relay.stats.dropped >= 20, relay.stats
