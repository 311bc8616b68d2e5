"""Trail anchors: sign-off (and `ccaudit audit anchor`) sign the trail's head into a directory apart from
the database, and `verify --anchors DIR` finds a trail that was rewound behind the service's back, on
SQLite and PostgreSQL. The attack is the one a user with full rights on the database can run: undo the
last entries with their own "before" records, delete them and move the chain head back."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any, cast

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Date, DateTime, Table, TypeDecorator, delete, insert, text, update
from sqlalchemy.engine import Connection
from tests.cli.inprocess import ccaudit_with_env

from ccaudit.audit.errors import AuditError
from ccaudit.audit.integrity import anchors
from ccaudit.audit.integrity.signing import fingerprint, generate_key, load_private_key, public_pem
from ccaudit.audit.integrity.state import ENTITIES
from ccaudit.audit.service import AuditService
from ccaudit.settings import Settings

from .audit_fakes import make_result_dir
from .conftest import FIRM, Team, settle, sign
from .test_tamper import DROP_GUARDS

AS_OF = dt.date(2026, 11, 30)


@pytest.fixture
def signed(team: Team, result_dir: Path) -> AuditService:
    """Audit 1 signed off by bob, then next year's audit opened (so there is trail after the sign-off)."""
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, result_dir)
    sign(team, audit_id)
    svc.open_audit("alice", FIRM, 2027, dt.date(2027, 11, 30))
    return svc


def anchor_files(settings: Settings) -> list[Path]:
    return sorted(settings.anchor_path().rglob("*.json"))


def test_signoff_writes_a_signed_anchor_of_its_trail_entry(signed: AuditService, team: Team) -> None:
    svc = signed
    [path] = anchor_files(svc.settings)
    anchor = anchors.parse(path.read_bytes())
    with svc.db.read() as s:
        assert (anchor.seq, anchor.hash) == anchors.signoff_entry(s, 1)
        assert anchor.database == anchors.database_identity(s)
    assert anchor.by == "bob" and anchor.audit_id == 1 and anchor.signature_ok()
    assert anchor.fingerprint == fingerprint(load_private_key(team.bob_key_path).public_key())
    assert not os.access(path, os.W_OK) or os.geteuid() == 0  # written read-only
    report = svc.verify(anchor_dir=svc.settings.anchor_path())
    assert report.ok and report.checked["anchors"] == 1, report.problems


def test_two_anchors_of_one_entry_in_the_same_second_are_both_kept(signed: AuditService, team: Team) -> None:
    svc = signed
    [first] = anchor_files(svc.settings)
    signoff = anchors.parse(first.read_bytes())
    key = load_private_key(team.bob_key_path)
    at = dt.datetime.fromisoformat(signoff.at.replace("Z", "+00:00"))
    with svc.db.read() as s:  # the same entry, signer and second; another reason
        again = anchors.make(s, key, "bob", at, "on demand", (signoff.seq, signoff.hash))
    second = anchors.write(svc.settings.anchor_path(), again)
    assert second != first and anchor_files(svc.settings) == sorted([first, second])
    assert anchors.write(svc.settings.anchor_path(), again) == second  # the same anchor twice: one file
    report = svc.verify(anchor_dir=svc.settings.anchor_path())
    assert report.ok and report.checked["anchors"] == 2, report.problems


def _value(column: Any, value: Any) -> Any:
    """A trail "before" value back into the column's own type."""
    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if value is None:
        return None
    if isinstance(kind, DateTime):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(kind, Date):
        return dt.date.fromisoformat(value)
    return value


def rewind(svc: AuditService, to_seq: int) -> int:
    """Undo every trail entry from `to_seq` on, newest first, with its own "before" record; delete the
    entries and move the chain head back. Returns how many entries were undone."""
    with svc.db.engine.begin() as conn:
        for sql in DROP_GUARDS[svc.db.dialect]:
            conn.execute(text(sql))
        rows = conn.execute(
            text("SELECT seq, entity, entity_id, before FROM trail WHERE seq >= :s ORDER BY seq DESC"), {"s": to_seq}
        ).all()
        for _, entity, entity_id, before in rows:
            _undo(conn, entity, entity_id, json.loads(before) if before else None)
        prev = conn.execute(text("SELECT seq, hash FROM trail WHERE seq = :s"), {"s": to_seq - 1}).one()
        conn.execute(text("DELETE FROM trail WHERE seq >= :s"), {"s": to_seq})
        conn.execute(text("UPDATE chain_head SET seq = :seq, hash = :hash"), {"seq": prev.seq, "hash": prev.hash})
    return len(rows)


