"""What a firm hands in: the files of an evidence folder and the optional evidence.yaml beside them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ccaudit.errors import EvidenceError
from ccaudit.evidence.readers import file_format
from ccaudit.evidence.store import RAW_EXPORT as RAW_EXPORT  # defined with the manifest, which the audit reads
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.evidence.untrusted import WorkbookLimits, check_inside, load_yaml
from ccaudit.textsafe import visible

if TYPE_CHECKING:
    from ccaudit.rawsources.compressed import ArchiveLimits
    from ccaudit.rawsources.evidence import Derived, ZippedLogs
    from ccaudit.settings import Settings

SOURCE_FILE = "evidence.yaml"


class FileOptions(BaseModel):
    """Per-file options a firm may state in evidence.yaml."""

    model_config = ConfigDict(extra="forbid")

    dataset: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    effective_date: dt.date | None = None
    naive_timestamps: str | None = None  # 'local' or 'utc'
    source: str | None = None  # a raw export (ccaudit sources): parsed into derived datasets
    tz: str | None = None  # raw export: zone of times without an offset (default: the firm's)
    gateway: str | None = None  # raw export: gateway_id where its lines do not name one
    date_order: str | None = None  # raw export: dmy or mdy, for dates with the year last its values do not settle
    year: int | None = None  # raw export: the year of its first syslog time without one ('Nov  2 08:15:02')


class GatewayOptions(BaseModel):
    """What evidence.yaml may state about a gateway whose raw logs are in the folder."""

    model_config = ConfigDict(extra="forbid")

    tz: str  # zone of the times its logs write without an offset


class SourceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    effective_date: dt.date | None = None  # default for every file
    files: dict[str, FileOptions] = {}
    gateways: dict[str, GatewayOptions] = {}  # gateway_id -> its zone, for raw exports




class RawExport(BaseModel):
    """A system's own file in the folder (a gateway log, ccaudit.rawsources), parsed into derived files.

    It is stored and listed like any evidence file; each derived row cites its `line_column` as `_row`."""

    path: Path
    rel: str  # its path inside the folder, as derived rows name it
    source: str  # the raw source that read it (fortigate, openvpn-log, ...)
    lines: int  # lines read
    effective_date: dt.date | None
    line_column: str = "source_line"
    notes: list[str] = []  # what the parse found that an inspector must know (warnings of the inspection)
    report: dict[str, Any] = {}  # the parse report (parse_report.json), stored with the evidence
    format: str = "text lines"  # as the manifest lists it (a device export: csv, json, `csv (zip)`, ...)
    encoding: str = "utf-8"
    # A log of a zip of several (`vpnlogs-2026.zip/fgt.log.1`): `path` is its text taken out of the zip, stored by
    # its own SHA-256 so that each line a finding cites is in a stored file; the zip as handed in is stored too
    # and listed before it (`archive_sha256`), its entry the one the log's entry names in `derived_from`.
    original_name: str | None = None  # as the manifest and findings name it (default: the file's name)
    archive: Path | None = None
    archive_sha256: str = ""
    archive_members: int = 0
    archive_lines: int = 0


class EvidenceFile(BaseModel):
    """One file to import and everything decided about it before reading."""

    path: Path
    dataset: str
    options: FileOptions
    effective_date: dt.date | None
    derived_from: RawExport | None = None  # a file ccaudit derived from a raw export, not the firm's own


def load_config(folder: Path) -> SourceConfig:
    path = folder / SOURCE_FILE
    if not path.exists() and not path.is_symlink():
        return SourceConfig()
    data = load_yaml(path, folder) or {}  # no aliases, bounded nesting: see untrusted.py
    try:
        return SourceConfig.model_validate(data)
    except ValidationError as exc:
        raise EvidenceError(f"{path}: invalid evidence.yaml: {exc}") from None


_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)|(?<!\d)(\d{3})-?(\d{2})-?(\d{2})(?!\d)")


def date_in_name(name: str) -> dt.date | None:
    """An effective date written into a file name: 2025-10-31, 20251031 or ROC 1141031."""
    for match in _DATE_IN_NAME.finditer(Path(name).stem):
        y, m, d = (match.group(1), match.group(2), match.group(3))
        if y is None:
            y, m, d = str(int(match.group(4)) + 1911), match.group(5), match.group(6)
        try:
            return dt.date(int(y), int(m), int(d))
        except ValueError:
            continue
    return None


# Files an operating system or an office program leaves beside documents: listed, never read.
_SYSTEM_FILES = {".ds_store": "macOS folder settings", "thumbs.db": "Windows thumbnail cache",
                 "ehthumbs.db": "Windows thumbnail cache", "desktop.ini": "Windows folder settings",
                 ".localized": "macOS folder name"}


# What `ccaudit probe` writes beside its dataset file (raw observations, screenshots, pages as rendered):
# evidence the dataset file cites by SHA-256, kept with the result by hash (manifest `attachments`), never
# read as data. Named exactly so (at the top of the folder); anything else goes through the usual rules.
PROBE_EVIDENCE_FILES = {"tls_observations.json": "tls", "port_observations.json": "ports",
                        "site_observations.json": "site", "page_observations.json": "pages"}
PROBE_EVIDENCE_FOLDERS = {"website_screenshots": "site", "social_pages": "pages"}
PROBE_EVIDENCE = "probe evidence (ccaudit probe {}): stored with the result by its SHA-256, not read as data"


# What `ccaudit sources parse ... --out DIR` writes beside the derived dataset files: how the raw exports were read
# (lines read, recognised, malformed with their numbers, zones assumed). When DIR is (part of) an evidence folder
# the report is kept with the result like a probe's side file, by its SHA-256, at any depth (one folder per
# gateway is usual), and never read as data.
SOURCES_REPORTS = ("parse_report.json", "device_parse_report.json")
SOURCES_PROBE = "sources parse"  # Attachment.probe of a kept parse report: the command that wrote it
SOURCES_REPORT = ("parse report (ccaudit sources parse): stored with the result by its SHA-256, not read as "
                  "data; the rows it describes cite the raw file and line")


def probe_evidence(rel: str) -> str | None:
    """The probe that wrote the file at `rel` (a path relative to the evidence folder), `SOURCES_PROBE` for the
    parse report of `ccaudit sources parse`, or None."""
    parts = rel.split("/")
    if parts[-1] in SOURCES_REPORTS:
        return SOURCES_PROBE
    if len(parts) == 1:
        return PROBE_EVIDENCE_FILES.get(parts[0])
    return PROBE_EVIDENCE_FOLDERS.get(parts[0]) if len(parts) == 2 else None


def _system_file(parts: tuple[str, ...]) -> str | None:
    """Why a file is operating-system or editor litter, or None."""
    name = parts[-1]
    if "__MACOSX" in parts[:-1]:
        return "macOS archive metadata"
    if name.lower() in _SYSTEM_FILES:
        return _SYSTEM_FILES[name.lower()]
    if name.startswith("._"):
        return "macOS resource fork"
    if name.startswith(("~$", ".~lock.")):
        return "office lock file of an open document"
    return None


def discover(folder: Path, registry: TemplateRegistry,
             settings: Settings | None = None) -> tuple[list[EvidenceFile], dict[str, str]]:
    """The evidence files of a folder (recursively) and every other file with why it is not evidence.

    Nothing is passed over without a word: operating-system litter (.DS_Store, Thumbs.db, ~$ lock
    files, ._ resource forks) and hidden files are listed as ignored, with the reason; a hidden file
    named like a dataset (`.remote_sessions.csv`, or inside a hidden folder) is refused, since
    skipping it would silently drop records and importing it would take what someone hid.

    `settings`: the command's (the import's); the firm's zone and the limits on compressed raw exports come from
    them (read from the environment only when none are given)."""
    from ccaudit.rawsources.compressed import ArchiveLimits
    from ccaudit.settings import Settings

    settings = settings or Settings()
    limits = ArchiveLimits.from_settings(settings)
    if not folder.is_dir():
        raise EvidenceError(f"{folder}: not a folder of evidence files", f"{folder}：不是證據檔案資料夾")
    config = load_config(folder)
    for name, opts in config.files.items():
        if not (folder / name).exists():
            raise EvidenceError(f"evidence.yaml names {visible(name)}, which is not in {folder}")
        if opts.dataset and opts.dataset not in registry:
            raise EvidenceError(f"evidence.yaml: {name}: unknown dataset {opts.dataset!r}")
        if opts.source and opts.dataset:
            raise EvidenceError(f"evidence.yaml: {name}: give a raw export's source or a dataset, not both")
    found: list[EvidenceFile] = []
    ignored: dict[str, str] = {}
    hidden_folders: dict[str, int] = {}
    refused: list[str] = []
    raw: list[tuple[Path, str, FileOptions, str]] = []  # raw exports: parsed once the folder is known
    archives: dict[str, tuple[Path, str]] = {}  # a log of a zip of several (its rel) -> the zip and its rel
    for path in sorted(folder.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        parts = path.relative_to(folder).parts
        rel = "/".join(parts)
        if rel == SOURCE_FILE:
            continue
        named = config.files.get(rel) or config.files.get(path.name)
        litter = _system_file(parts)
        if litter and named is None:
            ignored[rel] = litter
            continue
        hidden = next((i for i, part in enumerate(parts) if part.startswith(".")), None)
        if hidden is not None and named is None:
            dataset = registry.match_file(Path(path.name.lstrip(".")))
            if dataset is not None and file_format(path) is not None:
                refused.append(f"{visible(rel)} (named like {dataset.id})")
            elif hidden < len(parts) - 1:
                top = "/".join(parts[: hidden + 1]) + "/"
                hidden_folders[top] = hidden_folders.get(top, 0) + 1
            else:
                ignored[rel] = "hidden file (its name starts with a dot)"
            continue
        check_inside(path, folder, directory=True)  # links out of the folder, FIFOs, devices: refused
        if path.is_dir():
            continue  # a link to a folder inside: its files are found where they are
        if path.name == SOURCE_FILE:
            ignored[rel] = "an evidence.yaml is read only at the top of the folder"
            continue
        probe = probe_evidence(rel) if named is None else None
        if probe:
            ignored[rel] = SOURCES_REPORT if probe == SOURCES_PROBE else PROBE_EVIDENCE.format(probe)
            continue
        opts = named or FileOptions()
        fmt = file_format(path)
        # a system's own export: text in no table format (.log), or a CSV/JSON named after no dataset (an
        # Event Viewer CSV, Entra's InteractiveSignIns_*.csv, a FortiAnalyzer download) that a source recognises
        # (a workbook only as an Intune or Jamf Pro export opened in Excel and saved as .xlsx)
        unnamed = fmt in ("csv", "json", "excel") and not opts.dataset and registry.match_file(path) is None
        if fmt is None and _is_zip(path):  # a zip of several logs (a year of one gateway's rotations): its logs
            zipped = _zipped_logs(path, rel, limits, opts.source)
            if zipped is not None and zipped.ignored:
                ignored[rel] = zipped.ignored
                continue
            if zipped is not None:
                for inside, copy, member_source in zipped.logs:
                    raw.append((copy, f"{rel}/{inside}", opts, member_source))
                    archives[f"{rel}/{inside}"] = (path, rel)
                continue
        source = opts.source or (_recognise(path, limits, settings if fmt == "excel" else None)
                                 if fmt is None or unnamed else None)
        if source:
            raw.append((path, rel, opts, source))
            continue
        if file_format(path) is None:
            ignored[rel] = f"not a format ccaudit reads ({path.suffix or 'no extension'})"
            continue
        template = registry[opts.dataset] if opts.dataset else registry.match_file(path)
        if template is None:
            ignored[rel] = "its name matches no dataset (name it after one, or map it in evidence.yaml)"
            continue
        effective = opts.effective_date or date_in_name(path.name) or config.effective_date
        found.append(EvidenceFile(path=path, dataset=template.id, options=opts, effective_date=effective))
    if refused:
        raise EvidenceError(
            f"hidden file(s) named like evidence: {'; '.join(refused)}. Hidden files (a name or folder "
            "starting with a dot) are not imported: rename without the dot to import, or move out of the folder")
    ignored.update({top: f"hidden folder ({n} file(s))" for top, n in hidden_folders.items()})
    devices = [r for r in raw if r[3] in _DEVICE_SOURCES]  # MDM exports: read together (rawsources/mdm_evidence.py)
    if devices:
        raw = [r for r in raw if r[3] not in _DEVICE_SOURCES]
        found += _derive_devices(devices, found, config, ignored, settings)
    zones = _gateway_zones(config, found, registry) if raw else []
    derived = _derive(raw, found, zones, settings)  # parsed together where related (rawsources/evidence.py)
    zipped_lines: dict[str, list[int]] = {}  # a zip of several logs: its logs kept, and their lines
    zip_sha256: dict[str, str] = {}  # each zip hashed once, not once per log taken out of it
    for _, rel, _, _ in raw:
        if rel in archives and derived[rel].files:
            zip_path, zip_rel = archives[rel]
            zipped_lines.setdefault(zip_rel, []).append(derived[rel].lines)
            if zip_rel not in zip_sha256:
                zip_sha256[zip_rel] = _sha256(zip_path)
    for path, rel, opts, source in raw:
        one = derived[rel]
        if not one.files:  # no session event, and no stop that ended another file's sessions: not evidence
            ignored[rel] = _say("no_session_event", source=source)
            continue
        effective = opts.effective_date or date_in_name(path.name) or config.effective_date
        notes = one.notes(rel)
        read = (one.report.get("files") or [{}])[0]  # how it was read: the manifest says so (gzip, UTF-16, ...)
        packed = f" ({read['compression']})" if read.get("compression") else ""
        archive = archives.get(rel)
        if archive is not None:  # a log of a zip of several: its text stored too, the zip listed before it
            effective = opts.effective_date or date_in_name(rel) or date_in_name(archive[0].name) or (
                config.effective_date)
            packed = f" (in {archive[0].name})"
        origin = RawExport(path=path, rel=rel, source=source, lines=one.lines, effective_date=effective,
                           notes=notes, report={**one.report, "notes": _bilingual(notes)},
                           format=f"text lines{packed}", encoding=read.get("encoding", "utf-8"),
                           original_name=rel if archive else None, archive=archive[0] if archive else None,
                           archive_sha256=zip_sha256[archive[1]] if archive else "",
                           archive_members=len(zipped_lines[archive[1]]) if archive else 0,
                           archive_lines=sum(zipped_lines[archive[1]]) if archive else 0)
        for derived_id, derived_path in one.files:
            found.append(EvidenceFile(path=derived_path, dataset=derived_id, options=FileOptions(),
                                      effective_date=effective, derived_from=origin))
    return found, dict(sorted(ignored.items()))


_DEVICE_SOURCES = ("mdm", "intune", "jamf")  # = rawsources.mdm_evidence.DEVICE_SOURCES (not imported: startup)


def _derive_devices(devices: list[tuple[Path, str, FileOptions, str]], found: list[EvidenceFile],
                    config: SourceConfig, ignored: dict[str, str], settings: Settings) -> list[EvidenceFile]:
    """The folder's device-management exports, parsed together into the mobile-device datasets, one derived
    file per raw file and dataset (refused when the firm also hands in one of those datasets itself)."""
    from ccaudit.rawsources.compressed import ArchiveLimits
    from ccaudit.rawsources.evidence import _workdir
    from ccaudit.rawsources.mdm_evidence import LINE_COLUMN, DeviceExport, derive_devices, refuse_overlap

    ids = next((f.path for f in found if f.dataset == "identity_map" and f.path.suffix.lower() == ".csv"), None)
    firm_zone = settings.firm_timezone
    exports = [DeviceExport(path, rel, source, opts.tz or firm_zone,
                            _zone_origin(rel, opts)) for path, rel, opts, source in devices]
    derived = derive_devices(exports, ids, _workdir(), ArchiveLimits.from_settings(settings),
                             WorkbookLimits.from_settings(settings))
    registers: dict[str, list[str]] = {}
    for f in found:
        registers.setdefault(f.dataset, []).append(f.path.name if f.derived_from is None else f.derived_from.rel)
    refuse_overlap(derived.files, registers)
    ignored.update({rel: _say("same_file_read_once", first=first) for rel, first in derived.same_as.items()})
    out: list[EvidenceFile] = []
    notes = derived.notes
    derived.report["notes"] = _bilingual(notes)  # the kept parse report says them too, in both languages
    for path, rel, opts, _ in devices:
        if rel in derived.same_as:
            continue
        if not derived.files.get(rel):
            ignored[rel] = _say("no_record_derived", source=derived.vendor.get(rel, "device"))
            continue
        effective = opts.effective_date or date_in_name(path.name) or config.effective_date
        origin = RawExport(path=path, rel=rel, source=derived.vendor[rel], lines=derived.records[rel],
                           effective_date=effective, line_column=LINE_COLUMN, notes=notes, report=derived.report,
                           format=derived.formats[rel], encoding=derived.encodings[rel])
        notes = []  # said once, with the first export
        out += [EvidenceFile(path=p, dataset=d, options=FileOptions(), effective_date=effective, derived_from=origin)
                for d, p in derived.files[rel]]
    return out


def _zone_origin(rel: str, opts: FileOptions) -> str:
    """Where the zone of a raw export's times without an offset comes from, as its parse report says it."""
    if opts.tz:
        return _say("zone_from_file", config=SOURCE_FILE, file=rel)
    return _say("zone_from_setting", setting="CCAUDIT_FIRM_TIMEZONE", config=SOURCE_FILE)


