"""Fixtures shared by the integration tests beyond the session's sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pychrony.sandbox import Sandbox
from tests.helpers.relay import LatencyRelay


@pytest.fixture
def dead(sandbox: Sandbox) -> Iterator[str]:
    """A relay port that swallows every request: a server that never answers."""
    with LatencyRelay(sandbox.udp_address) as relay:
        address = relay.add(drop=True)
        relay.start()
        yield address
