"""`ccaudit sources parse`: raw files -> remote_access_events.csv, remote_sessions.csv, parse_report.json.

One DuckDB session does all of it. Each file is read once as lines and run through its source's query;
only the lines that matter (events, malformed lines and lines of another format, the last line for the count) are kept.
Times are settled once (an epoch or a stated offset wins; otherwise the zone given by --tz, else the
firm's zone, and the report says which), accounts normalised and resolved through the identity map,
exact duplicates (overlapping exports) dropped with their lines reported, and sessions paired from
start and end events in SQL. Nothing is dropped without a line in the report."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb

from ccaudit.errors import EvidenceError
from ccaudit.rawsources import yearless, zoneabbr
from ccaudit.rawsources.base import (
    NOT_RELEVANT,
    SERVER_MARK,
    SERVER_STOP_REASONS,
    SOURCE_COLUMNS,
    TIME_FROM,
    WITHOUT_TUNNEL_ID,
    RawSource,
)
from ccaudit.rawsources.compressed import DEFAULT_LIMITS, ArchiveLimits, compression, zip_logs
from ccaudit.rawsources.csvsql import culture_time, date_shape
from ccaudit.rawsources.notes import code_of, say, translate
from ccaudit.rawsources.registry import SOURCES, get
from ccaudit.rawsources.sentinel import csl_csv_records_sql, is_csl_csv
from ccaudit.rawsources.sqlkit import (
    MAX_LINE_BYTES,
    connect,
    json_document,
    json_records_sql,
    long_lines,
    read_lines_sql,
    sql_str,
)
from ccaudit.rawsources.textfile import as_utf8
from ccaudit.rawsources.xmlevents import is_indented_xml, xml_events_sql
from ccaudit.textsafe import IDENTIFIER_INVISIBLE as INVISIBLE
from ccaudit.textsafe import visible

DETECT_LINES = 200  # first lines read to recognise a format
MIN_MATCH = 0.3  # share of the first non-blank lines a named source must match
MAX_LISTED = 200  # line numbers listed per problem in the report (the counts are always complete)
EVENTS_FILE = "remote_access_events.csv"
# a session's note when its source paired it by a key made without the gateway's session ID (base.WITHOUT_TUNNEL_ID)
PAIRED_WITHOUT_ID = ("paired without a tunnel ID (the line has no tunnelid=): by the gateway, tunnel type and name, "
                     "remote address and user")
SESSIONS_FILE = "remote_sessions.csv"
REPORT_FILE = "parse_report.json"


@dataclass(frozen=True)
class FileOptions:
    """How one file of a request is read, where files parsed together differ (an evidence folder's raw exports,
    rawsources/evidence.py: each with its own source, zone, gateway, date order and year from evidence.yaml)."""

    source: str  # a source id or 'auto'
    zone: str
    zone_origin: str
    zone_given: bool = False
    gateway: str | None = None
    date_order: str | None = None
    date_order_origin: str = "--date-order"
    year: int | None = None  # of its first syslog time without one (rawsources/yearless.py)
    year_origin: str = "--year"


class FileRefused(EvidenceError):
    """A file of the request refused (not the named source, mostly unreadable, its dates ambiguous, its zone
    unknown): `file_no` says which, so that a caller parsing several files names it its own way."""

    def __init__(self, message: str, zh: str | None, file_no: int) -> None:
        super().__init__(message, zh=zh)
        self.file_no = file_no


@dataclass(frozen=True)
class ParseRequest:
    source: str  # a source id or 'auto'
    files: tuple[Path, ...]
    out: Path
    zone: str  # for times a line gives without an offset
    zone_origin: str  # where that zone came from, for the report
    identity_map: Path | None = None
    gateway: str | None = None  # gateway_id for sources whose lines do not name the gateway
    threads: int | None = None
    memory_limit: str = "512MB"  # DuckDB spills beyond it: peak RSS stays under 1 GiB on a 4 GiB log
    names: tuple[str, ...] | None = None  # each file's name in source_file (default: its path as given)
    # A gateway's own zone (gateway_id -> (zone, where it was stated)) for its times without an offset;
    # `zone` wins over it only when `zone_given` (--tz, or tz: for the file in evidence.yaml).
    gateway_zones: tuple[tuple[str, str, str], ...] = ()
    zone_given: bool = False
    # How dates with the year last ('05/03/2026') are read where the file's own values do not settle it: 'dmy' or
    # 'mdy' (date_order_value), and where that was stated, for messages and the report.
    date_order: str | None = None
    date_order_origin: str = "--date-order"
    # The year of a file's first syslog time without one (`Nov  2 08:15:02`), and where that was stated
    # (rawsources/yearless.py; without it the year comes from the file's name or modification time).
    year: int | None = None
    year_origin: str = "--year"
    # Per file, in the order of `files` (empty: the request's source, zone, gateway and date order for every file).
    per_file: tuple[FileOptions, ...] = ()
    # Per file, the name its own outputs start with (`<prefix>.remote_access_events.csv`, `<prefix>.remote_sessions
    # .csv`: the rows citing it), written instead of the two CSVs of all files (an evidence folder's group of raw
    # exports, cut per raw file); a file given None gets none (read only for what it gives the others).
    split_outputs: tuple[str | None, ...] = ()
    # How far a compressed file may expand (the command's Settings: ArchiveLimits.from_settings(settings)).
    limits: ArchiveLimits = DEFAULT_LIMITS

    def options(self, no: int) -> FileOptions:
        """How file `no` is read."""
        if self.per_file:
            return self.per_file[no]
        return FileOptions(source=self.source, zone=self.zone, zone_origin=self.zone_origin,
                           zone_given=self.zone_given, gateway=self.gateway, date_order=self.date_order,
                           date_order_origin=self.date_order_origin, year=self.year, year_origin=self.year_origin)


DETECT_JSON_LINES = 20_000  # lines of a JSON document read to find its first records


def lines_sql(path: Path, max_lines: int | None = None) -> str:
    """The file as (line_no, line, is_last) for a source's query: its lines, or, for a JSON document that is
    not one object per line (pretty-printed, an array, Graph's {"value": [...]}), one row per record,
    numbered by the line it starts on."""
    if is_csl_csv(path):  # Microsoft Sentinel's CommonSecurityLog exported as CSV: its rows as JSON records
        return csl_csv_records_sql(path, max_lines)
    if is_indented_xml(path):  # Windows events as indented XML: each event on the line it starts
        return xml_events_sql(path, max_lines)
    depth = json_document(path)
    if depth is None:
        return read_lines_sql(path) + (f" LIMIT {int(max_lines)}" if max_lines else "")
    return json_records_sql(path, depth, max_lines)


def detect(con: duckdb.DuckDBPyConnection, path: Path, wanted: str, text: Path | None = None) -> RawSource:
    """The source of a file, from its first lines; a named source that does not fit is refused. `text`: the
    file's text as UTF-8 when it is in another encoding (textfile.as_utf8)."""
    fits = ", ".join(f"count(*) FILTER (WHERE regexp_matches(line, {sql_str(s.detect)}))" for s in SOURCES.values())
    rows = con.execute(
        f"SELECT {fits},"
        f" count(*) FILTER (WHERE trim(line) <> '') "
        f"FROM (SELECT line FROM ({lines_sql(text or path, DETECT_JSON_LINES)}) LIMIT {DETECT_LINES})").fetchone()
    assert rows is not None
    *hits, nonblank = rows
    scores = {sid: (h / nonblank if nonblank else 0.0) for sid, h in zip(SOURCES, hits, strict=True)}
    best = max(scores, key=lambda s: scores[s])
    name = visible(str(path))
    if nonblank == 0:
        raise EvidenceError(f"{name}: the file has no lines to read")
    if wanted == "auto":
        if scores[best] < MIN_MATCH:
            raise EvidenceError(f"{name}: not recognised as any source ({', '.join(SOURCES)}); name one with "
                                "--source if it is one of them",
                                f"{name}：無法辨識為任何來源（{'、'.join(SOURCES)}）；如屬其一，請直接指定來源名稱")
        return SOURCES[best]
    source = get(wanted)
    if scores[wanted] < MIN_MATCH:
        hint = f"; it looks like {best}" if scores[best] >= MIN_MATCH else ""
        hint_zh = f"；看來是 {best}" if scores[best] >= MIN_MATCH else ""
        fit = round(scores[wanted] * 100)
        raise EvidenceError(f"{name}: does not look like a {wanted} export ({source.product}): "
                            f"{fit}% of its first lines fit{hint}",
                            f"{name}：看來不是 {wanted} 之匯出檔：開頭各行僅 {fit}% 符合{hint_zh}")
    return source


def coded(text: str) -> dict[str, Any]:
    """A parser's English text as the note it is (code and parameters, content/messages/sources.yaml), for
    parse_report.json: a reader says it in its language from these; nothing for text of no note."""
    found = code_of(text)
    return {"code": found[0], "params": found[1]} if found else {}


def _check_zone(con: duckdb.DuckDBPyConnection, zone: str) -> None:
    try:
        con.execute(f"SELECT timezone({sql_str(zone)}, TIMESTAMP '2000-01-01')").fetchone()
    except duckdb.Error:
        raise EvidenceError(f"unknown time zone {visible(zone)!r} (use a zone name such as Asia/Taipei)") from None


def parse(request: ParseRequest) -> dict[str, Any]:
    """Parse the files, write the three outputs into request.out and return the report."""
    for path in request.files:
        if not path.is_file():
            raise EvidenceError(f"{visible(str(path))}: not a file", f"{visible(str(path))}：不是檔案")
    tmp = Path(tempfile.mkdtemp(prefix="ccaudit-sources-"))
    try:
        request = _zip_members(request, tmp)
        con = connect(request.threads, request.memory_limit)
        con.execute(f"SET temp_directory = {sql_str(str(tmp))}")
        con.execute("SET enable_progress_bar = false")
        if not request.per_file:
            _check_zone(con, request.zone)
        for gateway_id, zone, origin in request.gateway_zones:
            try:
                _check_zone(con, zone)
            except EvidenceError as exc:
                raise EvidenceError(f"gateway {visible(gateway_id)} ({visible(origin)}): {exc}") from None
        con.execute(_ACCOUNT_SQL)
        columns = ", ".join(f"{n} {t}" for n, t in SOURCE_COLUMNS)
        con.execute(f"CREATE TEMP TABLE parsed (file_no INTEGER, source VARCHAR, {columns})")
        files = []
        for no, path in enumerate(request.files):
            opts = request.options(no)
            try:
                if request.per_file:
                    _check_zone(con, opts.zone)
                text, encoding = as_utf8(path, tmp, request.limits)  # a compressed file: the text inside it
                packed = compression(path)
                name = request.names[no] if request.names else str(path)
                try:
                    source = detect(con, path, opts.source, text)
                    parsed = _parse_file(con, no, path, source, text, opts, name)
                except duckdb.Error as exc:
                    if "aximum line size" not in str(exc):
                        raise
                    # a line over DuckDB's 2 MB (a Graph page of sign-ins): the file read again, long lines allowed
                    con.execute(f"DELETE FROM parsed WHERE file_no = {no}")
                    with long_lines():
                        source = detect(con, path, opts.source, text)
                        parsed = _parse_file(con, no, path, source, text, opts, name)
                files.append(parsed | {"encoding": encoding} | ({"compression": packed} if packed else {})
                             # a log of a zip holding several (_zip_members): named and said as inside it
                             | ({"file": name, "compression": "zip"} if path.is_relative_to(tmp) else {}))
            except FileRefused:
                raise
            except EvidenceError as exc:
                raise FileRefused(str(exc), exc.zh, no) from None
            except duckdb.Error as exc:  # not UTF-8, unreadable: name the file, with DuckDB's line
                long = re.search(r"Line: (\d+)", str(exc)) if "aximum line size" in str(exc) else None
                if long:  # a line longer than any log's (sqlkit.MAX_LINE_BYTES)
                    said = {"file": visible(str(path)), "line": long.group(1), "size": f"{MAX_LINE_BYTES >> 20} MiB"}
                    raise FileRefused(say("line_too_long", "en", **said), say("line_too_long", "zh-TW", **said),
                                      no) from None
                raise FileRefused(_engine_error(path, exc, request.memory_limit), None, no) from None
        report: dict[str, Any] = {"sources": sorted({f["source"] for f in files}), "files": files}
        _events(con, request, report)
        identity = _resolve(con, request.identity_map, per_file=len(request.files) > 1, limits=request.limits)
        report["identities"] = identity
        report["sessions"] = _sessions(con)
        report["sessions"]["mfa_from_sign_ins"] = _mfa_from_sign_ins(con)
        stops = _stops_listed(con)
        if stops:
            report["server_stops"] = stops
        request.out.mkdir(parents=True, exist_ok=True)
        _write(con, request.out, request.split_outputs)
        report["outputs"] = [EVENTS_FILE, SESSIONS_FILE, REPORT_FILE] if not request.split_outputs else [
            f"{prefix}.{name}" for prefix in request.split_outputs if prefix for name in (EVENTS_FILE, SESSIONS_FILE)
        ] + [REPORT_FILE]
        (request.out / REPORT_FILE).write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n",
                                               encoding="utf-8")
        con.close()
        return report
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise EvidenceError(f"cannot read the files: {visible(first)}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _zip_members(request: ParseRequest, tmp: Path) -> ParseRequest:
    """`sources parse` given a zip of several logs: its logs in its place, each named `<zip>/<its name in the zip>`
    (decompressed into `tmp`, checked as any compressed file, rawsources/compressed.py). Files read with per-file
    options (an evidence folder's) are left as they are: there a zip of several files is refused."""
    if request.per_file or request.split_outputs or not any(compression(p) == "zip" for p in request.files):
        return request
    files: list[Path] = []
    names: list[str] = []
    for no, path in enumerate(request.files):
        name = request.names[no] if request.names else str(path)
        try:
            members = zip_logs(path, tmp, request.limits) if compression(path) == "zip" else []
        except EvidenceError as exc:
            raise FileRefused(str(exc), exc.zh, no) from None
        files += [m for _, m in members] or [path]
        names += [f"{name}/{inside}" for inside, _ in members] or [name]
    return replace(request, files=tuple(files), names=tuple(names))


def _engine_error(path: Path, exc: duckdb.Error, memory_limit: str) -> str:
    """What went wrong reading a file, from DuckDB's error: its memory, its encoding (with the line), or else."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, duckdb.OutOfMemoryException):
        return f"{visible(str(path))}: the parse ran out of its memory ({memory_limit}): {visible(first)}"
    line = re.search(r"Line: (\d+)", str(exc))
    where = f" (line {line.group(1)})" if line else ""
    if re.search(r"unicode|utf-?8|encoding", str(exc), re.IGNORECASE):
        return f"{visible(str(path))}: cannot be read as UTF-8 text{where}: {visible(first)}"
    # Any other engine error is not the file's encoding: say so, not a misleading "not UTF-8"
    return f"{visible(str(path))}: could not be parsed{where}: {visible(first)}"


def _parse_file(con: duckdb.DuckDBPyConnection, no: int, path: Path, source: RawSource,
                text: Path | None = None, opts: FileOptions | None = None, name: str | None = None) -> dict[str, Any]:
    con.execute(f"CREATE OR REPLACE TEMP VIEW lines AS {lines_sql(text or path)}")
    names = ", ".join(n for n, _ in SOURCE_COLUMNS)
    dates: dict[str, Any] = {}
    years: dict[str, Any] = {}
    if source.yearless:
        # the rows that matter first, then the year of their times without one (in line order), then those times
        con.execute(f"CREATE OR REPLACE TEMP TABLE q AS SELECT * FROM ({source.query('lines')}) q")
        found = yearless.anchor(path, name or str(path), opts.year if opts else None,
                                opts.year_origin if opts else "--year")
        reread, years = yearless.settle(con, found)
        again = {"ts_local": f"{reread} AS ts_local",
                 "problem": f"COALESCE(q.problem, CASE WHEN q.relevant AND q.ts_utc IS NULL AND ({reread}) IS NULL "
                            "THEN 'no readable time' END) AS problem"}
        cols = ", ".join(again.get(n, f"q.{n}") if reread else f"q.{n}" for n, _ in SOURCE_COLUMNS)
        join = "LEFT JOIN yl ON yl.line_no = q.line_no" if reread else ""
        con.execute(f"INSERT INTO parsed SELECT {no}, {sql_str(source.id)}, {cols} FROM q {join}")
        con.execute("DROP TABLE q")
        con.execute("DROP TABLE IF EXISTS yl")
    elif source.local_dates:
        # the rows that matter first (few), then the file's date order from their times, then the times read in it
        con.execute(f"CREATE OR REPLACE TEMP TABLE q AS SELECT * FROM ({source.query('lines')}) q")
        order, dates = _date_order(con, path, opts)
        reread = f"CASE WHEN date_text IS NOT NULL THEN {culture_time('date_text', order)} ELSE ts_local END"
        again = {"ts_local": f"{reread} AS ts_local",
                 "problem": f"COALESCE(problem, CASE WHEN relevant AND ts_utc IS NULL AND ({reread}) IS NULL "
                            "THEN 'no readable time' END) AS problem"}
        cols = ", ".join(again.get(n, n) for n, _ in SOURCE_COLUMNS) if order else names
        con.execute(f"INSERT INTO parsed SELECT {no}, {sql_str(source.id)}, {cols} FROM q")
        con.execute("DROP TABLE q")
    else:
        # No filter here: the source returns only the lines that matter. A WHERE over its output is pushed
        # into its projections and made the FortiGate parse 5x slower (the extraction ran twice).
        insert = f"INSERT INTO parsed SELECT {no}, {sql_str(source.id)}, {names} FROM ({source.query('lines')}) q"
        if source.whole_file or json_document(text or path) is not None:
            con.execute(insert)  # records put together from several lines: grouping and sorting that threads share
        else:
            # A file of lines is read by one thread (sqlkit's sequential reader) and the query streams over it: a
            # second thread has no work to share, and with two the statement cost more CPU (FortiGate, 1M lines, 1%
            # VPN events, alternated in one process: 1.00 -> 0.73 CPU s, wall time not longer; 20%: the same).
            # One thread for it, the session's threads again for the pairing and the CSVs after it.
            threads = con.execute("SELECT current_setting('threads')").fetchone()
            con.execute("SET threads = 1")
            try:
                con.execute(insert)
            finally:
                if threads:
                    con.execute(f"SET threads = {int(threads[0])}")
    # An account given but naming nobody (blanks, control or invisible characters only: a name typed at a log-in)
    # is no user: the line is malformed, as one without the account, not a session nobody can be named for.
    con.execute(f"UPDATE parsed SET problem = 'no user' WHERE file_no = {no} AND relevant AND problem IS NULL "
                "AND kind <> 'login_failed' AND acct_blank(account)")
    row = con.execute(
        "SELECT COALESCE(max(line_no), 0), count(*) FILTER (WHERE relevant AND problem IS NULL), "
        "count(*) FILTER (WHERE relevant AND problem IS NOT NULL), count(*) FILTER (WHERE not_source), "
        # lines with an event or a problem: several events may share a line (a JSON array on one line, a server's
        # stop ending every open session), so the lines left are counted, not the events
        "count(DISTINCT line_no) FILTER (WHERE relevant OR not_source) "
        f"FROM parsed WHERE file_no = {no}").fetchone()
    assert row is not None
    total, recognised, malformed, alien, used = (int(v) for v in row)
    name = visible(str(path))
    if total and (malformed + alien) * 2 > total:
        top = con.execute(f"SELECT problem FROM parsed WHERE file_no = {no} AND relevant AND problem IS NOT NULL "
                          "GROUP BY problem ORDER BY count(*) DESC, problem LIMIT 1").fetchone()
        most = top is not None and malformed * 2 > malformed + alien
        first = [str(n) for n in _line_list(con, no, "not_source OR problem IS NOT NULL")[:10]]
        said = {"file": name, "bad": malformed + alien, "total": total, "source": source.id, "product": source.product}
        raise EvidenceError(  # in English and Traditional Chinese (content/messages/sources.yaml)
            say("file_refused", "en", lines=", ".join(first), **said,
                why=say("most_are", "en", problem=top[0]) if most and top else ""),
            zh=say("file_refused", "zh-TW", lines="、".join(first), **said,
                   why=say("most_are", "zh-TW", problem=translate(top[0], "zh-TW")) if most and top else ""))
    problems = con.execute(
        f"SELECT problem, count(*), list(line_no ORDER BY line_no)[1:{MAX_LISTED}] FROM parsed "
        f"WHERE file_no = {no} AND relevant AND problem IS NOT NULL GROUP BY problem ORDER BY problem").fetchall()
    # events timed by a column of a record, not by the line's own time (a Sentinel record's ReceiptTime or, failing
    # every other, TimeGenerated: when the record reached Sentinel), by column
    timed = con.execute(
        f"SELECT substr(tz_text, {len(TIME_FROM) + 1}), count(*), list(line_no ORDER BY line_no)[1:{MAX_LISTED}] "
        f"FROM parsed WHERE file_no = {no} AND relevant AND problem IS NULL "
        f"AND starts_with(tz_text, {sql_str(TIME_FROM)}) GROUP BY 1 ORDER BY 1").fetchall()
    skipped = con.execute(
        f"SELECT substr(reason, {len(NOT_RELEVANT) + 1}), count(*), list(line_no ORDER BY line_no)[1:{MAX_LISTED}] "
        f"FROM parsed WHERE file_no = {no} AND NOT relevant AND NOT not_source AND starts_with(reason, "
        f"{sql_str(NOT_RELEVANT)}) GROUP BY reason ORDER BY reason").fetchall()
    return {
        "file": str(path), "source": source.id, "lines_read": total, "recognised": recognised,
        "not_relevant": max(0, total - used),
        "not_relevant_by_reason": [{"reason": r, "count": n, "lines": lines} | coded(r) for r, n, lines in skipped],
        "malformed": malformed,
        "malformed_lines": [{"problem": p, "count": n, "lines": lines} | coded(p) for p, n, lines in problems],
        "not_this_source": alien,
        "not_this_source_lines": _line_list(con, no, "not_source"),
    } | ({"date_order": dates} if dates else {}) | ({"year": years} if years else {}) | (
        {"event_time_from": [{"column": c, "count": n, "lines": lines, "note": TIME_COLUMNS.get(c, "")}
                             for c, n, lines in timed]} if timed else {})


# what parse_report.json says of the events timed by a record's column (event_time_from)
TIME_COLUMNS = {
    "ReceiptTime": "the event's time as the collector received it (CEF's rt), not the line's own",
    "TimeGenerated": "when the record reached Microsoft Sentinel, seconds to minutes after the event: the record holds "
                     "no time of the event itself",
}

DATE_ORDERS = {"dmy": "dmy", "day-first": "dmy", "mdy": "mdy", "month-first": "mdy"}
_ORDER_WORDS = {"dmy": ("day first", "日在前"), "mdy": ("month first", "月在前")}


def date_order_value(text: str | None, where: str) -> str | None:
    """'dmy' or 'mdy' for a --date-order or evidence.yaml date_order value (dmy, day-first, mdy, month-first)."""
    if text is None:
        return None
    value = DATE_ORDERS.get(text.strip().lower())
    if value is None:
        raise EvidenceError(f"{where} {visible(text)!r}: expected dmy (day first: 05/03/2026 is 5 March) or mdy "
                            "(month first: 3 May)",
                            zh=f"{where} {visible(text)!r}：應為 dmy（日在前：05/03/2026 即 3 月 5 日）或 mdy"
                               "（月在前：5 月 3 日）")
    return value


def _date_order(con: duckdb.DuckDBPyConnection, path: Path,
                opts: FileOptions | None) -> tuple[str | None, dict[str, Any]]:
    """The order of the file's dates with the year last ('05/03/2026'): settled by its values where one has a
    number over 12 in the first place (day first) or the second (month first), else the order stated; a file
    whose values contradict each other or the order stated, or whose values do not settle it with none stated, is
    refused, naming the line. (order or None when the file has no such date, what the report says about it.)"""
    rows = con.execute(f"""
        SELECT shape, count(*), min(line_no), arg_min(date_text, line_no)
        FROM (SELECT line_no, date_text, {date_shape('date_text')} AS shape FROM q
              WHERE date_text IS NOT NULL AND relevant)
        WHERE shape IN ('dmy', 'mdy', 'either') GROUP BY shape""").fetchall()
    if not rows:
        return None, {}
    seen = {shape: (int(n), int(line), str(value)) for shape, n, line, value in rows}
    stated = opts.date_order if opts else None
    origin = opts.date_order_origin if opts else "--date-order"
    name = visible(str(path))
    total = sum(n for n, _, _ in seen.values())

    def example(order: str) -> str:
        _, line, value = seen[order]
        return f"line {line}: {visible(value)!r}"

    if "dmy" in seen and "mdy" in seen:
        raise EvidenceError(
            f"{name}: its dates mix day first ({example('dmy')}) and month first ({example('mdy')}); export each "
            "host's log from one culture, or as .evtx",
            zh=f"{name}：日期混用日在前（{example('dmy')}）與月在前（{example('mdy')}）；"
               "請以同一地區設定匯出，或匯出 .evtx")
    decided = next((o for o in ("dmy", "mdy") if o in seen), None)
    if stated and decided and decided != stated:
        raise EvidenceError(
            f"{name}: {origin} says {_ORDER_WORDS[stated][0]}, but {example(decided)} can only be "
            f"{_ORDER_WORDS[decided][0]}",
            zh=f"{name}：{origin} 指定{_ORDER_WORDS[stated][1]}，"
               f"但 {example(decided)} 只能是{_ORDER_WORDS[decided][1]}")
    if decided:
        n, line, value = seen[decided]
        return decided, {"order": decided, "read_as": _ORDER_WORDS[decided][0], "times": total,
                         "from": f"the file's values ({n} like line {line}: {value!r})"}
    if stated:
        return stated, {"order": stated, "read_as": _ORDER_WORDS[stated][0], "times": total, "from": origin}
    raise EvidenceError(
        f"{name}: dates such as {example('either')} may be day first (en-GB, de, fr: 5 March) or month first (en-US: "
        "3 May), and none of its dates settles which; give --date-order dmy or --date-order mdy to `ccaudit sources "
        "parse`, or `date_order: dmy` (or mdy) for the file in evidence.yaml (`files:`)",
        zh=f"{name}：{example('either')} 等日期可能是日在前（英國、德國、法國：3 月 5 日）或月在前（美國：5 月 3 日），"
           "檔案中沒有可判定之日期；請於 `ccaudit sources parse` 加上 --date-order dmy 或 --date-order mdy，"
           "或於 evidence.yaml 之 `files:` 為該檔案寫明 `date_order: dmy`（或 mdy）")


def _line_list(con: duckdb.DuckDBPyConnection, no: int, where: str) -> list[int]:
    row = con.execute(f"SELECT list(line_no ORDER BY line_no)[1:{MAX_LISTED}] FROM parsed "
                      f"WHERE file_no = {no} AND ({where})").fetchone()
    return list(row[0] or []) if row else []


# Account as logged -> user part and domain: 'CORP\\alice' and 'alice@corp.example' both give 'alice'. An account
# whose user part is empty ('CORP\\', '@SUM(A1)', a name typed at a log-in) has none (NULL), so it matches no other
# such account (an identity-map entry, a sign-in's MFA); acct_person names its person then by the account as logged.
# An unresolved account's person is named with its invisible characters (zero-width, direction marks, controls)
# spelled out, '<U+200B>': the import drops them from identifiers (evidence/normalize.py), so 'al<ZWSP>ice', another
# account at the gateway, would otherwise become the person 'alice'.
_FULL_WIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
_HALF_WIDTH = "".join(chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)) + " "
_ACCOUNT_SQL = """
CREATE OR REPLACE TEMP MACRO acct_visible(x) AS CASE WHEN regexp_matches(x, '""" + INVISIBLE + """')
    THEN array_to_string(list_transform(string_split(x, ''),
        lambda c: CASE WHEN regexp_matches(c, '""" + INVISIBLE + """')
                       THEN '<U+' || format('{:04X}', unicode(c)) || '>' ELSE c END), '') ELSE x END;
-- full-width ASCII (typed in a Chinese input method's full-width mode: '陳小華＠corp.example.com',
-- 'ＣＯＲＰ＼王大明') as ASCII, as Unicode NFKC and Active Directory's name comparison read it (the import folds
-- identifiers so too); only an account with a character beyond ASCII pays for it
CREATE OR REPLACE TEMP MACRO acct_fold(a) AS CASE WHEN strlen(a) = length(a) THEN a
    ELSE translate(a, """ + sql_str(_FULL_WIDTH) + """, """ + sql_str(_HALF_WIDTH) + """) END;
