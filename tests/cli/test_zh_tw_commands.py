"""CCAUDIT_LANG=zh-TW (or --lang zh-TW) on the commands outside `audit`: templates, demo, inspect (one firm and
--firms), report, compare, sources, sign-digest and the parser's own refusals say nothing in English except
identifiers, paths and IDs (tests/zh_text.py), and `--lang en` still wins. The real entry point in-process
(tests/cli/inprocess.py) with exactly the environment a user's shell would give it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from tests.cli.inprocess import Outcome, ccaudit_with_env
from tests.cli.test_sources import FORTIGATE
from tests.zh_text import english, english_lines

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
    assert not english(out.text, allowed), "\n".join([f"{args}:", *english_lines(out.out + out.err, allowed)])
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
    assert "應為下列之一：active（在職）、leave（留職停薪）、terminated（離職）" in out.text  # and their Chinese
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
    (("audit", "open"), "錯誤：缺少引數 '公司代號'"),  # an argument by the name its help page gives it
    (("audit", "open", "9A00", "abc"), "錯誤：'年度' 之值無效：須為整數"),
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


def test_engine_many_firm_result_folder_raw_export_and_evidence_file_refusals_in_zh_tw(tmp_path: Path) -> None:
    # said again from the errors catalog (content/errors/messages.yaml), before any evidence is read
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "empty.log").write_text("", encoding="utf-8")
    (tmp_path / "fgt.log").write_text(FORTIGATE, encoding="utf-8")
    parse = ("sources", "parse", "auto", tmp_path / "empty.log", "--out", tmp_path / "p")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "people.csv").symlink_to(tmp_path / "empty.log")  # a file outside the evidence folder
    named = tmp_path / "named"
    named.mkdir()
    (named / "evidence.yaml").write_text("files:\n  nope.csv: {dataset: people}\n", encoding="utf-8")
    run = ("inspect", empty, "--as-of", "2026-11-30", "--out", tmp_path / "o")
    for args, said in [
        ((*run, "--engine", "postgres"), "`--engine postgres` 須指定 `--engine-url postgresql://user@host/db`"),
        ((*run, "--results-parquet", "s3://b/p/"), "僅 Spark 之執行器能寫入物件儲存；使用 `--engine duckdb` 時"),
        (("inspect", "--firms", empty, *run[2:]), f"{empty}：無任何公司資料夾（每家公司應有一個證據資料夾）"),
        (("inspect", "s3://u:p@b/p/", *run[2:]), "拒絕含認證資訊之 `s3://` URL：認證僅取自標準 AWS 認證鏈"),
        (("inspect", empty, "--as-of", "2026-11-30", "--out", empty), f"{empty}：結果資料夾將取代證據資料夾"),
        (parse, f"{tmp_path / 'empty.log'}：檔案無任何可讀取之行"),
        (("inspect", linked, *run[2:]), "people.csv：連結指向證據資料夾以外之檔案；請改將檔案本身複製至資料夾中"),
        (("inspect", named, *run[2:]), f"`evidence.yaml` 所列之 nope.csv 不在 {named} 中"),
        ((*parse[:3], tmp_path / "fgt.log", *parse[4:], "--tz", "Bogus/Zone"),
         "未知之時區 'Bogus/Zone'（請使用時區名稱，例如 Asia/Taipei）"),
    ]:
        out = _zh(tmp_path, *args, code=2, allowed=DATA | {"Bogus", "Zone"})  # the zone as the user typed it
        assert said in out.text, out.text


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
    assert f"{log}（fortigate）：9 行，6 筆事件" in parsed.text
    out = tmp_path / "p"
    assert f"已寫出 {out / 'remote_access_events.csv'}、{out / 'remote_sessions.csv'}、" in parsed.text
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


def test_a_probe_refuses_an_unregistered_target_in_zh_tw_before_any_connection(demo: Path, tmp_path: Path) -> None:
    register = demo / "d" / "evidence" / "物聯網設備清冊_1151031.xlsx"
    out = _zh(tmp_path, "probe", "ports", "--targets", register, "--out", tmp_path / "p", "--only", "192.0.2.7",
              code=2)
    assert "錯誤：--only 192.0.2.7 不在清冊中：探測僅觸及已登錄之設備及其所列連接埠" in out.text
    assert not (tmp_path / "p").exists()
    wrong = _zh(tmp_path, "probe", "tls", "--targets", register, "--out", tmp_path / "p", code=2,
                allowed=DATA | {"host", "protocol"})
    assert f"目標清冊 {register} 無法作為 sensitive_endpoints 清冊讀取：證據檔案有 3 項問題" in wrong.text


def _help_pages(lang: str) -> dict[str, str]:
    """Every command's `--help` page as `ccaudit` prints it in `lang`: the tree main() runs, relabelled by
    command_in, each page rendered by Typer (rich_utils.rich_format_help) on its own context chain, so the usage
    line names the command's whole path. One tree for all pages: building it is Typer's cost, not the help's."""
    import io
    from contextlib import redirect_stdout

    import typer

    from ccaudit.cli.help_texts import command_in
    from ccaudit.cli.main import app

    pages: dict[str, str] = {}

    def walk(command: typer.core.TyperCommand, path: str, parent: typer.Context | None) -> None:
        ctx = command.context_class(command, info_name=path.rsplit(" ", 1)[-1] or "ccaudit", parent=parent)
        out = io.StringIO()
        with redirect_stdout(out):
            command.get_help(ctx)
        pages[path] = out.getvalue()
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, f"{path} {name}".strip(), ctx)

    walk(command_in(typer.main.get_command(app), lang), "", None)
    return pages


