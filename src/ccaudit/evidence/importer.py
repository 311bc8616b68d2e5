"""Import an evidence folder into a workspace database: validate everything, then commit at once.

Each file is read as text, parsed in one SQL pass, and checked against its template. Problems from
every file are collected; if there are any, the temporary workspace is thrown away and nothing is
stored. Only a clean import copies the files into the store and moves the database into place.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ccaudit.errors import EvidenceError, EvidenceValidationError, ValidationIssue
from ccaudit.evidence import normalize as nz
from ccaudit.evidence.models import DatasetTemplate, FieldType
from ccaudit.evidence.readers import (
    file_format,
    missing_columns_issue,
    quote_ident,
    quote_literal,
    read_raw,
)
from ccaudit.evidence.sources import EvidenceFile, discover
from ccaudit.evidence.store import EvidenceStore, Manifest, ManifestEntry, sha256_of
from ccaudit.evidence.templates import TemplateRegistry, header_map
from ccaudit.settings import Settings

Progress = Callable[[str, int, int], None]
FILES_TABLE = "evidence_files"


@dataclass
class _Staged:
    file: EvidenceFile
    sha256: str
    table: str
    children: dict[str, str]
    rows: int
    encoding: str | None
    ignored_columns: list[str]


@dataclass
class _Run:
    con: duckdb.DuckDBPyConnection
    registry: TemplateRegistry
    settings: Settings
    scratch: Path
    issues: list[ValidationIssue] = field(default_factory=list)
    truncated: bool = False


def open_workspace(path: Path, settings: Settings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET memory_limit = {quote_literal(settings.duckdb_memory_limit)}")
    if settings.duckdb_threads:
        con.execute(f"SET threads = {int(settings.duckdb_threads)}")
    return con


def import_folder(
    folder: Path,
    workspace: Path,
    store: EvidenceStore,
    registry: TemplateRegistry,
    settings: Settings,
    progress: Progress | None = None,
) -> Manifest:
    """Validate and import every evidence file of `folder`; raise EvidenceValidationError on any problem."""
    files, ignored = discover(folder, registry)
    workspace.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="ccaudit-import-", dir=workspace.parent))
    tmp_db = scratch / "workspace.duckdb"
    con = open_workspace(tmp_db, settings)
    try:
        nz.install_macros(con)
        run = _Run(con, registry, settings, scratch)
        staged, duplicates = _stage_all(run, files, progress)
        if run.issues:
            raise EvidenceValidationError(run.issues, run.truncated)
        dropped = _assemble(run, staged)
        if run.issues:
            raise EvidenceValidationError(run.issues, run.truncated)
        manifest = _manifest(staged, ignored, duplicates, dropped)
        _write_files_table(con, manifest)
        con.execute("CHECKPOINT")
        con.close()
        for item in staged:
            store.put(item.file.path, item.sha256)
        store.write_manifest(manifest)
        os.replace(tmp_db, workspace)
        return manifest
    finally:
        try:
            con.close()
        except duckdb.Error:
            pass
        shutil.rmtree(scratch, ignore_errors=True)


def _stage_all(
    run: _Run, files: list[EvidenceFile], progress: Progress | None
) -> tuple[list[_Staged], list[str]]:
    staged: list[_Staged] = []
    seen: dict[str, str] = {}
    duplicates: list[str] = []
    for index, item in enumerate(files):
        if progress:
            progress(item.path.name, index, len(files))
        sha = sha256_of(item.path)
        if sha in seen:
            duplicates.append(f"{item.path.name} is the same file as {seen[sha]}; imported once")
            continue
        seen[sha] = item.path.name
        try:
            result = _stage_file(run, item, sha, f"f{index}")
        except EvidenceError as exc:
            run.issues.append(ValidationIssue(file=item.path.name, message=str(exc).split(": ", 1)[-1]))
            continue
        if result is not None:
            staged.append(result)
    if progress:
        progress("", len(files), len(files))
    return staged, duplicates


def _stage_file(run: _Run, item: EvidenceFile, sha: str, tag: str) -> _Staged | None:
    template = run.registry[item.dataset]
    raw = read_raw(
        run.con,
        item.path,
        f"raw_{tag}",
        encoding=item.options.encoding,
        sheet=item.options.sheet,
        sheet_hints=(template.id, *template.file_aliases, template.title.zh_tw, template.title.en),
        scratch=run.scratch,
    )
    mapped, unknown = header_map(template, raw.headers)
    missing = [f for f in template.fields if f.required and f.name not in mapped]
    if missing:
        for spec in missing:
            run.issues.append(missing_columns_issue(item.path, spec.name, spec.zh, raw.headers))
        return None
    naive = item.options.naive_timestamps or template.naive_timestamps
    parsed = _parsed_view(run, template, raw.sql, mapped, naive, f"parsed_{tag}")
    stage = f"stage_{tag}"
    columns = ", ".join(quote_ident(c) for c, _ in template.table_columns()[2:])
    # One pass parses and flags bad rows; only a file with problems is parsed again to explain them.
    run.con.execute(
        f"CREATE TABLE {stage} AS SELECT {quote_literal(sha)} AS _file, _row, {columns}, __bad FROM {parsed}"
    )
    bad = run.con.execute(f"SELECT count(*) FROM {stage} WHERE __bad").fetchone()
    if bad and bad[0]:
        _collect_issues(run, item, template, parsed, mapped)
    run.con.execute(f"ALTER TABLE {stage} DROP COLUMN __bad")
    children = _stage_children(run, template, raw.sql, mapped, sha, tag)
    rows = _count(run.con, stage)
    run.con.execute(f"DROP VIEW {parsed}")
    if raw.table:
        run.con.execute(f"DROP TABLE {raw.table}")
    return _Staged(item, sha, stage, children, rows, raw.encoding, unknown)


def _parsed_view(
    run: _Run, template: DatasetTemplate, raw: str, mapped: dict[str, str], naive: str, name: str
) -> str:
    """A view with, per field: c__<f> (cleaned text), the typed column(s), and __bad for the row.

    Required fields are always mapped here (a missing required column stops the file earlier)."""
    cleaned = ["_row"]
    levels: list[list[str]] = []
    bad_terms: list[str] = []
    for spec in template.fields:
        clean_col = quote_ident("c__" + spec.name)
        if spec.name in mapped:
            cleaned.append(f"{nz.clean_expr(mapped[spec.name])} AS {clean_col}")
            if spec.required:
                bad_terms.append(f"{clean_col} IS NULL")
        if spec.type is FieldType.LIST:
            continue
        if spec.name in mapped:
            field_levels = nz.parse_levels(spec, clean_col, run.settings.firm_timezone, naive)
            if spec.type is not FieldType.STRING:
                bad_terms.append(f"({clean_col} IS NOT NULL AND {quote_ident(spec.name)} IS NULL)")
        else:
            outputs = (spec.name, f"{spec.name}_utc")
            field_levels = [[(c, f"CAST(NULL AS {t})") for c, t in template.table_columns() if c in outputs]]
        # Align every field's last level with the others' so all outputs appear at the top level.
        while len(levels) < len(field_levels):
            levels.insert(0, [])
        offset = len(levels) - len(field_levels)
        for i, level in enumerate(field_levels):
            levels[offset + i] += [f"{expr} AS {quote_ident(col)}" for col, expr in level]
    sql = f"SELECT {', '.join(cleaned)} FROM ({raw})"
    for level in levels:
        if level:
            sql = f"SELECT *, {', '.join(level)} FROM ({sql})"
    bad = " OR ".join(bad_terms) or "false"
    run.con.execute(f"CREATE VIEW {name} AS SELECT *, ({bad}) AS __bad FROM ({sql})")
    return name


def _collect_issues(
    run: _Run, item: EvidenceFile, template: DatasetTemplate, parsed: str, mapped: dict[str, str]
) -> None:
    limit = run.settings.max_issues_per_file
    selects = []
    for spec in template.fields:
        if spec.name not in mapped:
            continue
        clean_col = quote_ident("c__" + spec.name)
        checks: list[tuple[str, str]] = []
        if spec.required:
            checks.append((f"{clean_col} IS NULL", "required value is empty"))
        if spec.type not in (FieldType.STRING, FieldType.LIST):
            checks.append((f"{clean_col} IS NOT NULL AND {quote_ident(spec.name)} IS NULL", "value not understood"))
        for predicate, message in checks:
            selects.append(
                f"SELECT _row, {quote_literal(spec.name)} AS field, {clean_col} AS value, "
                f"{quote_literal(message)} AS message FROM {parsed} WHERE __bad AND {predicate}"
            )
    rows = run.con.execute(
        f"SELECT * FROM ({' UNION ALL '.join(selects)}) ORDER BY _row, field LIMIT {limit + 1}"
    ).fetchall()
    if len(rows) > limit:
        run.truncated = True
        rows = rows[:limit]
    for row_no, field_name, value, message in rows:
        spec = template.field(field_name)
        run.issues.append(
            ValidationIssue(
                file=item.path.name,
                row=int(row_no),
                column=mapped[field_name],
                value=value,
                message=message,
                expected=spec.expected(),
            )
        )


def _stage_children(
    run: _Run, template: DatasetTemplate, raw: str, mapped: dict[str, str], sha: str, tag: str
) -> dict[str, str]:
    children: dict[str, str] = {}
    keys = [k for k in template.key if template.field(k).type is not FieldType.LIST]
    for spec in template.list_fields():
        table = f"child_{tag}_{spec.name}"
        key_cols = ", ".join(
            f"{nz.clean_expr(mapped[k])} AS {quote_ident(k)}" if k in mapped else f"NULL AS {quote_ident(k)}"
            for k in keys
        )
        key_part = f"{key_cols}, " if key_cols else ""
        if spec.name in mapped:
            split = nz.list_split_expr(nz.clean_expr(mapped[spec.name]))
            run.con.execute(
                f"CREATE TABLE {table} AS SELECT * FROM (SELECT {quote_literal(sha)} AS _file, _row, {key_part}"
                f"trim(unnest({split})) AS value FROM ({raw})) WHERE value <> ''"
            )
        else:
            run.con.execute(
                f"CREATE TABLE {table} AS SELECT {quote_literal(sha)} AS _file, _row, {key_part}"
                f"CAST(NULL AS VARCHAR) AS value FROM ({raw}) WHERE false"
            )
        children[spec.name] = table
    return children


def _assemble(run: _Run, staged: list[_Staged]) -> dict[str, int]:
    """One table per dataset (empty when not supplied), child tables, and duplicate handling."""
    dropped: dict[str, int] = {}
    for template in run.registry:
        parts = [s for s in staged if s.file.dataset == template.id]
        _union_into(run.con, template.id, [p.table for p in parts], _empty_sql(template))
        for spec in template.list_fields():
            child_name = f"{template.id}__{spec.name}"
            keys = [k for k in template.key if template.field(k).type is not FieldType.LIST]
            key_defs = "".join(f", CAST(NULL AS VARCHAR) AS {quote_ident(k)}" for k in keys)
            empty = f"SELECT CAST(NULL AS VARCHAR) AS _file, CAST(NULL AS BIGINT) AS _row{key_defs}, " \
                    f"CAST(NULL AS VARCHAR) AS value WHERE false"
            _union_into(run.con, child_name, [p.children[spec.name] for p in parts], empty)
        if parts and template.key:
            dropped[template.id] = _deduplicate(run, template, parts)
    return dropped


def _empty_sql(template: DatasetTemplate) -> str:
    cols = ", ".join(f"CAST(NULL AS {t}) AS {quote_ident(c)}" for c, t in template.table_columns())
    return f"SELECT {cols} WHERE false"


def _union_into(con: duckdb.DuckDBPyConnection, name: str, tables: list[str], empty_sql: str) -> None:
    if len(tables) == 1:
        con.execute(f"ALTER TABLE {tables[0]} RENAME TO {quote_ident(name)}")
        return
    if not tables:
        con.execute(f"CREATE TABLE {quote_ident(name)} AS {empty_sql}")
        return
    union = " UNION ALL BY NAME ".join(f"SELECT * FROM {t}" for t in tables)
    con.execute(f"CREATE TABLE {quote_ident(name)} AS {union} ORDER BY _file, _row")
    for table in tables:
        con.execute(f"DROP TABLE {table}")


def _deduplicate(run: _Run, template: DatasetTemplate, parts: list[_Staged]) -> int:
    """Exact repeats of a record (overlapping exports) are dropped; the same key with different
    content is a problem the firm must resolve, reported with both rows."""
    table = quote_ident(template.id)
    keys = ", ".join(quote_ident(k) for k in template.key)
    content = [quote_ident(c) for c, _ in template.table_columns()[2:]]
    probe = run.con.execute(f"SELECT 1 FROM {table} GROUP BY {keys} HAVING count(*) > 1 LIMIT 1").fetchall()
    if not probe:  # the common case: one pass over the key columns only
        return 0
    groups = run.con.execute(
        f"SELECT {keys}, count(*) AS n, count(DISTINCT hash({', '.join(content)})) AS variants, "
        f"list(_file ORDER BY _file, _row)[1:3], list(_row ORDER BY _file, _row)[1:3] "
        f"FROM {table} GROUP BY ALL HAVING count(*) > 1"
    ).fetchall()
    if not groups:
        return 0
    names = {p.sha256: p.file.path.name for p in parts}
    nkeys = len(template.key)
    conflicts = [g for g in groups if g[nkeys + 1] > 1]
    limit = run.settings.max_issues_per_file
    for group in conflicts[:limit]:
        key_text = ", ".join(f"{k}={v}" for k, v in zip(template.key, group[:nkeys], strict=True))
        files, rows = group[nkeys + 2], group[nkeys + 3]
        where = "; ".join(f"{names.get(f, f)} row {r}" for f, r in zip(files, rows, strict=True))
        run.issues.append(
            ValidationIssue(
                file=names.get(files[0], files[0]),
                row=int(rows[0]),
                message=f"{template.id}: {key_text} appears {group[nkeys]} times with different content ({where})",
                expected=f"one record per {', '.join(template.key)}",
            )
        )
    run.truncated = run.truncated or len(conflicts) > limit
    if conflicts:
        return 0
    before = _count(run.con, table)
    run.con.execute(
        f"CREATE TABLE __dedup AS SELECT * FROM {table} "
        f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY _file, _row) = 1 ORDER BY _file, _row"
    )
    run.con.execute(f"DROP TABLE {table}")
    run.con.execute(f"ALTER TABLE __dedup RENAME TO {table}")
    return before - _count(run.con, table)


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def _manifest(
    staged: list[_Staged], ignored: list[str], duplicates: list[str], dropped: dict[str, int]
) -> Manifest:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    entries = [
        ManifestEntry(
            dataset=s.file.dataset,
            original_name=s.file.path.name,
            sha256=s.sha256,
            size_bytes=s.file.path.stat().st_size,
            rows=s.rows,
            format=file_format(s.file.path) or "",
            encoding=s.encoding,
            effective_date=s.file.effective_date,
            imported_at=now,
            ignored_columns=s.ignored_columns,
        )
        for s in staged
    ]
    warnings = [f"{d}: {n} exact duplicate record(s) dropped" for d, n in dropped.items() if n]
    warnings += [f"{e.original_name}: column(s) not in the template, ignored: {', '.join(e.ignored_columns)}"
                 for e in entries if e.ignored_columns]
    return Manifest(files=entries, ignored_files=ignored, skipped_duplicates=duplicates, warnings=warnings)


def _write_files_table(con: duckdb.DuckDBPyConnection, manifest: Manifest) -> None:
    con.execute(
        f"CREATE TABLE {FILES_TABLE} (sha256 VARCHAR, dataset VARCHAR, original_name VARCHAR, "
        "row_count BIGINT, effective_date DATE, imported_at TIMESTAMP)"
    )
    rows = [
        (e.sha256, e.dataset, e.original_name, e.rows, e.effective_date, e.imported_at.replace(tzinfo=None))
        for e in manifest.files
    ]
    if rows:
        con.executemany(f"INSERT INTO {FILES_TABLE} VALUES (?, ?, ?, ?, ?, ?)", rows)
