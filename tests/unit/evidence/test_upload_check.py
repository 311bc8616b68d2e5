"""What an uploaded evidence file is checked for before it is stored: a name that means one file in the
folder, an extension ccaudit reads, and content that is what the extension says."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from ccaudit.evidence.upload_check import UploadRefused, check_type, check_zip_workbook, safe_name


@pytest.mark.parametrize(("given", "kept"), [
    ("../../etc/remote_sessions.csv", "remote_sessions.csv"),
    ("C:\\Users\\lin\\遠端連線紀錄.csv", "遠端連線紀錄.csv"),
    ("<img src=x>.csv", "<img src=x>.csv"),  # kept as a name; every page escapes it
])
def test_only_the_last_part_of_a_name_is_kept(given: str, kept: str) -> None:
    assert safe_name(given) == kept


@pytest.mark.parametrize("name", [".remote_sessions.csv", "..", "", "remote\u200b_sessions.csv", "a\x1b[31m.csv",
                                  "x" * 201 + ".csv"])
def test_hidden_empty_invisible_or_long_names_are_refused(name: str) -> None:
    with pytest.raises(UploadRefused):
        safe_name(name)


def _xlsx() -> bytes:
    data = io.BytesIO()
    book = xlsxwriter.Workbook(data)
    book.add_worksheet().write(0, 0, "person_id")
    book.close()
    return data.getvalue()


def test_content_must_match_the_extension(tmp_path: Path) -> None:
    assert check_type("people.csv", "person_id\nE1\n".encode("big5"), b"", 12) == "text"
    assert check_type("firm_profile.json", b'\xef\xbb\xbf  {"a": 1}', b"", 14) == "json"
    workbook = _xlsx()
    assert check_type("people.xlsx", workbook[:1024], workbook[-8:], len(workbook)) == "excel"
    (tmp_path / "people.xlsx").write_bytes(workbook)
    check_zip_workbook("people.xlsx", tmp_path / "people.xlsx")
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    (tmp_path / "renamed.xlsx").write_bytes(docx.getvalue())
    with pytest.raises(UploadRefused, match="not a XLSX spreadsheet"):
        check_zip_workbook("renamed.xlsx", tmp_path / "renamed.xlsx")
    refused = [
        ("people.csv", b"MZ\x90\x00\x03", "Windows program"),
        ("people.csv", b"%PDF-1.7\n", "PDF"),
        ("people.csv", b"a,b\x00c", "NUL"),
        ("people.xlsx", b"a,b\n1,2\n", "not a XLSX workbook"),
        ("people.xls", b"PK\x03\x04", "not an Excel 97-2003 workbook"),
        ("sessions.parquet", b"PAR1....", "not a Parquet file"),
        ("people.json", b"person_id\nE1\n", "not JSON"),
        ("people.docx", b"PK\x03\x04", "does not read .docx"),
        ("people.csv", b"", "empty"),
    ]
    for name, head, message in refused:
        with pytest.raises(UploadRefused, match=message):
            check_type(name, head, head[-8:], len(head))


def test_a_password_protected_workbook_is_refused_as_such(tmp_path: Path) -> None:
    import msoffcrypto.format.ooxml

    plain, locked = tmp_path / "plain.xlsx", io.BytesIO()
    plain.write_bytes(_xlsx())
    with plain.open("rb") as source:
        msoffcrypto.format.ooxml.OOXMLFile(source).encrypt("secret", locked)
    data = locked.getvalue()
    with pytest.raises(UploadRefused, match=r"^people\.xlsx: the workbook is password-protected \(encrypted\)"):
        check_type("people.xlsx", data[:65536], data[-8:], len(data))
