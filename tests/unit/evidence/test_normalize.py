"""The parsing rules (normalize.py), each exercised through the real importer from CSV text."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccaudit.errors import CcauditError, EvidenceValidationError
from ccaudit.evidence import importer
from ccaudit.evidence import normalize as nz
from ccaudit.settings import Settings

from .helpers import Folder, one_issue

D = dt.datetime


# --- booleans --------------------------------------------------------------------------------------

TRUE_SPELLINGS = ["true", "TRUE", "True", "t", "yes", "Yes", "y", "Y", "1", "是", "v", "V", "✓", "o", "有", "ok", "on"]
FALSE_SPELLINGS = ["false", "FALSE", "f", "no", "NO", "n", "N", "0", "否", "x", "X", "✗", "無", "off"]


def _people(folder: Folder, column: str, values: list[str]) -> None:
    rows = [[f"E{i}", "active", v] for i, v in enumerate(values)]
    folder.csv("people.csv", ["person_id", "employment_status", column], rows)


def test_booleans_in_every_spelling(folder: Folder) -> None:
    _people(folder, "remote_allowed", TRUE_SPELLINGS + FALSE_SPELLINGS + ["", " 是 "])
    got = folder.run().column("people", "remote_allowed")
    assert got == [True] * len(TRUE_SPELLINGS) + [False] * len(FALSE_SPELLINGS) + [None, True]


def test_boolean_not_understood_names_file_row_column_value_and_expected(folder: Folder) -> None:
    _people(folder, "remote_allowed", ["Y", "maybe"])
    text = one_issue(folder.fail())
    assert text == (
        "people.csv, row 3, column 'remote_allowed': value not understood "
        "(got 'maybe'; expected true/false, Y/N, 是/否 or V/X)"
    )


# --- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-15", dt.date(2024, 5, 15)),
        ("2024/5/15", dt.date(2024, 5, 15)),
        ("2024/05/15", dt.date(2024, 5, 15)),
        ("2024.05.15", dt.date(2024, 5, 15)),
        ("113/05/15", dt.date(2024, 5, 15)),
        ("113/5/5", dt.date(2024, 5, 5)),
        ("113-05-15", dt.date(2024, 5, 15)),
        ("1130515", dt.date(2024, 5, 15)),
        ("20240515", dt.date(2024, 5, 15)),
        ("民國113年5月15日", dt.date(2024, 5, 15)),
        ("中華民國113年05月15日", dt.date(2024, 5, 15)),
        ("2024年5月15日", dt.date(2024, 5, 15)),
        ("099/12/31", dt.date(2010, 12, 31)),
        ("2024-05-15 00:00:00", dt.date(2024, 5, 15)),  # an Excel date exported with its midnight
        ("113/02/29", dt.date(2024, 2, 29)),  # ROC 113 is the leap year 2024
        (" 2024-05-15 ", dt.date(2024, 5, 15)),
    ],
)
def test_dates(folder: Folder, text: str, expected: dt.date) -> None:
    _people(folder, "terminated_on", [text])
    assert folder.run().column("people", "terminated_on") == [expected]


@pytest.mark.parametrize("text", ["2024-02-30", "2023-02-29", "112/02/29", "2024-13-01", "1131315",
                                  "2024-05-15 08:30", "yesterday", "113/05"])
def test_invalid_dates_are_errors_naming_file_row_column_value_and_expected(folder: Folder, text: str) -> None:
    _people(folder, "terminated_on", ["2024-01-01", text])
    assert one_issue(folder.fail()) == (
        f"people.csv, row 3, column 'terminated_on': value not understood (got {text!r}; expected a date: "
        "2024-05-15, 2024/5/15, ROC 113/05/15, 1130515 or 民國113年5月15日)"
    )


@pytest.mark.parametrize(("text", "readings"), [
    ("24/05/15", "ROC 24 = 1935-05-15, or 2024-05-15"),
    ("99/12/31", "ROC 99 = 2010-12-31, or 1999-12-31"),
    ("民國99年1月2日", "ROC 99 = 2010-01-02, or 1999-01-02"),
    ("5-1-2", "ROC 5 = 1916-01-02, or 2005-01-02"),
    ("240515", "ROC 24 = 1935-05-15, or 2024-05-15"),
])
def test_a_two_digit_year_is_refused_naming_both_readings(folder: Folder, text: str, readings: str) -> None:
    _people(folder, "terminated_on", ["113/05/15", text])
    assert one_issue(folder.fail()) == (
        f"people.csv, row 3, column 'terminated_on': two-digit year is ambiguous: {readings} (got {text!r}; "
        "expected the year written in full (2024-05-15) or as a three-digit ROC year (113/05/15))"
    )


def test_a_two_digit_year_in_a_timestamp_is_refused_too(folder: Folder) -> None:
    folder.csv("remote_sessions.csv", ["session_id", "person_id", "start_time", "channel"],
               [["S1", "E1", "24/05/15 08:00", "ssl_vpn"]])
    assert "two-digit year is ambiguous: ROC 24 = 1935-05-15, or 2024-05-15" in one_issue(folder.fail())


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31", "1989-12-31", "001/01/01"])  # ROC 1 = 1912
def test_dates_outside_the_default_range_are_refused(folder: Folder, text: str) -> None:
    _people(folder, "terminated_on", [text])
    assert one_issue(folder.fail()) == (
        f"people.csv, row 2, column 'terminated_on': value out of range (got {text!r}; "
        "expected a value from 1990-01-01 to 2100-12-31)"
    )


def test_the_ends_of_the_default_date_range_are_accepted(folder: Folder) -> None:
    _people(folder, "terminated_on", ["1990-01-01", "2100-12-31"])
    assert folder.run().column("people", "terminated_on") == [dt.date(1990, 1, 1), dt.date(2100, 12, 31)]


# --- timestamps ------------------------------------------------------------------------------------

# (as written, local wall time in Asia/Taipei, UTC)
TIMESTAMPS = [
    ("2025-10-01 08:55:12", D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 0, 55, 12)),
    ("2025-10-01T08:55:12", D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 0, 55, 12)),
    ("2025-10-01 08:55", D(2025, 10, 1, 8, 55), D(2025, 10, 1, 0, 55)),
    ("2025-10-01 07:30:00", D(2025, 10, 1, 7, 30), D(2025, 9, 30, 23, 30)),  # the UTC day before
    ("2025-10-01 08:55:12.250", D(2025, 10, 1, 8, 55, 12, 250000), D(2025, 10, 1, 0, 55, 12, 250000)),
    ("2025-10-01 08:55:12.123456789", D(2025, 10, 1, 8, 55, 12, 123456), D(2025, 10, 1, 0, 55, 12, 123456)),
    ("2025/10/1 8:55", D(2025, 10, 1, 8, 55), D(2025, 10, 1, 0, 55)),
    ("2025-10-01", D(2025, 10, 1), D(2025, 9, 30, 16)),
    ("2025-10-01T00:55:12Z", D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 0, 55, 12)),
    ("2025-10-01 00:55:12Z", D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 0, 55, 12)),
    ("2025-10-01 00:55Z", D(2025, 10, 1, 8, 55), D(2025, 10, 1, 0, 55)),
    ("2025-10-01 00:55:12 UTC", D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 0, 55, 12)),
    ("2025-10-01T08:55:12+08:00", D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 0, 55, 12)),
    ("2025-10-01 08:55+08", D(2025, 10, 1, 8, 55), D(2025, 10, 1, 0, 55)),
    ("2025-10-01 08:55:12 +0800", D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 0, 55, 12)),
    ("2025-09-30T19:55:12-05:00", D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 0, 55, 12)),
    ("2025-10-01T06:25:12+05:30", D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 0, 55, 12)),
    ("114/10/01 上午 08:55:12", D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 0, 55, 12)),
    ("114/10/01 下午 08:55:12", D(2025, 10, 1, 20, 55, 12), D(2025, 10, 1, 12, 55, 12)),
    ("114/10/01 下午 12:05", D(2025, 10, 1, 12, 5), D(2025, 10, 1, 4, 5)),
    ("114/10/01 上午 12:05", D(2025, 10, 1, 0, 5), D(2025, 9, 30, 16, 5)),
    ("114/11/30 上午 00:00:00", D(2025, 11, 30), D(2025, 11, 29, 16)),
    ("2025-10-01 8:55:12 PM", D(2025, 10, 1, 20, 55, 12), D(2025, 10, 1, 12, 55, 12)),
    ("2025-10-01 8:55 p.m.", D(2025, 10, 1, 20, 55), D(2025, 10, 1, 12, 55)),
    ("民國114年10月1日 下午3時30分", D(2025, 10, 1, 15, 30), D(2025, 10, 1, 7, 30)),
    ("民國114年10月1日 下午3時30分15秒", D(2025, 10, 1, 15, 30, 15), D(2025, 10, 1, 7, 30, 15)),
    ("1141001", D(2025, 10, 1), D(2025, 9, 30, 16)),
    ("2024-02-29 23:59:59", D(2024, 2, 29, 23, 59, 59), D(2024, 2, 29, 15, 59, 59)),
    (" 2025-10-01 08:55:12 ", D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 0, 55, 12)),
]


def _sessions(folder: Folder, values: list[str], name: str = "remote_sessions.csv") -> None:
    rows = [[f"S{i}", "E1", v, "ssl_vpn"] for i, v in enumerate(values)]
    folder.csv(name, ["session_id", "person_id", "start_time", "channel"], rows)


def test_timestamps_local_and_utc(folder: Folder) -> None:
    _sessions(folder, [t for t, _, _ in TIMESTAMPS])
    got = folder.run().rows("remote_sessions", "start_time, start_time_utc")
    assert got == [(local, utc) for _, local, utc in TIMESTAMPS]


def test_naive_timestamps_as_utc_when_evidence_yaml_says_so(folder: Folder) -> None:
    _sessions(folder, ["2025-10-01 00:55:12", "2025-10-01 08:55:12+08:00", "114/10/01 上午 00:55:12"])
    folder.config({"files": {"remote_sessions.csv": {"naive_timestamps": "utc"}}})
    got = folder.run().rows("remote_sessions", "start_time, start_time_utc")
    assert got == [(D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 0, 55, 12))] * 3


def test_naive_timestamps_option_must_be_local_or_utc(folder: Folder) -> None:
    _sessions(folder, ["2025-10-01 00:55:12"])
    folder.config({"files": {"remote_sessions.csv": {"naive_timestamps": "tokyo"}}})
    assert "naive_timestamps must be 'local' or 'utc'" in one_issue(folder.fail())


@pytest.mark.parametrize(
    "text",
    [
        "2025-02-30 08:00:00",  # no such day
        "2025-10-01 24:00:00",  # hour 24 (TRY_CAST alone would roll it to the next day)
        "2025-10-01 24:00",
        "2025-10-01 25:00:00",
        "2025-10-01 08:60:00",
        "2025-10-01 08:00:60",
        "2025-10-01 08:00:00+15:00",  # no such offset
        "2025-10-01 08:00:00+08:75",
        "2025-10-01T08:00:00+15:00",  # RFC 3339 shapes (the fast path's too): the same refusals
        "2025-10-01T08:00:00-08:0x",
        "2025-10-01T24:00:00+08:00",
        "2025-10-01T24:00:00Z",
        "2025-02-30T08:00:00+08:00",
        "2025-10-01T08:00:60Z",
        "2025-10-01T08:00:00+1::00",
        "114/10/01 下午 13:00",  # 12-hour clock with hour 13
        "114/10/01 上午 08:00 PM",  # two markers
        "20251001 08:00",
        "next tuesday",
        "2025-10-01 08:00:00 Asia/Taipei",
    ],
)
def test_invalid_timestamps_are_errors(folder: Folder, text: str) -> None:
    _sessions(folder, ["2025-10-01 08:00:00", text])
    issue = one_issue(folder.fail())
    assert issue.startswith(f"remote_sessions.csv, row 3, column 'start_time': value not understood (got {text!r}")
    assert "expected a date and time" in issue


def test_optional_timestamp_not_understood_is_an_error_and_empty_is_null(folder: Folder) -> None:
    folder.csv("remote_sessions.csv", ["session_id", "person_id", "start_time", "end_time", "channel"],
               [["S1", "E1", "2025-10-01 08:00", "", "ssl_vpn"], ["S2", "E1", "2025-10-01 08:00", "NULL", "ssl_vpn"]])
    assert folder.run().rows("remote_sessions", "end_time, end_time_utc") == [(None, None), (None, None)]
    folder.csv("remote_sessions.csv", ["session_id", "person_id", "start_time", "end_time", "channel"],
               [["S1", "E1", "2025-10-01 08:00", "later", "ssl_vpn"]])
    assert "column 'end_time': value not understood (got 'later'" in one_issue(folder.fail())


_RFC3339 = [  # as exporters write instants: each value's own offset decides, whatever the firm's zone
    ("2025-10-01T08:00:35+08:00", D(2025, 10, 1, 0, 0, 35)),
    ("2025-10-01 08:00:35+08:00", D(2025, 10, 1, 0, 0, 35)),
    ("2025-10-01T08:00:35-05:00", D(2025, 10, 1, 13, 0, 35)),
    ("2025-10-01T08:00:35+05:45", D(2025, 10, 1, 2, 15, 35)),
    ("2025-10-01T08:00:35-03:30", D(2025, 10, 1, 11, 30, 35)),
    ("2025-12-31T23:30:00-14:00", D(2026, 1, 1, 13, 30)),
    ("2025-01-01T00:10:00+14:59", D(2024, 12, 31, 9, 11)),
    ("2025-10-01T00:00:00Z", D(2025, 10, 1)),
    ("2025-10-01 23:59:59Z", D(2025, 10, 1, 23, 59, 59)),
    ("2024-02-29T00:00:00+00:00", D(2024, 2, 29)),
]


@pytest.mark.parametrize("mixed", [False, True], ids=["rfc3339-only", "mixed-with-roc"])
def test_rfc3339_instants_are_read_by_their_own_offset(folder: Folder, mixed: bool) -> None:
    """A file written wholly in RFC 3339 gives the same instants as the same values among other spellings
    (a ROC date sends the whole file to the general path), and the local time is the firm's."""
    texts = [t for t, _ in _RFC3339] + (["114/10/01 上午 08:00:35"] if mixed else [])
    _sessions(folder, texts)
    got = folder.run().rows("remote_sessions", "start_time_utc, start_time")
    expected = [(utc, utc + dt.timedelta(hours=8)) for _, utc in _RFC3339]
    assert got == expected + ([(D(2025, 10, 1, 0, 0, 35), D(2025, 10, 1, 8, 0, 35))] if mixed else [])


