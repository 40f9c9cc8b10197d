"""Raw fields shaped like chronyd's records, shared by the models' tests."""

from __future__ import annotations

from typing import Any

from pychrony._core.constants import FieldType

TRACKING_FIELDS: dict[str, Any] = {
    "reference ID": 0x7F000003,
    "address": "127.0.0.3",
    "stratum": 9,
    "leap status": 0,
    "reference time": (1795244097, 837492710),
    "current correction": -1.5e-06,
    "last offset": 2.5e-08,
    "RMS offset": 1.9e-07,
    "frequency offset": -0.089,
    "residual frequency": 0.0029,
    "skew": 0.648,
    "root delay": 6.45e-06,
    "root dispersion": 8.35e-07,
    "last update interval": 0.254,
}


def raw(fields: dict[str, Any]) -> list[tuple[str, int, int, Any]]:
    return [(name, FieldType.NONE, 0, value) for name, value in fields.items()]


U, INT, F, T, S = (
    FieldType.UINTEGER,
    FieldType.INTEGER,
    FieldType.FLOAT,
    FieldType.TIMESPEC,
    FieldType.STRING,
)
