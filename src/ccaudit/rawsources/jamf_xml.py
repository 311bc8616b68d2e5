"""Jamf Pro Classic API records as XML, the API's default answer (`GET /JSSResource/computers/id/N` or
`/JSSResource/mobiledevices/id/N` without `Accept: application/json`), turned into the JSON the same request
returns with that header, so the device exports read them by the same paths (`general.serial_number`,
`location.email_address`, ...).

Facts (Jamf Pro Classic API reference): a record's root is `<computer>` or `<mobile_device>`; a list is written as
`<applications><size>2</size><application>...</application><application>...</application></applications>`, which
the JSON form writes as `"applications": [...]`. One record per file, or several records under one root element
(`<computers>`, `<mobile_devices>`, or any other) in a file saved from several requests. Parsed with defusedxml:
an entity or DTD in the file is refused, not expanded."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from ccaudit.errors import EvidenceError
from ccaudit.textsafe import visible

RECORDS = ("computer", "mobile_device")
# the start of a Classic API XML answer: a record, or records under a root, each opening with its general section
HEAD = re.compile(r"\s*(?:<\?xml[^>]*\?>\s*)?(?:<[a-z_]+>\s*)?<(?:computer|mobile_device)>\s*<general>")


def looks_like_jamf_xml(head: str) -> bool:
    return HEAD.match(head) is not None


def _value(element: Element) -> Any:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    tags = {c.tag for c in children}
    # a Classic API list: <size>N</size> and the items under their singular tag
    if "size" in tags and len(tags - {"size"}) <= 1:
        return [_value(c) for c in children if c.tag != "size"]
    out: dict[str, Any] = {}
    for child in children:
        out.setdefault(child.tag, _value(child))  # a tag given twice: its first value, as the JSON form has one
    return out


def as_json(path: Path, scratch: Path, name: str) -> Path:
    """The records of a Classic API XML file as one JSON array in `scratch` ({"computer": {...}} each)."""
    try:
        root = SafeET.parse(str(path)).getroot()
    except DefusedXmlException:
        raise EvidenceError(f"{visible(name)}: an XML file declaring a DTD or entities, which is refused (Jamf's "
                            "answer has none)",
                            f"{visible(name)}：XML 檔案宣告 DTD 或實體，不予讀取（Jamf 之回應不含此類宣告）") from None
    except (SafeET.ParseError, ValueError) as exc:
        raise EvidenceError(f"{visible(name)}: not readable as a Jamf Pro Classic API XML record: "
                            f"{visible(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)}",
                            f"{visible(name)}：無法讀取為 Jamf Pro Classic API 之 XML 紀錄："
                            f"{visible(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)}") from None
    records = [root] if root.tag in RECORDS else [c for c in root if c.tag in RECORDS]
    if not records:
        raise EvidenceError(f"{visible(name)}: an XML file holding no <computer> or <mobile_device> record",
                            f"{visible(name)}：XML 檔案中無 <computer> 或 <mobile_device> 紀錄")
    target = Path(tempfile.mkstemp(dir=scratch, suffix=".json")[1])
    target.write_text(json.dumps([{r.tag: _value(r)} for r in records], ensure_ascii=False), encoding="utf-8")
    return target
