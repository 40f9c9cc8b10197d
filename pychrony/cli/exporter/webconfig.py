"""``--web.config.file``: TLS, basic authentication and headers, in exporter-toolkit's format.

The YAML file that every Prometheus exporter on a host reads (exporter-toolkit's
``docs/web-configuration.md``)::

    tls_server_config:
      cert_file: server.crt          # or cert: <PEM text>
      key_file: server.key           # or key: <PEM text>
      client_auth_type: RequireAndVerifyClientCert
      client_ca_file: clients-ca.crt # or client_ca: <PEM text>
      min_version: TLS12             # TLS10 .. TLS13; max_version likewise
    http_server_config:
      headers:
        Strict-Transport-Security: max-age=31536000
    basic_auth_users:
      prometheus: $2y$10$...         # bcrypt hashes (htpasswd -nBC 10 "")

Relative paths are relative to the file. Unknown keys are errors, as in
exporter-toolkit, and so are settings pychrony cannot honour (``cipher_suites``,
``curve_preferences``, ``client_allowed_sans``, a ``rate_limit``, and client
certificates accepted without verification): a weaker server than the file
asks for is never started silently. The file is read again when it (or a
certificate, key or CA file it names) changes, so renewed certificates are
used without a restart; a file that stops parsing fails closed (500, and TLS
handshakes refused) until it is fixed.

A request without valid credentials gets ``401 Unauthorized`` and nothing
else. Passwords are checked with the ``bcrypt`` package, one at a time, and
each (user, hash, password) result is cached, so a scrape every few seconds
costs one bcrypt check in all; an unknown user is checked against a dummy
hash so that timing does not tell which users exist.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import logging
import os
import re
import ssl
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .server import TLSContext, WSGIApp

__all__ = ["WebConfig", "WebConfigError", "load", "protect"]

log = logging.getLogger("pychrony.exporter")


class WebConfigError(ValueError):
    """The web configuration file is unreadable, malformed or asks for what we cannot do."""


_TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}
# exporter-toolkit's names -> whether a certificate is required; None: refused.
_CLIENT_AUTH: dict[str, ssl.VerifyMode | None] = {
    "": ssl.CERT_NONE,
    "NoClientCert": ssl.CERT_NONE,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
    # Go accepts any certificate for these; Python's ssl verifies every
    # certificate it asks for, and the toolkit calls them insecure anyway.
    "RequestClientCert": None,
    "RequireAnyClientCert": None,
    "RequireClientCert": None,
}
# The headers exporter-toolkit lets a file set, with their allowed values (None: any).
_HEADERS: dict[str, tuple[str, ...] | None] = {
    "Strict-Transport-Security": None,
    "X-Content-Type-Options": ("nosniff",),
    "X-Frame-Options": ("deny", "sameorigin"),
    "X-XSS-Protection": None,
    "Content-Security-Policy": None,
}
_TLS_KEYS = {
    "cert",
    "key",
    "client_ca",
    "cert_file",
    "key_file",
    "client_auth_type",
    "client_ca_file",
    "client_allowed_sans",
    "min_version",
    "max_version",
    "cipher_suites",
    "prefer_server_cipher_suites",
    "curve_preferences",
}
_UNSUPPORTED_TLS = ("cipher_suites", "curve_preferences", "client_allowed_sans")
_BCRYPT = re.compile(r"^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$")
_CACHE_SIZE = 1024


@dataclass(frozen=True)
class TLSSettings:
    """The ``tls_server_config`` section, paths resolved.

    Attributes:
        cert_file: the server certificate (chain), or None with ``cert``.
        key_file: its private key, or None with ``key``.
        cert: the certificate as PEM text.
        key: the key as PEM text.
        client_ca_file: CA certificates for client certificates.
        client_ca: the same as PEM text.
        verify_mode: what is asked of clients.
        min_version: the oldest TLS version accepted.
        max_version: the newest.
        prefer_server_ciphers: the server's cipher order wins.
    """

    cert_file: str | None
    key_file: str | None
    cert: str | None
    key: str | None
    client_ca_file: str | None
    client_ca: str | None
    verify_mode: ssl.VerifyMode
    min_version: ssl.TLSVersion
    max_version: ssl.TLSVersion
    prefer_server_ciphers: bool

    def files(self) -> tuple[str, ...]:
        """The files the context is built from (watched for changes)."""
        return tuple(f for f in (self.cert_file, self.key_file, self.client_ca_file) if f)


@dataclass(frozen=True)
class WebConfig:
    """A parsed web configuration file.

    Attributes:
        tls: TLS settings, or None for plain HTTP.
        users: user name -> bcrypt hash; empty for no authentication.
        headers: extra response headers.
    """

    tls: TLSSettings | None
    users: Mapping[str, bytes]
    headers: tuple[tuple[str, str], ...]


def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name) or {}
    if not isinstance(value, Mapping):
        raise WebConfigError(f"{name} must be a mapping")
    return value


def _text(section: Mapping[str, Any], key: str) -> str | None:
    value = section.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise WebConfigError(f"{key} must be a string")
    return value


def _tls(section: Mapping[str, Any], directory: str) -> TLSSettings | None:
    _check_tls_keys(section)

    def path(key: str) -> str | None:
        value = _text(section, key)
        return None if value is None else os.path.join(directory, value)

    cert_file, key_file, ca_file = path("cert_file"), path("key_file"), path("client_ca_file")
    cert, key, ca = _text(section, "cert"), _text(section, "key"), _text(section, "client_ca")
    auth = section.get("client_auth_type") or ""
    if not any((cert_file, key_file, ca_file, cert, key, ca, auth)):
        return None
    if not (cert_file or cert):
        raise WebConfigError("tls_server_config needs cert_file (or cert)")
    if not (key_file or key):
        raise WebConfigError("tls_server_config needs key_file (or key)")
    mode = _client_auth(auth, has_ca=bool(ca_file or ca))
    prefer = section.get("prefer_server_cipher_suites", True)
    if not isinstance(prefer, bool):
        raise WebConfigError("prefer_server_cipher_suites must be true or false")
    return TLSSettings(
        cert_file,
        key_file,
        cert,
        key,
        ca_file,
        ca,
        mode,
        _tls_version(section, "min_version", "TLS12"),
        _tls_version(section, "max_version", "TLS13"),
        prefer,
    )


def _check_tls_keys(section: Mapping[str, Any]) -> None:
    unknown = set(section) - _TLS_KEYS
    if unknown:
        raise WebConfigError(f"unknown tls_server_config key(s): {', '.join(sorted(unknown))}")
    for name in _UNSUPPORTED_TLS:
        if section.get(name):
            raise WebConfigError(f"tls_server_config.{name} is not supported by pychrony")


def _client_auth(auth: str, *, has_ca: bool) -> ssl.VerifyMode:
    if auth not in _CLIENT_AUTH:
        raise WebConfigError(f"invalid client_auth_type {auth!r}")
    mode = _CLIENT_AUTH[auth]
    if mode is None:
        raise WebConfigError(
            f"client_auth_type {auth} is not supported (it accepts unverified certificates): "
            "use RequireAndVerifyClientCert or VerifyClientCertIfGiven"
        )
    if has_ca and mode == ssl.CERT_NONE:
        raise WebConfigError("client CAs are configured without a client_auth_type")
    if mode != ssl.CERT_NONE and not has_ca:
        raise WebConfigError(f"client_auth_type {auth} needs client_ca_file (or client_ca)")
    return mode


def _tls_version(section: Mapping[str, Any], key: str, default: str) -> ssl.TLSVersion:
    name = section.get(key) or default
    if name not in _TLS_VERSIONS:
        raise WebConfigError(f"{key} must be one of {', '.join(_TLS_VERSIONS)}, not {name!r}")
    return _TLS_VERSIONS[name]


def _headers(section: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    unknown = set(section) - {"http2", "headers"}
    if unknown:
        raise WebConfigError(f"unknown http_server_config key(s): {', '.join(sorted(unknown))}")
    headers = section.get("headers") or {}
    if not isinstance(headers, Mapping):
        raise WebConfigError("http_server_config.headers must be a mapping")
    out = []
    for name, value in headers.items():
        if name not in _HEADERS:
            raise WebConfigError(f"HTTP header {name!r} can not be configured")
        allowed = _HEADERS[name]
        if not isinstance(value, str) or (allowed is not None and value not in allowed):
            raise WebConfigError(f"invalid value for {name}: {value!r} (expected {allowed})")
        if value:
            out.append((name, value))
    return tuple(out)


def _users(section: Mapping[str, Any]) -> dict[str, bytes]:
    if section:
        # Checked with the file, so a missing bcrypt refuses the start (or the
        # reload) rather than failing every request later.
        import bcrypt  # noqa: F401
    users = {}
    for name, hashed in section.items():
        if not isinstance(name, str) or not isinstance(hashed, str) or not _BCRYPT.match(hashed):
            raise WebConfigError(f"basic_auth_users: {name!r} needs a bcrypt hash")
        users[name] = hashed.encode()
    return users


def load(path: str) -> WebConfig:
    """Read and check a web configuration file.

    Raises:
        WebConfigError: unreadable, not YAML, an unknown key or a bad value.
        ImportError: PyYAML is missing, or bcrypt for ``basic_auth_users``.
    """
    import yaml

    try:
        with open(path, encoding="utf-8") as stream:
            data = yaml.safe_load(stream) or {}
    except OSError as exc:
        raise WebConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise WebConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, Mapping):
        raise WebConfigError(f"{path} must hold a mapping")
    known = {"tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"}
    unknown = set(data) - known
    if unknown:
        raise WebConfigError(f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    rate = _section(data, "rate_limit")
    if rate.get("interval") not in (None, 0, "0", "0s"):
        raise WebConfigError("rate_limit is not supported by pychrony")
    directory = os.path.dirname(os.path.abspath(path))
    return WebConfig(
        _tls(_section(data, "tls_server_config"), directory),
        _users(_section(data, "basic_auth_users")),
        _headers(_section(data, "http_server_config")),
    )


def tls_context(tls: TLSSettings) -> ssl.SSLContext:
    """A server-side SSL context for the settings.

    Raises:
        WebConfigError: a certificate, key or CA cannot be loaded.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = tls.min_version
    context.maximum_version = tls.max_version
    if tls.prefer_server_ciphers:
        context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    try:
        with _as_files(tls) as (cert_file, key_file):
            context.load_cert_chain(cert_file, key_file)
        if tls.verify_mode != ssl.CERT_NONE:
            context.load_verify_locations(cafile=tls.client_ca_file, cadata=tls.client_ca)
    except (OSError, ssl.SSLError) as exc:
        raise WebConfigError(f"cannot load the TLS certificate, key or CA: {exc}") from None
    context.verify_mode = tls.verify_mode
    return context


