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
  records (CSV with ROC dates and Chinese topic names).

Sessions are drawn vectorised for the active remote-allowed people, inside their role's connection
hours (Asia/Taipei), mostly on weekdays. Everything that is not a planted gap is clean by
construction: sessions end within their role's window, every remote user has a session in the last
60 days, every session has a logged operation, leavers connect only until their last day. Around it
sit clean boundary rows: a session exactly 90 days before the as-of date written as a UTC instant of
the day before, training and a gateway update exactly 12 months back, and out-of-window sessions with
gaps (the day before the window, and the night after the as-of date written as 2026-11-30T16:30:00Z)
that no check may count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dateutil.relativedelta import relativedelta

from ccaudit.demo.context import FirmContext
from ccaudit.demo.writer import Column, Style

FIRM_TZ = ZoneInfo("Asia/Taipei")
SESSIONS_BASE = 1_000_000
LOG_RATE = 0.3
DORMANT_DAYS = 90  # as in remote_account_not_dormant's vars
RECENT_DAYS = 60  # every ordinary remote user has a session within this many days of the as-of date
VENDOR = "VND-0042"  # a vendor's shared account that is in no register
OPERATIONS_CHECK = "remote_operations_match_sessions"
CHECKS = (
    "remote_account_not_dormant", "remote_channel_encrypted", "remote_endpoint_controls_apps",
    "remote_endpoint_protects_client_data", "remote_gateway_not_known_vulnerable",
    "remote_gateway_updated_within_year", "remote_login_used_mfa", "remote_operations_match_sessions",
    "remote_permission_within_role", "remote_session_record_complete", "remote_session_within_allowed_hours",
    "remote_user_authorized", "remote_workers_trained_within_year",
)

# (gateway_id, product, version, last updated: days before as-of, or None for exactly 12 months back)
GATEWAYS: list[tuple[str, str, str, int | None]] = [
    ("VPN-01", "ExampleVPN", "9.1.4", 81),
    ("VPN-02", "ExampleVPN", "9.1.2", 290),  # on an advised version (planted)
    ("ZT-01", "ZeroGate ZTNA", "3.4.1", None),  # updated exactly 12 months back: clean
    ("VDI-01", "DeskCloud VDI", "2203.1", 520),  # not updated within the year (planted)
]
GATEWAY_WEIGHTS = [0.45, 0.25, 0.20, 0.10]
ADVISORIES: list[tuple[str, str, str, str]] = [  # product, affected version, advisory, fixed version
    ("ExampleVPN", "9.1.2", "CVE-2026-10231", "9.1.3"),
    ("ExampleVPN", "9.0.7", "CVE-2025-31337", "9.0.8"),
    ("ExampleVPN", "8.4.11", "CVE-2024-21762", "8.4.12"),
    ("ZeroGate ZTNA", "9.1.4", "ZG-SA-2026-004", "9.1.5"),  # VPN-01's version of another product: clean
    ("ZeroGate ZTNA", "3.2.0", "ZG-SA-2025-017", "3.2.1"),
    ("DeskCloud VDI", "2106", "DC-2025-0042", "2203"),
]
# Coded columns: sessions carry small integers, turned into text per file.
CHANNELS = ["ssl_vpn", "ipsec_vpn", "ztna", "vdi", "rdp_direct", "telnet", "http"]
GATEWAY_CHANNEL = [0, 1, 2, 3]  # VPN-01 ssl_vpn, VPN-02 ipsec_vpn (or ssl_vpn), ZT-01 ztna, VDI-01 vdi
MFA = ["totp", "push", "otp", "hardware_token", "certificate", "sms", "none", ""]
MFA_WEIGHTS = [0.35, 0.28, 0.10, 0.10, 0.12, 0.05, 0.0, 0.0]
MFA_ZH = {"otp": "動態密碼", "sms": "簡訊", "certificate": "憑證", "none": "無"}
FUNCTION_SYSTEM = {
    "order_entry": "下單系統", "quote": "行情系統", "client_lookup": "客戶管理系統", "risk_view": "風控系統",
    "server_admin": "主機管理", "monitoring": "監控系統", "ticketing": "工單系統", "settlement": "交割系統",
    "reporting": "報表系統", "audit_view": "稽核系統", "email": "郵件系統",
}
COURSES = {
    "prior": ("RW-SEC-2025", "遠距辦公資安警覺（114年度）"),
    "current": ("RW-SEC-2026", "遠距辦公資安警覺（115年度）"),
}
# How each month's export looks, by months before the as-of month (for 2026-11-30: 2026-01 is -10);
# months not listed are plain UTF-8 with naive local time.
MONTH_STYLE = {-10: "iso_t", -8: "big5_roc", -7: "utc", -6: "utc", -5: "parquet", -4: "iso_t", -2: "utc",
               -1: "offset", 0: "utc"}


