"""The Prometheus files the documentation ships work with Prometheus and pychrony.

``promtool`` (Debian's ``prometheus`` package, installed by scripts/provision)
checks the alert rules' syntax and PromQL, and the scrape configuration
together with the rule files it names. A scrape of a real ``pychrony
exporter`` with its default collectors shows every metric the rules use, so
no rule can silently never fire.
"""

from __future__ import annotations

import re
import select
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pychrony.sandbox import Sandbox
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


@pytest.fixture(scope="module")
def default_scrape(sandbox: Sandbox) -> Iterator[str]:
    """One scrape of ``pychrony exporter`` as documented: default collectors."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pychrony",
            "-a",
            sandbox.socket_path,
            "exporter",
            "--listen",
            "127.0.0.1:0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        ready, _, _ = select.select([proc.stderr], [], [], 15.0)
        line = proc.stderr.readline() if ready else ""
        url = re.search(r"http://\S+/metrics", line)
        assert url, f"the exporter did not start: {line!r}"
        with urllib.request.urlopen(url.group(0), timeout=10) as reply:
            yield reply.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_every_metric_the_alert_rules_use_is_exported(default_scrape: str) -> None:
    rules = (MONITORING / "chrony-alerts.yml").read_text()
    expressions = " ".join(re.findall(r"^\s*expr:(.*)$", rules, flags=re.MULTILINE))
    used = set(re.findall(r"\b(chrony_[a-z_]+)\b", expressions))
    served = set(re.findall(r"^(chrony_[a-z_]+)[{ ]", default_scrape, flags=re.MULTILINE))
    assert used, "the rules use no chrony metric"
    assert used <= served, f"rules use metrics the exporter does not serve: {used - served}"
