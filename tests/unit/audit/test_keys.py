"""Signing keys cannot be swapped: a user registers only their first key, a firm admin replaces or
revokes it (recorded in the trail of each of the user's firms), and `verify` fails a signature made
with a key that was not the signer's registered key when they signed. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text

from ccaudit.audit.errors import NotFoundError, PermissionDeniedError, SigningError
from ccaudit.audit.integrity.signing import fingerprint, generate_key, load_private_key, public_pem, sign_digest
from ccaudit.audit.service import AuditService
from ccaudit.audit.storage.db import alembic_config
from ccaudit.audit.storage.models import TrailEntry, UserKey

from .audit_fakes import make_result_dir
from .conftest import FIRM, Team, settle, sign
from .test_cli_audit import Cli
from .test_tamper import tamper

OTHER = "9B00"
AS_OF = dt.date(2026, 11, 30)
AS_OF_2027 = dt.date(2027, 11, 30)


@pytest.fixture
def two_firms(team: Team) -> Team:
    """bob reviews for 9A00 and 9B00; dora is admin of 9A00 only, erin of both."""
    svc = team.service
    svc.add_firm("admin", OTHER, "第二證券")
    svc.grant("admin", "bob", OTHER, "reviewer")
    for user, firms in [("dora", [FIRM]), ("erin", [FIRM, OTHER])]:
        svc.add_user("admin", user, user.title())
        for firm in firms:
            svc.grant("admin", user, firm, "admin")
    return team


def new_key(tmp_path: Path, name: str) -> tuple[Ed25519PrivateKey, str]:
    key = generate_key(tmp_path / "other-keys" / f"{name}.pem")
    return key, public_pem(key.public_key())


def signed_audit(team: Team, result_dir: Path, year: int = 2026) -> int:
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, year, AS_OF.replace(year=year))
    svc.attach_run("alice", audit_id, result_dir)
    sign(team, audit_id)
    return audit_id


def bobs_fingerprint(svc: AuditService) -> str | None:
    return next(u.key_fingerprint for u in svc.list_users() if u.id == "bob")


def test_a_user_registers_only_their_first_key(two_firms: Team, tmp_path: Path) -> None:
    svc = two_firms.service
    before = bobs_fingerprint(svc)
    _, mallory = new_key(tmp_path, "mallory")
    with pytest.raises(PermissionDeniedError, match="already has a registered signing key"):
        svc.register_key("bob", mallory)  # whoever sets CCAUDIT_USER=bob
    with pytest.raises(PermissionDeniedError, match="may not register or replace their own signing key"):
        svc.assign_key("bob", "bob", mallory)
    with pytest.raises(PermissionDeniedError, match=r"not admin of 9B00"):
        svc.assign_key("dora", "bob", mallory)  # admin of one of bob's two firms
    with pytest.raises(PermissionDeniedError, match="needs the admin role"):
        svc.assign_key("alice", "bob", mallory)
    with pytest.raises(PermissionDeniedError, match="needs the admin role"):
        svc.revoke_key("alice", "bob")
    assert bobs_fingerprint(svc) == before
    assert svc.verify().ok


def test_an_admin_replaces_a_key_in_every_firms_trail(two_firms: Team, tmp_path: Path) -> None:
    svc = two_firms.service
    old = bobs_fingerprint(svc)
    key, pem = new_key(tmp_path, "bob-2027")
    change = svc.assign_key("erin", "bob", pem)
    assert (change.previous, change.fingerprint, change.firms) == (old, fingerprint(key.public_key()), [FIRM, OTHER])
    assert bobs_fingerprint(svc) == change.fingerprint
    with svc.db.read() as s:
        entries = s.scalars(select(TrailEntry).where(TrailEntry.action == "user.key_replace")).all()
        keys = s.scalars(select(UserKey).where(UserKey.user_id == "bob").order_by(UserKey.id)).all()
    assert {e.firm_id for e in entries} == {FIRM, OTHER}
    assert {e.actor for e in entries} == {"erin"}
    assert [(k.fingerprint, k.valid_to is None, k.registered_by, k.ended_by) for k in keys] == [
        (old, False, "bob", "erin"),
        (change.fingerprint, True, "erin", None),
    ]
    revoked = svc.revoke_key("erin", "bob")
    assert (revoked.previous, revoked.fingerprint) == (change.fingerprint, None)
    with pytest.raises(NotFoundError, match="no registered signing key to revoke"):
        svc.revoke_key("erin", "bob")
    with pytest.raises(PermissionDeniedError, match="was revoked; a firm admin registers the new one"):
        svc.register_key("bob", pem)
    assert svc.verify().ok


def test_a_signature_is_judged_by_the_key_registered_when_it_was_made(
    two_firms: Team, result_dir: Path, tmp_path: Path
) -> None:
    svc = two_firms.service
    first = signed_audit(two_firms, result_dir)
    old_key = load_private_key(two_firms.bob_key_path)
    new, pem = new_key(tmp_path, "bob-2027")
    svc.assign_key("erin", "bob", pem)
    report = svc.verify()
    assert report.ok, report.problems  # signed with the key registered at the time
    assert [(x.signer, x.fingerprint) for x in report.signatures] == [("bob", fingerprint(old_key.public_key()))]
    second = svc.open_audit("alice", FIRM, 2027, dt.date(2027, 11, 30))
    svc.attach_run("alice", second, make_result_dir(tmp_path / "2027", {"remote_login_used_mfa": 1}, AS_OF_2027))
    settle(svc, second)
    for item in svc.snapshot(second).remediation:
        svc.update_remediation("alice", item.item_id, owner="carol", due_date=dt.date(2028, 3, 31))
    svc.submit("alice", second)
    with pytest.raises(SigningError, match="not bob's registered key"):
        svc.signoff("bob", second, old_key)
    svc.revoke_key("erin", "bob")
    with pytest.raises(SigningError, match=r"no registered signing key: run `CCAUDIT_USER=bob ccaudit user key`"):
        svc.signoff("bob", second, new)
    svc.assign_key("erin", "bob", public_pem(new.public_key()))
    svc.signoff("bob", second, new)
    assert svc.snapshot(first).signoff.key_fingerprint != svc.snapshot(second).signoff.key_fingerprint
    assert svc.verify().ok


def test_a_signature_by_a_key_that_was_never_registered_fails_verify(
    team: Team, result_dir: Path, tmp_path: Path, db_url: str
) -> None:
    """Someone with database rights re-signs audit 1's digest with their own key."""
    svc = team.service
    audit_id = signed_audit(team, result_dir)
    mallory, pem = new_key(tmp_path, "mallory")
    digest = svc.snapshot(audit_id).signoff.digest or ""
    forged = fingerprint(mallory.public_key())
    with svc.db.engine.begin() as conn:
        conn.execute(
            text("UPDATE audits SET signature = :sig, public_key_pem = :pem, key_fingerprint = :fp WHERE id = :id"),
            {"sig": sign_digest(mallory, digest), "pem": pem, "fp": forged, "id": audit_id},
        )
    problems = svc.verify().problems
    assert any(f"audit {audit_id}" in p and forged in p and "was not bob's registered" in p for p in problems)
    out = Cli(tmp_path, db_url)("bob", "verify", "--no-files", code=1)
    assert f"audit {audit_id} (9A00 2026): signed with key {forged}, which was not bob's" in " ".join(out.split())


