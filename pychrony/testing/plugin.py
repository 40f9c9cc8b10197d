"""pytest plugin of pychrony's test kit: a real, sandboxed chronyd as fixtures.

pytest loads it by itself once pychrony is installed (entry point
``pytest11``, name ``pychrony``; ``-p no:pychrony`` turns it off). Fixtures:

``chrony_sandbox`` (session)
    a :class:`pychrony.sandbox.Sandbox`: a client chronyd synchronised to a
    server chronyd on loopback, in a private directory, never touching the
    system clock. Needs ``chronyd`` and ``chronyc`` installed (``PATH``,
    ``/usr/sbin``, or ``$PYCHRONY_CHRONYD`` / ``$PYCHRONY_CHRONYC``).
``chrony_sandbox_options`` (session)
    keyword arguments for that sandbox; override it in your ``conftest.py``
    (``{"sources": 3, "unreachable_sources": 1, "smoothing": True}`` by
    default).
``chrony_address``
    the sandbox's Unix command socket, which serves every report.
``chrony_connection``
    an open :class:`pychrony.ChronyConnection` to the sandbox.
``tracking_status``, ``source``, ``source_stats``, ``rtc_data``
    pychrony 2.x's fixtures, kept: :func:`~pychrony.testing.make_tracking`,
    :func:`~pychrony.testing.make_source`,
    :func:`~pychrony.testing.make_source_stats` and
    :func:`~pychrony.testing.make_rtc_data` with their defaults (no chronyd).

Where chronyd or libchrony is missing, these fixtures skip the test, saying
what to install. To make that a failure instead (in CI, say), pass
``--pychrony-require-sandbox`` or set ``pychrony_require_sandbox = true`` in
the pytest configuration.

Example ``test_monitoring.py``::

    from pychrony.testing import make_tracking

    def test_my_check_accepts_a_synchronised_clock():
        assert my_check(make_tracking()) == "OK"

    def test_my_check_against_a_real_chronyd(chrony_connection):
        assert my_check(chrony_connection.get_tracking()) == "OK"
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NoReturn

import pytest

from ..connection import ChronyConnection
from ..exceptions import ChronyLibraryError
from ..models import RTCData, Source, SourceStats, TrackingStatus
from ..sandbox import Sandbox, SandboxError
from .factories import make_rtc_data, make_source, make_source_stats, make_tracking

__all__ = [
    "chrony_address",
    "chrony_connection",
    "chrony_sandbox",
    "chrony_sandbox_options",
    "pytest_addoption",
    "rtc_data",
    "source",
    "source_stats",
    "tracking_status",
]

_REQUIRE = "pychrony_require_sandbox"
_INSTALL_HINT = (
    "install chrony (Debian/Ubuntu: apt-get install chrony; Fedora/RHEL: dnf install chrony) "
    "and libchrony"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register ``--pychrony-require-sandbox`` and its ini twin."""
    help_text = "fail, instead of skip, tests whose chronyd sandbox cannot start"
    parser.addoption(
        "--pychrony-require-sandbox", action="store_true", dest=_REQUIRE, help=help_text
    )
    parser.addini(_REQUIRE, help=help_text, type="bool", default=False)


def _unavailable(config: pytest.Config, reason: str) -> NoReturn:
    message = f"pychrony test kit: {reason}; {_INSTALL_HINT}"
    if config.getoption(_REQUIRE) or config.getini(_REQUIRE):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chrony_sandbox_options() -> dict[str, Any]:
    """Keyword arguments of :class:`~pychrony.sandbox.Sandbox` for ``chrony_sandbox``."""
    return {"sources": 3, "unreachable_sources": 1, "smoothing": True}


@pytest.fixture(scope="session")
def chrony_sandbox(
    request: pytest.FixtureRequest, chrony_sandbox_options: dict[str, Any]
) -> Iterator[Sandbox]:
    """A synchronised, sandboxed chronyd pair on loopback, for the whole session."""
    try:
        box = Sandbox(**chrony_sandbox_options).start()
    except (SandboxError, OSError) as exc:
        _unavailable(request.config, f"cannot start a sandboxed chronyd ({exc})")
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def chrony_address(chrony_sandbox: Sandbox) -> str:
    """The sandbox's Unix command socket (every report is served there)."""
    return chrony_sandbox.socket_path


@pytest.fixture
def chrony_connection(
    request: pytest.FixtureRequest, chrony_address: str
) -> Iterator[ChronyConnection]:
    """An open connection to the sandbox, closed after the test."""
    conn = ChronyConnection(chrony_address)
    try:
        conn.open()
    except ChronyLibraryError as exc:
        _unavailable(request.config, str(exc))
    with conn:
        yield conn


# pychrony 2.x's fixtures: models with the factories' defaults, no chronyd.
@pytest.fixture
def tracking_status() -> TrackingStatus:
    """A synchronised :class:`~pychrony.TrackingStatus`, from ``make_tracking()``."""
    return make_tracking()


@pytest.fixture
def source() -> Source:
    """A selected, reachable :class:`~pychrony.Source`, from ``make_source()``."""
    return make_source()


@pytest.fixture
def source_stats() -> SourceStats:
    """A :class:`~pychrony.SourceStats` with enough samples, from ``make_source_stats()``."""
    return make_source_stats()


@pytest.fixture
def rtc_data() -> RTCData:
    """A calibrated :class:`~pychrony.RTCData`, from ``make_rtc_data()``."""
    return make_rtc_data()
