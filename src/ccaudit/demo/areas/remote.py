"""Demo evidence for remote work (Article 12.5).

What a firm's IT department hands in for remote work:
- the gateway's session export, one file a month as the gateway wrote it over the year: naive local
  time, ISO with 'T' (UTF-8 with BOM), UTC instants with 'Z' after the gateway was switched to UTC,
  '+08:00' offsets, one month in Big5 with Chinese headers, ROC timestamps ('115/03/02 上午 09:05:12')
  and Chinese MFA names, and one month in Parquet;
- the remote operation log (Parquet: the log-in of every session plus about 0.3 operations a session,
  a quarter of them from a system that records no session ID);
- the endpoint register (Excel, Chinese headers, V/X), the remote permissions (UTF-8 with BOM), the
  gateway register (Excel, ROC dates), the advisory feed (NDJSON) and the remote-work training
  records (CSV with ROC dates and Chinese topic names): remote_registers.py.

The ordinary sessions (a million at scale 1) and the operation log are drawn and written in DuckDB
(remote_sql.py) for the active remote-allowed people, inside their role's connection hours (Asia/Taipei),
mostly on weekdays. Everything that is not a planted gap is clean by construction: sessions end within
their role's window, every remote user has a session in the last 60 days, every session has a logged
operation, leavers connect only until their last day. The gaps are hand-placed sessions (here, with
ctx.rng: a few dozen), each of a different person: no MFA, an unsafe channel, out of hours, an incomplete
record, lost from the operation log. Around them sit clean boundary rows: a session exactly 90 days
before the as-of date written as a UTC instant of the day before, training and a gateway update exactly
12 months back, and out-of-window sessions with gaps (the day before the window, and the night after the
as-of date written as 2026-11-30T16:30:00Z) that no check may count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from dateutil.relativedelta import relativedelta

from ccaudit.demo.areas import remote_registers as registers
from ccaudit.demo.areas.remote_facts import (
    CHANNELS,
    CHECKS,
    DORMANT_DAYS,
    GATEWAY_CHANNEL,
    GATEWAY_WEIGHTS,
    GATEWAYS,
    MFA,
    MFA_WEIGHTS,
    OPERATIONS_CHECK,
    VENDOR,
)
from ccaudit.demo.areas.remote_sql import Draw, month_style, sessions_and_log
from ccaudit.demo.context import FirmContext

# What a hand-placed session may be besides its values: a record left incomplete (no end, an end before
# its start, no gateway); lost from the operation log; the one a planted operation names one past the
# export's last (ghost); the only session of the person with an operation outside any session (stray).
MARKS = ("no_end", "backwards", "no_gateway", "lost", "ghost", "stray")


@dataclass
class Sessions:
    """Remote sessions as parallel arrays; times are Asia/Taipei wall time (datetime64[s])."""

    person: np.ndarray  # index into the names table (people, then VENDOR)
    role: np.ndarray  # index into ctx.roles
    start: np.ndarray
    end: np.ndarray
    gateway: np.ndarray  # index into GATEWAYS
    channel: np.ndarray  # index into CHANNELS
    mfa: np.ndarray  # index into MFA
    ip: np.ndarray  # index into the IP pool
    special: np.ndarray  # hand-placed rows that random plants must not touch

    def __len__(self) -> int:
        return len(self.person)

    @staticmethod
    def concat(parts: list[Sessions]) -> Sessions:
        return Sessions(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS})

    def take(self, order: np.ndarray) -> Sessions:
        return Sessions(**{f: getattr(self, f)[order] for f in _FIELDS})


_FIELDS = ("person", "role", "start", "end", "gateway", "channel", "mfa", "ip", "special")


@dataclass(frozen=True)
class SessionPlant:
    """A planted gap on one session, by its index before the sessions are sorted and numbered."""

    check_id: str
    index: int
    with_role: bool = False  # key role_id|session_id (the hours check) instead of session_id
    suffix: str = ""  # "|" for the operations check (session_id|log_id, no log entry)
    compensated: bool = False


@dataclass
class Batch:
    """Sessions collected part by part, with the gaps planted on them."""

    parts: list[Sessions] = field(default_factory=list)
    size: int = 0
    plants: list[SessionPlant] = field(default_factory=list)
    marks: dict[str, list[int]] = field(default_factory=lambda: {m: [] for m in MARKS})

    def add(self, s: Sessions, *checks: str, mark: str | None = None, with_role: bool = False) -> None:
        for check_id in checks:
            self.plants += [SessionPlant(check_id, self.size + i, with_role) for i in range(len(s))]
        if mark is not None:
            self.marks[mark] += list(range(self.size, self.size + len(s)))
        self.parts.append(s)
        self.size += len(s)



@dataclass
class Plan:
    """Who plays which part: people picked once so that their rows agree across datasets."""

    remote: np.ndarray  # active remote-allowed people with ordinary activity (indices into ctx.people)
    dormant_91: int | None = None
    dormant_expired: int | None = None
    never_used: int | None = None
    edge_90: int | None = None
    leaver_allowed: int | None = None
    outsider: int | None = None  # active, not allowed remote work, connects anyway
    leavers: list[int] = field(default_factory=list)  # left within the year, connected until their last day
    stray: int | None = None  # one hand-placed session only, and an operation three hours before it
    gap_people: set[int] = field(default_factory=set)  # people of the pool given a planted gap's session


@dataclass(frozen=True)
class RoleWindows:
    ids: list[str]
    start: np.ndarray  # minutes after midnight
    end: np.ndarray
    full_day: np.ndarray
    of_person: np.ndarray  # role index of each person in ctx.people

    def allows(self, role: int, minute: int) -> bool:
        """Whether a session may start at `minute` after midnight under the role's window."""
        rs, re = int(self.start[role]), int(self.end[role])
        return bool(self.full_day[role] or (rs <= minute < re if rs < re else (minute >= rs or minute < re)))

    def inside(self, role: int) -> int:
        """A start minute well inside the window, leaving an hour before its end, on the same day."""
        rs, re = int(self.start[role]), int(self.end[role])
        if self.full_day[role]:
            return 600
        return rs + 45 if rs < re or rs + 110 <= 1440 else 0

    def outside(self, role: int) -> int:
        """A start minute outside a daytime window (two hours before it opens, or after it closes)."""
        rs, re = int(self.start[role]), int(self.end[role])
        return rs - 120 if rs >= 120 else re + 30


