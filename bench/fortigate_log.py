"""A synthetic FortiGate log as a gateway's syslog server keeps it: mostly traffic and other event lines,
with SSL-VPN and IPsec session events among them (tunnel-up / tunnel-stats / tunnel-down, login failures).

    .venv/bin/python bench/fortigate_log.py OUT.log --lines 10000000 [--vpn-share 0.2] [--seed 7]

Lines follow the FortiOS log message reference (key=value, strings quoted), behind a syslog <PRI> and a
relay's timestamp and host, with eventtime in nanoseconds and tz="+0800". Written in blocks with numpy,
so ten million lines take well under a minute.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

BLOCK = 200_000
START = 1_793_000_000  # 2026-10-26 UTC, seconds


def _block(rng: np.random.Generator, n: int, offset: int, vpn_share: float) -> list[str]:
    secs = START + (offset + np.arange(n)) // 20
    nanos = secs.astype(np.int64) * 1_000_000_000 + rng.integers(0, 999_999_999, n)
    users = rng.integers(0, 5000, n)
    tunnels = rng.integers(1, 2_000_000, n)
    kinds = rng.random(n)
    ports = rng.integers(1024, 65535, n)
    out: list[str] = []
    for i in range(n):
        s = int(secs[i]) + 8 * 3600
        hh, mm, ss = (s // 3600) % 24, (s // 60) % 60, s % 60
        day = 26 + (s - START - 8 * 3600) // 86400 if False else 0  # the date is kept per block below
        del day
        head = (f"<189>Nov  2 {hh:02d}:{mm:02d}:{ss:02d} relay01 date=2026-11-02 time={hh:02d}:{mm:02d}:{ss:02d} "
                f'devname="FGT-HQ-01" devid="FG100FTK20000001" eventtime={nanos[i]} tz="+0800" ')
        k = kinds[i]
        if k >= vpn_share:
            out.append(head + f'logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" '
                              f"srcip=10.1.{users[i] % 250}.{users[i] % 200 + 1} srcport={ports[i]} "
                              f'srcintf="port1" dstip=198.51.100.{users[i] % 250} dstport=443 dstintf="wan1" '
                              f'proto=6 action="accept" policyid=12 service="HTTPS" duration=12 sentbyte=1820 '
                              f"rcvdbyte=9921")
            continue
        action = ("tunnel-up", "tunnel-stats", "tunnel-down", "ssl-login-fail")[int(k / vpn_share * 4)]
        user = f"u{users[i]:05d}"
        out.append(head + f'logid="0101039947" type="event" subtype="vpn" level="information" vd="root" '
                          f'logdesc="SSL VPN tunnel up" action="{action}" tunneltype="ssl-tunnel" '
                          f'tunnelid={tunnels[i]} remip=203.0.113.{users[i] % 250} '
                          f'tunnelip=10.212.134.{users[i] % 250} '
                          f'user="{user}" group="VPN-Users" dst_host="N/A" reason="N/A" duration={ports[i] % 9000} '
                          f'sentbyte=1024 rcvdbyte=4096 msg="SSL tunnel established"')
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--vpn-share", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    with args.out.open("w", encoding="utf-8") as fh:
        done = 0
        while done < args.lines:
            n = min(BLOCK, args.lines - done)
            fh.write("\n".join(_block(rng, n, done, args.vpn_share)) + "\n")
            done += n


if __name__ == "__main__":
    main()
