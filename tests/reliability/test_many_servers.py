"""Hundreds of servers under a low descriptor limit: each reports its own data or error.

One sandboxed chronyd appears as 100 live servers through relay ports
(tests/helpers/relay.py); 150 relay ports swallow every request (servers
that never answer: a timeout each) and 250 addresses have nothing listening
(``127.0.1.x`` on the sandbox's command port: refused at once). The fan-out
runs in a subprocess whose ``RLIMIT_NOFILE`` is 256, far below the 1,000
(server, report) connections of ``gather`` or the 500 of the command line:
only the bound on connections open at once keeps every live server
answering. A sampler thread records the most descriptors the child held.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from pychrony import ChronyConnection
from pychrony.sandbox import Sandbox
from tests.helpers.relay import LatencyRelay

pytestmark = pytest.mark.reliability

FD_LIMIT = 256
LIVE, SILENT, REFUSED = 100, 150, 250
# Generous per server (a loaded machine), short enough for the silent ones.
TIMING = {"timeout": 0.5, "retries": 1}


@dataclass(frozen=True)
class Fleet:
    live: list[str]
    silent: list[str]
    refused: list[str]

    @property
    def addresses(self) -> list[str]:
        # Interleaved, so every wave of the fan-out mixes all three kinds.
        kinds = [self.live, self.silent, self.refused]
        longest = max(len(k) for k in kinds)
        return [k[i] for i in range(longest) for k in kinds if i < len(k)]


@pytest.fixture(scope="module")
def fleet(sandbox: Sandbox) -> Iterator[Fleet]:
    port = sandbox.udp_address.rpartition(":")[2]
    with LatencyRelay(sandbox.udp_address) as relay:
        live = [relay.add() for _ in range(LIVE)]
        silent = [relay.add(drop=True) for _ in range(SILENT)]
        relay.start()
        refused = [f"127.0.1.{i % 250 + 1}:{port}" for i in range(REFUSED)]
        yield Fleet(live, silent, refused)


def _run_watching_fds(argv: list[str]) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run ``argv`` under the low limit; return its result and the most descriptors it held."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        with subprocess.Popen(argv, stdout=out, stderr=err, preexec_fn=_limit_fds) as child:
            peak = 0
            deadline = time.monotonic() + 120
            while child.poll() is None and time.monotonic() < deadline:
                with contextlib.suppress(OSError):  # it may exit between the checks
                    peak = max(peak, len(os.listdir(f"/proc/{child.pid}/fd")))
                time.sleep(0.002)
            child.wait(timeout=5)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(argv, child.returncode, out.read(), err.read()), peak


def _limit_fds() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))


# The child: count descriptors every few milliseconds while the fan-out runs.
_SAMPLER = """
import os, threading, time
peak = [len(os.listdir("/proc/self/fd"))]
stop = threading.Event()
def sample():
    while not stop.wait(0.002):
        try:
            peak[0] = max(peak[0], len(os.listdir("/proc/self/fd")))
        except OSError:  # itself out of descriptors: the bound failed
            peak[0] = 10**6
threading.Thread(target=sample, daemon=True).start()
"""

_GATHER = (
    _SAMPLER
    + """
import json, sys
from pychrony import gather_sync
from pychrony.fleet import DEFAULT_MAX_CONNECTIONS
addresses = json.loads(sys.stdin.read())
start = time.monotonic()
results = gather_sync(addresses, reports=("tracking", "sources"), timeout=0.5, retries=1)
elapsed = time.monotonic() - start
stop.set()
out = {}
for address, result in results.items():
    out[address] = {
        "ok": result.ok,
        "stratum": result.reports["tracking"].stratum if "tracking" in result.reports else None,
        "sources": len(result.reports["sources"]) if "sources" in result.reports else None,
        "errors": {
            name: [type(e).__name__, getattr(e, "errno", None), e.error_code, str(e)]
            for name, e in result.errors.items()
        },
    }
print(json.dumps({"peak_fds": peak[0], "elapsed": elapsed,
                  "limit": DEFAULT_MAX_CONNECTIONS, "results": out}))
"""
)


def _run_script(script: str, *argv: str, stdin: str | None = None) -> dict[str, Any]:
    """Run a child ``script`` under the low limit; the JSON document it prints."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_fds,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    document: dict[str, Any] = json.loads(proc.stdout)
    return document