def generate(ctx: FirmContext) -> None:
    if not ctx.in_scope("allows_remote_work"):
        return
    for check_id in CHECKS:  # all evidence is supplied: a check with nothing planted must pass
        ctx.planted.expect_check(check_id)
    roles = _role_windows(ctx)
    plan = _plan(ctx, roles)
    n_ips = 2 * len(ctx.people["person_id"])  # two source addresses a person (remote_sql makes them)
    batch = Batch()
    _special_sessions(ctx, plan, roles, n_ips, batch)
    _gap_sessions(ctx, plan, roles, n_ips, batch)
    _operation_gaps(ctx, plan, roles, n_ips, batch)
    names = [str(p) for p in ctx.people["person_id"]] + [VENDOR]
    draw = Draw(pool=plan.remote, role_of_person=roles.of_person, role_start=roles.start, role_end=roles.end,
                role_full=roles.full_day, names=names)
    hand = Sessions.concat(batch.parts)
    written = sessions_and_log(ctx, draw, _hand_table(hand, batch, names))
    for plant in batch.plants:
        sid = written.hand_ids[plant.index]
        key = f"{roles.ids[hand.role[plant.index]]}|{sid}" if plant.with_role else sid
        ctx.planted.fail(plant.check_id, key + plant.suffix, compensated=plant.compensated)
    for key in written.log_keys:
        ctx.planted.fail(OPERATIONS_CHECK, key)
    registers.endpoints(ctx)
    registers.permissions(ctx)
    registers.gateways(ctx)
    registers.training(ctx)
    registers.policy(ctx)


