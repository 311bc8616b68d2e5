"""Integer surrogate keys, given at import to the identifiers the heavy checks join on.

A template field with `surrogate: <domain>` (person, session, operation) gives its table an extra BIGINT
column, `FieldSpec.key_column` (person_id -> `_person_key`), holding a 63-bit hash of the field's
normalised value: equal values get equal keys in every table of the workspace, and a join on the
integer costs a fraction of the same join on the text (bench/README.md). A missing value has no key
(NULL), as it has no ID. The importer computes the keys as it writes each file's rows (and again for
the values that identifier normalisation changes), so no table is rewritten for them.

A hash can map two different IDs to one key, which would link one person's session to another's. So
once every table is assembled, each domain is verified over the union of all its columns: no key may
stand for two values. Since equal values always get equal keys, that holds exactly when the domain has
as many distinct keys as distinct (key, value) pairs: one pass of DuckDB's hash aggregate, which spills
to disk past the memory limit (no slices, each of which would scan the union again). A domain held in
one column that is its table's whole record key needs no pass of its own: the importer's search for
repeated records groups that table by the integer key, and finding no key twice proves the keys of
that column distinct (`unique`). Where a key does stand for two values (about 1 in 200,000 for 10M
distinct IDs), the domain's keys are written again with the next salt (prefixed to the value, so the
colliding IDs are hashed afresh), and verified again in full, so the keys are exact whatever the data.
The keys are columns of the evidence tables, so every engine carries them as loaded (PostgreSQL's
COPY, Spark's Parquet); findings and offending rows show the firm's own IDs, never the keys.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb

from ccaudit.errors import CcauditError
from ccaudit.evidence.models import DatasetTemplate, FieldSpec
from ccaudit.evidence.readers import quote_ident, quote_literal

KEY_BITS = 63  # non-negative BIGINT in every engine (PostgreSQL has no unsigned 64-bit integer)
SALTS = 16  # tries per domain; at 63 bits a second one is needed about once in 200,000 imports of 10M IDs

Member = tuple[str, FieldSpec]  # a table and one of its fields with a key domain


class SurrogateKeyError(CcauditError):
    """No salt gave a domain's values distinct keys (never expected: 16 collisions in a row)."""


def key_sql(value: str, salt: int = 0, bits: int | None = None) -> str:
    """The key of a text value (an SQL expression) under `salt`; NULL for NULL (DuckDB hashes NULL too)."""
    hashed = f"hash({value})" if salt == 0 else f"hash({quote_literal(f'{salt}#')} || {value})"
    return f"CASE WHEN {value} IS NULL THEN NULL ELSE CAST({hashed} >> {64 - (bits or KEY_BITS)} AS BIGINT) END"


def verify_keys(
    con: duckdb.DuckDBPyConnection,
    templates: list[DatasetTemplate],
    unique: frozenset[tuple[str, str]] = frozenset(),
    bits: int | None = None,
) -> None:
    """Make every domain's keys exact: where a key stands for two values, write the domain's keys
    again under the next salt (see the module's docstring). The tables must exist with their keys.
    `unique` names the (table, field) columns whose first-salt keys were found all different."""
    domains: dict[str, list[Member]] = defaultdict(list)
    for template in templates:
        for spec in template.surrogates():
            domains[str(spec.surrogate)].append((template.id, spec))
    for domain, members in sorted(domains.items()):
        salt = 0
        while _collides(con, members, unique if salt == 0 else frozenset()):
            salt += 1
            if salt >= SALTS:
                raise SurrogateKeyError(f"no distinct integer keys for the {domain} IDs after {SALTS} tries")
            for table in dict.fromkeys(t for t, _ in members):
                sets = ", ".join(f"{quote_ident(f.key_column)} = {key_sql(quote_ident(f.name), salt, bits)}"
                                 for t, f in members if t == table)
                con.execute(f"UPDATE {quote_ident(table)} SET {sets}")


def _collides(con: duckdb.DuckDBPyConnection, members: list[Member], unique: frozenset[tuple[str, str]]) -> bool:
    """Whether some key of the domain stands for two different values: fewer distinct keys than
    distinct (key, value) pairs over the union of the domain's columns."""
    if len(members) == 1 and (members[0][0], members[0][1].name) in unique:
        return False  # one column, its keys already seen all different (no key twice)
    union = " UNION ALL ".join(
        f"SELECT {quote_ident(f.name)} AS v, {quote_ident(f.key_column)} AS k FROM {quote_ident(t)} "
        f"WHERE {quote_ident(f.name)} IS NOT NULL"
        for t, f in members
    )
    pairs, keys = con.execute(f"SELECT count(*), count(DISTINCT k) FROM (SELECT DISTINCT k, v FROM ({union}))"
                              ).fetchall()[0]
    return bool(pairs != keys)