def _text_table(values: Sequence[str | None]) -> np.ndarray:
    """A lookup array of Python strings: indexing it is cheap and pyarrow converts it fast."""
    return np.array(values, dtype=object)


def _numbered(prefix: str, count: int, width: int) -> np.ndarray:
    """IDs prefix + zero-padded 1..count (S00000001, ...), built in Arrow rather than in a Python loop."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, count + 1)), pa.string()), width, "0")
    ids: np.ndarray = pc.binary_join_element_wise(prefix, digits, "").to_numpy(zero_copy_only=False)
    return ids


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


@dataclass
class Batch:
    """Sessions collected part by part, with the gaps planted on them."""

    parts: list[Sessions] = field(default_factory=list)
    size: int = 0
    plants: list[SessionPlant] = field(default_factory=list)

    def add(self, s: Sessions, *checks: str) -> None:
        for check_id in checks:
            self.plants += [SessionPlant(check_id, self.size + i) for i in range(len(s))]
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


@dataclass
class Written:
    """What the session files need besides the sessions: IDs and the record defects planted."""

    ids: np.ndarray  # session ID per sorted row
    no_end: np.ndarray
    backwards: np.ndarray
    no_gateway: np.ndarray
    names: np.ndarray  # person_id text per person index
    ips: np.ndarray


def generate(ctx: FirmContext) -> None:
    if not ctx.in_scope("allows_remote_work"):
        return
    for check_id in CHECKS:  # all evidence is supplied: a check with nothing planted must pass
        ctx.planted.expect_check(check_id)
    roles = _role_windows(ctx)
    plan = _plan(ctx, roles)
    sessions, written = _sessions(ctx, plan, roles)
    _operation_log(ctx, sessions, written)
    _write_sessions(ctx, sessions, written)
    _endpoints(ctx)
    _permissions(ctx)
    _gateways(ctx)
    _training(ctx)
    _policy(ctx)


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
        plan.remote = np.array([i for i in rest if i != plan.edge_90])
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


# --- sessions ------------------------------------------------------------------------------------


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


def _days(ctx: FirmContext, n: int, first: dt.date, last: dt.date) -> np.ndarray:
    """n days between first and last (inclusive), weekdays about 15 times as likely as weekend days."""
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    weekday = ((days.astype(np.int64) + 3) % 7) < 5  # 1970-01-01 was a Thursday
    weights = np.where(weekday, 1.0, 0.065)
    return ctx.rng.choice(days, size=n, p=weights / weights.sum())


def _sessions(ctx: FirmContext, plan: Plan, roles: RoleWindows) -> tuple[Sessions, Written]:
    rng = ctx.rng
    n_people = len(ctx.people["person_id"])
    prefixes = rng.choice([1, 36, 49, 59, 61, 101, 111, 114, 118, 122, 123, 125], size=2 * n_people)
    octets = rng.integers(1, 255, size=(2 * n_people, 3))
    ips = _text_table([f"{a}.{b}.{c}.{d}" for a, (b, c, d) in zip(prefixes, octets, strict=True)])
    as_of = ctx.as_of
    first_bulk = as_of - relativedelta(months=12) + dt.timedelta(days=1)
    total = ctx.n(SESSIONS_BASE)
    pool = plan.remote
    batch = Batch()
    # Everyone in the pool connects at least once in the last RECENT_DAYS days, then draws by activity.
    recent_days = _days(ctx, len(pool), as_of - dt.timedelta(days=RECENT_DAYS - 1), as_of)
    batch.add(_draw(ctx, roles, pool, recent_days, len(ips)))
    activity = rng.gamma(2.0, 1.0, len(pool))
    rest = max(0, total - len(pool))
    batch.add(_draw(ctx, roles, rng.choice(pool, size=rest, p=activity / activity.sum()),
                    _days(ctx, rest, first_bulk, as_of), len(ips)))
    _special_sessions(ctx, plan, roles, len(ips), batch)
    sessions = Sessions.concat(batch.parts)
    # Night duty drawn on the as-of day that would start after midnight moves back a day.
    late = ~sessions.special & (sessions.start >= np.datetime64(as_of + dt.timedelta(days=1), "s"))
    sessions.start[late] -= np.timedelta64(1, "D")
    sessions.end[late] -= np.timedelta64(1, "D")
    marks = _plant_session_gaps(ctx, sessions, roles, batch)
    order = np.argsort(sessions.start, kind="stable")
    ids = _numbered("S", len(order), 8)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    for plant in batch.plants:
        sid = str(ids[rank[plant.index]])
        key = f"{roles.ids[sessions.role[plant.index]]}|{sid}" if plant.with_role else sid
        ctx.planted.fail(plant.check_id, key)
    names = _text_table([str(p) for p in ctx.people["person_id"]] + [VENDOR])
    written = Written(ids=ids, no_end=marks["no_end"][order], backwards=marks["backwards"][order],
                      no_gateway=marks["no_gateway"][order], names=names, ips=ips)
    return sessions.take(order), written


def _one(ctx: FirmContext, roles: RoleWindows, who: int, day: dt.date, n_ips: int, minute: int | None = None,
         mfa: str | None = None, channel: str | None = None, as_person: int | None = None) -> Sessions:
    """One hand-placed 50-minute session on `day`: at `minute` after midnight, else 45 minutes into the
    role's window (10:00 for whole-day roles), which keeps it on that day and inside the window."""
    s = _draw(ctx, roles, np.array([who]), np.array([np.datetime64(day, "D")]), n_ips, special=True)
    if minute is None:
        minute = roles.inside(int(s.role[0]))
    s.start[0] = np.datetime64(day, "D").astype("datetime64[s]") + np.timedelta64(minute * 60, "s")
    s.end[0] = s.start[0] + np.timedelta64(50 * 60, "s")
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


