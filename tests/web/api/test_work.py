"""The auditor's work through the API as a user checks it: an override needs a justification (422 in the
service's words), a stale version is 409, offending rows page and filter, a measure shows on its
requirement, and hostile text is refused or comes back as data, never as markup or control characters."""

from __future__ import annotations

from typing import Any

from .conftest import CHECK, World

REQ = "/api/v1/audits/{audit}/requirements/12.5.5"


def post(world: World, path: str, body: Any, user: str = "auditor_a") -> tuple[int, Any]:
    response = world.client.post(path.format(audit=world.audit), json=body, headers=world.as_user(user))
    return response.status_code, response.json()


def get(world: World, path: str, user: str = "viewer_a", **params: Any) -> Any:
    response = world.client.get(path.format(audit=world.audit), params=params, headers=world.as_user(user))
    assert response.status_code == 200, response.text
    return response.json()


def test_override_needs_a_justification_and_a_stale_version_is_409(world: World) -> None:
    before = get(world, REQ)
    status, body = post(world, REQ + "/assessment", {"result": "non_compliant"})
    assert status == 422 and "justification is required" in body["detail"]
    version = before["version"]
    override = {"result": "non_compliant", "justification": "MFA not enforced for contractors", "if_version": version}
    status, body = post(world, REQ + "/assessment", override)
    assert status == 200 and body["version"] == version + 1
    status, body = post(world, REQ + "/assessment", override)  # the version this caller read is gone
    assert status == 409 and "changed by someone else" in body["detail"]
    after = get(world, REQ, lang="zh-TW")
    assert after["requirement"]["assessed_result"] == "non_compliant"
    assert after["requirement"]["justification"] == "MFA not enforced for contractors"
    assert after["text_zh"] and after["reasons_text"]


def test_offending_rows_page_and_filter(world: World) -> None:
    url = "/api/v1/audits/{audit}/checks/" + CHECK + "/rows"
    first = get(world, url, limit=2)
    second = get(world, url, limit=2, offset=2)
    assert first["total"] == 3 and first["matched"] == 3 and len(first["rows"]) == 2 and len(second["rows"]) == 1
    rows = first["rows"] + second["rows"]
    assert len({r["row_no"] for r in rows}) == 3
    assert all(r["source_file"] == "遠端連線紀錄.csv" and len(r["source_sha256"]) == 64 for r in rows)
    subject = rows[2]["subject"]
    assert [r["subject"] for r in get(world, url, text=subject)["rows"]] == [subject]
    unknown = world.client.get(f"/api/v1/audits/{world.audit}/checks/no_such_check/rows",
                               headers=world.as_user("viewer_a"))  # fmt: skip
    assert unknown.status_code == 404 and "has no check 'no_such_check'" in unknown.json()["detail"]


def test_a_measure_shows_on_its_requirement_and_unknown_requirements_are_404(world: World) -> None:
    measure = {
        "ref": "CM-9", "description": "VPN MFA enforced for the three accounts", "requirement_ids": ["12.5.5"],
        "approver": "CISO Wang", "approved_on": "2026-09-01", "review_by": "2027-06-30", "checks": [CHECK],
    }  # fmt: skip
    status, body = post(world, "/api/v1/audits/{audit}/measures", measure)
    assert status == 201, body
    refs = [m["ref"] for m in get(world, REQ)["measures"]]
    assert "CM-9" in refs
    assert world.client.get(f"/api/v1/audits/{world.audit}/requirements/99.9",
                            headers=world.as_user("viewer_a")).status_code == 404  # fmt: skip
    assert world.client.get("/api/v1/audits/999999", headers=world.as_user("viewer_a")).status_code == 404


def test_hostile_text_is_refused_or_returned_as_plain_data(world: World) -> None:
    status, body = post(world, REQ + "/defer", {"justification": "ok\x1b[31m red \x00"})
    assert status == 422 and body["errors"][0]["location"] == ["body", "justification"]
    assert "\x1b" not in str(body) and "\x00" not in str(body)
    script = "<script>alert(1)</script> =cmd|' /C calc'!A0"
    status, body = post(world, REQ + "/defer", {"justification": script})
    assert status == 200
    shown = world.client.get(REQ.format(audit=world.audit), headers=world.as_user("viewer_a"))
    assert shown.headers["content-type"] == "application/json"
    assert shown.json()["requirement"]["justification"] == script  # data, for the client to escape where it shows it
