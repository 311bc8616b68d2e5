"""Checks on Apache Spark: the workspace's evidence tables are exported by DuckDB as Parquet and
registered as temp views of a Spark session, and the checks (transpiled by the runner) run there.

Time stamps: the evidence holds naive TIMESTAMP columns (firm-local wall time, and `*_utc` naive
UTC). Spark's default TIMESTAMP is "with local time zone" (an instant shown in the session zone),
which would shift wall-clock values with the session's or the machine's zone. So every session gets
`spark.sql.timestampType=TIMESTAMP_NTZ` (CAST(... AS TIMESTAMP) and literals are wall-clock values),
`spark.sql.parquet.inferTimestampNTZ.enabled=true` (DuckDB's naive Parquet timestamps, written with
isAdjustedToUTC=false, read back as TIMESTAMP_NTZ) and a UTC session zone for whatever is left; the
loader also casts any naive column that Spark still reads as a zoned TIMESTAMP back to TIMESTAMP_NTZ.

Each engine works in its own `SparkSession.newSession()` (own temp views and SQL settings, shared
SparkContext), so several inspections can share one JVM without seeing each other's tables.

Jobs per firm: a check's failing rows are written once as Parquet by the executors, and the driver reads
them from there (ccaudit.checks.spark_results); evidence tables are registered with the schema in their
Parquet footer, so no job infers it.
"""

from __future__ import annotations

import atexit
import functools
import itertools
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import TimestampType

from ccaudit.checks.engines import DuckDBEngine, evidence_tables, params_sql, transpile
from ccaudit.checks.params import PARAMS_TABLE, InspectionParams
from ccaudit.checks.spark_results import DriverResults, parquet_schema
from ccaudit.evidence.readers import quote_ident, quote_literal
from ccaudit.findings.models import EngineRef

DIALECT = "spark"

SESSION_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
    # DuckDB reads and writes the proleptic Gregorian calendar: never rebase (nor refuse) old dates.
    "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
}


