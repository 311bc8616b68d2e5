"""Engines and many firms as a user reaches them: `ccaudit inspect --engine postgres|spark` finds what
DuckDB finds on the demo firm (statuses, every offending row) and findings.json names the engine;
`ccaudit demo --firms` and `ccaudit inspect --firms` inspect several firms, one of them refused.

PostgreSQL needs CCAUDIT_TEST_PG_URL (`export CCAUDIT_TEST_PG_URL=$(scripts/start-postgres.sh)`);
Spark needs Java and pyspark (one test: a JVM starts slowly)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.cli.inprocess import ccaudit, inspect

from ccaudit.checks.engines import redacted
from ccaudit.demo.generator import generate

PG_URL = os.environ.get("CCAUDIT_TEST_PG_URL")
needs_pg = pytest.mark.skipif(not PG_URL, reason="CCAUDIT_TEST_PG_URL is not set (scripts/start-postgres.sh)")


def statuses(result: Path) -> dict[str, str]:
    report = json.loads((result / "findings.json").read_text(encoding="utf-8"))
    return {f["requirement_id"]: f["status"] for f in report["findings"]}


def engine_of(result: Path) -> dict[str, Any]:
    report = json.loads((result / "findings.json").read_text(encoding="utf-8"))
    manifest = json.loads((result / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    assert report["schema_version"] == "1.2"
    assert manifest["engine"] == report["engine"], "the run manifest records the same engine"
    return dict(report["engine"])


def offending(result: Path) -> dict[str, list[bytes]]:
    """Each offending CSV as its header and sorted lines (rows tied on the sort key may swap)."""
    files = {}
    for path in sorted((result / "offending").glob("*.csv")):
        header, *lines = path.read_bytes().split(b"\n")
        files[path.name] = [header, *sorted(lines)]
    return files


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The credible demo firm (scale 0.02) and its DuckDB result in demo/duckdb."""
    root = tmp_path_factory.mktemp("engines-cli")
    generate(root, scale=0.02)
    done = inspect(root / "evidence", root / "duckdb")
    assert done.code == 0, done.text
    assert engine_of(root / "duckdb")["name"] == "duckdb"
    assert len(offending(root / "duckdb")) >= 5, "the demo plants gaps"
    return root


def test_a_recorded_url_never_holds_the_password() -> None:
    assert redacted("postgresql+psycopg://ada:s3cret@db.example:5432/audit") == (
        "postgresql+psycopg://ada:***@db.example:5432/audit"
    )
    assert redacted("spark://master.example:7077") == "spark://master.example:7077"
    assert redacted("local[2]") == "local[2]"


def test_an_engine_it_cannot_use_is_refused_with_exit_2(demo: Path, tmp_path: Path) -> None:
    unknown = inspect(demo / "evidence", tmp_path / "r", "--engine", "oracle")
    assert unknown.code == 2 and "--engine takes duckdb, postgres, spark" in unknown.text
    no_url = inspect(demo / "evidence", tmp_path / "r", "--engine", "postgres")
    assert no_url.code == 2 and "--engine-url" in no_url.text
    unreachable = inspect(demo / "evidence", tmp_path / "r", "--engine", "postgres",
                          "--engine-url", "postgresql://ada:s3cret@127.0.0.1:1/none")
    assert unreachable.code == 2 and "cannot use PostgreSQL" in unreachable.text
    assert "s3cret" not in unreachable.text and "Traceback" not in unreachable.text
    assert not (tmp_path / "r").exists(), "a refused run writes no result folder"


