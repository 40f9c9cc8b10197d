"""The deployment files under docs/monitoring/: the hardened systemd unit and the
example web configuration are ones the exporter accepts."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from pychrony.cli.exporter.webconfig import load
from pychrony.cli.main import command_parser
from tests.conftest import missing

MONITORING = Path(__file__).parents[2] / "docs" / "monitoring"
UNIT = MONITORING / "pychrony-exporter.service"


def _unit(text: str) -> dict[str, list[str]]:
    """key -> values of a unit file (continuation lines joined; keys may repeat)."""
    settings: dict[str, list[str]] = {}
    logical = text.replace("\\\n", " ")
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_the_unit_is_hardened_and_runs_without_root() -> None:
    unit = _unit(UNIT.read_text())
    assert unit["DynamicUser"] == ["yes"]
    assert "User" not in unit
    assert unit["CapabilityBoundingSet"] == [""]
    assert unit["AmbientCapabilities"] == [""]
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices"):
        assert unit[key] == ["yes"], key
    assert unit["ProtectSystem"] == ["strict"]
    assert unit["SupplementaryGroups"] == ["chrony"]
    # The one writable place: chronyd's socket directory, for libchrony's client socket.
    command = unit["ExecStart"][0].split()
    address = next(a for a in command if a.startswith("--chrony.address="))
    socket_dir = str(Path(address.removeprefix("--chrony.address=unix://")).parent)
    assert unit["ReadWritePaths"] == [socket_dir]


def test_the_units_command_line_is_one_the_exporter_accepts() -> None:
    command = _unit(UNIT.read_text())["ExecStart"][0].split()
    assert Path(command[0]).name == "pychrony"
    args, extras = command_parser().parse_known_args(command[1:])
    assert extras == []
    assert args.command == "exporter"
    assert args.addresses == ["/run/chrony/chronyd.sock"]
    assert args.scrape_timeout == 5.0
    assert args.listen == [":9123"]
    assert args.collector_serverstats is True


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    script = Path(sys.executable).parent / "pychrony"
    if analyze is None:
        missing("systemd-analyze not found (Debian: apt-get install systemd)")
    assert analyze is not None
    assert script.exists(), script
    text = UNIT.read_text().replace("/usr/local/bin/pychrony", str(script))
    # The man page reference needs man(1), which a minimal system lacks.
    text = "\n".join(line for line in text.splitlines() if not line.startswith("Documentation="))
    copy = tmp_path / UNIT.name
    copy.write_text(text + "\n")
    proc = subprocess.run(
        [analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_example_web_config_parses() -> None:
    config = load(str(MONITORING / "web-config.yml"))
    assert config.tls is not None
    assert config.tls.cert_file == str(MONITORING / "exporter.crt")
    assert config.tls.client_ca_file == str(MONITORING / "prometheus-ca.crt")
    assert list(config.users) == ["prometheus"]
    assert ("X-Frame-Options", "deny") in config.headers
