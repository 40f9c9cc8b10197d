"""The retry policy: one place for the defaults, the validation, the budget and the waits."""

from __future__ import annotations

import itertools

import pytest

from pychrony import AsyncChronyConnection, ChronyConnection
from pychrony._core.timing import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    MAX_RETRIES,
    RetryPolicy,
    budget,
    validate_timing,
)
from pychrony.libchrony import Chrony


def test_the_defaults_are_chronycs() -> None:
    assert (DEFAULT_TIMEOUT, DEFAULT_RETRIES) == (1.0, 2)
    assert RetryPolicy() == RetryPolicy.of() == RetryPolicy(1.0, 2)


@pytest.mark.parametrize(("timeout", "retries"), [(1.0, 0), (1.0, 2), (0.25, 3), (0.01, 8)])
def test_the_waits_double_and_add_up_to_the_budget(timeout: float, retries: int) -> None:
    policy = RetryPolicy.of(timeout, retries)
    waits = list(policy.waits())
    assert len(waits) == policy.attempts == retries + 1
    assert waits[0] == timeout
    assert all(later == 2 * earlier for earlier, later in itertools.pairwise(waits))
    assert sum(waits) == pytest.approx(policy.budget) == pytest.approx(budget(timeout, retries))


@pytest.mark.parametrize(("seconds", "retries", "calls"), [(10.0, 2, 3), (1.0, 0, 1), (5.0, 4, 2)])
def test_a_policy_within_a_deadline_fits_its_calls_exactly(
    seconds: float, retries: int, calls: int
) -> None:
    policy = RetryPolicy.within(seconds, retries, calls)
    assert policy.retries == retries
    assert policy.budget * calls == pytest.approx(seconds)
    assert sum(policy.waits()) * calls == pytest.approx(seconds)


def test_the_policy_validates_as_validate_timing_does() -> None:
    for bad in [(0, 2), (-1.0, 2), (float("nan"), 2), (1.0, -1), (1.0, MAX_RETRIES + 1)]:
        with pytest.raises(ValueError, match="must be") as expected:
            validate_timing(*bad)
        with pytest.raises(ValueError, match="must be") as got:
            RetryPolicy.of(*bad)
        assert str(got.value) == str(expected.value)
    with pytest.raises(TypeError, match="retries must be an int"):
        RetryPolicy.of(1.0, True)


def test_every_connection_class_defaults_to_the_policy() -> None:
    for conn in (ChronyConnection("127.0.0.1:9"), AsyncChronyConnection("127.0.0.1:9")):
        assert (conn.timeout, conn.retries) == (DEFAULT_TIMEOUT, DEFAULT_RETRIES)


def test_the_generic_layer_defaults_to_the_policy() -> None:
    # A UDP socket "connects" without contacting anyone, so this opens.
    chrony = Chrony("127.0.0.1:9")
    try:
        assert (chrony.timeout, chrony.retries) == (DEFAULT_TIMEOUT, DEFAULT_RETRIES)
    finally:
        chrony.close()


def test_the_policy_describes_itself_for_messages() -> None:
    assert RetryPolicy.of(0.5, 1).describe() == "timeout 0.5 s, retries 1"
