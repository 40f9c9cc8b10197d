"""The shipped alert rules, evaluated by a real Prometheus scraping a real exporter.

An unsynchronised chronyd (its only source is dead) must raise
``ChronyUnsynchronised``. The shipped rule holds for 10 minutes before it
fires, so the test loads the shipped file (the rule must be pending: its
expression is true) and a copy without the hold times (the rule must fire).
``promtool test rules`` checks the hold times themselves
(test_docs_monitoring.py).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pychrony import ChronyConnection
from pychrony.sandbox import Sandbox
from tests.conftest import started
from tests.helpers import prometheus as prom
from tests.helpers.exporter_process import serving

RULES = Path(__file__).resolve().parents[2] / "docs" / "monitoring" / "chrony-alerts.yml"
WITHIN = 45.0  # seconds for Prometheus to start, scrape and evaluate (bounded)


@pytest.fixture(scope="module")
def unsynchronised(native: None) -> Iterator[Sandbox]:
    """A chronyd whose only source never answers: it never synchronises."""
    with started(Sandbox(sources=0, unreachable_sources=1, smoothing=False)) as box:
        yield box


def _rule_states(base: str) -> dict[tuple[str, str], str]:
    reply = json.loads(prom.get(f"{base}/api/v1/rules?type=alert", timeout=2.0))
    assert reply["status"] == "success"
    return {
        (group["name"], rule["name"]): rule["state"]
        for group in reply["data"]["groups"]
        for rule in group["rules"]
    }


def test_prometheus_raises_the_unsynchronised_alert(
    unsynchronised: Sandbox, tmp_path: Path
) -> None:
    with ChronyConnection(unsynchronised.socket_path) as conn:
        tracking = conn.get_tracking()
    assert not tracking.is_synchronized()
    assert (tracking.stratum, tracking.reference_id) == (0, 0)

    shipped = RULES.read_text()
    no_hold = re.sub(r"\bfor: \w+", "for: 0s", shipped).replace("- name: chrony\n", "- name: now\n")
    assert no_hold.count("for: 0s") == shipped.count("for: ")
    copy = tmp_path / "chrony-alerts-now.yml"
    copy.write_text(no_hold)

    states: dict[tuple[str, str], str] = {}
    with (
        serving(unsynchronised.socket_path) as url,
        prom.prometheus(url, [RULES, copy]) as base,
    ):
        deadline = time.monotonic() + WITHIN
        while time.monotonic() < deadline:
            try:
                states = _rule_states(base)
            except OSError:  # not listening yet
                states = {}
            if states.get(("now", "ChronyUnsynchronised")) == "firing" and states.get(
                ("chrony", "ChronyUnsynchronised")
            ) in ("pending", "firing"):
                break
            time.sleep(0.25)
        leap = prom.query(base, "chrony_tracking_leap_status")
    assert states.get(("now", "ChronyUnsynchronised")) == "firing", states
    assert states.get(("chrony", "ChronyUnsynchronised")) == "pending", states
    # chronyd answers: it is unsynchronised, not down.
    assert states.get(("now", "ChronyDown")) == "inactive", states
    assert [float(series["value"][1]) for series in leap] == [3.0]
