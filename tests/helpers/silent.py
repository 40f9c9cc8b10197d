"""UDP ports on loopback that take requests and never answer: a chronyd gone quiet.

Sends to them succeed and nothing refuses (no ICMP port unreachable), so a client
waits its whole budget. :func:`silent_port` is the plain one; :class:`SilentServer`
also reads and counts the requests, for tests that check how many were sent.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def silent_port() -> Iterator[str]:
    """Yield "127.0.0.1:PORT" of a bound UDP socket nobody reads; closed on exit."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{sock.getsockname()[1]}"


class SilentServer:
    """A UDP socket on loopback that reads requests and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.requests = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sock.recv(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            self.requests += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()
