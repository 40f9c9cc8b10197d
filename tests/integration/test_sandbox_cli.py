"""``python -m pychrony.sandbox`` as a person uses it: signals, variables, errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pychrony.sandbox import Sandbox
from tests.helpers.pipes import read_line

SANDBOX = [sys.executable, "-m", "pychrony.sandbox"]


def chronyd_pids_using(directory: Path) -> list[int]:
    """Processes whose command line names ``directory`` (its chronyd daemons)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if str(directory) in cmdline:
            pids.append(int(entry.name))
    return pids


def start_waiting_sandbox(*extra: str) -> tuple[subprocess.Popen[str], Path]:
    """A sandbox with no command, once it says it runs; and its directory."""
    proc = subprocess.Popen(
        [*SANDBOX, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    directory = None
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        line = read_line(proc.stdout.fileno(), deadline)
        if not line:
            break
        if line.startswith("unix socket: "):
            directory = Path(line.split(": ", 1)[1].strip()).parent
        if line.startswith("running"):
            break
    assert directory is not None, proc.stderr.read() if proc.stderr else ""
    assert chronyd_pids_using(directory), "the sandbox's daemons should be running"
    return proc, directory


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_stops_the_daemons_and_removes_the_directory(
    native: None, signum: signal.Signals
) -> None:
    proc, directory = start_waiting_sandbox()
    proc.send_signal(signum)
    assert proc.wait(timeout=20) == 128 + signum
    assert not directory.exists()
    assert chronyd_pids_using(directory) == []


def test_a_signal_during_a_command_stops_command_and_daemons(native: None, tmp_path: Path) -> None:
    marker = tmp_path / "dir"
    script = f'echo "$PYCHRONY_SANDBOX_SOCKET" > {marker}; exec sleep 60'
    proc = subprocess.Popen([*SANDBOX, "--", "sh", "-c", script])
    deadline = time.monotonic() + 40
    while not (marker.exists() and marker.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.1)
    directory = Path(marker.read_text().strip()).parent
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 128 + signal.SIGTERM
    assert not directory.exists()
    assert chronyd_pids_using(directory) == []


def test_the_command_gets_the_address_and_its_arguments_untouched(native: None) -> None:
    script = 'printf "%s|" "$PYCHRONY_ADDRESS" "$PYCHRONY_SANDBOX_UDP" "$@"'
    out = subprocess.run(
        [*SANDBOX, "--unsynchronised", "--", "sh", "-c", script, "sh", "-a", "--", "b"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    address, udp, *args = out.split("|")[:-1]
    assert address.endswith("client.sock")
    assert udp.startswith("127.0.0.1:")
    assert args == ["-a", "--", "b"]


def test_pychrony_status_reads_the_sandbox_with_no_address(native: None) -> None:
    proc = subprocess.run(
        [*SANDBOX, "--", sys.executable, "-m", "pychrony", "status"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("synchronised to 127.0.0.")


def test_an_unsynchronised_sandbox_says_so(native: None) -> None:
    proc = subprocess.run(
        [*SANDBOX, "--unsynchronised", "--", sys.executable, "-m", "pychrony", "status"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "not synchronised" in proc.stdout.lower()


def test_unresolvable_names_become_placeholders(native: None) -> None:
    script = 'chronyc -n -h "$PYCHRONY_SANDBOX_SOCKET" -c activity'
    env = {
        **os.environ,
        "PATH": os.path.dirname(Sandbox().chronyc_binary) + ":" + os.environ["PATH"],
    }
    out = subprocess.run(
        [*SANDBOX, "--unresolvable", "2", "--", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    ).stdout
    assert out.strip().split(",")[4] == "2"  # chronyc -c activity: unresolved last


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sources", "-1"], "--sources: must be 0 or more, not -1"),
        (["--sources", "x"], "--sources: not a whole number"),
        (["--unresolvable", "-3"], "--unresolvable: must be 0 or more"),
    ],
)
def test_bad_arguments_are_usage_errors(args: list[str], message: str) -> None:
    proc = subprocess.run([*SANDBOX, *args], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_missing_command_exits_127_with_one_line() -> None:
    proc = subprocess.run(
        [*SANDBOX, "--", "no-such-command-here", "x"], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 127
    assert proc.stderr == "pychrony.sandbox: no-such-command-here: command not found\n"
