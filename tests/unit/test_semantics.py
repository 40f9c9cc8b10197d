"""What states and values mean, in chronyc's terms: one rule each, on the models."""

from __future__ import annotations

import dataclasses

import pytest

from pychrony import LeapStatus, SelectState, SourceMode, SourceState
from pychrony.cli.status import Overview
from pychrony.cli.values import listed
from pychrony.testing import (
    make_ntp_data,
    make_select_data,
    make_source,
    make_source_stats,
    make_tracking,
)

# chronyc's client.c and its documentation, state by state: mark, words, and
# whether the source is selected (*), used for synchronisation (*, +), or
# selectable at all (*, +, -).
STATES = [
    (SourceState.SELECTED, "*", "selected", True, True, True),
    (SourceState.UNSELECTED, "+", "combined", False, True, True),
    (SourceState.SELECTABLE, "-", "not combined", False, False, True),
    (SourceState.FALSETICKER, "x", "falseticker", False, False, False),
    (SourceState.JITTERY, "~", "jittery", False, False, False),
    (SourceState.NONSELECTABLE, "?", "unusable", False, False, False),
]


@pytest.mark.parametrize(("state", "mark", "words", "selected", "combined", "usable"), STATES)
def test_each_source_state_means_what_chronyc_says(
    state: SourceState, mark: str, words: str, selected: bool, combined: bool, usable: bool
) -> None:
    assert (state.symbol, state.description) == (mark, words)
    assert (state.is_selected, state.is_combined, state.is_selectable) == (
        selected,
        combined,
        usable,
    )
    source = make_source(state=state)
    assert (source.is_selected(), source.is_combined(), source.is_selectable()) == (
        selected,
        combined,
        usable,
    )


def test_every_source_state_has_a_meaning() -> None:
    assert {s for s, *_ in STATES} == set(SourceState)


def test_an_unknown_state_from_a_newer_chronyd_is_blank_as_in_chronyc() -> None:
    state = SourceState.from_chronyd(9)
    assert state.name == "UNKNOWN_9"
    assert state.symbol == " "  # chronyc's default case
    assert state.description == "unknown (9)"
    assert not state.is_selectable


@pytest.mark.parametrize(
    ("mode", "mark", "words"),
    [
        (SourceMode.CLIENT, "^", "server"),
        (SourceMode.PEER, "=", "peer"),
        (SourceMode.REFCLOCK, "#", "reference clock"),
    ],
)
def test_source_modes_mean_what_chronyc_says(mode: SourceMode, mark: str, words: str) -> None:
    assert (mode.symbol, mode.description) == (mark, words)


@pytest.mark.parametrize("enum", [LeapStatus, SourceState, SourceMode, SelectState])
def test_calling_an_enum_with_an_unknown_value_raises_as_in_2x(enum: type) -> None:
    with pytest.raises(ValueError, match="99 is not a valid"):
        enum(99)


def test_the_decoding_path_keeps_unknown_values_once() -> None:
    first = LeapStatus.from_chronyd(99)
    assert first is LeapStatus.from_chronyd(99)
    assert (first.name, first.value, first.is_known) == ("UNKNOWN_99", 99, False)
    assert LeapStatus.from_chronyd(3) is LeapStatus.UNSYNC
    with pytest.raises(TypeError):
        LeapStatus.from_chronyd("3")  # type: ignore[arg-type]


def test_chronyd_49_stratum_state_has_a_member() -> None:
    state = SelectState(ord("r"))
    assert state is SelectState.UNACCEPTABLE_STRATUM
    assert state.code == "r"
    assert not make_select_data(state=state).is_combined()


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


def test_placeholder_sources_are_unresolved_and_hidden_unless_asked() -> None:
    resolved = make_source()
    placeholder = make_source(address="ID#0000000001", state=SourceState.NONSELECTABLE)
    refclock = make_source(address="GPS", mode=SourceMode.REFCLOCK)
    assert resolved.is_resolved()
    assert refclock.is_resolved()
    assert not placeholder.is_resolved()
    assert not make_source_stats(address="ID#0000000002", reference_id=0).is_resolved()
    assert not make_select_data(address="ID#0000000002", reference_id=0).is_resolved()
    assert not make_ntp_data(remote_address="ID#0000000002").is_resolved()
    every = [resolved, placeholder, refclock]
    assert listed(every) == [resolved, refclock]
    assert listed(every, include_unresolved=True) == every


def test_display_name_is_chronycs_name_column() -> None:
    assert make_source().display_name == make_source().address
    # sourcestats and selectdata give a reference clock no address: its refid names it.
    stats = make_source_stats(address="", reference_id=0x47505300)
    assert stats.display_name == "GPS"
    assert make_select_data(address="", reference_id=0x50505330).display_name == "PPS0"


def test_status_marks_are_chronycs() -> None:
    sources = [make_source(address=f"192.0.2.{i}", state=s) for i, (s, *_) in enumerate(STATES)]
    lines = Overview(make_tracking(), sources).lines()
    for source in sources:
        (row,) = [x for x in lines if f" {source.address} " in x]
        assert row.split()[0] == "^" + source.state.symbol
        assert source.state.description in row


def test_field_types_are_type_objects_as_in_2x() -> None:
    from pychrony import Source, TrackingStatus

    types = {f.name: f.type for f in dataclasses.fields(TrackingStatus)}
    assert types["stratum"] is int
    assert types["reference_ip"] is str
    assert types["leap_status"] is LeapStatus
    assert {f.name: f.type for f in dataclasses.fields(Source)}["state"] is SourceState


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
