"""Import an evidence folder into a workspace database: validate everything, then commit at once.

Each file is parsed in one parallel SQL pass straight into its table. The pass stops at the first
row that needs a closer look (a value not understood, a required value missing, a blank row); only
then is the file read again, numbered row by row, to report every problem (up to the limit) with its
row, column, value and what was expected. Problems from every file are collected; if there are any,
the temporary workspace is thrown away and nothing is stored. Only a clean import copies the files
into the store, moves the database into place and writes the manifest.

Row numbers: a parallel scan keeps the file's order in the table (DuckDB preserves insertion order),
so `_row` is the table's row id plus the row of the first record, once the file's line count shows
that records and lines agree; otherwise (blank lines, line breaks inside quoted cells) the rows are
counted exactly in Python. Numbering inside the parse pass instead (row_number() OVER ()) would make
the whole pass single-threaded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from ccaudit.errors import EvidenceError, EvidenceValidationError, ValidationIssue
from ccaudit.evidence import encoding as enc
from ccaudit.evidence import normalize as nz
from ccaudit.evidence import typedscan
from ccaudit.evidence.issue_texts import field_expected_zh
from ccaudit.evidence.models import SQL_TYPES, DatasetTemplate, FieldType
from ccaudit.evidence.readers import (
    RawSource,
    csv_error,
    csv_row_numbers,
    csv_scan,
    file_format,
    missing_columns_issue,
    quote_ident,
    quote_literal,
    read_raw,
)
from ccaudit.evidence.sources import RAW_EXPORT, EvidenceFile, RawExport, discover, probe_evidence
from ccaudit.evidence.store import Attachment, EvidenceStore, Manifest, ManifestEntry, sha256_of
from ccaudit.evidence.surrogate import key_sql, verify_keys
from ccaudit.evidence.templates import TemplateRegistry, header_map, header_score
from ccaudit.evidence.untrusted import WorkbookLimits
from ccaudit.settings import Settings

Progress = Callable[[str, int, int], None]
FILES_TABLE = "evidence_files"
_RECHECK = "ccaudit: a row needs a closer look"
_LIST_PREFIX = "__list__"
_SHORT_YEAR = "two-digit year"  # replaced by a message naming both readings
_OUT_OF_RANGE = "value out of range"


@dataclass
class _Staged:
    file: EvidenceFile
    sha256: str
    table: str
    rows: int
    encoding: str | None
    ignored_columns: list[str]
    dropped: int = 0
    row_file: str = ""  # the SHA-256 its rows cite in `_file`: its own, or the raw export's it came from
    notes: list[str] = field(default_factory=list)  # how it was read (a footer left out, hidden rows)

    def __post_init__(self) -> None:
        self.row_file = self.row_file or self.sha256


@dataclass
class _Run:
    con: duckdb.DuckDBPyConnection
    registry: TemplateRegistry
    settings: Settings
    scratch: Path
    issues: list[ValidationIssue] = field(default_factory=list)
    truncated: bool = False
    unique_keys: set[tuple[str, str]] = field(default_factory=set)  # (table, field): no integer key twice


def open_workspace(
    path: Path, settings: Settings, read_only: bool = False, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = {quote_literal(memory_limit or settings.duckdb_memory_limit)}")
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
    """Validate and import every evidence file of `folder`; raise EvidenceValidationError on any problem.

    Nothing is written outside a scratch folder until every file has passed: on any problem no blob
    is stored, no manifest written, and an existing workspace is left as it was."""
    files, ignored = discover(folder, registry, settings)
    attached = {rel: probe for rel in list(ignored) if (probe := probe_evidence(rel))}
    for rel in attached:
        del ignored[rel]
    workspace.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".ccaudit-import-", dir=workspace.parent))
    tmp_db = scratch / "workspace.duckdb"
    try:
        # Its own limit: what the import wrote stays in DuckDB's buffer pool up to the limit (bench/README.md)
        con = open_workspace(tmp_db, settings, memory_limit=settings.duckdb_import_memory_limit)
        try:
            nz.install_macros(con, nz.firm_zone(con, settings.firm_timezone))
            run = _Run(con, registry, settings, scratch)
            staged, duplicates, raws = _stage_all(run, files, progress)
            if run.issues:
                raise EvidenceValidationError(run.issues, run.truncated)
            con.execute("BEGIN TRANSACTION")  # dozens of small statements: one commit, not one each
            _assemble(run, staged)
            if run.issues:
                raise EvidenceValidationError(run.issues, run.truncated)
            manifest = _manifest(staged, ignored, duplicates)
            manifest.attachments = [Attachment(name=rel, sha256=sha256_of(folder / rel),
                                               size_bytes=(folder / rel).stat().st_size, probe=probe)
                                    for rel, probe in attached.items()]
            manifest.warnings += _empty_register_warnings(con, registry, manifest)
            _write_files_table(con, manifest)
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
            # The integer keys of the IDs the checks join on made exact, over the tables as written (so the
            # grouping does not add to the memory the import transaction held); nothing is published yet.
            verify_keys(con, list(registry), frozenset(run.unique_keys))
            con.execute("CHECKPOINT")
        finally:
            con.close()
        for item in staged:
            store.put(item.file.path, item.sha256)
        for raw_export, sha in raws.values():  # the gateway's own file, as handed in, beside what it became
            store.put(raw_export.path, sha)
            store.put_report(f"{sha}.parse_report.json", raw_export.report)
            if raw_export.archive is not None:  # a log of a zip of several: the zip as handed in, too
                store.put(raw_export.archive, raw_export.archive_sha256)
        for attachment in manifest.attachments:
            store.put(folder / attachment.name, attachment.sha256)
        os.replace(tmp_db, workspace)
        # A write-ahead log left beside an older workspace must not be replayed onto this one.
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{workspace}.wal")
        store.write_manifest(manifest)
        return manifest
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _stage_all(
    run: _Run, files: list[EvidenceFile], progress: Progress | None
) -> tuple[list[_Staged], list[str], dict[Path, tuple[RawExport, str]]]:
    """Stage every file; also returns the raw exports the derived files came from, with their SHA-256."""
    staged: list[_Staged] = []
    seen: dict[str, str] = {}
    duplicates: list[str] = []
    raws: dict[Path, tuple[RawExport, str]] = {}
    raw_seen: dict[str, str] = {}
    # Hashing runs ahead in a thread (hashlib releases the GIL) while DuckDB parses earlier files.
    with ThreadPoolExecutor(max_workers=1) as pool:
        scans: list[Future[enc.FileScan]] = [pool.submit(enc.scan, f.path) for f in files]
        origins = {f.derived_from.path: f.derived_from for f in files if f.derived_from}
        raw_scans = {path: pool.submit(enc.scan, path, True) for path in origins}
        for index, item in enumerate(files):
            if progress:
                progress(item.path.name, index, len(files))
            scanned = scans[index].result()
            sha = scanned.sha256
            origin = item.derived_from
            row_file = sha
            if origin is not None:
                row_file = raw_scans[origin.path].result().sha256
                first = raw_seen.setdefault(row_file, origin.rel)
                if first != origin.rel:  # the same log twice (copied under another name): read once
                    note = f"{origin.rel} is the same file as {first}; imported once"
                    duplicates += [] if note in duplicates else [note]
                    continue
                raws[origin.path] = (origin, row_file)
            if sha in seen:
                duplicates.append(f"{item.path.name} is the same file as {seen[sha]}; imported once")
                continue
            seen[sha] = item.path.name
            try:
                result = _stage_file(run, item, scanned, f"f{index}", row_file)
            except _AlreadyReported:
                continue
            except EvidenceValidationError as exc:  # located problems a reader found (workbook cells)
                run.issues.extend(exc.issues)
                continue
            except EvidenceError as exc:
                message = _strip_name(str(exc), item.path)
                run.issues.append(ValidationIssue(file=item.path.name, message=message, message_zh=exc.zh))
                continue
            if result is not None:
                staged.append(result)
    if progress:
        progress("", len(files), len(files))
    return staged, duplicates, raws


def _strip_name(message: str, path: Path) -> str:
    return message.removeprefix(f"{path.name}: ")


@dataclass
class _Plan:
    """The parse of one file: SQL pieces shared by the fast pass and the explaining pass."""

    template: DatasetTemplate
    raw: RawSource
    parses: dict[str, nz.FieldParse]  # mapped, non-list fields, with every parsing rule
    lists: dict[str, str]  # mapped list field -> cleaned-text SQL
    headers: dict[str, str]  # mapped field -> header as written
    positions: dict[str, int]  # mapped field -> its column's position in the file
    dirty_columns: list[str]  # raw text columns of string fields, tested at once for cleaning
    fast: dict[str, nz.FieldParse]  # the same fields, understanding only the common spellings
    naive: str = "local"  # how a timestamp without an offset is read: the firm's wall time, or UTC

    def tier(self, general: bool) -> dict[str, nz.FieldParse]:
        return self.parses if general else self.fast

    def levels_sql(self, source: str, general: bool = True) -> str:
        """SELECT levels over the relation `source`, ending in every output column."""
        levels: list[list[str]] = []
        for parse in self.tier(general).values():
            while len(levels) < len(parse.levels):
                levels.insert(0, [])
            offset = len(levels) - len(parse.levels)
            for i, exprs in enumerate(parse.levels):
                levels[offset + i] += [f"{expr} AS {quote_ident(col)}" for col, expr in exprs]
        if self.dirty_columns:
            levels.insert(0, [f"{nz.dirty_sql(self.dirty_columns)} AS {nz.DIRTY}"])
        sql = f"SELECT * FROM {source}"
        for selects in levels:
            if selects:
                sql = f"SELECT *, {', '.join(selects)} FROM ({sql})"
        return sql

    def outputs(self) -> list[str]:
        """The stage table's columns after `_file, _row`: every template column, then list texts."""
        produced = {col for parse in self.parses.values() for level in parse.levels for col, _ in level}
        cols = [
            quote_ident(name) if name in produced else f"CAST(NULL AS {sql_type}) AS {quote_ident(name)}"
            for name, sql_type in self.template.table_columns()[2:]
        ]
        for spec in self.template.list_fields():
            text = self.lists.get(spec.name, "CAST(NULL AS VARCHAR)")
            cols.append(f"{text} AS {quote_ident(_LIST_PREFIX + spec.name)}")
        for spec in self.template.surrogates():  # integer keys last (evidence/surrogate.py)
            key = key_sql(quote_ident(spec.name)) if spec.name in produced else "CAST(NULL AS BIGINT)"
            cols.append(f"{key} AS {quote_ident(spec.key_column)}")
        return cols

    def problem_terms(self) -> list[tuple[str, str, str]]:
        """(field, predicate, message) for every way a value can be wrong."""
        terms = []
        for spec in self.template.fields:
            parse = self.parses.get(spec.name)
            if parse is None:
                continue
            if spec.required:
                terms.append((spec.name, f"{parse.check} IS NULL AND {parse.text} IS NULL",
                              "required value is empty"))
            if spec.type in (FieldType.DATE, FieldType.TIMESTAMP):
                short = nz.short_year_sql(parse.text)
                day_month = nz.day_month_sql(parse.text)
                terms.append((spec.name, f"{parse.check} IS NULL AND {short}", _SHORT_YEAR))
                terms.append((spec.name, f"{parse.check} IS NULL AND {day_month}", nz.DAY_MONTH))
                terms.append((spec.name, f"{parse.check} IS NULL AND {parse.text} IS NOT NULL AND NOT {short} "
                              f"AND NOT {day_month}", "value not understood"))
            elif spec.type is not FieldType.STRING:
                terms.append((spec.name, f"{parse.check} IS NULL AND {parse.text} IS NOT NULL",
                              "value not understood"))
            outside = nz.out_of_range_sql(spec)
            if outside:
                terms.append((spec.name, outside, _OUT_OF_RANGE))
        for name, text in self.lists.items():
            if self.template.field(name).required:
                terms.append((name, f"{text} IS NULL", "required value is empty"))
        return sorted(terms, key=lambda term: self.positions[term[0]])  # as a person reads the row

    def problem_sql(self, general: bool = True) -> str:
        ors = []
        for spec in self.template.fields:
            parse = self.tier(general).get(spec.name)
            if parse is None:
                continue
            if spec.required:
                ors.append(f"{parse.check} IS NULL")
            elif spec.type is not FieldType.STRING:
                ors.append(f"({parse.check} IS NULL AND {parse.text} IS NOT NULL)")
            outside = nz.out_of_range_sql(spec)
            if outside:
                ors.append(outside)
        for name, text in self.lists.items():
            if self.template.field(name).required:
                ors.append(f"{text} IS NULL")
        return " OR ".join(ors) or "false"

    def blank_sql(self) -> str:
        """True for a record with nothing in any cell: skipped, as a spreadsheet's empty row; and for
        the header row repeated (blocks pasted one under another, each with its header)."""
        terms = [
            f"{nz.text_of(c, t)} IS NULL" if t in nz.TEXT_TYPES else f"{c} IS NULL"
            for c, t in zip(self.raw.columns, self.raw.types, strict=True)
        ]
        blank = " AND ".join(terms) or "true"
        repeat = self.repeated_header_sql()
        return f"({blank}) OR ({repeat})" if repeat else blank

    def repeated_header_sql(self) -> str | None:
        """True for a CSV or sheet row that repeats the header in every mapped column."""
        if self.raw.kind not in ("csv", "excel") or not self.positions:
            return None
        ws = quote_literal(nz.WS)
        positions = sorted(self.positions.values())
        first = self.raw.headers[positions[0]].strip(nz.WS)
        if any(self.raw.types[p] not in nz.TEXT_TYPES for p in positions):
            return None  # a typed column cannot hold its header's text: the reader refuses such a row
        # contains() first: a cheap test that nearly every row fails, so the trims run on few rows
        return f"contains({self.raw.columns[positions[0]]}, {quote_literal(first)}) AND " + " AND ".join(
            f"trim({self.raw.columns[p]}, {ws}) = {quote_literal(self.raw.headers[p].strip(nz.WS))}"
            for p in positions)


