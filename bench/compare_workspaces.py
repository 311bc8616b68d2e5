"""Are two imports of the same evidence the same? Every table of two workspaces compared.

    .venv/bin/python bench/compare_workspaces.py A/workspace.duckdb B/workspace.duckdb [--except-all]

For each table of either workspace: its columns and types, its row count and, per column, `count(col)` and
`sum(hash(col))` (every value read); with `--except-all`, also the rows of each table missing from the
other (`EXCEPT ALL` both ways). Columns that record when the import ran (`imported_at`) are left out.
Prints each difference and exits 1 if there is any: used to show that a faster import writes exactly the
tables the slower one wrote (bench/README.md, "the CSV import's parse").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

SKIPPED = {"imported_at"}  # when the import ran: differs between any two runs


def _tables(con: duckdb.DuckDBPyConnection, alias: str) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        f"WHERE table_catalog = '{alias}' ORDER BY table_name, ordinal_position").fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        out.setdefault(table, []).append((column, kind))
    return out


def _digest(con: duckdb.DuckDBPyConnection, alias: str, table: str, columns: list[str]) -> list[object]:
    parts = ["count(*)"] + [f'count("{c}"), sum(hash("{c}"))' for c in columns]
    return list(con.execute(f'SELECT {", ".join(parts)} FROM {alias}."{table}"').fetchone() or [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--except-all", action="store_true", help="also compare the rows (EXCEPT ALL both ways)")
    args = parser.parse_args()
    con = duckdb.connect()
    con.execute(f"ATTACH '{args.a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{args.b}' AS b (READ_ONLY)")
    ta, tb = _tables(con, "a"), _tables(con, "b")
    differences = [f"table {t} only in {side}" for side, mine, other in (("A", ta, tb), ("B", tb, ta))
                   for t in sorted(set(mine) - set(other))]
    rows = 0
    for table in sorted(set(ta) & set(tb)):
        if ta[table] != tb[table]:
            differences.append(f"{table}: columns differ: {ta[table]} vs {tb[table]}")
            continue
        columns = [c for c, _ in ta[table] if c not in SKIPPED]
        da, db = _digest(con, "a", table, columns), _digest(con, "b", table, columns)
        rows += int(da[0])  # type: ignore[call-overload]
        if da != db:
            names = ["rows"] + [f"{c} {what}" for c in columns for what in ("count", "sum(hash)")]
            differences += [f"{table}: {n}: {x} vs {y}" for n, x, y in zip(names, da, db, strict=True) if x != y]
        if args.except_all:
            cols = ", ".join(f'"{c}"' for c in columns)
            for one, two in (("a", "b"), ("b", "a")):
                extra = con.execute(f'SELECT count(*) FROM (SELECT {cols} FROM {one}."{table}" EXCEPT ALL '
                                    f'SELECT {cols} FROM {two}."{table}")').fetchone()
                if extra and extra[0]:
                    differences.append(f"{table}: {extra[0]} rows of {one.upper()} not in {two.upper()}")
    for line in differences:
        print(line)
    print(f"{len(set(ta) & set(tb))} tables, {rows:,} rows compared: "
          f"{'IDENTICAL' if not differences else f'{len(differences)} differences'}")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
