"""What people read says what chronyc's human output says, at the same daemon state.

``chronyc tracking`` / ``chronyc sources`` (human output, not ``-c``) and
``pychrony status`` are read back to back, bracketed by two chronyc reads: a
sample counts only when chronyc said the same before and after. A sandbox's
correction keeps one sign for long (a small, steady measurement bias), so
two more client daemons poll the same server through a source ``offset`` of
+0.5 ms and -0.5 ms; sampling goes round the three daemons (bounded in count
and time) until both directions were compared.

Against a sandbox with names the resolver cannot resolve, the command, the
check and the exporter count the sources ``chronyc sources`` shows, and
``--all`` (``--collector.sources.with-unresolved``) the ones ``chronyc
sources -a`` shows.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import pytest

from pychrony import ChronyConnection
from pychrony.cli import main
from pychrony.sandbox import Sandbox
from tests.conftest import started
from tests.helpers import prometheus as prom
from tests.helpers.exporter_process import serving

MAX_SAMPLES = 300
MAX_SECONDS = 60.0
SYSTEM_TIME = re.compile(r"^System time\s*:\s*[0-9.]+ seconds (slow|fast) of NTP time$", re.M)
STATUS_TIME = re.compile(r"^  system time\s+.* (slow|fast) of NTP time$", re.M)


def chronyc_direction(box: Sandbox) -> str:
    match = SYSTEM_TIME.search(box.chronyc("tracking"))
    assert match, "chronyc tracking printed no System time line"
    return match.group(1)


def chronyc_marks(box: Sandbox, *extra: str) -> dict[str, str]:
    """``chronyc sources``'s rows: name -> the two-character mode and state mark."""
    text = box.chronyc("sources", *extra)
    rows = text.split("=" * 20, 1)[1].splitlines()[1:]
    return {row[3:].split()[0]: row[:2] for row in rows if row.strip()}


def status_marks(text: str) -> dict[str, str]:
    """``pychrony status``'s source rows: name -> mark."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["source", "mode"])
    return {line.split()[1]: line.split()[0] for line in lines[start + 1 :] if line.strip()}


def pychrony(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert not err, err
    return code, out


@pytest.fixture(scope="module")
def skewed(sandbox: Sandbox) -> Iterator[list[Sandbox]]:
    """Two clients of the sandbox's server, measuring it 0.5 ms ahead and 0.5 ms behind."""
    boxes: list[Sandbox] = []
    try:
        for offset in (0.0005, -0.0005):
            line = (
                f"server 127.0.0.2 port {sandbox.ntp_port} iburst minpoll -2 maxpoll -2 "
                f"offset {offset}"
            )
            box = Sandbox(
                sources=0, unreachable_sources=0, smoothing=False, extra_client_config=[line]
            )
            boxes.append(box)
            box.start()
        deadline = time.monotonic() + 30.0
        while not all(_synchronised(b) for b in boxes):
            assert time.monotonic() < deadline, "the skewed clients did not synchronise in 30 s"
            time.sleep(0.2)
        yield boxes
    finally:
        for box in boxes:
            box.stop()


def _synchronised(box: Sandbox) -> bool:
    return "Leap status     : Normal" in box.chronyc("tracking")


def test_status_says_what_chronyc_says(
    sandbox: Sandbox, skewed: list[Sandbox], capsys: pytest.CaptureFixture[str]
) -> None:
    daemons = [sandbox, *skewed]
    compared: dict[str, int] = {"slow": 0, "fast": 0}
    marks_compared = 0
    samples = 0
    deadline = time.monotonic() + MAX_SECONDS
    while samples < MAX_SAMPLES and time.monotonic() < deadline:
        if min(compared.values()) >= 3 and marks_compared >= 3 * len(daemons):
            break
        box = daemons[samples % len(daemons)]
        samples += 1
        before, marks_before = chronyc_direction(box), chronyc_marks(box)
        _, out = pychrony(capsys, "-a", box.socket_path, "status")
        after, marks_after = chronyc_direction(box), chronyc_marks(box)
        if before == after:
            said = STATUS_TIME.search(out)
            assert said, out
            assert said.group(1) == before, f"chronyc says {before}, pychrony:\n{out}"
            compared[before] += 1
        if marks_before == marks_after:
            assert status_marks(out) == marks_before, out
            marks_compared += 1
    assert compared["slow"] > 0, f"no 'slow' sample in {samples} ({compared})"
    assert compared["fast"] > 0, f"no 'fast' sample in {samples} ({compared})"
    assert marks_compared >= 3 * len(daemons)


@pytest.fixture(scope="module")
def unresolved(native: None) -> Iterator[Sandbox]:
    """Two reachable sources, one dead, and two names nothing resolves."""
    with started(Sandbox(sources=2, unreachable_sources=1, unresolvable_sources=2)) as box:
        yield box


