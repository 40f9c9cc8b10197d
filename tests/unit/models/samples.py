"""Raw fields shaped like chronyd's records, shared by the models' tests.

``TRACKING`` and ``SOURCE`` are one record of each as the sandbox's chronyd
sends it (name, field type, content, value), the form ``record_from_fields``
packs; ``TRACKING_FIELDS`` and ``SOURCE_FIELDS`` are the same values by name,
for the tests that vary one field and decode by name (:func:`raw`).
"""

from __future__ import annotations

from typing import Any

from pychrony._core.constants import FieldType

U, INT, F, T, S = (
    FieldType.UINTEGER,
    FieldType.INTEGER,
    FieldType.FLOAT,
    FieldType.TIMESPEC,
    FieldType.STRING,
)

Field = tuple[str | None, int, int, Any]

TRACKING: list[Field] = [
    ("reference ID", U, 11, 0x7F000003),
    ("address", S, 15, "127.0.0.3"),
    ("stratum", U, 1, 9),
    ("leap status", U, 12, 0),
    ("reference time", T, 2, (1795244097, 837492710)),
    ("current correction", F, 5, -1.5e-06),
    ("last offset", F, 5, 2.5e-08),
    ("RMS offset", F, 6, 1.9e-07),
    ("frequency offset", F, 7, -0.089),
    ("residual frequency", F, 7, 0.0029),
    ("skew", F, 8, 0.648),
    ("root delay", F, 6, 6.45e-06),
    ("root dispersion", F, 6, 8.35e-07),
    ("last update interval", F, 4, 0.254),
]

SOURCE: list[Field] = [
    ("address", S, 15, "127.0.0.1"),
    ("poll", INT, 3, -2),
    ("stratum", U, 1, 8),
    ("state", U, 12, 0),
    ("mode", U, 12, 0),
    ("flags", U, 14, 0),
    ("reachability", U, 13, 255),
    ("last sample ago", U, 4, 1),
    ("original last sample offset", F, 5, 1.6e-07),
    ("adjusted last sample offset", F, 5, 1.5e-07),
    ("last sample error", F, 6, 3.2e-06),
]


def by_name(fields: list[Field]) -> dict[str, Any]:
    """The values of ``fields`` keyed by field name."""
    return {name: value for name, _, _, value in fields if name is not None}


TRACKING_FIELDS: dict[str, Any] = by_name(TRACKING)
SOURCE_FIELDS: dict[str, Any] = by_name(SOURCE)


def raw(fields: dict[str, Any]) -> list[tuple[str, int, int, Any]]:
    return [(name, FieldType.NONE, 0, value) for name, value in fields.items()]
