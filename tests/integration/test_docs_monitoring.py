"""The Prometheus files the documentation ships work with Prometheus and pychrony.

``promtool`` (Debian's ``prometheus`` package, installed by scripts/provision)
checks the alert rules' syntax and PromQL, and the scrape configuration
together with the rule files it names. A scrape of a real ``pychrony
exporter`` with its default collectors shows every metric the rules use, so
no rule can silently never fire.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pychrony.sandbox import Sandbox
from tests.helpers import prometheus as prom
from tests.helpers.exporter_process import serving

MONITORING = Path(__file__).resolve().parents[2] / "docs" / "monitoring"


@pytest.fixture(scope="module")
def promtool() -> str:
    return prom.tool("promtool")


def run(promtool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool, *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_alert_rules_pass_promtool(promtool: str) -> None:
    result = run(promtool, "check", "rules", str(MONITORING / "chrony-alerts.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 6 rules found" in result.stdout + result.stderr


def test_scrape_config_and_its_rule_files_pass_promtool(promtool: str) -> None:
    result = run(promtool, "check", "config", str(MONITORING / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_rejects_a_broken_rule(promtool: str, tmp_path: Path) -> None:
    # The check above could only pass vacuously if promtool accepted anything.
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: chrony_up ==\n"
    )
    assert run(promtool, "check", "rules", str(broken)).returncode != 0


@pytest.fixture(scope="module")
def default_scrape(sandbox: Sandbox) -> Iterator[str]:
    """One scrape of ``pychrony exporter`` as documented: default collectors."""
    with serving(sandbox.socket_path) as url:
        yield prom.get(url, timeout=10)


def test_every_metric_the_alert_rules_use_is_exported(default_scrape: str) -> None:
    rules = (MONITORING / "chrony-alerts.yml").read_text()
    expressions = " ".join(re.findall(r"^\s*expr:(.*)$", rules, flags=re.MULTILINE))
    used = set(re.findall(r"\b(chrony_[a-z_]+)\b", expressions))
    served = set(re.findall(r"^(chrony_[a-z_]+)[{ ]", default_scrape, flags=re.MULTILINE))
    assert used, "the rules use no chrony metric"
    assert used <= served, f"rules use metrics the exporter does not serve: {used - served}"


def _alert_names(text: str) -> set[str]:
    return set(re.findall(r"^\s*-?\s*alert(?:name)?:\s*(\w+)\s*$", text, flags=re.MULTILINE))


def test_promtool_unit_tests_cover_every_rule_synchronised_and_not(promtool: str) -> None:
    tests_file = MONITORING / "chrony-alerts.test.yml"
    result = run(promtool, "test", "rules", str(tests_file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr
    rules = _alert_names((MONITORING / "chrony-alerts.yml").read_text())
    assert len(rules) == 6
    # Each test case is a "- name:" block; the first two are the synchronised
    # and the unsynchronised chronyd, and each checks every rule.
    cases = re.split(r"^  - name: ", tests_file.read_text(), flags=re.MULTILINE)[1:]
    synchronised, unsynchronised = cases[0], cases[1]
    assert synchronised.startswith("a synchronised chronyd")
    assert "chrony_tracking_leap_status" in synchronised
    assert unsynchronised.startswith("an unsynchronised chronyd")
    # What an unsynchronised chronyd reports: leap status 3, stratum 0.
    assert re.search(r"chrony_tracking_leap_status\{[^}]*\}'\n\s+values: '3x", unsynchronised)
    assert re.search(r"chrony_tracking_stratum\{[^}]*\}'\n\s+values: '0x", unsynchronised)
    assert _alert_names(synchronised) == rules
    assert _alert_names(unsynchronised) == rules


def test_promtool_unit_tests_fail_for_the_old_stratum_16_rule(
    promtool: str, tmp_path: Path
) -> None:
    # The unit tests could pass vacuously: they must catch a rule that never fires.
    rules = (MONITORING / "chrony-alerts.yml").read_text()
    old = re.sub(
        r"(alert: ChronyUnsynchronised\n(?:\s+#.*\n)*\s+expr: ).*",
        r"\1"
        "chrony_tracking_stratum >= 16",
        rules,
    )
    assert old != rules
    (tmp_path / "chrony-alerts.yml").write_text(old)
    tests_file = tmp_path / "chrony-alerts.test.yml"
    tests_file.write_text((MONITORING / "chrony-alerts.test.yml").read_text())
    result = run(promtool, "test", "rules", str(tests_file))
    assert result.returncode != 0
    assert "ChronyUnsynchronised" in result.stdout + result.stderr
