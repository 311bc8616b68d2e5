"""CSV export (UTF-8 with BOM, so Excel reads the Chinese): report-info.csv, requirements.csv and
offending/<check_id>.csv, streamed. Columns are documented in the JSON Schema under $defs/csv_*.
Every cell goes through ccaudit.csvsafe: a value a spreadsheet would evaluate starts with a quote."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from ccaudit import csvsafe
from ccaudit.reports import texts
from ccaudit.reports.model import ReportData, ReportInput, is_zh
from ccaudit.reports.report_to_json import FORMAT

REQUIREMENT_COLUMNS = [
    "requirement_id", "area", "obligation", "result", "result_label", "text_en", "text_zh", "evidence",
    "gaps", "compensating_measures", "improvement_measures", "owner", "due", "reviewer", "notes",
    "previous_result", "offending_rows", "checks_failed",
]


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(csvsafe.row(header))
        writer.writerows(csvsafe.row(r) for r in rows)
    os.replace(tmp, path)
    return path


def info_rows(data: ReportData) -> list[tuple[str, str]]:
    return [
        ("format", FORMAT), ("schema_version", data.schema_version), ("firm", data.firm or ""),
        ("firm_id", data.firm_id or ""), ("year", str(data.year or "")), ("as_of", data.as_of),
        ("catalog", data.catalog.id), ("catalog_version", str(data.catalog.version)),
        ("catalog_effective_from", data.catalog.effective_from), ("source_kind", data.source.kind.value),
        ("source_ref", data.source.ref), ("findings_sha256", data.source.findings_sha256 or ""),
        ("sign_off", data.sign_off.state if data.sign_off else ""), ("digest", data.digest or ""),
        ("generated_at", data.generated_at), ("ccaudit_version", data.ccaudit_version),
        ("engine", data.engine or "unknown"),
    ]


def requirement_rows(data: ReportData, lang: str) -> Iterable[list[str]]:
    for row in data.requirements:
        evidence = [f"{e.dataset}:{e.name}:{e.rows}:{e.sha256}" for e in row.evidence]
        notes = texts.note_lines(row, lang)
        yield [
            row.id, row.area or "", row.obligation, row.result.value, row.result.label(lang), row.text.en,
            row.text.zh, "\n".join(evidence), "\n".join(texts.gap_lines(row, lang)),
            "\n".join(texts.measure_lines(row, lang)), "\n".join(texts.improvement_lines(row, lang)), texts.owner(row),
            texts.due(row), row.reviewer or "", "\n".join(notes),
            row.previous_result.value if row.previous_result else "",
            str(sum(c.offending_count for c in row.checks)),
            ";".join(c.check_id for c in row.checks if c.outcome == "failed"),
        ]


def write_csv(inp: ReportInput, out_dir: Path, lang: str, max_rows: int | None = None) -> list[Path]:
    data = inp.data
    written = [
        _write(out_dir / "report-info.csv", ["key", "value"], info_rows(data)),
        _write(out_dir / "requirements.csv", REQUIREMENT_COLUMNS, requirement_rows(data, lang)),
    ]
    for entry in data.offending:
        columns = inp.rows.columns(entry.check_id)
        if columns:  # in English as stored; in Chinese with labelled headers and stock values
            view = texts.OffendingView(columns, lang, keep_twins=not is_zh(lang))
            written.append(_write(out_dir / "offending" / f"{entry.check_id}.csv", view.headers,
                                  map(view.cells, inp.rows.iter_rows(entry.check_id, max_rows))))
    return written

