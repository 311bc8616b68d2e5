from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccaudit.reports import charts, fonts, from_result_dir
from ccaudit.reports.model import ReportInput
from ccaudit.reports.report_to_html import render_html, write_html
from ccaudit.settings import Settings


class CountingRows:
    """Wraps a row reader and records the most rows any one call yielded."""

    def __init__(self, inner: from_result_dir.ResultDirRows) -> None:
        self.inner = inner
        self.most = 0

    def columns(self, check_id: str) -> list[str]:
        return self.inner.columns(check_id)

    def iter_rows(self, check_id: str, limit: int | None = None) -> Iterator[list[str]]:
        for n, row in enumerate(self.inner.iter_rows(check_id, limit), start=1):
            self.most = max(self.most, n)
            yield row


@pytest.fixture(scope="module")
def inp(result_dir: Path, previous_dir: Path, settings: Settings) -> ReportInput:
    return from_result_dir.load(result_dir, settings, previous=previous_dir)


@pytest.fixture(scope="module")
def html(inp: ReportInput) -> str:
    return render_html(inp, "zh-TW", max_rows=5)


def test_html_is_one_self_contained_file(html: str) -> None:
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*(src|href)=", html)
    assert "url(http" not in html and "@import" not in html
    if fonts.find() is not None:
        assert html.count("@font-face") == 2 and "data:font/woff;base64," in html
    assert html.count("<svg") == 3


def test_html_shows_the_catalog_version_digest_and_every_requirement(inp: ReportInput, html: str) -> None:
    assert f"v{inp.data.catalog.version}" in html and str(inp.data.source.findings_sha256) in html
    assert "非年度查核" in html  # a plain inspection says it is not a signed audit
    for row in inp.data.requirements:
        assert f'id="req-{row.id}"' in html
    assert "不符合" in html and "缺失事項及改善情形" in html


def test_appendix_reads_no_more_rows_than_it_prints(inp: ReportInput) -> None:
    assert isinstance(inp.rows, from_result_dir.ResultDirRows)
    counting = CountingRows(inp.rows)
    page = render_html(ReportInput(inp.data, counting), "en", max_rows=7, embed_fonts=False)
    assert counting.most == 7
    big = inp.data.offending[0]
    assert f"{big.count:,} rows; 7 shown" in page


def test_charts_are_deterministic_svg_with_chinese_labels(inp: ReportInput) -> None:
    svg = charts.status_by_area(inp.data, "zh-TW")
    assert svg == charts.status_by_area(inp.data, "zh-TW") and "雲端服務" in svg
    assert "2025" in charts.trend(inp.data, "zh-TW")
    assert "無追蹤中之改善事項" in charts.ageing(inp.data, "zh-TW", on=dt.date(2026, 12, 1))


def test_written_html_is_utf8(inp: ReportInput, tmp_path: Path) -> None:
    path = write_html(inp, tmp_path / "r.html", "en", max_rows=2)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and 'lang="en"' in text


def _weasyprint_works() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return shutil.which("pdffonts") is not None and fonts.find() is not None


@pytest.mark.skipif(not _weasyprint_works(), reason="needs WeasyPrint, poppler-utils and fonts-noto-cjk")
def test_pdf_embeds_a_cjk_font_and_has_the_text(inp: ReportInput, tmp_path: Path) -> None:
    from ccaudit.reports.report_to_pdf import write_pdf

    pdf = write_pdf(inp, tmp_path / "r.pdf", "zh-TW", max_rows=3)
    listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in listing.splitlines()[2:] if "CJK" in line.upper()]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk), listing  # emb column
    assert any("TC" in line for line in cjk), listing
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "不符合" in text and "資通安全查核報告" in text
    for row in inp.data.requirements:
        assert row.id in text
    assert str(inp.data.source.findings_sha256) in text
