"""``/probe?target=ADDRESS``: the allowlist, a dead target within the scrape's time, the
same families as ``/metrics``, promtool, and the web config guarding it; against the
exporter process and a real sandboxed chronyd."""

from __future__ import annotations

import base64
import http.client
import socket
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest
from prometheus_client.parser import text_string_to_metric_families

from pychrony.cli.exporter.probe import parse_allow, parse_target, probe_budget
from pychrony.sandbox import Sandbox
from tests.helpers import prometheus as prom
from tests.helpers.exporter_process import Exporter, get, running

# --- the rules, without a process --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address", "host", "is_socket"),
    [
        ("127.0.0.1", "127.0.0.1", "127.0.0.1", False),
        ("127.0.0.1:323", "127.0.0.1:323", "127.0.0.1", False),
        ("[::1]:323", "[::1]:323", "::1", False),
        ("::1", "::1", "::1", False),
        ("ntp1.example.net:323", "ntp1.example.net:323", "ntp1.example.net", False),
        ("/run/chrony/chronyd.sock", "/run/chrony/chronyd.sock", "/run/chrony/chronyd.sock", True),
        ("unix:///run/c.sock", "/run/c.sock", "/run/c.sock", True),
    ],
)
def test_targets_are_taken_apart(text: str, address: str, host: str, is_socket: bool) -> None:
    target = parse_target(text)
    assert (target.address, target.host, target.is_socket) == (address, host, is_socket)


@pytest.mark.parametrize(
    "text", ["", "127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:12x", "unix://rel", "/a/../b", "a b"]
)
def test_malformed_targets_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_target(text)


def test_the_allowlist_matches_networks_names_and_sockets_only() -> None:
    allow = parse_allow(["10.0.0.0/8,192.0.2.7", "NTP1.example.net.", "unix:///run/c.sock"])
    allowed = ["10.1.2.3:323", "192.0.2.7", "ntp1.EXAMPLE.net:323", "/run/c.sock"]
    refused = ["11.0.0.1", "192.0.2.8", "ntp2.example.net", "/run/d.sock", "::ffff:10.0.0.1"]
    assert [allow.allows(parse_target(t)) for t in allowed] == [True] * len(allowed)
    assert [allow.allows(parse_target(t)) for t in refused] == [False] * len(refused)
    assert not parse_allow([])
    assert parse_allow(["::1"]).allows(parse_target("[::1]:323"))
    with pytest.raises(ValueError, match="not an IP address"):
        parse_allow(["bad name!"])


def test_the_budget_fits_prometheus_timeout_less_a_margin() -> None:
    assert probe_budget(5.0, None) == 5.0
    assert probe_budget(5.0, "10") == 5.0
    assert probe_budget(5.0, "3") == 2.5
    assert probe_budget(5.0, "1") == 0.75
    assert probe_budget(5.0, "junk") == 5.0
    assert probe_budget(5.0, "-1") == 5.0


# --- the exporter process ----------------------------------------------------------


def _families(body: str) -> dict[str, set[str]]:
    """Family name -> the label names its samples carry."""
    found: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(body):
        labels = found.setdefault(family.name, set())
        for sample in family.samples:
            labels.update(sample.labels)
    return found


def _value(body: str, name: str) -> float:
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == name:
                return float(sample.value)
    raise AssertionError(f"{name} not in the answer:\n{body}")


def _probe(exporter: Exporter, target: str, **params: str) -> tuple[int, str]:
    query = urllib.parse.urlencode({"target": target, **params})
    return get(exporter.port, f"/probe?{query}", timeout=15.0)


@pytest.fixture(scope="module")
def exporter(sandbox: Sandbox) -> Iterator[Exporter]:
    allow = f"127.0.0.1/32,unix://{sandbox.socket_path}"
    with running(sandbox.udp_address, "--probe.allow", allow, "--scrape-timeout", "3") as proc:
        yield proc


def test_a_probe_reads_the_target_with_the_families_of_metrics(
    exporter: Exporter, sandbox: Sandbox
) -> None:
    status, probed = _probe(exporter, sandbox.udp_address)
    assert status == 200, probed
    assert _value(probed, "chrony_up") == 1.0
    status, local = get(exporter.port, "/metrics")
    assert status == 200
    # The same chronyd through both paths: the same families with the same labels.
    assert _families(probed) == _families(local)
    assert _value(probed, "chrony_tracking_stratum") == _value(local, "chrony_tracking_stratum")


