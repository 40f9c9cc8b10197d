"""Reading chronyd at every scrape, within the scrape's time, into metric families.

Each scrape reads chronyd in a thread of its own and waits for it at most the
scrape timeout, so a silent chronyd costs a scrape ``chrony_up 0``, never a
hang. A read that outlives its scrape finishes on its own within its
connection's budget; at most ``max_reads`` run at once, so a stuck chronyd
under frequent scrapes cannot pile up threads.
"""

from __future__ import annotations

import contextlib
import logging
import platform
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ... import __version__
from ...connection import ChronyConnection
from ...exceptions import ChronyError
from ...models.catalog import ReportSpec
from ...report_results import ReportResults, fetch_many
from ..query import Target, one_line
from ..values import listed, listed_auth
from ..version import libchrony_file, soname_version
from .names import ReverseNames

if TYPE_CHECKING:
    from ..metrics import Namer

__all__ = ["ChronyCollector", "libchrony_version"]

log = logging.getLogger("pychrony.exporter")

_MAX_READS = 16  # default ceiling on reads of chronyd in flight at once


def libchrony_version() -> str:
    """The loaded libchrony's file version (``0.0.1`` of ``libchrony.so.0.0.1``).

    libchrony has no version call; the shared object's real file name is the
    one version on the machine (:func:`pychrony.cli.version.libchrony_file`).
    Empty when libchrony is not loaded (yet).
    """
    global _libchrony_version
    if _libchrony_version is None:
        path = libchrony_file()
        if path is None:
            return ""
        _libchrony_version = soname_version(path) or "unknown"
    return _libchrony_version


_libchrony_version: str | None = None


