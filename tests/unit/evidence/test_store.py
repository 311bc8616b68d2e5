"""The evidence store: blobs named by their SHA-256, a manifest, and a check that nothing changed."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from pathlib import Path

from ccaudit.evidence.store import EvidenceStore, Manifest, ManifestEntry, sha256_of


def _entry(name: str, sha: str) -> ManifestEntry:
    return ManifestEntry(dataset="people", original_name=name, sha256=sha, size_bytes=3, rows=1, format="csv",
                         encoding="utf-8", effective_date=dt.date(2025, 10, 31),
                         imported_at=dt.datetime(2025, 11, 1, tzinfo=dt.UTC))


def test_put_is_content_addressed_idempotent_and_read_only(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_bytes(b"a,b\n")
    sha = sha256_of(source)
    assert sha == hashlib.sha256(b"a,b\n").hexdigest()
    store = EvidenceStore(tmp_path / "store")
    blob = store.put(source, sha)
    assert blob == tmp_path / "store" / "blobs" / sha
    assert blob.read_bytes() == b"a,b\n"
    assert not os.stat(blob).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert store.put(source, sha) == blob  # a second import of the same file stores nothing new
    assert sorted(p.name for p in (tmp_path / "store" / "blobs").iterdir()) == [sha]


def test_manifest_round_trip_and_atomic_write(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "store")
    manifest = Manifest(files=[_entry("人員清冊.csv", "ab" * 32)], ignored_files=["notes.docx"],
                        warnings=["people: 1 exact duplicate record(s) dropped"])
    path = store.write_manifest(manifest)
    assert "人員清冊.csv" in path.read_text(encoding="utf-8")  # readable, not \\u-escaped
    assert store.read_manifest() == manifest
    assert [p.name for p in path.parent.iterdir()] == ["manifest.json"]  # no temporary file left
    assert manifest.datasets() == {"people"}
    assert manifest.for_dataset("people") == manifest.files


def test_verify_finds_changed_or_missing_blobs(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "store")
    files = []
    for name, body in [("a.csv", b"1"), ("b.csv", b"2"), ("c.csv", b"3")]:
        source = tmp_path / name
        source.write_bytes(body)
        files.append(_entry(name, sha256_of(source)))
        store.put(source, files[-1].sha256)
    store.write_manifest(Manifest(files=files))
    assert store.verify() == []
    tampered = store.blob_path(files[1].sha256)
    tampered.chmod(0o644)
    tampered.write_bytes(b"changed")
    store.blob_path(files[2].sha256).unlink()
    assert store.verify() == ["b.csv", "c.csv"]
