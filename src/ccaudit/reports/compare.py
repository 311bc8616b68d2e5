"""Several firms' latest results side by side, requirement by requirement: one workbook and one
self-contained HTML page for an inspector. Each firm's column shows its stored result only."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ccaudit.reports import fonts, texts
from ccaudit.reports.model import ReportData, ReportError, Result, Texts, is_zh
from ccaudit.reports.report_to_html import environment, stylesheet
from ccaudit.reports.texts import t
from ccaudit.reports.xlsx_sheets import Book, table_sheet

GAP = (Result.NON_COMPLIANT, Result.IN_REMEDIATION, Result.OBSERVATION)


def firm_label(data: ReportData) -> str:
    return f"{data.firm_id or data.firm or '—'} ({data.as_of})"


def requirement_order(reports: Sequence[ReportData]) -> list[tuple[str, str | None, Texts]]:
    """Every requirement any firm was assessed on: the first report's catalog order, then the rest."""
    seen: dict[str, tuple[str, str | None, Texts]] = {}
    for data in reports:
        for row in data.requirements:
            seen.setdefault(row.id, (row.id, row.area, row.text))
    return list(seen.values())


def matrix(reports: Sequence[ReportData]) -> list[tuple[str, str | None, Texts, list[Result | None]]]:
    by_firm = [{row.id: row.result for row in data.requirements} for data in reports]
    return [(rid, area, text, [results.get(rid) for results in by_firm])
            for rid, area, text in requirement_order(reports)]


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
    firms = [firm_label(d) for d in reports]
    title = [t("compare_title", lang), catalog_note(reports, lang)]
    headers = [t("id", lang), t("area", lang), t("requirement", lang), *firms, t("compare_gaps", lang)]
    area_of = {a.id: a.title for d in reports for a in d.areas}

    def rows() -> Iterator[list[str]]:
        for rid, area, text, results in matrix(reports):
            area_title = area_of[area].get(lang) if area in area_of else (area or "")
            yield [rid, area_title, text.get(lang), *(r.label(lang) if r else "—" for r in results),
                   str(sum(1 for r in results if r in GAP))]

    labels = {r: r.label(lang) for r in Result}
    ws, last = table_sheet(book, "比較" if is_zh(lang) else "Comparison", title, headers,
                           [9, 12, 50, *(14 for _ in firms), 10], rows(), freeze_cols=3)
    for col in range(3, 3 + len(firms)):
        for result, label in labels.items():
            ws.conditional_format(len(title) + 1, col, max(last, len(title) + 1), col, {
                "type": "cell", "criteria": "==", "value": f'"{label}"', "format": book.results[result]})
    summary_headers = [t("firm", lang), t("as_of", lang), t("catalog_version", lang), t("sign_off", lang),
                       t("digest", lang), *(r.label(lang) for r in Result)]
    summary = ([firm_label(d), d.as_of, f"v{d.catalog.version}", texts.sign_off_line(d, lang),
                d.digest or d.source.findings_sha256 or "", *(str(n) for n in d.counts().values())]
               for d in reports)
    table_sheet(book, t("summary", lang), [t("summary", lang)], summary_headers,
                [22, 12, 10, 26, 66, *(10 for _ in Result)], summary)
    book.close()
    return path


def _html_context(reports: Sequence[ReportData], lang: str) -> dict[str, Any]:
    area_of = {a.id: a.title for d in reports for a in d.areas}
    return {
        "lang": lang, "html_lang": "zh-Hant-TW" if is_zh(lang) else "en",
        "title": t("compare_title", lang),
        "note": catalog_note(reports, lang),
        "firms": [{"label": firm_label(d), "name": d.firm or "", "sign_off": texts.sign_off_line(d, lang),
                   "digest": d.digest or d.source.findings_sha256 or "—", "version": d.catalog.version,
                   "counts": d.counts()} for d in reports],
        "results": list(Result),
        "rows": [{"id": rid, "area": area_of[area].get(lang) if area in area_of else (area or ""),
                  "text": text.get(lang), "results": results, "gaps": sum(1 for r in results if r in GAP)}
                 for rid, area, text, results in matrix(reports)],
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
