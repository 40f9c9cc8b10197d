"""Every exported metric family is pinned: names, types, label sets and HELP lines.

The golden file is what a scrape of the sandbox with every collector on
looks like, values and label values left out (see ``metrics_golden``). A
rename, a changed type or label, or a reworded HELP line fails here until
the file is regenerated on purpose (``python -m tests.cli.metrics_golden``).
"""

from __future__ import annotations

import difflib
import re
import subprocess

from pychrony.sandbox import Sandbox
from tests.helpers import prometheus as prom

from .metrics_golden import GOLDEN, golden_lines, model_scrape

# chrony_exporter's names: the compatibility contract, never to be renamed.
CHRONY_EXPORTER_PREFIXES = (
    "chrony_tracking_",
    "chrony_sources_",
    "chrony_sourcestats_",
    "chrony_serverstats_",
    "chrony_up",
)


def test_a_live_scrape_matches_the_golden_family_list(sandbox: Sandbox) -> None:
    live = golden_lines(sandbox.socket_path)
    golden = GOLDEN.read_text().splitlines()
    diff = "\n".join(difflib.unified_diff(golden, live, "golden", "live", lineterm=""))
    assert live == golden, (
        "exported metric families changed; if on purpose, run "
        "`python -m tests.cli.metrics_golden` and list renames in CHANGELOG.md\n" + diff
    )


def test_our_own_families_follow_the_naming_conventions() -> None:
    golden = GOLDEN.read_text().splitlines()
    types = dict(line.split()[2:4] for line in golden if line.startswith("# TYPE "))
    assert types, "the golden file lists no family"
    ours = {n: t for n, t in types.items() if not n.startswith(CHRONY_EXPORTER_PREFIXES)}
    assert ours
    for name in ours:
        # chronyd's metrics under chrony_, the exporter's own under pychrony_exporter_.
        assert re.fullmatch(r"(chrony|pychrony_exporter)_[a-z0-9_]+", name), name
        # Base units only: no milli/micro, no log2, no bits.
        assert not re.search(r"_(ms|us|ns|milliseconds|log2|bits)(_|$)", name), name
    # A counter's samples end in _total; nothing else does.
    for line in golden:
        if line.startswith("#"):
            continue
        sample = line.split("{")[0]
        family = sample.removesuffix("_total")
        assert (types.get(family) == "counter") == sample.endswith("_total"), sample


def test_promtool_accepts_every_report_s_families() -> None:
    # The live scrape is checked by test_exporter; this covers what the
    # sandbox cannot send (rtcdata, newer chronyd's counters).
    proc = subprocess.run(
        [prom.tool("promtool"), "check", "metrics"],
        input=model_scrape(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