def _undo(conn: Connection, entity: str, entity_id: str, before: dict[str, Any] | None) -> None:
    table = cast(Table, ENTITIES[entity].__table__)
    [pk] = table.primary_key.columns
    key = pk == _value(pk, int(entity_id) if pk.type.python_type is int else entity_id)
    if before is None:  # the entry created the row
        conn.execute(delete(table).where(key))
        return
    values = {c.name: _value(c, before[c.name]) for c in table.columns if c.name in before}
    if conn.execute(update(table).where(key).values(**values)).rowcount == 0:
        conn.execute(insert(table).values(**values))


def test_a_rewound_trail_passes_verify_but_not_the_anchors(signed: AuditService) -> None:
    svc = signed
    with svc.db.read() as s:
        signoff_seq, _ = anchors.signoff_entry(s, 1) or (0, "")
    undone = rewind(svc, signoff_seq)
    assert undone > 1
    assert svc.snapshot(1).status == "submitted"  # un-signed: it could be returned and re-assessed
    assert svc.verify().ok, svc.verify().problems  # the chain is whole again: the database alone cannot tell
    report = svc.verify(anchor_dir=svc.settings.anchor_path())
    [path] = anchor_files(svc.settings)
    assert not report.ok
    assert report.problems == [
        f"anchor {path.relative_to(svc.settings.anchor_path())}: the trail no longer contains trail entry "
        f"#{signoff_seq} ({path.name.split('-')[1]}…) anchored by bob at {anchors.parse(path.read_bytes()).at}: "
        f"entry #{signoff_seq} is gone (the trail was rewound)"
    ]
    svc.return_to_draft("bob", 1, "re-opened behind the anchors' back")  # a new entry takes the anchored number
    problems = svc.verify(anchor_dir=svc.settings.anchor_path()).problems
    assert len(problems) == 1 and f"entry #{signoff_seq} now has another hash" in problems[0]


def test_an_altered_anchor_or_another_databases_anchors_fail(signed: AuditService, team: Team, tmp_path: Path) -> None:
    svc = signed
    folder = tmp_path / "elsewhere" / "0123456789abcdef"
    folder.mkdir(parents=True)
    [path] = anchor_files(svc.settings)
    genuine = anchors.parse(path.read_bytes())
    (folder / "altered.json").write_bytes(genuine.model_copy(update={"seq": 1}).to_bytes())
    other = genuine.model_copy(update={"database": "f" * 64}).signed_with(load_private_key(team.bob_key_path))
    (folder / "other.json").write_bytes(other.to_bytes())
    problems = svc.verify(anchor_dir=tmp_path / "elsewhere").problems
    assert problems[0] == "anchor 0123456789abcdef/altered.json: its signature does not verify (the anchor was altered)"
    assert problems[1].startswith("none of the 1 anchor(s) in ") and "belong to this database" in problems[1]


class Cli:
    """The real entry point in-process with exactly the environment a shell would give it (`python -m ccaudit`
    itself: tests/cli/test_db_option.py); a traceback would fail the test."""

    def __init__(self, tmp: Path, db: str, key: Path) -> None:
        self.env = {
            "PATH": "/usr/bin:/bin",
            "COLUMNS": "250",
            "HOME": str(tmp),
            "CCAUDIT_DATA_DIR": str(tmp / "data"),
            "CCAUDIT_DB": db,
            "CCAUDIT_KEY_PATH": str(key),
        }

    def __call__(self, user: str, *args: str | Path, code: int = 0, **env: str) -> str:
        out = ccaudit_with_env({**self.env, "CCAUDIT_USER": user, **env}, *args)
        output = out.out + out.err
        assert out.code == code, f"{args}: exit {out.code}\n{output}"
        assert "Traceback" not in output
        return output