_SPELLINGS = {
    "iso": lambda d: d.strftime("%Y-%m-%d %H:%M:%S"),
    "iso_t": lambda d: d.strftime("%Y-%m-%dT%H:%M:%S"),
    "padded": lambda d: " " + d.strftime("%Y-%m-%d %H:%M:%S"),  # not the fast path's shape
    "slashes": lambda d: f"{d.year}/{d.month}/{d.day} {d.hour}:{d.minute:02d}:{d.second:02d}",
    "roc_ampm": lambda d: (f"{d.year - 1911:03d}/{d.month:02d}/{d.day:02d} {'上午' if d.hour < 12 else '下午'} "
                           f"{(d.hour % 12) or 12:02d}:{d.minute:02d}:{d.second:02d}"),
    "utc_z": lambda d: (d - dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "offset": lambda d: (d - dt.timedelta(hours=13)).strftime("%Y-%m-%d %H:%M:%S-05:00"),
}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.datetimes(min_value=D(1990, 1, 1), max_value=D(2060, 12, 31)), min_size=1, max_size=8))
def test_every_spelling_of_an_instant_parses_to_the_same_values(tmp_path_factory: pytest.TempPathFactory,
                                                                moments: list[D]) -> None:
    """The fast path (ISO) and the general path (regular expressions) agree on every instant."""
    folder = Folder(tmp_path_factory.mktemp("spellings"))
    moments = [m.replace(microsecond=0) for m in moments]
    values = [spell(m) for m in moments for spell in _SPELLINGS.values()]
    _sessions(folder, values)
    got = folder.run().rows("remote_sessions", "start_time, start_time_utc")
    expected = [(m, m - dt.timedelta(hours=8)) for m in moments for _ in _SPELLINGS]
    assert got == expected


