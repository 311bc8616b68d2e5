"""Every cell of the authorization matrix for the API's actions, through HTTP: role x API operation x
own firm / other firm. What is expected comes from the matrix itself (ccaudit.audit.people.access, the
data the service enforces), never from a copy here: a role the matrix allows for the operation's action
gets its success status on its own firm's audit; every other cell is 403 with a problem document, and
changes nothing (the trail is as it was).

Denied cells change nothing, so they share one world per state (draft, submitted); each allowed cell
that changes something runs on a fresh copy of the world in the state it needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
from sqlalchemy import func, select

from ccaudit.audit.people import access
from ccaudit.audit.storage.models import TrailEntry

from .conftest import CHECK, FIRM, OTHER, ROLES, Template, World, user_of, world_from

State = Literal["draft", "submitted", "signed"]


@dataclass(frozen=True)
class Op:
    """One API operation as a cell's column: which matrix action it is, and how to call it."""

    name: str
    action: str  # the matrix's action name
    method: str
    path: str  # {audit}, {item}, {measure}, {attestation} filled from the audit of the cell's firm
    body: dict[str, Any] | None = None
    ok: int = 200
    state: State = "draft"
    changes: bool = True  # a trail entry is written when it succeeds
    fresh: bool | None = None  # allowed, it needs a world of its own (default: when it changes something)
    also: frozenset[str] = frozenset()  # roles a rule beyond the role lets in, on the own firm (see OPS)
    firm_in_body: bool = False  # the cell's firm goes in the body as firm_id

    @property
    def own_world(self) -> bool:
        return self.changes if self.fresh is None else self.fresh

    def url(self, world: World, audit_id: int) -> str:
        snap = world.service.snapshot(audit_id)
        ids = {
            "audit": audit_id,
            "item": snap.remediation[0].item_id,
            "measure": snap.measures[0].measure_id,
            "attestation": snap.attestations[0].attestation_id,
        }
        return "/api/v1" + self.path.format(**ids)


