"""Encodings: named, sniffed, detected, transcoded; and the hashing and line-counting pass."""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

import pytest

from ccaudit.errors import EvidenceError
from ccaudit.evidence import encoding as enc


@pytest.mark.parametrize(
    ("given", "expected"),
    [("big5", "cp950"), ("BIG5", "cp950"), ("Big-5", "cp950"), ("cp950", "cp950"), ("ms950", "cp950"),
     ("UTF8", "utf-8"), ("utf-8-sig", "utf-8"), ("utf_8", "utf-8"), ("UTF-16", "utf-16"), ("big5hkscs", "big5hkscs")],
)
def test_canonical_names(given: str, expected: str) -> None:
    assert enc.canonical(given) == expected


def test_unknown_encoding_name() -> None:
    with pytest.raises(EvidenceError, match=r"unknown encoding 'latin-9000' in evidence\.yaml"):
        enc.canonical("latin-9000")


def test_sniff(tmp_path: Path) -> None:
    utf8 = tmp_path / "a.csv"
    utf8.write_text("名稱\n王小明\n", encoding="utf-8")
    big5 = tmp_path / "b.csv"
    big5.write_bytes("名稱\n王小明\n".encode("cp950"))
    utf16 = tmp_path / "c.csv"
    utf16.write_bytes("名稱\n".encode("utf-16"))
    assert enc.sniff(utf8) == "utf-8"
    assert enc.sniff(big5) is None
    assert enc.sniff(utf16) == "utf-16"


def test_sniff_tolerates_a_character_cut_by_the_head(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    data = b"a" * (enc.HEAD_BYTES - 1) + "王".encode()  # 3 bytes: 2 fall beyond the head
    path.write_bytes(data)
    assert enc.sniff(path) == "utf-8"
    assert enc.detect(path) == "utf-8"


def test_detect(tmp_path: Path) -> None:
    big5 = tmp_path / "b.csv"
    big5.write_bytes("名稱,王小明\n".encode("cp950"))
    hkscs = tmp_path / "h.csv"
    hkscs.write_bytes("名稱,㗎\n".encode("big5hkscs"))
    neither = tmp_path / "n.csv"
    neither.write_bytes(b"name\ncaf\xe9\xff\n")
    assert enc.detect(big5) == "cp950"
    assert enc.detect(hkscs) == "big5hkscs"
    with pytest.raises(EvidenceError, match=r"n.csv: the file is neither UTF-8 nor Big5 \(cp950\)"):
        enc.detect(neither)


def test_transcode_streams_and_drops_a_bom(tmp_path: Path) -> None:
    source = tmp_path / "s.csv"
    text = "名稱\n" + "王小明\n" * 2_000_000  # larger than one read chunk, characters cut across chunks
    source.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    target = tmp_path / "t.csv"
    enc.transcode_to_utf8(source, target, "utf-16")
    assert target.read_text(encoding="utf-8") == text


def test_transcode_reports_the_bad_byte(tmp_path: Path) -> None:
    source = tmp_path / "s.csv"
    source.write_bytes("王小明\n".encode("cp950") + b"\xff\xff")
    with pytest.raises(EvidenceError, match=r"s\.csv: line 2 \(byte 7\) is not valid cp950"):
        enc.transcode_to_utf8(source, tmp_path / "t.csv", "cp950")


@pytest.mark.parametrize(
    ("content", "lines"),
    [
        (b"", 0),
        (b"\n\n", 0),
        (b"a,b", 1),
        (b"a,b\n", 1),
        (b"a,b\n1,2", 2),
        (b"a,b\n1,2\n", 2),
        (b"a,b\r\n1,2\r\n\r\n\r\n", 2),
        (b"a,b\n\n1,2\n  \n\t\n", 3),
        (b"a,b\n" + b"1,2\n" * 300_000, 300_001),
    ],
)
def test_scan_counts_lines_up_to_the_last_content(tmp_path: Path, content: bytes, lines: int) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    scanned = enc.scan(path)
    assert scanned.lines == lines
    assert scanned.sha256 == hashlib.sha256(content).hexdigest()