@needs_pg
def test_inspect_on_postgres_finds_what_duckdb_finds(demo: Path, tmp_path: Path) -> None:
    import psycopg

    from ccaudit.checks.engine_postgres import conninfo

    assert PG_URL
    done = inspect(demo / "evidence", tmp_path / "pg", "--engine", "postgres", "--engine-url", PG_URL)
    assert done.code == 0, done.text
    assert statuses(tmp_path / "pg") == statuses(demo / "duckdb")
    assert offending(tmp_path / "pg") == offending(demo / "duckdb")
    engine = engine_of(tmp_path / "pg")
    assert engine["name"] == "postgres" and engine["version"] and engine["url"] == redacted(PG_URL)
    schema = engine["db_schema"]
    assert schema.startswith("ccaudit_run_")
    with psycopg.connect(conninfo(PG_URL)) as conn:  # dropped after the run...
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", [schema]).fetchone() == (0,)
    kept = inspect(demo / "evidence", tmp_path / "kept", "--engine", "postgres", "--engine-url", PG_URL,
                   "--keep-schema")
    assert kept.code == 0, kept.text
    schema = engine_of(tmp_path / "kept")["db_schema"]
    with psycopg.connect(conninfo(PG_URL), autocommit=True) as conn:  # ...unless asked to keep it
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = %s", [schema]).fetchone()
        assert tables is not None and tables[0] > 20
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def remote_work_evidence(source: Path, target: Path, only: set[str] | None = None) -> Path:
    """The firm profile, people, roles, measures and the remote-work registers and logs of `source`
    (or only the datasets named)."""
    from ccaudit.evidence.sources import discover
    from ccaudit.evidence.templates import TemplateRegistry

    files, _ = discover(source, TemplateRegistry.load())
    keep = only or {"firm_profile", "people", "roles", "compensating_measures", "attestations"}
    target.mkdir()
    for item in files:
        if item.dataset in keep or (only is None and item.dataset.startswith("remote_")):
            shutil.copy2(item.path, target / item.path.name)
    return target


@pytest.mark.slow
def lake_findings(root: Path) -> list[dict[str, Any]]:
    """The rows of ROOT/_findings/, partitioned by firm and requirement (`--results-parquet ROOT`)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    keys = ds.partitioning(pa.schema([("firm_id", pa.string()), ("requirement_id", pa.string())]), flavor="hive")
    return list(ds.dataset(root / "_findings", format="parquet", partitioning=keys).to_table().to_pylist())


def test_results_parquet_holds_every_offending_row_and_every_finding(demo: Path, tmp_path: Path) -> None:
    """`inspect --results-parquet DIR` (DuckDB): the offending rows partitioned by firm, requirement and
    check, and one row per finding under DIR/_findings/ partitioned by firm and requirement, compliant
    ones too, with the run and the engine; a second run of the firm replaces its partitions."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    lake = tmp_path / "lake"
    for _ in range(2):
        done = inspect(demo / "evidence", tmp_path / "r", "--results-parquet", lake)
        assert done.code == 0, done.text
    report = json.loads((tmp_path / "r" / "findings.json").read_text(encoding="utf-8"))
    rows = lake_findings(lake)
    assert len(rows) == len(report["findings"]), "one row per finding, the first run's replaced"
    by_req = {r["requirement_id"]: r for r in rows}
    for finding in report["findings"]:
        row = by_req[finding["requirement_id"]]
        assert row["firm_id"] == "9A00" and row["status"] == finding["status"]
        assert row["offending_rows"] == sum(c["offending_count"] for c in finding["checks"])
        assert row["run_id"] == report["run_id"] and row["engine"] == "duckdb"
    assert {r["status"] for r in rows} >= {"compliant", "non_compliant"}
    keys3 = ds.partitioning(pa.schema([("firm_id", pa.string()), ("requirement_id", pa.string()),
                                        ("check_id", pa.string())]), flavor="hive")
    offending_rows = ds.dataset(lake, format="parquet", partitioning=keys3).to_table(  # skips _findings
        columns=["requirement_id", "check_id"]).to_pylist()
    counted: dict[tuple[str, str], int] = {}
    for r in offending_rows:
        counted[(r["requirement_id"], r["check_id"])] = counted.get((r["requirement_id"], r["check_id"]), 0) + 1
    assert counted == {(f["requirement_id"], c["check_id"]): c["offending_count"]
                       for f in report["findings"] for c in f["checks"] if c["offending_count"]}


