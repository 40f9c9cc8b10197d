"""``/probe?target=ADDRESS``: one exporter reading many chronyds, as blackbox_exporter does.

Prometheus passes the chronyd to read in the URL (``relabel_configs`` copy
``__address__`` to ``__param_target``), so one exporter watches a fleet. An
exporter that reads whatever address it is given would be an open relay for
anyone who can reach it; a target is therefore read only when
``--probe.allow`` names it, and none is by default:

* an IP address or CIDR network (``192.0.2.7``, ``10.0.0.0/8``,
  ``2001:db8::/32``) allows IP targets inside it, on any port;
* a host name (``ntp1.example.net``) allows that name, compared without
  regard to case (the name is not resolved to decide: a target spelt as an
  address must be allowed as an address);
* an absolute socket path (``/run/chrony/chronyd.sock`` or
  ``unix:///run/chrony/chronyd.sock``) allows that Unix socket.

A target outside the list gets ``403 Forbidden`` before anything is sent to
it. An allowed target is read within the scrape's time: the smaller of
``--scrape-timeout`` and Prometheus' ``X-Prometheus-Scrape-Timeout-Seconds``
less a margin for the answer's way back, so a dead chronyd answers
``chrony_up 0`` in time.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from ..._core.address import host_of, validate_address, validate_port
from ...models.catalog import REPORTS, ReportSpec
from ..query import Target
from .collector import ChronyCollector
from .server import plain_response

__all__ = [
    "PROBE_PATH",
    "ProbeAllow",
    "ProbeTarget",
    "Prober",
    "parse_allow",
    "parse_target",
    "probe_budget",
]

PROBE_PATH = "/probe"
# Of Prometheus' scrape timeout, what the answer needs to travel back and be
# parsed: blackbox_exporter's default offset, or a quarter of a short timeout.
_MARGIN = 0.5
_MIN_BUDGET = 0.05  # seconds: below this no chronyd could answer
_CACHED_TARGETS = 256  # collectors kept (each target's failure counts); the oldest go
_SCRAPE_TIMEOUT_HEADER = "HTTP_X_PROMETHEUS_SCRAPE_TIMEOUT_SECONDS"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class ProbeTarget:
    """A ``target`` parameter taken apart.

    Attributes:
        address: what libchrony opens (``HOST``, ``HOST:PORT``,
            ``[V6]:PORT`` or an absolute socket path).
        host: the host part (no brackets, no port); the path for a socket.
        is_socket: whether ``address`` is a Unix socket path.
    """

    address: str
    host: str
    is_socket: bool


def _strip_unix(text: str) -> str:
    return text[len("unix://") :] if text.startswith("unix://") else text


def parse_target(text: str) -> ProbeTarget:
    """``HOST``, ``HOST:PORT``, ``[V6]:PORT``, ``/path`` or ``unix:///path`` as a target.

    Raises:
        ValueError: empty, malformed, or a port libchrony would misread.
    """
    address = validate_address(_strip_unix(text.strip()))
    if address is None:  # pragma: no cover - validate_address returns None only for None
        raise ValueError("target must not be empty")
    if address.startswith("/"):
        if os.path.normpath(address) != address:
            raise ValueError(f"target {text!r}: socket path is not in normal form")
        return ProbeTarget(address, address, True)
    if text.startswith("unix://"):
        raise ValueError(f"target {text!r}: unix:// needs an absolute path")
    validate_port(address)
    host = host_of(address)
    if not host or any(c in host for c in "[]/ "):
        raise ValueError(f"target {text!r} is not HOST, HOST:PORT, [IPv6]:PORT or a socket path")
    return ProbeTarget(address, host, False)


@dataclass(frozen=True)
class ProbeAllow:
    """What ``--probe.allow`` lets ``/probe`` read.

    Attributes:
        networks: IP networks (a single address is a /32 or /128).
        names: host names, lower case.
        sockets: absolute Unix socket paths.
    """

    networks: tuple[Network, ...] = ()
    names: frozenset[str] = frozenset()
    sockets: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.networks or self.names or self.sockets)

    def allows(self, target: ProbeTarget) -> bool:
        """Whether ``target`` may be read (decided from its spelling; nothing is resolved)."""
        if target.is_socket:
            return target.address in self.sockets
        try:
            ip = ipaddress.ip_address(target.host)
        except ValueError:
            return target.host.lower().rstrip(".") in self.names
        return any(ip.version == net.version and ip in net for net in self.networks)


def parse_allow(entries: Sequence[str]) -> ProbeAllow:
    """``--probe.allow`` values (each may hold several, comma-separated) as a :class:`ProbeAllow`.

    Raises:
        ValueError: an entry that is no address, network, name or absolute path.
    """
    networks: list[Network] = []
    names: set[str] = set()
    sockets: set[str] = set()
    for entry in entries:
        for item in (part.strip() for part in entry.split(",")):
            if not item:
                continue
            path = _strip_unix(item)
            if path.startswith("/"):
                sockets.add(os.path.normpath(path))
                continue
            if item.startswith("unix://"):
                raise ValueError(f"--probe.allow {item!r}: unix:// needs an absolute path")
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            name = item.lower().rstrip(".")
            labels = name.split(".")
            if not name or not all(
                label and len(label) <= 63 and label.replace("-", "").replace("_", "").isalnum()
                for label in labels
            ):
                raise ValueError(
                    f"--probe.allow {item!r} is not an IP address, CIDR network, host name "
                    "or absolute socket path"
                )
            names.add(name)
    return ProbeAllow(tuple(networks), frozenset(names), frozenset(sockets))


def probe_budget(scrape_timeout: float, header: str | None) -> float:
    """Seconds a probe may spend reading chronyd.

    The exporter's ``--scrape-timeout``, shortened to fit Prometheus' own
    timeout (the ``X-Prometheus-Scrape-Timeout-Seconds`` header) less the
    margin the answer needs; a missing or unusable header changes nothing.
    """
    if header is None:
        return scrape_timeout
    try:
        theirs = float(header)
    except ValueError:
        return scrape_timeout
    if not theirs > 0 or theirs == float("inf"):
        return scrape_timeout
    margin = min(_MARGIN, theirs / 4)
    return max(_MIN_BUDGET, min(scrape_timeout, theirs - margin))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``/probe`` options."""
    group = parser.add_argument_group("multi-target probes (/probe?target=ADDRESS)")
    group.add_argument(
        "--probe.allow",
        dest="probe_allow",
        action="append",
        default=[],
        metavar="TARGETS",
        help="chronyds /probe may read: IP addresses, CIDR networks, host names or "
        "unix:///socket/paths, comma-separated or repeated; none by default (/probe "
        "answers 403), so the exporter is never an open relay",
    )


