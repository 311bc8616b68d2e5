"""Demo evidence for the mobile area (Article 12.3).

Company devices: the device register (an Excel workbook with Chinese headers and values), each
device's holder history (a Big5 CSV with ROC dates, as the general-affairs office keeps it), the MDM's
reset log (UTC instants, as the MDM exports them), the app inventory (Parquet) and the approved-app
list. Employee-owned devices, when the firm allows them: the BYOD register (Big5, ROC dates) and the
NAC's tethering events (NDJSON with +08:00 offsets).

Planted gaps sit on chosen rows; the rest is clean noise chosen so that no check fails on it: old
hand-overs before the 12-month window without a reset, a reset at 23:30 Taipei on the new holder's
first day (15:30Z), unapproved apps on devices in stock or retired, an app id in other letter case,
deregistered own devices without an agreement, unauthorized tethering just before the window and
unauthorized events of type "other".
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from dateutil.relativedelta import relativedelta

from ccaudit.demo.context import FirmContext
from ccaudit.demo.writer import Style, roc

MODELS = np.array(["iPhone 15", "iPhone 14", "iPhone SE", "Galaxy S24", "Galaxy A55", "Pixel 8", "iPad 10",
                   "iPad Air"])
STATUSES = np.array(["in_use", "in_stock", "returned", "retired"])
STATUS_ZH = {"in_use": "使用中", "in_stock": "庫存", "returned": "已繳回", "retired": "已報廢"}
SLOTS = 4  # at most four holders per device

# (app_id, name): tested and listed by the firm, including the platforms' own apps.
APPROVED_APPS: list[tuple[str, str]] = [
    ("com.apple.mobilesafari", "Safari"), ("com.apple.mobilemail", "郵件"), ("com.apple.camera", "相機"),
    ("com.android.chrome", "Chrome"), ("com.google.android.gm", "Gmail"),
    ("com.microsoft.outlook", "Outlook"), ("com.microsoft.teams", "Teams"),
    ("com.microsoft.authenticator", "Authenticator"),
    ("tw.com.example.trade", "範例證券行動下單"), ("tw.com.example.quote", "範例證券行情"),
    ("tw.com.example.crm", "客戶關係管理"), ("com.cisco.anyconnect", "AnyConnect VPN"),
    ("jp.naver.line.android", "LINE"), ("com.citrix.receiver", "Citrix Workspace"),
]
UNAPPROVED_APPS: list[tuple[str, str]] = [
    ("com.tencent.mm", "WeChat"), ("com.zhiliaoapp.musically", "TikTok"), ("com.example.freevpn", "Free VPN"),
    ("com.dropbox.android", "Dropbox"), ("org.telegram.messenger", "Telegram"),
]
FUTURE_APP = ("tw.com.example.aiassist", "AI 投資助理")  # approved only after the as-of date
BYOD_PURPOSES = np.array(["電子郵件", "行事曆", "行動下單", "視訊會議", "行情查詢"])
EVENT_TYPES = np.array(["tethering", "hotspot", "bridging", "other"])


def generate(ctx: FirmContext) -> None:
    _company_policies(ctx)
    in_use, device_ids = _devices_and_history(ctx)
    _apps(ctx, device_ids, in_use)
    if ctx.in_scope("allows_byod"):
        _byod_policies(ctx)
        pairs = _byod_register(ctx)
        _network_events(ctx, pairs)


def _window_start(ctx: FirmContext) -> dt.date:
    return ctx.as_of - relativedelta(months=12)


def _roc_stamp(ctx: FirmContext) -> str:
    """The as-of date as a ROC stamp for file names (1151130): the file's effective date."""
    return roc(ctx.as_of).replace("/", "")


def _d64(date: dt.date) -> np.datetime64:
    return np.datetime64(date, "D")


def _iso(day: np.datetime64) -> str:
    return str(np.datetime_as_string(day, unit="D"))


