"""`ccaudit inspect --firms DIR --workers N`: firms inspected at the same time give what one at a time gives
(the same firm twice decided by folder order, a refused firm reported, the others inspected), and what a
killed `inspect --firms` left in OUT is removed by the next run, never what a run at work holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.inprocess import FIRM_HEADER, ccaudit

from ccaudit.writerlock import WriterLock


def firms(root: Path) -> Path:
    """Six firm folders holding only a firm profile (scope flags off: quick), one of them broken and two
    naming the same firm."""
    profiles = {
        "a-first": "9A00,甲證券,false,false,false,false,false,false",
        "b-second": "9A01,乙證券,false,false,false,false,false,false",
        "c-broken": "9A02,丙證券,maybe,false,false,false,false,false",
        "d-third": "9A03,丁證券,false,false,false,false,false,false",
        "e-again": "9A01,乙證券（重複）,false,false,false,false,false,false",
        "f-fourth": "9A04,戊證券,false,false,false,false,false,false",
    }
    for folder, row in profiles.items():
        (root / folder).mkdir(parents=True)
        (root / folder / "firm_profile.csv").write_text(FIRM_HEADER + row + "\n", encoding="utf-8")
    return root


def summary(out: Path) -> list[dict[str, object]]:
    """firms.json's firms, with the result folder's path written OUT (errors name it)."""
    text = (out / "firms.json").read_text(encoding="utf-8").replace(json.dumps(str(out))[1:-1], "OUT")
    return list(json.loads(text)["firms"])


def test_firms_inspected_at_once_give_what_one_at_a_time_gives(tmp_path: Path) -> None:
    folder = firms(tmp_path / "firms")
    one = ccaudit("inspect", "--firms", folder, "--as-of", "2026-11-30", "--out", tmp_path / "one")
    three = ccaudit("inspect", "--firms", folder, "--as-of", "2026-11-30", "--out", tmp_path / "three",
                    "--workers", "3")
    assert one.code == three.code == 2, three.text
    assert summary(tmp_path / "one") == summary(tmp_path / "three")
    by_folder = {f["evidence_folder"]: f for f in summary(tmp_path / "three")}
    assert "c-broken" in three.text and "firm_profile.csv" in str(by_folder["c-broken"]["error"])
    assert by_folder["b-second"]["result"] == "9A01", "the first folder in order keeps the firm"
    assert by_folder["e-again"]["error"] == "firm 9A01 again: its result is already in OUT/9A01"
    assert sorted(p.name for p in (tmp_path / "three").iterdir()) == [
        "9A00", "9A01", "9A03", "9A04", "comparison", "firms.json"], "no staging folder is left"


def test_what_a_killed_run_left_is_removed_and_a_result_moved_aside_put_back(tmp_path: Path) -> None:
    folder = firms(tmp_path / "firms")
    out = tmp_path / "out"
    out.mkdir()
    # killed while inspecting: its staging lock is free, its staging and inspection folders remain
    (out / ".firm-0123456789ab.lock").write_text("4242\n", encoding="utf-8")
    (out / ".firm-0123456789ab").mkdir()
    (out / "..firm-0123456789ab.ccaudit-new-aaaa").mkdir()
    # killed between moving firm 9Z99's previous result aside and putting the new one in place
    (out / ".firm-ba9876543210.lock").write_text("4243\n", encoding="utf-8")
    aside = out / ".firm-ba9876543210.previous"
    (aside / "result").mkdir(parents=True)
    (aside / "result" / "findings.json").write_text("{}", encoding="utf-8")
    (aside / "firm").write_text("9Z99", encoding="utf-8")
    with WriterLock(out / ".firm-live00000000.lock"):  # a run at work
        (out / ".firm-live00000000").mkdir()
        done = ccaudit("inspect", "--firms", folder, "--as-of", "2026-11-30", "--out", out, "--workers", "2")
        assert done.code == 2, done.text
        assert (out / ".firm-live00000000").is_dir(), "a live run's staging folder is never touched"
    assert "left by an inspect --firms" in done.text and ".firm-0123456789ab" in done.text
    left = sorted(p.name for p in out.iterdir())
    assert left == [".firm-live00000000", "9A00", "9A01", "9A03", "9A04", "9Z99", "comparison", "firms.json"]
    assert (out / "9Z99" / "findings.json").read_text(encoding="utf-8") == "{}", "the previous result is back"


def test_an_engine_it_cannot_reach_stops_every_worker_and_leaves_nothing(tmp_path: Path) -> None:
    folder = firms(tmp_path / "firms")
    out = tmp_path / "out"
    done = ccaudit("inspect", "--firms", folder, "--as-of", "2026-11-30", "--out", out, "--workers", "3",
                   "--engine", "postgres", "--engine-url", "postgresql://ada:s3cret@127.0.0.1:1/none")
    assert done.code == 2 and "cannot use PostgreSQL at postgresql://ada:***@127.0.0.1:1/none" in done.text
    assert "s3cret" not in done.text
    assert sorted(p.name for p in out.iterdir()) == [], "no firm result, no staging folder, no lock"


def test_progress_shows_the_firms_and_every_firms_checks_added_up(tmp_path: Path) -> None:
    import datetime as dt

    from ccaudit.inspection.many import inspect_firms
    from ccaudit.settings import Settings

    folder = firms(tmp_path / "firms")
    seen: list[tuple[str, str, int, int]] = []
    runs = inspect_firms(folder, dt.date(2026, 11, 30), tmp_path / "out", Settings(firm_workers=2),
                         progress=lambda *event: seen.append(event))  # type: ignore[arg-type]
    assert [r.folder for r in runs if r.result] == ["a-first", "b-second", "d-third", "f-fourth"]
    ok = ["a-first", "b-second", "d-third", "e-again", "f-fourth"]  # checked (e-again refused after, as a duplicate)
    assert seen[-1][0] == "firms" and seen[-1][2:] == (6, 6), "every firm, the refused one too, is counted"
    firm_ticks = [e for e in seen if e[0] == "firms" and e[1]]
    assert sorted(e[1] for e in firm_ticks) == sorted(p.name for p in folder.iterdir())
    checks = [e for e in seen if e[0] == "checks"]
    per_firm = len({e[1] for e in checks if e[1].startswith("a-first: ")})  # its checks, each named once
    done, total = checks[-1][2:]
    assert per_firm > 0 and done == total == per_firm * len(ok), "each inspected firm's checks, added up"
    assert {e[1].split(":")[0] for e in checks} == set(ok), "each check named with its firm"


def test_evidence_the_engine_refuses_fails_that_firm_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that works but refuses one firm's data (PostgreSQL: text holding a NUL byte) fails that firm
    alone; the others are inspected on the same engine and the command exits 2. (A stand-in for the server:
    the real one is test_engines_cli's.)"""
    import psycopg

    from ccaudit.checks.engine_postgres import PostgresEngine
    from ccaudit.checks.engines import DuckDBEngine
    from ccaudit.findings.models import EngineRef

    class Refusing(DuckDBEngine):
        def __init__(self) -> None:
            pass

        def load_workspace(self, con: object) -> None:
            self.con = con  # type: ignore[assignment]
            if self.con.execute("SELECT firm_id FROM firm_profile").fetchone() == ("9A03",):
                raise psycopg.errors.CharacterNotInRepertoire('invalid byte sequence for encoding "UTF8": 0x00')

        def info(self) -> EngineRef:
            return EngineRef(name="postgres", version="17", url="postgresql://ada:***@db/audit")

        def __enter__(self) -> Refusing:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr(PostgresEngine, "connect", classmethod(lambda cls, *a, **k: Refusing()))
    folder = firms(tmp_path / "firms")
    out = tmp_path / "out"
    done = ccaudit("inspect", "--firms", folder, "--as-of", "2026-11-30", "--out", out, "--workers", "2",
                   "--engine", "postgres", "--engine-url", "postgresql://ada:s3cret@db/audit")
    assert done.code == 2, done.text
    by_folder = {f["evidence_folder"]: f for f in summary(out)}
    assert "PostgreSQL at postgresql://ada:***@db/audit refused this evidence" in str(by_folder["d-third"]["error"])
    assert [f for f, v in by_folder.items() if v["result"]] == ["a-first", "b-second", "f-fourth"]
    assert "s3cret" not in done.text and "3 of 6 firms inspected" in done.text
