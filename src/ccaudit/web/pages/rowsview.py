"""Offending rows as an auditor reads them on the requirement page: each column under its dataset template's
own label (zh-TW `zh:`, or the field's name in words in English; computed columns from
content/messages/labels.yaml), dates and times in the user's style (ISO or ROC), codes in the user's language,
and each row's reason: the check's own sentence (check.yaml `sentence`) filled with that row's values.

Only the page of rows the service returned (at most PAGE_ROWS) is shaped here; finding, filtering, counting
and paging stay SQL in the audit database (AuditService.offending_page)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ccaudit.checks.loader import CheckLibrary
from ccaudit.dates import format_date
from ccaudit.errors import CcauditError
from ccaudit.evidence.models import FieldType, Text
from ccaudit.findings.messages import is_zh, messages
from ccaudit.findings.sentence import render as render_sentence

# Words an English header keeps in capitals (the field `mfa_method` reads "MFA method").
ACRONYMS = {
    "id": "ID", "ip": "IP", "mfa": "MFA", "vpn": "VPN", "url": "URL", "os": "OS", "tls": "TLS", "rto": "RTO",
    "rpo": "RPO", "sha256": "SHA-256", "iot": "IoT", "byod": "BYOD", "mdm": "MDM", "http": "HTTP", "https": "HTTPS",
    "sftp": "SFTP", "ftp": "FTP", "smtp": "SMTP", "ssl": "SSL", "api": "API", "sla": "SLA", "utc": "UTC",
    "imei": "IMEI", "ssh": "SSH", "rdp": "RDP", "ztna": "ZTNA", "vdi": "VDI", "cve": "CVE",
}  # fmt: skip
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME_RE = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(Z|[+-]00:?00)?")
MAX_CELL = 200  # characters shown in a cell; the whole value is in its title (and in the CSV export)


@dataclass(frozen=True)
class Column:
    name: str  # as stored (what the filter and the CSV export use)
    header: str


@dataclass(frozen=True)
class Cell:
    text: str  # as shown (cut at MAX_CELL)
    full: str  # the whole value, for the cell's title
    blank: bool = False  # no value: shown as the page's word for "empty", muted


@dataclass(frozen=True)
class ShownRow:
    row_no: int
    subject: str
    source_file: str
    source_row: int | None
    compensated_by: str | None
    expired_measure: str | None
    why: str
    cells: list[Cell]
    source_is_line: bool = False  # the source is a raw export: source_row is the line of that file


def header(name: str, lang: str) -> str:
    """A column's header: the template's Chinese label in zh-TW; the field's name in words in English."""
    pair = messages().columns.get(name)
    if is_zh(lang):
        return pair[1] if pair else name
    words = (pair[0] if pair else name.replace("_", " ")).split(" ")
    shown = [ACRONYMS.get(w.lower(), w) for w in words]
    if shown and shown[0] == words[0]:
        shown[0] = shown[0][:1].upper() + shown[0][1:]
    return " ".join(shown)


@lru_cache(maxsize=4)
def _field_types(paths: tuple[Path, ...]) -> dict[str, FieldType | None]:
    """Each template field's type by name (None where two templates give one name different types)."""
    from ccaudit.evidence.templates import TemplateRegistry

    found: dict[str, FieldType | None] = {}
    try:
        templates = list(TemplateRegistry.load(list(paths)))
    except CcauditError:
        return found
    for template in templates:
        for spec in template.fields:
            if spec.name in found and found[spec.name] is not spec.type:
                found[spec.name] = None
            else:
                found.setdefault(spec.name, spec.type)
            if spec.type is FieldType.TIMESTAMP:
                found.setdefault(f"{spec.name}_utc", FieldType.TIMESTAMP)
    return found


@lru_cache(maxsize=4)
def check_texts(paths: tuple[Path, ...]) -> dict[str, tuple[Text, Text]]:
    """Each check's title and its sentence for one failing row (the check library is loaded once)."""
    try:
        return {c.meta.id: (c.meta.title, c.meta.sentence) for c in CheckLibrary.load(list(paths))}
    except CcauditError:
        return {}


