"""AuditService: one method per use case, each taking the acting user's ID. The CLI calls it now,
the web app later. Every change is one transaction and one or more trail entries."""

from __future__ import annotations

from pathlib import Path

from ccaudit.audit.access import READ, require
from ccaudit.audit.archive import export_archive
from ccaudit.audit.archive_verify import verify_archive
from ccaudit.audit.assemble import build_snapshot
from ccaudit.audit.base import Clock, utcnow
from ccaudit.audit.db import Database
from ccaudit.audit.diff import AuditDiff, diff
from ccaudit.audit.review import ReviewMixin
from ccaudit.audit.users import UsersMixin
from ccaudit.audit.verify import VerifyReport, verify_database
from ccaudit.settings import Settings

__all__ = ["AuditService", "verify_archive"]


class AuditService(ReviewMixin, UsersMixin):
    """Use cases of the annual audit (see the mixins for each group)."""

    @classmethod
    def open(cls, settings: Settings, clock: Clock = utcnow) -> AuditService:
        """Connect to settings.database_url() (migrating it to the latest schema) and return the service."""
        return cls(Database(settings.database_url()), settings, clock)

    def close(self) -> None:
        self.db.close()

    def export(self, actor: str | None, audit_id: int, out: Path) -> Path:
        """Write the signed audit's read-only archive; `ccaudit verify ARCHIVE` checks it offline."""
        with self.db.read() as s:
            user = self._actor(s, actor)
            audit = self._audit(s, audit_id)
            require(s, user, audit.firm_id, READ, "export audits")
            path = export_archive(s, audit, build_snapshot(s, audit), self.runs_dir, out, user.id)
        with self.db.transaction() as s:
            self._log_audit(s, user.id, "audit.export", self._audit(s, audit_id), None, audit)
        return path

    def diff(self, actor: str | None, old_audit_id: int, new_audit_id: int) -> AuditDiff:
        return diff(self.snapshot(old_audit_id, actor), self.snapshot(new_audit_id, actor))

    def verify(self, check_files: bool = True) -> VerifyReport:
        """Re-compute the trail's chain, every record against the trail, every frozen audit's digest."""
        with self.db.read() as s:
            return verify_database(s, self.runs_dir if check_files else None)
