"""The report's view model: everything every renderer shows, computed once, as plain values.

``build_context`` is a pure function of the schema model, the findings, the notes and the list of
sources; renderers (Markdown, HTML, JSON, SARIF, terminal) only lay it out. The date and the dbaudit
version are parameters, so the same inputs always give byte-identical reports.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from dbaudit.calibrate import table_size
from dbaudit.findings import Finding, Note, Severity
from dbaudit.messages import Msg, msg
from dbaudit.model.locate import object_locations, object_owners, owning_tables
from dbaudit.model.schema import (
    POSTGRES_CAPABILITIES,
    Column,
    ForeignKey,
    Index,
    Location,
    ReferentialAction,
    SchemaModel,
    Table,
    TableKind,
)
from dbaudit.model.statistics import RuntimeStatistics
from dbaudit.redact import redact_url
from dbaudit.report.condense import Condensed, condense, without_literal_casts
from dbaudit.report.erd import (
    MAX_ERD_TABLES,
    Domain,
    display_name,
    domains,
    entities,
    is_multi_schema,
    mermaid_erd,
)
from dbaudit.report.grouping import FindingGroup
from dbaudit.report.grouping import group as group_findings
from dbaudit.report.paths import RuntimePaths, runtime_paths
from dbaudit.report.writing import CompatRow, RoadmapItem, SummaryLine, Writing, say, write

if TYPE_CHECKING:
    from dbaudit.tenants import TenantLayout

MAX_ROADMAP = 8
DOCS_RULES_PATH = "docs/rules/{id}.md"
# The note the audit leaves when it summarises the hazards of revisions the database already ran.
HISTORY_NOTE_RULE = "migration-history"


@dataclass(frozen=True, slots=True)
class SourceRef:
    """One input of the run, as the report names it (URLs already without password)."""

    kind: str
    name: str
    role: str = "target"

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name, "role": self.role}


@dataclass(frozen=True, slots=True)
class DatabaseFacts:
    """Who the audited database is, for reports gathered from many (``dbaudit fleet``): its name, the
    Alembic revisions it is at, and, when asked for, its structure fingerprints (the whole schema and
    per table, the first 16 hex digits) that tell which databases of a fleet share one structure."""

    name: str
    alembic_versions: dict[str, tuple[str, ...]] | None = None
    fingerprint: str | None = None
    tables: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "alembic_versions": None if self.alembic_versions is None
            else {table: list(versions) for table, versions in self.alembic_versions.items()},
            "fingerprint": self.fingerprint,
            "tables": self.tables,
        }


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """What the reports show about a rule: its catalogue entry, or what its findings say."""

    id: str
    title: str
    category: str
    severity: Severity
    rationale: str
    doc: str
    help_path: str


@dataclass(frozen=True, slots=True)
class NumberedFinding:
    """One (rule, object) entry with the number of the report finding (group) it is part of."""

    number: str
    finding: Finding
    rule: RuleMeta
    id: str = ""
    group: str = ""

    @property
    def anchor(self) -> str:
        return self.number.lower()


@dataclass(frozen=True, slots=True)
class TableReach:
    """The blast radius of a finding on one table: its size when live statistics exist, whether the
    models map it (``mapped_at``: ``None`` = no models read, ``""`` = not mapped) and where the
    scanned code queries it."""

    name: str
    rows: int | None = None
    bytes: int | None = None
    mapped_at: str | None = None
    queried_at: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NumberedGroup:
    """One numbered finding of the report (``P1-3``): a group of entries about one problem."""

    number: str
    group: FindingGroup
    rule: RuleMeta
    findings: tuple[NumberedFinding, ...]
    reach: tuple[TableReach, ...] = ()

    @property
    def anchor(self) -> str:
        return self.number.lower()

    @property
    def rule_metas(self) -> tuple[RuleMeta, ...]:
        return tuple(dict.fromkeys(n.rule for n in self.findings))


@dataclass(frozen=True, slots=True)
class SeverityGroup:
    severity: str
    findings: tuple[NumberedGroup, ...]

@dataclass(frozen=True, slots=True)
class TableDetail:
    name: str
    qualified_name: str
    kind: str
    comment: str | None
    location: str | None
    columns: tuple[str, ...]
    primary_key: str | None
    foreign_keys: tuple[str, ...]
    uniques: tuple[str, ...]
    checks: tuple[str, ...]
    indexes: tuple[str, ...]
    triggers: tuple[str, ...]
    partitioning: str | None
    partitions: tuple[str, ...]
    # Numbers of the findings on this table, its columns, indexes and constraints (``P1-3``).
    findings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PathEntry:
    """One key read/write path found by the code scan."""

    label: str
    location: str | None
    tables: tuple[str, ...]
    detail: str


@dataclass(frozen=True)
class ReportContext:
    generated_at: datetime
    dbaudit_version: str
    target: str
    sources: tuple[SourceRef, ...]
    capabilities: tuple[str, ...]
    missing_capabilities: tuple[str, ...]
    notes: tuple[Note, ...]
    # Entries (one per rule and object) per severity: the JSON contract's "summary".
    counts: dict[str, int]
    paths: tuple[PathEntry, ...] | None
    groups: tuple[SeverityGroup, ...]
    findings: tuple[NumberedFinding, ...]
    rules: tuple[RuleMeta, ...]
    model: SchemaModel
    # Models that know where objects are declared (ORM models, migrations head), first one wins.
    locators: tuple[SchemaModel, ...] = ()
    # What the running database said (pg_stat_statements, plans, activity), when it was read.
    statistics: RuntimeStatistics | None = None
    # The database's name, Alembic revisions and fingerprints (the JSON's "database"), when known.
    database: DatabaseFacts | None = None
    # Schemas that share one structure (tenants), when the audit folded them: ``model`` then holds one
    # schema per structure (see dbaudit.tenants).
    tenants: TenantLayout | None = None

    # The schema map is computed on first use: a JSON or SARIF report of a 5,000-table schema never
    # needs the ERD or the per-table detail, and building them costs as much as the rules.

    @cached_property
    def _entities(self) -> tuple[Table, ...]:
        return entities(self.model)

    @cached_property
    def _multi_schema(self) -> bool:
        return is_multi_schema(self.model)

    @cached_property
    def domains(self) -> tuple[Domain, ...]:
        return domains(self.model)

    @cached_property
    def views(self) -> tuple[str, ...]:
        return tuple(display_name(t, self.model, self._multi_schema) for t in self.model.tables
                     if t.kind in (TableKind.VIEW, TableKind.MATERIALIZED_VIEW))

    @cached_property
    def erd(self) -> str:
        return mermaid_erd(self.model)

    @property
    def erd_shown(self) -> int:
        return min(len(self._entities), MAX_ERD_TABLES)

    @property
    def erd_total(self) -> int:
        return len(self._entities)

    @cached_property
    def object_locations(self) -> dict[str, Location]:
        """Where the sources declare the audited objects, by object name: SARIF anchors a finding that
        has no file:line of its own there."""
        return object_locations((self.model, *self.locators))

    @cached_property
    def tables(self) -> tuple[TableDetail, ...]:
        return self.table_details()

    def table_details(self, limit: int | None = None) -> tuple[TableDetail, ...]:
        """The detail of the first ``limit`` tables of the map (all without a limit)."""
        by_table = self.table_findings
        return tuple(
            replace(_table_detail(t, self.model, self._multi_schema), findings=by_table.get(t.qualified_name, ()),
                    location=_declared_at(t, self.object_locations))
            for t in self._entities[:limit]
        )

    @cached_property
    def table_findings(self) -> dict[str, tuple[str, ...]]:
        """Numbers of the findings on each table (by qualified name): on the table itself, its columns,
        indexes and constraints."""
        return _findings_by_table(self.findings, self._entities)

    @cached_property
    def table_names(self) -> dict[str, str]:
        """The name the map shows for each of its tables (qualified when the map spans schemas) ->
        its qualified name."""
        return {display_name(t, self.model, self._multi_schema): t.qualified_name for t in self._entities}

    @cached_property
    def table_locations(self) -> dict[str, str]:
        """Where each table of the map is declared (its own source, else the models or migrations)."""
        out = {}
        for t in self._entities:
            where = _declared_at(t, self.object_locations)
            if where:
                out[t.qualified_name] = where
        return out

    @property
    def table_count(self) -> int:
        return len(self._entities)

    @cached_property
    def cited_files(self) -> tuple[str, ...]:
        return tuple(sorted({loc.path for n in self.findings for loc in n.finding.locations}))

    @cached_property
    def cited_folders(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The cited files by folder (``app/models/``: its file names), for section V."""
        folders: dict[str, list[str]] = {}
        for path in self.cited_files:
            folder, _, name = path.rpartition("/")
            folders.setdefault(f"{folder}/" if folder else "", []).append(name)
        return tuple((folder, tuple(names)) for folder, names in folders.items())

    @cached_property
    def cited_objects(self) -> tuple[str, ...]:
        return tuple(sorted({o for n in self.findings for o in n.finding.objects}))

    @cached_property
    def source_labels(self) -> tuple[str, ...]:
        """Names of the compared sources, which drift findings repeat in every label: section II
        lists them once, the findings say ``models`` and ``database``."""
        names = [s.name for s in self.sources] + [m.source.name for m in (self.model, *self.locators)]
        return tuple(dict.fromkeys(n for n in names if n))

    @property
    def date(self) -> str:
        return self.generated_at.strftime("%Y-%m-%d")

    @property
    def folded_notes(self) -> tuple[Note, ...]:
        """Notes for reading: "X skipped: <reason>" notes sharing a reason become one line; the
        migration-history summary is left to section III, which opens with it."""
        return fold_notes(n for n in self.notes if n.rule != HISTORY_NOTE_RULE)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(sorted({n.finding.category for n in self.findings}))

    @cached_property
    def numbered_groups(self) -> tuple[NumberedGroup, ...]:
        return tuple(ng for g in self.groups for ng in g.findings)

    @property
    def group_counts(self) -> dict[str, int]:
        """Numbered findings (problems) per severity."""
        return {g.severity: len(g.findings) for g in self.groups}

    @property
    def history(self) -> tuple[Note, ...]:
        """The one-line summaries of applied migration history (see :mod:`dbaudit.migrations.history`)."""
        return tuple(n for n in self.notes if n.rule == HISTORY_NOTE_RULE)

    def writing(self, lang: str = "en") -> Writing:
        """The report's prose in ``lang`` (headings, summary, roadmap, gap map, compatibility)."""
        cache: dict[str, Writing] = self.__dict__.setdefault("_writing", {})
        if lang not in cache:
            p2 = self.group_counts["P2"]
            p2_line = say(lang, "summary.p2_more", n=p2) if p2 else None
            fallback = {n.rule.id: recommendation(n) for n in self.findings}
            cache[lang] = write(self.numbered_groups, lang, p2_line=p2_line, fallback_recommendations=fallback)
        return cache[lang]

    def condensed(self, lang: str = "en") -> Condensed:
        """What Markdown and HTML show of each numbered finding in ``lang``: objects tables of groups,
        fix and verification scripts with each statement once (:mod:`dbaudit.report.condense`)."""
        cache: dict[str, Condensed] = self.__dict__.setdefault("_condensed", {})
        if lang not in cache:
            cache[lang] = condense(self.numbered_groups, lang, self.source_labels)
        return cache[lang]

    def runtime(self, lang: str = "en") -> RuntimePaths | None:
        """Section B from the query statistics in ``lang``, or ``None`` without statistics."""
        if self.statistics is None:
            return None
        cache: dict[str, RuntimePaths] = self.__dict__.setdefault("_runtime", {})
        if lang not in cache:
            analyzed = any(s.plan is not None and s.plan.source == "analyze" for s in self.statistics.statements)
            cache[lang] = runtime_paths(self.statistics, lang, analyzed=analyzed, parent=self._partitioned_parent)
        return cache[lang]

    def _partitioned_parent(self, name: str) -> str:
        """The top partitioned table of a partition, the name itself otherwise."""
        table = self.model.table(name)
        seen = {name}
        while table is not None and table.partition_of and table.partition_of not in seen:
            seen.add(table.partition_of)
            name = table.partition_of
            table = self.model.table(name)
        return name

    @property
    def summary(self) -> tuple[SummaryLine, ...]:
        return self.writing("en").summary

    @property
    def roadmap(self) -> tuple[RoadmapItem, ...]:
        return self.writing("en").roadmap


