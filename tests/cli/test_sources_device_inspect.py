"""Intune and Jamf Pro exports dropped into an evidence folder, as an inspector follows them: every device export
read together, each finding citing the export's own file and row, monthly snapshots settled (the latest record of a
device stands, the others counted as superseded), the same export twice read once, a device two MDMs disagree on
left out of both registers, and a register handed in beside the exports refused rather than merged."""

from __future__ import annotations

import csv
import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.cli.inprocess import ccaudit
from tests.cli.test_sources_devices import IDMAP, INTUNE_ACTIONS, INTUNE_APPS, INTUNE_NOV, INTUNE_OCT

PROFILE = ("firm_id,firm_name,uses_cloud,is_cloud_provider,has_official_social_pages,allows_byod,has_iot,"
           "allows_remote_work\nF1,Test,false,false,false,true,false,false\n")
# A company iPad Intune enrolled as corporate, which the Jamf Pro search below lists as personal.
INTUNE_NOV_PLUS = INTUNE_NOV + (
    "6c1f0c4e-0005,TPE-IPAD-005,Intune,Corporate,Compliant,iOS/iPadOS,18.1,2026-11-30 10:00:00.0000000,"
    "alice@corp.example.com.tw,Alice Chen,DMPZZ9CONFL1,,iPad Air,Apple,2026-06-01 10:00:00.0000000\n")
# Jamf Pro Advanced Mobile Device Search, another fleet (the trading-floor iPads), exported ten days earlier.
JAMF_IPADS = """Mobile Device Name,Serial Number,Model,Username,Email Address,Last Inventory Update,Last Enrollment,\
Managed,Supervised,Device Ownership Level
交易室-iPad-01,DMPXK1AAQ1GC,iPad (10th generation),bob,bob@corp.example.com.tw,2026-11-20 at 9:15 AM,\
2025-06-02 at 10:00 AM,Managed,Supervised,Institutional
TPE-IPAD-005,DMPZZ9CONFL1,iPad Air,alice,alice@corp.example.com.tw,2026-11-20 at 9:20 AM,2026-06-01 at 10:00 AM,\
Managed,Not Supervised,Personal
"""


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Inspected:
    evidence: Path
    results: Path
    text: str
    findings: dict[str, Any]

    def check(self, check_id: str) -> dict[str, Any]:
        return next(c for f in self.findings["findings"] for c in f["checks"] if c["check_id"] == check_id)