CREATE OR REPLACE TEMP MACRO acct_user_of(a) AS nullif(lower(nfc_normalize(trim(CASE
    WHEN contains(a, '\\') THEN regexp_extract(a, '([^\\\\]*)$', 1)
    WHEN contains(a, '@') THEN regexp_extract(a, '^(.*)@[^@]*$', 1)
    ELSE a END))), '');
CREATE OR REPLACE TEMP MACRO acct_user(a) AS acct_user_of(acct_fold(a));
CREATE OR REPLACE TEMP MACRO acct_person(a) AS
    acct_visible(COALESCE(acct_user(a), nullif(lower(nfc_normalize(trim(acct_fold(a)))), '')));
-- an account that names nobody: blank, or blanks and invisible characters only
CREATE OR REPLACE TEMP MACRO acct_blank(a) AS a IS NOT NULL AND regexp_matches(a, '^(?:\\s|""" + INVISIBLE + """)*$');
CREATE OR REPLACE TEMP MACRO acct_domain_of(a) AS nullif(lower(trim(CASE
    WHEN contains(a, '\\') THEN regexp_extract(a, '^([^\\\\]*)\\\\', 1)
    WHEN contains(a, '@') THEN regexp_extract(a, '@([^@]*)$', 1) END)), '');
CREATE OR REPLACE TEMP MACRO acct_domain(a) AS acct_domain_of(acct_fold(a));
"""


def _events(con: duckdb.DuckDBPyConnection, request: ParseRequest, report: dict[str, Any]) -> None:
    """The events table: times settled, accounts split, duplicates removed (and reported)."""
    con.execute(_ACCOUNT_SQL)
    per_file = [request.options(no) for no in range(len(request.files))] or [request.options(0)]

    def by_file(values: list[str]) -> str:
        """SQL: the value of each line's file (one constant where every file has the same)."""
        if len(set(values)) == 1:
            return values[0]
        return "CASE file_no " + " ".join(f"WHEN {no} THEN {v}" for no, v in enumerate(values)) + " END"

    gateway = by_file([sql_str(o.gateway) if o.gateway else "CAST(NULL AS VARCHAR)" for o in per_file])
    # the gateway named for the file wins over the one its lines name only for a source whose lines name it by a syslog
    # header's host (RawSource.stated_gateway_wins); for the others the line's own device name wins
    stated_first = [sid for sid, src in SOURCES.items() if src.stated_gateway_wins]
    if stated_first and any(o.gateway for o in per_file):
        gateway = (f"CASE WHEN source IN ({', '.join(sql_str(x) for x in stated_first)}) "
                   f"THEN COALESCE({gateway}, gateway_id) ELSE COALESCE(gateway_id, {gateway}) END")
    else:
        gateway = f"COALESCE(gateway_id, {gateway})"
    # The zone of a time without an offset: the file's when stated for it, else its gateway's (the first given for
    # it), else the default. Written as expressions, not joined: the events keep the order of the lines, which the
    # events CSV is written in without sorting them again.
    zone = by_file([sql_str(o.zone) for o in per_file])
    origin = by_file([sql_str(o.zone_origin) for o in per_file])
    own = [no for no, o in enumerate(per_file) if o.zone_given]
    # whether the zone a line's time is read in was stated for it (its file's tz, its gateway's zone), not the default
    explicit = f"file_no IN ({', '.join(map(str, own))})" if own else "FALSE"
    if request.gateway_zones and len(own) < len(per_file):
        gw = "lower(trim(gateway_id))"
        by_gw = f"CASE {gw} " + " ".join(f"WHEN lower(trim({sql_str(g)})) THEN {sql_str(z)}"
                                         for g, z, _ in request.gateway_zones) + " END"
        gw_from = f"CASE {gw} " + " ".join(f"WHEN lower(trim({sql_str(g)})) THEN {sql_str(o)}"
                                           for g, _, o in request.gateway_zones) + " END"
        zone, origin = f"COALESCE({by_gw}, {zone})", f"COALESCE({gw_from}, {origin})"
        explicit = f"({explicit} OR {by_gw} IS NOT NULL)"
        if own:  # the files whose own zone was stated: theirs, whatever their gateways
            given = f"file_no IN ({', '.join(map(str, own))})"
            zone = f"CASE WHEN {given} THEN {by_file([sql_str(o.zone) for o in per_file])} ELSE {zone} END"
            origin = f"CASE WHEN {given} THEN {by_file([sql_str(o.zone_origin) for o in per_file])} ELSE {origin} END"
    _zone_abbreviations(con, request, report, gateway, zone, origin, explicit)
    # a zone abbreviation that names one offset (JST) is that offset, as a stated +09:00 (rawsources/zoneabbr.py)
    settled = f"""
        WITH p AS (SELECT * EXCLUDE (gateway_id, tz_offset_min), {gateway} AS gateway_id,
                          COALESCE(tz_offset_min, CASE WHEN ts_utc IS NULL AND tz_text IS NOT NULL
                                                       THEN {zoneabbr.minutes_sql('tz_text')} END) AS tz_offset_min
                   FROM parsed WHERE {{rows}}),
        z AS (SELECT *, {zone} AS zone, {origin} AS zone_from FROM p)
        SELECT file_no, line_no, source, kind,
               COALESCE(ts_utc, ts_local - to_minutes(tz_offset_min),
                        CAST(timezone(zone, ts_local) AS TIMESTAMP)) AS time_utc,
               ts_utc IS NULL AND tz_offset_min IS NULL AS zone_assumed,
               CASE WHEN ts_utc IS NULL AND tz_offset_min IS NULL THEN zone END AS zone_used,
               CASE WHEN ts_utc IS NULL AND tz_offset_min IS NULL THEN zone_from END AS zone_from,
               tz_text, account, acct_user(account) AS account_normalised,
               acct_domain(account) AS account_domain,
               ip_only(source_ip) AS source_ip, ip_only(assigned_ip) AS assigned_ip,
               session_key, channel, mfa_method, gateway_id, duration_s, reason
        FROM z"""
    con.execute("CREATE TEMP TABLE all_events AS " + settled.replace("{rows}", "relevant AND problem IS NULL"))
    # the gateway's own stops and restarts (base.SERVER_MARK), their times settled as the events': _sessions ends
    # with them the sessions an earlier (rotated) file of the same gateway left open
    marks = settled.replace("{rows}", f"NOT relevant AND kind = {sql_str(SERVER_MARK)}")
    con.execute(f"CREATE TEMP TABLE server_stops AS SELECT * FROM ({marks}) WHERE time_utc IS NOT NULL")
    identity = "source, kind, time_utc, account, session_key, source_ip, assigned_ip, gateway_id, duration_s, reason"
    # Most files hold no copy of an event: counting distinct hashes finds out at a fraction of ranking every
    # event (and of grouping by the ten columns). Copies hash alike, so none is missed; a hash collision only
    # sends the file through the exact ranking below, which finds no copy.
    copies = con.execute(f"SELECT count(*) > count(DISTINCT hash({identity})) FROM all_events").fetchone()
    has_copies = bool(copies and copies[0])
    files = [f["file"] for f in report["files"]]
    if has_copies:
        con.execute(f"""
            CREATE TEMP TABLE ranked AS
            SELECT *, row_number() OVER (PARTITION BY {identity} ORDER BY file_no, line_no) AS copy_no
            FROM all_events""")
        dup = con.execute("SELECT count(*) FROM ranked WHERE copy_no > 1").fetchone()
        dup_rows = con.execute(f"SELECT file_no, line_no FROM ranked WHERE copy_no > 1 ORDER BY file_no, line_no "
                               f"LIMIT {MAX_LISTED}").fetchall()
        dup_files = con.execute("SELECT file_no, count(*) FROM ranked WHERE copy_no > 1 GROUP BY ALL").fetchall()
        con.execute("CREATE TEMP TABLE events AS SELECT * EXCLUDE (copy_no) FROM ranked WHERE copy_no = 1 "
                    "ORDER BY file_no, line_no")  # the lines' order, as without copies
        con.execute("DROP TABLE ranked")
        con.execute("DROP TABLE all_events")
    else:
        dup, dup_rows, dup_files = (0,), [], []
        con.execute("ALTER TABLE all_events RENAME TO events")
    # The events CSV is written in the lines' order, which a line-by-line source's query keeps (a scan, filters and
    # projections; DuckDB preserves insertion order through them). A source whose query joins may not: checked in
    # one streaming pass, and only then sorted.
    unordered = con.execute("""
        SELECT count(*) FROM (SELECT file_no, line_no, lag(file_no) OVER () AS pf, lag(line_no) OVER () AS pl
                              FROM events) WHERE file_no < pf OR (file_no = pf AND line_no < pl)""").fetchone()
    if unordered and unordered[0]:
        con.execute("CREATE TEMP TABLE sorted_events AS SELECT * FROM events ORDER BY file_no, line_no")
        con.execute("DROP TABLE events")
        con.execute("ALTER TABLE sorted_events RENAME TO events")
    con.execute("DROP TABLE parsed")  # counted already; its memory goes back to the pool
    names = request.names or tuple(str(p) for p in request.files)
    report["duplicates"] = {
        "count": int(dup[0]) if dup else 0,
        "note": "exact copies of an event already read (overlapping exports); each counted once",
        "lines": [f"{files[f]}:{n}" for f, n in dup_rows],
        "by_file": {names[f]: int(n) for f, n in sorted(dup_files)},
    }
    # one pass for the zones: per file, gateway and zone assumed (the report's by_gateway adds the files up), and
    # the zones the lines state per file
    zones = con.execute("""
        SELECT file_no, gateway_id, zone_used, zone_from, count(*) FILTER (WHERE zone_assumed),
               list(DISTINCT tz_text) FILTER (WHERE tz_text IS NOT NULL AND NOT starts_with(tz_text, ?))
        FROM events GROUP BY ALL""", [TIME_FROM]).fetchall()
    by_gateway: dict[tuple[str | None, str, str], int] = {}
    by_name: dict[str, dict[str, Any]] = {}
    for no, g, z, o, n, texts in zones:
        one = by_name.setdefault(names[no], {"events_with_assumed_zone": 0, "by_gateway": [],
                                             "zones_stated_in_lines": set()})
        one["zones_stated_in_lines"].update(texts or [])
        if n:
            by_gateway[(g, z, o)] = by_gateway.get((g, z, o), 0) + int(n)
            one["events_with_assumed_zone"] += int(n)
            one["by_gateway"].append({"gateway_id": g, "zone": z, "zone_from": o, "events_with_assumed_zone": int(n)})
    for one in by_name.values():
        one["by_gateway"].sort(key=_gateway_order)
        one["zones_stated_in_lines"] = sorted(one["zones_stated_in_lines"])
    first = request.options(0)
    report["time_zone"] = {
        "events_with_assumed_zone": sum(by_gateway.values()),
        "assumed_zone": first.zone,
        "assumed_zone_from": first.zone_origin,
        "by_gateway": sorted(({"gateway_id": g, "zone": z, "zone_from": o, "events_with_assumed_zone": n}
                              for (g, z, o), n in by_gateway.items()), key=_gateway_order),
        "gateway_zones_given": [{"gateway_id": g, "zone": z, "zone_from": o} for g, z, o in request.gateway_zones],
        "zones_stated_in_lines": sorted({t for one in by_name.values() for t in one["zones_stated_in_lines"]}),
        # abbreviations (JST, CST): read as the offset each names, or, naming several, in the zone stated for them
        "abbreviations": report.pop("zone_abbreviations", []),
        "by_file": by_name,
    }
    for entry in report["time_zone"]["abbreviations"]:
        by_name.setdefault(entry["file"], {"events_with_assumed_zone": 0, "by_gateway": [],
                                           "zones_stated_in_lines": []}).setdefault("abbreviations", []).append(entry)
    con.execute("CREATE TEMP TABLE file_names (file_no INTEGER, name VARCHAR)")
    con.executemany("INSERT INTO file_names VALUES (?, ?)", list(enumerate(names)))


