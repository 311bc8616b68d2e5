"""The remote-work area's large datasets, made in DuckDB: the gateway's session export (one file a month,
each month in its own style) and the remote operation log, written straight to the evidence files.

The ordinary sessions are drawn relationally (ccaudit.demo.relational): one row per draw from `range()`,
joined to a table of activity-weighted slots for the person and one of weekday-weighted slots for the day,
with the start inside the role's connection hours (skewed to the window's opening), a log-normal duration
that ends by the window's end, the gateway, channel, MFA method and source address each from its own hash
stream. First one session for every person of the pool within the last RECENT_DAYS days, then the rest by
activity. The hand-placed sessions (boundary rows and planted gaps, drawn in Python: a few dozen) are
added as they are, everything is numbered by start time (S00000001, ...), and each month is written.

The operation log holds a log-in entry naming every session, and an operation within about LOG_RATE of the
complete sessions (a function of the holder's role, a quarter of them naming no session); the entries of
the sessions planted as lost are left out, with any entry naming no session that falls inside one of them,
and two planted operations are added (one naming a session one past the export's last, one by a person
with no session then)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
from dateutil.relativedelta import relativedelta

from ccaudit.demo.areas.remote_facts import (
    CHANNELS,
    FIRM_TZ,
    FUNCTION_SYSTEM,
    GATEWAY_CHANNEL,
    GATEWAY_WEIGHTS,
    GATEWAYS,
    LOG_RATE,
    MFA,
    MFA_WEIGHTS,
    MFA_ZH,
    MONTH_STYLE,
    RECENT_DAYS,
    SESSIONS_BASE,
)
from ccaudit.demo.context import FirmContext
from ccaudit.demo.relational import connect, literal_list, register, weighted_slots
from ccaudit.demo.writer import Style

# A session's source address: one of its person's two (ip = person * 2 + 0 or 1), from its own hashes.
_IP = ("[1, 36, 49, 59, 61, 101, 111, 114, 118, 122, 123, 125][1 + CAST(floor(u(30, ip) * 12) AS BIGINT)]::VARCHAR"
       " || '.' || (1 + hash(u(31, ip)) % 254)::VARCHAR || '.' || (1 + (hash(u(31, ip)) >> 8) % 254)::VARCHAR"
       " || '.' || (1 + (hash(u(31, ip)) >> 16) % 254)::VARCHAR")
PERSON_SLOTS = 1 << 16  # resolution of the activity-weighted person draw
WEEKDAY_SLOTS, WEEKEND_SLOTS = 200, 13  # a weekday about 15 times as likely as a weekend day (0.065)


@dataclass(frozen=True)
class Draw:
    """What the ordinary sessions are drawn from; arrays index ctx.people (persons) and ctx.roles."""

    pool: np.ndarray  # people who connect in the ordinary way
    role_of_person: np.ndarray
    role_start: np.ndarray  # minutes after midnight, per role
    role_end: np.ndarray
    role_full: np.ndarray  # whole-day roles
    names: list[str]  # person_id per person index (people, then the vendor's account)


@dataclass(frozen=True)
class Written:
    """Keys known once numbered: each hand-placed session's ID, and the planted log entries' keys."""

    hand_ids: dict[int, str]
    log_keys: list[str]  # "session_id|log_id" of the two planted operations ("" for no session)


def sessions_and_log(ctx: FirmContext, draw: Draw, hand: pa.Table) -> Written:
    """Write remote_sessions (by month) and remote_operation_log; `hand` holds the hand-placed sessions
    (columns of _SESSION_COLUMNS and the marks no_end, backwards, no_gateway, lost, ghost, stray; `h` their
    index)."""
    rng = ctx.rng
    con = connect(int(rng.integers(1 << 62)))
    try:
        _tables(ctx, con, draw, rng.gamma(2.0, 1.0, len(draw.pool)), hand)
        total = ctx.n(SESSIONS_BASE)
        n_recent = len(draw.pool)
        n_rest = max(0, total - n_recent) if n_recent else 0
        con.execute(_sessions_sql(ctx, n_recent, n_rest, 2 * len(ctx.people["person_id"])))
        con.execute(f"CREATE TEMP TABLE sessions AS SELECT rowid + 1 AS rn, printf('S%08d', rowid + 1) AS session_id,"
                    f" *, {_IP} AS source_ip FROM drawn_sessions")
        con.execute("DROP TABLE drawn_sessions")
        _write_months(ctx, con)
        keys = _operation_log(ctx, con)
        ids = dict(con.execute("SELECT h, session_id FROM sessions WHERE h IS NOT NULL").fetchall())
    finally:
        con.close()
    return Written(hand_ids={int(h): str(s) for h, s in ids.items()}, log_keys=keys)


def _weighted_days(first: dt.date, last: dt.date) -> np.ndarray:
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    weekday = ((days.astype(np.int64) + 3) % 7) < 5  # 1970-01-01 was a Thursday
    slotted: np.ndarray = np.repeat(days, np.where(weekday, WEEKDAY_SLOTS, WEEKEND_SLOTS))
    return slotted


def _tables(ctx: FirmContext, con: duckdb.DuckDBPyConnection, draw: Draw, activity: np.ndarray,
            hand: pa.Table) -> None:
    as_of = ctx.as_of
    pool = draw.pool.astype(np.int64)
    register(con, "pool", {"k": np.arange(len(pool)), "person": pool, "role": draw.role_of_person[pool],
                           "person_id": [draw.names[i] for i in pool]})
    slots = weighted_slots(activity, PERSON_SLOTS) if len(pool) else np.zeros(0, dtype=np.int64)
    register(con, "person_slots", {"slot": np.arange(len(slots)), "k": slots})
    for name, first in (("recent_days", as_of - dt.timedelta(days=RECENT_DAYS - 1)),
                        ("year_days", as_of - relativedelta(months=12) + dt.timedelta(days=1))):
        days = _weighted_days(first, as_of)
        register(con, name, {"slot": np.arange(len(days)), "day": days})
    register(con, "role_windows", {"role": np.arange(len(draw.role_start)), "rs": draw.role_start,
                                   "re": draw.role_end, "whole_day": draw.role_full})
    functions = [list(r["allowed_functions"]) for r in ctx.roles]
    register(con, "role_functions", {
        "role": [r for r, f in enumerate(functions) for _ in f], "j": [j for f in functions for j in range(len(f))],
        "n": [len(f) for f in functions for _ in f], "function": [x for f in functions for x in f],
        "system": [FUNCTION_SYSTEM.get(x, "業務系統") for f in functions for x in f],
    })
    con.register("hand", hand)


def _cases(column: str, weights: list[float]) -> str:
    """CASE picking index k with probability weights[k] from a uniform `column` (zero weights never)."""
    bounds = np.cumsum(weights) / sum(weights)
    arms = [f"WHEN {column} < {float(b)!r} THEN {k}" for k, (b, w) in enumerate(zip(bounds, weights, strict=True)) if w]
    last = max(k for k, w in enumerate(weights) if w)
    return f"CASE {' '.join(arms[:-1])} ELSE {last} END"


def _sessions_sql(ctx: FirmContext, n_recent: int, n_rest: int, n_ips: int) -> str:
    """The `sessions` table: ordinary sessions drawn here and the hand-placed ones, numbered by start."""
    as_of = ctx.as_of
    recent_slots = len(_weighted_days(as_of - dt.timedelta(days=RECENT_DAYS - 1), as_of))
    year_slots = len(_weighted_days(as_of - relativedelta(months=12) + dt.timedelta(days=1), as_of))
    channel = " ".join(f"WHEN {g} THEN {c}" for g, c in enumerate(GATEWAY_CHANNEL))
    next_day = (as_of + dt.timedelta(days=1)).isoformat()
    return f"""
    CREATE TEMP TABLE drawn_sessions AS
    WITH draws AS (
        SELECT r.range AS i, p.person, p.person_id, p.role, d.day
        FROM range({n_recent}) r
        JOIN pool p ON p.k = r.range
        JOIN recent_days d ON d.slot = CAST(floor(u(1, r.range) * {recent_slots}) AS BIGINT)
        UNION ALL
        SELECT r.range + {n_recent} AS i, p.person, p.person_id, p.role, d.day
        FROM range({n_rest}) r
        JOIN person_slots ps ON ps.slot = CAST(floor(u(2, r.range + {n_recent}) * {PERSON_SLOTS}) AS BIGINT)
        JOIN pool p ON p.k = ps.k
        JOIN year_days d ON d.slot = CAST(floor(u(1, r.range + {n_recent}) * {year_slots}) AS BIGINT)
    ),
    windows AS (  -- minutes to start in: the window less 20 minutes (a whole day: 1420)
        SELECT d.*, w.rs, w.whole_day,
               CASE WHEN w.whole_day THEN 1420 WHEN w.rs < w.re THEN w.re - w.rs - 20
                    ELSE 1440 - w.rs + w.re - 20 END AS span
        FROM draws d JOIN role_windows w USING (role)
    ),
    placed AS (  -- seconds after the day's midnight (past 24 h for night duty); starts skewed to the morning
        SELECT *, CASE WHEN NOT whole_day THEN rs * 60 + off
                       WHEN u(4, i) < 0.85 THEN 8 * 3600 + off % (11 * 3600)  -- mostly office hours too
                       ELSE off END AS start_s
        FROM (SELECT *, CAST(floor(pow(u(3, i), 1.7) * span * 60) AS BIGINT) AS off FROM windows)
    ),
    timed AS (
        SELECT *, least(greatest(CAST(exp(ln(150) + 0.7 * normal(5, i)) * 60 AS BIGINT), 300),
                        CASE WHEN whole_day THEN 36000 ELSE (rs + span + 20) * 60 - start_s END) AS duration
        FROM placed
    ),
    drawn AS (
        SELECT i, person, person_id, role, day::TIMESTAMP + to_seconds(start_s) AS start_time,
               day::TIMESTAMP + to_seconds(start_s + duration) AS end_true,
               {_cases("u(6, i)", GATEWAY_WEIGHTS)} AS gateway, u(7, i) AS u_channel,
               {_cases("u(8, i)", MFA_WEIGHTS)} AS mfa,
               (person * 2 + CAST(u(9, i) < 0.5 AS BIGINT)) % {n_ips} AS ip
        FROM timed
    ),
    ordinary AS (  -- night duty drawn on the as-of day that would start after midnight moves back a day
        SELECT 0 AS src, i, NULL::BIGINT AS h, person, person_id, role,
               start_time - CASE WHEN late THEN INTERVAL 1 DAY ELSE INTERVAL 0 DAY END AS start_time,
               end_true - CASE WHEN late THEN INTERVAL 1 DAY ELSE INTERVAL 0 DAY END AS end_true,
               gateway,
               CASE WHEN gateway = 1 AND u_channel < 0.5 THEN 0 ELSE CASE gateway {channel} END END AS channel,
               mfa, ip, FALSE AS no_end, FALSE AS backwards, FALSE AS no_gateway, FALSE AS lost, FALSE AS ghost,
               FALSE AS stray
        FROM (SELECT *, start_time >= DATE '{next_day}' AS late FROM drawn)
    ),
    every AS (
        SELECT * FROM ordinary
        UNION ALL
        SELECT 1 AS src, h AS i, h, person, person_id, role, start_time, end_true, gateway, channel, mfa, ip, no_end,
               backwards, no_gateway, lost, ghost, stray
        FROM hand
    )
    SELECT *,
           CASE WHEN no_end THEN NULL WHEN backwards THEN start_time - INTERVAL 10 MINUTE ELSE end_true END
               AS end_written,
           least(date_trunc('month', start_time), DATE '{as_of.replace(day=1).isoformat()}') AS month
    FROM every
    ORDER BY start_time, src, i  -- stored in this order: the row ID is its number; no file sorts again
    """


def _utc_offset(ctx: FirmContext) -> int:
    """The firm zone's offset in seconds over the year (Taiwan has no DST; taken from the zone database)."""
    first = dt.datetime.combine(ctx.as_of - relativedelta(months=13), dt.time(12), FIRM_TZ).utcoffset()
    last = dt.datetime.combine(ctx.as_of + dt.timedelta(days=2), dt.time(12), FIRM_TZ).utcoffset()
    if first is None or first != last:
        raise ValueError("the firm's UTC offset changes within the demo year; write UTC per row instead")
    return int(first.total_seconds())


