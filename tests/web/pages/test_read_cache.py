"""The requirement page's read cache (web/pages/cache.py) never decides who may read or what is shown of
the user's rights: with every cached piece warm, a role revoked or changed in the database applies to the
very next request, and a warm page asks the database in few sessions (one permission-checked read)."""

from __future__ import annotations

from sqlalchemy import event

from .conftest import FIRM, Env

REQ = "12.5.5"  # the demo firm: remote_login_used_mfa (5 offending rows) fails


def test_a_revoked_role_is_refused_on_the_next_request_with_the_cache_warm(env: Env) -> None:
    vera = env.login("vera")  # viewer
    base = f"/audits/{env.audit_id}/requirements/{REQ}"
    for _ in range(2):  # the second request is served from the warm cache
        warm = vera.get(base)
        assert warm.status_code == 200 and warm.text.count('data-testid="offending-row"') == 5
    rows = vera.get(f"{base}/rows", params={"check": "remote_login_used_mfa"})
    assert rows.status_code == 200
    env.service.revoke("ada", "vera", FIRM, "viewer")
    assert vera.get(base).status_code == 403
    refused = vera.get(f"{base}/rows", params={"check": "remote_login_used_mfa"})
    assert refused.status_code == 403 and 'data-testid="offending-row"' not in refused.text
    assert vera.get(f"/audits/{env.audit_id}/requirements").status_code == 403
    alice = env.login("alice")  # another reader still gets the page, rows and all
    assert env.login("alice").get(base).text.count('data-testid="offending-row"') == 5
    assert alice.get(base).status_code == 200


def test_forms_follow_a_role_change_with_the_cache_warm(env: Env) -> None:
    alice = env.login("alice")  # auditor: may assess
    url = f"/audits/{env.audit_id}/requirements/{REQ}"
    assess = f'action="{url}/assess"'
    assert assess in alice.get(url).text and assess in alice.get(url).text
    env.service.grant("ada", "alice", FIRM, "viewer")
    env.service.revoke("ada", "alice", FIRM, "auditor")
    html = alice.get(url)
    assert html.status_code == 200 and assess not in html.text  # a viewer is shown no assess form
    assert html.text.count('data-testid="offending-row"') == 5


def test_a_warm_requirement_page_reads_the_database_in_few_sessions(env: Env) -> None:
    alice = env.login("alice")
    url = f"/audits/{env.audit_id}/requirements/{REQ}"
    assert alice.get(url).status_code == 200  # warms the cache
    begun: list[object] = []

    def count(connection: object) -> None:
        begun.append(connection)

    engine = env.service.db.engine
    event.listen(engine, "begin", count)
    try:
        assert alice.get(url).status_code == 200
    finally:
        event.remove(engine, "begin", count)
    # the log-in session's lookup and one permission-checked read (trail head, firm, roles); was six
    assert len(begun) <= 2, len(begun)
