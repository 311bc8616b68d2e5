"""Integer surrogate keys: equal IDs get equal keys in every table, different IDs different keys, even
where the hash collides, and a missing ID no key."""

from __future__ import annotations

import duckdb
import pytest
from pydantic import ValidationError

from ccaudit.evidence import surrogate
from ccaudit.evidence.models import FieldSpec
from ccaudit.evidence.surrogate import SurrogateKeyError, key_sql, verify_keys

from .helpers import REGISTRY, Folder

TEMPLATES = [REGISTRY["people"], REGISTRY["remote_sessions"]]


def test_the_same_person_has_one_key_across_tables_after_normalisation(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "employment_status"], [["E001", "active"], ["E002", "active"]])
    folder.csv("remote_sessions.csv", ["session_id", "person_id", "start_time", "channel"],
               [["S1", "Ｅ００１", "2026-10-01 09:00", "ssl_vpn"], ["S2", "E002", "2026-10-01 10:00", "ssl_vpn"],
                ["S3", "E001", "2026-10-01 11:00", "ssl_vpn"]])
    folder.csv("remote_operation_log.csv", ["log_id", "session_id", "person_id", "occurred_at"],
               [["L1", "S1", "E001", "2026-10-01 09:01"], ["L2", "", "E002", "2026-10-01 10:01"]])
    imported = folder.run()
    people = dict(imported.rows("people", "person_id, _person_key"))
    sessions = imported.rows("remote_sessions", "session_id, person_id, _session_key, _person_key")
    log = imported.rows("remote_operation_log", "log_id, _log_key, _session_key, _person_key")
    assert [(s[1], s[3]) for s in sessions] == [("E001", people["E001"]), ("E002", people["E002"]),
                                                ("E001", people["E001"])]
    assert people["E001"] != people["E002"]
    assert len({s[2] for s in sessions}) == 3
    assert log[0][2] == sessions[0][2] and log[0][3] == people["E001"]
    assert log[1][2] is None  # no session named: no key, so it joins to nothing by key
    assert all(isinstance(k, int) and k >= 0 for k in (*people.values(), log[0][1], log[1][1]))


def _tables(con: duckdb.DuckDBPyConnection, people: list[str], sessions: list[tuple[str, str | None]]) -> None:
    """people and remote_sessions with their keys as the importer writes them: one bit of key, first salt."""
    con.execute("CREATE TABLE people (person_id VARCHAR)")
    con.executemany("INSERT INTO people VALUES (?)", [[p] for p in people])
    con.execute("CREATE TABLE remote_sessions (session_id VARCHAR, person_id VARCHAR)")
    con.executemany("INSERT INTO remote_sessions VALUES (?, ?)", sessions)
    person, session = key_sql("person_id", bits=1), key_sql("session_id", bits=1)
    con.execute(f"CREATE OR REPLACE TABLE people AS SELECT *, {person} AS _person_key FROM people")
    con.execute(f"CREATE OR REPLACE TABLE remote_sessions AS SELECT *, {session} AS _session_key, "
                f"{person} AS _person_key FROM remote_sessions")


def _colliding_pair(con: duckdb.DuckDBPyConnection, prefix: str) -> tuple[str, str]:
    """Two IDs whose one-bit keys are equal under the first salt (half of all pairs are)."""
    ids = [f"{prefix}{i}" for i in range(20)]
    first = {i: con.execute(f"SELECT {key_sql('v', bits=1)} FROM (SELECT ? AS v)", [i]).fetchall()[0][0] for i in ids}
    return next((x, y) for x in ids for y in ids if x < y and first[x] == first[y])


def test_ids_whose_hashes_collide_still_get_different_keys() -> None:
    con = duckdb.connect()
    a, b = _colliding_pair(con, "E")  # with one bit of key two IDs collide half the time
    _tables(con, [a, b], [("S1", b), ("S2", None)])
    people = dict(con.execute("SELECT person_id, _person_key FROM people").fetchall())
    assert people[a] == people[b]  # as written at import
    verify_keys(con, TEMPLATES, bits=1)
    people = dict(con.execute("SELECT person_id, _person_key FROM people").fetchall())
    assert people[a] != people[b]
    assert con.execute("SELECT session_id, _person_key FROM remote_sessions ORDER BY session_id").fetchall() == [
        ("S1", people[b]), ("S2", None)]


def test_record_ids_whose_keys_collide_are_keyed_apart_at_import(
    folder: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The search for repeated records groups the log by its integer key: a key seen twice there (two
    log IDs, one key) must not pass for a repeated record nor leave the key as it is."""
    monkeypatch.setattr(surrogate, "KEY_BITS", 1)
    a, b = _colliding_pair(duckdb.connect(), "L")
    folder.csv("remote_operation_log.csv", ["log_id", "session_id", "person_id", "occurred_at"],
               [[a, "", "E001", "2026-10-01 09:01"], [b, "", "E001", "2026-10-01 09:02"]])
    imported = folder.run()
    keys = dict(imported.rows("remote_operation_log", "log_id, _log_key"))
    assert set(keys) == {a, b}  # both records kept
    assert keys[a] != keys[b]


def test_record_ids_with_distinct_keys_keep_their_first_keys(folder: Folder, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found all different by the search for repeated records, the log's keys are the first salt's."""
    monkeypatch.setattr(surrogate, "KEY_BITS", 1)
    con = duckdb.connect()
    ids = [f"L{i}" for i in range(20)]
    first = {i: con.execute(f"SELECT {key_sql('v', bits=1)} FROM (SELECT ? AS v)", [i]).fetchall()[0][0] for i in ids}
    a = ids[0]
    b = next(i for i in ids if first[i] != first[a])
    folder.csv("remote_operation_log.csv", ["log_id", "session_id", "person_id", "occurred_at"],
               [[a, "", "E001", "2026-10-01 09:01"], [b, "", "E001", "2026-10-01 09:02"]])
    imported = folder.run()
    assert dict(imported.rows("remote_operation_log", "log_id, _log_key")) == {a: first[a], b: first[b]}


def test_a_column_found_unique_is_still_verified_with_the_other_columns_of_its_domain() -> None:
    """The register's keys all differ, but an ID only the session export names shares one of them."""
    con = duckdb.connect()
    a, b = _colliding_pair(con, "E")
    _tables(con, [a], [("S1", b)])
    verify_keys(con, TEMPLATES, frozenset({("people", "person_id")}), bits=1)
    person = con.execute("SELECT _person_key FROM people").fetchall()[0][0]
    assert con.execute("SELECT _person_key FROM remote_sessions").fetchall()[0][0] != person


def test_more_ids_than_keys_is_refused_not_guessed() -> None:
    con = duckdb.connect()
    _tables(con, ["E1", "E2", "E3"], [("S1", "E1")])
    with pytest.raises(SurrogateKeyError, match="person IDs"):
        verify_keys(con, TEMPLATES, bits=1)  # three IDs, two keys: every salt collides


def test_a_key_domain_is_only_for_text_fields() -> None:
    with pytest.raises(ValidationError, match="surrogate"):
        FieldSpec.model_validate({"name": "count", "zh": "數", "type": "integer", "surrogate": "person"})
    assert FieldSpec.model_validate({"name": "holder_id", "zh": "持", "type": "string",
                                     "surrogate": "person"}).key_column == "_holder_key"
