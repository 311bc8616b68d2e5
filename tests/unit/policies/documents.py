"""Policy documents the tests write themselves, as a firm would hand them in: PDF (WeasyPrint), DOCX
(python-docx), ODT (odfpy), Markdown and plain text (UTF-8 or Big5)."""

from __future__ import annotations

import html
from pathlib import Path

# A Traditional Chinese cloud operation security rule covering every topic of 12.1.1.
CLOUD_ZH = [
    ("h", "雲端運算服務作業安全規範"),
    ("p", "第一條　本規範依「建立證券商資通安全檢查機制」第12點訂定。"),
    ("h", "第二條　雲端服務提供者之選擇"),
    ("p", "本公司選擇雲端服務提供者時，應依供應商評估表辦理評選，並經資訊安全長核定。"),
    ("p", "本公司每年對雲端服務提供者執行查核措施，並取得第三方稽核報告。"),
    ("p", "雲端資料應每日備份，並保存異地備份至少一份。"),
    ("p", "服務水準應載明於合約，包括可用率及資訊安全防護要求。"),
    ("p", "核心系統之復原時間目標（ＲＴＯ）不得超過四小時。"),
    ("p", "未能符合前述要求者，應訂定補償性措施並經核准。"),
]
# An English social-media and mobile-device policy that leaves topics out (12.3.1.1: no "return").
MOBILE_EN = [
    ("h", "Mobile Device and Social Media Policy"),
    ("p", "Employees request a company mobile device with the IT request form approved by their manager."),
    ("p", "A company mobile device may be used for business purposes only; acceptable use is set out in annex A."),
    ("p", "A mobile device is replaced when it is lost, damaged or older than four years."),
    ("p", "Staff may share on social media only business information that Corporate Communications has published."),
]


def write_pdf(path: Path, blocks: list[tuple[str, str]], pages: int = 1) -> Path:
    """Blocks spread over `pages` pages (a page break before each share)."""
    from weasyprint import HTML

    per_page = max(1, -(-len(blocks) // pages))
    parts = []
    for i, (kind, text) in enumerate(blocks):
        style = ' style="page-break-before: always"' if i and i % per_page == 0 else ""
        tag = "h1" if kind == "h" else "p"
        parts.append(f"<{tag}{style}>{html.escape(text)}</{tag}>")
    body = "".join(parts)
    doc = f'<html><head><meta charset="utf-8"><style>body{{font-family:"Noto Sans CJK TC"}}</style></head>' \
          f"<body>{body}</body></html>"
    HTML(string=doc).write_pdf(path)
    return path


def write_docx(path: Path, blocks: list[tuple[str, str]]) -> Path:
    import docx

    document = docx.Document()
    for kind, text in blocks:
        if kind == "h":
            document.add_heading(text, level=1)
        else:
            document.add_paragraph(text)
    document.save(str(path))
    return path


def write_odt(path: Path, blocks: list[tuple[str, str]]) -> Path:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    for kind, text in blocks:
        document.text.addElement(H(outlinelevel=1, text=text) if kind == "h" else P(text=text))
    document.save(str(path))
    return path


def write_markdown(path: Path, blocks: list[tuple[str, str]]) -> Path:
    lines = [f"# {text}" if kind == "h" else text for kind, text in blocks]
    path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_text(path: Path, blocks: list[tuple[str, str]], encoding: str = "utf-8") -> Path:
    path.write_bytes("\n\n".join(text for _, text in blocks).encode(encoding))
    return path
