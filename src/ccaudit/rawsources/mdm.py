"""Device-management inventories (Microsoft Intune, Jamf Pro) -> the mobile-device datasets the checks read.

An MDM export is a table, not a log: devices with their ownership, primary user and enrolment; the apps
each device reports; the remote actions (wipe, fresh start) sent to it. Each file is read by DuckDB (CSV
as the admin console writes it, or JSON as the vendor's API returns it), its columns found by their
documented names, and everything after that is SQL over the whole set: no Python loop over rows.

Outputs (only those whose input was given): company_mobile_devices.csv, device_assignments.csv and
byod_register.csv from device inventories, device_apps.csv from app inventories, device_resets.csv from
device actions, and device_parse_report.json. A device is named by its serial number (stable across a
wipe and re-enrolment, and what a firm's register holds), else by the MDM's own device ID."""

from __future__ import annotations

import csv
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ccaudit.errors import EvidenceError
from ccaudit.evidence.readers import file_format, quote_ident
from ccaudit.evidence.untrusted import WorkbookLimits, check_workbook
from ccaudit.rawsources import jamf_xml
from ccaudit.rawsources.compressed import (
    DEFAULT_LIMITS,
    ArchiveLimits,
    SeveralFiles,
    compression,
    decompressed,
    zip_member,
)
from ccaudit.rawsources.csvsql import culture_time, opening_column, unclosed_quote_sql
from ccaudit.rawsources.mdm_snapshots import settle
from ccaudit.rawsources.notes import say
from ccaudit.rawsources.parse import _ACCOUNT_SQL, _resolve
from ccaudit.rawsources.sqlkit import connect, read_lines_sql, sql_str
from ccaudit.rawsources.textfile import as_utf8, sniff
from ccaudit.textsafe import visible

REPORT_FILE = "device_parse_report.json"
MAX_LISTED = 200
DEFAULT_WORKBOOK = WorkbookLimits()  # the Settings' defaults, for callers that state none
MAX_JSON_OBJECT = 256 * 1024 * 1024  # one Graph page or one Jamf detail array may be a single large object


@dataclass(frozen=True)
class MdmSource:
    """One MDM product: what the firm exports, and how its columns are spelt (CSV header or JSON path)."""

    id: str
    vendor: str
    product: str
    expects: str
    sample: str


INTUNE = MdmSource(
    id="intune", vendor="Microsoft", product="Intune device, discovered-app and device-action exports",
    expects=("Intune admin center > Devices > All devices > Export (the zip or its DevicesWithInventory CSV, all "
             "columns, English or Chinese headers) or Graph "
             "GET /deviceManagement/managedDevices (JSON); the per-device app inventory (Graph exportJobs "
             "reportName AppInvRawData, CSV or JSON); Devices > Monitor > Device actions > Export (CSV) or "
             "Graph GET /deviceManagement/auditEvents (JSON)"),
    sample=("Device ID,Device name,Managed by,Ownership,Compliance,OS,OS version,Last check-in,Primary user UPN,"
            "Serial number,IMEI,Model,Enrollment date"),
)
JAMF = MdmSource(
    id="jamf", vendor="Jamf", product="Jamf Pro mobile-device inventory and applications",
    expects=("Jamf Pro > Devices > Search Inventory (Advanced Mobile Device Search) exported as CSV with Mobile "
             "Device Name, Serial Number, Username/Email Address, Last Inventory Update, Last Enrollment, "
             "Managed, Supervised, Device Ownership Level (add App Name, App Identifier, App Version for "
             "applications); Computers > Search Inventory with Computer Name, Serial Number, Last Check-in, "
             "Enrolled via Automated Device Enrollment; or JSON from GET /api/v2/mobile-devices/detail, "
             "/api/v1/computers-inventory or the Classic API (/JSSResource/computers/id/N), or the Classic API's "
             "default XML"),
    sample="Mobile Device Name,Serial Number,Model,Username,Email Address,Last Inventory Update,Last Enrollment,"
           "Managed,Supervised,Device Ownership Level",
)
MDM_SOURCES: dict[str, MdmSource] = {s.id: s for s in (INTUNE, JAMF)}

# Canonical field -> spellings (compared lower case without spaces, '_', '-', '.', '/'), CSV headers and
# JSON paths alike (a JSON path 'location.emailAddress' is written with dots and compared the same way).
# Nested JSON fields are named by their path: Jamf Classic API `general.serial_number`, Jamf Pro API
# `general.remoteManagement.managed`. Traditional Chinese headers are the admin center's in zh-TW.
DEVICE_FIELDS: dict[str, tuple[str, ...]] = {
    "mdm_id": ("deviceid", "id", "manageddeviceid", "jamfid", "mobiledeviceid", "udid", "general.id", "裝置識別碼",
               "jamfprocomputerid", "jamfpromobiledeviceid"),
    "serial": ("serialnumber", "serial", "hardware.serialnumber", "general.serialnumber", "序號"),
    "name": ("devicename", "mobiledevicename", "computername", "name", "displayname", "general.displayname",
             "general.name", "general.devicename", "裝置名稱", "電腦名稱"),
    "model": ("model", "ios.model", "hardware.model", "general.model", "modelidentifier", "型號", "機型"),
    "os": ("os", "operatingsystem", "platform", "devicetype", "type", "ostype", "general.ostype",
           "operatingsystem.name", "hardware.osname", "作業系統"),
    # (a Graph reports export job's CSV, localizationType LocalizedValuesAsAdditionalColumn by default, gives the
    # enum's code in ownerType and its words in ownerType_loc: the words first)
    "ownership": ("ownertype_loc", "ownership_loc", "ownership", "manageddeviceownertype", "ownertype",
                  "deviceownershiplevel", "deviceownershiptype",
                  "ownershiptype", "ownershiplevel", "general.deviceownershiptype", "general.deviceownershiplevel",
                  "擁有權", "擁有者", "所有權", "擁有者類型"),
    # Jamf Classic API records carry each time three ways: local text without a zone, `_utc` and `_epoch` (ms):
    # the instants come first
    "enrolled": ("enrollmentdate", "enrolleddatetime", "lastenrollment", "lastenrollmentdate",
                 "lastenrollmenttimestamp", "enrollmentdatetime", "general.lastenrollmentutc",
                 "general.lastenrolleddateutc", "general.lastenrollmentepoch", "general.lastenrolleddateepoch",
                 "general.lastenrolleddate", "general.lastenrollment", "general.lastenrollmentdate",
                 "註冊日期", "註冊時間", "createddate"),
    "last_seen": ("lastcheckin", "lastsyncdatetime", "lastinventoryupdate", "lastinventoryupdatetimestamp",
                  "lastcontact", "general.lastinventoryupdatedate", "general.lastcontacttimeutc",
                  "general.lastinventoryupdateutc", "general.reportdateutc", "general.lastcontacttimeepoch",
                  "general.lastinventoryupdateepoch", "general.reportdateepoch", "general.lastcontacttime",
                  "general.lastinventoryupdate", "general.reportdate", "lastcontacttime", "上次簽入", "上次簽入時間",
                  "上次同步"),
    "user": ("primaryuserupn", "userprincipalname", "primaryuseremailaddress", "emailaddress", "email",
             "location.emailaddress", "userandlocation.emailaddress", "userandlocation.email", "username",
             "location.username", "userandlocation.username", "user", "主要使用者upn", "主要使用者電子郵件地址",
             "使用者主體名稱", "upn", "useremail"),
    "managed": ("managementstate_loc", "devicestate_loc", "managed", "managementstate", "devicestate",
                "general.managed", "general.remotemanagement.managed",
                "ismanaged", "裝置狀態"),
    # enrolled through Apple's Automated Device Enrollment: only a device the organisation owns can be
    "ade": ("enrolledviaautomateddeviceenrollment", "general.enrolledviaautomateddeviceenrollment",
            "enrolledviadep", "general.enrolledviadep", "general.managementstatus.enrolledviadep",
            "deviceenrollmentprogram", "general.deviceenrollmentprogram"),
    "actions": ("deviceactionresults",),
}
APP_FIELDS: dict[str, tuple[str, ...]] = {
    "device_ref": ("deviceid", "serialnumber", "devicename", "mobiledevicename"),
    "app_id": ("applicationid", "appidentifier", "applicationidentifier", "bundleid", "bundleidentifier",
               "identifier", "packageid", "applicationname", "appname"),
    "app_name": ("applicationname", "appname", "name", "displayname"),
    "version": ("applicationshortversion", "appversion", "applicationversion", "shortversion", "version"),
}
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "device_ref": ("serialnumber", "deviceid", "manageddeviceid", "resourceid", "devicename", "mobiledevicename",
                   "序號", "裝置識別碼", "裝置名稱"),
    "action": ("action", "actionname", "command", "activity", "動作", "命令"),
    "state": ("status", "actionstate", "state", "commandstatus", "activityresult", "狀態"),
    # (Graph's remoteActionAudits, behind the admin center's Device actions page: requestDateTime, actionState,
    # initiatedByUserPrincipalName, action factoryReset / removeCompanyData, managedDeviceId)
    "at": ("datetime", "lastupdateddatetime", "datecompleted", "completed", "completeddate", "lastupdated",
           "startdatetime", "dateissued", "activitydatetime", "requestdatetime", "date", "日期時間", "日期",
           "完成日期"),
    "initiated_by": ("initiatedby", "initiatedbyuserprincipalname", "username", "issuedby", "起始者", "啟動者",
                     "發起者"),
}

