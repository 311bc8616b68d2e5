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
    "register_row": ("register row", "清冊列"),
    "claimed": ("topics listed", "清冊所列主題"),
    "not_in_document": ("not found in the document", "文件中未找到"),
    "no_rule": ("no rule (not checked)", "無比對規則（未檢查）"),
    "no_document": ("no such document handed in", "未提供該文件"),
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


# terminal lines of the commands (`ccaudit policies scan`, `ccaudit audit policies|policy-confirm|policy-reject`)
MESSAGES: dict[str, tuple[str, str]] = {
    "document": ("{doc_id} {name}: {format}{pages}, {passages} passages, {language}, SHA-256 {sha}",
                 "{doc_id} {name}：{format}{pages}，{passages} 段，{language}，SHA-256 {sha}"),
    "pages": (", {pages} pages", "，{pages} 頁"),
    "not_read": ("not read: {name} ({reason})", "未讀取：{name}（{reason}）"),
    "written": ("written: {files}", "已寫入：{files}"),
    "proposal_only": (
        "a proposal only: nothing is compliant until an auditor confirms it (ccaudit audit policies)",
        "僅為建議：須經查核人員確認（ccaudit audit policies）方成為評估結果",
    ),
    "attached": ("attached policy proposals {sha}… ({documents} documents, {clauses} clauses) to audit {audit}",
                 "已將規範文件比對建議 {sha}…（{documents} 份文件、{clauses} 項條文）附入查核 {audit}"),
    "none_yet": ("audit {audit} has no policy proposals yet: ccaudit audit policies {audit} DIR",
                 "查核 {audit} 尚無規範文件比對建議：ccaudit audit policies {audit} <比對結果目錄>"),
    "attached_by": ("proposals {sha}…, attached by {by} at {at}; documents: {documents}",
                    "比對建議 {sha}…，由 {by} 於 {at} 附入；文件：{documents}"),
    "earlier": ("earlier scan", "前次比對"),
    "confirmed": ("{req}: proposal {proposal} {decision}; attestation {id} recorded ({result})",
                  "{req}：比對建議「{proposal}」已{decision}；已記錄人工確認 {id}（{result}）"),
    "rejected": ("{req}: proposal {proposal} {decision}; the requirement's result is unchanged (record your own "
                 "assessment with `ccaudit audit attest`)",
                 "{req}：比對建議「{proposal}」已{decision}；條文查核結果不變"
                 "（請以 `ccaudit audit attest` 記錄您的評估）"),
    "register_title": ("The register ({name}) against the documents", "規範文件清冊（{name}）與文件內容比對"),
    "unregistered": ("not in the register: {name}", "清冊未列：{name}"),
    "rules_hint": ("a list is one rule: all its phrases in the same paragraph",
                   "以方括號列出者為一條規則：各詞須出現於同一段落"),
    "no_topic_rules": ("--clause: no topic rules for {clause}; clauses: {clauses}",
                       "--clause：{clause} 無主題規則；有規則之條文：{clauses}"),
}


def msg(key: str, lang: str, **values: object) -> str:
    return say(MESSAGES, key, lang).format(**values)
