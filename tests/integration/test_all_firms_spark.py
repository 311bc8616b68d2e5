"""`inspect --firms --engine spark` as one run (each check once for all firms) writes, for every firm,
what the firm-by-firm run writes: the same findings.json (apart from the run's ID and time), the same
offending CSVs byte for byte, the same offending rows in workspace.duckdb; a firm with bad evidence is
refused alone in both. The one run also holds the firm's twin (the same evidence under another firm ID:
the same people, sessions, keys and times), whose rows a join or a group that mixed firms would double. Needs Java and
pyspark (local[1], one JVM for both runs)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from pydantic import SecretStr
from tests.cli.test_engines_cli import remote_work_evidence

from ccaudit.demo.generator import generate_firms
from ccaudit.settings import Settings

AS_OF = dt.date(2026, 11, 30)
# The session checks (the shared relation, a FULL JOIN, correlated NOT EXISTS), the risk assessment (a
# window over the firm, one firm-level row from no table), the device handovers (LAG per device) and the
# measures (the compensation wrapper); few, so that the firm-by-firm run stays short.
DATASETS = {"firm_profile", "people", "roles", "compensating_measures", "remote_sessions", "remote_operation_log",
            "social_media_risk_assessments", "device_assignments", "device_resets"}


def findings(result: Path) -> dict[str, Any]:
    report = json.loads((result / "findings.json").read_text(encoding="utf-8"))
    for key in ("run_id", "generated_at"):
        report.pop(key)
    return dict(report)


def offending_csvs(result: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((result / "offending").glob("*"))}


def workspace_rows(result: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(result / "workspace.duckdb"), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_name LIKE 'offending__%' ORDER BY 1").fetchall()]
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        con.close()


def test_one_run_for_all_firms_writes_what_each_firm_run_writes(tmp_path: Path) -> None:
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (apt-get install default-jre-headless)")
    pytest.importorskip("pyspark", reason="pip install pyspark")
    from ccaudit.inspection.engine_choice import Engines
    from ccaudit.inspection.many import inspect_firms

    generate_firms(tmp_path / "demo", 1, scale=0.005, fmt="parquet", plant="all")
    folder = tmp_path / "firms"
    folder.mkdir()
    remote_work_evidence(tmp_path / "demo" / "firms" / "9A00", folder / "9A00", DATASETS)
    twin = remote_work_evidence(tmp_path / "demo" / "firms" / "9A00", folder / "9A03", DATASETS)
    profile = next(twin.glob("firm_profile*"))  # the same rows as 9A00 under another firm ID
    table = pq.read_table(profile)
    for i, column in enumerate(table.schema):  # the firm ID's column, under its English or Chinese name
        if column.type == "string" and "9A00" in table.column(i).to_pylist():
            table = table.set_column(i, column, pc.replace_substring(table.column(i), "9A00", "9A03"))
    pq.write_table(table, profile)
    (folder / "9A02").mkdir()
    (folder / "9A02" / "firm_profile.csv").write_text("firm_id,firm_name\n9A02,Broken\n", encoding="utf-8")

    alone = tmp_path / "alone"  # firm by firm (the slow way) only the firm and the broken one
    for firm in ("9A00", "9A02"):
        shutil.copytree(folder / firm, alone / firm)

    settings = Settings(engine="spark", engine_url=SecretStr("local[1]"),
                        engine_conf={"spark.sql.shuffle.partitions": "1", "spark.sql.codegen.wholeStage": "false"})
    with Engines(settings) as engines:
        one = inspect_firms(folder, AS_OF, tmp_path / "one_run", settings, engines=engines)
        engines.union_setting = False
        apart = inspect_firms(alone, AS_OF, tmp_path / "firm_by_firm", settings, engines=engines)
    assert one.all_firms.used and one.all_firms.firms == 2 and not one.all_firms.checks_firm_by_firm
    assert not apart.all_firms.used
    assert [(r.folder, r.firm, r.error is not None) for r in one] == [
        ("9A00", "9A00", False), ("9A02", None, True), ("9A03", "9A03", False)]
    assert [(r.folder, r.firm, r.error is not None) for r in apart] == [("9A00", "9A00", False), ("9A02", None, True)]
    assert one[1].error == apart[1].error and "firm_profile.csv" in (one[1].error or "")
    a, b = tmp_path / "one_run" / "9A00", tmp_path / "firm_by_firm" / "9A00"
    assert findings(a) == findings(b)
    assert offending_csvs(a) == offending_csvs(b)
    assert workspace_rows(a) == workspace_rows(b)
    assert offending_csvs(a), "the firm has gaps"
    twin_result = tmp_path / "one_run" / "9A03"
    assert offending_csvs(twin_result) == offending_csvs(a), "the twin's rows are its own, not doubled by the firm's"
    assert workspace_rows(twin_result) == workspace_rows(a)
    assert findings(twin_result)["counts"] == findings(a)["counts"]
    summary = json.loads((tmp_path / "one_run" / "firms.json").read_text(encoding="utf-8"))
    assert summary["all_firms"] == {"firms_in_one_run": 2, "checks_firm_by_firm": {}, "firms_apart": {}}
