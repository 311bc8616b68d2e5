from __future__ import annotations

from pathlib import Path

import pytest

from ccaudit.catalog.loader import DEFAULT_CATALOG, CatalogLibrary
from ccaudit.reports import from_result_dir
from ccaudit.reports.model import ReportError, Result, SourceKind, chunks
from ccaudit.settings import Settings

from .conftest import AS_OF, BIG_CHECK_ROWS


def test_rows_follow_the_catalog_and_keep_the_stored_status(result_dir: Path, settings: Settings) -> None:
    inp = from_result_dir.load(result_dir, settings)
    catalog = CatalogLibrary.load().in_force(DEFAULT_CATALOG, AS_OF)
    assert [r.id for r in inp.data.requirements] == [r.id for r in catalog.assessable()]
    assert inp.data.requirements[0].result is Result.NON_COMPLIANT
    assert inp.data.source.kind is SourceKind.RESULT_DIR
    assert inp.data.source.findings_sha256 and len(inp.data.source.findings_sha256) == 64
    assert inp.data.digest is None and inp.data.sign_off is None
    assert inp.data.catalog.version == catalog.version
    assert [a.id for a in inp.data.areas] == ["cloud", "social_media", "mobile", "iot", "remote_work"]
    assert inp.data.area_title("cloud", "zh-TW") == "雲端服務"


def test_offending_rows_stream_in_bounded_chunks(result_dir: Path, settings: Settings) -> None:
    inp = from_result_dir.load(result_dir, settings)
    big = inp.data.offending[0]
    assert big.count == BIG_CHECK_ROWS
    assert inp.rows.columns(big.check_id)[:2] == ["subject", "person_id"]
    got = list(inp.rows.iter_rows(big.check_id, limit=10))
    assert len(got) == 10 and got[0][0] == "設備-00000"
    sizes = [len(c) for c in chunks(inp.rows.iter_rows(big.check_id), 500)]
    assert sizes == [500, 500, 200]
    assert list(inp.rows.iter_rows("no_such_check")) == []


def test_offending_paths_cannot_leave_the_result_folder(tmp_path: Path) -> None:
    rows = from_result_dir.ResultDirRows(tmp_path, {"x": "../../etc/passwd"})
    assert rows.columns("x") == [] and list(rows.iter_rows("x")) == []


def test_previous_year_gives_the_trend(result_dir: Path, previous_dir: Path, settings: Settings) -> None:
    inp = from_result_dir.load(result_dir, settings, previous=previous_dir)
    assert inp.data.previous is not None and inp.data.previous.as_of == "2025-11-30"
    assert all(r.previous_result is not None for r in inp.data.requirements)


def test_a_folder_without_findings_is_refused(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(ReportError, match="not an inspection result folder"):
        from_result_dir.load(tmp_path, settings)
