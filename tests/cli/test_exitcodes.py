"""Exit codes are defined once: every code has its meaning, and the help lists them all."""

from __future__ import annotations

from pychrony.cli import check
from pychrony.cli.exitcodes import COMMAND_CODES, EPILOG, PLUGIN_CODES, ExitCode, PluginCode


def test_every_code_says_when_it_is_returned() -> None:
    assert list(COMMAND_CODES) == list(ExitCode)
    assert list(PLUGIN_CODES) == list(PluginCode)
    assert all(meaning.strip() for meaning in [*COMMAND_CODES.values(), *PLUGIN_CODES.values()])


def test_the_epilog_lists_every_code_with_its_meaning() -> None:
    lines = EPILOG.splitlines()
    for code, meaning in COMMAND_CODES.items():
        first = next(line for line in lines if line.split()[:1] == [str(code.value)])
        assert meaning.startswith(" ".join(first.split()[1:])), (code, first)
    for state in PluginCode:
        assert f"{state.value} {state.name}" in EPILOG


def test_the_plugin_reads_its_states_from_the_plugin_codes() -> None:
    states = (check.OK, check.WARNING, check.CRITICAL, check.UNKNOWN)
    assert states == tuple(int(code) for code in PluginCode)
    assert all(f"{code.value} {code.name}" in check.HELP for code in PluginCode)
