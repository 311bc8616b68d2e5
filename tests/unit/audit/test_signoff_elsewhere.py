"""Sign-off without the server running the reviewer's key file: (b) the reviewer signs the prepared
digest (and then the sign-off's anchor) on their own machine with `ccaudit audit sign-digest`, and
(a) the server keeps the reviewer's key sealed under their passphrase. Both end exactly as the CLI's
sign-off does: the same digest and signature, the same anchor, and `verify --anchors` passes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from ccaudit.audit.errors import ConflictError, PermissionDeniedError, SigningError, WorkflowError
from ccaudit.audit.integrity import anchors
from ccaudit.audit.integrity.digest import audit_digest
from ccaudit.audit.integrity.signing import generate_key, load_private_key, sign_digest, verify_digest
from ccaudit.audit.service import AuditService
from ccaudit.audit.snapshot import AuditStatus
from ccaudit.cli.main import app

from .conftest import FIRM, Team, settle

AS_OF = dt.date(2026, 11, 30)


def submitted(team: Team, result_dir: Path) -> int:
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, result_dir)
    settle(svc, audit_id)
    for item in svc.snapshot(audit_id).remediation:
        svc.update_remediation("alice", item.item_id, owner="carol", due_date=dt.date(2027, 3, 31))
    svc.submit("alice", audit_id)
    return audit_id


def test_signed_on_own_machine_equals_the_cli_signoff_and_verifies(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = submitted(team, result_dir)
    request = svc.prepare_signoff("bob", audit_id)
    assert svc.snapshot(audit_id).status == AuditStatus.SUBMITTED  # preparing changes nothing
    key = load_private_key(team.bob_key_path)
    digest = svc.signoff_signed("bob", audit_id, request.signed_at, request.digest, sign_digest(key, request.digest))
    snap = svc.snapshot(audit_id)
    assert digest == request.digest == snap.signoff.digest == audit_digest(snap)
    assert snap.status == AuditStatus.SIGNED and snap.signoff.reviewer == "bob"
    assert snap.signoff.signature == sign_digest(key, digest)  # Ed25519 is deterministic: the CLI's signature
    assert not svc.signoff_anchored(audit_id)
    report = svc.verify(anchor_dir=svc.settings.anchor_path())
    assert any("has no anchor" in p for p in report.problems + report.warnings), report

    anchor = svc.signoff_anchor_request("bob", audit_id)
    signature = anchor.signed_with(key).signature
    at = dt.datetime.fromisoformat(anchor.at.replace("Z", "+00:00"))
    svc.anchor_signoff_signed("bob", audit_id, at, signature)
    assert svc.signoff_anchored(audit_id)
    assert svc.verify(anchor_dir=svc.settings.anchor_path()).ok


def test_a_digest_of_an_audit_that_changed_since_is_refused(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = submitted(team, result_dir)
    request = svc.prepare_signoff("bob", audit_id)
    svc.return_to_draft("bob", audit_id, "add the gateway register")
    svc.submit("alice", audit_id)
    key = load_private_key(team.bob_key_path)
    with pytest.raises((ConflictError, WorkflowError), match="prepare the sign-off again"):
        svc.signoff_signed("bob", audit_id, request.signed_at, request.digest, sign_digest(key, request.digest))
    assert svc.snapshot(audit_id).status == AuditStatus.SUBMITTED


def test_a_signature_by_another_key_or_over_another_digest_is_refused(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = submitted(team, result_dir)
    request = svc.prepare_signoff("bob", audit_id)
    mallory = Ed25519PrivateKey.generate()
    with pytest.raises(SigningError, match="does not verify with bob's registered key"):
        svc.signoff_signed("bob", audit_id, request.signed_at, request.digest, sign_digest(mallory, request.digest))
    key = load_private_key(team.bob_key_path)
    with pytest.raises(SigningError, match="does not verify"):
        svc.signoff_signed("bob", audit_id, request.signed_at, request.digest, sign_digest(key, "ab" * 32))
    with pytest.raises(ConflictError, match="changed since the digest"):
        svc.signoff_signed("bob", audit_id, request.signed_at, "ab" * 32, sign_digest(key, "ab" * 32))
    assert svc.snapshot(audit_id).status == AuditStatus.SUBMITTED


def test_a_request_older_than_a_day_is_refused(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = submitted(team, result_dir)
    request = svc.prepare_signoff("bob", audit_id)
    svc.clock.now += dt.timedelta(hours=25)  # type: ignore[attr-defined]
    key = load_private_key(team.bob_key_path)
    with pytest.raises(WorkflowError, match="no longer valid"):
        svc.signoff_signed("bob", audit_id, request.signed_at, request.digest, sign_digest(key, request.digest))


def test_preparing_keeps_every_signoff_rule(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = submitted(team, result_dir)
    with pytest.raises(PermissionDeniedError):
        svc.prepare_signoff("vic", audit_id)
    svc.grant("admin", "alice", FIRM, "reviewer")
    with pytest.raises(WorkflowError, match="prepared audit"):
        svc.prepare_signoff("alice", audit_id)


def test_only_the_reviewer_anchors_and_only_with_their_key(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = submitted(team, result_dir)
    request = svc.prepare_signoff("bob", audit_id)
    key = load_private_key(team.bob_key_path)
    svc.signoff_signed("bob", audit_id, request.signed_at, request.digest, sign_digest(key, request.digest))
    with pytest.raises(PermissionDeniedError, match="only its reviewer"):
        svc.signoff_anchor_request("alice", audit_id)
    anchor = svc.signoff_anchor_request("bob", audit_id)
    at = dt.datetime.fromisoformat(anchor.at.replace("Z", "+00:00"))
    forged = anchor.signed_with(Ed25519PrivateKey.generate()).signature
    with pytest.raises(SigningError, match="does not verify over the anchor"):
        svc.anchor_signoff_signed("bob", audit_id, at, forged)
    assert not svc.signoff_anchored(audit_id)


def test_sealed_key_created_on_the_server_signs_off_with_its_passphrase(team: Team, result_dir: Path) -> None:
    svc = team.service
    svc.add_user("admin", "rita", "Rita Reviewer")
    svc.grant("admin", "rita", FIRM, "reviewer")
    with pytest.raises(SigningError, match="at least 12"):
        svc.create_sealed_key("rita", "short")
    fp = svc.create_sealed_key("rita", "correct horse battery")
    assert svc.sealed_key_status("rita") == (fp, fp)
    audit_id = submitted(team, result_dir)
    with pytest.raises(SigningError, match="wrong passphrase"):
        svc.signoff_sealed("rita", audit_id, "incorrect horse battery")
    assert svc.snapshot(audit_id).status == AuditStatus.SUBMITTED
    digest = svc.signoff_sealed("rita", audit_id, "correct horse battery")
    snap = svc.snapshot(audit_id)
    assert snap.signoff.key_fingerprint == fp and snap.signoff.reviewer == "rita"
    assert verify_digest(_pem(svc, "rita"), digest, snap.signoff.signature or "")
    assert svc.signoff_anchored(audit_id)  # anchored as on the CLI
    assert svc.verify(anchor_dir=svc.settings.anchor_path()).ok
    with pytest.raises(PermissionDeniedError):  # a second key of one's own is an admin's to register
        svc.create_sealed_key("rita", "another long passphrase")


def _pem(svc: AuditService, user: str) -> str:
    from ccaudit.audit.people.keys import registered_key

    with svc.db.read() as s:
        key = registered_key(s, user)
        assert key is not None
        return key.public_key_pem


def test_sealing_an_existing_key_needs_the_registered_one_and_dies_with_a_revoke(team: Team, tmp_path: Path) -> None:
    svc = team.service
    other = generate_key(tmp_path / "other.pem")
    pem_other = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(SigningError, match="not bob's registered signing key"):
        svc.seal_key("bob", pem_other, None, "a long enough passphrase")
    with pytest.raises(SigningError, match="not a PEM private key"):
        svc.seal_key("bob", b"-----BEGIN NONSENSE-----", None, "a long enough passphrase")
    fp = svc.seal_key("bob", team.bob_key_path.read_bytes(), None, "a long enough passphrase")
    assert svc.sealed_key_status("bob") == (fp, fp)
    assert svc.sealed_keys.unseal("bob", "a long enough passphrase").public_key()
    svc.revoke_key("admin", "bob")
    with pytest.raises(SigningError, match="no longer their registered signing key"):
        svc.sealed_keys.unseal("bob", "a long enough passphrase")


def test_cli_sign_digest_prints_the_signature_the_service_accepts(
    team: Team, result_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    svc = team.service
    audit_id = submitted(team, result_dir)
    request = svc.prepare_signoff("bob", audit_id)
    monkeypatch.delenv("CCAUDIT_KEY_PASSPHRASE", raising=False)
    runner = CliRunner()
    sig_file = tmp_path / "sig.txt"
    result = runner.invoke(
        app, ["audit", "sign-digest", request.digest, "--key", str(team.bob_key_path), "--out", str(sig_file)]
    )
    assert result.exit_code == 0, result.output
    signature = result.stdout.strip().splitlines()[-1]
    assert sig_file.read_text().strip() == signature
    svc.signoff_signed("bob", audit_id, request.signed_at, request.digest, signature)

    anchor_file = tmp_path / "anchor-request.json"
    anchor_file.write_bytes(svc.signoff_anchor_request("bob", audit_id).to_bytes())
    result = runner.invoke(app, ["audit", "sign-digest", "--anchor", str(anchor_file), "--key", str(team.bob_key_path)])
    assert result.exit_code == 0, result.output
    request_anchor = anchors.parse(anchor_file.read_bytes())
    at = dt.datetime.fromisoformat(request_anchor.at.replace("Z", "+00:00"))
    svc.anchor_signoff_signed("bob", audit_id, at, result.stdout.strip().splitlines()[-1])
    assert svc.verify(anchor_dir=svc.settings.anchor_path()).ok

    bad = runner.invoke(app, ["audit", "sign-digest", "not-a-digest", "--key", str(team.bob_key_path)])
    assert bad.exit_code == 2 and "64 hex digits" in bad.output
