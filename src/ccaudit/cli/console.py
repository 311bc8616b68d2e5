"""Rendering helpers shared by the commands: tables, progress, errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ccaudit.findings.models import STATUS_LABELS, InspectionReport, Status
from ccaudit.textsafe import visible, visible_lines


class SafeConsole(Console):
    """A console for firm data: no markup and no emoji codes are read from printed strings (a CSV cell
    `[/x]`, a file name `remote_sessions_[x].csv` or `:x:` prints as is), and control characters are
    shown escaped (textsafe). ccaudit's own styles are passed as Text objects or `style=`."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(visible_lines(text), **kwargs)


console = SafeConsole(markup=False, emoji=False)
err_console = SafeConsole(stderr=True, markup=False, emoji=False)


def styled(label: str, style: str, rest: str = "") -> Text:
    """`label` in `style`, then `rest` as plain text (control characters shown escaped)."""
    return Text.assemble((label, style), visible_lines(rest))


# Messages name files: soft wrap leaves a long path whole for the terminal to fold, so it can be
# copied and searched (Rich would otherwise break it at the console width, 80 off a terminal).
def print_error(message: str, lang: str = "en") -> None:
    label = "錯誤：" if lang.startswith("zh") else "error: "
    err_console.print(styled(label, "bold red", message), highlight=False, soft_wrap=True)


def print_warning(message: str, lang: str = "en") -> None:
    label = "警示：" if lang.startswith("zh") else "warning: "
    err_console.print(styled(label, "yellow", message), highlight=False, soft_wrap=True)


def print_line(message: str) -> None:
    """A plain line of output that may name files (shown whole, control characters escaped)."""
    console.print(message, highlight=False, soft_wrap=True)

STATUS_STYLE = {
    Status.COMPLIANT: "green",
    Status.NON_COMPLIANT: "bold red",
    Status.OBSERVATION: "yellow",
    Status.COMPENSATED: "cyan",
    Status.NOT_APPLICABLE: "dim",
    Status.NEEDS_REVIEW: "magenta",
}


OBLIGATION_ZH = {"shall": "應", "advisable": "宜"}


def status_label(status: Status, lang: str) -> str:
    en, zh = STATUS_LABELS[status]
    return zh if lang.startswith("zh") else en


@contextmanager
def progress_bar(lang: str = "en") -> Iterator[object]:
    """A progress callback (stage, label, done, total) drawn as one bar per stage, named in `lang`."""
    from ccaudit.cli.texts import stage as stage_name

    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[label]}", markup=False), console=err_console, transient=True,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, label: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage_name(stage, lang), total=total, label="")
            progress.update(tasks[stage], completed=done, total=total, label=visible(label))

        yield update


def findings_table(report: InspectionReport, lang: str) -> Table:
    zh = lang.startswith("zh")
    as_of = "查核基準日" if zh else "as of"
    title = f"{visible(report.firm or 'firm')} · {as_of} {report.as_of} · {report.catalog} v{report.catalog_version}"
    table = Table(title=title, show_lines=False)
    table.add_column("ID")
    table.add_column("條文" if zh else "requirement", max_width=56, overflow="ellipsis", no_wrap=True)
    table.add_column("義務" if zh else "obligation")
    table.add_column("查核結果" if zh else "status")
    table.add_column("筆數" if zh else "rows", justify="right")
    for f in report.findings:
        title_text = f.title_zh if lang.startswith("zh") else f.title
        rows = sum(c.offending_count for c in f.checks)
        table.add_row(
            f.requirement_id, title_text, OBLIGATION_ZH.get(f.obligation, "") if zh else f.obligation,
            Text(status_label(f.status, lang), style=STATUS_STYLE[f.status]), str(rows) if rows else "",
        )
    return table


def counts_line(report: InspectionReport, lang: str) -> str:
    parts = [f"{status_label(Status(k), lang)}: {v}" for k, v in report.counts.items() if v]
    return " · ".join(parts)
