"""`pychrony exporter --web.config.file`: HTTPS, basic auth, mTLS and headers, from a real
client (http.client and ssl) against the exporter process, with certificates made here."""

from __future__ import annotations

import base64
import datetime
import http.client
import ipaddress
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pychrony.cli.exitcodes import ExitCode
from pychrony.sandbox import Sandbox
from tests.helpers.exporter_process import Exporter, running

PASSWORD = "correct horse"
# Cost 4, bcrypt's least: the hash format is what is tested, not its strength.
HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()


@dataclass(frozen=True)
class Pair:
    cert: Path
    key: Path


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _issue(
    directory: Path,
    name: str,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool = False,
    server: bool = False,
) -> tuple[Pair, x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer[0].subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    cert = builder.sign(issuer[1] if issuer else key, hashes.SHA256())
    pair = Pair(directory / f"{name}.crt", directory / f"{name}.key")
    pair.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pair.key.write_bytes(_key_pem(key))
    pair.key.chmod(0o600)
    return pair, cert, key


@dataclass(frozen=True)
class PKI:
    ca: Pair
    server: Pair
    client: Pair
    stranger: Pair  # a client certificate from another CA


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    directory = tmp_path_factory.mktemp("pki")
    ca, ca_cert, ca_key = _issue(directory, "ca", None, ca=True)
    server, _, _ = _issue(directory, "server", (ca_cert, ca_key), server=True)
    client, _, _ = _issue(directory, "client", (ca_cert, ca_key))
    _, other_cert, other_key = _issue(directory, "other-ca", None, ca=True)
    stranger, _, _ = _issue(directory, "stranger", (other_cert, other_key))
    return PKI(ca, server, client, stranger)


def _client_context(pki: PKI, client: Pair | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki.ca.cert))
    if client is not None:
        context.load_cert_chain(str(client.cert), str(client.key))
    return context


def _request(
    exporter: Exporter,
    context: ssl.SSLContext,
    path: str = "/metrics",
    auth: tuple[str, str] | None = None,
) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPSConnection("127.0.0.1", exporter.port, timeout=10.0, context=context)
    headers = {}
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    try:
        conn.request("GET", path, headers=headers)
        reply = conn.getresponse()
        return reply.status, dict(reply.getheaders()), reply.read().decode()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def https_with_auth(
    sandbox: Sandbox, pki: PKI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Exporter]:
    directory = tmp_path_factory.mktemp("web")
    config = directory / "web.yml"
    # Relative paths are relative to the file, as in exporter-toolkit.
    (directory / "server.crt").write_bytes(pki.server.cert.read_bytes())
    config.write_text(
        "tls_server_config:\n"
        "  cert_file: server.crt\n"
        f"  key_file: {pki.server.key}\n"
        "  min_version: TLS12\n"
        "http_server_config:\n"
        "  headers:\n"
        "    X-Content-Type-Options: nosniff\n"
        "    Strict-Transport-Security: max-age=31536000\n"
        "basic_auth_users:\n"
        f"  prometheus: '{HASH}'\n"
    )
    with running(sandbox.socket_path, f"--web.config.file={config}") as exporter:
        yield exporter


def test_https_with_the_right_password_serves_metrics(https_with_auth: Exporter, pki: PKI) -> None:
    assert https_with_auth.url.startswith("https://")
    status, headers, body = _request(
        https_with_auth, _client_context(pki), auth=("prometheus", PASSWORD)
    )
    assert status == 200
    assert "chrony_up 1.0" in body
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize(
    "auth",
    [None, ("prometheus", "wrong"), ("nobody", PASSWORD), ("prometheus", "")],
    ids=["none", "wrong-password", "unknown-user", "empty-password"],
)
@pytest.mark.parametrize("path", ["/metrics", "/", "/elsewhere"])
def test_without_valid_credentials_401_and_nothing_else(
    https_with_auth: Exporter, pki: PKI, auth: tuple[str, str] | None, path: str
) -> None:
    status, headers, body = _request(https_with_auth, _client_context(pki), path, auth)
    assert status == 401
    assert headers["WWW-Authenticate"] == "Basic"
    assert body == "Unauthorized\n"


