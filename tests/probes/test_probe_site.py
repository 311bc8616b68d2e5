"""`ccaudit probe site` against a website the test serves on 127.0.0.1: links to social media with a
confirm() notice, a modal, an interstitial page and none; what a user reads in website_outbound_links.csv,
site_observations.json, the screenshots and on the terminal, and that 12.2.3.2 is decided from it.
Headless Chromium (Debian's) is started once per probe run; nothing leaves loopback (every navigation off
the site is aborted inside the browser)."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from tests.cli.inprocess import FIRM_HEADER, ccaudit
from tests.probes.website import Website, serving

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").is_file(), reason="Debian's chromium is not installed")

HOME = """<!doctype html><html><head><title>範例證券</title></head><body>
<div style="position:fixed;bottom:0;left:0;right:0;height:200px;background:#eee">本網站使用 Cookie</div>
<header>
  <a href="https://www.facebook.com/example"
     onclick="return confirm('您即將離開本公司網站，前往 Facebook')">Facebook</a>
  <a id="ig" href="https://www.instagram.com/example">Instagram</a>
  <a href="/leave?url=https%3A%2F%2Fline.me%2FR%2Fti%2Fp%2F%40example">LINE</a>
</header>
<main><a href="/about">關於我們</a> <a href="{offsite}">合作夥伴</a>
  <a href="mailto:service@example.com.tw">信箱</a></main>