def _zone_abbreviations(con: duckdb.DuckDBPyConnection, request: ParseRequest, report: dict[str, Any], gateway: str,
                        zone: str, origin: str, explicit: str) -> None:
    """The zone abbreviations the lines state (`tz="JST"`, `CST`): each one read as its offset where it names one, else
    in the zone stated for its file or gateway; a file with an abbreviation naming several zones, or none known, and
    no zone stated is refused (never guessed). The report lists them (time_zone.abbreviations, per file too)."""
    rows = con.execute(f"""
        WITH p AS (SELECT file_no, line_no, trim(tz_text) AS tz_text, {gateway} AS gateway_id
                   FROM parsed WHERE relevant AND problem IS NULL AND ts_utc IS NULL AND tz_offset_min IS NULL
                         AND tz_text IS NOT NULL AND regexp_matches(trim(tz_text), {sql_str(zoneabbr.ABBREVIATION)})),
        z AS (SELECT *, {zone} AS zone, {origin} AS zone_from, {explicit} AS explicit FROM p)
        SELECT file_no, upper(tz_text) AS t, {zoneabbr.minutes_sql('tz_text')} AS m, explicit, zone, zone_from,
               count(*), min(line_no)
        FROM z GROUP BY ALL ORDER BY file_no, t, zone""").fetchall()
    names = request.names or tuple(str(p) for p in request.files)
    listed: list[dict[str, Any]] = []
    for no, text, minutes, given, zone_in, zone_from, count, first in rows:
        if minutes is None and not given:
            said = {"file": visible(names[no]), "abbr": visible(text), "line": first}
            raise FileRefused(say("zone_abbreviation_refused", "en", **said, meanings=zoneabbr.meaning(text, "en")),
                              say("zone_abbreviation_refused", "zh-TW", **said,
                                  meanings=zoneabbr.meaning(text, "zh-TW")), no)
        entry: dict[str, Any] = {"file": names[no], "text": text, "events": int(count), "first_line": int(first),
                                 "meaning": zoneabbr.meaning(text, "en")}
        if minutes is not None:
            entry["read_as"] = zoneabbr.offset_text(int(minutes))
        else:
            entry |= {"read_as": None, "read_in": zone_in, "zone_from": zone_from}
        listed.append(entry)
    report["zone_abbreviations"] = listed