@contextlib.contextmanager
def _as_files(tls: TLSSettings) -> Any:
    # ssl loads certificates and keys from files only: inline PEM goes to
    # private temporary files that live just as long as the load.
    with contextlib.ExitStack() as stack:
        paths = []
        for path, text in ((tls.cert_file, tls.cert), (tls.key_file, tls.key)):
            if path is None:
                handle = stack.enter_context(
                    tempfile.NamedTemporaryFile("w", suffix=".pem", encoding="ascii")
                )
                handle.write(text or "")
                handle.flush()
                path = handle.name
            paths.append(path)
        yield paths[0], paths[1]


def _stamp(paths: Iterable[str]) -> tuple[tuple[int, int, int], ...]:
    stamps = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            stamps.append((0, 0, 0))
        else:
            stamps.append((info.st_ino, info.st_size, info.st_mtime_ns))
    return tuple(stamps)


def _usable(path: str) -> tuple[WebConfig, ssl.SSLContext | None]:
    # At start and at every reload alike: a file counts only with its context built.
    config = load(path)
    return config, (tls_context(config.tls) if config.tls else None)


class _Source:
    """The configuration file as it is now, re-read when it or its files change."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.config, self.context = _usable(path)
        self._stamp = self._files_stamp()
        self._broken = False

    def _files_stamp(self) -> tuple[tuple[int, int, int], ...]:
        files = self.config.tls.files() if self.config.tls else ()
        return _stamp((self.path, *files))

    def current(self) -> tuple[WebConfig, ssl.SSLContext | None] | None:
        """The configuration in force, or None while the file is broken."""
        with self._lock:
            stamp = self._files_stamp()
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    config, context = _usable(self.path)
                except (WebConfigError, ImportError) as exc:
                    log.error("web configuration unusable", extra={"fields": {"err": str(exc)}})
                    self._broken = True
                else:
                    self.config, self.context, self._broken = config, context, False
                    self._stamp = self._files_stamp()
            return None if self._broken else (self.config, self.context)


class _BasicAuth:
    """bcrypt checks of basic-auth credentials, serialised and cached."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: OrderedDict[bytes, bool] = OrderedDict()
        self._dummy: bytes | None = None

    def check(self, users: Mapping[str, bytes], header: str | None) -> bool:
        import bcrypt

        if not header or not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, sep, password = decoded.partition(":")
        if not sep:
            return False
        with self._lock:
            if self._dummy is None:
                self._dummy = bcrypt.hashpw(os.urandom(16).hex().encode(), bcrypt.gensalt(10))
            known = user in users
            hashed = users[user] if known else self._dummy
            key = hashlib.sha256(b"\0".join((user.encode(), hashed, password.encode()))).digest()
            ok = self._cache.get(key)
            if ok is None:
                try:
                    ok = bcrypt.checkpw(password.encode(), hashed)
                except ValueError:
                    ok = False
                self._cache[key] = ok
                if len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
            return known and ok


