"""The audit commands' words in English and Traditional Chinese (`--lang`, CCAUDIT_LANG), and times shown
in the firm's zone. Statuses reuse the labels the findings and reports use, so the terminal and the
workbook say the same thing; only what the reports have no word for is added here."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ccaudit.findings.messages import is_zh
from ccaudit.findings.models import STATUS_LABELS, Status
from ccaudit.reports.texts import ATTESTATION, OUTCOME, REMEDIATION_STATUS, SIGN_OFF, L

# table headers: (en, zh-TW); the Chinese is the reports' word where they have one
HEADERS: dict[str, tuple[str, str]] = {
    "id": ("ID", "編號"),
    "requirement": ("requirement", L["id"][1]),
    "firm": ("firm", L["firm"][1]),
    "year": ("year", L["year"][1]),
    "as_of": ("as of", L["as_of"][1]),
    "catalog": ("catalog", L["catalog"][1]),
    "audit_status": ("status", L["sign_off"][1]),
    "preparer": ("preparer", "編製人員"),
    "reviewer": ("reviewer", L["reviewer"][1]),
    "digest": ("digest", "摘要值"),
    "result": ("result", L["result"][1]),
    "work": ("status", "作業狀態"),
    "version": ("v", "版本"),
    "why": ("why (* = auditor's assessment)", "理由（* = 查核人員之評估）"),
    "reason": ("why", "原因"),
    "item": ("item", "項目"),
    "owner": ("owner", L["owner"][1]),
    "due": ("due", L["due"][1]),
    "remediation_status": ("status", L["remediation_status"][1]),
    "title": ("title", "標題"),
    "audit": ("audit", "查核"),
    "seq": ("#", "#"),
    "when": ("when", "時間"),
    "who": ("who", "人員"),
    "action": ("action", "動作"),
    "entity": ("entity", "對象"),
    "changes": ("changes (old -> new)", "變更（原 -> 新）"),
    "what": ("what", "內容"),
    "change": ("change", "變化"),
    "before": ("before", L["previous"][1]),
    "after": ("after", "本次結果"),
    "row": ("row", "列"),
    "subject": ("subject", "對象"),
    "file": ("file", L["file"][1]),
    "compensated_by": ("compensated by", L["compensating"][1]),
    "details": ("details", L["notes"][1]),
    "overdue": ("overdue", "逾期"),
}

WORK_STATUS: dict[str, tuple[str, str]] = {
    "to_do": ("to_do", "待辦"),
    "in_progress": ("in_progress", "進行中"),
    "done": ("done", "已完成"),
    "deferred": ("deferred", "延後評估"),
}

CHANGE: dict[str, tuple[str, str]] = {
    "improved": ("improved", "改善"),
    "regressed": ("regressed", "退步"),
    "unchanged": ("unchanged", "不變"),
    "scope_changed": ("scope_changed", "適用範圍變更"),
    "added": ("added", "新增"),
    "removed": ("removed", "刪除"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if is_zh(lang) else pair[0]


def header(key: str, lang: str) -> str:
    return _pick(HEADERS[key], lang)


NOT_ASSESSED = "not_assessed"


def result(value: Status | str | None, lang: str) -> str:
    """A requirement's result: the findings' label in Chinese, the status value in English."""
    if value is None:
        return "-"
    if value == NOT_ASSESSED:  # counts() names requirements without a verdict yet
        return "未評估" if is_zh(lang) else NOT_ASSESSED
    status = Status(value)
    return STATUS_LABELS[status][1] if is_zh(lang) else status.value


def _label(labels: dict[str, tuple[str, str]], value: str, lang: str) -> str:
    # English keeps the value itself (what options such as --status take); Chinese the reports' word
    return labels[value][1] if is_zh(lang) and value in labels else value


def work_status(value: str, lang: str) -> str:
    return _label(WORK_STATUS, value, lang)


def remediation_status(value: str, lang: str) -> str:
    return _label(REMEDIATION_STATUS, value, lang)


def audit_status(value: str, lang: str) -> str:
    return _label(SIGN_OFF, value, lang)


def attestation(value: str, lang: str) -> str:
    return _label(ATTESTATION, value, lang)


def outcome(value: str, lang: str) -> str:
    return _label(OUTCOME, value, lang)


def change(value: str, lang: str) -> str:
    return _label(CHANGE, value, lang)


def more(count: int, lang: str) -> str:
    """How many more reasons a one-line summary leaves out."""
    return f"（另 {count} 項）" if is_zh(lang) else f" (+{count} more)"


def local_time(value: str | None, zone: str) -> str:
    """A stored UTC time (2026-12-01T09:00:01Z) in the firm's zone with its offset: 2026-12-01 17:00:01 +08:00."""
    if not value:
        return ""
    try:
        instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value  # not a time we wrote: shown as stored
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    local = instant.astimezone(ZoneInfo(zone))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"