def test_inspect_on_spark_local_finds_what_duckdb_finds(demo: Path, tmp_path: Path) -> None:
    """A real `ccaudit` process on `local[1]`, with the offending rows also written as Parquet
    partitioned by firm, requirement and check."""
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (apt-get install default-jre-headless)")
    pytest.importorskip("pyspark", reason="pip install pyspark")
    env = {**os.environ, "COLUMNS": "200",
           # small data: one shuffle partition and no code generation keep each query short
           "CCAUDIT_ENGINE_CONF": '{"spark.sql.shuffle.partitions": "1", "spark.sql.codegen.wholeStage": "false"}'}
    # Every check on Spark is test_engines_agree's work; here the remote-work evidence (the largest
    # tables, a dozen checks) is enough to show the user's path, and keeps the JVM's time in bounds.
    evidence = remote_work_evidence(demo / "evidence", tmp_path / "evidence")
    on_duckdb = inspect(evidence, tmp_path / "duckdb")
    assert on_duckdb.code == 0, on_duckdb.text
    assert offending(tmp_path / "duckdb"), "the remote-work evidence has planted gaps"
    scratch = tmp_path / "tmp"  # the process's temporary folder: the run must leave nothing in it
    scratch.mkdir()
    env["TMPDIR"] = str(scratch)
    done = subprocess.run(
        [sys.executable, "-m", "ccaudit", "inspect", evidence, "--as-of", "2026-11-30",
         "--out", tmp_path / "spark", "--engine", "spark", "--engine-url", "local[1]",
         "--results-parquet", tmp_path / "parquet"],
        capture_output=True, text=True, env=env, timeout=1800, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in scratch.iterdir()) == [], "temporary folders left behind"
    assert statuses(tmp_path / "spark") == statuses(tmp_path / "duckdb")
    assert offending(tmp_path / "spark") == offending(tmp_path / "duckdb")
    engine = engine_of(tmp_path / "spark")
    assert engine["name"] == "spark" and engine["url"] == "local[1]" and engine["version"].startswith("4.")
    report = json.loads((tmp_path / "spark" / "findings.json").read_text(encoding="utf-8"))
    for finding in report["findings"]:
        for check in finding["checks"]:
            folder = (tmp_path / "parquet" / "firm_id=9A00" / f"requirement_id={finding['requirement_id']}"
                      / f"check_id={check['check_id']}")
            assert folder.is_dir() == bool(check["offending_count"]), folder
            if check["offending_count"]:
                import pyarrow.parquet as pq

                assert pq.read_table(folder).num_rows == check["offending_count"], folder
    written = {r["requirement_id"]: r for r in lake_findings(tmp_path / "parquet")}
    assert {k: r["status"] for k, r in written.items()} == statuses(tmp_path / "spark"), "every finding, by Spark"
    assert {r["engine"] for r in written.values()} == {"spark"}


def test_many_firms_one_refused_the_others_inspected_and_compared(tmp_path: Path) -> None:
    made = ccaudit("demo", "--out", tmp_path / "demo", "--firms", "3", "--scale", "0.02", "--format", "parquet")
    assert made.code == 0, made.text
    firms = tmp_path / "demo" / "firms"
    assert sorted(p.name for p in firms.iterdir()) == ["9A00", "9A01", "9A02"]
    assert all(p.suffix == ".parquet" for p in firms.rglob("*") if p.is_file())
    # three firms with their own seeds: same kinds of findings, different rows
    results = tmp_path / "demo" / "results"
    assert statuses(results / "9A00") == statuses(results / "9A01") == statuses(results / "9A02")
    assert offending(results / "9A00") != offending(results / "9A01")
    assert (results / "comparison" / "compare.xlsx").is_file()

    # an inspector's folder: one firm's profile broken, one folder named otherwise than its firm
    folder = tmp_path / "inspector"
    shutil.copytree(firms, folder)
    (folder / "9A01" / "firm_profile.parquet").unlink()
    (folder / "9A01" / "firm_profile.csv").write_text("firm_id,firm_name\n9A01,Broken\n", encoding="utf-8")
    (folder / "9A02").rename(folder / "broker-three")
    out = tmp_path / "out"
    done = ccaudit("inspect", "--firms", folder, "--as-of", "2026-11-30", "--out", out)
    assert done.code == 2, done.text
    assert "9A01" in done.text and "firm_profile.csv" in done.text and "2 of 3 firms inspected" in done.text
    assert sorted(p.name for p in out.iterdir()) == ["9A00", "9A02", "comparison", "firms.json"]
    assert statuses(out / "9A00") == statuses(results / "9A00")
    assert offending(out / "9A02") == offending(results / "9A02"), "named by firm_profile.firm_id"
    assert {p.name for p in (out / "comparison").iterdir()} == {"compare.xlsx", "compare.html"}
    html = (out / "comparison" / "compare.html").read_text(encoding="utf-8")
    assert "9A00" in html and "9A02" in html and "9A01" not in html
    summary = json.loads((out / "firms.json").read_text(encoding="utf-8"))
    by_folder = {f["evidence_folder"]: f for f in summary["firms"]}
    assert by_folder["9A01"]["result"] is None and "firm_profile.csv" in by_folder["9A01"]["error"]
    assert by_folder["broker-three"]["result"] == "9A02" and by_folder["9A00"]["error"] is None