def test_a_key_slipped_into_the_database_is_refused_or_found(team: Team, result_dir: Path, tmp_path: Path) -> None:
    """The old attack, done in the database: bob's key swapped on his user record, then in the history."""
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, result_dir)
    settle(svc, audit_id)
    for item in svc.snapshot(audit_id).remediation:
        svc.update_remediation("alice", item.item_id, owner="carol", due_date=dt.date(2027, 3, 31))
    svc.submit("alice", audit_id)
    mallory, pem = new_key(tmp_path, "mallory")
    forged = fingerprint(mallory.public_key())
    swap_user = f"UPDATE users SET public_key_pem = '{pem}', key_fingerprint = '{forged}' WHERE id = 'bob'"
    tamper(svc, swap_user)
    with pytest.raises(SigningError, match="not bob's registered key"):
        svc.signoff("bob", audit_id, mallory)  # the key history still names bob's own key
    tamper(
        svc,
        "UPDATE user_keys SET valid_to = CURRENT_TIMESTAMP WHERE user_id = 'bob'",
        "INSERT INTO user_keys (user_id, fingerprint, public_key_pem, valid_from, revoked, registered_by) "
        f"VALUES ('bob', '{forged}', '{pem}', '2000-01-01 00:00:00', FALSE, 'bob')",
    )
    svc.signoff("bob", audit_id, mallory)
    problems = svc.verify().problems
    assert any(p.startswith("user_key 2 is not in the trail") for p in problems), problems
    assert any(p.startswith("user_key 1 differs from its last trail entry") for p in problems), problems