def _plant_session_gaps(
    ctx: FirmContext, s: Sessions, roles: RoleWindows, batch: Batch
) -> dict[str, np.ndarray]:
    """Gaps on ordinary sessions within the window: no MFA, unsafe channels, out of hours, incomplete."""
    rng = ctx.rng
    n = len(s)
    marks = {k: np.zeros(n, dtype=bool) for k in ("no_end", "backwards", "no_gateway")}
    window_start = np.datetime64(ctx.as_of - relativedelta(months=12), "D").astype("datetime64[s]")
    as_of_day = np.datetime64(ctx.as_of, "D").astype("datetime64[s]")
    candidates = np.flatnonzero(~s.special & (s.start >= window_start) & (s.start < as_of_day))
    if len(candidates) < 50:
        return marks
    picked = [int(i) for i in rng.choice(candidates, size=min(len(candidates), 500), replace=False)]
    style = {i: _month_style(ctx, s.start[i]) for i in picked}
    used: set[int] = set()

    def take(count: int, ok: Any = None) -> list[int]:
        """Sessions of distinct people, each used for one gap only."""
        chosen: list[int] = []
        for i in picked:
            if len(chosen) == count:
                break
            if int(s.person[i]) in used or (ok is not None and not ok(i)):
                continue
            chosen.append(i)
            used.add(int(s.person[i]))
        return chosen

    def daytime(i: int) -> bool:
        r = s.role[i]
        return bool(not roles.full_day[r] and roles.start[r] < roles.end[r] <= 1400)

    def plant(check_id: str, rows: list[int], with_role: bool = False) -> None:
        batch.plants.extend(SessionPlant(check_id, i, with_role) for i in rows)

    # Log-ins without a second factor: 'none' (無 in the Big5 month), and one left empty.
    no_mfa = take(1, lambda i: style[i] == "big5_roc") + take(3)
    s.mfa[no_mfa] = MFA.index("none")
    s.mfa[no_mfa[-1]] = MFA.index("")
    plant("remote_login_used_mfa", no_mfa)
    # Unencrypted channels: direct RDP, Telnet and plain HTTP.
    unsafe = take(3)
    for i, channel in zip(unsafe, ("rdp_direct", "telnet", "http"), strict=False):
        s.channel[i] = CHANNELS.index(channel)
    plant("remote_channel_encrypted", unsafe)
    # Out of hours in Taipei time: 23:30 Taipei, written as 15:30Z in a UTC month, looks like office
    # hours to anyone who forgets the zone; before the window opens; a session running past its end.
    day = s.start.astype("datetime64[D]").astype("datetime64[s]")
    hours = ctx.plants("remote_session_within_allowed_hours")
    for i in take(1, lambda i: daytime(i) and style[i] == "utc") if hours else []:
        s.start[i] = day[i] + np.timedelta64(23 * 3600 + 30 * 60, "s")
        s.end[i] = s.start[i] + np.timedelta64(40 * 60, "s")
        plant("remote_session_within_allowed_hours", [i], with_role=True)
    for i in take(2, daytime) if hours else []:
        s.start[i] = day[i] + np.timedelta64(roles.outside(int(s.role[i])) * 60, "s")
        s.end[i] = s.start[i] + np.timedelta64(35 * 60, "s")
        plant("remote_session_within_allowed_hours", [i], with_role=True)
    for i in take(1, daytime) if hours else []:
        s.start[i] = day[i] + np.timedelta64(int(roles.end[s.role[i]] - 50) * 60, "s")
        s.end[i] = s.start[i] + np.timedelta64(95 * 60, "s")
        plant("remote_session_within_allowed_hours", [i], with_role=True)
    # Incomplete records: no gateway, no end, an end before the start.
    incomplete = take(3, lambda i: style[i] != "parquet")
    for kind, i in zip(("no_gateway", "no_end", "backwards"), incomplete, strict=False):
        marks[kind][i] = True
    plant("remote_session_record_complete", incomplete)
    return marks


