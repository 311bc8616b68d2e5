"""`ccaudit sources` and `ccaudit sources parse` as a firm's officer runs them on a gateway's own files:
what lands in remote_access_events.csv, remote_sessions.csv and parse_report.json, and what is refused."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from tests.cli.inprocess import ccaudit

# FortiGate lines after the FortiOS Log Message Reference (SSL-VPN 39424/39425/39426, IPsec 37138): behind a
# syslog <PRI> and a relay's header, without one, in FortiOS's CSV syslog format, with tz= spelled three
# ways or absent, eventtime in ns, us or s, IPv6, a DOMAIN\user, a UPN and a Chinese user name.
FORTIGATE = "\n".join([
    '<189>Nov  2 08:15:02 syslog-relay01 date=2026-11-02 time=08:15:02 devname="FGT-HQ-01" devid="FG100FTK20000001" '
    'eventtime=1793578502123456789 tz="+0800" logid="0101039424" type="event" subtype="vpn" level="information" '
    'vd="root" logdesc="SSL VPN tunnel up" action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=1436452612 '
    'remip=203.0.113.7 tunnelip=10.212.134.200 user="CORP\\alice" group="VPN-Users" dst_host="N/A" reason="N/A" '
    'msg="SSL tunnel established"',
    '<189>Nov  2 08:15:03 syslog-relay01 date=2026-11-02 time=08:15:03 devname="FGT-HQ-01" devid="FG100FTK20000001" '
    'eventtime=1793578503000000000 tz="+0800" logid="0000000013" type="traffic" subtype="forward" level="notice" '
    'vd="root" srcip=10.212.134.200 srcport=51000 dstip=10.1.1.5 dstport=443 action="accept"',
    '<189>date=2026-11-02 time=09:00:00 devname="FGT-HQ-01" devid="FG100FTK20000001" eventtime=1793581200 '
    'tz="+08:00" logid="0101039426" type="event" subtype="vpn" level="information" vd="root" '
    'action="ssl-login-fail" tunneltype="ssl-web" remip=2001:db8::77 user="王小明" '
    'reason="sslvpn_login_permission_denied" msg="SSL user failed to logged in"',
    '<190>date=2026-11-02 time=12:00:00 devname="FGT-HQ-01" devid="FG100FTK20000001" eventtime=1793592000000000 '
    'tz="UTC+8" logid="0101037138" type="event" subtype="vpn" level="notice" vd="root" action="tunnel-up" '
    'tunneltype="ipsec" tunnelid=88001 remip=198.51.100.20 assignip=10.10.0.5 user="N/A" '
    'xauthuser="bob@corp.example.com" vpntunnel="dialup_xauth" msg="IPsec connection status changed"',
    'date=2026-11-02 time=17:30:00 devname="FGT-HQ-01" devid="FG100FTK20000001" eventtime=1793611800123456789 '
    'tz="+0800" logid="0101039425" type="event" subtype="vpn" level="information" vd="root" action="tunnel-down" '
    'tunneltype="ssl-tunnel" tunnelid=1436452612 remip=203.0.113.7 tunnelip=10.212.134.200 user="CORP\\alice" '
    'duration=33898 msg="SSL tunnel shutdown"',
    'date=2026-11-02,time=07:00:00,devname="FGT-HQ-01",devid="FG100FTK20000001",logid="0101039425",type="event",'
    "subtype=\"vpn\",vd=\"root\",action=\"tunnel-down\",tunneltype=\"ssl-tunnel\",tunnelid=777,remip=203.0.113.9,"
    "user='carol',duration=3600",
    'date=2026-11-02 time=10:00:00 devname="FGT-HQ-01" logid="0101039424" type="event" subtype="vpn" '
    'action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=999 remip=203.0.113.10 user="dave"',
    'date=2026-11-02 time=garbage devname="FGT-HQ-01" logid="0101039424" type="event" subtype="vpn" '
    'action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=1000 user="eve"',
    "this is not a fortigate line",
]) + "\n"

STATUS_V2 = """TITLE,OpenVPN 2.4.12 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [AEAD] built on Mar 17 2022
TIME,Mon Nov  2 09:00:00 2026,1793581200
HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,Bytes Received,Bytes Sent,\
Connected Since,Connected Since (time_t),Username,Client ID,Peer ID
CLIENT_LIST,alice-laptop,203.0.113.7:51642,10.8.0.6,fd00::1000,31337,48212,Mon Nov  2 08:15:02 2026,1793578502,\
CORP\\alice,0,0
CLIENT_LIST,bob-pc,[2001:db8::9]:1194,10.8.0.7,,100,200,Mon Nov  2 08:30:00 2026,1793579400,UNDEF,1,1
HEADER,ROUTING_TABLE,Virtual Address,Common Name,Real Address,Last Ref,Last Ref (time_t)
ROUTING_TABLE,10.8.0.6,alice-laptop,203.0.113.7:51642,Mon Nov  2 08:59:58 2026,1793581198
GLOBAL_STATS,Max bcast/mcast queue length,0
END
"""

STATUS_V1 = """OpenVPN CLIENT LIST
Updated,Mon Nov  2 09:00:00 2026
Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since
alice,203.0.113.7:51642,31337,48212,Mon Nov  2 08:15:02 2026
李大華,[2001:db8::9]:40001,1000,2000,Mon Nov  2 08:40:00 2026
ROUTING TABLE
Virtual Address,Common Name,Real Address,Last Ref
10.8.0.6,alice,203.0.113.7:51642,Mon Nov  2 08:59:58 2026
10.8.0.10,李大華,[2001:db8::9]:40001,Mon Nov  2 08:59:50 2026
GLOBAL STATS
Max bcast/mcast queue length,0
END
"""


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def fortigate(tmp_path: Path) -> Path:
    path = tmp_path / "fgt.log"
    path.write_text(FORTIGATE, encoding="utf-8")
    return path


def test_sources_lists_every_source_with_what_it_expects() -> None:
    result = ccaudit("sources")
    assert result.code == 0
    for name in ("fortigate", "openvpn-status", "VPN activity event", "status-version"):
        assert name in result.text
    assert "openvpn-status: OpenVPN server status file" in result.text  # the vendor named once
    assert "Jamf Jamf" not in result.text


def test_fortigate_events_sessions_and_report(fortigate: Path, tmp_path: Path) -> None:
    idmap = tmp_path / "identity_map.csv"
    idmap.write_text("帳號,員工編號\nalice,E001\nbob@corp.example.com,E002\n王小明,E003\n", encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "fortigate", fortigate, fortigate, "--out", out, "--identity-map", idmap)
    assert result.code == 0, result.text
    events = _rows(out / "remote_access_events.csv")
    # the file given twice (overlapping exports): every event once, the copies reported
    assert sorted(e["kind"] for e in events) == ["login_failed", "session_end", "session_end", "session_start",
                                                  "session_start", "session_start"]
    alice = next(e for e in events if e["kind"] == "session_start" and e["account"] == "CORP\\alice")
    assert (alice["event_time"], alice["utc_time"]) == ("2026-11-02T08:15:02+08:00", "2026-11-02T00:15:02Z")
    assert (alice["account_normalised"], alice["account_domain"], alice["person_id"]) == ("alice", "corp", "E001")
    assert (alice["source_ip"], alice["assigned_ip"], alice["source_line"]) == ("203.0.113.7", "10.212.134.200", "1")
    failed = next(e for e in events if e["kind"] == "login_failed")
    assert (failed["account"], failed["person_id"], failed["source_ip"]) == ("王小明", "E003", "2001:db8::77")
    assert failed["utc_time"] == "2026-11-02T01:00:00Z"  # eventtime in seconds
    ipsec = next(e for e in events if e["account"] == "bob@corp.example.com")
    assert (ipsec["channel"], ipsec["person_id"], ipsec["assigned_ip"]) == ("ipsec_vpn", "E002", "10.10.0.5")

    sessions = {s["account"]: s for s in _rows(out / "remote_sessions.csv")}
    assert sessions["CORP\\alice"]["end_time"] == "2026-11-02T17:30:00+08:00"
    assert sessions["CORP\\alice"]["person_id"] == "E001"
    assert sessions["carol"]["start_time"] == "2026-11-02T06:00:00+08:00"  # end minus duration: cut by rotation
    assert "log rotation" in sessions["carol"]["note"]
    assert sessions["dave"]["end_time"] == "" and "no end line" in sessions["dave"]["note"]
    assert sessions["dave"]["person_id"] == "dave"  # unresolved: the account itself, and listed

    report = json.loads((out / "parse_report.json").read_text(encoding="utf-8"))
    first = report["files"][0]
    assert (first["lines_read"], first["recognised"], first["not_relevant"], first["malformed"]) == (9, 6, 1, 1)
    assert first["malformed_lines"][0]["lines"] == [8]
    assert first["not_this_source_lines"] == [9]
    assert report["duplicates"]["count"] == 6
    assert report["time_zone"]["events_with_assumed_zone"] == 2  # carol and dave: no eventtime, no tz
    assert report["time_zone"]["assumed_zone"] == "Asia/Taipei"
    assert {a["account"] for a in report["identities"]["accounts_unresolved"]} == {"carol", "dave"}
    assert report["sessions"]["without_end"] == 2


def test_zone_less_times_take_the_zone_given(fortigate: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert ccaudit("sources", "parse", "auto", fortigate, "--out", out, "--tz", "UTC").code == 0
    dave = next(e for e in _rows(out / "remote_access_events.csv") if e["account"] == "dave")
    assert (dave["utc_time"], dave["time_zone"]) == ("2026-11-02T10:00:00Z", "assumed")
    report = json.loads((out / "parse_report.json").read_text(encoding="utf-8"))
    assert (report["time_zone"]["assumed_zone"], report["time_zone"]["assumed_zone_from"]) == ("UTC", "--tz")


@pytest.mark.parametrize("version", [2, 3])
def test_openvpn_status_v2_v3(tmp_path: Path, version: int) -> None:
    text = STATUS_V2 if version == 2 else STATUS_V2.replace(",", "\t")
    path = tmp_path / "status.log"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", path, "--out", out)
    assert result.code == 0, result.text
    sessions = {s["account"]: s for s in _rows(out / "remote_sessions.csv")}
    assert sessions["CORP\\alice"]["start_time"] == "2026-11-02T08:15:02+08:00"
    assert sessions["CORP\\alice"]["assigned_ip"] == "10.8.0.6"
    assert sessions["bob-pc"]["source_ip"] == "2001:db8::9"  # Username UNDEF: the Common Name
    assert sessions["bob-pc"]["end_time"] == ""


def test_openvpn_status_v1_reads_wall_time_in_the_zone_given(tmp_path: Path) -> None:
    path = tmp_path / "openvpn-status.log"
    path.write_text(STATUS_V1, encoding="utf-8")
    out = tmp_path / "out"
    assert ccaudit("sources", "parse", "openvpn-status", path, "--out", out, "--tz", "Asia/Taipei").code == 0
    sessions = {s["account"]: s for s in _rows(out / "remote_sessions.csv")}
    assert sessions["李大華"]["start_time"] == "2026-11-02T08:40:00+08:00"
    assert sessions["李大華"]["assigned_ip"] == "10.8.0.10"  # from the routing table


def test_a_file_of_another_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "status.log"
    path.write_text(STATUS_V2, encoding="utf-8")
    result = ccaudit("sources", "parse", "fortigate", path, "--out", tmp_path / "out")
    assert result.code == 2
    assert "does not look like a fortigate export" in result.text and "openvpn-status" in result.text
    assert not (tmp_path / "out").exists()


def test_a_mostly_unreadable_file_is_refused_naming_lines(tmp_path: Path) -> None:
    good = FORTIGATE.splitlines()[0]
    path = tmp_path / "fgt.log"
    path.write_text("\n".join([good, good.replace("eventtime=", "x=").replace("time=08", "time=xx")] * 1
                              + ["\x1b[31mgarbage"] * 3) + "\n", encoding="utf-8")
    result = ccaudit("sources", "parse", "fortigate", path, "--out", tmp_path / "out")
    assert result.code == 2
    assert "refused" in result.text and "lines 2, 3, 4, 5" in result.text


def test_outputs_import_as_evidence(fortigate: Path, tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    assert ccaudit("sources", "parse", "fortigate", fortigate, "--out", evidence).code == 0
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results")
    assert result.code == 0, result.text
    manifest = json.loads((tmp_path / "results" / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    imported = {f["dataset"] for f in manifest["files"]}
    assert {"remote_sessions", "remote_access_events"} <= imported


OPENVPN_LOG = """2026-11-02 08:00:00 OpenVPN 2.6.8 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [AEAD]
2026-11-02 08:00:00 Initialization Sequence Completed
2026-11-02 08:15:01 203.0.113.7:51642 peer info: IV_VER=2.6.8
2026-11-02 08:15:01 203.0.113.7:51642 VERIFY OK: depth=0, CN=alice-laptop
2026-11-02 08:15:02 203.0.113.7:51642 TLS: Username/Password authentication succeeded for username 'CORP\\alice'
2026-11-02 08:15:02 203.0.113.7:51642 [alice-laptop] Peer Connection Initiated with [AF_INET]203.0.113.7:51642
2026-11-02 08:15:02 alice-laptop/203.0.113.7:51642 MULTI_sva: pool returned IPv4=10.8.0.6, IPv6=(Not enabled)
2026-11-02 09:00:00 198.51.100.9:40000 TLS Auth Error: Auth Username/Password verification failed for peer
2026-11-02 09:10:00 [2001:db8::9]:40001 TLS: Username/Password authentication succeeded for username '陳美玲'
2026-11-02 09:10:00 [2001:db8::9]:40001 [chen-pc] Peer Connection Initiated with [AF_INET6][2001:db8::9]:40001
2026-11-02 09:10:01 chen-pc/[2001:db8::9]:40001 MULTI_sva: pool returned IPv4=10.8.0.10, IPv6=(Not enabled)
2026-11-02 17:30:00 alice-laptop/203.0.113.7:51642 SIGTERM[soft,remote-exit] received, client-instance exiting
2026-11-02 18:00:00 chen-pc/[2001:db8::9]:40001 [chen-pc] Inactivity timeout (--ping-restart), restarting
"""


def test_openvpn_server_log_pairs_sessions_and_names_the_gateway(tmp_path: Path) -> None:
    path = tmp_path / "server.log"
    path.write_bytes(OPENVPN_LOG.replace("\n", "\r\n").encode("utf-8"))  # CRLF: line numbers unchanged
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", path, "--out", out, "--gateway", "VPN-02")
    assert result.code == 0, result.text
    sessions = {s["account"]: s for s in _rows(out / "remote_sessions.csv")}
    alice = sessions["CORP\\alice"]
    assert (alice["start_time"], alice["end_time"]) == ("2026-11-02T08:15:02+08:00", "2026-11-02T17:30:00+08:00")
    assert (alice["assigned_ip"], alice["gateway_id"], alice["source_line"]) == ("10.8.0.6", "VPN-02", "6")
    assert sessions["陳美玲"]["source_ip"] == "2001:db8::9"
    assert sessions["陳美玲"]["end_time"] == "2026-11-02T18:00:00+08:00"
    failed = [e for e in _rows(out / "remote_access_events.csv") if e["kind"] == "login_failed"]
    assert [(e["source_ip"], e["source_line"]) for e in failed] == [("198.51.100.9", "8")]
    report = json.loads((out / "parse_report.json").read_text(encoding="utf-8"))
    assert report["files"][0]["source"] == "openvpn-log"
    assert report["files"][0]["lines_read"] == 13


def test_fortigate_csv_format_and_single_quotes(tmp_path: Path) -> None:
    path = tmp_path / "fgt.csv.log"
    path.write_text(
        'date=2026-11-02,time=08:00:00,devname="FGT 2",devid="FG200F",eventtime=1793577600000,tz="+0800",'
        'logid="0101039424",type="event",subtype="vpn",vd="root",action="tunnel-up",tunneltype="ssl-tunnel",'
        "tunnelid=5,remip=203.0.113.8,tunnelip=10.212.134.9,user='Lin Wei'\n", encoding="utf-8")
    out = tmp_path / "out"
    assert ccaudit("sources", "parse", "fortigate", path, "--out", out).code == 0
    (event,) = _rows(out / "remote_access_events.csv")
    assert (event["account"], event["gateway_id"], event["utc_time"]) == ("Lin Wei", "FGT 2", "2026-11-02T00:00:00Z")


def test_outputs_do_not_depend_on_the_machines_time_zone(fortigate: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    outputs = []
    for zone in ("UTC", "America/New_York", "Asia/Taipei"):
        out = tmp_path / zone.replace("/", "_")
        subprocess.run([sys.executable, "-m", "ccaudit", "sources", "parse", "fortigate", str(fortigate), "--out",
                        str(out)], check=True, capture_output=True, env={**os.environ, "TZ": zone})
        outputs.append([(out / name).read_text(encoding="utf-8").replace(str(out), "")
                        for name in ("remote_access_events.csv", "remote_sessions.csv")])
    assert outputs[0] == outputs[1] == outputs[2]


def test_a_file_in_no_known_encoding_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.log"
    path.write_bytes(FORTIGATE.splitlines()[0].encode() + b"\n" + 'user="José"'.encode("latin-1") + b"\n")
    result = ccaudit("sources", "parse", "fortigate", path, "--out", tmp_path / "out")
    assert result.code == 2
    assert "latin1.log" in result.text and "UTF-8" in result.text and "line 2" in result.text


def test_inspect_reads_raw_exports_in_the_evidence_folder(fortigate: Path, tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "fgt-2026-11.log").write_text(fortigate.read_text(encoding="utf-8"), encoding="utf-8")  # detected
    (evidence / "vpn02.txt").write_text(OPENVPN_LOG, encoding="utf-8")  # named in evidence.yaml
    (evidence / "notes.log").write_text("2026-11-02 08:00:00 meeting with the vendor\n", encoding="utf-8")
    (evidence / "identity_map.csv").write_text("account,person_id\nalice,E001\n", encoding="utf-8")
    (evidence / "evidence.yaml").write_text(
        "files:\n  vpn02.txt: {source: openvpn-log, gateway: VPN-02, tz: Asia/Taipei}\n", encoding="utf-8")
    results = tmp_path / "results"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", results)
    assert result.code == 0, result.text
    manifest = json.loads((results / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    imported = {(f["dataset"], f["original_name"], f["rows"]) for f in manifest["files"]}
    assert ("remote_sessions", "fgt-2026-11.log.remote_sessions.csv", 4) in imported
    assert ("remote_sessions", "vpn02.txt.remote_sessions.csv", 2) in imported
    assert ("remote_access_events", "vpn02.txt.remote_access_events.csv", 5) in imported
    assert "notes.log" in result.text and "no session event" in result.text  # looked like a log: not evidence
    import duckdb

    con = duckdb.connect(str(results / "workspace.duckdb"), read_only=True)
    rows = con.execute("SELECT person_id, gateway_id FROM remote_sessions WHERE gateway_id = 'VPN-02' "
                       "ORDER BY person_id").fetchall()
    assert rows == [("E001", "VPN-02"), ("陳美玲", "VPN-02")]


def test_a_raw_export_named_for_the_wrong_source_stops_the_inspection(fortigate: Path, tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "fgt.log").write_text(fortigate.read_text(encoding="utf-8"), encoding="utf-8")
    (evidence / "evidence.yaml").write_text("files:\n  fgt.log: {source: openvpn-status}\n", encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results")
    assert result.code == 2 and "fgt.log" in result.text and "openvpn-status" in result.text
    assert not (tmp_path / "results").exists()
