"""The formula-injection rule for every CSV ccaudit writes, and that ccaudit reads its own cells back exactly."""

from __future__ import annotations

import duckdb
import pytest

from ccaudit import csvsafe

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
