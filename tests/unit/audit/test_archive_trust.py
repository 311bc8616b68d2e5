"""What an inspector relies on in an exported archive: every member is covered by a signature (a forged
member fails verify even with the index re-hashed, naming the member), signers can be pinned with
--trusted-keys (a forger's fresh key is named), and a damaged archive is a failed verification with a
message, never a traceback. Driven through `python -m ccaudit`, as an inspector would."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.cli.inprocess import ccaudit_with_env

from ccaudit.audit.integrity import trail
from ccaudit.audit.integrity.archive import INDEX, INDEX_SIGNATURE, index_message
from ccaudit.audit.integrity.digest import audit_digest, canonical
from ccaudit.audit.integrity.papers import working_papers
from ccaudit.audit.integrity.signing import fingerprint, load_private_key, public_pem, sign_digest
from ccaudit.audit.snapshot import AuditSnapshot
from ccaudit.findings.models import Status

from .conftest import FIRM, Team, sign

AS_OF = dt.date(2026, 11, 30)


def ccaudit(*args: str | Path, code: int) -> str:
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "250", "HOME": os.environ.get("HOME", "/tmp")}
    out = ccaudit_with_env(env, *args)  # the real entry point, in-process
    text = out.out + out.err
    assert out.code == code, f"{args}: exit {out.code}\n{text}"
    assert "Traceback" not in text
    return text


@pytest.fixture
def archive(team: Team, result_dir: Path, tmp_path: Path) -> Path:
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, result_dir)
    sign(team, audit_id)
    return svc.export("bob", audit_id, tmp_path / "audit-2026.zip", load_private_key(team.bob_key_path))


def members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as z:
        return {name: z.read(name) for name in z.namelist()}


def repack(files: dict[str, bytes], out: Path, rehash: bool = True, key: Ed25519PrivateKey | None = None) -> Path:
    """The members as given; with `rehash` the index lists their new hashes, with `key` it is re-signed."""
    files = dict(files)
    index = json.loads(files[INDEX])
    if rehash:
        names = set(files) - {INDEX, INDEX_SIGNATURE}
        index["files"] = {n: hashlib.sha256(files[n]).hexdigest() for n in sorted(names)}
    index["digest"] = json.loads(files["snapshot.json"])["signoff"]["digest"]
    if key is not None:
        pub = key.public_key()
        index["exporter_key"] = {"fingerprint": fingerprint(pub), "public_key": public_pem(pub)}
    files[INDEX] = json.dumps(index, indent=1, sort_keys=True, ensure_ascii=False).encode()
    if key is not None:
        files[INDEX_SIGNATURE] = base64.b64encode(key.sign(index_message(files[INDEX])))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out


def test_a_genuine_archive_verifies_and_says_its_keys_are_not_pinned(archive: Path, team: Team) -> None:
    bob = fingerprint(load_private_key(team.bob_key_path).public_key())
    out = ccaudit("verify", archive, code=0)
    assert "verified" in out and "1 anchors" in out
    assert "not pinned" in out and bob in out
    assert "--anchors checks a database's trail" in ccaudit("verify", archive, "--anchors", archive.parent, code=2)


def test_a_forged_summary_with_a_rehashed_index_fails_naming_it(archive: Path, tmp_path: Path) -> None:
    files = members(archive)
    files["reports/summary.md"] = files["reports/summary.md"].replace(b"non_compliant", b"compliant")
    out = ccaudit("verify", repack(files, tmp_path / "forged.zip"), code=1)
    assert "reports/summary.md: not what the signed snapshot gives (altered)" in out
    assert "the exporter's signature (ARCHIVE.sig) does not verify" in out


def test_every_member_is_covered(archive: Path, tmp_path: Path) -> None:
    """Any member changed, with the index re-hashed, is named; an extra member is refused too."""
    from ccaudit.audit.integrity.archive_verify import verify_archive

    files = members(archive)
    assert {n.split("/")[0] for n in files} >= {
        "snapshot.json",
        "evidence",
        "runs",
        "working-papers",
        "reports",
        "trail.jsonl",
        "anchors",
        "signatures",
    }
    for name in sorted(set(files) - {INDEX, INDEX_SIGNATURE}):
        forged = repack({**files, name: files[name] + b"\n "}, tmp_path / "forged.zip")
        problems = verify_archive(forged).problems
        assert any(p.startswith(name) or f" {name}" in p for p in problems), (name, problems)
        forged.unlink()
    extra = repack({**files, "reports/extra.md": b"# all compliant\n"}, tmp_path / "extra.zip")
    assert any(p.startswith("reports/extra.md: not part of the signed audit") for p in verify_archive(extra).problems)


def _forge_result(files: dict[str, bytes], key: Ed25519PrivateKey) -> dict[str, bytes]:
    """What a forger with a fresh key does: change a result, re-compute the digest, re-sign it, render
    the papers again, rewrite the trail's sign-off entry (and re-chain), drop the sign-off anchor."""
    snap = AuditSnapshot.model_validate_json(files["snapshot.json"])
    changed = {"result": Status.COMPLIANT}
    reqs = [r.model_copy(update=changed) if r.requirement_id == "12.5.5" else r for r in snap.requirements]
    snap = snap.model_copy(update={"requirements": reqs})
    digest = audit_digest(snap)
    pub = key.public_key()
    signoff = snap.signoff.model_copy(
        update={"digest": digest, "signature": sign_digest(key, digest), "key_fingerprint": fingerprint(pub)}
    )
    snap = snap.model_copy(update={"signoff": signoff})
    out = {n: d for n, d in files.items() if not n.startswith("anchors/")}
    out["snapshot.json"] = canonical(snap.model_dump(mode="json")).encode()
    out[f"signatures/{signoff.reviewer}.sig"] = (signoff.signature or "").encode()
    out[f"signatures/{signoff.reviewer}.pub.pem"] = public_pem(pub).encode()
    out.update(working_papers(snap))
    entries = [json.loads(line) for line in files["trail.jsonl"].decode().splitlines()]
    prev = trail.GENESIS
    for e in entries:
        if e["action"] == "audit.signoff":
            e["after"] = canonical({**json.loads(e["after"]), "digest": digest})
        e["audit_prev_hash"] = prev
        e["hash"] = trail.entry_hash(e)
        prev = e["hash"]
    out["trail.jsonl"] = "".join(canonical(e) + "\n" for e in entries).encode()
    return out


