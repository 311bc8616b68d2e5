"""Many firms on Spark as ONE run: every firm's evidence as one table per dataset with the firm as a
column, and each check run once for all firms (its SQL in the all-firm form of ccaudit.checks.all_firms).

- Each firm's evidence tables are staged by its own DuckDB workspace as Parquet under
  `<scratch>/union/<table>/__firm=<n>/data.parquet` (Hive style), and Spark reads each table's folders as
  one dataset whose `__firm` column comes from the folder name, with the schema of the first firm's
  footer (no job infers it). A firm whose tables have other types than the first firm's is not put in
  the union: its checks run on its own (below).
- `params` is one row per firm (each firm's own review interval), `__firms` the firms, and
  `__check_requirements` the requirements each firm's checks serve (its scope decides them), so the
  compensation wrapper takes each firm's own measures.
- A shared relation is computed once for all firms and cached; each check's failing rows, with
  compensation and provenance, are written once by the executors, partitioned by firm
  (`<scratch>/results/<table>/__firm=<n>/`).
- A check (or a shared relation it reads) whose SQL the transform cannot prove firm-safe, or whose
  all-firm query Spark refuses, runs firm by firm in sessions that see one firm's rows only, into the
  same layout; `per_firm` says which and why, and the run's output says it.

Each firm's findings are then made from its own partition by FirmSlice, a CheckEngine that reads the
partition and the firm's staged evidence on the driver with DuckDB, exactly as SparkEngine reads a
per-firm run's (ccaudit.checks.spark_results): the same files, findings, offending CSVs and workspace.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema
from pyspark.sql.types import IntegerType, StructField, StructType, TimestampType

from ccaudit.checks.all_firms import FIRM, FIRMS, NotFirmSafe, all_firms_sql
from ccaudit.checks.engine_spark import DIALECT, SESSION_CONF
from ccaudit.checks.engines import SOURCE_DIALECT, DuckDBEngine, evidence_tables, params_sql, transpile
from ccaudit.checks.models import Check, SharedRelation
from ccaudit.checks.params import PARAMS_TABLE, InspectionParams
from ccaudit.checks.runner import CHECK_REQUIREMENTS, offending_table, wrap
from ccaudit.checks.spark_results import DriverResults, parquet_schema
from ccaudit.evidence.readers import quote_ident, quote_literal
from ccaudit.findings.models import EngineRef

# Listing more paths than this makes Spark start a job to list them: a run's firms are listed on the driver.
DISCOVERY = {"spark.sql.sources.parallelPartitionDiscovery.threshold": "1000000"}
STAGED = "data.parquet"


@dataclass
class _Firm:
    number: int
    params: InspectionParams
    requirements_of: dict[str, list[str]]
    files: dict[str, Path] = field(default_factory=dict)  # table -> staged Parquet
    naive: set[str] = field(default_factory=set)  # TIMESTAMP (wall-clock) columns, as table.column


@dataclass
class _Written:
    folder: Path  # the check's rows of all firms, one __firm=<n> folder per firm with rows
    schema: pa.Schema  # without __firm
    errors: dict[int, str] = field(default_factory=dict)  # firm -> why its run of the check failed


class SparkUnion:
    """Stage firms (`stage`), run the checks once (`run`), then read each firm's results (`slice`)."""

    def __init__(self, spark: SparkSession, scratch: Path, progress: Callable[[str, int, int], None] | None = None):
        self.spark = spark.newSession()
        for key, value in {**SESSION_CONF, **DISCOVERY}.items():
            self.spark.conf.set(key, value)
        self.scratch = scratch
        self.progress = progress
        self.firms: dict[int, _Firm] = {}
        self.apart: dict[int, str] = {}  # firms kept out of the union (their tables' types) -> why
        self.per_firm: dict[str, str] = {}  # check -> why it ran firm by firm
        self._frames: dict[str, DataFrame] = {}
        self._cached: list[DataFrame] = []
        self._written: dict[str, _Written] = {}
        self._count = itertools.count()

    def close(self) -> None:
        for frame in self._cached:
            frame.unpersist()
        self._cached.clear()
        for name in self.spark.catalog.listTables():
            if name.isTemporary:
                self.spark.catalog.dropTempView(name.name)

    def info(self) -> EngineRef:
        return EngineRef(name="spark", version=self.spark.version, url=self.spark.sparkContext.master)

    # -- staging -----------------------------------------------------------------------------------

    def stage(self, number: int, con: duckdb.DuckDBPyConnection, params: InspectionParams,
              requirements_of: dict[str, list[str]]) -> None:
        """One firm's evidence tables, written by its workspace as the firm's partition of each table."""
        firm = _Firm(number, params, {k: list(v) for k, v in requirements_of.items()})
        for table in evidence_tables(con):
            folder = self.scratch / "union" / table / f"{FIRM}={number}"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / STAGED
            con.execute(f"COPY {quote_ident(table)} TO {quote_literal(str(path))} (FORMAT parquet)")
            firm.files[table] = path
            firm.naive |= {f"{table}.{r[0]}" for r in con.execute(f"DESCRIBE {quote_ident(table)}").fetchall()
                           if str(r[1]) == "TIMESTAMP"}
        self.firms[number] = firm

    def _register(self) -> None:
        """Each table over every firm's partition, and the per-firm tables."""
        first = self.firms[min(self.firms)]
        for table in sorted(first.files):
            schema = parquet_schema(first.files[table])
            members = []
            for number, firm in sorted(self.firms.items()):
                other = firm.files.get(table)
                if other is None or _columns(parquet_schema(other)) != _columns(schema):
                    self.apart.setdefault(number, f"its table {table} has other columns or types than the first firm's")
                else:
                    members.append(number)
            folders = [first.files[table].parent.parent / f"{FIRM}={n}" for n in members]
            self._frames[table] = _read(self.spark, self.scratch, table, schema, folders, first.naive)
        union = self._union()
        for table in self._frames:
            if self.apart:  # a firm apart is in no all-firm table
                self._frames[table] = self._frames[table].where(F.col(FIRM).isin(union))
            self._frames[table].createOrReplaceTempView(table)
        self._per_firm_tables(union)

    def _union(self) -> list[int]:
        return [n for n in sorted(self.firms) if n not in self.apart]

    def _per_firm_tables(self, union: list[int]) -> None:
        """params (a row per firm), __firms and __check_requirements, as views of literals (no job)."""
        rows = [f"SELECT t.*, CAST({n} AS INT) AS {FIRM} FROM ({params_sql(self.firms[n].params, SOURCE_DIALECT)}) t"
                for n in union]
        none = params_sql(InspectionParams(dt.date(2000, 1, 1)), SOURCE_DIALECT)
        self._view(PARAMS_TABLE, " UNION ALL ".join(rows) if rows else
                   f"SELECT t.*, CAST(0 AS INT) AS {FIRM} FROM ({none}) t WHERE FALSE")
        firms = ", ".join(f"(CAST({n} AS INT))" for n in union) or "(CAST(-1 AS INT))"
        self._view(FIRMS, f"SELECT * FROM (VALUES {firms}) AS t({FIRM}) WHERE {FIRM} >= 0")
        pairs = [f"(CAST({n} AS INT), {quote_literal(c)}, {quote_literal(r)})"
                 for n in union for c, reqs in sorted(self.firms[n].requirements_of.items()) for r in reqs]
        body = ", ".join(pairs) or "(CAST(-1 AS INT), '', '')"
        self._view(CHECK_REQUIREMENTS, f"SELECT * FROM (VALUES {body}) AS t({FIRM}, check_id, requirement_id) "
                                       f"WHERE {FIRM} >= 0")

    def _view(self, name: str, sql: str) -> None:
        self.spark.sql(transpile(sql, DIALECT)).createOrReplaceTempView(name)

    # -- the run -----------------------------------------------------------------------------------

    def run(self, checks: Iterable[Check]) -> None:
        """Each check once for every firm that runs it; shared relations made once, before the first."""
        self._register()
        checks = [c for c in checks if any(c.id in f.requirements_of for f in self.firms.values())]
        tables = [*self._frames, PARAMS_TABLE, CHECK_REQUIREMENTS]
        shared: dict[str, str | None] = {}  # relation -> why it is not built for all firms (None: built)
        context = self.spark.sparkContext
        try:
            for done, check in enumerate(checks):
                if self.progress:
                    self.progress(check.id, done, len(checks))
                for relation in check.shared:
                    if relation.name not in shared:
                        context.setJobDescription(f"ccaudit shared {relation.name}")
                        shared[relation.name] = self._shared(relation, tables)
                # the Spark UI's (and the status store's) name for the check's jobs and stages
                context.setJobDescription(f"ccaudit check {check.id}")
                why = self._all_firms(check, [*tables, *(r.name for r in check.shared)], shared)
                if why is not None:
                    self.per_firm[check.id] = why
                self._firm_by_firm(check, [n for n in sorted(self.firms) if n in self.apart or why is not None])
        finally:
            context.setJobDescription(None)  # type: ignore[arg-type]
        if self.progress:
            self.progress("", len(checks), len(checks))

    def _shared(self, relation: SharedRelation, tables: list[str]) -> str | None:
        try:
            sql = all_firms_sql(relation.sql, tables, DIALECT)
        except NotFirmSafe as exc:
            return str(exc)
        try:
            frame = self.spark.sql(sql).persist(StorageLevel.MEMORY_AND_DISK)
            frame.count()
        except Exception as exc:  # Spark refused it for all firms: each firm's own run says what
            return f"failed for all firms ({_first_line(exc)})"
        self._cached.append(frame)
        frame.createOrReplaceTempView(relation.name)
        return None

    def _all_firms(self, check: Check, tables: list[str], shared: dict[str, str | None]) -> str | None:
        """The check run once for the union's firms; why not, when it cannot be."""
        unbuilt = [f"its shared relation {r.name} {shared[r.name]}" for r in check.shared if shared[r.name]]
        if unbuilt:
            return unbuilt[0]
        try:
            sql = all_firms_sql(wrap(check, None), tables, DIALECT)
        except NotFirmSafe as exc:
            return f"its query {exc}"
        folder = self.scratch / "results" / f"{offending_table(check.id)}-{next(self._count)}"
        try:
            frame = self.spark.sql(sql)
            frame.write.partitionBy(FIRM).parquet(str(folder))
        except Exception as exc:  # the data of some firm: each firm's own run tells which
            shutil.rmtree(folder, ignore_errors=True)
            return f"failed for all firms ({_first_line(exc)})"
        schema = to_arrow_schema(StructType([f for f in frame.schema.fields if f.name != FIRM]))
        self._written[check.id] = _Written(folder, schema)
        return None

    def _firm_by_firm(self, check: Check, numbers: list[int]) -> None:
        """The check as each firm's own run would make it, in a session that sees that firm only, into
        the same folder as the all-firm rows (a firm apart, or every firm when the check runs apart)."""
        numbers = [n for n in numbers if check.id in self.firms[n].requirements_of]
        if not numbers:
            return
        if check.id not in self._written:
            folder = self.scratch / "results" / f"{offending_table(check.id)}-{next(self._count)}"
            self._written[check.id] = _Written(folder, pa.schema([]))
        written = self._written[check.id]
        for number in numbers:
            session = self._firm_session(number)
            try:
                for relation in check.shared:
                    session.sql(transpile(relation.sql, DIALECT)).createOrReplaceTempView(relation.name)
                frame = session.sql(transpile(wrap(check, self.firms[number].requirements_of[check.id]), DIALECT))
                frame.write.parquet(str(written.folder / f"{FIRM}={number}"))
                if not written.schema.names:
                    written.schema = to_arrow_schema(frame.schema)
            except Exception as exc:
                written.errors[number] = _first_line(exc)

    def _firm_session(self, number: int) -> SparkSession:
        """A session whose tables hold one firm's rows, without __firm: the firm's own run."""
        session = self.spark.newSession()
        for key, value in SESSION_CONF.items():
            session.conf.set(key, value)
        firm = self.firms[number]
        for table, path in firm.files.items():
            frame = _read(session, self.scratch, table, parquet_schema(path), [path.parent], firm.naive)
            frame.drop(FIRM).createOrReplaceTempView(table)
        session.sql(params_sql(firm.params, DIALECT)).createOrReplaceTempView(PARAMS_TABLE)
        return session

    # -- one firm's results ------------------------------------------------------------------------

    def slice(self, number: int) -> FirmSlice:
        return FirmSlice(self, number)

    def result(self, check_id: str, number: int) -> tuple[Path, pa.Schema]:
        written = self._written.get(check_id)
        if written is None:
            raise RuntimeError(f"check {check_id} was not run for all firms")
        if number in written.errors:
            raise RuntimeError(f"Spark failed on this evidence: {written.errors[number]}")
        return written.folder / f"{FIRM}={number}", written.schema


