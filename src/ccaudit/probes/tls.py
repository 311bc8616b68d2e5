"""`ccaudit probe tls`: the encryption of each registered sensitive endpoint, seen from the network (12.1.2).

For each endpoint of the firm's sensitive_endpoints register: the TLS versions it accepts (each of TLS 1.0 to
1.3 offered alone; a version the local TLS library will not offer is "could not test", never "refused"), its
certificate (validity, host-name match, chain against the system store and an optional --ca), whether plain
HTTP redirects to HTTPS or is refused, and for file transfer whether SFTP is offered and plain FTP and Telnet
are refused. Nothing but handshakes, one HTTP GET without credentials, and reading greetings is sent.

Outputs in DIR: sensitive_endpoints.csv (every register row; probed rows with tls_version,
certificate_expires_on and the probe columns set) and tls_observations.json (every observation: time,
target, test, result, detail)."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import re
import ssl
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from ccaudit.errors import EvidenceError
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.probes.net import Net
from ccaudit.probes.output import same_dataset_files, write_csv, write_json
from ccaudit.probes.targets import host_port, read_register, split_host_port, utc_now
from ccaudit.settings import Settings
from ccaudit.textsafe import visible

DATASET = "sensitive_endpoints"
OBSERVATIONS_FILE = "tls_observations.json"
VERSIONS: tuple[tuple[str, ssl.TLSVersion], ...] = (
    ("TLSv1", ssl.TLSVersion.TLSv1), ("TLSv1.1", ssl.TLSVersion.TLSv1_1),
    ("TLSv1.2", ssl.TLSVersion.TLSv1_2), ("TLSv1.3", ssl.TLSVersion.TLSv1_3),
)
WEAK = ("TLSv1", "TLSv1.1")
DEFAULT_PORT = {"https": 443, "tls": 443, "ftps": 990, "sftp": 22, "ssh": 22, "http": 80, "ftp": 21,
                "telnet": 23, "smtp": 25}
TLS_PROTOCOLS = ("https", "tls", "ftps")  # implicit TLS on the endpoint's port
FILE_TRANSFER = ("sftp", "ftps", "ftp")
# OpenSSL reasons meaning this client could not offer the version at all (nothing was asked of the server).
LOCAL_REFUSALS = ("NO_PROTOCOLS_AVAILABLE", "NO_CIPHERS_AVAILABLE", "UNSUPPORTED_PROTOCOL_VERSION")


@dataclass(frozen=True)
class TlsRequest:
    targets: Path
    out: Path
    settings: Settings
    only: tuple[str, ...] = ()
    ca: Path | None = None
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)


@dataclass
class Endpoint:
    row: dict[str, Any]
    host: str
    port: int | None
    starttls: bool = False  # SMTP: every handshake follows EHLO and STARTTLS

    @property
    def label(self) -> str:
        return host_port(self.host, self.port) if self.port else self.host


def endpoints(rows: Sequence[dict[str, Any]]) -> list[Endpoint]:
    return [Endpoint(r, str(r["host"]).strip(), r["port"] or DEFAULT_PORT.get(str(r["protocol"]))) for r in rows]


def select(items: list[Endpoint], only: Sequence[str]) -> list[Endpoint]:
    """The endpoints --only names (by HOST:PORT, [IPv6]:PORT or endpoint_id); anything else is refused."""
    if not only:
        return items
    chosen: list[Endpoint] = []
    for wanted in only:
        hits = [e for e in items if e.row["endpoint_id"] == wanted.strip()]
        if not hits:
            host, port = split_host_port(wanted)
            hits = [e for e in items if e.host.lower() == host.lower() and (port is None or e.port == port)]
        if not hits:
            raise EvidenceError(f"--only {visible(wanted)} is not in the register: a probe touches only registered "
                                "endpoints (HOST:PORT or endpoint_id)")
        chosen += [e for e in hits if e not in chosen]
    return chosen


def run(request: TlsRequest) -> dict[str, Any]:
    """Read the register, probe the chosen endpoints, write the two files; the summary document."""
    settings = request.settings
    rows = read_register(request.targets, DATASET, settings)
    chosen = select(endpoints(rows), request.only)  # before any packet: a refusal sends nothing
    if request.ca is not None and not request.ca.is_file():
        raise EvidenceError(f"--ca {visible(str(request.ca))}: file not found")
    net = Net.from_settings(settings)
    with ThreadPoolExecutor(max_workers=settings.probe_concurrency) as pool:
        results = list(pool.map(lambda e: _probe(e, net, request), chosen))
    observations = [o for _, obs in results for o in obs]
    for endpoint, (filled, _) in zip(chosen, results, strict=True):
        endpoint.row.update(filled)
    request.out.mkdir(parents=True, exist_ok=True)
    registry = TemplateRegistry.load(settings.content_paths)
    fields = [f.name for f in registry[DATASET].fields]
    write_csv(request.out / f"{DATASET}.csv", fields, rows)
    doc = {
        "probe": "tls",
        "targets": str(request.targets),
        "started_at": min((o["time"] for o in observations), default=utc_now()),
        "endpoints_in_register": len(rows),
        "endpoints_probed": [e.row["endpoint_id"] for e in chosen],
        "ca": str(request.ca) if request.ca else None,
        "settings": {"timeout_seconds": settings.probe_timeout_seconds, "concurrency": settings.probe_concurrency,
                     "rate_per_second": settings.probe_rate_per_second},
        "observations": observations,
        "outputs": [f"{DATASET}.csv", OBSERVATIONS_FILE],
        "also_in_out": same_dataset_files(request.out, DATASET, f"{DATASET}.csv", registry),
    }
    write_json(request.out / OBSERVATIONS_FILE, doc)
    doc["rows"] = [e.row for e in chosen]
    return doc


def _probe(endpoint: Endpoint, net: Net, request: TlsRequest) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    row = endpoint.row
    protocol = str(row["protocol"])
    obs: list[dict[str, Any]] = []
    filled: dict[str, Any] = {"probed_at": request.now().isoformat(timespec="seconds").replace("+00:00", "Z")}

    def note(target: str, test: str, result: str, detail: str = "", **extra: Any) -> None:
        obs.append({"time": utc_now(), "endpoint_id": row["endpoint_id"], "target": target, "test": test,
                    "result": result, "detail": detail, **extra})

    if endpoint.port is None:
        note(endpoint.host, "port", "not_tested", f"no port in the register and no standard port for {protocol}")
        return filled, obs
    if protocol == "smtp":
        offered = _starttls_offered(endpoint, net, note)
        filled["starttls_offered"] = offered
        if offered:
            endpoint.starttls = True
    if protocol in TLS_PROTOCOLS or endpoint.starttls:
        accepted = []
        for name, version in VERSIONS:
            result, detail = _offer(endpoint, version, net)
            note(endpoint.label, "tls_version", result, detail, version=name)
            if result == "accepted":
                accepted.append(name)
        filled["tls_version"] = ", ".join(accepted) or None
        filled.update(_certificate(endpoint, net, request, note))
    if protocol == "https":
        filled["plain_http"] = _plain_http(endpoint, row["http_port"] or 80, net, note)
    if protocol in FILE_TRANSFER:
        ssh_port = row["ssh_port"] or (endpoint.port if protocol == "sftp" else 22)
        filled["sftp_offered"] = _greeting(endpoint.host, ssh_port, net, "sftp", note) == "ssh"
        filled["plain_ftp_refused"] = _refused(endpoint.host, row["ftp_port"] or 21, net, "plain_ftp", note)
        filled["telnet_refused"] = _refused(endpoint.host, row["telnet_port"] or 23, net, "telnet", note)
    return filled, obs


def _sni(host: str) -> str | None:
    try:
        ipaddress.ip_address(host)
        return None  # SNI carries names only
    except ValueError:
        return host


def _offer(endpoint: Endpoint, version: ssl.TLSVersion, net: Net) -> tuple[str, str]:
    """accepted / refused / could_not_test / timed_out / unreachable, with what was seen."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with warnings.catch_warnings():  # offering TLS 1.0/1.1 is deprecated: here it is the point
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = version
            ctx.maximum_version = version
        if version < ssl.TLSVersion.TLSv1_2:
            ctx.set_ciphers("ALL:@SECLEVEL=0")  # OpenSSL 3 will not offer TLS 1.0/1.1 at its default level
    except (ValueError, ssl.SSLError) as exc:
        return "could_not_test", f"the local TLS library cannot offer this version: {exc}"
    assert endpoint.port is not None
    sock = net.connect(endpoint.host, endpoint.port)
    if isinstance(sock, str):
        return sock, "no TCP connection"
    if endpoint.starttls and (why := _smtp_starttls(sock, net)):
        sock.close()
        return "timed_out" if why == "timed_out" else "refused", f"STARTTLS: {why}"
    try:
        with ctx.wrap_socket(sock, server_hostname=_sni(endpoint.host)) as tls:
            return "accepted", f"negotiated {tls.version()} {(tls.cipher() or ('',))[0]}"
    except ssl.SSLError as exc:
        if exc.reason in LOCAL_REFUSALS:
            return "could_not_test", f"the local TLS library could not offer this version ({exc.reason})"
        return "refused", exc.reason or str(exc)
    except TimeoutError:
        return "timed_out", "no handshake answer"
    except OSError as exc:  # the server closed or reset the connection: it will not speak this version
        return "refused", f"connection closed during the handshake ({exc.strerror or exc})"
    finally:
        sock.close()