def _company_policies(ctx: FirmContext) -> None:
    # Request, use and return are in the current rule; replacement sits in an old procedure nobody
    # has reviewed for over a year, so it counts as uncovered and the procedure itself is stale.
    ctx.policies.append({
        "doc_id": "POL-MOB-01", "title": "公務行動裝置管理規範", "policy_area": "mobile_company",
        "topics": ["request", "use", "return"], "version": "3.0", "approved_by": "總經理",
        "approved_on": ctx.days_before(880), "last_reviewed_on": ctx.days_before(95),
    })
    ctx.policies.append({
        "doc_id": "POL-MOB-02", "title": "公務行動裝置汰換作業要點", "policy_area": "mobile_company",
        "topics": ["replacement"], "version": "1.1", "approved_by": "資訊長",
        "approved_on": ctx.days_before(1400),
        "last_reviewed_on": ctx.days_before(430 if ctx.plants("mobile_policy_covers_lifecycle") else 200),
    })
    ctx.planted.fail("mobile_policy_covers_lifecycle", "replacement|", "|POL-MOB-02")


def _byod_policies(ctx: FirmContext) -> None:
    ctx.policies.append({
        "doc_id": "POL-BYOD-01", "title": "員工自有行動裝置使用管理辦法", "policy_area": "mobile_byod",
        "topics": ["permitted_purposes", "agreement", "liabilities"], "version": "1.2",
        "approved_by": "總經理",
        "approved_on": ctx.days_before(700), "last_reviewed_on": ctx.days_before(40),
    })
    ctx.policies.append({
        "doc_id": "POL-BYOD-02", "title": "自有裝置網路分享管理要點", "policy_area": "mobile_byod",
        "topics": ["tethering"], "version": "1.0", "approved_by": "資安長",
        "approved_on": ctx.days_before(1100),
        "last_reviewed_on": ctx.days_before(500 if ctx.plants("byod_policy_states_purposes") else 160),
    })
    ctx.planted.fail("byod_policy_states_purposes", "|POL-BYOD-02")
    ctx.attestations.append({
        "requirement_id": "12.3.2.1", "result": "met", "attested_by": "稽核室 林怡君",
        "attested_on": ctx.days_before(21), "document_ref": "POL-BYOD-01 v1.2 第3條 使用範圍",
        "note": "已載明自有裝置僅得用於電子郵件、行事曆、行動下單、視訊會議及行情查詢",
    })