def _stage_file(run: _Run, item: EvidenceFile, scanned: enc.FileScan, tag: str, row_file: str) -> _Staged | None:
    try:
        return _stage_file_as(run, item, scanned, tag, item.options.encoding, row_file)
    except _Reencode as retry:
        # The first megabyte was plain ASCII, so it passed for UTF-8: read it again as what it is.
        return _stage_file_as(run, item, scanned, tag, retry.encoding, row_file)


class _Reencode(Exception):  # a signal to read the file again, not an error
    def __init__(self, encoding: str) -> None:
        self.encoding = encoding


def _stage_file_as(
    run: _Run, item: EvidenceFile, scanned: enc.FileScan, tag: str, encoding: str | None, row_file: str
) -> _Staged | None:
    template = run.registry[item.dataset]
    raw = read_raw(
        run.con,
        item.path,
        f"raw_{tag}",
        encoding=encoding,
        sheet=item.options.sheet,
        sheet_hints=(template.id, *template.file_aliases, template.title.zh_tw, template.title.en),
        scratch=run.scratch,
        header_score=header_score(template),
        limits=WorkbookLimits.from_settings(run.settings),
    )
    stage = f"stage_{tag}"
    try:
        plan = _plan(run, item, template, raw)
        if plan is None:
            return None
        lines = scanned.lines if raw.read_path == item.path else None
        typed = _typed_plan(run, plan)
        done = typed is not None and _parallel_pass(run, item, typed, row_file, stage, lines, general=False,
                                                    typed=True)
        done = done or _parallel_pass(run, item, plan, row_file, stage, lines, general=False)
        if not done and plan.fast != plan.parses:
            done = _parallel_pass(run, item, plan, row_file, stage, lines, general=True)
        if not done and not _explain_pass(run, item, plan, row_file, stage, lines):
            return None
        if not _normalise_identifiers(run, item, plan, stage):
            run.con.execute(f"DROP TABLE {stage}")
            return None
        rows = _count(run.con, stage)
        return _Staged(item, scanned.sha256, stage, rows, raw.encoding, _ignored(raw.headers, plan), row_file=row_file,
                       notes=raw.notes)
    except _Reencode:
        run.con.execute(f"DROP TABLE IF EXISTS {stage}")
        raise
    finally:
        for table in raw.tables:
            run.con.execute(f"DROP TABLE IF EXISTS {table}")