def build_context(
    model: SchemaModel,
    findings: Iterable[Finding],
    *,
    generated_at: datetime,
    dbaudit_version: str,
    notes: Sequence[Note] = (),
    sources: Sequence[SourceRef] = (),
    code_facts: Any = None,
    rule_lookup: dict[str, RuleMeta] | None = None,
    locators: Sequence[SchemaModel] = (),
    models: SchemaModel | None = None,
    statistics: RuntimeStatistics | None = None,
    database: DatabaseFacts | None = None,
    tenants: TenantLayout | None = None,
) -> ReportContext:
    """The view model of one audit; ``rule_lookup`` defaults to the rule registry; ``locators`` are
    models that know file:line of objects (ORM models, migrations head), first one wins; ``models``
    (the ORM's model) tells which tables the application maps, for each finding's blast radius."""
    catalogue = rule_lookup if rule_lookup is not None else registry_rules()
    groups = group_findings(findings)
    numbered = _number(groups, catalogue, _Reach(model, models, code_facts))
    flat = tuple(n for ng in numbered for n in ng.findings)
    ordered = tuple(sorted(flat, key=lambda n: n.finding.sort_key))
    return ReportContext(
        generated_at=generated_at,
        dbaudit_version=dbaudit_version,
        target=_target(model, sources),
        sources=tuple(SourceRef(s.kind, redact_url(s.name), s.role) for s in sources)
        or (SourceRef(model.source.kind, redact_url(model.source.name)),),
        capabilities=tuple(c for c in model.source.capabilities),
        missing_capabilities=tuple(c for c in POSTGRES_CAPABILITIES if not model.has(c)),
        notes=tuple(notes),
        counts={s.name: sum(1 for n in ordered if n.finding.severity is s) for s in Severity},
        paths=_paths(code_facts),
        groups=tuple(SeverityGroup(s.name, tuple(ng for ng in numbered if ng.group.severity is s))
                     for s in Severity),
        findings=ordered,
        rules=tuple(_rules_used(ordered)),
        model=model,
        locators=tuple(locators),
        statistics=statistics,
        database=database,
        tenants=tenants,
    )