_TZ_SCRIPT = """
import json, sys
from pathlib import Path
from ccaudit.evidence.importer import import_folder, open_workspace
from ccaudit.evidence.store import EvidenceStore
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.settings import Settings
root = Path(sys.argv[1])
settings = Settings()
import_folder(root / "evidence", root / "ws.duckdb", EvidenceStore(root / "store"), TemplateRegistry.load(), settings)
con = open_workspace(root / "ws.duckdb", settings, read_only=True)
rows = con.execute("SELECT start_time, start_time_utc, end_time, end_time_utc, hour(start_time) "
                   "FROM remote_sessions ORDER BY _row").fetchall()
print(json.dumps([[str(v) for v in r] for r in rows]))
"""


def test_results_do_not_depend_on_the_machine_time_zone(tmp_path: Path) -> None:
    outputs = {}
    values = [t for t, _, _ in TIMESTAMPS]
    for zone in ("America/New_York", "Asia/Tokyo", "UTC"):
        (tmp_path / zone.replace("/", "_")).mkdir()
        folder = Folder(tmp_path / zone.replace("/", "_"))
        rows = [[f"S{i}", "E1", v, v, "ssl_vpn"] for i, v in enumerate(values)]
        folder.csv("remote_sessions.csv", ["session_id", "person_id", "start_time", "end_time", "channel"], rows)
        env = {**os.environ, "TZ": zone}
        env.pop("CCAUDIT_FIRM_TIMEZONE", None)
        done = subprocess.run([sys.executable, "-c", _TZ_SCRIPT, str(folder.root)], env=env, check=True,
                              capture_output=True, text=True)
        outputs[zone] = json.loads(done.stdout)
    assert outputs["America/New_York"] == outputs["Asia/Tokyo"] == outputs["UTC"]
    expected = [[str(local), str(utc), str(local), str(utc), str(local.hour)] for _, local, utc in TIMESTAMPS]
    assert outputs["UTC"] == expected


