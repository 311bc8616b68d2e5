"""remote_operations_match_sessions gives, on random small logs, exactly the rows of the rule written out
plainly in Python: an operation links to a session of its person that covers it (both ends included; a
session without a usable end covers until that person's next session starts, or the end of the as-of
day), and, if it names a session, to that one only. Offending: each session of the window no operation
links to, and each operation of the window linked to none, with the reason. The SQL files sessions under
UTC days and joins on them for speed; the logs here are made to hit its edges (across UTC midnight,
several days, open-ended, reversed, overlapping, before the window and into it, misnamed operations)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass

import duckdb
import pytest

from ccaudit.checks.engines import DuckDBEngine
from ccaudit.checks.loader import CheckLibrary
from ccaudit.checks.params import InspectionParams

AS_OF = dt.date(2026, 11, 30)
TAIPEI = dt.timedelta(hours=8)  # the firm's zone in these logs (no daylight saving)
START = dt.datetime(2025, 11, 20)  # ten days before the window opens


@dataclass(frozen=True)
class Session:
    id: str
    person: str
    start: dt.datetime  # Taipei wall time
    end: dt.datetime | None


@dataclass(frozen=True)
class Operation:
    id: str
    session: str | None
    person: str
    at: dt.datetime


def _random_log(rng: random.Random) -> tuple[list[Session], list[Operation]]:
    people = [f"E{i}" for i in range(rng.randint(1, 3))]
    days = rng.choice([2, 15, 380])
    sessions = []
    for i in range(rng.randint(0, 10)):
        start = START + dt.timedelta(minutes=rng.randint(0, days * 1440))
        kind = rng.random()
        if kind < 0.1:
            end = None
        elif kind < 0.15:
            end = start - dt.timedelta(minutes=rng.randint(1, 90))  # before its start
        elif kind < 0.35:
            end = start + dt.timedelta(minutes=rng.randint(0, 4000))  # up to about three days
        else:
            end = start + dt.timedelta(minutes=rng.randint(0, 300))
        if rng.random() < 0.2:
            start = start.replace(hour=7, minute=30)  # 23:30Z: such sessions often cross UTC midnight
        sessions.append(Session(f"S{i}", rng.choice(people), start, end))
    operations = []
    for j in range(rng.randint(0, 20)):
        if sessions and rng.random() < 0.6:
            near = rng.choice(sessions)
            at = near.start + dt.timedelta(minutes=rng.randint(-30, 900))
            named = rng.choice([near.id, near.id, None, None, f"S{rng.randint(0, 12)}"])
            person = near.person if rng.random() < 0.9 else rng.choice(people)
        else:
            at = START + dt.timedelta(minutes=rng.randint(-1440, days * 1440))
            named = rng.choice([None, None, f"S{rng.randint(0, 12)}"])
            person = rng.choice(people)
        operations.append(Operation(f"L{j}", named, person, at))
    return sessions, operations


def _reference(sessions: list[Session], operations: list[Operation]) -> Counter[tuple[str | None, str | None, str]]:
    """The rule, one session and one operation at a time (Taipei time throughout, so instants compare)."""
    params = InspectionParams(as_of=AS_OF).row()
    window_start, window_end = params["window_start_ts"], params["as_of_end"]
    assert isinstance(window_start, dt.datetime) and isinstance(window_end, dt.datetime)

    def until(s: Session) -> dt.datetime:
        if s.end is not None and s.end >= s.start:
            return s.end
        later = [n.start for n in sessions if n.person == s.person and n.start > s.start]
        return min(later, default=window_end)

    def links(op: Operation, s: Session) -> bool:
        return (s.person == op.person and s.start <= op.at <= until(s)
                and (op.session is None or op.session == s.id))

    rows: Counter[tuple[str | None, str | None, str]] = Counter()
    for s in sessions:
        if window_start <= s.start < window_end and not any(links(op, s) for op in operations):
            rows[(s.id, None, "no operation logged during the session")] += 1
    by_id = {s.id: s for s in sessions}
    for op in operations:
        if window_start <= op.at < window_end and not any(links(op, s) for s in sessions):
            named = by_id.get(op.session) if op.session else None
            reason = ("no session of this person at that time" if op.session is None
                      else "its session is not in the session export" if named is None
                      else "its session belongs to another person" if named.person != op.person
                      else "outside the time of its session")
            rows[(op.session, op.id, reason)] += 1
    return rows


def _load(con: duckdb.DuckDBPyConnection, sessions: list[Session], operations: list[Operation]) -> None:
    """The two evidence tables as the import leaves them: local and UTC columns, integer keys."""
    key = "CASE WHEN {0} IS NULL THEN NULL ELSE (hash({0}) >> 1)::BIGINT END"
    con.execute("CREATE OR REPLACE TABLE s (session_id VARCHAR, person_id VARCHAR, start_time TIMESTAMP, "
                "end_time TIMESTAMP)")
    for row in [(s.id, s.person, s.start, s.end) for s in sessions]:
        con.execute("INSERT INTO s VALUES (?, ?, ?, ?)", row)
    con.execute(f"""CREATE OR REPLACE TABLE remote_sessions AS SELECT session_id, person_id, start_time, end_time,
        start_time - INTERVAL 8 HOUR AS start_time_utc, end_time - INTERVAL 8 HOUR AS end_time_utc,
        'f' AS _file, row_number() OVER () + 1 AS _row, {key.format('session_id')} AS _session_key,
        {key.format('person_id')} AS _person_key FROM s""")
    con.execute("CREATE OR REPLACE TABLE o (log_id VARCHAR, session_id VARCHAR, person_id VARCHAR, "
                "occurred_at TIMESTAMP)")
    for row in [(o.id, o.session, o.person, o.at) for o in operations]:
        con.execute("INSERT INTO o VALUES (?, ?, ?, ?)", row)
    con.execute(f"""CREATE OR REPLACE TABLE remote_operation_log AS SELECT log_id, session_id, person_id, occurred_at,
        occurred_at - INTERVAL 8 HOUR AS occurred_at_utc, 'sys' AS system, 'op' AS operation, 'g' AS _file,
        row_number() OVER () + 1 AS _row, {key.format('log_id')} AS _log_key,
        {key.format('session_id')} AS _session_key, {key.format('person_id')} AS _person_key FROM o""")


@pytest.mark.parametrize("seed", range(2))
def test_the_check_finds_the_rows_the_rule_finds(seed: int) -> None:
    check = CheckLibrary.load().get("remote_operations_match_sessions")
    rng = random.Random(seed)
    con = duckdb.connect()
    DuckDBEngine(con).set_params(InspectionParams(as_of=AS_OF))
    offending = 0
    for _ in range(60):
        sessions, operations = _random_log(rng)
        _load(con, sessions, operations)
        found = Counter(con.execute(f"SELECT session_id, log_id, problem FROM ({check.sql})").fetchall())
        assert found == _reference(sessions, operations), (sessions, operations)
        offending += sum(found.values())
    con.close()
    assert offending > 60  # the logs are not all in order
