"""Raw exports inside an evidence folder: recognised during discovery and parsed into derived files
that the importer then reads like any other (hashed, stored, listed in the manifest).

A file is a raw export when evidence.yaml names its source (`source: fortigate`) or when it is in no
format ccaudit reads as a table (e.g. `.log`) and its first lines are recognised as one. Related raw exports
(`group`: a source's files, an OpenVPN server's rotations, Entra sign-ins with every group) are parsed together
by parse.py, as `ccaudit sources parse A B C` parses them, so that what relates across files (a session cut by
rotation, a host's Security and LocalSessionManager logs, MFA from sign-ins, a server's stop in the next file)
is settled by the same SQL; the parse writes each file's own rows. Its derived files are named after it
(`fgt.log.remote_sessions.csv`), so findings name the raw file, and each row keeps `source_file` and
`source_line`."""

from __future__ import annotations

import atexit
import json
import re
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
from ccaudit.evidence.untrusted import WorkbookLimits
from ccaudit.rawsources.compressed import (
    DEFAULT_LIMITS,
    ArchiveLimits,
    ArchiveRefused,
    ZipReader,
    compression,
    zip_files,
    zip_logs,
)
from ccaudit.rawsources.notes import say
from ccaudit.rawsources.parse import (
    EVENTS_FILE,
    REPORT_FILE,
    SESSIONS_FILE,
    FileOptions,
    FileRefused,
    ParseRequest,
    date_order_value,
    detect,
    parse,
)
from ccaudit.rawsources.sqlkit import connect, long_lines
from ccaudit.rawsources.textfile import as_utf8
from ccaudit.rawsources.yearless import year_value
from ccaudit.textsafe import visible

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
            for timed in f.get("event_time_from", []):  # a Sentinel record with no time of the event itself
                if timed["column"] == "TimeGenerated":
                    shown = ", ".join(map(str, timed["lines"][:5])) + (", ..." if timed["count"] > 5 else "")
                    notes.append(say("time_from_generated", file=rel, count=timed["count"], lines=shown))
        for a in self.report.get("time_zone", {}).get("abbreviations", []):
            if a["read_as"]:
                notes.append(say("zone_abbr_mapped", file=rel, count=a["events"], abbr=a["text"], offset=a["read_as"],
                                 meaning=a["meaning"]))
            else:
                notes.append(say("zone_abbr_ambiguous", file=rel, count=a["events"], abbr=a["text"],
                                 meanings=a["meaning"], zone=a["read_in"], zone_from=a["zone_from"]))
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
        for key in ("merged_defender_logons", "merged_defender_logons_across_files"):
            if s.get(key, {}).get("count"):
                notes.append(say("defender_logons_merged", file=rel, count=s[key]["count"]))
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
        if s.get("paired_without_tunnel_id"):
            notes.append(say("sessions_without_tunnel_id", file=rel, count=s["paired_without_tunnel_id"]))
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


def recognise(path: Path, limits: ArchiveLimits, workbook: WorkbookLimits | None = None,
              con: duckdb.DuckDBPyConnection | None = None, wanted: str = "auto") -> str | None:
    """The source a file's first lines belong to, or None (binary, empty or unknown text). A device-management
    export (Intune, Jamf Pro; mdm_evidence.py) is `mdm`: its vendor is told when it is read with the others. A
    workbook (`workbook`: its limits) can only be a device export saved from Excel: no log is looked for in it.
    `con`: a session to reuse (the files of a zip, recognised one after the other); `wanted`: a source named for
    the file, which its lines must fit (None when they do not)."""
    from ccaudit.rawsources.mdm_evidence import AUTO, is_device_export

    if workbook is not None:
        return AUTO if is_device_export(path, limits, workbook) else None
    if wanted == "auto" and is_device_export(path, limits):
        return AUTO
    own = con is None
    con = con or connect()
    scratch = Path(tempfile.mkdtemp(prefix="ccaudit-recognise-"))
    try:
        text, _ = as_utf8(path, scratch, limits, limit=1 << 20)  # a UTF-16 or Big5 export, a .gz: its start, UTF-8
        try:
            return detect(con, path, wanted, text).id
        except duckdb.Error as exc:  # a first line over DuckDB's 2 MB (a Graph page of sign-ins on one line)
            if "aximum line size" not in str(exc):
                raise
            with long_lines():
                return detect(con, path, wanted, text).id
    except ArchiveRefused:  # damaged, truncated, a bomb: said, never passed over as a file of no known format
        raise
    except (duckdb.Error, EvidenceError, OSError):  # unreadable as text lines: not a raw export
        return None
    finally:
        if own:
            con.close()
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass(frozen=True)
class ZippedLogs:
    """A zip of several files in the evidence folder, as discovery takes it: `logs` (name in the zip, decompressed
    copy, source) when every file is a log of one source; else `ignored` (none of them is a log) says why."""

    logs: list[tuple[str, Path, str]] = field(default_factory=list)
    ignored: str = ""