def _normalise_identifiers(run: _Run, item: EvidenceFile, plan: _Plan, stage: str) -> bool:
    """Identifier columns in NFKC without invisible characters (see normalize.py), set on the
    distinct values that need it; False, with the rows reported, where nothing visible is left."""
    columns = [s.name for s in plan.template.identifiers() if s.name in plan.parses]
    idents = _identifier_map(run, stage, columns)
    if idents is None:
        return True
    limit = run.settings.max_issues_per_file
    blanks = " UNION ALL ".join(
        f"SELECT _row, {i} AS c, {quote_ident(c)} AS v FROM {stage} "
        f"WHERE {quote_ident(c)} IN (SELECT v FROM {idents} WHERE n IS NULL)"
        for i, c in enumerate(columns)
    )
    empty = run.con.execute(f"SELECT * FROM ({blanks}) ORDER BY _row, c LIMIT {limit + 1}").fetchall()
    for row, index, value in empty[:limit]:
        name = columns[index]
        run.issues.append(ValidationIssue(
            file=_shown(item), row=int(row), column=plan.headers[name], value=value,
            message="identifier has nothing visible once invisible characters are removed",
            expected="an identifier with visible characters (zero-width spaces, BOM, NUL and direction "
                     "marks are removed)",
        ))
    run.truncated = run.truncated or len(empty) > limit
    if not empty:
        keys = {s.name: s.key_column for s in plan.template.surrogates()}
        for name in columns:
            column = quote_ident(name)
            key = f", {quote_ident(keys[name])} = {key_sql('m.n')}" if name in keys else ""
            run.con.execute(f"UPDATE {stage} SET {column} = m.n{key} FROM {idents} m WHERE {stage}.{column} = m.v")
    run.con.execute(f"DROP TABLE {idents}")
    return not empty


