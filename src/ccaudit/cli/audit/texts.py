"""The audit commands' words in English and Traditional Chinese (`--lang`, CCAUDIT_LANG), and times shown
in the firm's zone. Statuses reuse the labels the findings and reports use, so the terminal and the
workbook say the same thing; only what the reports have no word for is added here."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from ccaudit.findings.messages import is_zh
from ccaudit.findings.models import STATUS_LABELS, Status
from ccaudit.reports.texts import ATTESTATION, OBLIGATION, OUTCOME, REMEDIATION_STATUS, SIGN_OFF, L

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
    "automated": ("automated", "自動判定"),
    "derived": ("derived", "推導結果"),
    "assessed": ("assessed", "評估結果"),
    "user": ("user", "使用者"),
    "name": ("name", "姓名"),
    "roles": ("roles", "角色"),
    "password": ("password", "密碼"),
    "key": ("key (SHA-256 fingerprint)", "金鑰（SHA-256 指紋）"),
}

ROLE: dict[str, tuple[str, str]] = {
    "admin": ("admin", "管理者"),
    "auditor": ("auditor", "查核人員"),
    "reviewer": ("reviewer", L["reviewer"][1]),
    "control_owner": ("control_owner", "控制負責人"),
    "viewer": ("viewer", "檢視者"),
    "inspector": ("inspector", "檢查人員"),
}

# What the commands say that neither the reports nor the tables have words for: (en, zh-TW) templates.
SAY: dict[str, tuple[str, str]] = {
    "assessed": ("{requirement} assessed (version {version})", "{requirement} 已評估（第 {version} 版）"),
    "deferred": ("{requirement} deferred (version {version})", "{requirement} 已延後評估（第 {version} 版）"),
    "attested": ("attestation {id} recorded for {requirement}", "已為 {requirement} 記錄人工確認 {id}"),
    "reconfirmed": ("attestation {id} re-confirmed", "人工確認 {id} 已重新確認"),
    "measure_review": ("measure {id}: review by {day}", "補償性措施 {id}：檢視期限 {day}"),
    "remediated": ("remediation item {id} updated (version {version})", "改善事項 {id} 已更新（第 {version} 版）"),
    "overdue_count": ("{n} overdue item(s) on {day}", "{day} 逾期之改善事項共 {n} 項"),
    "submitted": ("audit {audit} submitted for review", "查核 {audit} 已送覆核"),
    "returned": ("audit {audit} returned to draft", "查核 {audit} 已退回草稿"),
    "firm_added": ("firm {firm} added", "已新增" + L["firm"][1] + " {firm}"),
    "user_added": ("user {user} added", "已新增使用者 {user}"),
    "superuser": (" (superuser)", "（超級使用者）"),
    "granted": ("{user} is {role} for {firm}", "{user} 為 {firm} 之{role}"),
    "role_revoked": ("{user} is no longer {role} for {firm}", "{user} 已不再為 {firm} 之{role}"),
    "password_set": ("password set", "密碼已設定"),
    "new_password": ("new password", "新密碼"),
    "trail_title": ("audit {audit}", "查核 {audit}"),
    "repeat_password": ("Repeat for confirmation", "請再輸入一次以確認"),
    "not_a_requirement": ("{requirement} is not a requirement of this audit", "{requirement} 不是本查核之條文"),
    "set": ("set", "已設定"),
    "key_registered": ("registered key fingerprint {fingerprint}", "已登錄金鑰，指紋 {fingerprint}"),
    "key_was": (" (was {fingerprint})", "（原為 {fingerprint}）"),
    "key_revoked": ("revoked key {fingerprint}", "已撤銷金鑰 {fingerprint}"),
    "key_recorded": ("{user}: {done}; recorded in the trail of {firms}", "{user}：{done}；已記錄於 {firms} 之軌跡"),
    "no_firm": ("no firm", "無"),
    "key_written": ("private key written to {path} (keep it to yourself); public key {path}.pub",
                    "私鑰已寫入 {path}（請自行保管，勿交予他人）；公鑰 {path}.pub"),
    "superuser_role": ("superuser", "超級使用者"),
    "warning": ("warning: ", "警示："),
    "verified": ("verified", "驗證通過"),
    "verified_what": (" {what}: {checked}", "：{what}；已檢查 {checked}"),
    "verify_failed": ("verification failed", "驗證失敗"),
    "failed_what": (" for {what}; first mismatch: {problem}", "：{what}；第一項不符：{problem}"),
    "problems": ("({count} problem(s); checked {checked})", "（共 {count} 項問題；已檢查 {checked}）"),
    "signed_with": ("{audit}: signed by {signer} with key {fingerprint}, digest {digest}",
                    "{audit}：由 {signer} 以金鑰 {fingerprint} 簽核，摘要值 {digest}"),
    "the_database": ("the audit database", "查核資料庫"),
    "no_anchors": (
        "no trail anchors checked: {dir} does not exist (set CCAUDIT_ANCHOR_DIR or pass --anchors); a trail "
        "rewound by someone with database rights would go unnoticed",
        "未檢查軌跡錨點：{dir} 不存在（請設定 CCAUDIT_ANCHOR_DIR 或指定 --anchors）；"
        "具資料庫權限者若回捲軌跡將無法察覺",
    ),
    "check_line": ("check {check}: {outcome}, {count} offending, {compensated} compensated (rows: {command})",
                   L["check"][1] + " {check}：{outcome}，{offending}（明細：{command}）"),
    "audit_measures": ("; audit measures: {measures}", "；" + L["compensating"][1] + "：{measures}"),
    "whole_requirement": ("{ref} (whole requirement)", "{ref}（整項條文）"),
    "measure_for": ("{ref} for {subjects}", "{ref} 涵蓋 {subjects}"),
    "measure_line": ("measure {ref} covers {covers}: review by {review_by}, {valid}",
                     L["compensating"][1] + " {ref} 涵蓋 {covers}：檢視期限 {review_by}，{valid}"),
    "the_whole_requirement": ("the whole requirement", "整項條文"),
    "valid": ("valid", "有效"),
    "not_valid": ("NOT valid", "查核基準日時不具效力"),
    "attestation_line": ("attestation #{id}: {result} by {by} on {on}", "人工確認 #{id}：{result} — {by}，{on}"),
    "remediation_line": ("remediation #{id}: {status}, {owner}, due {due}",
                         "改善事項 #{id}：{status}，{owner}，" + L["due"][1] + " {due}"),
    "no_owner": ("no owner", "未指定" + L["owner"][1]),
    "inspector_granted": ("{user} may inspect {firm} (read-only) until {until}",
                          "{user} 得檢視 {firm}（唯讀）至 {until}"),
    "inspector_revoked": ("{user} may no longer inspect {firm}", "{user} 已不得再檢視 {firm}"),
    "mfa_reset": ("{user}'s second factor is reset: they enrol again at their next log-in",
                  "{user} 之第二道驗證已重設，下次登入時須重新設定"),
    "mfa_none": ("{user} had no second factor enrolled", "{user} 尚未設定第二道驗證"),
    "run_attached": ("run {run} attached ({rows} offending rows recorded in {seconds}s): {counts}\nfiles: {folder}",
                     "檢查執行 {run} 已附加（記錄" + L["offending_rows"][1] + " {rows} 筆，"
                     "費時 {seconds} 秒）：{counts}\n" + L["file"][1] + "：{folder}"),
    "run_cleaned": ("removed {path}, left by a run that was killed", "已移除 {path}（中斷之檢查執行遺留）"),
    "derived_confirmed": ("{count} derived result(s) confirmed{listed}", "已確認推導結果 {count} 項{listed}"),
    "derived_left": ("left for you (needs_review or no result: assess with --result and --justification, or "
                     "`ccaudit audit defer`): {left}",
                     "留待您評估（需人工檢視或無結果：請以 --result 及 --justification 評估，或以 "
                     "`ccaudit audit defer` 延後）：{left}"),
    "prepared_by": ("prepared by {who} {when}", "編製人員 {who}，{when} 送覆核"),
    "signed_off_by": ("signed off by {who} {when} with key {fingerprint}\ndigest {digest}",
                      "覆核人員 {who} 於 {when} 以金鑰 {fingerprint} 簽核\n摘要值 {digest}"),
    "to_reconfirm": ("carried-over attestations to re-confirm: {ids}", "結轉之人工確認待重新確認：{ids}"),
    "rows_title": ("{check}, run {run}", L["check"][1] + " {check}，檢查執行 {run}"),
    "expired": ("expired: {ref}", "已失效：{ref}"),
    "rows_shown": ("{shown} of {total} row(s); --json adds each source file's SHA-256",
                   "顯示 {shown} 筆，共 {total} 筆；加上 --json 另列各來源檔之 SHA-256"),
    # the confirmations of open, measure, signoff, export, anchor and carryover
    "opened": ("audit {audit} opened: {firm} {year}, as of {as_of}, {catalog} v{version}, {count} requirements",
               "查核 {audit} 已開立：{firm} {year} 年度，" + L["as_of"][1] + " {as_of}，{catalog} 第 {version} 版，"
               "共 {count} 項條文"),
    "measure_recorded": ("measure {ref} recorded (id {id}), covering {covers}",
                         L["compensating"][1] + " {ref} 已記錄（編號 {id}），涵蓋 {covers}"),
    "signed_off": ("audit {audit} signed off and frozen\ndigest (SHA-256): {digest}",
                   "查核 {audit} 已簽核並凍結\n摘要值（SHA-256）：{digest}"),
    "anchored_in": ("trail anchored in {path} (keep it apart from the database)",
                    "軌跡已錨定於 {path}（請與資料庫分開保存）"),
    "archive_written": ("archive written to {path}", "封存檔已寫入 {path}"),
    "anchor_signoff": ("audit {audit}: its sign-off had no anchor; anchored in {path}",
                       "查核 {audit}：其簽核原無錨點；已錨定於 {path}"),
    "anchor_other": ("audit {audit}: its sign-off has no anchor of its own (the head anchored now vouches for it); "
                     "CCAUDIT_USER={reviewer} ccaudit audit anchor writes it",
                     "查核 {audit}：其簽核無專屬錨點（本次錨定之軌跡末端可為其佐證）；"
                     "由簽核者執行 `CCAUDIT_USER={reviewer} ccaudit audit anchor` 即可寫入"),
    "anchored_at": ("trail anchored at entry #{seq} ({hash}) in {path}",
                    "軌跡已錨定於第 {seq} 筆紀錄（{hash}），錨點檔 {path}"),
    "carried_over": ("audit {audit} opened from audit {source}: {remediation} remediation item(s), "
                     "{measures} measure(s), {attestations} attestation(s) to re-confirm",
                     "查核 {audit} 已由查核 {source} 結轉開立：改善事項 {remediation} 項、"
                     + L["compensating"][1] + " {measures} 項、待重新確認之人工確認 {attestations} 項"),
    "not_carried": ("  not carried: {line}", "  未結轉：{line}"),
    "run_line": ("latest run {run}, attached {when}: checks ran on {engine}",
                 "最近一次檢查執行 {run}（{when} 附加）：" + L["engine"][1] + " {engine}"),
}

# what `verify` counts, by the report's English key; "<entity> records" by the entity's name
CHECKED: dict[str, str] = {
    "trail entries": "軌跡紀錄", "offending rows": L["offending_rows"][1], "frozen audits": "已簽核之查核",
    "evidence files": "證據檔案", "files": L["file"][1], "anchors": "軌跡錨定",
    "policy proposal files": "規範文件比對檔案", "probe files": "探測附件", "parse reports": "解析報告",
}
ENTITY: dict[str, str] = {
    "firm": L["firm"][1], "user": "使用者", "role": "角色", "user_key": "簽章金鑰", "audit": "查核", "run": "檢查執行",
    "assessment": "評估", "attestation": "人工確認", "measure": L["compensating"][1], "remediation": "改善事項",
    "api_token": "API 權杖", "inspector_grant": "檢查人員授權",
    "policy_proposal": "規範文件比對建議", "policy_decision": "規範文件比對決定",
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


def worded(text: str, lang: str) -> str:
    """A verify problem or warning in `lang` where it has a zh-TW wording (verify.Worded), else as worded."""
    from ccaudit.audit.integrity.verify import Worded

    return text.zh_tw if is_zh(lang) and isinstance(text, Worded) else text


def say(key: str, lang: str, **values: object) -> str:
    return _pick(SAY[key], lang).format(**values)


def engine(value: str | None, lang: str) -> str:
    """The engine a run's checks ran on; a run recorded before the engine was kept says so."""
    return value if value else _pick(L["engine_unknown"], lang)


