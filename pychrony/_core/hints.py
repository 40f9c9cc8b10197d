"""Advice in an error, phrased for its audience: API calls or command-line options.

A library user is told ``ChronyConnection("127.0.0.1")``, a command-line user
``-a 127.0.0.1``. The error carries both phrasings (:class:`Hint`); its
``message`` (what ``str()`` shows) uses the API's, and :func:`for_cli` renders
the same error for the ``pychrony`` command. This is the one place that
decides the audience.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from ..exceptions import ChronyError

__all__ = ["Hint", "cli_message", "for_cli", "hinted", "with_hint"]

E = TypeVar("E", bound=ChronyError)


@dataclass(frozen=True)
class Hint:
    """What to do about an error, for each audience.

    Attributes:
        api: in terms of pychrony's API (``ChronyConnection("127.0.0.1")``).
        cli: in terms of the command line (``-a 127.0.0.1``).
    """

    api: str
    cli: str


def hinted(exc: E, detail: str, hint: Hint) -> E:
    """Attach ``hint`` to ``exc``, whose message is ``detail`` followed by the API's phrasing."""
    exc._pychrony_detail = detail  # type: ignore[attr-defined]
    exc._pychrony_hint = hint  # type: ignore[attr-defined]
    return exc


def with_hint(cls: type[E], detail: str, hint: Hint, **fields: object) -> E:
    """Build ``cls`` for ``detail`` and ``hint`` (the message shows the API's phrasing)."""
    return hinted(cls(f"{detail}; {hint.api}", **fields), detail, hint)  # type: ignore[arg-type]


def cli_message(exc: ChronyError) -> str:
    """``exc.message`` as the command line says it: the hint phrased as options."""
    hint = getattr(exc, "_pychrony_hint", None)
    if not isinstance(hint, Hint):
        return exc.message
    return f"{getattr(exc, '_pychrony_detail', exc.message)}; {hint.cli}"


def for_cli(exc: BaseException) -> str:
    """``str(exc)`` as the command line shows it: the hint phrased as options."""
    if not isinstance(exc, ChronyError):
        return str(exc)
    text = cli_message(exc)
    if exc.error_code is not None:
        text += f" (error code: {exc.error_code})"
    return text