def _gateway_order(row: dict[str, Any]) -> tuple[bool, str, str]:
    """by_gateway's order: by gateway, the one named by none last, then by zone."""
    return (row["gateway_id"] is None, row["gateway_id"] or "", row["zone"] or "")


def _resolve(con: duckdb.DuckDBPyConnection, identity_map: Path | None, per_file: bool = False,
             limits: ArchiveLimits = DEFAULT_LIMITS) -> dict[str, Any]:
    """person_id for each account from the identity map: the account as logged (UPN, e-mail, DOMAIN\\user)
    first, else its user part when that names exactly one person. Anything else stays unresolved. `per_file`: also
    the unresolved accounts each file holds (`events` and `file_names` carry file_no; mdm.py's view does not)."""
    con.execute("CREATE TEMP TABLE idmap (account VARCHAR, person_id VARCHAR)")
    if identity_map is not None:
        _load_identity_map(con, identity_map, limits)
    con.execute("""
        CREATE TEMP TABLE ids AS
        WITH accounts AS (SELECT DISTINCT account, account_normalised FROM events WHERE account IS NOT NULL),
        full_match AS (SELECT lower(trim(acct_fold(account))) AS k, min(person_id) AS pid,
                              count(DISTINCT person_id) AS n
                       FROM idmap GROUP BY 1),
        user_match AS (SELECT acct_user(account) AS k, min(person_id) AS pid, count(DISTINCT person_id) AS n
                       FROM idmap GROUP BY 1)
        SELECT a.account,
               CASE WHEN f.n = 1 THEN f.pid WHEN f.n IS NULL AND u.n = 1 THEN u.pid END AS person_id,
               CASE WHEN f.n > 1 OR (f.n IS NULL AND u.n > 1) THEN 'names several people in the identity map'
                    WHEN f.n IS NULL AND u.n IS NULL THEN 'not in the identity map' END AS unresolved
        FROM accounts a
        LEFT JOIN full_match f ON f.k = lower(trim(acct_fold(a.account)))
        LEFT JOIN user_match u ON u.k = a.account_normalised""")
    rows = con.execute("SELECT account, unresolved FROM ids WHERE unresolved IS NOT NULL ORDER BY account").fetchall()
    resolved = con.execute("SELECT count(*) FROM ids WHERE person_id IS NOT NULL").fetchone()
    by_file: dict[str, list[str]] = {}
    if rows and per_file:
        by_file = {str(f): list(a) for f, a in con.execute("""
            SELECT f.name, list(e.account ORDER BY e.account)
            FROM (SELECT DISTINCT file_no, account FROM events
                  WHERE account IN (SELECT account FROM ids WHERE unresolved IS NOT NULL)) e
            JOIN file_names f ON f.file_no = e.file_no GROUP BY f.name ORDER BY f.name""").fetchall()}
    resolved_by_file: dict[str, int] = {}
    if per_file:  # each file's own count (an evidence folder's raw export keeps its own in its report)
        resolved_by_file = {str(f): int(n) for f, n in con.execute("""
            SELECT f.name, count(DISTINCT e.account)
            FROM events e JOIN ids i ON i.account = e.account JOIN file_names f ON f.file_no = e.file_no
            WHERE i.person_id IS NOT NULL GROUP BY f.name ORDER BY f.name""").fetchall()}
    return {
        "identity_map": str(identity_map) if identity_map else None,
        "accounts_resolved": int(resolved[0]) if resolved else 0,
        "accounts_unresolved": [{"account": a, "why": w} | coded(w) for a, w in rows],
        "accounts_unresolved_by_file": by_file,  # several files: the accounts each file holds
        "note": ("remote_sessions.person_id holds the person_id where the map resolves the account, otherwise "
                 "the normalised account itself, so a check that looks the person up names it"),
    } | ({"accounts_resolved_by_file": resolved_by_file} if per_file else {})  # several files: each one's count


_MAP_HEADERS = {"account": ("account", "帳號", "account_name", "upn", "email"),
                "person_id": ("person_id", "員工編號")}


def _load_identity_map(con: duckdb.DuckDBPyConnection, path: Path, limits: ArchiveLimits) -> None:
    """The identity_map dataset (CSV in UTF-8, UTF-16 or Big5): account (name, e-mail or UPN) and person_id,
    English or zh-TW headers as in its template."""
    if not path.is_file():
        raise EvidenceError(f"{visible(str(path))}: identity map not found")
    scratch = Path(tempfile.mkdtemp(prefix="ccaudit-idmap-"))
    try:
        text, _ = as_utf8(path, scratch, limits)
        _insert_identity_map(con, path, text)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _insert_identity_map(con: duckdb.DuckDBPyConnection, path: Path, text: Path) -> None:
    rel = f"read_csv({sql_str(str(text))}, header=true, all_varchar=true)"
    try:
        headers = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()]
    except duckdb.Error as exc:
        raise EvidenceError(f"{visible(str(path))}: cannot read the identity map: {str(exc).splitlines()[0]}") from None
    found: dict[str, str] = {}
    for field, spellings in _MAP_HEADERS.items():
        for header in headers:
            if header.strip().lstrip("\ufeff").lower() in spellings:
                found[field] = header
                break
        else:
            raise EvidenceError(f"{visible(str(path))}: the identity map needs a column {field} "
                                f"({' or '.join(spellings)}); it has {', '.join(visible(h) for h in headers)}")
    a, p = (f'"{found[f]}"' for f in ("account", "person_id"))
    con.execute(f"INSERT INTO idmap SELECT trim({a}), trim({p}) FROM {rel} "
                f"WHERE nullif(trim({a}), '') IS NOT NULL AND nullif(trim({p}), '') IS NOT NULL")


def _stopped(reason: str) -> str:
    """SQL: the end `reason` says the gateway itself stopped (base.SERVER_STOP_REASONS), not the client."""
    return "(" + " OR ".join(f"starts_with({reason}, {sql_str(r)})" for r in SERVER_STOP_REASONS) + ")"


