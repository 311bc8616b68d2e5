"""Offline check of an audit archive (see archive.py): no database, only the archive's own files.

Every member must be covered by a signature the verifier can check: the exporter's signature of
ARCHIVE.json covers every byte; beyond that, each member must agree with what the reviewer signed:
snapshot.json with the signed digest; evidence, findings and offending rows with their hashes in it;
working papers and the report with what the snapshot gives when rendered again; the trail with the
signed trail head and the reviewer's sign-off anchor. A member that fits none of these is refused.
With `trusted` (the verifier's own list of keys) every signer must be in it; without, each signer's
fingerprint is printed with a warning that it is not pinned."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from pydantic import ValidationError

from ccaudit import __version__
from ccaudit.audit.errors import AuditError, SigningError
from ccaudit.audit.integrity import anchors, trail
from ccaudit.audit.integrity.archive import (
    FORMAT,
    INDEX,
    INDEX_SIGNATURE,
    ArchiveReader,
    DamagedArchiveError,
    attachment_member,
    canonical_text,
    index_message,
)
from ccaudit.audit.integrity.digest import audit_digest, canonical, sha256_hex
from ccaudit.audit.integrity.papers import working_papers
from ccaudit.audit.integrity.signing import fingerprint, load_public_key, public_pem, verify_digest
from ccaudit.audit.integrity.trusted import TrustedKeys, pin
from ccaudit.audit.integrity.verify import SignatureInfo, VerifyReport, Worded
from ccaudit.audit.snapshot import AuditSnapshot, AuditStatus, RunSnap, is_sources_report
from ccaudit.evidence.store import RAW_EXPORT


def verify_archive(path: Path, trusted: TrustedKeys | None = None) -> VerifyReport:
    if not path.exists():
        raise AuditError(f"{path}: no such file or folder")
    report = VerifyReport()
    try:
        reader = ArchiveReader(path)
    except DamagedArchiveError as exc:
        report.problems.append(str(exc))
        return report
    try:
        _verify(reader, trusted, report)
    finally:
        reader.close()
    return report


class _Members:
    """The archive's members, read at most once each; a damaged member is one problem, named once."""

    def __init__(self, reader: ArchiveReader, report: VerifyReport) -> None:
        self.reader = reader
        self.report = report
        self.names = reader.names()
        self.damaged: set[str] = set()
        self.covered: set[str] = set()  # members checked against what a signature covers

    def read(self, name: str) -> bytes | None:
        if name not in self.names or name in self.damaged:
            return None
        try:
            return self.reader.read(name)
        except DamagedArchiveError as exc:
            self.damaged.add(name)
            self.report.problems.append(str(exc))
            return None

    def sha256(self, name: str) -> str | None:
        if name not in self.names or name in self.damaged:
            return None
        try:
            return self.reader.sha256(name)
        except DamagedArchiveError as exc:
            self.damaged.add(name)
            self.report.problems.append(str(exc))
            return None


def _verify(reader: ArchiveReader, trusted: TrustedKeys | None, report: VerifyReport) -> None:
    m = _Members(reader, report)
    where = reader.path
    if INDEX not in m.names:
        report.problems.append(f"{where} has no {INDEX}: not a ccaudit audit archive")
        return
    for name in reader.duplicates():
        report.problems.append(f"{name}: stored twice in the zip (a second copy was added)")
    raw = m.read(INDEX)
    if raw is None:
        return
    try:
        index = json.loads(raw)
    except ValueError:
        report.problems.append(f"{INDEX} is not JSON: not a ccaudit audit archive, or a damaged one")
        return
    if not isinstance(index, dict) or index.get("format") != FORMAT or not isinstance(index.get("files"), dict):
        report.problems.append(f"{INDEX}: not the index of a ccaudit audit archive")
        return
    signed_index = _index_signature(m, index, raw, trusted)
    files: dict[str, Any] = index["files"]
    for name in sorted(files):
        if name not in m.names:
            report.problems.append(f"{name}: listed in {INDEX} but missing")
        elif (digest := m.sha256(name)) is not None and digest != files[name]:
            report.problems.append(f"{name}: its content does not match its SHA-256 in {INDEX} (altered)")
    for name in sorted(m.names - set(files) - {INDEX, INDEX_SIGNATURE}):
        report.problems.append(f"{name}: not listed in {INDEX} (added)")
    report.checked["files"] = len(files)
    data = m.read("snapshot.json")
    try:
        snap = AuditSnapshot.model_validate_json(data or b"")
    except ValidationError as exc:
        report.problems.append(f"snapshot.json is missing or unreadable: {str(exc).splitlines()[0]}")
        return
    m.covered.add("snapshot.json")
    if canonical(snap.model_dump(mode="json")).encode("utf-8") != data:
        report.problems.append("snapshot.json: not in the canonical form it was signed in (altered)")
    _signature(m, snap, index, trusted)
    _runs(m, snap)
    _papers(m, snap, index, signed_index)
    heads = _trail(m, snap)
    _policies(m)
    _anchors(m, snap, heads, trusted)
    for name in sorted(m.names - m.covered - {INDEX, INDEX_SIGNATURE}):
        report.problems.append(f"{name}: not part of the signed audit (neither hashed in it nor derived from it)")