class FirmSlice:
    """One firm's view of a SparkUnion run, as a CheckEngine: `create_table` takes the firm's partition
    of the check's all-firm rows (the SQL it is handed is that check's wrapped query, already run for
    all firms); every query, export and count is DuckDB's on the driver over the firm's partitions and
    its staged evidence, as SparkEngine's are over a per-firm run's files."""

    dialect = SOURCE_DIALECT  # what reaches it runs on the driver's DuckDB

    def __init__(self, union: SparkUnion, number: int) -> None:
        self.union = union
        self.number = number
        self._info = union.info()
        self._results = DriverResults(union.scratch / f"driver-spill-{number}")
        for table, path in union.firms[number].files.items():
            self._results.add_evidence(table, path)

    def close(self) -> None:
        self._results.close()

    def __enter__(self) -> FirmSlice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def info(self) -> EngineRef:
        return self._info

    def set_params(self, params: InspectionParams) -> None:
        DuckDBEngine(self._results.con).set_params(params)

    def create_table(self, name: str, sql: str) -> None:
        check_id = name.removeprefix("offending__")
        folder, schema = self.union.result(check_id, self.number)
        self._results.add_result(name, folder, schema)

    def create_shared(self, name: str, sql: str) -> None:
        """Made once for all firms by the union run."""

    def drop_shared(self, name: str) -> None:
        """Dropped with the union run."""

    def query(self, sql: str) -> list[dict[str, Any]]:
        return self._results.query(sql)

    def columns(self, table: str) -> list[str]:
        if self._results.holds(table):
            return self._results.columns(table)
        return [r[0] for r in self._results.con.execute(f"DESCRIBE {quote_ident(table)}").fetchall()]

    def export_csv(self, sql: str, path: Path) -> None:
        self._results.engine().export_csv(sql, path)

    def export_parquet(self, sql: str, path: Path) -> None:
        self._results.engine().export_parquet(sql, path)

    def export_partitioned(self, sql: str, path: Path | str, partition_by: list[str]) -> None:
        self._results.engine().export_partitioned(sql, path, partition_by)


