"""AuthData, AuthMode and KeyType (pychrony/models/auth.py)."""

from __future__ import annotations

from pychrony import (
    AuthData,
    AuthMode,
    KeyType,
)
from pychrony.models._declare import decode

from .samples import raw


def test_auth_data_modes_and_key_types() -> None:
    fields = {
        "mode": 2,
        "key type": 15,
        "key ID": 3,
        "key length": 256,
        "key establishment attempts": 0,
        "last key establishment ago": 12,
        "cookies": 8,
        "cookie length": 100,
        "NAK": 1,
        "reserved #1": 0,
    }
    record = decode(AuthData, raw(fields), "authdata")
    assert record.mode is AuthMode.NTS
    assert record.is_authenticated()
    assert record.key_type is KeyType.AEAD_AES_SIV_CMAC_256
    assert record.nak is True
    unknown = decode(AuthData, raw({**fields, "key type": 99, "mode": 7}), "authdata")
    assert unknown.key_type is not None
    assert unknown.mode is not None
    assert unknown.key_type.name == "UNKNOWN_99"
    assert unknown.mode.value == 7