def _index_signature(m: _Members, index: dict[str, Any], raw: bytes, trusted: TrustedKeys | None) -> bool:
    """The exporter's signature over ARCHIVE.json; True when it verifies."""
    r = m.report
    exporter = index.get("exported_by") or "the exporter"
    key_info = index.get("exporter_key")
    signature = m.read(INDEX_SIGNATURE)
    if signature is None or not isinstance(key_info, dict):
        r.problems.append(
            f"{INDEX_SIGNATURE}: missing: nothing vouches for the index (an archive from before signed indexes, "
            "or one re-packed; export it again)"
        )
        return False
    try:
        key = load_public_key(str(key_info.get("public_key")))
        key.verify(base64.b64decode(signature, validate=True), index_message(raw))
    except (SigningError, InvalidSignature, ValueError):
        r.problems.append(
            f"{INDEX}: the exporter's signature ({INDEX_SIGNATURE}) does not verify: the index was changed after "
            "export"
        )
        return False
    key_fingerprint = fingerprint(key)
    if key_fingerprint != key_info.get("fingerprint"):
        r.problems.append(f"{INDEX}: the exporter's key does not have the fingerprint the index gives")
    pin(r, f"the archive's index, exported by {exporter}", key_fingerprint, trusted)
    return True


def _signature(m: _Members, snap: AuditSnapshot, index: dict[str, Any], trusted: TrustedKeys | None) -> None:
    r = m.report
    s = snap.signoff
    if snap.status != AuditStatus.SIGNED or not s.digest or not s.signature:
        r.problems.append("snapshot.json: the audit is not signed off")
        return
    digest = audit_digest(snap)
    if digest != s.digest or index.get("digest") != s.digest:
        r.problems.append(f"snapshot.json: its content does not match the signed digest {s.digest[:16]}… (altered)")
    label = f"audit {snap.audit_id} ({snap.firm_id} {snap.year})"
    r.signatures.append(SignatureInfo(label, s.reviewer or "", s.key_fingerprint or "", s.digest))
    pem_name = f"signatures/{s.reviewer}.pub.pem"
    sig_name = f"signatures/{s.reviewer}.sig"
    m.covered.update({pem_name, sig_name})
    pem_bytes = m.read(pem_name)
    if pem_bytes is None:
        r.problems.append(f"{pem_name}: the reviewer's public key is missing")
        return
    pem = pem_bytes.decode("ascii", "replace")
    try:
        key = load_public_key(pem)
    except SigningError:
        r.problems.append(f"{pem_name}: not an Ed25519 public key (altered)")
        return
    key_fingerprint = fingerprint(key)
    if pem != public_pem(key):
        r.problems.append(f"{pem_name}: not in the form it was exported in (altered)")
    if key_fingerprint != s.key_fingerprint:
        r.problems.append(f"{pem_name}: not the key that signed (fingerprint differs)")
    if not verify_digest(pem, s.digest, s.signature):
        r.problems.append(f"the signature of {s.reviewer} does not verify over the digest")
    pin(r, f"the sign-off by {s.reviewer}", key_fingerprint, trusted)
    sig = m.read(sig_name)
    if sig is None or sig.decode("ascii", "replace") != s.signature:
        r.problems.append(f"{sig_name}: missing or not the signature in the snapshot")


