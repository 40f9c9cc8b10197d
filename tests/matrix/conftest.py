"""One deployment-profile sandbox per chronyd release, all started at once.

They start in parallel (each takes a second or two) so that by the time a
release's tests run its emulated RTC has been sampled; every sandbox is
stopped at the end of the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from pychrony.sandbox import Sandbox, SandboxError
from tests.conftest import TRANSPORTS, missing
from tests.matrix.versions import RELEASES, Release

RELEASE_HINT = "scripts/provision-chronyd provisions it (make test runs it)"


def _start(release: Release) -> Sandbox | SandboxError:
    box = Sandbox(profile="deployment", chronyd=str(release.chronyd), chronyc=str(release.chronyc))
    try:
        return box.start()
    except SandboxError as exc:
        return exc


@pytest.fixture(scope="session")
def deployments(native: None) -> Iterator[dict[str, Sandbox | SandboxError]]:
    """A started sandbox (or why it failed) for every provisioned release."""
    ready = [r for r in RELEASES if r.is_provisioned()]
    with ThreadPoolExecutor(max_workers=len(RELEASES)) as pool:
        started = dict(zip((r.version for r in ready), pool.map(_start, ready), strict=True))
    yield started
    for box in started.values():
        if isinstance(box, Sandbox):
            box.stop()


@pytest.fixture(params=RELEASES, ids=[r.version for r in RELEASES])
def release(request: pytest.FixtureRequest) -> Release:
    """Each pinned chronyd release in turn."""
    found: Release = request.param
    if not found.is_provisioned():
        missing(f"chronyd {found.version} is not in {found.directory}; {RELEASE_HINT}")
    return found


@pytest.fixture
def deployment(release: Release, deployments: dict[str, Sandbox | SandboxError]) -> Sandbox:
    """The release's deployment-profile sandbox."""
    box = deployments[release.version]
    if isinstance(box, SandboxError):
        pytest.fail(f"chronyd {release.version}: the sandbox did not start: {box}")
    return box


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    """The Unix socket, then the UDP command port."""
    name: str = request.param
    return name


def chronyc_options(box: Sandbox, transport: str) -> tuple[str | None, tuple[str, ...]]:
    """chronyc's host and options to reach the client over ``transport``."""
    if transport == "unix":
        return None, ()
    return "127.0.0.1", ("-p", str(box.cmd_port))
