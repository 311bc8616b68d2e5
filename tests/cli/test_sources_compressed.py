"""Raw exports handed in compressed, as logrotate, the gateways and the firms leave them (`fortigate.log.1.gz`,
`server.log-20261101.gz`, `.bz2`, `.xz`, `.zst`, a `.zip` of a log): every line source reads the same events from
the compressed file as from the log itself, cited by the compressed file's name and the line inside it; an inspection
stores the compressed file as handed in; a damaged, truncated or exploding archive is refused by name (exit 2) with
nothing written."""

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

import duckdb
import pytest
import zstandard
from tests.cli.inprocess import ccaudit, ccaudit_with_env
from tests.cli.test_sources import FORTIGATE, OPENVPN_LOG
from tests.cli.test_sources_defender_logons import PORTAL
from tests.cli.test_sources_vendors import ASA, ENTRA_CSV, ENTRA_JSON, EVENT_VIEWER_CSV, EVTX_JSONL, GP_CSV

from ccaudit.errors import EvidenceError
from ccaudit.rawsources.compressed import ArchiveLimits, decompressed

FIXTURES = Path(__file__).parent / "fixtures" / "netsources"


def _zip(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


PACK = {
    "gz": gzip.compress,
    "bz2": bz2.compress,
    "xz": lzma.compress,
    "zst": lambda data: zstandard.ZstdCompressor(write_checksum=True).compress(data),
    "zip": lambda data: _zip("vpn.log", data),
}
KIND = {"gz": "gzip", "bz2": "bzip2", "xz": "xz", "zst": "zstd", "zip": "zip"}

# (source, sample file name, its text, options): each line source in a form its tests read
SAMPLES: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("fortigate", "fortigate.log", FORTIGATE, ()),
    ("globalprotect", "gp.log", GP_CSV, ()),
    ("cisco-asa", "asa.log", ASA, ("--year", "2026")),
    ("openvpn-log", "server.log", OPENVPN_LOG, ("--gateway", "VPN-01")),
    ("openvpn-status", "openvpn-status.log", (FIXTURES / "openvpn-status-v3-2.6.log").read_text(encoding="utf-8"),
     ("--gateway", "VPN-01")),
    ("windows-security", "Security.csv", EVENT_VIEWER_CSV, ("--gateway", "TS01", "--date-order", "mdy")),
    ("windows-security", "security.jsonl", EVTX_JSONL, ()),
    ("entra-signins", "signins.json", ENTRA_JSON, ()),
    ("entra-signins", "InteractiveSignIns_2026-11-01_2026-11-30.csv", ENTRA_CSV, ()),
    ("defender-logons", "DeviceLogonEvents.csv", "\n".join(PORTAL) + "\n", ()),
]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _parse(folder: Path, name: str, data: bytes, *args: str) -> tuple[list[dict[str, str]], dict[str, Any]]:
    folder.mkdir()
    path = folder / name
    path.write_bytes(data)
    out = folder / "out"
    result = ccaudit("sources", "parse", "auto", path, "--out", out, *args)
    assert result.code == 0, result.text
    return _rows(out / "remote_access_events.csv"), json.loads((out / "parse_report.json").read_text("utf-8"))


@pytest.mark.parametrize(("no", "sample"), list(enumerate(SAMPLES)), ids=[f"{s[0]}-{s[1]}" for s in SAMPLES])
def test_every_line_source_reads_the_same_events_from_its_compressed_file(tmp_path: Path, no: int,
                                                                          sample: tuple[str, str, str, tuple[str, ...]]
                                                                          ) -> None:
    source, name, text, args = sample
    suffix = list(PACK)[no % len(PACK)]  # each kind of compression over the sources
    raw = text.encode("utf-8")
    plain, plain_report = _parse(tmp_path / "plain", name, raw, *args)
    packed_name = f"{name}.1.{suffix}" if suffix != "zip" else f"{name}.zip"
    packed, report = _parse(tmp_path / "packed", packed_name, PACK[suffix](raw), *args)
    assert report["sources"] == plain_report["sources"] == [source]
    f = report["files"][0]
    assert f["compression"] == KIND[suffix]
    assert {k: f[k] for k in ("lines_read", "recognised", "malformed", "not_relevant")} == {
        k: plain_report["files"][0][k] for k in ("lines_read", "recognised", "malformed", "not_relevant")}
    assert plain, "the sample holds events"
    # the same events at the same lines, each citing the compressed file as handed in
    assert {e["source_file"] for e in packed} == {str(tmp_path / "packed" / packed_name)}
    assert [{**e, "source_file": ""} for e in packed] == [{**e, "source_file": ""} for e in plain]