def _declared_at(table: Table, locations: dict[str, Location]) -> str | None:
    """Where the table is declared: by the audited source itself, else by the models or migrations."""
    loc = table.location or locations.get(table.qualified_name)
    return location_text(loc) if loc is not None else None


def _findings_by_table(
    numbered: tuple[NumberedFinding, ...], tables: tuple[Table, ...]
) -> dict[str, tuple[str, ...]]:
    """Finding numbers per table, through the table's own name, its columns, indexes and constraints."""
    owner = object_owners(tables)
    out: dict[str, list[str]] = {}
    for n in numbered:
        for table in owning_tables(n.finding.objects, owner):
            if n.number not in out.setdefault(table, []):
                out[table].append(n.number)
    return {k: tuple(v) for k, v in out.items()}


_SKIPPED = re.compile(r"(?P<rule>[a-z0-9-]+) skipped: (?P<why>.+)\Z", re.S)


def fold_notes(notes: Iterable[Note]) -> tuple[Note, ...]:
    """Skip notes grouped by reason (``skipped (no code input was given): a, b``), others as they are."""
    out: list[Note] = []
    by_reason: dict[str, list[str]] = {}
    reasons: dict[str, str] = {}
    for note in notes:
        match = _SKIPPED.match(note.message)
        if match is None:
            out.append(note)
            continue
        # the reason as the engine wrote it (a message), for the report's language
        why = note.message.params.get("why", match["why"]) if isinstance(note.message, Msg) else match["why"]
        if match["why"] not in by_reason:
            by_reason[match["why"]] = []
            reasons[match["why"]] = why
            out.append(Note(match["why"]))  # placeholder keeps the first occurrence's position
        by_reason[match["why"]].append(match["rule"])
    return tuple(
        Note(msg("skipped ({why}): {rules}", why=reasons[n.message], rules=", ".join(by_reason[n.message])))
        if n.message in by_reason and n.rule is None else n
        for n in out
    )


