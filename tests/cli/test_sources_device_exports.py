"""`ccaudit sources parse` on Intune and Jamf Pro exports as firms hand them in: Intune's "Export" download (a zip
holding DevicesWithInventory_*.csv with its ~55 columns), the admin center's export on a Traditional Chinese browser
re-saved by Excel in Big5 (擁有權 公司/個人/未知, `2026/11/30 上午 09:12:44`), a Graph page with its
'0001-01-01T00:00:00Z' placeholder, a Jamf Pro computer search saved as UTF-16, and the Jamf Classic and Jamf Pro API
records. Samples are written from the documented column and field names."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit

IDMAP = ("account,person_id\nalice@corp.example.com.tw,E001\nbob@corp.example.com.tw,E002\n"
         "carol@corp.example.com.tw,E003\nwang.xm@corp.example.com.tw,E005\nchen.ml@corp.example.com.tw,E006\n"
         "erin@corp.example.com.tw,E007\n")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _parse(tmp_path: Path, files: dict[str, bytes], source: str = "auto") -> tuple[Path, dict[str, Any]]:
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    (tmp_path / "identity_map.csv").write_text(IDMAP, encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", source, *paths, "--out", out, "--identity-map", tmp_path / "identity_map.csv")
    assert result.code == 0, result.text
    return out, json.loads((out / "device_parse_report.json").read_text(encoding="utf-8"))


# Intune admin center > Devices > All devices > Export: DevicesWithInventory_<id>.csv inside a zip
INTUNE_COLUMNS = [
    "Device ID", "Device name", "Enrollment date", "Last check-in", "Azure AD Device ID", "OS version",
    "Azure AD registered", "EAS activation ID", "Serial number", "Manufacturer", "Model", "EAS activated", "IMEI",
    "Last EAS sync time", "EAS reason", "EAS status", "Compliance grace period expiration", "Security patch level",
    "Wi-Fi MAC", "MEID", "Subscriber carrier", "Total storage", "Free storage", "Management name", "Category",
    "UserId", "Primary user UPN", "Primary user email address", "Primary user display name", "WiFiIPv4Address",
    "WiFiSubnetID", "Compliance", "Managed by", "Ownership", "Device state", "Intune registered", "Supervised",
    "Encrypted", "OS", "SkuFamily", "JoinType", "Phone number", "Jailbroken", "ICCID", "EthernetMAC",
    "CellularTechnology", "ProcessorArchitecture", "EID", "EnrollmentType", "PartnerFeaturesBitmask",
    "ManagementAgents", "CertExpirationDate", "IsManaged", "SystemManagementBIOSVersion", "TPMManufacturerId",
    "TPMManufacturerVersion"]


def _intune_row(**cells: str) -> str:
    row = dict.fromkeys(INTUNE_COLUMNS, "")
    row.update({k.replace("_", " "): v for k, v in cells.items()})
    return ",".join(f'"{v}"' for v in row.values())


def test_intune_export_zip_with_all_inventory_columns(tmp_path: Path) -> None:
    text = "\r\n".join([
        ",".join(f'"{c}"' for c in INTUNE_COLUMNS),
        _intune_row(**{"Device ID": "11111111-aaaa-0001", "Device name": "TPE-IPHONE-007",
                       "Enrollment date": "2025-02-01 02:00:00.0000000", "Last check-in": "2026-11-30 01:12:44.1230000",
                       "Serial number": "F2LXK0AAHG7F", "Model": "iPhone 15", "Ownership": "Corporate",
                       "Primary user UPN": "alice@corp.example.com.tw", "Device state": "Managed",
                       "Managed by": "Intune", "OS": "iOS/iPadOS", "Supervised": "True"}),
        _intune_row(**{"Device ID": "11111111-aaaa-0002", "Device name": "bob-pixel", "Ownership": "Personal",
                       "Enrollment date": "2026-03-04 05:06:07.0000000", "Last check-in": "2026-11-29 00:00:00.0000000",
                       "Model": "Pixel 8", "Primary user UPN": "bob@corp.example.com.tw", "OS": "Android"}),
        _intune_row(**{"Device ID": "11111111-aaaa-0003", "Device name": "KIOSK-TPE", "Ownership": "Unknown",
                       "Enrollment date": "2024-05-01 10:00:00.0000000", "Last check-in": "2026-11-28 10:00:00.0000000",
                       "Serial number": "R58N91ZZZZZ", "OS": "Android"}),
        # being retired: the company's device is on its way back
        _intune_row(**{"Device ID": "11111111-aaaa-0004", "Device name": "TPE-IPAD-003", "Ownership": "Corporate",
                       "Enrollment date": "2024-01-01 10:00:00.0000000", "Last check-in": "2026-11-20 10:00:00.0000000",
                       "Serial number": "DMPQQ0XXQ1GC", "Primary user UPN": "carol@corp.example.com.tw",
                       "Device state": "Retire pending", "OS": "iOS/iPadOS"}),
    ]) + "\r\n"
    archive = tmp_path / "DevicesWithInventory.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("DevicesWithInventory_a1b2c3d4.csv", text.encode("utf-8-sig"))
    out, report = _parse(tmp_path, {"DevicesWithInventory_2026-11-30.zip": archive.read_bytes()})
    assert report["files"][0]["source"] == "intune"
    assert [(d["device_id"], d["status"], d["holder_id"], d["issued_on"]) for d in
            _rows(out / "company_mobile_devices.csv")] == [
        ("DMPQQ0XXQ1GC", "returned", "E003", "2024-01-01"), ("F2LXK0AAHG7F", "in_use", "E001", "2025-02-01")]
    assert [(b["person_id"], b["device_id"]) for b in _rows(out / "byod_register.csv")] == [
        ("E002", "11111111-AAAA-0002")]  # no serial number: named by the Intune device ID
    (unknown,) = report["devices"]["ownership_unknown_records"]  # in neither register, listed
    # cited inside the zip, as the admin center named the export in it
    assert unknown.endswith("DevicesWithInventory_2026-11-30.zip/DevicesWithInventory_a1b2c3d4.csv:4 R58N91ZZZZZ "
                            "(ownership Unknown)")


def test_intune_export_from_a_chinese_admin_center_resaved_in_big5(tmp_path: Path) -> None:
    text = "\r\n".join([
        "裝置名稱,管理者,擁有權,合規性,作業系統,作業系統版本,上次簽入,主要使用者 UPN,序號,型號,註冊日期",
        "業務部-iPhone-01,Intune,公司,符合規範,iOS/iPadOS,18.1,2026/11/30 上午 09:12:44,wang.xm@corp.example.com.tw,"
        "G6TZ2BBBN72J,iPhone 16,2025/6/2 下午 02:00:00",
        "陳美玲的手機,Intune,個人,符合規範,Android,14,2026/11/29 下午 08:00:00,chen.ml@corp.example.com.tw,"
        "R3CW70ABCDE,Galaxy S24,2026/1/5 下午 12:00:00",
        "會議室平板,Intune,未知,未評估,Android,13,2026/11/28 上午 10:00:00,,R58N91YYYYY,SM-T220,2024/5/1 上午 10:00:00",
    ]) + "\r\n"
    out, report = _parse(tmp_path, {"裝置.csv": text.encode("cp950")}, "intune")
    assert report["files"][0]["encoding"] == "cp950"
    assert [(d["device_id"], d["holder_id"], d["issued_on"], d["device_name"]) for d in
            _rows(out / "company_mobile_devices.csv")] == [("G6TZ2BBBN72J", "E005", "2025-06-02", "業務部-iPhone-01")]
    assert [(b["person_id"], b["device_id"], b["registered_on"]) for b in _rows(out / "byod_register.csv")] == [
        ("E006", "R3CW70ABCDE", "2026-01-05")]
    assert report["devices"]["ownership_unknown"] == 1
    assert report["time_zone"]["times_read_in_assumed_zone"] == {str(tmp_path / "裝置.csv"): 6}


def test_graph_never_synced_placeholder_is_no_time(tmp_path: Path) -> None:
    page = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#deviceManagement/managedDevices", "value": [
        {"id": "g-0001", "deviceName": "NB-0042", "managedDeviceOwnerType": "company",
         "enrolledDateTime": "2025-02-01T02:00:00Z", "lastSyncDateTime": "0001-01-01T00:00:00Z",
         "operatingSystem": "Windows", "serialNumber": "PF1XYZ01", "userPrincipalName": "alice@corp.example.com.tw",
         "managementState": "managed", "model": "ThinkPad T14", "deviceActionResults": []}]}
    out, report = _parse(tmp_path, {"managedDevices.json": json.dumps(page, indent=2).encode()})
    assert [(d["device_id"], d["status"], d["holder_id"], d["issued_on"]) for d in
            _rows(out / "company_mobile_devices.csv")] == [("PF1XYZ01", "in_use", "E001", "2025-02-01")]
    assert report["devices"]["records_without_last_check_in"] == 1


def test_jamf_computer_search_in_utf16_owned_by_automated_enrollment(tmp_path: Path) -> None:
    text = "\r\n".join([
        "Computer Name,Serial Number,Model,Username,Email Address,Last Check-in,Last Inventory Update,Last Enrollment,"
        "Managed,Enrolled via Automated Device Enrollment,Operating System Version",
        "TPE-MBP-01,C02ZK1AAMD6T,MacBook Pro (14-inch 2023),erin,erin@corp.example.com.tw,2026-11-30 at 9:00 AM,"
        "2026-11-30 at 9:01 AM,2025-05-01 at 10:00 AM,Managed,Yes,15.1",
        # enrolled by hand: Jamf does not say whose it is
        "Frank's MacBook,C02ZK1BBMD6T,MacBook Air (M2),frank,frank@corp.example.com.tw,2026-11-29 at 5:00 PM,"
        "2026-11-29 at 5:01 PM,2026-02-01 at 10:00 AM,Managed,No,15.0"]) + "\r\n"
    out, report = _parse(tmp_path, {"computers.csv": b"\xff\xfe" + text.encode("utf-16-le")})
    assert (report["files"][0]["source"], report["files"][0]["encoding"]) == ("jamf", "utf-16")
    assert [(d["device_id"], d["holder_id"], d["issued_on"]) for d in _rows(out / "company_mobile_devices.csv")] == [
        ("C02ZK1AAMD6T", "E007", "2025-05-01")]
    devices = report["devices"]
    assert (devices["corporate_by_automated_device_enrollment"], devices["ownership_unknown"]) == (1, 1)
    # no personal device: no byod_register at all, since an empty one would say there is none to check
    assert not (out / "byod_register.csv").exists()
    assert "byod_register.csv" in report["not_written"]


def test_jamf_classic_and_pro_api_records(tmp_path: Path) -> None:
    classic_computer = {"computer": {
        "general": {"id": 42, "name": "TPE-MBP-02", "serial_number": "C02ZK1CCMD6T",
                    "last_contact_time_utc": "2026-11-30T01:00:00.000+0000",
                    "last_enrolled_date_utc": "2025-05-01T02:00:00.000+0000",
                    "remote_management": {"managed": True}, "management_status": {"enrolled_via_dep": True}},
        "location": {"username": "carol", "email_address": "carol@corp.example.com.tw"},
        "hardware": {"model": "MacBook Pro", "os_name": "macOS"},
        "software": {"applications": [{"name": "Slack.app", "path": "/Applications/Slack.app", "version": "4.41.0",
                                       "bundle_id": "com.tinyspeck.slackmacgap"}]}}}
    classic_mobile = {"mobile_device": {
        "general": {"id": 7, "display_name": "業務部-iPad-02", "serial_number": "DMPXK2BBQ1GC", "os_type": "iOS",
                    "model": "iPad (10th generation)", "last_inventory_update_utc": "2026-11-28T01:15:00.123+0000",
                    "last_enrollment_utc": "2025-06-02T02:00:00.000+0000", "managed": True,
                    "device_ownership_level": "Institutional"},
        "location": {"username": "alice", "email_address": "alice@corp.example.com.tw"},
        "applications": [{"application_name": "行動下單", "application_version": "521",
                          "application_short_version": "5.2.1", "identifier": "com.example.trade"}]}}
    inventory = {"totalCount": 1, "results": [{
        "id": "43", "general": {"name": "TPE-MBP-03", "lastContactTime": "2026-11-30T01:00:00.000Z",
                                "lastEnrolledDate": "2025-05-01T02:00:00Z", "remoteManagement": {"managed": True},
                                "enrolledViaAutomatedDeviceEnrollment": True},
        "hardware": {"serialNumber": "C02ZK1DDMD6T", "model": "MacBook Pro"},
        "userAndLocation": {"username": "bob", "email": "bob@corp.example.com.tw"},
        "operatingSystem": {"name": "macOS", "version": "15.1"},
        "applications": [{"name": "zoom.us.app", "version": "6.2.0", "bundleId": "us.zoom.xos"}]}]}
    out, report = _parse(tmp_path, {
        "computer-42.json": json.dumps(classic_computer, indent=2).encode(),
        "mobiledevice-7.json": json.dumps(classic_mobile, ensure_ascii=False, indent=2).encode(),
        "computers-inventory.json": json.dumps(inventory).encode()})
    assert {f["source"] for f in report["files"]} == {"jamf"}
    assert [(d["device_id"], d["holder_id"], d["issued_on"], d["os"]) for d in
            _rows(out / "company_mobile_devices.csv")] == [
        ("C02ZK1CCMD6T", "E003", "2025-05-01", "macOS"), ("C02ZK1DDMD6T", "E002", "2025-05-01", "macOS"),
        ("DMPXK2BBQ1GC", "E001", "2025-06-02", "iOS")]
    assert [(a["device_id"], a["app_id"], a["version"]) for a in _rows(out / "device_apps.csv")] == [
        ("C02ZK1CCMD6T", "com.tinyspeck.slackmacgap", "4.41.0"), ("C02ZK1DDMD6T", "us.zoom.xos", "6.2.0"),
        ("DMPXK2BBQ1GC", "com.example.trade", "5.2.1")]


def test_an_app_list_that_names_no_device_is_refused_with_what_to_export(tmp_path: Path) -> None:
    path = tmp_path / "DiscoveredApps.csv"
    path.write_text("Application,Version,Device count,Platform,Publisher\nLINE,14.1.0,35,iOS,LINE Corporation\n",
                    encoding="utf-8")
    result = ccaudit("sources", "parse", "intune", path, "--out", tmp_path / "out")
    assert result.code == 2
    assert "DiscoveredApps.csv" in result.text and "AppInvRawData" in result.text
    zh = ccaudit("sources", "parse", "intune", path, "--out", tmp_path / "out", "--lang", "zh-TW")
    assert zh.code == 2 and "DiscoveredApps.csv：應用程式清單無裝置欄位" in zh.text


def test_the_device_list_without_inventory_data_and_a_big5_identity_map(tmp_path: Path) -> None:
    # All devices > Export without "include all inventory data": no serial number, no device ID
    listing = tmp_path / "devices.csv"
    listing.write_text("Device name,Managed by,Ownership,Compliance,OS,OS version,Last check-in,Primary user UPN\r\n"
                       "TPE-IPHONE-009,Intune,Corporate,Compliant,iOS/iPadOS,18.1,2026-11-30 09:00:00.0000000,"
                       "wang.xm@corp.example.com.tw\r\n", encoding="utf-8")
    idmap = tmp_path / "身分對照.csv"  # typed in Excel on a Chinese Windows: Big5, Chinese headers
    idmap.write_bytes("帳號,員工編號\r\nwang.xm@corp.example.com.tw,E005\r\n".encode("cp950"))
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "intune", listing, "--out", out, "--identity-map", idmap)
    assert result.code == 0, result.text
    assert "1 devices named by their device name" in result.text
    assert [(d["device_id"], d["holder_id"], d["status"]) for d in _rows(out / "company_mobile_devices.csv")] == [
        ("TPE-IPHONE-009", "E005", "in_use")]


def test_intune_reports_api_export_column_names(tmp_path: Path) -> None:
    # Graph deviceManagement/reports/exportJobs reportName DevicesWithInventory: the API's own column names
    text = ("DeviceId,DeviceName,OwnerType,CreatedDate,LastContact,ManagementState,SerialNumber,Model,OS,UPN,"
            "UserEmail\r\n"
            "d-0001,TPE-IPHONE-010,Corporate,2025-04-01 02:00:00.0000000,2026-11-30 01:00:00.0000000,Managed,"
            "F2LXK0ZZHG7F,iPhone 15,iOS,carol@corp.example.com.tw,carol@corp.example.com.tw\r\n")
    out, _ = _parse(tmp_path, {"DevicesWithInventory_api.csv": text.encode()}, "intune")
    assert [(d["device_id"], d["holder_id"], d["issued_on"], d["status"]) for d in
            _rows(out / "company_mobile_devices.csv")] == [("F2LXK0ZZHG7F", "E003", "2025-04-01", "in_use")]


def test_device_actions_from_a_chinese_admin_center(tmp_path: Path) -> None:
    # Devices > Monitor > Device actions > Export, the admin center in Traditional Chinese, re-saved in Big5
    devices = ("裝置名稱,擁有權,上次簽入,主要使用者 UPN,序號,註冊日期\r\n"
               "業務部-iPhone-01,公司,2026/11/30 上午 09:12:44,wang.xm@corp.example.com.tw,G6TZ2BBBN72J,"
               "2025/6/2 下午 02:00:00\r\n")
    actions = ("裝置名稱,動作,狀態,日期/時間,起始者\r\n"
               "業務部-iPhone-01,抹除,完成,2026/11/9 下午 03:30:00,admin@corp.example.com.tw\r\n"
               "業務部-iPhone-01,淘汰,完成,2026/11/15 上午 11:00:00,admin@corp.example.com.tw\r\n")
    out, report = _parse(tmp_path, {"裝置.csv": devices.encode("cp950"), "裝置動作.csv": actions.encode("cp950")})
    assert [f["kind"] for f in report["files"]] == ["devices", "actions"]
    assert [(r["device_id"], r["reset_at"], r["method"]) for r in _rows(out / "device_resets.csv")] == [
        ("G6TZ2BBBN72J", "2026-11-09T15:30:00+08:00", "wipe")]
    assert report["resets"]["retire_or_remove_not_a_reset"] == 1


def test_auto_parses_device_exports_and_logs_given_together(tmp_path: Path) -> None:
    from tests.cli.test_sources_identity_exports import ZH_EVENT_VIEWER

    devices, security = tmp_path / "devices.csv", tmp_path / "安全性.csv"
    devices.write_text("Device ID,Device name,Ownership,Serial number,Last check-in,Primary user UPN\r\n"
                       "d-1,TPE-IPHONE-011,Corporate,F2LXK0YYHG7F,2026-11-30 01:00:00,alice@corp.example.com.tw\r\n",
                       encoding="utf-8")
    security.write_bytes(b"\xff\xfe" + ZH_EVENT_VIEWER.encode("utf-16-le"))
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", devices, security, "--out", out, "--gateway", "TS01")
    assert result.code == 0, result.text
    assert "(windows-security, utf-16)" in result.text
    assert [d["device_id"] for d in _rows(out / "company_mobile_devices.csv")] == ["F2LXK0YYHG7F"]
    assert [s["account"] for s in _rows(out / "remote_sessions.csv")] == ["CORP\\王小明"]


def test_ownership_as_a_console_words_it(tmp_path: Path) -> None:
    text = ("Mobile Device Name,Serial Number,Username,Email Address,Last Inventory Update,Last Enrollment,Managed,"
            "Device Ownership Type\r\n"
            "A,SER1,alice,alice@corp.example.com.tw,2026-11-28 at 9:15 AM,2025-06-02 at 10:00 AM,Managed,"
            "Personal (User Enrollment)\r\n"
            "B,SER2,bob,bob@corp.example.com.tw,2026-11-28 at 9:15 AM,2025-06-02 at 10:00 AM,Managed,"
            "Institutional (Supervised)\r\n")
    out, _ = _parse(tmp_path, {"jamf.csv": text.encode()}, "jamf")
    assert [d["device_id"] for d in _rows(out / "company_mobile_devices.csv")] == ["SER2"]
    assert [(b["person_id"], b["device_id"]) for b in _rows(out / "byod_register.csv")] == [("E001", "SER1")]
