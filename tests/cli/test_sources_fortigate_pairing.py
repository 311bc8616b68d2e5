"""Sessions paired from a generated FortiGate log against the pairing rules worked out in plain Python: tunnel IDs
reused by several sessions, statistics before a start (a session cut by log rotation), starts without an end,
several ends, and values a start does not carry that a later line does (the address handed out, the source
address), so the session takes the first one logged."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.cli.inprocess import ccaudit

START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
ORDER = {"tunnel-up": 0, "tunnel-stats": 1, "tunnel-down": 2}
KINDS = {"tunnel-up": "session_start", "tunnel-stats": "session_stats", "tunnel-down": "session_end",
         "ssl-login-fail": "login_failed"}


@dataclass
class Line:
    no: int
    at: datetime
    action: str
    tunnel: int
    user: str | None
    remip: str | None
    tunnelip: str | None
    duration: int | None


def _generate(seed: int = 11, n: int = 400) -> list[Line]:
    rng = random.Random(seed)
    seconds = rng.sample(range(0, 5 * 86400), n)  # every line at its own second: no ties to break
    lines = []
    for no, sec in enumerate(seconds, 1):
        action = rng.choices(list(KINDS), weights=[4, 3, 4, 1])[0]
        tunnel = rng.randint(1, 25)  # few tunnel IDs: each is reused by several sessions
        user = f"u{tunnel % 7}" if action != "tunnel-up" or rng.random() > 0.05 else None
        lines.append(Line(no, START + timedelta(seconds=sec), action, tunnel,
                          user if action in ("tunnel-up", "ssl-login-fail") or rng.random() < 0.5 else None,
                          f"203.0.113.{tunnel}" if rng.random() < 0.8 else None,
                          f"10.212.134.{rng.randint(1, 250)}" if rng.random() < 0.6 else None,
                          rng.randint(0, 7200) if action != "tunnel-up" and rng.random() < 0.7 else None))
    return lines


def _text(lines: list[Line]) -> str:
    out = []
    for ln in lines:
        wall = ln.at + timedelta(hours=8)
        fields = [f"date={wall:%Y-%m-%d}", f"time={wall:%H:%M:%S}", 'devname="FGT-HQ-01"', 'devid="FG100FTK20000001"',
                  f"eventtime={int(ln.at.timestamp()) * 1_000_000_000}", 'tz="+0800"', 'logid="0101039947"',
                  'type="event"', 'subtype="vpn"', 'vd="root"', f'action="{ln.action}"', 'tunneltype="ssl-tunnel"',
                  f"tunnelid={ln.tunnel}", f"remip={ln.remip or 'N/A'}"]
        if ln.tunnelip:
            fields.append(f"tunnelip={ln.tunnelip}")
        fields.append(f'user="{ln.user or "N/A"}"')
        if ln.duration is not None:
            fields.append(f"duration={ln.duration}")
        out.append(" ".join(fields))
    return "\n".join(out) + "\n"


def _iso(t: datetime | None, zone: timedelta = timedelta(hours=8)) -> str:
    return "" if t is None else (t + zone).strftime("%Y-%m-%dT%H:%M:%S") + "+08:00"


def _expected_sessions(lines: list[Line]) -> list[dict[str, str]]:
    """The pairing rules: per tunnel, in time order (a start first among equal times), each start opens a segment
    and the segment's first end closes it; lines before a tunnel's first start form a segment placed by the
    logged duration; each value is the first one logged in the segment."""
    usable = [ln for ln in lines if ln.action in ORDER and not (ln.action == "tunnel-up" and ln.user is None)]
    rows = []
    for tunnel in sorted({ln.tunnel for ln in usable}):
        segs: dict[int, list[Line]] = {}
        seg = 0
        for ln in sorted((x for x in usable if x.tunnel == tunnel), key=lambda x: (x.at, ORDER[x.action], x.no)):
            seg += ln.action == "tunnel-up"
            segs.setdefault(seg, []).append(ln)
        for seg, evs in segs.items():
            start = evs[0] if seg > 0 else None
            ends = [e for e in evs if e.action == "tunnel-down"]
            by_duration = [e.at - timedelta(seconds=e.duration) for e in evs if e.duration is not None]
            s_utc = start.at if start else (min(by_duration) if by_duration else None)
            if s_utc is None:
                continue  # not placed: not written
            note = ("start derived from the logged duration: the start line is not in the files (log rotation)"
                    if seg == 0 else
                    "no end line in the files (still connected when the log ends, or cut by log rotation)"
                    if not ends else "several end lines for one start; the first is used" if len(ends) > 1 else "")

            def first(attr: str, evs: list[Line] = evs) -> str:
                return next((getattr(e, attr) for e in evs if getattr(e, attr)), None) or ""
            key = f"FG100FTK20000001|root|{tunnel}"
            rows.append({
                "session_id": f"{key}@{s_utc:%Y-%m-%dT%H:%M:%S}Z", "person_id": first("user").lower(),
                "start_time": _iso(s_utc), "end_time": _iso(min(e.at for e in ends) if ends else None),
                "source_ip": first("remip"), "assigned_ip": first("tunnelip"), "account": first("user"),
                "source_line": str(start.no if start else evs[0].no), "note": note})
    return sorted(rows, key=lambda r: (r["start_time"], r["session_id"]))


def test_sessions_of_a_generated_log_follow_the_pairing_rules(tmp_path: Path) -> None:
    lines = _generate()
    log = tmp_path / "fgt.log"
    log.write_text(_text(lines), encoding="utf-8")
    result = ccaudit("sources", "parse", "fortigate", log, "--out", tmp_path / "out")
    assert result.code == 0, result.text
    with (tmp_path / "out" / "remote_sessions.csv").open(encoding="utf-8", newline="") as fh:
        got = [{k: r[k] for k in ("session_id", "person_id", "start_time", "end_time", "source_ip", "assigned_ip",
                                  "account", "source_line", "note")} for r in csv.DictReader(fh)]
    expected = _expected_sessions(lines)
    assert len(expected) > 60 and any(r["note"].startswith("start derived") for r in expected)
    assert any(r["note"].startswith("several end") for r in expected)
    assert got == expected  # the same rows in the same order (start time, then session ID)
    with (tmp_path / "out" / "remote_access_events.csv").open(encoding="utf-8", newline="") as fh:
        events = [(r["kind"], r["utc_time"], r["source_line"]) for r in csv.DictReader(fh)]
    usable = [ln for ln in lines if not (ln.action == "tunnel-up" and ln.user is None)]
    assert events == [(KINDS[ln.action], f"{ln.at:%Y-%m-%dT%H:%M:%S}Z", str(ln.no))
                      for ln in usable]  # in the lines' order
