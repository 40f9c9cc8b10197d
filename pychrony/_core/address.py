"""Which chronyd address to open, and over which transport."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from enum import Enum
from typing import Any

__all__ = [
    "ADDRESS_ENV",
    "ADDRESS_SYNTAX",
    "DEFAULT_CANDIDATES",
    "RESOLVER_SILENT",
    "ResolutionError",
    "Transport",
    "addresses_of",
    "candidates_for",
    "found_or_fail",
    "host_of",
    "is_name",
    "lookup_args",
    "port_text",
    "resolve",
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
    "an absolute Unix socket path, or HOST, HOST:PORT or [IPv6]:PORT (HOST an IP "
    "address or a host name) "
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


# What a host name may contain (letters, digits, '-', '_', '.'): anything else
# (spaces, a newline, a stray colon) cannot be a name and is refused as bad
# usage before any resolver sees it. Empty labels are left to the resolver,
# which refuses them itself without sending a query.
_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def host_of(address: str) -> str:
    """The host part of a network address (``[v6]:port`` and ``host:port`` split)."""
    port = port_text(address)
    host = address if port is None else address[: -len(port) - 1]
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host


def _is_ip(host: str) -> bool:
    import ipaddress  # on first use: a Unix socket address never needs it

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_name(address: str) -> bool:
    """Whether ``address`` names a host to resolve (not a socket path, not an IP).

    Raises:
        ValueError: the host part can be neither an IP address nor a name;
            the message names the address and the accepted syntax.
    """
    if address.startswith("/"):
        return False
    host = host_of(address)
    if _is_ip(host):
        return False
    if address.startswith("[") or not _NAME.fullmatch(host):
        raise ValueError(f"not a chronyd address: {address!r}; expected {ADDRESS_SYNTAX}")
    return True


RESOLVER_SILENT = "the resolver did not answer within the budget"


class ResolutionError(Exception):
    """A name that does not resolve (``reason`` says why), or a resolver that did not answer.

    ``host`` is the address as given (``name`` or ``name:port``).
    """

    def __init__(self, host: str, reason: str, *, timed_out: bool = False) -> None:
        super().__init__(f"{host}: {reason}")
        self.host = host
        self.reason = reason
        self.timed_out = timed_out


def _with_port(ip: str, port: str | None) -> str:
    if port is None:
        return ip
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def addresses_of(address: str, infos: list[tuple[Any, ...]]) -> tuple[str, ...]:
    """The IP addresses of ``getaddrinfo`` results, in its order, as libchrony reads them."""
    port = port_text(address)
    found: list[str] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        ip = str(sockaddr[0]).partition("%")[0]  # libchrony reads no scope id
        text = _with_port(ip, port)
        if text not in found:
            found.append(text)
    return tuple(found)


def lookup_args(address: str) -> tuple[str, None, int, int]:
    """``getaddrinfo`` arguments for a name: any family, as chronyc asks (UDP)."""
    return host_of(address), None, socket.AF_UNSPEC, socket.SOCK_DGRAM


def resolve(address: str, deadline: float) -> tuple[str, ...]:
    """Resolve a named address with ``getaddrinfo``, as chronyc does, by ``deadline``.

    The resolver runs in a daemon thread: one that hangs (a dead DNS server)
    cannot stretch the call's budget, and is abandoned at the deadline.

    Args:
        address: ``host`` or ``host:port``.
        deadline: a :func:`time.monotonic` instant.

    Returns:
        Every address found, in the resolver's order, with the port kept.

    Raises:
        ResolutionError: the name does not resolve, or not by the deadline.
    """
    host = host_of(address)
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["infos"] = socket.getaddrinfo(*lookup_args(address))
        except (OSError, UnicodeError) as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=work, name=f"pychrony-resolve-{host}", daemon=True)
    worker.start()
    worker.join(max(0.0, min(deadline - time.monotonic(), threading.TIMEOUT_MAX)))
    if worker.is_alive() or not outcome:
        raise ResolutionError(address, RESOLVER_SILENT, timed_out=True)
    return found_or_fail(address, outcome.get("infos"), outcome.get("error"))


def found_or_fail(
    address: str, infos: list[tuple[Any, ...]] | None, error: BaseException | None
) -> tuple[str, ...]:
    """The addresses of a finished lookup, or its :class:`ResolutionError` (naming ``address``)."""
    host = address
    if error is not None:
        if isinstance(error, UnicodeError):
            # Python's IDNA step refuses it before any query is sent.
            raise ResolutionError(host, "not a valid host name (an empty or too long label)")
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise ResolutionError(host, f"the name does not resolve ({reason})")
    found = addresses_of(address, infos or [])
    if not found:
        raise ResolutionError(host, "the name has no IPv4 or IPv6 address")
    return found