def test_firm_zone_with_daylight_saving(folder: Folder) -> None:
    """Outside Taipei the zone database decides: New York is UTC-4 in July and UTC-5 in January."""
    _sessions(folder, ["2025-07-01 09:00:00", "2025-01-15 09:00:00", "2025-03-09 03:30:00", "2025-07-01T13:00:00Z"])
    got = folder.run(Settings(firm_timezone="America/New_York")).rows("remote_sessions", "start_time, start_time_utc")
    assert got == [
        (D(2025, 7, 1, 9), D(2025, 7, 1, 13)),
        (D(2025, 1, 15, 9), D(2025, 1, 15, 14)),
        (D(2025, 3, 9, 3, 30), D(2025, 3, 9, 7, 30)),
        (D(2025, 7, 1, 9), D(2025, 7, 1, 13)),
    ]


def test_unknown_firm_zone_is_an_error(folder: Folder) -> None:
    _sessions(folder, ["2025-07-01 09:00:00"])
    with pytest.raises(CcauditError, match="unknown firm time zone 'Mars/Olympus'"):
        folder.run(Settings(firm_timezone="Mars/Olympus"))


def test_zone_span_is_the_fixed_offset_run_around_today() -> None:
    con = duckdb.connect()
    taipei = nz.firm_zone(con, "Asia/Taipei", dt.date(2025, 10, 31))
    assert taipei.offset_minutes == 480
    assert taipei.utc_from is not None and taipei.utc_from.year == 1979  # Taiwan's last daylight saving
    assert taipei.utc_to is not None and taipei.utc_to.year >= 2199
    new_york = nz.firm_zone(con, "America/New_York", dt.date(2025, 7, 1))
    assert new_york.offset_minutes == -240
    # Inside 2025's daylight-saving period (2025-03-09 .. 2025-11-02), narrowed by at most two weeks.
    assert new_york.utc_from is not None and dt.date(2025, 3, 9) < new_york.utc_from.date() <= dt.date(2025, 3, 23)
    assert new_york.utc_to is not None and dt.date(2025, 10, 19) <= new_york.utc_to.date() < dt.date(2025, 11, 2)
    # Inside and outside the span the two ways of converting agree.
    nz.install_macros(con, new_york)
    rows = con.execute(
        "SELECT cc_local_to_utc(x), timezone('UTC', timezone('America/New_York', x)), "
        "cc_utc_to_local(x), timezone('America/New_York', timezone('UTC', x)) "
        "FROM generate_series(TIMESTAMP '2024-12-01', TIMESTAMP '2026-02-01', INTERVAL 7 HOUR) t(x)"
    ).fetchall()
    assert all(a == b and c == d for a, b, c, d in rows)


