"""A log's rotations read together: `sources parse` says, per file, how many sessions started in it ended in another
(en and zh-TW); an evidence folder's stored parse report of each rotation counts the accounts resolved in that file,
not in the whole group."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.inprocess import ccaudit


def _fgt(when: str, epoch: int, action: str, tunnel: int, user: str, extra: str = "") -> str:
    return (f'date={when[:10]} time={when[11:]} devname="FGT-HQ-01" devid="FG100FTK20000001" eventtime={epoch} '
            f'logid="0101039424" type="event" subtype="vpn" level="information" vd="root" action="{action}" '
            f'tunneltype="ssl-tunnel" tunnelid={tunnel} remip=203.0.113.{tunnel % 200} user="{user}" {extra}'
            'msg="SSL tunnel"')


# The log rotated at midnight: alice's and carol's tunnels went up before it and down after it; bob's is in the new
# file alone.
OLD = "\n".join([
    _fgt("2026-11-02 08:15:02", 1793578502, "tunnel-up", 101, "alice"),
    _fgt("2026-11-02 21:00:00", 1793624400, "tunnel-up", 102, "carol"),
]) + "\n"
NEW = "\n".join([
    _fgt("2026-11-03 07:00:00", 1793660400, "tunnel-up", 103, "bob"),
    _fgt("2026-11-03 09:00:00", 1793667600, "tunnel-down", 101, "alice", "duration=89098 "),
    _fgt("2026-11-03 09:30:00", 1793669400, "tunnel-down", 103, "bob", "duration=9000 "),
    _fgt("2026-11-03 10:00:00", 1793671200, "tunnel-down", 102, "carol", "duration=46800 "),
]) + "\n"
IDMAP = "account,person_id\nalice,E001\nbob,E002\ncarol,E003\n"


def _files(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    old, new = folder / "fgt.log.1", folder / "fgt.log"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(NEW, encoding="utf-8")
    return old, new


def test_sources_parse_prints_the_sessions_each_file_started_that_ended_in_another(tmp_path: Path) -> None:
    old, new = _files(tmp_path)
    result = ccaudit("sources", "parse", "fortigate", old, new, "--out", tmp_path / "out")
    assert result.code == 0, result.text
    assert f"{old}: 2 session(s) cut by log rotation ended in {new}" in result.out
    assert result.out.count("cut by log rotation") == 1  # none for the new file: bob's started and ended there
    report = json.loads((tmp_path / "out" / "parse_report.json").read_text(encoding="utf-8"))
    assert report["sessions"]["by_file"][str(old)]["ended_in_other_files"]["count"] == 2
    zh = ccaudit("sources", "parse", "fortigate", old, new, "--out", tmp_path / "zh", "--lang", "zh-TW")
    assert f"{old}：2 筆因紀錄輪替而截斷之連線，其結束見於 {new}" in zh.out


def test_each_rotations_stored_report_counts_its_own_resolved_accounts(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    _files(evidence)
    (evidence / "identity_map.csv").write_text(IDMAP, encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results")
    assert result.code == 0, result.text
    reports = {}
    for path in (tmp_path / "results" / "evidence" / "parse_reports").glob("*.parse_report.json"):
        report = json.loads(path.read_text(encoding="utf-8"))
        reports[report["files"][0]["file"].rsplit("/", 1)[-1]] = report["identities"]
    assert reports["fgt.log.1"]["accounts_resolved"] == 2  # alice and carol start there
    assert reports["fgt.log"]["accounts_resolved"] == 3  # bob's session, and alice's and carol's ends
    assert "accounts_resolved_by_file" not in reports["fgt.log"]


def test_a_parse_of_several_files_reports_each_ones_resolved_accounts(tmp_path: Path) -> None:
    old, new = _files(tmp_path)
    idmap = tmp_path / "identity_map.csv"
    idmap.write_text("account,person_id\nbob,E002\n", encoding="utf-8")
    result = ccaudit("sources", "parse", "fortigate", old, new, "--out", tmp_path / "out", "--identity-map", idmap)
    assert result.code == 0, result.text
    identities = json.loads((tmp_path / "out" / "parse_report.json").read_text(encoding="utf-8"))["identities"]
    assert identities["accounts_resolved"] == 1
    assert identities["accounts_resolved_by_file"] == {str(new): 1}
