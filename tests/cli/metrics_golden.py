"""The golden list of exported metric families, and how to regenerate it.

Every family the exporter produces with every collector on (and
``--collector.sources.with-ntpdata``) is pinned in
``tests/cli/golden/metrics.txt``: its HELP and TYPE lines, then one line per
distinct sample name and label set, label values replaced by ``<...>``. The
file has two parts: a live scrape of the sandbox, and every report's families
from the test kit's factories, which also covers what the sandbox's chronyd
cannot send (rtcdata, the counters of newer chronyd releases). A
rename, a new label or a reworded HELP then shows up as a failing test, never
by accident. After a deliberate change, regenerate it (needs chronyd)::

    python -m tests.cli.metrics_golden
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from pychrony.cli.exporter import ChronyCollector
from pychrony.cli.metrics import families
from pychrony.cli.query import Target
from pychrony.models.catalog import REPORTS
from pychrony.testing import factory_for

GOLDEN = Path(__file__).parent / "golden" / "metrics.txt"
LIVE_HEADING = "## a live scrape of the sandbox, every collector on"
MODEL_HEADING = "## every report, from the test kit's factories"


def scrape(address: str) -> str:
    """One scrape of chronyd at ``address`` with every collector on."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ChronyCollector(Target(address, 1.0, 2), REPORTS, 10.0, sources_peer=True))
    return generate_latest(registry).decode()


class _FactoryCollector:
    """Every report's families from factory-made records."""

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> Iterator[Any]:
        for spec in REPORTS:
            record = factory_for(spec.name)()
            yield from families(spec, [record] if spec.many else record, sources_peer=True)


def model_scrape() -> str:
    """The exposition of :class:`_FactoryCollector`: no chronyd needed."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_FactoryCollector())
    return generate_latest(registry).decode()


def golden_lines(address: str) -> list[str]:
    """The golden file's lines for the chronyd at ``address``."""
    return [
        LIVE_HEADING,
        *family_lines(scrape(address)),
        MODEL_HEADING,
        *family_lines(model_scrape()),
    ]


def family_lines(text: str) -> list[str]:
    """A scrape reduced to what the golden file pins (no values, no label values)."""
    lines: list[str] = []
    for family in sorted(text_string_to_metric_families(text), key=lambda f: f.name):
        lines.append(f"# HELP {family.name} {family.documentation}")
        lines.append(f"# TYPE {family.name} {family.type}")
        shapes = sorted(
            {(s.name, tuple(sorted(s.labels))) for s in family.samples},
        )
        for name, labels in shapes:
            shown = ",".join(f'{label}="<{label}>"' for label in labels)
            lines.append(f"{name}{{{shown}}}" if shown else name)
    return lines


def main() -> int:
    """Regenerate the golden file from a sandboxed chronyd."""
    from pychrony.sandbox import Sandbox

    with Sandbox(sources=3, unreachable_sources=1) as box:
        lines = golden_lines(box.socket_path)
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text("\n".join(lines) + "\n")
    sys.stdout.write(f"wrote {GOLDEN} ({sum(x.startswith('# TYPE') for x in lines)} families)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