def test_a_forger_resigning_with_a_fresh_key_is_named_by_the_trusted_keys(
    archive: Path, team: Team, tmp_path: Path
) -> None:
    forger = Ed25519PrivateKey.generate()
    forged = repack(_forge_result(members(archive), forger), tmp_path / "forged.zip", key=forger)
    mallory = fingerprint(forger.public_key())
    out = ccaudit("verify", forged, code=0)  # everything agrees: only the keys tell
    assert "not pinned" in out and mallory in out
    register = tmp_path / "register.pem"
    register.write_text(Path(f"{team.bob_key_path}.pub").read_text())
    out = ccaudit("verify", forged, "--trusted-keys", register, code=1)
    assert f"signed by key {mallory}, which is not among the trusted keys" in out
    assert "the sign-off by bob" in out
    ccaudit("verify", archive, "--trusted-keys", register, code=0)
    bob = fingerprint(load_private_key(team.bob_key_path).public_key())
    fingerprints = tmp_path / "fingerprints.txt"
    fingerprints.write_text(f"# the firm's key register\nbob  {bob}\n")
    out = ccaudit("verify", archive, "--trusted-keys", fingerprints, code=0)
    assert "not pinned" not in out
    fingerprints.write_text(f"carol {'ab' * 32}\n")
    assert f"signed by key {bob}" in ccaudit("verify", archive, "--trusted-keys", fingerprints, code=1)
    fingerprints.write_text("bob is trusted\n")
    assert "line 1: expected a key fingerprint" in ccaudit("verify", archive, "--trusted-keys", fingerprints, code=2)


def _flip_inside(archive: Path, member: str, out: Path) -> Path:
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as z:
        info = z.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


def test_a_damaged_archive_fails_with_a_message(archive: Path, tmp_path: Path) -> None:
    evidence = next(n for n in members(archive) if n.startswith("evidence/"))
    out = ccaudit("verify", _flip_inside(archive, evidence, tmp_path / "flipped.zip"), code=1)
    assert f"{evidence}: " in out and "verification failed" in out
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    assert "is not a readable zip archive" in ccaudit("verify", truncated, code=1)
    text = tmp_path / "notes.zip"
    text.write_text("not a zip at all\n")
    assert "is not a readable zip archive" in ccaudit("verify", text, code=1)
    assert "not a ccaudit audit archive" in ccaudit("verify", tmp_path / "result", code=1)
    assert "is not a readable zip archive" in ccaudit("verify", "/etc/passwd", code=1)
    assert "no such file or folder" in ccaudit("verify", tmp_path / "nothing.zip", code=2)
