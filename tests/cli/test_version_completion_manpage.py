"""What a command-line tool is expected to offer beyond its commands: --version,
shell completion and a man page, all from the one argument parser."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pychrony
from pychrony.cli.completion import completion_script, manpage
from pychrony.cli.main import command_parser
from pychrony.sandbox import Sandbox, find_chrony_binary
from tests.conftest import missing
from tests.helpers.relay import LatencyRelay

PYCHRONY = [sys.executable, "-m", "pychrony"]


def version(*argv: str) -> list[str]:
    done = subprocess.run(
        [*PYCHRONY, *argv, "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout.splitlines()


def test_version_names_pychrony_libchrony_and_the_local_chronyds_version(
    sandbox: Sandbox,
) -> None:
    probe = subprocess.run(
        [find_chrony_binary("chronyd"), "-v"], capture_output=True, text=True, timeout=10
    )
    chronyd_version = re.search(r"version (\S+)", probe.stdout).group(1)  # type: ignore[union-attr]
    for address in (sandbox.socket_path, sandbox.udp_address):
        lines = version("-a", address)
        assert lines[0] == f"pychrony {pychrony.__version__}"
        library = re.fullmatch(r"libchrony (\S+) \((/\S+)\)", lines[1])
        assert library, lines[1]
        assert Path(library.group(2)).exists()
        assert lines[2].startswith(f"chronyd {chronyd_version} at {address} (the local process /")
        assert len(lines) == 3


def test_version_says_honestly_when_chronyds_version_cannot_be_known(sandbox: Sandbox) -> None:
    with LatencyRelay(sandbox.udp_address) as relay:
        # A relay in front of chronyd: it answers, but no local chronyd holds the port.
        relayed = relay.add(delay=0.0)
        relay.start()
        answered = version("-a", relayed)[2]
    assert answered == (
        f"chronyd at {relayed}: version unknown (not reported over the command protocol)"
    )
    refused = version("-a", "127.0.0.1:1")[2]
    assert refused.startswith("chronyd: unknown (not reached: "), refused
    assert refused.count("127.0.0.1:1") == 1, refused
    with LatencyRelay(sandbox.udp_address) as relay:
        silent = relay.add(drop=True)
        relay.start()
        started = time.monotonic()
        line = version("-a", silent)[2]
        waited = time.monotonic() - started
    assert line == f"chronyd: unknown (no answer from {silent} within 0.3 s)"
    assert waited < 10  # a budget for the whole command, not a timing claim


def test_bash_completion_completes_commands_and_options(tmp_path: Path) -> None:
    if not shutil.which("bash"):
        missing("bash")
    script = tmp_path / "pychrony.bash"
    done = subprocess.run(
        [*PYCHRONY, "--print-completion", "bash"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert done.stdout == completion_script(command_parser(), "bash")
    script.write_text(done.stdout)
    # Drive the completion function the way bash's readline would.
    probe = f"""
        source {script}
        complete -p pychrony >/dev/null || exit 9
        func=$(complete -p pychrony | sed -E 's/.*-F ([^ ]+).*/\\1/')
        COMP_WORDS=(pychrony trac); COMP_CWORD=1; COMP_LINE="pychrony trac"; COMP_POINT=13
        $func pychrony trac pychrony; echo "commands: ${{COMPREPLY[*]}}"
        COMP_WORDS=(pychrony check --war); COMP_CWORD=2
        COMP_LINE="pychrony check --war"; COMP_POINT=20
        $func pychrony --war check; echo "options: ${{COMPREPLY[*]}}"
    """
    completed = subprocess.run(
        ["bash", "--norc", "-c", probe], capture_output=True, text=True, timeout=30, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert "commands: tracking" in completed.stdout, completed.stdout
    assert "--warning" in completed.stdout.split("options:")[1], completed.stdout


def test_zsh_completion_is_generated_and_well_formed() -> None:
    script = completion_script(command_parser(), "zsh")
    assert script.startswith("#compdef pychrony")
    for command in ("status", "tracking", "check", "exporter"):
        assert command in script
    if shutil.which("zsh"):
        done = subprocess.run(["zsh", "-n"], input=script, text=True, timeout=30, check=False)
        assert done.returncode == 0


def test_print_completion_rejects_other_shells() -> None:
    done = subprocess.run(
        [*PYCHRONY, "--print-completion", "fish"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert "invalid choice: 'fish'" in done.stderr


def test_manpage_renders_every_command_and_option(tmp_path: Path) -> None:
    if not shutil.which("man"):
        missing("man (Debian: man-db)")
    page = tmp_path / "pychrony.1"
    page.write_text(manpage(command_parser()))
    done = subprocess.run(
        ["man", "-l", str(page)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={"MANWIDTH": "100", "PATH": "/usr/bin:/bin", "MAN_KEEP_FORMATTING": ""},
    )
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("PYCHRONY(1)")
    for heading in ("NAME", "SYNOPSIS", "DESCRIPTION"):
        assert f"\n{heading}\n" in text
    for command in ("status", "tracking", "sources", "check", "exporter"):
        assert f"pychrony {command}" in text
    for option in ("--address", "--timeout", "--version", "--print-completion"):
        assert option in text
