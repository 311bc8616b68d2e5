"""`ccaudit policies scan`: read the firm's policy documents, keep each unchanged under its SHA-256,
find the passages that cover each clause's topics, and write the proposals.

The flow: files (given, or found in folders) -> each checked and read (extract.py; every problem of
every file collected, nothing written when there is one) -> stored as blobs -> passages matched
against the topic rules in one query (coverage.py) -> policy_coverage.json and policy_passages.csv."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import ccaudit
from ccaudit import csvsafe
from ccaudit.catalog.loader import DEFAULT_CATALOG, CatalogLibrary
from ccaudit.catalog.models import Catalog
from ccaudit.errors import CcauditError, EvidenceError
from ccaudit.evidence.store import EvidenceStore, sha256_of
from ccaudit.evidence.untrusted import check_inside
from ccaudit.policies.coverage import Quote as Hit
from ccaudit.policies.coverage import TopicHits, match
from ccaudit.policies.extract import Extracted, Limits, extract, format_of
from ccaudit.policies.models import (
    FILE,
    PASSAGES_CSV,
    ClauseProposal,
    DocumentInfo,
    PolicyCoverage,
    Proposal,
    Quote,
    Skipped,
    TopicCoverage,
)
from ccaudit.policies.register import compare
from ccaudit.policies.register import read as register_read
from ccaudit.policies.topics import TopicRules, load_rules, phrase_rows
from ccaudit.settings import Settings
from ccaudit.textsafe import visible

SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class Found:
    path: Path
    name: str  # as the user knows it: the path given, or relative to the folder given


def _regular(path: Path, name: str) -> None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise EvidenceError(f"{visible(name)}: no such file") from None
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise EvidenceError(f"{visible(name)}: not a regular file (a pipe, device or socket); refused unread")


def find_documents(paths: Sequence[Path], out: Path | None = None) -> tuple[list[Found], list[Skipped]]:
    """Files named, and the documents inside folders named (hidden and system files and unknown
    formats listed as skipped; a link leading out of a folder refused; the output folder left out)."""
    own = out.resolve() if out is not None else None
    found: list[Found] = []
    skipped: list[Skipped] = []
    for given in paths:
        _regular(given, str(given))
        if not given.is_dir():
            found.append(Found(given, given.name))
            continue
        for path in sorted(given.rglob("*")):
            rel = path.relative_to(given)
            if own is not None and (path.resolve() == own or own in path.resolve().parents):
                continue
            name = f"{given.name}/{rel.as_posix()}"
            if any(part.startswith((".", "~$")) for part in rel.parts) or path.name.lower() in SYSTEM_FILES:
                if path.is_file():
                    skipped.append(Skipped(name=name, reason="hidden or system file"))
                continue
            if path.is_dir() and not path.is_symlink():
                continue
            check_inside(path, given)
            if path.is_dir():
                continue
            if format_of(path) is None:
                skipped.append(Skipped(name=name, reason="not PDF, DOCX, ODT, Markdown or plain text"))
                continue
            found.append(Found(path, name))
    return found, skipped


def _quotes(hits: Sequence[Hit], docs: list[DocumentInfo]) -> list[Quote]:
    return [
        Quote(doc_id=docs[q.doc_no].doc_id, document=docs[q.doc_no].name, sha256=docs[q.doc_no].sha256, page=q.page,
              paragraph=q.paragraph, line=q.line, section=q.section, matched=q.matched, excerpt=q.excerpt)
        for q in hits
    ]


def propose(catalog: Catalog, rules: TopicRules, docs: list[DocumentInfo], hits: dict[tuple[str, str], TopicHits]
            ) -> list[ClauseProposal]:
    clauses = []
    for req in catalog.requirements:
        clause = rules.clauses.get(req.id)
        if clause is None:
            continue
        topics = []
        for topic in clause.topics:
            got = hits.get((req.id, topic.id))
            topics.append(TopicCoverage(
                topic=topic.id, title=topic.title, status="covered" if got else "not_found",
                passages=got.passages if got else 0, quotes=_quotes(got.quotes, docs) if got else [],
            ))  # fmt: skip
        covered = sum(t.status == "covered" for t in topics)
        proposal = Proposal.PARTLY_COVERED
        if covered in (0, len(topics)):
            proposal = Proposal.COVERED if covered else Proposal.NOT_FOUND
        clauses.append(ClauseProposal(
            requirement_id=req.id, text=req.text, obligation=(req.obligation.value if req.obligation else ""),
            area=clause.area, proposal=proposal,
            proposed_attestation="met" if proposal is Proposal.COVERED else "not_met", topics=topics,
        ))  # fmt: skip
    return clauses


def scan(
    paths: Sequence[Path],
    out: Path,
    settings: Settings,
    *,
    as_of: dt.date | None = None,
    catalog_id: str = DEFAULT_CATALOG,
    rules_path: Path | None = None,
    now: dt.datetime | None = None,
    register: Path | None = None,
) -> PolicyCoverage:
    """Read the documents, write out/policy_coverage.json, out/policy_passages.csv, out/documents/blobs/;
    with `register` (the firm's policy_documents file), compare what each row claims with its document."""
    if not paths:
        raise CcauditError("name at least one policy document or folder")
    catalog = CatalogLibrary.load(settings.content_paths).in_force(catalog_id, as_of or dt.date.today())
    rules = load_rules(rules_path, catalog)
    register_rows = register_read(register, settings) if register is not None else None
    found, skipped = find_documents(paths, out)
    if not found:
        raise EvidenceError("no policy document found (PDF, DOCX, ODT, Markdown or plain text) in what was given")
    limits = Limits.of(settings)
    problems: list[str] = []
    docs: list[DocumentInfo] = []
    texts: list[Extracted] = []
    seen: dict[str, str] = {}
    sources: dict[str, Path] = {}
    for f in found:
        try:
            sha = sha256_of(f.path) if f.path.stat().st_size <= limits.file_bytes else ""
            if sha and sha in seen:
                skipped.append(Skipped(name=f.name, reason=f"the same file as {seen[sha]}"))
                continue
            text = extract(f.path, f.name, limits)
        except CcauditError as exc:
            problems.append(str(exc))
            continue
        seen[sha], sources[sha] = f.name, f.path
        docs.append(DocumentInfo(
            doc_id=f"D{len(docs) + 1}", name=f.name, sha256=sha, size_bytes=f.path.stat().st_size,
            format=text.format, encoding=text.encoding, pages=text.pages, passages=len(text.passages),
            chars=text.chars, language=text.language, warnings=text.warnings,
        ))  # fmt: skip
        texts.append(text)
    if problems:
        raise EvidenceError(
            f"{len(problems)} policy document(s) cannot be read; nothing was written:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )
    matched = match([t.passages for t in texts], rules, phrase_rows(rules))
    result = PolicyCoverage(
        generated_at=(now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds"),
        ccaudit_version=ccaudit.__version__, catalog=catalog.id, catalog_version=catalog.version,
        rules_sha256=rules.sha256, documents=docs, skipped=skipped,
        clauses=propose(catalog, rules, docs, matched.hits),
    )  # fmt: skip
    if register is not None and register_rows is not None:
        result.register_rows, result.unregistered = compare(register_rows, docs, texts, matched.doc_topics, rules)
        result.register_file, result.register_sha256 = register.name, sha256_of(register)
    write(result, sources, out)
    return result


def write(result: PolicyCoverage, sources: dict[str, Path], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    store = EvidenceStore(out / "documents")
    for sha, path in sources.items():
        store.put(path, sha)
    _atomic(out / FILE, result.model_dump_json(by_alias=True, indent=2))
    _atomic(out / PASSAGES_CSV, passages_csv(result), encoding="utf-8-sig")


def _atomic(path: Path, text: str, encoding: str = "utf-8") -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(text, encoding=encoding, newline="")
    os.replace(tmp, path)


def passages_csv(result: PolicyCoverage) -> str:
    """One line per clause topic and quoted passage (a topic not found: one line, no passage)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["requirement_id", "topic", "status", "proposal", "document", "sha256", "page", "paragraph",
                     "line", "section", "matched", "excerpt"])
    for c in result.clauses:
        for t in c.topics:
            if not t.quotes:
                writer.writerow(csvsafe.row([c.requirement_id, t.topic, t.status, c.proposal.value]))
            for q in t.quotes:
                writer.writerow(csvsafe.row([
                    c.requirement_id, t.topic, t.status, c.proposal.value, q.document, q.sha256, q.page, q.paragraph,
                    q.line, q.section, q.matched, q.excerpt,
                ]))  # fmt: skip
    return buffer.getvalue()


def read(folder: Path) -> tuple[PolicyCoverage, bytes]:
    """A scan's policy_coverage.json, validated, and its bytes (for `ccaudit audit policies`)."""
    path = folder / FILE if folder.is_dir() else folder
    if not path.is_file():
        raise EvidenceError(f"{visible(str(folder))}: no {FILE} (write one with `ccaudit policies scan --out DIR`)")
    raw = path.read_bytes()
    return parse(raw, str(path)), raw


def parse(raw: bytes, name: str) -> PolicyCoverage:
    from pydantic import ValidationError

    try:
        return PolicyCoverage.model_validate_json(raw)
    except ValidationError as exc:
        raise EvidenceError(f"{visible(name)}: not a policy_coverage.json ccaudit wrote ({exc.error_count()} "
                            "problems)") from None


def reproduce(coverage: PolicyCoverage, blobs: Path, settings: Settings) -> None:
    """Refuse proposals that the documents under `blobs` (by SHA-256) and the topic rules in force do not
    give: a policy_coverage.json edited by hand, or made by other rules, is not attached."""
    catalog = next((c for c in CatalogLibrary.load(settings.content_paths).versions(coverage.catalog)
                    if c.version == coverage.catalog_version), None)
    if catalog is None:
        raise EvidenceError(f"{FILE}: catalog {coverage.catalog} v{coverage.catalog_version} is not installed")
    rules = load_rules(None, catalog)
    if rules.sha256 != coverage.rules_sha256:
        raise EvidenceError(f"{FILE} was made with other topic rules ({coverage.rules_sha256[:12]}…, these are "
                            f"{rules.sha256[:12]}…): scan the documents again")
    limits = Limits.of(settings)
    texts = [extract(blobs / d.sha256, d.name, limits, d.format) for d in coverage.documents]
    clauses = propose(catalog, rules, coverage.documents, match([t.passages for t in texts], rules,
                                                               phrase_rows(rules)).hits)
    if [c.model_dump() for c in clauses] != [c.model_dump() for c in coverage.clauses]:
        raise EvidenceError(f"{FILE}: its proposals are not what its documents give under the topic rules "
                            "(edited after the scan?); scan the documents again")
