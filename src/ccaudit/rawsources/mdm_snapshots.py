"""Several device exports of the same devices (monthly snapshots, overlapping downloads, Intune and Jamf Pro for
different fleets or during a migration): which record of each device stands, and what the others were.

All of it is SQL over mdm.py's `devices` table (one row per device record: file_no, _row, source, device_id,
owner, seen_utc = the device's own last check-in or inventory time, snapshot_utc = its file's latest):
- the record with the latest check-in of its own wins (a tie: the later export); the others are superseded,
  or exact duplicates when every field equals an earlier-ranked record's (the same export twice, overlapping
  files), each listed with its file and row;
- a device that two sources (Intune, Jamf) describe with different ownership is in conflict: listed, and
  written to neither register, never guessed;
- a device missing from a later export of the same source that lists any of the same devices (the next
  month's inventory of that fleet) has left the MDM: `gone_to` names that export."""

from __future__ import annotations

from typing import Any

import duckdb

MAX_LISTED = 200

# Every field a device record carries: two records equal in all of them are the same record twice.
_CONTENT = "source, mdm_id, serial, name, model, os, ownership, enrolled, last_seen, account, managed, ade"


def settle(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Create `latest` (one row per device, with person, owner ('conflicting' for a cross-source conflict) and
    gone_to) and `conflicts`; return the report's part on superseded, duplicate and conflicting records."""
    con.execute(f"""
        CREATE TEMP TABLE ranked AS
        WITH r AS (
            SELECT d.*, md5(CAST(list_value({_CONTENT}) AS VARCHAR)) AS content,
                   row_number() OVER (PARTITION BY device_id ORDER BY seen_utc DESC NULLS LAST,
                                      snapshot_utc DESC NULLS LAST, file_no DESC, _row DESC) AS rank
            FROM devices d)
        SELECT *, row_number() OVER (PARTITION BY device_id, content ORDER BY rank) > 1 AS duplicate,
                  first_value(file_no) OVER (PARTITION BY device_id, content ORDER BY rank) AS same_file,
                  first_value(_row) OVER (PARTITION BY device_id, content ORDER BY rank) AS same_row,
                  first_value(file_no) OVER (PARTITION BY device_id ORDER BY rank) AS win_file,
                  first_value(_row) OVER (PARTITION BY device_id ORDER BY rank) AS win_row
        FROM r""")
    con.execute("""
        CREATE TEMP TABLE conflicts AS
        SELECT device_id, string_agg(DISTINCT source || ' ' || owner, ', ' ORDER BY source || ' ' || owner) AS owners
        FROM devices WHERE owner IN ('corporate', 'personal')
        GROUP BY device_id HAVING count(DISTINCT source) > 1 AND count(DISTINCT owner) > 1""")
    # later(e, l): export l of the same source is newer than e and lists some of e's devices
    con.execute("""
        CREATE TEMP TABLE later AS
        WITH f AS (SELECT DISTINCT file_no, source, snapshot_utc, device_id FROM devices)
        SELECT DISTINCT e.file_no AS earlier, l.file_no AS later
        FROM f e JOIN f l ON l.device_id = e.device_id AND l.source = e.source AND l.snapshot_utc > e.snapshot_utc""")
    con.execute("""
        CREATE TEMP TABLE latest AS
        SELECT r.* EXCLUDE (owner), CASE WHEN c.device_id IS NULL THEN r.owner ELSE 'conflicting' END AS owner,
               COALESCE(i.person_id, acct_person(r.account)) AS person,
               (SELECT min(x.later) FROM later x WHERE x.earlier = r.file_no AND NOT EXISTS (
                    SELECT 1 FROM devices o WHERE o.file_no = x.later AND o.device_id = r.device_id)) AS gone_to
        FROM ranked r LEFT JOIN ids i ON i.account = r.account LEFT JOIN conflicts c USING (device_id)
        WHERE r.rank = 1""")
    counts = con.execute("""
        SELECT count(*) FILTER (WHERE rank > 1 AND NOT duplicate), count(*) FILTER (WHERE duplicate)
        FROM ranked""").fetchone()
    assert counts is not None
    superseded = con.execute(f"""
        SELECT f.file_name || ':' || CAST(r._row AS VARCHAR) || ' ' || r.device_id,
               w.file_name || ':' || CAST(r.win_row AS VARCHAR)
        FROM ranked r JOIN file_names f ON f.file_no = r.file_no JOIN file_names w ON w.file_no = r.win_file
        WHERE r.rank > 1 AND NOT r.duplicate ORDER BY r.file_no, r._row LIMIT {MAX_LISTED}""").fetchall()
    duplicates = con.execute(f"""
        SELECT f.file_name || ':' || CAST(r._row AS VARCHAR), s.file_name || ':' || CAST(r.same_row AS VARCHAR)
        FROM ranked r JOIN file_names f ON f.file_no = r.file_no JOIN file_names s ON s.file_no = r.same_file
        WHERE r.duplicate ORDER BY r.file_no, r._row LIMIT {MAX_LISTED}""").fetchall()
    conflicting = con.execute(f"""
        SELECT c.device_id || ': ' || c.owners || ' (' || string_agg(DISTINCT f.file_name || ':'
               || CAST(d._row AS VARCHAR), ', ' ORDER BY f.file_name || ':' || CAST(d._row AS VARCHAR)) || ')'
        FROM conflicts c JOIN devices d USING (device_id) JOIN file_names f ON f.file_no = d.file_no
        GROUP BY c.device_id, c.owners ORDER BY c.device_id LIMIT {MAX_LISTED}""").fetchall()
    return {
        "superseded": counts[0], "superseded_records": [{"record": r[0], "by": r[1]} for r in superseded],
        "superseded_note": ("a device in several exports: the record with its latest own check-in or inventory "
                            "time stands, the others are superseded"),
        "exact_duplicates": counts[1],
        "exact_duplicate_records": [{"record": r[0], "same_as": r[1]} for r in duplicates],
        "ownership_conflicts": _count(con, "conflicts"), "ownership_conflict_records": [r[0] for r in conflicting],
        "ownership_conflict_note": ("two sources state different ownership for the device: written to neither "
                                    "register; settle it in the MDMs"),
    }


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0
