"""``--collector.sources.with-ntpdata``: chrony_exporter's ``chrony_sources_peer_*``
families, from a real chronyd's ntpdata, beside ntpdata's own families."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from pychrony import ChronyConnection, SourceMode
from pychrony.sandbox import Sandbox
from tests.helpers.exporter_process import get, running

PEER = {
    "chrony_sources_peer_offset_seconds": "chrony_ntpdata_offset_seconds",
    "chrony_sources_peer_delay_seconds": "chrony_ntpdata_peer_delay_seconds",
    "chrony_sources_peer_dispersion_seconds": "chrony_ntpdata_peer_dispersion_seconds",
    "chrony_sources_peer_response_time_seconds": "chrony_ntpdata_response_time_seconds",
    "chrony_sources_peer_jitter_asymmetry_seconds": "chrony_ntpdata_jitter_asymmetry",
}


def _by_family(body: str) -> dict[str, dict[tuple[str, str], float]]:
    found: dict[str, dict[tuple[str, str], float]] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            key = (sample.labels.get("source_address", ""), sample.labels.get("source_name", ""))
            found.setdefault(family.name, {})[key] = float(sample.value)
    return found


def test_with_ntpdata_exports_the_peer_families_of_each_ntp_source(sandbox: Sandbox) -> None:
    flags = ("--collector.sources.with-ntpdata", "--no-collector.dns-lookups")
    with running(sandbox.socket_path, *flags) as exporter:
        status, body = get(exporter.port)
    assert status == 200, body
    found = _by_family(body)
    with ChronyConnection(sandbox.socket_path) as conn:
        ntp_sources = {s.address for s in conn.get_sources() if s.mode is not SourceMode.REFCLOCK}
    assert ntp_sources
    for peer, ntpdata in PEER.items():
        assert peer in found, f"{peer} missing"
        assert {address for address, _ in found[peer]} <= ntp_sources
        # The same exchange through both names: the same values.
        assert found[peer] == {k: v for k, v in found[ntpdata].items() if k in found[peer]}
    reached = found["chrony_sources_peer_delay_seconds"]
    # Every reachable source has had a real exchange (the unreachable one: zeros).
    assert sum(value > 0 for value in reached.values()) == sandbox.sources, reached


def test_ntpdata_alone_leaves_the_peer_families_out(sandbox: Sandbox) -> None:
    with running(sandbox.socket_path, "--collector.ntpdata") as exporter:
        status, body = get(exporter.port)
    assert status == 200, body
    names = set(_by_family(body))
    assert "chrony_ntpdata_offset_seconds" in names
    assert not any(name.startswith("chrony_sources_peer_") for name in names)
