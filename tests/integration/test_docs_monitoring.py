"""The Prometheus files the documentation ships are valid for Prometheus itself.

``promtool`` (Debian's ``prometheus`` package, installed by scripts/provision)
checks the alert rules' syntax and PromQL, and the scrape configuration
together with the rule files it names.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import missing

MONITORING = Path(__file__).resolve().parents[2] / "docs" / "monitoring"


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        missing("promtool not found (Debian: apt-get install prometheus)")
    assert found is not None
    return found


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
