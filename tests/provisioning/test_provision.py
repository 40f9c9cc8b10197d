"""scripts/provision as a newcomer meets it: without root, and beside another apt-get.

These run on an already provisioned machine (CI's, as root) and must leave it
as it was: ``PROVISION_FORCE_APT=1`` hands the demo's already installed build
packages to ``apt-get install --no-upgrade``, which changes nothing but still
passes the root and lock checks a real installation meets.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import missing

REPO = Path(__file__).resolve().parents[2]
PROVISION = REPO / "scripts" / "provision"
DPKG_LOCK = Path("/var/lib/dpkg/lock-frontend")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROVISION_")}
    env.update(extra)
    return env


@pytest.fixture
def public_copy() -> Iterator[Path]:
    """scripts/provision where any user can run it (a checkout may be private)."""
    top = Path(tempfile.mkdtemp(prefix="pychrony-provision-"))
    try:
        for name in ("provision", "libchrony-wheel.txt"):
            shutil.copy2(REPO / "scripts" / name, top / name)
        (top / "home").mkdir()
        (top / "bin").mkdir()
        # A PATH with everything of /usr/bin but sudo: no way to become root.
        for entry in Path("/usr/bin").iterdir():
            if entry.name != "sudo":
                (top / "bin" / entry.name).symlink_to(entry)
        for path in (top, top / "home", top / "bin"):
            path.chmod(0o777)
        yield top
    finally:
        shutil.rmtree(top)


def test_without_root_or_sudo_it_says_in_one_line_what_to_run(public_copy: Path) -> None:
    if not shutil.which("dpkg-query"):
        missing("dpkg-query (a Debian-family machine) for the apt step of scripts/provision")
    env = {
        "PATH": str(public_copy / "bin"),
        "HOME": str(public_copy / "home"),
        "PROVISION_FORCE_APT": "1",
    }
    command = [str(public_copy / "provision"), "--for", "demo"]
    if os.geteuid() == 0:
        command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("provision: needs root (and there is no sudo) to install "), lines
    assert "as root run: apt-get install --no-install-recommends " in lines[0], lines
    assert " gcc" in lines[0].split("as root run:")[1], lines


class _HeldLock:
    """dpkg's front-end lock, taken as apt-get takes it (fcntl), for a while."""

    def __init__(self, seconds: float) -> None:
        self.fd = os.open(DPKG_LOCK, os.O_RDWR)
        fcntl.lockf(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.released_at = 0.0
        self.timer = threading.Timer(seconds, self.release)
        self.timer.start()

    def release(self) -> None:
        if self.fd >= 0:
            self.released_at = time.monotonic()
            os.close(self.fd)  # closing drops the process's fcntl lock
            self.fd = -1

    def __enter__(self) -> _HeldLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()
        self.release()


@pytest.fixture
def as_root_with_dpkg() -> None:
    if os.geteuid() != 0 or not DPKG_LOCK.exists() or not shutil.which("apt-get"):
        missing("root on a Debian-family machine (dpkg's lock) to test waiting for it")


@pytest.mark.usefixtures("as_root_with_dpkg")
def test_it_waits_for_the_package_managers_lock_then_goes_on() -> None:
    with _HeldLock(3.0) as lock:
        done = subprocess.run(
            [str(PROVISION), "--for", "demo"],
            env=_env(PROVISION_FORCE_APT="1", PROVISION_LOCK_TIMEOUT="60"),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        finished = time.monotonic()
    assert done.returncode == 0, done.stderr
    waits = [line for line in done.stderr.splitlines() if "waiting" in line]
    assert len(waits) == 1, done.stderr  # said once, not once a second
    assert "package manager's lock" in waits[0]
    assert str(DPKG_LOCK) in waits[0]
    # It did not go on while the lock was held: released before it finished.
    assert lock.released_at
    assert finished > lock.released_at


@pytest.mark.usefixtures("as_root_with_dpkg")
def test_a_lock_held_too_long_ends_in_one_clear_line() -> None:
    with _HeldLock(6.0):
        done = subprocess.run(
            [str(PROVISION), "--for", "demo"],
            env=_env(PROVISION_FORCE_APT="1", PROVISION_LOCK_TIMEOUT="1"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert "still held after 1 s" in done.stderr.splitlines()[-1], done.stderr


def test_finds_a_chronyd_an_earlier_run_unpacked_off_path(tmp_path: Path) -> None:
    chronyd = shutil.which("chronyd") or shutil.which("chronyd", path="/usr/local/sbin")
    if not chronyd:
        missing("chronyd")
    assert chronyd
    sbin = tmp_path / "libexec" / "pychrony" / "chrony" / "usr" / "sbin"
    sbin.mkdir(parents=True)
    (sbin / "chronyd").symlink_to(chronyd)
    done = subprocess.run(
        [str(PROVISION), "--print-sbindir"],
        env=_env(PATH="/usr/bin:/bin", LIBCHRONY_PREFIX=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert done.stdout.strip() == str(sbin)


def test_make_help_lists_every_target() -> None:
    done = subprocess.run(
        ["make", "-s", "help"], cwd=REPO, capture_output=True, text=True, timeout=30, check=True
    )
    makefile = (REPO / "Makefile").read_text()
    targets = [
        line.split(":")[0] for line in makefile.splitlines() if "## " in line and ":" in line
    ]
    targets = [t for t in targets if not t.startswith(("#", "\t", "."))]
    assert {"demo", "test", "help", "docs", "screenshots", "bench"} <= set(targets)
    for target in targets:
        assert f"make {target} " in done.stdout, done.stdout