# --- operation log -------------------------------------------------------------------------------


def _operation_log(ctx: FirmContext, s: Sessions, w: Written) -> None:
    """A log-in entry at the start of every session (naming it) and operations within about LOG_RATE
    of the sessions; the order system's entries (about a quarter) name no session and link by time.

    Planted: two sessions whose entries were lost (one reconstructed under a valid measure), an
    operation naming a session the gateway export lacks, and one by a person with no session then."""
    rng = ctx.rng
    n = len(s)
    incomplete = w.no_end | w.backwards  # no usable end: only their log-in, which is surely inside them
    sampled = np.flatnonzero((rng.random(n) < LOG_RATE) & ~incomplete)
    duration = np.maximum((s.end[sampled] - s.start[sampled]).astype(np.int64), 60)
    at = s.start[sampled] + (rng.random(len(sampled)) * duration).astype("timedelta64[s]")
    # Operations: the functions of the session holder's role (a role x function table, padded).
    functions = [list(r["allowed_functions"]) for r in ctx.roles]
    width = max(len(f) for f in functions)
    table = np.array([f + [f[0]] * (width - len(f)) for f in functions], dtype=object)
    counts = np.array([len(f) for f in functions])
    pick = (rng.random(len(sampled)) * counts[s.role[sampled]]).astype(np.int64)
    systems = np.vectorize(lambda f: FUNCTION_SYSTEM.get(f, "業務系統"), otypes=[object])(table)
    every = np.arange(n)
    idx = np.concatenate([every, sampled])
    occurred = np.concatenate([s.start, at])
    operation = np.concatenate([np.full(n, "login", dtype=object), table[s.role[sampled], pick]])
    system = np.concatenate([np.full(n, "遠端存取閘道", dtype=object), systems[s.role[sampled], pick]])
    unnamed = np.zeros(len(idx), dtype=bool)
    unnamed[n:] = rng.random(len(sampled)) < 0.25
    session_id = w.ids[idx].astype(object)
    session_id[unnamed] = None
    planted = np.full(len(idx), "", dtype=object)

    lost, extra = _plant_operation_gaps(ctx, s, w)
    keep = ~np.isin(idx, lost)
    for i in lost:  # nor may an entry that names no session fall inside a lost session by its time
        inside = (s.person[idx] == s.person[i]) & (occurred >= s.start[i]) & (occurred <= s.end[i])
        keep &= ~(inside & unnamed)
    cols = [a[keep] for a in (idx, occurred, operation, system, session_id, planted)]
    person = w.names[s.person[cols[0]]]
    for who, when, sid, op_system, op in extra:
        person = np.append(person, who)
        cols = [np.append(c, v) for c, v in zip(cols, (-1, when, op, op_system, sid, "planted"), strict=True)]
    order = np.argsort(cols[1], kind="stable")
    _, occurred, operation, system, session_id, planted = (c[order] for c in cols)
    person = person[order]
    log_ids = _numbered("L", len(order), 9)
    for k in np.flatnonzero(planted == "planted"):
        ctx.planted.fail(OPERATIONS_CHECK, f"{session_id[k] or ''}|{log_ids[k]}")
    ctx.writer.write("remote_operation_log", {
        "log_id": log_ids, "session_id": session_id, "person_id": person, "occurred_at": occurred,
        "system": system, "operation": operation,
    }, Style(fmt="parquet"), name=f"遠距操作紀錄_{ctx.as_of.year - 1911}")


