"""TrackingStatus and LeapStatus (pychrony/models/tracking.py): synchronisation, the offset."""

from __future__ import annotations

import pytest

from pychrony import (
    LeapStatus,
    TrackingStatus,
)
from pychrony.cli.status import Overview
from pychrony.models._convert import ref_id_name
from pychrony.models._declare import decode
from pychrony.testing import (
    make_tracking,
)

from .samples import TRACKING_FIELDS, raw


def test_tracking_decodes_every_field() -> None:
    status = decode(TrackingStatus, raw(TRACKING_FIELDS), "tracking")
    assert status.reference_id == 0x7F000003
    assert status.reference_id_name == "127.0.0.3"
    assert status.reference_ip == "127.0.0.3"
    assert status.leap_status is LeapStatus.NORMAL
    assert status.ref_time == pytest.approx(1795244097.837492710, abs=1e-6)
    assert status.offset == -1.5e-06
    assert status.update_interval == 0.254
    assert status.is_synchronized()
    assert not status.is_leap_pending()


def test_missing_address_is_an_empty_string() -> None:
    status = decode(TrackingStatus, raw({**TRACKING_FIELDS, "address": None}), "tracking")
    assert status.reference_ip == ""


@pytest.mark.parametrize(("leap", "pending"), [(0, False), (1, True), (2, True), (3, False)])
def test_leap_pending(leap: int, pending: bool) -> None:
    status = decode(TrackingStatus, raw({**TRACKING_FIELDS, "leap status": leap}), "tracking")
    assert status.is_leap_pending() is pending


@pytest.mark.parametrize(
    ("ref_id", "stratum", "synced"), [(0, 0, False), (1, 16, False), (1, 3, True)]
)
def test_synchronised_needs_a_reference_and_a_stratum(
    ref_id: int, stratum: int, synced: bool
) -> None:
    fields = {**TRACKING_FIELDS, "reference ID": ref_id, "stratum": stratum}
    assert decode(TrackingStatus, raw(fields), "tracking").is_synchronized() is synced


@pytest.mark.parametrize(
    ("ref_id", "name"),
    [
        (0x7F000001, "127.0.0.1"),
        (0x47505300, "GPS"),
        (0x50505330, "PPS0"),
        (0, "0.0.0.0"),
        (0xC0A80101, "192.168.1.1"),
    ],
)
def test_reference_id_names(ref_id: int, name: str) -> None:
    assert ref_id_name(ref_id) == name


@pytest.mark.parametrize(
    ("offset", "direction"), [(1.5e-6, "slow"), (-1.5e-6, "fast"), (0.0, "fast")]
)
def test_offset_direction_is_chronycs(offset: float, direction: str) -> None:
    # client.c prints a positive current correction as "slow of NTP time".
    tracking = make_tracking(offset=offset)
    assert tracking.offset_direction == direction
    line = next(x for x in Overview(tracking, []).lines() if "system time" in x)
    assert line.endswith(f" {direction} of NTP time")


@pytest.mark.parametrize(
    ("overrides", "synced"),
    [
        ({}, True),
        # chronyd's own spelling: what an unsynchronised chronyd reports.
        ({"reference_id": 0, "stratum": 0, "leap_status": LeapStatus.UNSYNC}, False),
        # NTP's spelling, which pychrony 2.x test code builds.
        ({"reference_id": 0, "stratum": 16}, False),
        ({"stratum": 16}, False),
        ({"stratum": 0}, False),
        ({"leap_status": LeapStatus.UNSYNC}, False),
        ({"leap_status": LeapStatus.INSERT}, True),
    ],
)
def test_both_spellings_of_unsynchronised(overrides: dict[str, object], synced: bool) -> None:
    assert make_tracking(**overrides).is_synchronized() is synced


@pytest.mark.parametrize(
    ("leap", "words"),
    [
        (LeapStatus.NORMAL, "normal"),
        (LeapStatus.INSERT, "insert second"),
        (LeapStatus.DELETE, "delete second"),
        (LeapStatus.UNSYNC, "not synchronised"),
    ],
)
def test_leap_status_reads_as_chronyc_says_it(leap: LeapStatus, words: str) -> None:
    assert leap.description == words
    lines = Overview(make_tracking(leap_status=leap), []).lines()
    assert f"  leap status     {words}" in lines