REQ = "/audits/{audit}/requirements/12.5.5"
OPS = [
    Op("show audit", "read", "GET", "/audits/{audit}", changes=False),
    Op("show requirement", "read", "GET", REQ, changes=False),
    Op("requirement history", "read", "GET", REQ + "/history", changes=False),
    Op("offending rows", "read", "GET", "/audits/{audit}/checks/" + CHECK + "/rows", changes=False),
    Op("open requirements", "read", "GET", "/audits/{audit}/open", changes=False),
    Op("trail", "read", "GET", "/audits/{audit}/trail", changes=False),
    Op("evidence list", "read", "GET", "/audits/{audit}/evidence", changes=False),
    Op("runs", "read", "GET", "/audits/{audit}/runs", changes=False),
    Op("run jobs", "read", "GET", "/audits/{audit}/runs/jobs", changes=False),
    Op("report", "read", "GET", "/audits/{audit}/reports/json", changes=False),
    Op("assess", "prepare", "POST", REQ + "/assessment", {"result": None}),
    Op("confirm derived", "prepare", "POST", "/audits/{audit}/assessments/confirm-derived"),
    Op("defer", "prepare", "POST", REQ + "/defer", {"justification": "gateway register requested"}),
    Op(
        "attest",
        "prepare",
        "POST",
        "/audits/{audit}/requirements/12.1.1/attestations",
        {"result": "met", "attested_by": "Lin", "attested_on": "2026-11-15"},
        ok=201,
    ),
    Op(
        "reconfirm attestation",
        "prepare",
        "POST",
        "/audits/{audit}/attestations/{attestation}/reconfirm",
        {"attested_by": "Lin", "attested_on": "2026-11-20"},
    ),
    Op(
        "add measure",
        "prepare",
        "POST",
        "/audits/{audit}/measures",
        {
            "ref": "CM-2",
            "description": "VLAN",
            "requirement_ids": ["12.5.5"],
            "approver": "CISO",
            "approved_on": "2026-09-01",
            "review_by": "2027-06-30",
            "checks": [CHECK],
        },
        ok=201,
    ),
    Op(
        "move measure review date",
        "prepare",
        "PATCH",
        "/audits/{audit}/measures/{measure}",
        {"review_by": "2027-09-30"},
    ),
    Op(
        "set remediation due date", "prepare", "PATCH", "/audits/{audit}/remediation/{item}", {"due_date": "2027-03-31"}
    ),
    # update_own_remediation: control_owner_a owns the 9A00 items
    Op(
        "note on remediation",
        "prepare",
        "PATCH",
        "/audits/{audit}/remediation/{item}",
        {"note": "patched"},
        also=frozenset({"control_owner"}),
    ),
    Op(
        "accept remediation risk",
        "accept_risk",
        "PATCH",
        "/audits/{audit}/remediation/{item}",
        {"status": "accepted", "note": "risk accepted by the board"},
    ),
    Op("open audit", "prepare", "POST", "/audits", {"year": 2027, "as_of": "2027-11-30"}, ok=201, firm_in_body=True),
    Op(
        "upload evidence", "prepare", "POST", "/audits/{audit}/evidence", changes=False, fresh=True
    ),  # a file, not a record
    Op(
        "start run", "prepare", "POST", "/audits/{audit}/runs", ok=202, changes=False, fresh=True
    ),  # recorded once attached
    Op("submit", "prepare", "POST", "/audits/{audit}/submit"),
    # the preparer (auditor_a) may also take a submitted audit back (workflow/review.py)
    Op(
        "return to draft",
        "review",
        "POST",
        "/audits/{audit}/return",
        {"note": "attach the memo"},
        state="submitted",
        also=frozenset({"auditor"}),
    ),
    Op("prepare sign-off", "review", "POST", "/audits/{audit}/signoff/prepare", state="submitted", changes=False),
    Op(
        "carry over",
        "prepare",
        "POST",
        "/audits/{audit}/carry-over",
        {"year": 2027, "as_of": "2027-11-30"},
        ok=201,
        state="signed",
    ),
]
UPLOAD = ("people.csv", b"person_id,name,employment_status\nE001,Wang,active\n")


def allowed(role: str, op: Op) -> bool:
    """The matrix's answer for a holder of `role` at the firm (or a rule beyond the role, named in OPS)."""
    return access.Role(role) in action_roles(op.action) or role in op.also


def action_roles(action: str) -> frozenset[access.Role]:
    matrix: Callable[[], Any] | None = getattr(access, "matrix", None)
    if matrix is not None:  # the matrix as data (content/access/matrix.yaml)
        return frozenset(matrix().allowed(action))
    constants = {
        "read": access.READ,
        "prepare": access.PREPARE,
        "review": access.REVIEW,
        "accept_risk": access.ACCEPT_RISK,
    }
    return constants[action]


def call(world: World, op: Op, role: str, audit_id: int) -> Any:
    headers = world.as_user(user_of(role))
    url = op.url(world, audit_id)
    if op.name == "upload evidence":
        return world.client.post(url, files=[("files", UPLOAD)], headers=headers)
    body = op.body
    if op.firm_in_body:
        body = {**(body or {}), "firm_id": FIRM if audit_id == world.audit else OTHER}
    return world.client.request(op.method, url, json=body, headers=headers)


def trail_length(world: World) -> int:
    with world.service.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(TrailEntry)) or 0)


CELLS = [(op, role, firm) for op in OPS for role in ROLES for firm in (FIRM, OTHER)]
# cells that change nothing (every denied cell, and the allowed reads) share one world per state
SHARED = [(op, role, firm) for op, role, firm in CELLS if firm == OTHER or not allowed(role, op) or not op.own_world]
CHANGING = [(op, role) for op, role, firm in CELLS if firm == FIRM and allowed(role, op) and op.own_world]


