"""The findings on the terminal (stderr): one line per numbered finding (group), then the counts.

Each line is ``SEVERITY rule objects-count title``. On a terminal the lines form a Rich table cut to
the console's width; off a terminal (CI logs, files) they are plain text and nothing is truncated.
``audit`` and ``demo`` print the same way; ``-q`` keeps only the counts.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dbaudit.messages import translate
from dbaudit.report.context import NumberedGroup, ReportContext

STYLES = {"P0": "bold red", "P1": "yellow", "P2": "cyan"}


def group_line(ng: NumberedGroup, title: str) -> str:
    """``P1 fk-without-index 6 Foreign keys without a supporting index (6)``."""
    return f"{ng.group.severity.name} {ng.rule.id} {len(ng.group.rows)} {title}"


def group_lines(context: ReportContext, lang: str = "en") -> list[str]:
    headings = context.writing(lang).headings
    return [group_line(ng, " ".join(headings[ng.number].split())) for ng in context.numbered_groups]


def findings_table(context: ReportContext, *, width: int = 120, lang: str = "en") -> Table:
    """One row per group; names and titles too long for ``width`` end in an ellipsis."""
    groups = context.numbered_groups
    headings = context.writing(lang).headings
    rule_w = min(max((len(ng.rule.id) for ng in groups), default=4), 32)
    count_w = max((len(str(len(ng.group.rows))) for ng in groups), default=1)
    title_w = max(width - 3 - rule_w - count_w - 3 * 2, 12)
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, expand=False)
    table.add_column("sev", no_wrap=True, width=3)
    table.add_column("rule", no_wrap=True, overflow="ellipsis", width=rule_w)
    table.add_column("#", no_wrap=True, justify="right", width=count_w)
    table.add_column("title", no_wrap=True, overflow="ellipsis", width=title_w)
    for ng in groups:
        sev = ng.group.severity.name
        table.add_row(Text(sev, style=STYLES[sev]), ng.rule.id, str(len(ng.group.rows)),
                      " ".join(headings[ng.number].split()))
    return table


def summary_text(context: ReportContext) -> Text:
    counts = context.group_counts
    text = Text(f"{sum(counts.values())} findings: ")
    for i, sev in enumerate(("P0", "P1", "P2")):
        text.append(f"{sev} {counts[sev]}", style=STYLES[sev] if counts[sev] else "dim")
        if i < 2:
            text.append(" · ")
    text.append(f" ({len(context.findings)} objects)", style="dim")
    if context.notes:
        text.append(f"  ({len(context.notes)} notes)", style="dim")
    return text


def print_terminal(context: ReportContext, console: Console, *, quiet: bool = False, lang: str = "en") -> None:
    """The groups (a table on a terminal, full plain lines elsewhere) then the counts; titles and notes
    in ``lang``."""
    if context.numbered_groups and not quiet:
        if console.is_terminal:
            console.print(findings_table(context, width=console.width, lang=lang))
        else:
            for text in group_lines(context, lang):
                console.print(text, markup=False, highlight=False, soft_wrap=True)
    for note in context.history:
        console.print(f"note: {translate(note.message, lang)}", markup=False, highlight=False, soft_wrap=True)
    console.print(summary_text(context), soft_wrap=True)


__all__ = ["findings_table", "group_line", "group_lines", "print_terminal", "summary_text"]
