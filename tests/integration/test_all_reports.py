"""All ten typed getters against the sandbox, over both transports."""

from __future__ import annotations

import dataclasses
from contextlib import closing
from typing import Any

import pytest

from pychrony import ChronyConnection, ChronyPermissionError
from pychrony._core.session import Session
from pychrony.models.catalog import REPORTS, ReportSpec
from pychrony.sandbox import Sandbox


def libchrony_names(model: type) -> set[str]:
    return {name for f in dataclasses.fields(model) for name in f.metadata["chrony"].names}


@pytest.mark.parametrize("spec", REPORTS, ids=lambda s: s.name)
def test_every_getter_over_the_unix_socket(sandbox: Sandbox, spec: ReportSpec[Any]) -> None:
    with ChronyConnection(sandbox.socket_path) as conn:
        result = getattr(conn, spec.method)()
    if spec.name == "rtcdata":
        assert result is None  # the sandbox has no rtcfile: chronyd answers DISABLED
    elif spec.many:
        assert isinstance(result, list)
        assert len(result) == 4  # 3 reachable sources and 1 unreachable
        assert all(isinstance(r, spec.model) for r in result)
    else:
        assert isinstance(result, spec.model)


@pytest.mark.parametrize("spec", REPORTS, ids=lambda s: s.name)
def test_udp_serves_monitoring_reports_and_refuses_the_others(
    sandbox: Sandbox, spec: ReportSpec[Any]
) -> None:
    with ChronyConnection(sandbox.udp_address) as conn:
        if spec.over_udp:
            result = getattr(conn, spec.method)()
            assert result is None or isinstance(result, (list, spec.model))
            return
        with pytest.raises(ChronyPermissionError) as info:
            getattr(conn, spec.method)()
        assert info.value.error_code == 9
        assert spec.name in info.value.message  # names the report
        assert "Unix socket" in info.value.message  # and says what to use
        # The refusal leaves the connection usable.
        assert conn.get_tracking().is_synchronized()


# rtcdata is DISABLED without an rtcfile (a sandbox cannot own an RTC); its
# model is checked against libchrony's field names by the unit tests.
ANSWERED = [spec for spec in REPORTS if spec.name != "rtcdata"]


@pytest.mark.parametrize("spec", ANSWERED, ids=lambda s: s.name)
def test_models_carry_every_field_libchrony_returns(
    sandbox: Sandbox, spec: ReportSpec[Any]
) -> None:
    with closing(Session(sandbox.socket_path)) as session:
        records = session.records(spec.name)
    assert records
    returned = {f.name for f in records[0]}
    # libchrony's "reserved #N" placeholders carry no information.
    meaningful = {name for name in returned if not name.startswith("reserved #")}
    assert meaningful <= libchrony_names(spec.model), meaningful - libchrony_names(spec.model)


def test_smoothing_is_none_when_chronyd_does_not_smooth(sandbox: Sandbox) -> None:
    # The server chronyd of the sandbox has no smoothtime.
    with ChronyConnection(sandbox.server_socket_path) as conn:
        assert conn.get_smoothing() is None
        assert conn.get_rtc_data() is None