def role(value: str, lang: str) -> str:
    return _label(ROLE, value, lang)


def checked(counts: dict[str, int], lang: str) -> str:
    """What verify checked: "12 trail entries, 3 audit records" (軌跡紀錄 12 筆、查核 紀錄 3 筆)."""
    if not is_zh(lang):
        return ", ".join(f"{v} {k}" for k, v in counts.items())
    words = []
    for key, count in counts.items():
        entity = key.removesuffix(" records")
        what = CHECKED.get(key) or (f"{ENTITY.get(entity, entity)}紀錄" if key.endswith(" records") else key)
        words.append(f"{what} {count} 筆")
    return "、".join(words)


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


def obligation(value: str, lang: str) -> str:
    return _label(OBLIGATION, value, lang)


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


ATTESTATION_MODE: dict[str, tuple[str, str]] = {
    "none": ("none", "不需人工確認"),
    "required": ("required", "須人工確認"),
    "only": ("only", "僅以人工確認"),
}
_RESULT_FIELDS = frozenset({"automated_status", "derived_result", "assessed_result", "finding_result", "result"})


def code_value(entity: str, field: str, value: object, lang: str) -> object:
    """A recorded field's value (the trail's history) in `lang` where it is one of ccaudit's codes: a result, a
    workflow or remediation status, an obligation, an attestation's result or mode. Anything else as it is."""
    if not isinstance(value, str) or not is_zh(lang):
        return value
    if entity == "attestation" and field == "result":
        return _label(ATTESTATION, value, lang)
    if field in _RESULT_FIELDS:
        return result(value, lang) if value in {s.value for s in Status} else value
    if field == "status":
        kind = {"remediation": REMEDIATION_STATUS, "assessment": WORK_STATUS, "audit": SIGN_OFF}.get(entity)
        return _label(kind, value, lang) if kind else value
    if field == "obligation":
        return _label(OBLIGATION, value, lang)
    if field == "reasons" and value.startswith("["):  # stored as JSON text: the reasons in the reader's words
        from ccaudit.audit.snapshot import as_reasons
        from ccaudit.findings.messages import messages

        try:
            return "; ".join(messages().reasons_text(as_reasons(json.loads(value)), lang))
        except ValueError:
            return value
    if field == "attestation_mode":
        return _label(ATTESTATION_MODE, value, lang)
    return value
