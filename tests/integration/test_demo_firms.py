"""`ccaudit demo --firms N`: each firm is reproducible from its seed (the same evidence row for row on
every run, whatever DuckDB's threads), and the firms differ from one another."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from ccaudit.demo.generator import generate_firms


def _rows(path: Path) -> list[tuple[object, ...]]:
    return duckdb.sql(f"SELECT * FROM read_parquet('{path}')").fetchall()  # in file order


def test_each_firm_is_the_same_on_every_run_and_unlike_the_others(tmp_path: Path) -> None:
    first, again = tmp_path / "a", tmp_path / "b"
    ids = generate_firms(first, 2, scale=0.01, fmt="parquet")
    generate_firms(again, 2, scale=0.01, fmt="parquet")
    for firm in ids:
        files = sorted(p.name for p in (first / "firms" / firm).iterdir())
        assert files == sorted(p.name for p in (again / "firms" / firm).iterdir())
        for name in files:
            assert _rows(first / "firms" / firm / name) == _rows(again / "firms" / firm / name), (firm, name)
        planted = (first / "planted" / f"{firm}.json").read_text(encoding="utf-8")
        assert planted == (again / "planted" / f"{firm}.json").read_text(encoding="utf-8")
    log = "遠距操作紀錄_115.parquet"
    assert _rows(first / "firms" / ids[0] / log) != _rows(first / "firms" / ids[1] / log)
    keys = [json.loads((first / "planted" / f"{f}.json").read_text(encoding="utf-8"))["failing"] for f in ids]
    assert keys[0]["remote_login_used_mfa"] != keys[1]["remote_login_used_mfa"]
