"""The committed support-matrix page says exactly what the matrix asserts."""

from __future__ import annotations

from tests.matrix.render import PAGE, render
from tests.matrix.support import REFUSED, expected, table
from tests.matrix.versions import RELEASES


def test_the_committed_page_is_the_rendered_table() -> None:
    assert PAGE.read_text() == render(), "docs/support-matrix.rst is stale: scripts/support-matrix"


def test_the_page_covers_every_release_and_each_udp_refusal() -> None:
    page = PAGE.read_text()
    for release in RELEASES:
        assert f"chronyd {release.version}" in page
    refusals = sum(
        cell == REFUSED
        for reports in table().values()
        for transports in reports.values()
        for cell in transports.values()
    )
    assert page.count("refused (") == refusals
    # What issue 17 states: UDP refuses the four Unix-only reports before 4.7.
    assert expected((4, 6, 1), "ntpdata", "udp") == REFUSED
    assert expected((4, 9), "ntpdata", "udp") != REFUSED
