"""The deficiencies and their improvement items as an OSCAL plan of action and milestones (POA&M):
one item per improvement measure (or per deficiency still without one), each tied to a risk whose
remediation carries the owner, the due date (a milestone) and the stored status."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trestle.oscal.poam import PlanOfActionAndMilestones

from ccaudit.reports import texts
from ccaudit.reports.model import DEFICIENT, Remediation, ReportData, RequirementRow, Result
from ccaudit.reports.oscal_common import (
    evidence_resources,
    firm_name,
    metadata,
    prop,
    stable_uuid,
    stamp,
    write_model,
)
from ccaudit.reports.report_to_oscal import doc_key

LIFECYCLE = {"open": "planned", "in_progress": "planned", "done": "completed", "accepted": "completed"}


def _response(key: str, row: RequirementRow, n: int, item: Remediation | None, lang: str) -> dict[str, Any]:
    advice = texts.advice(row, lang)  # one paragraph per failing check; an OSCAL title is one line
    response: dict[str, Any] = {
        "uuid": stable_uuid(key, "response", row.id, n), "lifecycle": LIFECYCLE.get(item.status, "planned")
        if item else "recommendation",
        "title": " ".join(advice.split("\n")), "description": advice,
        "props": [prop("status", item.status if item else "not_started")]
        + ([prop("owner", item.owner)] if item and item.owner else []),
    }
    if item and item.due:
        response["tasks"] = [{"uuid": stable_uuid(key, "task", row.id, n), "type": "milestone",
                              "title": texts.t("due_on", lang, due=item.due),
                              "timing": {"on-date": {"date": stamp(item.due)}}}]
    return response


def _risk_status(row: RequirementRow) -> str:
    if row.remediation and all(r.status in ("done", "accepted") for r in row.remediation):
        return "closed"
    return "remediating" if any(r.status == "in_progress" for r in row.remediation) else "open"


def remediation_to_poam(
    data: ReportData, include_observations: bool = True, lang: str = "en",
    evidence_links: Mapping[str, str] | None = None,
) -> PlanOfActionAndMilestones:
    """Prose (titles, descriptions, the proposed improvement) in `lang`; codes and properties as stored."""
    key = doc_key(data)
    wanted = (*DEFICIENT, Result.OBSERVATION) if include_observations else DEFICIENT
    risks, items = [], []
    for row in data.requirements:
        if row.result not in wanted:
            continue
        gaps = "\n".join(texts.gap_lines(row, lang) or texts.note_lines(row, lang)) or row.result.label(lang)
        entries: list[Remediation | None] = [*row.remediation] or [None]
        risk_uuid = stable_uuid(key, "poam-risk", row.id)
        risks.append({
            "uuid": risk_uuid, "title": f"{row.id}: {row.result.label(lang)}", "description": gaps,
            "statement": row.text.get(lang),
            "status": _risk_status(row),
            "props": [prop("requirement", row.id), prop("result", row.result.value),
                      prop("deficiency", str(row.result in DEFICIENT).lower())],
            "remediations": [_response(key, row, n, item, lang) for n, item in enumerate(entries)],
        })
        for n, item in enumerate(entries):
            props = [prop("requirement", row.id), prop("result", row.result.value)]
            owner = (item.owner if item else None) or row.owner
            due = (item.due if item else None) or row.due
            props += [prop("owner", owner)] if owner else []
            props += [prop("due", due)] if due else []
            items.append({
                "uuid": stable_uuid(key, "poam-item", row.id, n),
                "title": f"{row.id}: {row.text.get(lang)[:120]}",
                "description": gaps, "props": props,
                "related-risks": [{"risk-uuid": risk_uuid}],
            })
    doc: dict[str, Any] = {
        "uuid": stable_uuid(key, "poam"),
        "metadata": metadata(texts.t("oscal_poam", lang, firm=firm_name(data), as_of=data.as_of),
                             data.generated_at, data.digest or data.as_of, data, lang),
        "system-id": {"identifier-type": "https://ietf.org/rfc/rfc4122",
                      "id": stable_uuid("firm", data.firm_id)},
        "poam-items": items or [{
            "uuid": stable_uuid(key, "poam-item", "none"), "title": texts.t("no_deficiencies", lang),
            "description": texts.t("no_deficiencies_text", lang),
        }],
    }
    if risks:
        doc["risks"] = risks
    resources = evidence_resources(data, evidence_links, lang)
    if resources:
        doc["back-matter"] = {"resources": resources}
    return PlanOfActionAndMilestones.model_validate(doc)


def write_poam(
    data: ReportData, path: Path, lang: str = "en", evidence_links: Mapping[str, str] | None = None
) -> Path:
    return write_model(remediation_to_poam(data, lang=lang, evidence_links=evidence_links), path)
