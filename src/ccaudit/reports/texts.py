"""Words every report shares, in English and Traditional Chinese, and the cell texts built from a row."""

from __future__ import annotations

from ccaudit.findings.messages import messages
from ccaudit.reports.model import DEFICIENT, PolicyProposalNote, ReportData, RequirementRow, Result, is_zh

L: dict[str, tuple[str, str]] = {
    "no": ("No.", "項次"),
    "id": ("ID", "條文編號"),
    "area": ("Area", "領域"),
    "requirement": ("Requirement", "條文內容"),
    "requirement_other": ("Requirement (zh-TW)", "條文內容（英文）"),
    "obligation": ("Obligation", "義務"),
    "result": ("Result", "查核結果"),
    "evidence": ("Evidence seen", "查核證據"),
    "gaps": ("Gaps found", "缺失事項"),
    "compensating": ("Compensating measures", "補償性措施"),
    "improvement": ("Improvement measures", "改善措施"),
    "owner": ("Owner", "負責人"),
    "due": ("Due date", "預定完成日"),
    "reviewer": ("Reviewer", "複核人員"),
    "notes": ("Notes", "說明"),
    "previous": ("Last year", "前次結果"),
    "remediation_status": ("Improvement status", "改善情形"),
    "checklist": ("Checklist", "查核清單"),
    "deficiencies": ("Deficiencies", "缺失改善"),
    "observations": ("Observations", "建議事項"),
    "evidence_sheet": ("Evidence", "查核證據清單"),
    "about": ("About", "報告資訊"),
    "dataset": ("Dataset", "資料集"),
    "file": ("File", "檔案"),
    "rows": ("Rows", "筆數"),
    "effective_date": ("Effective date", "資料基準日"),
    "firm": ("Firm", "公司"),
    "year": ("Year", "年度"),
    "as_of": ("As-of date", "查核基準日"),
    "catalog": ("Catalog", "查核依據"),
    "catalog_version": ("Catalog version", "查核依據版本"),
    "source": ("Generated from", "資料來源"),
    "sign_off": ("Sign-off", "簽核狀態"),
    "digest": ("Audit digest (SHA-256)", "查核摘要值（SHA-256）"),
    "findings_sha": ("findings.json SHA-256", "findings.json SHA-256"),
    "generated_at": ("Results produced at", "結果產生時間"),
    "ccaudit_version": ("ccaudit version", "ccaudit 版本"),
    "engine": ("Checks run on", "檢查執行引擎"),
    "engine_unknown": ("unknown (not recorded)", "不明（未記錄）"),
    "warnings": ("Warnings", "警示"),
    "not_signed": ("Not an audit: inspection results, not signed off", "非年度查核：檢查結果，未經簽核"),
    "title_checklist": ("Information security checklist", "資通安全查核清單"),
    "title_report": ("Information security inspection report", "資通安全查核報告"),
    "title_deficiencies": ("Deficiencies and improvements", "缺失事項及改善情形"),
    "offending_rows": ("Offending rows", "不符合明細"),
    "check": ("Check", "檢查項目"),
    "shown": ("{count:,} rows; {shown:,} shown", "共 {count:,} 筆，列出 {shown:,} 筆"),
    "sheet_part": ("rows {first:,}–{last:,} on this sheet", "本工作表為第 {first:,}–{last:,} 筆"),
    "sheet_continued": ("continued on the next sheet", "續見下一工作表"),
    "rest_at": ("the other {rest:,} rows: {where} (or write the report again with --max-rows all)",
                "其餘 {rest:,} 筆見 {where}（或以 --max-rows all 重新產生報告）"),
    "none": ("None", "無"),
    "every_row": ("every row", "全部"),
    "summary": ("Summary", "摘要"),
    "status_by_area": ("Results by area", "各領域查核結果"),
    "trend": ("Compared with last year", "與前次查核比較"),
    "ageing": ("Open improvement items by due date", "未結改善事項（依預定完成日）"),
    "no_previous": ("No earlier results given", "無前次查核結果"),
    "no_remediation": ("No improvement items tracked", "無追蹤中之改善事項"),
    "appendix": ("Appendix: offending rows", "附錄：不符合明細"),
    "contents": ("Contents", "目錄"),
    "measures_none": ("(to be filled in by the firm)", "（由公司填寫）"),
    "compare_title": ("Results of several firms compared", "多家公司查核結果比較"),
    "compare_gaps": ("Firms with a gap", "未符合家數"),
    "check_outcome": ("{title}: {outcome}", "{title}：{outcome}"),
    "check_offending": ("{count:,} offending row(s), {compensated:,} compensated",
                        "{count:,} 筆不符合，其中 {compensated:,} 筆已有補償性措施"),
    "attestation_by": ("Attestation: {result} — {by}", "人工確認：{result} — {by}"),
    "policy_proposal": ("Policy documents: proposal {proposal} ({covered} of {topics} topics{missing}); auditor's "
                        "decision: {decision}",
                        "規範文件比對建議：{proposal}（{topics} 項主題中 {covered} 項{missing}）；"
                        "查核人員決定：{decision}"),
    "policy_missing": ("; not found: {topics}", "；未找到：{topics}"),
    "due_on": ("due {due}", "預定 {due} 完成"),
    "carried_over": (" (carried over; not yet re-confirmed)", "（自前一年度延續，尚待重新確認）"),
    "no_deficiencies": ("No deficiencies", "無缺失事項"),
    "no_deficiencies_text": ("The assessment found no deficiency to remediate.", "本次查核未發現須改善之缺失。"),
    "assessment_of": ("Assessment of {catalog} as of {as_of} by ccaudit ({source}).",
                      "以 ccaudit 依 {catalog} 查核，查核基準日 {as_of}（{source}）。"),
    "compare_versions": ("firms follow different catalog versions", "各公司適用之查核依據版本不同"),
    "oscal_results": ("Assessment results: {firm}, {as_of}", "查核結果：{firm}，查核基準日 {as_of}"),
    "oscal_poam": ("Plan of action and milestones: {firm}, {as_of}", "改善計畫及期程：{firm}，查核基準日 {as_of}"),
    "oscal_assessed": ("Assessed securities firm", "受查核之證券商"),
    "oscal_no_plan": ("ccaudit assesses every control of the catalog named; no separate plan.",
                      "ccaudit 查核所列查核依據之每一控制項目，無另行之查核計畫。"),
    "oscal_rows": ("{dataset}: {rows} rows", "{dataset}：{rows} 筆"),
    "oscal_file_rows": ("{dataset}: {name} ({rows} rows)", "{dataset}：{name}（{rows} 筆）"),
    "oscal_file": ("evidence file {sha}", "證據檔案 {sha}"),
    "compare_rows": ("{label}: offending rows", "{label}：不符合筆數"),
    "compare_change": ("Offending rows: {label} vs {first}", "不符合筆數增減：{label} 相對 {first}"),
}

