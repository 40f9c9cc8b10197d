"""``pychrony --version``: pychrony's version, the libchrony it loaded, and chronyd's.

chronyd does not report its version over the command protocol (none of the
ten reports libchrony reads carries it), so chronyd's version is known only
for a daemon on this machine: the process serving the address that answered
is found through ``/proc`` and its binary asked (``chronyd -v``). A remote or
unreachable chronyd is said to be so, never guessed.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from .._core.address import host_of, port_text
from .._core.hints import cli_message
from ..connection import ChronyConnection
from ..exceptions import ChronyError, ChronyTimeoutError

__all__ = ["add_version_option", "version_lines"]

# How long --version may wait for chronyd, in all: one short try, no resend.
_PROBE_TIMEOUT = 0.3
_UNREPORTED = "not reported over the command protocol"
_COMMAND_PORT = 323  # chronyd's, where an address gives no port


def _libchrony_line() -> str:
    """``libchrony VERSION (PATH)``, from the library the binding actually loaded."""
    from .._native import load

    try:
        load()
    except ChronyError as exc:
        return f"libchrony: not loadable ({exc.message})"
    path = libchrony_file()
    if path is None:
        return "libchrony: loaded (its file is not visible in /proc/self/maps)"
    version = _pkg_config_version(path)
    if version is None:
        # The copy bundled in a wheel keeps no .pc file: its soname is all it says.
        soname = soname_version(path)
        version = f"(soname version {soname})" if soname else "(version not recorded)"
    return f"libchrony {version} ({path})"


def libchrony_file() -> Path | None:
    """The libchrony file this process has mapped, as ``/proc/self/maps`` shows it.

    The system's ``libchrony.so.N...`` or the copy a wheel bundles
    (``libchrony-HASH.so.N...``); None when libchrony is not loaded (yet).
    """
    with (
        contextlib.suppress(OSError),
        open("/proc/self/maps", encoding="utf-8", errors="replace") as maps,
    ):
        for line in maps:
            parts = line.split(maxsplit=5)
            if len(parts) == 6 and Path(parts[5].strip()).name.startswith("libchrony"):
                return Path(parts[5].strip())
    return None


def soname_version(library: Path) -> str | None:
    """The version a shared object's file name ends with: ``0.0.1`` of ``libchrony.so.0.0.1``."""
    match = re.search(r"\.so\.(\d+(?:\.\d+)*)$", library.name)
    return match.group(1) if match else None


def _pkg_config_version(library: Path) -> str | None:
    # scripts/provision and `make install` both put libchrony.pc in lib/pkgconfig.
    for directory in (library.parent, library.resolve().parent):
        with contextlib.suppress(OSError):
            text = (directory / "pkgconfig" / "libchrony.pc").read_text()
            match = re.search(r"^Version:\s*(\S+)", text, re.MULTILINE)
            if match:
                return match.group(1)
    return None


def _socket_inodes(address: str) -> set[str]:
    """Inodes of the local sockets chronyd serves ``address`` on (empty if not local)."""
    if address.startswith("/"):
        return _unix_inodes(address)
    try:
        ip = ipaddress.ip_address(host_of(address))
    except ValueError:
        return set()  # a host name: chronyd may be anywhere
    if not ip.is_loopback:
        return set()
    # The address answered, so its port (if any) passed validate_port: digits.
    port = port_text(address)
    return _udp_inodes(ip, int(port) if port else _COMMAND_PORT)


def _unix_inodes(path: str) -> set[str]:
    inodes = set()
    with contextlib.suppress(OSError), open("/proc/net/unix") as table:
        next(table, None)
        for line in table:
            parts = line.split()
            if len(parts) >= 8 and parts[7] == path:
                inodes.add(parts[6])
    return inodes


def _udp_inodes(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int) -> set[str]:
    table_name, width = ("udp", 8) if ip.version == 4 else ("udp6", 32)
    inodes = set()
    with contextlib.suppress(OSError), open(f"/proc/net/{table_name}") as table:
        next(table, None)
        for line in table:
            parts = line.split()
            if len(parts) < 10:
                continue
            local_ip, _, local_port = parts[1].partition(":")
            if int(local_port, 16) != port or len(local_ip) != width:
                continue
            # The kernel prints addresses as native-endian 32-bit words.
            raw = bytes.fromhex(local_ip)
            packed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            bound = ipaddress.ip_address(packed)
            if bound == ip or bound.is_unspecified:
                inodes.add(parts[9])
    return inodes


def _processes_holding(inodes: set[str]) -> Iterator[int]:
    links = {f"socket:[{inode}]" for inode in inodes}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in links:
                        yield int(entry.name)
                        break


def _local_chronyd_version(address: str) -> tuple[str, str] | None:
    """``(version, binary)`` of the local chronyd serving ``address``, if found."""
    inodes = _socket_inodes(address)
    if not inodes:
        return None
    for pid in _processes_holding(inodes):
        try:
            binary = os.readlink(f"/proc/{pid}/exe")
            if "chronyd" not in Path(binary).name:
                continue  # a relay or proxy in front of chronyd: not ours to run
            done = subprocess.run(
                [binary, "-v"], capture_output=True, text=True, timeout=2, check=False
            )
        except (OSError, subprocess.SubprocessError):
            continue
        match = re.search(r"version\s+(\S+)", done.stdout + done.stderr)
        if match:
            return match.group(1), binary
    return None


def _chronyd_line(addresses: Sequence[str | None]) -> str:
    """What can honestly be said of chronyd's version at ``addresses``."""
    lines = []
    for requested in addresses:
        try:
            with ChronyConnection(requested, timeout=_PROBE_TIMEOUT, retries=0) as conn:
                conn.get_tracking()
                answered = conn.address or str(requested)
        except ChronyTimeoutError:
            where = requested or "the default addresses"
            lines.append(f"chronyd: unknown (no answer from {where} within {_PROBE_TIMEOUT:g} s)")
            continue
        except ChronyError as exc:
            # The message names the address (or, for the defaults, each tried).
            lines.append(f"chronyd: unknown (not reached: {cli_message(exc)})")
            continue
        except (TypeError, ValueError) as exc:  # a malformed -a: say so, like the commands
            lines.append(f"chronyd: unknown ({exc})")
            continue
        local = _local_chronyd_version(answered)
        if local is None:
            lines.append(f"chronyd at {answered}: version unknown ({_UNREPORTED})")
        else:
            version, binary = local
            lines.append(f"chronyd {version} at {answered} (the local process {binary})")
    return "\n".join(lines)


def version_lines(addresses: Sequence[str | None] = (None,)) -> str:
    """The text of ``pychrony --version``: one line each for pychrony, libchrony, chronyd.

    Args:
        addresses: where to ask for chronyd (None: the default addresses).
    """
    return "\n".join(
        (f"pychrony {__version__}", _libchrony_line(), _chronyd_line(addresses or (None,)))
    )


class _VersionAction(argparse.Action):
    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", "show the versions of pychrony, libchrony and chronyd, and exit")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        # -a given before --version counts; later ones are not parsed yet.
        addresses = getattr(namespace, "addresses", None) or [None]
        print(version_lines(addresses))
        parser.exit()


def add_version_option(parser: argparse.ArgumentParser) -> None:
    """Give ``parser`` the ``-V``/``--version`` option."""
    parser.add_argument("-V", "--version", action=_VersionAction)
