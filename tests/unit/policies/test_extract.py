"""Text comes out of every format with where it was (page, paragraph, heading), and hostile files are
refused naming the file, before or while a library reads them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ccaudit.errors import EvidenceError
from ccaudit.policies.extract import Limits, extract
from ccaudit.settings import Settings

LIMITS = Limits.of(Settings())


def _find(path: Path, needle: str) -> tuple[int | None, int, str | None]:
    got = extract(path, path.name, LIMITS)
    hit = next(p for p in got.passages if needle in p.text)
    return hit.page, hit.paragraph, hit.section


def test_pdf_passages_carry_their_page(library: Path) -> None:
    got = extract(library / "cloud_zh.pdf", "cloud_zh.pdf", LIMITS)
    assert got.format == "pdf" and got.pages == 2 and got.language == "zh-TW"
    page, _, _ = _find(library / "cloud_zh.pdf", "異地備份")
    assert page == 2  # the fifth block and later are on the second page
    page, _, _ = _find(library / "cloud_zh.pdf", "評選")
    assert page == 1


@pytest.mark.parametrize("name", ["cloud_zh.docx", "cloud_zh.odt", "cloud_zh.md"])
def test_word_processor_and_markdown_paragraphs_carry_number_and_heading(library: Path, name: str) -> None:
    page, paragraph, section = _find(library / name, "評選")
    assert page is None and paragraph == 4 and section == "第二條雲端服務提供者之選擇"


def test_big5_text_is_read_as_big5(library: Path) -> None:
    got = extract(library / "cloud_zh_big5.txt", "cloud_zh_big5.txt", LIMITS)
    assert got.encoding == "cp950"
    assert any("復原時間目標" in p.text for p in got.passages)
    assert got.passages[3].line == 7  # blocks are separated by blank lines: the fourth starts on line 7


def test_an_encrypted_pdf_is_refused_but_one_with_only_an_owner_password_is_read(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    for user, name in (("secret", "locked.pdf"), ("", "owner_only.pdf")):
        writer = PdfWriter()
        writer.add_blank_page(200, 200)
        writer.encrypt(user_password=user, owner_password="owner")
        with (tmp_path / name).open("wb") as handle:
            writer.write(handle)
    with pytest.raises(EvidenceError, match=r"locked\.pdf: the PDF is encrypted with a password"):
        extract(tmp_path / "locked.pdf", "locked.pdf", LIMITS)
    got = extract(tmp_path / "owner_only.pdf", "owner_only.pdf", LIMITS)
    assert got.passages == [] and "no text found" in got.warnings[0]


def test_corrupt_files_are_refused_naming_them(tmp_path: Path) -> None:
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\nendobj\n\x00\xff")
    (tmp_path / "bad.docx").write_bytes(b"PK\x03\x04 not really a zip")
    with zipfile.ZipFile(tmp_path / "empty.docx", "w") as archive:
        archive.writestr("readme.txt", "no document inside")
    with pytest.raises(EvidenceError, match=r"^bad\.pdf: cannot be read as PDF"):
        extract(tmp_path / "bad.pdf", "bad.pdf", LIMITS)
    with pytest.raises(EvidenceError, match=r"^bad\.docx: not a DOCX document"):
        extract(tmp_path / "bad.docx", "bad.docx", LIMITS)
    with pytest.raises(EvidenceError, match=r"^empty\.docx: not a DOCX document \(no word/document\.xml inside\)"):
        extract(tmp_path / "empty.docx", "empty.docx", LIMITS)


def test_a_zip_bomb_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>" + b" " * (4 << 20))
    assert bomb.stat().st_size < 20_000
    with pytest.raises(EvidenceError, match=r"bomb\.docx: word/document\.xml expands \d[\d,]* times"):
        extract(bomb, "bomb.docx", LIMITS)
    small = Limits.of(Settings(xlsx_max_uncompressed_bytes=1_000_000))
    with pytest.raises(EvidenceError, match="XLSX_MAX_UNCOMPRESSED_BYTES"):
        extract(bomb, "bomb.docx", small)


def test_an_entity_declaration_in_an_odt_is_refused(tmp_path: Path) -> None:
    evil = tmp_path / "laughs.odt"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    with pytest.raises(EvidenceError, match=r"laughs\.odt: content\.xml declares a DTD"):
        extract(evil, "laughs.odt", LIMITS)


def test_size_and_length_limits_name_their_setting(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("備份\n\n" * 1000, encoding="utf-8")
    with pytest.raises(EvidenceError, match="CCAUDIT_POLICY_MAX_FILE_BYTES"):
        extract(big, "big.txt", Limits.of(Settings(policy_max_file_bytes=1000)))
    with pytest.raises(EvidenceError, match="CCAUDIT_POLICY_MAX_CHARS"):
        extract(big, "big.txt", Limits.of(Settings(policy_max_chars=500)))


def test_unknown_formats_and_encodings_say_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "weird.txt").write_bytes(b"backup \xff\xff\xff")
    with pytest.raises(EvidenceError, match=r"old\.doc: not a format ccaudit reads .*; save it as DOCX"):
        extract(tmp_path / "old.doc", "old.doc", LIMITS)
    with pytest.raises(EvidenceError, match=r"weird\.txt: neither UTF-8 nor Big5 \(cp950\) text \(byte 7 "):
        extract(tmp_path / "weird.txt", "weird.txt", LIMITS)


def test_control_characters_never_reach_the_passages(tmp_path: Path) -> None:
    doc = tmp_path / "ctl.md"
    doc.write_text("Backup \x1b[31mdaily\x1b[0m\u202e to tape.\n", encoding="utf-8")
    (passage,) = extract(doc, "ctl.md", LIMITS).passages
    assert passage.text == "Backup [31mdaily[0m to tape."