def test_the_rewind_attack_through_the_command_line(team: Team, result_dir: Path, tmp_path: Path) -> None:
    svc = team.service
    cli = Cli(tmp_path, str(svc.settings.db), team.bob_key_path)
    worm = tmp_path / "worm"  # stands for write-once storage or another machine
    svc.attach_run("alice", svc.open_audit("alice", FIRM, 2026, AS_OF), result_dir)
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    unwritable = AuditService(svc.db, svc.settings.model_copy(update={"anchor_dir": blocked}))
    with pytest.raises(AuditError, match="anchor directory"):
        sign(Team(unwritable, team.bob_key_path), 1)  # prepared and submitted; sign-off refused
    assert svc.snapshot(1).status == "submitted"  # nothing signed
    assert f"trail anchored in {worm}" in cli("bob", "audit", "signoff", "1", CCAUDIT_ANCHOR_DIR=str(worm))
    assert "has no registered signing key" in cli("alice", "audit", "anchor", code=2, CCAUDIT_ANCHOR_DIR=str(worm))
    out = cli("bob", "audit", "anchor", CCAUDIT_ANCHOR_DIR=str(worm))
    assert "trail anchored at entry #" in out
    assert "2 anchors" in cli("bob", "verify", "--anchors", worm)
    with svc.db.read() as s:
        signoff_seq, _ = anchors.signoff_entry(s, 1) or (0, "")
    rewind(svc, signoff_seq)
    out = cli("bob", "verify")  # no anchor folder: the rewind goes unseen, and verify says it checked none
    assert "verified the audit database" in out
    assert "no trail anchors checked" in out and "a trail rewound" in out
    out = cli("bob", "verify", "--anchors", worm, code=1)
    assert f"the trail no longer contains trail entry #{signoff_seq}" in out and "anchored by bob" in out
    assert "no such anchor directory" in cli("bob", "verify", "--anchors", tmp_path / "nowhere", code=2)
    register = tmp_path / "register.txt"
    register.write_text(f"carol {'ab' * 32}\n")
    out = cli("bob", "verify", "--anchors", worm, "--trusted-keys", register, code=1)
    assert "anchors signed by bob: signed by key" in out and "not among the trusted keys" in out


# --- a sign-off without its anchor; anchors judged by the key history ------------------------------------


def _sign_without_anchor(team: Team, result_2027: Path) -> int:
    """Audit 2 committed as signed off, its anchor never written: what `audit signoff` killed between its
    commit and the anchor file leaves."""
    svc = team.service
    audit_id = 2
    svc.attach_run("alice", audit_id, result_2027)
    settle(svc, audit_id)
    for item in svc.snapshot(audit_id).remediation:
        svc.update_remediation("alice", item.item_id, owner="carol", due_date=dt.date(2028, 3, 31))
    svc.submit("alice", audit_id)
    svc.review.signoff("bob", audit_id, load_private_key(team.bob_key_path))
    return audit_id


