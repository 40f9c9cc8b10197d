"""The Grafana dashboard we ship, and chrony_exporter's dashboards, against a real Prometheus.

A real Prometheus scrapes a real ``pychrony exporter`` (the collectors
docs/guide/dashboards.rst tells to switch on) reading the sandboxed chronyd,
plus one dead target, and loads the shipped alerting and recording rules.
Every PromQL expression of docs/monitoring/chrony-dashboard.json, with its
template variables substituted as Grafana would, must return data; so must
every query of the chrony_exporter dashboards listed in
chrony_exporter_dashboards.py, except those documented as not served, which
must return nothing. No Grafana server runs here: the dashboard's structure
is checked against Grafana's documented dashboard JSON model.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pychrony import ChronyConnection
from pychrony.sandbox import Sandbox
from tests.helpers import prometheus as prom
from tests.helpers.exporter_process import serving

from .chrony_exporter_dashboards import QUERIES

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "docs" / "monitoring"
DASHBOARD = MONITORING / "chrony-dashboard.json"
DASHBOARDS_PAGE = ROOT / "docs" / "guide" / "dashboards.rst"
# As docs/guide/dashboards.rst says to run the exporter for every panel.
COLLECTORS = ("--collector.sourcestats", "--collector.selectdata", "--collector.serverstats")
SCRAPE_INTERVAL = 1.0
# Grafana's $__rate_interval: max($__interval + scrape interval, 4 * scrape interval).
TEMPLATE_DEFAULTS = {
    "__interval": "1s",
    "__rate_interval": f"{4 * SCRAPE_INTERVAL:.0f}s",
    "__range": "1m",
}
DATA_TIMEOUT = 30.0
VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)(?::\w+)?\}")
GRID_COLUMNS = 24
PANEL_TYPES = {"row", "stat", "timeseries", "table", "gauge", "bargauge", "state-timeline"}
# Grafana's unit ids (its value-format categories) this dashboard may use.
GRAFANA_UNITS = {"none", "short", "s", "percentunit", "ppm", "reqps", "cps"}
# Variables Grafana itself defines for every query.
GRAFANA_GLOBALS = {"__interval", "__interval_ms", "__rate_interval", "__range", "__range_s"}


@dataclass(frozen=True)
class Target:
    """One query of our dashboard: the panel's title, its refId and the PromQL."""

    panel: str
    ref_id: str
    expr: str


