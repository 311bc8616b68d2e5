"""Device-management exports at a large firm's size: monthly Intune DevicesWithInventory exports of the same
devices plus an AppInvRawData report, read together by `sources parse` (rawsources/mdm.py, the code `inspect` runs
for device exports in an evidence folder), against DuckDB's own time to read the same files (the floor).

    .venv/bin/python bench/mdm_exports_bench.py [--devices 50000] [--months 2] [--apps 5]

Each step runs in a fresh subprocess and reports its CPU seconds, wall seconds and peak RSS (VmHWM)."""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = ("Device ID,Device name,Managed by,Ownership,Compliance,OS,OS version,Last check-in,Primary user UPN,"
          "Primary user display name,Serial number,IMEI,Model,Manufacturer,Enrollment date\n")
APPS = ("ApplicationKey,ApplicationName,ApplicationPublisher,ApplicationShortVersion,ApplicationVersion,DeviceId,"
        "DeviceName,OSDescription,OSVersion,Platform,UserId,EmailAddress,UserName\n")


def generate(folder: Path, devices: int, months: int, apps: int) -> list[Path]:
    rng = random.Random(2026)
    files = []
    for m in range(months):
        path = folder / f"DevicesWithInventory_2026-{m + 1:02d}-28.csv"
        with path.open("w", encoding="utf-8") as fh:
            fh.write(HEADER)
            for i in range(devices):
                if m and i % 50 == 0:  # returned between exports
                    continue
                holder = (i + (m if i % 7 == 0 else 0)) % (devices * 4 // 5)  # some hand-overs
                owner = "Corporate" if i % 3 else "Personal"
                fh.write(f"id-{i},DEV-{i},Intune,{owner},Compliant,iOS/iPadOS,18,2026-{m + 1:02d}-"
                         f"{28 - rng.randint(0, 5):02d} 0{rng.randint(0, 9)}:00:00.0000000,u{holder}@corp.example,U,"
                         f"SER{i:07d},,iPhone 15,Apple,2025-0{1 + i % 9}-01 10:00:00.0000000\n")
        files.append(path)
    path = folder / "AppInvRawData.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(APPS)
        for i in range(devices):
            for a in range(apps):
                fh.write(f"k{a},com.example.app{a + (7 if i % 11 == 0 else 0)},P,1.0,1.0,id-{i},DEV-{i},,18,iOS,u,"
                         "u@corp.example,U\n")
    return [*files, path]


CHILD = """
import json, resource, sys, time
from pathlib import Path
step, files, out = sys.argv[1], [Path(p) for p in sys.argv[2].split("|")], Path(sys.argv[3])
t = time.perf_counter()
if step == "floor":
    import duckdb
    con = duckdb.connect()
    for i, f in enumerate(files):
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv('{f}', header=true, all_varchar=true)")
else:
    from ccaudit.rawsources.mdm import MdmRequest, parse_mdm
    parse_mdm(MdmRequest(source="intune", files=tuple(files), out=out, zone="Asia/Taipei", zone_origin="bench"))
wall = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_SELF)
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": hwm / 1024}))
"""


def run(step: str, files: list[Path], out: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, step, "|".join(map(str, files)), str(out)],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=50_000)
    ap.add_argument("--months", type=int, default=2)
    ap.add_argument("--apps", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ccaudit-mdm-bench-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        files = generate(folder, args.devices, args.months, args.apps)
        records = args.devices * args.months + args.devices * args.apps
        print(f"generated {len(files)} files, about {records:,} records, in {time.perf_counter() - t:.1f} s")
        floor = run("floor", files, folder / "out")
        parsed = run("parse", files, folder / "out")
        print(f"{'step':<34}{'wall s':>9}{'CPU s':>9}{'peak RSS MiB':>14}")
        for name, r in (("DuckDB read_csv of the files", floor), ("sources parse (mdm.py)", parsed)):
            print(f"{name:<34}{r['wall']:>9.2f}{r['cpu']:>9.2f}{r['rss_mib']:>14.0f}")
        print(f"parse / floor: {parsed['cpu'] / floor['cpu']:.1f}x CPU, {parsed['wall'] / floor['wall']:.1f}x wall")
        report = json.loads((folder / "out" / "device_parse_report.json").read_text(encoding="utf-8"))
        d = report["devices"]
        print(f"{d['corporate']:,} company and {d['personal']:,} personal devices, {d['superseded']:,} records "
              f"superseded, {report['apps']['apps']:,} apps")


if __name__ == "__main__":
    main()