def test_a_signoff_killed_before_its_anchor_fails_verify_until_anchored(
    signed: AuditService, team: Team, tmp_path: Path
) -> None:
    svc = signed
    audit_id = _sign_without_anchor(team, make_result_dir(tmp_path / "r2027", as_of=dt.date(2027, 11, 30)))
    assert svc.snapshot(audit_id).status == "signed" and len(anchor_files(svc.settings)) == 1
    assert svc.verify().ok  # the database alone is consistent
    report = svc.verify(anchor_dir=svc.settings.anchor_path())
    [problem] = report.problems  # the directory anchors this database: a sign-off missing from it fails
    assert problem.startswith(f"audit {audit_id} ({FIRM} 2027): its sign-off (trail entry #")
    assert "has no anchor in" in problem and "CCAUDIT_USER=bob ccaudit audit anchor" in problem

    cli = Cli(tmp_path, str(svc.settings.db), team.bob_key_path)
    anchor_env = {"CCAUDIT_ANCHOR_DIR": str(svc.settings.anchor_path())}
    out = cli("bob", "verify", code=1, **anchor_env)
    assert f"audit {audit_id} ({FIRM} 2027): its sign-off" in out
    out = cli("alice", "audit", "anchor", CCAUDIT_KEY_PATH=str(_alice_key(svc, tmp_path)), **anchor_env)
    assert f"audit {audit_id}: its sign-off has no anchor of its own" in out  # alice did not sign it
    assert "CCAUDIT_USER=bob ccaudit audit anchor writes it" in out
    report = svc.verify(anchor_dir=svc.settings.anchor_path())  # alice's head anchor vouches for it
    assert report.ok, report.problems
    assert any(w.startswith(f"audit {audit_id} ({FIRM} 2027): its sign-off") for w in report.warnings)

    out = cli("bob", "audit", "anchor", **anchor_env)
    assert f"audit {audit_id}: its sign-off had no anchor; anchored in " in out
    report = svc.verify(anchor_dir=svc.settings.anchor_path())
    assert report.ok and not any("its sign-off" in w for w in report.warnings), report.warnings
    with svc.db.read() as s:  # the archive now carries the reviewer's sign-off anchor
        assert svc.anchoring.signoff_anchors(s, audit_id, svc.snapshot(audit_id).signoff.key_fingerprint)


def test_an_unanchored_signoff_in_a_directory_without_this_databases_anchors_is_a_warning(
    signed: AuditService, team: Team, tmp_path: Path
) -> None:
    empty = tmp_path / "fresh-anchor-dir"
    empty.mkdir()
    report = signed.verify(anchor_dir=empty)
    assert report.ok, report.problems
    assert any(w.startswith(f"audit 1 ({FIRM} 2026): its sign-off (trail entry #") for w in report.warnings)


def _alice_key(svc: AuditService, tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "alice.pem"
    svc.register_key("alice", public_pem(generate_key(path).public_key()))
    return path


def test_an_anchor_signed_with_a_key_that_was_not_the_signers_fails(
    signed: AuditService, team: Team, tmp_path: Path
) -> None:
    svc = signed
    [path] = anchor_files(svc.settings)
    genuine = anchors.parse(path.read_bytes())
    forger = Ed25519PrivateKey.generate()  # a fresh key, signing "as bob"
    forged = anchors.Anchor(
        **{**genuine.model_dump(exclude={"signature"}), "fingerprint": fingerprint(forger.public_key()),
           "public_key": public_pem(forger.public_key())}
    ).signed_with(forger)
    target = path.parent / "forged.json"
    target.write_bytes(forged.to_bytes())
    [problem] = svc.verify(anchor_dir=svc.settings.anchor_path()).problems
    name = target.relative_to(svc.settings.anchor_path())
    assert problem.startswith(f"anchor {name}: signed by key {forged.fingerprint}, which was not bob's registered")
    target.unlink()

    # bob's key revoked: an anchor bob's old key makes afterwards fails; the one made before still holds
    svc.revoke_key("admin", "bob")
    with svc.db.read() as s:
        late = anchors.make(s, load_private_key(team.bob_key_path), "bob", svc.clock(), "after the revoke")
    written = anchors.write(svc.settings.anchor_path(), late)
    [problem] = svc.verify(anchor_dir=svc.settings.anchor_path()).problems
    assert problem.startswith(f"anchor {written.relative_to(svc.settings.anchor_path())}: signed by key ")
    assert late.fingerprint in problem and "…" not in problem.split("signed by key")[1].split(",")[0]


def test_anchoring_with_another_key_names_both_full_fingerprints(signed: AuditService, tmp_path: Path) -> None:
    other = tmp_path / "other.pem"
    generate_key(other)
    cli = Cli(tmp_path, str(signed.settings.db), other)
    out = cli("bob", "audit", "anchor", code=2, CCAUDIT_ANCHOR_DIR=str(signed.settings.anchor_path()))
    given = fingerprint(load_private_key(other).public_key())
    assert f"(fingerprint {given}) is not bob's registered key ({signed.snapshot(1).signoff.key_fingerprint})" in out
