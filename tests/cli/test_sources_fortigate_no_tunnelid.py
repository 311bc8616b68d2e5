"""FortiGate lines without `tunnelid=` (older FortiOS, some IPsec events): paired by the gateway, VDOM, tunnel type
and name, remote address and user, never two users' lines together, and said so in the report, on the session's
note, in what `sources parse` prints and in the inspection's warnings (en and zh-TW)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit


def _ssl(when: str, action: str, user: str, remip: str, extra: str = "") -> str:
    """An SSL-VPN tunnel event as a FortiOS without tunnelid= writes it (wall time, no eventtime)."""
    return (f'date=2026-11-02 time={when} devname="FGT-OLD" devid="FG60C3G10000001" logid="0101039947" type="event" '
            f'subtype="vpn" level="information" vd="root" action="{action}" tunneltype="ssl-tunnel" remip={remip} '
            f'user="{user}" {extra}msg="SSL tunnel"')


def _ipsec(when: str, action: str, user: str, tunnel: str, extra: str = "") -> str:
    """MESGID_CONN_UPDOWN of a dial-up IPsec tunnel (XAuth), without tunnelid= (FortiOS Log Message Reference:
    vpntunnel is the tunnel's name, a dial-up instance FCT_0, FCT_1, ...)."""
    return (f'date=2026-11-02 time={when} devname="FGT-OLD" devid="FG60C3G10000001" logid="0101037138" type="event" '
            f'subtype="vpn" level="notice" vd="root" action="{action}" tunneltype="dialup" remip=198.51.100.20 '
            f'remport=4500 vpntunnel="{tunnel}" xauthuser="{user}" {extra}msg="IPsec connection status changed"')


LOG = "\n".join([
    _ssl("08:15:02", "tunnel-up", "alice", "203.0.113.7"),
    # bob behind the same NAT address, up after alice and down before her: never alice's end
    _ssl("08:20:00", "tunnel-up", "bob", "203.0.113.7"),
    _ssl("09:00:00", "tunnel-down", "bob", "203.0.113.7", "duration=2400 "),
    _ssl("10:00:00", "tunnel-down", "ALICE", "203.0.113.7", "duration=6298 "),  # the name's case differs
    # carol's two dial-up tunnels at once from one address: told apart by their tunnel names
    _ipsec("11:00:00", "tunnel-up", "carol", "FCT_0"),
    _ipsec("11:05:00", "tunnel-up", "carol", "FCT_1"),
    _ipsec("12:00:00", "tunnel-down", "carol", "FCT_1", "duration=3300 "),
    _ipsec("12:30:00", "tunnel-down", "carol", "FCT_0", "duration=5400 "),
    # dave's tunnel goes down; mallory's end names another user only: no end of dave's
    _ssl("13:00:00", "tunnel-up", "dave", "203.0.113.9"),
    _ssl("13:30:00", "tunnel-down", "mallory", "203.0.113.9", "duration=1800 "),
    # an end naming no user at all cannot be paired by anything: malformed, with its reason
    'date=2026-11-02 time=14:00:00 devname="FGT-OLD" logid="0101039948" type="event" subtype="vpn" vd="root" '
    'action="tunnel-down" tunneltype="ssl-tunnel" remip=203.0.113.9 msg="SSL tunnel shutdown"',
    # a line with a tunnel ID beside them is keyed by it as before
    _ssl("15:00:00", "tunnel-up", "erin", "203.0.113.10", "tunnelid=77 "),
    _ssl("15:30:00", "tunnel-down", "erin", "203.0.113.10", "tunnelid=77 duration=1800 "),
]) + "\n"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _parse(tmp_path: Path, *args: str) -> tuple[list[dict[str, str]], dict[str, Any], str]:
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "fgt-old.log"
    path.write_text(LOG, encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "fortigate", path, "--out", out, "--tz", "Asia/Taipei", *args)
    assert result.code == 0, result.text
    report = json.loads((out / "parse_report.json").read_text(encoding="utf-8"))
    return _rows(out / "remote_sessions.csv"), report, result.out


def test_sessions_without_a_tunnel_id_pair_by_user_address_and_tunnel_never_across_users(tmp_path: Path) -> None:
    sessions, report, _ = _parse(tmp_path)
    got = sorted((s["account"], s["start_time"][11:19], s["end_time"][11:19] if s["end_time"] else "")
                 for s in sessions)
    assert got == [
        ("alice", "08:15:02", "10:00:00"),  # not bob's 09:00 end, though from the same address
        ("bob", "08:20:00", "09:00:00"),
        ("carol", "11:00:00", "12:30:00"),  # FCT_0
        ("carol", "11:05:00", "12:00:00"),  # FCT_1
        ("dave", "13:00:00", ""),  # mallory's end is not his: no end
        ("erin", "15:00:00", "15:30:00"),
        ("mallory", "13:00:00", "13:30:00"),  # her own session, its start placed by the logged duration
    ]
    mallory = next(s for s in sessions if s["account"] == "mallory")
    assert mallory["note"].startswith("start derived from the logged duration")
    f = report["files"][0]
    assert f["malformed_lines"] == [{"problem": "no tunnelid= and no user= to pair it by", "count": 1, "lines": [11],
                                     "code": "problem_no_tunnelid", "params": {}}]
    assert report["sessions"]["paired_without_tunnel_id"] == 4  # alice, bob, carol twice; not erin's (tunnelid=77)


def test_each_session_paired_without_a_tunnel_id_says_so_on_its_note(tmp_path: Path) -> None:
    sessions, _, _ = _parse(tmp_path)
    notes = {(s["account"], s["source_line"]): s["note"] for s in sessions}
    assert notes[("alice", "1")].startswith("paired without a tunnel ID (the line has no tunnelid=)")
    assert notes[("erin", "12")] == ""


def test_sources_parse_prints_the_count_in_english_and_chinese(tmp_path: Path) -> None:
    _, _, text = _parse(tmp_path)
    assert "4 sessions paired without a tunnel ID (lines without tunnelid=" in text
    _, _, zh = _parse(tmp_path / "zh", "--lang", "zh-TW")
    assert "4 筆連線未以通道識別碼配對" in zh
    assert "無 `tunnelid=`，亦無可據以配對之 `user=`（第 11 行）" in zh


def test_inspect_warns_of_sessions_paired_without_a_tunnel_id(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "fgt-old.log").write_text(LOG, encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results")
    assert result.code == 0, result.text
    assert "fgt-old.log: 4 session(s) paired without a tunnel ID" in result.text
