"""Text of the firm's policy documents, passage by passage, each with where it is: the page (PDF) or the
paragraph (DOCX, ODT, Markdown, plain text) and the heading it sits under.

Documents are hostile input. Before a library opens one: its size (CCAUDIT_POLICY_MAX_FILE_BYTES);
for DOCX/ODT (zip archives) the members' declared sizes and compression ratio, by the workbook limits
(CCAUDIT_XLSX_MAX_*), and no DTD in their XML (no entity expansion). While reading: at most
CCAUDIT_POLICY_MAX_PAGES pages and CCAUDIT_POLICY_MAX_CHARS characters. An encrypted PDF that does not
open with an empty password, or a file a library cannot read, is refused naming the file."""

from __future__ import annotations

import logging
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ccaudit.errors import EvidenceError
from ccaudit.evidence.untrusted import WorkbookLimits, check_workbook
from ccaudit.settings import Settings
from ccaudit.textsafe import visible

FORMATS = {".pdf": "pdf", ".docx": "docx", ".odt": "odt", ".md": "markdown", ".markdown": "markdown", ".txt": "text"}
LEGACY = {".doc": "DOCX", ".rtf": "DOCX", ".pages": "PDF", ".wps": "DOCX", ".hwp": "PDF"}
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_NEAR_CJK = re.compile(
    r"(?<=[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef])\s+"
    r"|\s+(?=[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef])"
)
_SPACE = re.compile(r"\s+")
_END = ("。", "！", "？", "；", ".", "!", "?", ";", "：", ":")
MAX_PASSAGE = 1500


@dataclass(frozen=True)
class Limits:
    file_bytes: int
    pages: int
    chars: int
    zip: WorkbookLimits

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            settings.policy_max_file_bytes, settings.policy_max_pages, settings.policy_max_chars,
            WorkbookLimits.from_settings(settings),
        )  # fmt: skip


@dataclass(frozen=True)
class Passage:
    page: int | None  # PDF page (1-based)
    paragraph: int  # paragraph number: in the document (DOCX/ODT/MD/text) or on its page (PDF)
    line: int | None  # first line (Markdown, plain text)
    section: str | None  # the heading it sits under, where the format has headings
    text: str  # NFKC, white space collapsed, none next to a Chinese character


