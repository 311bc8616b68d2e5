"""FortiGate event logs as FortiOS 6.x and 7.x write them, beyond the basic forms of test_sources.py: lines written
from the FortiOS Log Message Reference's field lists (SSL-VPN 39947/39948/39949 session tunnel up/down/stats and
39426 login failure, IPsec 23101/23102 tunnel up/down and 37138 XAuth dial-up, web mode without a tunnel address,
7.x's srccountry/fctuid, N/A and empty values, a key named inside a quoted message), the Taipei offset of times
in an hour where the zone database changes it, and what `ccaudit inspect` keeps of a `sources parse` folder."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit

_HEAD = ('date=2026-11-02 time={t} devname="FGT-HQ-01" devid="FG100FTK20000001" eventtime={e} tz="+0800" '
         'logid="{logid}" type="event" subtype="vpn" level="information" vd="root" ')

FORTIOS = "\n".join([
    # 7.2 SSL-VPN tunnel mode, session logs (39947 up, 39949 stats, 39948 down), eventtime in nanoseconds
    '<189>' + _HEAD.format(t="08:00:00", e="1793577600000000000", logid="0101039947")
    + 'logdesc="SSL VPN tunnel up" action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=2117861377 '
      'remip=2001:db8:1::20 tunnelip=10.212.134.201 user="Wang Xiao-Ming" group="SSLVPN Users" dst_host="N/A" '
      'reason="N/A" srccountry="Taiwan" fctuid="5C4AB7A04E5B4FEC9E0D7B1F3D2C1A08" msg="SSL tunnel established"',
    '<189>' + _HEAD.format(t="08:30:00", e="1793579400000000000", logid="0101039949")
    + 'logdesc="SSL VPN statistics" action="tunnel-stats" tunneltype="ssl-tunnel" tunnelid=2117861377 '
      'remip=2001:db8:1::20 tunnelip=10.212.134.201 user="Wang Xiao-Ming" group="SSLVPN Users" dst_host="N/A" '
      'reason="N/A" duration=1800 sentbyte=52311 rcvdbyte=811204 msg="SSL tunnel statistics"',
    '<189>' + _HEAD.format(t="09:00:00", e="1793581200000000000", logid="0101039948")
    + 'logdesc="SSL VPN tunnel down" action="tunnel-down" tunneltype="ssl-tunnel" tunnelid=2117861377 '
      'remip=2001:db8:1::20 tunnelip=10.212.134.201 user="Wang Xiao-Ming" group="SSLVPN Users" dst_host="N/A" '
      'reason="N/A" duration=3600 sentbyte=90000 rcvdbyte=1500000 msg="SSL tunnel shutdown"',
    # web mode: no tunnel address (tunnelip absent), the portal session by its tunnelid
    _HEAD.format(t="10:00:00", e="1793584800000000000", logid="0101039947")
    + 'logdesc="SSL VPN tunnel up" action="tunnel-up" tunneltype="ssl-web" tunnelid=2117861400 '
      'remip=198.51.100.44 user="carol@corp.example.com" group="Web-Portal" dst_host="N/A" reason="N/A" '
      'msg="SSL tunnel established"',
    # a failed login: the name typed is anyone's, and its text may look like a key
    _HEAD.format(t="10:05:00", e="1793585100000000000", logid="0101039426")
    + 'logdesc="SSL VPN login fail" action="ssl-login-fail" tunneltype="ssl-web" tunnelid=0 remip=203.0.113.99 '
      'user="admin" group="N/A" dst_host="N/A" reason="sslvpn_login_unknown_user" srccountry="Reserved" '
      'msg="SSL user failed to logged in (action=tunnel-up)"',
    # IPsec 23101/23102 (FortiClient IPsec with a user name, no XAuth), eventtime in microseconds
    _HEAD.format(t="11:00:00", e="1793588400000000", logid="0101023101")
    + 'logdesc="IPsec tunnel up" action="tunnel-up" tunnelid=47001 tunneltype="ipsec" remip=192.0.2.15 '
      'tunnelip=10.10.1.7 user="dave" group="IPsec-Users" msg="IPsec tunnel up"',
    _HEAD.format(t="12:00:00", e="1793592000000000", logid="0101023102")
    + 'logdesc="IPsec tunnel down" action="tunnel-down" tunnelid=47001 tunneltype="ipsec" remip=192.0.2.15 '
      'tunnelip=10.10.1.7 user="dave" group="IPsec-Users" duration=3600 msg="IPsec tunnel down"',
    # IPsec dial-up with XAuth (37138): user N/A, the XAuth user and the address it handed out
    _HEAD.format(t="13:00:00", e="1793595600123456789", logid="0101037138")
    + 'logdesc="IPsec connection status changed" msg="IPsec connection status change" action="tunnel-up" '
      'remip=198.51.100.20 locip=203.0.113.1 remport=4500 locport=4500 outintf="wan1" '
      'cookies="9091f4d4837ea71c/3c8c9fd0da4b0a46" user="N/A" group="N/A" useralt="N/A" '
      'xauthuser="CORP\\erin" xauthgroup="VPN-XAuth" assignip=10.10.0.9 vpntunnel="dialup_xauth_0" '
      'tunnelip=N/A tunnelid=88002 tunneltype="ipsec" duration=0 sentbyte=0 rcvdbyte=0 nextstat=600',
    # negotiation progress (37127) with empty addresses: a VPN event but not a session event
    _HEAD.format(t="13:00:01", e="1793595601000000000", logid="0101037127")
    + 'logdesc="Progress IPsec phase 1" msg="progress IPsec phase 1" action="negotiate" remip= locip= '
      'remport=500 locport=500 outintf="wan1" user="N/A" group="N/A" xauthuser="N/A" xauthgroup="N/A" '
      'assignip=N/A vpntunnel="dialup_xauth" status="success" init="remote" mode="main" dir="inbound"',
]) + "\n"


def _parse(tmp_path: Path, text: str, *args: str) -> tuple[
        list[dict[str, str]], list[dict[str, str]], dict[str, Any]]:
    path = tmp_path / "fgt.log"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "fortigate", path, "--out", out, *args)
    assert result.code == 0, result.text
    rows = []
    for name in ("remote_access_events.csv", "remote_sessions.csv"):
        with (out / name).open(encoding="utf-8", newline="") as fh:
            rows.append(list(csv.DictReader(fh)))
    return rows[0], rows[1], json.loads((out / "parse_report.json").read_text(encoding="utf-8"))


def test_fortios_6_and_7_session_logs(tmp_path: Path) -> None:
    events, sessions, report = _parse(tmp_path, FORTIOS)
    f = report["files"][0]
    assert (f["lines_read"], f["recognised"], f["not_relevant"], f["malformed"]) == (9, 8, 1, 0)
    by_account = {s["account"]: s for s in sessions}
    wang = by_account["Wang Xiao-Ming"]  # a name with a space, IPv6 source, stats between start and end
    assert (wang["start_time"], wang["end_time"], wang["channel"]) == (
        "2026-11-02T08:00:00+08:00", "2026-11-02T09:00:00+08:00", "ssl_vpn")
    assert (wang["source_ip"], wang["assigned_ip"], wang["gateway_id"]) == ("2001:db8:1::20", "10.212.134.201",
                                                                            "FGT-HQ-01")
    stats = next(e for e in events if e["kind"] == "session_stats")
    assert (stats["duration_s"], stats["source_line"]) == ("1800", "2")
    carol = by_account["carol@corp.example.com"]  # web mode: no tunnel address, no end in the file
    assert (carol["channel"], carol["assigned_ip"], carol["end_time"]) == ("ssl_vpn", "", "")
    failed = next(e for e in events if e["kind"] == "login_failed")
    # the action inside the quoted message is not the line's action
    assert (failed["account"], failed["reason"], failed["source_ip"]) == (
        "admin", "sslvpn_login_unknown_user", "203.0.113.99")
    dave = by_account["dave"]  # IPsec without XAuth: user= names the person, eventtime in microseconds
    assert (dave["channel"], dave["start_time"], dave["end_time"], dave["assigned_ip"]) == (
        "ipsec_vpn", "2026-11-02T11:00:00+08:00", "2026-11-02T12:00:00+08:00", "10.10.1.7")
    erin = by_account["CORP\\erin"]  # XAuth: user N/A, the address assigned (tunnelip N/A)
    assert (erin["person_id"], erin["channel"], erin["assigned_ip"], erin["source_ip"]) == (
        "erin", "ipsec_vpn", "10.10.0.9", "198.51.100.20")
    assert [e["kind"] for e in events if e["source_line"] == "9"] == []  # negotiate: not a session event


def test_a_name_typed_at_a_failed_login_does_not_set_the_reason(tmp_path: Path) -> None:
    typed = 'x reason=sslvpn_login_successful duration=99'
    line = (_HEAD.format(t="10:05:00", e="1793585100000000000", logid="0101039426")
            + f'logdesc="SSL VPN login fail" action="ssl-login-fail" tunneltype="ssl-web" tunnelid=0 '
              f'remip=203.0.113.99 user="{typed}" group="N/A" dst_host="N/A" reason="sslvpn_login_unknown_user" '
              'msg="SSL user failed to logged in"')
    events, _, _ = _parse(tmp_path, line + "\n")
    assert [(e["kind"], e["account"], e["reason"]) for e in events] == [
        ("login_failed", typed, "sslvpn_login_unknown_user")]


def test_local_time_follows_the_zone_database_in_hours_it_changes(tmp_path: Path) -> None:
    """Taipei's offset is looked up once per hour: in an hour where it changes (1896's end of local mean time,
    at 15:54 UTC) each time is converted on its own; across 1979's end of summer time (on the hour) the hours
    on either side keep their own offsets."""
    line = ('date={d} time={t} devname="FGT-HQ-01" devid="FG100FTK20000001" tz="+0000" logid="0101039424" '
            'type="event" subtype="vpn" vd="root" action="tunnel-up" tunneltype="ssl-tunnel" tunnelid={n} '
            'remip=203.0.113.7 user="u{n}"')
    utc = [("1895-12-31", "15:34:00"), ("1895-12-31", "15:56:00"), ("1895-12-31", "16:10:00"),
           ("1979-09-30", "14:30:00"), ("1979-09-30", "15:30:00")]
    text = "\n".join(line.format(d=d, t=t, n=n) for n, (d, t) in enumerate(utc, 1)) + "\n"
    events, sessions, _ = _parse(tmp_path, text)
    local = {e["account"]: (e["event_time"], e["utc_time"]) for e in events}
    assert local == {
        "u1": ("1895-12-31T23:40:00+08:06", "1895-12-31T15:34:00Z"),  # local mean time, 8:06 east
        "u2": ("1895-12-31T23:56:00+08:00", "1895-12-31T15:56:00Z"),  # the same UTC hour, after the change
        "u3": ("1896-01-01T00:10:00+08:00", "1895-12-31T16:10:00Z"),
        "u4": ("1979-09-30T23:30:00+09:00", "1979-09-30T14:30:00Z"),  # summer time
        "u5": ("1979-09-30T23:30:00+08:00", "1979-09-30T15:30:00Z"),
    }
    assert {s["account"]: s["start_time"] for s in sessions} == {a: t for a, (t, _) in local.items()}


def test_inspect_keeps_the_parse_report_of_a_sources_parse_folder(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    log = tmp_path / "fgt.log"
    log.write_text(FORTIOS, encoding="utf-8")
    # one folder per gateway inside the evidence folder, as `sources parse --out` wrote it
    assert ccaudit("sources", "parse", "fortigate", log, "--out", evidence / "vpn-hq").code == 0
    report = evidence / "vpn-hq" / "parse_report.json"
    results = tmp_path / "results"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", results)
    assert result.code == 0, result.text
    manifest = json.loads((results / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    sha = hashlib.sha256(report.read_bytes()).hexdigest()
    assert [(a["name"], a["sha256"], a["size_bytes"], a["probe"]) for a in manifest["attachments"]] == [
        ("vpn-hq/parse_report.json", sha, report.stat().st_size, "sources parse")]
    assert "vpn-hq/parse_report.json" not in manifest["ignored_reasons"]
    assert (results / "evidence" / "blobs" / sha).read_bytes() == report.read_bytes()  # kept unchanged, by hash
    imported = {(f["dataset"], f["original_name"]) for f in manifest["files"]}
    assert ("remote_sessions", "remote_sessions.csv") in {(d, Path(n).name) for d, n in imported}
