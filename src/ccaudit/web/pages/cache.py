"""Read models reused between requests while nothing changed: an audit's snapshot and a requirement's
history, keyed by the trail's head (AuditService.readable_version), which every recorded change moves.
The cache never decides who may read: each request still asks the service first (the same call).

A value is built after the marker was read, so it is at least as new as its key; once the marker has
moved, the old keys are never asked for again and age out."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from ccaudit.audit.integrity.changes import TrailStep
from ccaudit.audit.service import AuditService
from ccaudit.audit.snapshot import AuditSnapshot

T = TypeVar("T")
SIZE = 64


class ReadCache:
    def __init__(self, service: AuditService, size: int = SIZE) -> None:
        self.service = service
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def snapshot(self, actor: str, audit_id: int) -> AuditSnapshot:
        marker = self.service.readable_version(actor, audit_id)
        return self._get(("snapshot", audit_id, marker), lambda: self.service.snapshot(audit_id))

    def history(self, actor: str, audit_id: int, requirement_id: str) -> list[TrailStep]:
        marker = self.service.readable_version(actor, audit_id)
        return self._get(("history", audit_id, requirement_id, marker),
                         lambda: self.service.history(actor, audit_id, requirement_id))

    def _get(self, key: tuple[Any, ...], build: Callable[[], T]) -> T:
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


_made = threading.Lock()


def read_cache(request: Request) -> ReadCache:
    """The app's cache, made on first use."""
    with _made:
        cache: ReadCache | None = getattr(request.app.state, "pages_cache", None)
        if cache is None:
            cache = ReadCache(request.app.state.web.service)
            request.app.state.pages_cache = cache
        return cache