def _plant_operation_gaps(
    ctx: FirmContext, s: Sessions, w: Written
) -> tuple[list[int], list[tuple[str, Any, str | None, str, str]]]:
    """Sessions to lose from the log, and operations to add that no session covers; records the keys
    of the lost sessions (the added operations get theirs once numbered)."""
    rng = ctx.rng
    window_start = np.datetime64(ctx.as_of - relativedelta(months=12) + dt.timedelta(days=2), "D")
    as_of_day = np.datetime64(ctx.as_of, "D")
    usable = ~s.special & ~w.no_end & ~w.backwards & (s.start >= window_start) & (s.start < as_of_day)
    # Each plant on a different person: a measure names a person and must cover only its own gap.
    first = np.full(int(s.person.max()) + 1, len(s))
    np.minimum.at(first, s.person, np.arange(len(s)))  # each person's first session (sorted by start)
    candidates = [int(i) for i in rng.permutation(np.flatnonzero(usable))]
    people: list[int] = []
    chosen: list[int] = []
    for i in candidates:
        if int(s.person[i]) not in people:
            chosen.append(i)
            people.append(int(s.person[i]))
        if len(chosen) == 3:
            break
    # The stray operation comes three hours before its person's first session, which starts well
    # inside the window; no other plant involves that person.
    has = first < len(s)
    later = np.zeros(len(first), dtype=bool)
    later[has] = (s.start[first[has]] >= window_start + np.timedelta64(1, "D")) & ~s.special[first[has]]
    later[people] = False
    strays = first[later]
    if len(chosen) < 3 or not len(strays):
        return [], []
    covered, open_gap, ghost_at = chosen
    for i in (covered, open_gap):
        ctx.planted.fail(OPERATIONS_CHECK, f"{w.ids[i]}|", compensated=i == covered)
    pid = w.names[s.person[covered]]
    ctx.measures.append({
        "measure_id": "CM-RW-003", "requirement_id": "12.5.4", "check_id": OPERATIONS_CHECK,
        "subject": str(pid), "description": "日誌收集中斷，已自下單及交割系統稽核軌跡重建該連線之操作紀錄",
        "approved_by": "稽核主管", "approved_on": ctx.as_of - dt.timedelta(days=30),
        "review_by": ctx.as_of + dt.timedelta(days=200),
    })
    ghost_sid = f"S{len(s) + 1:08d}"  # one past the export's last session: a cut-off export
    stray = strays[int(rng.integers(len(strays)))]
    extra: list[tuple[str, Any, str | None, str, str]] = [
        (str(w.names[s.person[ghost_at]]), s.start[ghost_at] + np.timedelta64(300, "s"), ghost_sid,
         "下單系統", "order_entry"),
        (str(w.names[s.person[stray]]), s.start[stray] - np.timedelta64(3 * 3600, "s"), None,
         "客戶管理系統", "client_lookup"),
    ]
    return [covered, open_gap], extra


# --- writing the sessions ------------------------------------------------------------------------


def _month_style(ctx: FirmContext, when: Any) -> str:
    """The export style of the month of `when` (a datetime64)."""
    month = np.asarray(when).astype("datetime64[M]")
    months_back = int((month - np.datetime64(ctx.as_of, "M")).astype(np.int64))
    return MONTH_STYLE.get(months_back, "plain")


def _utc_offset(ctx: FirmContext) -> np.timedelta64:
    """The firm zone's offset over the year (Taiwan has no DST; taken from the zone database anyway)."""
    first = dt.datetime.combine(ctx.as_of - relativedelta(months=13), dt.time(12), FIRM_TZ).utcoffset()
    last = dt.datetime.combine(ctx.as_of + dt.timedelta(days=2), dt.time(12), FIRM_TZ).utcoffset()
    if first is None or first != last:
        raise ValueError("the firm's UTC offset changes within the demo year; write UTC per row instead")
    return np.timedelta64(int(first.total_seconds()), "s")


