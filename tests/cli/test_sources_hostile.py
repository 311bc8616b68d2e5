"""Raw exports as hostile input (issue 11), through the real CLI: every source fed values built to hurt, and what
the user sees of them: the terminal (`sources parse`, `inspect`), the CSVs (csvsafe), parse_report.json, the
findings and the HTML report. A value is escaped or neutralised wherever it is shown, a bad file is refused with
its name and line (exit 2, nothing half-written) or its line counted as malformed, and empty data never makes a
requirement compliant. Never a traceback (tests/cli/inprocess.py lets any exception through)."""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.cli.hostile_raw import FILE_NAMES, LOGS, SOURCES, fortigate, header_only, sample
from tests.cli.inprocess import FIRM_HEADER, Outcome, ccaudit, inspect, tree

from ccaudit import csvsafe

# What a terminal must never receive raw: ESC (ANSI/OSC), BEL, C1 CSI and NEL, NUL, bidi overrides and isolates,
# zero-width characters.
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\x85", "\x00", "\u202e", "\u2066", "\u200b")
FORMULA = ("=", "+", "-", "@", "\t", "\r")
# After a formula prefix: an OSC 8 hyperlink, a colour, a C1 CSI, a right-to-left override, a zero-width space and
# markup for the HTML report.
TAIL = "\x1b]8;;http://evil.example/\x07\x1b[31mred\x9b0m\u202egnp.exe\u200b<img src=x onerror=alert(1)>"
ASA_TAIL = TAIL.replace("<img src=x onerror=alert(1)>", "<svg/onload=alert(1)//")  # User <...> ends at '>'
PREFIXES = {"fortigate": "=1+2", "globalprotect": "+1+2", "cisco-asa": "-1-2", "openvpn-log": "@SUM(1)",
            "openvpn-status": "=4", "windows-security": "\r=5", "entra-signins": "=6", "defender-logons": "\t=7",
            "intune": "=8", "jamf": "+9"}
NAMES = {s: PREFIXES[s] + (ASA_TAIL if s == "cisco-asa" else TAIL) for s in SOURCES}
# the raw file whose own name is hostile: a line break, an escape, a bidi override
ODD_NAME = "fgt\n\x1b[2Jfake\u202e.log"
GATEWAY = "PA\x1b[2J\u202e3220\u200b"  # a device name as a log states it


def _cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _firm(folder: Path, byod: str = "Y") -> None:
    (folder / "people.csv").write_text("person_id,employment_status\nalice,active\n", encoding="utf-8")
    (folder / "firm_profile.csv").write_text(FIRM_HEADER + f"9A00,X,N,N,N,{byod},N,Y\n", encoding="utf-8")


def _no_raw_controls(run: Outcome) -> None:
    shown = run.out + run.err
    assert not [c for c in RAW_CONTROLS if c in shown], repr(shown[:2000])
    assert "Traceback" not in shown


def _person(name: str) -> str:
    """The person an unresolved account is named as: its user part, lower case, invisible characters spelled out."""
    user = name.rsplit("\\", 1)[-1].strip(" ").lower()
    spelled = {"\x1b": "<U+001B>", "\x07": "<U+0007>", "\x9b": "<U+009B>", "\u202e": "<U+202E>",
               "\u200b": "<U+200B>", "\r": "<U+000D>", "\t": "<U+0009>"}
    return "".join(spelled.get(c, c) for c in user)


# --- one inspection of every source's hostile export --------------------------------------------------------------

@dataclass(frozen=True)
class Inspected:
    run: Outcome
    results: Path
    report: Path
    report_run: Outcome


@pytest.fixture(scope="module")
def inspected(tmp_path_factory: pytest.TempPathFactory) -> Inspected:
    root = tmp_path_factory.mktemp("hostile")
    evidence = root / "evidence"
    evidence.mkdir()
    for source in SOURCES:
        text = sample(source, NAMES[source])
        if source == "globalprotect":  # the gateway's own name, printed in the warning on its zone
            text = text.replace("PA-3220", GATEWAY)
        (evidence / FILE_NAMES[source]).write_text(text, encoding="utf-8")
    # bob's session without its end: the warning names the file
    (evidence / ODD_NAME).write_text("\n".join(fortigate("bob", tunnel=201).splitlines()[:1]) + "\n", encoding="utf-8")
    _firm(evidence)
    run = inspect(evidence, root / "results")
    assert run.code == 0, run.text
    report_run = ccaudit("report", root / "results", "--format", "html,csv", "--out", root / "report")
    assert report_run.code == 0, report_run.text
    return Inspected(run, root / "results", root / "report", report_run)


