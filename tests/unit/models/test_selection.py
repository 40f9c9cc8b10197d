"""SelectData, SelectState and SelectOptions (pychrony/models/selection.py)."""

from __future__ import annotations

from typing import Any

from pychrony import (
    LeapStatus,
    SelectData,
    SelectOptions,
    SelectState,
)
from pychrony.models._declare import decode
from pychrony.testing import (
    make_select_data,
)

from .samples import raw

SELECT_FIELDS: dict[str, Any] = {
    "reference ID": 0x7F000002,
    "address": "127.0.0.2",
    "state": ord("*"),
    "authentication": 0,
    "leap status": 0,
    "reserved #1": 0,
    "configured options": 0x2,
    "effective options": 0x6,
    "last sample ago": 3,
    "score": 1.0,
    "low limit": -2.5e-06,
    "high limit": 3.1e-06,
}


def test_select_data_decodes_states_flags_and_booleans() -> None:
    record = decode(SelectData, raw(SELECT_FIELDS), "selectdata")
    assert record.state is SelectState.BEST
    assert record.state.code == "*"
    assert record.is_selected()
    assert record.is_combined()
    assert record.authentication is False
    assert record.configured_options == SelectOptions.PREFER
    assert record.effective_options == SelectOptions.PREFER | SelectOptions.TRUST
    assert record.reference_id_name == "127.0.0.2"


def test_select_state_unknown_code_is_kept() -> None:
    record = decode(SelectData, raw({**SELECT_FIELDS, "state": ord("Q")}), "selectdata")
    assert not record.state.is_known
    assert record.state.value == ord("Q")
    assert record.state.code == "Q"
    assert not record.is_combined()


def test_select_data_leap_status() -> None:
    record = decode(SelectData, raw({**SELECT_FIELDS, "leap status": 3}), "selectdata")
    assert record.leap_status is LeapStatus.UNSYNC


def test_chronyd_49_stratum_state_has_a_member() -> None:
    state = SelectState(ord("r"))
    assert state is SelectState.UNACCEPTABLE_STRATUM
    assert state.code == "r"
    assert not make_select_data(state=state).is_combined()
