"""What changed between two audits (usually last year's and this year's): per requirement, whether
it improved, regressed or stayed, and why (results, checks' offending counts, measures, overrides)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ccaudit.audit.snapshot import AuditSnapshot, RequirementSnap
from ccaudit.findings.models import STATUS_LABELS, Status

# worse to better; not_applicable stands apart (a change of scope, not of compliance)
RANK = {
    None: 0,
    Status.NON_COMPLIANT: 1,
    Status.NEEDS_REVIEW: 2,
    Status.OBSERVATION: 3,
    Status.COMPENSATED: 4,
    Status.COMPLIANT: 5,
}


# why a requirement changed, in English and Traditional Chinese (`ccaudit audit diff --lang zh-TW`)
_SAY: dict[str, tuple[str, str]] = {
    "label": ("audit {id} ({firm} {year}, as of {as_of})", "查核 {id}（{firm} {year} 年度，查核基準日 {as_of}）"),
    "not_in_older": ("not in the older audit", "前次查核無此條文"),
    "not_in_newer": ("not in the newer audit", "本次查核無此條文"),
    "assessed": ("assessed {result} by {by}: {why}", "{by} 評估為{result}：{why}"),
    "override_gone": ("last year's auditor override no longer applies", "前次查核人員之評估已不適用"),
    "before": ("before: {reason}", "前次：{reason}"),
    "new_check": ("{check}: new check", "{check}：新增之檢查項目"),
    "no_longer_run": ("{check}: no longer run", "{check}：本次未執行"),
    "outcome": ("{check}: {was} ({was_n} offending) -> {now} ({now_n} offending)",
                "{check}：{was}（{was_n} 筆不符合）-> {now}（{now_n} 筆不符合）"),
    "compensated": ("{check}: compensated rows {was} -> {now}", "{check}：已有補償性措施之筆數 {was} -> {now}"),
}


def _say(key: str, lang: str, **values: object) -> str:
    return _SAY[key][1 if lang.lower().startswith("zh") else 0].format(**values)


def _outcome(value: str, lang: str) -> str:
    from ccaudit.reports.texts import OUTCOME

    return OUTCOME[value][1] if lang.lower().startswith("zh") and value in OUTCOME else value


class Change(StrEnum):
    IMPROVED = "improved"
    REGRESSED = "regressed"
    UNCHANGED = "unchanged"
    SCOPE = "scope_changed"  # became, or stopped being, not applicable
    ADDED = "added"  # only in the newer audit (a new catalog version)
    REMOVED = "removed"


@dataclass(frozen=True)
class RequirementDiff:
    requirement_id: str
    change: Change
    before: Status | None
    after: Status | None
    why: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AuditDiff:
    old: str
    new: str
    requirements: list[RequirementDiff]

    def count(self, change: Change) -> int:
        return sum(1 for r in self.requirements if r.change is change)


def _label(s: AuditSnapshot, lang: str) -> str:
    return _say("label", lang, id=s.audit_id, firm=s.firm_id, year=s.year, as_of=s.as_of)


def diff(old: AuditSnapshot, new: AuditSnapshot, lang: str = "en") -> AuditDiff:
    """The changes, the reasons (why) said in `lang` (en or zh-TW)."""
    before = {r.requirement_id: r for r in old.requirements}
    after = {r.requirement_id: r for r in new.requirements}
    order = [r.requirement_id for r in new.requirements] + [i for i in before if i not in after]
    return AuditDiff(_label(old, lang), _label(new, lang),
                     [_one(i, before.get(i), after.get(i), lang) for i in order])


def _one(req_id: str, a: RequirementSnap | None, b: RequirementSnap | None, lang: str) -> RequirementDiff:
    if a is None:
        return RequirementDiff(req_id, Change.ADDED, None, b.result if b else None, [_say("not_in_older", lang)])
    if b is None:
        return RequirementDiff(req_id, Change.REMOVED, a.result, None, [_say("not_in_newer", lang)])
    why = _checks(a, b, lang)
    if a.assessed_result != b.assessed_result or a.justification != b.justification:
        if b.assessed_result:
            label = STATUS_LABELS[b.assessed_result][1] if lang.lower().startswith("zh") else b.assessed_result.value
            why.append(_say("assessed", lang, result=label, by=b.assessed_by, why=b.justification))
        elif a.assessed_result:
            why.append(_say("override_gone", lang))
    if a.result == b.result:
        change = Change.UNCHANGED
    elif Status.NOT_APPLICABLE in (a.result, b.result):
        change = Change.SCOPE
    else:
        change = Change.IMPROVED if RANK[b.result] > RANK[a.result] else Change.REGRESSED
    if change is not Change.UNCHANGED:
        checks = tuple(f"{c.check_id}:" for c in (*a.checks, *b.checks))
        # decided on the English texts (a check's reason starts "check_id:"), said in `lang`
        was, now = a.reason_texts(), b.reason_texts()
        was_said, now_said = a.reason_texts(lang), b.reason_texts(lang)
        why += [said for x, said in zip(now, now_said, strict=True) if x not in was]
        why += [_say("before", lang, reason=said) for x, said in zip(was, was_said, strict=True)
                if x not in now and not x.startswith(checks)]
    return RequirementDiff(req_id, change, a.result, b.result, why)


def _checks(a: RequirementSnap, b: RequirementSnap, lang: str) -> list[str]:
    old = {c.check_id: c for c in a.checks}
    new = {c.check_id: c for c in b.checks}
    out = []
    for check_id in sorted(old.keys() | new.keys()):
        x, y = old.get(check_id), new.get(check_id)
        if x is None or y is None:
            out.append(_say("new_check" if x is None else "no_longer_run", lang, check=check_id))
            continue
        if x.outcome != y.outcome or x.offending_count != y.offending_count:
            out.append(_say("outcome", lang, check=check_id, was=_outcome(x.outcome, lang), was_n=x.offending_count,
                            now=_outcome(y.outcome, lang), now_n=y.offending_count))
        elif x.compensated_count != y.compensated_count:
            out.append(_say("compensated", lang, check=check_id, was=x.compensated_count, now=y.compensated_count))
    return out
