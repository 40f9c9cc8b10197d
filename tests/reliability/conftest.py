"""What every reliability test checks a result against: the daemon's true state."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pychrony import ChronyConnection, LeapStatus, Source, SourceStats, TrackingStatus
from pychrony.sandbox import Sandbox


@dataclass(frozen=True)
class Truth:
    """Facts about the sandbox that hold for the whole session."""

    source_addresses: tuple[str, ...]
    stratum: int

    def check_tracking(self, status: object) -> None:
        assert isinstance(status, TrackingStatus), status
        assert status.stratum == self.stratum, status
        assert status.leap_status is LeapStatus.NORMAL, status
        assert status.reference_ip in self.source_addresses, status

    def check_sources(self, sources: object) -> None:
        assert isinstance(sources, list)
        assert all(isinstance(s, Source) for s in sources), sources
        # Each record answers its own index: a stale reply to another index
        # would show up as a repeated address.
        assert tuple(sorted(s.address for s in sources)) == self.source_addresses, sources

    def check_source_stats(self, stats: object) -> None:
        assert isinstance(stats, list)
        assert all(isinstance(s, SourceStats) for s in stats), stats
        assert tuple(sorted(s.address for s in stats)) == self.source_addresses, stats


@pytest.fixture(scope="session")
def truth(sandbox: Sandbox) -> Truth:
    """The sandbox's sources and stratum, read once over a clean link."""
    with ChronyConnection(sandbox.socket_path) as conn:
        tracking = conn.get_tracking()
        addresses = tuple(sorted(s.address for s in conn.get_sources()))
    assert len(addresses) == len(set(addresses)) == 4, addresses
    return Truth(addresses, tracking.stratum)
