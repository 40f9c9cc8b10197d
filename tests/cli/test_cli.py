"""The ``pychrony`` command against a real sandboxed chronyd: outputs parsed back
and compared with the typed API, table sanity, watching, errors and exit codes."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pychrony import ChronyConnection
from pychrony.cli import main
from pychrony.cli.values import plain
from pychrony.models.catalog import REPORTS, ReportSpec
from pychrony.sandbox import Sandbox
from tests.helpers.pipes import read_line

DEAD = "127.0.0.1:1"  # nothing listens there: refused at once
FAST = ["--timeout", "0.2", "--retries", "0"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def api_records(address: str, spec: ReportSpec[Any]) -> list[dict[str, Any]]:
    with ChronyConnection(address) as conn:
        value = getattr(conn, spec.method)()
    if value is None:
        return []
    records = value if spec.many else [value]
    return [{f.name: plain(getattr(r, f.name)) for f in dataclasses.fields(r)} for r in records]


def stable(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per record, the fields that did not change across the CLI call."""
    assert len(before) == len(after)
    return [
        {k: v for k, v in b.items() if a.get(k) == v} for b, a in zip(before, after, strict=True)
    ]


def refused_over_udp(spec: ReportSpec[Any], address: str) -> bool:
    return not spec.over_udp and not address.startswith("/")