class Prober:
    """Serves ``/probe``: checks the target against the allowlist, then reads it.

    Args:
        allow: the targets that may be read.
        reports: the collectors used when the request names none.
        scrape_timeout: the most a probe may spend reading chronyd.
        timeout: libchrony's wait before each resend to a target.
        retries: libchrony's resends to a target.
        include_unresolved: as for :class:`ChronyCollector`.
        sources_peer: as for :class:`ChronyCollector`.
        max_reads: reads in flight at once over all targets.
    """

    def __init__(
        self,
        allow: ProbeAllow,
        reports: Sequence[ReportSpec[Any]],
        scrape_timeout: float,
        timeout: float,
        retries: int,
        *,
        include_unresolved: bool = False,
        sources_peer: bool = False,
        max_reads: int = 16,
    ) -> None:
        self.sources_peer = sources_peer
        self.allow = allow
        self.reports = tuple(reports)
        self.scrape_timeout = scrape_timeout
        self.timeout = timeout
        self.retries = retries
        self.include_unresolved = include_unresolved
        self._reads = threading.BoundedSemaphore(max_reads)
        self._lock = threading.Lock()
        self._collectors: OrderedDict[tuple[str, tuple[str, ...]], ChronyCollector] = OrderedDict()

    def _collector(self, address: str, reports: tuple[ReportSpec[Any], ...]) -> ChronyCollector:
        key = (address, tuple(spec.name for spec in reports))
        with self._lock:
            found = self._collectors.get(key)
            if found is not None:
                self._collectors.move_to_end(key)
                return found
            made = ChronyCollector(
                Target(address, self.timeout, self.retries),
                reports,
                self.scrape_timeout,
                include_unresolved=self.include_unresolved,
                reads=self._reads,
                sources_peer=self.sources_peer,
            )
            self._collectors[key] = made
            while len(self._collectors) > _CACHED_TARGETS:
                self._collectors.popitem(last=False)
            return made

    def _reports(self, names: list[str]) -> tuple[ReportSpec[Any], ...]:
        if not names:
            return self.reports
        wanted = {n.strip() for name in names for n in name.split(",") if n.strip()}
        known = {spec.name for spec in REPORTS}
        unknown = sorted(wanted - known)
        if unknown:
            raise ValueError(f"unknown collector {', '.join(unknown)}")
        return tuple(spec for spec in REPORTS if spec.name in wanted)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """The WSGI application of ``/probe``."""
        from prometheus_client import CollectorRegistry, make_wsgi_app

        params = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        texts = params.get("target", [])
        if len(texts) != 1 or not texts[0]:
            return plain_response(
                "400 Bad Request", "target parameter is missing\n", start_response
            )
        try:
            target = parse_target(texts[0])
            reports = self._reports(params.get("collector", []))
        except ValueError as exc:
            return plain_response("400 Bad Request", f"{exc}\n", start_response)
        if not self.allow:
            return plain_response(
                "403 Forbidden", "no probe target is allowed (--probe.allow)\n", start_response
            )
        if not self.allow.allows(target):
            return plain_response(
                "403 Forbidden",
                f"target {texts[0]!r} is not allowed by --probe.allow\n",
                start_response,
            )
        budget = probe_budget(self.scrape_timeout, environ.get(_SCRAPE_TIMEOUT_HEADER))
        collector = self._collector(target.address, reports)
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Budgeted(collector, budget))
        # prometheus_client's own WSGI app: text or OpenMetrics by Accept, gzip.
        environ = dict(environ, QUERY_STRING="")  # its name[] filter is not ours to offer
        result: Iterable[bytes] = make_wsgi_app(registry)(environ, start_response)
        return result

    def wait_for_reads(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for every target's reads; return those left."""
        deadline = time.monotonic() + timeout
        with self._lock:
            collectors = list(self._collectors.values())
        return sum(c.wait_for_reads(max(0.0, deadline - time.monotonic())) for c in collectors)


class _Budgeted:
    """One scrape of a target's collector, within this request's budget."""

    def __init__(self, collector: ChronyCollector, budget: float) -> None:
        self.collector = collector
        self.budget = budget

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> Iterable[Any]:
        return self.collector.collect(self.budget)
