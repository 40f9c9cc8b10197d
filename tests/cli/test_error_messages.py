"""Every kind of failure the command reports: one line, its address once, CLI terms.

Each case runs ``pychrony`` in-process against real sockets (a sandboxed
chronyd, a refused port, a missing socket, a regular file) and checks the
message and the exit code against the documented table
(:class:`pychrony.cli.exitcodes.ExitCode`; ``check`` answers with plugin
codes). No case sends anything off this machine: the one unknown name fails
in Python's IDNA step, before any DNS query.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from pychrony import ChronyConnectionError, ChronyPermissionError
from pychrony._core import address as address_module
from pychrony._core.errors import PERMISSION_HINT, exception_for
from pychrony._core.hints import for_cli, with_hint
from pychrony.cli.exitcodes import ExitCode, PluginCode
from pychrony.sandbox import Sandbox

from .test_cli import run

FAST = ["--timeout", "0.2", "--retries", "0"]

# API phrasing that must never reach a command-line user.
API_TERMS = ("ChronyConnection(", "max_connections", "gather(")


def refused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def one_error_line(err: str, address: str) -> str:
    """The single stderr line, checked to name ``address`` once and speak CLI."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("pychrony: "), line
    assert line.count(address) == 1, line
    assert not any(term in line for term in API_TERMS), line
    return line


def _missing_socket(tmp: Path) -> str:
    return str(tmp / "chronyd.sock")


def _regular_file(tmp: Path) -> str:
    path = tmp / "not-a-socket"
    path.write_text("")
    return str(path)


def _refused(tmp: Path) -> str:
    return f"127.0.0.1:{refused_port()}"


def _unresolvable(tmp: Path) -> str:
    return "no..such.invalid"


@pytest.mark.parametrize(
    ("make_address", "says"),
    [
        (_missing_socket, "no such socket"),
        (_regular_file, "not a socket"),
        (_refused, "Connection refused"),
        (_unresolvable, "not a valid host name"),
    ],
)
def test_an_unreachable_chronyd_is_one_line_and_exit_1(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make_address: Callable[[Path], str],
    says: str,
) -> None:
    address = make_address(tmp_path)
    code, out, err = run(capsys, "-a", address, *FAST, "tracking")
    assert code == ExitCode.FAILED
    assert out == ""
    line = one_error_line(err, address)
    assert says in line
    # libchrony's step stays in the error code, out of the first clause.
    first_clause = line.split(";")[0]
    assert "libchrony" not in first_clause
    assert "receiving the reply" not in first_clause


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("127.0.0.1:99999", "a port outside 1-65535"),
        ("127.0.0.1:0", "a port outside 1-65535"),
        ("[::1]:12x", "not all digits"),
        ("bad addr", "not a chronyd address"),
        ("host:name:1", "not a chronyd address"),
    ],
)
def test_a_malformed_address_is_bad_usage_before_anything_is_sent(
    capsys: pytest.CaptureFixture[str], address: str, says: str
) -> None:
    code, _, err = run(capsys, "-a", address, *FAST, "tracking")
    assert code == ExitCode.USAGE
    line = one_error_line(err, address)
    assert says in line
    # The accepted syntax is named, so the user can fix it.
    assert "PORT 1-65535" in line

    code, out, _ = run(capsys, "-a", address, "check")
    assert code == PluginCode.UNKNOWN
    assert out.startswith("CHRONY UNKNOWN - usage: "), out
    assert out.count(address) == 1, out


def test_a_bad_threshold_names_the_range_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "-w", "abc")
    assert code == PluginCode.UNKNOWN
    assert "a range is N" in out, out
    assert "invalid literal" not in out, out


def test_defaults_say_what_was_tried(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # chronyd's default addresses, pointed at this test's own dead ends: a
    # refusal moves on to the next address, so each is tried and named once.
    missing, refused = _missing_socket(tmp_path), _refused(tmp_path)
    refused6 = f"[::1]:{refused_port()}"
    monkeypatch.delenv("PYCHRONY_ADDRESS", raising=False)
    monkeypatch.setattr(address_module, "DEFAULT_CANDIDATES", (missing, refused, refused6))
    code, _, err = run(capsys, *FAST, "tracking")
    assert code == ExitCode.FAILED
    line = one_error_line(err, refused)
    assert line.count(missing) == 1, line
    assert line.count(refused6) == 1, line
    assert not line.startswith("pychrony: default"), line
    tried = f"tried {missing} (no such socket), {refused} (Connection refused), {refused6} ("
    assert tried in line, line
    assert "not tried" not in line, line


def test_a_name_reaches_chronyd(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "-a", f"localhost:{sandbox.cmd_port}", "status")
    assert code == ExitCode.OK, err
    assert "stratum" in out.lower()


def test_check_never_repeats_not_synchronised(capsys: pytest.CaptureFixture[str]) -> None:
    with Sandbox(sources=0, unreachable_sources=1) as box:
        code, out, _ = run(capsys, "-a", box.socket_path, "check")
    assert code == PluginCode.CRITICAL, out
    assert out.count("not synchronised") == 1, out


# -- the one place that decides the audience ------------------------------------


def test_the_permission_hint_is_phrased_for_each_audience() -> None:
    exc = with_hint(ChronyPermissionError, "permission denied opening /x.sock", PERMISSION_HINT)
    assert 'ChronyConnection("127.0.0.1")' in str(exc)
    cli = for_cli(exc)
    assert "-a 127.0.0.1" in cli
    assert "ChronyConnection" not in cli
    assert cli.count("/x.sock") == 1


def test_running_out_of_descriptors_is_phrased_for_each_audience() -> None:
    exc = exception_for(5, "tracking report from 127.0.0.1", errno.EMFILE)
    assert isinstance(exc, ChronyConnectionError)
    assert "max_connections" in str(exc)
    cli = for_cli(exc)
    assert "--max-connections" in cli
    assert "max_connections" not in cli.replace("--max-", "")
    assert cli.endswith("(error code: 5)")


def test_an_unauthorized_report_is_phrased_for_each_audience() -> None:
    exc = exception_for(9, "ntpdata report from 127.0.0.1")
    assert "ChronyConnection(" in str(exc)
    assert "-a /var/run/chrony/chronyd.sock" in for_cli(exc)