def test_the_key_history_of_an_older_database_is_rebuilt_from_its_trail(
    two_firms: Team, result_dir: Path, tmp_path: Path
) -> None:
    from alembic import command

    svc = two_firms.service
    signed_audit(two_firms, result_dir)
    _, pem = new_key(tmp_path, "bob-2027")
    svc.assign_key("erin", "bob", pem)
    with svc.db.read() as s:
        history = [(k.fingerprint, k.registered_by, k.ended_by) for k in s.scalars(select(UserKey))]
    with svc.db.engine.begin() as conn:
        config = alembic_config(svc.db.engine)
        config.attributes["connection"] = conn
        command.downgrade(config, "0002")
        command.upgrade(config, "head")
    with svc.db.read() as s:
        rebuilt = [(k.fingerprint, k.registered_by, k.ended_by) for k in s.scalars(select(UserKey))]
    assert rebuilt == history
    report = svc.verify()
    assert report.ok, report.problems


@pytest.mark.slow
def test_keys_on_the_command_line(tmp_path: Path, db_url: str) -> None:
    cli = Cli(tmp_path, db_url)
    cli("admin", "user", "add", "admin", "--name", "Ada Admin")
    for firm in ("9A00", OTHER):
        cli("admin", "firm", "add", firm, firm)
        cli("admin", "user", "grant", "admin", firm, "admin")
    for user, firms, role in [("bob", ["9A00", OTHER], "reviewer"), ("dora", ["9A00"], "admin")]:
        cli("admin", "user", "add", user, "--name", user.title())
        for firm in firms:
            cli("admin", "user", "grant", user, firm, role)
    first = cli("bob", "user", "key").split("registered key fingerprint ")[1].split()[0]
    cli.env["CCAUDIT_KEY_PATH"] = str(tmp_path / "mine.pem")
    assert "bob already has a registered signing key" in cli("bob", "user", "key", code=2)
    assert not (tmp_path / "mine.pem").exists()
    _, pem = new_key(tmp_path, "bob-new")
    (tmp_path / "bob.pub").write_text(pem, encoding="ascii")
    bob_pub = tmp_path / "bob.pub"
    assert "already has a registered signing key" in cli("bob", "user", "key", "--public-key", bob_pub, code=2)
    assert "not admin of 9B00" in cli("dora", "user", "key", "bob", "--public-key", bob_pub, code=2)
    assert "--public-key FILE" in cli("admin", "user", "key", "bob", code=2)
    assert "--revoke needs the user" in cli("admin", "user", "key", "--revoke", code=2)
    out = " ".join(cli("admin", "user", "key", "bob", "--public-key", bob_pub).split())
    assert f"(was {first}); recorded in the trail of 9A00, 9B00" in out
    assert "revoked key" in cli("admin", "user", "key", "bob", "--revoke")
    missing = tmp_path / "no.pub"
    assert "cannot read the public key" in cli("admin", "user", "key", "bob", "--public-key", missing, code=2)
    assert "verified the audit database" in cli("admin", "verify")