def _devices_and_history(ctx: FirmContext) -> tuple[np.ndarray, np.ndarray]:
    """The device register, the holder history and the reset log; returns (in-use mask, device ids)."""
    rng = ctx.rng
    n = max(60, ctx.n(5000))
    as_of = _d64(ctx.as_of)
    window_start = _d64(_window_start(ctx))
    ids = np.array([f"MD-{i:05d}" for i in range(1, n + 1)])
    status = rng.choice(STATUSES, size=n, p=[0.82, 0.08, 0.05, 0.05])
    status[:3] = "in_use"  # the first devices carry boundary rows below

    # Holder periods: consecutive, 60-540 days each, a 0-14 day gap between holders.
    holders_wanted = rng.integers(1, SLOTS + 1, size=n)
    start = as_of - rng.integers(300, 1800, size=n).astype("timedelta64[D]")
    length = rng.integers(60, 540, size=(n, SLOTS)).astype("timedelta64[D]")
    gap = rng.integers(0, 15, size=(n, SLOTS)).astype("timedelta64[D]")
    assigned = np.empty((n, SLOTS), dtype="datetime64[D]")
    returned = np.empty((n, SLOTS), dtype="datetime64[D]")
    assigned[:, 0] = start
    for j in range(SLOTS):
        returned[:, j] = assigned[:, j] + length[:, j]
        if j + 1 < SLOTS:
            assigned[:, j + 1] = returned[:, j] + gap[:, j]
    slot = np.arange(SLOTS)[None, :]
    using = status == "in_use"
    # A device in use: every period that has started, the last one still open. Otherwise only
    # periods already over (a device in stock may never have been issued).
    valid = np.where(using[:, None], assigned <= as_of, returned <= as_of) & (slot < holders_wanted[:, None])
    valid[using, 0] = True
    count = valid.sum(axis=1)
    last = count - 1
    open_last = using[:, None] & (slot == last[:, None])
    returned_out = np.where(open_last, np.datetime64("NaT"), returned)

    people = ctx.active_people()
    pick = rng.integers(0, len(people), size=(n, SLOTS))
    for j in range(1, SLOTS):  # consecutive holders differ: every change of holder is a hand-over
        same = pick[:, j] == pick[:, j - 1]
        pick[same, j] = (pick[same, j] + 1) % len(people)
    holder = people[pick]

    # Resets: one per hand-over, between the return and the new holder's first day (inclusive).
    handover = valid & (slot >= 1)
    prev_returned = np.concatenate([returned[:, :1], returned[:, :-1]], axis=1)
    span = (assigned - prev_returned).astype(int)
    reset_day = prev_returned + (rng.random((n, SLOTS)) * (span + 1)).astype(int).astype("timedelta64[D]")
    reset_minute = rng.integers(8 * 60, 20 * 60, size=(n, SLOTS))
    has_reset = handover.copy()
    # Noise: a quarter of the hand-overs before the window were never logged; they are not judged.
    old = handover & (assigned < window_start)
    has_reset &= ~(old & (rng.random((n, SLOTS)) < 0.25))

    # Clean boundary rows on device 1: a reset at 23:30 Taipei on the new holder's first day.
    _force_handover(valid, assigned, returned, returned_out, 0, as_of - np.timedelta64(40, "D"))
    reset_day[0, 1], reset_minute[0, 1], has_reset[0, 1] = assigned[0, 1], 23 * 60 + 30, True
    # Planted on device 2: the reset lands at 00:30 Taipei the day after (16:30Z on the first day).
    _force_handover(valid, assigned, returned, returned_out, 1, as_of - np.timedelta64(70, "D"))
    reset_day[1, 1], reset_minute[1, 1], has_reset[1, 1] = assigned[1, 1] + np.timedelta64(1, "D"), 30, True
    # Planted on device 3: a hand-over on the first day of the window, without a reset.
    _force_handover(valid, assigned, returned, returned_out, 2, window_start)
    has_reset[2, 1] = False
    if not ctx.plants("company_device_reset_between_holders"):  # the credible firm resets on time
        reset_day[1:3, 1], reset_minute[1:3, 1], has_reset[1:3, 1] = assigned[1:3, 1], 9 * 60, True
    handover = valid & (slot >= 1)
    count = valid.sum(axis=1)
    last = count - 1
    planted_keys = [f"{ids[i]}|{holder[i, 1]}|{_iso(assigned[i, 1])}" for i in (1, 2)]

    in_window = handover & (assigned >= window_start) & (assigned <= as_of)
    in_window[:3] = False
    rows, cols = np.nonzero(in_window)
    chosen = rng.permutation(len(rows))[: max(2, ctx.n(24))]
    for k, c in enumerate(chosen if ctx.plants("company_device_reset_between_holders") else []):
        i, j = rows[c], cols[c]
        if k % 2 == 0:
            has_reset[i, j] = False  # never reset
        else:  # reset while the previous holder still had it, days before the return
            reset_day[i, j] = returned[i, j - 1] - np.timedelta64(int(rng.integers(2, 20)), "D")
        planted_keys.append(f"{ids[i]}|{holder[i, j]}|{_iso(assigned[i, j])}")
    ctx.planted.fail("company_device_reset_between_holders", *planted_keys)

    # The register: the current holder and the request of devices in use.
    row_idx = np.arange(n)
    current_holder = holder[row_idx, last].astype(object)
    issued_on = assigned[row_idx, last].copy()
    year = issued_on.astype("datetime64[Y]").astype(int) + 1970
    serial = np.char.zfill((row_idx + 1).astype(str), 5)
    request_ref = np.char.add(np.char.add("REQ-", year.astype(str)), np.char.add("-", serial)).astype(object)
    current_holder[~using] = None
    request_ref[~using] = None
    issued_on[~using] = np.datetime64("NaT")
    candidates = rng.permutation(np.nonzero(using & (row_idx >= 3))[0])
    gaps = candidates[: max(3, ctx.n(8))] if ctx.plants("company_device_issued_on_request") else candidates[:0]
    for k, i in enumerate(gaps):
        if k % 3 == 0:
            current_holder[i] = None
        elif k % 3 == 1:
            request_ref[i] = None
        else:
            current_holder[i], request_ref[i] = None, None
    ctx.planted.fail("company_device_issued_on_request", *ids[gaps].tolist())
    ctx.writer.write("company_mobile_devices", {
        "device_id": ids, "model": rng.choice(MODELS, size=n),
        "status": np.array([STATUS_ZH[s] for s in status.tolist()]),
        "holder_id": current_holder, "request_ref": request_ref, "issued_on": issued_on,
    }, Style(fmt="xlsx", zh_headers=True), name=f"公務行動裝置_{_roc_stamp(ctx)}")

    r, c = np.nonzero(valid)
    ctx.writer.write("device_assignments", {
        "device_id": ids[r], "holder_id": holder[r, c], "assigned_on": assigned[r, c],
        "returned_on": returned_out[r, c],
    }, Style(fmt="csv", encoding="cp950", zh_headers=True, roc_dates=True), name="裝置保管紀錄")

    # The reset log: hand-overs, first provisioning before the first holder, and a wipe at the end
    # of devices no longer in use (neither falls inside any hand-over).
    r, c = np.nonzero(has_reset & handover)
    local = reset_day[r, c].astype("datetime64[m]") + reset_minute[r, c].astype("timedelta64[m]")
    methods = rng.choice(np.array(["factory_reset", "mdm_wipe", "reconfigure"]), size=len(r))
    first = np.nonzero(count > 0)[0]
    provision = (assigned[first, 0] - rng.integers(1, 6, size=len(first)).astype("timedelta64[D]")).astype(
        "datetime64[m]") + rng.integers(9 * 60, 18 * 60, size=len(first)).astype("timedelta64[m]")
    ended = np.nonzero(~using & (count > 0))[0]
    after = rng.integers(0, 3, size=len(ended)).astype("timedelta64[D]")
    end_day = np.minimum(returned[ended, last[ended]] + after, as_of)
    wipe_minute = rng.integers(9 * 60, 18 * 60, size=len(ended)).astype("timedelta64[m]")
    wipe = end_day.astype("datetime64[m]") + wipe_minute
    all_local = np.concatenate([local, provision, wipe])
    utc = (all_local - np.timedelta64(8 * 60, "m")).astype("datetime64[s]")
    ctx.writer.write("device_resets", {
        "device_id": np.concatenate([ids[r], ids[first], ids[ended]]),
        "reset_at": np.char.add(np.datetime_as_string(utc, unit="s"), "Z"),
        "method": np.concatenate([methods, np.full(len(first), "provisioning"),
                                  np.full(len(ended), "mdm_wipe")]),
    }, Style(fmt="csv"), name=f"device_resets_mdm_{ctx.as_of.isoformat()}")
    return using, ids


