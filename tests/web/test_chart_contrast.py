"""The dashboard's chart (the reports' status-by-area chart) keeps every count readable on its bar: the
contrast of each count's colour against the bar under it is computed (WCAG 2.x relative luminance) and must
be at least 4.5:1, for every result colour; and the page's style sheet does not repaint the counts."""

from __future__ import annotations

import re

from ccaudit.reports.charts import COLOURS, status_by_area
from ccaudit.reports.model import CatalogRef, ReportData, RequirementRow, Result, Source, SourceKind, Texts

from .conftest import WebEnv

RECT = re.compile(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="(#[0-9a-fA-F]{6})"/>')
TEXT = re.compile(r'<text x="([\d.]+)" y="([\d.]+)" text-anchor="\w+" fill="(#[0-9a-fA-F]{6})"[^>]*>([^<]*)</text>')


def luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def counts_on_bars(svg: str) -> list[tuple[str, str, str]]:
    """(count, its colour, the colour of the bar it sits on) for every text drawn inside a bar."""
    bars = [(float(x), float(y), float(w), float(h), fill) for x, y, w, h, fill in RECT.findall(svg)]
    out = []
    for x, y, fill, text in TEXT.findall(svg):
        tx, ty = float(x), float(y)
        under = [b for b in bars if b[0] <= tx <= b[0] + b[2] and b[1] <= ty - 4 <= b[1] + b[3]]
        if under:
            out.append((text, fill, under[-1][4]))
    return out


def test_every_result_colour_keeps_its_count_readable() -> None:
    rows = [RequirementRow(id=f"R{r.value}{n}", area="a", text=Texts(en="x", zh="x"), obligation="shall", result=r)
            for r in Result for n in range(3)]  # fmt: skip
    data = ReportData(firm="F", firm_id="F", as_of="2026-11-30", generated_at="2026-11-30T00:00:00Z",
                      catalog=CatalogRef(id="c", version=1, effective_from="2024-01-01"),
                      source=Source(kind=SourceKind.AUDIT, ref="1"), ccaudit_version="0", requirements=rows)
    found = counts_on_bars(status_by_area(data, "zh-TW"))
    assert {bar for _, _, bar in found} == {c.lower() for c in COLOURS.values()}  # a count on every colour
    for count, ink, bar in found:
        assert count == "3" and ratio(ink, bar) >= 4.5, (ink, bar, round(ratio(ink, bar), 2))


def test_the_dashboard_draws_its_counts_readably_and_its_css_leaves_their_colour(shared_env: WebEnv) -> None:
    client = shared_env.as_user("vera")
    page = client.get(f"/audits/{shared_env.audit_id}").text
    svg = page.split('class="chart"', 1)[1].split("</svg>", 1)[0]
    found = counts_on_bars(svg)
    assert found and all(ratio(ink, bar) >= 4.5 for _, ink, bar in found), found
    css = client.get("/static/app.css").text
    chart_rules = re.findall(r"svg\.chart text\s*\{([^}]*)\}", css)
    assert chart_rules and not any(re.search(r"(^|;)\s*fill\s*:", rule) for rule in chart_rules)
