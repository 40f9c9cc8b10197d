"""How a catalogue entry becomes a typed value, as steps any driver can run.

:class:`~pychrony.ChronyConnection` drives these steps blocking and
:class:`~pychrony.AsyncChronyConnection` on the event loop, so a report added
to :data:`pychrony.models.catalog.REPORTS` is fetched, decoded and, when
chronyd has it disabled, turned into None the same way by both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ._core.constants import ErrorCode
from ._core.session import Session, Steps
from .exceptions import ChronyDataError
from .models._declare import decode
from .models.catalog import ReportSpec

__all__ = ["many_steps", "one_steps", "optional_steps", "typed_steps"]

M = TypeVar("M")


def one_steps(session: Session, spec: ReportSpec[M]) -> Callable[[float], Steps[M]]:
    """Steps fetching the one record of report ``spec`` and decoding it to ``spec.model``."""
    fetch = session.record_steps(spec.name, 0)

    def steps(deadline: float) -> Steps[M]:
        record = yield from fetch(deadline)
        return decode(spec.model, record, spec.name, index=0, server=session.describe())

    return steps


def many_steps(session: Session, spec: ReportSpec[M]) -> Callable[[float], Steps[list[M]]]:
    """Steps fetching every record of report ``spec``, each decoded to ``spec.model``."""
    fetch = session.records_steps(spec.name)

    def steps(deadline: float) -> Steps[list[M]]:
        records = yield from fetch(deadline)
        server = session.describe()
        return [
            decode(spec.model, rec, spec.name, index=i, server=server)
            for i, rec in enumerate(records)
        ]

    return steps


def optional_steps(session: Session, spec: ReportSpec[M]) -> Callable[[float], Steps[M | None]]:
    """As :func:`one_steps`, returning None when chronyd has the report disabled."""
    one = one_steps(session, spec)

    def steps(deadline: float) -> Steps[M | None]:
        try:
            return (yield from one(deadline))
        except ChronyDataError as exc:
            if exc.error_code == ErrorCode.DISABLED:
                return None
            raise

    return steps


def typed_steps(session: Session, spec: ReportSpec[Any]) -> Callable[[float], Steps[object]]:
    """Steps fetching report ``spec`` from ``session`` and decoding it to ``spec.model``.

    The steps return a list of models for a report of many records, one model
    otherwise, and None when ``spec.may_be_disabled`` and chronyd answers
    DISABLED.
    """
    if spec.many:
        return many_steps(session, spec)
    if spec.may_be_disabled:
        return optional_steps(session, spec)
    return one_steps(session, spec)