def _target(model: SchemaModel, sources: Sequence[SourceRef]) -> str:
    for source in sources:
        if source.role == "target":
            return redact_url(source.name)
    return redact_url(model.source.name)


# -- rules -----------------------------------------------------------------------------------------


def registry_rules() -> dict[str, RuleMeta]:
    """Metadata of every registered rule (importing the rule packages registers them)."""
    import importlib  # noqa: PLC0415 - rule packages are heavy and optional here

    from dbaudit.rules.registry import REGISTRY, Rule  # noqa: PLC0415

    # A partly built tree (a rule module failing to import) still renders its findings.
    with contextlib.suppress(ImportError):
        importlib.import_module("dbaudit.rules")
    metas = {r.id: _meta_from_rule(r) for r in REGISTRY}
    # Drift and migration rules keep their own catalogues; read them without registering anything.
    with contextlib.suppress(ImportError):
        from dbaudit.drift.catalogue import DRIFT_RULES  # noqa: PLC0415

        for spec in DRIFT_RULES.values():
            metas.setdefault(spec.id, _meta_from_rule(Rule(
                id=spec.id, category=spec.category, severity=spec.severity, check=lambda _ctx: (),
                doc=spec.doc,
            )))
    with contextlib.suppress(ImportError):
        from dbaudit.migrations.rules.registry import as_catalogue_rules  # noqa: PLC0415

        for rule in as_catalogue_rules():
            metas.setdefault(rule.id, _meta_from_rule(rule))
    return metas