def zipped_logs(path: Path, rel: str, limits: ArchiveLimits, named: str | None = None) -> ZippedLogs | None:
    """A zip of several files (`vpnlogs-2026.zip`: a year of one gateway's rotated logs) read as those files, each
    named `vpnlogs-2026.zip/fgt.log.1` and parsed as a loose file of the folder would be (rotations grouped). None
    for a zip holding one file or none (read as that file). Refused by name (compressed.zip_files): a zip naming a
    file outside its folder (`../x`, an absolute path) or the same name twice, holding more files than
    CCAUDIT_RAW_MAX_ZIP_MEMBERS, damaged, or expanding beyond the limits; and a zip whose files are of several
    sources, or logs beside files that are not, saying what each file is. A zip of files none of which is a log
    is left alone (`ignored`), unless evidence.yaml names its source. Each file's start is recognised first
    (64 KiB), so a zip of documents is never expanded whole."""
    members = zip_files(path, limits)
    if len(members) < 2:
        return None
    scratch = Path(tempfile.mkdtemp(prefix="zip-", dir=_workdir()))
    kinds: list[tuple[str, str | None, str, dict[str, str]]] = []  # (name in the zip, its source, what it is)
    # one session and one opening of the zip for all its files (a new session per file cost 50 ms: 365 daily logs
    # took 19 CPU s; opening the zip again per file read its directory once per file)
    con = connect()
    try:
        with ZipReader(path, limits) as reader:
            for info in members:
                start = reader.copy(info.filename, scratch, limit=1 << 16)
                if compression(start) is not None:  # a rotation compressed inside the zip (fgt.log.1.gz): all of
                    start.unlink()  # it, so that its own archive is read to its end (its start alone is truncated)
                    start = reader.copy(info.filename, scratch)
                try:
                    # a source named for the zip: its files must fit it; else each file's own, told from its lines
                    source = (recognise(start, limits, con=con, wanted=named) if named else None) or recognise(
                        start, limits, con=con)
                finally:
                    start.unlink(missing_ok=True)
                kinds.append(_member_kind(info.filename, source, named))
    finally:
        con.close()

    def said(lang: str) -> str:
        return "; ".join(f"{visible(n)}: {say(code, lang, **p) if code else s}" for n, s, code, p in kinds[:20]) + (
            "; ..." if len(kinds) > 20 else "")

    sources = {s for _, s, _, _ in kinds if s}
    if not sources and not named:  # named in evidence.yaml: its source was meant, never passed over
        return ZippedLogs(ignored=say("zip_not_logs", count=len(kinds), members=said("en")))
    if len(sources) > 1 or any(s is None for _, s, _, _ in kinds):
        params = {"file": visible(rel), "count": str(len(kinds))}
        raise EvidenceError(say("zip_mixed", members=said("en"), **params),
                            zh=say("zip_mixed", "zh-TW", members=said("zh-TW"), **params))
    copies = zip_logs(path, scratch, limits)
    return ZippedLogs(logs=[(inside, copy, kinds[no][1] or "") for no, (inside, copy) in enumerate(copies)])


def _member_kind(name: str, source: str | None, named: str | None) -> tuple[str, str | None, str, dict[str, str]]:
    """(name in the zip, its source when it is a log the zip may hold, the note saying what it is otherwise)."""
    if source is None:
        return name, None, "zip_member_not_a_log", {}
    if source == "mdm":
        return name, None, "zip_member_device_export", {}
    if named and source != named:
        return name, None, "zip_member_other_source", {"source": source}
    return name, source, "", {}


@dataclass(frozen=True)
class RawMember:
    """One raw export of the folder and how evidence.yaml says to read it."""

    path: Path
    rel: str  # its path inside the folder: what its derived rows name in source_file
    source: str  # the source named (evidence.yaml) or recognised
    zone: str
    zone_origin: str
    zone_given: bool = False  # tz: stated for the file (wins over its gateways' zones)
    gateway: str | None = None
    date_order: str | None = None
    year: int | None = None  # of its first syslog time without one
    named: bool = False  # named in evidence.yaml: kept even when it holds no session event


# a rotated log's name without its rotation suffix: parse.ROTATION_BASE's rule (server.log.1 -> server.log)
_ROTATION = re.compile(r"(?:[.-]\d{8}|\.\d+)?(?:\.gz|\.bz2|\.xz|\.zst|\.zip)?$")
_NEEDS_SIGN_INS = "entra-signins"  # its sign-ins give MFA to any session of the others whose gateway logs none


