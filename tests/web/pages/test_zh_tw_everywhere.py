"""A reader in Traditional Chinese meets no English UI text: the demo audit rendered once in zh-TW as every
output they read (the workspace's pages, the checklist workbook, the deficiencies workbook, the HTML and
PDF reports, the findings CSV export, the OSCAL results and plan of action, the CLI with `--lang zh-TW`)
and searched for English words outside an explicit allow-list:
- identifiers (anything with a digit or an underscore), product, protocol and format names, commands the
  reader types, file names and URLs (tests/zh_text.py);
- the data: words of the firm's own evidence files (brands, platform names), the users' IDs and names;
- field names where a page shows them as such (the history's fields, a column's tooltip) and the trail's
  action codes (shown as code, as in the archive);
- the regulation's own English wording, which the checklist and the requirement page show beside the Chinese
  on purpose (the catalog's `text.en`, titles and headings): content in the other language, not UI text.
The offending rows' CSV download is not searched: it is the rows as stored, field names as headers, for
re-import. The PDF is the HTML report printed: its text is searched for words the HTML report does not have
(its extraction breaks lines inside words and URLs)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from tests.cli.inprocess import ccaudit_with_env
from tests.zh_text import english

from ccaudit.audit.service import AuditService

from .conftest import Clock, Demo, Env, Template, _settings, token

# the data of this demo world: users' IDs and names, the other firm's name, what a person typed
DATA = frozenset({"ada", "alice", "bob", "rita", "carol", "vera", "xavier", "Ada", "Admin", "Alice", "Bob", "Rita",
                  "Carol", "Vera", "Xavier", "Other", "Securities"})
REQ = "12.5.5"
# requirements.csv: the columns written for people (the others are codes and IDs: schema csv_requirement_row)
PROSE_COLUMNS = ("result_label", "text_zh", "gaps", "compensating_measures", "improvement_measures", "notes")


class _Text(HTMLParser):
    """A page's words as a reader meets them: text, and the attributes a browser shows (title, placeholder,
    aria-label, alt, a button's value); not scripts, styles or the hidden values forms carry."""

    SHOWN = ("title", "placeholder", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code", "svg"):  # code: commands and hashes; svg: the chart (its labels below)
            self._skip += 1
        found = dict(attrs)
        for name in self.SHOWN:
            if found.get(name) and not (tag == "th" and name == "title"):  # a column's field name as its tooltip
                self.parts.append(str(found[name]))
        if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
            self.parts.append(str(found["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "svg") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    labels = re.findall(r"<text [^>]*>([^<]*)</text>", html)  # the charts' labels are text a reader reads
    return "\n".join([*parser.parts, *labels])


@dataclass
class Rendered:
    outputs: dict[str, str]  # what -> its text as a reader meets it (the regulation's English taken out)
    allowed: frozenset[str]  # the data's words, field names and action codes


def _misses(text: str, allowed: frozenset[str]) -> list[str]:
    return sorted(set(english(text, DATA | allowed)))


def _catalog_english() -> list[str]:
    """The regulation's English wording (requirement texts, titles, headings), longest first."""
    from ccaudit.catalog.loader import CatalogLibrary

    library = CatalogLibrary.load()
    texts: set[str] = set()
    for catalog in (c for catalog_id in library.ids() for c in library.versions(catalog_id)):
        texts |= {catalog.title.en, catalog.source}  # the catalog's citation of its source (English) too
        for req in catalog.requirements:
            texts.add(req.text.en)
    return sorted((t for t in texts if t), key=len, reverse=True)


def _evidence_words(folder: Path) -> frozenset[str]:
    """Every Latin-letter word of the firm's own evidence files: data, whatever language it is in."""
    import pyarrow.parquet as pq
    from openpyxl import load_workbook

    text: list[str] = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix in (".xlsx", ".xlsm"):
            book = load_workbook(path, read_only=True, data_only=True)
            text += [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for c in row if c is not None]  # fmt: skip
        elif path.suffix == ".parquet":
            text += [str(v) for column in pq.read_table(path).to_pydict().values() for v in column]
        else:
            raw = path.read_bytes()
            for encoding in ("utf-8-sig", "big5", "utf-16"):
                try:
                    text.append(raw.decode(encoding))
                    break
                except UnicodeDecodeError:
                    continue
    return frozenset(re.findall(r"[A-Za-z][A-Za-z0-9_.\-]*", "\n".join(text)))


def _field_names(svc: AuditService) -> frozenset[str]:
    """The audit records' field names and the trail's action codes, as the history shows them."""
    from sqlalchemy import select

    from ccaudit.audit.storage.models import Base, TrailEntry

    names = {c.name for table in Base.metadata.tables.values() for c in table.columns}
    with svc.db.read() as s:
        names |= set(s.scalars(select(TrailEntry.action).distinct()))
    return frozenset(names)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, template: Template, demo: Demo) -> Iterator[Rendered]:
    from ccaudit.web.app import create_app

    root = tmp_path_factory.mktemp("zh") / "env"
    shutil.copytree(template.root, root)
    settings = _settings(root)
    clock = Clock()
    svc = AuditService.open(settings, clock)
    app = create_app(settings, svc, clock)
    env = Env(app, svc, settings, clock, template.audit_id, dict(template.secrets))
    audit = env.audit_id
    out: dict[str, str] = {}
    try:
        svc.confirm_derived("alice", audit)
        items = svc.snapshot(audit).remediation
        svc.update_remediation("alice", items[0].item_id, owner="carol", note="已向廠商下單")
        alice = env.login("alice")
        home = alice.get("/")
        alice.post("/prefs/lang", data={"lang": "zh-TW", "next": "/", "csrf_token": token(home.text)})
        base = f"/audits/{audit}"
        for path in ["/", base, f"{base}/requirements", f"{base}/requirements/{REQ}", f"{base}/requirements/12.2.1.1",
                     f"{base}/evidence", f"{base}/reports", f"{base}/review", "/inspector"]:
            answer = alice.get(path)
            assert answer.status_code == 200, (path, answer.status_code)
            out[f"page {path}"] = page_text(answer.text)
        carol = env.login("carol")
        carol.post("/prefs/lang", data={"lang": "zh-TW", "next": "/", "csrf_token": token(carol.get("/").text)})
        out["page (control owner) requirement"] = page_text(carol.get(f"{base}/requirements/{REQ}").text)
        for fmt in ("xlsx", "deficiencies", "html", "pdf", "csv", "oscal"):
            answer = alice.get(f"{base}/reports/{fmt}", params={"lang": "zh-TW"})
            assert answer.status_code == 200, (fmt, answer.text[:300])
            out[f"report {fmt}"] = _document_text(fmt, answer.content)
        out.update(_cli(env, root))
        for client in env.clients:
            client.close()
        html_words = set(re.findall(r"[A-Za-z]+", out["report html"]))
        regulation = _catalog_english()
        for what, text in out.items():
            for passage in regulation:
                text = text.replace(passage, " ")
            out[what] = text
        pdf_only = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9_.\-]*", out["report pdf"])
                    if not any(part in html_words or any(part in h for h in html_words)
                               for part in re.findall(r"[A-Za-z]+", w))]  # fmt: skip
        out["report pdf"] = " ".join(pdf_only) + " " + "".join(re.findall(r"[\u4e00-\u9fff]", out["report pdf"]))
        allowed = _evidence_words(demo.evidence) | _field_names(svc)
        yield Rendered(out, allowed)
    finally:
        svc.close()


def _document_text(fmt: str, content: bytes) -> str:
    if fmt in ("xlsx", "deficiencies"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        cells = [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                 for c in row if isinstance(c, str)]  # fmt: skip
        return "\n".join(cells)
    if fmt == "html":
        return page_text(content.decode("utf-8"))
    if fmt == "pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    if fmt == "oscal":  # the assessment results and the plan of action (POA&M): their prose, not their codes
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(_prose(json.loads(archive.read(n))) for n in archive.namelist() if n.endswith(".json"))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:  # csv: findings and offending rows, one file each
        texts = []
        for name in archive.namelist():
            if not name.endswith(".csv") or name.endswith("report-info.csv"):  # report-info: keys and codes
                continue
            records = list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            if name.endswith("requirements.csv"):  # codes for machines beside the words for people: the words
                texts += [r[k] for r in records for k in PROSE_COLUMNS]
            else:  # offending rows: every value (the header row: field names)
                texts += [v for r in records for v in r.values() if v]
        return "\n".join(texts)


def _prose(value: object) -> str:
    """An OSCAL document's text written for people: titles, descriptions and remarks."""
    if isinstance(value, dict):
        return "\n".join(str(v) if k in ("title", "description", "remarks") and isinstance(v, str) else _prose(v)
                         for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(_prose(v) for v in value)
    return ""


def _cli(env: Env, root: Path) -> dict[str, str]:
    shell = {"PATH": "/usr/bin:/bin", "COLUMNS": "400", "HOME": str(root), "CCAUDIT_DATA_DIR": str(root / "data"),
             "CCAUDIT_DB": env.settings.database_url(), "CCAUDIT_USER": "alice", "CCAUDIT_LANG": "zh-TW"}
    out = {}
    audit = str(env.audit_id)
    item = str(env.service.snapshot(env.audit_id).remediation[0].item_id)
    for args in (("audit", "show", audit), ("audit", "show", audit, "--requirement", REQ),
                 ("audit", "remediation", audit), ("audit", "history", audit, REQ), ("audit", "list"),
                 ("audit", "remediate", item, "--note", "已聯絡廠商"), ("audit", "overdue", "--on", "2028-01-01"),
                 ("catalog",)):  # CCAUDIT_LANG, as every command
        done = ccaudit_with_env(shell, *args)
        assert done.code == 0, (args, done.out, done.err)
        out["cli " + " ".join(args)] = done.out + done.err
    return out


def test_no_english_ui_text_in_any_zh_tw_output(rendered: Rendered) -> None:
    found = {what: _misses(text, rendered.allowed) for what, text in rendered.outputs.items()}
    shown = {what: [_context(rendered.outputs[what], w) for w in words[:8]] for what, words in found.items() if words}
    for what, where in shown.items():  # printed whole when it fails (pytest shortens the assertion)
        print(what, *where, sep="\n    ")
    assert not shown


def _context(text: str, word: str) -> str:
    at = re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text)
    return " ".join(text[max(0, at.start() - 40) : at.end() + 40].split()) if at else word


def test_the_outputs_are_in_chinese_at_all(rendered: Rendered) -> None:
    """The check above means something: every output was rendered and reads in Chinese."""
    assert len(rendered.outputs) == 24
    for what, text in rendered.outputs.items():
        assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 5, what


def test_an_english_word_is_found_where_one_is_left(rendered: Rendered) -> None:
    assert _misses("查核 Deficiencies 12.5.5 remote_login_used_mfa alice 2026-11-30", rendered.allowed) == [
        "Deficiencies"]
