from __future__ import annotations

import math

import pytest

from pychrony import ChronyConnection
from pychrony._core.address import DEFAULT_CANDIDATES, Transport, transport_of
from pychrony._core.timing import budget


@pytest.mark.parametrize("bad", [b"/run/chrony.sock", 323, ["127.0.0.1"]])
def test_address_of_wrong_type_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="address must be a str"):
        ChronyConnection(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "match"),
    [("", "must not be empty"), ("/tmp/a\0b", "NUL"), ("1" * 300, "longer than")],
)
def test_bad_address_is_a_value_error(bad: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ChronyConnection(bad)


@pytest.mark.parametrize("bad", [0, -1, math.nan, math.inf])
def test_timeout_must_be_positive_and_finite(bad: float) -> None:
    with pytest.raises(ValueError, match="timeout"):
        ChronyConnection(timeout=bad)


@pytest.mark.parametrize("bad", ["1", True, None])
def test_timeout_must_be_a_number(bad: object) -> None:
    with pytest.raises(TypeError, match="timeout"):
        ChronyConnection(timeout=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(("bad", "exc"), [(-1, ValueError), (31, ValueError), (1.5, TypeError)])
def test_retries_must_be_a_small_int(bad: object, exc: type[Exception]) -> None:
    with pytest.raises(exc, match="retries"):
        ChronyConnection(retries=bad)  # type: ignore[arg-type]


def test_budget_doubles_the_wait_on_each_retry() -> None:
    assert budget(1.0, 0) == 1.0
    assert budget(1.0, 2) == 7.0
    assert budget(0.25, 3) == pytest.approx(3.75)


def test_default_candidates_follow_chronyc() -> None:
    assert DEFAULT_CANDIDATES == ("/var/run/chrony/chronyd.sock", "127.0.0.1", "::1")


@pytest.mark.parametrize(
    ("address", "transport"),
    [
        ("/run/chrony/chronyd.sock", Transport.UNIX_SOCKET),
        ("127.0.0.1", Transport.COMMAND_PORT),
        ("[::1]:323", Transport.COMMAND_PORT),
    ],
)
def test_transport_follows_libchrony_rule(address: str, transport: Transport) -> None:
    assert transport_of(address) is transport


def test_new_connection_is_closed_and_says_so() -> None:
    conn = ChronyConnection("127.0.0.1")
    assert not conn.is_open
    assert conn.address is None
    assert conn.transport is None
    assert repr(conn) == "<ChronyConnection closed>"
    assert (conn.timeout, conn.retries) == (1.0, 2)
