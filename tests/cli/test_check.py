"""``pychrony check``: every threshold case, driven relative to the live values so
each outcome is certain, plus the status line, performance data and errors."""

from __future__ import annotations

import argparse
import re

import pytest

from pychrony import ChronyConnection, LeapStatus, Source, SourceMode, SourceState, TrackingStatus
from pychrony.cli import main
from pychrony.cli.check import CRITICAL, OK, UNKNOWN, WARNING, evaluate, thresholds
from pychrony.cli.status import Overview, reachable
from pychrony.sandbox import Sandbox

DEAD = "127.0.0.1:1"
# 'label'=value[UOM];[warn];[crit];[min];[max], values without exponents.
PERF_ITEM = re.compile(r"^[a-z_]+=(-?[0-9.]+|U)(s|%|B|c)?(;[^; ]*){0,4}$")
LINE = re.compile(r"^CHRONY (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+( \| [^\n]+)?\n$")


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    assert err == ""
    assert LINE.match(out), out
    assert out.startswith(f"CHRONY {('OK', 'WARNING', 'CRITICAL', 'UNKNOWN')[code]} - ")
    return code, out


@pytest.fixture
def live(sandbox: Sandbox) -> Overview:
    with ChronyConnection(sandbox.socket_path) as conn:
        return Overview(conn.get_tracking(), conn.get_sources())


