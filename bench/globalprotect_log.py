"""A synthetic GlobalProtect log as a firewall's syslog server keeps it: PAN-OS GLOBALPROTECT lines in the CSV syslog
format (9.1.3-11.x layout, behind a BSD syslog header), mostly the steps of a connection (prelogin, portal and
gateway authentication, getconfig, HIP reports, tunnel latency), with session events among them
(gateway-connected, gateway-logout, gateway-config-release, failed gateway-auth) and, optionally, TRAFFIC lines.

    .venv/bin/python bench/globalprotect_log.py OUT.log --lines 2000000 [--session-share 0.1] [--traffic 0] [--seed 7]

Used to measure the parse's peak RSS against the file's size (docs/sources.md, Performance); about 390 bytes a line,
so 2.5M lines are ~1 GB.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

STEPS = ("prelogin", "portal-auth", "portal-getconfig", "gateway-auth", "gateway-getconfig", "gateway-hip-report",
         "gateway-hip-check", "gateway-tunnel-latency", "portal-prelogin", "gateway-prelogin")
SESSION = ("gateway-connected", "gateway-logout", "gateway-config-release", "gateway-auth")


def _line(rng: random.Random, i: int, event: str, status: str) -> str:
    s = i // 20  # twenty lines a second, from 2026-11-02 00:00:00 wall time
    day, hh, mm, ss = 2 + s // 86400, (s // 3600) % 24, (s // 60) % 60, s % 60
    wall = f"2026/11/{day:02d} {hh:02d}:{mm:02d}:{ss:02d}"
    iso = f"2026-11-{day:02d}T{hh:02d}:{mm:02d}:{ss:02d}.{rng.randrange(1000):03d}+08:00"
    u = rng.randrange(5000)
    return (f"<14>Nov {day:2d} {hh:02d}:{mm:02d}:{ss:02d} PA-3220 1,{wall},012801096514,GLOBALPROTECT,0,2561,{wall},"
            f"vsys1,{event},{'connected' if event == 'gateway-connected' else 'before-login'},LDAP,SSL,"
            f"CORP\\u{u:05d},TW,NB-{u:05d},203.0.{u // 250}.{u % 250},0.0.0.0,10.31.{u // 250}.{u % 250},0.0.0.0,"
            f"1f2e3d4c-{u:05d},PF1XYZ{u:05d},6.2.1,Microsoft Windows,\"Microsoft Windows 11 Pro , 64-bit\",1,,,,"
            f"{status},Taipei,{rng.randrange(30000) if event == 'gateway-logout' else 0},user-logon,0,GP-Portal,"
            f"{7290471224 + i},0x8000000000000000,{iso},,,,,GP-GW-TPE,0,0,0,0,,PA-3220,1,")


_TRAFFIC = ("<14>Nov  2 08:15:02 PA-3220 1,2026/11/02 08:15:02,012801096514,TRAFFIC,end,2561,2026/11/02 08:15:02,"
            "10.31.0.12,198.51.100.9,203.0.113.1,198.51.100.9,allow-web,corp\\u00001,,ssl,vsys1,trust,untrust,"
            "ethernet1/2,ethernet1/1,fwd,2026/11/02 08:15:02,41771,1,51234,443,40001,443,0x400053,tcp,allow,5824,"
            "1302,4522,18,2026/11/02 08:14:47,14,computer-and-internet-info,0,7290471299,0x0,10.0.0.0-10.255.255.255,"
            "United States,0,10,8,tcp-fin,0,0,0,0,,PA-3220,from-policy,,,0,,0,,N/A,0,0,0,0")


def write(path: Path, lines: int, session_share: float, traffic: float, seed: int) -> None:
    rng = random.Random(seed)
    block: list[str] = []
    with path.open("w", encoding="utf-8") as out:
        for i in range(lines):
            r = rng.random()
            if r < traffic:
                block.append(_TRAFFIC)
            elif r < traffic + session_share * (1 - traffic):
                event = rng.choice(SESSION)
                block.append(_line(rng, i, event, "failure" if event == "gateway-auth" else "success"))
            else:
                block.append(_line(rng, i, rng.choice(STEPS), "success"))
            if len(block) == 100_000:
                out.write("\n".join(block) + "\n")
                block = []
        if block:
            out.write("\n".join(block) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--lines", type=int, default=2_000_000)
    ap.add_argument("--session-share", type=float, default=0.1, help="share of session events among GP lines")
    ap.add_argument("--traffic", type=float, default=0.0, help="share of TRAFFIC lines")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    write(args.out, args.lines, args.session_share, args.traffic, args.seed)


if __name__ == "__main__":
    main()
