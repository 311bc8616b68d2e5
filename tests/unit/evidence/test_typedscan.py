"""The typed first pass (evidence/typedscan.py): timestamp columns parsed by DuckDB's CSV reader give the
same table, and the same problems, as the text rules; any value the reader refuses goes to the text rules."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from ccaudit.errors import EvidenceValidationError
from ccaudit.evidence import importer, typedscan

from .helpers import SESSION_HEADER, Folder

GOOD = ["2025-10-01 08:55:12", "2025-10-01 23:59:59", "2025-12-31 16:00:00"]
# Cells written after rows the sample reads as "%Y-%m-%d %H:%M:%S": read alike or refused alike.
EDGES = [
    "2025-6-5 1:2:3", " 2025-06-05 01:02:03 ", "2025-06-05  01:02:03", "2025-06-05 24:00:00",
    "2025-06-05T01:02:03", "2025-06-05 01:02:03.5", "2025-06-05 01:02:03+08:00", "2025-06-05 01:02:03Z",
    "2025-06-05", "n/a", "-", "0025-06-05 01:02:03", "2025-02-30 01:02:03", "2025-06-05 01:02:60",
    "115/06/05 下午 01:02:03", "２０２５-06-05 01:02:03", "2025-06-05 01:02:03\u3000", '="2025-06-05 01:02:03"',
    "1979-01-01 00:30:00", "2101-01-01 00:00:00",
]


def _outcome(folder: Folder, rows: list[list[Any]], header: list[str]) -> object:
    folder.csv("remote_sessions.csv", header, rows)
    try:
        imported = folder.run()
    except EvidenceValidationError as error:
        return sorted(str(issue) for issue in error.issues)
    columns = '"_row", "start_time", "start_time_utc"' + (', "end_time", "end_time_utc"' if len(header) > 4 else "")
    return imported.rows("remote_sessions", columns)


def _both(folder: Folder, monkeypatch: pytest.MonkeyPatch, rows: list[list[Any]],
          header: list[str] = SESSION_HEADER) -> tuple[object, object]:
    typed = _outcome(folder, rows, header)
    with monkeypatch.context() as patch:
        patch.setattr(typedscan, "_SHAPE", re.compile(r"(?!)"))  # no sample fits: the text rules alone
        text = _outcome(folder, rows, header)
    return typed, text


@pytest.mark.parametrize("edge", EDGES)
def test_a_value_after_the_sample_is_read_or_refused_as_the_text_rules_do(
    folder: Folder, monkeypatch: pytest.MonkeyPatch, edge: str
) -> None:
    rows = [[f"S{i}", "E1", t, "ssl_vpn"] for i, t in enumerate(GOOD)] + [["S9", "E1", edge, "ssl_vpn"]]
    typed, text = _both(folder, monkeypatch, rows)
    assert typed == text


SHAPES = {  # a sample value in each format, and values after it: other offsets, other spellings
    "T": ("2025-10-01T08:55:12", ["2025-10-01 08:55:12", "2025-10-01T24:00:00", ""]),
    "slash": ("2025/10/01 08:55:12", ["2025/10/1 8:55:12", "2025-10-01 08:55:12"]),
    "Z": ("2025-10-01T08:55:12Z", ["2025-10-01T08:55:12z", "2025-10-01T08:55:12", "2025-10-01T08:55:12+00:00"]),
    "+08:00": ("2025-10-01T08:55:12+08:00", ["2025-10-01T08:55:12+09:00", "2025-10-01T08:55:12+0800",
                                             "2025-10-01T08:55:12+15:00", "2025-10-01 23:59:59+08:00"]),
    "-03:30": ("2025-10-01 08:55:12-03:30", ["2025-10-01 08:55:12-03:30 ", "2025-10-01 08:55:12Z"]),
}


@pytest.mark.parametrize(("shape", "edge"), [(k, e) for k, (_, edges) in SHAPES.items() for e in edges])
def test_other_formats_read_as_the_text_rules_do(
    folder: Folder, monkeypatch: pytest.MonkeyPatch, shape: str, edge: str
) -> None:
    sample = SHAPES[shape][0]
    header = [*SESSION_HEADER, "end_time"]
    rows = [["S1", "E1", sample, "ssl_vpn", sample], ["S2", "E1", edge, "ssl_vpn", ""]]
    typed, text = _both(folder, monkeypatch, rows, header)
    assert typed == text


@pytest.mark.parametrize(("sample", "utc"), [
    ("2025-10-01T08:55:12Z", "2025-10-01 08:55:12"), ("2025-10-01T08:55:12+08:00", "2025-10-01 00:55:12"),
    ("2025-10-01 08:55:12-03:30", "2025-10-01 12:25:12"), ("2025/10/01 08:55:12", "2025-10-01 00:55:12"),
])
def test_a_format_with_an_offset_gives_the_instant(
    folder: Folder, monkeypatch: pytest.MonkeyPatch, sample: str, utc: str
) -> None:
    passes = _spy(monkeypatch)
    folder.csv("remote_sessions.csv", SESSION_HEADER, [["S1", "E1", sample, "ssl_vpn"]])
    rows = folder.run().rows("remote_sessions", "CAST(start_time_utc AS VARCHAR), CAST(start_time AS VARCHAR)")
    local = (dt.datetime.fromisoformat(utc) + dt.timedelta(hours=8)).isoformat(sep=" ")
    assert rows == [(utc, local)]
    assert passes == [(True, True)]


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bool, bool]]:
    """(typed, done) of every parallel pass the import makes."""
    passes: list[tuple[bool, bool]] = []
    original = importer._parallel_pass

    def spy(*args: Any, **kwargs: Any) -> bool:
        done = original(*args, **kwargs)
        passes.append((bool(kwargs.get("typed")), done))
        return done

    monkeypatch.setattr(importer, "_parallel_pass", spy)
    return passes


def test_the_reader_parses_a_file_written_in_one_format(folder: Folder, monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of the pass: a file whose times all fit is imported by it (and its times are right)."""
    passes = _spy(monkeypatch)
    header = [*SESSION_HEADER, "end_time"]
    folder.csv("remote_sessions.csv", header, [["S1", "E1", "2025-10-01 08:55:12", "ssl_vpn", ""],
                                               ["S2", "E1", "2025-10-01 23:30:00", "ssl_vpn", "2025-10-02 01:00:00"]])
    columns = "session_id, CAST(start_time_utc AS VARCHAR), CAST(end_time AS VARCHAR)"
    rows = folder.run().rows("remote_sessions", columns)
    assert passes == [(True, True)]
    assert rows == [("S1", "2025-10-01 00:55:12", None), ("S2", "2025-10-01 15:30:00", "2025-10-02 01:00:00")]


def test_a_sample_in_no_known_format_is_left_to_the_text_rules(folder: Folder) -> None:
    folder.csv("remote_sessions.csv", SESSION_HEADER, [["S1", "E1", "115/10/01 上午 08:55:12", "ssl_vpn"]])
    rows = folder.run().rows("remote_sessions", "CAST(start_time AS VARCHAR)")
    assert rows == [("2026-10-01 08:55:12",)]
