"""The demo firm's people and roles (the populations the area generators draw on)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

SURNAMES = list("陳林黃張李王吳劉蔡楊許鄭謝洪郭邱曾廖賴徐周葉蘇莊呂江何蕭羅高潘簡朱鍾游彭詹胡施沈余盧梁趙顏柯翁魏孫戴")
GIVEN = list("志明淑芬家豪怡君俊傑雅婷宗翰佳穎建宏美玲冠宇欣怡承恩詩涵柏翰宜庭")
DEPARTMENTS = [
    "經紀業務部", "自營部", "承銷部", "資訊部", "財務部",
    "稽核室", "風險管理部", "客服中心", "行政管理部", "法令遵循部",
]

# Roles: allowed remote functions and connection hours (minutes are written as HH:MM).
ROLES: list[dict[str, Any]] = [
    {"role_id": "BROKER", "role_name": "營業員", "allowed_functions": ["order_entry", "quote", "client_lookup"],
     "remote_start": "08:00", "remote_end": "18:00"},
    {"role_id": "TRADER", "role_name": "交易員", "allowed_functions": ["order_entry", "quote", "risk_view"],
     "remote_start": "07:30", "remote_end": "17:30"},
    {"role_id": "IT_OPS", "role_name": "資訊維運", "allowed_functions": ["server_admin", "monitoring", "ticketing"],
     "remote_start": "00:00", "remote_end": "23:59"},
    {"role_id": "NIGHT_OPS", "role_name": "夜間值班", "allowed_functions": ["monitoring", "ticketing"],
     "remote_start": "22:00", "remote_end": "07:00"},
    {"role_id": "BACK_OFFICE", "role_name": "後台作業", "allowed_functions": ["settlement", "reporting"],
     "remote_start": "08:30", "remote_end": "19:00"},
    {"role_id": "AUDITOR", "role_name": "稽核人員", "allowed_functions": ["reporting", "audit_view"],
     "remote_start": "08:00", "remote_end": "20:00"},
    {"role_id": "STAFF", "role_name": "一般職員", "allowed_functions": ["email", "reporting"],
     "remote_start": "08:00", "remote_end": "19:00"},
]
ROLE_WEIGHTS = [0.30, 0.08, 0.07, 0.02, 0.18, 0.03, 0.32]


def make_people(rng: np.random.Generator, count: int, as_of: dt.date) -> dict[str, np.ndarray]:
    """People with clean attributes; area generators plant their gaps on top."""
    ids = np.array([f"E{i:05d}" for i in range(1, count + 1)])
    names = np.array([rng.choice(SURNAMES) + "".join(rng.choice(GIVEN, 2)) for _ in range(count)])
    role_ids = np.array([r["role_id"] for r in ROLES])
    roles = rng.choice(role_ids, size=count, p=ROLE_WEIGHTS)
    leave = np.where(rng.random(count) < 0.02, "leave", "active")
    status = np.where(rng.random(count) < 0.06, "terminated", leave)
    terminated_days = rng.integers(30, 700, size=count)
    leave_dates = (np.datetime64(as_of, "D") - terminated_days.astype("timedelta64[D]")).astype(object)
    terminated_on = np.where(status == "terminated", leave_dates, np.full(count, None, dtype=object))
    remote_allowed = (status == "active") & (rng.random(count) < 0.55)
    iot_role = np.where(rng.random(count) < 0.04, "admin", np.where(rng.random(count) < 0.10, "user", "none"))
    return {
        "person_id": ids,
        "name": names,
        "department": rng.choice(np.array(DEPARTMENTS), size=count),
        "role_id": roles,
        "employment_status": status,
        "terminated_on": terminated_on,
        "remote_allowed": remote_allowed,
        "iot_role": iot_role,
    }
