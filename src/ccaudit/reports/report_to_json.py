"""findings-report JSON (schemas/findings-report.v1.schema.json): the report's data and every offending
row, streamed row by row so the file can be larger than memory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TextIO

from ccaudit.reports.model import ReportInput

FORMAT = "ccaudit.findings-report"
SCHEMA_FILE = Path(__file__).parent / "schemas" / "findings-report.v1.schema.json"


def header(inp: ReportInput) -> dict[str, Any]:
    """Everything but the offending rows, in a fixed key order."""
    body = inp.data.model_dump(mode="json", exclude={"offending"})
    return {"format": FORMAT, **body}


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _write_offending(out: TextIO, inp: ReportInput, max_rows: int | None) -> None:
    out.write('  "offending": [')
    for i, entry in enumerate(inp.data.offending):
        out.write("," if i else "")
        columns = inp.rows.columns(entry.check_id)
        meta = entry.model_dump(mode="json")
        out.write("\n    {" + ", ".join(f"{_dumps(k)}: {_dumps(v)}" for k, v in meta.items()))
        out.write(f', "columns": {_dumps(columns)}, "rows": [')
        written = 0
        for written, row in enumerate(inp.rows.iter_rows(entry.check_id, max_rows), start=1):
            out.write(("," if written > 1 else "") + "\n      " + _dumps(row))
        out.write("\n    ]" if written else "]")
        out.write(f', "rows_included": {written}, "truncated": {_dumps(written < entry.count)}}}')
    out.write("\n  ]\n}\n" if inp.data.offending else "]\n}\n")


def write_json(inp: ReportInput, path: Path, max_rows: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    text = json.dumps(header(inp), ensure_ascii=False, indent=2)
    with tmp.open("w", encoding="utf-8", newline="\n") as out:
        out.write(text[: text.rfind("}")].rstrip() + ",\n")
        _write_offending(out, inp, max_rows)
    os.replace(tmp, path)
    return path


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded
