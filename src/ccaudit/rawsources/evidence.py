"""Raw exports inside an evidence folder: recognised during discovery and parsed into derived files
that the importer then reads like any other (hashed, stored, listed in the manifest).

A file is a raw export when evidence.yaml names its source (`source: fortigate`) or when it is in no
format ccaudit reads as a table (e.g. `.log`) and its first lines are recognised as one. Its derived
files are named after it (`fgt.log.remote_sessions.csv`), so findings name the raw file, and each row
keeps `source_file` and `source_line`."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ccaudit.errors import EvidenceError
from ccaudit.evidence.models import DatasetTemplate
from ccaudit.evidence.readers import read_raw
from ccaudit.evidence.templates import header_map, header_score
from ccaudit.rawsources.base import SERVER_STOP_REASONS
from ccaudit.rawsources.notes import say
from ccaudit.rawsources.parse import (
    EVENTS_FILE,
    LSM_KEY,
    MFA_SKEW_MINUTES,
    MFA_WINDOW_MINUTES,
    REPORT_FILE,
    ROTATION_BASE,
    SESSIONS_FILE,
    WINDOWS_PAIR_SECONDS,
    ParseRequest,
    date_order_value,
    detect,
    parse,
)
from ccaudit.rawsources.sqlkit import connect, sql_str
from ccaudit.rawsources.textfile import as_utf8
from ccaudit.rawsources.yearless import year_value

DERIVED = {"remote_access_events": EVENTS_FILE, "remote_sessions": SESSIONS_FILE}
LINE_COLUMN = "source_line"  # the raw line each derived row comes from


@dataclass
class Derived:
    """What one raw export became: (dataset, file) per derived dataset, and the parse report."""

    files: list[tuple[str, Path]] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def lines(self) -> int:
        return sum(int(f["lines_read"]) for f in self.report.get("files", []))

    def notes(self, rel: str) -> list[str]:
        """What an inspector must know about the parse, for the inspection's warnings (the full report is
        stored beside the evidence): malformed lines, the zone assumed per gateway, incomplete sessions."""
        notes = []
        for f in self.report.get("files", []):
            if f["malformed"]:
                first = sorted(n for m in f["malformed_lines"] for n in m["lines"])[:5]
                lines = ", ".join(map(str, first)) + (", ..." if f["malformed"] > len(first) else "")
                notes.append(say("malformed_lines", file=rel, count=f["malformed"], source=f["source"], lines=lines))
                for bad in f["malformed_lines"]:  # why (its note: said in the reader's language)
                    shown = ", ".join(map(str, bad["lines"][:5])) + (", ..." if bad["count"] > 5 else "")
                    notes.append(say("malformed_problem", file=rel, count=bad["count"], problem=bad["problem"],
                                     lines=shown))
            if f.get("year"):  # syslog times without a year: the year read and where it came from
                y = f["year"]
                notes.append(say("year_assumed", file=rel, times=y["times"], years=y["read_as"], origin=y["from"]))
        for g in self.report.get("time_zone", {}).get("by_gateway", []):
            notes.append(say("zone_assumed", file=rel, count=g["events_with_assumed_zone"],
                             gateway=g["gateway_id"] or "(none named)", zone=g["zone"], zone_from=g["zone_from"]))
        s = self.report.get("sessions", {})
        shared = s.get("mfa_from_other_files", {})
        if shared.get("sessions"):
            notes.append(say("mfa_from_sign_ins", file=rel, count=shared["sessions"], files=", ".join(shared["files"])))
        for key in ("merged_windows_logs", "merged_windows_logs_across_files"):
            if s.get(key, {}).get("count"):
                notes.append(say("windows_logs_merged", file=rel, count=s[key]["count"]))
        if s.get("merged_defender_logons", {}).get("count"):
            notes.append(say("defender_logons_merged", file=rel, count=s["merged_defender_logons"]["count"]))
        if s.get("sessions_in_security_logs", {}).get("count"):
            moved = s["sessions_in_security_logs"]
            notes.append(say("windows_sessions_in_security_logs", file=rel, count=moved["count"],
                             files=", ".join(moved["files"])))
        if s.get("ended_in_other_files", {}).get("count"):
            elsewhere = s["ended_in_other_files"]
            notes.append(say("sessions_ended_elsewhere", file=rel, count=elsewhere["count"],
                             files=", ".join(elsewhere["files"])))
        if s.get("ended_by_server_stop"):
            notes.append(say("server_stops", file=rel, count=s["ended_by_server_stop"]))
        if s.get("without_end") or s.get("not_placed"):
            notes.append(say("sessions_incomplete", file=rel, without_end=s.get("without_end", 0),
                             not_placed=s.get("not_placed", 0)))
        return notes

_WORK: list[Path] = []


def _workdir() -> Path:
    """One scratch folder per process for derived files; the importer copies what it keeps."""
    if not _WORK:
        _WORK.append(Path(tempfile.mkdtemp(prefix="ccaudit-derived-")))
        atexit.register(shutil.rmtree, _WORK[0], True)
    return _WORK[0]


def recognise(path: Path) -> str | None:
    """The source a file's first lines belong to, or None (binary, empty or unknown text). A device-management
    export (Intune, Jamf Pro; mdm_evidence.py) is `mdm`: its vendor is told when it is read with the others."""
    from ccaudit.rawsources.mdm_evidence import AUTO, is_device_export

    if is_device_export(path):
        return AUTO
    con = connect()
    scratch = Path(tempfile.mkdtemp(prefix="ccaudit-recognise-"))
    try:
        text, _ = as_utf8(path, scratch, limit=1 << 20)  # a UTF-16 or Big5 export: its start, as UTF-8
        return detect(con, path, "auto", text).id
    except (duckdb.Error, EvidenceError, OSError):  # unreadable as text lines: not a raw export
        return None
    finally:
        con.close()
        shutil.rmtree(scratch, ignore_errors=True)


def derive(path: Path, rel: str, source: str, zone: str, zone_origin: str, gateway: str | None,
           identity_map: Path | None, named: bool, gateway_zones: tuple[tuple[str, str, str], ...] = (),
           zone_given: bool = False, date_order: str | None = None, year: int | None = None) -> Derived:
    """Parse one raw export into a dataset file per derived dataset. Refusals name the file. A file only
    recognised by its first lines (not `named` in evidence.yaml) that holds no session event at all
    yields no file: a timestamped text file is no gateway log. Rows name the file by `rel`."""
    flat = rel.replace("/", "__")
    out = _workdir() / flat
    try:
        where = f"evidence.yaml (date_order of {rel})"
        report = parse(ParseRequest(source=source, files=(path,), out=out, zone=zone, zone_origin=zone_origin,
                                    identity_map=identity_map, gateway=gateway, names=(rel,),
                                    gateway_zones=gateway_zones, zone_given=zone_given,
                                    date_order=date_order_value(date_order, where), date_order_origin=where,
                                    year=year_value(year, f"evidence.yaml (year of {rel})"),
                                    year_origin=f"evidence.yaml (year of {rel})"))
    except EvidenceError as exc:
        raise EvidenceError(f"{rel} (raw export): {exc}",
                            zh=f"{rel}（原始匯出檔）：{exc.zh}" if exc.zh else None) from None
    derived = Derived(report=report)
    if not named and not sum(f["recognised"] + f["malformed"] for f in report["files"]):
        return derived
    for dataset, name in DERIVED.items():
        target = out / f"{flat}.{name}"
        (out / name).replace(target)
        derived.files.append((dataset, target))
    (out / REPORT_FILE).replace(out / f"{flat}.{REPORT_FILE}")
    return derived


def register_zones(paths: list[Path], template: DatasetTemplate) -> list[tuple[str, str, str]]:
    """(gateway_id, time_zone, file and row) of each gateway in the remote_gateways register that states a
    zone, read as the importer reads the register (any format, encoding and header language)."""
    out: list[tuple[str, str, str]] = []
    scratch = Path(tempfile.mkdtemp(prefix="ccaudit-gateways-"))
    con = duckdb.connect()
    try:
        for path in paths:
            raw = read_raw(con, path, "gateways", scratch=scratch, header_score=header_score(template),
                           sheet_hints=(template.id, *template.file_aliases, template.title.zh_tw))
            found = header_map(template, raw.headers).fields
            if "gateway_id" not in found or "time_zone" not in found:
                continue
            gw, tz = (raw.columns[found[f]] for f in ("gateway_id", "time_zone"))
            rows = con.execute(
                f"SELECT _row, trim(CAST({gw} AS VARCHAR)), trim(CAST({tz} AS VARCHAR)) "
                f"FROM {raw.numbered_relation()} WHERE nullif(trim(CAST({tz} AS VARCHAR)), '') IS NOT NULL "
                f"AND nullif(trim(CAST({gw} AS VARCHAR)), '') IS NOT NULL ORDER BY _row"
            ).fetchall()
            out += [(g, z, f"{path.name} row {r} (remote_gateways time_zone)") for r, g, z in rows]
            for table in raw.tables:
                con.execute(f"DROP TABLE IF EXISTS {table}")
    except duckdb.Error as exc:
        raise EvidenceError(f"cannot read the gateways' time zones: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return out


def share_sign_ins(derived: list[tuple[str, Derived]]) -> None:
    """MFA for the sessions of each raw export whose gateway logs none, from the identity-provider sign-ins
    (Entra ID) of the folder's other raw exports: each file is parsed alone, so its own parse could not see
    them. The rule is parse.py's (the same person signed in at most MFA_WINDOW_MINUTES before the session
    start, MFA_SKEW_MINUTES after it; the latest such sign-in decides). The derived sessions file is rewritten
    with the method filled in; the parse report counts the sessions and names the files."""
    files = {rel: dict(d.files) for rel, d in derived}
    with_sign_ins = [rel for rel, d in derived if any(f.get("recognised") for f in d.report.get("files", []))
                     and d.report.get("sources") == ["entra-signins"]]
    if not with_sign_ins:
        return
    con = connect()
    try:
        events = ", ".join(sql_str(str(files[rel]["remote_access_events"])) for rel in with_sign_ins)
        con.execute(f"""
            CREATE TEMP TABLE sign_ins AS
            SELECT CAST(utc_time AS TIMESTAMPTZ) AS t, mfa_method AS mfa, source_file,
                   COALESCE(nullif(person_id, ''), account_normalised) AS who
            FROM read_csv([{events}], header = true, all_varchar = true)
            WHERE kind = 'sign_in' AND nullif(mfa_method, '') IS NOT NULL""")
        for rel, d in derived:
            if rel in with_sign_ins:
                continue
            path = files[rel]["remote_sessions"]
            src = f"read_csv({sql_str(str(path))}, header = true, all_varchar = true)"
            con.execute(f"CREATE OR REPLACE TEMP TABLE s AS SELECT row_number() OVER () AS n, * FROM {src}")
            con.execute(f"""
                CREATE OR REPLACE TEMP TABLE m AS
                SELECT s.n, arg_max(i.mfa, i.t) AS mfa, list(DISTINCT i.source_file) AS files
                FROM s JOIN sign_ins i ON i.who = s.person_id
                 AND i.t BETWEEN CAST(s.start_time AS TIMESTAMPTZ) - INTERVAL {MFA_WINDOW_MINUTES} MINUTE
                             AND CAST(s.start_time AS TIMESTAMPTZ) + INTERVAL {MFA_SKEW_MINUTES} MINUTE
                WHERE nullif(s.mfa_method, '') IS NULL GROUP BY s.n""")
            filled = con.execute("SELECT count(*), list(DISTINCT f) FROM m, unnest(m.files) AS u(f)").fetchone()
            if not filled or not filled[0]:
                continue
            con.execute(f"""
                COPY (SELECT s.* EXCLUDE (n) REPLACE (COALESCE(m.mfa, s.mfa_method) AS mfa_method)
                      FROM s LEFT JOIN m ON m.n = s.n ORDER BY s.n)
                TO {sql_str(str(path) + ".part")} (HEADER, DELIMITER ',')""")
            Path(str(path) + ".part").replace(path)
            count = con.execute("SELECT count(*) FROM m").fetchone()
            d.report.setdefault("sessions", {})["mfa_from_other_files"] = {
                "sessions": int(count[0]) if count else 0, "files": sorted(filled[1] or [])}
    finally:
        con.close()


def pair_windows_logs(derived: list[tuple[str, Derived]]) -> None:
    """The Security log and the TerminalServices-LocalSessionManager log of a host handed in as separate files: each
    is parsed alone, so parse.py could not pair their sessions. The rule is parse.py's (_merge_windows_logs): a
    LocalSessionManager session and the Security session of the same host and person starting nearest to it, within
    WINDOWS_PAIR_SECONDS, each at most once, are one session, the Security log's, with the source address and end
    taken from the other where it has none and the earlier end where both have one; the LocalSessionManager file's
    row is dropped. Both derived sessions files are rewritten and their reports count the pairs."""
    files = [(rel, d, dict(d.files)["remote_sessions"]) for rel, d in derived
             if d.report.get("sources") in (["windows-security"], ["defender-logons"])
             and dict(d.files).get("remote_sessions")]
    if len(files) < 2:
        return
    con = connect()
    try:
        parts = [f"SELECT {i} AS f, row_number() OVER () AS n, * FROM read_csv({sql_str(str(path))}, header = true, "
                 "all_varchar = true)" for i, (_, _, path) in enumerate(files)]
        con.execute("CREATE TEMP TABLE s AS SELECT *, CAST(start_time AS TIMESTAMPTZ) AS s_t, "
                    "CAST(end_time AS TIMESTAMPTZ) AS e_t, regexp_matches(regexp_replace(session_id, '@[^@]*$', ''), "
                    f"{LSM_KEY}) OR starts_with(session_id, 'mde|') AS lsm, "
                    "CASE WHEN starts_with(session_id, 'mde|') THEN 'Defender for Endpoint DeviceLogonEvents' "
                    "ELSE 'TerminalServices-LocalSessionManager log' END AS label "
                    "FROM (" + " UNION ALL BY NAME ".join(parts) + ")")
        con.execute(f"""
            CREATE TEMP TABLE p AS
            WITH c AS (
                SELECT l.f AS l_f, l.n AS l_n, s.f AS s_f, s.n AS s_n,
                       abs(date_diff('millisecond', l.s_t, s.s_t)) AS gap,
                       l.e_t AS l_end, l.end_time AS l_end_text, l.source_ip AS l_ip,
                       l.source_file || ' line ' || l.source_line AS l_where, l.label AS l_label
                FROM s l JOIN s s ON l.lsm AND NOT s.lsm AND l.f <> s.f
                 AND lower(l.gateway_id) IS NOT DISTINCT FROM lower(s.gateway_id) AND l.person_id = s.person_id
                 AND l.s_t BETWEEN s.s_t - INTERVAL {WINDOWS_PAIR_SECONDS} SECOND
                               AND s.s_t + INTERVAL {WINDOWS_PAIR_SECONDS} SECOND
            )
            SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY l_f, l_n ORDER BY gap, s_f, s_n) AS by_l,
                                  row_number() OVER (PARTITION BY s_f, s_n ORDER BY gap, l_f, l_n) AS by_s FROM c)
            WHERE by_l = 1 AND by_s = 1""")
        for i, (_, d, path) in enumerate(files):
            pairs = con.execute(f"SELECT count(*) FILTER (WHERE s_f = {i}), count(*) FILTER (WHERE l_f = {i}) "
                                "FROM p").fetchone()
            if not pairs or not (pairs[0] or pairs[1]):
                continue
            columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_csv({sql_str(str(path))}, "
                                                 "header = true, all_varchar = true)").fetchall()]
            taken = "(p.l_end < s.e_t OR (s.e_t IS NULL AND p.l_end IS NOT NULL))"
            fixed = {
                "end_time": f"CASE WHEN {taken} THEN p.l_end_text ELSE s.end_time END",
                "source_ip": "COALESCE(s.source_ip, p.l_ip)",
                "note": ("CASE WHEN p.s_n IS NULL THEN s.note ELSE concat_ws('; ', CASE WHEN NOT (s.e_t IS NULL AND "
                         "p.l_end IS NOT NULL) THEN s.note END, 'the same connection in the ' || p.l_label || ' (' "
                         "|| p.l_where || ') counted once', "
                         f"CASE WHEN {taken} THEN 'its end from that log' END) END"),
            }
            select = ", ".join(f'{fixed.get(c, "s." + chr(34) + c + chr(34))} AS "{c}"' for c in columns)
            con.execute(f"""
                COPY (SELECT {select} FROM s LEFT JOIN p ON p.s_f = s.f AND p.s_n = s.n
                      WHERE s.f = {i} AND (s.f, s.n) NOT IN (SELECT l_f, l_n FROM p) ORDER BY s.n)
                TO {sql_str(str(path) + ".part")} (HEADER, DELIMITER ',')""")
            Path(str(path) + ".part").replace(path)
            sessions = d.report.setdefault("sessions", {})
            if pairs[0]:
                others = [files[int(r[0])][0] for r in con.execute(
                    f"SELECT DISTINCT l_f FROM p WHERE s_f = {i} ORDER BY 1").fetchall()]
                sessions["merged_windows_logs_across_files"] = {"count": int(pairs[0]), "files": others,
                                                                "window_seconds": WINDOWS_PAIR_SECONDS}
            if pairs[1]:
                others = [files[int(r[0])][0] for r in con.execute(
                    f"SELECT DISTINCT s_f FROM p WHERE l_f = {i} ORDER BY 1").fetchall()]
                sessions["sessions_in_security_logs"] = {"count": int(pairs[1]), "files": others}
    finally:
        con.close()


def end_at_later_stops(derived: list[tuple[str, Derived]], stopped: list[tuple[str, Derived]]) -> None:
    """A server log's rotations handed in as separate files: each is parsed alone, so a session left open at the end
    of one (server.log.1) could see neither its own end nor the server's stop or restart in the next (server.log).
    The rule is parse.py's: such a session ends at its own first end in another file of the same log after its start,
    else at the first stop or restart of the same gateway in another file after its own file's last event
    (_end_at_later_stops); the same gateway: the same gateway_id, and, where none is named, the same log name without
    its rotation suffix. `stopped`: every parsed raw export, a file that holds only the stop too. The derived sessions
    file is rewritten (end and note) and its report counts the sessions and names the files."""
    stops = [(rel, s) for rel, d in stopped for s in d.report.get("server_stops", {}).get("stops", [])]
    open_in = [(rel, d) for rel, d in derived if d.report.get("sessions", {}).get("without_end")
               and "openvpn-log" in d.report.get("sources", []) and dict(d.files).get("remote_sessions")]
    if not open_in:
        return
    con = connect()
    try:
        con.execute("CREATE TEMP TABLE stops (rel VARCHAR, line BIGINT, utc TIMESTAMPTZ, time VARCHAR, gateway_id "
                    "VARCHAR, message VARCHAR)")
        con.executemany("INSERT INTO stops VALUES (?, ?, CAST(? AS TIMESTAMPTZ), ?, ?, ?)",
                        [(rel, s["line"], s["utc_time"], s["time"], s["gateway_id"], s["message"]) for rel, s in stops])
        events = [(rel, path) for rel, d in derived if "openvpn-log" in d.report.get("sources", [])
                  for dataset, path in d.files if dataset == "remote_access_events"]
        con.execute("CREATE TEMP TABLE ends (rel VARCHAR, line BIGINT, utc TIMESTAMPTZ, time VARCHAR, gateway_id "
                    "VARCHAR, session_key VARCHAR, reason VARCHAR)")
        for rel, path in events:  # the session ends each file holds (its own pairing may have placed none of them)
            con.execute(f"""
                INSERT INTO ends SELECT {sql_str(rel)}, CAST(source_line AS BIGINT), CAST(utc_time AS TIMESTAMPTZ),
                       event_time, nullif(gateway_id, ''), session_key, reason
                FROM read_csv({sql_str(str(path))}, header = true, all_varchar = true)
                WHERE kind = 'session_end' AND source = 'openvpn-log'""")
        stop, restart = (sql_str(r) for r in SERVER_STOP_REASONS)
        for rel, d in open_in:
            path = dict(d.files)["remote_sessions"]
            last = max((t for t in d.report.get("server_stops", {}).get("last_event_utc", {}).values()), default=None)
            con.execute(f"""
                CREATE OR REPLACE TEMP TABLE s AS
                SELECT row_number() OVER () AS n, *, regexp_replace(session_id, '@[^@]*$', '') AS session_key
                FROM read_csv({sql_str(str(path))}, header = true, all_varchar = true)""")
            own_last = (f"CAST({sql_str(last)} AS TIMESTAMPTZ)" if last else
                        "(SELECT max(CAST(COALESCE(nullif(end_time, ''), start_time) AS TIMESTAMPTZ)) FROM s)")
            same_log = f"{ROTATION_BASE.format(name=sql_str(rel))} = {ROTATION_BASE.format(name='c.rel')}"
            con.execute(f"""
                CREATE OR REPLACE TEMP TABLE m AS
                WITH c AS (
                    SELECT rel, line, utc, time, gateway_id, NULL AS session_key, TRUE AS stop,
                           CASE WHEN message IS NOT NULL
                                THEN {stop} || ' in ' || rel || ' line ' || CAST(line AS VARCHAR) || ': ' || message
                                ELSE {restart} || ' in ' || rel || ' line ' || CAST(line AS VARCHAR)
                                     || ': the session ended before that line' END AS note
                    FROM stops
                    UNION ALL
                    SELECT rel, line, utc, time, gateway_id, session_key, FALSE,
                           'its end in ' || rel || ' line ' || CAST(line AS VARCHAR) || ': ' || COALESCE(reason, '')
                    FROM ends
                )
                SELECT s.n, arg_min(c.time, (c.utc, c.rel, c.line)) AS end_time,
                       arg_min(c.note, (c.utc, c.rel, c.line)) AS note, arg_min(c.rel, (c.utc, c.rel, c.line)) AS rel,
                       arg_min(c.stop, (c.utc, c.rel, c.line)) AS stop
                FROM s JOIN c ON c.rel <> {sql_str(rel)} AND c.utc >= CAST(s.start_time AS TIMESTAMPTZ)
                 AND lower(nullif(s.gateway_id, '')) IS NOT DISTINCT FROM lower(c.gateway_id)
                 AND (nullif(s.gateway_id, '') IS NOT NULL OR {same_log})
                 AND (c.session_key = s.session_key OR (c.session_key IS NULL AND c.utc >= {own_last}))
                WHERE nullif(s.end_time, '') IS NULL AND s.source = 'openvpn-log'
                GROUP BY s.n""")
            row = con.execute("SELECT count(*), count(*) FILTER (WHERE stop), list(DISTINCT rel ORDER BY rel) "
                              "FROM m").fetchone()
            if not row or not row[0]:
                continue
            con.execute(f"""
                COPY (SELECT s.* EXCLUDE (n, session_key) REPLACE (COALESCE(m.end_time, s.end_time) AS end_time,
                                                                   COALESCE(m.note, s.note) AS note)
                      FROM s LEFT JOIN m ON m.n = s.n ORDER BY s.n)
                TO {sql_str(str(path) + ".part")} (HEADER, DELIMITER ',')""")
            Path(str(path) + ".part").replace(path)
            sessions = d.report.setdefault("sessions", {})
            sessions["without_end"] = int(sessions.get("without_end", 0)) - int(row[0])
            sessions["ended_by_server_stop"] = int(sessions.get("ended_by_server_stop", 0)) + int(row[1])
            sessions["ended_in_other_files"] = {"count": int(row[0]), "by_server_stop": int(row[1]),
                                                "files": list(row[2] or [])}
    finally:
        con.close()