def _family(m: RawMember) -> tuple[str, ...]:
    """Which raw exports relate, so must be parsed together: a source's files (their session keys name the gateway
    or host: FortiGate devid, GlobalProtect and ASA device, Windows computer; a host's Security and
    LocalSessionManager logs pair across them); an OpenVPN server log's rotations (its keys name no server: one
    server's files, by the gateway stated, else by folder and log name without the rotation suffix)."""
    if m.source in ("windows-security", "defender-logons"):  # a host's Security log and Defender's view of it
        return ("windows",)
    if m.source == "openvpn-log":
        if m.gateway:
            return (m.source, "gateway", m.gateway.strip().lower())
        folder, _, name = m.rel.rpartition("/")
        return (m.source, folder, _ROTATION.sub("", name))
    return (m.source,)


@dataclass(frozen=True)
class Group:
    """Raw exports parsed together: `own` are cut into their derived files; `sign_ins` (identity-provider sign-ins
    owned by another group) are read only for the MFA they give the sessions of `own`."""

    own: list[RawMember]
    sign_ins: list[RawMember] = field(default_factory=list)

    @property
    def members(self) -> list[RawMember]:
        return [*self.own, *self.sign_ins]


def group(members: list[RawMember]) -> list[Group]:
    """The folder's raw exports in the groups parsed together, each in the folder's order. Identity-provider
    sign-ins are read with every group (any gateway session without MFA in its own log may take it from them) and
    cut from the first."""
    families: dict[tuple[str, ...], list[RawMember]] = {}
    for m in members:
        families.setdefault(_family(m), []).append(m)
    sign_ins = families.pop((_NEEDS_SIGN_INS,), [])
    if not families:
        return [Group(sign_ins)] if sign_ins else []
    groups = [Group(own, list(sign_ins)) for own in families.values()]
    groups[0] = Group([*groups[0].own, *sign_ins])
    return groups


def derive_group(together: Group, identity_map: Path | None,
                 gateway_zones: tuple[tuple[str, str, str], ...] = (),
                 limits: ArchiveLimits = DEFAULT_LIMITS) -> dict[str, Derived]:
    """Parse a group of raw exports at once, by the code `ccaudit sources parse` runs on several files (sessions
    paired across a log's rotations, a host's two Windows logs counted once, MFA from sign-ins, a server's stop in
    the next file), then cut its outputs per raw file of its own: `<raw name>.<dataset>.csv` holds the rows citing
    that file, and its parse report says what concerns it. Refusals name the file. A file only recognised by its
    first lines (not `named` in evidence.yaml) that holds no session event at all yields no file: a timestamped
    text file is no gateway log."""
    members = together.members
    per_file = []
    for m in members:
        where, when = f"evidence.yaml (date_order of {m.rel})", f"evidence.yaml (year of {m.rel})"
        try:
            order, year = date_order_value(m.date_order, where), year_value(m.year, when)
        except EvidenceError as exc:
            raise _refused(m.rel, exc) from None
        per_file.append(FileOptions(source=m.source, zone=m.zone, zone_origin=m.zone_origin, zone_given=m.zone_given,
                                    gateway=m.gateway, date_order=order, date_order_origin=where, year=year,
                                    year_origin=when))
    first = members[0]
    out = Path(tempfile.mkdtemp(prefix="group-", dir=_workdir()))
    for no in range(len(together.own)):  # a folder per file: its derived files keep its name, whatever the others'
        (out / str(no)).mkdir()
    try:
        report = parse(ParseRequest(source=first.source, files=tuple(m.path for m in members), out=out,
                                    zone=first.zone, zone_origin=first.zone_origin, identity_map=identity_map,
                                    names=tuple(m.rel for m in members), gateway_zones=gateway_zones,
                                    per_file=tuple(per_file),
                                    split_outputs=tuple(_prefix(no, m) if no < len(together.own) else None
                                                        for no, m in enumerate(members)), limits=limits))
    except FileRefused as exc:
        raise _refused(members[exc.file_no].rel, exc) from None
    except EvidenceError as exc:  # not one file's: the group's (a gateway's zone, the identity map)
        raise _refused(", ".join(m.rel for m in members), exc) from None
    return _cut(together, report, out)


def _refused(rel: str, exc: EvidenceError) -> EvidenceError:
    return EvidenceError(f"{rel} (raw export): {exc}", zh=f"{rel}（原始匯出檔）：{exc.zh}" if exc.zh else None)