def _runs(m: _Members, snap: AuditSnapshot) -> None:
    r = m.report
    evidence = 0
    kept: dict[str, int] = {}
    for run in snap.runs:
        findings = f"runs/{run.uid}/findings.json"
        m.covered.add(findings)
        if m.sha256(findings) != run.findings_sha256 and findings not in m.damaged:
            r.problems.append(f"{findings}: missing or not the run's findings")
        _manifest(m, run)
        for e in run.evidence:
            evidence += 1
            blob = f"evidence/{e.sha256}"
            m.covered.add(blob)
            if m.sha256(blob) != e.sha256 and blob not in m.damaged:
                what = "raw export" if e.dataset == RAW_EXPORT else "evidence file"
                r.problems.append(_altered(blob, e.original_name, what, e.sha256))
        for a in run.attachments:
            # a `sources parse` report handed in with its datasets is kept as a probe file, said as a parse report
            kind = "parse_report" if a.kind == "probe_file" and is_sources_report(a.name) else a.kind
            kept[kind] = kept.get(kind, 0) + 1
            try:
                name = attachment_member(run.uid, a)
            except AuditError as exc:  # only a snapshot that is not the signed one names such a file
                r.problems.append(f"snapshot.json: {exc}")
                continue
            m.covered.add(name)
            if m.sha256(name) != a.sha256 and name not in m.damaged:
                r.problems.append(_altered(name, a.name, kind, a.sha256))
    seen: set[tuple[int | None, str]] = set()
    rows = 0
    for req in snap.requirements:
        for c in req.checks:
            if not c.offending_sha256 or (req.run_id, c.check_id) in seen:
                continue
            seen.add((req.run_id, c.check_id))
            uid = next(x.uid for x in snap.runs if x.run_id == req.run_id)
            name = f"runs/{uid}/offending/{c.check_id}.jsonl"
            m.covered.add(name)
            data = m.read(name)
            if data is None:
                if name not in m.damaged:
                    r.problems.append(f"{name}: missing")
                continue
            count = data.count(b"\n")
            rows += count
            if sha256_hex(data) != c.offending_sha256 or count != c.offending_count:
                r.problems.append(f"{name}: the offending rows do not match the signed record")
    r.checked["evidence files"] = evidence
    if kept:  # archives of runs recorded before ccaudit kept them have none
        r.checked["probe files"] = kept.get("probe_file", 0)
        r.checked["parse reports"] = kept.get("parse_report", 0)
    r.checked["offending rows"] = rows


_KIND_ZH = {"evidence file": "證據檔案", "raw export": "原始匯出檔", "probe_file": "探測附件",
            "parse_report": "解析報告"}


def _altered(member: str, original: str, kind: str, sha256: str) -> Worded:
    """A member that is not the file the audit signs, named with the file it stands for."""
    what = kind.replace("_", " ")
    return Worded(
        f"{member} ({what} {original}): missing, or not the file the audit signs (SHA-256 {sha256[:16]}…; altered)",
        f"{member}（{_KIND_ZH[kind]} {original}）：遺失，或非查核簽核之檔案（SHA-256 {sha256[:16]}…；遭竄改）",
    )


def _manifest(m: _Members, run: RunSnap) -> None:
    """The run's evidence manifest, in canonical form, must list exactly the evidence files and probe files the
    snapshot signs (how each was read, e.g. its encoding and import time, is vouched for by the exporter alone).
    A run recorded before ccaudit kept its probe files signs none: those the manifest lists are not in the
    archive, which is said as a warning."""
    name = f"runs/{run.uid}/manifest.json"
    m.covered.add(name)
    data = m.read(name)
    fields = ("dataset", "sha256", "original_name", "size_bytes", "rows", "effective_date")
    expected = sorted(json.dumps([getattr(e, f) for f in fields]) for e in run.evidence)
    probe_files = sorted(json.dumps([a.name, a.sha256, a.size_bytes])
                         for a in run.attachments if a.kind == "probe_file")
    try:
        manifest = json.loads(data or b"")
        listed = sorted(json.dumps([f.get(k) for k in fields]) for f in manifest["files"])
        attached = sorted(json.dumps([a.get("name"), a.get("sha256"), a.get("size_bytes")])
                          for a in manifest.get("attachments") or [])
    except (ValueError, KeyError, TypeError, AttributeError):
        listed, attached, manifest = None, [], None
    if name in m.damaged:
        return
    if listed != expected:
        m.report.problems.append(f"{name}: missing, or does not list the evidence files the audit signs")
    elif run.attachments and attached != probe_files:
        m.report.problems.append(f"{name}: does not list the probe files the audit signs (altered)")
    elif canonical_text(manifest) != data:
        m.report.problems.append(f"{name}: not in the canonical form it was exported in (altered)")
    elif attached and not run.attachments:
        m.report.warnings.append(
            f"{name}: lists {len(attached)} probe file(s) the audit does not sign (the run was recorded before "
            "ccaudit kept them): they are not in the archive"
        )


def _papers(m: _Members, snap: AuditSnapshot, index: dict[str, Any], signed_index: bool) -> None:
    """Working papers and the report are rendered from the snapshot: rendered again, they must match."""
    made_by = str(index.get("ccaudit", "unknown"))
    for name, data in working_papers(snap).items():
        m.covered.add(name)
        stored = m.read(name)
        if stored is None:
            if name not in m.damaged:
                m.report.problems.append(f"{name}: missing")
        elif stored != data:
            if signed_index and made_by != __version__:
                m.report.warnings.append(
                    f"{name}: ccaudit {__version__} renders it differently from ccaudit {made_by}, which exported "
                    "it; it is covered by the exporter's signature only (verify with that version to compare)"
                )
            else:
                m.report.problems.append(f"{name}: not what the signed snapshot gives (altered)")