def _certificate(endpoint: Endpoint, net: Net, request: TlsRequest, note: Callable[..., None]) -> dict[str, Any]:
    assert endpoint.port is not None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # read the certificate whatever it is; the chain is judged below
    der = _handshake(endpoint, ctx, net)
    if isinstance(der, str):
        note(endpoint.label, "certificate", "not_read", der)
        return {}
    cert = x509.load_der_x509_certificate(der)
    before, after = cert.not_valid_before_utc, cert.not_valid_after_utc
    now = request.now()
    matches = name_matches(cert, endpoint.host)
    note(endpoint.label, "certificate", "read", visible(cert.subject.rfc4514_string()),
         not_before=before.isoformat(), not_after=after.isoformat(), days_to_expiry=(after - now).days,
         valid_now=before <= now < after, host_name_matches=matches,
         sha256=cert.fingerprint(_sha256()).hex())
    verify = ssl.create_default_context()  # the system store
    verify.check_hostname = False  # the name is judged on its own above, so a wrong name is not a chain error
    if request.ca is not None:
        verify.load_verify_locations(cafile=str(request.ca))
    checked = _handshake(endpoint, verify, net)
    chain_ok = not isinstance(checked, str)
    note(endpoint.label, "chain", "verified" if chain_ok else "not_verified", "" if chain_ok else str(checked),
         store="system" + (f" + {request.ca}" if request.ca else ""))
    return {"certificate_valid_from": before.date(), "certificate_expires_on": after.date(),
            "host_name_matches": matches, "chain_verified": chain_ok}


