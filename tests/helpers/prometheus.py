"""A real ``pychrony exporter`` process and a real Prometheus server, on loopback, for tests."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import missing

START_TIMEOUT = 15.0


def tool(name: str) -> str:
    """``promtool`` or ``prometheus`` (Debian's ``prometheus`` package, from provisioning)."""
    found = shutil.which(name) or next(
        (p for p in (f"/usr/bin/{name}", f"/usr/local/bin/{name}") if os.access(p, os.X_OK)), None
    )
    if found is None:
        missing(f"{name} not found (Debian: apt-get install prometheus)")
        raise AssertionError  # unreachable: missing() fails or skips
    return found


def get(url: str, timeout: float = 5.0) -> str:
    """The body of ``url``."""
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        body: bytes = reply.read()
    return body.decode()


@contextmanager
def exporter(address: str, *flags: str) -> Iterator[str]:
    """``pychrony -a ADDRESS exporter FLAGS`` on a free loopback port; yields its /metrics URL."""
    command = [sys.executable, "-m", "pychrony", "-a", address, "exporter"]
    proc = subprocess.Popen(
        [*command, "--listen", "127.0.0.1:0", *flags],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        ready, _, _ = select.select([proc.stderr], [], [], START_TIMEOUT)
        line = proc.stderr.readline() if ready else ""
        match = re.search(r"http://\S+/metrics", line)
        assert match, f"the exporter did not start: {line!r}"
        yield match.group(0)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def prometheus(metrics_url: str, rule_files: Sequence[Path] = ()) -> Iterator[str]:
    """A Prometheus scraping ``metrics_url`` and evaluating ``rule_files`` every 0.5 s.

    Yields the base URL of its HTTP API.
    """
    binary = tool("prometheus")
    target = urllib.parse.urlsplit(metrics_url).netloc
    with tempfile.TemporaryDirectory(prefix="pychrony-prom-") as tmp:
        config = Path(tmp, "prometheus.yml")
        rules = "".join(f"  - {json.dumps(str(p))}\n" for p in rule_files)
        config.write_text(
            "global:\n  scrape_interval: 500ms\n  scrape_timeout: 400ms\n"
            "  evaluation_interval: 500ms\n"
            + (f"rule_files:\n{rules}" if rules else "")
            + "scrape_configs:\n  - job_name: chrony\n"
            f"    static_configs:\n      - targets: ['{target}']\n"
        )
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        web = f"127.0.0.1:{port}"
        flags = [
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp}/data",
            f"--web.listen-address={web}",
        ]
        with Path(tmp, "prometheus.log").open("w") as log:
            proc = subprocess.Popen([binary, *flags], stdout=log, stderr=subprocess.STDOUT)
            try:
                yield f"http://{web}"
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)


def query(base: str, expr: str) -> list[dict[str, object]]:
    """An instant query's result vector."""
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    reply = json.loads(get(url, timeout=2.0))
    assert reply["status"] == "success"
    result: list[dict[str, object]] = reply["data"]["result"]
    return result


def wait_for(base: str, expr: str, *, within: float) -> list[dict[str, object]]:
    """Poll ``expr`` until it has a result (bounded by ``within`` seconds); the last result."""
    deadline = time.monotonic() + within
    result: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        try:
            result = query(base, expr)
        except OSError:  # not listening yet
            result = []
        if result:
            break
        time.sleep(0.25)
    return result
