"""Host names, resolved as chronyc resolves them, within the call's budget.

No test here sends a DNS query off this machine: ``localhost`` comes from
``/etc/hosts``, a name with an empty label is refused by Python's IDNA step
before any query, and a hanging resolver is our own Python code's
``socket.getaddrinfo`` replaced in-process.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pychrony import (
    AsyncChronyConnection,
    ChronyConnection,
    ChronyConnectionError,
    ChronyTimeoutError,
    gather_sync,
)
from pychrony._core.timing import budget
from pychrony.sandbox import Sandbox, SandboxError
from tests.conftest import missing

UNRESOLVABLE = "no..such.invalid"  # an empty label: no query is ever sent
TIMEOUT, RETRIES = 0.2, 1
BUDGET = budget(TIMEOUT, RETRIES)
SLACK = 0.5  # scheduling on a loaded two-core machine


def test_localhost_reaches_the_command_port(sandbox: Sandbox) -> None:
    with ChronyConnection(f"localhost:{sandbox.cmd_port}") as conn:
        assert conn.get_tracking().stratum == 9
        # The address in use is the name's address, as libchrony reads it.
        assert conn.address == f"127.0.0.1:{sandbox.cmd_port}"


def test_localhost_reaches_the_command_port_asynchronously(sandbox: Sandbox) -> None:
    async def main() -> tuple[int, str | None]:
        async with AsyncChronyConnection(f"localhost:{sandbox.cmd_port}") as conn:
            return (await conn.get_tracking()).stratum, conn.address

    assert asyncio.run(main()) == (9, f"127.0.0.1:{sandbox.cmd_port}")


def test_a_fleet_takes_names(sandbox: Sandbox) -> None:
    name = f"localhost:{sandbox.cmd_port}"
    results = gather_sync([name, UNRESOLVABLE], reports=["tracking"], timeout=TIMEOUT)
    assert results[name].ok
    error = results[UNRESOLVABLE].error
    assert isinstance(error, ChronyConnectionError)
    assert UNRESOLVABLE in str(error)


@pytest.mark.parametrize("address", [UNRESOLVABLE, f"{UNRESOLVABLE}:323"])
def test_an_unknown_name_fails_at_once_naming_it(address: str) -> None:
    start = time.monotonic()
    with pytest.raises(ChronyConnectionError) as info:
        ChronyConnection(address, timeout=TIMEOUT, retries=RETRIES).get_tracking()
    assert time.monotonic() - start <= BUDGET + SLACK
    message = str(info.value)
    assert message.count(address) == 1, message
    assert "\n" not in message


def test_an_unknown_name_fails_asynchronously_naming_it() -> None:
    async def main() -> None:
        async with AsyncChronyConnection(UNRESOLVABLE, timeout=TIMEOUT, retries=RETRIES) as conn:
            await conn.get_tracking()

    with pytest.raises(ChronyConnectionError, match=r"no\.\.such\.invalid: not a valid host"):
        asyncio.run(main())


@pytest.fixture
def hanging_resolver(monkeypatch: pytest.MonkeyPatch) -> float:
    """``socket.getaddrinfo`` that answers only after ``hang`` seconds (a dead DNS server)."""
    hang = BUDGET + 2.0
    real = socket.getaddrinfo

    def slow(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "slow.resolver.test":
            time.sleep(hang)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    return hang


def test_a_hanging_resolver_does_not_stretch_the_budget(hanging_resolver: float) -> None:
    conn = ChronyConnection("slow.resolver.test", timeout=TIMEOUT, retries=RETRIES)
    start = time.monotonic()
    with pytest.raises(ChronyTimeoutError, match=r"slow\.resolver\.test: the resolver did not"):
        conn.get_tracking()
    assert time.monotonic() - start <= BUDGET + SLACK


def test_a_hanging_resolver_does_not_stretch_the_async_budget(hanging_resolver: float) -> None:
    async def main() -> float:
        conn = AsyncChronyConnection("slow.resolver.test", timeout=TIMEOUT, retries=RETRIES)
        start = time.monotonic()
        with pytest.raises(ChronyTimeoutError, match=r"slow\.resolver\.test"):
            await conn.get_tracking()
        return time.monotonic() - start

    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(main()) <= BUDGET + SLACK
    finally:
        # The abandoned lookup still sleeps in the loop's executor: let it go.
        loop.close()


# -- localhost as ::1 first, as many distributions' /etc/hosts have it ---------

_PROBE = textwrap.dedent(
    """
    import asyncio, sys
    from pychrony import AsyncChronyConnection, ChronyConnection

    name = sys.argv[1]
    with ChronyConnection(name) as conn:
        print(conn.address, conn.get_tracking().stratum)

    async def main():
        async with AsyncChronyConnection(name) as conn:
            print(conn.address, (await conn.get_tracking()).stratum)

    asyncio.run(main())
    """
)


@pytest.fixture(scope="module")
def ipv6_sandbox(native: None) -> Iterator[Sandbox]:
    """A sandbox whose command port also listens on ::1."""
    try:
        box = Sandbox(sources=1, extra_client_config=["bindcmdaddress ::1"]).start()
    except SandboxError as exc:
        missing(f"cannot start a sandboxed chronyd on ::1: {exc}")
        raise
    yield box
    box.stop()


def test_localhost_tries_ipv6_first_when_the_hosts_file_says_so(
    ipv6_sandbox: Sandbox, tmp_path: Path
) -> None:
    # A private mount namespace sees its own /etc/hosts; the machine's stays.
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        missing("a private mount namespace needs root and unshare (util-linux)")
    hosts = tmp_path / "hosts"
    hosts.write_text("::1 localhost\n127.0.0.1 localhost\n")
    script = tmp_path / "probe.py"
    script.write_text(_PROBE)
    command = 'mount --bind "$1" /etc/hosts && exec "$2" "$3" "$4"'
    port = ipv6_sandbox.cmd_port
    proc = subprocess.run(
        [
            "unshare",
            "-m",
            "sh",
            "-c",
            command,
            "sh",
            str(hosts),
            sys.executable,
            str(script),
            f"localhost:{port}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    # Both layers took the hosts file's first address, and chronyd answered there.
    assert [line.split()[0] for line in lines] == [f"[::1]:{port}"] * 2, proc.stdout
    assert all(line.split()[1].isdigit() for line in lines), proc.stdout
