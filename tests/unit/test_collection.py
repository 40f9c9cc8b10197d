"""``make test`` runs every test file the tree has.

pytest silently skips whole folders (its default ``norecursedirs`` skipped
tests/dist for as long as it existed); this test fails when the suite
``make test`` runs (pytest with no arguments) collects fewer test files than
the tree holds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# (Not at tests/ itself: setuptools would put a top-level tests/test_*.py in the sdist.)


def test_the_suite_collects_every_test_file_in_the_tree() -> None:
    in_tree = {
        str(path.relative_to(ROOT))
        for pattern in ("test_*.py", "*_test.py")
        for path in (ROOT / "tests").rglob(pattern)
        if "__pycache__" not in path.parts
    }
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    collected = {line.split("::", 1)[0] for line in proc.stdout.splitlines() if "::" in line}
    assert in_tree, "found no test files at all"
    assert not in_tree - collected, f"make test does not collect: {sorted(in_tree - collected)}"
    assert "tests/dist/test_wheel.py" in collected