@functools.cache
def _warehouse_dir() -> str:
    """One scratch warehouse per process, removed at exit: checks use temporary views only, but Spark's
    catalog makes the folder on first use (a folder per call was left in /tmp by every run and test)."""
    path = tempfile.mkdtemp(prefix="ccaudit-spark-warehouse-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def local_session(cores: int | None = None, conf: Mapping[str, str] | None = None) -> SparkSession:
    """A local SparkSession suited to one machine's inspections (no UI, loopback only, few shuffle
    partitions); `conf` adds or overrides settings (e.g. spark.driver.memory)."""
    return session(f"local[{cores or '*'}]", conf)


def session(master: str = "local[*]", conf: Mapping[str, str] | None = None) -> SparkSession:
    """A SparkSession on `master`: `local[N]` (this machine, N cores) or a cluster (`spark://host:7077`,
    `yarn`, `k8s://...`); `conf` adds or overrides settings."""
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "8",
        "spark.sql.warehouse.dir": _warehouse_dir(),
        **SESSION_CONF,
        **(conf or {}),
    }
    if master.startswith("local"):  # a cluster's executors must reach the driver: loopback only when local
        settings = {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1", **settings}
    builder = SparkSession.builder.master(master).appName("ccaudit")
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkEngine:
    """Runs checks in an isolated session of a SparkSession; `close()` drops its views and files."""

    dialect = DIALECT

    def __init__(self, spark: SparkSession, scratch: Path | None = None, *, isolate: bool = True) -> None:
        self.spark = spark.newSession() if isolate else spark
        for key, value in SESSION_CONF.items():
            self.spark.conf.set(key, value)
        self._owns_scratch = scratch is None
        self.scratch = scratch if scratch is not None else Path(tempfile.mkdtemp(prefix="ccaudit-spark-"))
        self._cached: dict[str, DataFrame] = {}
        self._views: set[str] = set()
        self._results = DriverResults(self.scratch / "driver-spill")
        self._written = itertools.count()

    def close(self) -> None:
        self._results.close()
        for frame in self._cached.values():
            frame.unpersist()
        for name in self._views:
            self.spark.catalog.dropTempView(name)
        self._cached.clear()
        self._views.clear()
        if self._owns_scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- loading ---------------------------------------------------------------------------------

    def load_workspace(self, con: duckdb.DuckDBPyConnection, tables: list[str] | None = None) -> dict[str, int]:
        """Register the workspace's evidence tables (all of them unless named) as temp views over
        Parquet files written by DuckDB; returns table -> rows."""
        return {t: self.load_table(con, t) for t in (tables if tables is not None else evidence_tables(con))}

    def load_table(self, con: duckdb.DuckDBPyConnection, table: str) -> int:
        folder = self.scratch / "evidence"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{table}.parquet"
        con.execute(f"COPY {quote_ident(table)} TO {quote_literal(str(path))} (FORMAT parquet)")
        naive = {
            str(r[0]) for r in con.execute(f"DESCRIBE {quote_ident(table)}").fetchall() if str(r[1]) == "TIMESTAMP"
        }
        frame = self._read_staged(path)
        self._results.add_evidence(table, path)
        shifted = [f.name for f in frame.schema.fields if f.name in naive and isinstance(f.dataType, TimestampType)]
        if shifted:  # read as an instant: in a UTC session the cast gives back the wall-clock value
            frame = frame.withColumns({c: frame[c].cast("timestamp_ntz") for c in shifted})
        frame.createOrReplaceTempView(table)
        self._views.add(table)
        return int(con.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchone()[0])  # type: ignore[index]

    def _read_staged(self, path: Path) -> DataFrame:
        """A staged file with the schema in its footer (naive timestamps as TIMESTAMP_NTZ): no job. A
        type Arrow cannot hand to Spark falls back to Spark's own inference (a small job)."""
        from pyspark.sql.pandas.types import from_arrow_schema

        try:
            schema = from_arrow_schema(parquet_schema(path), prefer_timestamp_ntz=True)
        except (TypeError, ValueError, NotImplementedError):
            return self.spark.read.parquet(str(path))
        return self.spark.read.schema(schema).parquet(str(path))

    # -- CheckEngine -----------------------------------------------------------------------------

    def info(self) -> EngineRef:
        return EngineRef(name="spark", version=self.spark.version, url=self.spark.sparkContext.master)

    def set_params(self, params: InspectionParams) -> None:
        """A view of one row of literals: nothing to compute or keep."""
        self.spark.sql(params_sql(params, self.dialect)).createOrReplaceTempView(PARAMS_TABLE)
        self._views.add(PARAMS_TABLE)

    def create_table(self, name: str, sql: str) -> None:
        """`sql` is in Spark's dialect (the runner transpiles a check before it gets here). The rows
        are written once as Parquet by the executors (one job) and read from there: by Spark through a
        view with the frame's schema, by the driver (counts, samples, exports) with DuckDB."""
        from pyspark.sql.pandas.types import to_arrow_schema

        frame = self.spark.sql(sql)
        folder = self.scratch / "results" / f"{name}-{next(self._written)}"
        frame.write.parquet(str(folder))
        self.spark.read.schema(frame.schema).parquet(str(folder)).createOrReplaceTempView(name)
        self._views.add(name)
        self._results.add_result(name, folder, to_arrow_schema(frame.schema))

    def create_shared(self, name: str, sql: str) -> None:
        """A shared relation computed once and kept (memory, spilling to disk): each check then reads
        it instead of reading the Parquet evidence and joining it again. On `local[2]` at 200k sessions
        this cost ~10% more CPU than recomputing it per check (bench/spark_shared_bench.py); kept for
        clusters, where recomputing re-reads the evidence over the network (not measured)."""
        frame = self.spark.sql(sql).persist(StorageLevel.MEMORY_AND_DISK)
        frame.count()
        previous = self._cached.pop(name, None)
        if previous is not None:
            previous.unpersist()
        frame.createOrReplaceTempView(name)
        self._cached[name] = frame
        self._views.add(name)

    def drop_shared(self, name: str) -> None:
        frame = self._cached.pop(name, None)
        if frame is not None:
            frame.unpersist()
        if name in self._views:
            self.spark.catalog.dropTempView(name)
            self._views.discard(name)

    def query(self, sql: str) -> list[dict[str, Any]]:
        """`sql` is in the source (DuckDB) dialect, as the runner and the service write it. Over the
        checks' written rows it is read on the driver; over evidence alone it runs on Spark."""
        if self._results.reads_results(sql):
            return self._results.query(sql)
        return [row.asDict() for row in self.spark.sql(transpile(sql, self.dialect)).collect()]

    def columns(self, table: str) -> list[str]:
        if self._results.holds(table):
            return self._results.columns(table)
        return list(self.spark.table(table).columns)

    def export_csv(self, sql: str, path: Path) -> None:
        if self._results.reads_results(sql):
            self._results.engine().export_csv(sql, path)
            return
        with self._exported(sql) as (duck, relation):
            DuckDBEngine(duck).export_csv(relation, path)

    def export_parquet(self, sql: str, path: Path) -> None:
        if self._results.reads_results(sql):
            self._results.engine().export_parquet(sql, path)
            return
        with self._exported(sql) as (duck, relation):
            DuckDBEngine(duck).export_parquet(relation, path)

    def export_partitioned(self, sql: str, path: Path | str, partition_by: list[str]) -> None:
        """Parquet under `path`, one folder per partition value (Hive style), written by the executors:
        on a cluster `path` must be storage every node reaches (a shared folder, or s3a://bucket/prefix
        with hadoop-aws). Appends: the caller clears old runs."""
        frame = self.spark.sql(transpile(sql, self.dialect))
        frame.write.mode("append").partitionBy(*partition_by).parquet(str(path))

    def delete_path(self, url: str) -> None:
        """Remove a folder where the executors write (any Hadoop file system: file://, s3a://)."""
        context = self.spark.sparkContext
        jvm, jsc = context._jvm, context._jsc
        assert jvm is not None and jsc is not None, "a live session"
        target = jvm.org.apache.hadoop.fs.Path(url)
        target.getFileSystem(jsc.hadoopConfiguration()).delete(target, True)

    @contextmanager
    def _exported(self, sql: str) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
        """The query's rows, in order, as a DuckDB relation: Spark writes them as one Parquet file
        (coalescing a sorted result keeps its order) that DuckDB then formats like DuckDBEngine."""
        folder = Path(tempfile.mkdtemp(prefix="export-", dir=self.scratch))
        try:
            target = folder / "rows"
            self.spark.sql(transpile(sql, self.dialect)).coalesce(1).write.parquet(str(target))
            duck = duckdb.connect()
            try:
                duck.execute("SET TimeZone = 'UTC'")
                yield duck, f"SELECT * FROM read_parquet({quote_literal(str(target / '*.parquet'))})"
            finally:
                duck.close()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