def _sha256() -> Any:
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256()


def _handshake(endpoint: Endpoint, ctx: ssl.SSLContext, net: Net) -> bytes | str:
    """The peer's certificate (DER), or why there is none."""
    assert endpoint.port is not None
    sock = net.connect(endpoint.host, endpoint.port)
    if isinstance(sock, str):
        return sock
    if endpoint.starttls and (why := _smtp_starttls(sock, net)):
        sock.close()
        return f"STARTTLS: {why}"
    try:
        with ctx.wrap_socket(sock, server_hostname=_sni(endpoint.host)) as tls:
            der = tls.getpeercert(binary_form=True)
            return der if der else "no certificate"
    except ssl.SSLCertVerificationError as exc:
        return str(exc.verify_message or exc.reason)
    except ssl.SSLError as exc:
        return f"handshake failed: {exc.reason or exc}"
    except TimeoutError:
        return "timed_out"
    except OSError as exc:
        return f"connection closed during the handshake ({exc.strerror or exc})"
    finally:
        sock.close()


def name_matches(cert: x509.Certificate, host: str) -> bool:
    """RFC 6125: the host against the certificate's subjectAltName (IP entries for an address, DNS names
    with a left-most wildcard otherwise); the common name only when there is no subjectAltName."""
    try:
        san: x509.SubjectAlternativeName | None = cert.extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        return san is not None and address in san.get_values_for_type(x509.IPAddress)
    names = (san.get_values_for_type(x509.DNSName) if san is not None
             else [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)])
    wanted = host.lower().rstrip(".")
    for name in (n.lower().rstrip(".") for n in names):
        if name == wanted or (name.startswith("*.") and wanted.partition(".")[2] == name[2:] and "." in name[2:]):
            return True
    return False


