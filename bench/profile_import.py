"""Where the import spends its time and memory: every statement the importer sends to DuckDB.

    .venv/bin/python bench/profile_import.py EVIDENCE_DIR [--top 25] [--memory-limit 1.5GB] [--threads 2]

Runs `import_folder` over EVIDENCE_DIR (e.g. run_bench.py's <data>/csv) into a scratch folder, with the
workspace connection wrapped so that each statement is measured: wall seconds, CPU seconds
(`time.process_time()`: all DuckDB threads) and the process's peak resident memory *during that
statement* (VmHWM of /proc/self/status, reset through /proc/self/clear_refs before each statement, so
every peak is the statement's own, not the process's high-water mark so far). Prints the statements
with the highest peaks and CPU times, the totals per kind of statement, and the whole import's CPU,
wall and peak. Run it alone on the machine where possible: the figures are per process, but a loaded
machine inflates CPU times too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

GIB = 1 << 30
_STATUS = Path("/proc/self/status")
_CLEAR = Path("/proc/self/clear_refs")


def _status(field: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in {_STATUS}")


def _reset_peak() -> None:
    _CLEAR.write_text("5")  # resets VmHWM to the current RSS (Linux >= 4.0)


class TimedConnection:
    """A DuckDB connection whose execute() calls are measured one by one."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self.marks: list[tuple[str, float, float, int, int]] = []  # sql, wall, cpu, rss before, peak

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def execute(self, sql: str, *args: Any) -> Any:
        before = _status("VmRSS")
        _reset_peak()
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            self._con.execute(sql, *args)
        finally:
            self.marks.append((sql, time.perf_counter() - wall, time.process_time() - cpu, before,
                               _status("VmHWM")))
        return self

    def fetchall(self) -> Any:
        return self._con.fetchall()

    def fetchone(self) -> Any:
        return self._con.fetchone()

    @property
    def description(self) -> Any:
        return self._con.description


def _kind(sql: str) -> str:
    words = " ".join(sql.split())
    for prefix in ("CREATE TABLE stage_", "CREATE TEMP VIEW", "UPDATE stage_", "ALTER TABLE stage_", "SELECT k FROM"):
        if words.startswith(prefix):
            return prefix
    return words[:40]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("evidence", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--memory-limit", help="the import's DuckDB memory limit (CCAUDIT_DUCKDB_IMPORT_MEMORY_LIMIT)")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--scratch", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--dump", type=Path, help="write the full SQL of every statement, with its figures, here")
    args = parser.parse_args()
    if args.memory_limit:
        os.environ["CCAUDIT_DUCKDB_IMPORT_MEMORY_LIMIT"] = args.memory_limit
    if args.threads:
        os.environ["CCAUDIT_DUCKDB_THREADS"] = str(args.threads)

    from ccaudit.evidence import importer
    from ccaudit.evidence.store import EvidenceStore
    from ccaudit.evidence.templates import TemplateRegistry
    from ccaudit.settings import Settings

    opened: list[TimedConnection] = []
    original = importer.open_workspace

    def timed_open(path: Path, settings: Settings, read_only: bool = False, memory_limit: str | None = None) -> Any:
        con = TimedConnection(original(path, settings, read_only, memory_limit))
        opened.append(con)
        return con

    importer.open_workspace = timed_open  # type: ignore[assignment]
    out = Path(tempfile.mkdtemp(prefix="profile-import-", dir=args.scratch))
    try:
        start, start_cpu = time.perf_counter(), time.process_time()
        manifest = importer.import_folder(args.evidence, out / "workspace.duckdb", EvidenceStore(out / "evidence"),
                                          TemplateRegistry.load(), Settings())
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    finally:
        shutil.rmtree(out, ignore_errors=True)
    marks = [m for con in opened for m in con.marks]
    if args.dump:
        args.dump.write_text("".join(f"-- wall {w:.2f} s, CPU {c:.2f} s, peak {peak / GIB:.2f} GiB\n{sql};\n\n"
                                     for sql, w, c, _, peak in marks))
    rows = sum(e.rows for e in manifest.files)
    print(f"import of {rows:,} rows: {wall:.1f} s wall, {cpu:.1f} CPU s; statements {len(marks)}, "
          f"{sum(m[1] for m in marks):.1f} s wall and {sum(m[2] for m in marks):.1f} CPU s of them")
    print(f"highest peak of any statement: {max(m[4] for m in marks) / GIB:.2f} GiB")
    for title, key in (("by peak RSS", 4), ("by CPU", 2)):
        print(f"\n| {title} | wall s | CPU s | RSS before GiB | peak GiB |\n|---|---|---|---|---|")
        for sql, w, c, before, peak in sorted(marks, key=lambda m: -m[key])[: args.top]:
            text = " ".join(sql.split())
            print(f"| {text[:110]} | {w:.2f} | {c:.2f} | {before / GIB:.2f} | {peak / GIB:.2f} |")
    kinds: dict[str, list[float]] = {}
    for sql, w, c, _, peak in marks:
        entry = kinds.setdefault(_kind(sql), [0.0, 0.0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += w
        entry[2] += c
        entry[3] = max(entry[3], peak / GIB)
    print("\n| kind | n | wall s | CPU s | max peak GiB |\n|---|---|---|---|---|")
    for kind, (n, w, c, peak) in sorted(kinds.items(), key=lambda kv: -kv[1][2])[: args.top]:
        print(f"| {kind} | {n:.0f} | {w:.2f} | {c:.2f} | {peak:.2f} |")


if __name__ == "__main__":
    main()
