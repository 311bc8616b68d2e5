"""`ccaudit probe tls|ports`: live probes of the targets a firm has registered, written as evidence files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ccaudit.cli.console import print_line
from ccaudit.settings import Settings
from ccaudit.textsafe import visible

probe_app = typer.Typer(help="Live probes of registered targets only (TLS endpoints, IoT ports, the website's "
                             "social-media links, official social-media pages).",
                        no_args_is_help=True)

TargetsOpt = Annotated[Path, typer.Option("--targets", help="the firm's register (any form `ccaudit inspect` "
                                                           "reads); nothing outside it is touched")]
OutOpt = Annotated[Path, typer.Option("--out", help="evidence folder to write the dataset and observations into")]
OnlyOpt = Annotated[list[str] | None, typer.Option("--only", help="probe only this registered HOST:PORT (or ID); "
                                                   "repeat for several; anything not registered is refused")]


def _also(doc: dict[str, Any], out: Path, zh: bool = False) -> None:
    for name in doc["also_in_out"]:
        if zh:
            print_line(visible(f"警告：{out / name} 與探測結果檔屬同一資料集，證據資料夾中請僅保留其一"
                               "（inspect 不接受同一鍵值而內容不同之資料）"))
            continue
        print_line(visible(f"warning: {out / name} is the same dataset as the probe's file: keep one of the two in the "
                     "evidence folder (inspect refuses the same key with different content)"))


def _yn(value: Any) -> str:
    return "?" if value is None else "yes" if value else "no"


@probe_app.command("tls")
def tls_cmd(
    targets: TargetsOpt,
    out: OutOpt,
    only: OnlyOpt = None,
    ca: Annotated[Path | None, typer.Option("--ca", help="extra CA certificates (PEM) trusted besides the "
                                            "system store")] = None,
) -> None:
    """TLS versions, certificate, plain HTTP and FTP/Telnet of each registered sensitive endpoint (12.1.2)."""
    from ccaudit.probes.tls import OBSERVATIONS_FILE, WEAK, TlsRequest, run

    doc = run(TlsRequest(targets=targets, out=out, settings=Settings(), only=tuple(only or ()), ca=ca))
    by_id: dict[str, list[dict[str, Any]]] = {}
    for o in doc["observations"]:
        by_id.setdefault(o["endpoint_id"], []).append(o)
    for row in doc["rows"]:
        obs = by_id.get(row["endpoint_id"], [])
        parts = [f"{row['endpoint_id']} {row['host']}:{row['port'] or ''} ({row['protocol']})"]
        versions = row.get("tls_version")
        if any(o["test"] == "tls_version" for o in obs):
            weak = [v for v in WEAK if versions and v in versions.split(", ")]
            parts.append(f"TLS {versions or 'none accepted'}" + (f" - below 1.2: {', '.join(weak)}" if weak else ""))
            untested = [o["version"] for o in obs if o["test"] == "tls_version" and o["result"] == "could_not_test"]
            if untested:
                parts.append(f"could not test {', '.join(untested)} (the local TLS library will not offer it)")
        cert = next((o for o in obs if o["test"] == "certificate" and o["result"] == "read"), None)
        if cert:
            parts.append(f"certificate {cert['not_before'][:10]} .. {cert['not_after'][:10]} "
                         f"({cert['days_to_expiry']} days to expiry), "
                         f"host name matches: {_yn(cert['host_name_matches'])}, "
                         f"chain verified: {_yn(row.get('chain_verified'))}")
        if row.get("plain_http"):
            parts.append(f"plain HTTP: {row['plain_http']}")
        if "sftp_offered" in row and any(o["test"] == "sftp" for o in obs):
            parts.append(f"SFTP offered: {_yn(row['sftp_offered'])}, plain FTP refused: "
                         f"{_yn(row['plain_ftp_refused'])}, Telnet refused: {_yn(row['telnet_refused'])}")
        print_line(visible("; ".join(str(p) for p in parts)))
    _also(doc, out)
    print_line(f"probed {len(doc['rows'])} of {doc['endpoints_in_register']} registered endpoints; wrote "
         f"{visible(str(out / 'sensitive_endpoints.csv'))} and {visible(str(out / OBSERVATIONS_FILE))}")


@probe_app.command("ports")
def ports_cmd(
    targets: TargetsOpt,
    out: OutOpt,
    only: OnlyOpt = None,
    baselines: Annotated[Path | None, typer.Option("--baselines", help="the firm's iot_type_baselines register: "
                                                   "its types replace the built-in baselines")] = None,
) -> None:
    """TCP connect scan of each registered IoT device against its type's baseline, with greetings (12.4.3)."""
    from ccaudit.probes.ports import DATASET, OBSERVATIONS_FILE, PortsRequest, run

    doc = run(PortsRequest(targets=targets, out=out, settings=Settings(), only=tuple(only or ()),
                           baselines=baselines))
    by_device: dict[str, list[dict[str, Any]]] = {}
    for o in doc["observations"]:
        by_device.setdefault(o["device_id"], []).append(o)
    for device, obs in by_device.items():
        opened = [o for o in obs if o["state"] == "open"]
        flags = []
        for o in opened:
            why = [w for w, on in (("not in its type's baseline", o["allowed_by_baseline"] is False),
                                   ("its type has no baseline", o["allowed_by_baseline"] is None),
                                   ("clear-text log-in", o["cleartext_login"]),
                                   ("admin page known for a default log-in", o["default_login_suspected"])) if on]
            if why:
                flags.append(f"{o['port']}/{o['service']} ({', '.join(why)})")
        filtered = sum(1 for o in obs if o["state"] in ("filtered", "unreachable"))
        line = (f"{device} {obs[0]['address']} ({obs[0]['device_type']}): open "
                f"{', '.join(str(o['port']) for o in opened) or 'none'} of {len(obs)} tried")
        if filtered:
            line += f"; {filtered} without an answer (filtered or unreachable)"
        if flags:
            line += "; exposed: " + "; ".join(flags)
        print_line(visible(line))
    for skip in doc["not_probed"]:
        print_line(visible(f"{skip['device_id']}: not probed ({skip['why']})"))
    _also(doc, out)
    print_line(f"probed {len(doc['devices_probed'])} of {doc['devices_in_register']} registered devices; wrote "
         f"{visible(str(out / (DATASET + '.csv')))} and {visible(str(out / OBSERVATIONS_FILE))}")


def register(app: typer.Typer) -> None:
    from ccaudit.cli import probe_web  # noqa: F401 (registers `probe site` and `probe pages` on probe_app)

    app.add_typer(probe_app, name="probe")