def _folder(root: Path) -> Path:
    evidence = root / "evidence"
    evidence.mkdir()
    with zipfile.ZipFile(evidence / "DevicesWithInventory_2026-10-31.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("DevicesWithInventory_5f1e0c2a.csv", ("\ufeff" + INTUNE_OCT).encode("utf-8"))
    (evidence / "DevicesWithInventory_2026-11-30.csv").write_text("\ufeff" + INTUNE_NOV_PLUS, encoding="utf-8")
    (evidence / "DeviceActions.csv").write_text(INTUNE_ACTIONS, encoding="utf-8")
    (evidence / "AppInvRawData.csv").write_text(INTUNE_APPS, encoding="utf-8")
    (evidence / "identity_map.csv").write_text(IDMAP, encoding="utf-8")
    (evidence / "firm_profile.csv").write_text(PROFILE, encoding="utf-8")
    (evidence / "approved_apps.csv").write_text("app_id,app_name\ncom.example.trade,行動下單\n", encoding="utf-8")
    return evidence


@pytest.fixture(scope="module")
def inspected(tmp_path_factory: pytest.TempPathFactory) -> Inspected:
    root = tmp_path_factory.mktemp("mdm")
    evidence = _folder(root)
    mdm = evidence / "mdm"
    mdm.mkdir()
    (mdm / "trading-floor.csv").write_text(JAMF_IPADS, encoding="utf-8")
    # the November export downloaded twice
    (mdm / "DevicesWithInventory_2026-11-30 (1).csv").write_bytes(
        (evidence / "DevicesWithInventory_2026-11-30.csv").read_bytes())
    (evidence / "evidence.yaml").write_text("files:\n  mdm/trading-floor.csv: {source: jamf, tz: Asia/Taipei}\n",
                                            encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", root / "results")
    assert result.code == 0, result.text
    findings = json.loads((root / "results" / "findings.json").read_text(encoding="utf-8"))
    return Inspected(evidence, root / "results", result.text, findings)


def test_findings_cite_the_export_file_and_row(inspected: Inspected) -> None:
    # alice's iPhone went to carol between the October and November exports without a wipe
    (row,) = _rows(inspected.results / "offending" / "company_device_reset_between_holders.csv")
    nov = inspected.evidence / "DevicesWithInventory_2026-11-30.csv"
    assert (row["subject"], row["previous_holder"], row["holder_id"]) == ("F2LXK0AAHG7F", "E001", "E003")
    assert (row["source_file"], row["source_row"], row["source_sha256"]) == (nov.name, "2", _sha(nov))
    (app,) = _rows(inspected.results / "offending" / "company_device_only_approved_apps.csv")
    assert (app["app_id"], app["source_file"], app["source_row"]) == ("com.tencent.xin", "AppInvRawData.csv", "3")


def test_each_export_is_kept_and_listed_with_what_it_became(inspected: Inspected) -> None:
    manifest = json.loads((inspected.results / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    raw = {f["original_name"]: f for f in manifest["files"] if f["dataset"] == "raw_export"}
    assert {n: f["source"] for n, f in raw.items()} == {
        "DevicesWithInventory_2026-10-31.zip": "intune", "DevicesWithInventory_2026-11-30.csv": "intune",
        "DeviceActions.csv": "intune", "AppInvRawData.csv": "intune", "trading-floor.csv": "jamf"}
    zipped = inspected.evidence / "DevicesWithInventory_2026-10-31.zip"
    assert raw[zipped.name]["sha256"] == _sha(zipped)
    assert (raw[zipped.name]["format"], raw["trading-floor.csv"]["format"], raw["trading-floor.csv"]["rows"]) == (
        "csv (zip)", "csv", 2)
    assert (inspected.results / "evidence" / "blobs" / _sha(zipped)).read_bytes() == zipped.read_bytes()
    derived = {f["dataset"] for f in manifest["files"] if f.get("derived_from") == _sha(zipped)}
    assert derived == {"device_assignments"}  # October's records are all superseded by November's
    kept = inspected.results / "evidence" / "parse_reports" / f"{_sha(zipped)}.parse_report.json"
    report = json.loads(kept.read_text(encoding="utf-8"))
    # October's three devices, and the Jamf record of the iPad Intune saw later
    assert report["devices"]["superseded"] == 4
    assert {"record": "mdm/trading-floor.csv:3 DMPZZ9CONFL1", "by": "DevicesWithInventory_2026-11-30.csv:5"} in (
        report["devices"]["superseded_records"])
    # the second download of November is the same file: read once, and said so
    assert "read once" in manifest["ignored_reasons"]["mdm/DevicesWithInventory_2026-11-30 (1).csv"]
    assert report["devices"]["exact_duplicates"] == 0
    # the kept report says what the inspection warned, in both languages
    assert {"en": "device exports AppInvRawData.csv, DeviceActions.csv, DevicesWithInventory_2026-10-31.zip, "
                  "DevicesWithInventory_2026-11-30.csv, mdm/trading-floor.csv: 1 primary user(s) not resolved to a "
                  "person by the identity map (the account is used)",
            "zh-TW": "行動裝置管理匯出檔 AppInvRawData.csv, DeviceActions.csv, DevicesWithInventory_2026-10-31.zip, "
                     "DevicesWithInventory_2026-11-30.csv, mdm/trading-floor.csv：1 位主要使用者無法經身分對照表"
                     "對應至人員（以帳號代之）"} in report["notes"]


def test_an_older_export_of_another_fleet_is_not_taken_as_returned(inspected: Inspected) -> None:
    # the Jamf iPads were inventoried ten days before Intune's export: still in use, so still checked
    offending = inspected.results / "offending" / "company_device_issued_on_request.csv"
    in_use = {r["device_id"]: r for r in _rows(offending)}
    assert set(in_use) == {"F2LXK0AAHG7F", "R58N91ABCDE", "DMPXK1AAQ1GC"}
    ipad = in_use["DMPXK1AAQ1GC"]
    assert (ipad["holder_id"], ipad["source_file"], ipad["source_row"]) == ("E002", "trading-floor.csv", "2")


def test_a_device_two_mdms_disagree_on_is_reported_not_guessed(inspected: Inspected) -> None:
    # Intune: corporate; Jamf: personal. In neither register, and said in the warnings.
    assert "DMPZZ9CONFL1" not in inspected.text.split("warning:", 1)[0]
    byod = _rows(inspected.results / "offending" / "byod_user_signed_agreement.csv")
    assert "DMPZZ9CONFL1" not in {r["device_id"] for r in byod}
    assert ("device DMPZZ9CONFL1: the sources disagree on ownership (intune corporate, jamf personal "
            "(DevicesWithInventory_2026-11-30.csv:5, mdm/trading-floor.csv:3)); in neither register") in inspected.text
    assert "superseded" in inspected.text


def test_a_register_beside_the_exports_is_refused_naming_both(tmp_path: Path) -> None:
    evidence = _folder(tmp_path)
    (evidence / "company_mobile_devices.csv").write_text(
        "device_id,model,status,holder_id,request_ref,issued_on\nF2LXK0AAHG7F,iPhone 15,in_use,E003,REQ-1,2025-02-01\n",
        encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results")
    assert result.code == 2
    assert "company_mobile_devices is given twice" in result.text
    assert "company_mobile_devices.csv" in result.text and "DevicesWithInventory_2026-11-30.csv" in result.text
    assert not (tmp_path / "results").exists()


def test_an_empty_or_single_export_never_makes_a_requirement_compliant(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "firm_profile.csv").write_text(PROFILE, encoding="utf-8")
    header = INTUNE_NOV.splitlines()[0]
    (evidence / "DevicesWithInventory_empty.csv").write_text(header + "\n", encoding="utf-8")
    (evidence / "DeviceActions.csv").write_text(INTUNE_ACTIONS, encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results")
    assert result.code == 0, result.text
    findings = json.loads((tmp_path / "results" / "findings.json").read_text(encoding="utf-8"))
    status = {c["check_id"]: (f["status"], c["outcome"]) for f in findings["findings"] for c in f["checks"]}
    for check in ("company_device_issued_on_request", "company_device_reset_between_holders",
                  "byod_user_signed_agreement"):
        assert status[check] == ("needs_review", "missing_evidence"), check

    # one export: who held a device before is unknown, so hand-overs are not judged
    (evidence / "DevicesWithInventory_empty.csv").unlink()
    (evidence / "DevicesWithInventory_2026-11-30.csv").write_text(INTUNE_NOV, encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results2")
    assert result.code == 0, result.text
    findings = json.loads((tmp_path / "results2" / "findings.json").read_text(encoding="utf-8"))
    status = {c["check_id"]: (f["status"], c["outcome"]) for f in findings["findings"] for c in f["checks"]}
    assert status["company_device_reset_between_holders"] == ("needs_review", "missing_evidence")
    assert "no device_assignments derived" in result.text


def test_the_warnings_about_the_exports_say_themselves_in_zh_tw(inspected: Inspected) -> None:
    from ccaudit.rawsources.notes import translate

    about = [w for w in inspected.findings["warnings"] if "device" in w or "time(s)" in w or "read once" in w]
    assert len(about) >= 4
    for warning in about:
        zh = translate(warning, "zh-TW")
        assert zh != warning and "：" in zh, warning
    assert any(translate(w, "zh-TW").startswith("裝置 DMPZZ9CONFL1：各來源所載擁有權不一") for w in about)
    # where the zone came from is said in Chinese too
    assert ("mdm/trading-floor.csv：4 個時間未載明時區，依 Asia/Taipei 解讀"
            "（evidence.yaml（mdm/trading-floor.csv 之時區設定））") in [translate(w, "zh-TW") for w in about]


def test_sources_parse_and_a_refusal_in_zh_tw(tmp_path: Path) -> None:
    (tmp_path / "nov.csv").write_text(INTUNE_NOV, encoding="utf-8")
    result = ccaudit("sources", "parse", "intune", tmp_path / "nov.csv", "--out", tmp_path / "out", "--lang", "zh-TW")
    assert result.code == 0, result.text
    assert "公司所有裝置 2 台、個人裝置 1 台、擁有權不明 0 台" in result.text
    assert "未轉出公務裝置保管紀錄" in result.text  # one export: no hand-over can show

    (tmp_path / "refused").mkdir()
    evidence = _folder(tmp_path / "refused")
    (evidence / "company_mobile_devices.csv").write_text(
        "device_id,model,status,holder_id,request_ref,issued_on\nF2LXK0AAHG7F,iPhone 15,in_use,E003,REQ-1,2025-02-01\n",
        encoding="utf-8")
    refused = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results", "--lang", "zh-TW")
    assert refused.code == 2
    assert "company_mobile_devices 重複提供：company_mobile_devices.csv 與行動裝置管理匯出檔" in refused.text


def test_the_report_says_the_parse_notes_in_its_language(inspected: Inspected, tmp_path: Path) -> None:
    result = ccaudit("report", inspected.results, "--format", "html", "--lang", "zh-TW", "--out", tmp_path / "rep")
    assert result.code == 0, result.text
    html = next((tmp_path / "rep").glob("*.html")).read_text(encoding="utf-8")
    assert "裝置 DMPZZ9CONFL1：各來源所載擁有權不一" in html
    assert "the sources disagree on ownership" not in html