def _hand_table(s: Sessions, batch: Batch, names: list[str]) -> pa.Table:
    """The hand-placed sessions as the `hand` table of remote_sql (h: their index in the batch)."""
    columns: dict[str, Any] = {
        "h": np.arange(len(s)), "person": s.person.astype(np.int64), "role": s.role.astype(np.int64),
        "start_time": pa.array(s.start.astype("datetime64[s]"), pa.timestamp("s")),
        "end_true": pa.array(s.end.astype("datetime64[s]"), pa.timestamp("s")),
        "gateway": s.gateway.astype(np.int64), "channel": s.channel.astype(np.int64),
        "mfa": s.mfa.astype(np.int64), "ip": s.ip.astype(np.int64), "person_id": [names[i] for i in s.person],
    }
    for mark in MARKS:
        flags = np.zeros(len(s), dtype=bool)
        flags[batch.marks[mark]] = True
        columns[mark] = flags
    return pa.table(columns)


# --- people and roles ----------------------------------------------------------------------------


# --- people and roles ----------------------------------------------------------------------------


def _plan(ctx: FirmContext, roles: RoleWindows) -> Plan:
    """Pick the people with a part to play; plants the leaver who keeps remote access."""
    rng = ctx.rng
    people = ctx.people
    active = people["employment_status"] == "active"
    allowed = people["remote_allowed"].astype(bool)
    remote = np.flatnonzero(active & allowed)
    remote = remote[rng.permutation(len(remote))]
    plan = Plan(remote=remote)
    dormant = ctx.plants("remote_account_not_dormant")
    if len(remote) >= 12:
        if dormant:
            plan.dormant_91, plan.dormant_expired, plan.never_used = (int(i) for i in remote[:3])
        # The 90-day boundary row is written at 00:30 Taipei (16:30Z the day before) if the role allows it.
        rest = [int(i) for i in remote[3 if dormant else 0:]]
        night = [i for i in rest if roles.allows(int(roles.of_person[i]), 30)]
        plan.edge_90 = night[0] if night else rest[0]
        rest = [i for i in rest if i != plan.edge_90]
        if ctx.plants(OPERATIONS_CHECK):
            plan.stray = rest.pop()
        plan.remote = np.array(rest, dtype=np.int64)
    outsiders = np.flatnonzero(active & ~allowed)
    if len(outsiders) and ctx.plants("remote_user_authorized"):
        plan.outsider = int(rng.choice(outsiders))
    window_start = ctx.as_of - relativedelta(months=12)
    first, last = window_start + dt.timedelta(days=45), ctx.as_of - dt.timedelta(days=20)
    left = [i for i, on in enumerate(people["terminated_on"]) if on is not None and first <= on <= last]
    left = [left[i] for i in rng.permutation(len(left))]
    if left and dormant:
        plan.leaver_allowed = left[0]
        plan.leavers = left[1:6]
        # Gap: HR recorded the departure, but remote access was never withdrawn.
        people["remote_allowed"] = allowed.copy()
        people["remote_allowed"][plan.leaver_allowed] = True
        ctx.planted.fail("remote_account_not_dormant", str(people["person_id"][plan.leaver_allowed]))
    return plan


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _role_windows(ctx: FirmContext) -> RoleWindows:
    ids = [str(r["role_id"]) for r in ctx.roles]
    start = np.array([_minutes(r["remote_start"]) for r in ctx.roles])
    end = np.array([_minutes(r["remote_end"]) for r in ctx.roles])
    full = (start == end) | ((start == 0) & (end >= 1439))
    index = {r: i for i, r in enumerate(ids)}
    of_person = np.array([index[str(r)] for r in ctx.people["role_id"]], dtype=np.int64)
    return RoleWindows(ids, start, end, full, of_person)


# --- hand-placed sessions ----------------------------------------------------------------------