class RowShaper:
    """Turns a page of offending rows (the service's dicts) into what the page shows, for one check,
    language and date style."""

    def __init__(self, check_id: str, lang: str, date_style: str, content_paths: list[Path],
                 yes_no: tuple[str, str], blank: str) -> None:  # fmt: skip
        paths = tuple(content_paths)
        self.lang = lang
        self.style = date_style
        self.types = _field_types(paths)
        texts = check_texts(paths).get(check_id)
        self.sentence = texts[1].get(lang) if texts else ""
        self.yes_no = yes_no
        self.blank = blank
        self.words = messages()

    def columns(self, rows: list[dict[str, Any]]) -> list[Column]:
        """The data columns of the rows shown, in first-seen order; a column a check writes in both languages
        (`problem`, `problem_zh`) once, in the user's language."""
        names: list[str] = []
        for row in rows:
            for key in row["data"]:
                if key not in names:
                    names.append(key)
        present = set(names)
        zh = is_zh(self.lang)

        def kept(name: str) -> bool:
            if zh:
                return f"{name}_zh" not in present
            return not (name.endswith("_zh") and name[:-3] in present)

        return [Column(n, header(n, self.lang)) for n in names if kept(n)]

    def value(self, column: str, value: Any) -> str:
        """One value in the user's words: dates and times in their style, yes/no, codes in zh-TW labels."""
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            return self.yes_no[0] if value else self.yes_no[1]
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else str(value)
        text = str(value)
        kind = self.types.get(column)  # None: a column no template defines (computed), or defined twice
        if kind in (None, FieldType.DATE, FieldType.TIMESTAMP):  # a computed column (None) by its look
            shown = self._when(column, text, kind)
            if shown is not None:
                return shown
        if kind is FieldType.NUMBER and re.fullmatch(r"-?\d+\.0", text):
            return text[:-2]
        return self.words.value(column, text, self.lang) if is_zh(self.lang) else text

    def _when(self, column: str, text: str, kind: FieldType | None) -> str | None:
        if DATE_RE.fullmatch(text) and kind is not FieldType.TIMESTAMP:
            try:
                return format_date(dt.date.fromisoformat(text), self.style)
            except ValueError:
                return None
        found = TIME_RE.fullmatch(text)
        if found is None:
            return None
        try:
            day = dt.date.fromisoformat(found.group(1))
        except ValueError:
            return None
        utc = column.endswith("_utc") or found.group(3) is not None
        return f"{format_date(day, self.style)} {found.group(2)}{' UTC' if utc else ''}"

    def row(self, row: dict[str, Any], columns: list[Column], lines: frozenset[str] = frozenset()) -> ShownRow:
        data = row["data"] if isinstance(row.get("data"), dict) else {}
        shown = {c: self.value(c, v) for c, v in data.items()}
        if is_zh(self.lang):  # a column written in both languages: the sentence says the Chinese one
            for name in list(shown):
                if name.endswith("_zh") and name[:-3] in shown and shown[name]:
                    shown[name[:-3]] = shown[name]
        why = render_sentence(self.sentence, {k: (v or "—") for k, v in shown.items()}) if self.sentence else ""
        cells = []
        for c in columns:
            text = shown.get(c.name, "")
            cells.append(Cell(text[:MAX_CELL] + ("…" if len(text) > MAX_CELL else ""), text, blank=not text)
                         if text else Cell(self.blank, "", blank=True))
        return ShownRow(
            row_no=int(row.get("row_no") or 0), subject=str(row.get("subject") or ""),
            source_file=str(row.get("source_file") or ""),
            source_row=row.get("source_row") if isinstance(row.get("source_row"), int) else None,
            compensated_by=row.get("compensated_by"), expired_measure=row.get("expired_measure"),
            why=why, cells=cells, source_is_line=row.get("source_sha256") in lines,
        )  # fmt: skip
