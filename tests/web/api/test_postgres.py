"""The API on PostgreSQL (CCAUDIT_TEST_PG_URL): what SQLite lets pass, PostgreSQL may not (text lengths,
NUL characters, 32-bit IDs, types), so schemathesis runs every operation on it too, on one database, and a
user's walk (token scope, an override, a stale version, rows paged) is checked there."""

from __future__ import annotations

import pytest

from .conftest import CHECK, FIRM, World
from .fuzz import OPERATIONS, GenerationMode, fuzz

# revoking tokens at random would end the caller's own; a run job is a background thread per call
FEWER = {GenerationMode.POSITIVE: 3, GenerationMode.NEGATIVE: 2}  # the SQLite run has more of each
SKIP = {("DELETE", "/api/v1/tokens/{token_id}"), ("POST", "/api/v1/audits/{audit_id}/runs")}


def test_schemathesis_on_postgres(pg_world: World) -> None:
    for method, path in OPERATIONS:
        if (method, path) not in SKIP:
            fuzz(pg_world, method, path, examples=FEWER)


@pytest.mark.parametrize("user", ["auditor_a"])
def test_a_walk_on_postgres(pg_world: World, user: str) -> None:
    c, audit = pg_world.client, pg_world.audit
    headers = pg_world.as_user(user)
    token, _ = pg_world.service.tokens.create(user, "pg", firm_id=FIRM, read_only=True)
    limited = {"Authorization": f"Bearer {token}"}
    assert c.get(f"/api/v1/audits/{pg_world.other_audit}", headers=limited).status_code == 403
    req = c.get(f"/api/v1/audits/{audit}/requirements/12.4.5", headers=headers).json()
    body = {"result": "non_compliant", "justification": "理由" * 3000, "if_version": req["version"]}
    done = c.post(f"/api/v1/audits/{audit}/requirements/12.4.5/assessment", json=body, headers=headers)
    assert done.status_code == 200, done.text
    stale = c.post(f"/api/v1/audits/{audit}/requirements/12.4.5/assessment", json=body, headers=headers)
    assert stale.status_code == 409
    rows = c.get(f"/api/v1/audits/{audit}/checks/{CHECK}/rows", params={"limit": 1, "offset": 2}, headers=headers)
    assert rows.json()["total"] == 3 and len(rows.json()["rows"]) == 1
    long_name = c.post(f"/api/v1/audits/{audit}/measures", headers=headers, json={
        "ref": "測" * 100, "description": "x", "requirement_ids": ["12.5.5"], "approver": "審" * 200,
        "approved_on": "2026-09-01", "review_by": "2027-06-30", "whole_requirement": True})  # fmt: skip
    assert long_name.status_code == 201, long_name.text
