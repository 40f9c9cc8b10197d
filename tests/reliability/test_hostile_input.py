"""Hostile input to every public entry point: a clear Python exception, never a crash.

Wrong types, empty and oversized strings, NUL bytes, negative and huge
indexes, unknown reports and closed connections each get TypeError,
ValueError, IndexError/KeyError or a ChronyError subclass whose message says
what was wrong. Property-based parts use hypothesis; the sequences most likely
to crash the interpreter (C calls on freed sessions, concurrent close) run in a
subprocess whose exit status is checked.
"""

from __future__ import annotations

import asyncio
import math
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pychrony import (
    AsyncChronyConnection,
    ChronyConnection,
    ChronyConnectionError,
    ChronyDataError,
    ChronyError,
)
from pychrony._core.session import RawField
from pychrony.libchrony import Chrony, ConnectionError, Record, Report, RequestError, ResponseError
from pychrony.models._declare import decode, plan
from pychrony.models.catalog import REPORTS
from pychrony.sandbox import Sandbox

pytestmark = pytest.mark.reliability

# A few hundred examples per property keep the module within a few seconds;
# each example that reaches chronyd costs one loopback round trip.
FEW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**1100), max_value=2**1100),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.binary(),
    st.lists(st.integers(), max_size=3),
    st.tuples(st.integers(), st.integers()),
)
hostile_text = st.one_of(
    st.text(),
    st.text(min_size=200, max_size=400),
    st.builds(lambda a, b: a + "\0" + b, st.text(max_size=8), st.text(max_size=8)),
    st.just(""),
)


def _informative(exc: BaseException, *words: str) -> None:
    """A message that says what went wrong, naming ``words`` (the input echoed back)."""
    message = str(exc)
    assert message
    assert len(message) < 2000, message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


# -- constructors ------------------------------------------------------------


@FEW
@given(address=st.one_of(anything, hostile_text))
def test_any_address_is_accepted_or_refused_with_a_clear_error(address: Any) -> None:
    try:
        conn = ChronyConnection(address)
    except TypeError as exc:
        assert not isinstance(address, str)
        _informative(exc, "address must be a str")
        return
    except ValueError as exc:
        assert isinstance(address, str)
        assert (
            address == ""
            or "\0" in address
            or len(address.encode("utf-8", "surrogateescape")) > 255
        )
        _informative(exc, "address")
        return
    assert address is None or (isinstance(address, str) and address and "\0" not in address)
    assert not conn.is_open


@FEW
@given(address=st.text(min_size=1, max_size=120).filter(lambda s: "\0" not in s))
def test_opening_any_command_port_text_fails_cleanly_or_opens(address: str) -> None:
    """libchrony parses the text (IPv4, [IPv6]:port, ...): junk must not reach C unchecked.

    Only opened, never queried: opening a UDP socket sends nothing, so even a
    non-loopback address that parses stays off the network.
    """
    address = address.lstrip("/") or "x"
    conn = ChronyConnection(address, timeout=0.01, retries=0)
    try:
        conn.open()
    except ValueError as exc:  # too long once encoded
        _informative(exc, "address")
    except ChronyConnectionError as exc:
        _informative(exc, "cannot connect to chronyd", address)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@FEW
@given(name=st.text(min_size=1, max_size=90).filter(lambda s: "\0" not in s and "/" not in s))
def test_any_unix_socket_path_fails_cleanly_and_leaves_no_file(scratch: Path, name: str) -> None:
    before = set(os.listdir(scratch))
    conn = ChronyConnection(f"{scratch}/{name}")
    with pytest.raises((ChronyConnectionError, ValueError)) as info:
        conn.open()
    _informative(info.value)
    assert set(os.listdir(scratch)) == before


def _valid_timeout(timeout: object) -> bool:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        return False
    try:
        seconds = float(timeout)
    except OverflowError:
        return False
    return math.isfinite(seconds) and seconds > 0


@FEW
@given(timeout=anything, retries=anything)
@example(timeout=10**400, retries=0)  # an int no float can hold
@example(timeout=1.0, retries=10**400)
def test_any_timeout_and_retries_are_accepted_or_refused_clearly(
    timeout: Any, retries: Any
) -> None:
    try:
        conn = ChronyConnection("127.0.0.1", timeout=timeout, retries=retries)
    except (TypeError, ValueError) as exc:
        _informative(exc, "retries" if _valid_timeout(timeout) else "timeout")
        return
    assert _valid_timeout(timeout)
    assert isinstance(retries, int)
    assert 0 <= retries <= 30
    assert conn.timeout == timeout
    assert conn.retries == retries


