"""A remediation item's title in the reader's language.

ccaudit opens an item when a requirement is non-compliant or an observation, and keeps what its title is
made of (snapshot.RemediationTitle: the reason that opened it, as a code with parameters, and whether an
earlier item had been closed); the requirement and the result are the item's own fields. Each reader
(pages, API, CLI, reports, exports) says it here in their language: `12.5.5 不符合：...`. The English
sentence stored in `title` is kept for readers of the database that know nothing else and for the trail.

A title an auditor typed is shown as typed, whatever the language. Items recorded before the parts were
kept (migration 0008) have only their English title: ccaudit's own wording is read back into its parts
(the requirement, the result, the reason's message template with its values), anything else is shown as
stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ccaudit.findings.models import STATUS_LABELS, Status

if TYPE_CHECKING:
    from ccaudit.audit.snapshot import RemediationSnap, RemediationTitle

# the stored (English) title's wording, unchanged since items were first opened
_AGAIN_STORED = "still failing after the earlier item was closed: "
_STORED = re.compile(
    r"^(?P<again>" + re.escape(_AGAIN_STORED) + r")?(?P<req>\S+) (?P<result>non_compliant|observation): (?P<rest>.*)$",
    re.DOTALL,
)
AGAIN = ("Still failing after the earlier item was closed: ", "前一改善事項結案後仍未改善：")


def stored_title(requirement_id: str, result: str, source: RemediationTitle) -> str:
    """The English sentence kept in `title` (the wording items have always had)."""
    from ccaudit.findings.messages import messages

    said = messages().reason(source.reason, "en") if source.reason else result
    return ((_AGAIN_STORED if source.again else "") + f"{requirement_id} {result}: {said}")[:500]


def title_text(item: RemediationSnap, lang: str) -> str:
    """The item's title in `lang` (en or zh-TW): from its parts, read back from an older stored title, or as
    typed."""
    return say_title(item.title, item.requirement_id, item.finding_result.value, item.title_source, lang)


def say_title(title: str, requirement_id: str, result: str, source: RemediationTitle | None, lang: str) -> str:
    source = source or legacy_source(title, requirement_id, result)
    if source is None or source.typed or result not in STATUS_LABELS:
        return title
    return _say(requirement_id, Status(result), source, lang)


@dataclass(frozen=True)
class RecordedTitle:
    """An item's title as one trail entry recorded it (its stored text and parts), for the history: said in
    the reader's language by `say`, the stored text by str()."""

    title: str
    requirement_id: str
    result: str
    source: str | None  # canonical JSON, as stored

    def say(self, lang: str) -> str:
        from ccaudit.audit.snapshot import RemediationTitle

        parts = RemediationTitle.model_validate_json(self.source) if self.source else None
        return say_title(self.title, self.requirement_id, self.result, parts, lang)

    def __str__(self) -> str:
        return self.title


def recorded_title(state: dict[str, Any] | None) -> RecordedTitle | None:
    """The title in a remediation item's recorded state (trail before/after), or None where it has none."""
    if not state or not isinstance(state.get("title"), str):
        return None
    source = state.get("title_source")
    return RecordedTitle(state["title"], str(state.get("requirement_id")), str(state.get("finding_result")),
                         source if isinstance(source, str) else None)


def _say(requirement_id: str, result: Status, source: RemediationTitle, lang: str) -> str:
    from ccaudit.findings.messages import is_zh, messages

    zh = is_zh(lang)
    label = STATUS_LABELS[result][1 if zh else 0]
    again = AGAIN[1 if zh else 0] if source.again else ""
    if source.reason is None:
        return f"{again}{requirement_id} {label}"
    said = messages().reason(source.reason, lang)  # (English stored before reason codes is read back there)
    return f"{again}{requirement_id} {label}{'：' if zh else ': '}{said}"


def legacy_source(title: str, requirement_id: str, result: str) -> RemediationTitle | None:
    """The parts of a title ccaudit stored before migration 0008, or None for any other text."""
    from ccaudit.audit.snapshot import RemediationTitle

    match = _STORED.match(title)
    if match is None or match["req"] != requirement_id or match["result"] != result:
        return None
    rest = match["rest"]
    again = match["again"] is not None
    if rest == result:  # opened without reasons
        return RemediationTitle(again=again)
    from ccaudit.findings.messages import messages

    return RemediationTitle(again=again, reason=messages().read_back(rest))