# --- times of day ----------------------------------------------------------------------------------


def test_times_of_day_in_minutes(folder: Folder) -> None:
    folder.csv("roles.csv", ["role_id", "remote_start", "remote_end"], [
        ["R1", "08:00", "18:00"], ["R2", "8:30", "24:00"], ["R3", "上午8:00", "下午6:30"],
        ["R4", "8時30分", "18:00:00"], ["R5", "12:00 AM", "12:00 PM"], ["R6", "", ""],
    ])
    got = folder.run().rows("roles", "role_id, remote_start, remote_end")
    assert got == [("R1", 480, 1080), ("R2", 510, 1440), ("R3", 480, 1110), ("R4", 510, 1080),
                   ("R5", 0, 720), ("R6", None, None)]


@pytest.mark.parametrize("text", ["08:60", "24:01", "25:00", "上午13:00", "8", "8 o'clock", "08:00:61"])
def test_invalid_times_of_day(folder: Folder, text: str) -> None:
    folder.csv("roles.csv", ["role_id", "remote_start"], [["R1", text]])
    issue = one_issue(folder.fail())
    assert f"column 'remote_start': value not understood (got {text!r}; expected a time of day HH:MM" in issue


# --- numbers ---------------------------------------------------------------------------------------


def test_integers(folder: Folder) -> None:
    folder.csv("sensitive_endpoints.csv", ["endpoint_id", "host", "protocol", "port"], [
        ["E1", "h", "https", "443"], ["E2", "h", "https", "1,234"], ["E3", "h", "https", "8080.0"],
        ["E4", "h", "https", " 22 "], ["E5", "h", "https", "+21"], ["E6", "h", "https", ""],
        ["E7", "h", "https", "1"], ["E8", "h", "https", "65535"],
    ])
    assert folder.run().column("sensitive_endpoints", "port") == [443, 1234, 8080, 22, 21, None, 1, 65535]


