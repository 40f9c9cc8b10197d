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
from pychrony.sandbox import Sandbox
from tests.conftest import missing, started
from tests.helpers.silent import silent_port

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
    ipv6 = Sandbox(sources=1, extra_client_config=["bindcmdaddress ::1"])
    with started(ipv6, what="a sandboxed chronyd on ::1") as box:
        yield box


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


# -- every address tried in order: a refusal moves on to the next -------------

_FALLBACK_PROBE = textwrap.dedent(
    """
    import asyncio, socket, sys, time
    from pychrony import AsyncChronyConnection, ChronyConnection

    name, port, timeout, retries = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    order = []
    for *_, sockaddr in socket.getaddrinfo(name, None, socket.AF_UNSPEC, socket.SOCK_DGRAM):
        if sockaddr[0] not in order:
            order.append(sockaddr[0])
    print("order", *order)
    start = time.monotonic()
    with ChronyConnection(f"{name}:{port}", timeout=timeout, retries=retries) as conn:
        stratum = conn.get_tracking().stratum
        print("sync", conn.address, stratum, time.monotonic() - start)

    async def main():
        start = time.monotonic()
        conn = AsyncChronyConnection(f"{name}:{port}", timeout=timeout, retries=retries)
        async with conn:
            stratum = (await conn.get_tracking()).stratum
            print("async", conn.address, stratum, time.monotonic() - start)

    asyncio.run(main())
    """
)


def _in_private_hosts(
    tmp_path: Path, hosts_text: str, gai_text: str, script: str, *argv: str
) -> str:
    """Run ``script`` in a private mount namespace with its own /etc/hosts and /etc/gai.conf.

    gai.conf orders a name's addresses (getaddrinfo would otherwise sort
    127.0.0.1 first, as the longest prefix shared with the source address).
    """
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        missing("a private mount namespace needs root and unshare (util-linux)")
    if not Path("/etc/gai.conf").is_file():
        missing("/etc/gai.conf (glibc's) to bind a private one over")
    hosts, gai = tmp_path / "hosts", tmp_path / "gai.conf"
    hosts.write_text(hosts_text)
    gai.write_text(gai_text)
    probe = tmp_path / "probe.py"
    probe.write_text(script)
    command = (
        'mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/gai.conf && shift 2 && exec "$@"'
    )
    argv_ = [sys.executable, str(probe), *argv]
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", command, "sh", str(hosts), str(gai), *argv_],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_a_name_moves_on_from_an_address_that_refuses(sandbox: Sandbox, tmp_path: Path) -> None:
    # 127.0.0.9 is loopback, but the sandbox binds 127.0.0.1 only: refused.
    port = sandbox.cmd_port
    out = _in_private_hosts(
        tmp_path,
        "127.0.0.9 chronyd.fallback.test\n127.0.0.1 chronyd.fallback.test\n",
        "precedence ::ffff:127.0.0.9/128 100\nprecedence ::ffff:0:0/96 10\n",
        _FALLBACK_PROBE,
        "chronyd.fallback.test",
        str(port),
        str(TIMEOUT),
        str(RETRIES),
    )
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines()}
    # The resolver's order puts the refusing address first, else this proves nothing.
    assert lines["order"] == ["127.0.0.9", "127.0.0.1"], out
    for layer in ("sync", "async"):
        address, stratum, took = lines[layer]
        assert address == f"127.0.0.1:{port}", out
        assert stratum == "9", out
        assert float(took) <= BUDGET + SLACK, out


def test_the_defaults_move_on_to_the_next_address(
    ipv6_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # chronyd's default order (socket, IPv4, IPv6) pointed at this test's own
    # addresses: the system's /var/run/chrony and port 323 are never touched.
    from pychrony._core import address as address_module

    port = ipv6_sandbox.cmd_port
    socket_path = str(tmp_path / "no-chronyd.sock")
    defaults = (socket_path, f"127.0.0.9:{port}", f"[::1]:{port}")
    monkeypatch.delenv("PYCHRONY_ADDRESS", raising=False)
    monkeypatch.setattr(address_module, "DEFAULT_CANDIDATES", defaults)
    start = time.monotonic()
    with ChronyConnection(timeout=TIMEOUT, retries=RETRIES) as conn:
        assert conn.get_tracking().stratum == 9
        assert conn.address == f"[::1]:{port}"
    assert time.monotonic() - start <= BUDGET + SLACK


def test_every_refusing_address_is_named_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pychrony._core import address as address_module

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    defaults = (str(tmp_path / "no-chronyd.sock"), f"127.0.0.1:{port}", f"127.0.0.9:{port}")
    monkeypatch.delenv("PYCHRONY_ADDRESS", raising=False)
    monkeypatch.setattr(address_module, "DEFAULT_CANDIDATES", defaults)
    start = time.monotonic()
    with pytest.raises(ChronyConnectionError) as info:
        ChronyConnection(timeout=TIMEOUT, retries=RETRIES).get_tracking()
    assert time.monotonic() - start <= BUDGET + SLACK
    message = str(info.value)
    assert "not tried" not in message, message
    assert all(message.count(a) == 1 for a in defaults), message
    assert message.count("Connection refused") == 2, message


def test_a_silent_address_uses_up_the_budget(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bound socket that never reads: sends succeed, nothing answers, nothing
    # refuses. The attempts' waits add up to the budget, so the call ends there
    # (chronyc, with no overall budget, would go on) and says what it left.
    from pychrony._core import address as address_module

    with silent_port() as quiet:
        answering = f"127.0.0.1:{sandbox.cmd_port}"
        monkeypatch.delenv("PYCHRONY_ADDRESS", raising=False)
        monkeypatch.setattr(address_module, "DEFAULT_CANDIDATES", (quiet, answering))
        start = time.monotonic()
        with pytest.raises(ChronyTimeoutError) as info:
            ChronyConnection(timeout=TIMEOUT, retries=RETRIES).get_tracking()
        assert time.monotonic() - start <= BUDGET + SLACK
    message = str(info.value)
    assert message.count(quiet) == 1, message
    assert f"{answering} not tried" in message, message
