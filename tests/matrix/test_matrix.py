"""Every chronyd release, over the Unix socket and UDP: pychrony equals chronyc.

For each release of tests/matrix/versions.py, in a deployment-profile sandbox
(keys, NTS, noselect, a placeholder, an RTC, maxstratum and opencommands where
the release has them), and over each transport:

* every typed getter equals that release's own ``chronyc -c``, value for value,
  or is refused (ChronyPermissionError) where tests/matrix/support.py says the
  release refuses it;
* the generic layer's get_all_reports() serves exactly the expected reports,
  and the models neither drop a field chronyd sends nor require one it lacks;
* the command's status, dump and ``--format json`` work, and the exporter
  answers a scrape.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from typing import Any

import pytest

from pychrony import AuthMode, ChronyConnection, ChronyPermissionError, SelectOptions
from pychrony.libchrony import Record, connect
from pychrony.models._declare import plan
from pychrony.models.catalog import REPORTS, spec_for
from pychrony.sandbox import Sandbox
from tests.conftest import address_of
from tests.helpers import prometheus as prom
from tests.helpers.exporter_process import serving
from tests.helpers.fidelity import auth_pairs, columns_for, compare, known_ntp_data
from tests.matrix.conftest import chronyc_options
from tests.matrix.support import REFUSED, SERVED, expected
from tests.matrix.versions import Release

REPORT_NAMES = [spec.name for spec in REPORTS]
# chronyc hides placeholder sources from these reports unless asked with -a.
SHOW_ALL = {"sources", "sourcestats", "selectdata", "authdata"}
RESERVED = re.compile(r"reserved #\d+")


def served(release: Release, transport: str) -> set[str]:
    return {n for n in REPORT_NAMES if expected(release, n, transport) == SERVED}


@pytest.mark.parametrize("report", REPORT_NAMES)
def test_typed_getter_equals_chronyc(
    deployment: Sandbox, release: Release, transport: str, report: str
) -> None:
    spec = spec_for(report)
    address = address_of(deployment, transport)
    if expected(release, report, transport) == REFUSED:
        with ChronyConnection(address) as conn, pytest.raises(ChronyPermissionError):
            getattr(conn, spec.method)()
        return
    host, options = chronyc_options(deployment, transport)
    compare(
        deployment,
        address,
        {"authdata": auth_pairs, "ntpdata": known_ntp_data}.get(report, spec.method),
        report,
        columns_for(report, release.key),
        host=host,
        chronyc_args=("-a",) if report in SHOW_ALL else (),
        chronyc_options=options,
    )


def _records(value: Any) -> list[Record]:
    return [value] if isinstance(value, Record) else list(value)


def test_generic_layer_and_models_cover_every_field(
    deployment: Sandbox, release: Release, transport: str
) -> None:
    with connect(address_of(deployment, transport)) as chrony:
        reports = chrony.get_all_reports()
    assert set(reports) == served(release, transport)
    problems = []
    for name, value in reports.items():
        steps = plan(spec_for(name).model)
        declared = {n for _, source in steps for n in source.names}
        for record in _records(value):
            sent = {f.name for f in record if not RESERVED.fullmatch(f.name)}
            if not sent:
                continue  # a source with no data of this kind (a placeholder)
            dropped = sent - declared
            if dropped:
                problems.append(f"{name}: the model drops {sorted(dropped)}")
            for attr, source in steps:
                if not source.optional and not sent & set(source.names):
                    problems.append(f"{name}.{attr}: required, but chronyd sent no {source.names}")
    assert not problems, "\n".join(sorted(set(problems)))


def test_deployment_sources_are_what_they_claim(deployment: Sandbox, release: Release) -> None:
    with ChronyConnection(deployment.socket_path) as conn:
        auth = dict(auth_pairs(conn))
        select_data = {s.address: s for s in conn.get_select_data()}
        activity = conn.get_activity()
        rtc = conn.get_rtc_data()
    assert auth[deployment.key_address].mode is AuthMode.SYMMETRIC_KEY
    assert auth[deployment.key_address].is_authenticated()
    assert auth[deployment.nts_address].mode is AuthMode.NTS
    assert auth[deployment.nts_address].cookies > 0
    assert select_data["127.0.0.1"].configured_options & SelectOptions.PREFER
    assert select_data["127.0.0.2"].configured_options & SelectOptions.TRUST
    assert select_data[deployment.noselect_address].configured_options & SelectOptions.NOSELECT
    assert activity.unresolved_sources == 1
    # The emulated RTC answers; its samples are counted, with a bounded wait
    # for chronyd to take them, by test_rtcdata_has_live_coefficients.
    assert rtc is not None


def test_every_selection_state_has_a_name(deployment: Sandbox) -> None:
    with ChronyConnection(deployment.socket_path) as conn:
        states = {s.address: s.state for s in conn.get_select_data()}
    if deployment.high_stratum_address:
        assert states[deployment.high_stratum_address].code == "r"
    unnamed = {a: s.code for a, s in states.items() if not s.is_known}
    assert not unnamed, f"states with no enum member: {unnamed}"


def _pychrony(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pychrony", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_status_dump_and_json(
    deployment: Sandbox, release: Release, transport: str
) -> None:
    address = address_of(deployment, transport)
    status = _pychrony("-a", address, "status")
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith("synchronised to 127.0.0.")
    dump = _pychrony("-a", address, "dump")
    assert dump.returncode == 0, dump.stderr
    for name in served(release, transport):
        assert name in dump.stdout
    tracking = _pychrony("-a", address, "--format", "json", "tracking")
    assert tracking.returncode == 0, tracking.stderr
    with ChronyConnection(address) as conn:
        stratum = conn.get_tracking().stratum
    parsed = json.loads(tracking.stdout)
    record = parsed[0] if isinstance(parsed, list) else parsed
    assert record["stratum"] == stratum


def test_an_exporter_scrape(deployment: Sandbox, release: Release, transport: str) -> None:
    address = address_of(deployment, transport)
    with serving(address) as url:
        text = prom.get(url, timeout=10)
    with ChronyConnection(address) as conn:
        stratum = conn.get_tracking().stratum
    assert re.search(r"^chrony_up 1(\.0)?$", text, re.M), text[:500]
    assert re.search(rf"^chrony_tracking_stratum {stratum}(\.0)?$", text, re.M)


RTC_SAMPLE_WAIT = 45.0  # s: chronyd samples the RTC 15 s apart; two make a fit


def test_rtcdata_has_live_coefficients(deployment: Sandbox, release: Release) -> None:
    """After two RTC samples chronyd fits the clock: rtcdata values are live.

    Last in this file, so the sandboxes (started together) have been running
    for most of the wait by the time it asks.
    """
    deadline = time.monotonic() + RTC_SAMPLE_WAIT
    with ChronyConnection(deployment.socket_path) as conn:
        rtc = conn.get_rtc_data()
        while rtc is not None and rtc.samples < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
            rtc = conn.get_rtc_data()
    assert rtc is not None
    assert rtc.samples >= 2, "chronyd took no second RTC sample"
    assert rtc.ref_time > 0
    assert rtc.span >= 15  # seconds between the first and the last sample
    assert rtc.is_calibrated()
    compare(
        deployment,
        deployment.socket_path,
        "get_rtc_data",
        "rtcdata",
        columns_for("rtcdata", release.key),
    )
