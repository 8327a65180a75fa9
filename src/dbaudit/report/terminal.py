"""A compact Rich table of findings and a one-line summary, for the terminal (stderr)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dbaudit.report.context import ReportContext

STYLES = {"P0": "bold red", "P1": "yellow", "P2": "cyan"}
MAX_ROWS = 200


def findings_table(context: ReportContext, *, width: int = 120, limit: int = MAX_ROWS) -> Table:
    """One line per finding; names and titles too long for ``width`` end in an ellipsis."""
    shown = context.findings[:limit]
    # Fixed column widths: Rich drops whole columns when min widths do not fit, so size them here.
    rule_w = min(max((len(n.finding.rule) for n in shown), default=4), 32)
    object_w = min(max((len(n.finding.objects[0]) for n in shown if n.finding.objects), default=6), 40)
    room = width - 3 - 3 * 2  # the sev column and the padding between the four columns
    # The title needs room most; narrow the object, then the rule column, to leave it 24 characters.
    object_w = max(min(object_w, room - rule_w - 24), 16)
    rule_w = max(min(rule_w, room - object_w - 24), 12)
    title_w = max(room - rule_w - object_w, 12)
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, expand=False)
    table.add_column("sev", no_wrap=True, width=3)
    table.add_column("rule", no_wrap=True, overflow="ellipsis", width=rule_w)
    table.add_column("object", no_wrap=True, overflow="ellipsis", width=object_w)
    table.add_column("title", no_wrap=True, overflow="ellipsis", width=title_w)
    for n in shown:
        f = n.finding
        sev = f.severity.name
        table.add_row(Text(sev, style=STYLES[sev]), f.rule, f.objects[0] if f.objects else "", f.title)
    return table


def summary_text(context: ReportContext) -> Text:
    counts = context.counts
    text = Text(f"{sum(counts.values())} findings: ")
    for i, sev in enumerate(("P0", "P1", "P2")):
        text.append(f"{sev} {counts[sev]}", style=STYLES[sev] if counts[sev] else "dim")
        if i < 2:
            text.append(" · ")
    if context.notes:
        text.append(f"  ({len(context.notes)} notes)", style="dim")
    return text


def print_terminal(context: ReportContext, console: Console) -> None:
    """The findings table (at most ``MAX_ROWS`` rows) then the summary line."""
    if context.findings:
        console.print(findings_table(context, width=console.width))
        hidden = len(context.findings) - MAX_ROWS
        if hidden > 0:
            console.print(f"… {hidden} more findings in the report", style="dim")
    console.print(summary_text(context))


__all__ = ["findings_table", "print_terminal", "summary_text"]
