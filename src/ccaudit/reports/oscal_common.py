"""What the OSCAL writers share: stable UUIDs, stored timestamps, ccaudit's property namespace.

Documents are built as plain OSCAL JSON dicts and validated by compliance-trestle's models
(trestle.oscal.*) before they are written, so an invalid document is never written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from trestle.oscal import OSCAL_VERSION

from ccaudit.findings.messages import messages
from ccaudit.reports import texts
from ccaudit.reports.model import ReportData

NS = "urn:ccaudit:ns:oscal"
_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ccaudit")
TAIPEI = ZoneInfo("Asia/Taipei")


class OscalModel(Protocol):
    def oscal_serialize_json(self, pretty: bool = ..., wrapped: bool = ...) -> str: ...


def stable_uuid(*parts: object) -> str:
    """The same inputs always give the same UUID (v5), so the same audit gives the same document."""
    return str(uuid.uuid5(_ROOT, "|".join(str(p) for p in parts)))


def stamp(value: str) -> str:
    """A stored date or timestamp as an OSCAL date-time with a zone (dates: midnight in Taipei)."""
    if len(value) == 10:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), TAIPEI).isoformat()
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).isoformat()


def prop(name: str, value: object, ns: bool = True, remarks: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "value": str(value)}
    if ns:
        out["ns"] = NS
    if remarks:
        out["remarks"] = remarks
    return out


def firm_name(data: ReportData) -> str:
    return data.firm or data.firm_id or "firm"


def control_id(requirement_id: str) -> str:
    """OSCAL IDs must start with a letter: requirement 12.1.1 is control art12.1.1."""
    return f"art{requirement_id}"


def metadata(
    title: str, last_modified: str, version: str, data: ReportData | None = None, lang: str = "en"
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "title": title, "last-modified": stamp(last_modified), "version": version,
        "oscal-version": OSCAL_VERSION,
    }
    if data is not None:
        firm_uuid = stable_uuid("party", data.firm_id or data.firm or "firm")
        meta["roles"] = [{"id": "assessed-organization", "title": texts.t("oscal_assessed", lang)}]
        meta["parties"] = [{"uuid": firm_uuid, "type": "organization", "name": firm_name(data),
                            **({"short-name": data.firm_id} if data.firm_id else {})}]
        meta["responsible-parties"] = [{"role-id": "assessed-organization", "party-uuids": [firm_uuid]}]
        meta["props"] = report_props(data)
    return meta


def report_props(data: ReportData) -> list[dict[str, Any]]:
    props = [prop("catalog", data.catalog.id), prop("catalog-version", data.catalog.version),
             prop("as-of", data.as_of), prop("source", f"{data.source.kind.value}:{data.source.ref}"),
             prop("ccaudit-version", data.ccaudit_version)]
    if data.digest:
        props.append(prop("audit-digest", data.digest))
    if data.source.findings_sha256:
        props.append(prop("findings-sha256", data.source.findings_sha256))
    if data.sign_off:
        props.append(prop("sign-off", data.sign_off.state))
    return props


def evidence_resources(
    data: ReportData, links: Mapping[str, str] | None = None, lang: str = "en"
) -> list[dict[str, Any]]:
    """One back-matter resource per evidence file, carrying its SHA-256; `links` (SHA-256 -> href relative
    to the OSCAL file) adds an rlink to the stored file. A file not stored where the report was made
    from gets no rlink rather than one that leads nowhere."""
    resources = []
    for e in data.evidence:
        resource: dict[str, Any] = {
            "uuid": evidence_uuid(e.sha256), "title": e.name,
            "description": texts.t("oscal_rows", lang, dataset=messages().dataset_title(e.dataset, lang), rows=e.rows),
            "props": [prop("dataset", e.dataset), prop("rows", e.rows), prop("sha256", e.sha256)]
            + ([prop("effective-date", e.effective_date)] if e.effective_date else []),
        }
        href = (links or {}).get(e.sha256)
        if href is not None:
            resource["rlinks"] = [{"href": href, "hashes": [{"algorithm": "SHA-256", "value": e.sha256}]}]
        else:
            resource["remarks"] = "The file is not stored beside the results this report was made from."
        resources.append(resource)
    return resources


def evidence_links(evidence: Iterable[str], evidence_dirs: Sequence[Path], oscal_dir: Path) -> dict[str, str]:
    """SHA-256 -> the stored file's path relative to `oscal_dir` (where the OSCAL files will be), for
    each file found in one of `evidence_dirs`."""
    links: dict[str, str] = {}
    for sha in evidence:
        for folder in evidence_dirs:
            blob = folder / sha
            if blob.is_file():
                links[sha] = Path(os.path.relpath(blob.resolve(), oscal_dir.resolve())).as_posix()
                break
    return links


def evidence_uuid(sha256: str) -> str:
    return stable_uuid("evidence", sha256)


def write_model(model: OscalModel, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    text = json.dumps(json.loads(model.oscal_serialize_json(pretty=False, wrapped=True)), ensure_ascii=False,
                      indent=2)
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
