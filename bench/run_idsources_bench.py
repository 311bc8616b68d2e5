"""Throughput of `ccaudit sources parse` on identity exports: Windows Security events and Entra ID sign-ins.

    .venv/bin/python bench/run_idsources_bench.py [--events 200000] [--keep DIR]

Generates, for N events (a quarter of them Remote Desktop logons and log-offs, the rest network logons and
other events):
  security.jsonl      evtx_dump -o jsonl (one event per line)
  security-utf16.csv  Event Viewer's CSV (multi-line messages) saved as UTF-16, so the parse streams it to UTF-8
                      first
  signins.csv         Entra's portal download (Date (UTC), ..., 50 columns), N sign-ins
and parses each in a fresh process (ccaudit.rawsources.parse.parse, without the CLI's start), reading its peak
RSS and CPU time from the kernel (wait4). Prints wall and CPU seconds, records/s and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
PARSER = """
import sys
from pathlib import Path
from ccaudit.rawsources.parse import ParseRequest, parse
report = parse(ParseRequest(source=sys.argv[1], files=(Path(sys.argv[2]),), out=Path(sys.argv[3]),
                            zone="Asia/Taipei", zone_origin="benchmark", gateway="TS01"))
f = report["files"][0]
print(f["lines_read"], f["recognised"], f["encoding"])
"""

MESSAGE = ("An account was successfully logged on.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tS-1-5-18\r\n"
           "\tAccount Name:\t\tTS01$\r\n\tAccount Domain:\t\tCORP\r\n\tLogon ID:\t\t0x3E7\r\n\r\n"
           "Logon Information:\r\n\tLogon Type:\t\t{type}\r\n\r\nNew Logon:\r\n\tSecurity ID:\t\tCORP\\{user}\r\n"
           "\tAccount Name:\t\t{user}\r\n\tAccount Domain:\t\tCORP\r\n\tLogon ID:\t\t{lid}\r\n\r\n"
           "Network Information:\r\n\tWorkstation Name:\tNB-1\r\n\tSource Network Address:\t203.0.113.{ip}\r\n"
           "\tSource Port:\t\t0")


def _events(n: int) -> list[tuple[int, int, str, str, int]]:
    rng = random.Random(2026)
    out = []
    for i in range(n):
        kind = rng.random()
        event_id, logon_type = (4624, 10) if kind < 0.125 else (4634, 10) if kind < 0.25 else (4624, 3)
        out.append((event_id, logon_type, f"u{rng.randrange(500)}", hex(0x10000 + i // 2), i))
    return out


def generate(folder: Path, n: int) -> dict[str, Path]:
    events = _events(n)
    jsonl, csv_path, signins = folder / "security.jsonl", folder / "security-utf16.csv", folder / "signins.csv"
    with jsonl.open("w", encoding="utf-8") as fh:
        for event_id, logon_type, user, lid, i in events:
            fh.write(json.dumps({"Event": {"System": {"EventID": event_id, "TimeCreated": {"#attributes": {
                "SystemTime": f"2026-11-02T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}.000000Z"}},
                "Computer": "TS01"}, "EventData": {"TargetUserName": user, "TargetDomainName": "CORP",
                                                   "TargetLogonId": lid, "LogonType": logon_type,
                                                   "IpAddress": f"203.0.113.{i % 250}"}}}) + "\n")
    with csv_path.open("w", encoding="utf-16", newline="") as fh:
        fh.write("Keywords,Date and Time,Source,Event ID,Task Category\r\n")
        for event_id, logon_type, user, lid, i in events:
            message = MESSAGE.format(type=logon_type, user=user, lid=lid, ip=i % 250).replace('"', '""')
            fh.write(f'Audit Success,11/20/2026 {i // 3600 % 12 + 1}:{i // 60 % 60:02d}:{i % 60:02d} AM,'
                     f'Microsoft-Windows-Security-Auditing,{event_id},Logon,"{message}"\r\n')
    header = ["Date (UTC)", "Request ID", "User agent", "Correlation ID", "User ID", "User", "Username"] + [
        f"Column {k}" for k in range(35)] + ["IP address", "Location", "Status", "Sign-in error code",
                                             "Multifactor authentication auth method", "Authentication requirement",
                                             "Conditional Access"]
    with signins.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(header) + "\r\n")
        for _, _, user, _, i in events:
            cells = [f"2026-11-02T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z", f"{i:08x}-0000-0000-0000-0",
                     "Mozilla/5.0", "c", "d", user, f"{user}@corp.example.com"] + [""] * 35 + [
                f"203.0.113.{i % 250}", '"Taipei, Taipei, TW"', "Success", "0", "Mobile app notification",
                "Multifactor authentication", "Success"]
            fh.write(",".join(cells) + "\r\n")
    return {"windows-security json": jsonl, "windows-security csv utf-16": csv_path, "entra-signins csv": signins}


def run(source: str, path: Path, out: Path) -> tuple[float, float, int, str]:
    start = time.perf_counter()
    proc = subprocess.Popen([PY, "-c", PARSER, source, str(path), str(out)], stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    printed = proc.stdout.read().strip() if proc.stdout else ""
    if status != 0:
        raise SystemExit(f"{source} {path}: the parse failed")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, printed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, help="write the generated files here and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="idsources-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        files = generate(folder, args.events)
        print(f"{'input':30} {'MB':>7} {'lines':>10} {'records':>9} {'wall s':>7} {'cpu s':>6} {'records/s':>10} "
              f"{'peak RSS MiB':>12}")
        for label, path in files.items():
            wall, cpu, rss, printed = run(label.split()[0], path, folder / f"out-{path.stem}")
            lines, recognised, _encoding = printed.split()
            print(f"{label:30} {path.stat().st_size / 1e6:7.1f} {int(lines):10d} {args.events:9d} {wall:7.2f} "
                  f"{cpu:6.2f} {args.events / wall:10.0f} {rss / (1 << 20):12.0f}  ({recognised} events)")


if __name__ == "__main__":
    main()
