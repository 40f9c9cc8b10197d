"""A sandboxed pair of chronyd daemons on loopback, for tests and demos.

:class:`Sandbox` starts two unprivileged-safe chronyd processes in a private
temporary directory:

* a **server** chronyd (``local stratum 8``) answering NTP on a free port of
  the loopback range;
* a **client** chronyd that polls it several times a second through several
  loopback addresses (127.0.0.1, 127.0.0.2, ...), so one server appears as many
  sources, plus one source that never answers. Its command interface listens
  on a Unix socket and on a UDP command port on 127.0.0.1.

Options give the client what production deployments have: a reference clock
(``refclock SOCK``, as a GPS/PPS-disciplined server has), ``server`` names the
resolver cannot resolve yet (chronyd keeps them as placeholder sources), or no
reachable source at all (an unsynchronised daemon).

``profile="deployment"`` gives the client the sources a real deployment has,
each where the chronyd release accepts it (see :data:`PROFILES`): a
preferred, a trusted and a ``noselect`` source, one that never answers, one
authenticated with a symmetric key, one with NTS (a self-signed certificate
made at start-up), a placeholder whose name never resolves, ``maxstratum``
with a source above it (4.9+), ``opencommands`` so the UDP command port
serves every report (4.7+), and an emulated real-time clock so ``rtcdata``
has live values.

Neither daemon touches the system clock (``-x``), the system's chronyd socket
or pid file. :meth:`Sandbox.start` returns once the client is synchronised
(or, with no reachable source, once it answers).

Run ``python -m pychrony.sandbox -- COMMAND...`` to run a command against a
fresh sandbox: ``PYCHRONY_ADDRESS`` points pychrony at it, and its addresses
are in ``PYCHRONY_SANDBOX_SOCKET``, ``PYCHRONY_SANDBOX_UDP`` and
``PYCHRONY_SANDBOX_SERVER_SOCKET``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType, TracebackType

from pychrony._core.address import ADDRESS_ENV

__all__ = ["PROFILES", "Sandbox", "SandboxError", "chronyd_version", "find_chrony_binary"]

_SEARCH_DIRS = ("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin")
_INSTALL_HINT = (
    "install chrony (Debian/Ubuntu: apt-get install chrony, or scripts/provision "
    "from a pychrony checkout; Fedora/RHEL: dnf install chrony)"
)


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """Wait for a chronyd sent SIGTERM; kill it if it has not gone in 5 s."""
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


class SandboxError(RuntimeError):
    """The sandbox could not be started (missing chronyd, daemon failure, timeout)."""


def find_chrony_binary(name: str) -> str:
    """Locate ``chronyd`` or ``chronyc``.

    ``$PYCHRONY_CHRONYD`` / ``$PYCHRONY_CHRONYC`` win, then ``PATH``, then the
    usual system directories (chronyd lives in ``sbin``, often not on a user's
    ``PATH``).

    Raises:
        SandboxError: when the binary is nowhere to be found.
    """
    override = os.environ.get(f"PYCHRONY_{name.upper()}")
    if override:
        return override
    found = shutil.which(name)
    if found:
        return found
    home_local = str(Path.home() / ".local")
    for directory in (*_SEARCH_DIRS, f"{home_local}/sbin", f"{home_local}/bin"):
        candidate = Path(directory) / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
    raise SandboxError(f"{name} not found: {_INSTALL_HINT}")


def _free_port(kind: socket.SocketKind = socket.SOCK_DGRAM, host: str = "127.0.0.1") -> int:
    """A port of ``host`` free for a socket of ``kind`` (UDP unless told: NTP and commands)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


_VERSION = re.compile(r"version (\d+(?:\.\d+)*)")