def test_plain_http_to_the_https_listener_gets_nothing(https_with_auth: Exporter) -> None:
    def plain_get() -> bytes:
        conn = http.client.HTTPConnection("127.0.0.1", https_with_auth.port, timeout=10.0)
        try:
            conn.request("GET", "/metrics")
            return conn.getresponse().read()
        finally:
            conn.close()

    with pytest.raises((http.client.HTTPException, OSError)):
        plain_get()


@pytest.fixture(scope="module")
def mutual_tls(
    sandbox: Sandbox, pki: PKI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Exporter]:
    config = tmp_path_factory.mktemp("mtls") / "web.yml"
    config.write_text(
        "tls_server_config:\n"
        f"  cert_file: {pki.server.cert}\n"
        f"  key_file: {pki.server.key}\n"
        "  client_auth_type: RequireAndVerifyClientCert\n"
        f"  client_ca_file: {pki.ca.cert}\n"
        "  min_version: TLS13\n"
    )
    with running(sandbox.socket_path, f"--web.config.file={config}") as exporter:
        yield exporter


def test_mtls_with_a_client_certificate_serves_metrics(mutual_tls: Exporter, pki: PKI) -> None:
    status, _, body = _request(mutual_tls, _client_context(pki, pki.client))
    assert status == 200
    assert "chrony_up 1.0" in body


@pytest.mark.parametrize("who", ["no-certificate", "other-ca"])
def test_mtls_refuses_a_client_without_a_valid_certificate(
    mutual_tls: Exporter, pki: PKI, who: str
) -> None:
    context = _client_context(pki, None if who == "no-certificate" else pki.stranger)
    # TLS 1.3 settles client certificates after the client's handshake ends:
    # the refusal arrives as an alert (or a reset) on the first read.
    with pytest.raises((ssl.SSLError, ConnectionError, http.client.HTTPException)):
        _request(mutual_tls, context)


def _start_with(
    tmp_path: Path, text: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The exporter started with web configuration ``text``, when it refuses to start."""
    config = tmp_path / "web.yml"
    config.write_text(text)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pychrony",
            "-a",
            "127.0.0.1",
            "exporter",
            "--listen",
            "127.0.0.1:0",
            f"--web.config.file={config}",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env=env,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tls_server_config:\n  cert_file: x.crt\n", "needs key_file"),
        ("basic_auth_users:\n  me: plaintext\n", "bcrypt"),
        ("colour: blue\n", "unknown key"),
        ("tls_server_config:\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n", "not supported"),
        ("http_server_config:\n  headers:\n    X-Frame-Options: always\n", "X-Frame-Options"),
        (
            "tls_server_config:\n  cert_file: a\n  key_file: b\n"
            "  client_auth_type: RequireAnyClientCert\n",
            "unverified",
        ),
        (
            "tls_server_config:\n  cert_file: /nonexistent.crt\n  key_file: /nonexistent.key\n",
            "cannot load",
        ),
        (": : :\n", "YAML"),
    ],
)
def test_an_unusable_web_config_is_a_usage_error(tmp_path: Path, text: str, message: str) -> None:
    proc = _start_with(tmp_path, text)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_users_without_bcrypt_refuse_the_start(tmp_path: Path) -> None:
    # A bcrypt that cannot be imported, ahead of the real one on the path.
    (tmp_path / "bcrypt").mkdir()
    (tmp_path / "bcrypt" / "__init__.py").write_text("raise ImportError('no bcrypt here')\n")
    users = f"basic_auth_users:\n  prometheus: {HASH}\n"
    proc = _start_with(tmp_path, users, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert proc.returncode == ExitCode.MISSING, proc.stderr
    assert "bcrypt" in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_a_client_limited_below_min_version_is_refused(mutual_tls: Exporter, pki: PKI) -> None:
    context = _client_context(pki, pki.client)
    context.maximum_version = ssl.TLSVersion.TLSv1_2  # the server asks for TLS13
    with pytest.raises((ssl.SSLError, ConnectionError)):
        _request(mutual_tls, context)
