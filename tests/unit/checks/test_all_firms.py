"""Every check in its all-firm form (ccaudit.checks.all_firms) gives each firm exactly the rows it gives
over that firm's tables alone, on firms whose rows WOULD join across firms: two demo firms from the
same seed (the same person IDs, session IDs and integer keys, sessions at the same times) with different
gaps, and a third holding only some of the datasets. Run on DuckDB (the transform is engine-neutral SQL;
tests/integration/test_all_firms_spark.py runs it on Spark)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest

from ccaudit.catalog.loader import DEFAULT_CATALOG, CatalogLibrary
from ccaudit.checks.all_firms import FIRM, FIRMS, NotFirmSafe, all_firms_sql
from ccaudit.checks.engines import DuckDBEngine, evidence_tables
from ccaudit.checks.loader import CheckLibrary
from ccaudit.checks.params import PARAMS_TABLE, InspectionParams
from ccaudit.checks.runner import CHECK_REQUIREMENTS, wrap
from ccaudit.demo.generator import generate
from ccaudit.evidence.importer import import_folder, open_workspace
from ccaudit.evidence.readers import quote_ident, quote_literal
from ccaudit.evidence.store import EvidenceStore
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.settings import Settings

AS_OF = dt.date(2026, 11, 30)
CHECKS = CheckLibrary.load()


def _requirements() -> dict[str, list[str]]:
    catalog = CatalogLibrary.load().in_force(DEFAULT_CATALOG, AS_OF)
    found: dict[str, list[str]] = {}
    for req in catalog.assessable():
        for check_id in req.checks:
            found.setdefault(check_id, []).append(req.id)
    return found


REQUIREMENTS = _requirements()


@pytest.fixture(scope="module")
def firms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[duckdb.DuckDBPyConnection]]:
    """Three imported workspaces: the same seed planted everywhere / credibly, and the credible firm
    with only its people, roles, sessions and operation log."""
    root = tmp_path_factory.mktemp("firms")
    settings = Settings()
    registry = TemplateRegistry.load()
    folders = []
    for name, plant in (("all", "all"), ("credible", "credible")):
        generate(root / name, scale=0.005, seed=2026, plant=plant, as_of=AS_OF)
        folders.append(root / name / "evidence")
    partial = root / "partial"
    partial.mkdir()
    for path in folders[1].iterdir():
        if path.stem.split(".")[0] in ("firm_profile", "people", "roles", "remote_sessions", "remote_operation_log"):
            (partial / path.name).write_bytes(path.read_bytes())
    folders.append(partial)
    cons = []
    for i, folder in enumerate(folders):
        import_folder(folder, root / f"ws{i}.duckdb", EvidenceStore(root / f"store{i}"), registry, settings)
        cons.append(open_workspace(root / f"ws{i}.duckdb", settings))
    yield cons
    for con in cons:
        con.close()


def _params(i: int) -> InspectionParams:
    return InspectionParams(AS_OF, review_interval_months=12 if i != 1 else 6)  # firms' own intervals differ


@pytest.fixture(scope="module")
def union(
    firms: list[duckdb.DuckDBPyConnection], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Every evidence table of the three firms as one table with __firm; params, __firms and the
    requirements per firm as tables too."""
    root = tmp_path_factory.mktemp("union")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    tables = evidence_tables(firms[0])
    for i, firm in enumerate(firms):
        for table in tables:
            path = root / f"{table}-{i}.parquet"
            firm.execute(f"COPY (SELECT *, CAST({i} AS INTEGER) AS {FIRM} FROM {quote_ident(table)}) "
                         f"TO {quote_literal(str(path))} (FORMAT parquet)")
    for table in tables:
        files = ", ".join(quote_literal(str(root / f"{table}-{i}.parquet")) for i in range(len(firms)))
        con.execute(f"CREATE TABLE {quote_ident(table)} AS SELECT * FROM read_parquet([{files}])")
    for i in range(len(firms)):
        DuckDBEngine(con).set_params(_params(i))
        one = f"SELECT *, CAST({i} AS INTEGER) AS {FIRM} FROM {PARAMS_TABLE}"
        con.execute(f"CREATE TABLE all_params AS {one}" if i == 0 else f"INSERT INTO all_params {one}")
    con.execute(f"DROP TABLE {PARAMS_TABLE}")
    con.execute(f"ALTER TABLE all_params RENAME TO {PARAMS_TABLE}")
    con.execute(f"CREATE TABLE {FIRMS} AS SELECT CAST(i AS INTEGER) AS {FIRM} FROM range({len(firms)}) t(i)")
    pairs = ", ".join(f"({i}, {quote_literal(c)}, {quote_literal(r)})"
                      for i in range(len(firms)) for c, reqs in REQUIREMENTS.items() for r in reqs)
    con.execute(f"CREATE TABLE {CHECK_REQUIREMENTS} AS SELECT CAST(f AS INTEGER) AS {FIRM}, check_id, requirement_id "
                f"FROM (VALUES {pairs}) AS t(f, check_id, requirement_id)")
    for relation in {r.name: r for c in CHECKS for r in c.shared}.values():
        con.execute(f"CREATE VIEW {relation.name} AS {all_firms_sql(relation.sql, [*tables, PARAMS_TABLE])}")
    yield con
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return sorted(con.execute(sql).fetchall(), key=repr)


