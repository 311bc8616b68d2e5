"""Third round of published samples (docs/sources.md, *Published sample logs tried*): each form ccaudit first read
wrongly, as a fixture written here from the format fact (own values, never the sample's text), asserting what an
auditor would check: the user, the instant, the address, the kind, the device and its owner."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _parse(tmp_path: Path, name: str, text: str, *args: str, source: str = "auto") -> tuple[Path, str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", source, path, "--out", out, *args)
    assert result.code == 0, result.text
    return out, result.text


def _events(out: Path) -> list[dict[str, str]]:
    return _rows(out / "remote_access_events.csv")


def _report(out: Path, name: str = "parse_report.json") -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((out / name).read_text(encoding="utf-8"))
    return loaded


def _status_v1(clients: int) -> str:
    # status-version 1 (the default): only the section headers name the format; a client row is 'CN,ADDR:PORT,
    # bytes,bytes,ctime', a routing row 'VIRTUAL,CN,ADDR:PORT,ctime'
    rows = [f"user{n:02d}@corp.example.com,198.51.100.{n}:{40000 + n},{1000 * n},{2000 * n},"
            f"Mon Nov  2 08:{n:02d}:00 2026" for n in range(1, clients + 1)]
    routes = [f"10.8.0.{n + 1},user{n:02d}@corp.example.com,198.51.100.{n}:{40000 + n},Mon Nov  2 09:00:00 2026"
              for n in range(1, clients + 1)]
    return "\n".join(["OpenVPN CLIENT LIST", "Updated,Mon Nov  2 09:00:05 2026",
                      "Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since", *rows,
                      "ROUTING TABLE", "Virtual Address,Common Name,Real Address,Last Ref", *routes,
                      "GLOBAL STATS", "Max bcast/mcast queue length,0", "END"]) + "\n"


def test_openvpn_status_v1_with_many_clients_is_recognised(tmp_path: Path) -> None:
    # a version 1 status file of a busy server is mostly client and routing rows, which name no section: its
    # few header lines alone were under the share a format must fit, so it was refused even when named
    out, said = _parse(tmp_path, "openvpn-status.log", _status_v1(12), "--tz", "Asia/Taipei")
    starts = [e for e in _events(out) if e["kind"] == "session_start"]
    assert len(starts) == 12 and "openvpn-status" in said
    assert (starts[0]["account"], starts[0]["source_ip"], starts[0]["assigned_ip"], starts[0]["utc_time"]) == (
        "user01@corp.example.com", "198.51.100.1", "10.8.0.2", "2026-11-02T00:01:00Z")
    named = ccaudit("sources", "parse", "openvpn-status", tmp_path / "openvpn-status.log", "--out", tmp_path / "n")
    assert named.code == 0, named.text


def test_openvpn_status_v1_bridged_client_has_no_mac_for_an_address(tmp_path: Path) -> None:
    # a bridged (dev tap) server's routing table names a client by its MAC address: not an IPv6 address;
    # cached routes end in 'C'; a client routing a subnet (iroute) has it there too
    text = "\n".join([
        "OpenVPN CLIENT LIST", "Updated,Mon Nov  2 09:00:05 2026",
        "Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since",
        "carol,203.0.113.40:50001,10,20,Mon Nov  2 08:30:00 2026",
        "dave,203.0.113.41:50002,10,20,Mon Nov  2 08:31:00 2026",
        "ROUTING TABLE", "Virtual Address,Common Name,Real Address,Last Ref",
        "0a:1b:2c:3d:4e:5f,carol,203.0.113.40:50001,Mon Nov  2 09:00:00 2026",
        "10.30.0.0/24,dave,203.0.113.41:50002,Mon Nov  2 09:00:00 2026",
        "10.8.0.9C,dave,203.0.113.41:50002,Mon Nov  2 09:00:00 2026",
        "10.8.0.10,dave,203.0.113.41:50002,Mon Nov  2 09:00:00 2026",
        "GLOBAL STATS", "END"]) + "\n"
    out, _ = _parse(tmp_path, "openvpn-status.log", text, "--tz", "Asia/Taipei")
    assert sorted((e["account"], e["assigned_ip"]) for e in _events(out) if e["kind"] == "session_start") == [
        ("carol", ""), ("dave", "10.8.0.10")]


def test_openvpn_access_server_log_sent_to_syslog(tmp_path: Path) -> None:
    # Access Server writing its log to syslog: the relay's header (local time, no year), then Twisted's
    # '[-] OVPN n OUT: ...' with no time of its own, the core's line quoted with the core's time (UTC, which is
    # dropped: the header's time is read); 2.4+ name the assigned address in 'MULTI: primary virtual IP for'
    lines = [
        "Nov  2 08:15:01 vpn-as openvpnas: [-] OVPN 0 OUT: \"Mon Nov  2 00:15:01 2026 203.0.113.7:51642 TLS: "
        "Username/Password authentication succeeded for username 'alice'\"",
        "Nov  2 08:15:02 vpn-as openvpnas: [-] OVPN 0 OUT: 'Mon Nov  2 00:15:02 2026 203.0.113.7:51642 [alice] "
        "Peer Connection Initiated with [AF_INET]203.0.113.7:51642'",
        "Nov  2 08:15:02 vpn-as openvpnas: [-] OVPN 0 OUT: 'Mon Nov  2 00:15:02 2026 alice/203.0.113.7:51642 "
        "MULTI: primary virtual IP for alice/203.0.113.7:51642: 172.27.224.5'",
        "Nov  2 09:00:01 vpn-as openvpnas: [-] OVPN 1 OUT: \"Mon Nov  2 01:00:01 2026 198.51.100.66:50000 "
        "SENT CONTROL [mallory]: 'AUTH_FAILED' (status=1)\"",
        "Nov  2 17:30:00 vpn-as openvpnas: [-] OVPN 0 OUT: 'Mon Nov  2 09:30:00 2026 alice/203.0.113.7:51642 "
        "SIGTERM[soft,remote-exit] received, client-instance exiting'",
    ]
    out, _ = _parse(tmp_path, "openvpnas.log", "\n".join(lines) + "\n", "--tz", "Asia/Taipei", "--year", "2026")
    assert [(e["kind"], e["account"], e["source_ip"], e["assigned_ip"], e["utc_time"]) for e in _events(out)] == [
        ("session_start", "alice", "203.0.113.7", "172.27.224.5", "2026-11-02T00:15:02Z"),
        ("login_failed", "mallory", "198.51.100.66", "", "2026-11-02T01:00:01Z"),
        ("session_end", "alice", "203.0.113.7", "", "2026-11-02T09:30:00Z")]
