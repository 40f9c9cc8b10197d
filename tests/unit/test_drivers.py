"""The asyncio driver of the core's protocol steps, on a socketpair."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest

from pychrony._core.session import Steps, Wait
from pychrony.aio import _Turns, drive_async


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def two_waits(fd: int, wait: float, log: list[object]) -> Steps[str]:
    """Wait twice for ``fd``, logging what the driver answered; GeneratorExit is logged too."""
    try:
        for _ in range(2):
            log.append((yield Wait(fd, time.monotonic() + wait)))
    except GeneratorExit:
        log.append("closed")
        raise
    return "done"


def test_async_driver_reports_readable_and_timeout(pair: tuple[socket.socket, ...]) -> None:
    a, b = pair
    log: list[object] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.call_later(0.02, b.send, b"x")
        assert await drive_async(two_waits(a.fileno(), 0.5, log)) == "done"
        a.recv(1)
        assert await drive_async(two_waits(a.fileno(), 0.02, log)) == "done"
        # The driver unregistered the socket after each wait.
        assert not loop.remove_reader(a.fileno())

    asyncio.run(main())
    assert log == [True, True, False, False]


def test_async_driver_closes_steps_when_cancelled(pair: tuple[socket.socket, ...]) -> None:
    a, _ = pair
    log: list[object] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.create_task(drive_async(two_waits(a.fileno(), 5.0, log)))
        await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not loop.remove_reader(a.fileno())

    asyncio.run(main())
    assert log == ["closed"]


def test_turns_are_first_come_first_served() -> None:
    async def main() -> list[int]:
        turns = _Turns()
        order: list[int] = []

        async def take(n: int) -> None:
            assert await turns.acquire(1.0)
            order.append(n)
            await asyncio.sleep(0.01)
            turns.release()

        await asyncio.gather(*(take(n) for n in range(5)))
        assert await turns.acquire(0.0)  # free again
        return order

    assert asyncio.run(main()) == [0, 1, 2, 3, 4]


def test_turn_waiters_give_up_at_their_timeout_and_are_not_stranded() -> None:
    async def main() -> None:
        turns = _Turns()
        assert await turns.acquire(None)
        start = time.monotonic()
        assert not await turns.acquire(0.05)
        assert 0.04 <= time.monotonic() - start < 0.5
        # A waiter cancelled just as it is handed the turn passes it on.
        cancelled = asyncio.create_task(turns.acquire(None))
        later = asyncio.create_task(turns.acquire(1.0))
        await asyncio.sleep(0)
        turns.release()  # hands the turn to `cancelled`...
        cancelled.cancel()  # ...which is cancelled before it runs
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        assert await later
        turns.release()
        assert await turns.acquire(0.0)

    asyncio.run(main())


def sleeps_once(delay: float, log: list[object]) -> Steps[str]:
    """A plain wait with no socket (fd -1), as the core yields after a send that would block."""
    log.append((yield Wait(-1, time.monotonic() + delay)))
    return "slept"


def test_async_driver_sleeps_through_a_wait_without_a_socket() -> None:
    log: list[object] = []

    async def main() -> float:
        start = time.monotonic()
        assert await drive_async(sleeps_once(0.05, log)) == "slept"
        return time.monotonic() - start

    assert asyncio.run(main()) >= 0.05
    assert log == [False]
