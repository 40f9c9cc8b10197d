"""Sphinx configuration of pychrony's documentation.

Built with warnings as errors and every reference checked
(``sphinx-build -W -n``) by scripts/test, which also runs the examples as
doctests against a sandboxed chronyd (``-b doctest``).
"""

from __future__ import annotations

import doctest
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))

import pychrony  # noqa: E402

project = "pychrony"
author = "pychrony developers"
copyright = "pychrony developers"
release = pychrony.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.doctest",
    "pychrony_docs",
]

exclude_patterns = ["_build"]
nitpicky = True
default_role = "py:obj"

# -- autodoc / napoleon ------------------------------------------------------

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
# Names some modules import for annotations only (so ``import pychrony`` does
# not load them), which autodoc therefore cannot evaluate.
autodoc_type_aliases = {"datetime": "datetime.datetime"}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_attr_annotations = False

# -- intersphinx: local inventories only --------------------------------------
#
# The build must work without the network, so the inventories come from the
# distribution's documentation packages, which scripts/provision installs
# (Debian: python3-doc, python-cffi-doc). Where one is missing, Sphinx tries
# the URL itself, and an offline build then fails loudly under -W.


def _local_inventory(*candidates: str) -> str | None:
    for pattern in candidates:
        for found in sorted(Path("/").glob(pattern.lstrip("/")), reverse=True):
            return str(found)
    return None


_py = f"{sys.version_info.major}.{sys.version_info.minor}"
intersphinx_mapping = {
    "python": (
        f"https://docs.python.org/{_py}",
        _local_inventory(
            f"/usr/share/doc/python{_py}/html/objects.inv",
            "/usr/share/doc/python3*/html/objects.inv",
        ),
    ),
    "cffi": (
        "https://cffi.readthedocs.io/en/stable",
        _local_inventory("/usr/share/doc/python-cffi-doc/html/objects.inv"),
    ),
}
intersphinx_timeout = 5

# -- nitpicky exceptions ------------------------------------------------------
#
# Kept minimal; each names why it cannot resolve.
nitpick_ignore: list[tuple[str, str]] = [
    # The core's raw field tuple, in the signature of the generic layer's
    # from_raw() constructors: internal plumbing, deliberately undocumented.
    ("py:class", "pychrony._core.records.RawField"),
    # The private base that gives the connection classes their session
    # properties (is_open, address, ...), documented on each class instead.
    ("py:class", "pychrony._core.session_info.SessionInfo"),
    # ChronySession.pointer's docstring names the instance attribute "lock",
    # set in __init__ and not (yet) listed in an Attributes: section.
    ("py:attr", "lock"),
    # pytest's public types as the plugin's hooks annotate them, under
    # pytest's private module paths (no local pytest inventory either).
    ("py:class", "_pytest.fixtures.FixtureRequest"),
    ("py:class", "_pytest.config.argparsing.Parser"),
]

# -- doctest: every example runs against a sandboxed chronyd --------------------

# Hidden from the pages, so that examples read as user code: the sandbox's
# Unix socket is also the default address ($PYCHRONY_ADDRESS), and
# socket_path / udp_address stand where a user writes "/var/run/chrony/
# chronyd.sock" / "127.0.0.1".
doctest_global_setup = """
from pychrony_docs import doctest_sandbox, present
sandbox = doctest_sandbox()
socket_path = sandbox.socket_path
udp_address = sandbox.udp_address
"""
# Only the pages' ".. doctest::" blocks: the ">>>" examples in docstrings
# are module-level examples, run by the test suite with doctest.testmod().
doctest_test_doctest_blocks = ""
# Live values change from run to run: examples print types, booleans and
# shapes, and elide the rest with "...".
doctest_default_flags = (
    doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.DONT_ACCEPT_TRUE_FOR_1
)

# -- HTML ---------------------------------------------------------------------

html_theme = "furo"
html_title = f"pychrony {release}"
# The benchmark's wide tables of figures: compact, numbers right-aligned.
html_static_path = ["_static"]
html_css_files = ["pychrony.css"]