@needs_pg
def test_audit_run_on_postgres_records_the_engine(demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert PG_URL
    monkeypatch.setenv("CCAUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CCAUDIT_USER", "ada")
    for args in (("user", "add", "ada", "--name", "Ada"), ("firm", "add", "9A00", "範例證券股份有限公司"),
                 ("user", "grant", "ada", "9A00", "auditor"),
                 ("audit", "open", "9A00", "2026", "--as-of", "2026-11-30")):
        done = ccaudit(*args)
        assert done.code == 0, done.text
    done = ccaudit("audit", "run", "1", demo / "evidence", "--engine", "postgres", "--engine-url", PG_URL)
    assert done.code == 0, done.text
    (run,) = [p for p in (tmp_path / "data" / "runs").iterdir() if (p / "findings.json").exists()]
    assert engine_of(run)["name"] == "postgres"
    assert statuses(run) == statuses(demo / "duckdb")
    shown = ccaudit("audit", "show", "1")
    assert shown.code == 0 and "checks ran on postgres" in shown.text, "runs.engine, as audit show says it"
    shown = ccaudit("audit", "rows", "1", "remote_login_used_mfa")
    assert shown.code == 0, shown.text


def test_many_firms_refuses_a_result_folder_inside_the_firms_folder(tmp_path: Path) -> None:
    (tmp_path / "firms" / "9A00").mkdir(parents=True)
    done = ccaudit("inspect", "--firms", tmp_path / "firms", "--as-of", "2026-11-30", "--out", tmp_path / "firms" / "r")
    assert done.code == 2 and "inside the firms folder" in done.text
    assert sorted(p.name for p in (tmp_path / "firms").iterdir()) == ["9A00"]
    empty = ccaudit("inspect", "--firms", tmp_path / "firms" / "9A00", "--as-of", "2026-11-30", "--out", tmp_path / "r")
    assert empty.code == 2 and "holds no firm folders" in empty.text
    both = ccaudit("inspect", tmp_path, "--firms", tmp_path / "firms", "--as-of", "2026-11-30", "--out", tmp_path / "r")
    assert both.code == 2 and "either EVIDENCE_DIR or --firms" in both.text


@pytest.mark.slow
def test_many_firms_on_spark_find_per_firm_what_duckdb_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`inspect --firms --engine spark --workers 2`: one Spark session for every firm, each firm's findings
    and offending rows those of DuckDB, a broken firm reported while the others complete."""
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (apt-get install default-jre-headless)")
    pytest.importorskip("pyspark", reason="pip install pyspark")
    from ccaudit.demo.generator import generate_firms

    generate_firms(tmp_path / "demo", 2, scale=0.005, fmt="parquet")
    folder = tmp_path / "firms"
    folder.mkdir()
    for firm in ("9A00", "9A01"):  # the sessions and who may open them: the session checks, planted gaps
        remote_work_evidence(tmp_path / "demo" / "firms" / firm, folder / firm,
                             {"firm_profile", "people", "roles", "remote_sessions"})
    (folder / "9A02").mkdir()
    (folder / "9A02" / "firm_profile.csv").write_text("firm_id,firm_name\n9A02,Broken\n", encoding="utf-8")
    monkeypatch.setenv("CCAUDIT_ENGINE_CONF",
                       '{"spark.sql.shuffle.partitions": "1", "spark.sql.codegen.wholeStage": "false"}')
    runs = {}
    for engine in ("duckdb", "spark"):
        url = ("--engine-url", "local[1]") if engine == "spark" else ()
        done = ccaudit("inspect", "--firms", folder, "--as-of", "2026-11-30", "--out", tmp_path / engine,
                       "--engine", engine, *url, "--workers", "2")
        assert done.code == 2 and "2 of 3 firms inspected" in done.text and "firm_profile.csv" in done.text, done.text
        runs[engine] = tmp_path / engine
    for firm in ("9A00", "9A01"):
        assert engine_of(runs["spark"] / firm)["name"] == "spark"
        assert statuses(runs["spark"] / firm) == statuses(runs["duckdb"] / firm)
        assert offending(runs["spark"] / firm) == offending(runs["duckdb"] / firm)
    assert offending(runs["duckdb"] / "9A00"), "the firms have planted gaps"
    assert offending(runs["duckdb"] / "9A00") != offending(runs["duckdb"] / "9A01"), "two firms, two sets of rows"
