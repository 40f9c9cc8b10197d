"""Hostile input to the C-mirror layer and the command line.

``pychrony.client`` hands Python values to libchrony function by function, so
it is where a bad argument could reach C. A real record is fetched, then
every field getter is fed arbitrary indexes and the wrong getter for each
field's type; a random sequence of client calls, deinits and closes runs in a
subprocess whose exit status is checked. The ``pychrony`` command is fed
arbitrary argument lists: it must answer with an exit code and at most one
line on standard error, never a traceback.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pychrony import client
from pychrony.cli import main
from pychrony.client import ChronyError, ChronyFieldType, ChronySession
from pychrony.sandbox import Sandbox

pytestmark = pytest.mark.reliability

FEW = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

GETTERS: dict[ChronyFieldType, Callable[[ChronySession, int], object]] = {
    ChronyFieldType.UINTEGER: client.chrony_get_field_uinteger,
    ChronyFieldType.INTEGER: client.chrony_get_field_integer,
    ChronyFieldType.FLOAT: client.chrony_get_field_float,
    ChronyFieldType.TIMESPEC: client.chrony_get_field_timespec,
    ChronyFieldType.STRING: client.chrony_get_field_string,
}
INDEXED: tuple[Callable[[ChronySession, int], object], ...] = (
    *GETTERS.values(),
    client.chrony_get_field_name,
    client.chrony_get_field_type,
    client.chrony_get_field_content,
)

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),
    st.text(max_size=20),
    st.binary(max_size=20),
)


def _wait(session: ChronySession) -> ChronyError:
    err = ChronyError.OK
    while err == ChronyError.OK and client.chrony_needs_response(session):
        err = client.chrony_process_response(session, timeout=2.0)
    return err


@pytest.fixture(scope="module")
def record_session(sandbox: Sandbox) -> Iterator[ChronySession]:
    """A session holding record 0 of the sources report."""
    sock = client.chrony_open_socket(sandbox.socket_path)
    assert sock is not None
    err, session = client.chrony_init_session(sock)
    assert err == ChronyError.OK
    assert session is not None
    assert client.chrony_request_record(session, "sources", 0) == ChronyError.OK
    assert _wait(session) == ChronyError.OK
    yield session
    client.chrony_deinit_session(session)
    client.chrony_close_socket(sock)


@FEW
@given(index=st.one_of(st.integers(min_value=-(2**70), max_value=2**70), anything))
def test_any_field_index_gives_what_c_gives_or_a_type_error(
    record_session: ChronySession, index: Any
) -> None:
    fields = client.chrony_get_record_number_fields(record_session)
    valid = isinstance(index, int) and not isinstance(index, bool) and 0 <= index < fields
    for getter in INDEXED:
        try:
            value = getter(record_session, index)
        except TypeError as exc:
            refusal = str(exc)
        else:
            refusal = ""
        if refusal:
            is_int = isinstance(index, int) and not isinstance(index, bool)
            # An int index is refused only by the getter of another field type.
            expected = "type" if is_int and valid else "field index must be an int"
            assert expected in refusal, (getter, index, refusal)
            continue
        assert isinstance(index, int), (getter, index)
        if not valid:
            assert value in (None, ChronyFieldType.NONE, client.ChronyFieldContent.NONE)


def test_the_wrong_getter_for_a_field_raises_naming_its_type(
    record_session: ChronySession,
) -> None:
    fields = client.chrony_get_record_number_fields(record_session)
    assert fields > 5
    for index in range(fields):
        ftype = client.chrony_get_field_type(record_session, index)
        for gtype, getter in GETTERS.items():
            if gtype == ftype:
                getter(record_session, index)
                continue
            if gtype is ChronyFieldType.STRING:
                # libchrony returns NULL for a field that is not a string: None.
                assert getter(record_session, index) is None
                continue
            with pytest.raises(TypeError, match=ftype.name):
                getter(record_session, index)


_FUZZ = textwrap.dedent(
    """
    import random, sys
    from pychrony import client, ChronyError as Failure
    from pychrony.client import ChronyError

    address, seed = sys.argv[1], int(sys.argv[2])
    rnd = random.Random(seed)
    values = [None, True, -1, 0, 1, 2**31, -(2**63), 2**64, 2**100, 1.5, "", "\\0",
              "sources", "tracking", "x" * 300, b"sources", object()]
    socks, sessions, dead = [], [], set()
    expected = (TypeError, ValueError, OverflowError, Failure)
    counts = {"ok": 0, "refused": 0}

    def arg():
        pool = rnd.choice([values, sessions or values, socks or values])
        return rnd.choice(pool)

    functions = [getattr(client, name) for name in client.__all__
                 if name.startswith("chrony_") and name not in ("chrony_open_socket",)]
    fd_takers = (client.chrony_close_socket, client.chrony_init_session)
    for step in range(3000):
        if len(socks) < 3 and rnd.random() < 0.05:
            sock = client.chrony_open_socket(address)
            if sock is not None:
                socks.append(sock)
                err, session = client.chrony_init_session(sock)
                if session is not None:
                    sessions.append(session)
        func = rnd.choice(functions)
        nargs = func.__code__.co_argcount
        args = [arg() for _ in range(rnd.randint(0, nargs))]
        if args and func in fd_takers and isinstance(args[0], int):
            # An int is a raw fd, closed or used as C would: fds 0-2 are ours.
            args[0] = rnd.choice(socks or [None])
        kwargs = {"timeout": 0.05} if func is client.chrony_process_response else {}
        try:
            func(*args, **kwargs)
            counts["ok"] += 1
            if func is client.chrony_deinit_session:
                dead.add(id(args[0]))
            elif args and id(args[0]) in dead and func is not client.chrony_close_socket:
                print(f"UNEXPECTED: {func.__name__} accepted a deinitialised session")
                sys.exit(1)
        except expected:
            counts["refused"] += 1
        except Exception as exc:
            print(f"UNEXPECTED {type(exc).__name__} from {func.__name__}{tuple(args)!r}: {exc}")
            sys.exit(1)
    for session in sessions:
        client.chrony_deinit_session(session)
    for sock in socks:
        client.chrony_close_socket(sock)
    print(f"ok={counts['ok']} refused={counts['refused']}")
    """
)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_client_call_sequences_never_crash(sandbox: Sandbox, seed: int) -> None:
    """Calls with random arguments, on live, deinitialised and closed sessions alike."""
    proc = subprocess.run(
        [sys.executable, "-c", _FUZZ, sandbox.socket_path, str(seed)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, (proc.returncode, proc.stdout[-1000:], proc.stderr[-2000:])
    counts = dict(item.split("=") for item in proc.stdout.split())
    # Both kinds of outcome happened: the fuzz reached C and was refused too.
    assert int(counts["ok"]) > 100, proc.stdout
    assert int(counts["refused"]) > 100, proc.stdout


# -- the command line -----------------------------------------------------------

# Never "exporter" (serves until stopped) nor "--watch" (repeats until stopped).
COMMANDS = ["tracking", "sources", "sourcestats", "activity", "status", "reports", "dump", "check"]
VALUES = ["", "\0", "-1", "0", "nan", "inf", "1e400", "99999999999999999999", "x" * 300, "@:", "é"]
OPTIONS = ["-a", "--timeout", "--retries", "-f", "--format", "--count", "-V", "--help"]
CHECK_OPTIONS = ["--warning", "--critical", "--stratum-warning", "--min-sources", "-w", "-c"]


class _HungError(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _HungError("the command did not return within 10 s")


token = st.one_of(
    st.sampled_from(COMMANDS + VALUES + OPTIONS + CHECK_OPTIONS),
    st.text(max_size=12).filter(lambda s: not s.startswith("--w") and s != "exporter"),
)


# A command with options given hostile values: what a careless script passes.
structured = st.builds(
    lambda command, pairs: [command, *(item for pair in pairs for item in pair)],
    st.sampled_from(COMMANDS),
    st.lists(st.tuples(st.sampled_from(OPTIONS[:6] + CHECK_OPTIONS), st.sampled_from(VALUES))),
)


@FEW
@given(argv=st.one_of(st.lists(token, max_size=6), structured))
@example(argv=["tracking", "--timeout", "nan"])
@example(argv=["sources", "-a", "\0"])
def test_any_command_line_ends_with_an_exit_code_and_one_line(
    sandbox: Sandbox, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Aim every query at the sandbox, so hostile arguments never leave loopback;
    # a later -a in argv may replace it only with a value from VALUES.
    full = ["-a", sandbox.socket_path, "--timeout", "0.2", "--retries", "0", *argv]
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(10)
    try:
        code: object = main(full)
    except SystemExit as exc:  # --help and --version exit like argparse does
        code = exc.code or 0
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    out, err = capsys.readouterr()
    assert isinstance(code, int), code
    assert 0 <= code <= 3, (code, err)
    assert "Traceback" not in err, err
    if code != 0 and "--help" not in argv and "-V" not in argv:
        assert err.count("\n") <= 1 or out, (code, err)
        assert err.strip() or out.strip(), "a failure must say why"
