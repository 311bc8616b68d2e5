"""Raw exports handed in compressed or zipped, as firms hand them in (issue 11): an Intune or Jamf Pro export
downloaded as the admin center's zip or gzipped by the firm is read exactly as the plain file, cited inside the
archive; a zip holding a year of one gateway's rotated logs is read in an evidence folder as those logs, each cited
as `vpnlogs-2026.zip/fortigate.log.1` and its line, and stored as handed in; a zip that could unpack outside its
folder, names a file twice, holds too many files or mixes sources is refused by name; the limits come from the
command's own settings."""

from __future__ import annotations

import bz2
import csv
import gzip
import hashlib
import io
import json
import lzma
import zipfile
from pathlib import Path
from typing import Any

import pytest
import zstandard
from tests.cli.inprocess import ccaudit, ccaudit_with_env
from tests.cli.test_sources_compressed import FGT_DOWN, FGT_OTHER, FGT_UP
from tests.cli.test_sources_device_inspect import PROFILE
from tests.cli.test_sources_devices import IDMAP, INTUNE_ACTIONS, INTUNE_NOV, INTUNE_OCT, JAMF_CSV

from ccaudit.errors import EvidenceError
from ccaudit.evidence.sources import discover
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.rawsources.compressed import ArchiveLimits
from ccaudit.rawsources.mdm import MdmRequest, parse_mdm
from ccaudit.settings import Settings


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# how firms hand an export in: (suffix, packing, what the report calls it)
PACKED = [
    (".gz", gzip.compress, "gzip"),
    (".bz2", bz2.compress, "bzip2"),
    (".xz", lzma.compress, "xz"),
    (".zst", lambda data: zstandard.ZstdCompressor(write_checksum=True).compress(data), "zstd"),
]


# --- 1. Intune and Jamf Pro exports compressed --------------------------------------------------------------------

@pytest.mark.parametrize(("export", "text", "source", "named"), [
    ("DevicesWithInventory_2026-11-30.csv", "\ufeff" + INTUNE_NOV, "intune", "auto"),  # recognised inside
    ("jamf-mobile-devices.csv", JAMF_CSV, "jamf", "vendor"),  # `sources parse jamf`
], ids=["intune-auto", "jamf-named"])
def test_a_compressed_device_export_reads_exactly_as_the_plain_file(tmp_path: Path, export: str, text: str,
                                                                    source: str, named: str) -> None:
    data = text.encode("utf-8")
    plain = tmp_path / export
    plain.write_bytes(data)
    want = ccaudit("sources", "parse", source if named == "vendor" else "auto", plain, "--out", tmp_path / "plain")
    assert want.code == 0, want.text
    expected = _rows(tmp_path / "plain" / "company_mobile_devices.csv")
    assert expected
    forms = [(export + suffix, pack(data), kind, export + suffix) for suffix, pack, kind in PACKED]
    forms.append((export.replace(".csv", ".zip"), _zip({export: data}), "zip", f"{export.replace('.csv', '.zip')}/"
                                                                                f"{export}"))
    for handed_in, packed, kind, cited in forms:
        path = tmp_path / handed_in
        path.write_bytes(packed)
        out = tmp_path / f"out-{kind}"
        result = ccaudit("sources", "parse", source if named == "vendor" else "auto", path, "--out", out)
        assert result.code == 0, (kind, result.text)
        got = _rows(out / "company_mobile_devices.csv")
        # the same devices, fields and rows; only the file cited differs: the archive (and the export in a zip)
        assert [r | {"source_file": ""} for r in got] == [r | {"source_file": ""} for r in expected], kind
        assert {r["source_file"] for r in got} == {str(tmp_path / cited)}, kind
        report = json.loads((out / "device_parse_report.json").read_text(encoding="utf-8"))
        assert (report["files"][0]["format"], report["files"][0]["source"]) == (f"csv ({kind})", source)


