"""Documents written once per test session (a PDF takes WeasyPrint a second or two)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .documents import CLOUD_ZH, MOBILE_EN, write_docx, write_markdown, write_odt, write_pdf, write_text


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cloud_zh.{pdf,docx,odt,md} and cloud_zh_big5.txt (every 12.1.1 topic, Traditional Chinese) and
    mobile_en.docx (English, leaves topics out)."""
    root = tmp_path_factory.mktemp("policies")
    write_pdf(root / "cloud_zh.pdf", CLOUD_ZH, pages=2)
    write_docx(root / "cloud_zh.docx", CLOUD_ZH)
    write_odt(root / "cloud_zh.odt", CLOUD_ZH)
    write_markdown(root / "cloud_zh.md", CLOUD_ZH)
    write_text(root / "cloud_zh_big5.txt", CLOUD_ZH, "cp950")
    write_docx(root / "mobile_en.docx", MOBILE_EN)
    return root
