"""`ccaudit probe tls|ports` (site and pages in probe_web.py): live probes of the targets a firm has registered,
written as evidence files; what they print in English or Traditional Chinese (`--lang`, CCAUDIT_LANG)."""

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
                               "（`ccaudit inspect` 不接受同一鍵值而內容不同之資料）"))
            continue
        print_line(visible(f"warning: {out / name} is the same dataset as the probe's file: keep one of the two in the "
                     "evidence folder (inspect refuses the same key with different content)"))


def _yn(value: Any, zh: bool = False) -> str:
    if zh:
        return "?" if value is None else "是" if value else "否"
    return "?" if value is None else "yes" if value else "no"


def _t(zh: bool, en: str, zh_tw: str) -> str:
    return zh_tw if zh else en


NOT_PROBED_ZH = {"retired: its address may belong to another device": "已除役：其位址可能已屬其他設備",
                 "no address in the register": "清冊未載網路位址"}
LangOpt = Annotated[str | None, typer.Option("--lang", help="zh-TW or en (default CCAUDIT_LANG)")]


def is_zh_lang(lang: str | None, settings: Settings) -> bool:
    from ccaudit.findings.messages import is_zh
    from ccaudit.settings import normalise_lang

    return is_zh(normalise_lang(lang) if lang else settings.lang)


@probe_app.command("tls")
def tls_cmd(
    targets: TargetsOpt,
    out: OutOpt,
    only: OnlyOpt = None,
    ca: Annotated[Path | None, typer.Option("--ca", help="extra CA certificates (PEM) trusted besides the "
                                            "system store")] = None,
    lang: LangOpt = None,
) -> None:
    """TLS versions, certificate, plain HTTP, FTP/Telnet and STARTTLS of each registered sensitive endpoint
    (12.1.2)."""
    from ccaudit.probes.tls import OBSERVATIONS_FILE, WEAK, TlsRequest, run

    settings = Settings()
    zh = is_zh_lang(lang, settings)
    doc = run(TlsRequest(targets=targets, out=out, settings=settings, only=tuple(only or ()), ca=ca))
    by_id: dict[str, list[dict[str, Any]]] = {}
    for o in doc["observations"]:
        by_id.setdefault(o["endpoint_id"], []).append(o)
    for row in doc["rows"]:
        obs = by_id.get(row["endpoint_id"], [])
        parts = [f"{row['endpoint_id']} {row['host']}:{row['port'] or ''} ({row['protocol']})"]
        versions = row.get("tls_version")
        if any(o["test"] == "tls_version" for o in obs):
            weak = [v for v in WEAK if versions and v in versions.split(", ")]
            parts.append(f"TLS {versions or _t(zh, 'none accepted', '均不接受')}"
                         + (_t(zh, " - below 1.2: ", "－低於 1.2：") + ", ".join(weak) if weak else ""))
            untested = [o["version"] for o in obs if o["test"] == "tls_version" and o["result"] == "could_not_test"]
            if untested:
                parts.append(_t(zh, f"could not test {', '.join(untested)} (the local TLS library will not offer it)",
                                f"無法測試 {', '.join(untested)}（本機 TLS 程式庫不提供）"))
        cert = next((o for o in obs if o["test"] == "certificate" and o["result"] == "read"), None)
        if cert:
            parts.append(_t(zh, "certificate {b} .. {a} ({d} days to expiry), host name matches: {m}, "
                                "chain verified: {c}",
                            "憑證 {b} 至 {a}（距到期 {d} 日），主機名稱相符：{m}，憑證鏈驗證通過：{c}").format(
                b=cert["not_before"][:10], a=cert["not_after"][:10], d=cert["days_to_expiry"],
                m=_yn(cert["host_name_matches"], zh), c=_yn(row.get("chain_verified"), zh)))
        if row.get("plain_http"):
            parts.append(_t(zh, f"plain HTTP: {row['plain_http']}", f"明文HTTP：{row['plain_http']}"))
        if "sftp_offered" in row and any(o["test"] == "sftp" for o in obs):
            parts.append(_t(zh, "SFTP offered: {s}, plain FTP refused: {f}, Telnet refused: {t}",
                            "提供SFTP：{s}，拒絕明文FTP：{f}，拒絕Telnet：{t}").format(
                s=_yn(row["sftp_offered"], zh), f=_yn(row["plain_ftp_refused"], zh), t=_yn(row["telnet_refused"], zh)))
        if any(o["test"] == "starttls" for o in obs):
            parts.append(_t(zh, "STARTTLS offered: ", "提供STARTTLS：") + _yn(row.get("starttls_offered"), zh))
        print_line(visible(_t(zh, "; ", "；").join(str(p) for p in parts)))
    _also(doc, out, zh)
    print_line(_t(zh, "probed {n} of {r} registered endpoints; wrote {csv} and {json}",
                  "已探測登錄之 {r} 個端點中之 {n} 個；已寫入 {csv} 及 {json}").format(
        n=len(doc["rows"]), r=doc["endpoints_in_register"], csv=visible(str(out / "sensitive_endpoints.csv")),
        json=visible(str(out / OBSERVATIONS_FILE))))


