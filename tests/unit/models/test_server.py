"""ServerStats (pychrony/models/server.py): counters of old and new chronyd."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pychrony import (
    ChronyDataError,
    ServerStats,
)
from pychrony.models._declare import decode

from .samples import raw

SERVERSTATS_V1: dict[str, Any] = {
    "received NTP requests": 10,
    "received command requests": 20,
    "dropped NTP requests": 1,
    "dropped command requests": 2,
    "dropped client log records": 3,
}


def test_server_stats_of_an_old_chronyd_leave_new_counters_none() -> None:
    stats = decode(ServerStats, raw(SERVERSTATS_V1), "serverstats")
    assert stats.received_ntp_requests == 10
    assert stats.dropped_client_log_records == 3
    assert stats.accepted_nts_ke_connections is None
    assert stats.ntp_timestamp_span is None
    assert stats.served_hardware_tx_timestamps is None


def test_server_stats_of_a_new_chronyd_fill_every_counter() -> None:
    names = [f.metadata["chrony"].names[0] for f in dataclasses.fields(ServerStats)]
    stats = decode(ServerStats, raw({name: i for i, name in enumerate(names)}), "serverstats")
    assert [getattr(stats, f.name) for f in dataclasses.fields(ServerStats)] == list(
        range(len(names))
    )


def test_missing_required_server_counter_is_a_data_error() -> None:
    fields = {k: v for k, v in SERVERSTATS_V1.items() if k != "received NTP requests"}
    with pytest.raises(ChronyDataError, match="received NTP requests"):
        decode(ServerStats, raw(fields), "serverstats")
