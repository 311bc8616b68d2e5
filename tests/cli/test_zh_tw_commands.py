"""CCAUDIT_LANG=zh-TW (or --lang zh-TW) on the commands outside `audit`: templates, demo, inspect (one firm and
--firms), report, compare, sources, sign-digest and the parser's own refusals say nothing in English except
identifiers, paths and IDs (tests/zh_text.py), and `--lang en` still wins. The real entry point in-process
(tests/cli/inprocess.py) with exactly the environment a user's shell would give it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.cli.inprocess import Outcome, ccaudit_with_env
from tests.cli.test_sources import FORTIGATE
from tests.zh_text import english

# the data of these tests and the names a reader meets as the product spells them (ccaudit sources)
DATA = frozenset({"twse-sec-infosec-art12", "fortigate", "bogus", "oracle", "fr", "abc", "xyz"})
PRODUCTS = frozenset({
    "Fortinet", "Palo", "Alto", "Networks", "ASA", "FTD", "Secure", "Client", "AnyConnect", "WebVPN", "ASDM",
    "PAN-OS", "CEF", "LEEF", "BSD", "IETF", "Strata", "Graph", "Log", "Analytics", "Sentinel", "RFC", "syslog",
    "rsyslog", "systemd", "Winlogbeat", "NXLog", "Splunk", "Velociraptor", "Amazon", "Web", "Services", "CloudTrail",
    "CloudFront", "S3", "Pro", "SSL-VPN", "IPsec", "Jamf", "evtx",
})


def _env(tmp: Path, lang: str | None = "zh-TW") -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "400", "HOME": str(tmp), "CCAUDIT_DATA_DIR": str(tmp / "data"),
           "CCAUDIT_DB": f"sqlite:///{tmp / 'audit.db'}", "CCAUDIT_USER": "admin"}
    return env | ({"CCAUDIT_LANG": lang} if lang else {})


def _zh(tmp: Path, *args: str | Path, code: int = 0, allowed: frozenset[str] = DATA) -> Outcome:
    out = ccaudit_with_env(_env(tmp), *args)
    assert out.code == code, f"{args}: exit {out.code}\n{out.out}{out.err}"
    assert not english(out.text, allowed), f"{args}: {english(out.text, allowed)}\n{out.text}"
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The smallest demo firm, generated and inspected with CCAUDIT_LANG=zh-TW (the lines checked below)."""
    tmp = tmp_path_factory.mktemp("demo")
    out = ccaudit_with_env(_env(tmp), "demo", "--out", tmp / "d", "--scale", "0.005")
    assert out.code == 0, out.out + out.err
    (tmp / "said.txt").write_text(out.text, encoding="utf-8")
    return tmp


def test_demo_and_inspect_read_ccaudit_lang_and_say_their_lines_in_zh_tw(demo: Path, tmp_path: Path) -> None:
    said = (demo / "said.txt").read_text(encoding="utf-8")
    assert not english(said, DATA), english(said, DATA)
    assert f"證據已寫入 {demo / 'd' / 'evidence'}" in said and "查核基準日 2026-11-30" in said
    assert f"結果：{demo / 'd' / 'results' / 'findings.json'}、" in said and "符合:" in said
    inspected = _zh(tmp_path, "inspect", demo / "d" / "evidence", "--as-of", "2026-11-30", "--out", tmp_path / "r")
    assert "遠距" in inspected.out and f"結果：{tmp_path / 'r' / 'findings.json'}、" in inspected.out

    report = _zh(tmp_path, "report", tmp_path / "r", "--out", tmp_path / "rep", "--format", "json")
    assert "摘要值" in report.text and "已寫入 1 個檔案，費時" in report.text
    compared = _zh(tmp_path, "compare", tmp_path / "r", "--out", tmp_path / "cmp")
    assert "compare.xlsx" in compared.text