_STATUS = re.compile(rb"^HTTP/\d(?:\.\d)? (\d{3})")
_LOCATION = re.compile(rb"^location:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


def _plain_http(endpoint: Endpoint, port: int, net: Net, note: Callable[..., None]) -> str:
    """redirects_to_https / redirects_elsewhere / serves_plain / refused / timed_out / unreachable."""
    target = host_port(endpoint.host, port)
    sock = net.connect(endpoint.host, port)
    if isinstance(sock, str):
        note(target, "plain_http", sock)
        return sock
    host_header = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host
    request = f"GET / HTTP/1.0\r\nHost: {host_header}\r\nUser-Agent: ccaudit-probe\r\n\r\n".encode("ascii", "replace")
    try:
        data, silent = net.read(sock, request)
    finally:
        sock.close()
    status = _STATUS.match(data)
    location = _LOCATION.search(data.split(b"\r\n\r\n", 1)[0])
    shown = visible(data[:200].decode("latin-1"))
    if silent:
        result = "timed_out"
    elif not data:
        result = "refused"  # accepted, then closed without a word: nothing is served
    elif status and status.group(1) in (b"301", b"302", b"303", b"307", b"308") and location:
        result = "redirects_to_https" if location.group(1).lower().startswith(b"https://") else "redirects_elsewhere"
    else:
        result = "serves_plain"
    note(target, "plain_http", result, shown, status=int(status.group(1)) if status else None,
         location=visible(location.group(1).decode("latin-1")) if location else None)
    return result


def _greeting(host: str, port: int, net: Net, test: str, note: Callable[..., None]) -> str:
    """What answers on host:port by its greeting: ssh, ftp, telnet, other, or why nothing does."""
    target = host_port(host, port)
    sock = net.connect(host, port)
    if isinstance(sock, str):
        note(target, test, sock)
        return sock
    try:
        data, silent = net.read(sock)
    finally:
        sock.close()
    kind = ("ssh" if data.startswith(b"SSH-") else "ftp" if data.startswith(b"220") else
            "telnet" if data.startswith(b"\xff") else "silent" if silent or not data else "other")
    note(target, test, kind, visible(data[:200].decode("latin-1")))
    return kind


def _refused(host: str, port: int, net: Net, test: str, note: Callable[..., None]) -> bool | None:
    """True when nothing listens (refused or no route), False when a service answers; None when the
    connection timed out (a filtering firewall or a slow service: not concluded)."""
    seen = _greeting(host, port, net, test, note)
    if seen == "timed_out":
        return None
    return seen in ("refused", "unreachable")


_SMTP_LINE = re.compile(rb"^(\d{3})([ -])(.*)$")


def _smtp_reply(sock: Any, net: Net, send: bytes = b"") -> tuple[int | None, list[str], bool]:
    """One SMTP reply (its code, its lines, whether the peer stayed silent), after sending `send`; bounded by
    the probe's byte limit and timeout."""
    data = b""
    try:
        if send:
            sock.sendall(send)
        while len(data) < net.banner_bytes * 4:
            chunk = sock.recv(1024)
            if not chunk:
                break
            data += chunk
            lines = data.split(b"\r\n")
            last = next((line for line in reversed(lines) if line), b"")
            match = _SMTP_LINE.match(last)
            if data.endswith(b"\n") and match and match.group(2) == b" ":
                break
    except TimeoutError:
        return None, [], not data
    except OSError:
        pass
    lines = [line.decode("latin-1") for line in data.split(b"\r\n") if line]
    first = _SMTP_LINE.match(data.split(b"\r\n", 1)[0])
    return (int(first.group(1)) if first else None), lines, False


def _smtp_starttls(sock: Any, net: Net) -> str:
    """Greeting, EHLO, STARTTLS: '' when the socket is ready for the TLS handshake, else what went wrong."""
    code, _, silent = _smtp_reply(sock, net)
    if code != 220:
        return "timed_out" if silent else f"no SMTP greeting (code {code})"
    code, lines, silent = _smtp_reply(sock, net, b"EHLO ccaudit-probe.invalid\r\n")
    if code != 250:
        return "timed_out" if silent else f"EHLO answered {code}"
    if not any(line[4:].strip().upper().startswith("STARTTLS") for line in lines):
        return "STARTTLS not offered"
    code, lines, silent = _smtp_reply(sock, net, b"STARTTLS\r\n")
    if code != 220:
        return "timed_out" if silent else f"STARTTLS answered {code}: {visible(' '.join(lines)[:120])}"
    return ""


def _starttls_offered(endpoint: Endpoint, net: Net, note: Callable[..., None]) -> bool | None:
    """Whether the SMTP server offers STARTTLS after EHLO (None: no answer to conclude from). QUIT follows; no
    mail is sent and no log-in tried."""
    assert endpoint.port is not None
    sock = net.connect(endpoint.host, endpoint.port)
    if isinstance(sock, str):
        note(endpoint.label, "starttls", sock)
        return None
    try:
        code, greeting, silent = _smtp_reply(sock, net)
        if code != 220:
            note(endpoint.label, "starttls", "timed_out" if silent else "not_smtp", visible(" ".join(greeting)[:200]))
            return None
        code, lines, silent = _smtp_reply(sock, net, b"EHLO ccaudit-probe.invalid\r\n")
        with contextlib.suppress(OSError):
            sock.sendall(b"QUIT\r\n")
    finally:
        sock.close()
    if code != 250:
        note(endpoint.label, "starttls", "timed_out" if silent else "no_ehlo", visible(" ".join(lines)[:200]))
        return None
    offered = any(line[4:].strip().upper().startswith("STARTTLS") for line in lines)
    note(endpoint.label, "starttls", "offered" if offered else "not_offered", visible(" | ".join(lines)[:300]))
    return offered
