"""The work pages' actions walk the access matrix (tests/web/matrix.py): every kind of user, their own
firm and another, with the answer the matrix file gives: allowed, or refused with 403."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.web.conftest import WebEnv, csrf
from tests.web.matrix import Target, walk


def test_reading_a_requirement_and_its_rows_follows_the_matrix(web_env: WebEnv) -> None:
    def read(client: TestClient, target: Target) -> int:
        page = client.get(f"/audits/{target.audit_id}/requirements/12.5.5")
        rows = client.get(f"/audits/{target.audit_id}/evidence")
        assert page.status_code == rows.status_code
        return page.status_code

    walk(web_env, "read", read)


def test_attesting_follows_the_matrix(web_env: WebEnv) -> None:
    def attest(client: TestClient, target: Target) -> int:
        base = f"/audits/{target.audit_id}/requirements/12.2.1.1"
        token = csrf(client.get("/prefs").text)
        return client.post(f"{base}/attest", data={"result": "met", "attested_by": "Lin", "attested_on": "115/11/15",
                                                   "csrf_token": token}).status_code

    cells = walk(web_env, "prepare", attest)
    assert any(allowed for _, _, allowed, _ in cells) and any(not allowed for _, _, allowed, _ in cells)