def _meta_from_rule(rule: Any) -> RuleMeta:
    return RuleMeta(
        id=rule.id, title=rule.title, category=rule.category, severity=rule.severity,
        rationale=rule.rationale, doc=rule.doc, help_path=DOCS_RULES_PATH.format(id=rule.id),
    )


def _meta_for(finding: Finding, catalogue: dict[str, RuleMeta]) -> RuleMeta:
    known = catalogue.get(finding.rule)
    if known is not None:
        return known
    # Drift and migration findings may come from analyses with their own catalogues.
    return RuleMeta(
        id=finding.rule, title=finding.rule.replace("-", " ").capitalize(), category=finding.category,
        severity=finding.severity, rationale="", doc="",
        help_path=DOCS_RULES_PATH.format(id=finding.rule),
    )


def _rules_used(numbered: tuple[NumberedFinding, ...]) -> list[RuleMeta]:
    seen: dict[str, RuleMeta] = {}
    for n in numbered:
        seen.setdefault(n.rule.id, n.rule)
    return list(seen.values())


def _number(
    groups: tuple[FindingGroup, ...], catalogue: dict[str, RuleMeta], reach: _Reach
) -> tuple[NumberedGroup, ...]:
    counters = dict.fromkeys(Severity, 0)
    out = []
    for group in groups:
        counters[group.severity] += 1
        number = f"{group.severity.name}-{counters[group.severity]}"
        members = tuple(
            NumberedFinding(number, e.finding, _meta_for(e.finding, catalogue), id=e.id, group=e.group)
            for e in group.entries
        )
        out.append(NumberedGroup(number, group, members[0].rule, members, reach.of(group)))
    return tuple(out)


class _Reach:
    """Blast radius of groups: the tables their objects belong to, with size, mapping and queries."""

    def __init__(self, model: SchemaModel, models: SchemaModel | None, code_facts: Any) -> None:
        self.model = model
        self.models = models
        self.owner = object_owners(model.tables)
        self.mapped = object_locations((models,)) if models is not None else {}
        self.queried: dict[str, list[str]] = {}
        used: list[tuple[Any, Any]] = [
            (getattr(fact, "table", None), getattr(fact, "location", None))
            for kind in ("searches", "latest_rows", "offsets", "encrypted_columns", "column_values")
            for fact in getattr(code_facts, kind, ())
        ]
        used += [(t, j.location) for j in getattr(code_facts, "joins", ()) for t in (j.table, j.other_table)]
        for table, loc in used:
            if table and isinstance(loc, Location):
                name = table if "." in table else f"public.{table}"
                self.queried.setdefault(name, []).append(location_text(loc))

    def table_of(self, obj: str) -> str | None:
        return self.owner.get(obj) or self.owner.get(obj.rpartition(".")[0])

    def of(self, group: FindingGroup) -> tuple[TableReach, ...]:
        tables = dict.fromkeys(t for o in group.objects if (t := self.table_of(o)) is not None)
        out = []
        for name in tables:
            table = self.model.table(name)
            size = table_size(self.model, table) if table is not None and table.stats is not None else None
            mapped: str | None = None
            if self.models is not None:
                where = self.mapped.get(name)
                mapped = location_text(where) if where is not None else (
                    "" if self.models.table(name) is None else name)
            out.append(TableReach(
                name=name,
                rows=size.rows if size is not None else None,
                bytes=size.total_bytes if size is not None else None,
                mapped_at=mapped,
                queried_at=tuple(dict.fromkeys(self.queried.get(name, ()))),
            ))
        return tuple(out)


