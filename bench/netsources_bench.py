"""Throughput of the GlobalProtect, Cisco ASA and OpenVPN parsers against DuckDB's own time to read the lines.

    .venv/bin/python bench/netsources_bench.py [--lines 1000000] [--traffic 0.9] [--only globalprotect,cisco-asa,...]

For each source, writes a log of about --lines lines by repeating its fixture (tests/cli/fixtures/netsources)
with the users renamed per copy (so sessions stay distinct and nothing is a duplicate), then, each in a fresh
subprocess that reports its own peak RSS:
  floor   DuckDB reading the file's lines (ccaudit.rawsources.sqlkit.read_lines_floor_sql)
  parse   ccaudit.rawsources.parse.parse on the file: events, sessions, report written
--traffic F makes that share of the lines the source's everyday noise (a TRAFFIC log, an ASA connection
message 302013, an OpenVPN 'peer info' line), as in a real firewall's file; 0 leaves the fixtures alone, nearly
all session events (the worst case). Prints lines/s, the ratio parse / floor and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "tests" / "cli" / "fixtures" / "netsources"
PY = sys.executable
SOURCES = {
    "globalprotect": ["globalprotect-panos10.csv.log", "globalprotect-system-legacy.log", "globalprotect-cef.log"],
    "cisco-asa": ["cisco-asa-legacy-timestamp.log"],
    "openvpn-log": ["openvpn-2.6-server.log", "openvpn-2.4-server.log"],
}
# a line of each source that is no session event, repeated for --traffic
NOISE = {"globalprotect": ",TRAFFIC,", "cisco-asa": "%ASA-6-302013", "openvpn-log": " peer info: "}
# the user, CN and machine names of the fixtures: renamed per copy
NAMES = re.compile(r"\b(alice|bob|carol|dave|erin|frank|mallory|chen|wang)(?=[-@\s'>,.|\\\"]|$)", re.IGNORECASE)

STEP = """
import json, sys, time
from pathlib import Path
start = time.perf_counter()
if sys.argv[1] == "floor":
    from ccaudit.rawsources.sqlkit import connect, read_lines_floor_sql
    connect().execute(read_lines_floor_sql(Path(sys.argv[2]))).fetchall()
else:
    from ccaudit.rawsources.parse import ParseRequest, parse
    report = parse(ParseRequest(source=sys.argv[1], files=(Path(sys.argv[2]),), out=Path(sys.argv[3]),
                                zone="Asia/Taipei", zone_origin="bench"))
seconds = time.perf_counter() - start
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) * 1024
print(json.dumps({"seconds": seconds, "rss": rss}))
"""


def write_log(path: Path, source: str, lines: int, traffic: float = 0.0) -> int:
    text = [line for name in SOURCES[source] for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines()]
    if traffic:
        noise = next(line for line in text if NOISE[source] in line)
        text = [x for line in text for x in [line] + [noise] * round(traffic / (1 - traffic))]
    written = 0
    with path.open("w", encoding="utf-8") as out:
        copy = 0
        while written < lines:
            suffix = rf"\g<1>{copy}"
            out.write("".join(NAMES.sub(suffix, line) + "\n" for line in text))
            written += len(text)
            copy += 1
    return written


def run(step: str, *args: str) -> dict[str, float]:
    done = subprocess.run([PY, "-c", STEP, step, *args], check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--traffic", type=float, default=0.0)
    parser.add_argument("--only", default=",".join(SOURCES))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ccaudit-netsources-bench-"))
    print(f"{'source':15} {'lines':>10} {'floor s':>8} {'parse s':>8} {'lines/s':>10} {'ratio':>6} {'peak RSS':>9}")
    for source in args.only.split(","):
        log = work / f"{source}.log"
        n = write_log(log, source, args.lines, args.traffic)
        floor = run("floor", str(log))
        parsed = run(source, str(log), str(work / f"out-{source}"))
        print(f"{source:15} {n:>10} {floor['seconds']:>8.2f} {parsed['seconds']:>8.2f} "
              f"{n / parsed['seconds']:>10.0f} {parsed['seconds'] / floor['seconds']:>6.1f} "
              f"{parsed['rss'] / (1 << 20):>7.0f}MB")
        log.unlink()


if __name__ == "__main__":
    main()
