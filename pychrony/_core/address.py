"""Which chronyd address to open, and over which transport."""

from __future__ import annotations

import os
from enum import Enum

__all__ = [
    "ADDRESS_ENV",
    "ADDRESS_SYNTAX",
    "DEFAULT_CANDIDATES",
    "Transport",
    "candidates_for",
    "port_text",
    "transport_of",
    "validate_address",
    "validate_port",
]

# chronyc's own order: the Unix socket, then the command port on localhost.
DEFAULT_CANDIDATES: tuple[str, ...] = ("/var/run/chrony/chronyd.sock", "127.0.0.1", "::1")

# Overrides DEFAULT_CANDIDATES for connections created without an address, as
# PGHOST does for libpq: points unchanged scripts at a non-default chronyd.
ADDRESS_ENV = "PYCHRONY_ADDRESS"

# libchrony copies the address into a 256-byte buffer; Unix paths must also fit
# sockaddr_un.sun_path (108 bytes), which libchrony checks itself.
_MAX_ADDRESS_LEN = 255

# What an address may look like, for messages.
ADDRESS_SYNTAX = (
    "an absolute Unix socket path, or IP, IP:PORT or [IPv6]:PORT "
    "with PORT 1-65535 in digits (323 when omitted)"
)


class Transport(Enum):
    """How a connection reaches chronyd.

    Attributes:
        UNIX_SOCKET: chronyd's Unix domain socket: its full control channel,
            open to root and chronyd's user only; serves every report.
        COMMAND_PORT: chronyd's UDP command port (323, localhost by default):
            monitoring only; chronyd 4.3-4.6 refuse selectdata, authdata,
            ntpdata and serverstats there.
    """

    UNIX_SOCKET = "unix_socket"
    COMMAND_PORT = "command_port"


def transport_of(address: str) -> Transport:
    """The transport libchrony uses for ``address`` (a leading ``/`` means Unix)."""
    return Transport.UNIX_SOCKET if address.startswith("/") else Transport.COMMAND_PORT


def validate_address(address: object) -> str | None:
    """Check a user-supplied address before it reaches C.

    Returns:
        The address, or None for auto-detection.

    Raises:
        TypeError: not a str (or None).
        ValueError: empty, too long, or containing a NUL byte.

    The port is checked when the address is opened (:func:`validate_port`),
    so constructing a connection stays free of errors about its address.
    """
    if address is None:
        return None
    if not isinstance(address, str):
        raise TypeError(
            f"address must be a str (socket path or IP address) or None, "
            f"not {type(address).__name__}"
        )
    if not address:
        raise ValueError("address must not be empty; use None to auto-detect")
    if "\0" in address:
        raise ValueError("address must not contain NUL bytes")
    if len(address.encode("utf-8", "surrogateescape")) > _MAX_ADDRESS_LEN:
        raise ValueError(f"address is longer than {_MAX_ADDRESS_LEN} bytes")
    return address


def candidates_for(address: str | None) -> tuple[str, ...]:
    """The addresses a connection asked for ``address`` tries, in order.

    An explicit address never falls back: asking for one transport must not
    silently land on another. None means ``$PYCHRONY_ADDRESS`` when set,
    else chronyd's defaults in chronyc's order.

    Raises:
        ValueError: ``$PYCHRONY_ADDRESS`` is not a valid address.
    """
    if address is not None:
        return (address,)
    from_env = os.environ.get(ADDRESS_ENV)
    if from_env:
        return (validate_address(from_env) or "",)
    return DEFAULT_CANDIDATES


def port_text(address: str) -> str | None:
    """The port part of a network address as libchrony splits it; None when it has none.

    libchrony takes what follows the last colon as the port when the address
    has exactly one colon (``IP:PORT``, ``name:PORT``) or starts with ``[``
    and has three or more (``[IPv6]:PORT``); any other address (``::1``,
    ``2001:db8::1``, a socket path) has no port part.
    """
    if address.startswith("/"):
        return None
    colons = address.count(":")
    if colons == 1 or (colons >= 3 and address.startswith("[")):
        return address.rpartition(":")[2]
    return None


def validate_port(address: str) -> None:
    """Refuse a port libchrony would misread, before it sees the address.

    libchrony reads the port with ``atoi`` into 16 bits, so ``:79046``,
    ``:-52026``, ``:13510junk``, ``: 13510`` and ``:+13510`` would all reach
    port 13510, and ``:0`` or ``:`` would reach nothing useful. A port is
    therefore ASCII digits only, 1 to 65535.

    Raises:
        ValueError: the port part is anything else; the message names the
            address and the accepted syntax.
    """
    port = port_text(address)
    if port is None:
        return
    if not port:
        problem = "an empty port"
    elif not (port.isascii() and port.isdigit()):
        problem = f"a port that is not all digits ({port!r})"
    elif not 1 <= int(port) <= 65535:
        problem = f"a port outside 1-65535 ({port})"
    else:
        return
    raise ValueError(f"address {address!r} has {problem}; expected {ADDRESS_SYNTAX}")
