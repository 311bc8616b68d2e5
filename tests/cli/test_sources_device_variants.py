"""Device exports as they really come, written from the vendors' documented formats: Jamf Classic API records with
each time three ways (local text in the Jamf server's zone, `_utc` with a '-0500' offset, `_epoch` in milliseconds)
one record per line, a record whose only time is its epoch, Graph's seven-digit fractions with an offset, .NET's
'1/1/0001 12:00:00 AM' for "never", the admin center's CSV from a day-first (en-GB) browser, and a time no form
fits, which is counted and said, never read as some other time."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit

IDMAP = "account,person_id\nalice@corp.example.com.tw,E001\nbob@corp.example.com.tw,E002\ncarol,E003\n"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _parse(tmp_path: Path, source: str, *files: tuple[str, str]) -> tuple[Path, dict[str, Any], str]:
    paths = []
    for name, text in files:
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)
    (tmp_path / "ids.csv").write_text(IDMAP, encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", source, *paths, "--out", out, "--identity-map", tmp_path / "ids.csv")
    assert result.code == 0, result.text
    return out, json.loads((out / "device_parse_report.json").read_text(encoding="utf-8")), result.text


def test_jamf_classic_records_read_by_their_instants_not_the_servers_local_text(tmp_path: Path) -> None:
    # GET /JSSResource/computers/id/N, one record per line. The Jamf server runs in Chicago: its local text
    # '2025-06-01 20:00:00' is 2025-06-02 09:00 in Taipei, which `_utc` and `_epoch` say.
    computer = {"computer": {
        "general": {"id": 51, "name": "TPE-MBP-51", "serial_number": "C02ZK5AAMD6T",
                    "last_contact_time": "2026-11-29 19:00:00", "last_contact_time_epoch": 1796000400000,
                    "last_contact_time_utc": "2026-11-29T19:00:00.000-0600",
                    "last_enrolled_date": "2025-06-01 20:00:00", "last_enrolled_date_epoch": 1748826000000,
                    "last_enrolled_date_utc": "2025-06-01T20:00:00.000-0500",
                    "remote_management": {"managed": True}, "management_status": {"enrolled_via_dep": True}},
        "location": {"username": "alice", "email_address": "alice@corp.example.com.tw"},
        "hardware": {"model": "MacBook Pro", "os_name": "macOS"}}}
    # a record another tool saved with its epochs only (seconds, not milliseconds), the text fields blank
    mobile = {"mobile_device": {
        "general": {"id": 8, "display_name": "交易室-iPad-08", "serial_number": "DMPXK8AAQ1GC", "os_type": "iOS",
                    "last_inventory_update": "", "last_inventory_update_epoch": 1796000400,
                    "last_inventory_update_utc": "", "last_enrollment_epoch": 1748826000, "last_enrollment_utc": "",
                    "managed": True, "device_ownership_level": "Institutional"},
        "location": {"username": "bob", "email_address": "bob@corp.example.com.tw"}}}
    ndjson = json.dumps(computer) + "\n" + json.dumps(mobile, ensure_ascii=False) + "\n"
    out, report, text = _parse(tmp_path, "auto", ("jamf-classic.ndjson", ndjson))
    assert [(d["device_id"], d["holder_id"], d["issued_on"], d["status"]) for d in
            _rows(out / "company_mobile_devices.csv")] == [
        ("C02ZK5AAMD6T", "E001", "2025-06-02", "in_use"), ("DMPXK8AAQ1GC", "E002", "2025-06-02", "in_use")]
    assert report["files"][0]["source"] == "jamf"
    assert "without a zone" not in text  # every time an instant
    assert report["devices"]["records_without_last_check_in"] == 0


def test_graph_offsets_with_seven_fraction_digits_and_the_dotnet_never(tmp_path: Path) -> None:
    page = {"value": [
        {"id": "g-1", "deviceName": "NB-0101", "managedDeviceOwnerType": "company", "serialNumber": "PF1AAA01",
         "enrolledDateTime": "2025-02-01T23:59:43.797191-08:00",
         "lastSyncDateTime": "2026-11-29T17:02:49.3205976-08:00",
         "userPrincipalName": "alice@corp.example.com.tw", "managementState": "managed", "operatingSystem": "Windows"}]}
    listing = ("Device name,Ownership,Serial number,Last check-in,Enrollment date,Primary user UPN\r\n"
               "TPE-IPHONE-020,Corporate,F2LXK020HG7F,1/1/0001 12:00:00 AM,11/2/2025 8:15:02 AM,"
               "bob@corp.example.com.tw\r\n")
    out, report, _ = _parse(tmp_path, "intune", ("managedDevices.json", json.dumps(page)),
                            ("DevicesWithInventory.csv", listing))
    devices = {d["device_id"]: d for d in _rows(out / "company_mobile_devices.csv")}
    assert devices["PF1AAA01"]["issued_on"] == "2025-02-02"  # 23:59 in Redmond is the next morning in Taipei
    assert devices["F2LXK020HG7F"]["issued_on"] == "2025-11-02"  # month first: the admin center's en-US form
    assert report["devices"]["records_without_last_check_in"] == 1  # never synced: no time, not a bad one
    assert report["time_zone"]["times_not_understood"] == {}


def test_an_admin_center_export_from_a_day_first_browser(tmp_path: Path) -> None:
    listing = ("Device name,Ownership,Serial number,Last check-in,Enrollment date,Primary user UPN\r\n"
               "TPE-IPHONE-021,Corporate,F2LXK021HG7F,30/11/2026 09:12:44,02/06/2025 14:00:00,"
               "alice@corp.example.com.tw\r\n"
               "TPE-IPHONE-022,Corporate,F2LXK022HG7F,29/11/2026 18:00:00,03/05/2025 10:00:00,"
               "bob@corp.example.com.tw\r\n")
    out, report, _ = _parse(tmp_path, "intune", ("devices-en-GB.csv", listing))
    assert [(d["device_id"], d["issued_on"]) for d in _rows(out / "company_mobile_devices.csv")] == [
        ("F2LXK021HG7F", "2025-06-02"), ("F2LXK022HG7F", "2025-05-03")]
    assert report["time_zone"]["day_first_files"] == [str(tmp_path / "devices-en-GB.csv")]


def test_a_file_with_both_date_orders_is_refused_naming_rows(tmp_path: Path) -> None:
    listing = ("Device name,Ownership,Serial number,Last check-in,Primary user UPN\r\n"
               "A,Corporate,SER-A,30/11/2026 09:12:44,alice@corp.example.com.tw\r\n"
               "B,Corporate,SER-B,11/29/2026 18:00:00,bob@corp.example.com.tw\r\n")
    path = tmp_path / "mixed.csv"
    path.write_text(listing, encoding="utf-8")
    result = ccaudit("sources", "parse", "intune", path, "--out", tmp_path / "out")
    assert result.code == 2
    assert "mixed.csv" in result.text and "row 2" in result.text and "row 3" in result.text


def test_a_time_no_form_fits_is_counted_and_said(tmp_path: Path) -> None:
    listing = ("Mobile Device Name,Serial Number,Username,Email Address,Last Inventory Update,Last Enrollment,"
               "Managed,Device Ownership Level\r\n"
               "A,SER1,alice,alice@corp.example.com.tw,yesterday,2025-06-02 at 10:00 AM,Managed,Institutional\r\n")
    _, report, text = _parse(tmp_path, "jamf", ("jamf.csv", listing))
    unread = report["time_zone"]["times_not_understood"][str(tmp_path / "jamf.csv")]
    assert (unread["count"], unread["first_row"], unread["first_value"]) == (1, 2, "yesterday")
    assert "1 time(s) no form fits" in text
    assert report["devices"]["records_without_last_check_in"] == 1


def test_a_serial_number_the_export_does_not_know_names_no_device(tmp_path: Path) -> None:
    # Intune writes 'Unknown' (or 'unknown', '0') for a personally owned Android's serial number: two such phones
    # are two devices, each named by its Intune device ID, never one device 'UNKNOWN'
    listing = ("Device ID,Device name,Ownership,Serial number,Last check-in,Primary user UPN\r\n"
               "a-1,Pixel,Personal,unknown,2026-11-30 01:00:00,alice@corp.example.com.tw\r\n"
               "a-2,Galaxy,Personal,Unknown,2026-11-30 02:00:00,bob@corp.example.com.tw\r\n"
               "a-3,Moto,Personal,0,2026-11-30 03:00:00,carol\r\n")
    out, report, _ = _parse(tmp_path, "intune", ("devices.csv", listing))
    assert [(b["person_id"], b["device_id"]) for b in _rows(out / "byod_register.csv")] == [
        ("E001", "A-1"), ("E002", "A-2"), ("E003", "A-3")]
    assert report["devices"]["without_serial_number_named_by_mdm_id"] == 3


def test_overlapping_exports_exact_duplicates_and_superseded_records_are_listed(tmp_path: Path) -> None:
    header = "Device ID,Device name,Ownership,Serial number,Last check-in,Enrollment date,Primary user UPN\r\n"
    phone = ("d-1,TPE-IPHONE-030,Corporate,F2LXK030HG7F,2026-11-20 01:00:00,2025-01-02 03:00:00,"
             "alice@corp.example.com.tw\r\n")
    # the morning's export, and the afternoon's: the phone had not checked in since (the same record twice); the
    # tablet had, and its later record stands
    morning = header + phone + "d-2,TPE-IPAD-031,Corporate,DMPQ031,2026-11-30 01:00:00,2025-01-02 03:00:00,bob\r\n"
    afternoon = header + phone + "d-2,TPE-IPAD-031,Corporate,DMPQ031,2026-11-30 06:00:00,2025-01-02 03:00:00,bob\r\n"
    out, report, _ = _parse(tmp_path, "intune", ("am.csv", morning), ("pm.csv", afternoon))
    am, pm = str(tmp_path / "am.csv"), str(tmp_path / "pm.csv")
    d = report["devices"]
    assert d["exact_duplicates"] == 1 and d["exact_duplicate_records"] == [{"record": f"{am}:2", "same_as": f"{pm}:2"}]
    assert d["superseded"] == 1 and d["superseded_records"] == [{"record": f"{am}:3 DMPQ031", "by": f"{pm}:3"}]
    assert [(r["device_id"], r["source_file"], r["source_row"]) for r in _rows(out / "company_mobile_devices.csv")] == [
        ("DMPQ031", pm, "3"), ("F2LXK030HG7F", pm, "2")]


def test_a_device_missing_from_the_next_export_of_its_fleet_is_returned(tmp_path: Path) -> None:
    header = "Device ID,Device name,Ownership,Serial number,Last check-in,Enrollment date,Primary user UPN\r\n"
    kept = "d-1,TPE-IPHONE-040,Corporate,SER040,2026-{}-28 01:00:00,2025-01-02 03:00:00,alice@corp.example.com.tw\r\n"
    gone = "d-2,TPE-IPHONE-041,Corporate,SER041,2026-10-27 01:00:00,2025-01-02 03:00:00,bob@corp.example.com.tw\r\n"
    out, _, _ = _parse(tmp_path, "intune", ("oct.csv", header + kept.format("10") + gone),
                       ("nov.csv", header + kept.format("11")))
    devices = {d["device_id"]: d for d in _rows(out / "company_mobile_devices.csv")}
    assert (devices["SER040"]["status"], devices["SER041"]["status"]) == ("in_use", "returned")
    assert devices["SER041"]["note"] == f"not in {tmp_path / 'nov.csv'}, a later export of the same devices"
    assignments = {a["device_id"]: a for a in _rows(out / "device_assignments.csv")}
    # returned as of the last export that still shows it (its own check-in was a day earlier)
    assert (assignments["SER041"]["returned_on"], assignments["SER040"]["returned_on"]) == ("2026-10-28", "")
