"""One exporter, many chronyds: a real Prometheus scrapes three chronyds through one
``pychrony exporter``'s ``/probe``, configured by the shipped example
(``docs/monitoring/prometheus-probe.yml``: file_sd and relabel_configs).

Two are sandboxed chronyds (each one's UDP command port); the third is a port where
nothing answers. Prometheus must show ``chrony_up`` 1 for the two and 0 for the dead
one, each under its own ``instance``, and its own ``up`` 1 for all three: the dead
one's answer came within Prometheus' scrape timeout.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from pychrony.sandbox import Sandbox
from tests.conftest import started
from tests.helpers import prometheus as prom
from tests.helpers.exporter_process import serving
from tests.helpers.silent import silent_port

MONITORING = Path(__file__).resolve().parents[2] / "docs" / "monitoring"
EXAMPLE = MONITORING / "prometheus-probe.yml"


@pytest.fixture(scope="module")
def second(native: None) -> Iterator[Sandbox]:
    """A second sandboxed chronyd, beside the session's."""
    with started(Sandbox(sources=1, unreachable_sources=0, smoothing=False)) as box:
        yield box


def _job(exporter_url: str, targets_file: Path) -> dict[str, Any]:
    """The shipped job, pointed at this exporter and these targets, scraping every 2 s."""
    config = yaml.safe_load(EXAMPLE.read_text())
    (job,) = config["scrape_configs"]
    job["file_sd_configs"] = [{"files": [str(targets_file)]}]
    exporter_address = exporter_url.split("/")[2]
    for rule in job["relabel_configs"]:
        if rule.get("target_label") == "__address__":
            rule["replacement"] = exporter_address
    job["scrape_interval"] = job["scrape_timeout"] = "2s"
    assert isinstance(job, dict)
    return job


def test_the_probe_example_passes_promtool(tmp_path: Path) -> None:
    # promtool resolves file_sd paths beside the file; give it the shipped targets.
    for name in (EXAMPLE.name, "chronyd-targets.json"):
        (tmp_path / name).write_text((MONITORING / name).read_text())
    result = subprocess.run(
        [prom.tool("promtool"), "check", "config", str(tmp_path / EXAMPLE.name)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_prometheus_sees_three_chronyds_through_one_exporter(
    sandbox: Sandbox, second: Sandbox, tmp_path: Path
) -> None:
    with silent_port() as dead:
        live = [sandbox.udp_address, second.udp_address]
        targets = tmp_path / "chronyd-targets.json"
        targets.write_text(json.dumps([{"targets": [*live, dead], "labels": {"site": "test"}}]))
        with (
            serving(sandbox.udp_address, "--probe.allow", "127.0.0.1/32") as url,
            prom.Prometheus([], scrape_configs=[_job(url, targets)]) as server,
        ):
            expr = 'chrony_up{job="chrony-probe"}'
            result = server.wait_for(f"count({expr}) == 3", timeout=45.0)
            assert result, server.log()
            up = {s["metric"]["instance"]: s["value"][1] for s in server.query(expr)}
            assert up == {live[0]: "1", live[1]: "1", dead: "0"}, server.log()
            scraped = server.query('up{job="chrony-probe"}')
            assert {s["metric"]["instance"]: s["value"][1] for s in scraped} == dict.fromkeys(
                [*live, dead], "1"
            )
            assert {s["metric"]["site"] for s in scraped} == {"test"}
            stratum = server.query('chrony_tracking_stratum{job="chrony-probe"}')
            assert {s["metric"]["instance"] for s in stratum} == set(live)