OBLIGATION: dict[str, tuple[str, str]] = {"shall": ("Shall", "應"), "advisable": ("Advisable", "宜")}

REMEDIATION_STATUS: dict[str, tuple[str, str]] = {
    "not_started": ("Not started", "未改善"),
    "open": ("Open", "未改善"),
    "in_progress": ("In progress", "改善中"),
    "done": ("Done", "已改善"),
    "accepted": ("Risk accepted", "風險承擔"),
}

OUTCOME: dict[str, tuple[str, str]] = {
    "passed": ("passed", "符合"),
    "failed": ("failed", "不符合"),
    "missing_evidence": ("evidence missing", "缺少證據"),
}

ATTESTATION: dict[str, tuple[str, str]] = {
    "met": ("met", "符合"),
    "not_met": ("not met", "不符合"),
    "not_applicable": ("not applicable", "不適用"),
}

SIGN_OFF: dict[str, tuple[str, str]] = {
    "draft": ("Draft", "草稿"),
    "submitted": ("Submitted for review", "送交複核"),
    "signed": ("Signed off", "已簽核"),
}


def t(key: str, lang: str, **values: object) -> str:
    en, zh = L[key]
    text = zh if is_zh(lang) else en
    return text.format(**values) if values else text


def pick(labels: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    if key not in labels:
        return key
    en, zh = labels[key]
    return zh if is_zh(lang) else en


def obligation(row: RequirementRow, lang: str) -> str:
    return pick(OBLIGATION, row.obligation, lang)


def result_labels(lang: str) -> list[str]:
    return [r.label(lang) for r in Result]


def sign_off_line(data: ReportData, lang: str) -> str:
    if data.sign_off is None:
        return t("not_signed", lang)
    state = pick(SIGN_OFF, data.sign_off.state, lang)
    if data.sign_off.signed_by:
        state += f" — {data.sign_off.signed_by}"
    if data.sign_off.signed_at:
        state += f", {data.sign_off.signed_at}"
    if data.sign_off.key_fingerprint:
        state += f" ({'金鑰指紋' if is_zh(lang) else 'key'} {data.sign_off.key_fingerprint})"
    return state


def gap_lines(row: RequirementRow, lang: str) -> list[str]:
    zh = is_zh(lang)
    lines = []
    for c in row.checks:
        if c.outcome != "failed" or not c.offending_count:
            continue
        if zh:
            line = f"{c.title.zh}：{c.offending_count:,} 筆不符合"
            if c.compensated_count:
                line += f"（其中 {c.compensated_count:,} 筆已有補償性措施）"
        else:
            line = f"{c.title.en}: {c.offending_count:,} offending row(s)"
            if c.compensated_count:
                line += f" ({c.compensated_count:,} compensated)"
        lines.append(line)
    return lines + list(row.gaps)


SOURCE_KIND: dict[str, tuple[str, str]] = {
    "result_dir": ("inspection result folder", "檢查結果資料夾"),
    "audit": ("annual audit", "年度查核"),
}


def source_line(data: ReportData, lang: str) -> str:
    return f"{pick(SOURCE_KIND, data.source.kind.value, lang)}{'：' if is_zh(lang) else ': '}{data.source.ref}"


def dataset(name: str, lang: str) -> str:
    """A dataset by its template's title in Chinese reports (its ID is what English reports show)."""
    return messages().dataset_title(name, lang) if is_zh(lang) else name


def evidence_lines(row: RequirementRow, lang: str) -> list[str]:
    if is_zh(lang):
        title = messages().dataset_title
        return [f"{title(e.dataset, lang)}：{e.name}（{e.rows:,} 筆，SHA-256 {e.sha256[:16]}）" for e in row.evidence]
    return [f"{e.dataset}: {e.name} ({e.rows:,} rows, SHA-256 {e.sha256[:16]})" for e in row.evidence]


def missing_lines(row: RequirementRow, lang: str) -> list[str]:
    missing = sorted({d for c in row.checks for d in c.missing_datasets})
    if not missing:
        return []
    if is_zh(lang):
        return ["缺少證據：" + "、".join(messages().dataset_title(d, lang) for d in missing)]
    return ["Evidence not supplied: " + ", ".join(missing)]


def note_lines(row: RequirementRow, lang: str) -> list[str]:
    lines = missing_lines(row, lang)
    att = row.attestation
    if att:
        text = f"{pick(ATTESTATION, att.result, lang)} — {att.by}, {att.on}"
        text += f" ({att.document_ref})" if att.document_ref else ""
        text += f": {att.note}" if att.note else ""
        text += t("carried_over", lang) if att.carried_over else ""
        lines.append(("人工確認：" if is_zh(lang) else "Attestation: ") + text)
    if row.policy_proposal:
        lines.append(policy_line(row.policy_proposal, lang))
    if row.comment:
        lines.append(row.comment)
    return lines + reason_lines(row, lang)


def policy_line(p: PolicyProposalNote, lang: str) -> str:
    """The policy scan's proposal for the clause and the auditor's decision on it, in the report's language."""
    from ccaudit.policies.texts import DECISION, PROPOSAL

    sep = "、" if is_zh(lang) else ", "
    missing = t("policy_missing", lang, topics=sep.join(m.get(lang) for m in p.missing)) if p.missing else ""
    decision = pick(DECISION, p.decision, lang)
    if p.decision != "undecided":
        comma, colon = ("，", "：") if is_zh(lang) else (", ", ": ")
        decision += f" — {p.by}{comma}{(p.at or '')[:10]}" + (f"{colon}{p.note}" if p.note else "")
    return t("policy_proposal", lang, proposal=pick(PROPOSAL, p.proposal, lang), covered=p.covered,
             topics=p.topics, missing=missing, decision=decision)


def measure_lines(row: RequirementRow, lang: str) -> list[str]:
    """The compensating measures: in words where the source described them (an audit), else their IDs."""
    return [m.get(lang) for m in row.measure_details] or list(row.compensating_measures)


def reason_lines(row: RequirementRow, lang: str) -> list[str]:
    """The stored reasons in the report's language (English text where only text was stored)."""
    if row.reason_codes:
        return messages().reasons_text(row.reason_codes, lang)
    return list(row.reasons)


def advice(row: RequirementRow, lang: str) -> str:
    """The proposed improvement: the failing checks' own remediation advice (check.yaml), one
    paragraph per check, or the firm's to fill in where no check failed."""
    given = dict.fromkeys(c.remediation.get(lang) for c in row.checks
                          if c.outcome == "failed" and c.remediation is not None)
    if len(given) > 1:
        return "\n".join(f"• {x}" for x in given)
    return next(iter(given), t("measures_none", lang))


def improvement_lines(row: RequirementRow, lang: str) -> list[str]:
    """What to improve where the firm has to act (an audit's items keep owner, due date and status)."""
    if row.result not in (*DEFICIENT, Result.OBSERVATION):
        return []
    return [advice(row, lang)]


def owner(row: RequirementRow) -> str:
    return row.owner or ", ".join(dict.fromkeys(r.owner for r in row.remediation if r.owner))


def due(row: RequirementRow) -> str:
    return row.due or ", ".join(dict.fromkeys(r.due for r in row.remediation if r.due))


class OffendingView:
    """Offending-row columns as a report shows them: headers and stock values in the report's
    language. A check may write a column twice (`problem` and `problem_zh`): a report shows the one in
    its language; `keep_twins` keeps both (CSV in English, which stays as stored)."""

    def __init__(self, columns: list[str], lang: str, keep_twins: bool = False) -> None:
        self.lang = lang
        names = set(columns)
        zh = is_zh(lang)

        def shown(name: str) -> bool:
            if keep_twins:
                return True
            if zh:
                return f"{name}_zh" not in names
            return not (name.endswith("_zh") and name[:-3] in names)

        self.index = [i for i, c in enumerate(columns) if shown(c)]
        self.columns = [columns[i] for i in self.index]
        words = messages()
        self.headers = [words.column(c, lang) for c in self.columns]
        self._words = words

    def cells(self, row: list[str]) -> list[str]:
        if not is_zh(self.lang):
            return [row[i] if i < len(row) else "" for i in self.index]
        value = self._words.value
        return [value(c, row[i], self.lang) if i < len(row) else "" for c, i in zip(self.columns, self.index,
                                                                                     strict=True)]