def location_text(loc: Location) -> str:
    return f"{loc.path}:{loc.line}" if loc.line else loc.path


_FENCE = re.compile(r"```.*?```", re.S)
MAX_RECOMMENDATION = 300


def recommendation(n: NumberedFinding) -> str:
    """What to do, in one short paragraph: the prose of the rule's "Use instead" section, else the
    first line of the finding's fix, else the first sentence of the rule's rationale."""
    from dbaudit.rules.registry import doc_sections  # noqa: PLC0415

    prose = _FENCE.sub("", doc_sections(n.rule.doc).get("Use instead", "")).strip()
    text = prose.split("\n\n")[0] if prose else ""
    if not text and n.finding.fix_sql:
        text = _first_line(n.finding.fix_sql)
    if not text:
        text = n.rule.rationale.split(". ")[0] or n.finding.impact
    text = " ".join(text.split())
    return text if len(text) <= MAX_RECOMMENDATION else text[: MAX_RECOMMENDATION - 1] + "…"


def _first_line(text: str | None) -> str:
    return text.strip().splitlines()[0] if text and text.strip() else ""


# -- per-table detail --------------------------------------------------------------------------------


def _table_detail(table: Table, model: SchemaModel, multi: bool) -> TableDetail:
    constraint_indexes = {c.name for c in table.uniques}
    if table.primary_key is not None:
        constraint_indexes.add(table.primary_key.name)
    unique_indexes = [
        i for i in table.indexes if i.unique and not i.primary and i.name not in constraint_indexes
    ]
    plain_indexes = [i for i in table.indexes if not i.unique and not i.primary]
    partitions = model.partitions_of(table.qualified_name)
    return TableDetail(
        name=display_name(table, model, multi),
        qualified_name=table.qualified_name,
        kind=table.kind.value,
        comment=table.comment,
        location=location_text(table.location) if table.location else None,
        columns=tuple(_column_text(c, table) for c in table.columns),
        primary_key=(f"{table.primary_key.name}({', '.join(table.primary_key.columns)})"
                     if table.primary_key else None),
        foreign_keys=tuple(_fk_text(fk, multi) for fk in table.foreign_keys),
        uniques=(*(f"{u.name}({', '.join(u.columns)})" for u in table.uniques),
                 *(_index_text(i) for i in unique_indexes)),
        checks=tuple(
            f"{c.name}: {without_literal_casts(c.expression)}" + ("" if c.validated else " NOT VALID")
            for c in table.checks
        ),
        indexes=tuple(_index_text(i) for i in plain_indexes),
        triggers=tuple(
            f"{t.name} ({t.timing} {' OR '.join(t.events)}, {t.function})"
            + ("" if t.enabled else " disabled")
            for t in table.triggers
        ),
        partitioning=table.partitioning.key if table.partitioning else None,
        partitions=tuple(
            p.name + (f" {p.partition_bound}" if p.partition_bound else "") for p in partitions
        ),
    )


def type_text(column: Column) -> str:
    t = column.type
    name = t.name.rsplit(".", 1)[-1] if t.is_enum else t.name
    if t.length is not None:
        name += f"({t.length})"
    elif t.precision is not None:
        name += f"({t.precision}" + (f",{t.scale})" if t.scale is not None else ")")
    return name + "[]" * t.array_dims


