"""Names a package re-exports but imports only on first use.

``import pychrony`` should cost what a blocking ``get_tracking()`` needs and
no more, so :mod:`pychrony`, :mod:`pychrony.models` and
:mod:`pychrony.libchrony` name most of their exports lazily: each keeps a
table of name -> submodule and hands its module ``__getattr__`` and
``__dir__`` to the one loader here.

A lazy import is also a hazard at ``fork()``: a thread importing a submodule
holds that module's import lock, and a child forked meanwhile inherits the
lock held by a thread it does not have, so its first use of the name waits
forever (seen: a child's ``get_sources()`` hanging while the parent's threads
made their first calls). Before every fork, the forking thread therefore
imports every lazily exported submodule (waiting out imports in flight), so
none is being imported at the moment of the fork. The first fork pays for
the imports once; later ones find them all loaded.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, MutableMapping, Sequence
from importlib import import_module

__all__ = ["LazyExports"]


class LazyExports:
    """A package's lazily imported names.

    Args:
        package: the package's ``__name__``.
        namespace: its ``globals()``: a loaded name is stored there, so the
            next use never comes back here.
        where: name -> the submodule (relative to ``package``) defining it.
        public: the package's ``__all__``, listed by ``dir()`` before use.
    """

    def __init__(
        self,
        package: str,
        namespace: MutableMapping[str, object],
        where: Mapping[str, str],
        public: Sequence[str],
    ) -> None:
        self._package = package
        self._namespace = namespace
        self._where = where
        self._public = public
        _EVERY.append(self)

    def load(self, name: str) -> object:
        """The value of ``name``, imported from its submodule (the module's ``__getattr__``).

        Raises:
            AttributeError: the package has no such name.
        """
        module = self._where.get(name)
        if module is None:
            raise AttributeError(f"module {self._package!r} has no attribute {name!r}")
        value = getattr(import_module(f".{module}", self._package), name)
        self._namespace[name] = value
        return value

    def names(self) -> list[str]:
        """Every name of the package, the lazy ones before their first use (``__dir__``)."""
        return sorted({*self._namespace, *self._public})

    def modules(self) -> list[str]:
        """The full names of the submodules the lazy names come from."""
        return sorted({f"{self._package}.{module}" for module in self._where.values()})


# Every package's lazy names, for the fork hook.
_EVERY: list[LazyExports] = []


def _settle_before_fork() -> None:
    """Let no lazy import be in flight at a fork (see the module's docstring)."""
    for exports in list(_EVERY):
        for module in exports.modules():
            # A submodule that cannot be imported is not being imported either.
            with contextlib.suppress(Exception):
                import_module(module)


os.register_at_fork(before=_settle_before_fork)