@pytest.mark.parametrize(("timeout", "retries"), [(1e300, 30), (1e10, 0), (5e-324, 0)])
def test_extreme_timeouts_still_work(sandbox: Sandbox, timeout: float, retries: int) -> None:
    """Waits beyond what poll() takes (a C int of milliseconds) are waited in slices."""
    conn = ChronyConnection(sandbox.socket_path, timeout=timeout, retries=retries)
    try:
        assert conn.get_tracking().stratum > 0
    except ChronyConnectionError as exc:
        # A timeout of one denormal second may expire before the reply.
        _informative(exc, "timeout 4.94066e-324 s")
    finally:
        conn.close()


# -- report names and indexes against a real chronyd --------------------------


@pytest.fixture(scope="module")
def generic(sandbox: Sandbox) -> Iterator[Chrony]:
    chrony = Chrony(sandbox.socket_path, timeout=0.5, retries=1)
    yield chrony
    chrony.close()


@pytest.fixture(scope="module")
def typed(sandbox: Sandbox) -> Iterator[ChronyConnection]:
    with ChronyConnection(sandbox.socket_path, timeout=0.5, retries=1) as conn:
        yield conn


KNOWN = ("tracking", "sources", "sourcestats", "selectdata", "activity", "authdata")


@FEW
@given(name=st.one_of(anything, hostile_text, st.sampled_from(KNOWN)))
def test_any_report_name_is_served_or_refused_clearly(
    generic: Chrony, typed: ChronyConnection, name: Any
) -> None:
    for layer in (generic, typed):
        for call in (layer.get_record_count, layer.get_report, layer.get_record):
            try:
                result = call(name)
            except TypeError as exc:
                assert not isinstance(name, str)
                _informative(exc, "report name must be a str")
            except RequestError as exc:
                assert isinstance(name, str)
                assert name not in KNOWN
                _informative(exc, "report")
            else:
                assert name in KNOWN
                assert isinstance(result, (int, Record, Report))


@FEW
@given(index=st.one_of(st.integers(min_value=-(2**70), max_value=2**70), anything))
def test_any_record_index_is_served_or_refused_clearly(generic: Chrony, index: Any) -> None:
    count = generic.get_record_count("sources")
    try:
        record = generic.get_record("sources", index)
    except TypeError as exc:
        assert isinstance(index, bool) or not isinstance(index, int)
        _informative(exc, "index must be an int")
    except IndexError as exc:
        assert isinstance(index, int)
        assert index < 0 or index >= 1 << 16
        _informative(exc, str(index))
    except ResponseError as exc:  # chronyd has no such record
        assert isinstance(index, int)
        assert count <= index < 1 << 16
        _informative(exc, f"record {index}")
    else:
        assert isinstance(index, int)
        assert 0 <= index < count
        assert record.index == index
        assert record["address"].value


@FEW
@given(key=st.one_of(anything, hostile_text))
def test_records_and_reports_index_any_key_clearly(generic: Chrony, key: Any) -> None:
    sources = generic.get_sources()
    record = sources[0]
    for container in (record, sources):
        try:
            container[key]
        except (KeyError, IndexError, TypeError) as exc:
            _informative(exc, "record" if isinstance(exc, (KeyError, IndexError)) else "index")
        else:
            assert isinstance(key, (str, int))


# -- closed connections --------------------------------------------------------


def list_if_lazy(result: object) -> object:
    return list(result) if isinstance(result, Iterator) else result


def _public_methods(obj: object) -> list[str]:
    return sorted(
        name
        for name in dir(obj)
        if not name.startswith("_") and callable(getattr(obj, name)) and name != "close"
    )


def test_a_closed_chrony_refuses_every_method(sandbox: Sandbox) -> None:
    chrony = Chrony(sandbox.socket_path)
    chrony.close()
    chrony.close()  # idempotent
    methods = _public_methods(chrony)
    assert len(methods) >= 14, methods
    for name in methods:
        args: tuple[Any, ...] = ("tracking",) if "record" in name or name == "get_report" else ()
        with pytest.raises(ConnectionError) as info:
            list_if_lazy(getattr(chrony, name)(*args))  # iter_records is a generator
        _informative(info.value, "closed")
    with pytest.raises(ConnectionError, match="closed"), chrony:
        pass


def test_a_closed_typed_connection_reopens_on_use(sandbox: Sandbox) -> None:
    """pychrony 2.x's reuse pattern: close() then use again reconnects."""
    conn = ChronyConnection(sandbox.socket_path)
    for _ in range(3):
        conn.close()
        assert not conn.is_open
        assert conn.get_tracking().stratum > 0
        assert len(conn.get_record("sources", 0)) > 0
    conn.close()


