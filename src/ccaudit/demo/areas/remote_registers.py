"""The remote-work demo's registers: endpoints, permissions, gateways and advisories, training, policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from dateutil.relativedelta import relativedelta

from ccaudit.demo.areas.remote_facts import ADVISORIES, COURSES, FUNCTION_SYSTEM, GATEWAYS, VENDOR
from ccaudit.demo.context import FirmContext
from ccaudit.demo.writer import Style

# --- registers -----------------------------------------------------------------------------------


def _roc_compact(day: dt.date) -> str:
    """A date as Taiwanese offices write it into file names: 1151130."""
    return f"{day.year - 1911}{day.month:02d}{day.day:02d}"


def endpoints(ctx: FirmContext) -> None:
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


def permissions(ctx: FirmContext) -> None:
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


def gateways(ctx: FirmContext) -> None:
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


def training(ctx: FirmContext) -> None:
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


def policy(ctx: FirmContext) -> None:
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
