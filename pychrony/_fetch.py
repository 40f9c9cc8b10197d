"""How a catalogue entry becomes a typed value, as steps any driver can run.

:class:`~pychrony.ChronyConnection` drives these steps blocking and
:class:`~pychrony.AsyncChronyConnection` on the event loop, so a report added
to :data:`pychrony.models.catalog.REPORTS` is fetched, decoded and, when
chronyd has it disabled, turned into None the same way by both.
"""

from __future__ import annotations

from typing import Any

from ._core.constants import ErrorCode
from ._core.session import Call, Session, Steps
from .exceptions import ChronyDataError
from .models._declare import ModelDecoder
from .models.catalog import ReportSpec

__all__ = ["StepsCache", "cached_steps", "typed_steps"]

#: A connection's built calls, by report name: each call and its name for messages.
StepsCache = dict[str, tuple[Call[object], str]]


def typed_steps(session: Session, spec: ReportSpec[Any]) -> Call[object]:
    """Steps fetching report ``spec`` from ``session`` and decoding it to ``spec.model``.

    The steps return a list of models for a report of many records, one model
    otherwise, and None when ``spec.may_be_disabled`` and chronyd answers
    DISABLED. The :class:`~pychrony._core.session.Call` runs them blocking too.
    """
    decoder = ModelDecoder(spec.model, spec.name, session.describe)
    fetch: Call[Any] = (
        session.records_steps(spec.name, decoder)
        if spec.many
        else session.record_steps(spec.name, 0, decoder)
    )

    if not spec.may_be_disabled:
        return fetch  # nothing to add: one call fewer on every request

    def disabled(exc: ChronyDataError) -> bool:
        return exc.error_code == ErrorCode.DISABLED

    def steps(deadline: float) -> Steps[object]:
        try:
            return (yield from fetch(deadline))
        except ChronyDataError as exc:
            if disabled(exc):
                return None
            raise

    def blocking(deadline: float) -> object:
        try:
            return fetch.blocking(deadline)
        except ChronyDataError as exc:
            if disabled(exc):
                return None
            raise

    return Call(steps, blocking)


def cached_steps(
    cache: StepsCache, session: Session, spec: ReportSpec[Any]
) -> tuple[Call[object], str]:
    """Report ``spec``'s call on ``session`` and its name for messages, built once.

    Both connection classes keep one cache each: every call would otherwise
    pay for validating and wrapping the same request again.
    """
    known = cache.get(spec.name)
    if known is None:
        known = cache[spec.name] = (typed_steps(session, spec), f"{spec.name} report")
    return known
