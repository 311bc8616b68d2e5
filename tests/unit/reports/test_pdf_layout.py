"""The PDF's paged tables, checked on the laid-out pages: every page a table continues on starts with
its header row, no row is cut across two pages, and no heading is left at the foot of a page."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ccaudit.reports import fonts, from_result_dir
from ccaudit.reports.model import ReportInput
from ccaudit.reports.report_to_html import render_html
from ccaudit.settings import Settings

from .conftest import BIG_CHECK_ROWS


def _weasyprint_works() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return fonts.find() is not None


pytestmark = pytest.mark.skipif(not _weasyprint_works(), reason="needs WeasyPrint, pango and fonts-noto-cjk")


@dataclass(frozen=True)
class Placed:
    """A table row, or a heading, on a page (elements are compared by identity)."""

    page: int
    element: Any
    table: Any = None
    header: bool = False


def _walk(box: Any, page: int, table: Any = None, header: bool = False) -> Iterator[Placed]:
    from weasyprint.formatting_structure import boxes  # type: ignore[import-untyped]

    if isinstance(box, boxes.TableBox):
        table = box.element
    elif isinstance(box, boxes.TableRowGroupBox):
        header = box.is_header
    elif isinstance(box, boxes.TableRowBox):
        yield Placed(page, box.element, table, header)
        return
    elif box.element_tag in ("h2", "h3") and isinstance(box, boxes.BlockBox):
        yield Placed(page, box.element)
        return
    for child in box.all_children():
        yield from _walk(child, page, table, header)


@pytest.fixture(scope="module")
def inp(result_dir: Path, settings: Settings) -> ReportInput:
    return from_result_dir.load(result_dir, settings)


@pytest.fixture(scope="module")
def document(inp: ReportInput) -> Any:
    from weasyprint import HTML

    # 60 rows of the big check: its appendix table runs over several landscape pages
    return HTML(string=render_html(inp, "zh-TW", max_rows=60, embed_fonts=False)).render()


@pytest.fixture(scope="module")
def placed(document: Any) -> list[Placed]:
    # the layout tree of each page (WeasyPrint's document API keeps it on the page)
    return [p for n, page in enumerate(document.pages) for p in _walk(page._page_box, n)]


def test_no_table_row_is_split_across_pages(placed: list[Placed]) -> None:
    pages: dict[int, set[int]] = {}
    for p in placed:
        if p.table is not None and not p.header:
            pages.setdefault(id(p.element), set()).add(p.page)
    assert pages and all(len(on) == 1 for on in pages.values())


def test_every_page_of_a_table_starts_with_its_header_row(placed: list[Placed]) -> None:
    first_on_page: dict[tuple[int, int], Placed] = {}
    bodies: set[tuple[int, int]] = set()
    spans: dict[int, set[int]] = {}
    for p in placed:
        if p.table is None:
            continue
        first_on_page.setdefault((id(p.table), p.page), p)
        spans.setdefault(id(p.table), set()).add(p.page)
        if not p.header:
            bodies.add((id(p.table), p.page))
    continued = [first for (table, _), first in first_on_page.items() if len(spans[table]) > 1]
    assert len(continued) >= 3, "the test data should make tables run over pages"
    assert all(first.header for first in continued)
    # and a header row is never alone at the foot of a page
    assert set(first_on_page) == bodies


def test_a_heading_stays_with_the_first_row_of_its_table(placed: list[Placed]) -> None:
    heading: Placed | None = None
    seen: set[int] = set()
    for p in placed:  # in reading order: a table's heading is the last one before its first row
        if p.table is None:
            heading = p
        elif not p.header and id(p.table) not in seen:
            seen.add(id(p.table))
            if heading is not None:  # the cover's table has none
                assert heading.page == p.page, heading.element.text
    assert len(seen) >= 3
    assert BIG_CHECK_ROWS > 60


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_evidence_list_shows_every_sha256_in_full(inp: ReportInput, document: Any, tmp_path: Path) -> None:
    pdf = tmp_path / "r.pdf"
    document.write_pdf(str(pdf))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "查核證據清單" in text
    assert inp.data.evidence and all(e.sha256 in text for e in inp.data.evidence)