@dataclass
class Extracted:
    format: str
    encoding: str | None = None
    pages: int | None = None
    passages: list[Passage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def chars(self) -> int:
        return sum(len(p.text) for p in self.passages)

    @property
    def language(self) -> str:
        text = "".join(p.text for p in self.passages)
        letters = sum(1 for ch in text if ch.isalpha())
        cjk = len(_CJK.findall(text))
        if not letters:
            return "unknown"
        return "zh-TW" if cjk / letters >= 0.2 else "en"


def clean(text: str) -> str:
    """As quoted: NFC, control and format characters dropped, white space collapsed, none beside a
    Chinese character (PDFs break lines inside words)."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if ch in "\n\t " or unicodedata.category(ch)[0] != "C")
    return _NEAR_CJK.sub("", _SPACE.sub(" ", text)).strip()


def folded(text: str) -> str:
    """As matched: a passage's text in NFKC (full-width Ｒ = R), lower case, spaced as `clean` spaces it."""
    return _NEAR_CJK.sub("", _SPACE.sub(" ", unicodedata.normalize("NFKC", text).lower())).strip()


def format_of(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


class _Budget:
    def __init__(self, name: str, limits: Limits) -> None:
        self.name, self.limits, self.chars = name, limits, 0

    def take(self, text: str) -> str:
        self.chars += len(text)
        if self.chars > self.limits.chars:
            raise EvidenceError(
                f"{self.name}: more than {self.limits.chars:,} characters of text; the limit is "
                "CCAUDIT_POLICY_MAX_CHARS (split the document, or raise the limit)"
            )
        return text


def extract(path: Path, name: str, limits: Limits, kind: str | None = None) -> Extracted:
    """The passages of one document; EvidenceError (naming `name`) for anything that cannot be read.
    `kind` (pdf, docx, odt, markdown, text) when the path has no telling suffix (a stored blob)."""
    kind = kind or format_of(path)
    shown = visible(name)
    if kind is None:
        hint = LEGACY.get(path.suffix.lower())
        raise EvidenceError(
            f"{shown}: not a format ccaudit reads (PDF, DOCX, ODT, Markdown or plain text)"
            + (f"; save it as {hint}" if hint else "")
        )
    size = path.stat().st_size
    if size > limits.file_bytes:
        raise EvidenceError(
            f"{shown}: {size:,} bytes, more than the {limits.file_bytes:,} a policy document may have "
            "(CCAUDIT_POLICY_MAX_FILE_BYTES)"
        )
    readers: dict[str, Callable[[Path, _Budget], Extracted]] = {
        "pdf": _pdf, "docx": _docx, "odt": _odt, "markdown": _markdown, "text": _text,
    }  # fmt: skip
    budget = _Budget(shown, limits)
    if kind in ("docx", "odt"):
        _check_zip(path, shown, kind, limits)
    try:
        out = readers[kind](path, budget)
    except EvidenceError:
        raise
    except RecursionError:
        raise EvidenceError(f"{shown}: nested too deeply to be a real {kind.upper()} document") from None
    except MemoryError:
        raise EvidenceError(f"{shown}: needs more memory than a policy document may take") from None
    except Exception as exc:  # any parser error on hostile bytes: name the file, never a traceback
        raise EvidenceError(
            f"{shown}: cannot be read as {kind.upper()} ({type(exc).__name__}: {visible(str(exc))[:200]}); "
            "is the file damaged, or not what its name says?"
        ) from None
    if not out.passages:
        out.warnings.append("no text found (a scanned image? run OCR on it and scan it again)")
    return out


def _check_zip(path: Path, shown: str, kind: str, limits: Limits) -> None:
    if not zipfile.is_zipfile(path):
        raise EvidenceError(f"{shown}: not a {kind.upper()} document (a {kind.upper()} file is a zip archive)")
    check_workbook(path, limits.zip)
    part = "word/document.xml" if kind == "docx" else "content.xml"
    try:
        with zipfile.ZipFile(path) as archive, archive.open(part) as handle:
            head = handle.read(4096)
    except KeyError:
        raise EvidenceError(f"{shown}: not a {kind.upper()} document (no {part} inside)") from None
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise EvidenceError(f"{shown}: a damaged {kind.upper()} archive ({type(exc).__name__})") from None
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise EvidenceError(f"{shown}: {part} declares a DTD, which no real {kind.upper()} has; refused")


def _paragraphs_of_page(text: str) -> Iterator[str]:
    """A PDF page's paragraphs: blank lines, else a line ending a sentence, end one."""
    current: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            if current:
                yield " ".join(current)
                current = []
            continue
        current.append(line)
        if line.endswith(_END) or sum(len(x) for x in current) > MAX_PASSAGE:
            yield " ".join(current)
            current = []
    if current:
        yield " ".join(current)


def _pdf(path: Path, budget: _Budget) -> Extracted:
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.CRITICAL + 1)  # its warnings quote the file: not for a terminal
    reader = PdfReader(path, strict=False)
    if reader.is_encrypted:
        from pypdf import PasswordType

        if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise EvidenceError(
                f"{budget.name}: the PDF is encrypted with a password; hand in an unprotected copy"
            )
    count = len(reader.pages)
    if count > budget.limits.pages:
        raise EvidenceError(
            f"{budget.name}: {count:,} pages, more than the {budget.limits.pages:,} allowed "
            "(CCAUDIT_POLICY_MAX_PAGES)"
        )
    out = Extracted("pdf", pages=count)
    empty: list[int] = []
    for number, page in enumerate(reader.pages, start=1):
        found = 0
        for i, para in enumerate(_paragraphs_of_page(budget.take(page.extract_text() or "")), start=1):
            text = clean(para)
            if text:
                found += 1
                out.passages.append(Passage(number, i, None, None, text))
        if not found:
            empty.append(number)
    if empty and len(empty) < count:
        out.warnings.append(f"pages without text (scanned images?): {_ranges(empty)}")
    return out


def _ranges(numbers: list[int]) -> str:
    parts: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], -1]:
        if n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = n
    return ", ".join(parts)


