"""`ccaudit probe site` and `ccaudit probe pages`: the probes that drive a browser, with what they print in
English or Traditional Chinese (`--lang`, CCAUDIT_LANG)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ccaudit.cli.console import print_line
from ccaudit.cli.probe import OutOpt, _also, is_zh_lang, probe_app
from ccaudit.settings import Settings
from ccaudit.textsafe import visible

# (en, zh-TW), filled with str.format
WORDS: dict[str, tuple[str, str]] = {
    "site": ("{site} {url}: {read} page(s) read, {links} link(s) to social media",
             "{site} {url}：已讀取 {read} 頁，連至社群媒體之連結 {links} 個"),
    "link": ("  {page} [{link}] -> {target} ({platform}): {shown} ({kind})",
             "  {page} [{link}] → {target}（{platform}）：{shown}（{kind}）"),
    "retired": ("{site}: not read (retired)", "{site}：未讀取（已停用）"),
    "third": ("warning: the pages asked for resources on other hosts, which were blocked: {hosts}; if the notice "
              "needs them, rerun with --allow-third-party",
              "警告：頁面向其他主機要求之資源已被阻擋：{hosts}；"
              "如離站提示需要這些資源，請加上 --allow-third-party 重新執行"),
    "site_done": ("clicked {links} link(s) on {sites} of {registered} registered site(s); wrote {csv}, {json} and "
                  "{shots}/",
                  "已點擊 {sites} 個網站（登錄 {registered} 個）之 {links} 個連結；已寫入 {csv}、{json} 及 {shots}/"),
    "page": ("{account} ({platform}, {source}): {verdict}", "{account}（{platform}，{source}）：{verdict}"),
    "found": (" - {found}", "－{found}"),
    "unchecked": ("{account}: not checked ({why}); the register's own flags decide",
                  "{account}：未檢查（{why}）；以清冊自填之標示判斷"),
    "pages_done": ("checked {checked} of {registered} registered account(s); wrote {csv} and {json}",
                   "已檢查登錄之 {registered} 個帳號中之 {checked} 個；已寫入 {csv} 及 {json}"),
}
SHOWN = {True: ("notice shown", "顯示離站提示"), False: ("NO notice", "未顯示離站提示"),
         None: ("not clicked", "未能點擊")}
KIND = {"dialog": ("dialog", "對話框"), "modal": ("modal", "頁面視窗"),
        "interstitial": ("interstitial page", "中介頁面"),
        "same_site_page": ("a page of the site that does not say so", "未提示離站之站內頁面"),
        "none": ("left at once", "直接離站"), "no_reaction": ("no reaction", "無反應"),
        "not_clicked": ("not clicked", "未點擊")}
VERDICT = {(True, True): ("name and contact shown", "已標示名稱及聯絡方式"),
           (False, True): ("NO firm name", "未標示公司名稱"),
           (True, False): ("NO contact method", "未標示聯絡方式"),
           (False, False): ("NEITHER name nor contact", "未標示公司名稱及聯絡方式")}
UNCHECKED = {"no_saved_copy": ("no saved copy, and --fetch not given", "無存檔頁面，且未指定 --fetch"),
             "no_url": ("no saved copy and no http(s) URL in the register", "無存檔頁面，清冊亦無網址"),
             "not_read": ("the page could not be read or shows no text", "頁面無法讀取或無文字")}
SOURCE = {"saved": ("saved copy", "存檔頁面"), "url": ("rendered", "線上頁面")}

LangOpt = Annotated[str | None, typer.Option("--lang", help="zh-TW or en (default CCAUDIT_LANG)")]


def _say(zh: bool, key: str, **values: Any) -> None:
    print_line(visible(WORDS[key][1 if zh else 0].format(**values)))


def _pick(pair: tuple[str, str], zh: bool) -> str:
    return pair[1] if zh else pair[0]


@probe_app.command("site")
def site_cmd(
    targets: Annotated[Path, typer.Option("--targets", help="the firm's official_websites register; only these "
                                          "sites are read, same host only")],
    out: OutOpt,
    only: Annotated[list[str] | None, typer.Option("--only", help="read only this registered site (site_id, URL or "
                                                   "HOST[:PORT]); repeat for several")] = None,
    allow_third_party: Annotated[bool, typer.Option("--allow-third-party", help="let the pages load scripts, "
                                                    "styles and images from other hosts (a notice script on a CDN); "
                                                    "navigations off the site stay blocked")] = False,
    lang: LangOpt = None,
) -> None:
    """Click each link from the official website to social media in headless Chromium: is a leaving notice
    shown first (12.2.3.2)?"""
    from ccaudit.probes.site import DATASET, OBSERVATIONS_FILE, SCREENSHOTS, SiteRequest, run

    settings = Settings()
    zh = is_zh_lang(lang, settings)
    doc = run(SiteRequest(targets=targets, out=out, settings=settings, only=tuple(only or ()),
                          allow_third_party=allow_third_party))
    for site in doc["sites"]:
        read = sum(1 for p in site["pages"] if p["result"] == "read")
        _say(zh, "site", site=site["site_id"], url=site["url"], read=read, links=site["social_links"])
    for o in doc["links"]:
        text = f": {o['notice_text'][:80]}" if o["notice_text"] else ""
        print_line(visible(WORDS["link"][1 if zh else 0].format(
            page=o["page_url"], link=o["link_id"], target=o["link_url"], platform=o["platform"],
            shown=_pick(SHOWN[o["row"]["leave_notice_shown"]], zh), kind=_pick(KIND[o["notice_kind"]], zh)) + text))
    for skip in doc["not_probed"]:
        _say(zh, "retired", site=skip["site_id"])
    third = sorted({b["url"].split("/")[2] for b in doc["requests_blocked"]
                    if not b["navigation"] and "//" in b["url"]})
    if third:
        _say(zh, "third", hosts=", ".join(third[:5]) + (" ..." if len(third) > 5 else ""))
    _also(doc, out, zh)
    _say(zh, "site_done", links=len(doc["links"]), sites=len(doc["sites"]), registered=doc["sites_in_register"],
         csv=out / f"{DATASET}.csv", json=out / OBSERVATIONS_FILE, shots=out / SCREENSHOTS)


@probe_app.command("pages")
def pages_cmd(
    targets: Annotated[Path, typer.Option("--targets", help="the firm's social_accounts register")],
    out: OutOpt,
    firm: Annotated[Path | None, typer.Option("--firm", help="firm_profile: firm_name and firm_name_en are "
                                              "looked for")] = None,
    name: Annotated[list[str] | None, typer.Option("--name", help="another name the pages may use (a brand); "
                                                   "repeat for several")] = None,
    saved: Annotated[Path | None, typer.Option("--saved", help="folder of saved pages named after each account_id "
                                               "(SM-FB-01.html), UTF-8 or Big5")] = None,
    fetch: Annotated[bool, typer.Option("--fetch", help="render each registered URL without a saved copy in "
                                        "Chromium")] = False,
    sites: Annotated[Path | None, typer.Option("--sites", help="official_websites: a link to them counts as a "
                                               "contact method")] = None,
    only: Annotated[list[str] | None, typer.Option("--only", help="check only this registered account (account_id "
                                                   "or URL); repeat for several")] = None,
    allow_third_party: Annotated[bool, typer.Option("--allow-third-party", help="with --fetch: let the page load "
                                                    "resources from other hosts")] = False,
    lang: LangOpt = None,
) -> None:
    """Does each official social-media page show the firm's name and a contact method (12.2.3.3)?"""
    from ccaudit.probes.pages import DATASET, OBSERVATIONS_FILE, PagesRequest, run

    settings = Settings()
    zh = is_zh_lang(lang, settings)
    doc = run(PagesRequest(targets=targets, out=out, settings=settings, firm=firm, names=tuple(name or ()),
                           saved=saved, fetch=fetch, sites=sites, only=tuple(only or ()),
                           allow_third_party=allow_third_party))
    checked = [o for o in doc["observations"] if o["checked_at"] is not None]
    for o in checked:
        verdict = _pick(VERDICT[(bool(o["shows_firm_name"]), bool(o["shows_contact"]))], zh)
        print_line(visible(WORDS["page"][1 if zh else 0].format(
            account=o["account_id"], platform=o["platform"], source=_pick(SOURCE[o["source"]], zh), verdict=verdict)
            + (WORDS["found"][1 if zh else 0].format(found=o["found"]) if o["found"] else "")))
    for skip in doc["not_checked"]:
        _say(zh, "unchecked", account=skip["account_id"], why=_pick(UNCHECKED[skip["code"]], zh))
    _also(doc, out, zh)
    _say(zh, "pages_done", checked=len(checked), registered=doc["accounts_in_register"], csv=out / f"{DATASET}.csv",
         json=out / OBSERVATIONS_FILE)
