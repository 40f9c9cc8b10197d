"""The sandbox's deployment-like options, checked against chronyc's own view.

These are the situations the rest of the suite builds on (a reference clock, a
name not resolved yet, an unsynchronised daemon), so each is proved here with
chronyd's own client before any pychrony code is trusted with it.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from pychrony.sandbox import Sandbox
from tests.conftest import started


@pytest.fixture(scope="module")
def deployment(native: None) -> Iterator[Sandbox]:
    with Sandbox(
        sources=1, unreachable_sources=0, refclock=True, unresolvable_sources=2, smoothing=False
    ) as box:
        yield box


def _names(listing: str) -> list[str]:
    # chronyc -c sources: mode, state, name, ...
    return [row.split(",")[2] for row in listing.split()]


def test_refclock_is_listed_as_a_reference_clock_source(deployment: Sandbox) -> None:
    rows = [row.split(",") for row in deployment.chronyc("-c", "sources").split()]
    assert ["#", "GPS"] in [[row[0], row[2]] for row in rows]


def test_unresolvable_names_are_placeholders_that_chronyc_hides(deployment: Sandbox) -> None:
    shown = _names(deployment.chronyc("-c", "sources"))
    every = _names(deployment.chronyc("-c", "sources", "-a"))
    placeholders = [name for name in every if name.startswith("ID#")]
    assert len(placeholders) == 2, every
    assert not [name for name in shown if name.startswith("ID#")], shown
    # chronyc -c activity: online, offline, burst online, burst offline, unresolved.
    assert deployment.chronyc("-c", "activity").strip().split(",")[-1] == "2"


def test_no_reachable_source_leaves_chronyd_unsynchronised(native: None) -> None:
    with Sandbox(sources=0, unreachable_sources=1, smoothing=False) as box:
        tracking = box.chronyc("-c", "tracking").strip().split(",")
    # reference ID 0, stratum 0, leap status "Not synchronised".
    assert (tracking[0], tracking[2], tracking[-1]) == ("00000000", "0", "Not synchronised")


@pytest.mark.parametrize(
    "options",
    [{"sources": -1}, {"unreachable_sources": -2}, {"unresolvable_sources": 1.5}],
)
def test_bad_counts_are_refused_before_anything_starts(options: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="non-negative int"):
        Sandbox(**options)  # type: ignore[arg-type]


def test_pids_name_the_running_daemons_server_first(deployment: Sandbox) -> None:
    server, client = deployment.pids
    for pid, config in ((server, "server.conf"), (client, "client.conf")):
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert any(arg.endswith(config.encode()) for arg in command), (pid, command)


def test_stop_client_kills_a_client_that_ignores_sigterm(native: None) -> None:
    # A stopped process cannot act on SIGTERM; only the kill after the wait ends it.
    with started(Sandbox(sources=1, unreachable_sources=0, smoothing=False)) as box:
        _, pid = box.pids
        os.kill(pid, signal.SIGSTOP)
        box.stop_client()
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # reaped, not merely signalled
        assert len(box.pids) == 1  # the server alone is left to stop
