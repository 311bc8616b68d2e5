"""Identifiers (keys and the columns that refer to them) are compared after NFKC with invisible
characters removed, so look-alikes cannot make records of their own."""

from __future__ import annotations

import unicodedata

import pytest

from ccaudit.evidence import normalize as nz
from ccaudit.evidence.models import FieldType

from .helpers import REGISTRY, Folder, one_issue


@pytest.mark.parametrize(("written", "stored"), [
    ("Ｅ００１", "E001"),  # full-width
    ("E\u200b001", "E001"),  # zero-width space
    ("\ufeffE001", "E001"),  # a BOM in the middle of a file lands at the start of a cell
    ("E001\u200f", "E001"),  # right-to-left mark
    ("E\u202e100", "E100"),  # right-to-left override: removed, never reorders
    ("E0\x0001", "E001"),  # NUL
    ("E\u3000001", "E 001"),  # ideographic space inside becomes a plain space
    ("①", "1"),
    ("ｅ\u0301", "é"),  # composed after the compatibility mapping
    ("下單系統", "下單系統"),
])
def test_identifiers_are_stored_in_nfkc_without_invisible_characters(folder: Folder, written: str,
                                                                       stored: str) -> None:
    folder.csv("people.csv", ["person_id", "employment_status", "role_id"], [[written, "active", written]])
    assert folder.run().rows("people", "person_id, role_id") == [(stored, stored)]


def test_look_alike_keys_are_one_record(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "employment_status"], [["E001", "active"], ["Ｅ００１", "active"]])
    imported = folder.run()
    assert imported.column("people", "person_id") == ["E001"]
    assert imported.manifest.files[0].duplicate_rows_dropped == 1


def test_look_alike_keys_with_different_content_are_a_conflict(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "employment_status"], [["E001", "active"], ["E\u200b001", "terminated"]])
    assert "person_id=E001 appears 2 times with different content" in one_issue(folder.fail())


@pytest.mark.parametrize("written", ["\u200b\u200b", "\ufeff", "\x00", "\u200e\u200f"])
def test_an_identifier_with_nothing_visible_is_refused(folder: Folder, written: str) -> None:
    folder.csv("people.csv", ["person_id", "employment_status"], [["E1", "active"], [written, "active"]])
    assert one_issue(folder.fail()) == (
        f"people.csv, row 3, column 'person_id': identifier has nothing visible once invisible characters are "
        f"removed (got {written!r}; expected an identifier with visible characters (zero-width spaces, BOM, NUL "
        "and direction marks are removed))"
    )


def test_an_optional_reference_with_nothing_visible_is_refused_too(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "employment_status", "role_id"], [["E1", "active", "\u200b"]])
    assert "column 'role_id': identifier has nothing visible" in one_issue(folder.fail())


def test_free_text_is_kept_as_written(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "employment_status", "name"], [["E1", "active", "王\u200b小明（Ａ）"]])
    assert folder.run().column("people", "name") == ["王\u200b小明（Ａ）"]


def test_list_values_are_normalised_and_invisible_ones_dropped(folder: Folder) -> None:
    folder.csv("roles.csv", ["role_id", "allowed_functions"], [["R1", "ｏｒｄｅｒ_entry;\u200b;quote\u200b"]])
    assert folder.run().rows("roles__allowed_functions", "value", order="value") == [("order_entry",), ("quote",)]


def test_identifier_fields_are_keys_and_references() -> None:
    people = REGISTRY["people"]
    assert [f.name for f in people.identifiers()] == ["person_id", "role_id"]
    for template in REGISTRY:
        for spec in template.identifiers():
            assert spec.type is FieldType.STRING, (template.id, spec.name)


def test_the_compatibility_table_covers_every_character() -> None:
    """The blocks scanned for mappings hold every character NFKC changes (a full scan, once)."""
    full = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF
            and unicodedata.normalize("NFKC", chr(c)) != unicodedata.normalize("NFC", chr(c))]
    assert nz._nfkc_mappings()[0] == full