# Remote actions that leave the device without the previous holder's data and settings. A retire only
# removes the company's data and profiles (the device and what is on it stay): not a reset.
RESET_ACTIONS = {
    "wipe": "wipe", "factoryreset": "wipe", "erasedevice": "wipe", "wipedevice": "wipe",
    "freshstart": "fresh_start", "cleanwindowsdevice": "fresh_start", "autopilotreset": "autopilot_reset",
    "windowsautopilotreset": "autopilot_reset",
    # the admin center in Traditional Chinese
    "抹除": "wipe", "抹除裝置": "wipe", "清除": "wipe", "全新開始": "fresh_start", "autopilot重設": "autopilot_reset",
}
NOT_RESET_ACTIONS = ("retire", "removecompanydata", "unmanagedevice", "removemdmprofile", "delete", "淘汰", "刪除")
DONE_STATES = ("done", "complete", "completed", "succeeded", "success", "acknowledged", "完成", "已完成", "成功")
CORPORATE = ("corporate", "company", "institutional", "corporateowned", "companyowned", "institution",
             "accountdrivendeviceenrollment", "公司", "公司擁有", "公司所有", "企業")
PERSONAL = ("personal", "personaldeviceprofile", "userenrollment", "accountdrivenuserenrollment", "byod",
            "personalowned", "employee", "個人", "個人擁有", "個人所有")
NO_SERIAL = ("unknown", "0", "n/a", "na", "none", "null", "-", "not available", "notavailable", "未知")
# managementState / Device state / Managed values of a device the MDM no longer manages (or is letting go)
UNMANAGED = ("false", "no", "unmanaged", "retired", "wiped", "retirepending", "retireissued", "wipepending",
             "wipeissued", "deletepending", "否", "未受管理")


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-./()]+", "", name.lstrip("\ufeff")).lower()


_KNOWN_COLUMNS = {_norm(s) for fields in (DEVICE_FIELDS, APP_FIELDS, ACTION_FIELDS) for names in fields.values()
                  for s in names}


@dataclass(frozen=True)
class MdmRequest:
    source: str  # intune, jamf or auto
    files: tuple[Path, ...]
    out: Path
    zone: str  # for times an export gives without an offset (the admin center's CSV)
    zone_origin: str
    identity_map: Path | None = None
    threads: int | None = None
    # one entry per file, or none: the name rows cite as source_file (an evidence folder's relative path), the
    # source named for it (intune, jamf; 'auto' = detected) and the zone of its times without an offset
    names: tuple[str, ...] = ()
    file_sources: tuple[str, ...] = ()
    file_zones: tuple[str, ...] = ()
    # How far a compressed export, or one saved as a workbook, may expand (the command's Settings:
    # ArchiveLimits.from_settings(settings), WorkbookLimits.from_settings(settings)).
    limits: ArchiveLimits = DEFAULT_LIMITS
    workbook: WorkbookLimits = DEFAULT_WORKBOOK

    def name(self, no: int) -> str:
        return self.names[no] if self.names else str(self.files[no])


def looks_like_mdm(path: Path, limits: ArchiveLimits, workbook: WorkbookLimits = DEFAULT_WORKBOOK) -> bool:
    """A CSV or JSON file whose header or first record names MDM columns (for `sources parse auto`), in any
    encoding the exports come in (UTF-8, UTF-16, Big5), plain or compressed (the admin center's zip holding one
    export, a `.csv.gz`, `.bz2`, `.xz`, `.zst`): then the text inside must itself look like an export."""
    if file_format(path) == "excel":
        return _workbook_head(path, workbook)
    kind = compression(path)
    if kind is None:
        try:
            with path.open("rb") as fh:
                raw = fh.read(65536)
        except OSError:
            return False
        return _mdm_head(raw)
    scratch = Path(tempfile.mkdtemp(prefix="ccaudit-mdm-head-"))
    try:
        head = decompressed(path, scratch, limits, limit=65536)
        with head.open("rb") as fh:
            return _mdm_head(fh.read(65536))
    except (EvidenceError, OSError):  # a damaged archive, a zip of several files: not taken for an export here
        return False
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _workbook_head(path: Path, workbook: WorkbookLimits) -> bool:
    """A workbook (an export opened in Excel and saved as .xlsx) whose first rows on some sheet name MDM columns."""
    from python_calamine import CalamineWorkbook

    try:
        check_workbook(path, workbook)  # before the library expands anything
        book = CalamineWorkbook.from_path(str(path))
        for sheet in book.sheet_names[:10]:
            for row in book.get_sheet_by_name(sheet).to_python(nrows=30):
                line = ",".join("" if c is None else str(c).replace(",", " ") for c in row)
                if line.strip(",") and _mdm_head(line.encode("utf-8")):
                    return True
    except Exception:  # broken, encrypted, a bomb: not taken for an export (read as one, it is refused by name)
        return False
    return False


def _header_score(cells: list[str]) -> int:
    """How many cells of a row name an MDM column: the workbook reader's choice of sheet and header row."""
    return sum(1 for c in cells if c and _norm(c) in _KNOWN_COLUMNS)


_TYPE_LINE = re.compile(r"\A#TYPE [^\r\n]*\r?\n")


def _mdm_head(raw: bytes) -> bool:
    """The start of a file names MDM columns (see looks_like_mdm)."""
    encoding = sniff(raw)
    head = raw.decode("utf-8" if encoding == "unknown" else encoding, "replace").lstrip("\ufeff")
    # Windows PowerShell's Export-Csv (Get-MgDeviceManagementManagedDevice | Export-Csv) writes a '#TYPE
    # Microsoft.Graph.PowerShell.Models...' line above the header unless told -NoTypeInformation
    head = _TYPE_LINE.sub("", head, count=1)
    first = head.split("\n", 1)[0]
    names = {_norm(n) for n in re.findall(r'"([^"\r\n]{1,60})"\s*:', head)}
    names |= {_norm(n.strip().strip('"')) for n in re.split(r"[,\t]", first)}
    # Sign-in logs also carry a device ID and a managed flag; a serial number, an app inventory or the
    # device-action columns are what only an MDM export has.
    if ({"action", "initiatedby", "devicename"} <= names or {"activity", "activitydatetime", "componentname"} <= names
            or {"動作", "裝置名稱"} <= names):
        return True
    # Jamf Pro API inventory records (computers-inventory, mobile-devices/detail): a `general` section beside the
    # device's UDID, whatever other sections were requested (without HARDWARE: refused, naming the sections to ask for)
    if {"udid", "general"} <= names:
        return True
    # Jamf Classic API: {"computer": {...}}, {"mobile_devices": [...]}, or its default XML answer
    if jamf_xml.looks_like_jamf_xml(head):
        return True
    if re.match(r'\s*\{\s*"(?:computer|mobile_device)"\s*:\s*\{|\s*\{\s*"(?:computers|mobile_devices)"\s*:\s*\[', head):
        return True
    keys = {"serialnumber", "mobiledevicename", "applicationname", "appidentifier", "序號"}
    return bool(names & keys) and bool(names & {_norm(k) for k in (
        "ownership", "manageddeviceownertype", "deviceownershiplevel", "deviceownershiptype", "ownershiptype",
        "applicationname", "appname", "command", "enrolleddatetime", "enrollmentdate", "lastinventoryupdate",
        "primaryuserupn", "lastcheckin", "lastsyncdatetime", "deviceid", "擁有權", "上次簽入", "general", "udid",
        "computername", "mobiledevicename")})


