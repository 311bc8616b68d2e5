"""A Jamf Pro API inventory requested without the sections that name a device (the API returns only the sections
asked for; GENERAL alone by default): refused saying which sections are missing and the request that returns them,
in English and Traditional Chinese; the same record with them is read."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit


def _computer(*sections: str) -> dict[str, Any]:
    """A record of GET /api/v1/computers-inventory with the sections named (Jamf Pro API reference)."""
    record: dict[str, Any] = {"id": "1", "udid": "9A7E6B2C-1D3F-4E5A-8B9C-0D1E2F3A4B5C"}
    every = {
        "general": {"name": "MBP-Finance-01", "lastContactTime": "2026-11-28T01:15:00.123Z", "platform": "Mac",
                    "remoteManagement": {"managed": True}, "enrolledViaAutomatedDeviceEnrollment": True,
                    "lastEnrolledDate": "2025-06-02T02:00:00Z"},
        "hardware": {"serialNumber": "C02FK1ABQ6L4", "model": "MacBook Pro (14-inch, 2023)"},
        "userAndLocation": {"username": "alice", "email": "alice@corp.example.com.tw"},
        "diskEncryption": {"fileVault2Enabled": True},
    }
    return record | {k: every[k] for k in sections}


def _write(tmp_path: Path, *sections: str) -> Path:
    path = tmp_path / "computers-inventory.json"
    path.write_text(json.dumps({"totalCount": 1, "results": [_computer(*sections)]}), encoding="utf-8")
    return path


def test_a_record_without_hardware_is_refused_naming_the_sections_to_request(tmp_path: Path) -> None:
    path = _write(tmp_path, "general", "diskEncryption")
    for source in ("jamf", "auto"):  # named, or recognised as a Jamf Pro record by its UDID and GENERAL section
        result = ccaudit("sources", "parse", source, path, "--out", tmp_path / "out")
        assert result.code == 2, result.text
        assert "a Jamf Pro API inventory record without the sections that name a device" in result.err
        assert "missing: HARDWARE (serial number, model), USER_AND_LOCATION (user)." in result.err
        assert "GENERAL (" not in result.err  # it has that one
        assert "section=HARDWARE" in result.err and "/api/v2/mobile-devices/detail" in result.err
        assert not (tmp_path / "out" / "company_mobile_devices.csv").exists()


def test_the_refusal_is_said_in_traditional_chinese(tmp_path: Path) -> None:
    path = _write(tmp_path, "general", "userAndLocation")
    result = ccaudit("sources", "parse", "jamf", path, "--out", tmp_path / "out", "--lang", "zh-TW")
    assert result.code == 2
    assert "Jamf Pro API 清查紀錄缺少識別裝置所需之區段；缺少：HARDWARE（序號、型號）。" in result.err
    assert "USER_AND_LOCATION" not in result.err.split("缺少：")[1].split("。")[0]


def test_the_same_record_with_its_sections_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "general", "hardware", "userAndLocation")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", path, "--out", out)
    assert result.code == 0, result.text
    with (out / "company_mobile_devices.csv").open(encoding="utf-8", newline="") as fh:
        (device,) = list(csv.DictReader(fh))
    assert device["device_id"] == "C02FK1ABQ6L4"  # enrolled through ADE: corporate


def test_inspect_refuses_the_record_by_name(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    _write(evidence, "general")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results")
    assert result.code == 2
    assert "computers-inventory.json: a Jamf Pro API inventory record" in result.err
    assert "HARDWARE (serial number, model), USER_AND_LOCATION (user)" in result.err
