"""The aggregated fleet report in Markdown, JSON and one self-contained HTML page.

Markdown and HTML lay out the same view (:func:`fleet_view`): a heading, a summary line, and sections
of paragraphs, lists and tables, every sentence a catalogued message (``--lang zh``). The JSON is
:meth:`FleetResult.to_json` and stays in English, as the audit's JSON does.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from dbaudit.fleet.aggregate import FleetResult, StructureGroup
from dbaudit.fleet.summary import SEVERITIES, DatabaseSummary
from dbaudit.messages import msg, translate

if TYPE_CHECKING:
    import jinja2

# The translating function the section builders receive.
_T = Callable[[str], str]
# Names listed per difference before "and N more".
MAX_LISTED = 20
SHORT_FP = 12


@dataclass(frozen=True)
class Cell:
    """A table cell: text, a link (``href`` relative to the report), an emphasis for what stands out."""

    text: str
    href: str | None = None
    strong: bool = False
    numeric: bool = False


@dataclass
class Table:
    header: list[str]
    rows: list[list[Cell]]


@dataclass
class Section:
    title: str
    anchor: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    after: list[str] = field(default_factory=list)


@dataclass
class View:
    title: str
    summary: str
    sections: list[Section]
    lang: str


def render_fleet(result: FleetResult, fmt: str, *, lang: str = "en", base: str = ".") -> str:
    """The aggregated report in ``md``, ``json`` or ``html``; ``base`` is where the databases' report
    files are, relative to the report."""
    if fmt == "json":
        return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
    view = fleet_view(result, lang, base=base, link_ext=".html" if fmt == "html" else ".md")
    if fmt == "md":
        return markdown(view)
    if fmt == "html":
        return html(view)
    raise ValueError(f"unknown fleet report format {fmt!r} (expected md, json, html)")


def fleet_view(result: FleetResult, lang: str, *, base: str = ".", link_ext: str = ".md") -> View:
    """Everything the Markdown and HTML reports show, in ``lang``."""

    def t(text: str) -> str:
        return translate(text, lang)

    found = result.problems
    title = t(msg("Fleet audit report - {date}", date=result.generated_at.strftime("%Y-%m-%d")))
    summary = t(msg("Databases: {n} ({audited} audited, {failed} failed) · Findings: P0 {p0} · P1 {p1} · P2 {p2} "
                    "({entries} entries, one per rule and object)",
                    n=len(result.databases), audited=len(result.audited), failed=len(result.failed),
                    p0=found["P0"], p1=found["P1"], p2=found["P2"], entries=sum(result.counts.values())))
    sections = [_databases(result, t, base, link_ext)]
    if result.failed:
        sections.append(Section(t(msg("Databases not audited")), "failed",
                                items=[f"{d.name}: {t(d.error or '')}" for d in result.failed]))
    sections += [_matrix(result, t), _drift(result, t), _alembic(result, t)]
    about = [t(msg("Audited here: {concurrency} at a time (at most {peak} ran at once), in {seconds:.1f} s.",
                   concurrency=result.concurrency, peak=result.peak_running, seconds=result.elapsed_s or 0.0))
             if result.mode == "run" else
             t(msg("Merged from the JSON reports in {source}.", source=result.source or "."))]
    sections.append(Section(t(msg("About this report")), "about", paragraphs=about,
                            items=[t(n) for n in result.notes]))
    return View(title, summary, sections, lang)


def _databases(result: FleetResult, t: _T, base: str, link_ext: str) -> Section:
    header = [t(msg("database")), t(msg("status")), *SEVERITIES, t(msg("entries")), t(msg("tables")),
              t(msg("structure")), t(msg("Alembic")), t(msg("time")), t(msg("report"))]
    rows = []
    for d in result.databases:
        status = t(msg("ok")) if d.ok else t(_status_word(d))
        versions = _versions_text(d)
        rows.append([
            Cell(d.name), Cell(status, strong=not d.ok),
            *(Cell(str(d.problems.get(s, 0)) if d.ok else "", numeric=True, strong=d.ok and s == "P0"
                   and d.problems.get(s, 0) > 0) for s in SEVERITIES),
            Cell(str(sum(d.counts.values())) if d.ok else "", numeric=True),
            Cell("" if d.tables is None else str(d.tables), numeric=True),
            Cell(result.group_of.get(d.name, "")),
            Cell(versions, strong=d.name in result.alembic.differing),
            Cell("" if d.elapsed_s is None else f"{d.elapsed_s:.1f} s", numeric=True),
            _report_cell(d, base, link_ext),
        ])
    return Section(t(msg("Databases")), "databases", tables=[Table(header, rows)])


def _report_cell(d: DatabaseSummary, base: str, link_ext: str) -> Cell:
    if not d.reports:
        return Cell("")
    chosen = next((r for r in d.reports if r.endswith(link_ext)), d.reports[0])
    return Cell(posixpath.basename(chosen), href=posixpath.normpath(posixpath.join(base, chosen)))


def _status_word(d: DatabaseSummary) -> str:
    if d.status == "timeout":
        return msg("timed out")
    if d.status == "missing":
        return msg("no report")
    return msg("failed")


def _versions_text(d: DatabaseSummary) -> str:
    if not d.alembic_versions:
        return ""
    if len(d.alembic_versions) == 1:
        (versions,) = d.alembic_versions.values()
        return ", ".join(versions)
    return "; ".join(f"{table}: {', '.join(v)}" for table, v in d.alembic_versions.items())


def _matrix(result: FleetResult, t: _T) -> Section:
    section = Section(t(msg("Findings by database × rule")), "matrix")
    if not result.matrix:
        section.paragraphs.append(t(msg("No finding in any audited database.")))
        return section
    names = [d.name for d in result.audited]
    section.paragraphs.append(t(msg("Entries (one per rule and object) per database; a rule's severity is its most "
                                    "severe entry in the fleet.")))
    rows = [[Cell(r.rule), Cell(r.severity, strong=r.severity == "P0"), Cell(str(r.total), numeric=True),
             *(Cell(str(r.counts[n]) if n in r.counts else "·", numeric=True) for n in names)] for r in result.matrix]
    section.tables.append(Table([t(msg("rule")), t(msg("severity")), t(msg("total")), *names], rows))
    return section


def _drift(result: FleetResult, t: _T) -> Section:
    section = Section(t(msg("Schema drift")), "drift")
    groups = result.groups
    if result.without_fingerprint:
        section.after.append(t(msg("Not compared (the report has no fingerprint: audited without --fleet-name): "
                                   "{names}", names=", ".join(result.without_fingerprint))))
    if not groups:
        section.paragraphs.append(t(msg("No audited database has a structure fingerprint.")))
        return section
    if len(groups) == 1:
        section.paragraphs.append(t(msg("All {n} compared databases share one structure (fingerprint {fp}).",
                                        n=len(groups[0].databases), fp=groups[0].fingerprint[:SHORT_FP])))
        return section
    section.paragraphs.append(t(msg("{n} structures among the compared databases. Group A (the most databases) is "
                                    "the reference; each other group is described against it.", n=len(groups))))
    rows = [[Cell(g.label), Cell(g.fingerprint[:SHORT_FP]), Cell(str(len(g.databases)), numeric=True),
             Cell(", ".join(g.databases)), Cell(_difference(g, t, n == 0))] for n, g in enumerate(groups)]
    section.tables.append(Table([t(msg("group")), t(msg("fingerprint")), t(msg("databases")), t(msg("names")),
                                 t(msg("against A"))], rows))
    labels = [g.label for g in groups]
    matrix = result.drift_matrix
    section.tables.append(Table(
        [t(msg("tables that differ")), *labels],
        [[Cell(a), *(Cell(_pair(matrix[a][b], a == b), numeric=True) for b in labels)] for a in labels]))
    for g in groups[1:]:
        for label, names in ((msg("group {label}: tables missing (in A only)", label=g.label), g.missing_tables),
                             (msg("group {label}: tables only in this group", label=g.label), g.extra_tables),
                             (msg("group {label}: tables with another structure", label=g.label), g.changed_tables)):
            if names:
                section.items.append(f"{t(label)}: {_listed(names, t)}")
    return section


def _difference(g: StructureGroup, t: _T, reference: bool) -> str:
    if reference:
        return t(msg("reference"))
    if not g.tables_known:
        return t(msg("unknown (no per-table fingerprints)"))
    if g.other_objects_differ:
        return t(msg("same tables; other objects differ (sequences, enums, functions, extensions, schemas)"))
    return t(msg("{missing} missing, {extra} extra, {changed} changed tables", missing=len(g.missing_tables),
                 extra=len(g.extra_tables), changed=len(g.changed_tables)))


def _pair(value: int | None, same: bool) -> str:
    if same:
        return "="
    return "?" if value is None else str(value)


def _listed(names: tuple[str, ...], t: _T) -> str:
    shown = ", ".join(names[:MAX_LISTED])
    if len(names) > MAX_LISTED:
        shown += " " + t(msg("and {n} more", n=len(names) - MAX_LISTED))
    return shown


def _alembic(result: FleetResult, t: _T) -> Section:
    section = Section(t(msg("Alembic versions")), "alembic")
    view = result.alembic
    if not view.tables:
        section.paragraphs.append(t(msg("No audited database has an Alembic version table.")))
        return section
    if view.differing:
        section.paragraphs.append(t(msg("{n} databases are not at the revisions most databases are at: {names}",
                                        n=len(view.differing), names=", ".join(view.differing))))
    else:
        section.paragraphs.append(t(msg("Every audited database is at the same revisions.")))
    rows = [[Cell(t(msg("most databases"))), *(Cell(", ".join(view.common[table]) or "-") for table in view.tables)]]
    for d in result.audited:
        versions = d.alembic_versions or {}
        rows.append([Cell(d.name), *(Cell(", ".join(versions.get(table, ())) or "-",
                                          strong=versions.get(table, ()) != view.common[table])
                                     for table in view.tables)])
    section.tables.append(Table([t(msg("database")), *view.tables], rows))
    return section


# -- Markdown -----------------------------------------------------------------------------------------


def markdown(view: View) -> str:
    lines = [f"# {view.title}", "", f"> {view.summary}", ""]
    for section in view.sections:
        lines += [f"## {section.title}", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        for table in section.tables:
            lines += [*_md_table(table), ""]
        if section.items:
            lines += [f"- {_md_text(item)}" for item in section.items] + [""]
        for paragraph in section.after:
            lines += [paragraph, ""]
    return "\n".join(lines).rstrip() + "\n"


def _md_table(table: Table) -> list[str]:
    def cell(c: Cell) -> str:
        text = _md_text(c.text)
        if c.href:
            text = f"[{text}]({c.href})"
        return f"**{text}**" if c.strong and text else text

    align = ["---:" if any(row[i].numeric for row in table.rows) else "---" for i in range(len(table.header))]
    return [
        "| " + " | ".join(_md_text(h) for h in table.header) + " |",
        "| " + " | ".join(align) + " |",
        *("| " + " | ".join(cell(c) for c in row) + " |" for row in table.rows),
    ]


def _md_text(text: str) -> str:
    """Table-safe Markdown: no line breaks, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


# -- HTML ---------------------------------------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    import jinja2  # noqa: PLC0415

    return jinja2.Environment(
        loader=jinja2.PackageLoader("dbaudit.fleet", "templates"), autoescape=True, trim_blocks=True,
        lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )


def html(view: View) -> str:
    return _environment().get_template("fleet.html.j2").render(v=view)


__all__ = ["Cell", "Section", "Table", "View", "fleet_view", "markdown", "render_fleet"]
