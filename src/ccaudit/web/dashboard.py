"""What the dashboard of one audit shows, computed from the audit's snapshot (the same read model the
reports and the digest use), never from a second copy of the rules:

- status by area and requirement (the reports' chart, reports/charts.py);
- deficiencies (non_compliant, in remediation) against observations, compensated and open questions;
- remediation ageing on a day (the reports' buckets);
- evidence freshness: what stops being current before the as-of date: evidence files whose effective
  date is older than the requirement's frequency (12 months by default) before the as-of date,
  compensating measures whose review date falls before it, attestations older than a year or carried over
  without re-confirmation;
- the trend against last year's audit of the firm (AuditService.diff).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ccaudit.audit.snapshot import AuditSnapshot
from ccaudit.audit.workflow.diff import AuditDiff, Change
from ccaudit.reports.charts import AGEING_BUCKETS, AGEING_LABELS, ageing_counts
from ccaudit.reports.model import DEFICIENT, ReportData, Result

DEFAULT_FREQUENCY_MONTHS = 12
SOON_DAYS = 90  # "expires soon": within this many days after the as-of date


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` earlier, clamped to the month's end (the project's rule of time)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, d))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


@dataclass(frozen=True)
class Expiring:
    """One thing whose currency ends: kind (evidence, measure, attestation), what it is, until when."""

    kind: str
    what: str
    requirement_ids: tuple[str, ...]
    date: dt.date | None  # the effective date, review date or attestation date
    valid_until: dt.date | None  # None: cannot tell (no effective date)
    state: str  # expired | soon | unknown


@dataclass(frozen=True)
class Dashboard:
    counts: dict[Result, int]
    deficiencies: list[tuple[str, Result, str]]  # requirement, result, title (en/zh chosen by the page)
    observations: list[tuple[str, Result, str]]
    open_questions: list[tuple[str, Result, str]]  # needs_review
    ageing: dict[str, int]
    ageing_on: dt.date
    overdue: list[tuple[int, str, str | None, str | None]]  # item, requirement, owner, due
    expiring: list[Expiring]
    trend: dict[str, int] = field(default_factory=dict)  # change -> requirements
    changed: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)  # req, change, before, after


def build(
    snap: AuditSnapshot,
    data: ReportData,
    frequencies: dict[str, int | None],
    on: dt.date,
    lang: str,
    difference: AuditDiff | None = None,
) -> Dashboard:
    zh = lang.lower().startswith("zh")
    rows = data.requirements

    def pick(result_set: tuple[Result, ...]) -> list[tuple[str, Result, str]]:
        return [(r.id, r.result, r.text.zh if zh else r.text.en) for r in rows if r.result in result_set]

    overdue = [
        (item.item_id, item.requirement_id, item.owner, item.due_date) for item in snap.overdue(on)
    ]
    trend: dict[str, int] = {}
    changed: list[tuple[str, str, str | None, str | None]] = []
    if difference is not None:
        for d in difference.requirements:
            trend[d.change.value] = trend.get(d.change.value, 0) + 1
            if d.change is not Change.UNCHANGED:
                changed.append((
                    d.requirement_id, d.change.value,
                    d.before.value if d.before else None, d.after.value if d.after else None,
                ))  # fmt: skip
    return Dashboard(
        counts=data.counts(),
        deficiencies=pick(DEFICIENT),
        observations=pick((Result.OBSERVATION,)),
        open_questions=pick((Result.NEEDS_REVIEW,)),
        ageing=ageing_counts(data, on),
        ageing_on=on,
        overdue=overdue,
        expiring=expiring(snap, frequencies, lang),
        trend=trend,
        changed=changed,
    )


def expiring(snap: AuditSnapshot, frequencies: dict[str, int | None], lang: str = "en") -> list[Expiring]:
    """What is no longer current on the as-of date (or soon after it), most urgent first; datasets and
    attestation results said in `lang`."""
    from ccaudit.findings.messages import messages
    from ccaudit.reports.texts import ATTESTATION, pick

    as_of = dt.date.fromisoformat(snap.as_of)
    soon = as_of + dt.timedelta(days=SOON_DAYS)
    out: list[Expiring] = []
    latest = snap.runs[-1] if snap.runs else None
    if latest is not None:
        used: dict[str, set[str]] = {}
        for req in snap.requirements:
            for check in req.checks:
                for sha in check.evidence:
                    used.setdefault(sha, set()).add(req.requirement_id)
        for e in latest.evidence:
            reqs = tuple(sorted(used.get(e.sha256, ())))
            default = DEFAULT_FREQUENCY_MONTHS
            months = min((frequencies.get(r) or default for r in reqs), default=default)
            what = f"{e.original_name} ({messages().dataset_title(e.dataset, lang)})"
            if e.effective_date is None:
                out.append(Expiring("evidence", what, reqs, None, None, "unknown"))
                continue
            effective = dt.date.fromisoformat(e.effective_date)
            until = _add_months(effective, months)
            if until < as_of:
                out.append(Expiring("evidence", what, reqs, effective, until, "expired"))
            elif until <= soon:
                out.append(Expiring("evidence", what, reqs, effective, until, "soon"))
    for m in snap.measures:
        review = dt.date.fromisoformat(m.review_by)
        state = "expired" if review < as_of else "soon" if review <= soon else ""
        if state:
            out.append(Expiring("measure", f"{m.ref}: {m.description}", tuple(m.requirement_ids),
                                dt.date.fromisoformat(m.approved_on), review, state))
    for a in snap.attestations:
        on = dt.date.fromisoformat(a.attested_on)
        until = _add_months(on, 12)
        if a.needs_reconfirmation or until < as_of:
            said = a.document_ref or pick(ATTESTATION, a.result.value, lang)
            out.append(Expiring("attestation", f"{a.attested_by}: {said}", (a.requirement_id,), on, until, "expired"))
    order = {"expired": 0, "soon": 1, "unknown": 2}
    return sorted(out, key=lambda x: (order[x.state], x.valid_until or dt.date.max, x.what))


def _add_months(day: dt.date, months: int) -> dt.date:
    return months_before(day, -months)


AGEING = [(key, AGEING_LABELS[key]) for key in AGEING_BUCKETS]
