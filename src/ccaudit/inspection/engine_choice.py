"""The engine a user chose (CCAUDIT_ENGINE / --engine): opened for each inspection run over the run's
DuckDB workspace, into which every import still goes.

- duckdb: the checks run on the workspace itself.
- postgres: the workspace's evidence is loaded with COPY into a schema of its own
  (`ccaudit_run_<run id>`), the checks run in the database, and the schema is dropped afterwards
  unless CCAUDIT_ENGINE_KEEP / --keep-schema asks to keep it.
- spark: the evidence is staged as Parquet and read by a session on the master URL (`local[N]` or a
  cluster); one session serves every run of a command (a JVM starts once) and is stopped at the end.

Whatever the engine, the offending-row tables are brought back into the workspace, so a result folder
holds the same files whichever engine wrote it (and `audit run` records the same rows).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from ccaudit.checks.engines import CheckEngine, DuckDBEngine, redacted
from ccaudit.errors import CcauditError
from ccaudit.evidence.object_store import Prefix, is_remote
from ccaudit.evidence.readers import quote_ident, quote_literal
from ccaudit.findings.models import InspectionReport
from ccaudit.settings import ENGINES, Settings
from ccaudit.textsafe import visible

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from ccaudit.checks.runner import CheckResult
    from ccaudit.checks.spark_union import SparkUnion

PARTITIONS = ["firm_id", "requirement_id", "check_id"]
# Beside the offending rows, one row per finding: a folder a Hive-style reader of the root skips ('_').
FINDINGS = "_findings"
# A firm ID becomes a folder name (OUT/<firm>/, firm_id=<firm>/): letters, digits, '.', '_' and '-' only.
SAFE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


class EngineError(CcauditError):
    """The chosen engine cannot be reached or used: every firm would fail the same way."""


class EngineRunError(CcauditError):
    """The engine, reached and working, refused one run's evidence (a value it cannot hold, a query its
    data makes fail): that firm is reported and `inspect --firms` goes on with the others."""


class Engines:
    """Opens the chosen engine for each run of one command; close() ends what it started."""

    def __init__(self, settings: Settings) -> None:
        self.name = settings.engine
        self.url = settings.engine_url.get_secret_value() if settings.engine_url else None
        self.keep = settings.engine_keep
        self.conf = settings.engine_conf
        self.scratch = settings.engine_scratch
        self.union_setting = settings.spark_union
        self._spark: SparkSession | None = None
        self._starting = threading.Lock()  # inspect --firms with workers: one session for every thread

    def close(self) -> None:
        if self._spark is not None:
            self._spark.stop()
            self._spark = None

    def __enter__(self) -> Engines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> str:
        """The engine as shown to the user: name and URL without its password."""
        return f"{self.name} ({redacted(self.url)})" if self.url else self.name

    @contextmanager
    def open(self, con: duckdb.DuckDBPyConnection, run_id: str) -> Iterator[CheckEngine]:
        """The engine with the workspace's evidence in it, for one run."""
        if self.name == "duckdb":
            yield DuckDBEngine(con)
        elif self.name == "postgres":
            with self._postgres(run_id) as engine:
                engine.load_workspace(con)
                yield engine
        elif self.name == "spark":
            with self._spark_engine(run_id) as engine:
                engine.load_workspace(con)
                yield engine
        else:  # Settings admits only ENGINES
            raise EngineError(f"unknown engine {self.name!r}: {', '.join(ENGINES)}")

    @contextmanager
    def _postgres(self, run_id: str) -> Iterator[Any]:
        import psycopg

        from ccaudit.checks.engine_postgres import PostgresEngine

        if not self.url:
            raise EngineError("--engine postgres needs --engine-url postgresql://user@host/db (or CCAUDIT_ENGINE_URL)")
        where = redacted(self.url)
        try:
            engine = PostgresEngine.connect(self.url, f"ccaudit_run_{run_id}", drop_schema_on_close=not self.keep)
            with engine:
                try:
                    yield engine
                except psycopg.OperationalError:
                    raise  # the connection or the server: refused, gone, out of space
                except psycopg.Error as exc:  # this run's data: a value or a query the server refused
                    raise EngineRunError(f"PostgreSQL at {where} refused this evidence: {_first_line(exc)}") from None
        except psycopg.Error as exc:
            raise EngineError(f"cannot use PostgreSQL at {where}: {_first_line(exc)}") from None

    @contextmanager
    def _spark_engine(self, run_id: str) -> Iterator[Any]:
        if shutil.which("java") is None:  # the driver's JVM runs here, even for a cluster
            raise EngineError("--engine spark needs Java on this machine (apt-get install default-jre-headless)")
        try:
            from py4j.protocol import Py4JError, Py4JJavaError  # type: ignore[import-untyped]
            from pyspark.errors import PySparkException

            from ccaudit.checks.engine_spark import SparkEngine, session
        except ImportError:
            raise EngineError("--engine spark needs pyspark (pip install 'pyspark>=4')") from None
        master = self.url or "local[*]"
        if self.scratch is not None:  # a folder the cluster's nodes share; this run's part removed after
            scratch = self.scratch / f"ccaudit-{run_id}"
            scratch.mkdir(parents=True, exist_ok=True)
        else:
            scratch = Path(tempfile.mkdtemp(prefix="ccaudit-spark-"))
        try:
            with self._starting:
                if self._spark is None:
                    self._spark = session(master, self.conf)
            with SparkEngine(self._spark, scratch) as engine:
                try:
                    yield engine
                except (Py4JJavaError, PySparkException) as exc:  # a query over this run's data failed
                    raise EngineRunError(f"Spark at {redacted(master)} failed on this evidence: "
                                         f"{_first_line(exc)}") from None
        except (Py4JError, PySparkException) as exc:  # the JVM or the cluster (gone, unreachable), not the evidence
            raise EngineError(f"cannot use Spark at {redacted(master)}: {_first_line(exc)}") from None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


    def all_firms(self) -> bool:
        """Whether `inspect --firms` runs each check once for all firms (Spark, CCAUDIT_SPARK_UNION)."""
        return self.name == "spark" and self.union_setting

    @contextmanager
    def union(self, progress: Callable[[str, int, int], None] | None = None) -> Iterator[SparkUnion]:
        """A SparkUnion for many firms' runs at once (ccaudit.checks.spark_union), on this command's
        session; its scratch folder removed after. An error of Spark over the firms' data reaches each
        firm through its own results; one of the JVM or the cluster is an EngineError."""
        self._need_spark()
        from py4j.protocol import Py4JError
        from pyspark.errors import PySparkException

        from ccaudit.checks.engine_spark import session
        from ccaudit.checks.spark_union import SparkUnion

        master = self.url or "local[*]"
        run = uuid.uuid4().hex[:12]
        if self.scratch is not None:
            scratch = self.scratch / f"ccaudit-union-{run}"
            scratch.mkdir(parents=True, exist_ok=True)
        else:
            scratch = Path(tempfile.mkdtemp(prefix="ccaudit-union-"))
        try:
            with self._starting:
                if self._spark is None:
                    self._spark = session(master, self.conf)
            union = SparkUnion(self._spark, scratch, progress)
            try:
                yield union
            finally:
                union.close()
        except (Py4JError, PySparkException) as exc:
            raise EngineError(f"cannot use Spark at {redacted(master)}: {_first_line(exc)}") from None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    @staticmethod
    def _need_spark() -> None:
        if shutil.which("java") is None:  # the driver's JVM runs here, even for a cluster
            raise EngineError("--engine spark needs Java on this machine (apt-get install default-jre-headless)")
        try:
            import pyspark  # noqa: F401
        except ImportError:
            raise EngineError("--engine spark needs pyspark (pip install 'pyspark>=4')") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return visible(text.splitlines()[0]) if text else type(exc).__name__


