"""Suite-wide hooks: the slowest test files first, `-n auto` bounded by memory, `--record-durations`
(tests/scheduling.py)."""

from __future__ import annotations

import pytest
from tests.scheduling import (
    DURATIONS,
    Recorder,
    available_memory,
    longest_first,
    recorded_durations,
    usable_cores,
    usable_workers,
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--record-durations", action="store_true", default=False,
                     help=f"write each test file's time in this run to tests/{DURATIONS.name} (run longest first)")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--record-durations") and not hasattr(config, "workerinput"):
        config.pluginmanager.register(Recorder(), "ccaudit-record-durations")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    seconds = recorded_durations()
    if seconds:
        items[:] = [items[i] for i in longest_first([item.nodeid for item in items], seconds)]


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    return usable_workers(usable_cores(), available_memory())
