"""Offending rows of a run: read from the run's DuckDB workspace (tables offending__<check_id>), or
from its offending/<check_id>.csv when the workspace is not there, and turned into records whose
canonical JSON lines are hashed, so every stored row can be proven to be the one the run produced."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import RowMapping, insert, select
from sqlalchemy.orm import Session

from ccaudit import csvsafe
from ccaudit.audit.integrity.digest import canonical, plain
from ccaudit.audit.storage.models import OffendingRow
from ccaudit.settings import Settings

# the names the inspection writes (ccaudit.inspection.service.WORKSPACE, findings.writer.OFFENDING_DIR,
# checks.runner.offending_table): repeated here so reading a run does not import the check engines
WORKSPACE = "workspace.duckdb"
OFFENDING_DIR = "offending"


def offending_table(check_id: str) -> str:
    return f"offending__{check_id}"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


BATCH = 5_000
# provenance columns, kept in their own fields; every other column goes into `data`
SOURCE_SHA = ("_file", "source_sha256")
SOURCE_ROW = ("_row", "source_row")
META = {"subject", "source_file", "compensated_by", "expired_measure", *SOURCE_SHA, *SOURCE_ROW}


def record(row_no: int, values: dict[str, Any]) -> dict[str, Any]:
    """One offending row as stored and hashed."""
    sha = next((values[k] for k in SOURCE_SHA if values.get(k) is not None), None)
    src_row = next((values[k] for k in SOURCE_ROW if values.get(k) not in (None, "")), None)
    return {
        "row_no": row_no,
        "subject": _text(values.get("subject")),
        "source_sha256": _text(sha),
        "source_file": _text(values.get("source_file")),
        "source_row": int(src_row) if src_row is not None else None,
        "compensated_by": _text(values.get("compensated_by")),
        "expired_measure": _text(values.get("expired_measure")),
        "data": canonical({k: plain(v) for k, v in values.items() if k not in META}),
    }


LINE_FIELDS = ("compensated_by", "expired_measure", "row_no", "source_file", "source_row", "source_sha256", "subject")


def line(rec: Mapping[str, Any] | RowMapping) -> str:
    """The hashed text of one offending row, and its line in an archive: the row's fields as canonical
    JSON with its data (already canonical JSON text) as the last member, then a newline."""
    fields = json.dumps({k: rec[k] for k in LINE_FIELDS}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    data: str = rec["data"]
    return fields[:-1] + ',"data":' + data + "}\n"


def stored_lines(s: Session, run_id: int, check_id: str) -> Iterator[str]:
    """The check's offending rows in the run, read back from the database as hashed lines."""
    columns = [getattr(OffendingRow, name) for name in (*LINE_FIELDS, "data")]
    rows = s.execute(
        select(*columns)
        .where(OffendingRow.run_id == run_id, OffendingRow.check_id == check_id)
        .order_by(OffendingRow.row_no)
        .execution_options(yield_per=5000)
    )
    for row in rows.mappings():
        yield line(row)


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def stored_record(row: OffendingRow) -> dict[str, Any]:
    """The same record, read back from the database."""
    return {
        "row_no": row.row_no,
        "subject": row.subject,
        "source_sha256": row.source_sha256,
        "source_file": row.source_file,
        "source_row": row.source_row,
        "compensated_by": row.compensated_by,
        "expired_measure": row.expired_measure,
        "data": json.loads(row.data),
    }


COLUMNS = (
    "run_id",
    "check_id",
    "row_no",
    "subject",
    "source_sha256",
    "source_file",
    "source_row",
    "compensated_by",
    "expired_measure",
    "data",
)


def write_rows(s: Session, rows: list[dict[str, Any]]) -> None:
    """Bulk insert in the session's transaction: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    connection = s.connection()
    if connection.dialect.name == "postgresql":
        raw: Any = connection.connection.driver_connection  # the psycopg connection, in our transaction
        with raw.cursor() as cursor, cursor.copy(f"COPY offending_rows ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in COLUMNS])
        return
    connection.execute(insert(OffendingRow), rows)


def as_columns(rec: dict[str, Any], run_id: int, check_id: str) -> dict[str, Any]:
    return {**rec, "run_id": run_id, "check_id": check_id}


class OffendingReader:
    """Reads a run folder's offending rows, over one DuckDB connection for all its checks."""

    def __init__(self, run_dir: Path, settings: Settings) -> None:
        self.run_dir = run_dir
        workspace = run_dir / WORKSPACE
        self.workspace = workspace.exists()
        if self.workspace:
            from ccaudit.evidence.importer import open_workspace

            self.con = open_workspace(workspace, settings, read_only=True)
        else:
            import duckdb  # here, not at the top: audit commands that read no run do not load DuckDB

            self.con = duckdb.connect()
        self.tables: set[str] = set()
        if self.workspace:
            self.tables = {
                r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
            }

    def __enter__(self) -> OffendingReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.con.close()

    def batches(self, check_id: str) -> Iterator[list[dict[str, Any]]]:
        """Batches of the check's offending rows as records, numbered from 1, in a fixed order."""
        table = offending_table(check_id)
        csv = self.run_dir / OFFENDING_DIR / f"{check_id}.csv"
        if table in self.tables:
            sql = f"SELECT * FROM {quote_ident(table)} ORDER BY ALL"
        elif csv.exists():
            source = f"read_csv({quote_literal(csv.as_posix())}, all_varchar = true, header = true)"
            names = [quote_ident(r[0]) for r in self.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
            # the values the checks produced: the CSV's cells carry csvsafe's quote for spreadsheets
            cells = ", ".join(f"{csvsafe.sql_restore(n)} AS {n}" for n in names)
            sql = f"SELECT {cells} FROM {source} ORDER BY ALL"
        else:
            raise FileNotFoundError(f"the run folder holds no offending rows of {check_id} ({table} or {csv})")
        cursor = self.con.execute(sql)
        names = [d[0] for d in cursor.description or []]
        row_no = 0
        while batch := cursor.fetchmany(BATCH):
            out = []
            for values in batch:
                row_no += 1
                out.append(record(row_no, dict(zip(names, values, strict=True))))
            yield out
