"""The HTML report: one self-contained file (inline CSS, inline SVG charts, an embedded subset of the
CJK font), also the source of the PDF. The offending-row appendix prints at most `max_rows` per check
and reads no more than it prints."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from ccaudit.reports import charts, deficiencies, fonts, texts
from ccaudit.reports.model import ReportData, ReportInput, RequirementRow, Result, is_zh
from ccaudit.reports.texts import t
from ccaudit.textsafe import visible_in_page, visible_lines

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_MAX_ROWS = 25
FONT_MARK = "/*FONT_FACES*/"


def _nl2br(value: object) -> Markup:
    return Markup("<br>").join(escape(visible_lines(str(value))).split("\n"))


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, finalize=visible_in_page,
    )
    env.filters["nl2br"] = _nl2br
    return env


def stylesheet() -> str:
    return (TEMPLATES / "report.css").read_text(encoding="utf-8").replace("FALLBACK_FONTS", fonts.FALLBACK)


def reference_date(data: ReportData) -> dt.date:
    """The day remediation is aged on: the sign-off day, else the as-of date (never today)."""
    if data.sign_off and data.sign_off.signed_at:
        return dt.date.fromisoformat(data.sign_off.signed_at[:10])
    return dt.date.fromisoformat(data.as_of)


def _slug(area: str | None) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", (area or "other").lower())


def _row_view(row: RequirementRow, lang: str) -> dict[str, Any]:
    other = "en" if is_zh(lang) else "zh-TW"
    facts: list[tuple[str, list[str]]] = []
    if row.evidence:
        facts.append((t("evidence", lang), texts.evidence_lines(row, lang)))
    gaps = texts.gap_lines(row, lang)
    samples = [s.get(lang) for c in row.checks if c.outcome == "failed" for s in c.samples]
    if gaps:
        facts.append((t("gaps", lang), gaps + [f"— {s}" for s in samples]))
    if row.compensating_measures:
        facts.append((t("compensating", lang), texts.measure_lines(row, lang)))
    improvement = texts.improvement_lines(row, lang)
    for item in row.remediation:
        status = texts.pick(texts.REMEDIATION_STATUS, item.status, lang)
        improvement += [" · ".join(x for x in (item.owner, item.due, status) if x)]
    if improvement:
        facts.append((t("improvement", lang), improvement))
    if row.reviewer:
        facts.append((t("reviewer", lang), [row.reviewer]))
    notes = texts.note_lines(row, lang)
    if notes:
        facts.append((t("notes", lang), notes))
    return {
        "id": row.id, "result": row.result, "obligation": texts.obligation(row, lang),
        "text": row.text.get(lang), "other": row.text.get(other), "facts": facts,
        "previous": row.previous_result.label(lang) if row.previous_result else None,
    }


def _appendix(inp: ReportInput, lang: str, max_rows: int | None) -> list[dict[str, Any]]:
    blocks = []
    for entry in inp.data.offending:
        columns = inp.rows.columns(entry.check_id)
        if not columns:
            continue
        view = texts.OffendingView(columns, lang)
        rows = [view.cells(r) for r in inp.rows.iter_rows(entry.check_id, max_rows)]  # at most what is printed
        blocks.append({
            "check_id": entry.check_id, "title": entry.title.get(lang), "columns": view.headers, "rows": rows,
            "requirements": ", ".join(entry.requirement_ids),
            "shown_line": t("shown", lang, count=entry.count, shown=len(rows)),
            "mono": [c.endswith("sha256") or c == "_file" for c in view.columns],
        })
    return blocks


def context(inp: ReportInput, lang: str, max_rows: int | None, on: dt.date | None) -> dict[str, Any]:
    data = inp.data
    zh = is_zh(lang)
    title = t("title_report", lang)
    digest = data.digest or data.source.findings_sha256
    digest_label = t("digest", lang) if data.digest else t("findings_sha", lang)
    facts = [
        (t("year", lang), str(data.year or ""), ""),
        (t("as_of", lang), data.as_of, ""),
        (t("catalog", lang), f"{data.catalog.id} ({data.catalog.urn or ''})", ""),
        (t("catalog_version", lang), f"v{data.catalog.version} · {data.catalog.effective_from}", ""),
        (t("source", lang), texts.source_line(data, lang), ""),
        (t("sign_off", lang), texts.sign_off_line(data, lang), ""),
        (digest_label, digest or "—", "mono digest-value"),
        (t("generated_at", lang), data.generated_at, ""),
        (t("ccaudit_version", lang), data.ccaudit_version, ""),
        (t("engine", lang), data.engine or t("engine_unknown", lang), ""),
    ]
    results = [r for r in Result if any(row.result is r for row in data.requirements)]
    areas = []
    for area in data.area_order():
        rows = [row for row in data.requirements if row.area == area]
        if rows:
            areas.append({
                "slug": _slug(area), "title": data.area_title(area, lang),
                "counts": {r: sum(1 for row in rows if row.result is r) for r in Result},
                "rows": [_row_view(row, lang) for row in rows],
            })
    from ccaudit.rawsources.notes import translate

    return {
        "data": data, "lang": lang, "html_lang": "zh-Hant-TW" if zh else "en",
        "warnings": [translate(w, lang) for w in data.warnings],  # a raw export's parse notes in the language
        "t": lambda key, **kw: t(key, lang, **kw),
        "dataset": lambda name: texts.dataset(name, lang),
        "colon": "：" if zh else ": ", "title": title, "firm": data.firm or data.firm_id or "—",
        "catalog_title": data.catalog.title.get(lang) if data.catalog.title else data.catalog.id,
        "control_code": "CC-21100" if data.catalog.id.startswith("twse-sec-infosec-art12") else "",
        "digest": digest, "digest_label": digest_label, "facts": facts,
        "counts": [(r, n) for r, n in data.counts().items() if n],
        "results": results, "areas": areas,
        "charts": {
            "by_area": charts.status_by_area(data, lang), "trend": charts.trend(data, lang),
            "ageing": charts.ageing(data, lang, on or reference_date(data)),
        },
        "deficiency_headers": list(zip(deficiencies.COLUMNS, deficiencies.headers(lang), strict=True)),
        "deficiency_tables": [(t("deficiencies", lang), deficiencies.deficiencies(data, lang)),
                              (t("observations", lang), deficiencies.observations(data, lang))],
        "appendix": _appendix(inp, lang, max_rows),
        "css": stylesheet(),
    }


def render_html(
    inp: ReportInput, lang: str, max_rows: int | None = DEFAULT_MAX_ROWS, on: dt.date | None = None,
    embed_fonts: bool = True,
) -> str:
    html = environment().get_template("report.html.j2").render(context(inp, lang, max_rows, on))
    if not embed_fonts:  # name the installed font first: no lookup of a family that is not there
        return html.replace(FONT_MARK, "", 1).replace('"ccaudit-cjk", ', "").replace("ccaudit-cjk, ", "")
    return html.replace(FONT_MARK, fonts.embedded_css(html), 1)


def write_html(
    inp: ReportInput, path: Path, lang: str, max_rows: int | None = DEFAULT_MAX_ROWS,
    on: dt.date | None = None,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_text(render_html(inp, lang, max_rows, on), encoding="utf-8")
    os.replace(tmp, path)
    return path