def _timestamp(column: str, style: str, offset: int) -> str:
    """A timestamp as a gateway of the given style writes it (NULL stays NULL)."""
    if style == "utc":
        return f"strftime({column} - to_seconds({offset}), '%Y-%m-%dT%H:%M:%SZ')"
    if style == "offset":
        sign = "+" if offset >= 0 else "-"
        suffix = f"{sign}{abs(offset) // 3600:02d}:{abs(offset) % 3600 // 60:02d}"
        return f"strftime({column}, '%Y-%m-%dT%H:%M:%S') || '{suffix}'"
    if style == "iso_t":
        return f"strftime({column}, '%Y-%m-%dT%H:%M:%S')"
    if style == "big5_roc":  # '115/03/02 上午 09:05:12', as Taiwanese Windows software writes it
        return (f"printf('%d/%02d/%02d %s %02d:%02d:%02d', year({column}) - 1911, month({column}), day({column}), "
                f"CASE WHEN hour({column}) < 12 THEN '上午' ELSE '下午' END, "
                f"CASE WHEN hour({column}) % 12 = 0 THEN 12 ELSE hour({column}) % 12 END, minute({column}), "
                f"second({column}))")
    return column


def month_style(ctx: FirmContext, month: dt.date) -> str:
    """The export style of a month (MONTH_STYLE, by months before the as-of month)."""
    back = (month.year - ctx.as_of.year) * 12 + month.month - ctx.as_of.month
    return MONTH_STYLE.get(back, "plain")