def _identifier_map(run: _Run, table: str, columns: list[str]) -> str | None:
    """A temp table (v, n) of the values of these columns that normalising changes, or None."""
    if not columns:
        return None
    found = "__ident_values"
    run.con.execute(f"CREATE OR REPLACE TEMP TABLE {found} AS "
                    f"{nz.identifier_candidates_sql(table, [quote_ident(c) for c in columns])}")
    if not _count(run.con, found):
        run.con.execute(f"DROP TABLE {found}")
        return None
    nz.ensure_nfkc_table(run.con)
    mapping = "__ident_map"
    run.con.execute(f"CREATE OR REPLACE TEMP TABLE {mapping} AS SELECT * FROM "
                    f"({nz.identifier_normalised_sql(found)}) WHERE n IS DISTINCT FROM v")
    run.con.execute(f"DROP TABLE {found}")
    return mapping


def _ignored(headers: list[str], plan: _Plan) -> list[str]:
    used = set(plan.headers.values())
    return [h for h in headers if h.strip() and h not in used]


def _plan(run: _Run, item: EvidenceFile, template: DatasetTemplate, raw: RawSource) -> _Plan | None:
    mapping = header_map(template, raw.headers)
    problems = False
    header_row = 1 if raw.kind in ("csv", "excel") else None
    if raw.kind == "csv" and raw.dialect:
        header_row = raw.dialect.skip + 1
    elif raw.kind == "excel":
        header_row = raw.first_row - 1
    for name, spellings in mapping.conflicts.items():
        problems = True
        run.issues.append(ValidationIssue(
            file=item.path.name, row=header_row,
            message=f"columns {', '.join(repr(h) for h in spellings)} all name the field '{name}'",
            expected="one column per field; remove or rename the others",
        ))
    for spec in template.fields:
        if spec.required and spec.name not in mapping.fields:
            problems = True
            issue = missing_columns_issue(item.path, spec.name, spec.zh, raw.headers)
            run.issues.append(ValidationIssue(
                file=issue.file, message=issue.message, row=header_row, expected=issue.expected))
    mapped = {p: name for name, p in mapping.fields.items()}
    for cell in raw.cell_problems:
        if cell.column not in mapped:
            continue  # a column the template does not use
        problems = True
        run.issues.append(ValidationIssue(
            file=item.path.name, row=cell.row, column=raw.headers[cell.column], value=cell.error,
            message=(f"the cell shows the Excel error {cell.error}, not a value" if cell.error else
                     "a formula Excel never calculated: the workbook was written by a program and not "
                     "opened and saved in Excel, so the value it shows is unknown"),
            expected=("a value: correct the formula or type the value in" if cell.error else
                      "the workbook opened and saved in Excel (or values instead of formulas)"),
            message_zh=(f"儲存格顯示 Excel 錯誤值 {cell.error}，而非資料" if cell.error else
                        "公式未經 Excel 計算（活頁簿由程式產生，未曾以 Excel 開啟存檔），其值不明"),
            expected_zh=("資料值：請修正公式或直接填入數值" if cell.error else
                         "以 Excel 開啟並存檔後之活頁簿（或以數值取代公式）"),
        ))
    if problems:
        return None
    naive = item.options.naive_timestamps or template.naive_timestamps
    if naive not in ("local", "utc"):
        raise EvidenceError(f"{item.path.name}: naive_timestamps must be 'local' or 'utc', not {naive!r}")
    parses: dict[str, nz.FieldParse] = {}
    fast: dict[str, nz.FieldParse] = {}
    lists: dict[str, str] = {}
    headers: dict[str, str] = {}
    dirty = [raw.columns[p] for name, p in mapping.fields.items()
             if template.field(name).type is FieldType.STRING and raw.types[p] in nz.TEXT_TYPES]
    for spec in template.fields:
        position = mapping.fields.get(spec.name)
        if position is None:
            continue
        column, source_type = raw.columns[position], raw.types[position]
        headers[spec.name] = raw.headers[position]
        if spec.type is FieldType.LIST:
            lists[spec.name] = nz.text_of(column, source_type, placeholders=True)
        else:
            flag = nz.DIRTY if dirty else None
            excel = raw.kind == "excel"
            parses[spec.name] = nz.field_parse(spec, column, source_type, naive, flag, excel=excel)
            fast[spec.name] = nz.field_parse(spec, column, source_type, naive, flag, general=False, excel=excel)
    return _Plan(template, raw, parses, lists, headers, dict(mapping.fields), dirty, fast, naive)


