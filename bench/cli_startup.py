"""CPU time of light `ccaudit` commands, each in a fresh interpreter: user + system seconds of the child
(resource.getrusage of children), which a loaded machine changes far less than wall time. Prints the best and
the median of --repeat runs per command, and the heavy libraries each command loaded.

    .venv/bin/python bench/cli_startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

COMMANDS: list[list[str]] = [["--help"], ["catalog"], ["sources"], ["inspect", "--help"], ["audit", "--help"],
                             ["firm", "list"]]
HEAVY = ("sqlalchemy", "duckdb", "pyarrow", "sqlglot", "numpy", "weasyprint", "xlsxwriter")
_LOADED = ("import runpy, sys, json, atexit\n"
           "atexit.register(lambda: print(json.dumps([m for m in {heavy!r} if m in sys.modules]), file=sys.stderr))\n"
           "sys.argv = ['ccaudit', *{args!r}]\nrunpy.run_module('ccaudit', run_name='__main__')\n")


def cpu_of(args: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "ccaudit", *args], env=env, capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def loaded_by(args: list[str], env: dict[str, str]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _LOADED.format(heavy=HEAVY, args=args)], env=env,
                          capture_output=True, text=True, check=False)
    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "[]"
    try:
        names: list[str] = json.loads(last)
    except json.JSONDecodeError:
        return ["?"]
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    opts = parser.parse_args()
    src = Path(__file__).resolve().parents[1] / "src"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(src), "CCAUDIT_DATA_DIR": tmp, "CCAUDIT_DB": f"sqlite:///{tmp}/a.db",
               "CCAUDIT_USER": "bench", "COLUMNS": "100"}
        print(f"{'command':<22} {'best s':>7} {'median s':>9}  heavy libraries loaded")
        for args in COMMANDS:
            times = sorted(cpu_of(args, env) for _ in range(opts.repeat))
            print(f"{' '.join(args):<22} {times[0]:>7.2f} {statistics.median(times):>9.2f}  "
                  f"{', '.join(loaded_by(args, env)) or '-'}")


if __name__ == "__main__":
    main()