def _trail(m: _Members, snap: AuditSnapshot) -> dict[int, str]:
    """Check trail.jsonl; return its entries' hashes by sequence number."""
    r = m.report
    m.covered.add("trail.jsonl")
    data = m.read("trail.jsonl")
    if data is None:
        if "trail.jsonl" not in m.damaged:
            r.problems.append("trail.jsonl: missing")
        return {}
    try:
        entries = [json.loads(line) for line in data.decode("utf-8").splitlines()]
        trail.ChainCheck(whole_log=False).feed(entries[0]) if entries else None
    except (ValueError, KeyError, TypeError, IndexError):
        r.problems.append("trail.jsonl: not a list of trail entries (altered)")
        return {}
    check = trail.ChainCheck(whole_log=False)
    if entries and entries[0].get("audit_prev_hash") != trail.GENESIS:
        r.problems.append(f"{trail.describe(entries[0])}: not the audit's first entry (earlier ones removed)")
    try:
        for entry in entries:
            if entry.get("audit_id") != snap.audit_id:
                r.problems.append(f"{trail.describe(entry)}: belongs to another audit")
            check.feed(entry)
    except (KeyError, TypeError):
        r.problems.append("trail.jsonl: not a list of trail entries (altered)")
        return {}
    r.problems += check.problems
    r.checked["trail entries"] = len(entries)
    hashes = [e["hash"] for e in entries]
    head = snap.signoff.trail_head
    if head not in hashes:
        r.problems.append("trail.jsonl: the entry the sign-off sealed is missing")
        return {}
    after = entries[hashes.index(head) + 1 :]
    signoff = next((e for e in after if e["action"] == "audit.signoff"), None)
    if signoff is None or json.loads(signoff["after"]).get("digest") != snap.signoff.digest:
        r.problems.append("trail.jsonl: no sign-off entry recording the signed digest")
    return {e["seq"]: e["hash"] for e in entries}


def _policies(m: _Members) -> None:
    """Policy proposals (and the documents they quote) against the SHA-256 their trail entries record."""
    from ccaudit.audit.workflow.policies import archived_files

    data = m.read("trail.jsonl")
    try:
        expected = archived_files(json.loads(line) for line in (data or b"").decode("utf-8").splitlines())
    except (ValueError, KeyError, TypeError, AttributeError):
        return  # _trail has said what is wrong with trail.jsonl
    for name, sha in sorted(expected.items()):
        m.covered.add(name)
        digest = m.sha256(name)
        if digest is None and name not in m.damaged:
            m.report.problems.append(Worded(f"{name}: recorded in the trail but missing",
                                            f"{name}：軌跡已記錄，但檔案遺失"))
        elif digest is not None and digest != sha:
            m.report.problems.append(Worded(f"{name}: does not match the SHA-256 its trail entry records (altered)",
                                            f"{name}：與其軌跡紀錄之 SHA-256 不符（遭竄改）"))
    m.report.checked["policy proposal files"] = len(expected)


def _anchors(m: _Members, snap: AuditSnapshot, heads: dict[int, str], trusted: TrustedKeys | None) -> None:
    """The sign-off anchor: the reviewer's own key vouches for the trail up to the sign-off entry."""
    r = m.report
    names = sorted(n for n in m.names if n.startswith("anchors/"))
    signoff_anchored = False
    for name in names:
        m.covered.add(name)
        data = m.read(name)
        if data is None:
            continue
        try:
            anchor = anchors.parse(data)
        except ValueError as exc:
            r.problems.append(f"{name}: not a trail anchor ({exc})")
            continue
        if data != anchor.to_bytes() or not anchor.signature_ok():
            r.problems.append(f"{name}: its signature does not verify, or it was re-formatted (altered)")
        elif heads.get(anchor.seq) != anchor.hash:
            r.problems.append(f"{name}: trail.jsonl does not contain {anchor.describe()}")
        elif anchor.audit_id == snap.audit_id and anchor.fingerprint == snap.signoff.key_fingerprint:
            signoff_anchored = True
        else:
            pin(r, f"{name} ({anchor.by})", anchor.fingerprint, trusted)
    if not signoff_anchored:
        r.warnings.append(
            "no sign-off anchor in the archive: the trail entries after the signed head are covered only by the "
            "exporter's signature"
        )
    r.checked["anchors"] = len(names)