def _typed_plan(run: _Run, plan: _Plan) -> _Plan | None:
    """The plan over the CSV file read with its timestamp columns typed by DuckDB's reader (typedscan.py),
    or None where no column's sample fits a format the reader can take."""
    raw = plan.raw
    if raw.kind != "csv" or raw.read_path is None or raw.dialect is None:
        return None
    candidates = {name: plan.positions[name] for name in plan.parses
                  if plan.template.field(name).type is FieldType.TIMESTAMP
                  and raw.types[plan.positions[name]] in nz.TEXT_TYPES}
    fmt, positions = typedscan.timestamp_format(run.con, raw, sorted(candidates.values()))
    if fmt is None:
        return None
    typed = typedscan.typed_source(raw, fmt, positions)
    parses, fast = dict(plan.parses), dict(plan.fast)
    for name, position in candidates.items():
        if position in positions:
            spec = plan.template.field(name)
            parses[name] = fast[name] = nz.typed_timestamp(spec, raw.columns[position], plan.naive,
                                                           fmt.offset_minutes)
    return dataclasses.replace(plan, raw=typed, parses=parses, fast=fast)


def _parallel_pass(
    run: _Run, item: EvidenceFile, plan: _Plan, sha: str, stage: str, lines: int | None, general: bool,
    typed: bool = False,
) -> bool:
    """Parse the whole file in parallel; False when a row needs a closer look.

    The first pass (not `general`) knows only the common spellings, the second every rule; both stop
    at the first row they cannot take, which for a file written in other spellings is its first.
    A `typed` pass (columns typed by DuckDB's reader) also gives up on any error while reading: a value
    the reader refuses, or a malformed line, is the text passes' to read or report."""
    raw = plan.raw
    line = _raw_line_sql(item, plan)
    numbered = raw.numbered is not None or line is not None
    body = plan.levels_sql(raw.numbered if raw.numbered else raw.relation, general)
    guard = plan.problem_sql(general)
    if not any(f.required for f in plan.template.fields):  # otherwise a blank row lacks a required value
        guard = f"({guard}) OR ({plan.blank_sql()})"
    elif repeat := plan.repeated_header_sql():
        guard = f"({guard}) OR ({repeat})"
    # The guard rides on `_row`: a filter could be pushed below the projections (computing every
    # value twice), and on `_file` it would turn a constant column into a million copies of the hash.
    row = line or ("_row" if raw.numbered else "CAST(NULL AS BIGINT)")
    row_col = f"CASE WHEN {guard} THEN error({quote_literal(_RECHECK)}) ELSE {row} END"
    sql = (f"CREATE TABLE {stage} AS SELECT {quote_literal(sha)} AS _file, {row_col} AS _row, "
           f"{', '.join(plan.outputs())} FROM ({body})")
    try:
        run.con.execute(sql)
    except duckdb.Error as exc:
        if _RECHECK in str(exc) or typed:
            run.con.execute(f"DROP TABLE IF EXISTS {stage}")
            return False
        raise _read_error(run, item, raw, exc) from None
    if not numbered:
        _number_rows(run, raw, stage, lines)
    return True


def _raw_line_sql(item: EvidenceFile, plan: _Plan) -> str | None:
    """For a file derived from a raw export: the SQL of each row's raw line (its `_row`), else None."""
    if item.derived_from is None:
        return None
    wanted = item.derived_from.line_column
    for header, column in zip(plan.raw.headers, plan.raw.columns, strict=True):
        if header == wanted:
            return f"TRY_CAST({column} AS BIGINT)"
    raise EvidenceError(f"{item.path.name}: derived from {item.derived_from.rel} without its {wanted} column")


def _shown(item: EvidenceFile) -> str:
    """The file a problem is reported against: a derived file's rows are its raw export's lines."""
    return item.derived_from.rel if item.derived_from else item.path.name


def _read_error(run: _Run, item: EvidenceFile, raw: RawSource, exc: duckdb.Error) -> EvidenceError:
    """An error while reading: a malformed CSV is reported line by line (up to the limit)."""
    if raw.kind != "csv" or raw.read_path is None or raw.dialect is None:
        return EvidenceError(f"{item.path.name}: cannot be read: {str(exc).splitlines()[0]}")
    if "Invalid unicode" in str(exc) and not item.options.encoding and raw.encoding == "utf-8":
        # The start of the file looked like UTF-8 but a later part is not: decide on the whole file.
        try:
            detected = enc.detect(item.path)
        except EvidenceError:
            line = csv_error(item.path, exc)
            return EvidenceError(f"{line}; the file starts as UTF-8 but is not UTF-8 throughout, nor Big5")
        if detected != "utf-8":
            raise _Reencode(detected)
    try:
        _count(run.con, csv_scan(raw.read_path, raw.columns, raw.dialect, rejects=True))
        rejects = run.con.execute(
            "SELECT line, error_type, error_message, csv_line FROM reject_errors ORDER BY line "
            f"LIMIT {run.settings.max_issues_per_file + 1}"
        ).fetchall()
    except duckdb.Error:
        rejects = []
    if not rejects:
        return EvidenceError(csv_error(item.path, exc))
    limit = run.settings.max_issues_per_file
    by_line: dict[int, tuple[str, str | None]] = {}
    for line_no, _kind, reason, shown in rejects:
        by_line.setdefault(int(line_no), (str(reason), str(shown) if shown else None))
    for number, (message, original) in list(by_line.items())[:limit]:
        text = message.replace("Expected Number of Columns:", "expected").replace("Found:", "columns, found")
        run.issues.append(ValidationIssue(
            file=item.path.name, row=number, value=original[:200] if original else None,
            message=f"not a well-formed CSV line: {text}",
            expected=f"{len(raw.columns)} values separated by {raw.dialect.delimiter!r}, as in the header",
        ))
    run.truncated = run.truncated or len(by_line) > limit
    return _AlreadyReported()


class _AlreadyReported(EvidenceError):
    """Issues were added to the run already; nothing more to say about this file."""