def test_the_collector_parameter_chooses_the_reports(exporter: Exporter, sandbox: Sandbox) -> None:
    status, body = _probe(exporter, sandbox.udp_address, collector="tracking")
    assert status == 200, body
    names = set(_families(body))
    assert "chrony_tracking_stratum" in names
    assert not any(n.startswith(("chrony_sources_", "chrony_activity_")) for n in names)
    status, body = _probe(exporter, sandbox.udp_address, collector="nosuch")
    assert (status, body) == (400, "unknown collector nosuch\n")


def test_an_allowed_socket_path_is_read(exporter: Exporter, sandbox: Sandbox) -> None:
    status, body = _probe(exporter, f"unix://{sandbox.socket_path}")
    assert status == 200, body
    assert _value(body, "chrony_up") == 1.0


def test_promtool_accepts_a_probe(exporter: Exporter, sandbox: Sandbox) -> None:
    status, body = _probe(exporter, sandbox.udp_address)
    assert status == 200
    proc = subprocess.run(
        [prom.tool("promtool"), "check", "metrics"],
        input=body,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("spelling", ["127.0.0.2:{port}", "localhost:{port}", "[::1]:{port}"])
def test_a_target_outside_the_allowlist_gets_403_and_is_never_contacted(
    exporter: Exporter, spelling: str
) -> None:
    host = {"1": "127.0.0.2", "l": "127.0.0.1", "[": "::1"}[spelling[0]]
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as listener:
        listener.bind((host, 0))
        listener.settimeout(1.0)
        target = spelling.format(port=listener.getsockname()[1])
        status, body = _probe(exporter, target)
        assert status == 403, body
        assert "not allowed by --probe.allow" in body
        with pytest.raises(TimeoutError):
            listener.recvfrom(4096)  # nothing was sent to it, not even late


def test_a_socket_path_outside_the_allowlist_gets_403(exporter: Exporter, tmp_path: Path) -> None:
    status, body = _probe(exporter, str(tmp_path / "chronyd.sock"))
    assert status == 403, body


@pytest.mark.parametrize(
    ("path", "status"),
    [("/probe", 400), ("/probe?target=", 400), ("/probe?target=127.0.0.1:0", 400)],
)
def test_a_probe_without_a_usable_target_is_a_bad_request(
    exporter: Exporter, path: str, status: int
) -> None:
    assert get(exporter.port, path)[0] == status


def test_a_dead_target_answers_up_0_within_prometheus_timeout(exporter: Exporter) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))  # bound, never answering: requests vanish
        silent.settimeout(1.0)
        target = f"127.0.0.1:{silent.getsockname()[1]}"
        conn = http.client.HTTPConnection("127.0.0.1", exporter.port, timeout=15.0)
        try:
            started = time.monotonic()
            conn.request(
                "GET",
                f"/probe?target={target}",
                headers={"X-Prometheus-Scrape-Timeout-Seconds": "1.5"},
            )
            reply = conn.getresponse()
            body = reply.read().decode()
            took = time.monotonic() - started
        finally:
            conn.close()
        assert reply.status == 200, body
        assert _value(body, "chrony_up") == 0.0
        # Prometheus gave 1.5 s: the answer is in before it gives up (a
        # "within budget" bound, not a timing measurement).
        assert took < 1.5, f"the dead target took {took:.2f} s"
        assert silent.recvfrom(4096)  # it was asked


def test_without_an_allowlist_every_probe_gets_403(sandbox: Sandbox) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.settimeout(1.0)
        with running(sandbox.udp_address) as plain:
            status, body = _probe(plain, f"127.0.0.1:{listener.getsockname()[1]}")
            assert status == 403, body
            assert _value(get(plain.port, "/metrics")[1], "chrony_up") == 1.0
        with pytest.raises(TimeoutError):
            listener.recvfrom(4096)


def test_the_web_config_guards_probe_too(sandbox: Sandbox, tmp_path: Path) -> None:
    password = "probe secret"
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()
    config = tmp_path / "web.yml"
    config.write_text(f"basic_auth_users:\n  prometheus: {hashed!r}\n")
    with running(
        sandbox.udp_address, "--probe.allow", "127.0.0.1", "--web.config.file", str(config)
    ) as guarded:
        path = f"/probe?target={sandbox.udp_address}"
        assert get(guarded.port, path)[0] == 401
        token = base64.b64encode(f"prometheus:{password}".encode()).decode()
        conn = http.client.HTTPConnection("127.0.0.1", guarded.port, timeout=15.0)
        try:
            conn.request("GET", path, headers={"Authorization": f"Basic {token}"})
            reply = conn.getresponse()
            body = reply.read().decode()
        finally:
            conn.close()
        assert reply.status == 200, body
        assert _value(body, "chrony_up") == 1.0
