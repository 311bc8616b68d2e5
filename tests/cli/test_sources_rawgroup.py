"""An evidence folder's related raw exports read together, as `ccaudit sources parse` reads several files: a session
cut by log rotation is one session citing both files, a host's two Windows logs count each connection once, Entra
sign-ins give a gateway in another file its MFA, each file keeps its own zone, and a bad file is refused by name."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from tests.cli.inprocess import ccaudit

from ccaudit.rawsources.evidence import RawMember, group


def _fgt(when: str, epoch: int, action: str, tunnel: int, user: str, extra: str = "") -> str:
    """A FortiGate SSL-VPN event line of FGT-HQ-01 (its time stated by eventtime)."""
    return (f'date={when[:10]} time={when[11:]} devname="FGT-HQ-01" devid="FG100FTK20000001" eventtime={epoch} '
            f'logid="0101039424" type="event" subtype="vpn" level="information" vd="root" action="{action}" '
            f'tunneltype="ssl-tunnel" tunnelid={tunnel} remip=203.0.113.{tunnel % 200} user="{user}" {extra}'
            'msg="SSL tunnel"')


# The gateway's log rotated at midnight: alice's tunnel went up before it and down after it.
BEFORE = "\n".join([
    _fgt("2026-11-02 08:15:02", 1793578502, "tunnel-up", 101, "alice"),
    _fgt("2026-11-02 20:00:00", 1793620800, "tunnel-up", 102, "dave"),  # never closed
]) + "\n"
AFTER = "\n".join([
    _fgt("2026-11-03 07:00:00", 1793660400, "tunnel-up", 103, "erin"),
    _fgt("2026-11-03 09:00:00", 1793667600, "tunnel-down", 101, "alice", "duration=89098 "),
    _fgt("2026-11-03 09:30:00", 1793669400, "tunnel-down", 103, "erin", "duration=9000 "),
]) + "\n"
# A branch office's log whose lines state no zone: evidence.yaml says Tokyo for this file alone.
TOKYO = ('date=2026-11-02 time=09:00:00 devname="FGT-HQ-01" logid="0101039424" type="event" subtype="vpn" vd="root" '
         'action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=7 remip=203.0.113.77 user="frank"\n')
TAIPEI = TOKYO.replace("tunnelid=7", "tunnelid=8").replace("frank", "grace")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Rotated:
    results: Path
    text: str


@pytest.fixture(scope="module")
def rotated(tmp_path_factory: pytest.TempPathFactory) -> Rotated:
    """Two rotations of one FortiGate's log and two more of its files in other zones, inspected once."""
    root = tmp_path_factory.mktemp("rotated")
    evidence = root / "evidence"
    evidence.mkdir()
    for name, text in (("fgt-2026-11-02.log", BEFORE), ("fgt-2026-11-03.log", AFTER), ("tokyo.log", TOKYO),
                       ("taipei.log", TAIPEI)):
        (evidence / name).write_text(text, encoding="utf-8")
    (evidence / "evidence.yaml").write_text("files:\n  tokyo.log: {tz: Asia/Tokyo}\n", encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", root / "results")
    assert result.code == 0, result.text
    return Rotated(root / "results", result.text)


def test_a_session_cut_by_rotation_is_one_session_starting_in_one_file_and_ending_in_the_next(
        rotated: Rotated) -> None:
    con = duckdb.connect(str(rotated.results / "workspace.duckdb"), read_only=True)
    sessions = con.execute("SELECT person_id, CAST(start_time AS VARCHAR), CAST(end_time AS VARCHAR), _file, _row "
                           "FROM remote_sessions WHERE person_id = 'alice'").fetchall()
    end = con.execute("SELECT _file, _row FROM remote_access_events WHERE account = 'alice' "
                      "AND kind = 'session_end'").fetchall()
    con.close()
    # one session, not an open one in the first file and one placed by its duration in the second
    assert sessions == [("alice", "2026-11-02 08:15:02", "2026-11-03 09:00:00", _sha(BEFORE), 1)]
    assert end == [(_sha(AFTER), 2)]  # its end cites the next file's line
    complete = _rows(rotated.results / "offending" / "remote_session_record_complete.csv")
    cited = {(r["subject"], r["source_file"], r["source_row"]) for r in complete}
    assert ("dave", "fgt-2026-11-02.log", "2") in cited  # never ended: cited at its start line
    assert not [c for c in cited if c[0] in ("alice", "erin")]  # ended, each once
    assert "fgt-2026-11-02.log: 1 session(s) cut by log rotation ended in fgt-2026-11-03.log" in rotated.text


def test_the_derived_session_row_names_the_file_and_line_of_its_end(rotated: Rotated) -> None:
    manifest = json.loads((rotated.results / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    by_name = {f["original_name"]: f for f in manifest["files"]}
    derived = by_name["fgt-2026-11-02.log.remote_sessions.csv"]
    assert derived["derived_from"] == _sha(BEFORE)
    rows = {r["person_id"]: r for r in _rows(rotated.results / "evidence" / "blobs" / derived["sha256"])}
    assert rows["alice"]["note"].startswith("its end in fgt-2026-11-03.log line 2")
    assert (rows["alice"]["source_file"], rows["alice"]["source_line"]) == ("fgt-2026-11-02.log", "1")
    # the next file's derived sessions hold its own sessions only: erin, not alice again
    after = by_name["fgt-2026-11-03.log.remote_sessions.csv"]
    assert [r["person_id"] for r in _rows(rotated.results / "evidence" / "blobs" / after["sha256"])] == ["erin"]


def test_each_file_parsed_together_keeps_the_zone_stated_for_it(rotated: Rotated) -> None:
    con = duckdb.connect(str(rotated.results / "workspace.duckdb"), read_only=True)
    times = dict(con.execute("SELECT account, utc_time FROM remote_access_events "
                             "WHERE account IN ('frank', 'grace')").fetchall())
    con.close()
    assert times == {"frank": "2026-11-02T00:00:00Z", "grace": "2026-11-02T01:00:00Z"}
    assert "tokyo.log: 1 event(s) of gateway FGT-HQ-01 give no zone: read as Asia/Tokyo (evidence.yaml (tz of " \
        "tokyo.log))" in rotated.text
    assert "taipei.log: 1 event(s) of gateway FGT-HQ-01 give no zone: read as Asia/Taipei" in rotated.text
    report = json.loads((rotated.results / "evidence" / "parse_reports" / f"{_sha(TOKYO)}.parse_report.json")
                        .read_text(encoding="utf-8"))
    assert [z["zone"] for z in report["time_zone"]["by_gateway"]] == ["Asia/Tokyo"]
    assert report["files"][0]["lines_read"] == 1 and len(report["files"]) == 1  # its own lines, not the group's
    assert sorted(report["parsed_with"]) == ["fgt-2026-11-02.log", "fgt-2026-11-03.log", "taipei.log"]
    assert [a["account"] for a in report["identities"]["accounts_unresolved"]] == ["frank"]  # no identity map


def test_entra_sign_ins_give_a_fortigate_session_in_another_file_its_mfa(tmp_path: Path) -> None:
    from tests.cli.test_sources_vendors import _signin

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "fgt.log").write_text(BEFORE, encoding="utf-8")
    page = {"value": [json.loads(_signin("2026-11-02T00:14:40Z", "alice@corp.example.com", 0,
                                         "multiFactorAuthentication",
                                         [("Password", True), ("Mobile app notification", True)]))]}
    (evidence / "InteractiveSignIns.json").write_text(json.dumps(page, indent=2), encoding="utf-8")
    results = tmp_path / "results"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", results)
    assert result.code == 0, result.text
    without = _rows(results / "offending" / "remote_login_used_mfa.csv")
    # alice's sign-in 22 s before her tunnel-up gave it MFA; dave signed in nowhere, cited at his line
    assert {(r["subject"], r["source_file"], r["source_row"]) for r in without} == {("dave", "fgt.log", "2")}
    assert ("fgt.log: 1 session(s) without MFA in the gateway's log took it from identity-provider sign-ins in "
            "InteractiveSignIns.json") in result.text


def test_a_hosts_two_windows_logs_in_two_files_cite_the_security_log(tmp_path: Path) -> None:
    from tests.cli.evtxfile import lsm_event, write_evtx
    from tests.cli.test_sources_identity_gaps import _security

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    write_evtx(evidence / "TS02-LocalSessionManager.evtx", [
        lsm_event(21, "2026-11-02T00:15:04.0000000Z", "CORP\\alice", "3", "203.0.113.7"),
        lsm_event(24, "2026-11-02T01:00:00.0000000Z", "CORP\\alice", "3", "203.0.113.7")])
    security = "\n".join([_security(4624, "2026-11-02T00:15:02.1Z", "alice", "0x1a2b"),  # no address logged
                          _security(4634, "2026-11-02T05:00:00Z", "alice", "0x1a2b")]) + "\n"
    (evidence / "TS02-Security.json").write_text(security, encoding="utf-8")
    results = tmp_path / "results"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", results)
    assert result.code == 0, result.text
    con = duckdb.connect(str(results / "workspace.duckdb"), read_only=True)
    rows = con.execute("SELECT person_id, CAST(end_time AS VARCHAR), source_ip, _file, _row "
                       "FROM remote_sessions").fetchall()
    con.close()
    # one session: the Security log's line, with the LocalSessionManager log's address and earlier end
    assert rows == [("alice", "2026-11-02 09:00:00", "203.0.113.7", _sha(security), 1)]
    assert "TS02-LocalSessionManager.evtx: 1 session(s) counted once, with the Security log's (TS02-Security.json)" \
        in result.text
    assert ("TS02-Security.json: 1 Remote Desktop connection(s) also in a TerminalServices-LocalSessionManager log, "
            "counted once") in result.text


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_a_malformed_file_among_files_read_together_is_refused_by_name(tmp_path: Path, lang: str) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "fgt-2026-11-02.log").write_text(BEFORE, encoding="utf-8")
    # FortiGate lines (its logid), but none with a time: mostly unusable, so the file is refused
    garbage = "".join(f'devname="FGT-HQ-01" logid="0101039424" type="event" subtype="vpn" action="tunnel-up" '
                      f'tunneltype="ssl-tunnel" tunnelid={n} remip=203.0.113.9 user="mallory"\n' for n in range(4))
    (evidence / "fgt-2026-11-03.log").write_text(garbage, encoding="utf-8")
    (evidence / "evidence.yaml").write_text("files:\n  fgt-2026-11-03.log: {source: fortigate}\n", encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results", "--lang", lang)
    assert result.code == 2
    said = "fgt-2026-11-03.log (raw export)" if lang == "en" else "fgt-2026-11-03.log（原始匯出檔）"
    assert said in result.text and "fgt-2026-11-02.log" not in result.text  # the file at fault, not its partner
    assert "Traceback" not in result.text
    assert not (tmp_path / "results").exists()


def _member(rel: str, source: str, gateway: str | None = None) -> RawMember:
    return RawMember(path=Path(rel), rel=rel, source=source, zone="Asia/Taipei", zone_origin="test", gateway=gateway)


def test_what_is_read_together() -> None:
    files = [_member("gw1/server.log.1", "openvpn-log"), _member("gw1/server.log", "openvpn-log"),
             _member("gw2/server.log", "openvpn-log"),  # another server: its keys could meet gw1's
             _member("branch.txt", "openvpn-log", "VPN-02"), _member("branch-old.txt", "openvpn-log", "vpn-02"),
             _member("fgt-a.log", "fortigate"), _member("fgt-b.log", "fortigate"),
             _member("TS02-Security.json", "windows-security"), _member("TS02-LSM.evtx", "windows-security")]
    assert [([m.rel for m in g.own], g.sign_ins) for g in group(files)] == [
        (["gw1/server.log.1", "gw1/server.log"], []), (["gw2/server.log"], []),
        (["branch.txt", "branch-old.txt"], []), (["fgt-a.log", "fgt-b.log"], []),
        (["TS02-Security.json", "TS02-LSM.evtx"], [])]
    # identity-provider sign-ins may give MFA to any of them: read with each group, cut from the first
    signins = _member("signins.json", "entra-signins")
    groups = group([*files, signins])
    assert groups[0].own == [*files[:2], signins]
    assert all(g.sign_ins == [signins] for g in groups[1:]) and len(groups) == 5
    assert [[m.rel for m in g.own] for g in group([signins])] == [["signins.json"]]


def test_a_rotation_holding_only_the_servers_stop_is_kept_as_the_evidence_of_the_ends_it_gave(tmp_path: Path) -> None:
    rotation = Path(__file__).parent / "fixtures" / "openvpn-rotation"
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "server.log.1").write_text((rotation / "server.log.1").read_text(encoding="utf-8"), encoding="utf-8")
    stop = (rotation / "other.log").read_text(encoding="utf-8")  # the stop, then the start-up: no session event
    (evidence / "server.log").write_text(stop, encoding="utf-8")
    results = tmp_path / "results"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", results)
    assert result.code == 0, result.text
    manifest = json.loads((results / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    assert "server.log" not in manifest["ignored_reasons"]
    assert {f["original_name"] for f in manifest["files"] if f["dataset"] == "raw_export"} == {"server.log.1",
                                                                                              "server.log"}
    con = duckdb.connect(str(results / "workspace.duckdb"), read_only=True)
    ends = con.execute("SELECT account, _file, _row FROM remote_access_events WHERE kind = 'session_end' "
                       "AND _file = ? ORDER BY account", [_sha(stop)]).fetchall()
    sessions = dict(con.execute("SELECT person_id, CAST(end_time AS VARCHAR) FROM remote_sessions").fetchall())
    con.close()
    # alice and carol were still connected when server.log.1 ends: both ended at the stop, on its line
    assert ends == [("alice", _sha(stop), 1), ("carol-pc", _sha(stop), 1)]
    assert sessions["alice"] == sessions["carol-pc"] == "2026-11-03 05:00:00"
    assert "server.log.1: 2 session(s) cut by log rotation ended in server.log" in result.text


def test_a_servers_stop_ending_two_open_sessions_in_its_own_file_is_imported(tmp_path: Path) -> None:
    # one line, two session ends (one per session still open): each its own event, not a conflict on that line
    rotation = Path(__file__).parent / "fixtures" / "openvpn-rotation"
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    log = (rotation / "server.log.1").read_text(encoding="utf-8") + (rotation / "other.log").read_text(encoding="utf-8")
    (evidence / "server.log").write_text(log, encoding="utf-8")
    results = tmp_path / "results"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", results)
    assert result.code == 0, result.text
    con = duckdb.connect(str(results / "workspace.duckdb"), read_only=True)
    ends = con.execute("SELECT account, _row FROM remote_access_events WHERE kind = 'session_end' AND _row = 9 "
                       "ORDER BY account").fetchall()
    con.close()
    assert ends == [("alice", 9), ("carol-pc", 9)]
    assert "server.log: 2 session(s) ended by the server's own stop or restart" in result.text