def _data_lines(raw: RawSource, lines: int | None) -> int:
    """Physical lines after the header (lines known from the hashing pass when it read this file)."""
    assert raw.read_path is not None
    total = lines if lines is not None else enc.scan(raw.read_path, hash_bytes=False).lines
    header_lines = raw.dialect.header_lines if raw.dialect else 1
    return total - raw.first_row + 1 - (header_lines - 1)


def _number_rows(run: _Run, raw: RawSource, stage: str, lines: int | None) -> None:
    """Fill `_row` of a table created from a positional scan (CSV, JSON)."""
    if raw.kind == "csv" and raw.read_path is not None and raw.dialect is not None:
        rows = _count(run.con, stage)
        if rows != _data_lines(raw, lines):
            numbers = csv_row_numbers(raw.read_path, raw.dialect)
            if len(numbers) == rows:
                mapping = pa.table({"i": pa.array(np.arange(rows, dtype=np.int64)), "r": numbers})
                run.con.register("__row_map", mapping)
                run.con.execute(f"UPDATE {stage} SET _row = m.r FROM __row_map m WHERE m.i = {stage}.rowid")
                run.con.unregister("__row_map")
                return
    run.con.execute(f"UPDATE {stage} SET _row = rowid + {raw.first_row}")


def _numbered_source(run: _Run, raw: RawSource, lines: int | None) -> str:
    """A relation of the file with exact row numbers, for the explaining pass."""
    if raw.numbered or raw.kind != "csv" or raw.read_path is None or raw.dialect is None:
        return raw.numbered_relation()
    rows = _count(run.con, raw.relation)
    if rows == _data_lines(raw, lines):
        return raw.numbered_relation()
    numbers = csv_row_numbers(raw.read_path, raw.dialect)
    if len(numbers) != rows:
        return raw.numbered_relation()
    table = f"rowmap_{len(raw.tables)}_{abs(hash(raw.relation)) % 10**8}"
    mapping = pa.table({"i": pa.array(np.arange(1, rows + 1, dtype=np.int64)), "r": numbers})
    run.con.register(f"{table}__arrow", mapping)
    run.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {table}__arrow")
    run.con.unregister(f"{table}__arrow")
    raw.tables.append(table)
    cols = ", ".join(raw.columns)
    return (f"(SELECT m.r AS _row, {cols} FROM (SELECT row_number() OVER () AS __i, {cols} "
            f"FROM {raw.relation}) s JOIN {table} m ON m.i = s.__i)")


def _explain_pass(
    run: _Run, item: EvidenceFile, plan: _Plan, sha: str, stage: str, lines: int | None
) -> bool:
    """Read the file numbered row by row: report its problems, or import it without blank rows."""
    raw = plan.raw
    line = _raw_line_sql(item, plan) or "_row"
    try:
        body = plan.levels_sql(_numbered_source(run, raw, lines))
        view = f"explain_{stage}"
        run.con.execute(f"CREATE TEMP VIEW {view} AS SELECT *, ({plan.blank_sql()}) AS __blank FROM ({body})")
        terms = plan.problem_terms()
        limit = run.settings.max_issues_per_file
        flags = ", ".join(f"({pred}) AS __p{i}" for i, (_, pred, _) in enumerate(terms))
        texts = ", ".join(
            f"{plan.parses[name].text if name in plan.parses else plan.lists[name]} AS __t{i}"
            for i, (name, _, _) in enumerate(terms)
        )
        where = " OR ".join(f"({pred})" for _, pred, _ in terms) or "false"
        rows = run.con.execute(
            f"SELECT {line} AS __line, {flags}, {texts} FROM {view} WHERE NOT __blank AND ({where}) "
            f"ORDER BY _row LIMIT {limit + 1}"
        ).fetchall() if terms else []
    except duckdb.Error as exc:
        raise _read_error(run, item, raw, exc) from None
    if rows:
        found = 0
        for row in rows:
            for i, (name, _, message) in enumerate(terms):
                if not row[1 + i]:
                    continue
                if found == limit:
                    run.truncated = True
                    break
                found += 1
                spec = plan.template.field(name)
                value = row[1 + len(terms) + i]
                expected = spec.expected()
                zh: tuple[str | None, str | None] = (None, None)
                if message == _SHORT_YEAR:
                    message, expected = nz.short_year_message(str(value)), nz.SHORT_YEAR_EXPECTED
                elif message == nz.DAY_MONTH:
                    message, expected = nz.day_month_message(str(value)), nz.DAY_MONTH_EXPECTED
                    zh = (f"月日順序不明（{str(value).strip()}），不予推測", nz.DAY_MONTH_EXPECTED_ZH)
                elif message == _OUT_OF_RANGE:
                    expected = f"a value {spec.range_text()}"
                else:  # the field's own shape: an enum's codes with their Chinese spellings
                    zh = (None, field_expected_zh(spec))
                run.issues.append(ValidationIssue(
                    file=_shown(item), row=int(row[0]) if row[0] is not None else None, column=plan.headers[name],
                    value=value if message != "required value is empty" else None,
                    message=message, expected=expected, message_zh=zh[0], expected_zh=zh[1],
                ))
            if found == limit and run.truncated:
                break
        if len(rows) > limit:
            run.truncated = True
        run.con.execute(f"DROP VIEW {view}")
        return False
    run.con.execute(
        f"CREATE TABLE {stage} AS SELECT {quote_literal(sha)} AS _file, {line} AS _row, "
        f"{', '.join(plan.outputs())} FROM {view} WHERE NOT __blank"
    )
    run.con.execute(f"DROP VIEW {view}")
    return True


# --- one table per dataset -------------------------------------------------------------------------


