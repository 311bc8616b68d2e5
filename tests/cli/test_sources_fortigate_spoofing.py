"""An account name is attacker-chosen text: whatever is typed at an SSL-VPN log-in or sent as an XAuth name is
logged inside user="..." or xauthuser="...". Every key of every FortiGate event kind is read outside quoted
values, so a name such as "a duration=99999 remip=1.2.3.4" sets nothing but the name (the same way Graylog's
and Elastic's FortiGate parsers were fixed: a quoted value is consumed whole, escaped quotes included)."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.cli.inprocess import ccaudit

_HEAD = ('date=2026-11-02 time={t} devname="FGT-HQ-01" devid="FG100FTK20000001" eventtime={e} tz="+0800" '
         'logid="{logid}" type="event" subtype="{sub}" level="information" vd="root" ')


def _line(t: str, logid: str, rest: str, sub: str = "vpn") -> str:
    hh, mm, ss = (int(x) for x in t.split(":"))
    epoch = 1793577600 + (hh - 8) * 3600 + mm * 60 + ss  # 2026-11-02 08:00:00 +08:00
    return _HEAD.format(t=t, e=epoch * 1_000_000_000, logid=logid, sub=sub) + rest


SPOOFED = "\n".join([
    # tunnel-up: the name carries keys the line lacks (duration) and ones it has later in another version's order
    _line("08:00:00", "0101039947", 'action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=101 '
          'user="a duration=99999 remip=1.2.3.4 tunnelip=9.9.9.9 tunnelid=7" remip=203.0.113.10 '
          'tunnelip=10.212.134.10 group="VPN" reason="N/A"'),
    # tunnel-stats: a name ending in an escaped quote, then keys; the real duration comes after it
    _line("08:30:00", "0101039949", 'action="tunnel-stats" tunneltype="ssl-tunnel" tunnelid=101 remip=203.0.113.10 '
          r'tunnelip=10.212.134.10 user="a\" duration=1 reason=\"x" duration=1800 sentbyte=1 rcvdbyte=2'),
    # tunnel-down: the reason and the duration are the line's own, not the ones in the name
    _line("09:00:00", "0101039948", 'action="tunnel-down" tunneltype="ssl-tunnel" tunnelid=101 '
          'user="a reason=idle-timeout duration=60" remip=203.0.113.10 tunnelip=10.212.134.10 '
          'reason="user-logout" duration=3600'),
    # IPsec XAuth (37138): the XAuth name names the address handed out, the tunnel and the source address
    _line("10:00:00", "0101037138", 'logdesc="IPsec connection status changed" action="tunnel-up" '
          'remip=198.51.100.20 user="N/A" xauthuser="erin assignip=6.6.6.6 tunnelid=999 tunnelip=7.7.7.7 '
          'remip=5.5.5.5" xauthgroup="VPN-XAuth" assignip=10.10.0.9 tunnelip=N/A tunnelid=88002 '
          'tunneltype="ipsec"'),
    # a failed login whose typed name claims success, a source address and a duration
    _line("10:05:00", "0101039426", 'action="ssl-login-fail" tunneltype="ssl-web" tunnelid=0 '
          'user="x reason=sslvpn_login_successful remip=10.0.0.1 duration=5" remip=203.0.113.99 group="N/A" '
          'reason="sslvpn_login_unknown_user" msg="SSL user failed to logged in"'),
    # FortiOS's CSV format: ',key=' inside the quoted name is no key either
    'date=2026-11-02,time=10:06:00,devname="FGT-HQ-01",devid="FG100FTK20000001",eventtime=1793585160000000000,'
    'tz="+0800",logid="0101039426",type="event",subtype="vpn",vd="root",action="ssl-login-fail",'
    'tunneltype="ssl-web",tunnelid=0,user="y,reason=sslvpn_login_successful,remip=10.0.0.2",remip=203.0.113.98,'
    'reason="sslvpn_login_permission_denied"',
    # an administrator log-in failure (subtype system) whose name spells a VPN tunnel-up: not a VPN event
    _line("10:07:00", "0100032002", 'logdesc="Admin login failed" action="login" status="failed" '
          'user="z subtype=vpn action=tunnel-up tunnelid=5 remip=1.1.1.1" srcip=203.0.113.97 reason="name_invalid"',
          sub="system"),
]) + "\n"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_names_typed_by_anyone_set_no_other_key(tmp_path: Path) -> None:
    log = tmp_path / "fgt.log"
    log.write_text(SPOOFED, encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "fortigate", log, "--out", out)
    assert result.code == 0, result.text
    events = _read(out / "remote_access_events.csv")
    got = [(e["kind"], e["account"], e["source_ip"], e["assigned_ip"], e["session_key"], e["duration_s"], e["reason"])
           for e in events]
    assert got == [
        ("session_start", "a duration=99999 remip=1.2.3.4 tunnelip=9.9.9.9 tunnelid=7", "203.0.113.10",
         "10.212.134.10", "FG100FTK20000001|root|101", "", ""),
        ("session_stats", r'a\" duration=1 reason=\"x', "203.0.113.10", "10.212.134.10", "FG100FTK20000001|root|101",
         "1800", ""),
        ("session_end", "a reason=idle-timeout duration=60", "203.0.113.10", "10.212.134.10",
         "FG100FTK20000001|root|101", "3600", "user-logout"),
        ("session_start", "erin assignip=6.6.6.6 tunnelid=999 tunnelip=7.7.7.7 remip=5.5.5.5", "198.51.100.20",
         "10.10.0.9", "FG100FTK20000001|root|88002", "", ""),
        ("login_failed", "x reason=sslvpn_login_successful remip=10.0.0.1 duration=5", "203.0.113.99", "",
         "FG100FTK20000001|root|0", "", "sslvpn_login_unknown_user"),
        ("login_failed", "y,reason=sslvpn_login_successful,remip=10.0.0.2", "203.0.113.98", "",
         "FG100FTK20000001|root|0", "", "sslvpn_login_permission_denied"),
    ]
    sessions = _read(out / "remote_sessions.csv")
    assert [(s["start_time"], s["end_time"], s["source_ip"], s["assigned_ip"]) for s in sessions] == [
        ("2026-11-02T08:00:00+08:00", "2026-11-02T09:00:00+08:00", "203.0.113.10", "10.212.134.10"),
        ("2026-11-02T10:00:00+08:00", "", "198.51.100.20", "10.10.0.9"),
    ]
