"""`ccaudit probe pages`: saved copies (UTF-8 and Big5) and a live page rendered in Chromium on 127.0.0.1,
searched for the firm's name and a contact method; what a user reads in social_accounts.csv and
page_observations.json, and that 12.2.3.3 is decided from what the pages showed."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from tests.cli.inprocess import FIRM_HEADER, ccaudit
from tests.probes.website import Website, serving

FIRM = (FIRM_HEADER.rstrip("\n") + ",firm_name_en\n"
        "9A00,範例證券股份有限公司,N,N,Y,N,N,N,\"Example Securities Co., Ltd.\"\n")
ACCOUNTS = ("account_id,platform,url,shows_firm_name,shows_contact\n"
            "SM-FB-01,Facebook,https://www.facebook.com/example,是,是\n"
            "SM-IG-01,Instagram,https://www.instagram.com/example,是,是\n"
            "SM-YT-01,YouTube,https://www.youtube.com/@example,是,是\n"
            "SM-LINE-01,LINE,https://line.me/R/ti/p/@example,是,是\n"
            "SM-X-01,X,https://x.com/impostor,是,是\n"
            "SM-TH-01,Threads,https://www.threads.net/@example,否,否\n")
PAGES = {
    # the short name, spaced and in full-width forms, and a Taipei phone number
    "SM-FB-01.html": "<html><head><meta charset='utf-8'><title>Facebook</title></head><body><h1>範例　證券</h1>"
                     "<div>客服專線：（02）2345-6789</div></body></html>".encode(),
    # the English name as an upper-case legal name in the page description, an e-mail address only as a link
    "SM-IG-01.html": b"<html><head><meta property='og:description' content='EXAMPLE SECURITIES CO.,LTD official'>"
                     b"</head><body><a href='mailto:service@example.com.tw'>Mail us</a></body></html>",
    # the name, but no way to reach the firm; a script's text is not page text
    "SM-YT-01.htm": "<html><body><p>範例證券 官方頻道</p><script>var tel='02-2345-6789'</script></body></html>"
                    .encode(),
    # Big5, as Windows saves it: the name and a postal address
    "sm-line-01.html": "<html><head><meta charset='big5'></head><body>範例證券股份有限公司 "
                       "地址：臺北市中正區重慶南路一段100號</body></html>".encode("cp950"),
    # an impostor: a contact, no firm name
    "SM-X-01.html": b"<html><body>Best stock tips! Call 0912-345-678</body></html>",
}


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["account_id"]: r for r in csv.DictReader(fh)}


def _setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    saved = tmp_path / "saved"
    saved.mkdir()
    for name, data in PAGES.items():
        (saved / name).write_bytes(data)
    register = tmp_path / "社群帳號清冊.csv"
    register.write_text(ACCOUNTS, encoding="utf-8")
    firm = tmp_path / "firm_profile.csv"
    firm.write_text(FIRM, encoding="utf-8")
    return saved, register, firm


def test_saved_pages_with_and_without_the_name_and_a_contact(tmp_path: Path) -> None:
    saved, register, firm = _setup(tmp_path)
    evidence = tmp_path / "ev"
    result = ccaudit("probe", "pages", "--targets", register, "--firm", firm, "--saved", saved, "--out", evidence,
                     "--lang", "zh-TW")
    assert result.code == 0, result.text
    rows = _rows(evidence / "social_accounts.csv")
    seen = {a: (r["page_shows_firm_name"], r["page_shows_contact"]) for a, r in rows.items()}
    assert seen == {"SM-FB-01": ("true", "true"), "SM-IG-01": ("true", "true"), "SM-YT-01": ("true", "false"),
                    "SM-LINE-01": ("true", "true"), "SM-X-01": ("false", "true"), "SM-TH-01": ("", "")}
    assert rows["SM-FB-01"]["page_found"] == "name: 範例證券; phone: (02)2345-6789"
    assert rows["SM-IG-01"]["page_found"] == "name: Example Securities Co., Ltd.; e-mail: service@example.com.tw"
    assert rows["SM-LINE-01"]["page_found"] == "name: 範例證券股份有限公司; address: 臺北市中正區重慶南路一段100號"
    assert rows["SM-LINE-01"]["page_source"] == "sm-line-01.html" and len(rows["SM-LINE-01"]["page_sha256"]) == 64
    assert rows["SM-TH-01"]["page_checked_at"] == ""  # no saved copy: the register's own flags still decide
    assert "SM-TH-01：未檢查（無存檔頁面，且未指定 --fetch）；以清冊自填之標示判斷" in result.text
    assert "SM-YT-01（YouTube，存檔頁面）：未標示聯絡方式－name: 範例證券" in result.text
    doc = json.loads((evidence / "page_observations.json").read_text(encoding="utf-8"))
    assert {o["account_id"]: o["encoding"] for o in doc["observations"]}["SM-LINE-01"] == "cp950"

    (evidence / "firm_profile.csv").write_text(FIRM, encoding="utf-8")
    report = ccaudit("inspect", evidence, "--as-of", "2026-12-01", "--out", tmp_path / "r")
    assert report.code == 0, report.text
    with (tmp_path / "r" / "offending" / "social_account_shows_name_and_contact.csv").open(encoding="utf-8-sig") as fh:
        problems = {r["account_id"]: r["problem"] for r in csv.DictReader(fh)}
    assert problems == {"SM-YT-01": "the page as checked shows no contact method",
                        "SM-X-01": "the page as checked does not show the firm name",
                        "SM-TH-01": "neither the firm name nor a contact method is shown"}


def test_a_saved_page_in_no_known_encoding_is_refused_by_name(tmp_path: Path) -> None:
    saved, register, firm = _setup(tmp_path)
    (saved / "SM-FB-01.html").write_bytes(b"<html><body>\xff\xfe\xfa\x81\x00 broken</body></html>")
    result = ccaudit("probe", "pages", "--targets", register, "--firm", firm, "--saved", saved,
                     "--out", tmp_path / "ev")
    assert result.code == 2
    assert "SM-FB-01.html: not a readable saved page" in result.text and "neither UTF-8 nor Big5" in result.text
    assert not (tmp_path / "ev").exists()


@pytest.mark.skipif(not Path("/usr/bin/chromium").is_file(), reason="Debian's chromium is not installed")
def test_a_live_page_is_rendered_and_only_registered_pages_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                    ) -> None:
    monkeypatch.setenv("CCAUDIT_PROBE_RATE_PER_SECOND", "0")
    page = ("<html><body><h1>Example Securities</h1><p id='c'></p>"  # the contact is written by a script
            "<script>document.getElementById('c').textContent = '官網 https://www.example.com.tw/'</script>"
            "</body></html>")
    with serving(Website({"/fb": page})) as site:
        register = tmp_path / "social_accounts.csv"
        register.write_text(f"account_id,platform,url\nSM-FB-01,Facebook,{site.url}fb\n", encoding="utf-8")
        sites = tmp_path / "official_websites.csv"
        sites.write_text("site_id,url\nWEB-01,https://www.example.com.tw/\n", encoding="utf-8")
        refused = ccaudit("probe", "pages", "--targets", register, "--name", "Example Securities", "--fetch",
                          "--out", tmp_path / "ev", "--only", "https://www.facebook.com/other")
        assert refused.code == 2 and "is not in the register" in refused.text and site.hits == {}
        result = ccaudit("probe", "pages", "--targets", register, "--name", "Example Securities", "--fetch",
                         "--sites", sites, "--out", tmp_path / "ev")
    assert result.code == 0, result.text
    row = _rows(tmp_path / "ev" / "social_accounts.csv")["SM-FB-01"]
    assert (row["page_shows_firm_name"], row["page_shows_contact"]) == ("true", "true")
    assert row["page_found"] == "name: Example Securities; website: https://www.example.com.tw/"
    doc = json.loads((tmp_path / "ev" / "page_observations.json").read_text(encoding="utf-8"))
    kept = tmp_path / "ev" / doc["observations"][0]["rendered_copy"]
    assert "https://www.example.com.tw/" in kept.read_text(encoding="utf-8")
