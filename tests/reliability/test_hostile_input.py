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
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pychrony import (
    AsyncChronyConnection,
    ChronyConnection,
    ChronyConnectionError,
    ChronyDataError,
    ChronyError,
    client,
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
    # Text that reads as a host name is resolved by pychrony's own Python
    # code: a resolver that knows no names keeps every lookup on this machine.
    unknown = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    try:
        with mock.patch.object(socket, "getaddrinfo", side_effect=unknown):
            conn.open()
    except ValueError as exc:  # malformed, or too long once encoded
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


# -- ports libchrony would misread ----------------------------------------------


def _atoi_port(text: str) -> int:
    """The port libchrony connects to for ``text``: C's ``atoi``, then 16 bits (``htons``)."""
    stripped = text.lstrip(" \t\n\v\f\r")
    sign = -1 if stripped[:1] == "-" else 1
    if stripped[:1] in "+-" and stripped:
        stripped = stripped[1:]
    digits = ""
    for char in stripped:
        if char not in "0123456789":
            break
        digits += char
    return (sign * int(digits or "0")) % 65536


port_texts = st.one_of(
    st.text(max_size=8).filter(lambda s: "\0" not in s),
    st.text(alphabet=" +-0123456789x", max_size=8),
    st.integers(-(2**20), 2**20).map(str),
    st.builds(
        lambda pre, number, post: f"{pre}{number}{post}",
        st.sampled_from(["", " ", "+", "-", "\t", "0"]),
        st.integers(0, 2**18),
        st.sampled_from(["", "junk", " ", "x1", ".5"]),
    ),
)


@FEW
@given(port=port_texts)
@example(port="79046")
@example(port="-52026")
@example(port="13510junk")
@example(port=" 13510")
@example(port="+13510")
@example(port="0")
@example(port="")
def test_a_port_is_accepted_only_when_libchrony_reads_it_as_written(port: str) -> None:
    """Whatever the text, a port that reaches libchrony is the port the user wrote."""
    for address in (f"127.0.0.1:{port}", f"[::1]:{port}"):
        conn = ChronyConnection(address, timeout=0.01, retries=0)
        try:
            conn.open()
        except ValueError as exc:
            _informative(exc, repr(address), "1-65535")
            assert client.chrony_open_socket(address) is None
            continue
        except ChronyConnectionError as exc:
            # More colons make it no IP address at all: libchrony refuses it.
            _informative(exc, "not an IP address")
            assert client.chrony_open_socket(address) is None
            continue
        finally:
            conn.close()
        # Accepted: libchrony's atoi reads exactly the number written, in range.
        assert port.isascii(), port
        assert port.isdigit(), port
        assert 1 <= int(port) <= 65535
        assert _atoi_port(port) == int(port)
        sock = client.chrony_open_socket(address)
        assert sock is not None
        client.chrony_close_socket(sock)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A UDP socket on loopback: the port a misread address would reach."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    try:
        yield sock
    finally:
        sock.close()


def _hostile_spellings(port: int) -> list[str]:
    # Each reaches ``port`` through atoi and 16 bits, as 127.0.0.1:79046 and
    # friends reach 13510 (79046 = 13510 + 65536).
    spellings = [
        f"{port + 65536}",
        f"-{65536 - port}",
        f"{port}junk",
        f" {port}",
        f"+{port}",
        f"{port}.0",
        f"{port + 3 * 65536}",
    ]
    assert all(_atoi_port(s) == port for s in spellings)
    return [f"127.0.0.1:{s}" for s in spellings]


def test_hostile_ports_are_refused_before_anything_is_sent(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    addresses = _hostile_spellings(port)

    async def ask_async(address: str) -> None:
        async with AsyncChronyConnection(address, timeout=0.05, retries=0) as conn:
            await conn.get_tracking()

    for address in addresses:
        for ask in (
            lambda a: ChronyConnection(a, timeout=0.05, retries=0).get_tracking(),
            lambda a: Chrony(a).get_tracking(),
            lambda a: asyncio.run(ask_async(a)),
        ):
            with pytest.raises(ValueError, match="1-65535") as info:
                ask(address)
            _informative(info.value, repr(address), "[IPv6]:PORT")
        assert client.chrony_open_socket(address) is None
        cli = subprocess.run(
            [sys.executable, "-m", "pychrony", "-a", address, "--timeout", "0.05", "tracking"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert cli.returncode == 2, cli.stderr
        assert address in cli.stderr
        assert "Traceback" not in cli.stderr
    # The control: the same request to the port as written does arrive.
    with pytest.raises(ChronyConnectionError):
        ChronyConnection(f"127.0.0.1:{port}", timeout=0.05, retries=0).get_tracking()
    received = listener.recv(4096)
    assert received[:2] == b"\x06\x01"  # a chronyd command request: version 6, type request
    with pytest.raises(BlockingIOError):
        listener.recv(4096)  # and only that one: nothing from the refused addresses


def test_port_zero_and_empty_ports_are_refused_in_every_layer() -> None:
    for address in ("[::1]:0", "127.0.0.1:0", "127.0.0.1:", "[::1]:", "localhost:0"):
        with pytest.raises(ValueError, match="port") as info:
            ChronyConnection(address).get_tracking()
        _informative(info.value, repr(address))
        with pytest.raises(ValueError, match="port"):
            Chrony(address).get_tracking()
        assert client.chrony_open_socket(address) is None
    # Addresses without a port part keep working as before.
    for address in ("::1", "127.0.0.1", "[::1]:323", "127.0.0.1:00323"):
        sock = client.chrony_open_socket(address)
        assert sock is not None
        client.chrony_close_socket(sock)
