"""A stored inspection or audit as OSCAL assessment results: one finding per requirement, one
observation per check (and per attestation) with its evidence linked by SHA-256, one risk per gap."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trestle.oscal.assessment_results import AssessmentResults

from ccaudit.findings.messages import messages
from ccaudit.reports import texts
from ccaudit.reports.model import ReportData, RequirementRow, Result, is_zh
from ccaudit.reports.oscal_common import (
    control_id,
    evidence_resources,
    evidence_uuid,
    firm_name,
    metadata,
    prop,
    report_props,
    stable_uuid,
    stamp,
    write_model,
)

# out of scope is not satisfied: nothing was assessed (see _target_status)
SATISFIED = (Result.COMPLIANT, Result.COMPENSATED)
GAP = (Result.NON_COMPLIANT, Result.IN_REMEDIATION, Result.OBSERVATION)


def doc_key(data: ReportData) -> str:
    return data.digest or data.source.findings_sha256 or f"{data.source.kind.value}:{data.source.ref}"


def _observations(data: ReportData, row: RequirementRow, key: str, lang: str) -> list[dict[str, Any]]:
    out = []
    known = data.evidence_by_sha()
    for check in row.checks:
        evidence = [{
            "href": f"#{evidence_uuid(sha)}",
            "description": texts.t("oscal_file_rows", lang, dataset=messages().dataset_title(known[sha].dataset, lang),
                                   name=known[sha].name,
                                   rows=known[sha].rows) if sha in known else texts.t("oscal_file", lang, sha=sha),
            "props": [prop("sha256", sha)],
        } for sha in check.evidence]
        parts = [texts.t("check_outcome", lang, title=check.title.get(lang),
                         outcome=texts.pick(texts.OUTCOME, check.outcome, lang))]
        if check.offending_count:
            parts.append(texts.t("check_offending", lang, count=check.offending_count,
                                 compensated=check.compensated_count))
        if check.missing_datasets:
            parts += texts.missing_lines(row, lang)[:1]
        description = ("；" if is_zh(lang) else "; ").join(parts)
        obs: dict[str, Any] = {
            "uuid": stable_uuid(key, "observation", row.id, check.check_id), "title": check.check_id,
            "description": description, "methods": ["TEST"], "types": ["finding" if check.outcome == "failed"
                                                                        else "control-objective"],
            "props": [prop("check", check.check_id), prop("outcome", check.outcome),
                      prop("offending-rows", check.offending_count), prop("severity", check.severity)],
            "collected": stamp(data.generated_at),
        }
        if evidence:
            obs["relevant-evidence"] = evidence
        out.append(obs)
    if row.attestation:
        att = row.attestation
        out.append({
            "uuid": stable_uuid(key, "observation", row.id, "attestation"), "title": "attestation",
            "description": texts.t("attestation_by", lang, result=texts.pick(texts.ATTESTATION, att.result, lang),
                                   by=att.by) + (f": {att.note}" if att.note else ""),
            "methods": ["EXAMINE", "INTERVIEW"], "types": ["control-objective"],
            "props": [prop("attestation-result", att.result)]
            + ([prop("document-ref", att.document_ref)] if att.document_ref else []),
            "collected": stamp(att.on),
        })
    return out


def _risk(row: RequirementRow, key: str, observations: list[str], lang: str) -> dict[str, Any]:
    gaps = texts.gap_lines(row, lang) or texts.note_lines(row, lang) or [row.result.label(lang)]
    risk: dict[str, Any] = {
        "uuid": stable_uuid(key, "risk", row.id),
        "title": f"{row.id}: {row.result.label(lang)}",
        "description": "\n".join(gaps),
        "statement": row.text.get(lang),
        "status": "remediating" if row.result is Result.IN_REMEDIATION or any(
            r.status == "in_progress" for r in row.remediation) else "open",
        "props": [prop("obligation", row.obligation), prop("requirement", row.id)],
    }
    if observations:
        risk["related-observations"] = [{"observation-uuid": u} for u in observations]
    return risk


def _target_status(row: RequirementRow, lang: str) -> dict[str, Any]:
    """OSCAL knows only satisfied / not-satisfied. A requirement out of scope was not assessed, so it is
    never reported satisfied: not-satisfied for reason 'other', implementation-status not-applicable, and
    the stored reason (the ccaudit result is a property of the finding too)."""
    if row.result in SATISFIED:
        return {"status": {"state": "satisfied", "reason": "pass"}}
    status = {"state": "not-satisfied", "reason": "fail" if row.result in GAP else "other"}
    if row.result is not Result.NOT_APPLICABLE:
        return {"status": status}
    why = ("不適用：" if is_zh(lang) else "not applicable: ") + "; ".join(texts.reason_lines(row, lang))
    return {"implementation-status": {"state": "not-applicable", "remarks": why},
            "status": {**status, "remarks": why}}


def report_to_oscal(
    data: ReportData, lang: str = "en", evidence_links: Mapping[str, str] | None = None
) -> AssessmentResults:
    """Prose (titles, descriptions, statements) in `lang`; codes and properties as stored."""
    key = doc_key(data)
    observations, risks, findings = [], [], []
    for row in data.requirements:
        obs = _observations(data, row, key, lang)
        observations += obs
        obs_ids = [o["uuid"] for o in obs]
        risk_ids = []
        if row.result in GAP:
            risk = _risk(row, key, obs_ids, lang)
            risks.append(risk)
            risk_ids.append(risk["uuid"])
        finding: dict[str, Any] = {
            "uuid": stable_uuid(key, "finding", row.id),
            "title": f"{row.id} {row.result.label(lang)}",
            "description": "\n".join(texts.reason_lines(row, lang)) or row.result.label(lang),
            "props": [prop("result", row.result.value), prop("result-zh-tw", row.result.label("zh-TW")),
                      prop("obligation", row.obligation)],
            "target": {
                "type": "objective-id", "target-id": control_id(row.id),
                **_target_status(row, lang),
            },
        }
        if obs_ids:
            finding["related-observations"] = [{"observation-uuid": u} for u in obs_ids]
        if risk_ids:
            finding["related-risks"] = [{"risk-uuid": u} for u in risk_ids]
        findings.append(finding)
    catalog = f"{data.catalog.id} v{data.catalog.version}"
    result: dict[str, Any] = {
        "uuid": stable_uuid(key, "result"),
        "title": f"{catalog} — {firm_name(data)} — {data.as_of}",
        "description": texts.t("assessment_of", lang, catalog=catalog, as_of=data.as_of,
                               source=f"{data.source.kind.value} {data.source.ref}"),
        "start": stamp(data.as_of), "end": stamp(data.generated_at),
        "props": report_props(data),
        "reviewed-controls": {"control-selections": [
            {"include-controls": [{"control-id": control_id(r.id)} for r in data.requirements]}]},
        "findings": findings,
    }
    if observations:
        result["observations"] = observations
    if risks:
        result["risks"] = risks
    doc: dict[str, Any] = {
        "uuid": stable_uuid(key, "assessment-results"),
        "metadata": metadata(texts.t("oscal_results", lang, firm=firm_name(data), as_of=data.as_of),
                             data.generated_at, data.digest or data.as_of, data, lang),
        "import-ap": {"href": f"urn:ccaudit:assessment-plan:{data.catalog.id}:v{data.catalog.version}",
                      "remarks": texts.t("oscal_no_plan", lang)},
        "results": [result],
    }
    resources = evidence_resources(data, evidence_links, lang)
    if resources:
        doc["back-matter"] = {"resources": resources}
    return AssessmentResults.model_validate(doc)


def write_assessment_results(
    data: ReportData, path: Path, lang: str = "en", evidence_links: Mapping[str, str] | None = None
) -> Path:
    return write_model(report_to_oscal(data, lang, evidence_links=evidence_links), path)
