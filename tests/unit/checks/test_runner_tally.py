"""A check's counts come from all of its failing rows, not from the sample quoted in findings.json:
more failing rows than the sample size still give the exact number offending, compensated (per row,
by the measure naming its subject or none) and covered only by an expired measure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from ccaudit.checks.engines import DuckDBEngine
from ccaudit.checks.loader import CheckLibrary
from ccaudit.checks.models import CheckOutcome
from ccaudit.checks.params import InspectionParams
from ccaudit.checks.runner import CheckResult, run_checks
from ccaudit.evidence.importer import import_folder, open_workspace
from ccaudit.evidence.store import EvidenceStore
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.settings import Settings

AS_OF = dt.date(2026, 11, 30)
META = {
    "id": "sessions_have_a_gateway", "title": {"en": "Sessions name their gateway", "zh-TW": "連線皆載明閘道"},
    "severity": "low", "datasets": ["remote_sessions"], "key": ["session_id"],
    "sentence": {"en": "{session_id}", "zh-TW": "{session_id}"},
    "rationale": {"en": "r", "zh-TW": "r"}, "remediation": {"en": "r", "zh-TW": "r"},
}
QUERY = "SELECT s.person_id AS subject, s.session_id, s._file, s._row FROM remote_sessions s WHERE s.gateway_id IS NULL"
# E1: 7 sessions without a gateway, covered by a valid measure naming E1; E2: 5, whose only measure
# (naming E2) expired; E3: 4, covered by nothing; and one session with a gateway (passes).
FAILING = {"E1": 7, "E2": 5, "E3": 4}
MEASURES = (
    "measure_id,requirement_id,check_id,subject,description,approved_by,approved_on,review_by\n"
    "CM-1,12.5.4,sessions_have_a_gateway,E1,gateway logs kept elsewhere,CISO,2026-01-01,2027-01-01\n"
    "CM-2,12.5.4,sessions_have_a_gateway,E2,gateway logs kept elsewhere,CISO,2025-01-01,2026-06-30\n"
    "CM-3,12.5.4,another_check,,not this check,CISO,2026-01-01,2027-01-01\n"
)


def _run(tmp_path: Path, sessions: list[str]) -> CheckResult:
    """The pack check run over these remote_sessions.csv lines and MEASURES, with a sample of three."""
    folder = tmp_path / "pack" / "checks" / "area" / str(META["id"])
    folder.mkdir(parents=True)
    (folder / "check.yaml").write_text(yaml.safe_dump(META, allow_unicode=True), encoding="utf-8")
    (folder / "query.sql").write_text(QUERY, encoding="utf-8")
    check = CheckLibrary.load([tmp_path / "pack"]).get(str(META["id"]))
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    header = "session_id,person_id,gateway_id,start_time,end_time,channel"
    (evidence / "remote_sessions.csv").write_text("\n".join([header, *sessions]) + "\n", encoding="utf-8")
    (evidence / "compensating_measures.csv").write_text(MEASURES, encoding="utf-8")
    manifest = import_folder(evidence, tmp_path / "ws.duckdb", EvidenceStore(tmp_path / "store"),
                             TemplateRegistry.load(), Settings())
    con = open_workspace(tmp_path / "ws.duckdb", Settings())
    try:
        engine = DuckDBEngine(con)
        engine.set_params(InspectionParams(AS_OF))
        return run_checks(engine, [check], {check.id: ["12.5.4"]}, manifest.datasets(), sample_rows=3)[check.id]
    finally:
        con.close()


def test_counts_and_measures_cover_every_failing_row_beyond_the_sample(tmp_path: Path) -> None:
    lines = []
    for person, count in FAILING.items():
        for _ in range(count):
            lines.append(f"S{len(lines) + 1:03d},{person},,2026-10-01 09:00:00,2026-10-01 10:00:00,ssl_vpn")
    result = _run(tmp_path, [*lines, "S999,E1,VPN-01,2026-10-01 09:00:00,2026-10-01 10:00:00,ssl_vpn"])

    assert result.outcome is CheckOutcome.FAILED
    assert result.offending == 16
    assert result.compensated == 7 and result.uncovered == 9
    assert result.expired_only == 5
    assert result.measures == ["CM-1"]
    assert result.expired_measures == [{"measure_id": "CM-2", "review_by": dt.date(2026, 6, 30), "rows": 5}]
    assert [row["session_id"] for row in result.sample] == ["S001", "S002", "S003"]  # the first three by key
    assert [row["compensated_by"] for row in result.sample] == ["CM-1"] * 3


def test_a_passing_check_has_no_counts_and_no_measures(tmp_path: Path) -> None:
    result = _run(tmp_path, ["S1,E1,VPN-01,2026-10-01 09:00:00,2026-10-01 10:00:00,ssl_vpn"])
    assert result.outcome is CheckOutcome.PASSED
    assert (result.offending, result.compensated, result.expired_only) == (0, 0, 0)
    assert result.measures == [] and result.expired_measures == [] and result.sample == []
