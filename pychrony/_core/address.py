"""Which chronyd address to open, and over which transport."""

from __future__ import annotations

from enum import Enum

__all__ = ["ADDRESS_ENV", "DEFAULT_CANDIDATES", "Transport", "transport_of", "validate_address"]

# chronyc's own order: the Unix socket, then the command port on localhost.
DEFAULT_CANDIDATES: tuple[str, ...] = ("/var/run/chrony/chronyd.sock", "127.0.0.1", "::1")

# Overrides DEFAULT_CANDIDATES for connections created without an address, as
# PGHOST does for libpq: points unchanged scripts at a non-default chronyd.
ADDRESS_ENV = "PYCHRONY_ADDRESS"

# libchrony copies the address into a 256-byte buffer; Unix paths must also fit
# sockaddr_un.sun_path (108 bytes), which libchrony checks itself.
_MAX_ADDRESS_LEN = 255


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
