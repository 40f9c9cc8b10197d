"""--collector.dns-lookups: names come from a background cache, never on a scrape's time."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from pychrony.cli.exporter.names import ReverseNames
from pychrony.sandbox import Sandbox
from tests.helpers.exporter_process import get, running


def _names(body: str, family_name: str) -> dict[str, str]:
    out = {}
    for family in text_string_to_metric_families(body):
        if family.name == family_name:
            for sample in family.samples:
                out[sample.labels["source_address"]] = sample.labels["source_name"]
    return out


def test_sources_get_their_reverse_names_after_a_first_scrape(sandbox: Sandbox) -> None:
    expected = {}
    for address in ("127.0.0.1", "127.0.0.2"):
        try:
            expected[address] = socket.gethostbyaddr(address)[0]
        except OSError:
            expected[address] = address
    assert expected["127.0.0.1"] != "127.0.0.1", "this host has no name for 127.0.0.1"
    with running(sandbox.socket_path) as exporter:
        deadline = time.monotonic() + 10.0
        names: dict[str, str] = {}
        while time.monotonic() < deadline:
            _, body = get(exporter.port)
            names = _names(body, "chrony_sources_stratum")
            if names.get("127.0.0.1") != "127.0.0.1":
                break
            time.sleep(0.1)
    assert names["127.0.0.1"] == expected["127.0.0.1"]
    assert names["127.0.0.2"] == expected["127.0.0.2"]


def test_without_dns_lookups_the_name_is_the_address(sandbox: Sandbox) -> None:
    with running(sandbox.socket_path, "--no-collector.dns-lookups") as exporter:
        for _ in range(3):
            _, body = get(exporter.port)
            names = _names(body, "chrony_sources_stratum")
            assert names
            assert all(name == address for address, name in names.items())
            time.sleep(0.2)


def test_a_hung_resolver_never_delays_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def slow(address: str) -> tuple[str, list[str], list[str]]:
        release.wait(10.0)
        return ("ntp.example.", ["alias.example."], [address])

    monkeypatch.setattr(socket, "gethostbyaddr", slow)
    names = ReverseNames(threads=1)
    started = time.monotonic()
    assert names.name("192.0.2.1") == "192.0.2.1"
    assert names.name("192.0.2.1") == "192.0.2.1"  # queued once, still the address
    assert time.monotonic() - started < 0.05
    release.set()
    deadline = time.monotonic() + 5.0
    while names.name("192.0.2.1") == "192.0.2.1" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert names.name("192.0.2.1") == "alias.example,ntp.example"
    assert names.name("GPS") == "GPS"  # a reference clock has nothing to look up