def chronyd_version(chronyd: str) -> tuple[int, ...]:
    """The release of a chronyd binary, from ``chronyd -v`` (``(4, 6, 1)``).

    Raises:
        SandboxError: the binary does not run or prints no version.
    """
    try:
        proc = subprocess.run(
            [chronyd, "-v"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxError(f"cannot run {chronyd} -v: {exc}") from exc
    match = _VERSION.search(proc.stdout + proc.stderr)
    if match is None:
        raise SandboxError(f"{chronyd} -v printed no version: {proc.stdout.strip()!r}")
    return tuple(int(part) for part in match.group(1).split("."))


#: The profiles ``Sandbox(profile=...)`` accepts.
PROFILES = ("basic", "deployment")

# The first release accepting each directive the deployment profile uses.
MAXSTRATUM_SINCE = (4, 9)
OPENCOMMANDS_SINCE = (4, 7)
# The reports the deployment profile opens to the UDP command port (4.7+): every
# report libchrony asks for, those chronyd serves there by default included.
OPEN_COMMANDS = (
    "activity",
    "authdata",
    "ntpdata",
    "rtcdata",
    "selectdata",
    "serverstats",
    "smoothing",
    "sourcename",
    "sources",
    "sourcestats",
    "tracking",
)
SYMMETRIC_KEY_ID = 1
# The NTS source's name (chronyd 4.0 refuses NTS with an address); the shim
# resolves it to the NTS source's loopback address.
NTS_NAME = "nts.pychrony-sandbox.test"
# maxstratum in the deployment profile, and the stratum of the server above it.
MAX_STRATUM = 10
HIGH_STRATUM = 12


# Names in the reserved .invalid domain, which the sandbox's resolver shim
# answers with "try again" (EAI_AGAIN) without sending any query: chronyd then
# keeps such a source as a placeholder, as it does while a network is down.
UNRESOLVABLE_DOMAIN = "invalid"
_SHIM_SOURCE = Path(__file__).with_name("_sandbox_shim.c")


def _build_shim(directory: Path) -> Path:
    """Compile the resolver shim (``LD_PRELOAD``) into ``directory``.

    Raises:
        SandboxError: no C compiler, or it failed.
    """
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise SandboxError(
            "unresolvable sources and the emulated RTC need a C compiler (cc) for the shim"
        )
    out = directory / "sandbox-shim.so"
    cmd = [
        compiler,
        "-shared",
        "-fPIC",
        "-O2",
        "-o",
        str(out),
        str(_SHIM_SOURCE),
        "-ldl",
        "-pthread",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SandboxError(f"building the sandbox shim failed: {proc.stderr.strip()}")
    return out


def _user_options() -> list[str]:
    # As root, chronyd would drop to the distribution's "_chrony" user, which
    # cannot read our private directory; otherwise -U lets it run unprivileged.
    if os.geteuid() == 0:
        return ["-u", "root"]
    import pwd

    return ["-U", "-u", pwd.getpwuid(os.geteuid()).pw_name]


class Sandbox:
    """A server chronyd and a client chronyd synchronised to it on loopback.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.

    Args:
        sources: loopback addresses through which the client polls the server
            (127.0.0.1 .. 127.0.0.N), each one a reachable source. 0 leaves
            the client unsynchronised (stratum 0, leap status "not
            synchronised"), for trying what monitoring says then.
        unreachable_sources: extra sources on addresses where nothing answers.
        smoothing: enable chronyd's time smoothing (``smoothtime``), so the
            smoothing report answers.
        directory: where to keep configuration, sockets and logs; a fresh
            temporary directory (removed by :meth:`stop`) when None.
        sync_timeout: seconds :meth:`start` waits for the client to synchronise.
        refclock: give the client a reference clock (``refclock SOCK``, refid
            ``GPS``) that nothing feeds: it is listed as a source with no NTP
            data, as on every GPS-disciplined server.
        unresolvable_sources: ``server`` names the resolver cannot resolve
            (``unresolved-N.invalid``); chronyd lists each as a placeholder
            source (``ID#000000000N``). Needs a C compiler for the resolver
            shim.
        extra_client_config: more chrony.conf lines for the client.
        chronyd: the chronyd binary to run; :func:`find_chrony_binary` when None.
        chronyc: the chronyc binary for :meth:`chronyc`; likewise.
        profile: ``"basic"`` (the sources above) or ``"deployment"``: the
            first source ``prefer``, the second ``trust``, plus a ``noselect``
            source, one authenticated with a symmetric key, one with NTS, one
            placeholder, ``maxstratum`` with a source above it (chronyd 4.9+),
            ``opencommands`` for every report on the UDP port (4.7+), a
            reference clock and an emulated real-time clock. Needs ``openssl`` (the NTS certificate)
            and a C compiler (the shim); at least two ``sources``.

    Attributes:
        socket_path: the client's Unix command socket.
        udp_address: the client's UDP command port, as ``127.0.0.1:PORT``.
        server_socket_path: the server's Unix command socket (its serverstats
            count the client's NTP requests).
        ntp_port: the server's NTP port.
        version: the chronyd release, known once :meth:`start` ran.
        nts_address: the deployment profile's NTS source ("" in the basic one).
        key_address: its source authenticated with a symmetric key.
        noselect_address: its ``noselect`` source.
        high_stratum_address: its source above ``maxstratum`` ("" before 4.9).
    """

    def __init__(
        self,
        *,
        sources: int = 3,
        unreachable_sources: int = 1,
        smoothing: bool = True,
        directory: str | os.PathLike[str] | None = None,
        sync_timeout: float = 30.0,
        refclock: bool = False,
        unresolvable_sources: int = 0,
        extra_client_config: Sequence[str] = (),
        chronyd: str | None = None,
        chronyc: str | None = None,
        profile: str = "basic",
    ) -> None:
        for name, count in (
            ("sources", sources),
            ("unreachable_sources", unreachable_sources),
            ("unresolvable_sources", unresolvable_sources),
        ):
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(f"{name} must be a non-negative int, not {count!r}")
        if sources + unreachable_sources > 240:
            raise ValueError("sources + unreachable_sources must be at most 240")
        if profile not in PROFILES:
            raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {profile!r}")
        if profile == "deployment":
            if sources < 2:
                raise ValueError("the deployment profile needs at least 2 sources")
            unresolvable_sources = max(unresolvable_sources, 1)
            refclock = True  # every GPS-disciplined server has one
        self.profile = profile
        self.sources = sources
        self.unreachable_sources = unreachable_sources
        self.unresolvable_sources = unresolvable_sources
        self.refclock = refclock
        self.extra_client_config = tuple(extra_client_config)
        self.smoothing = smoothing
        self.sync_timeout = sync_timeout
        self._chronyd = chronyd
        self._chronyc = chronyc
        self._own_directory = directory is None
        self.directory = Path(directory) if directory is not None else None
        self._procs: list[subprocess.Popen[bytes]] = []
        self.socket_path = ""
        self.udp_address = ""
        self.server_socket_path = ""
        self.ntp_port = 0
        self.cmd_port = 0
        self.version: tuple[int, ...] = ()
        self.nts_address = ""
        self.key_address = ""
        self.noselect_address = ""
        self.high_stratum_address = ""
        self._nts_port = 0
        self._high_port = 0
        self._names: list[str] = []

    # -- lifecycle -----------------------------------------------------------

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether both daemons are alive."""
        return bool(self._procs) and all(p.poll() is None for p in self._procs)

    @property
    def pids(self) -> tuple[int, ...]:
        """The process ids of the daemons started (server first), e.g. to pin them to a CPU."""
        return tuple(p.pid for p in self._procs)

    @property
    def chronyd_binary(self) -> str:
        """The chronyd this sandbox runs."""
        return self._chronyd or find_chrony_binary("chronyd")

    @property
    def chronyc_binary(self) -> str:
        """The chronyc :meth:`chronyc` runs."""
        return self._chronyc or find_chrony_binary("chronyc")

    def start(self) -> Sandbox:
        """Start both daemons and wait until the client is synchronised.

        Raises:
            SandboxError: chronyd is missing, a daemon exits, or the client
                does not synchronise within ``sync_timeout``.
        """
        chronyd = self.chronyd_binary
        self.version = chronyd_version(chronyd)
        if self.directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix="pychrony-sandbox-"))
        # chronyd refuses a command socket in a directory others can enter.
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        try:
            if self.profile == "deployment":
                self._make_credentials()
            self._start_server(chronyd)
            if self.profile == "deployment" and self.version >= MAXSTRATUM_SINCE:
                # A server above the client's maxstratum (chronyd 4.9 marks it "r").
                self._high_port = self._start_ntp_server(chronyd, "high", HIGH_STRATUM)
            self._start_client(chronyd)
            self.wait_synchronised(self.sync_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop both daemons and remove the directory if the sandbox made it."""
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self._procs:
            _reap(proc)
        self._procs.clear()
        self._names.clear()
        if self._own_directory and self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def stop_client(self) -> None:
        """Stop only the monitored (client) chronyd, e.g. to test a restart."""
        if self._names and self._names[-1] == "client":
            self._names.pop()
            client = self._procs.pop()
            client.send_signal(signal.SIGTERM)
            _reap(client)

    def start_client(self) -> None:
        """Start the client chronyd again after :meth:`stop_client`."""
        if not self._procs or self._names[-1] == "client":
            raise SandboxError("the client chronyd is already running")
        self._start_client(self.chronyd_binary, reuse_ports=True)

    # -- daemons -------------------------------------------------------------

    def _path(self, name: str) -> Path:
        assert self.directory is not None
        return self.directory / name

    def _launch(
        self,
        chronyd: str,
        name: str,
        config: str,
        preload: Path | None = None,
        shim_env: dict[str, str] | None = None,
    ) -> None:
        conf = self._path(f"{name}.conf")
        conf.write_text(config)
        log = self._path(f"{name}.log")
        cmd = [chronyd, "-n", "-x", "-f", str(conf), "-l", str(log), *_user_options()]
        env = None
        if preload is not None:
            env = {**os.environ, **(shim_env or {}), "LD_PRELOAD": str(preload)}
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self._procs.append(proc)
        self._names.append(name)

    def _common_config(self, name: str) -> list[str]:
        return [
            f"pidfile {self._path(name + '.pid')}",
            "driftfile " + str(self._path(name + ".drift")),
            # Never fall back to the system's /var/run/chrony paths.
            f"bindcmdaddress {self._path(name + '.sock')}",
        ]

    def _start_ntp_server(
        self, chronyd: str, name: str, stratum: int, extra: Sequence[str] = ()
    ) -> int:
        """Start a chronyd serving NTP at ``stratum`` on a free port; return the port."""
        port = _free_port()
        lines = [
            *self._common_config(name),
            f"port {port}",
            "cmdport 0",
            f"local stratum {stratum}",
            # Answer only the loopback range the client's sources live in.
            "allow 127.0.0.0/8",
            *extra,
        ]
        self._launch(chronyd, name, "\n".join(lines) + "\n")
        self._wait_for_file(self._path(f"{name}.sock"), name)
        return port

    def _start_server(self, chronyd: str) -> None:
        extra: list[str] = []
        if self.profile == "deployment":
            self._nts_port = _free_port(socket.SOCK_STREAM)
            extra = [
                f"keyfile {self._path('keys')}",
                f"ntsserverkey {self._path('nts.key')}",
                f"ntsservercert {self._path('nts.crt')}",
                f"ntsport {self._nts_port}",
                f"ntsdumpdir {self._path('nts-server')}",
            ]
        self.server_socket_path = str(self._path("server.sock"))
        self.ntp_port = self._start_ntp_server(chronyd, "server", 8, extra)

    def _make_credentials(self) -> None:
        """The symmetric key both daemons share and the NTS server's certificate."""
        base = self.sources + self.unreachable_sources
        self.noselect_address = f"127.0.0.{base + 1}"
        self.key_address = f"127.0.0.{base + 2}"
        self.nts_address = f"127.0.0.{base + 3}"
        if self.version >= MAXSTRATUM_SINCE:
            self.high_stratum_address = f"127.0.0.{base + 4}"
        key = os.urandom(20).hex().upper()
        keys = self._path("keys")
        keys.write_text(f"{SYMMETRIC_KEY_ID} SHA1 HEX:{key}\n")
        keys.chmod(0o600)
        openssl = shutil.which("openssl")
        if openssl is None:
            raise SandboxError("the deployment profile needs openssl for its NTS certificate")
        cmd = [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", f"/CN={NTS_NAME}",
            "-addext", f"subjectAltName=DNS:{NTS_NAME},IP:{self.nts_address}",
            "-keyout", str(self._path("nts.key")), "-out", str(self._path("nts.crt")),
        ]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
        if proc.returncode != 0:
            raise SandboxError(f"making the NTS certificate failed: {proc.stderr.strip()}")
        self._path("nts-server").mkdir(exist_ok=True)

    def _deployment_lines(self) -> list[str]:
        """The client's deployment sources and directives its release accepts."""
        poll = f"port {self.ntp_port} iburst minpoll -2 maxpoll -2"
        lines = [
            f"server {self.noselect_address} {poll} noselect",
            f"keyfile {self._path('keys')}",
            f"server {self.key_address} {poll} key {SYMMETRIC_KEY_ID}",
            f"server {NTS_NAME} {poll} nts ntsport {self._nts_port}",
            f"ntstrustedcerts {self._path('nts.crt')}",
            f"ntsdumpdir {self._path('nts-client')}",
            # The emulated RTC (the shim answers this path) keeps UTC.
            f"rtcfile {self._path('rtc.coefs')}",
            f"rtcdevice {self._rtc_device}",
            "rtconutc",
        ]
        if self.version >= MAXSTRATUM_SINCE:
            lines.append(f"maxstratum {MAX_STRATUM}")
            lines.append(
                f"server {self.high_stratum_address} port {self._high_port} "
                "iburst minpoll -2 maxpoll -2"
            )
        if self.version >= OPENCOMMANDS_SINCE:
            lines.append("opencommands " + " ".join(OPEN_COMMANDS))
        return lines

    @property
    def _rtc_device(self) -> Path:
        return self._path("rtc0")

    def _polled_addresses(self) -> set[str]:
        """The sources that must have answered before the client counts as ready."""
        addresses = {f"127.0.0.{i + 1}" for i in range(self.sources)}
        if self.profile == "deployment":
            addresses |= {self.noselect_address, self.key_address, self.nts_address}
            if self.high_stratum_address:
                addresses.add(self.high_stratum_address)
        return addresses

    def _start_client(self, chronyd: str, *, reuse_ports: bool = False) -> None:
        if not reuse_ports:
            self.cmd_port = _free_port()
        dead_port = _free_port()
        self.socket_path = str(self._path("client.sock"))
        self.udp_address = f"127.0.0.1:{self.cmd_port}"
        lines = [
            *self._common_config("client"),
            "port 0",
            "bindcmdaddress 127.0.0.1",
            f"cmdport {self.cmd_port}",
            "cmdallow 127.0.0.1",
        ]
        for i in range(self.sources):
            option = ""
            if self.profile == "deployment":
                option = {0: " prefer", 1: " trust"}.get(i, "")
            lines.append(
                f"server 127.0.0.{i + 1} port {self.ntp_port} iburst minpoll -2 maxpoll -2{option}"
            )
        for i in range(self.unreachable_sources):
            # Nothing listens on dead_port: every poll of these sources is lost.
            lines.append(
                f"server 127.0.0.{self.sources + i + 1} port {dead_port} minpoll -2 maxpoll -2"
            )
        for i in range(self.unresolvable_sources):
            lines.append(f"server unresolved-{i + 1}.{UNRESOLVABLE_DOMAIN} iburst")
        if self.refclock:
            # Nothing feeds the socket: chronyd lists the clock all the same.
            lines.append(f"refclock SOCK {self._path('refclock.sock')} refid GPS")
        if self.smoothing:
            lines.append("smoothtime 400 0.001")
        if self.profile == "deployment":
            self._path("nts-client").mkdir(exist_ok=True)
            lines.extend(self._deployment_lines())
        lines.extend(self.extra_client_config)
        preload = None
        if self.unresolvable_sources or self.profile == "deployment":
            assert self.directory is not None
            preload = self._path("sandbox-shim.so")
            if not preload.exists():
                preload = _build_shim(self.directory)
        shim_env = {}
        if self.profile == "deployment":
            # What the shim emulates: the RTC device and the NTS source's name.
            shim_env["PYCHRONY_SANDBOX_RTC"] = str(self._rtc_device)
            shim_env["PYCHRONY_SANDBOX_HOSTS"] = f"{NTS_NAME}={self.nts_address}"
        self._launch(chronyd, "client", "\n".join(lines) + "\n", preload, shim_env)
        self._wait_for_file(self._path("client.sock"), "client")

    def _wait_for_file(self, path: Path, name: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if path.exists():
                return
            self._check_alive()
            time.sleep(0.02)
        raise SandboxError(f"the {name} chronyd did not create {path}: {self._log_tail(name)}")

    def _check_alive(self) -> None:
        for proc, name in zip(self._procs, self._names, strict=True):
            if proc.poll() is not None:
                raise SandboxError(
                    f"the {name} chronyd exited with status {proc.returncode}: "
                    f"{self._log_tail(name)}"
                )

    def _log_tail(self, name: str) -> str:
        try:
            lines = self._path(f"{name}.log").read_text().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(lines[-5:]) or "(empty log)"

    # -- readiness -----------------------------------------------------------

    def chronyc(self, *args: str, timeout: float = 10.0, host: str | None = None) -> str:
        """Run chronyc against the client daemon's Unix socket; return stdout.

        Args:
            *args: chronyc's arguments, e.g. ``"-c", "tracking"``.
            timeout: seconds before chronyc is killed.
            host: another command address (e.g. :attr:`server_socket_path`).

        Raises:
            SandboxError: chronyc fails.
        """
        cmd = [self.chronyc_binary, "-n", "-h", host or self.socket_path, *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if proc.returncode != 0:
            raise SandboxError(f"{' '.join(cmd)} failed: {proc.stderr.strip()}")
        return proc.stdout

    def is_synchronised(self) -> bool:
        """Whether the client is synchronised and has heard from every reachable source.

        A sandbox with no reachable source is ready once the client answers.
        """
        if self.sources == 0:
            try:
                self.chronyc("-c", "tracking", timeout=5)
            except (SandboxError, subprocess.TimeoutExpired):
                return False
            return True
        try:
            tracking = self.chronyc("-c", "tracking", timeout=5).strip().split(",")
            sources = [row.split(",") for row in self.chronyc("-c", "sources", timeout=5).split()]
        except (SandboxError, subprocess.TimeoutExpired):
            return False
        # chronyc -c tracking: ref id (hex), ref name, stratum, ..., leap status last.
        if len(tracking) < 4 or tracking[0] == "00000000" or tracking[-1] != "Normal":
            return False
        # chronyc -c sources: mode, state, name, stratum, poll, reach (octal), ...
        reachable = self._polled_addresses()
        heard = {row[2] for row in sources if len(row) > 5 and row[5] != "0" and row[3] != "0"}
        return reachable <= heard

    def wait_synchronised(self, timeout: float) -> None:
        """Block until the client is synchronised.

        Raises:
            SandboxError: a daemon exits or ``timeout`` seconds pass first.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            if self.is_synchronised():
                return
            time.sleep(0.1)
        raise SandboxError(
            f"the client chronyd did not synchronise within {timeout:g} s: "
            f"{self._log_tail('client')}"
        )


class _StopRequestedError(Exception):
    """A signal asked ``python -m pychrony.sandbox`` to stop."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


# The signals that stop the command-line sandbox, each cleaning up as Ctrl-C does.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pychrony.sandbox",
        description="Start a sandboxed chronyd pair on loopback and run COMMAND against it. "
        f"COMMAND gets ${ADDRESS_ENV} (so pychrony's default address is the sandbox), "
        "$PYCHRONY_SANDBOX_SOCKET, $PYCHRONY_SANDBOX_UDP and "
        "$PYCHRONY_SANDBOX_SERVER_SOCKET. Without a command, print the addresses and "
        "run until Ctrl-C (or SIGTERM, SIGHUP).",
        epilog="Everything after -- is the command, passed on untouched.",
    )
    parser.add_argument(
        "--sources", type=_count, default=3, metavar="N", help="reachable sources (default 3)"
    )
    parser.add_argument(
        "--unsynchronised",
        action="store_true",
        help="no reachable source: the client stays unsynchronised (same as --sources 0)",
    )
    parser.add_argument(
        "--unresolvable",
        type=_count,
        default=0,
        metavar="N",
        help="sources whose names never resolve (placeholders)",
    )
    parser.add_argument(
        "--deployment",
        action="store_true",
        help="the sources a real deployment has: keys, NTS, noselect, an RTC, ...",
    )
    parser.add_argument("--chronyd", metavar="PATH", help="the chronyd binary to run")
    parser.add_argument("--chronyc", metavar="PATH", help="the chronyc binary to use")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run")
    return parser


def _environment(sandbox: Sandbox) -> dict[str, str]:
    env = dict(os.environ)
    env[ADDRESS_ENV] = sandbox.socket_path
    env["PYCHRONY_SANDBOX_SOCKET"] = sandbox.socket_path
    env["PYCHRONY_SANDBOX_UDP"] = sandbox.udp_address
    env["PYCHRONY_SANDBOX_SERVER_SOCKET"] = sandbox.server_socket_path
    return env


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command against a fresh sandbox (``python -m pychrony.sandbox``).

    Returns the command's exit status; 127 when it does not exist, 1 when the
    sandbox cannot start, 128 + N after signal N stopped it.
    """
    parser = _parser()
    args, command = _split_command(parser, list(sys.argv[1:] if argv is None else argv))
    if command and shutil.which(command[0]) is None:
        print(f"pychrony.sandbox: {command[0]}: command not found", file=sys.stderr)
        return 127
    sources = 0 if args.unsynchronised else args.sources
    if args.deployment and sources < 2:
        parser.error("--deployment needs at least 2 sources")

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _StopRequestedError(signum)

    previous = {signum: signal.signal(signum, stop) for signum in STOP_SIGNALS}
    sandbox = Sandbox(
        sources=sources,
        unresolvable_sources=args.unresolvable,
        chronyd=args.chronyd,
        chronyc=args.chronyc,
        profile="deployment" if args.deployment else "basic",
    )
    child: list[subprocess.Popen[bytes]] = []
    try:
        sandbox.start()
        return _run_in(sandbox, command, child)
    except _StopRequestedError as stopped:
        if child:
            _pass_on(child[0], stopped.signum)
        return 128 + stopped.signum
    except SandboxError as exc:
        print(f"pychrony.sandbox: {exc}", file=sys.stderr)
        return 1
    finally:
        # A second signal while cleaning up must not leave daemons behind.
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        sandbox.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _split_command(
    parser: argparse.ArgumentParser, words: list[str]
) -> tuple[argparse.Namespace, list[str]]:
    # Everything after the first "--" is the command, kept as it is (a "--"
    # inside it included); argparse would drop or misread some of it.
    command: list[str] = []
    if "--" in words:
        cut = words.index("--")
        words, command = words[:cut], words[cut + 1 :]
    args = parser.parse_args(words)
    if not command:
        command = list(args.command)
    elif args.command:
        parser.error(f"unexpected arguments before --: {' '.join(args.command)}")
    return args, command


def _run_in(sandbox: Sandbox, command: list[str], child: list[subprocess.Popen[bytes]]) -> int:
    # The child goes into `child` as soon as it exists, so a stop signal can reach it.
    if command:
        child.append(subprocess.Popen(command, env=_environment(sandbox)))
        return child[0].wait()
    print(f"unix socket: {sandbox.socket_path}\nudp command port: {sandbox.udp_address}")
    print(f"export {ADDRESS_ENV}={sandbox.socket_path}")
    print("running; Ctrl-C stops it", flush=True)
    while sandbox.running:
        time.sleep(0.5)
    print("pychrony.sandbox: a chronyd exited", file=sys.stderr)
    return 1


def _pass_on(child: subprocess.Popen[bytes], signum: int) -> None:
    if child.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    sys.exit(main())
