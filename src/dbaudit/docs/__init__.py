"""``dbaudit docs``: the schema reference, generated from the schema model and kept true in CI.

:func:`build_docs` turns a model into pages (``README.md``, one Markdown page per group,
``index.html``) as a mapping of file name to text; :func:`write_docs` writes them atomically;
:func:`check_docs` compares them with a directory of committed pages and returns a unified diff per
file that differs (statistics lines left out, they change by themselves). :func:`generate_docs` does it all
from a source spec (URL, ``.sql``, ``models:…``, ``migrations:…``, model JSON, snapshot), running the
schema rules for the findings shown on each table.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from dbaudit.config import Config
from dbaudit.docs.groups import GROUP_BY, choose_group_by, group_tables
from dbaudit.docs.markdown import (
    GENERATED_MARKER,
    DocFinding,
    DocsInput,
    anchors,
    page_name,
    render_group,
    render_index,
)
from dbaudit.docs.texts import docs_texts
from dbaudit.errors import UsageError
from dbaudit.findings import Finding
from dbaudit.messages import translate
from dbaudit.model.schema import SchemaModel
from dbaudit.redact import redact_url
from dbaudit.report.context import object_owners, owning_tables
from dbaudit.report.erd import is_multi_schema
from dbaudit.report.schema_view import STATS_MARKER, STATS_SCRIPT_ID, stats_payload

DOCS_FORMATS = ("md", "html")
HTML_PAGE = "index.html"
_STATS_BLOCK = re.compile(rf'(<script type="application/json" id="{STATS_SCRIPT_ID}">\n).*?(\n</script>)', re.S)
_STATS_LINE = re.compile(rf"^.*<!-- {re.escape(STATS_MARKER)} -->$", re.M)


@dataclass(frozen=True)
class DocsCheck:
    """What differs between the pages that would be written and a directory of committed pages."""

    missing: tuple[str, ...]
    changed: tuple[str, ...]
    stale: tuple[str, ...]
    diff: str

    @property
    def up_to_date(self) -> bool:
        return not (self.missing or self.changed or self.stale)


def build_docs(
    model: SchemaModel,
    *,
    formats: Sequence[str] = DOCS_FORMATS,
    lang: str = "en",
    group_by: str | None = None,
    domains: Sequence[tuple[str, Sequence[str]]] = (),
    findings: Iterable[Finding] = (),
    stats: bool = True,
) -> dict[str, str]:
    """The pages, file name -> text; the same inputs always give the same bytes."""
    unknown = [f for f in formats if f not in DOCS_FORMATS]
    if unknown or not formats:
        raise UsageError(f"unknown docs format {unknown[0] if unknown else ''!r} (expected {', '.join(DOCS_FORMATS)})")
    groups = group_tables(model, choose_group_by(model, group_by, domains), domains)
    inp = DocsInput(
        model=model, groups=groups, texts=docs_texts(lang), source_label=_source_label(model),
        findings=_findings_by_table(model, findings, lang), stats=stats_payload(model) if stats else {},
        multi_schema=is_multi_schema(model),
    )
    pages: dict[str, str] = {}
    if "md" in formats:
        anchor_of = anchors(inp)
        pages["README.md"] = render_index(inp)
        for group in groups:
            pages[page_name(group)] = render_group(inp, group, anchor_of)
    if "html" in formats:
        from dbaudit.docs.html import render_docs_html  # noqa: PLC0415 - Jinja2 only when asked for

        pages[HTML_PAGE] = render_docs_html(inp, lang)
    return pages


def _source_label(model: SchemaModel) -> str:
    kind = model.source.kind
    name = redact_url(model.source.name)
    # A URL: the database name alone, never host or user; a file: its name.
    shown = name.rsplit("/", 1)[-1].split("?", 1)[0] if "://" in name else Path(name).name or name
    return f"{kind} {shown}".strip()


def _findings_by_table(model: SchemaModel, findings: Iterable[Finding], lang: str = "en",
                       ) -> dict[str, list[DocFinding]]:
    """Each finding on the table it concerns: by the table's name, its columns, or its indexes and
    constraints (``schema.index_name``); a partition's findings go to its parent's page; its title
    in ``lang``."""
    owner = object_owners(model.tables)
    parent = {t.qualified_name: t.partition_of for t in model.tables if t.partition_of}
    out: dict[str, list[DocFinding]] = {}
    for finding in findings:
        for table_name in sorted({_top(t, parent) for t in owning_tables(finding.objects, owner)}):
            entry = (finding.severity.name, finding.rule, translate(finding.title, lang))
            if entry not in out.setdefault(table_name, []):
                out[table_name].append(entry)
    return out


def _top(name: str, parent: Mapping[str, str | None]) -> str:
    """The partitioned table at the top of a (sub-)partition's chain, or the table itself."""
    seen = {name}
    while (up := parent.get(name)) is not None and up not in seen:
        seen.add(up)
        name = up
    return name


