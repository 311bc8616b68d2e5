"""Users' roles per firm, and what each role may do: the matrix in content/access/matrix.yaml, loaded here
and enforced by the service's guards (`require`). The web layer and the API ask this module too (to show
or hide a button), never a copy of their own.

An inspector holds no row in user_roles: their role comes from a live grant in inspector_grants (per
firm, until a time, not revoked), judged at the service's clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import String, bindparam, exists, literal, select, union_all
from sqlalchemy.orm import Session

from ccaudit.audit.errors import NotFoundError, PermissionDeniedError
from ccaudit.audit.storage.db import CLOCK
from ccaudit.audit.storage.models import InspectorGrant, User, UserRole
from ccaudit.content import BUILTIN, load_yaml
from ccaudit.errors import CatalogError

MATRIX_FILE = BUILTIN / "access" / "matrix.yaml"


class Role(StrEnum):
    ADMIN = "admin"  # manages the firm's users and roles; may do what an auditor does
    AUDITOR = "auditor"  # prepares audits: runs, assessments, attestations, measures, remediation
    REVIEWER = "reviewer"  # reviews and signs off (never an audit they prepared)
    CONTROL_OWNER = "control_owner"  # updates the remediation items they own
    VIEWER = "viewer"  # reads
    INSPECTOR = "inspector"  # reads, per firm, until a date (inspector_grants), never granted as a role row


GRANTABLE = frozenset(Role) - {Role.INSPECTOR}  # what `user grant` gives; inspectors have their own grant


@dataclass(frozen=True)
class Action:
    name: str
    roles: frozenset[Role]
    superuser: bool  # the superuser may take it whatever their roles
    what: str
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Matrix:
    actions: dict[str, Action]
    mfa: frozenset[Role]

    def allowed(self, action: str) -> frozenset[Role]:
        return self.actions[action].roles

    def may(self, roles: set[Role], action: str, is_superuser: bool = False) -> bool:
        """What the role check of `require` answers (the rules beyond roles are the service's to check)."""
        spec = self.actions[action]
        return (is_superuser and spec.superuser) or bool(roles & spec.roles)


def load_matrix(path: Path = MATRIX_FILE) -> Matrix:
    doc: Any = load_yaml(path.read_text(encoding="utf-8"))
    try:
        known = {Role(r) for r in doc["roles"]}
        if known != set(Role):
            raise CatalogError(f"{path.name}: roles must be exactly {', '.join(Role)}")
        actions = {
            name: Action(
                name=name,
                roles=frozenset(Role(r) for r in spec["roles"]),
                superuser=bool(spec.get("superuser", True)),
                what=str(spec.get("what", "")),
                rules=tuple(str(r) for r in spec.get("rules") or ()),
            )
            for name, spec in doc["actions"].items()
        }
        return Matrix(actions, frozenset(Role(r) for r in doc["mfa"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError(f"{path.name}: not a valid access matrix ({exc})") from exc


@cache
def matrix() -> Matrix:
    return load_matrix()


MATRIX = matrix()
READ = MATRIX.allowed("read")
PREPARE = MATRIX.allowed("prepare")
REVIEW = MATRIX.allowed("review")
MANAGE = MATRIX.allowed("manage")
ACCEPT_RISK = MATRIX.allowed("accept_risk")  # close a remediation item as accepted, without a fix
OWN_REMEDIATION = MATRIX.allowed("update_own_remediation")
MFA_ROLES = MATRIX.mfa  # web log-in needs a second factor


def parse_role(value: str) -> Role:
    try:
        role = Role(value)
    except ValueError:
        raise NotFoundError(
            f"unknown role {value!r}; roles: {', '.join(r.value for r in GRANTABLE)}"
        ) from None
    if role not in GRANTABLE:
        raise NotFoundError(
            f"{value} is granted per firm until a date: `ccaudit user inspector USER --firm FIRM --until DATE`"
        )
    return role


def get_user(session: Session, user_id: str | None) -> User:
    if not user_id:
        raise PermissionDeniedError("no acting user: set CCAUDIT_USER to your user ID")
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"unknown user {user_id!r}")
    return user


def now_of(session: Session) -> dt.datetime:
    """The service's clock for this session (real time where none was set)."""
    clock: Callable[[], dt.datetime] | None = session.info.get(CLOCK)
    return clock() if clock else dt.datetime.now(dt.UTC)


def inspector_grant(session: Session, user_id: str, firm_id: str) -> InspectorGrant | None:
    """The user's live inspector grant for the firm: not revoked and not yet expired."""
    return session.scalar(
        select(InspectorGrant)
        .where(
            InspectorGrant.user_id == user_id,
            InspectorGrant.firm_id == firm_id,
            InspectorGrant.revoked_at.is_(None),
            InspectorGrant.expires_at > now_of(session),
        )
        .order_by(InspectorGrant.expires_at.desc())
        .limit(1)
    )


# The user's roles in a firm and, as `inspector`, a live inspector grant (as `inspector_grant` judges it),
# in one statement built once: a web request asks this on every page, and building the statement anew
# (and its cache key) cost more than running it.
_ROLES_IN_FIRM = union_all(
    select(UserRole.role.label("role")).where(
        UserRole.user_id == bindparam("user_id"), UserRole.firm_id == bindparam("firm_id")
    ),
    select(literal("inspector", String(32)).label("role")).where(
        exists().where(
            InspectorGrant.user_id == bindparam("user_id"),
            InspectorGrant.firm_id == bindparam("firm_id"),
            InspectorGrant.revoked_at.is_(None),
            InspectorGrant.expires_at > bindparam("now"),
        )
    ),
)


def roles_of(session: Session, user_id: str, firm_id: str) -> set[Role]:
    """The user's roles in the firm, with `inspector` while they hold a live inspector grant for it."""
    rows = session.scalars(_ROLES_IN_FIRM, {"user_id": user_id, "firm_id": firm_id, "now": now_of(session)})
    return {Role(r) for r in rows}


def _superuser_may(allowed: frozenset[Role]) -> bool:
    return all(allowed != spec.roles for spec in MATRIX.actions.values() if not spec.superuser)


def _refuse(user: User, firm_id: str, allowed: frozenset[Role], action: str) -> PermissionDeniedError:
    names = " or ".join(sorted(r.value for r in allowed))
    return PermissionDeniedError(f"{user.id} may not {action} for firm {firm_id}: needs the {names} role")


def require(session: Session, user: User, firm_id: str, allowed: frozenset[Role], action: str) -> None:
    """Raise unless the user holds one of `allowed` in the firm (a superuser: unless the matrix's action for
    `allowed` says `superuser: false`, i.e. review)."""
    if user.is_superuser and _superuser_may(allowed):
        return
    granted = session.scalars(
        select(UserRole.role).where(UserRole.user_id == user.id, UserRole.firm_id == firm_id)
    )
    if {Role(r) for r in granted} & allowed:
        return
    if Role.INSPECTOR in allowed and inspector_grant(session, user.id, firm_id) is not None:
        return
    raise _refuse(user, firm_id, allowed, action)


def require_held(user: User, roles: set[Role], firm_id: str, allowed: frozenset[Role], action: str) -> None:
    """`require` on the roles `roles_of` just read for the user in the firm (its roles and a live inspector
    grant), for a caller that needs those roles anyway: the same rule, without reading them twice."""
    if user.is_superuser and _superuser_may(allowed):
        return
    if roles & allowed:
        return
    raise _refuse(user, firm_id, allowed, action)