def _bilingual(notes: list[str]) -> list[dict[str, str]]:
    """Notes as the kept parse report holds them: each in English and Traditional Chinese."""
    from ccaudit.rawsources.notes import translate

    return [{"en": n, "zh-TW": translate(n, "zh-TW")} for n in notes]


def _say(code: str, **params: str) -> str:
    from ccaudit.rawsources.notes import say

    return say(code, **params)


def _recognise(path: Path, limits: ArchiveLimits, workbook_of: Settings | None) -> str | None:
    from ccaudit.rawsources.evidence import recognise
    return recognise(path, limits, WorkbookLimits.from_settings(workbook_of) if workbook_of else None)


def _is_zip(path: Path) -> bool:
    from ccaudit.rawsources.compressed import compression

    return compression(path) == "zip"


def _zipped_logs(path: Path, rel: str, limits: ArchiveLimits, named: str | None) -> ZippedLogs | None:
    from ccaudit.rawsources.evidence import zipped_logs

    return zipped_logs(path, rel, limits, named)


def _sha256(path: Path) -> str:
    from ccaudit.evidence.store import sha256_of

    return sha256_of(path)


def _gateway_zones(config: SourceConfig, found: list[EvidenceFile],
                   registry: TemplateRegistry) -> list[tuple[str, str, str]]:
    """(gateway_id, zone, where stated) from evidence.yaml's gateways and the remote_gateways register."""
    from ccaudit.rawsources.evidence import register_zones

    stated = [(gw, opts.tz, f"evidence.yaml (gateways: {gw})") for gw, opts in config.gateways.items()]
    registers = [f.path for f in found if f.dataset == "remote_gateways"]
    if "remote_gateways" in registry and registers:
        stated += register_zones(registers, registry["remote_gateways"])
    seen: dict[str, tuple[str, str]] = {}
    for gateway, zone, origin in stated:
        key = gateway.strip().lower()
        if key in seen and seen[key][0] != zone:
            raise EvidenceError(f"gateway {visible(gateway)} has two time zones: {visible(seen[key][0])} in "
                                f"{visible(seen[key][1])} and {visible(zone)} in {visible(origin)}; state one")
        seen.setdefault(key, (zone, origin))
    return [(gw, zone, origin) for gw, zone, origin in stated if seen[gw.strip().lower()][1] == origin]


def _derive(raw: list[tuple[Path, str, FileOptions, str]], found: list[EvidenceFile],
            zones: list[tuple[str, str, str]], settings: Settings) -> dict[str, Derived]:
    """The raw exports' derived files (ccaudit.rawsources.evidence), each group of related exports parsed together,
    resolved through the folder's identity map when it has one as CSV."""
    from ccaudit.rawsources.compressed import ArchiveLimits
    from ccaudit.rawsources.evidence import RawMember, derive_group, group

    if not raw:
        return {}
    ids = next((f.path for f in found if f.dataset == "identity_map" and f.path.suffix.lower() == ".csv"), None)
    firm_zone = settings.firm_timezone
    limits = ArchiveLimits.from_settings(settings)
    members = [RawMember(path=path, rel=rel, source=source, zone=opts.tz or firm_zone,
                         zone_origin=_zone_origin(rel, opts), zone_given=opts.tz is not None, gateway=opts.gateway,
                         date_order=opts.date_order, year=opts.year, named=opts.source is not None)
               for path, rel, opts, source in raw]
    derived: dict[str, Derived] = {}
    for together in group(members):
        derived |= derive_group(together, ids, tuple(zones), limits)
    return derived
