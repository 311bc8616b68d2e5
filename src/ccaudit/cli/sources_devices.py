"""`ccaudit sources parse intune|jamf FILE...`: MDM inventories -> the mobile-device datasets."""

from __future__ import annotations

from pathlib import Path

from ccaudit.cli.console import print_line
from ccaudit.errors import CcauditError, EvidenceError
from ccaudit.settings import Settings
from ccaudit.textsafe import visible


def is_mdm(source: str, files: list[Path], settings: Settings) -> bool:
    """The named source is an MDM, or `auto` and every file is an MDM export (plain or compressed)."""
    from ccaudit.evidence.untrusted import WorkbookLimits
    from ccaudit.rawsources.compressed import ArchiveLimits
    from ccaudit.rawsources.mdm import MDM_SOURCES, looks_like_mdm

    limits, workbook = ArchiveLimits.from_settings(settings), WorkbookLimits.from_settings(settings)
    return source in MDM_SOURCES or (source == "auto" and bool(files)
                                     and all(looks_like_mdm(f, limits, workbook) for f in files))


def parse_devices(source: str, files: list[Path], out: Path, tz: str | None, identity_map: Path | None,
                  settings: Settings) -> None:
    from ccaudit.evidence.untrusted import WorkbookLimits
    from ccaudit.rawsources.compressed import ArchiveLimits
    from ccaudit.rawsources.mdm import MdmRequest, parse_mdm
    from ccaudit.rawsources.notes import DOC, say, translate

    lang = settings.lang
    zone = tz or settings.firm_timezone
    origin = "--tz" if tz else say("zone_from_firm_export", setting="CCAUDIT_FIRM_TIMEZONE", option="--tz")
    try:
        report = parse_mdm(MdmRequest(source=source, files=tuple(files), out=out, zone=zone, zone_origin=origin,
                                      identity_map=identity_map, threads=settings.duckdb_threads,
                                      limits=ArchiveLimits.from_settings(settings),
                                      workbook=WorkbookLimits.from_settings(settings)))
    except EvidenceError as exc:  # a refusal in the language asked for, where it has its Chinese text
        if lang == "zh-TW" and exc.zh:
            raise CcauditError(exc.zh) from None
        raise

    def line(code: str, **params: object) -> None:  # firm data in the parameters: escaped for the terminal
        print_line(say(code, lang, **{k: visible(translate(str(v), lang)) for k, v in params.items()}))

    for f in report["files"]:
        line(f"device_file_{f['kind']}", file=f["file"], source=f["source"], records=f["records"])
    if "devices" in report:
        d = report["devices"]
        line("device_owners", corporate=d["corporate"], personal=d["personal"], unknown=d["ownership_unknown"])
        if d.get("without_serial_number_or_device_id_named_by_device_name"):
            line("device_named_by_name", count=d["without_serial_number_or_device_id_named_by_device_name"])
        if d.get("superseded") or d.get("exact_duplicates"):
            line("device_records_settled", superseded=d["superseded"], duplicates=d["exact_duplicates"])
        for conflict in d.get("ownership_conflict_records", []):
            device, _, owners = conflict.partition(": ")
            line("ownership_conflict", device=device, owners=owners)
    if "apps" in report:
        line("device_apps", apps=report["apps"]["apps"], devices=report["apps"]["devices"])
    if "resets" in report:
        r = report["resets"]
        line("device_resets", resets=r["resets"], retires=r["retire_or_remove_not_a_reset"],
             not_completed=r["not_completed"])
    assumed = sum(report["time_zone"]["times_read_in_assumed_zone"].values())
    if assumed:
        line("device_times_assumed", count=assumed, zone=zone, zone_from=origin, doc=DOC)
    for name, u in report["time_zone"].get("times_not_understood", {}).items():
        line("times_not_understood", file=name, count=u["count"], row=u["first_row"], value=repr(u["first_value"]))
    for code in report.get("not_written_codes", {}).values():
        line(code)
    unresolved = report["identities"]["accounts_unresolved"]
    if unresolved:
        line("device_users_unresolved", count=len(unresolved))
    from ccaudit.cli.texts import listed

    line("parsed_wrote", files=listed([str(out / o) for o in report["outputs"]], lang))