def _column_text(column: Column, table: Table) -> str:
    parts = [column.name, type_text(column)]
    if table.primary_key is not None and column.name in table.primary_key.columns:
        parts.append("PK")
    elif not column.nullable:
        parts.append("NN")
    if column.identity:
        parts.append(f"identity {column.identity}")
    if column.generated:
        parts.append(f"generated {column.generated}")
    elif column.default is not None and not column.serial_sequence:
        parts.append(f"default {without_literal_casts(column.default)}")
    if column.serial_sequence:
        # the sequence is named only when it is not the one PostgreSQL would have made
        default = f"{table.schema}.{table.name}_{column.name}_seq"
        parts.append("serial" if column.serial_sequence == default else f"serial ({column.serial_sequence})")
    return " ".join(parts)


def _fk_text(fk: ForeignKey, multi: bool) -> str:
    ref = fk.ref_qualified if multi else fk.ref_table
    text = f"{fk.name}({', '.join(fk.columns)} -> {ref}.{', '.join(fk.ref_columns)}"
    if fk.on_delete is not ReferentialAction.NO_ACTION:
        text += f", ON DELETE {fk.on_delete.value}"
    text += ")"
    return text + ("" if fk.validated else " NOT VALID")


def _index_text(index: Index) -> str:
    text = f"{index.name}({', '.join(e.label for e in index.elements)})"
    if index.method != "btree":
        text += f" USING {index.method}"
    if index.include:
        text += f" INCLUDE ({', '.join(index.include)})"
    if index.predicate:
        text += f" WHERE {index.predicate}"
    if not index.valid:
        text += " INVALID"
    return text


# -- key paths (code facts) --------------------------------------------------------------------------


MAX_PATHS = 40


def _paths(code_facts: Any) -> tuple[PathEntry, ...] | None:
    """Key read/write paths from the code scan's facts (searches, latest-row queries, OFFSET
    pagination, partition tasks, ciphertext writes), in file order; read by attribute so the report
    does not depend on the scanner's module."""
    if code_facts is None:
        return None
    entries: list[PathEntry] = []
    for fact in getattr(code_facts, "searches", ()):
        entries.append(_entry(f"search: leading-wildcard {fact.kind} on {fact.column}", fact, (fact.table,)))
    for fact in getattr(code_facts, "latest_rows", ()):
        keys = ", ".join(fact.key_columns)
        entries.append(_entry(f"latest row per ({keys}) by {fact.time_column}", fact, (fact.table,)))
    for fact in getattr(code_facts, "offsets", ()):
        entries.append(_entry("page-number OFFSET pagination", fact, (fact.table,) if fact.table else ()))
    for fact in getattr(code_facts, "partition_tasks", ()):
        entries.append(_entry("partition creation task", fact, tuple(fact.tables)))
    for fact in getattr(code_facts, "encrypted_columns", ()):
        entries.append(_entry(f"writes {fact.scheme} ciphertext to {fact.column}", fact, (fact.table,)))
    entries.sort(key=_path_order)
    return tuple(entries[:MAX_PATHS])


def _path_order(entry: PathEntry) -> tuple[str, int, str]:
    path, _, line = (entry.location or "~").rpartition(":")
    return (path, int(line), entry.label) if line.isdigit() else (entry.location or "~", 0, entry.label)


def _entry(label: str, fact: Any, tables: tuple[str, ...]) -> PathEntry:
    loc = getattr(fact, "location", None)
    return PathEntry(
        label=label,
        location=location_text(loc) if isinstance(loc, Location) else None,
        tables=tuple(str(t) for t in tables),
        detail="",
    )


__all__ = [
    "HISTORY_NOTE_RULE",
    "MAX_ROADMAP",
    "CompatRow",
    "DatabaseFacts",
    "NumberedFinding",
    "NumberedGroup",
    "PathEntry",
    "ReportContext",
    "RoadmapItem",
    "RuleMeta",
    "SeverityGroup",
    "SourceRef",
    "SummaryLine",
    "TableDetail",
    "TableReach",
    "build_context",
    "location_text",
    "object_owners",
    "owning_tables",
    "registry_rules",
    "type_text",
]