def test_unresolved_names_are_counted_as_chronyc_counts_them(
    unresolved: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = chronyc_marks(unresolved)
    every = chronyc_marks(unresolved, "-a")
    placeholders = {name for name in every if name.startswith("ID#")}
    assert len(shown) == 3
    assert len(placeholders) == 2
    assert set(every) == set(shown) | placeholders
    a = ["-a", unresolved.socket_path]

    # The report commands, as tables and as JSON.
    for command in ("sources", "sourcestats", "selectdata", "ntpdata"):
        _, out = pychrony(capsys, *a, command, "-f", "json")
        names = {r.get("address", r.get("remote_address")) for r in json.loads(out)}
        assert names == set(shown), command
        _, out = pychrony(capsys, *a, command, "-f", "json", "--all")
        names = {r.get("address", r.get("remote_address")) for r in json.loads(out)}
        assert names == set(every), command
    _, table = pychrony(capsys, *a, "sources")
    assert "ID#" not in table
    _, table = pychrony(capsys, *a, "sources", "--all")
    assert all(name in table for name in placeholders)

    # status and check.
    _, out = pychrony(capsys, *a, "status", "-f", "json")
    doc = json.loads(out)
    assert doc["sources_total"] == len(shown)
    assert {s["address"] for s in doc["sources"]} == set(shown)
    _, out = pychrony(capsys, *a, "status")
    assert status_marks(out).keys() == shown.keys()
    _, out = pychrony(capsys, *a, "status", "--all")
    assert status_marks(out).keys() == every.keys()
    _, line = pychrony(capsys, *a, "check")
    assert f"of {len(shown)} sources reachable" in line
    assert f" sources={len(shown)};" in line
    _, line = pychrony(capsys, *a, "check", "--all")
    assert f" sources={len(every)};" in line

    # The exporter, by default and with the collector flag.
    collectors = ["--collector.sourcestats"]
    with serving(unresolved.socket_path, *collectors) as url:
        text = prom.get(url)
    with serving(unresolved.socket_path, *collectors, "--collector.sources.with-unresolved") as url:
        text_all = prom.get(url)
    scraped, scraped_all = prom.samples(text), prom.samples(text_all)
    for metric in ("chrony_sources_state_info", "chrony_sourcestats_samples"):
        names = {labels["source_address"] for labels, _ in scraped.get(metric, [])}
        assert names == set(shown), metric
        names = {labels["source_address"] for labels, _ in scraped_all.get(metric, [])}
        assert names == set(every), metric
    assert scraped.get("chrony_activity_unresolved_sources", []) == [({}, 2.0)]


@pytest.fixture(scope="module")
def authenticating(native: None) -> Iterator[Sandbox]:
    """One reachable source, two names nothing resolves, and a reference clock."""
    with started(Sandbox(sources=1, unresolvable_sources=2, refclock=True)) as box:
        yield box


def _chronyc_authdata_rows(box: Sandbox, *extra: str) -> list[str]:
    text = box.chronyc("authdata", *extra)
    rows = text.split("=" * 20, 1)[1].splitlines()[1:]
    return [row.split()[0] for row in rows if row.strip()]


def test_authdata_lists_the_sources_chronyc_lists(
    authenticating: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    # Its records carry no address: pychrony pairs them with the sources.
    shown = _chronyc_authdata_rows(authenticating)
    every = _chronyc_authdata_rows(authenticating, "-a")
    assert len(every) == len(shown) + 2  # the placeholders, never the reference clock
    with ChronyConnection(authenticating.socket_path) as conn:
        assert len(conn.get_auth_data()) == len(every) + 1  # the library: every record
    a = ["-a", authenticating.socket_path]

    for extra, expected in (((), shown), (("--all",), every)):
        _, table = pychrony(capsys, *a, "authdata", *extra)
        rows = table.split("\n", 1)[1].splitlines()
        assert len([r for r in rows if r.strip()]) == len(expected), table
        _, out = pychrony(capsys, *a, "authdata", "-f", "json", *extra)
        filled = [r for r in json.loads(out) if r["mode"] is not None]
        assert len(filled) == len(expected), out

    collectors = ["--collector.authdata"]
    with serving(authenticating.socket_path, *collectors) as url:
        text = prom.get(url)
    with serving(
        authenticating.socket_path, *collectors, "--collector.sources.with-unresolved"
    ) as url:
        text_all = prom.get(url)
    for got, expected in ((text, shown), (text_all, every)):
        cookies = prom.samples(got).get("chrony_authdata_cookies", [])
        indexes = {labels["source_index"] for labels, _ in cookies}
        assert len(indexes) == len(expected), got
