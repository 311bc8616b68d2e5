"""One error root: every error a user can cause is a CcauditError and exits with status 2."""

from __future__ import annotations

from dataclasses import dataclass

from ccaudit.textsafe import visible


class CcauditError(Exception):
    """An error caused by input or configuration; the CLI prints it and exits 2."""

    exit_code = 2


class CatalogError(CcauditError):
    """A catalog or check pack that does not load or does not validate."""


class EvidenceError(CcauditError):
    """Evidence that cannot be imported as given; `zh` is the message in Traditional Chinese, where written."""

    def __init__(self, message: str = "", zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh


@dataclass(frozen=True)
class ValidationIssue:
    """One problem in one evidence file, located as precisely as the file allows."""

    file: str
    message: str
    row: int | None = None  # spreadsheet-style: the header is row 1, the first record row 2
    column: str | None = None
    value: str | None = None
    expected: str | None = None
    message_zh: str | None = None  # the message and what was expected in Traditional Chinese, where
    expected_zh: str | None = None  # written; stock phrases are translated by evidence/issue_texts.py

    def render(self, lang: str = "en") -> str:
        """The issue in English, or in Traditional Chinese for `zh-TW`."""
        if not lang.lower().startswith("zh"):
            return str(self)
        from ccaudit.evidence.issue_texts import issue_zh

        return issue_zh(self)

    def __str__(self) -> str:
        where = visible(self.file)  # names and headers are firm data: no line breaks or escapes shown raw
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{visible(self.column)}'"
        text = f"{where}: {self.message}"
        if self.value is not None:
            text += f" (got {self.value!r}"
            text += f"; expected {self.expected})" if self.expected else ")"
        elif self.expected:
            text += f" (expected {self.expected})"
        return text


class EvidenceValidationError(EvidenceError):
    """One or more evidence files failed validation; nothing was imported."""

    def __init__(self, issues: list[ValidationIssue], truncated: bool = False) -> None:
        self.issues = issues
        self.truncated = truncated
        super().__init__(self._render())

    def _render(self) -> str:
        return self.render("en")

    def render(self, lang: str = "en") -> str:
        """Every issue, in English or (`zh-TW`) Traditional Chinese."""
        if lang.lower().startswith("zh"):
            lines = [f"證據檔案有 {len(self.issues)} 項問題，未匯入任何資料："]
            lines += [f"  - {issue.render(lang)}" for issue in self.issues]
            if self.truncated:
                lines.append("  （尚有其他問題；請修正上列問題後重新執行）")
            return "\n".join(lines)
        lines = [f"{len(self.issues)} evidence problem(s); nothing was imported:"]
        lines += [f"  - {issue}" for issue in self.issues]
        if self.truncated:
            lines.append("  (more problems were found; fix these and run again)")
        return "\n".join(lines)