def schema_findings(model: SchemaModel, config: Config | None = None) -> tuple[Finding, ...]:
    """The schema rules' findings, without the ones that depend on statistics (they would change
    the pages every day): rules needing statistics are skipped."""
    from dbaudit.engine import run_rules  # noqa: PLC0415 - rules load only when asked for
    from dbaudit.rules import RuleContext  # noqa: PLC0415

    stable = replace(model, source=replace(
        model.source, capabilities=tuple(c for c in model.source.capabilities if c != "statistics")))
    run = run_rules(RuleContext(model=stable), config or Config(), report_unused=False)
    return run.findings


def write_docs(pages: Mapping[str, str], directory: str | Path) -> list[Path]:
    """Write every page atomically; returns the paths written."""
    from dbaudit.atomic import write_text_atomic  # noqa: PLC0415

    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise UsageError(f"output path {target} exists and is not a directory")
    written = []
    try:
        for name, text in sorted(pages.items()):
            write_text_atomic(target / name, text)
            written.append(target / name)
    except OSError as exc:
        raise UsageError(f"cannot write docs to {target}: {exc.strerror or exc}") from None
    return written


def check_docs(pages: Mapping[str, str], directory: str | Path) -> DocsCheck:
    """Compare the pages with committed ones; statistics are left out of the comparison."""
    root = Path(directory)
    if not root.is_dir():
        raise UsageError(f"docs directory {root} does not exist (write it first with -o {root})")
    missing, changed, diffs = [], [], []
    for name, text in sorted(pages.items()):
        path = root / name
        if not path.is_file():
            missing.append(name)
            diffs.append(f"--- {path} (missing)\n+++ {name} (generated)\n")
            continue
        old = _masked(path.read_text(encoding="utf-8"))
        new = _masked(text)
        if old != new:
            changed.append(name)
            diffs.append("".join(difflib.unified_diff(
                old.splitlines(keepends=True), new.splitlines(keepends=True),
                fromfile=str(path), tofile=f"{name} (generated)", n=2)))
    stale = sorted(
        p.name for p in root.glob("*.md")
        if p.name not in pages and GENERATED_MARKER in p.read_text(encoding="utf-8", errors="replace")
    ) if any(n.endswith(".md") for n in pages) else []
    diffs += [f"--- {root / name} (no longer generated)\n" for name in stale]
    return DocsCheck(tuple(missing), tuple(changed), tuple(stale), "".join(d if d.endswith("\n") else d + "\n"
                                                                           for d in diffs))


def _masked(text: str) -> str:
    text = _STATS_BLOCK.sub(r"\1…\2", text)
    return _STATS_LINE.sub(f"<!-- {STATS_MARKER} -->", text)


def generate_docs(
    target: str,
    *,
    formats: Sequence[str] = DOCS_FORMATS,
    lang: str | None = None,
    group_by: str | None = None,
    config: Config | None = None,
    scratch_url: str | None = None,
    with_findings: bool = True,
    stats: bool = True,
) -> dict[str, str]:
    """Read a source and build its pages (see :func:`build_docs`); configuration gives the domains,
    the grouping, the language and the rule selection for the findings."""
    from dbaudit.sources import load_source  # noqa: PLC0415

    config = config or Config()
    model = load_source(target, scratch_url=scratch_url)
    found = schema_findings(model, config) if with_findings else ()
    return build_docs(
        model, formats=formats, lang=lang or config.lang, group_by=group_by or config.docs.group_by,
        domains=config.docs.domains, findings=found, stats=stats,
    )


__all__ = [
    "DOCS_FORMATS",
    "GROUP_BY",
    "HTML_PAGE",
    "DocsCheck",
    "build_docs",
    "check_docs",
    "generate_docs",
    "schema_findings",
    "write_docs",
]
