"""GlobalProtect SYSTEM log lines (before PAN-OS 9.1) whose user name holds a comma: a directory's display-style
account ('Chen, Wei', 'CORP\\Chen, Wei') is read whole up to the label PAN-OS writes next, not cut at the comma into
another person's name; and the parse of a GlobalProtect log keeps only its events in memory (DuckDB's profile)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit

from ccaudit.rawsources import globalprotect
from ccaudit.rawsources.sqlkit import connect, read_lines_sql


def _system(time: str, event_id: str, text: str, seq: int) -> str:
    """A SYSTEM log line of subtype globalprotect in PAN-OS's CSV syslog order, the description quoted."""
    return (f'1,{time},012801096514,SYSTEM,globalprotect,0,{time},vsys1,{event_id},GP-GW,0,0,general,informational,'
            f'"{text}",{seq},0x0,0,0,0,0,,PA-3220')


LOG = "\n".join([
    _system("2019/06/10 09:00:00", "globalprotectgateway-regist-succ", "GlobalProtect gateway user login succeeded. "
            "Login from: 203.0.113.7, Source region: TW, User name: CORP\\Chen, Wei, Client OS version: Microsoft "
            "Windows 10 Pro , 64-bit.", 1),
    _system("2019/06/10 09:00:01", "globalprotectgateway-config-succ", "GlobalProtect gateway client configuration "
            "generated. User name: CORP\\Chen, Wei, Private IP: 10.31.0.12, Client version: 5.0.2, Device name: "
            "CHEN-NB.", 2),
    _system("2019/06/10 09:10:00", "globalprotectgateway-regist-succ", "GlobalProtect gateway user login succeeded. "
            "Login from: 198.51.100.9, Source region: TW, User name: Lin, Mei, Client OS version: Apple Mac OS X "
            "14.4.", 3),
    _system("2019/06/10 12:00:00", "globalprotectgateway-logout-succ", "GlobalProtect gateway user logout succeeded. "
            "User name: CORP\\Chen, Wei, Client OS version: Microsoft Windows 10 Pro , 64-bit, Reason: client "
            "logout.", 4),
    _system("2019/06/10 12:00:01", "globalprotectgateway-config-release", "GlobalProtect gateway client "
            "configuration released. User name: CORP\\Chen, Wei, Private IP: 10.31.0.12, Client version: 5.0.2.", 5),
    _system("2019/06/10 13:00:00", "globalprotectgateway-logout-succ", "GlobalProtect gateway user logout succeeded. "
            "User name: Lin, Mei, Client OS version: Apple Mac OS X 14.4, Reason: user session expired.", 6),
]) + "\n"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_system_names_with_a_comma_read_whole(tmp_path: Path) -> None:
    log = tmp_path / "pan-system.log"
    log.write_text(LOG, encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "globalprotect", log, "--out", out, "--tz", "Asia/Taipei")
    assert result.code == 0, result.text
    events = _rows(out / "remote_access_events.csv")
    assert sorted((e["source_line"], e["kind"], e["account"]) for e in events) == [
        ("1", "session_start", "CORP\\Chen, Wei"), ("3", "session_start", "Lin, Mei"),
        ("4", "session_end", "CORP\\Chen, Wei"), ("5", "session_stats", "CORP\\Chen, Wei"),
        ("6", "session_end", "Lin, Mei")]
    sessions = {s["account"]: s for s in _rows(out / "remote_sessions.csv")}
    assert set(sessions) == {"CORP\\Chen, Wei", "Lin, Mei"}
    chen = sessions["CORP\\Chen, Wei"]
    assert (chen["start_time"], chen["end_time"]) == ("2019-06-10T09:00:00+08:00", "2019-06-10T12:00:00+08:00")
    # the address of the configuration generated for that user, and the logout's address from the login
    assert (chen["source_ip"], chen["assigned_ip"]) == ("203.0.113.7", "10.31.0.12")
    assert sessions["Lin, Mei"]["end_time"] == "2019-06-10T13:00:00+08:00"
    report = json.loads((out / "parse_report.json").read_text(encoding="utf-8"))
    assert report["files"][0]["malformed"] == 0


def _operators(node: dict[str, Any], found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found.append(node)
    for child in node.get("children", []):
        _operators(child, found)
    return found


def test_only_events_are_materialised(tmp_path: Path) -> None:
    """A log of mostly connection steps: what DuckDB materialises (a CTE read twice), windows or joins holds only the
    events (and the last line), never every line of the file, so the parse's memory does not grow with the file."""
    step = ("1,2026/11/02 08:15:01,012801096514,GLOBALPROTECT,0,2561,2026/11/02 08:15:01,vsys1,gateway-hip-report,"
            "before-login,LDAP,SSL,CORP\\u{n},TW,NB-1,203.0.113.7,0.0.0.0,0.0.0.0,0.0.0.0,1f2e,PF1,6.2.1,Microsoft "
            "Windows,\"Microsoft Windows 11 Pro , 64-bit\",1,,,,success,Taipei,0,user-logon,0,GP-Portal,1,0x0,"
            "2026-11-02T08:15:01.000+08:00,,,,,GP-GW-TPE,0,0,0,0,,PA-3220,1,")
    connected = step.replace("gateway-hip-report", "gateway-connected")
    lines = [(connected if n % 100 == 0 else step).replace("{n}", str(n)) for n in range(3000)]
    log = tmp_path / "gp.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = connect(threads=1)
    con.execute(f"CREATE TEMP VIEW lines AS {read_lines_sql(log)}")
    con.execute("PRAGMA enable_profiling = 'json'")
    con.execute(f"PRAGMA profiling_output = '{tmp_path / 'profile.json'}'")
    events = con.execute(f"SELECT count(*) FILTER (WHERE kind IS NOT NULL) FROM ({globalprotect.query('lines')})")
    assert events.fetchone() == (30,)
    con.execute("PRAGMA disable_profiling")
    profile = json.loads((tmp_path / "profile.json").read_text(encoding="utf-8"))
    ops = [op for top in profile["operator"] for op in _operators(top, [])]
    assert max(op["intermediate_rows"] for op in ops if op["name"] == "READ_CSV") >= 3000  # the whole file read
    ctes = [op for op in ops if op["name"] == "CTE"]
    held = [op["children"][0] for op in ctes] + [op for op in ops if op["name"] in ("WINDOW", "HASH_JOIN", "ORDER_BY")]
    assert ctes and held
    # 30 events and the last line
    assert max(op["intermediate_rows"] for op in held) <= 31, [(op["name"], op["intermediate_rows"]) for op in held]
