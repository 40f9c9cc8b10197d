"""The one place pychrony's version is written.

setuptools reads it for the package metadata (``[tool.setuptools.dynamic]`` in
pyproject.toml) without importing pychrony; ``pychrony.__version__`` re-exports
it, so a source tree and an installed copy always agree.
"""

__version__ = "3.0.0.dev0"
