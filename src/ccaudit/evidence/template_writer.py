"""Writes an empty, documented template per dataset (CSV and XLSX) and an index of them."""

from __future__ import annotations

import csv
from pathlib import Path

import xlsxwriter

from ccaudit import csvsafe
from ccaudit.evidence.issue_texts import field_expected_zh
from ccaudit.evidence.models import DATE_RANGE, DatasetTemplate, FieldSpec
from ccaudit.evidence.normalize import IDENTIFIER_NOTE
from ccaudit.evidence.templates import TemplateRegistry


def _header(spec: FieldSpec, lang: str) -> str:
    return spec.zh if lang.startswith("zh") else spec.name


def write_templates(registry: TemplateRegistry, out: Path, lang: str = "en") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for template in registry:
        csv_path = out / f"{template.id}.csv"
        with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerow(csvsafe.row(_header(f, lang) for f in template.fields))
        written.append(csv_path)
        written.append(_write_xlsx(template, out / f"{template.id}.xlsx", lang))
    index = out / "README.md"
    index.write_text(_index(registry), encoding="utf-8")
    written.append(index)
    return written


def _write_xlsx(template: DatasetTemplate, path: Path, lang: str) -> Path:
    book = xlsxwriter.Workbook(str(path))
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    data = book.add_worksheet(template.id[:31])
    for col, spec in enumerate(template.fields):
        data.write(0, col, _header(spec, lang), head)
        data.set_column(col, col, max(14, len(spec.name) + 2))
        data.write_comment(0, col, f"{spec.name} / {spec.zh}\n{_expected(spec)}\n{spec.description}".strip())
        if spec.values:
            data.data_validation(1, col, 1_048_575, col, {
                "validate": "list", "source": list(spec.values), "error_type": "warning"})
    data.freeze_panes(1, 0)
    notes = book.add_worksheet("說明 Notes")
    columns = ["field", "中文欄名", "type", "required 必填", "expected 格式", "description 說明",
               "example 範例"]
    for col, title in enumerate(columns):
        notes.write(0, col, title, head)
    for row, spec in enumerate(template.fields, start=1):
        values = [spec.name, spec.zh, spec.type.value, "yes 是" if spec.required else "", _expected(spec),
                  spec.description, spec.example]
        for col, value in enumerate(values):
            notes.write(row, col, value, wrap)
    notes.set_column(0, 1, 24)
    notes.set_column(2, 3, 12)
    notes.set_column(4, 6, 40)
    base = len(template.fields) + 2
    notes.write(base, 0, template.title.en, head)
    notes.write(base, 1, template.title.zh_tw, head)
    notes.write(base + 1, 0, template.description.en, wrap)
    notes.write(base + 2, 0, template.description.zh_tw, wrap)
    for offset, line in enumerate(_rules(template), start=3):
        notes.write(base + offset, 0, line, wrap)
    book.close()
    return path


def _expected(spec: FieldSpec) -> str:
    """What a field takes, in English then Traditional Chinese (an enum's codes with their Chinese spellings)."""
    return f"{spec.expected()}\n{field_expected_zh(spec)}"


def _rules(template: DatasetTemplate) -> list[str]:
    """What a file of this dataset must hold beyond its columns: records and identifiers."""
    lines = []
    if template.min_rows:
        scope = f" when firm_profile.{template.min_rows_when} is true" if template.min_rows_when else ""
        lines.append(f"Cannot be empty{scope}: at least {template.min_rows} record(s). Supplied with fewer, the "
                     "requirements that need it are needs_review (never compliant); a firm that truly has none attests "
                     "them not applicable (attestations). "
                     f"不得為空{'（' + template.min_rows_when + ' 為是時）' if template.min_rows_when else ''}："
                     "未達筆數者，相關要求列為待複核；確實無此資料者，請以人工查核確認為不適用。")
    idents = ", ".join(f.name for f in template.identifiers())
    if idents:
        lines.append(f"Identifiers ({idents}): {IDENTIFIER_NOTE}. "
                     "識別碼欄位以 NFKC 正規化（全形轉半形）並移除不可見字元，僅含不可見字元者不予接受。")
    return lines


def _index(registry: TemplateRegistry) -> str:
    lines = [
        "# ccaudit evidence templates / 查核佐證資料範本",
        "",
        "Name each file after its dataset (e.g. `remote_sessions.csv`, `remote_sessions_2025-10.xlsx`,",
        "or the Chinese name such as `遠端連線紀錄.csv`). Headers may be the English or the Chinese names.",
        "CSV may be UTF-8 (with or without BOM) or Big5; dates may be ISO or ROC (113/05/15, 1130515,",
        "民國113年5月15日); booleans true/false, Y/N, 是/否, V/X; timestamps without an offset are read as",
        "Asia/Taipei local time unless the dataset says otherwise. An optional `evidence.yaml` beside the",
        "files can name a file's dataset, encoding, sheet and effective date.",
        "",
        "What is refused (exit 2, naming file, row, column and value) rather than guessed:",
        "",
        "- a number outside its column's range (stated under *expected*), and a date or timestamp outside",
        f"  {DATE_RANGE[0]} … {DATE_RANGE[1]} unless the column states its own range;",
        "- a date whose year has one or two digits (`24/05/15`: ROC 24 = 1935 or 2024?): write the year in",
        "  full (`2024/05/15`) or as a three-digit ROC year (`113/05/15`, `099/12/31`);",
        "- an identifier (the key's text columns, columns named `*_id`, and those listed per dataset below)",
        f"  with nothing visible: {IDENTIFIER_NOTE};",
        "- a hidden file (name or folder starting with a dot) named like a dataset. Other files that are",
        "  not imported (system files such as `.DS_Store`, `Thumbs.db`, `~$` lock files, unknown names)",
        "  are listed with the reason.",
        "",
        "A register marked *cannot be empty* below, supplied with only a header, is not proof of",
        "compliance: the requirements that need it are needs_review, with the file named.",
        "",
        "| dataset | 名稱 | key | description |",
        "|---|---|---|---|",
    ]
    for t in registry:
        lines.append(f"| `{t.id}` | {t.title.zh_tw} | {', '.join(t.key)} | {t.description.en} |")
    lines.append("")
    for t in registry:
        lines += [f"## `{t.id}` — {t.title.en} / {t.title.zh_tw}", "",
                  t.description.en, "", t.description.zh_tw, "",
                  *(line for rule in _rules(t) for line in (rule, "")),
                  "| column | 欄位 | type | required | expected | description |", "|---|---|---|---|---|---|"]
        for f in t.fields:
            lines.append(f"| `{f.name}` | {f.zh} | {f.type.value} | {'yes' if f.required else ''} | "
                         f"{f.expected()} | {f.description} |")
        lines.append("")
    return "\n".join(lines)