def test_inspect_reads_a_gzipped_intune_export_and_cites_its_row(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    packed = gzip.compress(("\ufeff" + INTUNE_NOV).encode("utf-8"))
    (evidence / "DevicesWithInventory_2026-11-30.csv.gz").write_bytes(packed)
    (evidence / "DevicesWithInventory_2026-10-31.zip").write_bytes(
        _zip({"DevicesWithInventory_5f1e0c2a.csv": ("\ufeff" + INTUNE_OCT).encode("utf-8")}))
    (evidence / "DeviceActions.csv").write_text(INTUNE_ACTIONS, encoding="utf-8")
    (evidence / "identity_map.csv").write_text(IDMAP, encoding="utf-8")
    (evidence / "firm_profile.csv").write_text(PROFILE, encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results")
    assert result.code == 0, result.text
    # alice's iPhone went to carol between October's zip and November's .gz without a wipe: row 2 of the .gz
    (row,) = _rows(tmp_path / "results" / "offending" / "company_device_reset_between_holders.csv")
    assert (row["subject"], row["source_file"], row["source_row"], row["source_sha256"]) == (
        "F2LXK0AAHG7F", "DevicesWithInventory_2026-11-30.csv.gz", "2", _sha(packed))
    manifest = json.loads((tmp_path / "results" / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    raw = {f["original_name"]: f for f in manifest["files"] if f["dataset"] == "raw_export"}
    gz = raw["DevicesWithInventory_2026-11-30.csv.gz"]
    assert (gz["source"], gz["format"], gz["rows"], gz["sha256"]) == ("intune", "csv (gzip)", 3, _sha(packed))
    assert raw["DevicesWithInventory_2026-10-31.zip"]["format"] == "csv (zip)"
    # stored as handed in
    assert (tmp_path / "results" / "evidence" / "blobs" / _sha(packed)).read_bytes() == packed


def test_a_damaged_gzipped_export_is_refused_by_name_with_nothing_written(tmp_path: Path) -> None:
    path = tmp_path / "DevicesWithInventory.csv.gz"
    path.write_bytes(gzip.compress(INTUNE_NOV.encode("utf-8"))[:-12])
    result = ccaudit("sources", "parse", "intune", path, "--out", tmp_path / "out")
    assert result.code == 2
    assert "DevicesWithInventory.csv.gz: a damaged or truncated gzip archive" in result.err
    assert not (tmp_path / "out").exists()


def test_a_zip_of_several_device_exports_is_refused_naming_them_in_both_languages(tmp_path: Path) -> None:
    path = tmp_path / "exports.zip"
    path.write_bytes(_zip({"a.csv": INTUNE_NOV.encode(), "b.csv": INTUNE_OCT.encode()}))
    result = ccaudit("sources", "parse", "intune", path, "--out", tmp_path / "out")
    assert result.code == 2
    assert "exports.zip: a zip holding 2 files (a.csv, b.csv); an Intune or Jamf Pro export zip holds one" in (
        result.err)
    zh = ccaudit("sources", "parse", "intune", path, "--out", tmp_path / "out", "--lang", "zh-TW")
    assert zh.code == 2 and "exports.zip：此壓縮檔內含 2 個檔案（a.csv, b.csv）" in zh.err


# --- 2. a zip of several logs in the evidence folder --------------------------------------------------------------

def _inspect(tmp_path: Path, members: dict[str, bytes], *env: tuple[str, str], lang: str = "en") -> Any:
    evidence = tmp_path / "evidence"
    evidence.mkdir(exist_ok=True)
    (evidence / "vpnlogs-2026.zip").write_bytes(_zip(members))
    args = ("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results", "--lang", lang)
    return ccaudit_with_env(dict(env), *args) if env else ccaudit(*args)


def test_inspect_reads_a_zip_of_rotated_logs_as_those_logs_and_stores_the_zip(tmp_path: Path) -> None:
    # a year of one gateway's logs, rotated and zipped: bob's session starts in the older rotation and never ends,
    # alice's starts there and ends in the newer file
    older, newer = (FGT_OTHER + FGT_UP).encode(), FGT_DOWN.encode()
    result = _inspect(tmp_path, {"fortigate.log.1": older, "fortigate.log": newer})
    assert result.code == 0, result.text
    assert ("vpnlogs-2026.zip/fortigate.log.1: 1 session(s) cut by log rotation ended in vpnlogs-2026.zip/"
            "fortigate.log") in result.text
    (row,) = _rows(tmp_path / "results" / "offending" / "remote_session_record_complete.csv")
    assert (row["person_id"], row["source_file"], row["source_row"], row["source_sha256"]) == (
        "bob", "vpnlogs-2026.zip/fortigate.log.1", "1", _sha(older))
    zipped = (tmp_path / "evidence" / "vpnlogs-2026.zip").read_bytes()
    manifest = json.loads((tmp_path / "results" / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    raw = {f["original_name"]: f for f in manifest["files"] if f["dataset"] == "raw_export"}
    assert set(raw) == {"vpnlogs-2026.zip", "vpnlogs-2026.zip/fortigate.log.1", "vpnlogs-2026.zip/fortigate.log"}
    assert (raw["vpnlogs-2026.zip"]["sha256"], raw["vpnlogs-2026.zip"]["rows"]) == (_sha(zipped), 3)
    assert (raw["vpnlogs-2026.zip/fortigate.log.1"]["sha256"], raw["vpnlogs-2026.zip/fortigate.log.1"]["rows"],
            raw["vpnlogs-2026.zip/fortigate.log.1"]["derived_from"]) == (_sha(older), 2, _sha(zipped))
    blobs = tmp_path / "results" / "evidence" / "blobs"
    # the zip stored as handed in, and each log's text it holds, so that every line cited is in a stored file
    assert (blobs / _sha(zipped)).read_bytes() == zipped
    assert (blobs / _sha(older)).read_bytes() == older
    findings = json.loads((tmp_path / "results" / "findings.json").read_text(encoding="utf-8"))
    check = next(c for f in findings["findings"] for c in f["checks"]
                 if c["check_id"] == "remote_session_record_complete")
    assert {"vpnlogs-2026.zip", "vpnlogs-2026.zip/fortigate.log.1"} <= {e["original_name"] for e in check["evidence"]}


def test_a_zip_of_gzipped_rotations_is_read_inside_each(tmp_path: Path) -> None:
    # logrotate's compressed rotations, zipped together for the inspector
    older = gzip.compress((FGT_OTHER + FGT_UP).encode())
    result = _inspect(tmp_path, {"fortigate.log.1.gz": older, "fortigate.log": FGT_DOWN.encode()})
    assert result.code == 0, result.text
    assert ("vpnlogs-2026.zip/fortigate.log.1.gz: 1 session(s) cut by log rotation ended in vpnlogs-2026.zip/"
            "fortigate.log") in result.text
    (row,) = _rows(tmp_path / "results" / "offending" / "remote_session_record_complete.csv")
    assert (row["source_file"], row["source_row"], row["source_sha256"]) == (
        "vpnlogs-2026.zip/fortigate.log.1.gz", "1", _sha(older))


@pytest.mark.parametrize(("members", "said"), [
    ({"fortigate.log.1": FGT_UP.encode(), "../fortigate.log": FGT_DOWN.encode()},
     "vpnlogs-2026.zip: the zip names a file outside its own folder ('../fortigate.log')"),
    ({"fortigate.log.1": FGT_UP.encode(), "/var/log/fortigate.log": FGT_DOWN.encode()},
     "vpnlogs-2026.zip: the zip names a file outside its own folder ('/var/log/fortigate.log')"),
    ({"fortigate.log.1": FGT_UP.encode(), "FORTIGATE.LOG.1": FGT_DOWN.encode()},
     "vpnlogs-2026.zip: the zip holds two files named 'FORTIGATE.LOG.1'"),
    ({"fortigate.log.1": FGT_UP.encode(), "fortigate.log": FGT_DOWN.encode(), "notes.txt": b"called the ISP\n"},
     "vpnlogs-2026.zip: a zip of 3 files that are not all logs of one source (fortigate.log.1: fortigate; "
     "fortigate.log: fortigate; notes.txt: not a log of any source)"),
    ({"fortigate.log": FGT_DOWN.encode(),
      "server.log": b"2026-11-02 08:15:02 203.0.113.9:51234 [alice] Peer Connection Initiated with "
                    b"[AF_INET]203.0.113.9:51234\n"},
     "a zip of 2 files that are not all logs of one source (fortigate.log: fortigate; server.log: openvpn-log)"),
], ids=["dot-dot", "absolute", "same-name-twice", "not-a-log-beside-logs", "two-sources"])
def test_a_zip_of_logs_that_cannot_be_read_as_one_gateways_is_refused_by_name(tmp_path: Path,
                                                                               members: dict[str, bytes],
                                                                               said: str) -> None:
    result = _inspect(tmp_path, members)
    assert result.code == 2, result.text
    assert said in result.err
    assert not (tmp_path / "results").exists()


def test_a_zip_refusal_says_each_member_in_traditional_chinese(tmp_path: Path) -> None:
    result = _inspect(tmp_path, {"fortigate.log": FGT_DOWN.encode(), "notes.txt": b"called the ISP\n"}, lang="zh-TW")
    assert result.code == 2
    assert "vpnlogs-2026.zip：此壓縮檔內含 2 個檔案，並非全為同一來源之日誌（fortigate.log: fortigate; notes.txt: " \
           "非任何來源之日誌）" in result.err


def test_a_zip_holding_more_files_than_the_setting_is_refused_naming_it(tmp_path: Path) -> None:
    members = {f"fortigate.log.{n}": FGT_UP.replace("tunnelid=101", f"tunnelid={n}").encode() for n in range(1, 4)}
    result = _inspect(tmp_path, members, ("CCAUDIT_RAW_MAX_ZIP_MEMBERS", "2"))
    assert result.code == 2
    assert "vpnlogs-2026.zip: a zip holding 3 files, more than CCAUDIT_RAW_MAX_ZIP_MEMBERS=2" in result.err


def test_a_zip_of_files_none_of_which_is_a_log_is_left_alone_and_said(tmp_path: Path) -> None:
    result = _inspect(tmp_path, {"minutes.txt": b"meeting minutes\n", "photo.jpg": b"\xff\xd8\xff\xe0 JFIF"})
    assert result.code == 0, result.text
    manifest = json.loads((tmp_path / "results" / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["ignored_reasons"]["vpnlogs-2026.zip"] == (
        "a zip of 2 files, none of them a log (minutes.txt: not a log of any source; photo.jpg: not a log of any "
        "source): not read")


# --- 3. the limits are the command's settings, passed down ------------------------------------------------------

def test_the_imports_settings_reach_the_limit_on_a_zip_of_logs(tmp_path: Path) -> None:
    # no environment: only the Settings object handed to discovery says 1,000 bytes
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    body = (FGT_UP * 40).encode()
    (evidence / "vpnlogs-2026.zip").write_bytes(_zip({"fortigate.log.1": body, "fortigate.log": body}))
    registry = TemplateRegistry.load()
    with pytest.raises(EvidenceError, match=r"vpnlogs-2026\.zip: .* more than 1,000 bytes .*"
                                            r"CCAUDIT_RAW_MAX_UNCOMPRESSED_BYTES"):
        discover(evidence, registry, Settings(raw_max_uncompressed_bytes=1000))
    files, _ = discover(evidence, registry, Settings())  # the defaults read it
    assert {f.derived_from.rel for f in files if f.derived_from} == {"vpnlogs-2026.zip/fortigate.log.1",
                                                                    "vpnlogs-2026.zip/fortigate.log"}


def test_the_device_parse_takes_the_limits_it_is_given(tmp_path: Path) -> None:
    path = tmp_path / "DevicesWithInventory.csv.gz"
    path.write_bytes(gzip.compress(INTUNE_NOV.encode("utf-8")))
    request = MdmRequest(source="intune", files=(path,), out=tmp_path / "out", zone="UTC", zone_origin="--tz",
                         limits=ArchiveLimits(uncompressed_bytes=100))
    with pytest.raises(EvidenceError, match=r"DevicesWithInventory\.csv\.gz: expands to more than 100 bytes"):
        parse_mdm(request)


def test_an_environment_override_given_to_the_command_reaches_the_device_export_limit(tmp_path: Path) -> None:
    path = tmp_path / "DevicesWithInventory.csv.gz"
    path.write_bytes(gzip.compress(INTUNE_NOV.encode("utf-8")))
    result = ccaudit_with_env({"CCAUDIT_RAW_MAX_UNCOMPRESSED_BYTES": "100"}, "sources", "parse", "intune", path,
                              "--out", tmp_path / "out")
    assert result.code == 2
    assert "DevicesWithInventory.csv.gz: expands to more than 100 bytes when decompressed" in result.err


def _workbook(path: Path, text: str) -> None:
    """The export opened in Excel and saved as a workbook (every value as text, as Excel keeps a CSV's cells)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        sheet.append(row)
    book.save(path)


def test_an_export_saved_as_a_workbook_reads_as_the_csv_and_cites_its_spreadsheet_row(tmp_path: Path) -> None:
    plain = tmp_path / "DevicesWithInventory.csv"
    plain.write_text(INTUNE_NOV, encoding="utf-8")
    assert ccaudit("sources", "parse", "intune", plain, "--out", tmp_path / "plain").code == 0
    book = tmp_path / "DevicesWithInventory.xlsx"
    _workbook(book, INTUNE_NOV)
    result = ccaudit("sources", "parse", "auto", book, "--out", tmp_path / "out")
    assert result.code == 0, result.text
    got, want = (_rows(tmp_path / d / "company_mobile_devices.csv") for d in ("out", "plain"))
    assert [r | {"source_file": ""} for r in got] == [r | {"source_file": ""} for r in want]
    assert {r["source_file"] for r in got} == {str(book)}
    report = json.loads((tmp_path / "out" / "device_parse_report.json").read_text(encoding="utf-8"))
    assert (report["files"][0]["source"], report["files"][0]["format"]) == ("intune", "xlsx")


def test_inspect_recognises_an_export_saved_as_a_workbook(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    _workbook(evidence / "DevicesWithInventory_2026-11-30.xlsx", INTUNE_NOV)
    (evidence / "DevicesWithInventory_2026-10-31.csv").write_text(INTUNE_OCT, encoding="utf-8")
    (evidence / "DeviceActions.csv").write_text(INTUNE_ACTIONS, encoding="utf-8")
    (evidence / "identity_map.csv").write_text(IDMAP, encoding="utf-8")
    (evidence / "firm_profile.csv").write_text(PROFILE, encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results")
    assert result.code == 0, result.text
    (row,) = _rows(tmp_path / "results" / "offending" / "company_device_reset_between_holders.csv")
    assert (row["subject"], row["source_file"], row["source_row"]) == (
        "F2LXK0AAHG7F", "DevicesWithInventory_2026-11-30.xlsx", "2")


def test_sources_parse_refuses_a_zip_naming_a_file_outside_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "logs.zip"
    path.write_bytes(_zip({"fortigate.log": FGT_UP.encode(), "../../etc/cron.d/x": FGT_DOWN.encode()}))
    result = ccaudit("sources", "parse", "auto", path, "--out", tmp_path / "out")
    assert result.code == 2
    assert "logs.zip: the zip names a file outside its own folder ('../../etc/cron.d/x')" in result.err
    assert not (tmp_path / "out").exists() and not (tmp_path.parent / "etc").exists()


def test_a_hostile_name_inside_a_zip_is_shown_escaped(tmp_path: Path) -> None:
    # a file in the zip named with a terminal escape and a right-to-left override
    result = _inspect(tmp_path, {"fgt\x1b[31m\u202e.log.1": (FGT_OTHER + FGT_UP).encode(),
                                 "fortigate.log": FGT_DOWN.encode()})
    assert result.code == 0, result.text
    said = result.out + result.err
    assert "\x1b" not in said and "\u202e" not in said
    assert "vpnlogs-2026.zip/fgt\\x1b[31m\\u202e.log.1: 1 session(s) without an end line" in said


def test_a_zip_named_in_evidence_yaml_holds_only_that_sources_logs(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "evidence.yaml").write_text("files:\n  vpnlogs-2026.zip: {source: openvpn-log, gateway: VPN-01}\n",
                                            encoding="utf-8")
    result = _inspect(tmp_path, {"fortigate.log.1": (FGT_OTHER + FGT_UP).encode(), "fortigate.log": FGT_DOWN.encode()})
    assert result.code == 2
    assert ("a zip of 2 files that are not all logs of one source (fortigate.log.1: a fortigate log, not the source "
            "named for the zip; fortigate.log: a fortigate log, not the source named for the zip)") in result.err
    (evidence / "evidence.yaml").write_text("files:\n  vpnlogs-2026.zip: {source: fortigate}\n", encoding="utf-8")
    result = _inspect(tmp_path, {"fortigate.log.1": (FGT_OTHER + FGT_UP).encode(), "fortigate.log": FGT_DOWN.encode()})
    assert result.code == 0, result.text
    assert "vpnlogs-2026.zip/fortigate.log.1: 1 session(s) cut by log rotation" in result.text
