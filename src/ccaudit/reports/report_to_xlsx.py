"""The checklist workbook: one row per requirement in catalog order, then deficiencies, evidence,
report information, and one sheet of offending rows per check (streamed, at most `max_rows` each)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from ccaudit.rawsources.notes import translate
from ccaudit.reports import deficiencies, texts
from ccaudit.reports.model import OffendingSet, ReportData, ReportInput, Result, SourceKind, is_zh
from ccaudit.reports.texts import t
from ccaudit.reports.xlsx_sheets import Book, display_width, table_sheet

DEFAULT_MAX_ROWS = 10_000
EXCEL_ROWS = 1_048_576
CHECKLIST_COLUMNS = ["no", "id", "area", "requirement", "requirement_other", "obligation", "result",
                     "evidence", "gaps", "compensating", "improvement", "owner", "due", "reviewer", "notes"]
CHECKLIST_WIDTHS = [4, 8, 9, 40, 40, 5, 9, 27, 28, 16, 20, 9, 10, 9, 27]
OTHER_LANGUAGE = CHECKLIST_COLUMNS.index("requirement_other")  # grouped and collapsed: not printed
RESULT_COLUMN = CHECKLIST_COLUMNS.index("result")


def title_lines(data: ReportData, lang: str, title_key: str) -> list[str]:
    firm = data.firm or data.firm_id or "—"
    year = f" · {data.year}" if data.year else ""
    first = f"{firm}{year} · {t(title_key, lang)} · {t('as_of', lang)} {data.as_of}"
    cat = data.catalog
    catalog = f"{t('catalog', lang)}: {cat.id} v{cat.version} ({cat.effective_from})"
    if data.digest:
        catalog += f" · {t('digest', lang)}: {data.digest}"
    elif data.source.findings_sha256:
        catalog += f" · {t('findings_sha', lang)}: {data.source.findings_sha256}"
    return [first, f"{catalog} · {texts.sign_off_line(data, lang)}"]


def _checklist_rows(data: ReportData, lang: str) -> Iterator[list[str]]:
    other = "en" if is_zh(lang) else "zh-TW"
    for n, row in enumerate(data.requirements, start=1):
        cells = [
            str(n), row.id, data.area_title(row.area, lang), row.text.get(lang), row.text.get(other),
            texts.obligation(row, lang), row.result.label(lang),
            "\n".join(texts.evidence_lines(row, lang)), "\n".join(texts.gap_lines(row, lang)),
            "\n".join(texts.measure_lines(row, lang)), "\n".join(texts.improvement_lines(row, lang)),
            texts.owner(row), texts.due(row), row.reviewer or "", "\n".join(texts.note_lines(row, lang)),
        ]
        if data.previous is not None:
            cells.append(row.previous_result.label(lang) if row.previous_result else "")
        yield cells


def write_checklist(book: Book, data: ReportData, lang: str) -> None:
    headers = [t(c, lang) for c in CHECKLIST_COLUMNS]
    widths = list(CHECKLIST_WIDTHS)
    if data.previous is not None:
        headers.append(f"{t('previous', lang)} ({data.previous.as_of})")
        widths.append(12)
    labels = {r: r.label(lang) for r in Result}
    table_sheet(book, t("checklist", lang), title_lines(data, lang, "title_checklist"), headers, widths,
                _checklist_rows(data, lang), freeze_cols=2, hidden_cols=(OTHER_LANGUAGE,),
                validation=(RESULT_COLUMN, list(labels.values())), colour_column=(RESULT_COLUMN, labels))


def write_deficiency_sheets(book: Book, data: ReportData, lang: str) -> None:
    head = deficiencies.headers(lang)
    for key, lines in (("deficiencies", deficiencies.deficiencies(data, lang)),
                       ("observations", deficiencies.observations(data, lang))):
        table_sheet(book, t(key, lang), title_lines(data, lang, "title_deficiencies"), head,
                    deficiencies.WIDTHS, (line.cells() for line in lines),
                    validation=(deficiencies.STATUS_COLUMN, deficiencies.status_labels(lang)),
                    date_column=deficiencies.DUE_COLUMN)


def _write_about(book: Book, data: ReportData, lang: str) -> None:
    rows: list[list[str]] = [
        [t("firm", lang), f"{data.firm or ''} ({data.firm_id or ''})"],
        [t("year", lang), str(data.year or "")],
        [t("as_of", lang), data.as_of],
        [t("catalog", lang), f"{data.catalog.id} ({data.catalog.urn or ''})"],
        [t("catalog_version", lang), f"v{data.catalog.version}, {data.catalog.effective_from}"],
        [t("source", lang), texts.source_line(data, lang)],
        [t("sign_off", lang), texts.sign_off_line(data, lang)],
        [t("digest", lang), data.digest or "—"],
        [t("findings_sha", lang), data.source.findings_sha256 or "—"],
        [t("generated_at", lang), data.generated_at],
        [t("ccaudit_version", lang), data.ccaudit_version],
        [t("engine", lang), data.engine or t("engine_unknown", lang)],
        *([r.label(lang), str(n)] for r, n in data.counts().items()),
        *([t("warnings", lang), translate(w, lang)] for w in data.warnings),  # parse notes in the language
    ]
    table_sheet(book, t("about", lang), [t("about", lang)], ["", ""], [28, 100], rows)


def _write_evidence(book: Book, data: ReportData, lang: str) -> None:
    headers = [t(k, lang) for k in ("dataset", "file", "rows", "effective_date")] + ["SHA-256"]
    rows = ([texts.dataset(e.dataset, lang), e.name, str(e.rows), e.effective_date or "", e.sha256]
            for e in data.evidence)
    table_sheet(book, t("evidence_sheet", lang), title_lines(data, lang, "evidence_sheet"), headers,
                [26, 36, 10, 14, 70], rows, wrap=False)


def offending_title(entry: OffendingSet, lang: str, shown: int, part: tuple[int, int, bool] | None = None,
                    rest_at: str | None = None) -> list[str]:
    """Title and count lines; `part` (first, last, continued) for a list spread over several sheets,
    `rest_at` where the rows not in the workbook are."""
    count = f"{', '.join(entry.requirement_ids)} · {t('shown', lang, count=entry.count, shown=shown)}"
    if part is not None:
        first, last, continued = part
        count += " · " + t("sheet_part", lang, first=first, last=last)
        if continued:
            count += " · " + t("sheet_continued", lang)
    if rest_at is not None and shown < entry.count:
        count += " · " + t("rest_at", lang, rest=entry.count - shown, where=rest_at)
    return [f"{entry.check_id} — {entry.title.get(lang)}", count]


def rest_location(data: ReportData, check_id: str) -> str:
    """Where every offending row of a check is kept, for a sheet that shows only some of them."""
    if data.source.kind is SourceKind.AUDIT:
        return f"ccaudit audit rows {data.source.ref} {check_id}"
    return f"{data.source.ref}/offending/{check_id}.csv"


def write_offending_sheets(
    book: Book, inp: ReportInput, lang: str, max_rows: int | None, sheet_rows: int = EXCEL_ROWS
) -> None:
    """At most `max_rows` rows per check (None: every row). A list longer than a sheet holds
    (`sheet_rows` less the title, count and header lines) continues on sheets named 'CHECK (2)', …"""
    capacity = sheet_rows - 3
    for entry in inp.data.offending:
        columns = inp.rows.columns(entry.check_id)
        if not columns:
            continue
        shown = entry.count if max_rows is None else min(entry.count, max_rows)
        parts = max(1, math.ceil(shown / capacity))
        view = texts.OffendingView(columns, lang)
        widths = [max(12, min(40, display_width(h) + 4)) for h in view.headers]
        rows = map(view.cells, inp.rows.iter_rows(entry.check_id, max_rows))  # one stream, cut into sheets
        rest_at = rest_location(inp.data, entry.check_id)
        for n in range(parts):
            part = (n * capacity + 1, min(shown, (n + 1) * capacity), n + 1 < parts) if parts > 1 else None
            name = entry.check_id if n == 0 else f"{entry.check_id[:31 - len(f' ({n + 1})')]} ({n + 1})"
            table_sheet(book, name, offending_title(entry, lang, shown, part, rest_at), view.headers, widths,
                        islice(rows, capacity), wrap=False)


def book_comment(data: ReportData) -> str:
    return f"{data.catalog.id} v{data.catalog.version}; digest {data.digest or data.source.findings_sha256}"


def write_xlsx(
    inp: ReportInput, path: Path, lang: str, max_rows: int | None = DEFAULT_MAX_ROWS, sheet_rows: int = EXCEL_ROWS
) -> Path:
    """`sheet_rows`: the rows a sheet holds (Excel's 1,048,576; smaller in tests)."""
    data = inp.data
    book = Book(path, data.generated_at, t("title_checklist", lang),
                book_comment(data), lang)
    write_checklist(book, data, lang)
    write_deficiency_sheets(book, data, lang)
    _write_evidence(book, data, lang)
    _write_about(book, data, lang)
    write_offending_sheets(book, inp, lang, max_rows, sheet_rows)
    book.close()
    return path


def write_deficiencies_xlsx(inp: ReportInput, path: Path, lang: str) -> Path:
    """The deficiencies table alone, as a firm files it."""
    data = inp.data
    book = Book(path, data.generated_at, t("title_deficiencies", lang),
                book_comment(data), lang)
    write_deficiency_sheets(book, data, lang)
    book.close()
    return path