def _sessions(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Pair start and end events per session key: each start opens a segment, and the segment's first end
    closes it. Events before a key's first start belong to a session cut by log rotation: its start is
    the end's time minus the duration the gateway logged, when it logged one."""
    # The window runs over narrow rows (row id, key, time, kind): sorting every event's full row spilled past the
    # memory limit and grew faster than the file. Each segment's first row (its start, or the key's first event in
    # a segment before any start) carries the session's values; a value it lacks is looked up, as the first one
    # in time, only for the few segments where a later event has it (measured at 10M lines, 20% VPN: 10.6 -> 6.0
    # CPU s; aggregating each value with arg_min over all events, or joining each one back, cost more).
    attrs = ("account", "gateway_id", "channel", "mfa_method", "source_ip", "assigned_ip")
    # a session whose end is in another file than its start (files parsed together: a log's rotations) cites both:
    # its row the start's file and line, its note the end's
    several = (con.execute("SELECT count(*) > 1 FROM file_names").fetchone() or (False,))[0]
    elsewhere = elsewhere_join = ""
    if several:
        elsewhere = ("WHEN end_file <> COALESCE(start_file, first_file) THEN 'its end in ' || fe.name || ' line ' "
                     "|| CAST(end_line AS VARCHAR) || COALESCE(': ' || nullif(en.reason, ''), '')")
        elsewhere_join = ("LEFT JOIN file_names fe ON fe.file_no = g.end_file "
                          "LEFT JOIN (SELECT rowid AS rid, reason FROM events WHERE kind = 'session_end') en "
                          "ON en.rid = g.end_rid AND g.end_file <> COALESCE(g.start_file, g.first_file)")
    later = " OR ".join(f"({a} IS NULL AND any_{a})" for a in attrs)
    firsts = ", ".join(f"arg_min(e.{a}, e.time_utc) FILTER (WHERE e.{a} IS NOT NULL) AS {a}" for a in attrs)
    con.execute(f"""
        CREATE TEMP TABLE sessions AS
        WITH n AS (
            SELECT rid, time_utc, kind, duration_s, stop_end, file_no, line_no, {", ".join(f"has_{a}" for a in attrs)},
                   first_value(rid) OVER w AS key_rid,  -- the key as a number: its first event's row
                   sum(CASE WHEN kind = 'session_start' THEN 1 ELSE 0 END) OVER w AS seg,
                   row_number() OVER w = 1 AS key_first
            FROM (SELECT rowid AS rid, source, session_key, time_utc, kind, duration_s, file_no, line_no,
                         kind = 'session_end' AND {_stopped('reason')} AS stop_end,
                         {", ".join(f"{a} IS NOT NULL AS has_{a}" for a in attrs)}
                  FROM events
                  WHERE session_key IS NOT NULL AND kind IN ('session_start', 'session_end', 'session_stats'))
            WINDOW w AS (PARTITION BY source, session_key ORDER BY time_utc,
                         CASE kind WHEN 'session_start' THEN 0 WHEN 'session_stats' THEN 1 ELSE 2 END, file_no, line_no
                         ROWS UNBOUNDED PRECEDING)
        ), s AS (
            SELECT key_rid, seg,
                   any_value(rid) FILTER (WHERE kind = 'session_start' OR (seg = 0 AND key_first)) AS first_rid,
                   min(time_utc) FILTER (WHERE kind = 'session_end') AS end_utc,
                   count(*) FILTER (WHERE kind = 'session_end') AS ends,
                   -- the first end, when the gateway's own stop (its reason is looked up for those only)
                   arg_min(rid, time_utc) FILTER (WHERE kind = 'session_end') AS end_rid,
                   arg_min(line_no, time_utc) FILTER (WHERE kind = 'session_end') AS end_line,
                   arg_min(file_no, time_utc) FILTER (WHERE kind = 'session_end') AS end_file,
                   arg_min(stop_end, time_utc) FILTER (WHERE kind = 'session_end') AS first_end_stop,
                   min(time_utc - to_seconds(duration_s)) FILTER (WHERE duration_s IS NOT NULL) AS start_by_duration,
                   {", ".join(f"bool_or(has_{a}) AS any_{a}" for a in attrs)}
            FROM n GROUP BY key_rid, seg
        ), r AS (
            SELECT s.*, e.source, e.session_key, e.file_no AS first_file, e.line_no AS first_line,
                   CASE WHEN s.seg > 0 THEN e.time_utc END AS start_utc, e.account_normalised,
                   {", ".join(f"e.{a}" for a in attrs)}
            FROM s JOIN events e ON e.rowid = s.first_rid
        ), later AS (
            SELECT n.key_rid, n.seg, {firsts},
                   arg_min(e.account_normalised, e.time_utc) FILTER (WHERE e.account IS NOT NULL) AS account_normalised
            FROM n JOIN events e ON e.rowid = n.rid
            WHERE (n.key_rid, n.seg) IN (SELECT (key_rid, seg) FROM r WHERE {later})
            GROUP BY n.key_rid, n.seg
        ), g AS (
            SELECT r.source, r.session_key, r.seg, r.start_utc,
                   CASE WHEN r.seg > 0 THEN r.first_line END AS start_line,
                   CASE WHEN r.seg > 0 THEN r.first_file END AS start_file,
                   r.end_utc, r.ends, r.start_by_duration, r.first_line, r.first_file, r.end_line, r.end_file,
                   r.end_rid, r.first_end_stop,
                   CASE WHEN r.account IS NULL THEN l.account_normalised ELSE r.account_normalised END
                       AS account_normalised,
                   {", ".join(f"COALESCE(r.{a}, l.{a}) AS {a}" for a in attrs)}
            FROM r LEFT JOIN later l ON l.key_rid = r.key_rid AND l.seg = r.seg
        )
        SELECT g.*,
               COALESCE(start_utc, start_by_duration) AS s_utc,
               CASE WHEN seg = 0 AND start_by_duration IS NOT NULL
                        THEN 'start derived from the logged duration: the start line is not in the files '
                             || '(log rotation)'
                    WHEN seg = 0 THEN 'no start line and no duration: the session cannot be placed'
                    WHEN ends = 0 THEN 'no end line in the files (still connected when the log ends, or cut '
                             || 'by log rotation)'
                    WHEN ends > 1 THEN 'several end lines for one start; the first is used'
                    {elsewhere}
                    WHEN first_end_stop THEN stop.reason
                    WHEN starts_with(session_key, {sql_str(WITHOUT_TUNNEL_ID)}) THEN {sql_str(PAIRED_WITHOUT_ID)}
               END AS note,
               COALESCE(start_file, first_file) AS prov_file, COALESCE(start_line, first_line) AS prov_line
        FROM g LEFT JOIN (SELECT rowid AS rid, reason FROM events
                          WHERE kind = 'session_end' AND {_stopped('reason')}) stop ON stop.rid = g.end_rid
        {elsewhere_join}""")
    _end_at_later_stops(con)
    merged = _merge_windows_logs(con)
    merged_defender = _merge_windows_logs(con, "defender")
    cut = "seg > 0 AND ends > 0 AND end_file <> prov_file"  # started in one file, ended in another (rotation)
    per_file = con.execute(f"""
        SELECT prov_file,
               count(*) FILTER (WHERE s_utc IS NOT NULL),
               count(*) FILTER (WHERE s_utc IS NOT NULL AND end_utc IS NOT NULL AND seg > 0),
               count(*) FILTER (WHERE seg > 0 AND ends = 0),
               count(*) FILTER (WHERE seg = 0 AND start_by_duration IS NOT NULL),
               count(*) FILTER (WHERE ends > 1),
               count(*) FILTER (WHERE s_utc IS NULL),
               count(*) FILTER (WHERE ends = 1 AND first_end_stop),
               count(*) FILTER (WHERE seg > 0 AND ends > 0 AND starts_with(session_key, {sql_str(WITHOUT_TUNNEL_ID)})),
               count(*) FILTER (WHERE {cut}), count(*) FILTER (WHERE {cut} AND first_end_stop),
               list(DISTINCT end_file) FILTER (WHERE {cut})
        FROM sessions GROUP BY prov_file ORDER BY prov_file""").fetchall()
    counts = [sum(int(r[i]) for r in per_file) for i in range(1, 9)]
    names = dict(con.execute("SELECT file_no, name FROM file_names").fetchall())
    keys = ("sessions", "paired_start_and_end", "without_end", "start_derived_from_duration", "with_several_ends",
            "not_placed", "ended_by_server_stop", "paired_without_tunnel_id")
    by_file: dict[str, dict[str, Any]] = {}
    for no, *n, elsewhere, by_stop, ended_in in per_file:
        by_file[names[no]] = dict(zip(keys, map(int, n), strict=True))
        if elsewhere:
            by_file[names[no]]["ended_in_other_files"] = {
                "count": int(elsewhere), "by_server_stop": int(by_stop), "files": sorted(names[f] for f in ended_in)}
    for name, facts in [*merged.pop("by_file").items(), *merged_defender.pop("by_file").items()]:
        by_file.setdefault(name, dict.fromkeys(keys, 0)).update(facts)
    unplaced = con.execute(f"""
        SELECT f.name || ':' || CAST(s.first_line AS VARCHAR) FROM sessions s JOIN file_names f
        ON f.file_no = s.first_file WHERE s.s_utc IS NULL ORDER BY f.name, s.first_line
        LIMIT {MAX_LISTED}""").fetchall()
    failures = con.execute("SELECT f.name, count(*) FROM events e JOIN file_names f ON f.file_no = e.file_no "
                           "WHERE e.kind = 'login_failed' GROUP BY ALL").fetchall()
    return {
        "sessions": counts[0], "paired_start_and_end": counts[1], "without_end": counts[2],
        "start_derived_from_duration": counts[3], "with_several_ends": counts[4],
        "not_placed": counts[5], "not_placed_lines": [r[0] for r in unplaced],
        "ended_by_server_stop": counts[6],
        "paired_without_tunnel_id": counts[7],
        "failed_logins": sum(int(n) for _, n in failures),
        "failed_logins_by_file": {str(f): int(n) for f, n in sorted(failures)},
        "note": "sessions without an end are written with an empty end_time; events that cannot be placed in "
                "a session stay in remote_access_events.csv; by_file counts each file's sessions (those it holds "
                "the start of), with those ended in another file (ended_in_other_files: log rotation)",
        "by_file": by_file,
    } | ({"merged_windows_logs": merged} if merged["count"] else {}) | (
        {"merged_defender_logons": merged_defender} if merged_defender["count"] else {})


# a rotated log's name without its rotation suffix: server.log.1, server.log.2.gz, server.log-20261101 -> server.log
ROTATION_BASE = (r"regexp_replace(regexp_replace({name}, '^.*[/\\\\]', ''), "
                  r"'(?:[.-]\d{{8}}|\.\d+)?(?:\.gz|\.bz2|\.xz|\.zst|\.zip)?$', '')")


def _end_at_later_stops(con: duckdb.DuckDBPyConnection) -> None:
    """A session left open at the end of its file ends at its gateway's next stop or restart (base.SERVER_MARK) in
    another file parsed with it, after that file's last event (log rotation: server.log.1, then server.log, whose
    first lines are the server's stop). The same gateway: the same gateway_id, and, where no file names it, the same
    log's rotations (the same name without its rotation suffix). The end is added as the stop line's session_end
    event, as a stop inside the session's own file gives it."""
    if not con.execute("SELECT 1 FROM server_stops LIMIT 1").fetchall():
        return
    base = ROTATION_BASE.format(name="name")
    con.execute(f"""
        CREATE TEMP TABLE later_stops AS
        WITH fb AS (SELECT file_no, {base} AS base FROM file_names),
        last AS (SELECT file_no, max(time_utc) AS last_utc FROM events GROUP BY file_no),
        o AS (
            SELECT s.source, s.session_key, s.seg, s.s_utc, s.prov_file, s.gateway_id, fb.base, last.last_utc
            FROM sessions s JOIN fb ON fb.file_no = s.prov_file JOIN last ON last.file_no = s.prov_file
            WHERE s.ends = 0 AND s.seg > 0 AND s.s_utc IS NOT NULL
              AND s.source IN (SELECT DISTINCT source FROM server_stops)
        )
        SELECT o.source, o.session_key, o.seg,
               arg_min(st.file_no, (st.time_utc, st.file_no, st.line_no)) AS file_no,
               arg_min(st.line_no, (st.time_utc, st.file_no, st.line_no)) AS line_no,
               min(st.time_utc) AS time_utc
        FROM o JOIN server_stops st ON st.source = o.source AND st.file_no <> o.prov_file
         AND st.time_utc >= o.last_utc AND st.time_utc >= o.s_utc
         AND lower(o.gateway_id) IS NOT DISTINCT FROM lower(st.gateway_id)
         AND (o.gateway_id IS NOT NULL OR o.base = (SELECT base FROM fb WHERE fb.file_no = st.file_no))
        GROUP BY ALL""")
    if not con.execute("SELECT 1 FROM later_stops LIMIT 1").fetchall():
        return
    stop, restart = (sql_str(r) for r in SERVER_STOP_REASONS)
    con.execute(f"""
        CREATE TEMP TABLE later_ends AS
        SELECT l.source, l.session_key, l.seg, l.file_no, l.line_no, l.time_utc, st.zone_assumed, st.zone_used,
               st.zone_from, st.tz_text,
               CASE WHEN st.reason IS NOT NULL
                    THEN {stop} || ' in ' || f.name || ' line ' || CAST(l.line_no AS VARCHAR) || ': ' || st.reason
                    ELSE {restart} || ' in ' || f.name || ' line ' || CAST(l.line_no AS VARCHAR)
                         || ': the session ended before that line' END AS reason
        FROM later_stops l JOIN server_stops st ON st.file_no = l.file_no AND st.line_no = l.line_no
        JOIN file_names f ON f.file_no = l.file_no""")
    con.execute("""
        UPDATE sessions SET end_utc = e.time_utc, ends = 1, first_end_stop = TRUE, end_file = e.file_no,
                            end_line = e.line_no, note = e.reason
        FROM later_ends e
        WHERE sessions.source = e.source AND sessions.session_key = e.session_key AND sessions.seg = e.seg""")
    # the end in remote_access_events.csv, on the stop line, as a stop in the session's own file writes it; the
    # events stay in the lines' order, which the CSV is written in
    con.execute("""
        INSERT INTO events BY NAME
        SELECT e.file_no, e.line_no, e.source, 'session_end' AS kind, e.time_utc, e.zone_assumed, e.zone_used,
               e.zone_from, e.tz_text, s.account, s.account_normalised, acct_domain(s.account) AS account_domain,
               s.source_ip, s.assigned_ip, e.session_key, s.channel, s.mfa_method, s.gateway_id, e.reason
        FROM later_ends e JOIN sessions s ON s.source = e.source AND s.session_key = e.session_key AND s.seg = e.seg""")
    con.execute("CREATE TEMP TABLE sorted_events AS SELECT * FROM events ORDER BY file_no, line_no")
    con.execute("DROP TABLE events")
    con.execute("ALTER TABLE sorted_events RENAME TO events")


def _stops_listed(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The gateway's own stops and restarts per file (the first MAX_LISTED) and each file's last event, for the
    report: what _end_at_later_stops ended the sessions with that an earlier rotated file of the same gateway left
    open."""
    local = "timezone('Asia/Taipei', CAST(st.time_utc AS TIMESTAMPTZ))"
    minutes = f"date_diff('minute', st.time_utc, {local})"
    offset = (f"CASE WHEN {minutes} < 0 THEN '-' ELSE '+' END || lpad(CAST(abs({minutes}) // 60 AS VARCHAR), 2, '0') "
              f"|| ':' || lpad(CAST(abs({minutes}) % 60 AS VARCHAR), 2, '0')")
    rows = con.execute(f"""
        SELECT f.name, st.line_no, strftime(st.time_utc, '%Y-%m-%dT%H:%M:%SZ'),
               strftime({local}, '%Y-%m-%dT%H:%M:%S') || {offset}, st.gateway_id, st.reason
        FROM (SELECT *, row_number() OVER (PARTITION BY file_no ORDER BY time_utc, line_no) AS n FROM server_stops) st
        JOIN file_names f ON f.file_no = st.file_no WHERE st.n <= {MAX_LISTED} ORDER BY st.file_no, st.n""").fetchall()
    if not rows:
        return {}
    last = con.execute("SELECT f.name, strftime(max(e.time_utc), '%Y-%m-%dT%H:%M:%SZ') FROM events e "
                       "JOIN file_names f ON f.file_no = e.file_no GROUP BY f.name ORDER BY f.name").fetchall()
    return {"stops": [{"file": f, "line": n, "utc_time": u, "time": t, "gateway_id": g, "message": m}
                      for f, n, u, t, g, m in rows],
            "last_event_utc": dict(last),
            "note": "the gateway's own stops and restarts (message empty: a start-up without a logged stop); the "
                    "sessions still open in its file ended there, and those an earlier rotated file of the same "
                    "gateway left open when the files are parsed together"}


WINDOWS_PAIR_SECONDS = 120  # a LocalSessionManager logon and the Security log's logon of one connection: this close
# windows_security.py keys LocalSessionManager sessions "win|host|session N"
LSM_KEY = "'(?:^|\\|)session [^|]*$'"


def _merge_windows_logs(con: duckdb.DuckDBPyConnection, other: str = "lsm") -> dict[str, Any]:
    """One Remote Desktop connection is in both the Security log (4624 type 10 or 4778) and the
    TerminalServices-LocalSessionManager log (21 or 25) of its host: where both are given, each LocalSessionManager
    session is paired with the Security session of the same host and account that started nearest to it, within
    WINDOWS_PAIR_SECONDS (each at most once), and counted once: the Security session is kept, its source address and
    end filled from the other where it has none, the earlier end kept where both have one (a disconnection, 24,
    ends the connection before the log-off, 4634, does), and the pair named in its note. `other` 'defender': the same
    for Defender for Endpoint's DeviceLogonEvents sessions (the same logon seen by the host's sensor; no end)."""
    lsm = other == "lsm"
    label = "TerminalServices-LocalSessionManager log" if lsm else "Defender for Endpoint DeviceLogonEvents"
    secondary = (f"(source = 'windows-security' AND regexp_matches(session_key, {LSM_KEY}))" if lsm
                 else "source = 'defender-logons'")
    con.execute("DROP TABLE IF EXISTS win_pairs")
    con.execute(f"""
        CREATE TEMP TABLE win_pairs AS
        WITH w AS (
            SELECT *, {secondary} AS lsm,
                   source = 'windows-security' AND NOT regexp_matches(session_key, {LSM_KEY}) AS security
            FROM sessions WHERE source IN ('windows-security', 'defender-logons') AND s_utc IS NOT NULL
        ), c AS (
            SELECT l.session_key AS l_key, l.seg AS l_seg, s.session_key AS s_key, s.seg AS s_seg,
                   abs(date_diff('millisecond', l.s_utc, s.s_utc)) AS gap, l.end_utc AS l_end, l.source_ip AS l_ip,
                   l.prov_file AS l_file, l.prov_line AS l_line, s.prov_file AS s_file
            FROM w l JOIN w s ON l.lsm AND s.security
             AND lower(l.gateway_id) IS NOT DISTINCT FROM lower(s.gateway_id)
             AND l.account_normalised = s.account_normalised
             AND l.s_utc BETWEEN s.s_utc - INTERVAL {WINDOWS_PAIR_SECONDS} SECOND
                             AND s.s_utc + INTERVAL {WINDOWS_PAIR_SECONDS} SECOND
        ), r AS (
            SELECT *, row_number() OVER (PARTITION BY l_key, l_seg ORDER BY gap, s_key, s_seg) AS by_l,
                      row_number() OVER (PARTITION BY s_key, s_seg ORDER BY gap, l_key, l_seg) AS by_s
            FROM c
        )
        SELECT r.*, f.name || ' line ' || CAST(r.l_line AS VARCHAR) AS l_where,
               fe.name || ' line ' || CAST(le.line_no AS VARCHAR) AS l_end_where
        FROM r JOIN file_names f ON f.file_no = r.l_file
        -- the line of the LocalSessionManager session's end: its key's first end event at that time
        LEFT JOIN (SELECT session_key, time_utc, arg_min(file_no, line_no) AS file_no, min(line_no) AS line_no
                   FROM events WHERE kind = 'session_end' AND source IN ('windows-security', 'defender-logons')
                   GROUP BY ALL) le
               ON le.session_key = r.l_key AND le.time_utc = r.l_end
        LEFT JOIN file_names fe ON fe.file_no = le.file_no
        WHERE by_l = 1 AND by_s = 1""")
    con.execute(f"""
        UPDATE sessions SET
            end_utc = CASE WHEN p.l_end < sessions.end_utc OR sessions.end_utc IS NULL THEN p.l_end
                           ELSE sessions.end_utc END,
            ends = CASE WHEN sessions.ends = 0 AND p.l_end IS NOT NULL THEN 1 ELSE sessions.ends END,
            source_ip = COALESCE(sessions.source_ip, p.l_ip),
            note = concat_ws('; ',
                             CASE WHEN NOT (sessions.end_utc IS NULL AND p.l_end IS NOT NULL) THEN sessions.note END,
                             'the same connection in the {label} (' || p.l_where || ') counted once',
                             CASE WHEN p.l_end < sessions.end_utc OR (sessions.end_utc IS NULL AND p.l_end IS NOT NULL)
                                  THEN 'its end from that log (' || p.l_end_where || ')' END)
        FROM win_pairs p WHERE sessions.session_key = p.s_key AND sessions.seg = p.s_seg
          AND sessions.source = 'windows-security'""")
    con.execute(f"""
        DELETE FROM sessions WHERE {secondary}
          AND (session_key, seg) IN (SELECT l_key, l_seg FROM win_pairs)""")
    row = con.execute("SELECT count(*) FROM win_pairs").fetchone()
    # per file: the pairs whose Security session it holds (both logs in it, or the other in another file), and the
    # LocalSessionManager (or Defender) sessions it held that were counted with another file's Security session
    key = "merged_windows_logs" if lsm else "merged_defender_logons"
    by_file: dict[str, dict[str, Any]] = {}
    names = dict(con.execute("SELECT file_no, name FROM file_names").fetchall())
    for s_file, same, across, others in con.execute("""
            SELECT s_file, count(*) FILTER (WHERE l_file = s_file), count(*) FILTER (WHERE l_file <> s_file),
                   list(DISTINCT l_file) FILTER (WHERE l_file <> s_file)
            FROM win_pairs GROUP BY s_file""").fetchall():
        facts = by_file.setdefault(names[s_file], {})
        if same:
            facts[key] = {"count": int(same), "window_seconds": WINDOWS_PAIR_SECONDS}
        if across:
            facts[f"{key}_across_files"] = {
                "count": int(across), "files": sorted(names[f] for f in others), "window_seconds": WINDOWS_PAIR_SECONDS}
    for l_file, n, others in con.execute("""
            SELECT l_file, count(*), list(DISTINCT s_file) FROM win_pairs WHERE l_file <> s_file
            GROUP BY l_file""").fetchall():
        by_file.setdefault(names[l_file], {})["sessions_in_security_logs"] = {
            "count": int(n), "files": sorted(names[f] for f in others)}
    return {"count": int(row[0]) if row else 0, "window_seconds": WINDOWS_PAIR_SECONDS, "by_file": by_file,
            "note": f"Remote Desktop connections found in both the Security log and the {label} of a host (same host "
                    "and account, logons this close) are one session: the Security log's, with the other named in its "
                    "note; both logs' events stay in remote_access_events.csv"}


MFA_WINDOW_MINUTES = 10  # an identity-provider sign-in this long before a session start gives the session its MFA
MFA_SKEW_MINUTES = 1  # clocks of the gateway and the identity provider may differ by this much


def _mfa_from_sign_ins(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """MFA for sessions whose gateway does not log it, from identity-provider sign-ins (Entra ID, kind sign_in)
    parsed together with the gateway's files: the same person (identity map, else the normalised account) signed
    in within MFA_WINDOW_MINUTES before the session start (MFA_SKEW_MINUTES after it for clock skew); the
    latest such sign-in decides, 'none' for a single-factor one."""
    row = con.execute("SELECT count(*) FROM events WHERE kind = 'sign_in'").fetchone()
    if not row or not row[0]:
        return {"sessions": 0, "note": "no identity-provider sign-ins among the files"}
    con.execute(f"""
        CREATE TEMP TABLE session_mfa AS
        WITH s AS (
            SELECT se.source, se.session_key, se.seg, se.s_utc, se.prov_file,
                   COALESCE(i.person_id, se.account_normalised) AS who
            FROM sessions se LEFT JOIN ids i ON i.account = se.account
            WHERE se.mfa_method IS NULL AND se.s_utc IS NOT NULL
        ), si AS (
            SELECT e.time_utc, e.mfa_method, e.file_no, COALESCE(i.person_id, e.account_normalised) AS who
            FROM events e LEFT JOIN ids i ON i.account = e.account
            WHERE e.kind = 'sign_in' AND e.mfa_method IS NOT NULL
        )
        SELECT s.source, s.session_key, s.seg, s.prov_file, arg_max(si.mfa_method, si.time_utc) AS mfa,
               arg_max(si.file_no, si.time_utc) AS mfa_file
        FROM s JOIN si ON si.who = s.who
         AND si.time_utc BETWEEN s.s_utc - INTERVAL {MFA_WINDOW_MINUTES} MINUTE
                             AND s.s_utc + INTERVAL {MFA_SKEW_MINUTES} MINUTE
        GROUP BY ALL""")
    con.execute("""
        UPDATE sessions SET mfa_method = m.mfa FROM session_mfa m
        WHERE sessions.source = m.source AND sessions.session_key = m.session_key AND sessions.seg = m.seg""")
    done = con.execute("SELECT count(*) FROM session_mfa").fetchone()
    # per file of the sessions: how many took their MFA from sign-ins in the other files, and which
    by_file = {f: {"sessions": int(n), "files": sorted(others)} for f, n, others in con.execute("""
        SELECT f.name, count(*), list(DISTINCT fm.name) FROM session_mfa m JOIN file_names f ON f.file_no = m.prov_file
        JOIN file_names fm ON fm.file_no = m.mfa_file GROUP BY f.name""").fetchall()}
    return {"sessions": int(done[0]) if done else 0, "by_file": by_file,
            "note": f"mfa_method taken from the person's latest identity-provider sign-in within {MFA_WINDOW_MINUTES} "
                    f"minutes before the session start ({MFA_SKEW_MINUTES} after, for clock skew), where the gateway "
                    "logs none"}


_TAIPEI = "'Asia/Taipei'"


def _write(con: duckdb.DuckDBPyConnection, out: Path, split: tuple[str | None, ...] = ()) -> None:
    """Both CSVs, written by DuckDB (UTF-8, header), or both per file where `split` names each file's (its rows
    selected from the formatted rows, which are formatted once). Times: Taipei wall time with its offset, and
    UTC."""
    # The offset comes from the zone database for that instant, never a fixed +08:00. It is looked up once per
    # hour the times fall in (a few thousand, not one per row: measured a third of the formatting's cost) where
    # the offset is the same at the hour's first and last microsecond; a time in an hour with a change of
    # offset is converted on its own.
    def offset(col: str) -> str:
        return f"CAST(date_diff('minute', {col}, timezone({_TAIPEI}, CAST({col} AS TIMESTAMPTZ))) AS INTEGER)"

    def offset_text(minutes: str) -> str:
        sign = f"CASE WHEN {minutes} < 0 THEN '-' ELSE '+' END"
        hh, mm = (f"lpad(CAST(abs({minutes}) {op} AS VARCHAR), 2, '0')" for op in ("// 60", "% 60"))
        return f"{sign} || {hh} || ':' || {mm}"

    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE taipei_hours AS
        WITH h AS (SELECT DISTINCT date_trunc('hour', t) AS hour FROM (
            SELECT time_utc AS t FROM events UNION ALL SELECT s_utc FROM sessions
            UNION ALL SELECT end_utc FROM sessions) WHERE t IS NOT NULL),
        o AS (SELECT hour, {offset('hour')} AS m0,
                     {offset("hour + INTERVAL '59 minutes 59.999999 seconds'")} AS m1 FROM h)
        SELECT hour, CASE WHEN m0 = m1 THEN m0 END AS minutes, {offset_text('m0')} AS text FROM o""")

    def exact(col: str) -> str:
        local = f"timezone({_TAIPEI}, CAST({col} AS TIMESTAMPTZ))"
        return f"strftime({local}, '%Y-%m-%dT%H:%M:%S') || {offset_text(offset(col))}"

    def taipei(col: str, hours: str) -> str:
        """The Taipei time of col, with the hour's offset in columns {hours}_minutes and {hours}_text."""
        return (f"CASE WHEN {hours}_minutes IS NOT NULL THEN strftime({col} + to_minutes({hours}_minutes), "
                f"'%Y-%m-%dT%H:%M:%S') || {hours}_text ELSE {exact(col)} END")  # NULL for NULL

    def hours(alias: str, col: str) -> str:
        return f"LEFT JOIN taipei_hours {alias} ON {alias}.hour = date_trunc('hour', {col})"

    def hour_cols(alias: str) -> str:
        return f"{alias}.minutes AS {alias}_minutes, {alias}.text AS {alias}_text"

    def utc(col: str) -> str:
        return f"strftime({col}, '%Y-%m-%dT%H:%M:%S') || 'Z'"

    # The events CSV in the lines' order (file by file, as given), which the events table already has: read from
    # that one table with no join and no ORDER BY, DuckDB keeps it (a sort of every formatted row cost half the
    # statement). So the person, the file's name and the Taipei offset are no joins: the person is set in the
    # table, the name is a CASE over the few files, and the offset is the latest hour's for every time from the
    # hour after the zone database last changed it (among the hours the times fall in), exact per time before.
    con.execute("ALTER TABLE events ADD COLUMN person_id VARCHAR")
    if con.execute("SELECT 1 FROM ids WHERE person_id IS NOT NULL LIMIT 1").fetchall():
        con.execute("UPDATE events SET person_id = i.person_id FROM ids i "
                    "WHERE i.account = events.account AND i.person_id IS NOT NULL")
    # Which of its line's events each is: 1, unless a line holds several (a JSON array written on one line, as a
    # Graph page is; a server's stop ending every open session). Numbered only where a line is shared, in the order
    # of what tells the events apart (copies are gone), so the common file costs one aggregate and no window.
    record = "1"
    if con.execute("SELECT 1 FROM events GROUP BY file_no, line_no HAVING count(*) > 1 LIMIT 1").fetchall():
        record = "source_record"
        con.execute("ALTER TABLE events ADD COLUMN source_record INTEGER DEFAULT 1")
        con.execute("""
            UPDATE events SET source_record = n.k
            FROM (SELECT rowid AS rid, row_number() OVER (PARTITION BY file_no, line_no
                                                          ORDER BY time_utc, kind, account, session_key,
                                                                   source_ip, assigned_ip, gateway_id, duration_s,
                                                                   reason, channel, mfa_method) AS k
                  FROM events WHERE (file_no, line_no) IN (SELECT file_no, line_no FROM events GROUP BY ALL
                                                           HAVING count(*) > 1)) n
            WHERE events.rowid = n.rid""")
    names = con.execute("SELECT file_no, name FROM file_names ORDER BY file_no").fetchall()
    file_name = "CASE file_no " + " ".join(f"WHEN {n} THEN {sql_str(name)}" for n, name in names) + " END"
    latest = con.execute("SELECT minutes, text FROM taipei_hours ORDER BY hour DESC LIMIT 1").fetchone()
    local = exact("time_utc")
    if latest and latest[0] is not None:
        since = con.execute("SELECT max(hour) + INTERVAL 1 HOUR FROM taipei_hours WHERE minutes IS DISTINCT FROM ?",
                            [latest[0]]).fetchone()
        after = f"time_utc >= {sql_str(str(since[0]))}::TIMESTAMP" if since and since[0] is not None else "TRUE"
        local = (f"CASE WHEN {after} THEN strftime(time_utc + INTERVAL {int(latest[0])} MINUTE, "
                 f"'%Y-%m-%dT%H:%M:%S') || {sql_str(latest[1])} ELSE {local} END")
    events = f"""
            SELECT kind, {local} AS event_time, {utc("time_utc")} AS utc_time,
                   account, account_normalised, account_domain, person_id,
                   source_ip, assigned_ip, session_key, channel, mfa_method, gateway_id,
                   duration_s, reason, source, {file_name} AS source_file, line_no AS source_line,
                   {record} AS source_record,
                   CASE WHEN zone_assumed THEN 'assumed' ELSE 'stated' END AS time_zone
            FROM events"""
    if not split:
        con.execute(f"COPY ({events}) TO {sql_str(str(out / EVENTS_FILE))} (HEADER, DELIMITER ',')")
    for no, prefix in enumerate(split):  # a file's events: a scan of the table for its number, formatted alone
        if prefix is not None:
            con.execute(f"COPY ({events} WHERE file_no = {no}) TO {sql_str(str(out / f'{prefix}.{EVENTS_FILE}'))} "
                        "(HEADER, DELIMITER ',')")
    # The session ID is stable across overlapping exports: the gateway's key and the start instant; two sessions
    # of one key starting at one instant (rare: looked for first, numbering them all costs a window) get #2, #3.
    clash = con.execute("SELECT 1 FROM sessions WHERE s_utc IS NOT NULL GROUP BY session_key, s_utc "
                        "HAVING count(*) > 1 LIMIT 1").fetchall()
    number = ("row_number() OVER (PARTITION BY s.session_key, s.s_utc ORDER BY s.prov_file, s.prov_line)"
              if clash else "1")
    # The sessions CSV in start-time order: sorted before its times are formatted (a subquery's ORDER BY, the
    # formatting a projection over it), so the sort carries timestamps, not their text.
    formatted = f"""
            WITH s AS (
                SELECT s.*, s.session_key || '@' || strftime(s.s_utc, '%Y-%m-%dT%H:%M:%SZ') AS base_id,
                       {number} AS n
                FROM sessions s WHERE s.s_utc IS NOT NULL
            ), o AS (
                SELECT s.*, CASE WHEN n = 1 THEN base_id ELSE base_id || '#' || CAST(n AS VARCHAR) END AS session_id,
                       i.person_id, f.name AS source_file, {hour_cols('hs')}, {hour_cols('he')}
                FROM s JOIN file_names f ON f.file_no = s.prov_file LEFT JOIN ids i ON i.account = s.account
                {hours('hs', 's.s_utc')} {hours('he', 's.end_utc')}
                ORDER BY s.s_utc, session_id
            )
            -- an ID with a tab or a zero-width space in it (a user name in the gateway's key) is spelled out: the
            -- import drops such characters from identifiers, and two sessions would then have one ID
            SELECT acct_visible(session_id) AS session_id,
                   COALESCE(person_id, acct_visible(account_normalised), acct_person(account)) AS person_id,
                   gateway_id,
                   {taipei('s_utc', 'hs')} AS start_time, {taipei('end_utc', 'he')} AS end_time,
                   COALESCE(channel, 'other') AS channel, mfa_method, source_ip,
                   account, assigned_ip, source, source_file, prov_line AS source_line, note{{file_no}}
            FROM o"""
    if not split:
        con.execute(f"COPY ({formatted.replace('{file_no}', '')}) TO {sql_str(str(out / SESSIONS_FILE))} "
                    "(HEADER, DELIMITER ',')")
        return
    # formatted once, in start-time order, which a scan for one file's rows keeps
    con.execute(f"CREATE TEMP TABLE sessions_out AS {formatted.replace('{file_no}', ', prov_file AS file_no')}")
    for no, prefix in enumerate(split):
        if prefix is not None:
            con.execute(f"COPY (SELECT * EXCLUDE (file_no) FROM sessions_out WHERE file_no = {no}) "
                        f"TO {sql_str(str(out / f'{prefix}.{SESSIONS_FILE}'))} (HEADER, DELIMITER ',')")
    con.execute("DROP TABLE sessions_out")