def _typed() -> frozenset[str]:
    """What a help page shows as the user types it: the commands' names, the options' default values (a flag's
    default as its name) and the `x` of a number range's `1<=x<=32`."""
    import typer

    from ccaudit.cli.main import app

    typed = {"x"}

    def walk(command: typer.core.TyperCommand) -> None:
        for param in command.params:
            names = " ".join([*param.opts, *param.secondary_opts])
            typed.update(re.findall(r"[A-Za-z][\w-]*", f"{param.default} {names}"))
        for name, sub in (getattr(command, "commands", None) or {}).items():
            typed.update([*name.split("-"), name])
            walk(sub)

    walk(typer.main.get_command(app))
    return frozenset(typed)


def test_every_help_page_is_in_zh_tw_options_arguments_and_usage_included(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # Rich wraps at 80 columns off a terminal
    pages = _help_pages("zh-TW")
    typed = _typed() | DATA
    left = {path or "ccaudit": english_lines(page, typed) for path, page in pages.items() if english(page, typed)}
    assert not left, "\n".join(f"{path}: {line}" for path, lines in left.items() for line in lines)
    inspect = pages["inspect"]
    assert "用法：ccaudit inspect [選項] [證據資料夾]" in inspect and "Usage" not in inspect
    assert "查核基準日：2026-11-30 或民國 115/11/30 （必填）" in inspect  # the option's help, then Typer's mark
    assert "<路徑>" in inspect and "duckdb|postgres|spark" in inspect  # a choice stays as it is typed
    assert "顯示此說明後結束" in inspect and "（預設：twse-sec-infosec-art12）" in inspect
    assert "用法：ccaudit sources parse [選項] {來源格式} {匯出檔}..." in pages["sources parse"]
    assert "用法：ccaudit audit [選項] 指令 [引數]..." in pages["audit"]


def test_every_zh_tw_help_is_shown_whole_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rich wraps only at spaces, which Chinese does not write: a clause longer than the help column was cut with
    # an ellipsis; folded now, every option's and argument's help is on the page, whole
    import typer

    from ccaudit.cli.help_texts import param_key
    from ccaudit.cli.main import app
    from ccaudit.cli.texts import texts

    monkeypatch.setenv("COLUMNS", "80")
    def chinese(text: str) -> str:  # the Chinese characters in order: another column's words fall between lines
        return "".join(re.findall(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]", text))

    pages = {path: chinese(page) for path, page in _help_pages("zh-TW").items()}
    cut = []

    def walk(command: typer.core.TyperCommand, path: str) -> None:
        for param in command.params:
            words = texts().param_words(path, param_key(param))
            if words is not None and chinese(words.help) not in pages[path]:
                cut.append(f"{path} {param_key(param)}")
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, f"{path} {name}".strip())

    walk(typer.main.get_command(app), "")
    assert not cut, f"help cut short at 80 columns: {cut}"
    assert "單一條文之歷程：各次檢查執行之判定、評估、人工確認、補償性措施與改善事項" in pages["audit"]  # a summary too


def test_help_in_zh_tw_through_the_entry_point_and_english_again_after(tmp_path: Path) -> None:
    zh = ccaudit_with_env(_env(tmp_path), "audit", "open", "--help")
    assert zh.code == 0 and "開立某公司某年度之查核" in zh.text and "選項" in zh.text and "引數" in zh.text
    assert "用法：ccaudit audit open [選項] {公司代號} {年度}" in zh.text and "查核年度（西元，例如 2026）" in zh.text
    listed = ccaudit_with_env(_env(tmp_path), "--help")
    assert "年度查核：開立、執行、評估、覆核、簽核、匯出" in listed.text and "指令" in listed.text
    en = ccaudit_with_env(_env(tmp_path, "en"), "audit", "open", "--help")
    assert "Open a firm's audit for a year." in en.text and "Options" in en.text and "選項" not in en.text
    assert "Usage: ccaudit audit open [OPTIONS] {firm_id} {year}" in en.text and "[default: " in en.text
    assert "Show this message and exit." in en.text and not re.search(r"[\u4e00-\u9fff]", en.text)
    from typer import rich_utils

    assert type(rich_utils.highlighter) is rich_utils.OptionHighlighter  # English help as Typer renders it
    bare = ccaudit_with_env(_env(tmp_path), "audit")  # no command: the group's help, and no empty error line
    assert bare.code == 2 and "用法：ccaudit audit [選項] 指令 [引數]..." in bare.text and "錯誤" not in bare.text
