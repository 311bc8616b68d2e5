"""A ccaudit catalog (Article 12) as an OSCAL catalog: areas become groups, requirements controls
(nested under their parent), with the English statement, the Traditional Chinese one, the guidance,
and obligation, frequency, scope and checks as properties."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trestle.oscal.catalog import Catalog as OscalCatalog

from ccaudit.catalog.models import Catalog, Requirement
from ccaudit.reports.oscal_common import NS, control_id, metadata, prop, stable_uuid, write_model


def _control(req: Requirement, children: dict[str | None, list[Requirement]]) -> dict[str, Any]:
    cid = control_id(req.id)
    props = [prop("label", req.id, ns=False), prop("assessable", str(req.assessable).lower())]
    if req.obligation:
        props.append(prop("obligation", req.obligation.value))
    if req.frequency_months:
        props.append(prop("frequency-months", req.frequency_months))
    if req.applies_if:
        props.append(prop("applies-if", req.applies_if))
    if req.attestation.value != "none":
        props.append(prop("attestation", req.attestation.value))
    props += [prop("evidence-dataset", d) for d in req.evidence]
    props += [prop("check", c) for c in req.checks]
    parts: list[dict[str, Any]] = [
        {"id": f"{cid}_smt", "name": "statement", "prose": req.text.en},
        {"id": f"{cid}_smt.zh-tw", "name": "statement", "ns": NS, "class": "zh-TW", "prose": req.text.zh_tw,
         "props": [prop("zh-source", req.zh_source)]},
    ]
    if req.guidance:
        parts.append({"id": f"{cid}_gdn", "name": "guidance", "prose": req.guidance.en})
        parts.append({"id": f"{cid}_gdn.zh-tw", "name": "guidance", "ns": NS, "class": "zh-TW",
                      "prose": req.guidance.zh_tw})
    control: dict[str, Any] = {"id": cid, "title": req.text.en, "props": props, "parts": parts}
    sub = [_control(child, children) for child in children.get(req.id, [])]
    if sub:
        control["controls"] = sub
    return control


def catalog_to_oscal(catalog: Catalog) -> OscalCatalog:
    children: dict[str | None, list[Requirement]] = {}
    for req in catalog.requirements:
        children.setdefault(req.parent, []).append(req)
    groups, loose = [], []
    for root in children.get(None, []):
        for node in children.get(root.id, []):
            # 12 -> 12.1 "Cloud services": a heading with requirements under it is a group
            if not node.assessable and children.get(node.id):
                groups.append({
                    "id": f"grp-{node.area or node.id}", "title": node.text.en,
                    "props": [prop("label", node.id, ns=False), prop("title-zh-tw", node.text.zh_tw)],
                    "controls": [_control(child, children) for child in children[node.id]],
                })
            else:
                loose.append(_control(node, children))
    doc: dict[str, Any] = {
        "uuid": stable_uuid("catalog", catalog.urn, catalog.version),
        "metadata": {
            **metadata(catalog.title.en, catalog.effective_from.isoformat(), str(catalog.version)),
            "props": [prop("urn", catalog.urn), prop("catalog-id", catalog.id),
                      prop("effective-from", catalog.effective_from.isoformat()),
                      prop("title-zh-tw", catalog.title.zh_tw)]
            + ([prop("control-code", catalog.control_code)] if catalog.control_code else []),
            "remarks": catalog.source or None,
        },
        "groups": groups,
    }
    if loose:
        doc["controls"] = loose
    if doc["metadata"]["remarks"] is None:
        del doc["metadata"]["remarks"]
    return OscalCatalog.model_validate(doc)


def write_catalog(catalog: Catalog, path: Path) -> Path:
    return write_model(catalog_to_oscal(catalog), path)
