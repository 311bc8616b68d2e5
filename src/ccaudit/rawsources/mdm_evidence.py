"""Device-management exports (Intune, Jamf Pro) inside an evidence folder, read by `ccaudit inspect`.

Unlike a gateway log, an MDM export is one part of a whole: the device inventory, the app inventory and the
device actions of one MDM are read together (an app or a wipe names its device by the MDM's ID, which only the
inventory turns into the serial number), and monthly exports of the same devices are settled against each other
(mdm_snapshots.py). So every device export of the folder is parsed at once by mdm.parse_mdm, and what it wrote is
then cut per raw file: `<raw name>.<dataset>.csv` holds the rows that cite that file, so that the importer gives
each row the raw file's SHA-256 and its row (`source_row`) as provenance, as it does for a gateway log's lines."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccaudit.errors import EvidenceError
from ccaudit.evidence.untrusted import WorkbookLimits
from ccaudit.rawsources.compressed import ArchiveLimits
from ccaudit.rawsources.mdm import (
    DEFAULT_WORKBOOK,
    MDM_SOURCES,
    REPORT_FILE,
    MdmRequest,
    looks_like_mdm,
    parse_mdm,
)
from ccaudit.rawsources.notes import DOC, say
from ccaudit.rawsources.sqlkit import connect, sql_str
from ccaudit.textsafe import visible

AUTO = "mdm"  # the source of a file recognised as a device export, its vendor decided when it is read
DEVICE_SOURCES = (AUTO, *MDM_SOURCES)
LINE_COLUMN = "source_row"  # the export's row (CSV: header = 1) or record (JSON) each derived row comes from
DATASETS = {"company_mobile_devices": "company_mobile_devices.csv", "device_assignments": "device_assignments.csv",
            "byod_register": "byod_register.csv", "device_apps": "device_apps.csv",
            "device_resets": "device_resets.csv"}


@dataclass(frozen=True)
class DeviceExport:
    """One file of the folder to read as a device export."""

    path: Path
    rel: str
    source: str  # intune, jamf, or AUTO (recognised: the vendor is detected)
    zone: str
    zone_origin: str


@dataclass
class DevicesDerived:
    """What the folder's device exports became: per raw file (rel) its vendor, records and derived files."""

    report: dict[str, Any]
    vendor: dict[str, str] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)
    files: dict[str, list[tuple[str, Path]]] = field(default_factory=dict)
    same_as: dict[str, str] = field(default_factory=dict)  # a file identical to another: read once
    formats: dict[str, str] = field(default_factory=dict)  # csv, json or zip (the admin center's download)
    encodings: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def is_device_export(path: Path, limits: ArchiveLimits, workbook: WorkbookLimits = DEFAULT_WORKBOOK) -> bool:
    return looks_like_mdm(path, limits, workbook)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def derive_devices(exports: list[DeviceExport], identity_map: Path | None, workdir: Path,
                   limits: ArchiveLimits, workbook: WorkbookLimits = DEFAULT_WORKBOOK) -> DevicesDerived:
    """Parse every device export of the folder together; cut the datasets per raw file. Refusals name the file."""
    unique: list[DeviceExport] = []
    seen: dict[str, str] = {}
    same_as: dict[str, str] = {}
    for e in exports:
        sha = _sha256(e.path)
        if sha in seen:
            same_as[e.rel] = seen[sha]
            continue
        seen[sha] = e.rel
        unique.append(e)
    out = Path(tempfile.mkdtemp(prefix="devices-", dir=workdir))
    request = MdmRequest(source="auto", files=tuple(e.path for e in unique), out=out, zone=unique[0].zone,
                         zone_origin=unique[0].zone_origin, identity_map=identity_map,
                         names=tuple(e.rel for e in unique), file_sources=tuple(e.source for e in unique),
                         file_zones=tuple(e.zone for e in unique), limits=limits, workbook=workbook)
    try:
        report = parse_mdm(request)
    except EvidenceError as exc:  # it names the file (by its path in the folder)
        raise EvidenceError(f"device-management export: {exc}",
                            zh=f"行動裝置管理匯出檔：{exc.zh}" if exc.zh else None) from None
    derived = DevicesDerived(report=report, same_as=same_as)
    kinds: dict[str, str] = {}
    cited: dict[str, str] = {}  # what its rows cite as source_file: the export inside a zip is `a.zip/b.csv`
    for e, f in zip(unique, report["files"], strict=True):
        derived.vendor[e.rel] = f["source"]
        derived.records[e.rel] = int(f["records"])
        derived.formats[e.rel] = f.get("format", "csv")
        derived.encodings[e.rel] = f.get("encoding", "utf-8")
        kinds[e.rel] = f["kind"]
        cited[e.rel] = f["file"]
    con = connect()
    try:
        for dataset, name in DATASETS.items():
            if name not in report["outputs"]:
                continue
            src = f"read_csv({sql_str(str(out / name))}, header = true, all_varchar = true)"
            counts = dict(con.execute(f"SELECT source_file, count(*) FROM {src} GROUP BY ALL").fetchall())
            for e in unique:
                # an action export whose history holds no completed wipe: device_resets empty, which can only
                # show hand-overs without a reset, never hide one
                if not counts.get(cited[e.rel]) and not (dataset == "device_resets" and kinds[e.rel] == "actions"):
                    continue
                target = out / f"{e.rel.replace('/', '__')}.{name}"
                con.execute(f"COPY (SELECT * FROM {src} WHERE source_file = {sql_str(cited[e.rel])}) "
                            f"TO {sql_str(str(target))} (HEADER, DELIMITER ',')")
                derived.files.setdefault(e.rel, []).append((dataset, target))
    finally:
        con.close()
    derived.notes = device_notes(report, [e.rel for e in unique], same_as,
                                 {cited[e.rel]: (e.zone, e.zone_origin) for e in unique})
    return derived