def test_the_terminal_shows_hostile_names_escaped(inspected: Inspected) -> None:
    _no_raw_controls(inspected.run)
    _no_raw_controls(inspected.report_run)
    # the raw file with a line break and escapes in its name is named, escaped, on one line
    assert "fgt\\n\\x1b[2Jfake\\u202e.log" in inspected.run.err
    assert "of gateway PA\\x1b[2J\\u202e3220\\u200b give no zone" in inspected.run.err


def test_no_csv_written_for_people_starts_a_formula(inspected: Inspected) -> None:
    results = [p for p in inspected.results.rglob("*.csv") if "evidence" not in p.relative_to(inspected.results).parts]
    written = results + list(inspected.report.rglob("*.csv"))
    assert any(p.parent.name == "offending" for p in written)
    bad = [(p.name, cell) for p in written for row in _cells(p) for cell in row if cell.startswith(FORMULA)]
    assert bad == []


@pytest.mark.parametrize("source", [s for s in LOGS if s != "entra-signins"])
def test_each_sources_hostile_account_is_flagged_and_neutralised(inspected: Inspected, source: str) -> None:
    # the account is nobody in the people register: remote_user_authorized lists it, as text a spreadsheet shows
    rows = _rows(inspected.results / "offending" / "remote_user_authorized.csv")
    subjects = {row["subject"] for row in rows}
    person = _person(NAMES[source])
    assert csvsafe.cell(person) in subjects
    assert not any(c in person for c in RAW_CONTROLS)


@pytest.mark.parametrize("source", ["intune", "jamf"])
def test_a_hostile_device_holder_is_flagged_and_neutralised(inspected: Inspected, source: str) -> None:
    rows = _rows(inspected.results / "offending" / "byod_user_signed_agreement.csv")
    assert csvsafe.cell(_person(NAMES[source])) in {row["subject"] for row in rows}


def test_the_html_report_shows_markup_as_text(inspected: Inspected) -> None:
    html = "".join(p.read_text(encoding="utf-8") for p in inspected.report.rglob("*.html"))
    assert "<img src=x onerror=alert(1)>" not in html and "<svg/onload" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the value is there, as text
    assert not [c for c in RAW_CONTROLS if c in html]


def test_findings_keep_the_value_and_cite_the_raw_line(inspected: Inspected) -> None:
    findings = json.loads((inspected.results / "findings.json").read_text(encoding="utf-8"))
    by_id = {f["requirement_id"]: f for f in findings["findings"]}
    assert by_id["12.5.6"]["status"] == "non_compliant"
    check = next(c for c in by_id["12.5.6"]["checks"] if c["check_id"] == "remote_user_authorized")
    cited = {(row["source_file"], row["_row"]) for row in check["sample"] if row["subject"].startswith("=1+2")}
    assert cited == {("fgt.log", 1)}  # the raw file and line of the fortigate session


# --- sources parse: what the terminal and the files say ------------------------------------------------------------

@pytest.mark.parametrize("source", SOURCES)
def test_sources_parse_escapes_the_file_name_and_keeps_the_evidence_as_logged(tmp_path: Path, source: str) -> None:
    raw = tmp_path / ("x\x1b[31m\u202e" + FILE_NAMES[source])
    raw.write_text(sample(source, NAMES[source]), encoding="utf-8")
    run = ccaudit("sources", "parse", source, raw, "--out", tmp_path / "out")
    assert run.code == 0, run.text
    _no_raw_controls(run)
    assert "x\\x1b[31m\\u202e" + FILE_NAMES[source] in run.out
    if source in ("intune", "jamf"):
        return
    report = json.loads((tmp_path / "out" / "parse_report.json").read_text(encoding="utf-8"))
    assert report["files"][0]["file"] == str(raw)  # JSON holds the name exactly
    events = _rows(tmp_path / "out" / "remote_access_events.csv")
    logged = {e["account"] for e in events}
    # evidence: the value as logged, byte for byte (docs/sources.md: the two CSVs are not for spreadsheets)
    name = {"windows-security": "CORP\\", "defender-logons": "corp\\"}.get(source, "") + NAMES[source]
    assert name in logged or name.strip() in logged, logged