<footer><a href="https://www.youtube.com/@example" target="_blank">YouTube</a></footer>
<iframe src="https://www.youtube.com/embed/intro" width="320" height="180"></iframe>
<div id="modal" role="dialog" style="display:none;position:fixed;top:20%;left:20%;width:60%;background:#fff">
  您即將離開本公司網站 \x1b[31m<a href="#" id="go">繼續</a></div>
<script>
document.getElementById('ig').addEventListener('click', e => {{
  e.preventDefault(); document.getElementById('modal').style.display = 'block'; }});
</script></body></html>"""
ABOUT = """<html><body><p>About</p><a href="/deep">more</a>
<footer><a href="https://x.com/example">X</a></footer>
<a id="tt" href="https://www.tiktok.com/@example">TikTok</a>
<div id="chat" style="display:none;position:fixed;right:0;bottom:0;width:40%;height:40%">
線上客服：有什麼可以幫您？</div>
<script>
document.getElementById('tt').addEventListener('click', e => {  // a chat bubble, then off to TikTok: no notice
  e.preventDefault(); document.getElementById('chat').style.display = 'block';
  setTimeout(() => { location.href = e.target.href; }, 300); });
</script>
<script>alert('歡迎光臨');  // shown on loading, not on leaving: no notice for the links below
document.body.insertAdjacentHTML('beforeend', '<a href="https://www.linkedin.com/company/example">LinkedIn</a>');
</script></body></html>"""
DEEP = """<html><body><a href="/deeper">deeper</a></body></html>"""
DEEPER = """<html><body><a href="https://www.threads.net/@example">Threads</a></body></html>"""
LEAVE = """<html><body><h1>您即將離開範例證券網站</h1><p>前往第三方網站 line.me</p>
<a href="https://line.me/R/ti/p/@example">繼續前往</a></body></html>"""


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # No link here leaves the outcome to the timeout: a generous one costs nothing and keeps a loaded machine
    # from turning a slow page into "no reaction".
    monkeypatch.setenv("CCAUDIT_PROBE_TIMEOUT_SECONDS", "10")
    monkeypatch.setenv("CCAUDIT_PROBE_RATE_PER_SECOND", "0")
    monkeypatch.setenv("CCAUDIT_PROBE_SITE_MAX_DEPTH", "2")


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["link_url"]: r for r in csv.DictReader(fh)}


def test_each_kind_of_notice_and_a_link_without_one(tmp_path: Path) -> None:
    offsite = Website({"/": "<html><body>partner</body></html>"}, host="127.0.0.2")
    with serving(offsite), serving(Website({})) as site:
        site.pages.update({"/": HOME.format(offsite=offsite.url), "/about": ABOUT, "/deep": DEEP, "/deeper": DEEPER,
                           "/leave": LEAVE})
        register = tmp_path / "官方網站.csv"
        register.write_text(f"網站編號,網址,網站名稱,狀態\nWEB-01,{site.url},官網,使用中\n"
                            "WEB-OLD,http://192.0.2.1/,舊站,已停用\n", encoding="utf-8")
        evidence = tmp_path / "ev"
        (evidence / "website_screenshots").mkdir(parents=True)
        (evidence / "website_screenshots" / "WEB-01-0099.png").write_bytes(b"a previous run's")
        result = ccaudit("probe", "site", "--targets", register, "--out", evidence)
        hits = dict(site.hits)
    assert result.code == 0, result.text
    rows = _rows(evidence / "website_outbound_links.csv")
    seen = {url: (r["leave_notice_shown"], r["notice_kind"], r["link_id"]) for url, r in rows.items()}
    assert seen == {
        "https://www.facebook.com/example": ("true", "dialog", "header#1"),
        "https://www.instagram.com/example": ("true", "modal", "header#2"),
        "https://line.me/R/ti/p/@example": ("true", "interstitial", "header#3"),
        "https://www.youtube.com/@example": ("false", "none", "footer#7"),
        "https://x.com/example": ("false", "none", "footer#2"),
        "https://www.tiktok.com/@example": ("false", "none", "body#3"),  # a chat bubble is not a notice
        "https://www.linkedin.com/company/example": ("false", "none", "body#4"),  # written by a script
    }  # /deeper (3 links deep) is not read: its Threads link is not there
    assert rows["https://www.facebook.com/example"]["notice_text"] == "您即將離開本公司網站，前往 Facebook"
    assert rows["https://www.instagram.com/example"]["notice_text"] == "您即將離開本公司網站 \\x1b[31m繼續"
    assert "\x1b" not in result.out + result.err  # what a page says reaches the terminal escaped
    assert rows["https://x.com/example"]["page_url"] == site.url + "about"
    assert offsite.hits == {}  # a link off the site's host is never followed
    assert "/deeper" not in hits and hits["/leave"] == 1  # the interstitial is reached by the click only

    assert not (evidence / "website_screenshots" / "WEB-01-0099.png").exists()  # cited by nothing: removed
    for row in rows.values():  # each screenshot is a PNG whose SHA-256 is the one recorded
        shot = (evidence / row["screenshot"]).read_bytes()
        assert shot.startswith(b"\x89PNG") and hashlib.sha256(shot).hexdigest() == row["screenshot_sha256"]
    doc: dict[str, Any] = json.loads((evidence / "site_observations.json").read_text(encoding="utf-8"))
    assert doc["not_probed"] == [{"site_id": "WEB-OLD", "url": "http://192.0.2.1/", "why": "retired"}]
    blocked = {b["url"]: b["navigation"] for b in doc["requests_blocked"]}
    assert blocked["https://www.youtube.com/@example"] is True  # the click's navigation, aborted
    assert blocked["https://www.youtube.com/embed/intro"] is False  # an embedded frame is not leaving the page
    assert "https://www.youtube.com/@example (YouTube): NO notice (left at once)" in result.text
    assert "resources on other hosts, which were blocked: www.youtube.com" in result.text

    (evidence / "firm_profile.csv").write_text(FIRM_HEADER + "9A00,Test,N,N,Y,N,N,N\n", encoding="utf-8")
    report = ccaudit("inspect", evidence, "--as-of", "2026-12-01", "--out", tmp_path / "r")
    assert report.code == 0, report.text
    manifest = json.loads((tmp_path / "r" / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    kept = {a["name"]: a["sha256"] for a in manifest["attachments"]}  # the screenshots, stored by hash
    assert kept[rows["https://x.com/example"]["screenshot"]] == rows["https://x.com/example"]["screenshot_sha256"]
    assert "site_observations.json" in kept and manifest["ignored_files"] == []
    assert (tmp_path / "r" / "evidence" / "blobs" / rows["https://x.com/example"]["screenshot_sha256"]).is_file()
    with (tmp_path / "r" / "offending" / "social_link_shows_leave_notice.csv").open(encoding="utf-8-sig") as fh:
        assert sorted(r["link_url"] for r in csv.DictReader(fh)) == [
            "https://www.linkedin.com/company/example", "https://www.tiktok.com/@example",
            "https://www.youtube.com/@example", "https://x.com/example"]


def test_a_site_not_in_the_register_is_refused_before_any_request(tmp_path: Path) -> None:
    with serving(Website({"/": HOME.format(offsite="/")})) as site:
        register = tmp_path / "official_websites.csv"
        register.write_bytes(f"網站編號,網址\nWEB-01,{site.url}\n".encode("cp950"))
        result = ccaudit("probe", "site", "--targets", register, "--out", tmp_path / "ev",
                         "--only", "WEB-01", "--only", "https://www.example.com.tw/")
        assert result.code == 2
        assert "https://www.example.com.tw/ is not in the register" in result.text
        assert site.hits == {}
        register.write_text(f"site_id,url,status\nWEB-01,{site.url},retired\n", encoding="utf-8")
        nothing = ccaudit("probe", "site", "--targets", register, "--out", tmp_path / "ev")
        assert nothing.code == 2 and "no active website in the register" in nothing.text
    assert not (tmp_path / "ev").exists()


def test_a_start_page_that_cannot_be_read_writes_no_dataset(tmp_path: Path) -> None:
    elsewhere = Website({"/": "<html><body>another site</body></html>"}, host="127.0.0.2")
    with serving(elsewhere), serving(Website({})) as site:  # / is 404; /moved redirects to another host
        site.pages["/moved"] = "302 " + elsewhere.url
        register = tmp_path / "official_websites.csv"
        register.write_text(f"site_id,url\nWEB-01,{site.url}\nWEB-02,{site.url}moved\n", encoding="utf-8")
        result = ccaudit("probe", "site", "--targets", register, "--out", tmp_path / "ev")
        # with third-party resources allowed, host names resolve: the redirect is still stopped by the guard
        third = ccaudit("probe", "site", "--targets", register, "--out", tmp_path / "ev3", "--only", "WEB-02",
                        "--allow-third-party")
    assert third.code == 2 and f"redirected to {elsewhere.url}" in third.text
    assert result.code == 2
    assert "start page not read: WEB-01" in result.text and "HTTP status 404" in result.text
    assert f"WEB-02 ({site.url}moved: redirected to {elsewhere.url}, which is not the registered site" in result.text
    assert elsewhere.hits == {}
    assert not (tmp_path / "ev" / "website_outbound_links.csv").exists()  # it would read as "no links: compliant"
    doc = json.loads((tmp_path / "ev" / "site_observations.json").read_text(encoding="utf-8"))
    assert doc["sites"][0]["pages"][0]["status"] == 404