@pytest.mark.parametrize("spec", REPORTS, ids=lambda s: s.name)
def test_json_of_every_report_matches_the_api(
    spec: ReportSpec[Any], address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if refused_over_udp(spec, address):
        code, out, err = run(capsys, "-a", address, spec.name, "--format", "json")
        assert code == 1
        assert out == ""
        assert len(err.splitlines()) == 1
        assert "refused" in err
        return
    before = api_records(address, spec)
    code, out, err = run(capsys, "-a", address, spec.name, "--format", "json")
    after = api_records(address, spec)
    assert (code, err) == (0, "")
    doc = json.loads(out)
    names = [f.name for f in dataclasses.fields(spec.model)]
    if not before:
        assert doc is None  # disabled on this server
        return
    records = doc if spec.many else [doc]
    assert isinstance(records, list)
    assert len(records) == len(before)
    for got, want in zip(records, stable(before, after), strict=True):
        assert list(got) == names
        for key, value in want.items():
            assert got[key] == value, key


@pytest.mark.parametrize("spec", [s for s in REPORTS if s.over_udp], ids=lambda s: s.name)
def test_csv_has_a_header_and_one_row_per_record(
    spec: ReportSpec[Any], sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    before = api_records(sandbox.udp_address, spec)
    code, out, err = run(capsys, "-a", sandbox.udp_address, spec.name, "-f", "csv")
    after = api_records(sandbox.udp_address, spec)
    assert (code, err) == (0, "")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [f.name for f in dataclasses.fields(spec.model)]
    assert len(rows) - 1 == len(before)
    for row, want in zip(rows[1:], stable(before, after), strict=True):
        got = dict(zip(rows[0], row, strict=True))
        for key, value in want.items():
            if isinstance(value, bool):
                assert got[key] == str(value).lower()
            elif isinstance(value, (int, float)):
                assert float(got[key]) == value, key
            elif isinstance(value, list):
                assert got[key].split() == value
            elif value is None:
                assert got[key] == ""
            else:
                assert got[key] == value, key


def test_tracking_table_lists_every_field(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "-a", sandbox.socket_path, "tracking")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [
        f.name for f in dataclasses.fields(REPORTS[0].model)
    ]
    assert "stratum            9" in lines


def test_sources_table_has_a_header_and_a_line_per_source(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "-a", sandbox.socket_path, "sources")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split()[:3] == ["address", "poll", "stratum"]
    assert sorted(r.split()[0] for r in rows) == [f"127.0.0.{i}" for i in range(1, 5)]


def test_status_gives_the_overview(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-a", sandbox.socket_path, "status")
    assert code == 0
    assert out.startswith("synchronised to 127.0.0.")
    assert "stratum 9" in out.splitlines()[0]
    assert "3 of 4 reachable" in out
    never = [line for line in out.splitlines() if "127.0.0.4" in line]
    assert len(never) == 1
    assert never[0].rstrip().endswith("never")

    code, out, _ = run(capsys, "-a", sandbox.socket_path, "status", "-f", "json")
    doc = json.loads(out)
    assert doc["synchronised"] is True
    assert doc["stratum"] == 9
    assert (doc["sources_total"], doc["sources_reachable"]) == (4, 3)
    assert len(doc["sources"]) == 4
    assert doc["tracking"]["stratum"] == 9


def test_reports_says_what_each_transport_serves(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "-a", sandbox.socket_path, "reports", "-f", "json")
    assert code == 0
    over_unix = {r["report"]: r for r in json.loads(out)}
    assert list(over_unix) == [s.name for s in REPORTS]
    assert over_unix["rtcdata"]["available"] is False  # no rtcfile in the sandbox
    assert over_unix["sources"]["records"] == 4
    code, out, _ = run(capsys, "-a", sandbox.udp_address, "reports", "-f", "json")
    over_udp = {r["report"]: r["available"] for r in json.loads(out)}
    for spec in REPORTS:
        if not spec.over_udp:
            assert over_udp[spec.name] is False


def test_several_servers_are_labelled_and_a_dead_one_is_reported(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["-a", sandbox.socket_path, "-a", sandbox.udp_address, "-a", DEAD, *FAST]
    code, out, err = run(capsys, *argv, "tracking", "-f", "json")
    assert code == 1
    doc = json.loads(out)
    assert list(doc) == [sandbox.socket_path, sandbox.udp_address, DEAD]
    assert doc[sandbox.socket_path]["stratum"] == doc[sandbox.udp_address]["stratum"] == 9
    assert list(doc[DEAD]) == ["error"]
    assert err.count("\n") == 1
    # One line naming the dead server once (the message itself names it).
    assert err.startswith("pychrony: ")
    assert err.count(DEAD) == 1

    code, out, _ = run(capsys, *argv, "sources", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["server"] for r in rows} == {sandbox.socket_path, sandbox.udp_address}
    assert len(rows) == 8

    code, out, _ = run(capsys, *argv, "activity")
    assert f"== {DEAD} ==" in out
    assert "(no answer:" in out


@pytest.mark.parametrize("limit", ["1", "2"])
def test_max_connections_below_the_servers_still_answers_each(
    limit: str, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    servers = [sandbox.socket_path, sandbox.udp_address, DEAD, "127.0.0.1:2"]
    argv = [arg for address in servers for arg in ("-a", address)]
    code, out, err = run(capsys, *argv, *FAST, "--max-connections", limit, "-f", "json", "tracking")
    assert code == 1
    doc = json.loads(out)
    assert doc[sandbox.socket_path]["stratum"] == doc[sandbox.udp_address]["stratum"] == 9
    lines = err.splitlines()
    assert len(lines) == 2
    named = sorted(a for a in servers[2:] for line in lines if line.count(f" {a}:") == 1)
    assert named == sorted(servers[2:])


@pytest.mark.parametrize("value", ["0", "-1", "x"])
def test_max_connections_must_be_a_positive_int(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--max-connections", value, "tracking")
    assert code == 2
    assert "--max-connections" in err


def test_watch_appends_records_when_not_on_a_terminal(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["-a", sandbox.socket_path, "--watch", "0.05", "--count", "3"]
    code, out, _ = run(capsys, *args, "tracking", "-f", "json")
    assert code == 0
    assert [json.loads(line)["stratum"] for line in out.splitlines()] == [9, 9, 9]
    code, out, _ = run(capsys, *args, "sources", "-f", "csv")
    lines = out.splitlines()
    assert lines[0].startswith("address,")
    assert len(lines) == 1 + 3 * 4
    code, out, _ = run(capsys, *args, "activity")
    assert sum(line.startswith("# ") for line in out.splitlines()) == 3


@pytest.mark.parametrize(
    "argv",
    [
        ["--bogus", "tracking"],
        ["nosuchreport"],
        ["--timeout", "0", "tracking"],
        ["--timeout", "inf", "tracking"],
        ["--watch", "inf", "--count", "2", "tracking"],
        ["--watch", "nan", "tracking"],
        ["--retries", "-1", "tracking"],
        ["--count", "2", "tracking"],
        ["-f", "xml", "tracking"],
        ["-a", "", "tracking"],
    ],
)
def test_bad_usage_is_one_line_and_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("pychrony: ")


def test_a_dead_server_is_one_line_and_exit_1(
    native: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "-a", DEAD, *FAST, "tracking")
    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert DEAD in err
    assert "Traceback" not in err


# --- the installed command, as a shell runs it -------------------------------------


def _command() -> list[str]:
    script = Path(sys.executable).with_name("pychrony")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pychrony"]


def test_console_script_and_python_m_agree(sandbox: Sandbox) -> None:
    outs = []
    for cmd in (_command(), [sys.executable, "-m", "pychrony"]):
        proc = subprocess.run(
            [*cmd, "-a", sandbox.socket_path, "activity", "-f", "json"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert (proc.returncode, proc.stderr) == (0, "")
        outs.append(json.loads(proc.stdout)["online_sources"])
    assert outs == [4, 4]


def test_help_documents_the_exit_codes() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pychrony", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 0
    assert "exit codes:" in proc.stdout
    assert "141" in proc.stdout


def _watching(sandbox: Sandbox) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*_command(), "-a", sandbox.socket_path, "--watch", "0.05", "--count", "400", "sources"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_a_closed_stdout_pipe_ends_quietly(sandbox: Sandbox) -> None:
    proc = _watching(sandbox)
    assert proc.stdout is not None
    assert proc.stderr is not None
    assert read_line(proc.stdout.fileno(), time.monotonic() + 30).startswith("# ")
    proc.stdout.close()  # like `| head -1`
    code = proc.wait(timeout=30)
    err = proc.stderr.read()
    proc.stderr.close()
    assert code == 141
    assert b"Traceback" not in err
    assert err == b""


def test_ctrl_c_is_one_line_and_exit_130(sandbox: Sandbox) -> None:
    proc = _watching(sandbox)
    assert proc.stdout is not None
    assert proc.stderr is not None
    assert read_line(proc.stdout.fileno(), time.monotonic() + 30)
    proc.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 30
    _out, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
    assert proc.returncode == 130
    assert err.decode() == "pychrony: interrupted\n"


def test_dump_shows_every_served_report_with_libchrony_names(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    with ChronyConnection(sandbox.udp_address) as conn:
        served = conn.get_all_reports()
        stratum = conn.get_tracking().stratum
    code, out, err = run(capsys, "-a", sandbox.udp_address, "dump", "-f", "json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert list(doc) == list(served)
    assert "selectdata" not in doc  # refused over UDP: left out
    assert doc["tracking"]["stratum"] == stratum
    assert [s["address"] for s in doc["sources"]] == [f"127.0.0.{i}" for i in range(1, 5)]

    code, out, _ = run(capsys, "-a", sandbox.socket_path, "dump", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["report"] for r in rows} >= {"tracking", "sources", "selectdata", "serverstats"}
    skew = next(r for r in rows if (r["report"], r["field"]) == ("tracking", "skew"))
    assert skew["unit"] == "ppm"

    code, out, _ = run(capsys, "-a", sandbox.socket_path, "dump")
    assert "[tracking]" in out
    assert "[sources #3]" in out


def test_watch_redraws_a_terminal_in_place(sandbox: Sandbox) -> None:
    primary, secondary = pty.openpty()
    try:
        proc = subprocess.Popen(
            [*_command(), "-a", sandbox.socket_path, "--watch", "0.05", "--count", "2", "activity"],
            stdout=secondary,
            stderr=subprocess.PIPE,
        )
        os.close(secondary)
        secondary = -1
        _, err = proc.communicate(timeout=30)
        chunks = []
        for _ in range(1000):  # the child has exited: what it wrote is finite
            if not select.select([primary], [], [], 0.5)[0]:
                break
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the terminal's other end is gone: all read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(primary)
        if secondary >= 0:
            os.close(secondary)
    screen = b"".join(chunks).decode()
    assert (proc.returncode, err) == (0, b"")
    assert screen.count("\x1b[H\x1b[2J") == 2  # cleared before each of the two rounds
    assert screen.count("online_sources") == 2
