"""Servers the probe tests start themselves, on 127.0.0.1 and ephemeral ports only: TLS with a test CA's
certificates, plain HTTP, SSH/FTP/Telnet greetings, a listener that never answers, and a closed port."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LOOPBACK = "127.0.0.1"
NOW = dt.datetime.now(dt.UTC)


@dataclass
class Listener:
    """Accepts on 127.0.0.1:<ephemeral> and hands each connection to `handle` on its own thread."""

    handle: Callable[[socket.socket], None] | None
    accepted: int = 0
    sock: socket.socket = field(default_factory=socket.socket)
    port: int = 0

    def __post_init__(self) -> None:
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(32)
        self.port = int(self.sock.getsockname()[1])
        if self.handle is not None:  # None: a listener that never accepts (its connections never answer)
            threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            assert self.handle is not None
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            assert self.handle is not None
            self.handle(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.sock.close()


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    s = socket.socket()
    s.bind((LOOPBACK, 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


@dataclass
class Pki:
    ca_pem: Path
    ca_key: ec.EllipticCurvePrivateKey
    ca_cert: x509.Certificate
    folder: Path

    @classmethod
    def make(cls, folder: Path) -> Pki:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ccaudit test CA")])
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(NOW - dt.timedelta(days=30)).not_valid_after(NOW + dt.timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                             content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False,
                                             encipher_only=False, decipher_only=False), critical=True)
                .sign(key, hashes.SHA256()))
        pem = folder / "ca.pem"
        pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cls(pem, key, cert, folder)

    def leaf(self, name: str, *, ip: str | None = None, dns: str | None = None,
             not_before: dt.datetime | None = None, not_after: dt.datetime | None = None) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        alt: list[x509.GeneralName] = []
        if ip:
            alt.append(x509.IPAddress(ipaddress.ip_address(ip)))
        if dns:
            alt.append(x509.DNSName(dns))
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns or ip or name)]))
                .issuer_name(self.ca_cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(not_before or NOW - dt.timedelta(days=10))
                .not_valid_after(not_after or NOW + dt.timedelta(days=90))
                .add_extension(x509.SubjectAlternativeName(alt), critical=False)
                .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .sign(self.ca_key, hashes.SHA256()))
        crt, pk = self.folder / f"{name}.crt", self.folder / f"{name}.key"
        crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        pk.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()))
        return crt, pk


def tls_handler(crt: Path, key: Path, minimum: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
                legacy: bool = False) -> Callable[[socket.socket], None]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = minimum
    if legacy:
        ctx.set_ciphers("ALL:@SECLEVEL=0")  # lets this OpenSSL speak TLS 1.0/1.1 as a badly configured server

    def handle(conn: socket.socket) -> None:
        try:
            with ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (ssl.SSLError, OSError):
            pass

    return handle


def reply(data: bytes, read_request: bool = False) -> Callable[[socket.socket], None]:
    def handle(conn: socket.socket) -> None:
        if read_request:
            got = b""
            while b"\r\n\r\n" not in got:
                chunk = conn.recv(1024)
                if not chunk:
                    return
                got += chunk
        conn.sendall(data)

    return handle


def smtp_handler(crt: Path | None, key: Path | None) -> Callable[[socket.socket], None]:
    """An SMTP server that offers STARTTLS (with this certificate) or, without one, does not."""
    ctx = None
    if crt is not None and key is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)

    def handle(conn: socket.socket) -> None:
        conn.sendall(b"220 mail.test ESMTP ready\r\n")
        reader = conn.makefile("rb")
        for line in reader:
            verb = line.strip().upper()
            if verb.startswith(b"EHLO"):
                conn.sendall(b"250-mail.test\r\n" + (b"250-STARTTLS\r\n" if ctx else b"") + b"250 SIZE 10240000\r\n")
            elif verb == b"STARTTLS" and ctx is not None:
                conn.sendall(b"220 2.0.0 ready to start TLS\r\n")
                try:
                    with ctx.wrap_socket(conn, server_side=True) as tls:
                        tls.recv(1)
                except (ssl.SSLError, OSError):
                    pass
                return
            else:
                conn.sendall(b"221 bye\r\n")
                return

    return handle


@contextmanager
def listening(*handlers: Callable[[socket.socket], None] | None) -> Iterator[list[Listener]]:
    listeners = [Listener(h) for h in handlers]
    try:
        yield listeners
    finally:
        for listener in listeners:
            listener.close()
