"""Source, SourceStats and Activity (pychrony/models/sources.py): states and modes, as chronyc."""

from __future__ import annotations

import pytest

from pychrony import (
    Activity,
    Source,
    SourceMode,
    SourceState,
    SourceStats,
)
from pychrony.cli.status import Overview
from pychrony.cli.values import listed
from pychrony.models._declare import decode
from pychrony.testing import (
    make_ntp_data,
    make_select_data,
    make_source,
    make_source_stats,
    make_tracking,
)

from .samples import SOURCE_FIELDS, raw

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


def test_source_predicates_and_enums() -> None:
    src = decode(Source, raw(SOURCE_FIELDS), "sources")
    assert src.state is SourceState.SELECTED
    assert src.mode is SourceMode.CLIENT
    assert src.is_selected()
    assert src.is_reachable()
    unreachable = decode(Source, raw({**SOURCE_FIELDS, "reachability": 0, "state": 1}), "sources")
    assert not unreachable.is_reachable()
    assert not unreachable.is_selected()


def test_reference_clock_source_is_named_by_its_reference_id() -> None:
    fields = {k: v for k, v in SOURCE_FIELDS.items() if k != "address"}
    fields = {"reference ID": 0x50505330, **fields, "mode": 2}
    src = decode(Source, raw(fields), "sources")
    assert src.address == "PPS0"
    assert src.mode is SourceMode.REFCLOCK


def test_sourcestats_sample_threshold() -> None:
    fields = {
        "reference ID": 1,
        "address": None,
        "samples": 4,
        "runs": 2,
        "span": 10,
        "standard deviation": 1e-6,
        "residual frequency": 0.1,
        "skew": 0.5,
        "offset": 1e-7,
        "offset error": 1e-6,
    }
    stats = decode(SourceStats, raw(fields), "sourcestats")
    assert stats.address == ""
    assert stats.has_sufficient_samples()
    assert not stats.has_sufficient_samples(minimum=5)


def test_activity_total() -> None:
    fields = {
        "online sources": 3,
        "offline sources": 1,
        "burst online-return sources": 1,
        "burst offline-return sources": 0,
        "unresolved sources": 2,
    }
    activity = decode(Activity, raw(fields), "activity")
    assert activity.total_sources == 7


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
