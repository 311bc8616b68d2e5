"""Read models reused between requests while nothing changed: an audit's snapshot, a requirement's
history, the assessments' versions, a check's page of offending rows and rendered parts of pages that are
the same for every reader, keyed by the audit's own trail head (AuditService.read_access), which every
recorded change to the audit moves (a run, an assessment, a measure, an attestation, a remediation item...);
a change to another audit or firm does not. The cache never decides who may read: every request asks the
service once, against the database as it is now (`RequestReads.access`: the user's roles and grants, read
in the request's one read session, web/reads.py), before anything cached is returned; the answer is kept
for that request only, and what depends on the user's roles (the forms) is never cached.

A value is built after the marker was read, so it is at least as new as its key; once the marker has
moved, the old keys are never asked for again and age out."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from ccaudit.audit.integrity.changes import TrailStep
from ccaudit.audit.service import AuditService, ReadAccess
from ccaudit.audit.snapshot import AuditSnapshot
from ccaudit.audit.workflow.runs import OffendingPage, RowQuery

T = TypeVar("T")
SIZE = 256


class ReadCache:
    """The app's cache (shared by the requests of one server process)."""

    def __init__(self, service: AuditService, size: int = SIZE) -> None:
        self.service = service
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                found: T = self._items[key]
                return found
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


class RequestReads:
    """One request's view of the cache: the read right is checked once per (actor, audit) for the request,
    then every read model is looked up under the trail head that check saw."""

    def __init__(self, cache: ReadCache) -> None:
        self.cache = cache
        self.service = cache.service
        self._access: dict[tuple[str, int], ReadAccess] = {}

    def access(self, actor: str, audit_id: int) -> ReadAccess:
        """Raise unless the actor may read the audit now (asked once per request)."""
        key = (actor, audit_id)
        if key not in self._access:
            self._access[key] = self.service.read_access(actor, audit_id)
        return self._access[key]

    def snapshot(self, actor: str, audit_id: int) -> AuditSnapshot:
        marker = self.access(actor, audit_id).version
        return self.cache.get(("snapshot", audit_id, marker), lambda: self.service.snapshot(audit_id))

    def history(self, actor: str, audit_id: int, requirement_id: str) -> list[TrailStep]:
        marker = self.access(actor, audit_id).version
        return self.cache.get(("history", audit_id, requirement_id, marker),
                              lambda: self.service.history(actor, audit_id, requirement_id))

    def assessment_versions(self, actor: str, audit_id: int) -> dict[str, int]:
        marker = self.access(actor, audit_id).version
        return self.cache.get(("versions", audit_id, marker), lambda: self.service.assessment_versions(audit_id))

    def fragment(self, actor: str, audit_id: int, key: tuple[Any, ...], build: Callable[[], T]) -> T:
        """A rendered part of a page that is the same for every reader of the audit (no form, no user data),
        keyed by `key` (what it shows: requirement, language, date style, rows query...) under the marker."""
        marker = self.access(actor, audit_id).version
        return self.cache.get(("fragment", audit_id, marker, *key), build)

    def offending_page(self, actor: str, audit_id: int, check_id: str, query: RowQuery) -> OffendingPage:
        """A page of offending rows (the service's refusals and errors are raised, never kept)."""
        marker = self.access(actor, audit_id).version
        return self.cache.get(("rows", audit_id, marker, check_id, query),
                              lambda: self.service.offending_page(actor, audit_id, check_id, query))


_made = threading.Lock()


def read_cache(request: Request) -> RequestReads:
    """This request's reads through the app's cache (the cache made on first use)."""
    reads: RequestReads | None = getattr(request.state, "pages_reads", None)
    if reads is not None:
        return reads
    with _made:
        cache: ReadCache | None = getattr(request.app.state, "pages_cache", None)
        if cache is None:
            cache = ReadCache(request.app.state.web.service)
            request.app.state.pages_cache = cache
    reads = RequestReads(cache)
    request.state.pages_reads = reads
    return reads