def test_inspect_firms_table_and_a_refused_firm_in_zh_tw(demo: Path, tmp_path: Path) -> None:
    firms = tmp_path / "firms"
    firms.mkdir()
    shutil.copytree(demo / "d" / "evidence", firms / "9A00")
    (firms / "9Z99").mkdir()
    (firms / "9Z99" / "people.csv").write_text("person_id,employment_status\nE1,在職\nE2,2026-02-30\n", "utf-8")
    out = _zh(tmp_path, "inspect", "--firms", firms, "--as-of", "2026-11-30", "--out", tmp_path / "r", code=2,
              allowed=DATA | {"active", "leave", "terminated"})  # the codes the column takes, as a file holds them
    assert "已檢查 2 家公司中之 1 家" in out.text and "證據資料夾" in out.text
    assert "完成" in out.text and "拒絕" in out.text
    assert "錯誤：9Z99：" in out.text and "第 3 列" in out.text  # the refusal's own Chinese text
    assert f"摘要：{tmp_path / 'r' / 'firms.json'}" in out.text


def test_templates_in_zh_tw_and_english_when_asked(tmp_path: Path) -> None:
    out = _zh(tmp_path, "templates", "--out", tmp_path / "t")
    assert out.text.startswith("已寫入 ") and f"（說明見 {tmp_path / 't' / 'README.md'}）" in out.text
    assert (tmp_path / "t" / "remote_sessions.csv").read_text(encoding="utf-8-sig").startswith("連線編號,")
    en = ccaudit_with_env(_env(tmp_path), "templates", "--out", tmp_path / "e", "--lang", "en")
    assert en.text.startswith("wrote ") and (tmp_path / "e" / "remote_sessions.csv").read_text(
        encoding="utf-8-sig").startswith("session_id,")


@pytest.mark.parametrize(("args", "said"), [
    (("inspect", ".", "--out", "o"), "錯誤：缺少選項 '--as-of'"),
    (("inspect", ".", "--as-of", "2026-11-30", "--out", "o", "--bogus"), "錯誤：無此選項：--bogus"),
    (("bogus",), "錯誤：無此指令：'bogus'"),
    (("audit", "bogus"), "錯誤：無此指令：'bogus'"),
    (("inspect", ".", "--as-of", "2026-11-30", "--out"), "錯誤：選項 '--out' 須接一個值"),
    (("inspect", ".", "--as-of", "30/11/2026", "--out", "o"), "錯誤：值無效：'30/11/2026' 不是日期：請寫作 2026-11-30"),
    (("inspect", ".", "--as-of", "2026-11-30", "--out", "o", "--workers", "99"),
     "錯誤：'--workers' 之值無效：須小於或等於 32"),
    (("inspect", ".", "--as-of", "2026-11-30", "--out", "o", "--workers", "abc"),
     "錯誤：'--workers' 之值無效：須為整數"),
    (("inspect", ".", "--as-of", "2026-11-30", "--out", "o", "--fail-on", "bogus"),
     "--fail-on 須為下列之一：`compliant`、`non_compliant`"),
    (("inspect", ".", "--as-of", "2026-11-30", "--out", "o", "--engine", "oracle"),
     "--engine 須為 `duckdb`、`postgres`、`spark`，不接受 'oracle'"),
    (("inspect", "--as-of", "2026-11-30", "--out", "o"), "請指定證據資料夾 `EVIDENCE_DIR` 或 `--firms DIR` 其中之一"),
    (("inspect", "/nonexistent", "--as-of", "2026-11-30", "--out", "o"), "錯誤：/nonexistent：不是證據檔案資料夾"),
    (("demo", "--plant", "bogus"), "--plant 須為下列之一：`credible`、`all`"),
    (("catalog", "--lang", "fr"), "ccaudit 不支援 'fr'"),
    (("report", ".", "--out", "o", "--max-rows", "abc"), "--max-rows 須為列數或 `all`，不接受 'abc'"),
    (("audit", "sign-digest"), "請指定簽核摘要值或 `--anchor FILE` 其中之一"),
    (("audit", "assess", "1"), "錯誤：值無效：請指定要評估之條文，或指定 --all-derived"),
    (("user", "inspector", "bob", "--firm", "9A00"), "授權請指定 `--until DATE`，結束存取請指定 --revoke"),
    (("user", "key", "--public-key", "k.pem", "--revoke"), "--public-key 與 --revoke 不能同時指定"),
    (("templates", "--out", "/dev/null/t"), "錯誤：不是資料夾 (/dev/null/t)"),
    (("sources", "parse", "fortigate", "/nonexistent.log", "--out", "o"), "錯誤：/nonexistent.log：不是檔案"),
    (("sources", "parse", "fortigate", "x.log", "--out", "o", "--gateway-tz", "FGT"),
     "--gateway-tz 'FGT'：格式應為 `GATEWAY=ZONE`"),
])
def test_refusals_and_usage_errors_in_zh_tw(tmp_path: Path, args: tuple[str, ...], said: str) -> None:
    out = _zh(tmp_path, *args, code=2, allowed=DATA | {"FGT"})
    assert said in out.text, out.text
    assert "Traceback" not in out.text