def substitute(expr: str, values: dict[str, str]) -> str:
    """``expr`` with Grafana's ``$name`` / ``${name}`` variables replaced; unknown ones fail."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name not in values:
            raise AssertionError(f"{expr!r} uses the variable ${name}, which the test cannot fill")
        return values[name]

    return VARIABLE.sub(one, expr)


def regex_value(value: str) -> str:
    """A variable's value as Grafana puts it into a ``=~"..."`` matcher (regex-escaped)."""
    return re.escape(value).replace("\\", "\\\\")


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, including those inside collapsed rows."""
    out: list[dict[str, Any]] = []
    for panel in dashboard["panels"]:
        out.append(panel)
        out.extend(panel.get("panels", []))
    return out


def targets(dashboard: dict[str, Any]) -> list[Target]:
    return [
        Target(p["title"], t["refId"], t["expr"])
        for p in panels(dashboard)
        for t in p.get("targets", [])
    ]


# --- the dashboard's structure ------------------------------------------------


def test_the_dashboard_follows_grafanas_json_model(dashboard: dict[str, Any]) -> None:
    assert dashboard["id"] is None, "an importable dashboard carries no database id"
    assert isinstance(dashboard["uid"], str)
    assert 0 < len(dashboard["uid"]) <= 40
    assert dashboard["title"]
    assert isinstance(dashboard["schemaVersion"], int)
    assert dashboard["schemaVersion"] >= 36
    assert isinstance(dashboard["panels"], list)
    assert dashboard["panels"]
    ids = [p["id"] for p in panels(dashboard)]
    assert all(isinstance(i, int) for i in ids)
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels(dashboard):
        assert panel["type"] in PANEL_TYPES, panel["type"]
        assert panel["title"], panel
        grid = panel["gridPos"]
        assert all(isinstance(grid[k], int) and grid[k] >= 0 for k in ("h", "w", "x", "y"))
        assert grid["h"] > 0
        assert grid["w"] > 0
        assert grid["x"] + grid["w"] <= GRID_COLUMNS, panel["title"]
        if panel["type"] == "row":
            assert "targets" not in panel
            continue
        # Every query goes to the data source the importer picks.
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        refs = [t["refId"] for t in panel["targets"]]
        assert refs, panel["title"]
        assert len(refs) == len(set(refs)), panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == panel["datasource"]
            assert isinstance(target["expr"], str)
            assert target["expr"].strip()


def test_panels_do_not_overlap(dashboard: dict[str, Any]) -> None:
    taken: dict[tuple[int, int], str] = {}
    for panel in panels(dashboard):
        grid = panel["gridPos"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in taken, f"{panel['title']!r} overlaps {taken[(x, y)]!r}"
                taken[(x, y)] = panel["title"]


def test_the_dashboard_has_a_datasource_and_an_instance_variable(
    dashboard: dict[str, Any],
) -> None:
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    source = variables["datasource"]
    assert source["type"] == "datasource"
    assert source["query"] == "prometheus"
    instance = variables["instance"]
    assert instance["type"] == "query"
    assert instance["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert instance["definition"] == "label_values(chrony_up, instance)"
    assert instance["query"]["query"] == instance["definition"]
    assert instance["multi"]
    assert instance["includeAll"]
    assert instance["allValue"] == ".*"


def test_every_variable_a_query_uses_is_defined(dashboard: dict[str, Any]) -> None:
    defined = {v["name"] for v in dashboard["templating"]["list"]} | GRAFANA_GLOBALS
    for target in targets(dashboard):
        for match in VARIABLE.finditer(target.expr):
            name = match.group(1) or match.group(2)
            assert name in defined, f"{target.panel}: ${name} is not a dashboard variable"


def test_every_unit_is_a_grafana_unit(dashboard: dict[str, Any]) -> None:
    for panel in panels(dashboard):
        config = panel.get("fieldConfig", {})
        units = [config.get("defaults", {}).get("unit")]
        for override in config.get("overrides", []):
            units += [p["value"] for p in override["properties"] if p["id"] == "unit"]
        for unit in units:
            assert unit is None or unit in GRAFANA_UNITS, f"{panel['title']}: unit {unit!r}"


def test_every_query_filters_on_the_instance_variable(dashboard: dict[str, Any]) -> None:
    for target in targets(dashboard):
        metrics = re.findall(r"\b((?:chrony_|ALERTS)\w*)\s*\{([^}]*)\}", target.expr)
        bare = re.findall(r"\b(chrony_\w+)\b(?!\s*\{)", target.expr)
        assert metrics, f"{target.panel}: {target.expr}"
        assert not bare, f"{target.panel}: {target.expr}"
        for name, matchers in metrics:
            assert 'instance=~"$instance"' in matchers, f"{target.panel}: {name}"


def test_the_dashboard_shows_what_the_issue_asks_for(dashboard: dict[str, Any]) -> None:
    exprs = " ".join(t.expr for t in targets(dashboard))
    for needed in (
        "chrony_tracking_last_offset_seconds",  # offset over time
        "chrony_tracking_frequency_ppms",  # frequency over time
        "chrony_sources_last_sample_offset_seconds",  # per-source offsets
        "chrony_sources_reachability_ratio",  # reachability
        "chrony_sources_state_info",  # selection state
        "chrony_selectdata_score",
        "chrony_serverstats_ntp_packets_received_total",  # serverstats
    ):
        assert needed in exprs, needed


def alert_names() -> list[str]:
    """The alerts docs/monitoring/chrony-alerts.yml defines."""
    rules = (MONITORING / "chrony-alerts.yml").read_text()
    return re.findall(r"^\s*- alert:\s*(\S+)", rules, flags=re.MULTILINE)


def test_the_alert_panel_covers_every_shipped_alert(dashboard: dict[str, Any]) -> None:
    names = alert_names()
    assert names, "chrony-alerts.yml defines no alert"
    (alerts,) = [t for t in targets(dashboard) if t.expr.startswith("ALERTS")]
    (pattern,) = re.findall(r'alertname=~"([^"]+)"', alerts.expr)
    for name in names:
        assert re.fullmatch(pattern, name), f"the alert panel does not show {name}"


def test_the_recording_rules_pass_promtool() -> None:
    rules = MONITORING / "chrony-recording-rules.yml"
    command = [prom.tool("promtool"), "check", "rules", str(rules)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 1 rules found" in result.stdout + result.stderr


# --- every query against a real Prometheus --------------------------------------


@dataclass(frozen=True)
class Stack:
    """A Prometheus scraping the live exporter and a dead target."""

    prometheus: prom.Prometheus
    live: str  # the exporter's instance label
    dead: str


@pytest.fixture(scope="module")
def stack(sandbox: Sandbox) -> Iterator[Stack]:
    dead = f"127.0.0.1:{prom.free_port()}"  # nothing listens: a down exporter
    rules = [MONITORING / "chrony-alerts.yml", MONITORING / "chrony-recording-rules.yml"]
    with serving(sandbox.socket_path, *COLLECTORS) as url:
        live = url.split("/")[2]
        with prom.Prometheus(
            [url, dead], scrape_interval=f"{SCRAPE_INTERVAL:.0f}s", rule_files=rules
        ) as server:
            # Two scrapes at least, so that rate() has two samples to work with.
            server.wait_for(
                "rate(chrony_serverstats_command_packets_received_total[4s])", DATA_TIMEOUT
            )
            yield Stack(server, live, dead)


def missing_data(prometheus: prom.Prometheus, exprs: list[str]) -> list[str]:
    """The expressions still without data after ``DATA_TIMEOUT`` seconds in all."""
    deadline = time.monotonic() + DATA_TIMEOUT
    waiting = list(exprs)
    while waiting:
        waiting = [e for e in waiting if not prometheus.query(e)]
        if not waiting or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    return waiting


def test_every_panel_query_returns_data_for_all_instances(
    stack: Stack, dashboard: dict[str, Any]
) -> None:
    values = {**TEMPLATE_DEFAULTS, "instance": ".*"}  # the variable's "All"
    exprs = [substitute(t.expr, values) for t in targets(dashboard)]
    assert len(exprs) >= 40
    assert missing_data(stack.prometheus, exprs) == []


def test_every_panel_query_returns_data_for_the_live_instance(
    stack: Stack, dashboard: dict[str, Any]
) -> None:
    values = {**TEMPLATE_DEFAULTS, "instance": regex_value(stack.live)}
    # A healthy chronyd raises no alert; the dead target's alert is checked below.
    chosen = [t for t in targets(dashboard) if not t.expr.startswith("ALERTS")]
    exprs = [substitute(t.expr, values) for t in chosen]
    assert missing_data(stack.prometheus, exprs) == []
    for expr in exprs:
        for series in stack.prometheus.query(expr):
            assert series["metric"].get("instance", stack.live) == stack.live, expr


def test_the_alert_panel_shows_the_dead_exporter(stack: Stack, dashboard: dict[str, Any]) -> None:
    (alerts,) = [t for t in targets(dashboard) if t.expr.startswith("ALERTS")]
    expr = substitute(alerts.expr, {"instance": regex_value(stack.dead)})
    result = stack.prometheus.wait_for(expr, DATA_TIMEOUT)
    # up == 0 for the dead target: the exporter-down alert, pending its `for`.
    assert {s["metric"]["alertname"] for s in result} <= set(alert_names())
    live = substitute(alerts.expr, {"instance": regex_value(stack.live)})
    assert stack.prometheus.query(live) == [], "a healthy chronyd raises no alert"


def test_the_instance_variable_lists_the_exporter_only(stack: Stack) -> None:
    # label_values(chrony_up, instance): the dead target never served chrony_up.
    values = stack.prometheus.api("label/instance/values", **{"match[]": "chrony_up"})
    assert values == [stack.live]


def test_a_wrong_query_is_reported_not_passed(stack: Stack) -> None:
    # The checks above could pass vacuously if a PromQL error looked like data.
    with pytest.raises(prom.PrometheusError, match="parse error"):
        stack.prometheus.query("rate(chrony_up[")
    assert stack.prometheus.query("chrony_no_such_metric") == []


# --- chrony_exporter's dashboards ------------------------------------------------


def chrony_exporter_values(stack: Stack) -> dict[str, str]:
    # 19186's $instance is single-valued (instance="..."); the others are
    # multi-value regex matchers, given "All" (.*) like the charm's Juju labels.
    return {
        **TEMPLATE_DEFAULTS,
        "instance": stack.live,
        "juju_application": ".*",
        "juju_model": ".*",
        "juju_model_uuid": ".*",
        "juju_unit": ".*",
    }


@pytest.fixture(scope="module")
def chronyd_counts_timestamps(sandbox: Sandbox) -> bool:
    """Whether the sandbox's chronyd (4.4 or later) counts served timestamps."""
    with ChronyConnection(sandbox.socket_path) as conn:
        return conn.get_server_stats().served_hardware_tx_timestamps is not None


