"""The demo's large datasets are generated in DuckDB, not row by row in Python: rows come from `range()`,
each pseudo-random column from a seeded hash of the row's number and the column's own stream number,
and the result is written straight to its evidence file with `COPY ... TO` (`EvidenceWriter.write_relation`).

Why a hash and not `random()`: DuckDB's `random()` under `setseed` is not reproducible once a query runs
on several threads, whereas `u(stream, i)` depends on the seed, the stream and the row number alone, so a
firm's data is the same on every run whatever the threads (for a given DuckDB version: DuckDB does not
promise that `hash()` stays the same across versions). Streams are small integers chosen per column;
`hash(seed, i)` is hashed again with the stream, since DuckDB combines the arguments of one `hash()` call
too weakly for independent columns (two streams of one call correlate at -0.6)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

# 2^53: a 53-bit integer over it is a double in [0, 1) with every bit random
_UNIT = 9007199254740992.0


def connect(seed: int) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the macros `u(stream, i)` (uniform in [0, 1)) and `normal(stream, i)`
    (standard normal, Box-Muller over streams `stream` and `stream + 1000`), seeded by `seed`."""
    seed = int(seed) & ((1 << 63) - 1)
    con = duckdb.connect()
    con.execute(f"CREATE MACRO u(s, i) AS (hash(xor(hash({seed}::UBIGINT, i), (s)::UBIGINT)) >> 11)::DOUBLE"
                f" / {_UNIT}")
    con.execute("CREATE MACRO normal(s, i) AS sqrt(-2 * ln(1 - u(s, i))) * cos(2 * pi() * u((s) + 1000, i))")
    return con


def register(con: duckdb.DuckDBPyConnection, name: str, columns: Mapping[str, Any]) -> None:
    """A small table made in Python (numpy arrays or lists), visible to the queries as `name`."""
    con.register(name, pa.table({k: v if isinstance(v, np.ndarray | pa.Array) else pa.array(v)
                                 for k, v in columns.items()}))


def weighted_slots(weights: np.ndarray, slots: int) -> np.ndarray:
    """For a draw by weight as an equi-join: slot s (0 <= s < slots) -> the index of the item it falls to,
    each item holding a share of the slots proportional to its weight (an item whose share rounds to
    nothing holds none)."""
    bounds = np.floor(np.cumsum(weights) / weights.sum() * slots).astype(np.int64)
    bounds[-1] = slots
    counts = np.diff(np.concatenate([[0], bounds]))
    slotted: np.ndarray = np.repeat(np.arange(len(weights)), counts)
    return slotted


def literal_list(values: list[str | None]) -> str:
    """A DuckDB list literal of texts (NULL for None), to index with a 1-based integer column."""
    items = ["NULL" if v is None else "'" + v.replace("'", "''") + "'" for v in values]
    return f"([{', '.join(items)}]::VARCHAR[])"
