"""How a catalogue entry becomes a typed value, as steps any driver can run.

:class:`~pychrony.ChronyConnection` drives these steps blocking and
:class:`~pychrony.AsyncChronyConnection` on the event loop, so a report added
to :data:`pychrony.models.catalog.REPORTS` is fetched, decoded and, when
chronyd has it disabled, turned into None the same way by both.
"""

from __future__ import annotations

from collections.abc import Callable

from ._core.constants import ErrorCode
from ._core.session import Session, Steps
from .exceptions import ChronyDataError
from .models._declare import decode
from .models.catalog import ReportSpec

__all__ = ["typed_steps"]


def typed_steps(session: Session, spec: ReportSpec) -> Callable[[float], Steps[object]]:
    """Steps fetching report ``spec`` from ``session`` and decoding it to ``spec.model``.

    The steps return a list of models for a report of many records, one model
    otherwise, and None when ``spec.may_be_disabled`` and chronyd answers
    DISABLED.
    """
    many = session.records_steps(spec.name) if spec.many else None
    one = None if spec.many else session.record_steps(spec.name, 0)

    def steps(deadline: float) -> Steps[object]:
        try:
            if many is not None:
                records = yield from many(deadline)
                server = session.describe()
                return [
                    decode(spec.model, rec, spec.name, index=i, server=server)
                    for i, rec in enumerate(records)
                ]
            assert one is not None
            record = yield from one(deadline)
            return decode(spec.model, record, spec.name, index=0, server=session.describe())
        except ChronyDataError as exc:
            if spec.may_be_disabled and exc.error_code == ErrorCode.DISABLED:
                return None
            raise

    return steps
