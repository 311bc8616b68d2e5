"""`ccaudit probe ports`: a TCP connect scan of each registered IoT device, against its type's baseline (12.4.3).

For each active device of the firm's iot_inventory register that has an `address`: every port of its
`probe_ports` (default the list in content/probes/ports.yaml) is tried with a plain TCP connect. An open
port's greeting is read (bounded bytes, the probe timeout); a silent one is asked `GET /` (no credentials,
ever) to read an admin page's title and server. Each open port is compared with the baseline for the
device's type (content/probes/ports.yaml, or the firm's iot_type_baselines register with --baselines).

Outputs in DIR: iot_port_observations.csv (one row per device and port tried) and
port_observations.json (the baseline used and every observation with its greeting, escaped)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ccaudit.errors import EvidenceError
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.probes.net import Net
from ccaudit.probes.output import same_dataset_files, write_csv, write_json
from ccaudit.probes.targets import host_port, read_register, split_host_port
from ccaudit.settings import Settings
from ccaudit.textsafe import visible

DATASET = "iot_port_observations"
OBSERVATIONS_FILE = "port_observations.json"  # not named after a dataset: inspect lists it, never imports it
STATES = {"refused": "closed", "timed_out": "filtered", "unreachable": "unreachable"}


@dataclass(frozen=True)
class PortData:
    """content/probes/ports.yaml: ports to scan, baselines per type, and the signs of a default log-in."""

    ports: dict[int, str]
    baselines: dict[str, frozenset[int]]
    cleartext_login: frozenset[str]
    default_login_titles: tuple[str, ...]
    default_login_servers: tuple[str, ...]

    @classmethod
    def load(cls) -> PortData:
        text = resources.files("ccaudit").joinpath("content/probes/ports.yaml").read_text(encoding="utf-8")
        raw = yaml.safe_load(text)
        return cls(
            ports={int(p): str(s) for p, s in raw["ports"].items()},
            baselines={str(t).lower(): frozenset(int(p) for p in ps) for t, ps in raw["baselines"].items()},
            cleartext_login=frozenset(raw["cleartext_login"]),
            default_login_titles=tuple(t.lower() for t in raw["default_login_titles"]),
            default_login_servers=tuple(s.lower() for s in raw["default_login_servers"]),
        )


@dataclass(frozen=True)
class PortsRequest:
    targets: Path
    out: Path
    settings: Settings
    only: tuple[str, ...] = ()
    baselines: Path | None = None  # the firm's iot_type_baselines register; replaces the built-in types it names
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)


@dataclass
class Device:
    row: dict[str, Any]
    address: str
    ports: list[int] = field(default_factory=list)


def devices(rows: Sequence[dict[str, Any]], data: PortData) -> tuple[list[Device], list[dict[str, str]]]:
    """Devices to scan (active, with an address) and the others with why they are not scanned."""
    chosen, skipped = [], []
    for r in rows:
        if (r.get("status") or "active") != "active":
            skipped.append({"device_id": r["device_id"], "why": "retired: its address may belong to another device"})
        elif not r.get("address"):
            skipped.append({"device_id": r["device_id"], "why": "no address in the register"})
        else:
            host, port = split_host_port(str(r["address"]))
            listed = [_port(p, r["device_id"]) for p in r.get("probe_ports") or []]
            ports = [port] if port else listed or sorted(data.ports)
            chosen.append(Device(r, host, ports))
    return chosen, skipped


def _port(text: str, device: str) -> int:
    if not str(text).strip().isdigit() or not 1 <= int(text) <= 65535:
        raise EvidenceError(f"device {visible(device)}: probe port {visible(str(text))} is not 1 to 65535")
    return int(text)


def select(items: list[Device], only: Sequence[str]) -> list[Device]:
    """The devices --only names (device_id, HOST, or HOST:PORT for one of its ports); anything else is refused."""
    if not only:
        return items
    chosen: dict[str, Device] = {}
    for wanted in only:
        hits = [d for d in items if d.row["device_id"] == wanted.strip()]
        if hits:
            for d in hits:
                chosen[d.row["device_id"]] = d
            continue
        host, port = split_host_port(wanted)
        hits = [d for d in items if d.address.lower() == host.lower() and (port is None or port in d.ports)]
        if not hits:
            raise EvidenceError(f"--only {visible(wanted)} is not in the register: a probe touches only registered "
                                "devices and their listed ports (device_id, HOST or HOST:PORT)")
        for d in hits:
            kept = chosen.get(d.row["device_id"])
            ports = [port] if port else d.ports
            if kept is None:
                chosen[d.row["device_id"]] = Device(d.row, d.address, list(ports))
            elif port and port not in kept.ports:
                kept.ports.append(port)
    return list(chosen.values())


def firm_baselines(path: Path, settings: Settings) -> dict[str, frozenset[int]]:
    out: dict[str, frozenset[int]] = {}
    for r in read_register(path, "iot_type_baselines", settings):
        out[str(r["device_type"]).lower()] = frozenset(
            int(p) for p in r["allowed_ports"] if str(p).strip().isdigit())
    return out


def run(request: PortsRequest) -> dict[str, Any]:
    settings = request.settings
    data = PortData.load()
    rows = read_register(request.targets, "iot_inventory", settings)
    scan, skipped = devices(rows, data)
    chosen = select(scan, request.only)  # before any packet: a refusal sends nothing
    baselines = dict(data.baselines)
    if request.baselines is not None:
        baselines.update(firm_baselines(request.baselines, settings))
    net = Net.from_settings(settings)
    with ThreadPoolExecutor(max_workers=settings.probe_concurrency) as pool:
        results = list(pool.map(lambda d: _scan(d, net, data, baselines, request), chosen))
    observations = [o for obs in results for o in obs]
    request.out.mkdir(parents=True, exist_ok=True)
    registry = TemplateRegistry.load(settings.content_paths)
    fields = [f.name for f in registry[DATASET].fields]
    write_csv(request.out / f"{DATASET}.csv", fields, observations)
    doc = {
        "probe": "ports",
        "targets": str(request.targets),
        "devices_in_register": len(rows),
        "devices_probed": [d.row["device_id"] for d in chosen],
        "not_probed": skipped,
        "baselines": {t: sorted(p) for t, p in sorted(baselines.items())},
        "baselines_from": str(request.baselines) if request.baselines else "content/probes/ports.yaml",
        "settings": {"timeout_seconds": settings.probe_timeout_seconds, "concurrency": settings.probe_concurrency,
                     "rate_per_second": settings.probe_rate_per_second, "banner_bytes": settings.probe_banner_bytes},
        "observations": observations,
        "outputs": [f"{DATASET}.csv", OBSERVATIONS_FILE],
        "also_in_out": same_dataset_files(request.out, DATASET, f"{DATASET}.csv", registry),
    }
    write_json(request.out / OBSERVATIONS_FILE, doc)
    return doc


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_SERVER = re.compile(rb"^server:[ \t]*([^\r\n]*)", re.IGNORECASE | re.MULTILINE)


def _scan(device: Device, net: Net, data: PortData, baselines: dict[str, frozenset[int]],
          request: PortsRequest) -> list[dict[str, Any]]:
    row = device.row
    dtype = str(row.get("device_type") or "")
    allowed = baselines.get(dtype.lower())
    out = []
    for port in device.ports:
        observed = request.now().isoformat(timespec="seconds").replace("+00:00", "Z")
        record: dict[str, Any] = {"device_id": row["device_id"], "device_type": dtype, "address": device.address,
                                  "port": port, "observed_at": observed, "target": host_port(device.address, port)}
        sock = net.connect(device.address, port)
        if isinstance(sock, str):
            record["state"] = STATES[sock]
            out.append(record)
            continue
        try:
            banner, silent = net.read(sock)
            http = b""
            if silent or not banner:  # a service that waits to be asked: try HTTP (no credentials)
                host = f"[{device.address}]" if ":" in device.address else device.address
                http, _ = net.read(sock, f"GET / HTTP/1.0\r\nHost: {host}\r\nUser-Agent: ccaudit-probe\r\n\r\n"
                                   .encode("ascii", "replace"))
        finally:
            sock.close()
        service = _service(banner or http, data.ports.get(port))
        title = _TITLE.search(http)
        server = _SERVER.search(http.split(b"\r\n\r\n", 1)[0])
        title_text = title.group(1).decode("latin-1").strip() if title else ""
        server_text = server.group(1).decode("latin-1").strip() if server else ""
        record.update({
            "state": "open", "service": service,
            "allowed_by_baseline": None if allowed is None else port in allowed,
            "cleartext_login": service in data.cleartext_login,
            "default_login_suspected": service == "http" and (
                any(t in title_text.lower() for t in data.default_login_titles)
                or any(server_text.lower().startswith(s) for s in data.default_login_servers)),
            "banner": visible((banner or http)[:200].decode("latin-1")),
            "http_title": visible(title_text) or None, "http_server": visible(server_text) or None,
        })
        out.append(record)
    return out


def _service(greeting: bytes, usual: str | None) -> str:
    if greeting.startswith(b"SSH-"):
        return "ssh"
    if greeting.startswith(b"\xff") or b"login:" in greeting.lower():
        return "telnet"
    if greeting.startswith(b"220"):  # FTP and SMTP both greet with 220
        return "smtp" if b"smtp" in greeting.lower() else "ftp"
    if greeting.startswith(b"HTTP/"):
        return "http"
    if greeting.startswith(b"\x15\x03"):  # a TLS alert in answer to plain text
        return "tls"
    if not greeting:
        return usual or "silent"
    return "other"