def test_gather_over_500_servers_under_256_descriptors(sandbox: Sandbox, fleet: Fleet) -> None:
    report = _run_script(_GATHER, stdin=json.dumps(fleet.addresses))
    results = report["results"]
    assert isinstance(results, dict)
    assert len(results) == LIVE + SILENT + REFUSED
    stratum = sandbox_stratum(sandbox)
    for address in fleet.live:
        got = results[address]
        assert got["ok"], (address, got)
        assert got["stratum"] == stratum, (address, got)
        assert got["sources"] == 4, (address, got)
    for address in fleet.silent:
        errors = results[address]["errors"]
        assert set(errors) == {"tracking", "sources"}, (address, errors)
        for kind, _errno, _code, message in errors.values():
            assert kind == "ChronyTimeoutError", (address, errors)
            assert address in message, (address, errors)
    for address in fleet.refused:
        errors = results[address]["errors"]
        assert set(errors) == {"tracking", "sources"}, (address, errors)
        for kind, _errno, _code, message in errors.values():
            assert kind == "ChronyConnectionError", (address, errors)
            assert "Connection refused" in message, (address, errors)
            assert address in message, (address, errors)
    every_message = json.dumps(results)
    assert "Too many open files" not in every_message
    assert "ChronyLibraryError" not in every_message
    peak = report["peak_fds"]
    assert isinstance(peak, int)
    assert peak < FD_LIMIT, peak
    print(f"\ngather: 500 servers, peak {peak} fds, {report['elapsed']:.2f} s")


def sandbox_stratum(sandbox: Sandbox) -> int:
    with ChronyConnection(sandbox.socket_path) as conn:
        return conn.get_tracking().stratum


_EXHAUST = (
    _SAMPLER
    + """
import json, sys
from pychrony import gather_sync, ChronyConnection
address = sys.argv[1]
# Far more connections than descriptors: some must run out, and say so.
results = gather_sync([address] + [f"127.0.0.1:{p}" for p in range(40000, 40199)],
                      reports=("tracking",), timeout=0.5, retries=0, max_connections=1000)
stop.set()
kinds = {}
for result in results.values():
    for e in result.errors.values():
        key = f"{type(e).__name__} errno={getattr(e, 'errno', None)}"
        kinds.setdefault(key, str(e))
# Exhaustion in the session's /dev/urandom, provoked directly.
held = []
while True:
    try:
        held.append(os.open("/dev/null", os.O_RDONLY))
    except OSError:
        break
os.close(held.pop())  # one left: the socket opens, /dev/urandom cannot
try:
    with ChronyConnection(address, timeout=0.5, retries=0) as conn:
        conn.get_tracking()
    urandom = "no error"
except Exception as e:
    urandom = [type(e).__name__, getattr(e, "errno", None), e.error_code, str(e)]
for fd in held:
    os.close(fd)
print(json.dumps({"kinds": kinds, "urandom": urandom}))
"""
)


def test_running_out_of_descriptors_is_an_emfile_connection_error(
    sandbox: Sandbox, fleet: Fleet
) -> None:
    """``max_connections`` above the limit: each server hit says EMFILE, none 'libchrony'."""
    found = _run_script(_EXHAUST, fleet.live[0])
    kinds = found["kinds"]
    emfile = "ChronyConnectionError errno=24"
    assert emfile in kinds, kinds
    assert "out of file descriptors" in kinds[emfile], kinds
    assert not any(k.startswith("ChronyLibraryError") for k in kinds), kinds
    kind, errno, code, message = found["urandom"]
    assert (kind, errno, code) == ("ChronyConnectionError", 24, 2), found["urandom"]
    assert "out of file descriptors" in message, message
    assert fleet.live[0] in message, message


def test_the_command_line_over_500_servers_under_256_descriptors(
    sandbox: Sandbox, fleet: Fleet
) -> None:
    argv = [sys.executable, "-m", "pychrony", "--timeout", "0.5", "--retries", "1"]
    for address in fleet.addresses:
        argv += ["-a", address]
    start = time.monotonic()
    proc, peak = _run_watching_fds([*argv, "--format", "json", "tracking"])
    elapsed = time.monotonic() - start
    assert peak < FD_LIMIT, peak
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])  # some servers failed
    assert "Traceback" not in proc.stderr
    assert "Too many open files" not in proc.stderr
    documents = json.loads(proc.stdout)
    stratum = sandbox_stratum(sandbox)
    for address in fleet.live:
        assert documents[address]["stratum"] == stratum, (address, documents[address])
    lines = proc.stderr.splitlines()
    assert len(lines) == SILENT + REFUSED, lines[:5]
    # Each line names its server once, in the message ("... from ADDRESS: ...").
    by_address = {_named_server(line): line for line in lines}
    for address in fleet.silent:
        assert "no reply" in by_address[address], by_address[address]
    for address in fleet.refused:
        assert "Connection refused" in by_address[address], by_address[address]
    print(f"\ncommand line: 500 servers, peak {peak} fds, {elapsed:.2f} s")


def _named_server(line: str) -> str:
    found = re.search(r" from (\S+?): ", line)
    assert found is not None, line
    return found[1]
