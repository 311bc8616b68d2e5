"""What reading the FortiGate keys of a VPN line costs, one way at a time: the parser's per-key RE2 extraction
against the alternatives (one pattern for several keys, every pair at once, substring positions, PyArrow,
Polars), on the VPN lines of a log, on one thread.

    .venv/bin/python bench/fortigate_extract_bench.py LOG [--repeat 3]

LOG is a FortiGate log (bench/fortigate_log.py writes one; its 1M-line file with --vpn-share 0.2 holds 200k VPN
lines, which is plenty). The VPN lines are read into memory once, as the parser sees them (' ' + line), then
each way is timed by the process's CPU clock, best of --repeat runs, and printed as CPU s and microseconds per
line. Polars is measured only where it is importable (it is not a dependency of ccaudit); set
POLARS_MAX_THREADS=1 for a one-thread figure. Polars' values are compared with the parser's (untimed); the other
ways are not (some only locate the keys), so read them as the cost of the work, not as replacements.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from duckdb.func import PythonUDFType

from ccaudit.rawsources.sqlkit import connect, read_lines_sql

# The keys the FortiGate query reads on every VPN line: values without spaces (kvw) and names or reasons (kvs).
WORD_KEYS = ("action", "eventtime", "devid", "vd", "tunneltype", "tunnelid", "remip", "tunnelip", "duration")
TEXT_KEYS = ("devname", "user", "reason")
# Five keys FortiOS writes side by side in its tunnel events
SIDE_BY_SIDE = ("tunneltype", "tunnelid", "remip", "tunnelip", "user")
NOT_END = r'[^\t\n\f\r ,"]'  # RE2's [^\s,"]: Rust's \s would also take Unicode spaces


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("log", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    con = connect(threads=1)
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE TABLE v AS SELECT ' ' || line AS p FROM ({read_lines_sql(args.log)}) "
                "WHERE contains(line, 'subtype=\"vpn\"')")
    row = con.execute("SELECT count(*), avg(length(p)) FROM v").fetchall()[0]
    lines = int(row[0])
    print(f"{lines:,} VPN lines of {args.log}, {row[1]:.0f} characters on average; one thread, best of {args.repeat}")
    if not lines:
        raise SystemExit("no VPN lines (subtype=\"vpn\") in the log")
    parser_sql = [f"kvw(p, '{k}')" for k in WORD_KEYS] + [f"kvs(p, '{k}')" for k in TEXT_KEYS]
    expected = con.execute(f"SELECT {', '.join(parser_sql)} FROM v").fetchall()

    def timed(name: str, run: Callable[[], Any], check: Callable[[], bool] | None = None) -> None:
        """Best CPU seconds of --repeat runs; check (run once, untimed) tells whether the values are the parser's."""
        best = float("inf")
        for _ in range(args.repeat):
            cpu = time.process_time()
            run()
            best = min(best, time.process_time() - cpu)
        same = "not compared" if check is None else ("the parser's values" if check() else "OTHER values")
        print(f"{best:7.3f} CPU s {best / lines * 1e6:7.2f} us/line  {name}  ({same})", flush=True)

    def sql(expr: str) -> Callable[[], Any]:
        return lambda: con.execute(f"SELECT sum(hash({expr})) FROM v").fetchall()

    timed("the line's length (reading the column)", sql("length(p)"))
    timed("the parser: 12 keys, one RE2 extraction each (kvw, kvs)", sql(", ".join(parser_sql)))
    timed("one key (kvw action)", sql("kvw(p, 'action')"))
    timed("the quote guard (sqlkit.kv_guarded: one DFA test)", sql("kv_guarded(p)"))
    five_sep = ", ".join(f"kvw(p, '{k}')" for k in SIDE_BY_SIDE[:-1]) + ", kvs(p, 'user')"
    timed(f"{len(SIDE_BY_SIDE)} side-by-side keys, one extraction each", sql(five_sep))
    struct = "".join(f' {k}="?({NOT_END}*)"?' for k in SIDE_BY_SIDE[:-1]) + ' user=("[^"]*"|' + NOT_END + '*)'
    timed(f"the same {len(SIDE_BY_SIDE)} keys in one pattern (regexp_extract to a struct)",
          sql(f"regexp_extract(p, '{struct}', {list(SIDE_BY_SIDE)})"))
    timed("every key=value pair in one pass (regexp_extract_all)",
          sql(f"regexp_extract_all(p, ' [\\w.]+=(?:\"[^\"]*\"|{NOT_END}*)')"))
    timed("12 key positions only (instr)", sql(" + ".join(f"instr(p, ' {k}=')" for k in WORD_KEYS + TEXT_KEYS)))
    # kvw without a regular expression: the key found by instr, the value cut at the first space, comma, quote or
    # tab of the next 64 characters (NULL when the key is absent: instr's 0 made NULL)
    con.execute(r"""
        CREATE TEMP MACRO bench_slice(p, k) AS substr(p, nullif(instr(p, ' ' || k || '='), 0) + length(k) + 2, 64);
        CREATE TEMP MACRO bench_unquoted(s) AS CASE WHEN starts_with(s, '"') THEN substr(s, 2) ELSE s END;
        CREATE TEMP MACRO bench_cut(s) AS nullif(left(s, COALESCE(least(nullif(instr(s, ' '), 0),
            nullif(instr(s, ','), 0), nullif(instr(s, '"'), 0), nullif(instr(s, chr(9)), 0)), length(s) + 1) - 1), '');
        CREATE TEMP MACRO bench_kvw(p, k) AS bench_cut(bench_unquoted(bench_slice(p, k)));""")
    words = ", ".join(f"kvw(p, '{k}')" for k in WORD_KEYS)
    timed(f"{len(WORD_KEYS)} value-without-spaces keys, one RE2 extraction each (kvw)", sql(words))
    by_instr = words.replace("kvw(", "bench_kvw(")
    timed(f"the same {len(WORD_KEYS)} keys by instr + substr, no regular expression", sql(by_instr),
          lambda: con.execute(f"SELECT count(*) FROM v WHERE [{words}] IS DISTINCT FROM [{by_instr}]").fetchall()
          == [(0,)])

    column = con.sql("SELECT p FROM v").to_arrow_table()["p"].combine_chunks()
    pa.set_cpu_count(1)
    timed("PyArrow: 12 keys, one RE2 extraction each (extract_regex)",
          lambda: [pc.extract_regex(column, f' {k}="?(?P<v>{NOT_END}*)') for k in WORD_KEYS + TEXT_KEYS])
    _polars(timed, column, expected, con)


