"""FortiGate lines in the forms published samples and parsers' test logs show, written here from those facts (not
copied): FortiOS 7.x's RFC 5424 syslog header, a CLI `execute log display` record with its index, values all
unquoted (5.x-style relays) or all quoted (eventtime="...", remip="..."), eventtime in seconds, microseconds and
nanoseconds, tz= quoted or not and absent, FortiAnalyzer's raw download with itime= and devid= first and no
devname, lines without devname or devid at all, user="N/A" on a statistics line, IPv6 remote addresses, several
spaces between fields, CRLF line ends, a line whose quote was never closed (a truncated syslog line), FortiOS's
own '<PRI>date=' without eventtime= (5.x/6.0) and a log shipper's JSON record holding the line (Filebeat, Elastic
Agent, Logstash: "message")."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.cli.inprocess import ccaudit

LINES = [
    # FortiOS 7.x, config log syslogd setting: set format rfc5424 (version 1, ISO time, host, nil fields)
    '<189>1 2026-11-02T08:00:00.123+08:00 FGT-TPE-01 - - - - date=2026-11-02 time=08:00:00 devname="FGT-TPE-01" '
    'devid="FG200FTK22000002" eventtime=1793577600123456789 tz="+0800" logid="0101039947" type="event" '
    'subtype="vpn" level="information" vd="root" logdesc="SSL VPN tunnel up" action="tunnel-up" '
    'tunneltype="ssl-tunnel" tunnelid=301 remip=2001:db8:5::9 tunnelip=10.212.134.31 user="陳小華" '
    'group="SSLVPN" dst_host="N/A" reason="N/A" msg="SSL tunnel established"',
    # the statistics line of the same tunnel: user N/A, eventtime quoted, remip quoted, two spaces between fields
    '<189>1 2026-11-02T08:10:00+08:00 FGT-TPE-01 - - - - date=2026-11-02 time=08:10:00 devname="FGT-TPE-01" '
    'devid="FG200FTK22000002" eventtime="1793578200000000000" tz="+0800" logid="0101039949" type="event" '
    'subtype="vpn"  level="information" vd="root" action="tunnel-stats" tunneltype="ssl-tunnel" tunnelid=301 '
    'remip="2001:db8:5::9" user="N/A" duration=600 sentbyte=10 rcvdbyte=20',
    # CLI: execute log display, the record's index before it; eventtime in seconds (6.0), tz unquoted
    '1: date=2026-11-02 time=09:00:00 logid="0101039948" type="event" subtype="vpn" level="information" '
    'vd="root" eventtime=1793581200 tz=+0800 logdesc="SSL VPN tunnel down" action="tunnel-down" '
    'tunneltype="ssl-tunnel" tunnelid=301 remip=2001:db8:5::9 user="陳小華" devid=FG200FTK22000002 '
    'devname=FGT-TPE-01 duration=3600 reason="user-logout"',
    # a relay that writes every value unquoted (FortiOS 5.x style), eventtime in microseconds
    'date=2026-11-02 time=10:00:00 devname=FGT-TPE-01 devid=FG200FTK22000002 eventtime=1793584800000000 tz=+0800 '
    'logid=0101039947 type=event subtype=vpn level=information vd=root action=tunnel-up tunneltype=ssl-tunnel '
    'tunnelid=302 remip=198.51.100.7 tunnelip=10.212.134.32 user=bob@corp.example group=SSLVPN',
    # FortiAnalyzer raw download: itime= and devid= first, no devname, no eventtime and no tz (zone assumed)
    'itime=1793588410 date=2026-11-02 time=11:00:00 devid=FG200FTK22000002 vd=root dtime=1793588400 '
    'itime_t=1793588410 logid=0101039948 type=event subtype=vpn level=information action=tunnel-down '
    'tunneltype=ssl-tunnel tunnelid=302 remip=198.51.100.7 tunnelip=10.212.134.32 user="bob@corp.example" '
    'duration=3600 reason="idle-timeout"',
    # a gateway's line without devname or devid (a test log's form): the session key is the VDOM and tunnel
    'date=2026-11-02 time=12:00:00 logid="0101039426" type="event" subtype="vpn" level="alert" vd="root" '
    'eventtime=1793592000 logdesc="SSL VPN login fail" action="ssl-login-fail" tunneltype="ssl-web" tunnelid=0 '
    'remip=2001:db8:66::1 user="CORP\\mallory" group="N/A" dst_host="N/A" reason="sslvpn_login_permission_denied" '
    'msg="SSL user failed to logged in"',
    # a traffic line and a line cut short by the relay inside its quoted message: neither is a session event
    'date=2026-11-02 time=12:00:01 logid="0000000013" type="traffic" subtype="forward" vd="root" srcip=10.1.1.1 '
    'action="accept"',
    'date=2026-11-02 time=12:00:02 logid="0101039424" type="event" subtype="vpn" vd="root" eventtime=1793592002 '
    'action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=303 remip=203.0.113.5 user="eve" msg="SSL tunnel est '
    'user=mallory tunnelid=9',
    # FortiOS's own syslog, the priority straight before date=, no eventtime= and no tz= (5.x, 6.0)
    '<190>date=2026-11-02 time=13:00:00 devname="FGT-TPE-01" devid="FG200FTK22000002" logid="0101039424" '
    'type="event" subtype="vpn" level="information" vd="root" action="tunnel-up" tunneltype="ssl-tunnel" '
    'tunnelid=304 remip=192.0.2.44 tunnelip=10.212.134.44 user="frank"',
    # a shipper's JSON record: the line in "message", its quotes escaped
    json.dumps({"@timestamp": "2026-11-02T05:30:00.000Z", "host": {"name": "relay01"}, "message": (
        '<190>date=2026-11-02 time=13:30:00 devname="FGT-TPE-01" devid="FG200FTK22000002" '
        'eventtime=1793597400000000000 tz="+0800" logid="0101039948" type="event" subtype="vpn" vd="root" '
        'action="tunnel-down" tunneltype="ssl-tunnel" tunnelid=304 remip=192.0.2.44 user="frank" duration=1800 '
        'reason="user-logout"')}),
]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_published_line_forms_parse_into_the_same_sessions(tmp_path: Path) -> None:
    log = tmp_path / "fgt.log"
    log.write_bytes("\r\n".join(LINES).encode("utf-8") + b"\r\n")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "fortigate", log, "--out", out)
    assert result.code == 0, result.text
    report = json.loads((out / "parse_report.json").read_text(encoding="utf-8"))
    f = report["files"][0]
    assert (f["lines_read"], f["recognised"], f["malformed"], f["not_this_source"]) == (10, 9, 0, 0)
    events = _read(out / "remote_access_events.csv")
    assert [(e["source_line"], e["kind"], e["utc_time"], e["account"], e["source_ip"], e["session_key"],
             e["time_zone"]) for e in events] == [
        ("1", "session_start", "2026-11-02T00:00:00Z", "陳小華", "2001:db8:5::9", "FG200FTK22000002|root|301",
         "stated"),
        ("2", "session_stats", "2026-11-02T00:10:00Z", "", "2001:db8:5::9", "FG200FTK22000002|root|301", "stated"),
        ("3", "session_end", "2026-11-02T01:00:00Z", "陳小華", "2001:db8:5::9", "FG200FTK22000002|root|301",
         "stated"),
        ("4", "session_start", "2026-11-02T02:00:00Z", "bob@corp.example", "198.51.100.7",
         "FG200FTK22000002|root|302", "stated"),
        # FortiAnalyzer's line: the device's wall time in the zone assumed (Asia/Taipei), not itime
        ("5", "session_end", "2026-11-02T03:00:00Z", "bob@corp.example", "198.51.100.7",
         "FG200FTK22000002|root|302", "assumed"),
        ("6", "login_failed", "2026-11-02T04:00:00Z", "CORP\\mallory", "2001:db8:66::1", "root|0", "stated"),
        ("8", "session_start", "2026-11-02T04:00:02Z", "eve", "203.0.113.5", "root|303", "stated"),
        ("9", "session_start", "2026-11-02T05:00:00Z", "frank", "192.0.2.44", "FG200FTK22000002|root|304",
         "assumed"),
        ("10", "session_end", "2026-11-02T05:30:00Z", "frank", "192.0.2.44", "FG200FTK22000002|root|304", "stated"),
    ]
    sessions = _read(out / "remote_sessions.csv")
    assert [(s["account"], s["gateway_id"], s["start_time"], s["end_time"], s["assigned_ip"]) for s in sessions] == [
        ("陳小華", "FGT-TPE-01", "2026-11-02T08:00:00+08:00", "2026-11-02T09:00:00+08:00", "10.212.134.31"),
        ("bob@corp.example", "FGT-TPE-01", "2026-11-02T10:00:00+08:00", "2026-11-02T11:00:00+08:00",
         "10.212.134.32"),
        ("eve", "", "2026-11-02T12:00:02+08:00", "", ""),
        ("frank", "FGT-TPE-01", "2026-11-02T13:00:00+08:00", "2026-11-02T13:30:00+08:00", "10.212.134.44"),
    ]


def test_a_shippers_json_export_of_fortigate_lines(tmp_path: Path) -> None:
    """A whole file of shipper records (one JSON object per line), recognised with --source auto."""
    records = [{"message": line, "agent": {"type": "filebeat"}} for line in (LINES[3], LINES[4])]
    log = tmp_path / "fortigate-filebeat.ndjson"
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = ccaudit("sources", "parse", "auto", log, "--out", tmp_path / "out")
    assert result.code == 0, result.text
    sessions = _read(tmp_path / "out" / "remote_sessions.csv")
    assert [(s["account"], s["start_time"], s["end_time"], s["source"]) for s in sessions] == [
        ("bob@corp.example", "2026-11-02T10:00:00+08:00", "2026-11-02T11:00:00+08:00", "fortigate")]
