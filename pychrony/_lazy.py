"""Names a package re-exports but imports only on first use.

``import pychrony`` should cost what a blocking ``get_tracking()`` needs and
no more, so :mod:`pychrony`, :mod:`pychrony.models` and
:mod:`pychrony.libchrony` name most of their exports lazily: each keeps a
table of name -> submodule and hands its module ``__getattr__`` and
``__dir__`` to the one loader here.
"""

from __future__ import annotations

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