def test_device_names_and_times_printed_by_sources_parse_are_escaped(tmp_path: Path) -> None:
    # the same device personal in Intune and corporate in Jamf: its serial number is printed in the conflict; a
    # check-in time nobody can read is printed as it was given
    serial = "F2LX\x1b]0;owned\x07\u202e7G"
    intune = sample("intune", NAMES["intune"]).replace("2026-11-28 09:12:44.0000000", "\x1b[2J\u202enot a time", 1)
    intune = intune.replace("F2LXK0AAHG7G", serial)  # the personal device
    jamf = sample("jamf", NAMES["jamf"]).replace("DMPXK1AAQ1GC", serial)  # institutional
    (tmp_path / "DevicesWithInventory.csv").write_text(intune, encoding="utf-8")
    (tmp_path / "MobileDevices.csv").write_text(jamf, encoding="utf-8")
    run = ccaudit("sources", "parse", "auto", tmp_path / "DevicesWithInventory.csv", tmp_path / "MobileDevices.csv",
                  "--out", tmp_path / "out")
    assert run.code == 0, run.text
    _no_raw_controls(run)
    assert "\\x1b[2J\\u202enot a time" in run.out
    assert "F2LX\\x1b]0;OWNED\\x07\\u202e7G: " in run.out  # the device (serial numbers in capitals) in the conflict


# --- spoofing: a name that says more than a name ----------------------------------------------------------------

def test_a_fortigate_name_with_escaped_quotes_is_read_whole(tmp_path: Path) -> None:
    # FortiOS writes a quote inside a value as \" : the name a" user="alice is one name, not a then alice
    log = tmp_path / "fgt.log"
    log.write_text(fortigate('mallory" user="alice'), encoding="utf-8")
    run = ccaudit("sources", "parse", "fortigate", log, "--out", tmp_path / "out")
    assert run.code == 0, run.text
    sessions = _rows(tmp_path / "out" / "remote_sessions.csv")
    assert [s["account"] for s in sessions] == ['mallory\\" user=\\"alice', "alice"]
    assert sessions[0]["person_id"] != "alice"


def test_a_globalprotect_name_that_repeats_a_key_is_not_read(tmp_path: Path) -> None:
    # CEF does not escape a space: suser=mallory suser=alice could be a name or two keys; neither is guessed
    def cef(at: str, user: str) -> str:
        return ("CEF:0|Palo Alto Networks|PAN-OS|10.2.4|globalprotect|GLOBALPROTECT|1|rt=Nov 02 2026 " + at +
                " deviceExternalId=012801096514 PanOSEventIDValue=gateway-connected suser=" + user +
                " src=192.0.2.99 PanOSPrivateIPv4=10.31.0.30 PanOSEventStatus=success dtz=+08:00")
    log = tmp_path / "gp.log"
    log.write_text("\n".join([cef("08:40:00", "mallory suser=alice"), cef("08:41:00", "bob"), cef("08:42:00", "carol")])
                   + "\n", encoding="utf-8")
    run = ccaudit("sources", "parse", "globalprotect", log, "--out", tmp_path / "out")
    assert run.code == 0, run.text
    assert "1 malformed: a key appears twice (suser): a value may hold it; not read (lines 1)" in run.text
    assert [e["account"] for e in _rows(tmp_path / "out" / "remote_access_events.csv")] == ["bob", "carol"]


def test_a_fortigate_cef_name_that_repeats_a_key_is_not_read(tmp_path: Path) -> None:
    # FortiOS's CEF quotes nothing: a name typed as 'bob duser=alice' at a failed log-in is not read as bob's
    def cef(user: str, epoch: int) -> str:
        return ("<189>Nov  2 08:20:00 FGT-HQ-01 CEF: 0|Fortinet|Fortigate|v7.2.8|39426|event:vpn ssl-login-fail|4|"
                "deviceExternalId=FG100FTK20000001 FTNTFGTlogid=0101039426 cat=event:vpn FTNTFGTsubtype=vpn "
                f"FTNTFGTvd=root FTNTFGTeventtime={epoch} FTNTFGTtz=+0800 act=ssl-login-fail FTNTFGTtunneltype=ssl-web "
                f"FTNTFGTremip=198.51.100.66 duser={user} reason=sslvpn_login_permission_denied msg=SSL user failed")
    log = tmp_path / "fgt.log"
    log.write_text("\n".join([cef("bob reason=sslvpn_login_successful", 1793578800), cef("carol", 1793578801),
                              cef("dave", 1793578802)]) + "\n", encoding="utf-8")
    run = ccaudit("sources", "parse", "fortigate", log, "--out", tmp_path / "out")
    assert run.code == 0, run.text
    assert "1 malformed: a key appears twice (reason): a value may hold it; not read (lines 1)" in run.text
    assert [e["account"] for e in _rows(tmp_path / "out" / "remote_access_events.csv")] == ["carol", "dave"]