def _write_months(ctx: FirmContext, con: duckdb.DuckDBPyConnection) -> None:
    offset = _utc_offset(ctx)
    gateways = literal_list([g[0] for g in GATEWAYS])
    for (month,) in con.execute("SELECT DISTINCT month FROM sessions ORDER BY month").fetchall():
        day = month.date() if isinstance(month, dt.datetime) else month
        label = f"{day.year:04d}-{day.month:02d}"
        style = month_style(ctx, day)
        if style == "big5_roc":
            mfas = literal_list([MFA_ZH.get(m, m) or None for m in MFA])
            channels = literal_list(["SSLVPN" if c == "ssl_vpn" else c for c in CHANNELS])
        else:
            mfas, channels = literal_list([m or None for m in MFA]), literal_list(list(CHANNELS))
        query = f"""
            SELECT s.session_id, s.person_id,
                   CASE WHEN s.no_gateway THEN NULL ELSE {gateways}[s.gateway + 1] END AS gateway_id,
                   {_timestamp("s.start_time", style, offset)} AS start_time,
                   {_timestamp("s.end_written", style, offset)} AS end_time,
                   {channels}[s.channel + 1] AS channel, {mfas}[s.mfa + 1] AS mfa_method, s.source_ip
            FROM sessions s WHERE s.month = DATE '{day.isoformat()}'"""
        if style == "big5_roc":
            file_style, name = Style(fmt="csv", encoding="cp950", zh_headers=True), f"遠端連線紀錄_{label}"
        elif style == "parquet":
            file_style, name = Style(fmt="parquet"), f"vpn_sessions_{label}"
        else:
            encoding = "utf-8-sig" if style == "iso_t" else "utf-8"
            file_style, name = Style(fmt="csv", encoding=encoding), f"remote_sessions_{label}"
        ctx.writer.write_relation("remote_sessions", con, query, file_style, name=name)