def _leaf_paths(structure: Any, prefix: tuple[str, ...] = (), depth: int = 4) -> list[tuple[str, ...]]:
    """The paths of a JSON structure (json_group_structure of the records) down to `depth` levels: objects are
    walked into, everything else (values, arrays) is a leaf."""
    if not isinstance(structure, dict) or depth == 0:
        return [prefix] if prefix else []
    out: list[tuple[str, ...]] = []
    for key, value in structure.items():
        out += _leaf_paths(value, (*prefix, key), depth - 1) if isinstance(value, dict) else [(*prefix, key)]
    return out


def _json_path(parts: tuple[str, ...]) -> str:
    return "$" + "".join('."' + p.replace('"', '\\"') + '"' for p in parts)


class _Table:
    """One file as a relation with its columns found: SQL for each canonical field (or NULL)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, no: int, path: Path, scratch: Path, name: str,
                 limits: ArchiveLimits, workbook: WorkbookLimits) -> None:
        self.path, self.no = path, no
        if file_format(path) == "excel":  # an export opened in Excel and saved as a workbook
            self._from_workbook(con, no, path, workbook)
            return
        # The admin center's download is a zip holding the CSV (its name cited: `export.zip/Devices.csv`); a firm
        # may gzip an export (`.csv.gz`, or bzip2, xz, Zstandard); any export may be UTF-16 (PowerShell's Out-File,
        # Excel's Unicode Text) or Big5 (Excel's CSV on a Traditional Chinese Windows). The text inside is streamed
        # out within `limits`, its checksum verified (compressed.py), as for a gateway's log.
        self.packed = compression(path)
        self.member: str | None = None
        try:
            if self.packed == "zip":
                self.member = zip_member(path, limits).filename
            text, self.encoding = as_utf8(path, scratch, limits)
        except SeveralFiles as exc:
            listed = ", ".join(map(visible, exc.members[:5])) + (", ..." if len(exc.members) > 5 else "")
            params = {"file": name, "count": str(len(exc.members)), "members": listed}
            raise EvidenceError(say("mdm_zip_several", **params),
                                zh=say("mdm_zip_several", "zh-TW", **params)) from None
        with text.open("rb") as fh:
            first = fh.read(1024).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if first == b"<":  # Jamf's Classic API answers XML by default: its records as the JSON it also gives
            text, first = jamf_xml.as_json(text, scratch, name), b"["
        is_json = path.suffix.lower() in (".json", ".ndjson", ".jsonl") or first in (b"[", b"{")
        view = f"mdm_file_{no}"
        wrappers = " ".join(f"WHEN json_type(json, '$.{w}') = 'ARRAY' THEN CAST(json_extract(json, '$.{w}[*]') "
                            "AS JSON[])" for w in ("value", "results", "mobile_devices", "computers"))
        try:
            if is_json:
                # Graph wraps a page in {"value": [...]}; Jamf Pro API's detail endpoints in {"results": [...]};
                # Jamf Classic API lists in {"computers": [...]} and a record in {"computer": {...}}; a plain
                # array or NDJSON is records already. Each record stays JSON, read by path.
                con.execute(f"""
                    CREATE TEMP VIEW {view} AS
                    SELECT CAST(row_number() OVER () AS BIGINT) AS _row,
                           COALESCE(CASE WHEN json_type(r, '$.mobile_device') = 'OBJECT' THEN r -> '$.mobile_device'
                                         END,
                                    CASE WHEN json_type(r, '$.computer') = 'OBJECT' THEN r -> '$.computer' END,
                                    r) AS j
                    FROM (
                        SELECT unnest(CASE {wrappers} ELSE [json] END) AS r
                        FROM read_json_objects({sql_str(str(text))}, format='auto',
                                               maximum_object_size={MAX_JSON_OBJECT}))""")
                row = con.execute(f"SELECT json_group_structure(j) FROM (SELECT j FROM {view} LIMIT 500)").fetchone()
                top = json.loads(row[0]) if row and row[0] else {}
                paths = _leaf_paths(top)
                # a top-level field wins over a nested one of the same name
                self.columns = {_norm(".".join(p)): f"json_extract_string(j, {sql_str(_json_path(p))})"
                                for p in sorted(paths, key=len, reverse=True)}
                self.raw = {_norm(k): f"json_extract(j, {sql_str(_json_path((k,)))})"
                            for k in (top if isinstance(top, dict) else {})}
                if "resources" in self.raw:
                    # Graph auditEvents name the device in resources[0] (resourceId = the Intune device ID).
                    self.columns["resourceid"] = "json_extract_string(j, '$.resources[0].resourceId')"
            else:
                # a '#TYPE ...' line above the header (Windows PowerShell's Export-Csv) is skipped, and rows
                # still cite the file's own line numbers; skip= only then (an explicit skip=0 makes DuckDB's
                # sniffer refuse files it read before, e.g. an Event Viewer export handed in as Intune's)
                with text.open("rb") as fh:
                    skip = 1 if fh.read(16).lstrip(b"\xef\xbb\xbf").startswith(b"#TYPE ") else 0
                _refuse_unclosed_quote(con, text, name + (f"/{visible(self.member)}" if self.member else ""), skip)
                con.execute(f"""
                    CREATE TEMP VIEW {view} AS
                    SELECT CAST(row_number() OVER () AS BIGINT) + {1 + skip} AS _row, *
                    FROM read_csv({sql_str(str(text))}, header=true, all_varchar=true, auto_detect=true,
                                  {f"skip={skip}, " if skip else ""}parallel=false)""")
                headers = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {view}").fetchall()][1:]
                self.columns = {_norm(h): '"' + h.replace('"', '""') + '"' for h in headers}
                self.raw = {}
        except duckdb.Error as exc:
            why = visible(str(exc).splitlines()[0])
            raise EvidenceError(say("mdm_unreadable", file=name, why=why),
                                zh=say("mdm_unreadable", "zh-TW", file=name, why=why)) from None
        self.view, self.is_json = view, is_json
        # as the manifest lists the raw file: csv or json, and how it was handed in compressed (`csv (zip)`)
        self.format = ("json" if is_json else "csv") + (f" ({self.packed})" if self.packed else "")

    def _from_workbook(self, con: duckdb.DuckDBPyConnection, no: int, path: Path, workbook: WorkbookLimits) -> None:
        """The export's sheet as the evidence import reads a workbook (evidence/workbook.py: within the workbook
        limits, the visible sheet and header row naming the most MDM columns, a footer left out): rows cite the
        spreadsheet row, header = 1."""
        from ccaudit.evidence.workbook import read_excel

        # the previous file's count is fetched one row at a time: a finished statement first, or the workbook
        # reader's register() finds the connection busy
        con.execute("SELECT 1").fetchall()
        raw = read_excel(con, path, f"mdm_sheet_{no}", None, (), _header_score, workbook)
        aliases: list[str] = []
        for i, header in enumerate(raw.headers):
            alias = header or f"column {i + 1}"
            while alias in aliases:  # two columns of one name: the second is `Name (2)`
                alias = f"{alias} ({aliases.count(alias) + 1})"
            aliases.append(alias)
        cols = ", ".join(f"{c} AS {quote_ident(a)}" for c, a in zip(raw.columns, aliases, strict=True))
        self.view = f"mdm_file_{no}"
        con.execute(f"CREATE TEMP VIEW {self.view} AS SELECT CAST(_row AS BIGINT) AS _row, {cols} "
                    f"FROM {raw.numbered_relation()}")
        self.columns = {_norm(a): quote_ident(a) for a in aliases}
        self.raw, self.is_json, self.packed, self.member = {}, False, None, None
        self.encoding, self.format = raw.encoding or "", path.suffix.lower().lstrip(".")

    def field(self, spellings: tuple[str, ...]) -> str:
        # Every column the export has for the field, in order of preference: a blank e-mail falls back to
        # the user name.
        found = [f"nullif(trim({self.columns[s]}), '')" for s in dict.fromkeys(map(_norm, spellings))
                 if s in self.columns]
        return f"COALESCE({', '.join(found)})" if found else "CAST(NULL AS VARCHAR)"

    def has(self, spellings: tuple[str, ...]) -> bool:
        return any(_norm(s) in self.columns for s in spellings)

    def kind(self) -> str | None:
        c = set(self.columns)
        if c & {"applicationname", "appname", "appidentifier", "bundleid", "applicationid"} and self.has(
                APP_FIELDS["device_ref"]):
            return "apps"
        if (c & {"action", "actionname", "command", "動作"} or {"activity", "activitydatetime"} <= c) and self.has(
                ACTION_FIELDS["device_ref"]):
            return "actions"
        if self.has(DEVICE_FIELDS["ownership"]) or (self.has(DEVICE_FIELDS["serial"]) and self.has(
                DEVICE_FIELDS["last_seen"])):
            return "devices"
        return None


def _refuse_unclosed_quote(con: duckdb.DuckDBPyConnection, text: Path, name: str, skip: int) -> None:
    """A CSV export with a quoted cell never closed is refused naming its file, the line the cell starts on and (when
    it is at a cell's start) its column: DuckDB's sniffer would otherwise read the whole file without quoting, the
    quotes kept in every value (a serial number `"F2LXK0AAHG7F"` naming no device), or stop with its own words."""
    try:
        found = con.execute(unclosed_quote_sql(read_lines_sql(text))).fetchall()  # all: no result left open
    except duckdb.Error:  # a line over 2 MB: no MDM export has one; DuckDB's reader then says what is wrong
        return
    if not found:
        return
    line_no, line = found[0]
    with text.open(encoding="utf-8", errors="replace") as fh:
        header = fh.read(65536).lstrip("\ufeff").split("\n")[skip].rstrip("\r")
    delimiter = max((",", "\t", ";"), key=header.count)
    column = opening_column(line, delimiter)
    headers = next(csv.reader([header], delimiter=delimiter), [])
    said = {"file": name, "line": str(line_no)}
    code = "mdm_unclosed_quote"
    if column is not None:
        code = "mdm_unclosed_quote_column"
        said |= {"column": str(column), "name": repr(visible(headers[column - 1])) if column <= len(headers) else "?"}
    raise EvidenceError(say(code, **said), zh=say(code, "zh-TW", **said))


# A time as an MDM writes it: ISO with Z or an offset (Graph, Jamf API; Jamf Classic's '-0500') is that instant;
# Jamf Classic's `*_epoch` fields are milliseconds since 1970 (some tools write seconds); the admin center's
# '2026-11-02 08:15:02.0000000', '11/2/2026 8:15:02 AM' (or '2/11/2026 8:15:02' from a day-first locale: see
# _date_order) or Jamf's '2026-11-02 at 8:15 AM' carry no zone and are read in the zone assumed (the report counts
# them). Placeholders for "never": Graph's 0001-01-01T00:00:00Z, .NET's 1/1/0001 12:00:00 AM, epoch 0.
_TIME_SQL = """
CREATE OR REPLACE TEMP MACRO mdm_has_zone(t) AS regexp_matches(t, '(Z|[+-]\\d{2}:?\\d{2})$');
CREATE OR REPLACE TEMP MACRO mdm_never(t) AS
    t LIKE '1970-01-01%' OR t = '0' OR regexp_matches(t, '^0001-|/0001(\\s|$)');
CREATE OR REPLACE TEMP MACRO mdm_wall(t, dayfirst) AS COALESCE(
    TRY_CAST(regexp_replace(regexp_replace(t, '(\\.\\d{1,6})\\d*', '\\1'), '(Z|[+-]\\d{2}:?\\d{2})$', '')
             AS TIMESTAMP),
    CASE WHEN dayfirst THEN try_strptime(replace(t, ' at ', ' '), ['%d/%m/%Y %I:%M:%S %p', '%d/%m/%Y %I:%M %p',
             '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d/%m/%Y'])
         ELSE try_strptime(replace(t, ' at ', ' '), ['%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %I:%M %p', '%m/%d/%Y %H:%M:%S',
             '%m/%d/%Y %H:%M', '%m/%d/%Y']) END,
    try_strptime(replace(t, ' at ', ' '), ['%Y-%m-%d %I:%M %p', '%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M', '%Y/%m/%d']),
    CASE WHEN NOT dayfirst OR regexp_matches(t, '^\\d{4}') THEN """ + culture_time("t") + """ END);
"""


def _time(col: str, zone: str, dayfirst: str = "dayfirst") -> str:
    """SQL for the UTC instant of an MDM time text (NULL for a placeholder meaning "never", or text no form fits)."""
    t = (f"CASE WHEN {col} IS NULL OR mdm_never({col}) THEN NULL "
         f"WHEN regexp_matches({col}, '^\\d{{12,13}}$') THEN make_timestamp(CAST({col} AS BIGINT) * 1000) "
         f"WHEN regexp_matches({col}, '^\\d{{9,10}}$') THEN make_timestamp(CAST({col} AS BIGINT) * 1000000) "
         f"WHEN mdm_has_zone({col}) THEN CAST(TRY_CAST(regexp_replace({col}, "
         f"'(\\.\\d{{1,6}})\\d*', '\\1') AS TIMESTAMPTZ) AS TIMESTAMP) "
         f"ELSE CAST(timezone({zone}, mdm_wall({col}, {dayfirst})) AS TIMESTAMP) END")
    return t


def _date_order(con: duckdb.DuckDBPyConnection) -> dict[int, bool]:
    """Per file, whether its slash dates are day first ('30/11/2026', an admin center in a day-first locale): a
    value whose first number is above 12 shows it; month first (the admin center's en-US '11/30/2026') otherwise.
    A file showing both orders is refused."""
    rows = con.execute("""
        WITH t AS (SELECT file_no, _row, t FROM dev, unnest([enrolled, last_seen]) AS u(t)
                   UNION ALL SELECT file_no, _row, at_text FROM act),
        n AS (SELECT file_no, _row, t, TRY_CAST(regexp_extract(t, '^(\\d{1,2})/\\d{1,2}/\\d{4}', 1) AS INTEGER) AS a,
                     TRY_CAST(regexp_extract(t, '^\\d{1,2}/(\\d{1,2})/\\d{4}', 1) AS INTEGER) AS b FROM t)
        SELECT f.file_name, file_no, arg_min(t, _row) FILTER (WHERE a > 12), min(_row) FILTER (WHERE a > 12),
               arg_min(t, _row) FILTER (WHERE b > 12), min(_row) FILTER (WHERE b > 12)
        FROM n JOIN file_names f USING (file_no) GROUP BY ALL""").fetchall()
    order: dict[int, bool] = {}
    for name, no, day_value, day_row, month_value, month_row in rows:
        if day_value is not None and month_value is not None:
            raise EvidenceError(
                f"{visible(name)}: dates written day first ({visible(day_value)!r}, row {day_row}) and month first "
                f"({visible(month_value)!r}, row {month_row}); export it again in one format",
                zh=f"{visible(name)}：日期格式不一致，第 {day_row} 列為日在前（{visible(day_value)!r}），"
                   f"第 {month_row} 列為月在前（{visible(month_value)!r}）；請以單一格式重新匯出")
        order[no] = day_value is not None
    return order


def parse_mdm(request: MdmRequest) -> dict[str, Any]:
    """Read the exports, write the device datasets and the report into request.out; return the report."""
    for path in request.files:
        if not path.is_file():
            raise EvidenceError(f"{visible(str(path))}: not a file", f"{visible(str(path))}：不是檔案")
    tmp = Path(tempfile.mkdtemp(prefix="ccaudit-mdm-"))
    try:
        con = connect(request.threads)
        con.execute(f"SET temp_directory = {sql_str(str(tmp))}")
        con.execute("SET enable_progress_bar = false")
        for zone in {request.zone, *request.file_zones}:
            try:
                con.execute(f"SELECT timezone({sql_str(zone)}, TIMESTAMP '2000-01-01')")
            except duckdb.Error:
                raise EvidenceError(f"unknown time zone {visible(zone)!r}") from None
        con.execute(_TIME_SQL)
        con.execute(_ACCOUNT_SQL)
        return _run(con, request, tmp)
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise EvidenceError(f"cannot read the exports: {visible(first)}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run(con: duckdb.DuckDBPyConnection, request: MdmRequest, scratch: Path) -> dict[str, Any]:
    zone = "fzone"  # each file's zone for times without an offset (file_zone, joined where times are read)
    con.execute("""CREATE TEMP TABLE dev (file_no INTEGER, _row BIGINT, source VARCHAR, mdm_id VARCHAR,
        serial VARCHAR, name VARCHAR, model VARCHAR, os VARCHAR, ownership VARCHAR, enrolled VARCHAR,
        last_seen VARCHAR, account VARCHAR, managed VARCHAR, ade VARCHAR)""")
    con.execute("""CREATE TEMP TABLE app (file_no INTEGER, _row BIGINT, source VARCHAR, device_ref VARCHAR,
        app_id VARCHAR, app_name VARCHAR, version VARCHAR)""")
    con.execute("""CREATE TEMP TABLE act (file_no INTEGER, _row BIGINT, source VARCHAR, device_ref VARCHAR,
        action VARCHAR, state VARCHAR, at_text VARCHAR, initiated_by VARCHAR)""")
    files: list[dict[str, Any]] = []
    shown: list[str] = []  # what rows cite as source_file: the file, or the export inside its zip (`a.zip/b.csv`)
    for no, path in enumerate(request.files):
        name = visible(request.name(no))
        t = _Table(con, no, path, scratch, name, request.limits, request.workbook)
        shown.append(request.name(no) + (f"/{t.member}" if t.member else ""))
        kind = t.kind()
        if kind is None:
            code = ("mdm_app_list_without_device" if t.has(("application", "applicationname", "appname",
                                                             "application name", "應用程式")) else "mdm_not_an_export")
            words = {"file": name, "intune": "Intune", "jamf": "Jamf Pro", "api": "Graph exportJobs",
                     "report": "AppInvRawData", "doc": "docs/sources.md"}
            if _jamf_classic_list(t):  # the Classic API's list of devices: no ownership, enrolment or apps
                code = "mdm_jamf_classic_list"
                words |= {"jamf_classic": "Jamf Pro Classic API", "list": "GET /JSSResource/mobiledevices",
                          "record": "GET /JSSResource/mobiledevices/id/N", "mobile": JAMF_MOBILE,
                          "sections": "GENERAL, HARDWARE, USER_AND_LOCATION, APPLICATIONS"}
                raise EvidenceError(say(code, **words), zh=say(code, "zh-TW", **words))
            missing = _jamf_sections_missing(t)
            if missing:  # a Jamf Pro API record requested without the sections that name a device
                code = "mdm_jamf_sections_missing"
                words |= {"request": JAMF_REQUEST, "mobile": JAMF_MOBILE, "jamf_api": "Jamf Pro API"}
                raise EvidenceError(say(code, **words, missing=", ".join(en for en, _ in missing)),
                                    zh=say(code, "zh-TW", **words, missing="、".join(zh for _, zh in missing)))
            raise EvidenceError(say(code, **words), zh=say(code, "zh-TW", **words))
        named = request.file_sources[no] if request.file_sources else request.source
        source = named if named in MDM_SOURCES else _vendor(t)
        src = sql_str(source)
        if kind == "devices":
            cols = ", ".join(t.field(DEVICE_FIELDS[f]) for f in ("mdm_id", "serial", "name", "model", "os",
                                                                 "ownership", "enrolled", "last_seen", "user",
                                                                 "managed", "ade"))
            con.execute(f"INSERT INTO dev SELECT {no}, _row, {src}, {cols} FROM {t.view}")
            _nested(con, t, no, src)
        elif kind == "apps":
            cols = ", ".join(t.field(APP_FIELDS[f]) for f in ("device_ref", "app_id", "app_name", "version"))
            con.execute(f"INSERT INTO app SELECT {no}, _row, {src}, {cols} FROM {t.view}")
        else:
            cols = ", ".join(t.field(ACTION_FIELDS[f]) for f in ("device_ref", "action", "state", "at",
                                                                 "initiated_by"))
            con.execute(f"INSERT INTO act SELECT {no}, _row, {src}, {cols} FROM {t.view}")
        rows = con.execute(f"SELECT count(*) FROM {t.view}").fetchone()
        files.append({"file": shown[no], "handed_in": request.name(no), "source": source, "kind": kind,
                      "records": int(rows[0]) if rows else 0, "encoding": t.encoding, "format": t.format})
    con.execute("CREATE TEMP TABLE file_names (file_no INTEGER, file_name VARCHAR)")
    con.executemany("INSERT INTO file_names VALUES (?, ?)", list(enumerate(shown)))
    day_first = _date_order(con)
    con.execute("CREATE TEMP TABLE file_zone (zfile INTEGER, fzone VARCHAR, dayfirst BOOLEAN)")
    con.executemany("INSERT INTO file_zone VALUES (?, ?, ?)",
                    [(i, request.file_zones[i] if request.file_zones else request.zone, day_first.get(i, False))
                     for i in range(len(request.files))])
    report: dict[str, Any] = {"sources": sorted({f["source"] for f in files}), "files": files}
    _devices(con, zone)
    # The identity map resolves primary users exactly as it resolves VPN accounts (parse._resolve reads `events`).
    con.execute("CREATE TEMP VIEW events AS SELECT DISTINCT account, acct_user(account) AS account_normalised "
                "FROM dev WHERE account IS NOT NULL")
    report["identities"] = _resolve(con, request.identity_map, limits=request.limits)
    report["identities"]["note"] = ("holder_id / person_id is the identity map's person where it resolves the "
                                    "primary user, otherwise the normalised account, listed here")
    request.out.mkdir(parents=True, exist_ok=True)
    outputs: list[str] = []
    not_written: dict[str, str] = {}
    kinds = {f["kind"] for f in files}
    if "devices" in kinds:
        report["devices"] = _write_devices(con, request.out, outputs, not_written)
    has_apps = con.execute("SELECT count(*) FROM app").fetchone()
    if "apps" in kinds or (has_apps and has_apps[0]):
        report["apps"] = _write_apps(con, request.out, outputs, not_written)
    has_actions = con.execute("SELECT count(*) FROM act").fetchone()
    # Without a device-action export, no reset file at all: an empty one would read as "never reset".
    if "actions" in kinds or (has_actions and has_actions[0]):
        report["resets"] = _write_resets(con, request.out, outputs, zone)
    assumed = con.execute("""
        SELECT f.file_name, count(*) FROM (
            SELECT file_no, t FROM dev, unnest([enrolled, last_seen]) AS u(t)
            UNION ALL SELECT file_no, at_text FROM act) x JOIN file_names f USING (file_no)
        WHERE nullif(trim(t), '') IS NOT NULL AND NOT mdm_has_zone(trim(t)) AND NOT mdm_never(trim(t))
          AND NOT regexp_matches(trim(t), '^\\d+$') GROUP BY ALL ORDER BY 1""").fetchall()
    # a time no form fits is no time: the device then has no check-in or enrolment date, and the report says so
    unread = con.execute(f"""
        SELECT f.file_name, count(*), min(_row), arg_min(t, _row) FROM (
            SELECT file_no, _row, t FROM dev, unnest([enrolled, last_seen]) AS u(t)
            UNION ALL SELECT file_no, _row, at_text FROM act) x JOIN file_names f USING (file_no)
            JOIN file_zone ON zfile = file_no
        WHERE nullif(trim(t), '') IS NOT NULL AND ({_time('t', 'fzone')}) IS NULL AND NOT mdm_never(t)
        GROUP BY ALL ORDER BY 1""").fetchall()
    report["time_zone"] = {"assumed_zone": request.zone, "assumed_zone_from": request.zone_origin,
                           "times_read_in_assumed_zone": {name: int(n) for name, n in assumed},
                           "times_not_understood": {name: {"count": int(n), "first_row": int(r), "first_value": v}
                                                    for name, n, r, v in unread},
                           "day_first_files": [shown[no] for no, first in sorted(day_first.items()) if first],
                           "note": "times an export writes without Z or an offset (the Intune admin center's and "
                                   "Jamf Pro's CSV) are read in this zone; Microsoft does not state the zone of the "
                                   "admin center's CSV, so compare one device's Last check-in with its page in the "
                                   "admin center and give --tz UTC if they differ by the zone's offset"}
    report["not_in_an_mdm_export"] = [
        "company_mobile_devices.request_ref (the request that issued the device): fill it from the request "
        "system, or company_device_issued_on_request lists every device",
        "byod_register.agreement_ref / agreement_signed_on / purpose: fill them from the signed own-device "
        "agreements, or byod_user_signed_agreement lists every device",
    ]
    report["outputs"] = [*outputs, REPORT_FILE]
    report["not_written"] = {name: say(code) for name, code in not_written.items()}
    report["not_written_codes"] = not_written
    (request.out / REPORT_FILE).write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n",
                                           encoding="utf-8")
    con.close()
    return report


# The Jamf Pro API's inventory sections that name a device (its serial number, model, name, last check-in, user),
# with what each gives, in English and Traditional Chinese; and the request that returns them.
JAMF_SECTIONS = (
    ("general", "GENERAL (name, last check-in, enrolment)", "GENERAL（名稱、上次簽入、註冊）"),
    ("hardware", "HARDWARE (serial number, model)", "HARDWARE（序號、型號）"),
    ("userandlocation", "USER_AND_LOCATION (user)", "USER_AND_LOCATION（使用者）"),
)
JAMF_REQUEST = ("GET /api/v1/computers-inventory?section=GENERAL&section=HARDWARE&section=USER_AND_LOCATION"
                "&section=APPLICATIONS")
JAMF_MOBILE = "GET /api/v2/mobile-devices/detail"


def _jamf_sections_missing(t: _Table) -> list[tuple[str, str]]:
    """For a Jamf Pro API inventory record (JSON with Jamf's section objects, a `general` or `udid`), the sections
    that name a device which it lacks (en, zh-TW); nothing for any other file. The API returns only the sections
    requested (`section=GENERAL` alone by default), and a record without HARDWARE has no serial number."""
    if not t.is_json:
        return []
    sections = {"general", "hardware", "userandlocation", "applications", "diskencryption", "security",
                "operatingsystem", "purchasing", "extensionattributes", "localuseraccounts"}
    if not (set(t.raw) & sections or "udid" in t.raw):
        return []
    return [(en, zh) for key, en, zh in JAMF_SECTIONS if key not in t.raw]


def _jamf_classic_list(t: _Table) -> bool:
    """A Jamf Pro Classic API list of mobile devices (`GET /JSSResource/mobiledevices`: `{"mobile_devices": [{"id",
    "name", "udid", "serial_number", "managed", "supervised", "model", "username"}]}`), which names no ownership,
    enrolment or apps: each device's own record (`/JSSResource/mobiledevices/id/N`) does. (The computers' list holds
    only id and name, as many other JSON files do: it stays "not an export".)"""
    return t.is_json and "general" not in t.raw and {"udid", "serialnumber", "managed", "supervised"} <= set(t.raw)


def _vendor(t: _Table) -> str:
    jamf = {"mobiledevicename", "deviceownershiplevel", "lastinventoryupdate", "lastinventoryupdatetimestamp",
            "udid", "appidentifier", "managed", "supervised", "mobiledeviceid", "generaldeviceownershiptype",
            "userandlocationusername", "generallastinventoryupdatedate", "computername", "generalserialnumber",
            "generalremotemanagementmanaged", "jamfprocomputerid", "jamfpromobiledeviceid", "locationemailaddress",
            "enrolledviaautomateddeviceenrollment", "generalenrolledviaautomateddeviceenrollment"}
    # columns only Intune writes (DevicesWithInventory also has Supervised, as Jamf does)
    intune = {"primaryuserupn", "manageddeviceownertype", "managedby", "azureaddeviceid", "entradeviceid",
              "intuneregistered", "devicestate", "managementstate", "deviceactionresults", "applicationkey",
              "applicationshortversion", "主要使用者upn", "擁有權"}
    return "jamf" if set(t.columns) & jamf and not set(t.columns) & intune else "intune"


def _nested(con: duckdb.DuckDBPyConnection, t: _Table, no: int, src: str) -> None:
    """Graph's deviceActionResults and Jamf's applications travel inside each device record."""
    if not t.is_json:
        return
    ref = f"COALESCE({t.field(DEVICE_FIELDS['serial'])}, {t.field(DEVICE_FIELDS['mdm_id'])})"
    if "deviceactionresults" in t.raw:
        con.execute(f"""
            INSERT INTO act
            SELECT {no}, _row, {src}, ref, json_extract_string(a, '$.actionName'),
                   json_extract_string(a, '$.actionState'),
                   COALESCE(json_extract_string(a, '$.lastUpdatedDateTime'), json_extract_string(a, '$.startDateTime')),
                   NULL
            FROM (SELECT _row, {ref} AS ref, unnest(CAST(json_extract(j, '$.deviceActionResults[*]') AS JSON[])) AS a
                  FROM {t.view})""")
    # Jamf Pro API (identifier/bundleId, name, shortVersion), Jamf Classic API mobile devices (identifier,
    # application_name, application_short_version) and computers (software.applications: bundle_id, name, version)
    for path in ("$.ios.applications", "$.applications", "$.software.applications"):
        con.execute(f"""
            INSERT INTO app
            SELECT {no}, _row, {src}, ref,
                   -- (a Mac's apps in Classic records often have bundle_id "": each is then named by its name)
                   COALESCE(nullif(json_extract_string(a, '$.identifier'), ''),
                            nullif(json_extract_string(a, '$.bundleId'), ''),
                            nullif(json_extract_string(a, '$.bundle_id'), '')),
                   COALESCE(nullif(json_extract_string(a, '$.name'), ''),
                            nullif(json_extract_string(a, '$.application_name'), '')),
                   -- (Classic API records often leave application_short_version empty beside application_version)
                   COALESCE(nullif(json_extract_string(a, '$.shortVersion'), ''),
                            nullif(json_extract_string(a, '$.application_short_version'), ''),
                            nullif(json_extract_string(a, '$.version'), ''),
                            nullif(json_extract_string(a, '$.application_version'), ''))
            FROM (SELECT _row, {ref} AS ref, unnest(CAST(json_extract(j, '{path}[*]') AS JSON[])) AS a
                  FROM {t.view} WHERE json_type(json_extract(j, '{path}')) = 'ARRAY')""")


def _devices(con: duckdb.DuckDBPyConnection, zone: str) -> None:
    """Settle each device record: its ID, ownership, times; the snapshot each file is (its latest check-in)."""
    con.execute(f"""
        CREATE TEMP TABLE devices AS
        WITH d AS (
            -- the serial number; else the MDM's device ID; else (an export without either column, such as the
            -- admin center's list without inventory data) the device name, counted in the report
            SELECT *, COALESCE(upper(COALESCE(serial, mdm_id)), name) AS device_id,
                   serial IS NULL AND mdm_id IS NULL AS named_by_name,
                   lower(regexp_replace(COALESCE(ownership, ''), '[\\s_-]', '', 'g')) AS own,
                   {_time('enrolled', zone)} AS enrolled_utc, {_time('last_seen', zone)} AS seen_utc,
                   lower(regexp_replace(COALESCE(managed, ''), '[\\s_-]', '', 'g')) AS mgd,
                   lower(trim(COALESCE(ade, ''))) IN ('true', 'yes', '是', '1') AS by_ade
            -- a serial number an export has no value for: Intune's 'Unknown' (personal Android), '0', Jamf's blanks
            FROM (SELECT * REPLACE (CASE WHEN lower(serial) IN {_tuple(NO_SERIAL)} THEN NULL ELSE serial END AS serial)
                  FROM dev) JOIN file_zone ON zfile = file_no
        )
        SELECT d.* EXCLUDE (zfile, fzone, dayfirst),
               -- a value as a console words it may carry more ('Personal (User Enrollment)', 'Institutional')
               CASE WHEN own IN {_tuple(CORPORATE)} OR regexp_matches(own, '^(?:corporate|company|institution|公司)')
                        THEN 'corporate'
                    WHEN own IN {_tuple(PERSONAL)} OR regexp_matches(own, '^(?:personal|個人)|userenrollment')
                        THEN 'personal'
                    -- Intune's managedDeviceOwnerType as a reports export job writes its code (0 unknown, 1 company,
                    -- 2 personal) where the export has no words for it
                    WHEN source = 'intune' AND own = '1' THEN 'corporate'
                    WHEN source = 'intune' AND own = '2' THEN 'personal'
                    -- no ownership stated (Jamf Pro computers): enrolled through Automated Device Enrollment
                    WHEN own IN ('', 'unknown', '未知') AND by_ade THEN 'corporate'
                    ELSE 'unknown' END AS owner,
               own IN ('', 'unknown', '未知') AND by_ade AS owner_by_ade,
               mgd IN {_tuple(UNMANAGED)} AS unmanaged,
               max(seen_utc) OVER (PARTITION BY file_no) AS snapshot_utc
        FROM d WHERE device_id IS NOT NULL""")


def _tuple(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(sql_str(v) for v in values) + ")"


def _taipei_date(col: str) -> str:
    return f"CAST(timezone('Asia/Taipei', CAST({col} AS TIMESTAMPTZ)) AS DATE)"


def _copy(con: duckdb.DuckDBPyConnection, sql: str, path: Path) -> None:
    con.execute(f"COPY ({sql}) TO {sql_str(str(path))} (HEADER, DELIMITER ',')")


# Why a dataset the exports could give is not written when they give no record of it: an empty file would be
# evidence that there is nothing to find (no personal device, no app), which an MDM export does not prove.
EMPTY_REASON = {"company_mobile_devices.csv": "no_company_devices", "byod_register.csv": "no_personal_devices",
                "device_apps.csv": "no_apps", "device_assignments.csv": "no_assignments"}  # notes in sources.yaml


def _copy_rows(con: duckdb.DuckDBPyConnection, sql: str, out: Path, name: str, outputs: list[str],
               not_written: dict[str, str]) -> None:
    """Write the rows to out/name, or (none) name the file in not_written with why."""
    count = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()
    if not count or not count[0]:
        not_written[name] = EMPTY_REASON[name]  # the note's code: rendered when the report is written
        return
    _copy(con, sql, out / name)
    outputs.append(name)


def _write_devices(con: duckdb.DuckDBPyConnection, out: Path, outputs: list[str],
                   not_written: dict[str, str]) -> dict[str, Any]:
    """company_mobile_devices (latest record of each corporate device), device_assignments (primary users
    across snapshots) and byod_register (personal devices)."""
    merged = settle(con)
    _copy_rows(con, f"""
        SELECT device_id, model, CASE WHEN unmanaged OR gone_to IS NOT NULL THEN 'returned'
                                      ELSE 'in_use' END AS status,
               person AS holder_id, CAST(NULL AS VARCHAR) AS request_ref, {_taipei_date('enrolled_utc')} AS issued_on,
               name AS device_name, os, account AS primary_user, source, f.file_name AS source_file, _row AS source_row,
               CASE WHEN unmanaged THEN 'no longer managed in the MDM'
                    WHEN gone_to IS NOT NULL THEN 'not in ' || g.file_name || ', a later export of the same devices'
                    END AS note
        FROM latest JOIN file_names f USING (file_no) LEFT JOIN file_names g ON g.file_no = gone_to
        WHERE owner = 'corporate' ORDER BY device_id""", out, "company_mobile_devices.csv", outputs, not_written)
    # Holder periods: consecutive snapshots showing the same primary user are one assignment. It starts at
    # the enrolment when that falls after the previous snapshot (a re-enrolment at hand-over), else on the
    # snapshot that first shows the holder; it ends on the last snapshot that still shows them, so a reset
    # between two snapshots falls between the return and the next assignment.
    con.execute("""
        CREATE TEMP TABLE runs AS
        WITH s AS (
            SELECT d.*, COALESCE(i.person_id, acct_person(d.account)) AS person,
                   lag(snapshot_utc) OVER w AS prev_snapshot,
                   lag(COALESCE(i.person_id, acct_person(d.account))) OVER w AS prev_person
            FROM devices d LEFT JOIN ids i ON i.account = d.account
            WHERE owner = 'corporate' AND device_id NOT IN (SELECT device_id FROM conflicts)
            WINDOW w AS (PARTITION BY device_id ORDER BY snapshot_utc, file_no, _row)
        ), g AS (
            SELECT *, sum(CASE WHEN prev_person IS NOT DISTINCT FROM person THEN 0 ELSE 1 END) OVER (
                PARTITION BY device_id ORDER BY snapshot_utc, file_no, _row ROWS UNBOUNDED PRECEDING) AS run
            FROM s
        )
        SELECT device_id, person, run,
               arg_min(CASE WHEN enrolled_utc IS NOT NULL AND (prev_snapshot IS NULL OR enrolled_utc > prev_snapshot)
                            THEN enrolled_utc ELSE COALESCE(snapshot_utc, enrolled_utc) END, snapshot_utc) AS start_utc,
               max(snapshot_utc) AS last_seen_utc, arg_min(file_no, snapshot_utc) AS file_no,
               arg_min(_row, snapshot_utc) AS _row, count(*) AS snapshots
        FROM g WHERE person IS NOT NULL GROUP BY device_id, person, run""")
    in_two = con.execute("SELECT count(*) FROM (SELECT device_id FROM devices GROUP BY device_id "
                         "HAVING count(DISTINCT file_no) > 1)").fetchone()
    _copy_rows(con, f"""
        SELECT r.device_id, r.person AS holder_id, {_taipei_date('r.start_utc')} AS assigned_on,
               CASE WHEN l.gone_to IS NOT NULL OR lead(r.run) OVER w IS NOT NULL
                    THEN {_taipei_date('r.last_seen_utc')} END AS returned_on,
               f.file_name AS source_file, r._row AS source_row, r.snapshots
        FROM runs r JOIN file_names f USING (file_no) JOIN latest l USING (device_id)
        WHERE {int(bool(in_two and in_two[0]))} = 1
        WINDOW w AS (PARTITION BY r.device_id ORDER BY r.run)
        ORDER BY r.device_id, assigned_on""", out, "device_assignments.csv", outputs, not_written)
    _copy_rows(con, f"""
        SELECT person AS person_id, device_id, {_taipei_date('enrolled_utc')} AS registered_on,
               CAST(NULL AS VARCHAR) AS purpose, CAST(NULL AS VARCHAR) AS agreement_ref,
               CAST(NULL AS DATE) AS agreement_signed_on,
               CASE WHEN unmanaged OR gone_to IS NOT NULL THEN 'deregistered' ELSE 'active' END AS status,
               name AS device_name, model, os, account AS primary_user, source, f.file_name AS source_file,
               _row AS source_row
        FROM latest JOIN file_names f USING (file_no) WHERE owner = 'personal' AND person IS NOT NULL
        ORDER BY person_id, device_id""", out, "byod_register.csv", outputs, not_written)
    counts = con.execute("""
        SELECT count(*) FILTER (WHERE owner = 'corporate'), count(*) FILTER (WHERE owner = 'personal'),
               count(*) FILTER (WHERE owner = 'unknown'),
               count(*) FILTER (WHERE owner = 'corporate' AND account IS NULL),
               count(*) FILTER (WHERE serial IS NULL),
               count(*) FILTER (WHERE owner = 'personal' AND person IS NULL),
               count(*) FILTER (WHERE owner_by_ade),
               count(*) FILTER (WHERE named_by_name)
        FROM latest""").fetchone()
    assert counts is not None
    unknown = con.execute(f"""
        SELECT f.file_name || ':' || CAST(l._row AS VARCHAR) || ' ' || l.device_id || ' (ownership '
               || COALESCE(l.ownership, 'blank') || ')'
        FROM latest l JOIN file_names f USING (file_no) WHERE owner = 'unknown' ORDER BY 1
        LIMIT {MAX_LISTED}""").fetchall()
    snaps = con.execute("""
        SELECT f.file_name, strftime(max(snapshot_utc), '%Y-%m-%dT%H:%M:%SZ')
        FROM devices d JOIN file_names f USING (file_no)
        GROUP BY f.file_name ORDER BY 2""").fetchall()
    unseen = con.execute("SELECT count(*) FROM devices WHERE seen_utc IS NULL").fetchone()
    return {
        "corporate": counts[0], "personal": counts[1], "ownership_unknown": counts[2],
        "corporate_by_automated_device_enrollment": counts[6],
        "corporate_by_automated_device_enrollment_note": (
            "no ownership in the export; enrolled through Apple's Automated Device Enrollment, which only a device "
            "the organisation owns (assigned to it in Apple Business Manager) can be"),
        "ownership_unknown_records": [r[0] for r in unknown],
        "ownership_unknown_note": "written to neither register: the export does not say whose device it is",
        "corporate_without_primary_user": counts[3], "without_serial_number_named_by_mdm_id": counts[4] - counts[7],
        "without_serial_number_or_device_id_named_by_device_name": counts[7],
        "personal_without_user_not_registered": counts[5],
        "records_without_last_check_in": int(unseen[0]) if unseen else 0,
        "snapshots": [{"file": n, "latest_check_in_utc": t} for n, t in snaps],
        **merged,
        "assignments_note": ("primary users as the exports show them: a change between two exports is dated by "
                             "the export that first shows it (or a re-enrolment after the earlier one); with one "
                             "export, earlier holders are not known"),
    }


def _write_apps(con: duckdb.DuckDBPyConnection, out: Path, outputs: list[str],
                not_written: dict[str, str]) -> dict[str, Any]:
    """device_apps: each app each device reports, the device named as in the device inventory."""
    con.execute("""
        CREATE TEMP TABLE apps AS
        WITH ids AS (SELECT DISTINCT upper(mdm_id) AS ref, device_id FROM devices WHERE mdm_id IS NOT NULL
                     UNION SELECT DISTINCT upper(serial), device_id FROM devices WHERE serial IS NOT NULL
                     UNION SELECT DISTINCT upper(name), device_id FROM devices WHERE name IS NOT NULL)
        SELECT a.*, COALESCE(m.device_id, upper(a.device_ref)) AS device_id, m.device_id IS NULL AS unmatched
        FROM app a LEFT JOIN (SELECT ref, min(device_id) AS device_id FROM ids GROUP BY ref) m
             ON m.ref = upper(a.device_ref)
        WHERE a.device_ref IS NOT NULL AND COALESCE(a.app_id, a.app_name) IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY COALESCE(m.device_id, upper(a.device_ref)),
                                   lower(COALESCE(a.app_id, a.app_name)) ORDER BY a.file_no DESC, a._row) = 1""")
    _copy_rows(con, """
        SELECT device_id, COALESCE(app_id, app_name) AS app_id, app_name, version, source, f.file_name AS source_file,
               _row AS source_row
        FROM apps JOIN file_names f USING (file_no) ORDER BY device_id, app_id""", out, "device_apps.csv", outputs,
               not_written)
    c = con.execute("SELECT count(*), count(*) FILTER (WHERE unmatched), count(DISTINCT device_id) FROM apps"
                    ).fetchone()
    skipped = con.execute("SELECT count(*) FROM app WHERE device_ref IS NULL OR COALESCE(app_id, app_name) IS NULL"
                          ).fetchone()
    assert c is not None and skipped is not None
    several = con.execute("SELECT count(*) FROM (SELECT upper(device_ref) FROM app WHERE device_ref IS NOT NULL "
                          "GROUP BY 1 HAVING count(DISTINCT file_no) > 1)").fetchone()
    return {"apps": c[0], "devices": c[2], "device_not_in_inventory": c[1],
            "records_without_device_or_app": skipped[0],
            # an app inventory states no time: of two, neither can be told the later, so their apps are combined
            "devices_in_several_app_inventories": int(several[0]) if several else 0,
            "note": "an app whose device is not in the device exports given keeps the export's device reference"}


def _write_resets(con: duckdb.DuckDBPyConnection, out: Path, outputs: list[str], zone: str) -> dict[str, Any]:
    """device_resets: completed wipes and fresh starts; retires and failed or pending actions are counted."""
    con.execute(f"""
        CREATE TEMP TABLE acts AS
        WITH ids AS (SELECT DISTINCT upper(mdm_id) AS ref, device_id FROM devices WHERE mdm_id IS NOT NULL
                     UNION SELECT DISTINCT upper(serial), device_id FROM devices WHERE serial IS NOT NULL
                     UNION SELECT DISTINCT upper(name), device_id FROM devices WHERE name IS NOT NULL),
        a AS (
            -- 'Wipe', 'wipe ManagedDevice' (audit log), 'EraseDevice' (Jamf) -> wipe, managed-device suffix dropped
            SELECT a.*, regexp_replace(lower(regexp_replace(COALESCE(action, ''), '[\\s_-]', '', 'g')),
                                       'manageddevice$', '') AS act_norm,
                   lower(regexp_replace(COALESCE(state, 'done'), '[\\s_-]', '', 'g')) AS state_norm,
                   {_time("at_text", zone)} AS at_utc
            FROM act a JOIN file_zone ON zfile = a.file_no)
        SELECT a.*, COALESCE(m.device_id, upper(a.device_ref)) AS device_id,
               {_case('act_norm', RESET_ACTIONS)} AS method
        FROM a LEFT JOIN (SELECT ref, min(device_id) AS device_id FROM ids GROUP BY ref) m
             ON m.ref = upper(a.device_ref)""")
    con.execute(f"""
        CREATE TEMP TABLE resets AS SELECT * FROM acts
        WHERE method IS NOT NULL AND state_norm IN {_tuple(DONE_STATES)} AND at_utc IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY device_id, at_utc ORDER BY file_no, _row) = 1""")
    taipei = ("strftime(timezone('Asia/Taipei', CAST(at_utc AS TIMESTAMPTZ)), '%Y-%m-%dT%H:%M:%S') || '+08:00'")
    _copy(con, f"""
        SELECT device_id, {taipei} AS reset_at, method, action AS action_as_exported, initiated_by, source,
               f.file_name AS source_file, _row AS source_row
        FROM resets JOIN file_names f USING (file_no) ORDER BY device_id, at_utc""", out / "device_resets.csv")
    outputs.append("device_resets.csv")
    c = con.execute(f"""
        SELECT (SELECT count(*) FROM resets),
               count(*) FILTER (WHERE method IS NOT NULL AND state_norm NOT IN {_tuple(DONE_STATES)}),
               count(*) FILTER (WHERE act_norm IN {_tuple(NOT_RESET_ACTIONS)}),
               count(*) FILTER (WHERE method IS NOT NULL AND at_utc IS NULL),
               count(*) FILTER (WHERE method IS NULL AND act_norm NOT IN {_tuple(NOT_RESET_ACTIONS)})
        FROM acts""").fetchone()
    assert c is not None
    return {"resets": c[0], "not_completed": c[1], "retire_or_remove_not_a_reset": c[2],
            "without_readable_time": c[3], "other_actions": c[4],
            "note": "only completed wipes, fresh starts and Autopilot resets count as resets; a retire removes "
                    "the company's data but not the previous holder's"}


def _case(col: str, mapping: dict[str, str]) -> str:
    return "CASE " + col + " " + " ".join(f"WHEN {sql_str(k)} THEN {sql_str(v)}" for k, v in mapping.items()) + " END"
