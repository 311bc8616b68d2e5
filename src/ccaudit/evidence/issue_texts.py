"""Evidence problems in Traditional Chinese: `ValidationIssue.render('zh-TW')`.

An issue written with `message_zh`/`expected_zh` says them; the importer's stock phrases (required
value is empty, value not understood, a missing column, a malformed CSV line, a field's expected
shape) are translated here by pattern, keeping the parts that are firm data (file, column, value) as
they are. A phrase not known here stays in English rather than being half translated."""

from __future__ import annotations

import re

from ccaudit.errors import ValidationIssue
from ccaudit.evidence.models import FieldSpec, FieldType
from ccaudit.textsafe import visible

_CJK = re.compile(r"[\u3400-\u9fff]")

_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"required value is empty", "必填欄位空白"),
    (r"value not understood", "無法判讀之值"),
    (r"value out of range", "數值超出範圍"),
    (r"two-digit year is ambiguous: ROC (\d+) = (\S+), or (\S+)", r"兩位數年份有歧義：民國 \1 年即 \2，或西元 \3"),
    (r"two-digit year is ambiguous", "兩位數年份有歧義"),
    (r"required column '(.+)' \((.+)\) is missing", r"缺少必要欄位「\2」（\1）"),
    (r"columns (.+) all name the field '(.+)'", r"欄位 \1 皆對應同一欄位「\2」"),
    (r"not a well-formed CSV line: expected (\d+) columns, found (\d+)", r"CSV 行格式錯誤：應有 \1 欄，實有 \2 欄"),
    (r"not a well-formed CSV line: (.+)", r"CSV 行格式錯誤：\1"),
    (r"identifier has nothing visible once invisible characters are removed", "識別碼移除不可見字元後為空白"),
    (r"(\w+): (.+) appears (\d+) times with different content \((.+)\)", r"\1：\2 出現 \3 次且內容不同（\4）"),
    (r"(\w+) must have exactly one row \(found (.+)\)", r"\1 應恰有一筆資料（實有 \2）"),
    (r"the file is empty \(no header row\)", "檔案為空（無標題列）"),
    (r"sheet '(.+)' is empty", r"工作表「\1」為空"),
    (r"no sheet named '(.+)' \(sheets: (.+)\)", r"無名為「\1」之工作表（現有：\2）"),
    (r"not a readable workbook: (.+)", r"無法讀取之活頁簿：\1"),
    (r"not a readable CSV file on line (\d+): (.+)", r"CSV 檔第 \1 行無法讀取：\2"),
    (r"not a readable CSV file: (.+)", r"CSV 檔無法讀取：\1"),
    (r"unsupported file type (.+) \(use CSV, XLSX, JSON or Parquet\)",
     r"不支援之檔案類型 \1（請用 CSV、XLSX、JSON 或 Parquet）"),
)

_SHAPES: tuple[tuple[str, str], ...] = (
    (r"text", "文字"),
    (r"one of (.+)", r"下列之一：\1"),
    (r"a whole number", "整數"),
    (r"a number", "數值"),
    (r"true/false, Y/N, 是/否 or V/X", "是/否、Y/N、V/X 或 true/false"),
    (r"a date: .*", "日期：2024-05-15、2024/5/15、民國 113/05/15、1130515 或 民國113年5月15日"),
    (r"a date and time, .*", "日期時間，例如 2024-05-15 08:30:00（本地時間）或 2024-05-15T00:30:00Z"),
    (r"a time of day .*", "時刻 HH:MM（一日之末為 24:00）"),
    (r"values separated by .*", "以 ; , 、 或 | 分隔之數個值"),
    (r"a value from (.+) to (.+)", r"\1 至 \2 之值"),
    (r"a value at least (.+)", r"不小於 \1 之值"),
    (r"a value at most (.+)", r"不大於 \1 之值"),
    (r"a header named (.+) or (.+); found: (.*)", r"名為 \1 或 \2 之標題；檔案之標題為：\3"),
    (r"one column per field; remove or rename the others", "每一欄位僅能有一欄；請刪除或更名其他欄"),
    (r"the year written in full .*", "完整年份（2024-05-15）或三位數民國年（113/05/15）"),
    (r"(\d+) values separated by (.+), as in the header", r"以 \2 分隔之 \1 個值，與標題列相同"),
    (r"one record per (.+)", r"每個 \1 一筆"),
    (r"one record describing the firm.*", "一筆描述公司之資料"),
)
_RANGE = ((r"(.+); from (.+) to (.+)", r"；\2 至 \3"), (r"(.+); at least (.+)", r"；不小於 \2"),
          (r"(.+); at most (.+)", r"；不大於 \2"))


def _translate(text: str, table: tuple[tuple[str, str], ...]) -> str | None:
    for pattern, zh in table:
        match = re.fullmatch(pattern, text, re.DOTALL)
        if match:
            return match.expand(zh)
    return None


def expected_zh(text: str) -> str:
    """A field's expected shape (FieldSpec.expected()) in Traditional Chinese; English if unknown."""
    for pattern, tail in _RANGE:
        match = re.fullmatch(pattern, text, re.DOTALL)
        if match and (shape := _translate(match.group(1), _SHAPES)):
            return shape + match.expand(tail)
    return _translate(text, _SHAPES) or text


def field_expected_zh(spec: FieldSpec) -> str:
    """What a field takes, in Traditional Chinese. The codes an enum column takes are said as the file holds
    them, each with the Chinese spelling the template accepts for it where it has one (its first in
    `value_aliases`): `下列之一：active（在職）、leave（留職停薪）、terminated（離職）`."""
    if spec.type is not FieldType.ENUM:
        return expected_zh(spec.expected())
    said: dict[str, str] = {}
    for alias, value in spec.value_aliases.items():
        if _CJK.search(alias):
            said.setdefault(value, alias)
    return "下列之一：" + "、".join(f"{code}（{said[code]}）" if code in said else code for code in spec.values)


def message_zh(text: str) -> str:
    return _translate(text, _MESSAGES) or text


def issue_zh(issue: ValidationIssue) -> str:
    where = visible(issue.file)
    if issue.row is not None:
        where += f"，第 {issue.row} 列"
    if issue.column is not None:
        where += f"，「{visible(issue.column)}」欄"
    text = f"{where}：{issue.message_zh or message_zh(issue.message)}"
    expected = issue.expected_zh or (expected_zh(issue.expected) if issue.expected else None)
    if issue.value is not None:
        text += f"（填寫值 {issue.value!r}"
        text += f"；應為{expected}）" if expected else "）"
    elif expected:
        text += f"（應為{expected}）"
    return text
