"""The formula-injection rule for every CSV ccaudit writes, and that ccaudit reads its own cells back exactly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from ccaudit import csvsafe
from ccaudit.settings import Settings

PAYLOADS = ["=1+1", "+cmd", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", "'=1", "-12", "'quoted"]
PLAIN = ["", "9A00", "範例證券", "a=b", "1-2", " =1"]


@pytest.mark.parametrize("value", PAYLOADS)
def test_a_cell_a_spreadsheet_would_evaluate_starts_with_a_quote(value: str) -> None:
    assert csvsafe.cell(value) == "'" + value
    assert csvsafe.restore(csvsafe.cell(value)) == value


@pytest.mark.parametrize("value", PLAIN)
def test_other_cells_are_written_as_they_are(value: str) -> None:
    assert csvsafe.cell(value) == value
    assert csvsafe.restore(value) == value


def test_the_sql_rule_is_the_python_rule() -> None:
    con = duckdb.connect()
    for value in [*PAYLOADS, *PLAIN, None]:
        got = con.execute(f"SELECT {csvsafe.sql_cell('v')} FROM (SELECT CAST(? AS VARCHAR) AS v)", [value]).fetchone()
        assert got == ((None if value is None else csvsafe.cell(value)),)
    assert con.execute(f"SELECT {csvsafe.sql_cell('x')} FROM (SELECT -1.5 AS x)").fetchone() == ("'-1.5",)


def test_sql_restore_undoes_the_rule() -> None:
    con = duckdb.connect()
    for value in [*PAYLOADS, *PLAIN]:
        got = con.execute(f"SELECT {csvsafe.sql_restore('v')} FROM (SELECT CAST(? AS VARCHAR) AS v)",
                          [csvsafe.cell(value)]).fetchone()
        assert got == (value,)


def test_an_audit_reading_a_run_from_its_csv_gets_the_values_the_checks_produced(tmp_path: Path) -> None:
    from ccaudit.audit.storage.offending import OffendingReader

    (tmp_path / "offending").mkdir()
    with (tmp_path / "offending" / "c.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([csvsafe.row(["subject", "amount", "source_file", "source_row"]),
                                      csvsafe.row(["=1+1", "-5", "'x.csv", "2"])])
    with OffendingReader(tmp_path, Settings()) as reader:
        [[record]] = list(reader.batches("c"))
    assert record["subject"] == "=1+1" and record["source_file"] == "'x.csv"
    assert json.loads(record["data"]) == {"amount": "-5"}
