"""What a Spark run's checks found, read on the driver: each check's failing rows are written once as
Parquet by the executors (one Spark job per check), and everything the inspection then needs from them
(the counts and measures of a finding, its sample, the offending CSV and Parquet, the copy into the
DuckDB workspace) is read from those files by an in-memory DuckDB on the driver, with no further job.

Why: on Spark local a firm cost ~200 small jobs (each check's table, then its tally, sample, CSV and
copy back; a schema-inference job per evidence table), each a fixed cost of JVM scheduling whatever its
rows: about 165 of a firm's 212 CPU s at 200k sessions (bench/README.md, "100 firms"). The rows a
driver reads here are those it read before (the copy back into the workspace always ran on it); on a
cluster the folder is the engine's scratch, which every node and the driver reach.

A query goes to this reader when it names a table written here (`offending__*`, or any table the
engine created), with the staged evidence at hand for its joins (the tally reads the measures
register); a query over evidence alone runs on Spark.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from ccaudit.checks.engines import SOURCE_DIALECT, DuckDBEngine
from ccaudit.evidence.readers import quote_ident, quote_literal


class DriverResults:
    """An in-memory DuckDB with a view per staged evidence file and per result folder."""

    def __init__(self, spill: Path) -> None:
        """`spill`: where DuckDB may spill a sort larger than memory (an offending CSV is sorted)."""
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")  # the files hold naive (wall-clock) timestamps
        self.con.execute(f"SET temp_directory = {quote_literal(str(spill))}")
        self._results: dict[str, tuple[Path, list[str]]] = {}  # table -> (folder, columns)
        self._views: set[str] = set()

    def close(self) -> None:
        self.con.close()
        for folder, _ in self._results.values():
            shutil.rmtree(folder, ignore_errors=True)
        self._results.clear()

    def add_evidence(self, table: str, path: Path) -> None:
        self._replace(table, f"CREATE OR REPLACE VIEW {quote_ident(table)} AS "
                             f"SELECT * FROM read_parquet({quote_literal(str(path))}, hive_partitioning = false)")

    def add_result(self, table: str, folder: Path, schema: pa.Schema) -> None:
        """`folder` as Spark wrote it (part files, maybe none for no rows); the earlier folder of the same
        name is removed."""
        files = sorted(str(p) for p in folder.glob("*.parquet"))
        if files:
            listed = ", ".join(quote_literal(f) for f in files)
            view = (f"CREATE OR REPLACE VIEW {quote_ident(table)} AS "
                    f"SELECT * FROM read_parquet([{listed}], hive_partitioning = false)")
            self._replace(table, view)
        else:  # no part file: no rows, the columns from the frame's schema
            self.con.register("__no_rows", pa.Table.from_batches([], schema=schema))
            try:
                self._replace(table, f"CREATE OR REPLACE TABLE {quote_ident(table)} AS SELECT * FROM __no_rows")
            finally:
                self.con.unregister("__no_rows")
        earlier = self._results.get(table)
        self._results[table] = (folder, list(schema.names))
        if earlier is not None and earlier[0] != folder:
            shutil.rmtree(earlier[0], ignore_errors=True)

    def _replace(self, table: str, sql: str) -> None:
        if table in self._views:  # a view cannot replace a table, nor a table a view
            kind = "TABLE" if self._is_table(table) else "VIEW"
            self.con.execute(f"DROP {kind} {quote_ident(table)}")
        self.con.execute(sql)
        self._views.add(table)

    def _is_table(self, table: str) -> bool:
        found = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", [table]
        ).fetchone()
        return bool(found and found[0])

    def holds(self, table: str) -> bool:
        return table in self._results

    def columns(self, table: str) -> list[str]:
        return list(self._results[table][1])

    def reads_results(self, sql: str) -> bool:
        """Whether `sql` (DuckDB dialect) names a table written here (a CTE of the same name does not)."""
        if not self._results:
            return False
        tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT)
        ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
        return any(t.name in self._results and t.name not in ctes for t in tree.find_all(exp.Table))

    def engine(self) -> DuckDBEngine:
        return DuckDBEngine(self.con)

    def query(self, sql: str) -> list[dict[str, Any]]:
        return self.engine().query(sql)


def parquet_schema(path: Path) -> pa.Schema:
    """The Arrow schema in a Parquet file's footer (read on the driver, no Spark job)."""
    return pq.read_schema(path)