def test_sources_parse_says_the_file_was_read_from_inside_its_archive(tmp_path: Path) -> None:
    path = tmp_path / "fortigate.log.1.gz"
    path.write_bytes(gzip.compress(FORTIGATE.encode()))
    result = ccaudit("sources", "parse", "fortigate", path, "--out", tmp_path / "out")
    assert result.code == 0, result.text
    assert f"{path} (fortigate, gzip):" in result.out


def _damaged(kind: str) -> tuple[str, bytes]:
    """A FortiGate log of some size compressed by `kind`, then cut in half (a copy interrupted) or with one byte
    changed in its middle (a disk or transfer error)."""
    body = "".join(FORTIGATE.replace("tunnelid=", f"tunnelid={n}") + "\n" for n in range(300)).encode()
    whole = PACK[kind.split("-")[0]](body)
    if kind.endswith("-cut"):
        return kind, whole[: len(whole) // 2]
    flipped = bytearray(whole)
    flipped[len(flipped) // 2] ^= 0xFF
    return kind, bytes(flipped)


@pytest.mark.parametrize("kind", ["gz-cut", "gz-flipped", "bz2-cut", "xz-flipped", "zst-cut", "zst-flipped",
                                  "zip-flipped"])
def test_a_damaged_or_truncated_archive_is_refused_by_name_with_nothing_written(tmp_path: Path, kind: str) -> None:
    _, data = _damaged(kind)
    suffix = kind.split("-")[0]
    path = tmp_path / f"fgt.log.2.{suffix}"
    path.write_bytes(data)
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", path, "--out", out)
    assert result.code == 2
    assert f"fgt.log.2.{suffix}: a damaged or truncated {KIND[suffix]} archive" in result.err
    assert not (out / "remote_access_events.csv").exists()


def test_a_damaged_archive_refusal_is_said_in_traditional_chinese(tmp_path: Path) -> None:
    path = tmp_path / "fgt.log.1.gz"
    path.write_bytes(_damaged("gz-cut")[1])
    result = ccaudit("sources", "parse", "auto", path, "--out", tmp_path / "out", "--lang", "zh-TW")
    assert result.code == 2
    assert "fgt.log.1.gz：gzip 壓縮檔已損毀或不完整" in result.err


def test_sources_parse_reads_a_zip_of_several_logs_as_its_logs(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("vpn/fortigate.log.1", FGT_OTHER + FGT_UP)  # yesterday's rotation: alice's start at line 2
        archive.writestr("vpn/fortigate.log", FGT_DOWN)
        archive.writestr("__MACOSX/vpn/._fortigate.log", "finder litter")  # not a log of it
    path = tmp_path / "logs.zip"
    path.write_bytes(buffer.getvalue())
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", path, "--out", out)
    assert result.code == 0, result.text
    assert f"{path}/vpn/fortigate.log.1 (fortigate, zip): 2 lines" in result.out
    cut = f"{path}/vpn/fortigate.log.1: 1 session(s) cut by log rotation ended in {path}/vpn/fortigate.log"
    assert cut in result.out
    alice = next(s for s in _rows(out / "remote_sessions.csv") if s["account"] == "alice")
    assert (alice["source_file"], alice["source_line"], alice["end_time"]) == (
        f"{path}/vpn/fortigate.log.1", "2", "2026-11-02T09:15:02+08:00")


def test_a_damaged_file_in_a_zip_of_several_is_refused_naming_the_zip(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("fgt-1.log", FORTIGATE * 20)
        archive.writestr("fgt-2.log", FORTIGATE * 20)
    data = bytearray(buffer.getvalue())
    data[60] ^= 0xFF  # inside the first member's compressed data
    path = tmp_path / "logs.zip"
    path.write_bytes(bytes(data))
    result = ccaudit("sources", "parse", "auto", path, "--out", tmp_path / "out")
    assert result.code == 2
    assert "logs.zip: a damaged or truncated zip archive" in result.err
    assert not (tmp_path / "out" / "remote_access_events.csv").exists()


def test_a_zip_with_finder_litter_beside_its_one_log_is_read(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("logs/", "")
        archive.writestr("logs/fgt.log", FORTIGATE)
        archive.writestr("__MACOSX/logs/._fgt.log", "\x00\x05\x16\x07")
        archive.writestr("logs/.DS_Store", "\x00\x00\x00\x01Bud1")
    events, report = _parse(tmp_path / "z", "fgt-logs.zip", buffer.getvalue())
    assert report["files"][0]["compression"] == "zip" and events


def test_an_archive_expanding_beyond_the_limit_is_refused_naming_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "fgt.log.gz"
    path.write_bytes(gzip.compress(FORTIGATE.encode() * 50))
    result = ccaudit_with_env({"CCAUDIT_RAW_MAX_UNCOMPRESSED_BYTES": "10000"}, "sources", "parse", "auto", path,
                              "--out", tmp_path / "out")
    assert result.code == 2
    assert "fgt.log.gz: expands to more than 10,000 bytes when decompressed" in result.err
    assert "CCAUDIT_RAW_MAX_UNCOMPRESSED_BYTES" in result.err


@pytest.mark.parametrize("suffix", ["gz", "zst"])
def test_a_compression_bomb_is_refused_by_its_ratio_before_it_is_written_out(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"bomb.log.{suffix}"
    path.write_bytes(PACK[suffix](b"\x00" * (8 << 20)))  # 8 MiB of one byte: deflate ~1000x, zstd far more
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(EvidenceError, match=r"bomb\.log\.\w+: expands [\d,]+ times .* "
                                            r"CCAUDIT_RAW_MAX_COMPRESSION_RATIO=500"):
        decompressed(path, scratch, limits=ArchiveLimits(compression_ratio=500, ratio_from=1 << 20))
    assert list(scratch.iterdir()) == []  # the partial copy removed
    # a real log's ratio (tens) passes the same limits
    log = tmp_path / f"fgt.log.{suffix}"
    body = "".join(FORTIGATE.replace("tunnelid=", f"tunnelid={n}") + "\n" for n in range(3000)).encode()
    log.write_bytes(PACK[suffix](body))
    copy = decompressed(log, scratch, limits=ArchiveLimits(compression_ratio=500, ratio_from=1 << 20))
    assert copy.read_bytes() == body


# --- in an evidence folder ----------------------------------------------------------------------------------------

FGT_UP = ('date=2026-11-02 time=08:15:02 devname="FGT-HQ-01" devid="FG100FTK20000001" eventtime=1793578502 '
          'logid="0101039424" type="event" subtype="vpn" level="information" vd="root" action="tunnel-up" '
          'tunneltype="ssl-tunnel" tunnelid=101 remip=203.0.113.1 user="alice" msg="SSL tunnel"\n')
FGT_DOWN = FGT_UP.replace("08:15:02", "09:15:02").replace("1793578502", "1793582102").replace(
    "tunnel-up", "tunnel-down").replace("msg=", "duration=3600 msg=")
FGT_OTHER = FGT_UP.replace("tunnelid=101", "tunnelid=102").replace("alice", "bob").replace("08:15:02", "08:20:00") \
    .replace("1793578502", "1793578800")


def test_inspect_reads_a_rotated_gz_with_the_current_log_and_cites_the_compressed_file(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    # logrotate: yesterday's log compressed (alice's start, and an unrelated line before it), today's plain
    packed = gzip.compress((FGT_OTHER + FGT_UP).encode())
    (evidence / "fortigate.log.1.gz").write_bytes(packed)
    (evidence / "fortigate.log").write_text(FGT_DOWN, encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results")
    assert result.code == 0, result.text
    assert "fortigate.log.1.gz: 1 session(s) cut by log rotation ended in fortigate.log" in result.text
    sha = hashlib.sha256(packed).hexdigest()
    con = duckdb.connect(str(tmp_path / "results" / "workspace.duckdb"), read_only=True)
    alice = con.execute("SELECT CAST(start_time AS VARCHAR), CAST(end_time AS VARCHAR), _file, _row "
                        "FROM remote_sessions WHERE person_id = 'alice'").fetchall()
    assert alice == [("2026-11-02 08:15:02", "2026-11-02 09:15:02", sha, 2)]  # line 2 inside the .gz
    manifest = json.loads((tmp_path / "results" / "evidence" / "manifest.json").read_text("utf-8"))
    raw = next(f for f in manifest["files"] if f["dataset"] == "raw_export" and f["sha256"] == sha)
    assert (raw["original_name"], raw["format"], raw["rows"]) == ("fortigate.log.1.gz", "text lines (gzip)", 2)
    # the stored evidence is the compressed file exactly as handed in
    assert (tmp_path / "results" / "evidence" / "blobs" / sha).read_bytes() == packed


def _two_logs() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("fortigate.log.1", FGT_UP)
        archive.writestr("fortigate.log.2", FGT_OTHER)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "data", "said"), [
    ("fortigate.log.1.gz", gzip.compress(FGT_UP.encode())[:-12], "a damaged or truncated gzip archive"),
    ("logs.zip", _two_logs()[:-40], "a damaged or truncated zip archive"),
], ids=["truncated-gz", "truncated-zip-of-two-logs"])
def test_inspect_refuses_a_damaged_archive_by_name(tmp_path: Path, name: str, data: bytes, said: str) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / name).write_bytes(data)
    (evidence / "fortigate.log").write_text(FGT_DOWN, encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results")
    assert result.code == 2
    assert name in result.err and said in result.err
    assert not (tmp_path / "results").exists()
