"""What ``import pychrony`` loads: pinned, so nothing new creeps in at import.

A blocking caller of ``ChronyConnection().get_tracking()`` should pay at import
for that path only: asyncio, the fleet, the command line, the exporter and the
models of other reports load on first use. Each check runs a fresh interpreter
without ``site`` (whose start-up hooks, such as an editable install's finder,
preload modules of their own and would hide ours), so what it sees is what
``import pychrony`` itself brought in. Time is measured in bench/, not here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pychrony

# The directory holding the package, put on the bare interpreter's path.
_ROOT = str(Path(pychrony.__file__).resolve().parent.parent)

# Every pychrony module ``import pychrony`` loads. Adding one here is a
# decision: first ask whether the import can wait for the call that needs it.
PYCHRONY_AT_IMPORT = frozenset(
    {
        "pychrony",
        "pychrony._core",
        "pychrony._core.address",
        "pychrony._core.constants",
        "pychrony._core.errors",
        "pychrony._core.hints",
        "pychrony._core.lifecycle",
        "pychrony._core.records",
        "pychrony._core.report_names",
        "pychrony._core.session",
        "pychrony._core.session_info",
        "pychrony._core.sockets",
        "pychrony._core.timespec",
        "pychrony._core.timing",
        "pychrony._core.tried",
        "pychrony._fetch",
        "pychrony._lazy",
        "pychrony._native",
        "pychrony._version",
        "pychrony.connection",
        "pychrony.exceptions",
        "pychrony.libchrony",
        "pychrony.libchrony._errors",
        "pychrony.libchrony._generic",
        "pychrony.models",
        "pychrony.models._declare",
        "pychrony.models.catalog",
        "pychrony.models.units",
    }
)

# The standard library's top-level modules (C accelerators, ``_name``, aside)
# that ``import pychrony`` may load, on every supported Python. The heavy ones
# are here for a reason: dataclasses (and the inspect, ast, dis and tokenize
# it imports) for the frozen models and policies, socket and select for the
# session, enum and typing throughout; datetime is not (only TimeSpec's
# conversions use it). Python 3.10's re is the sre_* modules.
STDLIB_ALLOWED = frozenset(
    {
        "array",
        "ast",
        "atexit",
        "collections",
        "contextlib",
        "copy",
        "copyreg",
        "dataclasses",
        "dis",
        "enum",
        "errno",
        "functools",
        "genericpath",
        "importlib",
        "inspect",
        "itertools",
        "keyword",
        "linecache",
        "math",
        "opcode",
        "operator",
        "os",
        "posixpath",
        "re",
        "reprlib",
        "select",
        "selectors",
        "socket",
        "sre_compile",
        "sre_constants",
        "sre_parse",
        "stat",
        "struct",
        "threading",
        "token",
        "tokenize",
        "types",
        "typing",
        "warnings",
        "weakref",
    }
)


def _loaded_by(statement: str) -> set[str]:
    """The modules ``statement`` adds to a bare interpreter's ``sys.modules``."""
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {_ROOT!r})\n"
        "before = set(sys.modules)\n"
        f"{statement}\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    # -I: no environment variables or user site; -S: no site hooks.
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout)
    return set(loaded)


def _ours(modules: set[str]) -> set[str]:
    return {m for m in modules if m == "pychrony" or m.startswith("pychrony.")}


def _stdlib_top_level(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules - _ours(modules) if not m.startswith("_")}


def test_import_pychrony_loads_exactly_the_pinned_pychrony_modules() -> None:
    loaded = _ours(_loaded_by("import pychrony"))
    assert loaded == PYCHRONY_AT_IMPORT, (
        f"new at import: {sorted(loaded - PYCHRONY_AT_IMPORT)}; "
        f"no longer at import (update the pin): {sorted(PYCHRONY_AT_IMPORT - loaded)}"
    )


def test_import_pychrony_loads_no_stdlib_module_beyond_the_allowed() -> None:
    extra = _stdlib_top_level(_loaded_by("import pychrony")) - STDLIB_ALLOWED
    assert not extra, f"new standard-library modules at import: {sorted(extra)}"


def test_lazy_names_still_load_on_first_use() -> None:
    # What `from pychrony import X` gives is unchanged: the lazy names resolve
    # to the same objects as their home modules, loading just those modules.
    loaded = _loaded_by(
        "import pychrony\n"
        "from pychrony import Source, AsyncChronyConnection\n"
        "from pychrony.models import sources\n"
        "from pychrony import aio\n"
        "assert Source is sources.Source\n"
        "assert AsyncChronyConnection is aio.AsyncChronyConnection\n"
        "assert all(hasattr(pychrony, name) for name in pychrony.__all__)"
    )
    assert {"pychrony.models.sources", "pychrony.aio", "asyncio"} <= loaded


def test_a_tracking_call_needs_only_the_tracking_model() -> None:
    loaded = _ours(_loaded_by("from pychrony.models import catalog\ncatalog.TRACKING"))
    public = {m for m in loaded if m.startswith("pychrony.models.") and "._" not in m}
    assert public == {
        "pychrony.models.catalog",
        "pychrony.models.tracking",
        "pychrony.models.units",
    }


def test_the_catalogue_built_lazily_is_one_set_of_entries() -> None:
    from pychrony.models import catalog

    assert catalog.spec_for("tracking") is catalog.TRACKING
    assert all(catalog.spec_for(s.name) is s for s in catalog.REPORTS)
    assert all(getattr(catalog, s.name.upper()) is s for s in catalog.REPORTS)
    assert [s.name for s in catalog.REPORTS][:3] == ["tracking", "sources", "sourcestats"]


def test_dir_lists_the_lazy_names_before_their_first_use() -> None:
    loaded = _loaded_by(
        "import pychrony, pychrony.libchrony, pychrony.models, pychrony.models.catalog as c\n"
        "for module in (pychrony, pychrony.libchrony, pychrony.models, c):\n"
        "    assert set(module.__all__) <= set(dir(module)), module\n"
        "assert 'TrackingStatus' in dir(pychrony) and 'REPORTS' in dir(c)"
    )
    assert "pychrony.models.tracking" not in loaded
