"""The firm's policy_documents register against the documents themselves: for each row, the document it
names (by its ID or title, in the file name or the document's opening lines) and which of the topics
the register lists the rules find in that document. The register is typed by a person; this is where
"the rule covers audit" meets a document that has no article on it."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ccaudit.errors import CcauditError, EvidenceError
from ccaudit.policies.extract import Extracted
from ccaudit.policies.models import DocumentInfo, RegisterRow
from ccaudit.policies.topics import TopicRules
from ccaudit.settings import Settings
from ccaudit.textsafe import visible

OPENING = 3  # passages of a document where its ID or title is looked for


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def read(path: Path, settings: Settings) -> list[dict[str, Any]]:
    """The register's rows, read by the evidence importer (CSV/XLSX/JSON/Parquet, Big5, Chinese headers)."""
    from ccaudit.probes.targets import read_register

    try:
        return read_register(path, "policy_documents", settings)
    except CcauditError as exc:
        raise EvidenceError(f"--register {visible(str(path))}: {exc}") from None


def compare(
    rows: Sequence[dict[str, Any]], docs: Sequence[DocumentInfo], texts: Sequence[Extracted],
    doc_topics: dict[int, set[str]], rules: TopicRules,
) -> tuple[list[RegisterRow], list[str]]:
    """(each register row against its document, the documents no row names)."""
    known = {t.id for c in rules.clauses.values() for t in c.topics}
    heads = [_key(f"{d.name} " + " ".join(p.text for p in t.passages[:OPENING])) for d, t in zip(docs, texts,
                                                                                                 strict=True)]
    named: set[int] = set()
    out = []
    for row in rows:
        doc_id, title = str(row.get("doc_id") or ""), str(row.get("title") or "")
        hit = next((i for i, h in enumerate(heads) if doc_id and _key(doc_id) in h), None)
        if hit is None:
            hit = next((i for i, h in enumerate(heads) if title and _key(title) in h), None)
        claimed = [str(t).strip().lower() for t in row.get("topics") or []]
        checked = [t for t in claimed if t in known]
        covered = doc_topics.get(hit, set()) if hit is not None else set()
        if hit is not None:
            named.add(hit)
        out.append(RegisterRow(
            doc_id=doc_id, title=title, policy_area=row.get("policy_area"), row=int(row["_row"]),
            document=docs[hit].name if hit is not None else None, claimed=claimed,
            found=[t for t in checked if t in covered] if hit is not None else [],
            not_found=[t for t in checked if t not in covered] if hit is not None else [],
            no_rule=[t for t in claimed if t not in known],
        ))  # fmt: skip
    return out, [d.name for i, d in enumerate(docs) if i not in named]