def test_every_typed_getter_on_an_unreachable_address_fails_fast(scratch: Path) -> None:
    conn = ChronyConnection(str(scratch / "no-chronyd.sock"))
    # The report list is compiled into libchrony: it needs no daemon.
    assert "tracking" in conn.get_available_reports()
    methods = [n for n in _public_methods(conn) if n.startswith("get_") and "available" not in n]
    assert len(methods) >= 10, methods
    for name in methods:
        args: tuple[Any, ...] = ("tracking",) if "record" in name or name == "get_report" else ()
        start = time.monotonic()
        with pytest.raises(ChronyConnectionError) as info:
            getattr(conn, name)(*args)
        assert time.monotonic() - start < 1.0
        _informative(info.value, "no-chronyd.sock")


# -- decoding garbage ----------------------------------------------------------


def _field_names() -> list[str]:
    names = {name for spec in REPORTS for _, source in plan(spec.model) for name in source.names}
    return sorted(names)


garbage_field = st.builds(
    RawField,
    name=st.one_of(st.sampled_from(_field_names()), st.text(max_size=12)),
    type=st.integers(-3, 9),
    content=st.integers(-3, 30),
    value=st.one_of(
        anything,
        st.tuples(anything, anything),
        st.tuples(st.integers(), st.integers(), st.integers()),
        st.integers(min_value=-(2**80), max_value=2**80),
    ),
)


@FEW
@given(
    spec=st.sampled_from(REPORTS),
    fields=st.lists(garbage_field, max_size=40),
)
def test_decoding_garbage_gives_a_model_or_a_data_error(spec: Any, fields: list[RawField]) -> None:
    try:
        model = decode(spec.model, fields, spec.name)
    except ChronyDataError as exc:
        _informative(exc, spec.name)
    else:
        assert isinstance(model, spec.model)


# -- the dangerous sequences, in a subprocess ------------------------------------

_DANGEROUS = textwrap.dedent(
    """
    import sys, threading
    from pychrony import ChronyConnection, ChronyError
    from pychrony.libchrony import Chrony

    address = sys.argv[1]
    outcomes = []

    # Closing while another thread is mid-call: the core's lock must keep the
    # C session alive until the call ends.
    conn = ChronyConnection(address, timeout=0.5, retries=1)
    errors = []
    def hammer():
        for _ in range(300):
            try:
                conn.get_sources()
            except ChronyError as exc:
                errors.append(exc)
    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    for _ in range(300):
        conn.close()
    for t in threads:
        t.join(30)
    outcomes.append(f"concurrent-close {len(errors)}")

    # A lazy iteration abandoned half-way, its connection closed under it.
    chrony = Chrony(address)
    records = chrony.iter_records("sources")
    next(records)
    chrony.close()
    try:
        next(records)
    except ChronyError as exc:
        outcomes.append("iter-after-close " + type(exc).__name__)

    # Finalizers racing explicit closes and the garbage collector.
    import gc
    for _ in range(200):
        c = ChronyConnection(address).open()
        c.get_tracking()
        c._session.close()
        del c
    gc.collect()
    outcomes.append("finalizers ok")
    print("; ".join(outcomes))
    """
)


def test_dangerous_sequences_do_not_crash_the_interpreter(sandbox: Sandbox) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _DANGEROUS, sandbox.socket_path],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    assert "concurrent-close 0" in proc.stdout, proc.stdout
    assert "iter-after-close ConnectionError" in proc.stdout, proc.stdout
    assert "finalizers ok" in proc.stdout, proc.stdout


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.one_of(anything, hostile_text, st.sampled_from(KNOWN)),
    index=st.one_of(st.integers(min_value=-(2**70), max_value=2**70), anything),
)
def test_the_asyncio_layer_refuses_the_same_input_the_same_way(
    sandbox: Sandbox, name: Any, index: Any
) -> None:
    async def outcomes() -> list[type[BaseException] | None]:
        results: list[type[BaseException] | None] = []
        async with AsyncChronyConnection(sandbox.socket_path, timeout=0.5, retries=1) as conn:
            for call in (
                lambda: conn.get_record_count(name),
                lambda: conn.get_record(name, 0),
                lambda: conn.get_record("sources", index),
            ):
                try:
                    await call()
                    results.append(None)
                except (TypeError, IndexError, ChronyError) as exc:
                    results.append(type(exc))
        return results

    with Chrony(sandbox.socket_path, timeout=0.5, retries=1) as chrony:
        expected: list[type[BaseException] | None] = []
        for sync_call in (
            lambda: chrony.get_record_count(name),
            lambda: chrony.get_record(name, 0),
            lambda: chrony.get_record("sources", index),
        ):
            try:
                sync_call()
                expected.append(None)
            except (TypeError, IndexError, ChronyError) as exc:
                expected.append(type(exc))
    assert asyncio.run(asyncio.wait_for(outcomes(), 10)) == expected