def _assemble(run: _Run, staged: list[_Staged]) -> None:
    """One table per dataset (empty when not supplied), duplicates handled, then child tables."""
    for template in run.registry:
        parts = [s for s in staged if s.file.dataset == template.id]
        table = quote_ident(template.id)
        if parts:
            run.con.execute(f"ALTER TABLE {parts[0].table} RENAME TO {table}")
            for part in parts[1:]:  # appended in file order, so a table keeps the order of its files
                run.con.execute(f"INSERT INTO {table} SELECT * FROM {part.table}")
                run.con.execute(f"DROP TABLE {part.table}")
        else:
            run.con.execute(f"CREATE TABLE {table} AS {_empty_sql(template)}")
        if parts and template.key:
            _deduplicate(run, template, parts)
        if parts and template.single_row:
            _single_row(run, template, parts)
        _children(run, template, bool(parts))


def _single_row(run: _Run, template: DatasetTemplate, parts: list[_Staged]) -> None:
    """A dataset that describes one thing (the firm) has exactly one record, wherever it comes from."""
    table = quote_ident(template.id)
    rank = "CASE _file " + " ".join(f"WHEN {quote_literal(p.row_file)} THEN {i}" for i, p in enumerate(parts)) + " END"
    rows = run.con.execute(f"SELECT _file, _row FROM {table} ORDER BY {rank}, _row LIMIT 2").fetchall()
    if len(rows) == 1:
        return
    names = {p.row_file: _shown(p.file) for p in parts}
    if rows:  # the second record is the one too many
        file, row, found = names[rows[1][0]], int(rows[1][1]), _count(run.con, table)
    else:
        file, row, found = parts[0].file.path.name, 1, 0
    run.issues.append(ValidationIssue(
        file=file, row=row, message=f"{template.id} must have exactly one row (found {found or 'none'})",
        expected=f"one record describing the firm{'' if found else ' below the header'}",
    ))


def _empty_sql(template: DatasetTemplate) -> str:
    cols = ", ".join(f"CAST(NULL AS {t}) AS {quote_ident(c)}" for c, t in template.table_columns())
    lists = "".join(f", CAST(NULL AS VARCHAR) AS {quote_ident(_LIST_PREFIX + f.name)}"
                    for f in template.list_fields())
    keys = "".join(f", CAST(NULL AS {t}) AS {quote_ident(c)}" for c, t in template.surrogate_columns())
    return f"SELECT {cols}{lists}{keys} WHERE false"


def _children(run: _Run, template: DatasetTemplate, supplied: bool) -> None:
    """`<dataset>__<field>` for every list field: one row per value, with the parent's key."""
    table = quote_ident(template.id)
    keys = [k for k in template.key if template.field(k).type is not FieldType.LIST]
    key_cols = "".join(f", {quote_ident(k)}" for k in keys)
    for spec in template.list_fields():
        child = quote_ident(f"{template.id}__{spec.name}")
        text = quote_ident(_LIST_PREFIX + spec.name)
        run.con.execute(
            f"CREATE TABLE {child} AS SELECT * FROM (SELECT _file, _row{key_cols}, "
            f"trim(unnest({nz.list_split_expr(text)}), ' \t\r\n\u3000') AS value FROM {table} "
            f"WHERE {text} IS NOT NULL) WHERE value <> '' ORDER BY _file, _row"
            if supplied else
            f"CREATE TABLE {child} AS SELECT CAST(NULL AS VARCHAR) AS _file, CAST(NULL AS BIGINT) AS _row"
            + "".join(f", CAST(NULL AS {SQL_TYPES[template.field(k).type]}) AS {quote_ident(k)}"
                      for k in keys)
            + ", CAST(NULL AS VARCHAR) AS value WHERE false"
        )
        run.con.execute(f"ALTER TABLE {table} DROP COLUMN {text}")
        idents = _identifier_map(run, child, ["value"]) if supplied else None
        if idents:  # list values are codes (functions, ports, topics): normalised like identifiers
            run.con.execute(f"UPDATE {child} SET value = m.n FROM {idents} m WHERE {child}.value = m.v")
            run.con.execute(f"DELETE FROM {child} WHERE value IS NULL")  # nothing visible: a blank item
            run.con.execute(f"DROP TABLE {idents}")