def test_chrony_exporter_dashboard_queries_return_data(
    stack: Stack, chronyd_counts_timestamps: bool
) -> None:
    values = chrony_exporter_values(stack)
    served = [q for q in QUERIES if q.served]
    assert {q.since_chronyd for q in served} == {"", "4.4"}
    usable = [q for q in served if chronyd_counts_timestamps or not q.since_chronyd]
    exprs = [substitute(q.expr, values) for q in usable]
    assert len(exprs) >= 40
    assert missing_data(stack.prometheus, exprs) == []
    for query in served:
        if query not in usable:  # chronyd 4.3 and older: nothing, rather than a wrong 0
            assert stack.prometheus.query(substitute(query.expr, values)) == [], query.expr


def test_chrony_exporter_queries_we_cannot_serve_return_nothing(stack: Stack) -> None:
    values = chrony_exporter_values(stack)
    unserved = [q for q in QUERIES if not q.served]
    assert unserved
    assert all(q.why_not for q in unserved)
    page = DASHBOARDS_PAGE.read_text()
    for query in unserved:
        assert stack.prometheus.query(substitute(query.expr, values)) == [], query.expr
        name = re.match(r"\w+", query.expr)
        assert name is not None
        assert name.group(0) in page, f"{name.group(0)} is not documented in {DASHBOARDS_PAGE.name}"
