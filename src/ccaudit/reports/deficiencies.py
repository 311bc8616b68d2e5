"""The deficiencies and improvements table a firm files each year, and the observations beside it.

A deficiency is a 'shall' requirement not met and not compensated (non_compliant, or in remediation);
each improvement item the firm recorded is one line, so owner, due date and status stay exact.
The proposed improvement is the failing checks' own remediation advice (check.yaml `remediation`), in
the report's language; where no check failed (e.g. an attestation of not met) the firm fills it in.
Observations ('advisable' items not met) are listed separately and are not deficiencies.
"""

from __future__ import annotations

from pydantic import BaseModel

from ccaudit.reports import texts
from ccaudit.reports.model import DEFICIENT, Remediation, ReportData, RequirementRow, Result

COLUMNS = ["no", "id", "requirement", "gaps", "improvement", "owner", "due", "remediation_status", "result"]
STATUS_COLUMN = COLUMNS.index("remediation_status")
DUE_COLUMN = COLUMNS.index("due")
WIDTHS = [5, 9, 40, 40, 30, 10, 11, 10, 10]


class DeficiencyLine(BaseModel):
    no: int
    requirement_id: str
    requirement: str
    gaps: str
    measure: str
    owner: str
    due: str
    remediation_status: str
    result: str

    def cells(self) -> list[str]:
        return [str(self.no), self.requirement_id, self.requirement, self.gaps, self.measure, self.owner,
                self.due, self.remediation_status, self.result]


def status_labels(lang: str) -> list[str]:
    """The 改善情形 drop-down: each status once, in the order a fix goes through them."""
    return list(dict.fromkeys(texts.pick(texts.REMEDIATION_STATUS, k, lang) for k in texts.REMEDIATION_STATUS))


def _lines(rows: list[RequirementRow], lang: str) -> list[DeficiencyLine]:
    out: list[DeficiencyLine] = []
    for n, row in enumerate(rows, start=1):
        gaps = "\n".join(texts.gap_lines(row, lang) or texts.note_lines(row, lang))
        proposed = texts.advice(row, lang)
        items: list[Remediation | None] = [*row.remediation] or [None]
        for item in items:
            out.append(DeficiencyLine(
                no=n, requirement_id=row.id, requirement=row.text.get(lang), gaps=gaps,
                measure=proposed,
                owner=(item.owner if item and item.owner else row.owner) or "",
                due=(item.due if item and item.due else row.due) or "",
                remediation_status=texts.pick(
                    texts.REMEDIATION_STATUS, item.status if item else "not_started", lang),
                result=row.result.label(lang),
            ))
    return out


def deficiencies(data: ReportData, lang: str) -> list[DeficiencyLine]:
    return _lines([r for r in data.requirements if r.result in DEFICIENT], lang)


def observations(data: ReportData, lang: str) -> list[DeficiencyLine]:
    return _lines([r for r in data.requirements if r.result is Result.OBSERVATION], lang)


def headers(lang: str) -> list[str]:
    return [texts.t(c, lang) for c in COLUMNS]
