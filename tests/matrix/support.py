"""What each release serves over each transport: the matrix's expectations.

The matrix tests assert exactly this table (values equal to chronyc's where
served, a refusal where not), and docs/support-matrix.rst is rendered from it
by scripts/support-matrix, so the page says what the suite checked.
"""

from __future__ import annotations

from pychrony.models.catalog import REPORTS
from pychrony.sandbox import OPENCOMMANDS_SINCE
from tests.conftest import TRANSPORTS
from tests.matrix.versions import RELEASES, Release

SERVED = "served"
REFUSED = "refused"


def expected(release: Release | tuple[int, ...], report: str, transport: str) -> str:
    """SERVED or REFUSED: what chronyd of ``release`` answers for ``report``.

    Over UDP, chronyd before 4.7 refuses the reports the catalogue marks as
    Unix-socket only; from 4.7 the sandbox's ``opencommands`` opens them all.
    """
    version = release.key if isinstance(release, Release) else release
    spec = next(s for s in REPORTS if s.name == report)
    if transport == "udp" and not spec.over_udp and version < OPENCOMMANDS_SINCE:
        return REFUSED
    return SERVED


def table() -> dict[str, dict[str, dict[str, str]]]:
    """{version: {report: {transport: SERVED|REFUSED}}} for every pinned release."""
    return {
        r.version: {s.name: {t: expected(r, s.name, t) for t in TRANSPORTS} for s in REPORTS}
        for r in RELEASES
    }
