"""Walk the access matrix (src/ccaudit/content/access/matrix.yaml) through HTTP: every kind of user x an
action x their own firm (9A00) and another firm (9B00). The expected answer comes from the matrix file
itself (the data the service enforces), so a page that lets through what the matrix forbids, or refuses
what it allows, fails here.

    from .matrix import walk

    def test_assessing_follows_the_matrix(web_env: WebEnv) -> None:
        def assess(client, target):          # one request as that user against that firm's audit
            token = csrf(client.get(f"/audits/{target.audit_id}").text)
            return client.post(f"/audits/{target.audit_id}/requirements/12.1.1/assess", data={...,
                               "csrf_token": token}).status_code
        walk(web_env, "prepare", assess)     # allowed: 2xx/3xx; refused: 403

A refusal must be 403 (the service's PermissionDeniedError), never a page that quietly shows nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi.testclient import TestClient

from ccaudit.audit.people.access import MATRIX, Role

from .conftest import FIRM, OTHER_FIRM, WebEnv

# who -> (user ID, their role in FIRM (None: none), superuser)
PEOPLE: dict[str, tuple[str, Role | None, bool]] = {
    "superuser": ("ada", None, True),
    "admin": ("adam", Role.ADMIN, False),
    "auditor": ("alice", Role.AUDITOR, False),
    "reviewer": ("bob", Role.REVIEWER, False),
    "control_owner": ("carol", Role.CONTROL_OWNER, False),
    "viewer": ("vera", Role.VIEWER, False),
    "inspector": ("ivan", Role.INSPECTOR, False),
    "inspector, expired": ("exa", None, False),
    "inspector, revoked": ("rita", None, False),
    "no role": ("nobody", None, False),
}


@dataclass(frozen=True)
class Target:
    firm_id: str
    audit_id: int
    own: bool  # the user's own firm (where PEOPLE gives their role)


def expected(who: str, action: str, own: bool) -> bool:
    _, role, superuser = PEOPLE[who]
    roles = {role} if role is not None and own else set()
    return MATRIX.may(roles, action, is_superuser=superuser)


def walk(
    env: WebEnv,
    action: str,
    call: Callable[[TestClient, Target], int],
    allowed: tuple[int, ...] = (200, 201, 204, 303),
) -> list[tuple[str, bool, bool, int]]:
    """Run `call` for every cell; assert each answer; return the cells (who, own firm, allowed, status)."""
    cells: list[tuple[str, bool, bool, int]] = []
    wrong: list[str] = []
    targets = [Target(FIRM, env.audit_id, True), Target(OTHER_FIRM, env.other_audit_id, False)]
    for who, (user_id, _, _) in PEOPLE.items():
        client = env.as_user(user_id)
        for target in targets:
            may = expected(who, action, target.own)
            status = call(client, target)
            cells.append((who, target.own, may, status))
            if (status in allowed) != may or (not may and status != 403):
                firm = "own firm" if target.own else "other firm"
                wrong.append(f"{who} ({user_id}) {action} {firm}: got {status}, matrix says {'allow' if may else 403}")
    assert not wrong, "\n".join(wrong)
    return cells
