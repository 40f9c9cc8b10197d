"""``--watch`` into a file: every JSON and CSV record says when and from which server."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest

from pychrony import ChronyConnection
from pychrony.cli import main
from pychrony.sandbox import Sandbox


def watch(capsys: pytest.CaptureFixture[str], sandbox: Sandbox, *argv: str) -> str:
    code = main(["-a", sandbox.socket_path, "--watch", "0.2", "--count", "2", *argv])
    assert code == 0
    return capsys.readouterr().out


def moment(text: str) -> datetime:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert when.utcoffset() == timedelta(0)  # UTC
    return when


def test_csv_rows_carry_time_and_server(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(csv.DictReader(io.StringIO(watch(capsys, sandbox, "sources", "-f", "csv"))))
    assert len(rows) == 2 * 4  # one header, two rounds of four sources
    assert {r["server"] for r in rows} == {sandbox.socket_path}
    times = sorted({moment(r["time"]) for r in rows})
    assert len(times) == 2  # one timestamp per round
    assert repr(float(rows[0]["latest_meas"])) == rows[0]["latest_meas"]  # exact values stay


def test_json_lines_carry_time_and_server(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = watch(capsys, sandbox, "sources", "-f", "json").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 2 * 4  # one line per source and round
    with ChronyConnection(sandbox.socket_path) as conn:
        addresses = {s.address for s in conn.get_sources()}
    assert {r["address"] for r in records} == addresses
    assert all(r["server"] == sandbox.socket_path for r in records)
    assert len({moment(r["time"]) for r in records}) == 2
    assert isinstance(records[0]["latest_meas"], float)


def test_a_single_json_answer_is_unchanged_without_watch(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-a", sandbox.socket_path, "tracking", "-f", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "time" not in doc
    assert "server" not in doc
