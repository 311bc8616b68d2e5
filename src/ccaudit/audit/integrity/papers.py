"""Working papers and a short report written into an audit archive, made from its snapshot."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from ccaudit import csvsafe
from ccaudit.audit.snapshot import AuditSnapshot


def _csv(items: Sequence[BaseModel], drop: Sequence[str] = (), extra: Sequence[dict[str, Any]] = ()) -> bytes:
    """One row per item, one column per field; lists joined with ' | '."""
    rows = [{k: v for k, v in item.model_dump(mode="json").items() if k not in drop} for item in items]
    for row, more in zip(rows, extra, strict=False):
        row.update(more)
    buffer = io.StringIO()
    if rows:
        # every row's fields: a field left out when empty (e.g. a measure's checks) may start on any row
        fields = list(dict.fromkeys(k for row in rows for k in row))
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: csvsafe.cell(" | ".join(map(str, v)) if isinstance(v, list) else v)
                             for k, v in row.items()})  # firm data: neutralised for spreadsheets
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens Chinese text correctly


def working_papers(snap: AuditSnapshot) -> dict[str, bytes]:
    checks = [(r.requirement_id, r.run_id, c) for r in snap.requirements for c in r.checks]
    return {
        "working-papers/requirements.csv": _csv(snap.requirements, drop=("checks",)),
        "working-papers/checks.csv": _csv(
            [c for _, _, c in checks],
            extra=[{"requirement_id": req, "run_id": run} for req, run, _ in checks],
        ),
        "working-papers/attestations.csv": _csv(snap.attestations),
        "working-papers/measures.csv": _csv(snap.measures),
        "working-papers/remediation.csv": _csv(  # the title as read, in both languages, not its parts
            snap.remediation, drop=("title_source",),
            extra=[{"title_en": i.say_title("en"), "title_zh": i.say_title("zh-TW")} for i in snap.remediation],
        ),
        "reports/summary.md": summary(snap).encode("utf-8"),
    }


def summary(snap: AuditSnapshot) -> str:
    s = snap.signoff
    lines = [
        f"# Annual audit {snap.year}: {snap.firm_name} ({snap.firm_id})",
        "",
        f"- As-of date: {snap.as_of}; catalog {snap.catalog_id} v{snap.catalog_version}",
        f"- Prepared by {s.preparer} (submitted {s.submitted_at})",
        f"- Signed off by {s.reviewer} on {s.signed_at}; key fingerprint `{s.key_fingerprint}`",
        f"- Digest (SHA-256): `{s.digest}`",
        "",
        "| result | requirements |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in snap.counts().items() if v),
        "",
        "| requirement | result | assessed | why |",
        "|---|---|---|---|",
    ]
    for r in snap.requirements:
        why = "; ".join(r.reason_texts()).replace("|", "/")
        assessed = f"override: {r.justification}" if r.assessed_result else (r.assessed_by or "")
        if r.status.value == "deferred":
            assessed = f"deferred by {r.assessed_by}: {r.justification}"
        result = r.result.value if r.result else "not assessed"
        lines.append(f"| {r.requirement_id} | {result} | {assessed} | {why} |")
    if snap.remediation:
        lines += ["", "| item | requirement | owner | due | status |", "|---|---|---|---|---|"]
        lines += [
            f"| {i.item_id} | {i.requirement_id} | {i.owner or ''} | {i.due_date or ''} | {i.status.value} |"
            for i in snap.remediation
        ]
    return "\n".join(lines) + "\n"