@probe_app.command("ports")
def ports_cmd(
    targets: TargetsOpt,
    out: OutOpt,
    only: OnlyOpt = None,
    baselines: Annotated[Path | None, typer.Option("--baselines", help="the firm's iot_type_baselines register: "
                                                   "its types replace the built-in baselines")] = None,
    lang: LangOpt = None,
) -> None:
    """TCP connect scan of each registered IoT device against its type's baseline, with greetings (12.4.3)."""
    from ccaudit.probes.ports import DATASET, OBSERVATIONS_FILE, PortsRequest, run

    settings = Settings()
    zh = is_zh_lang(lang, settings)
    doc = run(PortsRequest(targets=targets, out=out, settings=settings, only=tuple(only or ()),
                           baselines=baselines))
    by_device: dict[str, list[dict[str, Any]]] = {}
    for o in doc["observations"]:
        by_device.setdefault(o["device_id"], []).append(o)
    for device, obs in by_device.items():
        opened = [o for o in obs if o["state"] == "open"]
        flags = []
        for o in opened:
            why = [_t(zh, en, zw) for en, zw, on in (
                ("not in its type's baseline", "不在其類型基準內", o["allowed_by_baseline"] is False),
                ("its type has no baseline", "該設備類型未訂基準", o["allowed_by_baseline"] is None),
                ("clear-text log-in", "明文登入服務", o["cleartext_login"]),
                ("admin page known for a default log-in", "以預設帳密聞名之管理頁面", o["default_login_suspected"]))
                if on]
            if why:
                flags.append(_t(zh, f"{o['port']}/{o['service']} ({', '.join(why)})",
                                f"{o['port']}/{o['service']}（{'、'.join(why)}）"))
        filtered = sum(1 for o in obs if o["state"] in ("filtered", "unreachable"))
        line = _t(zh, "{d} {a} ({t}): open {p} of {n} tried", "{d} {a}（{t}）：開啟 {p}（共試 {n} 個）").format(
            d=device, a=obs[0]["address"], t=obs[0]["device_type"],
            p=", ".join(str(o["port"]) for o in opened) or _t(zh, "none", "無"), n=len(obs))
        if filtered:
            line += _t(zh, f"; {filtered} without an answer (filtered or unreachable)",
                       f"；{filtered} 個無回應（過濾或無法連線）")
        if flags:
            line += _t(zh, "; exposed: ", "；曝露：") + _t(zh, "; ", "；").join(flags)
        print_line(visible(line))
    for skip in doc["not_probed"]:
        reason = _t(zh, skip["why"], NOT_PROBED_ZH.get(skip["why"], skip["why"]))
        print_line(visible(_t(zh, f"{skip['device_id']}: not probed ({reason})",
                              f"{skip['device_id']}：未探測（{reason}）")))
    _also(doc, out, zh)
    print_line(_t(zh, "probed {n} of {r} registered devices; wrote {csv} and {json}",
                  "已探測登錄之 {r} 台設備中之 {n} 台；已寫入 {csv} 及 {json}").format(
        n=len(doc["devices_probed"]), r=doc["devices_in_register"], csv=visible(str(out / (DATASET + ".csv"))),
        json=visible(str(out / OBSERVATIONS_FILE))))


def register(app: typer.Typer) -> None:
    from ccaudit.cli import probe_web  # noqa: F401 (registers `probe site` and `probe pages` on probe_app)

    app.add_typer(probe_app, name="probe")