def _times(rng: np.random.Generator, roles: RoleWindows, role: np.ndarray, days: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Start and end inside each role's window: starts skewed to the morning, ends by the window's end.

    Night duty (22:00-07:00) may start after midnight, i.e. on the calendar day after `days`."""
    n = len(role)
    start_s = np.zeros(n, dtype=np.int64)  # seconds after the day's midnight (past 24h for night duty)
    limit_s = np.zeros(n, dtype=np.int64)  # latest end, same reference
    rs, re, full = roles.start[role], roles.end[role], roles.full_day[role]
    timed = ~full
    span = np.where(full, 1420, np.where(rs < re, re - rs, 1440 - rs + re) - 20)  # minutes to start in
    offset = (rng.beta(1.3, 2.4, n) * span * 60).astype(np.int64)
    office = rng.random(n) < 0.85  # whole-day roles mostly keep office hours too
    start_s[timed] = rs[timed] * 60 + offset[timed]
    limit_s[timed] = (rs[timed] + span[timed] + 20) * 60
    start_s[full] = np.where(office[full], 8 * 3600 + offset[full] % (11 * 3600), offset[full])
    limit_s[full] = start_s[full] + 10 * 3600
    wanted = (np.exp(rng.normal(np.log(150), 0.7, n)) * 60).astype(np.int64)
    duration = np.clip(wanted, 300, limit_s - start_s)
    base = days.astype("datetime64[D]").astype("datetime64[s]")
    return base + start_s.astype("timedelta64[s]"), base + (start_s + duration).astype("timedelta64[s]")


def _draw(ctx: FirmContext, roles: RoleWindows, person: np.ndarray, days: np.ndarray, n_ips: int,
          special: bool = False) -> Sessions:
    rng = ctx.rng
    n = len(person)
    role = roles.of_person[person]
    start, end = _times(rng, roles, role, days)
    gateway = rng.choice(len(GATEWAYS), size=n, p=GATEWAY_WEIGHTS).astype(np.int8)
    channel = np.array(GATEWAY_CHANNEL, dtype=np.int8)[gateway]
    channel[(gateway == 1) & (rng.random(n) < 0.5)] = 0  # VPN-02 takes IPsec and SSL clients
    return Sessions(
        person=person.astype(np.int32), role=role, start=start, end=end, gateway=gateway, channel=channel,
        mfa=rng.choice(len(MFA), size=n, p=MFA_WEIGHTS).astype(np.int8),
        ip=((person * 2 + rng.integers(0, 2, n)) % n_ips).astype(np.int32), special=np.full(n, special),
    )


def _one(ctx: FirmContext, roles: RoleWindows, who: int, day: dt.date, n_ips: int, minute: int | None = None,
         mfa: str | None = None, channel: str | None = None, as_person: int | None = None,
         minutes: int = 50) -> Sessions:
    """One hand-placed session of `minutes` (50) on `day`: at `minute` after midnight, else 45 minutes into
    the role's window (10:00 for whole-day roles), which keeps it on that day and inside the window."""
    s = _draw(ctx, roles, np.array([who]), np.array([np.datetime64(day, "D")]), n_ips, special=True)
    if minute is None:
        minute = roles.inside(int(s.role[0]))
    s.start[0] = np.datetime64(day, "D").astype("datetime64[s]") + np.timedelta64(minute * 60, "s")
    s.end[0] = s.start[0] + np.timedelta64(minutes * 60, "s")
    if mfa is not None:
        s.mfa[0] = MFA.index(mfa)
    if channel is not None:
        s.channel[0] = CHANNELS.index(channel)
    if as_person is not None:
        s.person[0] = as_person
    return s


def _special_sessions(ctx: FirmContext, plan: Plan, roles: RoleWindows, n_ips: int, batch: Batch) -> None:
    as_of = ctx.as_of
    window_start = as_of - relativedelta(months=12)
    people = ctx.people
    pid = people["person_id"]
    planted = ctx.planted

    def one(who: int, day: dt.date, *checks: str, **options: Any) -> None:
        batch.add(_one(ctx, roles, who, day, n_ips, **options), *checks)

    # Dormant: last used 91 days before the as-of date, the day after the threshold.
    if plan.dormant_91 is not None:
        for back in (200, 150, DORMANT_DAYS + 1):
            one(plan.dormant_91, as_of - dt.timedelta(days=back))
        planted.fail("remote_account_not_dormant", str(pid[plan.dormant_91]))
    if plan.dormant_expired is not None:  # dormant; the measure that excused it has expired
        one(plan.dormant_expired, as_of - dt.timedelta(days=170))
        ctx.measures.append({
            "measure_id": "CM-RW-002", "requirement_id": "12.5.6", "check_id": "remote_account_not_dormant",
            "subject": str(pid[plan.dormant_expired]),
            "description": "派駐海外子公司期間保留遠端帳號供緊急使用",
            "approved_by": "資安長", "approved_on": as_of - dt.timedelta(days=400),
            "review_by": as_of - dt.timedelta(days=35),
        })
        planted.fail("remote_account_not_dormant", str(pid[plan.dormant_expired]))
    if plan.never_used is not None:  # never connected; a valid measure covers it
        ctx.measures.append({
            "measure_id": "CM-RW-001", "requirement_id": "12.5.6", "check_id": "remote_account_not_dormant",
            "subject": str(pid[plan.never_used]), "description": "營運持續計畫備援人員，帳號每月檢視",
            "approved_by": "資安長", "approved_on": as_of - dt.timedelta(days=60),
            "review_by": as_of + dt.timedelta(days=305),
        })
        planted.fail("remote_account_not_dormant", str(pid[plan.never_used]), compensated=True)
    if plan.edge_90 is not None:  # last used exactly 90 days back: not dormant
        day = as_of - dt.timedelta(days=DORMANT_DAYS)
        night = roles.allows(int(roles.of_person[plan.edge_90]), 30)
        one(plan.edge_90, day - dt.timedelta(days=40))
        one(plan.edge_90, day, minute=30 if night else None)
    # The leaver who kept remote access connected up to the last day, and after it.
    if plan.leaver_allowed is not None:
        left = people["terminated_on"][plan.leaver_allowed]
        for back in (40, 12, 0):
            one(plan.leaver_allowed, left - dt.timedelta(days=back))
        for after in (3, 11):
            one(plan.leaver_allowed, left + dt.timedelta(days=after), "remote_user_authorized")
    for leaver in plan.leavers:  # ordinary leavers: sessions until their last day, access withdrawn since
        left = people["terminated_on"][leaver]
        for back in (0, 1, 7, 15, 30):
            one(leaver, left - dt.timedelta(days=back))
    if plan.outsider is not None:  # an active employee without remote permission connects anyway
        for back in (25, 9):
            one(plan.outsider, as_of - dt.timedelta(days=back), "remote_user_authorized")
    if len(plan.remote) >= 2:
        vendor = len(people["person_id"])
        if ctx.plants("remote_user_authorized"):  # the vendor's shared account, in no register
            one(int(plan.remote[0]), as_of - dt.timedelta(days=33), "remote_user_authorized", as_person=vendor)
        # Window edges: the day before the window and the night after the as-of date carry gaps that
        # no check may count; the first day of the window counts.
        who = int(plan.remote[1])
        one(who, window_start - dt.timedelta(days=1), mfa="none", channel="telnet")
        one(who, window_start, "remote_login_used_mfa", mfa="none")
        one(who, as_of + dt.timedelta(days=1), minute=30, mfa="none", channel="telnet")




def _gap_sessions(ctx: FirmContext, plan: Plan, roles: RoleWindows, n_ips: int, batch: Batch) -> None:
    """The session gaps, each a hand-placed session of a different person of the pool, on a day of the
    window (not its first three days nor the as-of day) whose month's export style the gap needs:
    log-ins without a second factor ('none', 無 in the Big5 month, one left empty), unencrypted channels,
    connections out of hours (in Taipei time: 23:30 Taipei written as 15:30Z in a UTC month looks like
    office hours to anyone who forgets the zone), incomplete records (not in the Parquet month)."""
    pick = _People(ctx, plan, roles)

    def one(who: int, day: dt.date, check_id: str, mark: str | None = None, with_role: bool = False,
            **options: Any) -> None:
        batch.add(_one(ctx, roles, who, day, n_ips, **options), check_id, mark=mark, with_role=with_role)

    if ctx.plants("remote_login_used_mfa"):
        big5 = pick.take(1, month=lambda style: style == "big5_roc")
        others = pick.take(3)
        for k, (who, day) in enumerate(big5 + others):
            one(who, day, "remote_login_used_mfa", mfa="" if k == len(big5) + len(others) - 1 else "none")
    if ctx.plants("remote_channel_encrypted"):
        for (who, day), channel in zip(pick.take(3), ("rdp_direct", "telnet", "http"), strict=False):
            one(who, day, "remote_channel_encrypted", channel=channel)
    if ctx.plants("remote_session_within_allowed_hours"):
        hours = "remote_session_within_allowed_hours"
        for who, day in pick.take(1, daytime=True, month=lambda style: style == "utc"):
            one(who, day, hours, with_role=True, minute=23 * 60 + 30, minutes=40)
        for who, day in pick.take(2, daytime=True):
            one(who, day, hours, with_role=True, minute=roles.outside(int(roles.of_person[who])), minutes=35)
        for who, day in pick.take(1, daytime=True):  # runs past the window's end
            one(who, day, hours, with_role=True, minute=int(roles.end[roles.of_person[who]]) - 50, minutes=95)
    if ctx.plants("remote_session_record_complete"):
        incomplete = pick.take(3, month=lambda style: style != "parquet")
        for (who, day), mark in zip(incomplete, ("no_gateway", "no_end", "backwards"), strict=False):
            one(who, day, "remote_session_record_complete", mark=mark)


def _operation_gaps(ctx: FirmContext, plan: Plan, roles: RoleWindows, n_ips: int, batch: Batch) -> None:
    """Two sessions whose log entries were lost (one reconstructed under a valid measure), a session a
    planted operation names one past the export's last, and the stray person's only session, three hours
    after an operation of theirs (each a different person: a measure names a person and must cover only
    its own gap). The planted operations are added, and keyed, once the log is numbered (remote_sql)."""
    if not ctx.plants(OPERATIONS_CHECK) or plan.stray is None:
        return
    pick = _People(ctx, plan, roles)
    chosen = pick.take(3)
    if len(chosen) < 3:
        return
    (covered, day_c), (open_gap, day_o), (ghost, day_g) = chosen
    for who, day, compensated in ((covered, day_c, True), (open_gap, day_o, False)):
        batch.add(_one(ctx, roles, who, day, n_ips), mark="lost")
        batch.plants.append(SessionPlant(OPERATIONS_CHECK, batch.size - 1, suffix="|", compensated=compensated))
    batch.add(_one(ctx, roles, ghost, day_g, n_ips), mark="ghost")
    batch.add(_one(ctx, roles, plan.stray, ctx.as_of - dt.timedelta(days=10), n_ips), mark="stray")
    ctx.measures.append({
        "measure_id": "CM-RW-003", "requirement_id": "12.5.4", "check_id": OPERATIONS_CHECK,
        "subject": str(ctx.people["person_id"][covered]),
        "description": "日誌收集中斷，已自下單及交割系統稽核軌跡重建該連線之操作紀錄",
        "approved_by": "稽核主管", "approved_on": ctx.as_of - dt.timedelta(days=30),
        "review_by": ctx.as_of + dt.timedelta(days=200),
    })


class _People:
    """Picks people of the pool for gaps, each once, and days of the window by their month's style."""

    def __init__(self, ctx: FirmContext, plan: Plan, roles: RoleWindows) -> None:
        self.ctx, self.roles = ctx, roles
        # the first two of the pool play the vendor's session and the window edges
        self.people = [int(i) for i in plan.remote[2:]]
        self.used = plan.gap_people  # shared by every picker of this plan: a person plays one gap
        window_start = ctx.as_of - relativedelta(months=12)
        self.days = [window_start + dt.timedelta(days=d) for d in range(3, (ctx.as_of - window_start).days)]

    def day(self, month: Callable[[str], bool]) -> dt.date:
        days = [d for d in self.days if month(month_style(self.ctx, d.replace(day=1)))]
        return days[int(self.ctx.rng.integers(len(days)))]

    def daytime(self, person: int) -> bool:
        r = self.roles.of_person[person]
        return bool(not self.roles.full_day[r] and self.roles.start[r] < self.roles.end[r] <= 1400)

    def take(self, count: int, daytime: bool = False, month: Callable[[str], bool] = lambda style: True
             ) -> list[tuple[int, dt.date]]:
        """Up to `count` people not used before (daytime roles only if asked), each with a day."""
        chosen: list[tuple[int, dt.date]] = []
        for person in self.people:
            if len(chosen) == count:
                break
            if person in self.used or (daytime and not self.daytime(person)):
                continue
            self.used.add(person)
            chosen.append((person, self.day(month)))
        return chosen
