"""Integer surrogate keys, assigned once at import for the identifiers the heavy checks join on.

A template field with `surrogate: <domain>` (person, session, device) gives its table an extra BIGINT
column, `FieldSpec.key_column` (person_id -> `_person_key`), holding a 63-bit hash of the field's
(normalised) value: equal values get equal keys in every table of the workspace, and a join on the
integer costs a fraction of the same join on the text (bench/README.md). A missing value has no key
(NULL), as it has no ID.

A hash can map two different IDs to one key, which would link one person's session to another's. So
every domain is verified after the keys are written, over the union of all its columns: no key may
stand for two values. Where one does (about 1 in 200,000 for 10M distinct IDs), the domain's keys are
written again under the next salt, so the keys are exact whatever the data. The keys are columns of
the evidence tables, so every engine carries them as loaded (PostgreSQL's COPY, Spark's Parquet);
findings and offending rows show the firm's own IDs, never the keys.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb

from ccaudit.errors import CcauditError
from ccaudit.evidence.models import DatasetTemplate, FieldSpec
from ccaudit.evidence.readers import quote_ident

KEY_BITS = 63  # non-negative BIGINT in every engine (PostgreSQL has no unsigned 64-bit integer)
SALTS = 16  # tries per domain; at 63 bits a second one is needed about once in 200,000 imports of 10M IDs


class SurrogateKeyError(CcauditError):
    """No salt gave a domain's values distinct keys (never expected: 16 collisions in a row)."""


def key_sql(column: str, salt: int, bits: int = KEY_BITS) -> str:
    """The key of a text column's value under `salt` (NULL for NULL: DuckDB hashes NULL too)."""
    value = quote_ident(column)
    hashed = f"hash({value})" if salt == 0 else f"hash({value}, {int(salt)})"
    return f"CASE WHEN {value} IS NULL THEN NULL ELSE CAST({hashed} >> {64 - bits} AS BIGINT) END"


def assign_keys(con: duckdb.DuckDBPyConnection, templates: list[DatasetTemplate], bits: int = KEY_BITS) -> None:
    """Add and fill every surrogate key column of the templates' tables (which must exist), then make
    each domain's keys exact (see the module's docstring)."""
    domains: dict[str, list[tuple[str, FieldSpec]]] = defaultdict(list)
    for template in templates:
        fields = template.surrogates()
        if not fields:
            continue
        table = quote_ident(template.id)
        for spec in fields:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {quote_ident(spec.key_column)} BIGINT")
            domains[str(spec.surrogate)].append((template.id, spec))
        _fill(con, template.id, fields, 0, bits)
    for domain, members in sorted(domains.items()):
        salt = 0
        while _collides(con, members):
            salt += 1
            if salt >= SALTS:
                raise SurrogateKeyError(f"no distinct integer keys for the {domain} IDs after {SALTS} tries")
            for table in dict.fromkeys(t for t, _ in members):
                _fill(con, table, [spec for t, spec in members if t == table], salt, bits)


def _fill(con: duckdb.DuckDBPyConnection, table: str, fields: list[FieldSpec], salt: int, bits: int) -> None:
    sets = ", ".join(f"{quote_ident(f.key_column)} = {key_sql(f.name, salt, bits)}" for f in fields)
    con.execute(f"UPDATE {quote_ident(table)} SET {sets}")


def _collides(con: duckdb.DuckDBPyConnection, members: list[tuple[str, FieldSpec]]) -> bool:
    """Whether some key of the domain stands for two different values: grouped by the integer key,
    the text compared only within a group (no hashing of the text again)."""
    union = " UNION ALL ".join(
        f"SELECT {quote_ident(f.name)} AS v, {quote_ident(f.key_column)} AS k FROM {quote_ident(t)} "
        f"WHERE {quote_ident(f.name)} IS NOT NULL"
        for t, f in members
    )
    found = con.execute(f"SELECT k FROM ({union}) GROUP BY k HAVING min(v) <> max(v) LIMIT 1").fetchall()
    return bool(found)