def _alone(con: duckdb.DuckDBPyConnection, i: int, check_id: str) -> list[tuple[Any, ...]]:
    check = CHECKS.get(check_id)
    engine = DuckDBEngine(con)
    engine.set_params(_params(i))
    for relation in check.shared:
        engine.create_shared(relation.name, relation.sql)
    return _rows(con, wrap(check, REQUIREMENTS.get(check.id, [])))


@pytest.mark.parametrize("check_id", sorted(c.id for c in CHECKS))
def test_each_firm_gets_the_rows_it_gets_alone(
    check_id: str, firms: list[duckdb.DuckDBPyConnection], union: duckdb.DuckDBPyConnection
) -> None:
    check = CHECKS.get(check_id)
    tables = [*evidence_tables(firms[0]), PARAMS_TABLE, CHECK_REQUIREMENTS, *(r.name for r in check.shared)]
    sql = all_firms_sql(wrap(check, None), tables)
    for i, firm in enumerate(firms):
        together = _rows(union, f"SELECT * EXCLUDE ({FIRM}) FROM ({sql}) WHERE {FIRM} = {i}")
        assert together == _alone(firm, i, check_id), f"firm {i}"


def test_the_firms_would_mix_without_the_transform(
    firms: list[duckdb.DuckDBPyConnection], union: duckdb.DuckDBPyConnection
) -> None:
    """The data can tell: run as written over the union, a check finds other rows than the firms do
    alone (a session of one firm judged by another firm's people register)."""
    check = CHECKS.get("remote_account_not_dormant")
    alone = sum(len(_alone(f, i, check.id)) for i, f in enumerate(firms))
    assert alone, "the firms have dormant accounts"
    one_params = f"CROSS JOIN (SELECT * FROM {PARAMS_TABLE} WHERE {FIRM} = 0) p"  # as written, for one as-of date
    naive = wrap(check, REQUIREMENTS[check.id]).replace("CROSS JOIN params p", one_params)
    assert len(_rows(union, naive)) != alone
    shared = _rows(union, f"SELECT DISTINCT a.person_id FROM people a JOIN people b ON a._person_key = b._person_key "
                          f"AND a.{FIRM} = 0 AND b.{FIRM} = 1")
    assert len(shared) > 10, "the same person IDs (and keys) in two firms"


@pytest.mark.parametrize(("sql", "why"), [
    ("SELECT count(*) AS n FROM people", "aggregates without GROUP BY"),
    ("SELECT p.person_id FROM people p WHERE p.person_id IN (SELECT person_id FROM roles)", "IN (SELECT"),
    ("SELECT p.person_id FROM people p ORDER BY 1 LIMIT 5", "LIMIT"),
    ("SELECT p.person_id FROM people p JOIN roles r USING (role_id)", "USING"),
    ("SELECT * FROM people p, roles r", "* over several tables"),
    ("SELECT x.n FROM range(3) x(n)", "table function"),
    ("SELECT p.person_id FROM people p WHERE EXISTS (SELECT 1 FROM roles p WHERE p.role_id = 'a')", "hides"),
    ("SELECT p.person_id FROM elsewhere.people p", "only the run's own tables"),
    ("SELECT p.__firm FROM people p", "__firm"),
    ("SELECT p.* FROM people p UNION ALL SELECT r.* FROM roles r", "branch of a UNION"),
])
def test_what_it_cannot_prove_firm_safe_is_refused(sql: str, why: str) -> None:
    with pytest.raises(NotFirmSafe, match=why.replace("(", r"\(").replace("*", r"\*")):
        all_firms_sql(sql, ["people", "roles"])


def test_joins_groups_windows_and_subqueries_carry_the_firm() -> None:
    sql = all_firms_sql(
        "WITH c AS (SELECT p.role_id, count(*) AS n FROM people p GROUP BY p.role_id) "
        "SELECT r.role_id, c.n, row_number() OVER (ORDER BY r.role_id) AS k FROM roles r "
        "LEFT JOIN c ON c.role_id = r.role_id CROSS JOIN params pa "
        "WHERE NOT EXISTS (SELECT 1 FROM people q WHERE q.role_id = r.role_id)", ["people", "roles", "params"])
    assert "GROUP BY p.role_id, p.__firm" in sql
    assert "LEFT JOIN c ON (c.role_id = r.role_id) AND c.__firm = r.__firm" in sql
    assert "JOIN params AS pa ON pa.__firm = r.__firm" in sql and "CROSS JOIN params" not in sql
    assert "PARTITION BY r.__firm ORDER BY r.role_id" in sql
    assert sql.endswith("WHERE q.role_id = r.role_id AND q.__firm = r.__firm)")
    assert "r.__firm AS __firm FROM roles" in sql
