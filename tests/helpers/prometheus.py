"""A real ``pychrony exporter`` and a real Prometheus server, both on loopback.

The exporter itself is started by :mod:`tests.helpers.exporter_process`
(``serving()`` yields its ``/metrics`` URL once it listens). ``Prometheus`` runs Debian's
``prometheus`` binary (installed by scripts/provision) with a generated
scrape configuration in a temporary directory and queries it over its HTTP
API (``/api/v1/query``); ``prometheus()`` is the one-target shorthand that
yields its base URL, for ``query()`` and ``wait_for()``; ``get()`` fetches a
scrape and ``samples()`` reads one back. Every wait is
bounded in time; both processes are stopped on exit::

    with serving(sandbox.socket_path, "--collector.serverstats") as url:
        with Prometheus([url], scrape_interval="1s") as prom:
            prom.wait_for("chrony_up", timeout=30.0)
            series = prom.query("chrony_tracking_stratum")
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import missing

__all__ = [
    "Prometheus",
    "PrometheusError",
    "free_port",
    "get",
    "prometheus",
    "query",
    "samples",
    "tool",
    "wait_for",
]

STOP_TIMEOUT = 10.0


class PrometheusError(AssertionError):
    """Prometheus refused a query (a PromQL error) or never became ready."""


def tool(name: str) -> str:
    """The path of a Prometheus tool (``prometheus``, ``promtool``), or fail/skip as CI says."""
    found = shutil.which(name) or next(
        (p for p in (f"/usr/bin/{name}", f"/usr/local/bin/{name}") if os.access(p, os.X_OK)), None
    )
    if found is None:
        missing(f"{name} not found (Debian: apt-get install prometheus)")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def get(url: str, timeout: float = 5.0) -> str:
    """The body of a GET, decoded; raises on an HTTP error or after ``timeout`` seconds."""
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        body: bytes = reply.read()
    return body.decode()


def _stop(proc: subprocess.Popen[Any]) -> int:
    proc.terminate()
    try:
        return proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(timeout=STOP_TIMEOUT)


def api(base: str, path: str, **params: str) -> Any:
    """The ``data`` of one call of the HTTP API at ``base`` (``query``, ``rules``, ...).

    Raises:
        PrometheusError: Prometheus answered with an error (bad PromQL).
        OSError: Prometheus does not answer (yet).
    """
    url = f"{base}/api/v1/{path}?" + urllib.parse.urlencode(params)
    try:
        reply = json.loads(get(url, timeout=5.0))
    except urllib.error.HTTPError as exc:  # 400/422: the query itself is wrong
        reply = json.loads(exc.read().decode())
    if reply.get("status") != "success":
        raise PrometheusError(f"{path} {params}: {reply.get('error', reply)}")
    return reply["data"]


def query(base: str, expr: str) -> list[dict[str, Any]]:
    """An instant query's result (a vector's series, or a scalar as one item)."""
    data = api(base, "query", query=expr)
    if data["resultType"] in ("scalar", "string"):
        return [{"metric": {}, "value": data["result"]}]
    result: list[dict[str, Any]] = data["result"]
    return result


def wait_for(base: str, expr: str, *, within: float) -> list[dict[str, Any]]:
    """Query ``expr`` until it has a result, for at most ``within`` seconds; the last result."""
    deadline = time.monotonic() + within
    while True:
        try:
            result = query(base, expr)
        except OSError:  # not listening yet
            result = []
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(0.25)


class Prometheus:
    """A Prometheus server on loopback scraping ``targets`` (job ``chrony``).

    Args:
        targets: ``/metrics`` URLs or ``HOST:PORT`` addresses to scrape.
        scrape_interval: Prometheus duration between scrapes (also the
            rule evaluation interval); keep it short in tests.
        rule_files: rule files to load (alerting or recording rules).
        job: the scrape job's name (the ``job`` label).
        scrape_configs: whole scrape jobs (as parsed from YAML) instead of the
            one static job of ``targets`` (``/probe`` jobs, with file_sd and
            relabelling); their scrape intervals are left as given.
    """

    def __init__(
        self,
        targets: Sequence[str],
        *,
        scrape_interval: str = "1s",
        rule_files: Sequence[Path] = (),
        job: str = "chrony",
        scrape_configs: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self.scrape_configs = [dict(c) for c in scrape_configs]
        self.targets = [urllib.parse.urlsplit(t).netloc or t for t in targets]
        self.scrape_interval = scrape_interval
        self.rule_files = [Path(f).resolve() for f in rule_files]
        self.job = job
        self.url = ""
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    def _config(self) -> str:
        # Each scrape must end before the next one starts.
        lines = [
            "global:",
            f"  scrape_interval: {self.scrape_interval}",
            f"  scrape_timeout: {self.scrape_interval}",
            f"  evaluation_interval: {self.scrape_interval}",
        ]
        if self.rule_files:
            lines.append("rule_files:")
            lines += [f"  - {json.dumps(str(f))}" for f in self.rule_files]
        if self.scrape_configs:
            # YAML is a superset of JSON.
            lines.append(f"scrape_configs: {json.dumps(self.scrape_configs)}")
            return "\n".join(lines) + "\n"
        lines += [
            "scrape_configs:",
            f"  - job_name: {self.job}",
            "    static_configs:",
            f"      - targets: {json.dumps(self.targets)}",
        ]
        return "\n".join(lines) + "\n"

    def __enter__(self) -> Prometheus:
        binary = tool("prometheus")
        self._tmp = tempfile.TemporaryDirectory(prefix="pychrony-prom-")
        tmp = Path(self._tmp.name)
        config = tmp / "prometheus.yml"
        config.write_text(self._config())
        web = f"127.0.0.1:{free_port()}"
        flags = [
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp / 'data'}",
            f"--web.listen-address={web}",
        ]
        with (tmp / "prometheus.log").open("wb") as log:
            self._proc = subprocess.Popen([binary, *flags], stdout=log, stderr=subprocess.STDOUT)
        self.url = f"http://{web}"
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._proc is not None:
            _stop(self._proc)
        if self._tmp is not None:
            self._tmp.cleanup()

    def log(self) -> str:
        """What Prometheus wrote so far (for failure messages)."""
        assert self._tmp is not None
        return (Path(self._tmp.name) / "prometheus.log").read_text(errors="replace")

    def api(self, path: str, **params: str) -> Any:
        """The ``data`` of one HTTP API call (see :func:`api`)."""
        return api(self.url, path, **params)

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The result of an instant query (see :func:`query`)."""
        return query(self.url, expr)

    def wait_for(self, expr: str, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Query ``expr`` until it returns data; fail after ``timeout`` seconds."""
        result = wait_for(self.url, expr, within=timeout)
        if not result:
            raise PrometheusError(f"{expr!r} returned no data in {timeout:.0f} s\n{self.log()}")
        return result


@contextmanager
def prometheus(metrics_url: str, rule_files: Sequence[Path] = ()) -> Iterator[str]:
    """A Prometheus scraping ``metrics_url`` and evaluating ``rule_files`` every 0.5 s.

    Yields the base URL of its HTTP API.
    """
    with Prometheus([metrics_url], scrape_interval="500ms", rule_files=rule_files) as server:
        yield server.url


def samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Each sample name of a scrape with its (labels, value) pairs, in scrape order."""
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append((sample.labels, sample.value))
    return out
