"""One ChronyConnection shared by many threads: serialised, sane, within budget."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

import pytest

from pychrony import ChronyConnection, ChronyTimeoutError
from pychrony._core.timing import budget as budget_of
from pychrony.sandbox import Sandbox

THREADS = 8
RUN_FOR = 1.5  # seconds per transport


def _run_workers(worker: Callable[[int], None]) -> None:
    """Run ``worker(n)`` in THREADS threads at once; each must end within RUN_FOR and a margin."""
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RUN_FOR + 10)
    assert not any(thread.is_alive() for thread in threads)


def test_threads_share_one_connection(address: str) -> None:
    with ChronyConnection(address) as conn:
        reference_id = conn.get_tracking().reference_id
        addresses = [s.address for s in conn.get_sources()]
        errors: list[BaseException] = []
        calls = [0] * THREADS
        end = time.monotonic() + RUN_FOR

        def worker(n: int) -> None:
            try:
                while time.monotonic() < end:
                    if (calls[n] + n) % 3 == 0:
                        tracking = conn.get_tracking()
                        assert tracking.reference_id == reference_id
                        assert tracking.stratum == 9
                    elif (calls[n] + n) % 3 == 1:
                        assert [s.address for s in conn.get_sources()] == addresses
                    else:
                        assert [s.address for s in conn.get_source_stats()] == addresses
                    calls[n] += 1
            except BaseException as exc:
                errors.append(exc)

        _run_workers(worker)
    print(f"\n{THREADS} threads on {address}: {sum(calls)} calls in {RUN_FOR} s, 0 errors")
    assert errors == []
    assert all(n >= 5 for n in calls), calls


def test_waiting_threads_respect_their_own_budget(dead: str) -> None:
    timeout, retries = 0.1, 1
    budget = budget_of(timeout, retries)
    conn = ChronyConnection(dead, timeout=timeout, retries=retries)
    outcomes: list[tuple[BaseException | None, float]] = []

    def call() -> None:
        start = time.monotonic()
        try:
            conn.get_tracking()
        except ChronyTimeoutError as exc:
            outcomes.append((exc, time.monotonic() - start))
        else:
            outcomes.append((None, time.monotonic() - start))

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    conn.close()
    # Serialised without a bound, the fourth would wait for three budgets first.
    assert len(outcomes) == 4
    assert all(isinstance(exc, ChronyTimeoutError) for exc, _ in outcomes)
    assert all(elapsed <= budget + 0.25 for _, elapsed in outcomes), outcomes
    # Each either waited for the connection until its deadline or got it in time to try.
    assert all(re.search("busy|no reply", str(exc)) for exc, _ in outcomes), outcomes


def test_a_call_that_never_gets_the_connection_says_it_was_busy(sandbox: Sandbox) -> None:
    conn = ChronyConnection(sandbox.udp_address, timeout=0.05, retries=1)
    # Stand in for a call that holds the connection longer than the waiter's budget.
    holder_has_it, waiter_done = threading.Event(), threading.Event()

    def hold() -> None:
        with conn._session._lock:
            holder_has_it.set()
            waiter_done.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    holder_has_it.wait(5)
    start = time.monotonic()
    try:
        with pytest.raises(ChronyTimeoutError, match="busy with other calls") as info:
            conn.get_sources()
    finally:
        waiter_done.set()
        holder.join(5)
    assert 0.15 * 0.9 <= time.monotonic() - start <= 0.15 + 0.25
    assert f"sources report from {sandbox.udp_address}" in info.value.message
    assert conn.get_tracking().stratum == 9  # usable once free
    conn.close()


def test_a_huge_timeout_is_waited_without_overflow(sandbox: Sandbox) -> None:
    # timeout * 2**31 overflows to an infinite budget: the lock and poll must cope.
    with ChronyConnection(sandbox.udp_address, timeout=1e300, retries=30) as conn:
        assert conn.get_tracking().stratum == 9


def test_connections_in_threads_keep_their_own_addresses(sandbox: Sandbox) -> None:
    # ntpdata and authdata requests name each source by its address, which
    # libchrony formats in the buffer every session shares: a sources read
    # on another connection at that moment must still get its own addresses.
    # (The Unix socket: chronyd refuses ntpdata over UDP without opencommands.)
    address = sandbox.socket_path
    with ChronyConnection(address) as conn:
        addresses = sorted(s.address for s in conn.get_sources())
    errors: list[BaseException] = []
    calls = [0] * THREADS
    end = time.monotonic() + RUN_FOR

    def worker(n: int) -> None:
        try:
            with ChronyConnection(address) as own:
                while time.monotonic() < end:
                    if n % 2:
                        own.get_ntp_data()
                        own.get_auth_data()
                    else:
                        assert sorted(s.address for s in own.get_sources()) == addresses
                        assert sorted(s.address for s in own.get_source_stats()) == addresses
                    calls[n] += 1
        except BaseException as exc:
            errors.append(exc)

    _run_workers(worker)
    assert errors == []
    assert all(n >= 5 for n in calls), calls