def test_a_healthy_chronyd_is_ok_with_perfdata(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(capsys, "-H", sandbox.socket_path, "-w", "1", "-c", "2")
    assert code == OK
    assert "synchronised to 127.0.0." in out
    assert "stratum 9" in out
    perf = out.split(" | ", 1)[1].split()
    assert all(PERF_ITEM.match(item) for item in perf), perf
    labels = [item.split("=")[0] for item in perf]
    assert labels[:2] == ["offset", "last_offset"]
    assert {"stratum", "sources", "reachable", "selectable"} <= set(labels)
    offset = next(p for p in perf if p.startswith("offset="))
    assert offset.endswith("s;1;2")
    assert "sources=4;;;0" in perf
    assert "reachable=3;;;0;4" in perf


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["-w", "@0:1"], WARNING),  # a warning range that holds any offset under 1 s
        (["-c", "@0:1"], CRITICAL),
        (["-w", "@0:1", "-c", "@0:1"], CRITICAL),
        (["-w", "0:1", "-c", "@0:1"], CRITICAL),
        (["-w", "@0:1", "-c", "0:1"], WARNING),
        (["-w", "1", "-c", "2"], OK),
    ],
)
def test_offset_thresholds(
    options: list[str], expected: int, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(capsys, "-a", sandbox.socket_path, *options)
    assert code == expected
    if expected != OK:
        assert "offset " in out.split(" - ")[1]


def test_stratum_thresholds(
    live: Overview, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    s = live.tracking.stratum
    a = ["-a", sandbox.socket_path]
    assert check(capsys, *a, "-W", str(s))[0] == OK
    code, out = check(capsys, *a, "-W", str(s - 1))
    assert code == WARNING
    assert f"stratum {s} outside {s - 1}" in out
    assert check(capsys, *a, "-C", str(s - 1))[0] == CRITICAL
    assert check(capsys, *a, "-W", str(s - 1), "-C", str(s))[0] == WARNING
    assert f"stratum={s};{s - 1};{s};0;16" in check(capsys, *a, "-W", str(s - 1), "-C", str(s))[1]


def test_source_count_thresholds(
    live: Overview, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    r = reachable(live.sources)
    a = ["-a", sandbox.socket_path]
    assert check(capsys, *a, "--reachable-warning", f"{r}:")[0] == OK
    code, out = check(capsys, *a, "--reachable-warning", f"{r + 1}:")
    assert code == WARNING
    assert "reachable sources" in out
    assert check(capsys, *a, "--reachable-critical", f"{r + 1}:")[0] == CRITICAL
    # Selectability moves as chronyd re-selects: ranges that hold any count.
    assert check(capsys, *a, "--selectable-warning", "0:")[0] == OK
    assert check(capsys, *a, "--selectable-warning", "@0:100")[0] == WARNING
    assert check(capsys, *a, "--selectable-critical", "@0:100")[0] == CRITICAL


def test_an_unreachable_chronyd_is_critical_or_unknown(
    native: None, capsys: pytest.CaptureFixture[str]
) -> None:
    fast = ["--timeout", "0.2", "--retries", "0"]
    code, out = check(capsys, "-a", DEAD, *fast)
    assert code == CRITICAL
    assert DEAD in out
    code, _ = check(capsys, "-a", DEAD, *fast, "--unreachable", "unknown")
    assert code == UNKNOWN


@pytest.mark.parametrize(
    "argv",
    [
        ["-w", "abc"],
        ["-c", "5:1"],
        ["--bogus"],
        ["-a", "x", "-a", "y"],
        ["--leap", "maybe"],
        ["-w", "@"],
        ["-w", ""],
        ["-c", ":"],
        ["--format", "json"],
    ],
)
def test_bad_usage_is_unknown(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(capsys, *argv)
    assert code == UNKNOWN
    assert "usage:" in out


@pytest.mark.parametrize(
    "before", [["--timeout", "x"], ["--retries", "many"], ["--watch", "1"], ["-f", "csv"]]
)
def test_bad_global_options_before_check_are_unknown(
    before: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*before, "check"])
    out, err = capsys.readouterr()
    assert code == UNKNOWN
    assert err == ""
    assert LINE.match(out), out
    assert out.startswith("CHRONY UNKNOWN - usage: "), out


# --- states the sandbox cannot show: judged from constructed reports ----------------


def _tracking(**changes: object) -> TrackingStatus:
    base = TrackingStatus(
        reference_id=0x7F000001,
        reference_id_name="127.0.0.1",
        reference_ip="127.0.0.1",
        stratum=3,
        leap_status=LeapStatus.NORMAL,
        ref_time=1.7e9,
        offset=-2e-6,
        last_offset=1e-6,
        rms_offset=1e-6,
        frequency=-3.5,
        residual_freq=0.0,
        skew=0.1,
        root_delay=1e-3,
        root_dispersion=1e-4,
        update_interval=64.0,
    )
    fields = {f: getattr(base, f) for f in base.__dataclass_fields__}
    fields.update(changes)
    return TrackingStatus(**fields)


_SOURCE = Source("127.0.0.1", 6, 2, SourceState.SELECTED, SourceMode.CLIENT, 0, 255, 10, 0, 0, 1e-4)


def _verdict(tracking: TrackingStatus, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    from pychrony.cli.check import add_arguments

    add_arguments(parser)
    return evaluate(Overview(tracking, [_SOURCE]), thresholds(parser.parse_args(argv))).state


@pytest.mark.parametrize(
    ("changes", "argv", "expected"),
    [
        ({"reference_id": 0, "stratum": 0, "leap_status": LeapStatus.UNSYNC}, [], CRITICAL),
        ({"reference_id": 0, "stratum": 0}, ["--unsynchronised", "warning"], WARNING),
        ({"reference_id": 0, "stratum": 0}, ["--unsynchronised", "ok"], OK),
        ({"leap_status": LeapStatus.INSERT}, [], OK),
        ({"leap_status": LeapStatus.INSERT}, ["--leap", "warning"], WARNING),
        ({"leap_status": LeapStatus.DELETE}, ["--leap", "critical"], CRITICAL),
        ({"offset": -0.2}, ["-w", "0.1", "-c", "0.5"], WARNING),  # the absolute offset
        ({"offset": -0.7}, ["-w", "0.1", "-c", "0.5"], CRITICAL),
        ({"offset": 0.05}, ["-w", "0.1", "-c", "0.5"], OK),
    ],
)
def test_synchronisation_leap_and_sign_of_offset(
    changes: dict[str, object], argv: list[str], expected: int
) -> None:
    assert _verdict(_tracking(**changes), *argv) == expected
