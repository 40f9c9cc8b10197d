"""Generic access to chronyd: any report, any field, by libchrony's names.

The API of the libchrony Python port (``import libchrony``), on pychrony's
core: its scripts run with only the import changed::

    from pychrony import libchrony

    with libchrony.connect() as chrony:
        tracking = chrony.get_tracking()
        print(f"Reference ID: {tracking['reference ID']}")
        offset = tracking["current correction"]
        print(f"Current correction: {offset.value} {offset.unit}")
        for source in chrony.get_sources():
            print(source["address"].value, source["stratum"].value)

Reports come as a :class:`Record` (one record: tracking, activity,
serverstats, rtcdata, smoothing) or a :class:`Report` (a list of records: one
per source). Each field is a :class:`FieldValue` named as libchrony names it
(``"reference ID"``, ``"current correction"``), with its value, storage type,
content and :attr:`~FieldValue.unit`. Which fields a record has depends on
chronyd's version; libchrony reports them at run time.

Exceptions: every one is a :class:`ChronyException`, the same class as
:class:`pychrony.ChronyError`; each generic class is also the typed layer's
matching class, so code written against either layer catches them::

    ChronyException (= pychrony.ChronyError)
    ├── ConnectionError               also pychrony.ChronyConnectionError
    │   ├── ConnectionTimeoutError    also pychrony.ChronyTimeoutError, TimeoutError
    │   └── ConnectionPermissionError also AuthorizationError (the socket refused us)
    ├── AuthorizationError            also pychrony.ChronyPermissionError (UNAUTHORIZED)
    ├── RequestError                  also pychrony.ChronyDataError (bad report name/index)
    └── ResponseError                 also pychrony.ChronyDataError (DISABLED, bad reply, ...)

``error_code`` keeps libchrony's code (:class:`ErrorCode`), e.g.
``ErrorCode.DISABLED`` from :meth:`Chrony.get_rtcdata` on a chronyd without
an RTC file.

The generic methods (:class:`GenericReports`) exist on
:class:`pychrony.ChronyConnection` too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.constants import ErrorCode
from .._core.timespec import TimeSpec
from .._lazy import LazyExports
from ._errors import (
    AuthorizationError,
    ChronyException,
    ConnectionError,
    ConnectionPermissionError,
    ConnectionTimeoutError,
    RequestError,
    ResponseError,
)
from ._generic import GenericReports

if TYPE_CHECKING:
    from ._chrony import Chrony, connect
    from ._records import ChronyFieldContent, ChronyFieldType, FieldValue, Record, Report

# The generic connection and its records load on first use: ChronyConnection
# shares only GenericReports with this layer, and imports the package for it.
_LAZY = {
    "Chrony": "_chrony",
    "connect": "_chrony",
    **dict.fromkeys(
        ("ChronyFieldContent", "ChronyFieldType", "FieldValue", "Record", "Report"), "_records"
    ),
}


def __dir__() -> list[str]:
    # The lazy names too, before their first use (for completion and help()).
    return _EXPORTS.names()


def __getattr__(name: str) -> object:
    return _EXPORTS.load(name)


__all__ = [
    "AuthorizationError",
    "Chrony",
    "ChronyException",
    "ChronyFieldContent",
    "ChronyFieldType",
    "ConnectionError",
    "ConnectionPermissionError",
    "ConnectionTimeoutError",
    "ErrorCode",
    "FieldValue",
    "GenericReports",
    "Record",
    "Report",
    "RequestError",
    "ResponseError",
    "TimeSpec",
    "connect",
]

# After __all__: dir() lists it; __getattr__ and __dir__ above use this at call time.
_EXPORTS = LazyExports(__name__, globals(), _LAZY, __all__)