def protect(app: WSGIApp, path: str) -> tuple[WSGIApp, TLSContext]:
    """Wrap ``app`` with the file's authentication and headers; give its TLS context getter.

    Whether the listeners speak TLS is decided now, from the file as it is;
    certificates, users and headers follow later changes of the file.

    Raises:
        WebConfigError: the file cannot be used.
        ImportError: a package the file needs is missing (see :func:`load`).
    """
    source = _Source(path)
    auth = _BasicAuth()
    unauthorized = b"Unauthorized\n"
    failed = b"Internal Server Error\n"

    def protected(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        now = source.current()
        if now is None:
            start_response(
                "500 Internal Server Error",
                [("Content-Type", "text/plain"), ("Content-Length", str(len(failed)))],
            )
            return [failed]
        config, _ = now
        extra = list(config.headers)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, headers + extra, exc_info)

        if config.users and not auth.check(config.users, environ.get("HTTP_AUTHORIZATION")):
            start(
                "401 Unauthorized",
                [
                    ("WWW-Authenticate", "Basic"),
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(unauthorized))),
                ],
            )
            return [unauthorized]
        return app(environ, start)

    def context() -> ssl.SSLContext:
        now = source.current()
        if now is None or now[1] is None:
            raise ssl.SSLError("the web configuration has no usable TLS settings now")
        return now[1]

    return protected, (context if source.context is not None else None)
