"""The access matrix is data, the service enforces it, and every cell holds through HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from ccaudit.audit.errors import PermissionDeniedError
from ccaudit.audit.people.access import MATRIX, Role, load_matrix
from ccaudit.errors import CatalogError

from .conftest import FIRM, WebEnv, csrf
from .matrix import PEOPLE, Target, walk


def test_reading_an_audit_follows_the_matrix(shared_env: WebEnv) -> None:
    def read(client: TestClient, target: Target) -> int:
        return client.get(f"/audits/{target.audit_id}").status_code

    cells = walk(shared_env, "read", read)
    assert len(cells) == 2 * len(PEOPLE)
    assert ("inspector", True, True, 200) in cells and ("inspector, expired", True, False, 403) in cells


def test_granting_inspectors_follows_the_matrix(shared_env: WebEnv) -> None:
    def grant(client: TestClient, target: Target) -> int:
        page = client.get("/")
        return client.post(
            f"/firms/{target.firm_id}/inspectors",
            data={"inspector": "nobody", "until": "116/03/31", "csrf_token": csrf(page.text)},
        ).status_code

    walk(shared_env, "manage", grant)


def test_every_role_and_action_of_the_matrix_is_known() -> None:
    assert set(MATRIX.actions) == {"read", "prepare", "review", "manage", "accept_risk", "update_own_remediation"}
    assert Role.INSPECTOR in MATRIX.allowed("read")
    assert all(Role.INSPECTOR not in MATRIX.allowed(a) for a in MATRIX.actions if a != "read")
    assert not MATRIX.may(set(), "review", is_superuser=True)  # the superuser never signs off by default
    assert MATRIX.mfa == {Role.ADMIN, Role.AUDITOR, Role.REVIEWER}


def test_a_broken_matrix_file_is_refused(tmp_path: pytest.TempPathFactory) -> None:
    bad = tmp_path / "matrix.yaml"  # type: ignore[operator]
    bad.write_text("roles: {admin: {}}\nmfa: []\nactions: {}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="roles must be exactly"):
        load_matrix(bad)


def test_an_inspector_grant_ends_on_its_day_and_is_in_the_trail(web_env: WebEnv) -> None:
    svc = web_env.service
    assert [f for f, _ in svc.inspector_firms("ivan")] == [FIRM]
    assert svc.inspector_firms("exa") == [] and svc.inspector_firms("rita") == []
    web_env.clock.now = dt.datetime(2027, 6, 30, 0, 0, 1, tzinfo=dt.UTC)
    assert svc.inspector_firms("ivan") == []
    with pytest.raises(PermissionDeniedError):
        svc.snapshot(web_env.audit_id, "ivan")
    actions = [step.action for step in svc.trail("ada", web_env.audit_id)]
    assert actions  # the audit's own trail; grants are firm-level entries
    report = svc.verify(check_files=False)
    assert report.checked.get("inspector_grant records") == 3
    assert not report.problems


def test_an_inspector_cannot_change_anything(web_env: WebEnv) -> None:
    svc = web_env.service
    with pytest.raises(PermissionDeniedError):
        svc.assess("ivan", web_env.audit_id, "12.5.9")
    with pytest.raises(PermissionDeniedError):
        svc.open_audit("ivan", FIRM, 2027, dt.date(2027, 11, 30))
    with pytest.raises(PermissionDeniedError):
        svc.grant_inspector("ivan", "nobody", FIRM, dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(Exception, match="granted per firm until a date"):
        svc.grant("ada", "nobody", FIRM, "inspector")


def test_the_inspector_view_sets_firms_side_by_side_read_only(shared_env: WebEnv) -> None:
    page = shared_env.as_user("ada").get("/inspector").text
    assert "範例證券股份有限公司" in page and "&lt;b&gt;Other&lt;/b&gt; Securities" in page  # escaped
    assert "<b>Other</b>" not in page
    ivan = shared_env.as_user("ivan").get("/inspector").text
    assert "範例證券股份有限公司" in ivan and "Other" not in ivan
    assert 'method="post"' not in ivan.split("<main>")[1].replace('action="/logout"', "")