def _force_handover(valid: np.ndarray, assigned: np.ndarray, returned: np.ndarray, returned_out: np.ndarray,
                    i: int, on: np.datetime64) -> None:
    """Make device i have exactly two holders, the second from `on` (still holding it)."""
    valid[i] = False
    valid[i, :2] = True
    assigned[i, 0] = on - np.timedelta64(300, "D")
    returned[i, 0] = on - np.timedelta64(1, "D")
    returned_out[i, 0] = returned[i, 0]
    assigned[i, 1] = on
    returned[i, 1] = np.datetime64("NaT")
    returned_out[i, 1] = np.datetime64("NaT")


def _apps(ctx: FirmContext, ids: np.ndarray, in_use: np.ndarray) -> None:
    rng = ctx.rng
    n = len(ids)
    pool = np.array([a for a, _ in APPROVED_APPS])
    names = dict(APPROVED_APPS + UNAPPROVED_APPS + [FUTURE_APP])
    per_device = rng.integers(3, 7, size=n)
    order = np.argsort(rng.random((n, len(pool))), axis=1)
    mask = np.arange(len(pool))[None, :] < per_device[:, None]
    dev = np.repeat(np.arange(n), per_device)
    app = pool[order[mask]]
    # Noise: an app id exported in capitals still matches the list.
    app = app.astype(object)
    app[: max(1, n // 50)] = [a.upper() for a in app[: max(1, n // 50)]]

    extra_dev: list[int] = []
    extra_app: list[str] = []
    using = rng.permutation(np.nonzero(in_use)[0])
    planted = using[: max(3, ctx.n(30))]
    for k, i in enumerate(planted if ctx.plants("company_device_only_approved_apps") else []):
        extra_dev.append(int(i))
        extra_app.append(UNAPPROVED_APPS[k % len(UNAPPROVED_APPS)][0])
    future_device = int(using[len(planted)])
    if ctx.plants("company_device_only_approved_apps"):
        extra_dev.append(future_device)
        extra_app.append(FUTURE_APP[0])
    keys = [f"{ids[i]}|{a}" for i, a in zip(extra_dev, extra_app, strict=True)] or [""]
    # A test device with a beta app, covered by a documented exception.
    covered = keys[0]
    ctx.measures.append({
        "measure_id": "CM-MOB-001", "requirement_id": "12.3.1.3",
        "check_id": "company_device_only_approved_apps", "subject": str(ids[planted[0]]),
        "description": "測試用機，隔離於測試網段且未存放客戶資料", "approved_by": "資安長",
        "approved_on": ctx.days_before(150), "review_by": ctx.as_of + dt.timedelta(days=215),
    })
    ctx.planted.fail("company_device_only_approved_apps", covered, compensated=True)
    ctx.planted.fail("company_device_only_approved_apps", *keys[1:])
    # Noise: unapproved apps on devices not in use are not judged.
    idle = np.nonzero(~in_use)[0][:10]
    for i in idle:
        extra_dev.append(int(i))
        extra_app.append(UNAPPROVED_APPS[int(i) % len(UNAPPROVED_APPS)][0])

    all_dev = np.concatenate([dev, np.array(extra_dev, dtype=int)])
    all_app = np.concatenate([app, np.array(extra_app, dtype=object)])
    versions = np.char.add(np.char.add(rng.integers(1, 20, size=len(all_dev)).astype(str), "."),
                           rng.integers(0, 10, size=len(all_dev)).astype(str))
    ctx.writer.write("device_apps", {
        "device_id": ids[all_dev], "app_id": all_app,
        "app_name": np.array([names.get(str(a).lower(), "") for a in all_app], dtype=object),
        "version": versions,
    }, Style(fmt="parquet"), name=f"device_apps_{ctx.as_of.isoformat()}")

    approved = [(a, nm, ctx.days_before(int(rng.integers(200, 1500)))) for a, nm in APPROVED_APPS]
    approved.append((FUTURE_APP[0], FUTURE_APP[1], ctx.as_of + dt.timedelta(days=14)))
    ctx.writer.write("approved_apps", {
        "app_id": [a for a, _, _ in approved], "app_name": [nm for _, nm, _ in approved],
        "approved_on": [d for _, _, d in approved],
    }, Style(fmt="csv", encoding="utf-8-sig", zh_headers=True), name=f"核准應用程式_{_roc_stamp(ctx)}")


def _byod_register(ctx: FirmContext) -> list[tuple[str, str]]:
    """The own-device register; returns the active (person, device) pairs."""
    rng = ctx.rng
    people = ctx.active_people()
    n = max(12, min(len(people), round(len(people) * 0.12)))
    person = rng.choice(people, size=n, replace=False)
    device = np.array([f"BYOD-{i:05d}" for i in range(1, n + 1)])
    registered = ctx.days_before(rng.integers(10, 1000, size=n))
    signed = np.minimum(registered + rng.integers(0, 4, size=n).astype("timedelta64[D]"), _d64(ctx.as_of))
    ref = np.char.add("AGR-", np.char.zfill(np.arange(1, n + 1).astype(str), 5)).astype(object)
    signed_out = signed.astype(object)
    status = np.where(rng.random(n) < 0.9, "使用中", "已註銷").astype(object)
    status[:2] = "使用中"
    # Noise: deregistered devices whose agreement was never filed.
    dereg = np.nonzero(status == "已註銷")[0][:3]
    ref[dereg] = None
    signed_out[dereg] = None
    active = np.nonzero(status == "使用中")[0]
    gaps = rng.permutation(active)[: max(4, ctx.n(10))]
    for k, i in enumerate(gaps):  # the credible firm's gaps: agreements missing or signed too late
        if k % 4 == 0:
            ref[i], signed_out[i] = None, None
        elif k % 4 == 1:
            signed_out[i] = None
        elif k % 4 == 2:
            ref[i] = None
        else:
            signed_out[i] = ctx.as_of + dt.timedelta(days=int(rng.integers(1, 10)))
    ctx.planted.fail("byod_user_signed_agreement", *[f"{person[i]}|{device[i]}" for i in gaps])
    ctx.writer.write("byod_register", {
        "person_id": person, "device_id": device, "registered_on": registered,
        "purpose": rng.choice(BYOD_PURPOSES, size=n), "agreement_ref": ref, "agreement_signed_on": signed_out,
        "status": status,
    }, Style(fmt="csv", encoding="cp950", zh_headers=True, roc_dates=True),
       name=f"自有裝置登記_{_roc_stamp(ctx)}")
    return [(str(person[i]), str(device[i])) for i in active]


def _network_events(ctx: FirmContext, pairs: list[tuple[str, str]]) -> None:
    rng = ctx.rng
    n = max(40, ctx.n(1500))
    as_of_end = np.datetime64(ctx.as_of + dt.timedelta(days=1), "m")
    window_start = np.datetime64(_window_start(ctx), "m")
    who = rng.integers(0, len(pairs), size=n)
    person = np.array([pairs[i][0] for i in who])
    device = np.array([pairs[i][1] for i in who])
    minutes_back = rng.integers(1, 500 * 24 * 60, size=n).astype("timedelta64[m]")
    occurred = as_of_end - minutes_back
    kind = rng.choice(EVENT_TYPES, size=n, p=[0.4, 0.3, 0.1, 0.2])
    authorized: np.ndarray = np.full(n, True, dtype=object)
    in_window = occurred >= window_start
    # Noise: unauthorized events before the window, and unauthorized events of type "other".
    authorized[~in_window & (rng.random(n) < 0.3)] = False
    other = kind == "other"
    authorized[other & (rng.random(n) < 0.5)] = False
    authorized[other & (rng.random(n) < 0.2)] = None
    # Boundary rows: one minute before the window (not judged), the window's first minute (planted).
    occurred[0], kind[0], authorized[0] = window_start - np.timedelta64(1, "m"), "hotspot", False
    occurred[1], kind[1], authorized[1] = window_start, "tethering", False
    judged = np.nonzero(in_window & ~other)[0]
    judged = judged[judged > 1]
    gaps = [1, *rng.permutation(judged)[: max(3, ctx.n(20))].tolist()]
    if not ctx.plants("no_unauthorized_byod_tethering"):  # the window's first minute was authorized
        authorized[1], gaps = True, []
    for k, i in enumerate(gaps[1:]):
        authorized[i] = None if k % 3 == 0 else False
    ids = np.array([f"NE-{i:06d}" for i in range(1, n + 1)])
    ctx.planted.fail("no_unauthorized_byod_tethering", *ids[gaps].tolist())
    ctx.writer.write("network_events", {
        "event_id": ids, "occurred_at": np.char.add(np.datetime_as_string(occurred, unit="s"), "+08:00"),
        "device_id": device, "person_id": person,
        "internal_asset": np.char.add("NB-", np.char.zfill(rng.integers(1, 3000, size=n).astype(str), 4)),
        "event_type": kind, "authorized": authorized,
    }, Style(fmt="ndjson"), name="network_events_nac")