@pytest.mark.parametrize("text", ["0", "-12", "65536", "1e5", "9007199254740993"])
def test_integers_outside_the_template_range_are_refused(folder: Folder, text: str) -> None:
    folder.csv("sensitive_endpoints.csv", ["endpoint_id", "host", "protocol", "port"], [["E1", "h", "https", text]])
    assert one_issue(folder.fail()) == (
        f"sensitive_endpoints.csv, row 2, column 'port': value out of range (got {text!r}; "
        "expected a value from 1 to 65535)"
    )


@pytest.mark.parametrize("text", ["443.5", "inf", "-inf", "1e30", "99999999999999999999", "0x1bb", "four"])
def test_invalid_integers_are_errors_not_crashes(folder: Folder, text: str) -> None:
    folder.csv("sensitive_endpoints.csv", ["endpoint_id", "host", "protocol", "port"], [["E1", "h", "https", text]])
    expected = f"column 'port': value not understood (got {text!r}; expected a whole number; from 1 to 65535)"
    assert expected in one_issue(folder.fail())


def test_numbers(folder: Folder) -> None:
    folder.csv("cloud_services.csv", ["service_id", "provider", "service_name", "required_rto_hours"], [
        ["C1", "p", "s", "4"], ["C2", "p", "s", "1.5"], ["C3", "p", "s", "1,234.5"], ["C4", "p", "s", "1e3"],
        ["C5", "p", "s", "0"], ["C6", "p", "s", "n/a"],
    ])
    assert folder.run().column("cloud_services", "required_rto_hours") == [4.0, 1.5, 1234.5, 1000.0, 0.0, None]


@pytest.mark.parametrize("text", ["-2", "-0.5", "8760.5", "1e6"])
def test_numbers_outside_the_template_range_are_refused(folder: Folder, text: str) -> None:
    folder.csv("cloud_services.csv", ["service_id", "provider", "service_name", "provider_rto_hours"],
               [["C1", "p", "s", text]])
    assert one_issue(folder.fail()) == (
        f"cloud_services.csv, row 2, column 'provider_rto_hours': value out of range (got {text!r}; "
        "expected a value from 0 to 8760)"
    )


@pytest.mark.parametrize("text", ["inf", "Infinity", "4 hours", "--1"])
def test_invalid_numbers(folder: Folder, text: str) -> None:
    folder.csv("cloud_services.csv", ["service_id", "provider", "service_name", "required_rto_hours"],
               [["C1", "p", "s", text]])
    assert "expected a number; from 0 to 8760)" in one_issue(folder.fail())