@dataclass(frozen=True)
class OddAccounts:
    run: Outcome
    flagged: set[str]
    report: dict[str, Any]


@pytest.fixture(scope="module")
def odd_accounts(tmp_path_factory: pytest.TempPathFactory) -> OddAccounts:
    """One inspection of accounts that look like another, name no user, hold a NUL, a tab or a line break."""
    root = tmp_path_factory.mktemp("odd")
    evidence = root / "evidence"
    evidence.mkdir()
    # Cyrillic a, a zero-width space, a right-to-left mark: other accounts at the gateway, never the person alice;
    # '@SUM(A1)' has no user part; a blank name is no user at all (lines 17, 18); a NUL inside a name
    names = ["\u0430lice", "al\u200bice", "\u200falice", "@SUM(A1)", "  ", "ev\x00il"]
    (evidence / "fgt.log").write_text("".join(fortigate(n, tunnel=100 + 10 * i) for i, n in enumerate(names)),
                                      encoding="utf-8")
    (evidence / "openvpn.log").write_text(sample("openvpn-log", "CORP\\"), encoding="utf-8")  # no user part
    # a tab in an AnyConnect name: the session IDs with and without it stay two IDs after import
    (evidence / "asa.log").write_text(sample("cisco-asa", "\t=1"), encoding="utf-8")
    # a line break inside a Common Name cuts its CLIENT_LIST row: a malformed line, not an engine error
    (evidence / "openvpn-status.log").write_text(sample("openvpn-status", "ev\nil"), encoding="utf-8")
    (evidence / "identity_map.csv").write_text("account,person_id\nalice,alice\n", encoding="utf-8")
    _firm(evidence)
    run = inspect(evidence, root / "results")
    assert run.code == 0, run.text
    flagged = {r["subject"] for r in _rows(root / "results" / "offending" / "remote_user_authorized.csv")}
    reports = root / "results" / "evidence" / "parse_reports"
    report = {r["files"][0]["file"].rsplit("/", 1)[-1]: r["files"][0] for r in
              (json.loads(p.read_text(encoding="utf-8")) for p in reports.glob("*.parse_report.json"))}
    return OddAccounts(run, flagged, report)


def test_look_alike_accounts_are_not_the_person_they_imitate(odd_accounts: OddAccounts) -> None:
    assert {"\u0430lice", "al<U+200B>ice", "<U+200F>alice"} <= odd_accounts.flagged
    _no_raw_controls(odd_accounts.run)


def test_an_account_that_names_no_user_is_flagged_by_what_was_logged(odd_accounts: OddAccounts) -> None:
    assert {"corp\\", "'@sum(a1)"} <= odd_accounts.flagged
    # a blank name is no user: its lines are malformed, counted and named
    assert "fgt.log: 2 malformed fortigate line(s), not read (lines 17, 18)" in odd_accounts.run.text


def test_nul_tab_and_line_breaks_in_names_are_spelled_out_not_lost(odd_accounts: OddAccounts) -> None:
    assert {"ev<U+0000>il", "<U+0009>=1"} <= odd_accounts.flagged
    assert odd_accounts.report["openvpn-status.log"]["malformed_lines"][0]["lines"] == [4]


# --- inputs built to break the reader ------------------------------------------------------------------------------

def test_a_10_mb_line_is_one_line_not_a_refusal(tmp_path: Path) -> None:
    log = tmp_path / "fgt.log"
    lines = fortigate("bob").splitlines()
    log.write_text("\n".join([lines[0], "x" * 10_000_000, *lines[1:]]) + "\n", encoding="utf-8")
    run = ccaudit("sources", "parse", "fortigate", log, "--out", tmp_path / "out")
    assert run.code == 0, run.text
    report = json.loads((tmp_path / "out" / "parse_report.json").read_text(encoding="utf-8"))
    f = report["files"][0]
    assert (f["lines_read"], f["recognised"], f["not_this_source_lines"]) == (5, 4, [2])