def _docx(path: Path, budget: _Budget) -> Extracted:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    out = Extracted("docx")
    section: str | None = None

    def paragraphs(items: Iterator[Paragraph | Table]) -> Iterator[tuple[Paragraph, bool]]:
        for item in items:
            if isinstance(item, Paragraph):
                yield item, False
            else:
                for row in item.rows:
                    for cell in row.cells:
                        yield from ((p, True) for p in cell.paragraphs)

    number = 0
    for para, in_table in paragraphs(document.iter_inner_content()):
        text = clean(budget.take(para.text))
        if not text:
            continue
        number += 1
        style = (para.style.name or "") if para.style is not None else ""
        if not in_table and (style.startswith(("Heading", "Title")) or style in ("標題", "標題 1", "標題 2")):
            section = text[:120]
        out.passages.append(Passage(None, number, None, section, text))
    return out


def _odt(path: Path, budget: _Budget) -> Extracted:
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    document = load(str(path))
    out = Extracted("odt")
    section: str | None = None
    number = 0
    stack = [iter(document.text.childNodes)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            continue
        qname = getattr(node, "qname", None)
        if qname in ((TEXTNS, "p"), (TEXTNS, "h")):
            text = clean(budget.take(teletype.extractText(node)))
            if not text:
                continue
            number += 1
            if qname == (TEXTNS, "h"):
                section = text[:120]
            out.passages.append(Passage(None, number, None, section, text))
        elif getattr(node, "childNodes", None):
            if len(stack) > 200:
                raise EvidenceError(f"{budget.name}: nested too deeply to be a real ODT document")
            stack.append(iter(node.childNodes))
    return out


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Text and its encoding: UTF-8 (with or without BOM), else Big5 (cp950, then big5hkscs)."""
    for encoding in ("utf-8-sig", "cp950", "big5hkscs"):
        try:
            return data.decode(encoding), "utf-8" if encoding == "utf-8-sig" else encoding
        except UnicodeDecodeError:
            continue
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = exc.start
    raise EvidenceError(
        f"{name}: neither UTF-8 nor Big5 (cp950) text (byte {at:,} is not UTF-8); save it as UTF-8"
    )


def _text_blocks(text: str) -> Iterator[tuple[int, str]]:
    """(first line, paragraph) of a plain text: blank lines separate paragraphs."""
    start, current = 0, list[str]()
    for n, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not current:
                start = n
            current.append(line)
            if sum(len(x) for x in current) > MAX_PASSAGE:
                yield start, "\n".join(current)
                current = []
        elif current:
            yield start, "\n".join(current)
            current = []
    if current:
        yield start, "\n".join(current)


def _text(path: Path, budget: _Budget) -> Extracted:
    text, encoding = decode(path.read_bytes(), budget.name)
    out = Extracted("text", encoding=encoding)
    number = 0
    for line, block in _text_blocks(budget.take(text)):
        cleaned = clean(block)
        if cleaned:
            number += 1
            out.passages.append(Passage(None, number, line, None, cleaned))
    return out


def _markdown(path: Path, budget: _Budget) -> Extracted:
    from markdown_it import MarkdownIt

    text, encoding = decode(path.read_bytes(), budget.name)
    tokens = MarkdownIt("commonmark").enable("table").parse(budget.take(text))
    out = Extracted("markdown", encoding=encoding)
    section: str | None = None
    number = 0
    heading = False
    block_line: int | None = None
    for token in tokens:
        if token.type == "heading_open":
            heading = True
        elif token.type == "heading_close":
            heading = False
        if token.map and token.block and token.nesting == 1:
            block_line = token.map[0] + 1
        if token.type in ("inline", "fence", "code_block"):
            cleaned = clean(token.content)
            if not cleaned:
                continue
            if heading:
                section = cleaned[:120]
            number += 1
            line = token.map[0] + 1 if token.map else block_line
            out.passages.append(Passage(None, number, line, section, cleaned))
    return out