# --- enums, text, empties --------------------------------------------------------------------------


def test_enums_with_case_spacing_and_aliases(folder: Folder) -> None:
    values = ["ssl_vpn", "SSL_VPN", "ssl-vpn", "SSL VPN", "sslvpn", "ipsec", "IPSec-VPN", " ztna ", "Telnet"]
    rows = [[f"S{i}", "E1", "2025-10-01 08:00", v, m] for i, (v, m) in
            enumerate(zip(values, ["簡訊", "動態密碼", "憑證", "無", "TOTP", "none", "", "Push", "sms"], strict=True))]
    folder.csv("remote_sessions.csv", ["session_id", "person_id", "start_time", "channel", "mfa_method"], rows)
    got = folder.run().rows("remote_sessions", "channel, mfa_method")
    assert got == [("ssl_vpn", "sms"), ("ssl_vpn", "otp"), ("ssl_vpn", "certificate"), ("ssl_vpn", "none"),
                   ("ssl_vpn", "totp"), ("ipsec_vpn", "none"), ("ipsec_vpn", None), ("ztna", "push"),
                   ("telnet", "sms")]


def test_unknown_enum_value_lists_the_accepted_values(folder: Folder) -> None:
    _sessions(folder, ["2025-10-01 08:00"])
    folder.csv("remote_sessions.csv", ["session_id", "person_id", "start_time", "channel"],
               [["S1", "E1", "2025-10-01 08:00", "carrier pigeon"]])
    assert one_issue(folder.fail()) == (
        "remote_sessions.csv, row 2, column 'channel': value not understood (got 'carrier pigeon'; "
        "expected one of ssl_vpn, ipsec_vpn, ztna, vdi, rdp_direct, ssh, telnet, http, other)"
    )


def test_text_is_trimmed_and_null_words_are_empty(folder: Folder) -> None:
    names = [" 王小明 ", "\u3000陳大文\u3000", "Ann\u00a0", "NULL", "n/a", "#N/A", "NaN", "", "  ", "null value",
             "Nat King", "a\tb"]
    _people(folder, "name", names)
    assert folder.run().column("people", "name") == [
        "王小明", "陳大文", "Ann", None, None, None, None, None, None, "null value", "Nat King", "a\tb"]


@pytest.mark.parametrize("empty", ["", "  ", "NULL", "N/A", "#N/A", "nan"])
def test_required_value_empty(folder: Folder, empty: str) -> None:
    folder.csv("people.csv", ["person_id", "employment_status"], [["E1", "active"], [empty, "active"]])
    assert one_issue(folder.fail()) == (
        "people.csv, row 3, column 'person_id': required value is empty (expected text)")


def test_required_typed_value_empty(folder: Folder) -> None:
    _sessions(folder, ["2025-10-01 08:00", ""])
    assert one_issue(folder.fail()).startswith(
        "remote_sessions.csv, row 3, column 'start_time': required value is empty")


# --- lists -----------------------------------------------------------------------------------------


def test_list_fields_become_child_rows_with_the_key(folder: Folder) -> None:
    folder.csv("iot_inventory.csv", ["device_id", "device_type", "default_password_changed", "open_ports"], [
        ["D1", "cam", "Y", "443;554"], ["D2", "cam", "Y", "[443, 8443]"], ["D3", "cam", "Y", "22、23"],
        ["D4", "cam", "Y", "80|81"], ["D5", "cam", "Y", "21，22；23"], ["D6", "cam", "Y", ""],
        ["D7", "cam", "Y", ' "8080" , 9090 '], ["D8", "cam", "Y", "443;;"],
    ])
    got = folder.run().rows("iot_inventory__open_ports", "_row, device_id, value", "_row, value")
    assert got == [
        (2, "D1", "443"), (2, "D1", "554"), (3, "D2", "443"), (3, "D2", "8443"), (4, "D3", "22"), (4, "D3", "23"),
        (5, "D4", "80"), (5, "D4", "81"), (6, "D5", "21"), (6, "D5", "22"), (6, "D5", "23"),
        (8, "D7", "8080"), (8, "D7", "9090"), (9, "D8", "443"),
    ]
    with folder.run().connect() as con:
        columns = [r[0] for r in con.execute("DESCRIBE iot_inventory").fetchall()]
    assert "open_ports" not in columns and not any(c.startswith("__") for c in columns)


