"""chrony_exporter's command line runs `pychrony exporter` unchanged; the paths, logs,
build info and failure counter it brings."""

from __future__ import annotations

import argparse
import http.client
import json
import platform
import socket
import subprocess
import sys
import time

import pytest

import pychrony
from pychrony.cli.exporter.flags import chrony_address, go_duration
from pychrony.sandbox import Sandbox
from tests.helpers import prometheus as prom
from tests.helpers.exporter_process import START_TIMEOUT, get, running
from tests.helpers.pipes import read_line
from tests.helpers.silent import silent_port


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("5s", 5.0),
        ("500ms", 0.5),
        ("1m30s", 90.0),
        ("1.5h", 5400.0),
        ("250us", 250e-6),
        ("250\u00b5s", 250e-6),
        ("10ns", 1e-8),
        ("2h1m0.5s", 7260.5),
    ],
)
def test_go_durations(text: str, seconds: float) -> None:
    assert go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5", "5 s", "s", "-5s", "0s", "5x", "5s5", "1d", "+5s"])
def test_not_go_durations(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        go_duration(text)


def test_chrony_addresses() -> None:
    assert chrony_address("unix:///run/chrony/chronyd.sock") == "/run/chrony/chronyd.sock"
    assert chrony_address("[::1]:323") == "[::1]:323"
    assert chrony_address("127.0.0.1:323") == "127.0.0.1:323"
    with pytest.raises(argparse.ArgumentTypeError, match="absolute"):
        chrony_address("unix://relative.sock")


def test_a_chrony_exporter_command_line_runs_unchanged(sandbox: Sandbox) -> None:
    # Every flag of chrony_exporter's --help, in its own spelling (flag=value).
    flags = (
        f"--chrony.address=unix://{sandbox.socket_path}",
        "--chrony.timeout=2s",
        "--collector.tracking",
        "--no-collector.sources",
        "--collector.sourcestats",
        "--collector.serverstats",
        "--collector.sources.with-ntpdata",
        "--no-collector.chmod-socket",
        "--no-collector.dns-lookups",
        "--web.telemetry-path=/chrony",
        "--web.listen-address=127.0.0.1:0",
        "--web.listen-address=[::1]:0",
        "--no-web.systemd-socket",
        "--log.level=debug",
        "--log.format=json",
    )
    command = [sys.executable, "-m", "pychrony", "exporter", *flags]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    try:
        deadline = time.monotonic() + START_TIMEOUT
        lines = [json.loads(read_line(proc.stderr.fileno(), deadline)) for _ in range(2)]
        urls = [line["url"] for line in lines]
        assert [u.split(":")[0] for u in urls] == ["http", "http"]
        assert "[::1]" in urls[1]
        for url in urls:
            port = _port_of(url)
            host = url.split("//")[1].rsplit(":", 1)[0].strip("[]")
            conn = http.client.HTTPConnection(host, port, timeout=10)
            conn.request("GET", "/chrony")
            reply = conn.getresponse()
            assert reply.status == 200
            samples = prom.samples(reply.read().decode())
            conn.close()
            assert samples["chrony_up"] == [({}, 1.0)]
            assert "chrony_tracking_stratum" in samples
            assert "chrony_sources_stratum" not in samples
            assert "chrony_sourcestats_samples" in samples
            assert "chrony_serverstats_ntp_packets_received_total" in samples
            assert "chrony_ntpdata_received_messages_total" in samples
        # The old path is now a 404, like any other.
        status, _ = get(_port_of(urls[0]), "/metrics")
        assert status == 404
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
        rest = [json.loads(line) for line in proc.stderr.read().splitlines()]
        proc.stderr.close()
    assert rest[-1]["msg"] == "Stopped"
    assert all(line["level"] in ("DEBUG", "INFO", "WARN", "ERROR") for line in lines + rest)


def _port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def test_landing_page_404_and_build_info(sandbox: Sandbox) -> None:
    with running(sandbox.socket_path) as exporter:
        status, page = get(exporter.port, "/")
        assert status == 200
        assert 'href="/metrics"' in page
        for path in ("/metric", "/metrics/", "/favicon.ico", "/probes"):
            status, body = get(exporter.port, path)
            assert (status, body) == (404, "404 page not found\n"), path
        status, body = get(exporter.port)
        ((labels, value),) = prom.samples(body)["pychrony_exporter_build_info"]
        assert value == 1.0
        assert labels["version"] == pychrony.__version__
        assert labels["python_version"] == platform.python_version()
        assert labels["libchrony_version"]  # the loaded shared object's version


def test_failed_collectors_are_logged_and_counted(sandbox: Sandbox) -> None:
    # chronyd 4.3-4.6 refuse serverstats over the UDP command port: that
    # collector fails at every scrape while the others work.
    with running(sandbox.udp_address, "--collector.serverstats", "--log.format=logfmt") as exporter:
        for _ in range(2):
            status, body = get(exporter.port)
            assert status == 200
        samples = prom.samples(body)
        failures = {
            labels["collector"]: value
            for labels, value in samples["pychrony_exporter_collector_failures_total"]
        }
        success = {
            labels["collector"]: value
            for labels, value in samples["chrony_scrape_collector_success"]
        }
        exporter.proc.terminate()
        exporter.proc.wait(timeout=10)
        assert exporter.proc.stderr is not None
        log = exporter.proc.stderr.read()
    assert samples["chrony_up"] == [({}, 1.0)]
    if success["serverstats"] == 1.0:
        pytest.fail("this chronyd serves serverstats over UDP: the test needs one that refuses")
    assert failures == {"tracking": 0.0, "sources": 0.0, "activity": 0.0, "serverstats": 2.0}
    lines = [line for line in log.splitlines() if 'msg="collector failed"' in line]
    assert len(lines) == 2
    assert all("level=WARN" in line and "collector=serverstats" in line for line in lines)
    assert all("err=" in line for line in lines)


def test_a_silent_chronyd_counts_every_collector_as_failed() -> None:
    with silent_port() as address, running(address, "--chrony.timeout=300ms") as exporter:
        status, body = get(exporter.port)
    assert status == 200
    samples = prom.samples(body)
    assert samples["chrony_up"] == [({}, 0.0)]
    failures = {
        labels["collector"]: value
        for labels, value in samples["pychrony_exporter_collector_failures_total"]
    }
    assert failures == {"tracking": 1.0, "sources": 1.0, "activity": 1.0}


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("--chrony.timeout=5", None),  # plain seconds are ours, and fine
        ("--chrony.timeout=5x", "not a duration"),
        ("--web.telemetry-path=metrics", "must start with /"),
        ("--log.level=verbose", "invalid choice"),
        ("--log.format=xml", "invalid choice"),
        ("--web.listen-address=nowhere", "HOST"),
        ("--web.systemd-socket", "systemd"),
    ],
)
def test_bad_values_are_usage_errors(flag: str, message: str | None) -> None:
    command = [sys.executable, "-m", "pychrony", "-a", "127.0.0.1", "exporter", flag]
    if message is None:
        command += ["--listen", "127.0.0.1:0"]
        proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        line = read_line(proc.stderr.fileno(), time.monotonic() + START_TIMEOUT)
        assert "Listening on" in line, line
        proc.terminate()
        assert proc.wait(timeout=10) == 0
        proc.stderr.close()
        return
    proc2 = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert proc2.returncode in (1, 2), proc2.stderr
    assert message in proc2.stderr


def test_systemd_socket_activation(sandbox: Sandbox) -> None:
    """Serve on a socket passed as systemd does: fd 3, LISTEN_FDS=1, LISTEN_PID=ours."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    # A launcher in the exporter's own process (execv keeps the pid) puts
    # the socket at fd 3 and names itself in LISTEN_PID, as systemd does.
    launcher = (
        "import os, sys\n"
        "os.dup2(int(sys.argv[1]), 3)\n"
        "os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS='1')\n"
        "os.execv(sys.executable, [sys.executable, '-m', 'pychrony', '-a', sys.argv[2],"
        " 'exporter', '--web.systemd-socket'])\n"
    )
    fd = listener.fileno()
    proc = subprocess.Popen(
        [sys.executable, "-c", launcher, str(fd), sandbox.socket_path],
        stderr=subprocess.PIPE,
        text=True,
        pass_fds=(fd,),
    )
    listener.close()
    assert proc.stderr is not None
    try:
        line = read_line(proc.stderr.fileno(), time.monotonic() + START_TIMEOUT)
        assert f"127.0.0.1:{port}" in line, line
        status, body = get(port)
        assert status == 200
        assert "chrony_up 1.0" in body
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
        proc.stderr.close()