def device_notes(report: dict[str, Any], rels: list[str], same_as: dict[str, str],
                 zones: dict[str, tuple[str, str]]) -> list[str]:
    """What an inspector must know about how the device exports were read (the inspection's warnings; the full
    report is kept with the result)."""
    files = ", ".join(rels)
    notes = [say("same_file_note", file=dup, first=first) for dup, first in same_as.items()]
    d = report.get("devices", {})
    if d.get("superseded"):
        first = d["superseded_records"][0]
        notes.append(say("records_superseded", files=files, count=d["superseded"], record=first["record"],
                         winner=first["by"], report=REPORT_FILE))
    if d.get("exact_duplicates"):
        first = d["exact_duplicate_records"][0]
        notes.append(say("records_duplicate", files=files, count=d["exact_duplicates"], record=first["record"],
                         same=first["same_as"], report=REPORT_FILE))
    for conflict in d.get("ownership_conflict_records", []):
        device, _, owners = conflict.partition(": ")
        notes.append(say("ownership_conflict", device=device, owners=owners))
    if d.get("ownership_unknown"):
        notes.append(say("ownership_unknown", files=files, count=d["ownership_unknown"],
                         first=d["ownership_unknown_records"][0].split(" (ownership ")[0]))
    notes += [say(code) for code in report.get("not_written_codes", {}).values()]
    if report.get("apps", {}).get("devices_in_several_app_inventories"):
        notes.append(say("apps_combined", files=files, count=report["apps"]["devices_in_several_app_inventories"]))
    for file, n in report.get("time_zone", {}).get("times_read_in_assumed_zone", {}).items():
        zone, origin = zones[file]
        notes.append(say("times_assumed", file=file, count=n, zone=zone, zone_from=origin))
    for file, u in report.get("time_zone", {}).get("times_not_understood", {}).items():
        notes.append(say("times_not_understood", file=file, count=u["count"], row=u["first_row"],
                         value=repr(u["first_value"])))
    unresolved = report.get("identities", {}).get("accounts_unresolved", [])
    if unresolved:
        notes.append(say("users_unresolved", files=files, count=len(unresolved)))
    return notes


def refuse_overlap(derived: dict[str, list[tuple[str, Path]]], registers: dict[str, list[str]]) -> None:
    """A dataset given both by the firm's own file (a register, or a `sources parse` output) and by device
    exports is refused, naming both: the two are views of the same devices, each with fields the other lacks
    (the register's request and agreement references, the MDM's current holder), and neither a union (the same
    device twice under two IDs) nor a choice (the register hiding a device the MDM has) is what the firm meant."""
    by_dataset: dict[str, list[str]] = {}
    for rel, files in derived.items():
        for dataset, _ in files:
            by_dataset.setdefault(dataset, []).append(rel)
    clashes = [(d, registers[d], rels) for d, rels in by_dataset.items() if registers.get(d)]
    if not clashes:
        return
    dataset, own, exports = clashes[0]
    params = {"dataset": dataset, "registers": ", ".join(map(visible, own)),
              "exports": ", ".join(map(visible, exports)),
              "command": f"ccaudit sources parse auto {' '.join(map(visible, exports))} --out DIR",
              "target": f"DIR/{dataset}.csv", "doc": DOC}
    raise EvidenceError(say("register_and_export", **params), zh=say("register_and_export", "zh-TW", **params))
