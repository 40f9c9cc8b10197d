"""Authentication of sources: ``chronyc authdata`` (symmetric keys and NTS).

Annotations are evaluated when the classes are created (no ``from __future__
import annotations`` here), so ``dataclasses.fields(Model)[i].type`` is the
type itself (``int``, ``SourceState``), as in pychrony 2.x.
"""

from dataclasses import dataclass, field

from ._declare import source
from ._enum import _TolerantEnum
from .units import Unit

__all__ = ["AuthData", "AuthMode", "KeyType"]


class AuthMode(_TolerantEnum):
    """How chronyd authenticates a source (``Mode`` of ``chronyc authdata``).

    Attributes:
        NONE: no authentication (``-``).
        SYMMETRIC_KEY: a symmetric key from the key file (``SK``).
        NTS: Network Time Security (``NTS``).
    """

    NONE = 0
    SYMMETRIC_KEY = 1
    NTS = 2


class KeyType(_TolerantEnum):
    """Hash or cipher of a source's key (``KeyType`` of ``chronyc authdata``).

    ``NONE`` (0) means the source has no key.
    """

    NONE = 0
    MD5 = 1
    SHA1 = 2
    SHA256 = 3
    SHA384 = 4
    SHA512 = 5
    SHA3_224 = 6
    SHA3_256 = 7
    SHA3_384 = 8
    SHA3_512 = 9
    TIGER = 10
    WHIRLPOOL = 11
    AES128 = 13
    AES256 = 14
    AEAD_AES_SIV_CMAC_256 = 15
    AEAD_AES_128_GCM_SIV = 30


@dataclass(frozen=True, slots=True)
class AuthData:
    """Authentication of one source (a line of ``chronyc authdata``).

    libchrony gives no address in this report: records come in the order of
    :meth:`pychrony.ChronyConnection.get_sources`. Unix socket only (UDP on
    chronyd 4.7+ with ``opencommands``). A reference clock has no such data:
    chronyd sends its record with no fields, and every attribute is None.

    Attributes:
        mode: how the source is authenticated.
        key_type: hash or cipher of the key.
        key_id: ID of the symmetric key, or of the NTS key.
        key_length: key length, bits.
        key_establishment_attempts: NTS-KE attempts since the last success.
        last_key_establishment_ago: seconds since the last NTS key establishment.
        cookies: NTS cookies held.
        cookie_length: length of the NTS cookies, bytes.
        nak: whether the server answered with an NTS NAK.
    """

    mode: AuthMode | None = field(metadata=source("mode", convert=AuthMode, unit=Unit.ENUM))
    key_type: KeyType | None = field(metadata=source("key type", convert=KeyType, unit=Unit.ENUM))
    key_id: int | None = field(metadata=source("key ID", unit=Unit.INDEX))
    key_length: int | None = field(metadata=source("key length", unit=Unit.BITS))
    key_establishment_attempts: int | None = field(
        metadata=source("key establishment attempts", unit=Unit.COUNT)
    )
    last_key_establishment_ago: int | None = field(
        metadata=source("last key establishment ago", unit=Unit.INTERVAL)
    )
    cookies: int | None = field(metadata=source("cookies", unit=Unit.COUNT))
    cookie_length: int | None = field(metadata=source("cookie length", unit=Unit.BYTES))
    nak: bool | None = field(metadata=source("NAK", convert=bool, unit=Unit.BOOLEAN))

    def is_authenticated(self) -> bool:
        """Whether the source uses any authentication (False for a reference clock)."""
        return self.mode is not None and self.mode is not AuthMode.NONE
