"""``pychrony exporter``: scraped directly, checked by promtool, and scraped by a
real Prometheus server whose HTTP API gives the metric back."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from pychrony import ChronyConnection
from pychrony.cli.exporter import ChronyCollector, parse_listen
from pychrony.cli.query import Target
from pychrony.models.catalog import REPORTS
from pychrony.sandbox import Sandbox
from tests.helpers import prometheus as prom
from tests.helpers.exporter_process import serving
from tests.helpers.silent import silent_port


@pytest.fixture(scope="module")
def exporter(sandbox: Sandbox) -> Iterator[str]:
    """The exporter as its own process, every collector on; yields its /metrics URL."""
    switches = [f"--collector.{spec.name}" for spec in REPORTS]
    with serving(sandbox.socket_path, *switches) as url:
        yield url


def test_a_scrape_matches_the_api(exporter: str, sandbox: Sandbox) -> None:
    text = prom.get(exporter)
    with ChronyConnection(sandbox.socket_path) as conn:
        tracking, sources = conn.get_tracking(), conn.get_sources()
    samples = prom.samples(text)
    assert samples["chrony_up"] == [({}, 1.0)]
    assert samples["chrony_tracking_stratum"] == [({}, float(tracking.stratum))]
    ((info_labels, _),) = samples["chrony_tracking_info"]
    assert info_labels["tracking_refid"] == f"{tracking.reference_id:08X}"
    states = samples["chrony_sources_state_info"]
    assert sorted(labels["source_address"] for labels, _ in states) == sorted(
        s.address for s in sources
    )
    assert {labels["source_mode"] for labels, _ in states} == {"client"}
    polls = {
        labels["source_address"]: v
        for labels, v in samples["chrony_sources_polling_interval_seconds"]
    }
    assert polls == {s.address: 2.0**s.poll for s in sources}
    # The generic collectors: one gauge per numeric field of their models.
    assert samples["chrony_activity_online_sources"] == [({}, 4.0)]
    assert len(samples["chrony_ntpdata_received_messages_total"]) == len(sources)
    assert "chrony_serverstats_command_packets_received_total" in samples
    assert all(name.startswith(("chrony_", "pychrony_exporter_")) for name in samples)
    success = {labels["collector"]: v for labels, v in samples["chrony_scrape_collector_success"]}
    assert success == {spec.name: 1.0 for spec in REPORTS}


def test_promtool_accepts_a_scrape(exporter: str) -> None:
    promtool = prom.tool("promtool")
    proc = subprocess.run(
        [promtool, "check", "metrics"],
        input=prom.get(exporter),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_silent_chronyd_still_gets_an_answer_within_the_scrape_timeout() -> None:
    with silent_port() as address:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(ChronyCollector(Target(address, 1.0, 2), REPORTS[:2], 1.0))
        started = time.monotonic()
        text = generate_latest(registry).decode()
        elapsed = time.monotonic() - started
    assert prom.samples(text)["chrony_up"] == [({}, 0.0)]
    assert elapsed < 3.0  # the scrape timeout (1 s), far below chronyd's 7 s budget


def test_listen_addresses() -> None:
    assert parse_listen(":9123") == ("0.0.0.0", 9123)
    assert parse_listen("127.0.0.1:0") == ("127.0.0.1", 0)
    assert parse_listen("[::1]:9123") == ("::1", 9123)
    for bad in ("9123", "host:", "host:port", ":70000"):
        with pytest.raises(ValueError, match="HOST"):
            parse_listen(bad)


@pytest.fixture(scope="module")
def prometheus(exporter: str) -> Iterator[prom.Prometheus]:
    """A real Prometheus on loopback scraping the exporter every 0.5 s."""
    with prom.Prometheus([exporter], scrape_interval="500ms") as server:
        yield server


def test_prometheus_scrapes_the_exporter(prometheus: prom.Prometheus, sandbox: Sandbox) -> None:
    with ChronyConnection(sandbox.socket_path) as conn:
        stratum = conn.get_tracking().stratum
    (series,) = prometheus.wait_for("chrony_tracking_stratum", timeout=30.0)
    value = series["value"]
    assert isinstance(value, list)
    assert float(value[1]) == stratum
    metric = series["metric"]
    assert isinstance(metric, dict)
    assert metric["job"] == "chrony"
    (up,) = prometheus.query('up{job="chrony"}')
    assert isinstance(up["value"], list)
    assert up["value"][1] == "1"