def cell_id(op: Op, role: str, firm: str | None = None) -> str:
    return f"{op.name}-{role}" + (f"-{'own' if firm == FIRM else 'other'}" if firm else "")


def source_of(state: State, request: pytest.FixtureRequest) -> Template:
    name = {"draft": "template", "submitted": "submitted_template", "signed": "signed_template"}[state]
    found: Template = request.getfixturevalue(name)
    return found


@pytest.mark.parametrize("state", ["draft", "submitted", "signed"])
def test_cells_that_change_nothing(state: State, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Denied cells: 403, a problem document, the trail as it was. Allowed reads: their success status."""
    source = source_of(state, request)
    cells = [c for c in SHARED if c[0].state == state]
    assert cells
    wrong = []
    with world_from(source, tmp_path / "w") as world:
        for op, role, firm in cells:
            audit_id = world.audit if firm == FIRM else world.other_audit
            before = trail_length(world)
            response = call(world, op, role, audit_id)
            if firm == FIRM and allowed(role, op):
                ok = response.status_code == op.ok
            else:
                ok = response.status_code == 403 and response.headers["content-type"] == "application/problem+json"
            if not ok or trail_length(world) != before:
                wrong.append(f"{cell_id(op, role, firm)}: {response.status_code} {response.text[:200]}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("op", "role"), CHANGING, ids=[cell_id(op, role) for op, role in CHANGING])
def test_allowed_changes_succeed_and_are_in_the_trail(
    op: Op, role: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    source = source_of(op.state, request)
    with world_from(source, tmp_path / "w") as world:
        if op.name == "accept remediation risk":  # an owner may not accept the risk of their own item
            item = world.service.snapshot(world.audit).remediation[0].item_id
            world.service.update_remediation("auditor_a", item, owner="someone else")
        if op.name == "submit":
            _settle(world)
        before = trail_length(world)
        response = call(world, op, role, world.audit)
        assert response.status_code == op.ok, response.text
        assert (trail_length(world) > before) == op.changes


def _settle(world: World) -> None:
    svc = world.service
    _, left = svc.confirm_derived("auditor_a", world.audit)
    for requirement_id in left:
        svc.defer("auditor_a", world.audit, requirement_id, "evidence requested")
    for item in svc.snapshot(world.audit).remediation:
        svc.update_remediation("auditor_a", item.item_id, due_date=dt.date(2027, 3, 31))


def test_every_api_operation_is_in_the_matrix_test() -> None:
    """A new API operation that changes or reads an audit must get its cells here."""
    from ccaudit.web.api import build_openapi

    covered = {
        (
            op.method,
            "/api/v1"
            + op.path.replace("{audit}", "{audit_id}")
            .replace("{item}", "{item_id}")
            .replace("{measure}", "{measure_id}")
            .replace("{attestation}", "{attestation_id}")
            .replace("12.5.5", "{requirement_id}")
            .replace("12.1.1", "{requirement_id}")
            .replace(CHECK, "{check_id}")
            .replace("/json", "/{fmt}"),
        )
        for op in OPS
    }
    exempt = {  # not an audit's: the caller's own (me, tokens), or not an action on one audit
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/firms"),
        ("GET", "/api/v1/audits"),
        ("GET", "/api/v1/tokens"),
        ("POST", "/api/v1/tokens"),
        ("DELETE", "/api/v1/tokens/{token_id}"),
        ("GET", "/api/v1/audits/{audit_id}/runs/jobs/{job_id}"),  # a job of the caller's own making
        ("DELETE", "/api/v1/audits/{audit_id}/evidence/{name}"),  # upload's twin; its cells: test_evidence
        ("POST", "/api/v1/audits/{audit_id}/signoff"),
        ("POST", "/api/v1/audits/{audit_id}/signoff/anchor"),
        ("GET", "/api/v1/audits/{audit_id}/signoff/anchor-request"),  # after a sign-off: test_review
    }
    operations = {(m.upper(), p) for p, item in build_openapi()["paths"].items() for m in item}
    assert operations - covered - exempt == set()
