"""``pychrony check``'s jitter, frequency, update-age, deadline, verbosity and version options.

Thresholds are chosen so the outcome is certain whatever the live values
(chronyd keeps a source's standard deviation at 1 ns or more, an update is
never in the future); exact 1e-7-sized outcomes come from constructed
reports. Every case asserts the exit code, the status line and the
performance data as the guidelines write them: plain decimals, thresholds
exactly as given.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from pychrony import LeapStatus, SourceStats, TrackingStatus
from pychrony._core.timing import budget
from pychrony.cli import main
from pychrony.cli.check import (
    CALLS,
    CRITICAL,
    OK,
    UNKNOWN,
    WARNING,
    add_arguments,
    evaluate,
    plain_number,
    retry_policy,
    selected_stats,
    thresholds,
)
from pychrony.cli.status import Overview
from pychrony.sandbox import Sandbox
from tests.conftest import started

from .test_check import _SOURCE, _tracking

# The guidelines' perfdata: 'label'=value[UOM];[warn];[crit];[min];[max], where
# value is [-0-9.]+ or U, and a threshold is a range of such numbers.
PERF_ITEM = re.compile(r"^[a-z_]+=(-?[0-9.]+|U)(s)?(;[@~:0-9.-]*){0,4}$")
LINE = re.compile(r"^CHRONY (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+( \| [^\n]+)?$")


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, dict[str, str]]:
    """Run check in-process; the exit code, the status line, perfdata by label."""
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    assert err == ""
    first = out.splitlines()[0]
    assert LINE.match(first), out
    assert first.startswith(f"CHRONY {('OK', 'WARNING', 'CRITICAL', 'UNKNOWN')[code]} - ")
    perf: dict[str, str] = {}
    if " | " in first:
        for item in first.split(" | ", 1)[1].split():
            assert PERF_ITEM.match(item), item
            assert "e" not in item.split("=", 1)[1], item  # no exponent anywhere
            perf[item.split("=", 1)[0]] = item
    return code, out, perf


def pychrony(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pychrony", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def unsynchronised(native: None) -> Iterator[Sandbox]:
    """A chronyd whose only source never answers: never synchronised, ref_time 0."""
    with started(Sandbox(sources=0, unreachable_sources=1)) as box:
        yield box


# --- jitter ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected", "perf"),
    [
        (["-j", "10", "-k", "20"], OK, ";10;20;0"),
        (["-j", "@0:10"], WARNING, ";@0:10;;0"),
        (["-k", "@0:10"], CRITICAL, ";;@0:10;0"),
        # Below chronyd's floor of 1 ns: always crossed, printed as given.
        (["-j", "0.0000000001"], WARNING, ";0.0000000001;;0"),
        (["-j", "0.0000000001", "-k", "0.0000000005"], CRITICAL, ";0.0000000001;0.0000000005;0"),
    ],
)
def test_jitter_thresholds_on_the_selected_source(
    sandbox: Sandbox,
    capsys: pytest.CaptureFixture[str],
    options: list[str],
    expected: int,
    perf: str,
) -> None:
    code, out, items = check(capsys, "-a", sandbox.socket_path, *options)
    assert code == expected, out
    assert re.fullmatch(r"jitter=[0-9.]+s" + re.escape(perf), items["jitter"]), items["jitter"]
    if expected != OK:
        assert "jitter " in out.split(" - ")[1]


def test_the_jitter_is_the_selected_sources_std_dev(sandbox: Sandbox) -> None:
    from pychrony import ChronyConnection

    with ChronyConnection(sandbox.socket_path) as conn:
        view = Overview(conn.get_tracking(), conn.get_sources())
        stats = conn.get_source_stats()
    chosen = selected_stats(view, stats)
    assert chosen is not None
    assert chosen.address == view.tracking.reference_ip
    verdict = evaluate(view, thresholds(_parse()), stats)
    jitter = next(p for p in verdict.perfdata if p.startswith("jitter="))
    assert jitter.startswith(f"jitter={plain_number(chosen.std_dev)}s;")


# --- frequency ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected", "perf"),
    [
        (["-F", "1000000", "-G", "2000000"], OK, ";1000000;2000000"),
        (["-F", "@0:1000000"], WARNING, ";@0:1000000"),
        (["-G", "@0:1000000"], CRITICAL, ";;@0:1000000"),
        (["--frequency-warning", "~:1000000"], OK, ";~:1000000"),
    ],
)
def test_frequency_thresholds(
    sandbox: Sandbox,
    capsys: pytest.CaptureFixture[str],
    options: list[str],
    expected: int,
    perf: str,
) -> None:
    code, out, items = check(capsys, "-a", sandbox.socket_path, *options)
    assert code == expected, out
    # ppm has no unit of measure in the guidelines: none is printed.
    assert re.fullmatch(r"frequency=-?[0-9.]+" + re.escape(perf), items["frequency"])
    if expected != OK:
        assert " ppm outside " in out


# --- age of the last clock update -----------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected", "perf"),
    [
        (["--update-age-warning", "3600", "--max-update-age", "7200"], OK, ";3600;7200;0"),
        (["--update-age-warning", "@0:3600"], WARNING, ";@0:3600;;0"),
        (["--max-update-age", "0.0000001"], CRITICAL, ";;0.0000001;0"),
    ],
)
def test_update_age_thresholds(
    sandbox: Sandbox,
    capsys: pytest.CaptureFixture[str],
    options: list[str],
    expected: int,
    perf: str,
) -> None:
    code, out, items = check(capsys, "-a", sandbox.socket_path, *options)
    assert code == expected, out
    assert re.fullmatch(r"update_age=[0-9.]+s" + re.escape(perf), items["update_age"])
    if expected != OK:
        assert "last update " in out


# --- an unsynchronised chronyd: no selected source, clock never updated ----------------


@pytest.mark.parametrize(
    ("options", "expected", "says"),
    [
        ([], CRITICAL, "not synchronised"),
        (["--unsynchronised", "ok"], OK, ""),
        (["--unsynchronised", "ok", "-j", "1"], WARNING, "no selected source"),
        (["--unsynchronised", "ok", "-k", "1"], CRITICAL, "no selected source"),
        (["--unsynchronised", "ok", "--update-age-warning", "60"], WARNING, "never updated"),
        (["--unsynchronised", "warning", "--max-update-age", "60"], CRITICAL, "never updated"),
    ],
)
def test_unsynchronised_chronyd(
    unsynchronised: Sandbox,
    capsys: pytest.CaptureFixture[str],
    options: list[str],
    expected: int,
    says: str,
) -> None:
    code, out, items = check(capsys, "-a", unsynchronised.socket_path, *options)
    assert code == expected, out
    assert says in out
    assert "not synchronised" in out
    # Values chronyd cannot give are U, the guidelines' "could not be determined".
    assert items["jitter"].startswith("jitter=U;")
    assert items["update_age"].startswith("update_age=U;")
    assert items["stratum"].startswith("stratum=0;")


def test_unsynchronised_verbose_says_so(
    unsynchronised: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = check(capsys, "-a", unsynchronised.socket_path, "-v")
    assert code == CRITICAL
    assert "jitter n/a, never updated" in out
    assert "unreachable: 127.0.0.1" in out


# --- 1e-7-sized thresholds, exact outcomes from constructed reports --------------------


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def _stats(std_dev: float, tracking: TrackingStatus) -> SourceStats:
    return SourceStats(tracking.reference_id, "127.0.0.1", 8, 4, 60, std_dev, 0.0, 0.1, 0.0, 1e-6)


@pytest.mark.parametrize(
    ("changes", "std_dev", "argv", "expected", "item"),
    [
        ({"offset": -2e-7}, 1e-6, ["-w", "0.0000001", "-c", "0.0000003"], WARNING,
         "offset=-0.0000002s;0.0000001;0.0000003"),
        ({"offset": 4e-7}, 1e-6, ["-w", "0.0000001", "-c", "0.0000003"], CRITICAL,
         "offset=0.0000004s;0.0000001;0.0000003"),
        ({"offset": 5e-8}, 1e-6, ["-w", "0.0000001"], OK, "offset=0.00000005s;0.0000001"),
        ({}, 1.5e-7, ["-j", "0.0000001", "-k", "0.0000002"], WARNING,
         "jitter=0.00000015s;0.0000001;0.0000002;0"),
        ({}, 3e-7, ["-j", "0.0000001", "-k", "0.0000002"], CRITICAL,
         "jitter=0.0000003s;0.0000001;0.0000002;0"),
        ({}, 5e-8, ["-k", "0.0000001"], OK, "jitter=0.00000005s;;0.0000001;0"),
        ({"frequency": -2e-7}, 1e-6, ["-F", "0.0000001"], WARNING,
         "frequency=-0.0000002;0.0000001"),
        ({"frequency": 12.5}, 1e-6, ["-F", "10", "-G", "20"], WARNING, "frequency=12.5;10;20"),
        ({"frequency": -25.0}, 1e-6, ["-F", "10", "-G", "20"], CRITICAL, "frequency=-25;10;20"),
        ({"ref_time": 1000.0}, 1e-6, ["--max-update-age", "60"], CRITICAL,
         "update_age=100s;;60;0"),
        ({"ref_time": 1090.0}, 1e-6, ["--update-age-warning", "5", "--max-update-age", "60"],
         WARNING, "update_age=10s;5;60;0"),
        ({"ref_time": 1099.9999999}, 1e-6, ["--max-update-age", "0.001"], OK,
         "update_age=0s;;0.001;0"),
        ({"ref_time": 0.0}, 1e-6, ["--update-age-warning", "60"], WARNING,
         "update_age=U;60;;0"),
    ],
)  # fmt: skip
def test_small_thresholds_judged_and_printed_without_an_exponent(
    changes: dict[str, object], std_dev: float, argv: list[str], expected: int, item: str
) -> None:
    tracking = _tracking(**changes)
    verdict = evaluate(
        Overview(tracking, [_SOURCE]),
        thresholds(_parse(*argv)),
        [_stats(std_dev, tracking)],
        read_at=1100.0,
    )
    assert verdict.state == expected, verdict.problems
    assert item in verdict.perfdata, verdict.perfdata
    assert all(PERF_ITEM.match(p) and "e" not in p.split("=")[1] for p in verdict.perfdata)


def test_a_reference_clock_is_matched_by_its_reference_id() -> None:
    tracking = _tracking(reference_id=0x47505300, reference_id_name="GPS", reference_ip="")
    other = SourceStats(0x7F000002, "127.0.0.2", 8, 4, 60, 9e-3, 0.0, 0.1, 0.0, 1e-6)
    gps = SourceStats(0x47505300, "", 8, 4, 60, 2e-7, 0.0, 0.1, 0.0, 1e-6)
    view = Overview(tracking, [_SOURCE])
    assert selected_stats(view, [other, gps]) is gps
    verdict = evaluate(view, thresholds(_parse("-j", "0.0000001")), [other, gps])
    assert verdict.state == WARNING
    assert "jitter=0.0000002s;0.0000001;;0" in verdict.perfdata


def test_the_worst_state_wins_over_a_pending_leap_second() -> None:
    tracking = _tracking(leap_status=LeapStatus.INSERT, frequency=30.0)
    limits = thresholds(_parse("--leap", "warning", "-G", "20"))
    assert evaluate(Overview(tracking, [_SOURCE]), limits, []).state == CRITICAL


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1e-7, "0.0000001"),
        (-1.25e-9, "-0.00000000125"),
        (-0.0, "0"),
        (123.0, "123"),
        (1e20, "100000000000000000000"),
        (2.6804771423339844, "2.68047714"),
        (float("nan"), "U"),
        (float("inf"), "U"),
    ],
)
def test_plain_number(value: float, text: str) -> None:
    assert plain_number(value) == text


# --- bad thresholds and deadlines are usage errors --------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["-j", "1e-7"],
        ["-k", "1.5e-7"],
        ["-F", "+5"],
        ["-G", " 5"],
        ["--max-update-age", "1_000"],
        ["--update-age-warning", "inf"],
        ["-w", "nan"],
        ["-c", "~"],
        ["-j", "1:2:3"],
        ["-k", "~:"],
        ["-F", "@~:"],
        ["-t", "0"],
        ["-t", "-1"],
        ["-t", "x"],
        ["-t", "nan"],
        ["--timeout", "inf"],
    ],
)
def test_bad_new_options_are_unknown(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(capsys, *argv)
    assert code == UNKNOWN
    assert "usage:" in out
    assert out.count("\n") == 1


def test_an_exponent_is_refused_with_the_plain_spelling(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = check(capsys, "-j", "1e-7")
    assert "--jitter-warning '1e-7' is not a range: not a number" in out
    assert "0.0000001" in out


# --- the deadline ---------------------------------------------------------------------


def test_the_retry_policy_fits_every_request_and_resend_in_the_deadline() -> None:
    assert CALLS == 3
    for deadline, retries in ((10.0, 2), (1.0, 0), (0.3, 5), (60.0, 30)):
        wait = retry_policy(deadline, retries)
        # Each request waits wait, 2 wait, 4 wait...: all of them together.
        assert budget(wait, retries) * CALLS == pytest.approx(deadline)
    assert retry_policy(10.0, 2) == pytest.approx(10 / 21)


@pytest.mark.parametrize("where", ["after", "before"])
def test_the_deadline_shows_in_the_debug_lines(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    timing = ["-t", "6"] if where == "after" else []
    argv = ["-a", sandbox.socket_path, "check", "-vv", *timing, "--retries", "1"]
    if where == "before":
        argv = ["--timeout", "6", *argv]
    code = main(argv)
    out = capsys.readouterr().out
    assert code == OK, out
    # 6 s, less 0.1 s to spare, over 3 requests of (1 + 2) waits each.
    assert re.search(r"deadline 6 s over 3 requests: first reply awaited 0\.65\d s", out), out


def test_the_default_deadline_is_ten_seconds(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = check(capsys, "-a", sandbox.socket_path, "-vv")
    assert code == OK
    assert re.search(r"deadline 10 s over 3 requests: first reply awaited 0\.47\d s, ", out)


# --- verbosity and version, run as the agent runs the command -------------------------


def test_verbosity_levels_of_the_real_command(sandbox: Sandbox) -> None:
    base = ["-a", sandbox.socket_path, "check", "-w", "1", "-j", "0.5"]
    plain = pychrony(*base)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert plain.stdout.count("\n") == 1
    assert "jitter " not in plain.stdout.split(" | ")[0]

    one = pychrony(*base, "-v")
    assert one.returncode == 0
    assert one.stdout.count("\n") == 1  # -v is still a single line
    text = one.stdout.split(" | ")[0]
    assert re.search(r", jitter \d+(\.\d+)? [mun]?s, updated \d+\.\d s ago, frequency [-+]", text)
    assert "unreachable: 127.0.0.4" in text

    two = pychrony(*base, "-vv")
    first, *rest = two.stdout.splitlines()
    assert two.returncode == 0
    assert LINE.match(first)
    # Every performance datum stays on the first line.
    labels = [item.split("=")[0] for item in one.stdout.split(" | ")[1].split()]
    assert [item.split("=")[0] for item in first.split(" | ")[1].split()] == labels
    assert rest[0] == f"chronyd: {sandbox.socket_path}"
    assert "thresholds and states: -w 1 -j 0.5 " in two.stdout
    assert any(re.match(r"synchronised to 127\.0\.0\.[1-3] ", line) for line in rest)
    assert not any("|" in line for line in rest)
    assert "127.0.0.4 nonselectable" not in two.stdout

    three = pychrony(*base, "-vvv")
    assert three.returncode == 0
    lines = three.stdout.splitlines()
    assert len(lines) > len(rest) + 1
    for i in range(1, 5):
        assert any(line.startswith(f"  127.0.0.{i} ") for line in lines), three.stdout


def test_version_of_the_real_command() -> None:
    from pychrony import __version__

    for flag in ("-V", "--version"):
        proc = pychrony("check", flag)
        assert proc.returncode == 0
        assert proc.stdout == f"pychrony check {__version__}\n"
        assert proc.stderr == ""


def test_thresholds_side_by_side_in_the_real_command(sandbox: Sandbox) -> None:
    proc = pychrony(
        "-a", sandbox.udp_address, "check",
        "-w", "0.0000001", "-c", "1",
        "-j", "0.0000000001", "-k", "0.001",
        "-F", "100", "-G", "200",
        "--update-age-warning", "3600", "--max-update-age", "7200",
    )  # fmt: skip
    assert proc.returncode == WARNING, proc.stdout + proc.stderr
    perf = proc.stdout.strip().split(" | ", 1)[1].split()
    assert all(PERF_ITEM.match(p) and "e" not in p.split("=")[1] for p in perf), perf
    by_label = {p.split("=")[0]: p for p in perf}
    assert by_label["offset"].endswith("s;0.0000001;1")
    assert by_label["jitter"].endswith("s;0.0000000001;0.001;0")
    assert by_label["frequency"].endswith(";100;200")
    assert by_label["update_age"].endswith("s;3600;7200;0")
    assert "jitter " in proc.stdout.split(" - ")[1]


@pytest.mark.parametrize(
    ("options", "expected"), [([], CRITICAL), (["--unreachable", "unknown"], UNKNOWN)]
)
def test_a_deadline_too_short_to_ask_is_the_unreachable_state(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], options: list[str], expected: int
) -> None:
    code, out, perf = check(capsys, "-a", sandbox.socket_path, "-t", "0.000001", *options)
    assert code == expected
    assert "no time left to ask chronyd within 0.000001 s" in out
    assert perf == {}