def test_a_page_of_sign_ins_on_one_line_longer_than_2_mb_is_read(tmp_path: Path) -> None:
    # Graph answers a page of sign-ins as one line; a big tenant's page is megabytes long
    one = json.loads(sample("entra-signins", "bob").splitlines()[0])
    page = [dict(one, id=f"id-{i}", userPrincipalName=f"user{i}@corp.example") for i in range(6000)]
    (tmp_path / "signins.json").write_text(json.dumps({"value": page}) + "\n", encoding="utf-8")
    assert (tmp_path / "signins.json").stat().st_size > 2_500_000
    run = ccaudit("sources", "parse", "entra-signins", tmp_path / "signins.json", "--out", tmp_path / "out")
    assert run.code == 0, run.text
    report = json.loads((tmp_path / "out" / "parse_report.json").read_text(encoding="utf-8"))
    assert report["files"][0]["recognised"] == 6000


def test_a_line_longer_than_any_log_refuses_the_file_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ccaudit.rawsources.parse as parse_module
    import ccaudit.rawsources.sqlkit as sqlkit

    for module in (sqlkit, parse_module):  # 4 MiB instead of 64, so the test writes 5 MB, not 65
        monkeypatch.setattr(module, "MAX_LINE_BYTES", 4 << 20)
    lines = fortigate("bob").splitlines()
    log = tmp_path / "fgt.log"
    log.write_text("\n".join([*lines[:3], "x" * 5_000_000, lines[3]]) + "\n", encoding="utf-8")
    run = ccaudit("sources", "parse", "fortigate", log, "--out", tmp_path / "out")
    assert run.code == 2
    assert f"{log}: line 4 is longer than 4 MiB" in run.text and "the file is refused" in run.text
    assert not (tmp_path / "out").exists()
    run = ccaudit("sources", "parse", "fortigate", log, "--out", tmp_path / "out", "--lang", "zh-TW")
    assert run.code == 2 and f"{log}：第 4 行超過 4 MiB" in run.text