def _polars(timed: Callable[..., None], column: pa.Array, expected: list[tuple[Any, ...]],
            con: duckdb.DuckDBPyConnection) -> None:
    try:
        import polars as pl  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        print("Polars not importable: its figures skipped (pip install polars into a scratch folder and add it "
              "to PYTHONPATH to measure it)")
        return
    exprs = ([pl.col("p").str.extract(f' {k}="?({NOT_END}*)', 1).alias(k) for k in WORD_KEYS]
             + [pl.col("p").str.extract(f' {k}=("[^"]*"|{NOT_END}*)', 1).str.strip_chars('"').alias(k)
                for k in TEXT_KEYS])
    frame = pl.from_arrow(pa.table({"p": column}))
    assert isinstance(frame, pl.DataFrame)

    def same() -> bool:
        got = [tuple(v if v != "" else None for v in r) for r in frame.select(exprs).rows()]
        return bool(got == expected)

    timed(f"Polars {pl.__version__} ({pl.thread_pool_size()} threads): 12 keys, one Rust-regex extraction each",
          lambda: frame.select(exprs), same)
    timed("Polars: 12 key positions only (str.find, literal)",
          lambda: frame.select([pl.col("p").str.find(f" {k}=", literal=True).alias(k)
                                       for k in WORD_KEYS + TEXT_KEYS]))

    def udf(lines: pa.Array) -> pa.Array:
        return pl.from_arrow(pa.table({"p": lines})).select(exprs).to_struct().to_arrow()  # type: ignore[union-attr, unused-ignore]

    struct = duckdb.struct_type({k: duckdb.sqltype("VARCHAR") for k in WORD_KEYS + TEXT_KEYS})
    con.create_function("polars_keys", udf, [duckdb.sqltype("VARCHAR")], struct, type=PythonUDFType.ARROW,
                        side_effects=False)
    timed("Polars as a DuckDB Arrow function inside the query (a call per chunk of rows)",
          lambda: con.execute("SELECT sum(hash(polars_keys(p))) FROM v").fetchall())


if __name__ == "__main__":
    main()
