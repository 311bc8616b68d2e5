"""Shared relations (checks/_shared/<name>.sql): per-row facts several checks read, built once per run
before the first check that names them, dropped after the checks; a check pack may read them too."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from ccaudit.checks.engines import DuckDBEngine
from ccaudit.checks.loader import CheckLibrary
from ccaudit.checks.params import InspectionParams
from ccaudit.checks.runner import run_checks
from ccaudit.errors import CatalogError
from ccaudit.evidence.importer import import_folder, open_workspace
from ccaudit.evidence.store import EvidenceStore
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.settings import Settings

SHARED = "remote_sessions_in_window"
META = {
    "id": "pack_check", "title": {"en": "Sessions have a gateway", "zh-TW": "連線皆有閘道"}, "severity": "low",
    "datasets": ["remote_sessions"], "key": ["session_id"], "sentence": {"en": "{session_id}", "zh-TW": "{session_id}"},
    "rationale": {"en": "r", "zh-TW": "r"}, "remediation": {"en": "r", "zh-TW": "r"}, "shared": [SHARED],
}
QUERY = f"SELECT s.person_id AS subject, s.session_id, s._file, s._row FROM {SHARED} s WHERE s.gateway_id IS NULL"


class Recording(DuckDBEngine):
    """DuckDB, noting every shared relation it is asked to create."""

    created: list[str]

    def create_shared(self, name: str, sql: str) -> None:
        self.created.append(name)
        super().create_shared(name, sql)


def _pack(root: Path, meta: dict[str, object]) -> Path:
    folder = root / "checks" / "area" / str(meta["id"])
    folder.mkdir(parents=True)
    (folder / "check.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    (folder / "query.sql").write_text(QUERY, encoding="utf-8")
    return root


def test_a_pack_reads_a_built_in_shared_relation_and_an_unknown_one_is_refused(tmp_path: Path) -> None:
    check = CheckLibrary.load([_pack(tmp_path / "ok", META)]).get("pack_check")
    assert [r.name for r in check.shared] == [SHARED]
    with pytest.raises(CatalogError, match=r"pack_check: names unknown shared relation\(s\) session_facts"):
        CheckLibrary.load([_pack(tmp_path / "bad", {**META, "shared": ["session_facts"]})])


def test_built_once_for_every_check_that_reads_it_and_dropped_after(tmp_path: Path) -> None:
    pack = _pack(tmp_path / "pack", META)
    library = CheckLibrary.load([pack])
    readers = [c for c in library if any(r.name == SHARED for r in c.shared)]
    assert len(readers) >= 3, "the session checks share one pass over remote_sessions"
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "remote_sessions.csv").write_text(
        "session_id,person_id,gateway_id,start_time,end_time,channel\n"
        "S1,E1,,2026-10-01 09:00:00,2026-10-01 10:00:00,ssl_vpn\n"
        "S2,E1,VPN-01,2026-10-02 09:00:00,2026-10-02 10:00:00,ssl_vpn\n", encoding="utf-8")
    registry = TemplateRegistry.load()
    manifest = import_folder(evidence, tmp_path / "ws.duckdb", EvidenceStore(tmp_path / "store"), registry, Settings())
    con = open_workspace(tmp_path / "ws.duckdb", Settings())
    try:
        engine = Recording(con)
        engine.created = []
        engine.set_params(InspectionParams(dt.date(2026, 11, 30)))
        results = run_checks(engine, readers, {}, manifest.datasets(), sample_rows=5)
        assert engine.created.count(SHARED) == 1
        assert results["pack_check"].offending == 1 and results["pack_check"].sample[0]["session_id"] == "S1"
        assert con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [SHARED]).fetchone() == (0,)
        engine.created = []  # no check can run (no sessions supplied): nothing is built
        run_checks(engine, readers, {}, set(), sample_rows=5)
        assert SHARED not in engine.created
    finally:
        con.close()
