"""Tables a person reads: within 80 columns, no float noise, values by their unit.

Against the sandbox, every report's default table fits 80 columns as
chronyc's do and shows no long mantissa or exponent (``3.99400005e-06``);
``--wide`` shows every field. The formatting rules themselves are checked
against the figures chronyc prints for the same values.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from pychrony.cli import main
from pychrony.cli.display import flags, human, interval, ppm, seconds, timestamp
from pychrony.cli.render import render_table
from pychrony.cli.views import ReportView
from pychrony.models import NTPFlags
from pychrony.models.catalog import REPORTS, spec_for
from pychrony.models.units import NEVER, Unit
from pychrony.sandbox import Sandbox
from pychrony.testing import factory_for

# status is the overview's own text (pychrony/cli/status.py), not a table of fields.
COMMANDS = [spec.name for spec in REPORTS] + ["reports", "dump"]
# A float shown with more digits than a person reads, or in exponent notation.
NOISE = re.compile(r"\d\.\d{7,}|\d[eE][-+]?\d")


def table(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out = capsys.readouterr().out
    assert code == 0
    return out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_table_fits_80_columns_without_float_noise(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    out = table(capsys, "-a", sandbox.socket_path, command)
    assert out.strip()
    too_wide = [line for line in out.splitlines() if len(line) > 80]
    assert too_wide == []
    assert NOISE.findall(out) == []


@pytest.mark.parametrize("command", ["sources", "sourcestats", "selectdata", "ntpdata"])
def test_wide_shows_every_field_as_a_column(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    out = table(capsys, "-a", sandbox.socket_path, command, "--wide")
    header, *rows = out.splitlines()
    assert header.split() == [f.name for f in dataclasses.fields(spec_for(command).model)]
    assert len(rows) == 4
    assert NOISE.findall(out) == []


def test_sources_reads_like_chronyc(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    out = table(capsys, "-a", sandbox.socket_path, "sources")
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    unreachable = lines["127.0.0.4"].split()
    assert unreachable[3:6] == ["^?", "000", "never"]  # octal reach, never heard from
    assert re.fullmatch(r"[0-3][0-7][0-7]", lines["127.0.0.1"].split()[4])
    # chronyc's "Last sample": adjusted[measured] +/- error, scaled.
    assert re.search(r"[-+]\d+[nu]s\[ *[-+]\d+[nu]s\] \+/- +\d+[nu]s$", lines["127.0.0.1"])


def test_tracking_shows_reference_id_in_hex_and_times_in_iso_8601(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    out = table(capsys, "-a", sandbox.socket_path, "tracking")
    fields = dict(line.split(None, 1) for line in out.splitlines())
    assert re.fullmatch(r"7F00000[1-3] \(127\.0\.0\.[1-3]\)", fields["reference_id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", fields["ref_time"])
    assert re.fullmatch(r"[-+]\d+\.\d{3} ppm", fields["frequency"])


@pytest.mark.parametrize(
    ("value", "signed", "shown"),
    [
        (3.99400005e-06, False, "3994ns"),
        (3.99400005e-06, True, "+3994ns"),
        (-1.58e-06, True, "-1580ns"),
        (0.0, True, "+0ns"),
        (0.0, False, "0ns"),
        (1.2345e-05, True, "+12us"),
        (0.25, False, "250ms"),
        (12.34, False, "12.3s"),
        (-4000.0, True, "-4000s"),
        (300000.0, False, "5000m"),
    ],
)
def test_seconds_scale_as_chronyc_prints_them(value: float, signed: bool, shown: str) -> None:
    assert seconds(value, signed=signed) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0, "0"), (1199, "1199"), (1200, "20m"), (36000, "10h"), (345600, "4d"), (NEVER, "never")],
)
def test_intervals_read_as_chronyc_ages(value: int, shown: str) -> None:
    assert interval(value) == shown


def test_other_units() -> None:
    assert ppm(-0.0456589051, signed=True) == "-0.046"
    assert ppm(123456.7) == "123457"
    assert timestamp(0.0) == "-"
    assert timestamp(1796154415.585) == "2026-12-01T19:46:55.585Z"
    assert human(255, Unit.REGISTER) == "377"
    assert human(2130706433, Unit.REFERENCE_ID) == "7F000001 (127.0.0.1)"
    assert human(0.5, Unit.OFFSET_PPM, symbol=True) == "+0.500 ppm"
    assert human(None, Unit.COUNT) == "-"
    assert human("", Unit.ADDRESS) == "-"
    assert human([], Unit.FLAGS) == "-"
    assert human(True, Unit.BOOLEAN) == "yes"
    assert flags(NTPFlags(0)) == "-"
    assert flags(NTPFlags.INTERLEAVED) == "INTERLEAVED"
    assert flags(NTPFlags.ALL_TESTS) == "0x3FF (10 flags)"


@pytest.mark.parametrize("report", ["sources", "sourcestats", "selectdata", "authdata"])
def test_compact_tables_fit_80_columns_with_long_addresses_and_large_values(report: str) -> None:
    spec = spec_for(report)
    make = factory_for(report)
    overrides: dict[str, object] = {}
    names = {f.name for f in dataclasses.fields(spec.model)}
    if "address" in names:
        overrides["address"] = "2001:db8:1234:5678:9abc:def0:1234:5678"
    for name in ("latest_meas", "orig_latest_meas", "offset", "low_limit"):
        if name in names:
            overrides[name] = -98765.4321
    if "high_limit" in names:
        overrides["high_limit"] = 98765.4321
    if "resid_freq" in names:
        overrides["resid_freq"] = -123456.789
    records = [make(**overrides), make()]
    block = ReportView(spec).block(records)
    out = render_table([("server", block, None)])
    assert max(len(line) for line in out.splitlines()) <= 80, out
    assert NOISE.findall(out) == []
    assert ">" in out or "address" not in names  # the long address was cut, as chronyc does