def _text(values: np.ndarray, style: str, offset: np.timedelta64) -> np.ndarray:
    """Timestamps as a gateway of the given style writes them; NaT as an empty cell."""
    if style == "utc":
        utc: np.ndarray = values - offset
        text = np.datetime_as_string(utc, unit="s", timezone="UTC")
    elif style == "offset":
        seconds = int(offset / np.timedelta64(1, "s"))
        sign = "+" if seconds >= 0 else "-"
        suffix = f"{sign}{abs(seconds) // 3600:02d}:{abs(seconds) % 3600 // 60:02d}"
        text = np.char.add(np.datetime_as_string(values, unit="s"), suffix)
    elif style == "big5_roc":
        text = _roc_timestamps(values)
    else:
        text = np.datetime_as_string(values, unit="s")
    missing = np.isnat(values)
    if not missing.any():
        return text
    cells = text.astype(object)
    cells[missing] = None  # an empty cell: DuckDB writes "" for an empty string, which reads back as text
    return cells


def _roc_timestamps(values: np.ndarray) -> np.ndarray:
    """'115/03/02 上午 09:05:12', as Taiwanese Windows software writes a date and time (NaT: None)."""
    days = values.astype("datetime64[D]")
    months = values.astype("datetime64[M]")
    seconds = (values - days).astype(np.int64)
    hours = seconds // 3600

    def text(numbers: np.ndarray, width: int = 2) -> Any:
        return pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width, "0")

    half = pa.array(np.where(hours < 12, "上午", "下午"))
    roc_year = values.astype("datetime64[Y]").astype(np.int64) + 1970 - 1911
    day_of_month = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    date = pc.binary_join_element_wise(text(roc_year, 1), text(months.astype(np.int64) % 12 + 1),
                                       text(day_of_month), "/")
    clock = pc.binary_join_element_wise(text(hours % 12 + 12 * (hours % 12 == 0)),
                                        text(seconds % 3600 // 60), text(seconds % 60), ":")
    joined = pc.binary_join_element_wise(date, half, clock, " ")
    cells: np.ndarray = joined.to_numpy(zero_copy_only=False)
    return cells


def _write_sessions(ctx: FirmContext, s: Sessions, w: Written) -> None:
    offset = _utc_offset(ctx)
    end = s.end.copy()
    end[w.no_end] = np.datetime64("NaT")
    end[w.backwards] = s.start[w.backwards] - np.timedelta64(10 * 60, "s")
    gateways = _text_table([g[0] for g in GATEWAYS] + [None])
    gateway = np.where(w.no_gateway, len(GATEWAYS), s.gateway)
    channels = _text_table(CHANNELS)
    mfas = _text_table([m or None for m in MFA])
    month = s.start.astype("datetime64[M]")
    month = np.minimum(month, np.datetime64(ctx.as_of, "M"))  # the night after the as-of date
    bounds = np.flatnonzero(np.diff(month.astype(np.int64))) + 1  # sessions are sorted by start
    for sel in np.split(np.arange(len(s)), bounds):
        label = str(month[sel[0]])
        style = _month_style(ctx, month[sel[0]])
        cols: dict[str, Column] = {
            "session_id": w.ids[sel], "person_id": w.names[s.person[sel]],
            "gateway_id": gateways[gateway[sel]], "start_time": s.start[sel], "end_time": end[sel],
            "channel": channels[s.channel[sel]],
            "mfa_method": mfas[s.mfa[sel]], "source_ip": w.ips[s.ip[sel]],
        }
        if style in ("utc", "offset", "big5_roc", "iso_t"):
            cols["start_time"] = _text(s.start[sel], style, offset)
            cols["end_time"] = _text(end[sel], style, offset)
        if style == "big5_roc":
            cols["mfa_method"] = _text_table([MFA_ZH.get(m, m) or None for m in MFA])[s.mfa[sel]]
            zh_channels = _text_table(["SSLVPN" if c == "ssl_vpn" else c for c in CHANNELS])
            cols["channel"] = zh_channels[s.channel[sel]]
            ctx.writer.write("remote_sessions", cols, Style(fmt="csv", encoding="cp950", zh_headers=True),
                             name=f"遠端連線紀錄_{label}")
        elif style == "parquet":
            ctx.writer.write("remote_sessions", cols, Style(fmt="parquet"), name=f"vpn_sessions_{label}")
        else:
            encoding = "utf-8-sig" if style == "iso_t" else "utf-8"
            ctx.writer.write("remote_sessions", cols, Style(fmt="csv", encoding=encoding),
                             name=f"remote_sessions_{label}")


# --- registers -----------------------------------------------------------------------------------


def _roc_compact(day: dt.date) -> str:
    """A date as Taiwanese offices write it into file names: 1151130."""
    return f"{day.year - 1911}{day.month:02d}{day.day:02d}"


def _endpoints(ctx: FirmContext) -> None:
    """One laptop per person with remote access; six planted gaps on the first six."""
    rng = ctx.rng
    holders = np.flatnonzero(ctx.people["remote_allowed"].astype(bool))
    holders = holders[rng.permutation(len(holders))]
    n = len(holders)
    ids = np.array([f"NB-{i:05d}" for i in rng.choice(np.arange(10000, 99999), size=n, replace=False)])
    agent, app, disk, dlp = (np.full(n, True, dtype=object) for _ in range(4))
    seen = np.datetime64(ctx.as_of, "s") - (rng.random(n) * 20 * 86400).astype("timedelta64[s]")
    if n >= 6 and (ctx.plants("remote_endpoint_controls_apps") or ctx.plants("remote_endpoint_protects_client_data")):
        app[0] = False  # application control switched off
        agent[1], app[1] = False, False  # agent never installed
        app[2] = False  # a valid measure covers this one
        disk[3] = False  # disk not encrypted
        dlp[4] = False  # DLP off; its measure expired
        dlp[5] = None  # DLP state not recorded
        planted = ctx.planted
        planted.fail("remote_endpoint_controls_apps", str(ids[0]), str(ids[1]))
        planted.fail("remote_endpoint_controls_apps", str(ids[2]), compensated=True)
        planted.fail("remote_endpoint_protects_client_data", str(ids[3]), str(ids[4]), str(ids[5]))
        ctx.measures.append({
            "measure_id": "CM-RW-004", "requirement_id": "12.5.1",
            "check_id": "remote_endpoint_controls_apps",
            "subject": str(ids[2]), "description": "僅允許經VDI存取公司系統，設備本機不存放業務資料",
            "approved_by": "資安長", "approved_on": ctx.as_of - dt.timedelta(days=90),
            "review_by": ctx.as_of + dt.timedelta(days=90),
        })
        ctx.measures.append({
            "measure_id": "CM-RW-005", "requirement_id": "12.5.8",
            "check_id": "remote_endpoint_protects_client_data",
            "subject": str(ids[4]), "description": "DLP授權更新前暫以USB封鎖替代",
            "approved_by": "資安長", "approved_on": ctx.as_of - dt.timedelta(days=300),
            "review_by": ctx.as_of - dt.timedelta(days=1),
        })
    ctx.writer.write("remote_endpoints", {
        "endpoint_id": ids, "person_id": ctx.people["person_id"][holders],
        "security_agent_installed": agent, "app_control_enabled": app,
        "disk_encrypted": disk, "dlp_enabled": dlp, "last_seen": seen,
    }, Style(fmt="xlsx", zh_headers=True, bool_style="v"), name=f"遠距設備_{_roc_compact(ctx.as_of)}")


def _permissions(ctx: FirmContext) -> None:
    """Each remote user has most of the role's functions; two grants beyond the role, one to the vendor."""
    rng = ctx.rng
    people = ctx.people
    role_functions = {str(r["role_id"]): list(r["allowed_functions"]) for r in ctx.roles}
    rows: dict[str, list[Any]] = {"person_id": [], "system": [], "function": []}

    def grant(person: str, function: str) -> None:
        rows["person_id"].append(person)
        rows["system"].append(FUNCTION_SYSTEM.get(function, "業務系統"))
        rows["function"].append(function)

    holders = np.flatnonzero(people["remote_allowed"].astype(bool))
    for i in holders:
        functions = role_functions.get(str(people["role_id"][i]), [])
        for function in [f for f in functions if rng.random() < 0.85] or functions[:1]:
            grant(str(people["person_id"][i]), function)
    planted = ctx.planted
    # Gaps: a function outside the role, for two people whose role lacks it.
    shuffled = holders[rng.permutation(len(holders))]
    chosen: set[int] = set()
    for function in ("server_admin", "settlement") if planted.plants("remote_permission_within_role") else ():
        who = next((int(i) for i in shuffled if int(i) not in chosen
                    and function not in role_functions.get(str(people["role_id"][i]), [])), None)
        if who is not None:
            chosen.add(who)
            grant(str(people["person_id"][who]), function)
            planted.fail("remote_permission_within_role",
                         f"{people['person_id'][who]}|{FUNCTION_SYSTEM[function]}|{function}")
    if planted.plants("remote_permission_within_role"):
        grant(VENDOR, "monitoring")
    planted.fail("remote_permission_within_role", f"{VENDOR}|{FUNCTION_SYSTEM['monitoring']}|monitoring")
    ctx.writer.write("remote_permissions", rows,
                     Style(fmt="csv", encoding="utf-8-sig", zh_headers=True), name="遠距權限")


def _gateways(ctx: FirmContext) -> None:
    if not ctx.every_gap:  # the credible firm did not hand in its gateway register: 12.5.7 needs review
        ctx.planted.withhold("remote_gateway_not_known_vulnerable", "remote_gateway_updated_within_year")
        return
    window_start = ctx.as_of - relativedelta(months=12)
    updated = [window_start if back is None else ctx.as_of - dt.timedelta(days=back) for *_, back in GATEWAYS]
    ctx.writer.write("remote_gateways", {
        "gateway_id": [g[0] for g in GATEWAYS], "product": [g[1] for g in GATEWAYS],
        "version": [g[2] for g in GATEWAYS], "last_updated_on": updated,
    }, Style(fmt="xlsx", zh_headers=True, roc_dates=True), name="遠端閘道")
    ctx.writer.write("gateway_advisories", {
        "product": [a[0] for a in ADVISORIES], "affected_version": [a[1] for a in ADVISORIES],
        "advisory_id": [a[2] for a in ADVISORIES], "fixed_version": [a[3] for a in ADVISORIES],
    }, Style(fmt="ndjson"), name="gateway_advisories_feed")
    ctx.planted.fail("remote_gateway_not_known_vulnerable", "VPN-02|CVE-2026-10231")
    ctx.planted.fail("remote_gateway_updated_within_year", "VDI-01")


def _training(ctx: FirmContext) -> None:
    """This year's remote-work course for every active remote worker, but two; one exactly 12 months back."""
    rng = ctx.rng
    people = ctx.people
    window_start = ctx.as_of - relativedelta(months=12)
    active = people["employment_status"] == "active"
    order = [int(w) for w in rng.permutation(np.flatnonzero(people["remote_allowed"].astype(bool) & active))]
    rows: dict[str, list[Any]] = {"person_id": [], "course_id": [], "course_title": [], "topic": [],
                                  "completed_on": []}

    def record(person: int, course: str, on: dt.date) -> None:
        course_id, title = COURSES[course]
        rows["person_id"].append(str(people["person_id"][person]))
        rows["course_id"].append(course_id)
        rows["course_title"].append(title)
        rows["topic"].append("遠距辦公")
        rows["completed_on"].append(on)

    never: int | None = None
    stale: int | None = None
    boundary: int | None = None
    if len(order) >= 3 and ctx.plants("remote_workers_trained_within_year"):
        never, stale, boundary = order[:3]
    span = (ctx.as_of - window_start).days - 2
    for w in order:
        if rng.random() < 0.6:
            record(w, "prior", window_start - dt.timedelta(days=int(rng.integers(20, 300))))
        if w == never:
            continue
        if w == stale:
            record(w, "current", window_start - dt.timedelta(days=1))
        elif w == boundary:
            record(w, "current", window_start)
        else:
            record(w, "current", window_start + dt.timedelta(days=1 + int(rng.integers(0, span))))
    for missed in (never, stale):
        if missed is not None:
            ctx.planted.fail("remote_workers_trained_within_year", str(people["person_id"][missed]))
    ctx.writer.write("training_records", rows,
                     Style(fmt="csv", encoding="utf-8-sig", zh_headers=True, roc_dates=True),
                     name="training_records_remote")


def _policy(ctx: FirmContext) -> None:
    ctx.policies.append({
        "doc_id": "POL-RW-01", "title": "遠距辦公資訊安全管理辦法", "policy_area": "remote_work",
        "topics": ["endpoint_security", "function_authority", "connection_hours", "logging",
                   "mfa_secure_channel", "least_privilege", "vpn_updates", "client_data_protection",
                   "awareness_training"],
        "version": "2.1", "approved_by": "總經理", "approved_on": ctx.as_of - dt.timedelta(days=700),
        "last_reviewed_on": ctx.as_of - dt.timedelta(days=120),
    })
    ctx.attestations.append({
        "requirement_id": "12.5.8", "result": "met", "attested_by": "稽核室 林美玲",
        "attested_on": ctx.as_of - dt.timedelta(days=20), "document_ref": "POL-RW-01 v2.1 §6",
        "note": "已訂定客戶資料於遠距作業之保護措施（磁碟加密、DLP、禁止列印與下載）",
    })