def _operation_log(ctx: FirmContext, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Write the operation log; returns the planted operations' keys (session_id|log_id)."""
    con.execute(f"""
    CREATE TEMP TABLE operations AS
    WITH picked AS (  -- the complete sessions with an operation besides their log-in, and its function
        SELECT s.*, CAST(floor(u(22, s.rn) * f.n) AS BIGINT) AS j
        FROM sessions s JOIN (SELECT DISTINCT role, n FROM role_functions) f USING (role)
        WHERE u(20, s.rn) < {LOG_RATE!r} AND NOT s.no_end AND NOT s.backwards AND NOT s.lost
    ),
    entries AS (
        SELECT rn, 0 AS part, person, person_id, start_time AS occurred_at, '遠端存取閘道' AS system,
               'login' AS operation, session_id, FALSE AS planted
        FROM sessions WHERE NOT lost
        UNION ALL
        SELECT p.rn, 1, p.person, p.person_id,
               p.start_time + to_seconds(CAST(floor(u(21, p.rn) * greatest(
                   epoch(p.end_true) - epoch(p.start_time), 60)) AS BIGINT)),
               f.system, f.function, CASE WHEN u(23, p.rn) < 0.25 THEN NULL ELSE p.session_id END, FALSE
        FROM picked p JOIN role_functions f ON f.role = p.role AND f.j = p.j
    ),
    kept AS (  -- nor may an entry naming no session fall inside a lost session of its person by its time
        SELECT e.* FROM entries e
        ANTI JOIN (SELECT person, start_time, end_true FROM sessions WHERE lost) l
            ON l.person = e.person AND e.session_id IS NULL AND e.occurred_at BETWEEN l.start_time AND l.end_true
    ),
    planted AS (  -- an operation naming a session one past the export's last; one by a person with no session
        SELECT rn, 2 AS part, person, person_id, start_time + INTERVAL 300 SECOND AS occurred_at, '下單系統' AS system,
               'order_entry' AS operation, (SELECT printf('S%08d', count(*) + 1) FROM sessions) AS session_id,
               TRUE AS planted
        FROM sessions WHERE ghost
        UNION ALL
        SELECT rn, 2, person, person_id, start_time - INTERVAL 3 HOUR, '客戶管理系統', 'client_lookup', NULL, TRUE
        FROM sessions WHERE stray
    )
    SELECT * FROM (SELECT * FROM kept UNION ALL SELECT * FROM planted)
    ORDER BY occurred_at, part, rn  -- stored in this order: the row ID is the log entry's number
    """)
    log_id = "printf('L%09d', rowid + 1)"
    ctx.writer.write_relation(
        "remote_operation_log", con,
        f"SELECT {log_id} AS log_id, session_id, person_id, occurred_at, system, operation FROM operations",
        Style(fmt="parquet"), name=f"遠距操作紀錄_{ctx.as_of.year - 1911}")
    rows = con.execute(f"SELECT coalesce(session_id, ''), {log_id} FROM operations WHERE planted").fetchall()
    return [f"{sid}|{log_id}" for sid, log_id in rows]