class ChronyCollector:
    """A prometheus_client collector that reads chronyd at every scrape.

    Args:
        target: the chronyd to read.
        reports: the reports (collectors) switched on.
        scrape_timeout: seconds a scrape may spend reading chronyd.
        max_reads: reads of chronyd in flight at once, counting those that
            outlived their scrape; a scrape past it answers ``chrony_up 0``.
        names: reverse DNS names for ``source_name`` and ``tracking_name``;
            None leaves the address there.
        include_unresolved: export placeholder sources (names chronyd has not
            resolved yet) too; they are left out by default, as chronyc does.
        sources_peer: also chrony_exporter's ``chrony_sources_peer_*``
            families from ntpdata (``--collector.sources.with-ntpdata``).
        reads: a semaphore bounding reads in flight, shared with other
            collectors (``/probe``'s, one per target); else one of
            ``max_reads`` of this collector's own.
    """

    def __init__(
        self,
        target: Target,
        reports: Sequence[ReportSpec[Any]],
        scrape_timeout: float,
        max_reads: int = _MAX_READS,
        names: ReverseNames | None = None,
        *,
        include_unresolved: bool = False,
        reads: threading.BoundedSemaphore | None = None,
        sources_peer: bool = False,
    ) -> None:
        self.sources_peer = sources_peer
        self.target = target
        self.include_unresolved = include_unresolved
        self.names = names
        self.reports = tuple(reports)
        self.scrape_timeout = scrape_timeout
        self._reads = reads if reads is not None else threading.BoundedSemaphore(max_reads)
        self._in_flight = 0
        self._lock = threading.Condition()
        self._failures = dict.fromkeys((spec.name for spec in self.reports), 0)

    def describe(self) -> list[Any]:
        """Nothing up front: registering must not read chronyd."""
        return []

    def reads_in_flight(self) -> int:
        """Reads of chronyd still running (inside libchrony or about to be)."""
        with self._lock:
            return self._in_flight

    def wait_for_reads(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for reads in flight to end; return those left."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._in_flight and time.monotonic() < deadline:
                self._lock.wait(max(0.0, deadline - time.monotonic()))
            return self._in_flight

    def _read(self, box: dict[str, Any]) -> None:
        # Runs in its own thread; reports what it got through `box`.
        try:
            with ChronyConnection(
                self.target.address, timeout=self.target.timeout, retries=self.target.retries
            ) as conn:
                # A report refused or unusable fails its collector only.
                results = box["results"] = fetch_many(conn, self.reports)
                if results.reports.get("authdata") is not None:
                    # Its records carry no address: pair them with the sources.
                    sources = results.reports.get("sources")
                    if sources is None:
                        with contextlib.suppress(ChronyError):  # then left unpaired
                            sources = conn.get_sources()
                    box["sources"] = sources
            box["up"] = True
        except ChronyError as exc:
            box["error"] = one_line(str(exc))
        except Exception as exc:
            box["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            self._reads.release()
            with self._lock:
                self._in_flight -= 1
                self._lock.notify_all()

    def _start_read(self, box: dict[str, Any]) -> threading.Thread | None:
        if not self._reads.acquire(blocking=False):
            box["error"] = "too many reads of chronyd still in flight"
            return None
        with self._lock:
            self._in_flight += 1
        reader = threading.Thread(target=self._read, args=(box,), name="chrony-read", daemon=True)
        try:
            reader.start()
        except RuntimeError as exc:  # no thread to be had
            self._reads.release()
            with self._lock:
                self._in_flight -= 1
            box["error"] = str(exc)
            return None
        return reader

    def _count_failure(self, name: str, reason: str) -> None:
        log.warning("collector failed", extra={"fields": {"collector": name, "err": reason}})
        with self._lock:
            self._failures[name] = self._failures.get(name, 0) + 1

    def _namer(self) -> Namer | None:
        # The label values the families put beside a source's address. Each
        # address is looked up in the cache once per scrape: it labels a
        # sample of nearly every family, and one scrape then names it the
        # same way throughout.
        names = self.names
        if names is None:
            return None
        named: dict[str, str] = {}

        def name(address: str) -> str:
            found = named.get(address)
            if found is None:
                found = named[address] = names.name(address)
            return found

        return name

    def collect(self, timeout: float | None = None) -> Iterator[Any]:
        """Read chronyd now and yield its metrics, ``chrony_up`` last.

        Args:
            timeout: seconds this scrape may wait for chronyd; None is the
                collector's ``scrape_timeout``.
        """
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        from ..metrics import families

        started = time.monotonic()
        wait = self.scrape_timeout if timeout is None else timeout
        box: dict[str, Any] = {}
        reader = self._start_read(box)
        if reader is not None:
            reader.join(wait)
        up = reader is not None and not reader.is_alive() and bool(box.get("up"))
        success = GaugeMetricFamily(
            "chrony_scrape_collector_success",
            "Whether the collector's report was read successfully",
            labels=["collector"],
        )
        if up:
            results: ReportResults = box["results"]
            namer = self._namer()
            for spec in self.reports:
                error = results.errors.get(spec.name)
                success.add_metric([spec.name], 0.0 if error else 1.0)
                if error is None:
                    value: Any = results.reports[spec.name]
                    if spec.name == "authdata" and value is not None:
                        value = listed_auth(value, box.get("sources"), self.include_unresolved)
                    elif spec.many and value is not None:
                        value = listed(value, self.include_unresolved)
                    yield from families(spec, value, sources_peer=self.sources_peer, namer=namer)
                else:
                    self._count_failure(spec.name, one_line(str(error)))
        else:
            if reader is not None and reader.is_alive():
                reason = f"chronyd did not answer within {wait:g} s"
            else:
                reason = str(box.get("error", "no answer"))
            for spec in self.reports:
                success.add_metric([spec.name], 0.0)
                self._count_failure(spec.name, reason)
        yield success
        failures = CounterMetricFamily(
            "pychrony_exporter_collector_failures",
            "Scrapes in which the collector's report could not be read, since the exporter started",
            labels=["collector"],
        )
        with self._lock:
            for name, count in self._failures.items():
                failures.add_metric([name], float(count))
        yield failures
        duration = GaugeMetricFamily(
            "chrony_scrape_duration_seconds", "Time spent reading chronyd for this scrape"
        )
        duration.add_metric([], time.monotonic() - started)
        yield duration
        yield build_info()
        up_family = GaugeMetricFamily("chrony_up", "Whether the chrony server is up.")
        up_family.add_metric([], 1.0 if up else 0.0)
        yield up_family


def build_info() -> Any:
    """``pychrony_exporter_build_info``: 1, labelled with the versions in use."""
    from prometheus_client.core import GaugeMetricFamily

    info = GaugeMetricFamily(
        "pychrony_exporter_build_info",
        "The exporter's build: pychrony, libchrony and Python versions (always 1)",
        labels=["version", "libchrony_version", "python_version"],
    )
    info.add_metric([__version__, libchrony_version(), platform.python_version()], 1.0)
    return info