def _read(spark: SparkSession, scratch: Path, table: str, schema: pa.Schema, folders: list[Path],
          naive: set[str]) -> DataFrame:
    """A staged table's firm folders as one frame, `__firm` from the folder names, with the schema of a
    footer (no job infers it)."""
    # nullable whatever the footer says: DuckDB marks a column without NULLs in one firm's file as required
    footer = from_arrow_schema(schema, prefer_timestamp_ntz=True)
    fields = [StructField(f.name, f.dataType, True) for f in footer.fields]
    spark_schema = StructType([*fields, StructField(FIRM, IntegerType(), False)])
    if not folders:  # no firm in the union holds it: no rows, the columns
        return spark.createDataFrame([], spark_schema)
    root = str(scratch / "union" / table)
    frame = spark.read.schema(spark_schema).option("basePath", root).parquet(*map(str, folders))
    return _wall_clock(frame, table, naive)


def _columns(schema: pa.Schema) -> list[tuple[str, pa.DataType]]:
    """Names and types: what must agree for firms to share a table (not whether a column held NULLs)."""
    return [(f.name, f.type) for f in schema]


def _wall_clock(frame: DataFrame, table: str, naive: set[str]) -> DataFrame:
    """Naive columns Spark still reads as zoned TIMESTAMP back to TIMESTAMP_NTZ (as SparkEngine does)."""
    shifted = [f.name for f in frame.schema.fields
               if f"{table}.{f.name}" in naive and isinstance(f.dataType, TimestampType)]
    return frame.withColumns({c: frame[c].cast("timestamp_ntz") for c in shifted}) if shifted else frame


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
