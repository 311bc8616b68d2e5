"""The PDF report: the HTML report laid out by WeasyPrint (needs Debian's libpango-1.0-0 and
libpangoft2-1.0-0), with the installed Noto Sans CJK TC embedded as a subset by WeasyPrint."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from ccaudit.reports import fonts
from ccaudit.reports.model import ReportError, ReportInput
from ccaudit.reports.report_to_html import render_html

DEFAULT_MAX_ROWS = 10  # per check; table cells are what a PDF's layout time goes on


def write_pdf(
    inp: ReportInput, path: Path, lang: str, max_rows: int | None = DEFAULT_MAX_ROWS,
    on: dt.date | None = None,
) -> Path:
    if fonts.find() is None:
        raise ReportError(f"the font {fonts.FAMILY} is not installed (Debian: apt-get install "
                          "fonts-noto-cjk); without it Chinese text would not render")
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]
    except (ImportError, OSError) as exc:  # OSError: the pango libraries are missing
        raise ReportError("PDF output needs WeasyPrint and pango (Debian: libpango-1.0-0, "
                          f"libpangoft2-1.0-0): {exc}") from exc
    # the installed font is named in the CSS fallback list; WeasyPrint embeds only the glyphs used
    html = render_html(inp, lang, max_rows, on, embed_fonts=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    HTML(string=html, base_url=None).write_pdf(str(tmp), pdf_identifier=b"ccaudit", uncompressed_pdf=False)
    os.replace(tmp, path)
    return path
