"""Summary charts as small, hand-made inline SVG: deterministic bytes, no plotting library, and text
that uses the document's (embedded) font, so Chinese labels render in the HTML and in the PDF."""

from __future__ import annotations

import datetime as dt
from html import escape

from ccaudit.reports.model import ReportData, Result, is_zh
from ccaudit.reports.texts import t

COLOURS: dict[Result, str] = {
    Result.COMPLIANT: "#6aa84f",
    Result.NON_COMPLIANT: "#cc0000",
    Result.OBSERVATION: "#f1c232",
    Result.COMPENSATED: "#45818e",
    Result.NOT_APPLICABLE: "#b7b7b7",
    Result.NEEDS_REVIEW: "#8e7cc3",
    Result.IN_REMEDIATION: "#e69138",
}
WIDTH = 680
FONT_LIST = "Noto Sans CJK TC, Microsoft JhengHei, PingFang TC, sans-serif"
OPEN = ("open", "in_progress")
AGEING_BUCKETS = ("not_due", "overdue_30", "overdue_90", "overdue_180", "overdue_more", "no_due")
AGEING_LABELS: dict[str, tuple[str, str]] = {
    "not_due": ("Not yet due", "未到期"),
    "overdue_30": ("Overdue 1–30 days", "逾期 1–30 天"),
    "overdue_90": ("Overdue 31–90 days", "逾期 31–90 天"),
    "overdue_180": ("Overdue 91–180 days", "逾期 91–180 天"),
    "overdue_more": ("Overdue > 180 days", "逾期逾 180 天"),
    "no_due": ("No due date", "未訂完成日"),
}


def _luminance(colour: str) -> float:
    """Relative luminance of #rrggbb (WCAG 2.x)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def ink_on(colour: str) -> str:
    """Black or white, whichever reads better on `colour`: at least 4.58:1 on any colour (WCAG AA asks 4.5)."""
    return "#000000" if contrast("#000000", colour) >= contrast("#ffffff", colour) else "#ffffff"


def _svg(height: int, body: list[str], label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{escape(label)}" '
            f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-size="12" '
            f'font-family="ccaudit-cjk, {FONT_LIST}">'
            + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = "#222", size: int = 12) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" font-size="{size}">'
            f"{escape(text)}</text>")


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"/>'


def _placeholder(message: str) -> str:
    return _svg(60, [_rect(0, 0, WIDTH, 60, "#f5f5f5"), _text(WIDTH / 2, 35, message, "middle", "#666")],
                message)


def _legend(y: float, results: list[Result], lang: str) -> list[str]:
    out, x = [], 0.0
    for r in results:
        label = r.label(lang)
        out += [_rect(x, y, 12, 12, COLOURS[r]), _text(x + 16, y + 11, label)]
        x += 30 + texts_width(label)
    return out


def texts_width(text: str) -> float:
    """Rough width in pixels at 12px: CJK characters are twice as wide as Latin ones."""
    return sum(12 if ord(ch) > 0x2E80 else 6.5 for ch in text)


def status_by_area(data: ReportData, lang: str) -> str:
    areas = data.area_order()
    present = [r for r in Result if any(row.result is r for row in data.requirements)]
    label_w, bar_w, row_h = 150, WIDTH - 190, 26
    most = max((sum(1 for row in data.requirements if row.area == a) for a in areas), default=1) or 1
    body: list[str] = []
    y = 4
    for area in areas:
        rows = [row for row in data.requirements if row.area == area]
        if not rows:
            continue
        body.append(_text(label_w - 8, y + 16, data.area_title(area, lang), "end"))
        x = float(label_w)
        for r in present:
            n = sum(1 for row in rows if row.result is r)
            if not n:
                continue
            w = bar_w * n / most
            body.append(_rect(x, y + 3, w, row_h - 8, COLOURS[r]))
            if w >= 16:
                body.append(_text(x + w / 2, y + 17, str(n), "middle", ink_on(COLOURS[r])))
            x += w
        body.append(_text(x + 6, y + 17, str(len(rows)), fill="#666"))
        y += row_h
    body += _legend(y + 8, present, lang)
    return _svg(y + 28, body, t("status_by_area", lang))


def trend(data: ReportData, lang: str) -> str:
    if data.previous is None:
        return _placeholder(t("no_previous", lang))
    now = {r.value: n for r, n in data.counts().items()}
    before = data.previous.counts
    results = [r for r in Result if now.get(r.value, 0) or before.get(r.value, 0)]
    top = max([*now.values(), *before.values(), 1])
    chart_h, base = 150, 170
    slot = (WIDTH - 20) / max(len(results), 1)
    bar = min(28.0, slot / 3)
    body = [f'<line x1="10" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="#999"/>']
    for i, r in enumerate(results):
        cx = 10 + slot * i + slot / 2
        pair = ((before.get(r.value, 0), "#c9c9c9"), (now.get(r.value, 0), COLOURS[r]))
        for j, (n, colour) in enumerate(pair):
            h = chart_h * n / top
            x = cx - bar - 2 + j * (bar + 4)
            body.append(_rect(x, base - h, bar, h, colour))
            body.append(_text(x + bar / 2, base - h - 4, str(n), "middle", size=11))
        body.append(_text(cx, base + 16, r.label(lang), "middle", size=11))
    now_label = str(data.year or data.as_of[:4])
    body += [_rect(10, base + 28, 12, 12, "#c9c9c9"), _text(26, base + 39, f"{data.previous.label}"),
             _rect(110, base + 28, 12, 12, "#444"), _text(126, base + 39, now_label)]
    return _svg(base + 46, body, t("trend", lang))


def ageing_counts(data: ReportData, on: dt.date) -> dict[str, int]:
    counts = dict.fromkeys(AGEING_BUCKETS, 0)
    for row in data.requirements:
        for item in row.remediation:
            if item.status not in OPEN:
                continue
            if not item.due:
                counts["no_due"] += 1
                continue
            late = (on - dt.date.fromisoformat(item.due)).days
            bucket = ("not_due" if late <= 0 else "overdue_30" if late <= 30 else "overdue_90" if late <= 90
                      else "overdue_180" if late <= 180 else "overdue_more")
            counts[bucket] += 1
    return counts


def ageing(data: ReportData, lang: str, on: dt.date) -> str:
    counts = ageing_counts(data, on)
    if not any(counts.values()):
        return _placeholder(t("no_remediation", lang))
    top = max(counts.values())
    label_w, bar_w, row_h = 150, WIDTH - 200, 24
    colours = ["#6aa84f", "#f6b26b", "#e69138", "#cc4125", "#990000", "#999999"]
    body: list[str] = []
    for i, key in enumerate(AGEING_BUCKETS):
        y = 4 + i * row_h
        en, zh = AGEING_LABELS[key]
        body.append(_text(label_w - 8, y + 15, zh if is_zh(lang) else en, "end"))
        w = bar_w * counts[key] / top
        body.append(_rect(label_w, y + 3, w, row_h - 8, colours[i]))
        body.append(_text(label_w + w + 6, y + 15, str(counts[key]), fill="#444"))
    reference = ("基準日 " if is_zh(lang) else "as of ") + on.isoformat()
    body.append(_text(label_w, 4 + len(AGEING_BUCKETS) * row_h + 12, reference, fill="#666", size=11))
    return _svg(4 + len(AGEING_BUCKETS) * row_h + 20, body, t("ageing", lang))