def test_an_inspection_reads_a_page_of_sign_ins_on_one_line(tmp_path: Path) -> None:
    one = json.loads(sample("entra-signins", "bob").splitlines()[0])
    page = [dict(one, id=f"id-{i}", userPrincipalName=f"user{i}@corp.example") for i in range(6000)]
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "InteractiveSignIns.json").write_text(json.dumps({"value": page}) + "\n", encoding="utf-8")
    (evidence / "fgt.log").write_text(fortigate("bob"), encoding="utf-8")
    _firm(evidence)
    run = inspect(evidence, tmp_path / "results")
    assert run.code == 0, run.text
    manifest = json.loads((tmp_path / "results" / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    raw = {f["original_name"]: f for f in manifest["files"] if f["dataset"] == "raw_export"}
    assert raw["InteractiveSignIns.json"]["source"] == "entra-signins"


def test_thousands_of_keys_on_a_line_and_duplicate_lines_are_counted(tmp_path: Path) -> None:
    lines = fortigate("bob").splitlines()
    noisy = lines[0] + " " + " ".join(f"k{i}=v{i}" for i in range(20_000))
    log = tmp_path / "fgt.log"
    log.write_text("\n".join([*lines, noisy]) + "\n", encoding="utf-8")
    run = ccaudit("sources", "parse", "fortigate", log, "--out", tmp_path / "out")
    assert run.code == 0, run.text
    report = json.loads((tmp_path / "out" / "parse_report.json").read_text(encoding="utf-8"))
    assert report["duplicates"]["count"] == 1  # line 5 is line 1's event again


@pytest.mark.parametrize("where", ["start", "after 64 KiB"])
def test_invalid_utf8_is_refused_naming_the_line(tmp_path: Path, where: str) -> None:
    good = fortigate("bob").encode()
    padding = b"" if where == "start" else (b"# " + b"x" * 200 + b"\n") * 400
    log = tmp_path / "fgt.log"
    log.write_bytes(padding + good.replace(b"bob", b"b\xff\xfeob", 1))
    run = ccaudit("sources", "parse", "fortigate", log, "--out", tmp_path / "out")
    assert run.code == 2
    line = 1 if where == "start" else 401
    assert f"line {line}" in run.text and "fgt.log" in run.text and "UTF-8" in run.text
    assert not (tmp_path / "out").exists()


def test_a_json_nesting_bomb_is_counted_not_a_crash(tmp_path: Path) -> None:
    base = sample("entra-signins", "bob")
    # one object per line, then a line nested 100,000 deep: a line of no sign-in, counted
    (tmp_path / "lines.json").write_text(base + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    run = ccaudit("sources", "parse", "entra-signins", tmp_path / "lines.json", "--out", tmp_path / "lines")
    assert run.code == 0, run.text
    f = json.loads((tmp_path / "lines" / "parse_report.json").read_text(encoding="utf-8"))["files"][0]
    assert (f["recognised"], f["not_this_source_lines"]) == (2, [3])
    # a document that opens with the bomb (Python's json gives up at depth ~1,000): refused by name and line
    (tmp_path / "doc.json").write_text("[" + "[" * 50_000 + "]" * 50_000 + "," + base.strip().replace("\n", ",")
                                       + "]\n", encoding="utf-8")
    run = ccaudit("sources", "parse", "entra-signins", tmp_path / "doc.json", "--out", tmp_path / "doc")
    assert run.code == 2 and "doc.json: 1 of 1 lines are not readable entra-signins lines" in run.text
    assert not (tmp_path / "doc").exists()


def test_a_huge_number_is_no_time_and_no_crash(tmp_path: Path) -> None:
    signins = sample("entra-signins", "bob").replace('"2026-11-02T00:14:40Z"', "1" + "0" * 400, 1)
    (tmp_path / "signins.json").write_text(signins, encoding="utf-8")
    run = ccaudit("sources", "parse", "entra-signins", tmp_path / "signins.json", "--out", tmp_path / "out")
    assert run.code == 0, run.text
    report = json.loads((tmp_path / "out" / "parse_report.json").read_text(encoding="utf-8"))
    assert report["files"][0]["malformed_lines"][0]["lines"] == [1]


@pytest.mark.parametrize("source", ["intune", "jamf"])
def test_a_device_export_with_a_quote_never_closed_is_refused_by_name(tmp_path: Path, source: str) -> None:
    lines = sample(source, "bob").splitlines()
    lines[2] += ',"never closed'
    path = tmp_path / FILE_NAMES[source]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = ccaudit("sources", "parse", source, path, "--out", tmp_path / "out")
    assert run.code == 2 and "Traceback" not in run.text
    assert FILE_NAMES[source] in run.text
    assert not (tmp_path / "out").exists()


# --- empty is not compliant ------------------------------------------------------------------------------------------

def test_empty_and_header_only_exports_decide_nothing(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    evidence = tmp_path / "evidence"
    for source in SOURCES:
        (raw / FILE_NAMES[source]).write_text(header_only(source), encoding="utf-8")
        ran = ccaudit("sources", "parse", source, raw / FILE_NAMES[source], "--out", tmp_path / source)
        if source in ("openvpn-status", "defender-logons", "intune", "jamf"):  # a header: read, nothing in it
            assert ran.code == 0, ran.text
            assert " 0 events" in ran.text or " 0 records" in ran.text
        else:  # nothing at all: refused by name, nothing written
            assert ran.code == 2 and f"{FILE_NAMES[source]}: the file has no lines to read" in ran.text
            assert tree(tmp_path / source) == {}
    # the raw files in an evidence folder, and what `sources parse` wrote of the Defender export (its
    # remote_sessions.csv has a header only)
    shutil.copytree(raw, evidence)
    shutil.copy(tmp_path / "defender-logons" / "remote_sessions.csv", evidence / "remote_sessions.csv")
    _firm(evidence)
    run = inspect(evidence, tmp_path / "results")
    assert run.code == 0, run.text
    findings = json.loads((tmp_path / "results" / "findings.json").read_text(encoding="utf-8"))["findings"]
    decided_by_the_exports = [f for f in findings if f["requirement_id"].startswith(("12.3.", "12.5."))]
    assert decided_by_the_exports and all(f["status"] != "compliant" for f in decided_by_the_exports)
    # the sessions' and the devices' requirements say why: the data is not there
    status = {f["requirement_id"]: f["status"] for f in findings}
    assert status["12.5.6"] == status["12.5.5"] == status["12.3.2.2"] == "needs_review"
    assert "remote_sessions.csv: 0 record(s) of remote_sessions" in run.text


def test_a_raw_log_linked_from_outside_the_folder_is_refused(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (tmp_path / "outside.log").write_text(fortigate("bob"), encoding="utf-8")
    (evidence / "fgt.log").symlink_to(tmp_path / "outside.log")
    _firm(evidence)
    run = inspect(evidence, tmp_path / "results")
    assert run.code == 2
    assert run.text.startswith("error: fgt.log: a link to a file outside the evidence folder")
    assert not (tmp_path / "results").exists()
