"""One database session per page request. Every read a GET (or HEAD) makes, from the log-in session's
lookup to the permission check (AuditService.read_access) and the page's own reads, goes through
`Database.read()`; inside this middleware they share one read session: one pooled connection, one BEGIN
and one consistent view of the database, instead of one of each per read.

Nothing is skipped: the session's idle and absolute expiry, the user's second factor and the read right
are still checked on every request, against the database as it is when the request's read begins. A
write during the request (`Database.transaction()`, e.g. the session's once-a-minute `last_seen_at`)
ends the shared read, so what the request reads after its own write is read afresh. Unsafe methods
(POST...) are left as they were: each of their reads is its own."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from ccaudit.audit.storage.db import Database

READ_METHODS = frozenset({"GET", "HEAD"})


class SharedReads:
    def __init__(self, app: ASGIApp, db: Database) -> None:
        self.app = app
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in READ_METHODS:
            await self.app(scope, receive, send)
            return
        # The context variable set here is copied into the worker threads Starlette runs sync
        # dependencies and routes in, so they all find the same (lazily opened) read session.
        with self.db.shared_read():
            await self.app(scope, receive, send)
