"""`pychrony exporter` as a child process on loopback, and a minimal HTTP client for it.

The one way the tests start an exporter: :func:`start` / :func:`running` give the
process (its URLs, log, threads, descriptors, a timed stop), :func:`serving` just its
first URL, and insists that SIGTERM stops it cleanly::

    with serving(sandbox.socket_path, "--collector.serverstats") as url:
        text = prometheus.get(url)
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

from tests.helpers.pipes import read_line

START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0


@dataclass
class Exporter:
    proc: subprocess.Popen[str]
    urls: list[str]
    log: list[str]

    @property
    def url(self) -> str:
        return self.urls[0]

    @property
    def port(self) -> int:
        match = re.search(r":(\d+)/", self.url)
        assert match, self.url
        return int(match.group(1))

    def threads(self) -> int:
        return len(os.listdir(f"/proc/{self.proc.pid}/task"))

    def open_fds(self) -> int:
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, float]:
        """Send `signum`; return (exit code, seconds until the process was gone)."""
        started = time.monotonic()
        self.proc.send_signal(signum)
        try:
            code = self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)
            raise AssertionError(f"exporter ignored signal {signum} for {STOP_TIMEOUT} s") from None
        return code, time.monotonic() - started


def start(address: str, *flags: str, listeners: int = 1) -> Exporter:
    """Start the exporter on 127.0.0.1 (a free port); wait until each listener is logged."""
    command = [sys.executable, "-m", "pychrony", "-a", address, "exporter"]
    if not any(f.startswith(("--listen", "--web.listen-address")) for f in flags):
        command += ["--listen", "127.0.0.1:0"]
    proc = subprocess.Popen(
        [*command, *flags], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + START_TIMEOUT
    urls: list[str] = []
    log: list[str] = []
    while len(urls) < listeners and time.monotonic() < deadline:
        line = read_line(proc.stderr.fileno(), deadline)
        if not line:
            break
        log.append(line)
        match = re.search(r"url=(https?://\S+)", line)
        if match:
            urls.append(match.group(1))
    if len(urls) < listeners:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT)
        raise AssertionError(f"exporter did not start: {''.join(log)!r}")
    return Exporter(proc, urls, log)


@contextlib.contextmanager
def running(address: str, *flags: str, listeners: int = 1) -> Iterator[Exporter]:
    exporter = start(address, *flags, listeners=listeners)
    try:
        yield exporter
    finally:
        if exporter.proc.poll() is None:
            exporter.proc.kill()
            exporter.proc.wait(timeout=STOP_TIMEOUT)
        if exporter.proc.stderr is not None:
            exporter.proc.stderr.close()


@contextlib.contextmanager
def serving(address: str, *flags: str) -> Iterator[str]:
    """``pychrony -a ADDRESS exporter --listen 127.0.0.1:0 FLAGS``; yields its first URL.

    On exit the exporter gets SIGTERM and must stop cleanly (exit status 0).
    """
    with running(address, *flags) as exporter:
        yield exporter.url
        code, _ = exporter.stop()
    assert code == 0, "SIGTERM should stop the exporter cleanly"


def get(port: int, path: str = "/metrics", timeout: float = 5.0) -> tuple[int, str]:
    """GET over a fresh connection to 127.0.0.1:port; (status, body)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        reply = conn.getresponse()
        return reply.status, reply.read().decode()
    finally:
        conn.close()
