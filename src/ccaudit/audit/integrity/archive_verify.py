"""Offline check of an audit archive (see archive.py): no database, only the archive's own files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ccaudit.audit.errors import AuditError
from ccaudit.audit.integrity import trail
from ccaudit.audit.integrity.archive import FORMAT, INDEX, ArchiveReader
from ccaudit.audit.integrity.digest import audit_digest, sha256_hex
from ccaudit.audit.integrity.signing import fingerprint, load_public_key, verify_digest
from ccaudit.audit.integrity.verify import VerifyReport
from ccaudit.audit.snapshot import AuditSnapshot, AuditStatus


def verify_archive(path: Path) -> VerifyReport:
    reader = ArchiveReader(path)
    report = VerifyReport()
    names = reader.names()
    if INDEX not in names:
        raise AuditError(f"{path} has no {INDEX}: not a ccaudit audit archive")
    try:
        index = json.loads(reader.read(INDEX))
    except ValueError:
        raise AuditError(f"{path}: {INDEX} is not JSON: not a ccaudit audit archive") from None
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise AuditError(f"{path} is not a ccaudit audit archive")
    files: dict[str, str] = index.get("files", {})
    for name in sorted(files):
        if name not in names:
            report.problems.append(f"{name}: listed in {INDEX} but missing")
        elif reader.sha256(name) != files[name]:
            report.problems.append(f"{name}: its content does not match its SHA-256 in {INDEX} (altered)")
    for name in sorted(names - set(files) - {INDEX}):
        report.problems.append(f"{name}: not listed in {INDEX} (added)")
    report.checked["files"] = len(files)
    try:
        snap = AuditSnapshot.model_validate_json(reader.read("snapshot.json"))
    except (KeyError, FileNotFoundError, ValidationError) as exc:
        report.problems.append(f"snapshot.json is missing or unreadable: {str(exc).splitlines()[0]}")
        return report
    _signature(reader, snap, index, names, report)
    _runs(reader, snap, names, report)
    _trail(reader, snap, names, report)
    return report


def _signature(
    reader: ArchiveReader, snap: AuditSnapshot, index: dict[str, Any], names: set[str], r: VerifyReport
) -> None:
    s = snap.signoff
    if snap.status != AuditStatus.SIGNED or not s.digest or not s.signature:
        r.problems.append("snapshot.json: the audit is not signed off")
        return
    digest = audit_digest(snap)
    if digest != s.digest or index.get("digest") != s.digest:
        r.problems.append(f"snapshot.json: its content does not match the signed digest {s.digest[:16]}… (altered)")
    pem_name = f"signatures/{s.reviewer}.pub.pem"
    if pem_name not in names:
        r.problems.append(f"{pem_name}: the reviewer's public key is missing")
        return
    pem = reader.read(pem_name).decode("ascii", "replace")
    if fingerprint(load_public_key(pem)) != s.key_fingerprint:
        r.problems.append(f"{pem_name}: not the key that signed (fingerprint differs)")
    if not verify_digest(pem, s.digest, s.signature):
        r.problems.append(f"the signature of {s.reviewer} does not verify over the digest")
    sig_name = f"signatures/{s.reviewer}.sig"
    if sig_name not in names or reader.read(sig_name).decode("ascii", "replace") != s.signature:
        r.problems.append(f"{sig_name}: missing or not the signature in the snapshot")


def _runs(reader: ArchiveReader, snap: AuditSnapshot, names: set[str], r: VerifyReport) -> None:
    evidence = 0
    for run in snap.runs:
        findings = f"runs/{run.uid}/findings.json"
        if findings not in names or reader.sha256(findings) != run.findings_sha256:
            r.problems.append(f"{findings}: missing or not the run's findings")
        for e in run.evidence:
            evidence += 1
            blob = f"evidence/{e.sha256}"
            if blob not in names or reader.sha256(blob) != e.sha256:
                r.problems.append(f"{blob} ({e.original_name}): missing or altered")
    seen: set[tuple[int | None, str]] = set()
    rows = 0
    for req in snap.requirements:
        for c in req.checks:
            if not c.offending_sha256 or (req.run_id, c.check_id) in seen:
                continue
            seen.add((req.run_id, c.check_id))
            uid = next(x.uid for x in snap.runs if x.run_id == req.run_id)
            name = f"runs/{uid}/offending/{c.check_id}.jsonl"
            if name not in names:
                r.problems.append(f"{name}: missing")
                continue
            data = reader.read(name)
            count = data.count(b"\n")
            rows += count
            if sha256_hex(data) != c.offending_sha256 or count != c.offending_count:
                r.problems.append(f"{name}: the offending rows do not match the signed record")
    r.checked["evidence files"] = evidence
    r.checked["offending rows"] = rows


def _trail(reader: ArchiveReader, snap: AuditSnapshot, names: set[str], r: VerifyReport) -> None:
    if "trail.jsonl" not in names:
        r.problems.append("trail.jsonl: missing")
        return
    try:
        entries = [json.loads(line) for line in reader.read("trail.jsonl").decode("utf-8").splitlines()]
        trail.ChainCheck(whole_log=False).feed(entries[0]) if entries else None
    except (ValueError, KeyError, TypeError, IndexError):
        r.problems.append("trail.jsonl: not a list of trail entries (altered)")
        return
    check = trail.ChainCheck(whole_log=False)
    if entries and entries[0].get("audit_prev_hash") != trail.GENESIS:
        r.problems.append(f"{trail.describe(entries[0])}: not the audit's first entry (earlier ones removed)")
    for entry in entries:
        if entry.get("audit_id") != snap.audit_id:
            r.problems.append(f"{trail.describe(entry)}: belongs to another audit")
        check.feed(entry)
    r.problems += check.problems
    r.checked["trail entries"] = len(entries)
    hashes = [e["hash"] for e in entries]
    head = snap.signoff.trail_head
    if head not in hashes:
        r.problems.append("trail.jsonl: the entry the sign-off sealed is missing")
        return
    after = entries[hashes.index(head) + 1 :]
    signoff = next((e for e in after if e["action"] == "audit.signoff"), None)
    if signoff is None or json.loads(signoff["after"]).get("digest") != snap.signoff.digest:
        r.problems.append("trail.jsonl: no sign-off entry recording the signed digest")
