"""The exchange in C: records that outgrow its buffer, and other threads while it waits.

A report's records are packed into the session's buffer in one call; a
record that does not fit is read field by field and the buffer grows. The
answers must be the same whatever the buffer's size, for the blocking call
and for the asyncio driver. While the C exchange waits, the GIL is free.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from pychrony import ChronyTimeoutError
from pychrony._core.constants import FieldType
from pychrony._core.records import RawRecord
from pychrony._core.session import Session
from pychrony.aio import drive_async
from tests.helpers.silent import silent_port

# Far smaller than any record: every record takes the field-by-field path.
TINY = 16


def _values(records: list[RawRecord]) -> list[tuple[object, ...]]:
    # Counters and measurements move between calls; names, types and the
    # source addresses do not.
    return [
        tuple((f.name, f.type, f.value if f.type == FieldType.STRING else None) for f in r)
        for r in records
    ]


def _tiny(session: Session) -> None:
    session.open()
    session._exchange_state()
    session._grow(TINY)


@pytest.mark.usefixtures("native")
def test_records_that_outgrow_the_buffer_read_the_same(address: str) -> None:
    big = Session(address)
    small = Session(address)
    try:
        expected = big.records("sources")
        assert len(expected) >= 2
        _tiny(small)
        assert _values(small.records("sources")) == _values(expected)
        # The buffer grew with each record that did not fit; the answer stays the same.
        assert small._x.size > TINY
        assert _values(small.records("sources")) == _values(expected)
        _tiny(small)
        tracking = small.record("tracking", 0)
        assert [f.name for f in tracking] == [f.name for f in big.record("tracking", 0)]
    finally:
        big.close()
        small.close()


@pytest.mark.usefixtures("native")
def test_the_asyncio_steps_read_an_outgrown_report_the_same(address: str) -> None:
    session = Session(address)
    try:
        expected = _values(session.records("sources"))
        _tiny(session)

        async def main() -> list[RawRecord]:
            return await drive_async(session.records_steps("sources")(session.deadline()))

        assert _values(asyncio.run(main())) == expected
    finally:
        session.close()


@pytest.fixture
def silent() -> Iterator[str]:
    """A UDP port on loopback that takes requests and never answers."""
    with silent_port() as address:
        yield address


@pytest.mark.usefixtures("native")
def test_other_threads_run_while_a_call_waits(silent: str) -> None:
    session = Session(silent, timeout=0.3, retries=1)
    spins = 0
    stop = threading.Event()

    def spin() -> None:
        nonlocal spins
        while not stop.is_set():
            spins += 1

    thread = threading.Thread(target=spin)
    try:
        session.open()
        thread.start()
        time.sleep(0.05)
        before = spins
        with pytest.raises(ChronyTimeoutError, match="no reply after 2 attempts"):
            session.record("tracking", 0)
        during = spins - before
    finally:
        stop.set()
        thread.join()
        session.close()
    # A thread holding the GIL for the whole wait would leave this near zero;
    # a free-running loop counts millions in the 0.9 s (0.3 s, then 0.6 s).
    assert during > 100_000, during