def _deduplicate(run: _Run, template: DatasetTemplate, parts: list[_Staged]) -> None:
    """Exact repeats of a record (overlapping exports) are dropped, keeping the first in file order;
    the same key with different content is a problem the firm must resolve, reported with its rows."""
    table = quote_ident(template.id)
    keys = ", ".join(quote_ident(k) for k in template.key)
    if len(template.key) == 1 and (spec := template.field(template.key[0])).surrogate is not None:
        # A record key with an integer key column: no key twice means no record twice, and also that the
        # column's keys are exact (evidence/surrogate.py need not group it again).
        column = quote_ident(spec.key_column)
        if not run.con.execute(f"SELECT 1 FROM {table} GROUP BY {column} HAVING count(*) > 1 LIMIT 1").fetchall():
            run.unique_keys.add((template.id, spec.name))
            return
    # Grouping 64-bit hashes costs far less than grouping the key text; a collision only costs the
    # exact query below.
    probe = run.con.execute(
        f"SELECT 1 FROM {table} GROUP BY hash({keys}) HAVING count(*) > 1 LIMIT 1"
    ).fetchall()
    if not probe:
        return
    content = [f"t.{quote_ident(c)}" for c, _ in template.table_columns()[2:]]
    content += [f"t.{quote_ident(_LIST_PREFIX + f.name)}" for f in template.list_fields()]
    match = " AND ".join(f"t.{quote_ident(k)} IS NOT DISTINCT FROM d.{quote_ident(k)}" for k in template.key)
    rank = "CASE t._file " + " ".join(
        f"WHEN {quote_literal(p.row_file)} THEN {i}" for i, p in enumerate(parts)) + " END"
    groups = run.con.execute(
        f"WITH d AS (SELECT {keys} FROM {table} GROUP BY ALL HAVING count(*) > 1) "
        f"SELECT {', '.join('t.' + quote_ident(k) for k in template.key)}, count(*) AS n, "
        f"count(DISTINCT row({', '.join(content)})) AS variants, "
        f"list(t._file ORDER BY {rank}, t._row)[1:3], list(t._row ORDER BY {rank}, t._row)[1:3], "
        f"min(({rank}, t._row)) AS first FROM {table} t SEMI JOIN d ON {match} GROUP BY ALL ORDER BY first"
    ).fetchall()
    names = {p.row_file: _shown(p.file) for p in parts}
    nkeys = len(template.key)
    conflicts = [g for g in groups if g[nkeys + 1] > 1]
    limit = run.settings.max_issues_per_file
    for group in conflicts[:limit]:
        key_text = ", ".join(f"{k}={v}" for k, v in zip(template.key, group[:nkeys], strict=True))
        located = list(zip(group[nkeys + 2], group[nkeys + 3], strict=True))
        where = "; ".join(f"{names[f]} row {r}" for f, r in located)
        more = f" and {group[nkeys] - len(located)} more" if group[nkeys] > len(located) else ""
        run.issues.append(
            ValidationIssue(
                file=names[located[0][0]],
                row=int(located[0][1]),
                message=f"{template.id}: {key_text} appears {group[nkeys]} times with different content "
                        f"({where}{more})",
                expected=f"one record per {', '.join(template.key)}",
            )
        )
    run.truncated = run.truncated or len(conflicts) > limit
    if conflicts or not groups:
        return
    before = {p.row_file: p.rows for p in parts}
    run.con.execute(
        f"CREATE TABLE __dedup AS SELECT * FROM {table} t "
        f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {rank}, _row) = 1 ORDER BY {rank}, _row"
    )
    run.con.execute(f"DROP TABLE {table}")
    run.con.execute(f"ALTER TABLE __dedup RENAME TO {table}")
    after = dict(run.con.execute(f"SELECT _file, count(*) FROM {table} GROUP BY _file").fetchall())
    for part in parts:
        part.dropped = before[part.row_file] - int(after.get(part.row_file, 0))


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    rows = con.execute(f"SELECT count(*) FROM {relation}").fetchall()  # fetched in full: see register()
    return int(rows[0][0])


def _manifest(staged: list[_Staged], ignored: dict[str, str], duplicates: list[str]) -> Manifest:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    entries: list[ManifestEntry] = []
    listed: set[str] = set()
    for s in staged:
        origin = s.file.derived_from
        if origin is not None and origin.archive is not None and origin.archive_sha256 not in listed:
            listed.add(origin.archive_sha256)  # a zip of several logs as handed in: before the logs taken out of it
            entries.append(ManifestEntry(
                dataset=RAW_EXPORT, original_name=origin.archive.name, sha256=origin.archive_sha256,
                size_bytes=origin.archive.stat().st_size, rows=origin.archive_lines,
                format=f"zip of {origin.archive_members} text line files", encoding="binary",
                effective_date=origin.effective_date,
                imported_at=now, source=origin.source))
        if origin is not None and s.row_file not in listed:  # the raw export first, then what it became
            listed.add(s.row_file)
            entries.append(ManifestEntry(
                dataset=RAW_EXPORT, original_name=origin.original_name or origin.path.name, sha256=s.row_file,
                size_bytes=origin.path.stat().st_size, rows=origin.lines, format=origin.format,
                encoding=origin.encoding, effective_date=origin.effective_date, imported_at=now, source=origin.source,
                derived_from=origin.archive_sha256 or None))
        entries.append(ManifestEntry(
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
            duplicate_rows_dropped=s.dropped,
            derived_from=s.row_file if origin is not None else None,
        ))
    dropped: dict[str, int] = {}
    for s in staged:
        dropped[s.file.dataset] = dropped.get(s.file.dataset, 0) + s.dropped
    warnings = [f"{d}: {n} exact duplicate record(s) dropped" for d, n in dropped.items() if n]
    origins = {s.file.derived_from.rel: s.file.derived_from for s in staged if s.file.derived_from}
    warnings += [note for origin in origins.values() for note in origin.notes]  # how each raw export was read
    warnings += [note for s in staged for note in s.notes]  # footers left out, hidden rows read
    warnings += [f"{e.original_name}: column(s) not in the template, ignored: {', '.join(e.ignored_columns)}"
                 for e in entries if e.ignored_columns and not e.derived_from]  # ccaudit wrote those columns
    return Manifest(files=entries, ignored_files=list(ignored), ignored_reasons=ignored,
                    skipped_duplicates=duplicates, warnings=warnings)


def _empty_register_warnings(
    con: duckdb.DuckDBPyConnection, registry: TemplateRegistry, manifest: Manifest
) -> list[str]:
    """A register a firm in scope cannot have empty, supplied with too few records (the inspection
    makes the requirements that need it needs_review; it is said here too, at import)."""
    records = manifest.records()
    cursor = con.execute("SELECT * FROM firm_profile LIMIT 2")  # one row, or none: checked before
    rows = cursor.fetchall()
    columns = [d[0] for d in cursor.description or []]
    profile = dict(zip(columns, rows[0], strict=True)) if len(rows) == 1 else None
    warnings = []
    for dataset in registry.too_few_rows(records, profile):
        template = registry[dataset]
        names = ", ".join(e.original_name for e in manifest.for_dataset(dataset))
        scope = f" when firm_profile.{template.min_rows_when} is true" if template.min_rows_when else ""
        warnings.append(
            f"{names}: {records[dataset]} record(s) of {dataset}; a firm in scope has at least "
            f"{template.min_rows}{scope}: the requirements that need it are needs_review, not compliant")
    return warnings


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
