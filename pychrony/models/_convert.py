"""Conversions from libchrony's raw values to model attribute types."""

from __future__ import annotations

import functools
from typing import Any

__all__ = [
    "PLACEHOLDER_PREFIX",
    "is_placeholder",
    "ref_id_name",
    "seconds",
    "source_address",
    "text",
]

# How libchrony prints the address of a source whose name is not resolved yet
# (chronyd's IPADDR_ID family): "ID#" and ten digits, e.g. ID#0000000001.
PLACEHOLDER_PREFIX = "ID#"


def seconds(timespec: tuple[int, int]) -> float:
    """A ``(seconds, nanoseconds)`` timespec as float seconds since the epoch."""
    sec, nsec = timespec
    return sec + nsec * 1e-9


def text(value: str | None) -> str:
    """A libchrony string; an address with no family (NULL) becomes ``""``."""
    return "" if value is None else value


# Every record of tracking and sourcestats carries a reference ID, and they
# repeat: remember the text of the recent ones (typed: 1.0 must still fail).
@functools.lru_cache(maxsize=1024, typed=True)
def ref_id_name(ref_id: int) -> str:
    """A reference ID as people read it.

    Reference clocks use four ASCII characters ("GPS", "PPS0"); NTP sources use
    their IPv4 address (or a hash of an IPv6 one), shown as a dotted quad.
    """
    raw = (ref_id & 0xFFFFFFFF).to_bytes(4, "big")
    if any(raw) and all(b == 0 or 32 <= b < 127 for b in raw):
        return raw.rstrip(b"\0").decode("ascii")
    return ".".join(str(b) for b in raw)


def source_address(value: Any) -> str:
    """A source's address; a reference clock has its reference ID instead."""
    if isinstance(value, int):
        return ref_id_name(value)
    return text(value)


def is_placeholder(address: str | None) -> bool:
    """Whether ``address`` is chronyd's placeholder for a name not resolved yet.

    ``chronyc sources`` hides such sources unless given ``-a``. None (a
    reference clock's ntpdata record, which has no address) is no placeholder.
    """
    return address is not None and address.startswith(PLACEHOLDER_PREFIX)
