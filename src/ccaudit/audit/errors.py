"""Audit errors: each is a CcauditError, so the CLI prints one line and exits 2, with nothing changed."""

from __future__ import annotations

from ccaudit.errors import CcauditError


class AuditError(CcauditError):
    """Bad input to the audit workflow."""


class NotFoundError(AuditError):
    """An unknown firm, user, audit, requirement, item or run."""


class PermissionDeniedError(AuditError):
    """The acting user lacks the role the action needs."""


class FrozenAuditError(AuditError):
    """A change to a signed-off audit: nothing in it may change."""


class WorkflowError(AuditError):
    """An action out of order (e.g. sign-off by the preparer, submit with open questions)."""


class ConflictError(AuditError):
    """Someone else changed the record since you read it (optimistic versioning)."""


class SigningError(AuditError):
    """A key that cannot be read, does not match the registered key, or a bad passphrase."""
