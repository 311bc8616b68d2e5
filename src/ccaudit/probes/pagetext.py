"""What a social-media page shows (12.2.3.3): its text read from HTML (a saved copy in UTF-8 or Big5, or a page
rendered by Chromium), the firm's name looked for in it and the contact methods found in it.

Names are compared in Unicode NFKC, case-folded, with everything but letters and digits removed, so
`範例 證券`, `ＥＸＡＭＰＬＥ Securities Co.,Ltd` and `Example Securities Co., Ltd.` all match; a name is also
looked for without its legal form (股份有限公司, Co., Ltd.), as pages usually write it."""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from ccaudit.errors import EvidenceError
from ccaudit.textsafe import visible

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_ZH_FORMS = ("股份有限公司", "有限公司", "公司")
_EN_FORMS = ("coltd", "colimited", "corporation", "limited", "company", "corp", "inc", "ltd", "co")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\d\w])(?:\+886[ \-]?\(?0?\d{1,2}\)?|\(0\d{1,3}\)|0\d{1,3})[ \-]?\d{3,4}[ \-]?\d{3,4}(?!\d)")
_TOLL_FREE = re.compile(r"(?<!\d)0800[ \-]?\d{3}[ \-]?\d{3}(?!\d)")
_ADDRESS_ZH = re.compile(r"[\u4e00-\u9fff]{1,4}[市縣][^\s,，。;；]{0,24}?[路街道][^\s,，。;；]{0,24}?\d+(?:之\d+)?號")
_ADDRESS_EN = re.compile(r"\bNo\.\s?\d+[^\n]{0,80}?\b(?:Rd|Road|St|Street|Blvd|Boulevard|Ave|Avenue)\b",
                         re.IGNORECASE)
_BLOCKS = ("p", "div", "br", "li", "dt", "dd", "td", "th", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section",
           "article", "header", "footer", "nav", "aside", "main", "address", "blockquote", "pre", "table", "ul", "ol",
           "dl", "title", "option", "label", "button")
_URL_IN_TEXT = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。]+", re.IGNORECASE)


def decode(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding) of a saved page: its byte-order mark, else the charset it declares, else UTF-8, else Big5
    (cp950, as Windows saves it). A page that is none of these is refused, naming the file."""
    boms = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
    for bom, codec in boms:
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), codec
    declared = _CHARSET.search(data[:4096])
    tried = []
    if declared:
        label = declared.group(1).decode("ascii").lower()
        codec = "cp950" if label in ("big5", "x-x-big5", "cp950") else label
        try:
            codecs.lookup(codec)
            return data.decode(codec), codec
        except LookupError:
            tried.append(f"declared charset {visible(label)!r} is unknown")
        except UnicodeDecodeError:
            tried.append(f"not valid {visible(label)} as it declares")
    for codec in ("utf-8", "cp950"):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    why = "; ".join([*tried, "neither UTF-8 nor Big5"])
    raise EvidenceError(f"{visible(name)}: not a readable saved page ({why}; save it again as a web page, HTML only)")


@dataclass
class PageText:
    text: str  # visible text, meta descriptions and structured data, one space between runs
    links: list[str] = field(default_factory=list)  # every href, as written


def extract(html: str) -> PageText:
    """The words a visitor (or a search engine) reads on the page: body text without scripts and styles, the
    page's title and meta descriptions (og:, twitter:), structured data (JSON-LD), and every link."""
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError):
        return PageText("")
    parts: list[str] = []
    for meta in root.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").lower()
        if key in ("description", "author") or key.startswith(("og:", "twitter:", "profile:", "business:")):
            parts.append(meta.get("content") or "")
    for script in root.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json":
            parts.append(script.text_content())
    links = [a.get("href") or "" for a in root.iter("a") if a.get("href")]
    for bad in list(root.iter("script", "style", "noscript", "template")):
        bad.drop_tree()
    for element in root.iter(*_BLOCKS):  # "…6789</p><p>No. 100…" reads as two runs of words, as shown
        element.tail = " " + (element.tail or "")
    parts.append(root.text_content())
    return PageText(" ".join(" ".join(parts).split()), links)


def canonical(text: str) -> str:
    """NFKC, case-folded, letters and digits only: the form names are compared in."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def name_forms(names: list[str]) -> list[tuple[str, str]]:
    """(as written, canonical) for each name and its form without the legal suffix, longest first."""
    forms: dict[str, str] = {}
    for name in names:
        whole = canonical(name)
        if not whole:
            continue
        forms.setdefault(whole, name.strip())
        short = whole
        for suffix in (*_ZH_FORMS, *_EN_FORMS):
            if short.endswith(suffix) and len(short) - len(suffix) >= 2:
                short = short[: -len(suffix)]
                break
        if short != whole and (len(short) >= 4 or any(ord(c) > 0x2e80 for c in short)):
            forms.setdefault(short, short)
    return sorted(forms.items(), key=lambda item: -len(item[0]))


def find_name(page: PageText, forms: list[tuple[str, str]]) -> str | None:
    haystack = canonical(page.text)
    return next((shown for key, shown in forms if key in haystack), None)


def find_contacts(page: PageText, site_hosts: set[str]) -> list[str]:
    """Each contact method seen, as `kind: value`: phone, e-mail, address, website (a link to a host of the
    firm's registered official websites)."""
    text = unicodedata.normalize("NFKC", page.text)
    found: list[str] = []

    def add(kind: str, value: str) -> None:
        entry = f"{kind}: {' '.join(value.split())}"
        if entry not in found:
            found.append(entry)

    for href in page.links:
        scheme, _, rest = href.partition(":")
        if scheme.lower() == "tel" and rest.strip():
            add("phone", rest.strip())
        elif scheme.lower() == "mailto" and "@" in rest:
            add("e-mail", rest.split("?")[0].strip())
    for match in _TOLL_FREE.finditer(text):
        add("phone", match.group(0))
    for match in _PHONE.finditer(text):
        add("phone", match.group(0))
    for match in _EMAIL.finditer(text):
        add("e-mail", match.group(0))
    for pattern in (_ADDRESS_ZH, _ADDRESS_EN):
        for match in pattern.finditer(text):
            add("address", match.group(0))
    if site_hosts:
        links = [u for u in page.links if u.lower().startswith(("http://", "https://", "//"))]
        for url in [*links, *(m.group(0) for m in _URL_IN_TEXT.finditer(text))]:
            full = url if "://" in url else f"http://{url}"
            host = (urlsplit(full).hostname or "").lower().removeprefix("www.")
            if host and host in site_hosts:
                add("website", url)
    return [visible(f)[:200] for f in found[:20]]


def website_hosts(urls: list[str]) -> set[str]:
    """The hosts of the firm's official websites, without `www.`, to recognise a link to them."""
    return {(urlsplit(u.strip()).hostname or "").lower().removeprefix("www.") for u in urls if u.strip()} - {""}
