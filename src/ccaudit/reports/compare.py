"""Several firms' latest results side by side, requirement by requirement: one workbook and one
self-contained HTML page for an inspector. Each firm's column shows its stored result only."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ccaudit.reports import fonts, texts
from ccaudit.reports.model import ReportData, ReportError, RequirementRow, Result, SourceKind, Texts, is_zh
from ccaudit.reports.report_to_html import environment, stylesheet
from ccaudit.reports.texts import t
from ccaudit.reports.xlsx_sheets import Book, table_sheet

GAP = (Result.NON_COMPLIANT, Result.IN_REMEDIATION, Result.OBSERVATION)


def firm_label(data: ReportData) -> str:
    return f"{data.firm_id or data.firm or '—'} ({data.as_of})"


def source_labels(reports: Sequence[ReportData]) -> list[str]:
    """Each source's column label: firm and as-of date, and where two share those, also the source (the
    result folder's name or the audit ID), then a number if even that is the same."""
    base = [firm_label(d) for d in reports]
    labels = [label if base.count(label) == 1 else f"{label} · {_source_ref(d)}"
              for label, d in zip(base, reports, strict=True)]
    seen: dict[str, int] = {}
    numbered = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        numbered.append(label if labels.count(label) == 1 else f"{label} #{seen[label]}")
    return numbered


def _source_ref(data: ReportData) -> str:
    return data.source.ref if data.source.kind is SourceKind.RESULT_DIR else f"audit {data.source.ref}"


def offending_rows(row: RequirementRow) -> int:
    return sum(c.offending_count for c in row.checks)


def change(before: int | None, after: int | None) -> str:
    """'+3', '-2', '0'; blank where a source has no result for the requirement."""
    return "" if before is None or after is None else f"{after - before:+d}" if after != before else "0"


def requirement_order(reports: Sequence[ReportData]) -> list[tuple[str, str | None, Texts]]:
    """Every requirement any firm was assessed on: the first report's catalog order, then the rest."""
    seen: dict[str, tuple[str, str | None, Texts]] = {}
    for data in reports:
        for row in data.requirements:
            seen.setdefault(row.id, (row.id, row.area, row.text))
    return list(seen.values())


Cell = tuple[Result, int] | None  # a source's result and offending rows for a requirement


def matrix(reports: Sequence[ReportData]) -> list[tuple[str, str | None, Texts, list[Cell]]]:
    by_source = [{row.id: (row.result, offending_rows(row)) for row in data.requirements} for data in reports]
    return [(rid, area, text, [cells.get(rid) for cells in by_source])
            for rid, area, text in requirement_order(reports)]


def changes(cells: Sequence[Cell]) -> list[str]:
    """Each later source's change in offending rows against the first source."""
    first = cells[0][1] if cells and cells[0] else None
    return [change(first, c[1] if c else None) for c in cells[1:]]


def catalog_note(reports: Sequence[ReportData], lang: str) -> str:
    versions = sorted({f"{d.catalog.id} v{d.catalog.version}" for d in reports})
    note = f"{t('catalog', lang)}: {', '.join(versions)}"
    if len(versions) > 1:
        note += " — " + t("compare_versions", lang)
    return note


def _check(reports: Sequence[ReportData]) -> None:
    if not reports:
        raise ReportError("compare needs at least one firm's results")


def write_compare_xlsx(reports: Sequence[ReportData], path: Path, lang: str) -> Path:
    _check(reports)
    created = max(d.generated_at for d in reports)
    book = Book(path, created, "ccaudit comparison", catalog_note(reports, lang), lang)
    firms = source_labels(reports)
    title = [t("compare_title", lang), catalog_note(reports, lang)]
    per_source = [h for f in firms for h in (f, t("compare_rows", lang, label=f))]
    change_heads = [t("compare_change", lang, label=f, first=firms[0]) for f in firms[1:]]
    headers = [t("id", lang), t("area", lang), t("requirement", lang), *per_source, t("compare_gaps", lang),
               *change_heads]
    area_of = {a.id: a.title for d in reports for a in d.areas}

    def rows() -> Iterator[list[str]]:
        for rid, area, text, cells in matrix(reports):
            area_title = area_of[area].get(lang) if area in area_of else (area or "")
            shown = [v for c in cells for v in ((c[0].label(lang), str(c[1])) if c else ("—", ""))]
            yield [rid, area_title, text.get(lang), *shown, str(sum(1 for c in cells if c and c[0] in GAP)),
                   *changes(cells)]

    labels = {r: r.label(lang) for r in Result}
    ws, last = table_sheet(book, "比較" if is_zh(lang) else "Comparison", title, headers,
                           [9, 12, 50, *(w for _ in firms for w in (14, 10)), 10, *(12 for _ in change_heads)],
                           rows(), freeze_cols=3)
    for col in range(3, 3 + 2 * len(firms), 2):  # the result columns (each followed by its row count)
        for result, label in labels.items():
            ws.conditional_format(len(title) + 1, col, max(last, len(title) + 1), col, {
                "type": "cell", "criteria": "==", "value": f'"{label}"', "format": book.results[result]})
    summary_headers = [t("firm", lang), t("as_of", lang), t("catalog_version", lang), t("sign_off", lang),
                       t("digest", lang), *(r.label(lang) for r in Result)]
    summary = ([label, d.as_of, f"v{d.catalog.version}", texts.sign_off_line(d, lang),
                d.digest or d.source.findings_sha256 or "", *(str(n) for n in d.counts().values())]
               for label, d in zip(firms, reports, strict=True))
    table_sheet(book, t("summary", lang), [t("summary", lang)], summary_headers,
                [22, 12, 10, 26, 66, *(10 for _ in Result)], summary)
    book.close()
    return path


def _html_context(reports: Sequence[ReportData], lang: str) -> dict[str, Any]:
    area_of = {a.id: a.title for d in reports for a in d.areas}
    labels = source_labels(reports)
    return {
        "lang": lang, "html_lang": "zh-Hant-TW" if is_zh(lang) else "en",
        "title": t("compare_title", lang),
        "note": catalog_note(reports, lang),
        "firms": [{"label": label, "name": d.firm or "", "sign_off": texts.sign_off_line(d, lang),
                   "digest": d.digest or d.source.findings_sha256 or "—", "version": d.catalog.version,
                   "counts": d.counts()} for label, d in zip(labels, reports, strict=True)],
        "results": list(Result),
        "rows": [{"id": rid, "area": area_of[area].get(lang) if area in area_of else (area or ""),
                  "text": text.get(lang), "cells": cells, "gaps": sum(1 for c in cells if c and c[0] in GAP),
                  "changes": changes(cells)}
                 for rid, area, text, cells in matrix(reports)],
        "change_heads": [t("compare_change", lang, label=f, first=labels[0]) for f in labels[1:]],
        "h": {k: t(k, lang) for k in ("id", "area", "requirement", "firm", "sign_off", "digest",
                                      "catalog_version", "summary")},
        "gap_header": t("compare_gaps", lang),
        "css": stylesheet(),
    }


def write_compare_html(reports: Sequence[ReportData], path: Path, lang: str) -> Path:
    _check(reports)
    html = environment().get_template("compare.html.j2").render(_html_context(reports, lang))
    html = html.replace("/*FONT_FACES*/", fonts.embedded_css(html), 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)
    return path