def test_usage_errors_follow_lang_on_the_command_line_and_stay_english_without_it(tmp_path: Path) -> None:
    zh = ccaudit_with_env(_env(tmp_path, None), "inspect", ".", "--out", "o", "--lang", "zh-TW")
    assert zh.code == 2 and zh.text == "錯誤：缺少選項 '--as-of'"
    en = ccaudit_with_env(_env(tmp_path, None), "inspect", ".", "--out", "o")
    assert en.code == 2 and en.text == "error: Missing option '--as-of'."
    no_such = ccaudit_with_env(_env(tmp_path, "en"), "inspect", ".", "--as-of", "2026-11-30", "--out", "o", "--bogu")
    assert no_such.text.startswith("error: No such option: --bogu (Possible options: ")


def test_a_setting_that_does_not_parse_is_named_in_zh_tw(tmp_path: Path) -> None:
    out = ccaudit_with_env(_env(tmp_path) | {"CCAUDIT_ENGINE": "oracle"}, "catalog")
    assert out.code == 2
    assert out.text == "錯誤：環境設定 CCAUDIT_ENGINE='oracle' 有誤：須為下列之一：'duckdb'、'postgres'、'spark'"


def test_sources_list_and_parse_summary_in_zh_tw(tmp_path: Path) -> None:
    from ccaudit.rawsources.mdm import MDM_SOURCES
    from ccaudit.rawsources.registry import SOURCES

    listed = _zh(tmp_path, "sources", allowed=DATA | PRODUCTS | set(SOURCES) | set(MDM_SOURCES) | {"aws"})
    assert "fortigate：Fortinet FortiGate SSL-VPN 與 IPsec 事件紀錄" in listed.text
    assert "須提供：於 `Log & Report > Log Settings` 啟用事件紀錄並勾選 `VPN activity event`" in listed.text
    assert "解析方式：`ccaudit sources parse NAME|auto FILE... --out DIR`" in listed.text
    log = tmp_path / "fgt.log"
    log.write_text(FORTIGATE, encoding="utf-8")
    parsed = _zh(tmp_path, "sources", "parse", "fortigate", log, "--out", tmp_path / "p")
    assert f"{log}（fortigate）：9 行，6 筆事件" in parsed.text and "已寫出 " in parsed.text
    refused = _zh(tmp_path, "sources", "parse", "openvpn-status", log, "--out", tmp_path / "q", code=2,
                  allowed=DATA | {"openvpn-status"})
    assert f"錯誤：{log}：看來不是 openvpn-status 之匯出檔：開頭各行僅 0% 符合；看來是 fortigate" in refused.text


def test_sign_digest_says_what_it_signed_in_zh_tw(tmp_path: Path) -> None:
    ccaudit_with_env(_env(tmp_path), "user", "add", "admin", "--name", "Ada")
    assert ccaudit_with_env(_env(tmp_path), "user", "key").code == 0
    digest = "ab" * 32
    out = ccaudit_with_env(_env(tmp_path), "audit", "sign-digest", digest)
    assert out.code == 0 and not english(out.err, frozenset({digest}))
    assert "已以金鑰 " in out.err and f"簽署簽核摘要值 {digest}" in out.err
    assert len(out.out.strip()) > 40  # the signature alone on stdout
    bad = _zh(tmp_path, "audit", "sign-digest", "xyz", code=2)
    assert "簽核摘要值須為 64 位十六進位數字，不接受 'xyz'" in bad.text
