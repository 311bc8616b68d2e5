"""The words of policy-document proposals and decisions, in English and Traditional Chinese: the
terminal tables (`ccaudit policies scan`, `ccaudit audit policies`) and the attestation note a
confirmation records (which the reports quote)."""

from __future__ import annotations

from ccaudit.findings.messages import is_zh

PROPOSAL: dict[str, tuple[str, str]] = {
    "covered": ("covered", "已涵蓋"),
    "partly_covered": ("partly covered", "部分涵蓋"),
    "not_found": ("not found", "未找到"),
}
TOPIC_STATUS: dict[str, tuple[str, str]] = {
    "covered": ("covered", "已涵蓋"),
    "not_found": ("not found", "未找到"),
}
DECISION: dict[str, tuple[str, str]] = {
    "confirmed": ("confirmed", "確認"),
    "rejected": ("rejected", "駁回"),
    "undecided": ("awaiting the auditor", "待查核人員確認"),
}
HEADERS: dict[str, tuple[str, str]] = {
    "clause": ("clause", "條文"),
    "topic": ("topic", "主題"),
    "status": ("found", "比對結果"),
    "where": ("where", "出處"),
    "excerpt": ("passage", "摘錄"),
    "proposal": ("proposal", "建議"),
    "decision": ("decision", "查核人員決定"),
    "documents": ("documents", "文件"),
    "title": ("Policy documents: proposed assessment per clause (an auditor confirms or rejects each)",
              "規範文件：各條文之建議評估（須經查核人員逐條確認或駁回）"),
}
NOTE: dict[str, tuple[str, str]] = {
    "head": (
        "Policy documents, proposal {proposal} ({covered} of {total} topics) {decision} by {by}",
        "規範文件比對建議：{proposal}（{total} 項主題中 {covered} 項）；經 {by} {decision}",
    ),
    "auditor": ("Auditor's note: {note}", "查核人員說明：{note}"),
    "found": ("{topic}: {where} 「{excerpt}」", "{topic}：{where}「{excerpt}」"),
    "missing": ("{topic}: not found in the documents", "{topic}：文件中未找到"),
    "more": ("(and {count} more passages)", "（另有 {count} 段）"),
}


def say(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    en, zh = table.get(key, (key, key))
    return zh if is_zh(lang) else en
