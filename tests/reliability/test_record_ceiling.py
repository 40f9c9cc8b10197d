"""A server claiming absurd record counts cannot turn one call into a request storm.

A relay in front of the real chronyd rewrites its answer to "how many
sources?" and maps each record request back onto a source that exists, so
the client sees a hostile server that serves as many records as it claims.
A count beyond pychrony's ceiling (far above what any real chronyd has) is
refused after the one count request; a count at the ceiling costs at most the
count request and one request per record, and still ends when the call's
budget is spent.
"""

from __future__ import annotations

import contextlib
import struct
import time
from collections.abc import Callable, Iterator

import pytest

from pychrony import ChronyConnection, ChronyDataError, ChronyTimeoutError
from pychrony._core.session import MAX_RECORDS
from pychrony._core.timing import budget
from pychrony.sandbox import Sandbox
from tests.helpers.faulty_relay import FaultRates, FaultyRelay

pytestmark = pytest.mark.reliability

TIMEOUT, RETRIES = 0.2, 1
BUDGET = budget(TIMEOUT, RETRIES)
SLACK = 0.5  # scheduling on a loaded two-core machine

# chronyd's command protocol (candm.h): the request's command code at byte 4
# and its data at byte 20; the reply's code at byte 6 and its data at byte 28.
_REQ_SOURCE_DATA = 15
_RPY_N_SOURCES = 2


def _claiming(count: int) -> Callable[[bytes], bytes]:
    """A reply rewriter: every source count becomes ``count`` (a uint32)."""

    def rewrite(reply: bytes) -> bytes:
        if len(reply) >= 32 and struct.unpack_from("!H", reply, 6)[0] == _RPY_N_SOURCES:
            return reply[:28] + struct.pack("!I", count) + reply[32:]
        return reply

    return rewrite


def _wrapping(real: int) -> Callable[[bytes], bytes]:
    """A request rewriter: record ``i`` is asked for as record ``i % real``, which exists."""

    def rewrite(request: bytes) -> bytes:
        if len(request) >= 24 and struct.unpack_from("!H", request, 4)[0] == _REQ_SOURCE_DATA:
            index = struct.unpack_from("!i", request, 20)[0]
            return request[:20] + struct.pack("!i", index % real) + request[24:]
        return request

    return rewrite


@pytest.fixture
def hostile(sandbox: Sandbox) -> Iterator[Callable[[int], FaultyRelay]]:
    relays: list[FaultyRelay] = []
    with ChronyConnection(sandbox.udp_address) as conn:
        real = len(conn.get_sources())

    def start(count: int) -> FaultyRelay:
        relay = FaultyRelay(
            ("127.0.0.1", sandbox.cmd_port),
            FaultRates(),
            rewrite_request=_wrapping(real),
            rewrite_reply=_claiming(count),
        ).start()
        relays.append(relay)
        return relay

    yield start
    for relay in relays:
        relay.stop()


@pytest.mark.parametrize("count", [MAX_RECORDS + 1, 1 << 20, (1 << 32) - 1])
def test_a_count_no_chronyd_can_have_is_refused_after_one_request(
    hostile: Callable[[int], FaultyRelay], count: int
) -> None:
    relay = hostile(count)
    with (
        ChronyConnection(relay.address, timeout=TIMEOUT, retries=RETRIES) as conn,
        pytest.raises(ChronyDataError, match="record count"),
    ):
        conn.get_sources()
    assert relay.stats.requests == 1


def test_a_count_at_the_limit_ends_within_the_budget(
    hostile: Callable[[int], FaultyRelay],
) -> None:
    relay = hostile(MAX_RECORDS)
    with ChronyConnection(relay.address, timeout=TIMEOUT, retries=RETRIES) as conn:
        start = time.monotonic()
        # Either every record arrives within the budget (a quiet machine), or
        # the call ends at the deadline: between records, or inside a wait.
        try:
            served = len(conn.get_sources())
        except ChronyTimeoutError:
            served = None
        elapsed = time.monotonic() - start
    assert elapsed <= BUDGET + SLACK, elapsed
    assert served in (None, MAX_RECORDS), served
    # Records were served (the relay maps every index onto a real source).
    assert 10 < relay.stats.requests <= MAX_RECORDS + 1, relay.stats.requests


def test_a_count_at_the_limit_costs_at_most_one_request_per_record(
    hostile: Callable[[int], FaultyRelay],
) -> None:
    # With a budget long enough to read them all on a quiet machine: either
    # every record arrives, or the budget ends the call; never more requests
    # than the count and its records.
    relay = hostile(MAX_RECORDS)
    with (
        ChronyConnection(relay.address, timeout=4.0, retries=1) as conn,
        contextlib.suppress(ChronyTimeoutError),
    ):
        assert len(conn.get_sources()) == MAX_RECORDS
    assert relay.stats.requests <= MAX_RECORDS + 1, relay.stats.requests
    assert relay.stats.requests > MAX_RECORDS // 8, relay.stats.requests


def test_the_relay_serves_the_claimed_records(hostile: Callable[[int], FaultyRelay]) -> None:
    # A test of the test: a claim of a few more records than chronyd has is
    # answered in full, so the relay really produces a server of that many.
    relay = hostile(9)
    with ChronyConnection(relay.address, timeout=TIMEOUT, retries=RETRIES) as conn:
        assert len(conn.get_sources()) == 9
