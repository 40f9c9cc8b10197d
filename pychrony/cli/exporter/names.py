"""Reverse DNS names for ``source_name`` and ``tracking_name``, never on a scrape's time.

``--collector.dns-lookups`` (on by default, as in chrony_exporter) names
sources by their PTR records. A scrape only reads the cache: an address not
looked up yet (or whose lookup failed) stands in for its name, and a
lookup is queued for a background thread, so a slow or dead resolver can
never delay a scrape. Names are kept for ``ttl`` seconds, failures for
``negative_ttl``; several names of one address are sorted and joined with
commas, trailing dots dropped, as chrony_exporter shows them.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import queue
import socket
import threading
import time
from collections import OrderedDict

__all__ = ["ReverseNames"]

log = logging.getLogger("pychrony.exporter")

_PENDING = 256  # lookups queued at most; past that, the address waits for a later scrape


class ReverseNames:
    """A cache of reverse DNS names filled by background threads.

    Args:
        ttl: seconds a name found is kept.
        negative_ttl: seconds before an address without a name is asked again.
        size: addresses kept at most (the least recently used go first).
        threads: lookups running at once.
    """

    def __init__(
        self, ttl: float = 300.0, negative_ttl: float = 60.0, size: int = 4096, threads: int = 2
    ) -> None:
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self.size = size
        self._lock = threading.Lock()
        self._names: OrderedDict[str, tuple[str, float]] = OrderedDict()  # -> (name, expires)
        self._queued: set[str] = set()
        self._work: queue.Queue[str] = queue.Queue(_PENDING)
        self._threads = [
            threading.Thread(target=self._lookups, name=f"dns-{i}", daemon=True)
            for i in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def name(self, address: str) -> str:
        """The name known for ``address`` now, else ``address`` itself (a lookup is queued)."""
        try:
            ipaddress.ip_address(address)
        except ValueError:
            return address  # a reference clock's name, or nothing to look up
        now = time.monotonic()
        with self._lock:
            known = self._names.get(address)
            if known is not None:
                self._names.move_to_end(address)
                if known[1] > now:
                    return known[0]
            if address not in self._queued:
                with contextlib.suppress(queue.Full):
                    self._work.put_nowait(address)
                    self._queued.add(address)
        return known[0] if known is not None else address

    def _lookups(self) -> None:
        while True:
            address = self._work.get()
            try:
                host, aliases, _ = socket.gethostbyaddr(address)
                names = sorted({n.rstrip(".") for n in (host, *aliases) if n})
                found, ttl = ",".join(names) or address, self.ttl
            except (OSError, UnicodeError) as exc:
                log.debug("no reverse name", extra={"fields": {"address": address, "err": exc}})
                found, ttl = address, self.negative_ttl
            with self._lock:
                self._queued.discard(address)
                self._names[address] = (found, time.monotonic() + ttl)
                self._names.move_to_end(address)
                while len(self._names) > self.size:
                    self._names.popitem(last=False)
