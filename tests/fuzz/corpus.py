"""A small, valid evidence folder in every format ccaudit reads, and the ways the fuzzer breaks it."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

FIRM = ("firm_id,firm_name,uses_cloud,is_cloud_provider,has_official_social_pages,allows_byod,has_iot,"
        "allows_remote_work\n9A00,範例證券,N,N,N,N,Y,Y\n")
SESSIONS = ("session_id,person_id,start_time,channel,mfa_method\n"
            "S1,E1,2026-10-01 09:00:00,ssl_vpn,totp\nS2,E2,115/10/02 下午 01:00:00,ssl_vpn,none\n")
PEOPLE_BIG5 = "員工編號,姓名,在職狀態\nE1,王小明,在職\nE2,陳大文,離職\n".encode("cp950")
CONFIG = "effective_date: 2026-10-31\nfiles:\n  people.csv: {encoding: big5}\n"

# values a firm's export should never hold, each a way an earlier version went wrong
PAYLOADS = [
    "=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "[/x]", "[bold]x", ":x:", "\x1b[31mred", "a\nb", "a\rb",
    "\x00", "\u202eevil", "\ufeffE1", "Ｅ１", "9" * 400, "1e309", "-12", "0001-01-01", "9999-12-31", "2024-02-30",
    "24/05/15", "民國113年2月30日", "'", '"', '""', ",", ";", "\t", " ", "", "null", "true", "x" * 100_000,
]
NAMES = ["[x]", "[bold]", "\udcff", ":x:", "\x1b[31m", "\n", " ", "..", "\u202e", "中文", "%s", "{0}", "$(id)",
         "'", '"']


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    book.set_properties({"created": dt.datetime(2026, 11, 1)})  # the same bytes every time
    sheet = book.add_worksheet("roles")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


def parquet_bytes() -> bytes:
    days = pa.array([20000, 20400], pa.int32()).cast(pa.date32())
    table = pa.table({"person_id": ["E1", "E2"], "course_id": ["C1", "C1"], "topic": ["iot", "遠距辦公"],
                      "completed_on": days})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


@cache
def _seed() -> dict[str, bytes]:
    devices = [{"device_id": "D1", "device_type": "camera", "default_password_changed": True},
               {"device_id": "D2", "device_type": "printer", "default_password_changed": "否"}]
    events = [{"event_id": "N1", "occurred_at": "2026-10-01T01:00:00Z", "event_type": "hotspot"},
              {"event_id": "N2", "occurred_at": "2026-10-02 09:00:00", "event_type": "熱點"}]
    return {
        "firm_profile.csv": FIRM.encode(),
        "remote_sessions.csv": SESSIONS.encode("utf-8-sig"),
        "people.csv": PEOPLE_BIG5,
        "roles.xlsx": xlsx_bytes([["role_id", "role_name"], ["R1", "管理者"], ["R2", "x"]]),
        "iot_inventory.json": json.dumps(devices, ensure_ascii=False).encode(),
        "network_events.ndjson": "\n".join(json.dumps(e) for e in events).encode() + b"\n",
        "training_records.parquet": parquet_bytes(),
        "evidence.yaml": CONFIG.encode(),
    }


def files() -> dict[str, bytes]:
    """name -> bytes of the seed folder: CSV UTF-8 and Big5, XLSX, JSON, NDJSON, Parquet, evidence.yaml."""
    return dict(_seed())


def rezip(data: bytes, member_edit: dict[str, bytes]) -> bytes:
    """The same workbook with some members' bytes replaced (a valid zip holding broken content)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, member_edit.get(item.filename, src.read(item)))
    return out.getvalue()


def write(folder: Path, content: dict[str, bytes]) -> None:
    folder.mkdir(parents=True)
    for name, data in content.items():
        (folder / name).write_bytes(data)
