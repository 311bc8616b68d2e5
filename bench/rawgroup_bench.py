"""What reading an evidence folder's rotated gateway logs together costs `ccaudit inspect` (issue 11).

    .venv/bin/python bench/rawgroup_bench.py [--lines 1000000] [--files 3] [--vpn-share 0.2] [--repeat 1]

Generates a FortiGate log (bench/fortigate_log.py) and cuts it into --files rotations by line count (sessions
open across each cut), then runs, each in a fresh process whose peak RSS is read from the kernel (wait4):
  alone     every rotation parsed on its own (ccaudit.rawsources.parse.parse once per file): what inspect did
            before raw exports were grouped; its sessions cut by rotation come out twice, open and placed by
            their duration
  together  the rotations parsed at once (parse with every file): what `sources parse fortigate A B C` runs
  group     what inspect runs now (rawsources.evidence.derive_group): the same parse, then its outputs cut per
            raw file (the cut: `group` - `together`)
Prints wall and CPU seconds, peak RSS and the sessions each wrote. On a shared machine read the CPU seconds.
--compress gz|bz2|xz|zst compresses every rotation but the newest as logrotate leaves them (fgt.log.1.gz), so the
same log read from compressed rotations (rawsources/compressed.py: decompressed streaming, checksums verified) can
be set against a run without it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
GIB = 1 << 30

ALONE = """
import csv, sys
from pathlib import Path
from ccaudit.rawsources.parse import ParseRequest, parse
n = 0
for i, f in enumerate(sys.argv[2:]):
    report = parse(ParseRequest(source="fortigate", files=(Path(f),), out=Path(sys.argv[1]) / str(i),
                                zone="Asia/Taipei", zone_origin="benchmark"))
    n += report["sessions"]["sessions"]
print(n)
"""

TOGETHER = """
import sys
from pathlib import Path
from ccaudit.rawsources.parse import ParseRequest, parse
report = parse(ParseRequest(source="fortigate", files=tuple(Path(f) for f in sys.argv[2:]), out=Path(sys.argv[1]),
                            zone="Asia/Taipei", zone_origin="benchmark"))
print(report["sessions"]["sessions"])
"""

GROUP = """
import sys
from pathlib import Path
from ccaudit.rawsources.evidence import Group, RawMember, derive_group
members = [RawMember(path=Path(f), rel=Path(f).name, source="fortigate", zone="Asia/Taipei", zone_origin="benchmark")
           for f in sys.argv[2:]]
derived = derive_group(Group(members), None)
print(sum(d.report["sessions"]["sessions"] for d in derived.values()))
"""


def timed(cmd: list[str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user + system), peak RSS (GiB) and output of one run in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    out = proc.stdout.read().decode().strip() if proc.stdout else ""
    if status != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{' '.join(cmd[:2])} failed: {err}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024 / GIB, out


def _split(log: Path, parts: int) -> list[Path]:
    """The log as `parts` rotations, oldest first (fgt.log.2, fgt.log.1, fgt.log), cut by line count."""
    total = sum(1 for _ in log.open("rb"))
    size = -(-total // parts)
    names = [log.with_name(f"fgt.log.{parts - 1 - i}" if i < parts - 1 else "fgt.log") for i in range(parts)]
    with log.open("rb") as src:
        for name in names:
            with name.open("wb") as dst:
                for _ in range(size):
                    line = src.readline()
                    if not line:
                        break
                    dst.write(line)
    return names


def _compress(path: Path, kind: str) -> Path:
    """The file compressed as `kind` (gzip and xz at their tools' default levels), the plain file removed."""
    import bz2
    import gzip
    import lzma
    import shutil

    target = path.with_name(f"{path.name}.{kind}")
    with path.open("rb") as src:
        if kind == "zst":
            import zstandard

            with target.open("wb") as raw, zstandard.ZstdCompressor(write_checksum=True).stream_writer(raw) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        else:
            module = {"gz": gzip, "bz2": bz2, "xz": lzma}[kind]
            with module.open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    path.unlink()
    return target


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--files", type=int, default=3)
    ap.add_argument("--vpn-share", type=float, default=0.2)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--compress", choices=("gz", "bz2", "xz", "zst"), default=None)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ccaudit-rawgroup-bench-"))
    log = work / "whole.log"
    subprocess.run([PY, str(HERE / "fortigate_log.py"), str(log), "--lines", str(args.lines),
                    "--vpn-share", str(args.vpn_share)], check=True)
    files = [str(p) for p in _split(log, args.files)]
    log.unlink()
    if args.compress:
        files = [str(_compress(Path(f), args.compress)) for f in files[:-1]] + files[-1:]
        print(f"rotations but the newest compressed ({args.compress}): "
              f"{sum(Path(f).stat().st_size for f in files[:-1]) / 1e6:,.1f} MB", flush=True)
    print(f"{args.lines:,} lines in {args.files} rotations; load average before: {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores", flush=True)
    steps = {"alone": ALONE, "together": TOGETHER, "group": GROUP}
    print(f"{'step':9} {'wall s':>8} {'CPU s':>8} {'peak RSS GiB':>13} {'sessions':>10}")
    for name, code in steps.items():
        runs = [timed([PY, "-c", code, str(work / f"{name}-{i}"), *files]) for i in range(args.repeat)]
        print(f"{name:9} {statistics.median(r[0] for r in runs):8.2f} {statistics.median(r[1] for r in runs):8.2f} "
              f"{max(r[2] for r in runs):13.2f} {runs[0][3]:>10}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
