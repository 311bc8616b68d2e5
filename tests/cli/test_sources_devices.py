"""`ccaudit sources parse intune|jamf` on device-management exports as the admin consoles and APIs write them:
what lands in the mobile-device datasets and device_parse_report.json, and that an inspection reads them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from tests.cli.inprocess import ccaudit

INTUNE_HEADER = ("Device ID,Device name,Managed by,Ownership,Compliance,OS,OS version,Last check-in,Primary user UPN,"
                 "Primary user display name,Serial number,IMEI,Model,Manufacturer,Enrollment date\n")
# Intune admin center > Devices > All devices > Export, a month apart: MD-IPHONE-001 passes from alice to carol
# without a wipe; MD-GALAXY-002 from bob to dave after a wipe and re-enrolment (new Intune device ID, same
# serial); a personal iPhone without a serial; a kiosk tablet whose ownership Intune does not know.
INTUNE_OCT = INTUNE_HEADER + "\n".join([
    "6c1f0c4e-0001,MD-IPHONE-001,Intune,Corporate,Compliant,iOS/iPadOS,17.6.1,2026-10-31 09:12:44.0000000,"
    "alice@corp.example.com.tw,Alice Chen,F2LXK0AAHG7F,35 391108 123456 1,iPhone 15,Apple,2025-02-01 10:00:00.0000000",
    "6c1f0c4e-0002,MD-GALAXY-002,Intune,Corporate,Compliant,Android,14,2026-10-30 18:01:02.0000000,"
    "bob@corp.example.com.tw,Bob Lin,R58N91ABCDE,35 123456 789012 3,SM-S918B,samsung,2025-03-01 09:00:00.0000000",
    "6c1f0c4e-0003,王小明的iPhone,Intune,Personal,Compliant,iOS/iPadOS,18.0,2026-10-29 08:00:00.0000000,"
    "wang.xm@corp.example.com.tw,王小明,Unknown,,iPhone 14,Apple,2026-01-05 12:00:00.0000000",
    "6c1f0c4e-0004,KIOSK-01,Intune,Unknown,Not evaluated,Android,13,2026-10-28 10:00:00.0000000,,,R58N91ZZZZZ,,"
    "SM-T220,samsung,2024-05-01 10:00:00.0000000",
]) + "\n"
INTUNE_NOV = INTUNE_HEADER + "\n".join([
    "6c1f0c4e-0001,MD-IPHONE-001,Intune,Corporate,Compliant,iOS/iPadOS,17.6.1,2026-11-30 09:12:44.0000000,"
    "carol@corp.example.com.tw,Carol Wu,F2LXK0AAHG7F,35 391108 123456 1,iPhone 15,Apple,2025-02-01 10:00:00.0000000",
    "9a9a0c4e-0002,MD-GALAXY-002,Intune,Corporate,Compliant,Android,14,2026-11-29 18:01:02.0000000,"
    "dave@corp.example.com.tw,Dave Ho,R58N91ABCDE,35 123456 789012 3,SM-S918B,samsung,2026-11-10 09:00:00.0000000",
    "6c1f0c4e-0003,王小明的iPhone,Intune,Personal,Compliant,iOS/iPadOS,18.0,2026-11-29 08:00:00.0000000,"
    "wang.xm@corp.example.com.tw,王小明,Unknown,,iPhone 14,Apple,2026-01-05 12:00:00.0000000",
]) + "\n"
# Devices > Monitor > Device actions > Export.
INTUNE_ACTIONS = """Device name,Action,Status,Date/Time,Initiated by,Serial number
MD-GALAXY-002,Wipe,Complete,2026-11-09 15:30:00,admin@corp.example.com.tw,R58N91ABCDE
MD-IPHONE-001,Retire,Complete,2026-11-15 11:00:00,admin@corp.example.com.tw,F2LXK0AAHG7F
MD-IPHONE-001,Wipe,Failed,2026-11-15 11:05:00,admin@corp.example.com.tw,F2LXK0AAHG7F
"""
# Graph exportJobs reportName AppInvRawData: one row per app per device, the device by its Intune ID.
INTUNE_APPS = """ApplicationKey,ApplicationName,ApplicationPublisher,ApplicationShortVersion,ApplicationVersion,\
DeviceId,DeviceName,OSDescription,OSVersion,Platform,UserId,EmailAddress,UserName
a1,com.example.trade,Example Securities,5.2.1,5.2.1.100,6c1f0c4e-0001,MD-IPHONE-001,,17.6.1,iOS,u1,\
carol@corp.example.com.tw,Carol Wu
a2,com.tencent.xin,Tencent,8.0.50,8.0.50,6c1f0c4e-0001,MD-IPHONE-001,,17.6.1,iOS,u1,carol@corp.example.com.tw,Carol Wu
a3,com.example.trade,Example Securities,5.2.0,5.2.0,9a9a0c4e-0002,MD-GALAXY-002,,14,Android,u2,\
dave@corp.example.com.tw,Dave Ho
"""
# Graph GET /v1.0/deviceManagement/managedDevices: one page, times in UTC with seven fractional digits,
# wipes in deviceActionResults.
GRAPH = {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#deviceManagement/managedDevices",
    "value": [
        {"id": "6c1f0c4e-0001", "deviceName": "MD-IPHONE-001", "managedDeviceOwnerType": "company",
         "enrolledDateTime": "2025-02-01T02:00:00Z", "lastSyncDateTime": "2026-11-30T01:12:44.1234567Z",
         "operatingSystem": "iOS", "complianceState": "compliant", "osVersion": "17.6.1", "model": "iPhone 15",
         "serialNumber": "F2LXK0AAHG7F", "userPrincipalName": "carol@corp.example.com.tw", "managementState": "managed",
         "deviceActionResults": [
             {"actionName": "wipe", "actionState": "done", "startDateTime": "2026-11-29T03:00:00Z",
              "lastUpdatedDateTime": "2026-11-29T03:05:00Z"},
             {"actionName": "retire", "actionState": "pending", "startDateTime": "2026-11-01T00:00:00Z",
              "lastUpdatedDateTime": "2026-11-01T00:00:00Z"}]},
        {"id": "7d2e", "deviceName": "Alice-Pixel", "managedDeviceOwnerType": "personal",
         "enrolledDateTime": "2026-03-04T05:06:07Z", "lastSyncDateTime": "2026-11-28T00:00:00Z",
         "operatingSystem": "Android", "serialNumber": "", "userPrincipalName": "CORP\\alice", "model": "Pixel 8",
         "deviceActionResults": []},
    ],
}
# Jamf Pro Advanced Mobile Device Search exported as CSV (dates as Jamf writes them) and the Jamf Pro API's
# GET /api/v2/mobile-devices/detail with the GENERAL, HARDWARE, USER_AND_LOCATION and APPLICATIONS sections.
JAMF_CSV = """Mobile Device Name,Serial Number,Model,Username,Email Address,Last Inventory Update,Last Enrollment,\
Managed,Supervised,Device Ownership Level
業務部-iPad-01,DMPXK1AAQ1GC,iPad (10th generation),alice,alice@corp.example.com.tw,2026-11-28 at 9:15 AM,\
2025-06-02 at 10:00 AM,Managed,Supervised,Institutional
Bob's iPhone,G6TZ2BBBN72J,iPhone 13,bob,,2026-11-27 at 6:40 PM,2026-02-14 at 3:05 PM,Managed,Not Supervised,Personal
Old-iPad,DMPQQ0XXQ1GC,iPad Air,,,2025-01-10 at 11:00 AM,2023-09-01 at 9:00 AM,Unmanaged,Supervised,Institutional
"""
JAMF_API = {"totalCount": 1, "results": [{
    "mobileDeviceId": "17", "deviceType": "iOS",
    "hardware": {"serialNumber": "DMPXK1AAQ1GC", "model": "iPad (10th generation)"},
    "general": {"displayName": "業務部-iPad-01", "lastInventoryUpdateDate": "2026-11-28T01:15:00.123Z",
                "lastEnrolledDate": "2025-06-02T02:00:00Z", "managed": True, "supervised": True,
                "deviceOwnershipType": "Institutional"},
    "userAndLocation": {"username": "alice", "emailAddress": "alice@corp.example.com.tw"},
    "applications": [{"identifier": "com.example.trade", "name": "行動下單", "version": "521", "shortVersion": "5.2.1"},
                     {"identifier": "com.line.jp", "name": "LINE", "version": "14.1.0", "shortVersion": "14.1.0"}]}]}
IDMAP = ("account,person_id\nalice@corp.example.com.tw,E001\nbob@corp.example.com.tw,E002\n"
         "carol@corp.example.com.tw,E003\nwang.xm@corp.example.com.tw,E005\n")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(folder: Path, name: str, text: str, bom: bool = False) -> Path:
    path = folder / name
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return path


@pytest.fixture
def intune(tmp_path: Path) -> list[Path]:
    return [_write(tmp_path, "intune-devices-2026-10.csv", INTUNE_OCT, bom=True),
            _write(tmp_path, "intune-devices-2026-11.csv", INTUNE_NOV, bom=True),
            _write(tmp_path, "device-actions.csv", INTUNE_ACTIONS),
            _write(tmp_path, "AppInvRawData.csv", INTUNE_APPS)]


def test_sources_lists_intune_jamf_and_aws() -> None:
    result = ccaudit("sources")
    assert result.code == 0
    for text in ("intune:", "jamf:", "AppInvRawData", "Device Ownership Level", "ccaudit sources aws"):
        assert text in result.text


def test_intune_exports_to_device_datasets(intune: list[Path], tmp_path: Path) -> None:
    idmap = _write(tmp_path, "identity_map.csv", IDMAP)
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "intune", *intune, "--out", out, "--identity-map", idmap)
    assert result.code == 0, result.text

    devices = {d["device_id"]: d for d in _rows(out / "company_mobile_devices.csv")}
    assert set(devices) == {"F2LXK0AAHG7F", "R58N91ABCDE"}  # the personal phone and the kiosk are not company's
    iphone = devices["F2LXK0AAHG7F"]
    assert (iphone["status"], iphone["holder_id"], iphone["issued_on"], iphone["request_ref"]) == (
        "in_use", "E003", "2025-02-01", "")
    assert devices["R58N91ABCDE"]["holder_id"] == "dave"  # not in the identity map: the account, and listed

    assignments = [(a["device_id"], a["holder_id"], a["assigned_on"], a["returned_on"])
                   for a in _rows(out / "device_assignments.csv")]
    assert assignments == [("F2LXK0AAHG7F", "E001", "2025-02-01", "2026-10-31"),
                           ("F2LXK0AAHG7F", "E003", "2026-11-30", ""),
                           ("R58N91ABCDE", "E002", "2025-03-01", "2026-10-31"),  # the export still shows bob
                           ("R58N91ABCDE", "dave", "2026-11-10", "")]  # re-enrolled on hand-over

    resets = _rows(out / "device_resets.csv")  # the retire and the failed wipe are not resets
    assert [(r["device_id"], r["reset_at"], r["method"]) for r in resets] == [
        ("R58N91ABCDE", "2026-11-09T15:30:00+08:00", "wipe")]

    apps = {(a["device_id"], a["app_id"]): a for a in _rows(out / "device_apps.csv")}
    assert set(apps) == {("F2LXK0AAHG7F", "com.example.trade"), ("F2LXK0AAHG7F", "com.tencent.xin"),
                         ("R58N91ABCDE", "com.example.trade")}  # Intune device IDs -> serial numbers
    assert apps[("R58N91ABCDE", "com.example.trade")]["version"] == "5.2.0"

    byod = _rows(out / "byod_register.csv")
    assert [(b["person_id"], b["device_id"], b["registered_on"], b["status"], b["agreement_ref"]) for b in byod] == [
        ("E005", "6C1F0C4E-0003", "2026-01-05", "active", "")]

    report = json.loads((out / "device_parse_report.json").read_text(encoding="utf-8"))
    assert [f["kind"] for f in report["files"]] == ["devices", "devices", "actions", "apps"]
    assert report["devices"]["ownership_unknown"] == 1
    assert report["devices"]["ownership_unknown_records"][0].endswith("R58N91ZZZZZ (ownership Unknown)")
    assert {a["account"] for a in report["identities"]["accounts_unresolved"]} == {"dave@corp.example.com.tw"}
    assert (report["resets"]["retire_or_remove_not_a_reset"], report["resets"]["not_completed"]) == (1, 1)
    assert report["time_zone"]["assumed_zone"] == "Asia/Taipei"
    # the admin center's CSV states no zone: every time read in the assumed one is counted and said
    assumed = report["time_zone"]["times_read_in_assumed_zone"]
    assert set(assumed) == {str(p) for p in intune if "AppInv" not in p.name} and all(n > 0 for n in assumed.values())
    assert f"{sum(assumed.values())} times without a zone read as Asia/Taipei" in result.text
    assert "request_ref" in report["not_in_an_mdm_export"][0]


def test_intune_outputs_are_evidence_an_inspection_reads(intune: list[Path], tmp_path: Path) -> None:
    idmap = _write(tmp_path, "identity_map.csv", IDMAP)
    evidence = tmp_path / "evidence"
    assert ccaudit("sources", "parse", "auto", *intune, "--out", evidence, "--identity-map", idmap).code == 0
    _write(evidence, "firm_profile.csv", "firm_id,firm_name,uses_cloud,is_cloud_provider,has_official_social_pages,"
           "allows_byod,has_iot,allows_remote_work\nF1,Test,false,false,false,true,false,false\n")
    _write(evidence, "approved_apps.csv", "app_id,app_name\ncom.example.trade,行動下單\n")
    result_dir = tmp_path / "result"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", result_dir)
    assert result.code == 0, result.text
    findings = json.loads((result_dir / "findings.json").read_text(encoding="utf-8"))
    checks = {c["check_id"]: c for f in findings["findings"] for c in f["checks"]}
    # alice's iPhone went to carol without a wipe; bob's Galaxy was wiped before dave got it
    reset = checks["company_device_reset_between_holders"]
    assert reset["offending_count"] == 1 and "F2LXK0AAHG7F" in reset["sample_sentences"][0]
    assert checks["company_device_only_approved_apps"]["offending_count"] == 1  # WeChat on carol's iPhone


def test_graph_managed_devices_json(tmp_path: Path) -> None:
    path = tmp_path / "managedDevices.json"
    path.write_text(json.dumps(GRAPH, ensure_ascii=False), encoding="utf-8")
    idmap = _write(tmp_path, "identity_map.csv", IDMAP)
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", path, "--out", out, "--identity-map", idmap)
    assert result.code == 0, result.text
    assert "without a zone" not in result.text  # Graph states UTC
    assert [(d["device_id"], d["holder_id"]) for d in _rows(out / "company_mobile_devices.csv")] == [
        ("F2LXK0AAHG7F", "E003")]
    assert [(r["reset_at"], r["method"]) for r in _rows(out / "device_resets.csv")] == [
        ("2026-11-29T11:05:00+08:00", "wipe")]  # UTC in Graph, Taipei in the dataset; the pending retire is not
    byod = _rows(out / "byod_register.csv")  # no serial number: Intune's device ID; CORP\alice by its user part
    assert [(b["person_id"], b["device_id"]) for b in byod] == [("E001", "7D2E")]


def test_intune_audit_log_wipes(intune: list[Path], tmp_path: Path) -> None:
    # Graph GET /deviceManagement/auditEvents: the device in resources[0] by its Intune device ID
    audit = tmp_path / "auditEvents.json"
    audit.write_text(json.dumps({"value": [
        {"id": "e1", "displayName": "wipe ManagedDevice", "componentName": "Devices", "activity": "wipe ManagedDevice",
         "activityDateTime": "2026-11-20T02:00:00Z", "activityType": "wipe ManagedDevice",
         "activityOperationType": "Action", "activityResult": "Success",
         "actor": {"userPrincipalName": "admin@corp.example.com.tw"},
         "resources": [{"displayName": "MD-IPHONE-001", "type": "ManagedDevice", "resourceId": "6c1f0c4e-0001"}]},
        {"id": "e2", "displayName": "retire ManagedDevice", "componentName": "Devices",
         "activity": "retire ManagedDevice", "activityDateTime": "2026-11-21T02:00:00Z", "activityResult": "Success",
         "resources": [{"displayName": "MD-GALAXY-002", "type": "ManagedDevice", "resourceId": "9a9a0c4e-0002"}]},
    ]}), encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", intune[1], audit, "--out", out)
    assert result.code == 0, result.text
    assert [(r["device_id"], r["reset_at"], r["method"]) for r in _rows(out / "device_resets.csv")] == [
        ("F2LXK0AAHG7F", "2026-11-20T10:00:00+08:00", "wipe")]
    report = json.loads((out / "device_parse_report.json").read_text(encoding="utf-8"))
    assert report["resets"]["retire_or_remove_not_a_reset"] == 1


def test_jamf_csv_and_api(tmp_path: Path) -> None:
    idmap = _write(tmp_path, "identity_map.csv", IDMAP)
    out = tmp_path / "csv"
    result = ccaudit("sources", "parse", "jamf", _write(tmp_path, "jamf.csv", JAMF_CSV), "--out", out,
                     "--identity-map", idmap)
    assert result.code == 0, result.text
    devices = {d["device_id"]: d for d in _rows(out / "company_mobile_devices.csv")}
    assert (devices["DMPXK1AAQ1GC"]["status"], devices["DMPXK1AAQ1GC"]["holder_id"],
            devices["DMPXK1AAQ1GC"]["issued_on"]) == ("in_use", "E001", "2025-06-02")
    assert devices["DMPQQ0XXQ1GC"]["status"] == "returned"  # unmanaged: no longer in use under the MDM
    # a blank e-mail falls back to the user name
    assert [(b["person_id"], b["device_id"]) for b in _rows(out / "byod_register.csv")] == [("E002", "G6TZ2BBBN72J")]

    # an Advanced Search with application fields, and the management history's completed commands
    apps = _write(tmp_path, "jamf-apps.csv", "Serial Number,Mobile Device Name,App Name,App Identifier,App Version\n"
                  "DMPXK1AAQ1GC,業務部-iPad-01,行動下單,com.example.trade,5.2.1\n"
                  "DMPXK1AAQ1GC,業務部-iPad-01,LINE,jp.naver.line,14.1.0\n")
    history = _write(tmp_path, "jamf-history.csv", "Serial Number,Command,Status,Date Completed\n"
                     "DMPXK1AAQ1GC,EraseDevice,Completed,2026-06-01 at 9:00 AM\n"
                     "DMPXK1AAQ1GC,DeviceLock,Completed,2026-06-02 at 9:00 AM\n")
    out = tmp_path / "apps"
    assert ccaudit("sources", "parse", "jamf", apps, history, "--out", out).code == 0
    assert [(a["device_id"], a["app_id"], a["app_name"]) for a in _rows(out / "device_apps.csv")] == [
        ("DMPXK1AAQ1GC", "com.example.trade", "行動下單"), ("DMPXK1AAQ1GC", "jp.naver.line", "LINE")]
    assert [(r["reset_at"], r["method"]) for r in _rows(out / "device_resets.csv")] == [
        ("2026-06-01T09:00:00+08:00", "wipe")]

    api = tmp_path / "jamf-detail.json"
    api.write_text(json.dumps(JAMF_API, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "api"
    result = ccaudit("sources", "parse", "auto", api, "--out", out, "--identity-map", idmap)
    assert result.code == 0, result.text
    assert [(d["device_id"], d["holder_id"], d["source"]) for d in _rows(out / "company_mobile_devices.csv")] == [
        ("DMPXK1AAQ1GC", "E001", "jamf")]
    assert [(a["app_id"], a["app_name"], a["version"]) for a in _rows(out / "device_apps.csv")] == [
        ("com.example.trade", "行動下單", "5.2.1"), ("com.line.jp", "LINE", "14.1.0")]


def test_a_file_that_is_no_mdm_export_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "people.csv", "person_id,name\nE001,Alice\n")
    result = ccaudit("sources", "parse", "intune", path, "--out", tmp_path / "out")
    assert result.code == 2
    assert "not an Intune or Jamf Pro" in result.text
    assert not (tmp_path / "out").exists()