def copy_back(engine: CheckEngine, con: duckdb.DuckDBPyConnection, results: dict[str, CheckResult]) -> None:
    """Each check's offending-row table from another engine into the DuckDB workspace (via Parquet)."""
    if isinstance(engine, DuckDBEngine):
        return
    scratch = Path(tempfile.mkdtemp(prefix="ccaudit-back-"))
    try:
        for result in results.values():
            if result.table is None:
                continue
            path = scratch / f"{result.table}.parquet"
            engine.export_parquet(f"SELECT * FROM {quote_ident(result.table)}", path)
            con.execute(f"DROP TABLE IF EXISTS {quote_ident(result.table)}")
            source = f"read_parquet({quote_literal(str(path))})"
            con.execute(f"CREATE TABLE {quote_ident(result.table)} AS SELECT * FROM {source}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


HADOOP_AWS = (
    "--results-parquet s3://… is written by Spark's executors through Hadoop's S3A connector, which this "
    "Spark does not have (no hadoop-aws jar in pyspark/jars, spark.jars or spark.jars.packages). Give it "
    "the hadoop-aws jar of Spark's own Hadoop version (pyspark/jars/hadoop-client-api-<version>.jar) with "
    "the AWS SDK v2 bundle it names, e.g. CCAUDIT_ENGINE_CONF='{\"spark.jars.packages\": "
    "\"org.apache.hadoop:hadoop-aws:<version>\"}' where Maven Central is reachable, or write to a local "
    "folder and copy it (aws s3 sync)"
)


def results_location(given: str | None, settings: Settings) -> Path | str | None:
    """--results-parquet as the engine will write it: a local folder, or on Spark with the S3A connector
    an s3a:// URL. Refused before any work: an object store with DuckDB or PostgreSQL (the rows are
    written on this machine: write locally and copy), or with a Spark that has no S3A connector."""
    if given is None or not is_remote(given):
        return Path(given) if given is not None else None
    prefix = Prefix.parse(given)
    if settings.engine != "spark":
        raise CcauditError(f"--results-parquet {visible(prefix.url())}: only Spark's executors write to an object "
                           f"store; with --engine {settings.engine} write to a local folder and copy it (aws s3 sync)")
    master = settings.engine_url.get_secret_value() if settings.engine_url else "local[*]"
    if master.startswith("local") and not has_hadoop_aws(settings.engine_conf):
        raise CcauditError(HADOOP_AWS)
    # On a cluster the executors' classpath is the cluster's: its hadoop-aws cannot be seen from here.
    return f"s3a://{prefix.path}"


def has_hadoop_aws(conf: dict[str, str]) -> bool:
    """Whether a local Spark would load hadoop-aws: a jar beside pyspark's own, or named in the settings."""
    if any("hadoop-aws" in conf.get(k, "") for k in ("spark.jars", "spark.jars.packages")):
        return True
    try:
        import pyspark
    except ImportError:
        return False
    return any((Path(pyspark.__file__).parent / "jars").glob("hadoop-aws-*.jar"))


def result_name(report: InspectionReport, folder: str) -> str:
    """The firm's name for its result folder and partition: firm_profile.firm_id, checked because it
    is data (it must be a plain folder name), else the evidence folder's own name."""
    firm = report.firm_id
    if firm is None:
        return folder
    if not SAFE_ID.match(firm):
        raise CcauditError(
            f"firm_profile.firm_id {visible(firm)!r} cannot name a folder: letters, digits, '.', '_' and '-' only"
        )
    return firm


def write_partitioned(
    engine: CheckEngine, report: InspectionReport, results: dict[str, CheckResult], firm: str, root: Path | str
) -> int:
    """Every offending row under root/firm_id=<firm>/requirement_id=<req>/check_id=<check>/ as Parquet,
    written by the engine (a row serves each requirement its check belongs to), and every finding (one
    row per requirement, compliant ones too) under root/_findings/firm_id=<firm>/requirement_id=<req>/.
    The firm's earlier partitions are replaced. `root` is a local folder, or an s3a:// URL that only
    Spark is given (results_location). Returns the number of check-requirement pairs written."""
    requirements: dict[str, list[str]] = {}
    for finding in report.findings:
        for check in finding.checks:
            if check.offending_count:
                requirements.setdefault(check.check_id, []).append(finding.requirement_id)
    if isinstance(root, str):
        from ccaudit.checks.engine_spark import SparkEngine

        assert isinstance(engine, SparkEngine), "an object-store URL is given to Spark only"
        engine.delete_path(f"{root}/firm_id={firm}")
        engine.delete_path(f"{root}/{FINDINGS}/firm_id={firm}")
    else:
        shutil.rmtree(root / f"firm_id={firm}", ignore_errors=True)
        shutil.rmtree(root / FINDINGS / f"firm_id={firm}", ignore_errors=True)
        root.mkdir(parents=True, exist_ok=True)
    if report.findings:
        findings_root = f"{root}/{FINDINGS}" if isinstance(root, str) else root / FINDINGS
        engine.export_partitioned(findings_sql(report, firm), findings_root, ["firm_id", "requirement_id"])
    written = 0
    for check_id, reqs in sorted(requirements.items()):
        table = results[check_id].table
        if table is None:
            continue
        # A check's own column named like a partition keeps its value under row_<name>.
        cols = ", ".join(
            f"o.{quote_ident(c)} AS {quote_ident('row_' + c if c in PARTITIONS else c)}" for c in engine.columns(table)
        )
        values = ", ".join(f"({quote_literal(r)})" for r in reqs)
        engine.export_partitioned(
            f"SELECT {quote_literal(firm)} AS firm_id, r.requirement_id, {quote_literal(check_id)} AS check_id, "
            f"{cols} FROM {quote_ident(table)} o CROSS JOIN (VALUES {values}) AS r(requirement_id)",
            root, PARTITIONS,
        )
        written += len(reqs)
    return written


def findings_sql(report: InspectionReport, firm: str) -> str:
    """The report's findings as one SELECT of literals (portable: every engine writes it), a row per
    requirement: status, counts, the checks that failed, the reason codes, the run and the engine. What a
    regulator's query across firms reads ("which firms are non_compliant on 12.5.4") without opening
    each firm's findings.json; the offending rows say which rows, this says every status, compliant too."""

    def text(value: str | None) -> str:
        return "CAST(NULL AS VARCHAR)" if value is None else quote_literal(value)

    engine = report.engine
    rows = []
    for f in report.findings:
        values = [
            text(firm), text(f.requirement_id), text(f.status.value), text(f.obligation),
            f"CAST({sum(c.offending_count for c in f.checks)} AS BIGINT)",
            f"CAST({sum(c.compensated_count for c in f.checks)} AS BIGINT)",
            text(";".join(c.check_id for c in f.checks if c.outcome == "failed")),
            text(";".join(r.code for r in f.reason_codes)),
            text(report.run_id), f"CAST({quote_literal(report.as_of)} AS DATE)", text(report.catalog),
            f"CAST({report.catalog_version} AS BIGINT)", text(engine.name if engine else None),
            text(engine.version if engine else None), text(report.ccaudit_version),
        ]
        rows.append(f"({', '.join(values)})")
    columns = ("firm_id, requirement_id, status, obligation, offending_rows, compensated_rows, checks_failed, "
               "reason_codes, run_id, as_of, catalog, catalog_version, engine, engine_version, ccaudit_version")
    return f"SELECT * FROM (VALUES {', '.join(rows)}) AS t({columns})"
