"""Users' roles per firm, and what each role may do."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccaudit.audit.errors import NotFoundError, PermissionDeniedError
from ccaudit.audit.storage.models import User, UserRole


class Role(StrEnum):
    ADMIN = "admin"  # manages the firm's users and roles; may do what an auditor does
    AUDITOR = "auditor"  # prepares audits: runs, assessments, attestations, measures, remediation
    REVIEWER = "reviewer"  # reviews and signs off (never an audit they prepared)
    CONTROL_OWNER = "control_owner"  # updates the remediation items they own
    VIEWER = "viewer"  # reads


READ = frozenset(Role)
PREPARE = frozenset({Role.ADMIN, Role.AUDITOR})
REVIEW = frozenset({Role.REVIEWER})
MANAGE = frozenset({Role.ADMIN})
ACCEPT_RISK = frozenset({Role.REVIEWER, Role.ADMIN})  # close a remediation item as accepted, without a fix
MFA_ROLES = frozenset({Role.ADMIN, Role.AUDITOR, Role.REVIEWER})  # web log-in needs a second factor


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise NotFoundError(f"unknown role {value!r}; roles: {', '.join(r.value for r in Role)}") from None


def get_user(session: Session, user_id: str | None) -> User:
    if not user_id:
        raise PermissionDeniedError("no acting user: set CCAUDIT_USER to your user ID")
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"unknown user {user_id!r}")
    return user


def roles_of(session: Session, user_id: str, firm_id: str) -> set[Role]:
    rows = session.scalars(select(UserRole.role).where(UserRole.user_id == user_id, UserRole.firm_id == firm_id))
    return {Role(r) for r in rows}


def require(session: Session, user: User, firm_id: str, allowed: frozenset[Role], action: str) -> None:
    """Raise unless the user holds one of `allowed` in the firm (a superuser: any but reviewer)."""
    if user.is_superuser and Role.REVIEWER not in allowed:
        return
    if roles_of(session, user.id, firm_id) & allowed:
        return
    names = " or ".join(sorted(r.value for r in allowed))
    raise PermissionDeniedError(f"{user.id} may not {action} for firm {firm_id}: needs the {names} role")