def test_required_list_field_empty(folder: Folder) -> None:
    header = ["doc_id", "title", "policy_area", "topics", "approved_by", "approved_on"]
    folder.csv("policy_documents.csv", header, [["P1", "t", "iot", "audit;backup", "CEO", "113/03/01"],
                                                ["P2", "t", "iot", " ", "CEO", "113/03/01"]])
    assert one_issue(folder.fail()) == (
        "policy_documents.csv, row 3, column 'topics': required value is empty "
        "(expected values separated by ; , 、 or |)")


# --- ROC dates with 上午/下午: their own fast path ----------------------------------------------------------

_ROC_AMPM_EDGES = [
    "115/03/01 上午 04:19:38", "115/03/01 下午 04:19:38", "115/03/01 上午 12:00:00", "115/03/01 下午 12:00:00",
    "115/03/01 下午 00:30:00", "115/03/01 下午 13:00:00", "115/03/01 上午 04:60:00", "115/03/01 上午 04:19:60",
    "113/02/29 上午 01:00:00", "115/02/29 上午 01:00:00", "115/13/01 上午 01:00:00", "079/01/01 上午 00:00:00",
    "078/12/31 下午 11:59:59", "1e2/03/01 上午 04:19:38", "+15/03/01 上午 04:19:38", "115/03/01\u3000上午 04:19:38",
    "１１５/03/01 上午 04:19:38", " 115/03/01 上午 04:19:38", "115/3/1 上午 4:19:38", "115/03/01 上午 04:19",
]


def _roc_outcome(folder: Folder, text: str) -> object:
    _sessions(folder, ["115/03/01 上午 09:00:00", text])
    try:
        return folder.run().rows("remote_sessions", "start_time, start_time_utc")
    except EvidenceValidationError as error:
        return [str(issue) for issue in error.issues]


@pytest.mark.parametrize("text", _ROC_AMPM_EDGES)
def test_roc_dates_with_am_pm_read_alike_by_their_fast_path_and_the_general_one(
    folder: Folder, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    fast = _roc_outcome(folder, text)
    with monkeypatch.context() as patch:
        patch.setattr(nz, "_roc_ampm_wall", lambda raw: "CAST(NULL AS TIMESTAMP)")
        general = _roc_outcome(folder, text)
    assert fast == general


def test_a_file_of_roc_dates_with_am_pm_is_read_without_the_general_path(
    folder: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole file in the first text pass, which knows only the common spellings (the cost of the
    general path's regular expressions was 20 µs a row)."""
    passes: list[tuple[bool, bool]] = []
    original = importer._parallel_pass

    def spy(*args: Any, **kwargs: Any) -> bool:
        done = original(*args, **kwargs)
        passes.append((bool(kwargs.get("general")), done))
        return done

    monkeypatch.setattr(importer, "_parallel_pass", spy)
    _sessions(folder, ["115/03/01 上午 12:19:38", "115/03/01 下午 04:19:38"])
    got = folder.run().rows("remote_sessions", "start_time, start_time_utc")
    assert got == [(D(2026, 3, 1, 0, 19, 38), D(2026, 2, 28, 16, 19, 38)),
                   (D(2026, 3, 1, 16, 19, 38), D(2026, 3, 1, 8, 19, 38))]
    assert passes == [(False, True)]


@pytest.mark.parametrize("text", ["115/03/01", "113/02/29", "115/02/29", "115/13/01", "078/12/31", "079/01/01",
                                  "1e2/01/01", "+15/01/01", "115/3/1", "１１５/03/01", "115/03/01 "])
def test_roc_dates_read_alike_by_their_fast_path_and_the_general_one(
    folder: Folder, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    def outcome() -> object:
        _people(folder, "terminated_on", ["115/01/02", text])
        try:
            return folder.run().column("people", "terminated_on")
        except EvidenceValidationError as error:
            return [str(issue) for issue in error.issues]

    fast = outcome()
    with monkeypatch.context() as patch:
        patch.setattr(nz, "_roc_date_test", lambda raw: "false")
        general = outcome()
    assert fast == general
