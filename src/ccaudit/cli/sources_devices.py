"""`ccaudit sources parse intune|jamf FILE...`: MDM inventories -> the mobile-device datasets."""

from __future__ import annotations

from pathlib import Path

from ccaudit.cli.console import print_line
from ccaudit.settings import Settings
from ccaudit.textsafe import visible


def is_mdm(source: str, files: list[Path]) -> bool:
    """The named source is an MDM, or `auto` and every file is an MDM export."""
    from ccaudit.rawsources.mdm import MDM_SOURCES, looks_like_mdm

    return source in MDM_SOURCES or (source == "auto" and bool(files) and all(looks_like_mdm(f) for f in files))


def parse_devices(source: str, files: list[Path], out: Path, tz: str | None, identity_map: Path | None) -> None:
    from ccaudit.rawsources.mdm import MdmRequest, parse_mdm

    settings = Settings()
    zone = tz or settings.firm_timezone
    origin = "--tz" if tz else "CCAUDIT_FIRM_TIMEZONE (give --tz if the export was written in another zone)"
    report = parse_mdm(MdmRequest(source=source, files=tuple(files), out=out, zone=zone, zone_origin=origin,
                                  identity_map=identity_map, threads=settings.duckdb_threads))
    for f in report["files"]:
        print_line(f"{visible(f['file'])} ({f['source']} {f['kind']}): {f['records']} records")
    if "devices" in report:
        d = report["devices"]
        print_line(f"{d['corporate']} company devices, {d['personal']} personal devices, {d['ownership_unknown']} "
                   "of unknown ownership (in neither register)")
        if d.get("without_serial_number_or_device_id_named_by_device_name"):
            print_line(f"{d['without_serial_number_or_device_id_named_by_device_name']} devices named by their device "
                       "name: the export has no serial number or device ID (export with all inventory data)")
    if "apps" in report:
        print_line(f"{report['apps']['apps']} installed apps on {report['apps']['devices']} devices")
    if "resets" in report:
        r = report["resets"]
        print_line(f"{r['resets']} completed resets ({r['retire_or_remove_not_a_reset']} retires not counted, "
                   f"{r['not_completed']} not completed)")
    assumed = sum(report["time_zone"]["times_read_in_assumed_zone"].values())
    if assumed:
        print_line(f"{assumed} times without a zone read as {visible(zone)} ({origin}); the export does not say "
                   "its zone: check one device's Last check-in against the admin center (docs/sources.md)")
    for name, u in report["time_zone"].get("times_not_understood", {}).items():
        print_line(f"{visible(name)}: {u['count']} time(s) no form fits, read as no time (first: row {u['first_row']}, "
                   f"{visible(str(u['first_value']))!r})")
    if "devices" in report:
        d = report["devices"]
        if d.get("superseded") or d.get("exact_duplicates"):
            print_line(f"{d['superseded']} device records superseded by a later record of the same device, "
                       f"{d['exact_duplicates']} exact duplicates (listed in the report)")
        for conflict in d.get("ownership_conflict_records", []):
            print_line(f"device {visible(conflict)}: the sources disagree on ownership; in neither register")
    for name, why in report.get("not_written", {}).items():
        print_line(f"no {name}: {why}")
    unresolved = report["identities"]["accounts_unresolved"]
    if unresolved:
        print_line(f"{len(unresolved)} primary users not resolved to a person (listed in the report)")
    print_line(f"wrote {', '.join(visible(str(out / o)) for o in report['outputs'])}")