def _cut(together: Group, report: dict[str, Any], out: Path) -> dict[str, Derived]:
    """Each own member's derived files (parse wrote them: split_outputs) and its own parse report."""
    own = together.own
    # kept: a file named in evidence.yaml, one with events, and one that ended another file's sessions (a rotated
    # log whose lines are only the server's stop: its session ends are evidence the sessions cite)
    ended_in = {name for facts in report["sessions"]["by_file"].values()
                for name in facts.get("ended_in_other_files", {}).get("files", [])}
    kept = [m for m, f in zip(own, report["files"], strict=False)
            if m.named or f["recognised"] + f["malformed"] or m.rel in ended_in]
    failed = report["sessions"].get("failed_logins_by_file", {})
    derived: dict[str, Derived] = {}
    for no, m in enumerate(own):
        one = Derived(report=file_report(report, no, m, [x.rel for x in together.members], failed.get(m.rel, 0)))
        if m in kept:
            one.files = [(dataset, out / f"{_prefix(no, m)}.{name}") for dataset, name in DERIVED.items()]
            (out / f"{_prefix(no, m)}.{REPORT_FILE}").write_text(
                json.dumps(one.report, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
        derived[m.rel] = one
    return derived


def _identities(group: dict[str, Any], rel: str) -> dict[str, Any]:
    """The group's identity resolution as it concerns the file: the accounts it holds that resolved (counted) and
    that did not (listed)."""
    by_file = group.get("accounts_unresolved_by_file") or {}
    mine = set(by_file.get(rel, [])) if by_file else None
    out = {k: v for k, v in group.items() if k not in ("accounts_unresolved_by_file", "accounts_resolved_by_file")}
    if mine is not None:
        out["accounts_unresolved"] = [a for a in group["accounts_unresolved"] if a["account"] in mine]
    if "accounts_resolved_by_file" in group:  # the group's files: each its own count
        out["accounts_resolved"] = group["accounts_resolved_by_file"].get(rel, 0)
    return out


def _prefix(no: int, m: RawMember) -> str:
    """Where the derived files of the group's file `no` go, named after it (`fgt.log.remote_sessions.csv`)."""
    return f"{no}/{m.rel.replace('/', '__')}"


def file_report(report: dict[str, Any], no: int, m: RawMember, group_rels: list[str],
                failed_logins: int) -> dict[str, Any]:
    """What the group's parse report says about one of its files, shaped as a report of that file alone, with the
    files it was parsed with (`parsed_with`) and what they gave each other (sessions ended in another file, MFA
    from sign-ins in another file, a Windows host's two logs counted once)."""
    entry = report["files"][no]
    mine = f"{entry['file']}:"
    zones = report["time_zone"]["by_file"].get(m.rel, {})
    group_sessions = report["sessions"]
    sessions: dict[str, Any] = {
        "sessions": 0, "paired_start_and_end": 0, "without_end": 0, "start_derived_from_duration": 0,
        "with_several_ends": 0, "not_placed": 0, "ended_by_server_stop": 0, "paired_without_tunnel_id": 0,
    } | group_sessions["by_file"].get(m.rel, {})
    sessions |= {
        "not_placed_lines": [x for x in group_sessions["not_placed_lines"] if x.startswith(f"{m.rel}:")],
        "failed_logins": int(failed_logins), "note": group_sessions["note"],
    }
    mfa = group_sessions.get("mfa_from_sign_ins", {})
    took = mfa.get("by_file", {}).get(m.rel)
    sessions["mfa_from_sign_ins"] = {"sessions": took["sessions"] if took else 0, "note": mfa.get("note", "")}
    if took:
        sessions["mfa_from_other_files"] = took
    stops = report.get("server_stops", {})
    dup = report["duplicates"]
    out: dict[str, Any] = {
        "sources": [entry["source"]], "files": [entry],
        "parsed_with": [r for r in group_rels if r != m.rel],
        "duplicates": {"count": dup["by_file"].get(m.rel, 0), "note": dup["note"],
                       "lines": [x for x in dup["lines"] if x.startswith(mine)]},
        "time_zone": {
            "events_with_assumed_zone": zones.get("events_with_assumed_zone", 0),
            "assumed_zone": m.zone, "assumed_zone_from": m.zone_origin,
            "by_gateway": zones.get("by_gateway", []),
            "gateway_zones_given": report["time_zone"]["gateway_zones_given"],
            "zones_stated_in_lines": zones.get("zones_stated_in_lines", []),
            "abbreviations": zones.get("abbreviations", []),
        },
        "identities": _identities(report["identities"], m.rel),
        "sessions": sessions,
    }
    own_stops = [s for s in stops.get("stops", []) if s["file"] == m.rel]
    if own_stops:
        out["server_stops"] = {"stops": own_stops, "note": stops["note"]}
    out["outputs"] = [EVENTS_FILE, SESSIONS_FILE, REPORT_FILE]  # as a file parsed alone names them
    return out


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
