"""The suite's own scheduling (tests/scheduling.py): the longest test files first, whole; `-n auto` bounded by
memory; `--record-durations` keeping what a partial run did not reach."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.scheduling import Recorder, longest_first, recorded_durations, usable_workers

GIB = 1024**3


def test_files_run_longest_first_each_file_whole_and_in_its_own_order() -> None:
    nodeids = ["tests/a.py::t1", "tests/a.py::t2", "tests/b.py::t1", "tests/c.py::t1", "tests/b.py::t2"]
    order = [nodeids[i] for i in longest_first(nodeids, {"tests/a.py": 1.0, "tests/b.py": 90.0, "tests/c.py": 5})]
    assert order == ["tests/b.py::t1", "tests/b.py::t2", "tests/c.py::t1", "tests/a.py::t1", "tests/a.py::t2"]


def test_a_file_never_recorded_is_placed_as_the_median_recorded_file() -> None:
    """Recorded: 80, 20 and 5 s (median 20 s). A new file goes after the 80 s one and before the 5 s one."""
    nodeids = ["tests/new.py::t1", "tests/short.py::t1", "tests/new.py::t2", "tests/mid.py::t1", "tests/slow.py::t1"]
    order = [nodeids[i] for i in longest_first(nodeids, {"tests/slow.py": 80.0, "tests/mid.py": 20.0,
                                                         "tests/short.py": 5.0})]
    assert order[0] == "tests/slow.py::t1" and order[-1] == "tests/short.py::t1"
    assert order[1:4] == ["tests/new.py::t1", "tests/new.py::t2", "tests/mid.py::t1"], "new ties with the median"


def test_without_recorded_times_the_collection_order_stays() -> None:
    nodeids = ["tests/z.py::t", "tests/a.py::t", "tests/z.py::u"]
    assert longest_first(nodeids, {}) == [0, 2, 1]


@pytest.mark.parametrize(("cores", "available", "workers"), [
    (2, 22 * GIB, 2),  # this machine: cores are the bound
    (16, 7 * GIB, 3),  # many cores, little memory: three workers of 2 GiB
    (8, 1 * GIB, 1),  # never fewer than one
])
def test_auto_workers_are_bounded_by_cores_and_memory(cores: int, available: int, workers: int) -> None:
    assert usable_workers(cores, available) == workers


def _report(nodeid: str, when: str, seconds: float) -> pytest.TestReport:
    return pytest.TestReport(nodeid, (nodeid, 0, "t"), {}, "passed", None, when, duration=seconds)


def test_recording_adds_up_each_files_phases_and_keeps_files_not_run(tmp_path: Path) -> None:
    path = tmp_path / "durations.json"
    path.write_text(json.dumps({"files": {"tests/old.py": 7.0, "tests/a.py": 100.0}}), encoding="utf-8")
    recorder = Recorder(path)
    for nodeid, when, seconds in [("tests/a.py::t1", "setup", 2.0), ("tests/a.py::t1", "call", 3.0),
                                  ("tests/a.py::t2", "call", 1.25), ("tests/b.py::t1", "teardown", 0.5)]:
        recorder.pytest_runtest_logreport(_report(nodeid, when, seconds))
    recorder.pytest_sessionfinish(None, 0)  # type: ignore[arg-type]
    assert recorded_durations(path) == {"tests/a.py": 6.2, "tests/b.py": 0.5, "tests/old.py": 7.0}


def test_a_missing_or_broken_durations_file_means_no_reordering(tmp_path: Path) -> None:
    assert recorded_durations(tmp_path / "absent.json") == {}
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    assert recorded_durations(tmp_path / "broken.json") == {}
