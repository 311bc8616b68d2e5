"""Offending rows are streamed: writing ten times more rows must not take ten times the memory."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path

from ccaudit.reports import from_result_dir
from ccaudit.reports.model import ReportInput
from ccaudit.reports.report_to_csv import write_csv
from ccaudit.reports.report_to_json import write_json
from ccaudit.reports.report_to_xlsx import write_xlsx
from ccaudit.settings import Settings


def _peak(write: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        write()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_writers_hold_one_chunk_of_rows_not_all(make_result_dir: Callable[..., Path], tmp_path: Path) -> None:
    small = from_result_dir.load(make_result_dir("small", big=1_000), Settings())
    large = from_result_dir.load(make_result_dir("large", big=10_000), Settings())
    writers: dict[str, Callable[[ReportInput, Path], object]] = {
        "json": lambda inp, out: write_json(inp, out / "r.json"),
        "csv": lambda inp, out: write_csv(inp, out / "csv", "en"),
        "xlsx": lambda inp, out: write_xlsx(inp, out / "r.xlsx", "en", max_rows=None),
    }
    for name, write in writers.items():
        a = _peak(lambda: write(small, tmp_path / "s"))  # noqa: B023
        b = _peak(lambda: write(large, tmp_path / "l"))  # noqa: B023
        assert b < a * 1.3 + 500_000, f"{name}: {a} bytes for 1,000 rows but {b} for 10,000"
