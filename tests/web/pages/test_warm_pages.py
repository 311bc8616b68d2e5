"""Warm caches never outlive what they stand for: with the dashboard and the requirement page cached, an
ended or idle session and a revoked role are refused on the very next request; a change in one firm's
audit is shown on that firm's next page, and leaves another firm's cached pages alone. A warm page reads
the database in one session (the log-in session, the read right and the page's own reads together)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from ccaudit.web.sessions import cookie_name

from .conftest import AS_OF, FIRM, Env

REQ = "12.5.5"  # the demo firm: remote_login_used_mfa fails


@contextmanager
def statements(env: Env) -> Iterator[list[str]]:
    """The SQL the app runs inside the block."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    engine = env.service.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_an_ended_or_idle_session_is_refused_on_the_next_request_with_the_cache_warm(env: Env) -> None:
    vera, alice = env.login("vera"), env.login("alice")
    pages = [f"/audits/{env.audit_id}", f"/audits/{env.audit_id}/requirements/{REQ}"]
    for page in pages * 2:
        assert vera.get(page).status_code == 200 and alice.get(page).status_code == 200
    env.app.state.web.sessions.end(vera.cookies.get(cookie_name(env.settings)))  # logged out elsewhere
    for page in pages:
        refused = vera.get(page)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
        assert alice.get(page).status_code == 200
    env.clock.advance(env.settings.web_session_idle_minutes * 60 + 1)  # alice leaves her session idle
    for page in pages:
        refused = alice.get(page)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")


def test_a_revoked_role_is_refused_on_the_dashboard_with_the_cache_warm(env: Env) -> None:
    vera = env.login("vera")
    url = f"/audits/{env.audit_id}"
    assert vera.get(url).status_code == 200 and vera.get(url).status_code == 200
    env.service.revoke("ada", "vera", FIRM, "viewer")
    refused = vera.get(url)
    assert refused.status_code == 403 and "範例證券" not in refused.text


def test_a_change_in_one_firm_is_shown_there_and_leaves_the_other_firms_pages_cached(env: Env) -> None:
    other = env.service.open_audit("xavier", "9B00", 2026, AS_OF)
    alice, xavier = env.login("alice"), env.login("xavier")
    mine = [f"/audits/{env.audit_id}", f"/audits/{env.audit_id}/requirements/{REQ}"]
    theirs = [f"/audits/{other}", f"/audits/{other}/requirements/{REQ}"]
    for _ in range(2):
        assert all(alice.get(p).status_code == 200 for p in mine)
        assert all(xavier.get(p).status_code == 200 for p in theirs)
    before = alice.get(mine[1]).text
    assert "Five remote log-ins without MFA" not in before and 'data-testid="work-status">done<' not in before
    env.service.assess("alice", env.audit_id, REQ, "non_compliant", "Five remote log-ins without MFA")
    after = alice.get(mine[1]).text  # firm A: the change is on the next page, not a stale copy
    assert "Five remote log-ins without MFA" in after and 'data-testid="work-status">done<' in after
    with statements(env) as sql:
        for page in theirs:  # firm B: served from its cache, only the session and the read right are read
            assert xavier.get(page).status_code == 200
    read = " ".join(sql).lower()
    assert sql and "from runs" not in read and "from assessments" not in read and "from run_checks" not in read


def test_a_warm_page_reads_the_database_in_one_session(env: Env) -> None:
    vera = env.login("vera")
    for url in (f"/audits/{env.audit_id}", f"/audits/{env.audit_id}/requirements/{REQ}"):
        assert vera.get(url).status_code == 200  # warms the caches
        begun: list[object] = []
        count = begun.append
        engine = env.service.db.engine
        event.listen(engine, "begin", count)
        try:
            assert vera.get(url).status_code == 200
        finally:
            event.remove(engine, "begin", count)
        assert len(begun) == 1, (url, len(begun))  # was 2 (log-in session, then the read right), before that 6
