"""``dbaudit rules [ID|CATEGORY] [--format text|json]``: the rule catalogue and each rule's documentation.

The catalogue is every schema rule (``dbaudit.rules``), the drift rules and the migration rules, read
from the same docstrings that ``scripts/gen_rule_docs.py`` turns into ``docs/rules/<id>.md``.
"""

from __future__ import annotations

import difflib
import json

import click
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from dbaudit.cli.common import fail, guarded, stdout
from dbaudit.report.translate import rule_title
from dbaudit.rules.registry import Rule
from dbaudit.selection import catalogue

FIX_LABELS = {"always": "yes", "sometimes": "sometimes", "never": "no"}


def rule_json(rule_: Rule, *, with_doc: bool = False) -> dict[str, object]:
    out: dict[str, object] = {
        "id": rule_.id, "category": rule_.category, "severity": rule_.severity.name, "fix": rule_.fix,
        "status": rule_.status, "requires": list(rule_.requires), "title": rule_.title,
        "rationale": rule_.rationale,
    }
    if with_doc:
        out["doc"] = rule_.doc
    return out


def rule_markdown(rule_: Rule, lang: str = "en") -> str:
    """One rule's documentation page: title, facts table, then the docstring's sections. In another
    language the one-line summary comes first in that language; the documentation stays English."""
    body = rule_.doc.strip().split("\n", 1)[1].strip() if "\n" in rule_.doc.strip() else ""
    requires = ", ".join(f"`{r}`" for r in rule_.requires) or "nothing beyond the schema"
    facts = [
        "| | |", "| --- | --- |",
        f"| Category | `{rule_.category}` |",
        f"| Default severity | {rule_.severity.name} |",
        f"| Fix available | {FIX_LABELS[rule_.fix]} |",
        f"| Status | {rule_.status} |",
        f"| Needs | {requires} |",
    ]
    summary = rule_title(rule_.title, lang)
    title = rule_.title if summary == rule_.title else f"{summary}\n\n{rule_.title}"
    return f"# {rule_.id}\n\n{title}\n\n" + "\n".join(facts) + f"\n\n{body}\n"


def _table(rules: list[Rule], lang: str = "en") -> Table:
    table = Table(show_lines=False, header_style="bold")
    for column in ("id", "category", "severity", "fix", "status", "title"):
        table.add_column(column, overflow="fold" if column == "title" else "ellipsis", no_wrap=column != "title")
    for rule_ in rules:
        table.add_row(rule_.id, rule_.category, rule_.severity.name, FIX_LABELS[rule_.fix], rule_.status,
                      rule_title(rule_.title, lang))
    return table


@click.command("rules")
@click.argument("selector", required=False, metavar="[ID|CATEGORY]")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the one-line summaries (the documentation itself is English).")
@guarded
def rules_command(selector: str | None, fmt: str, lang: str) -> None:
    """List the rules, or print one rule's documentation (ID) or one category's rules."""
    registry = catalogue()
    if selector is not None and selector in registry:
        rule_ = registry.get(selector)
        assert rule_ is not None
        if fmt == "json":
            click.echo(json.dumps(rule_json(rule_, with_doc=True), indent=2, ensure_ascii=False))
        else:
            stdout.print(Markdown(rule_markdown(rule_, lang)))
        return
    rules = list(registry)
    if selector is not None:
        rules = [r for r in rules if r.category == selector]
        if not rules:
            known = [*registry.categories, *(r.id for r in registry)]
            close = difflib.get_close_matches(selector, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            fail(f"unknown rule or category {selector!r}{hint}; run `dbaudit rules` for the list")
    if fmt == "json":
        click.echo(json.dumps([rule_json(r) for r in rules], indent=2, ensure_ascii=False))
        return
    # piped output is not cut to 80 columns: ids would be truncated and unsearchable
    console = stdout if stdout.is_terminal else Console(width=200, highlight=False)
    console.print(_table(rules, lang))


__all__ = ["catalogue", "rule_json", "rule_markdown", "rules_command"]
