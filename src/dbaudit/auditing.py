"""The full audit: every source the user named, every analysis, configuration applied once at the end.

``audit(target, models=..., migrations=..., code=..., config=...)`` reads the audited database (a URL,
a ``.sql`` file or a model JSON) and the optional inputs, runs the schema rules with those inputs,
compares the target with the ORM models and with the migrations' head (drift), lints the migrations,
and returns one :class:`AuditResult`. Analyses other helpers may not have built yet are imported lazily
and, when missing, skipped with a note: the audit runs with what exists.

Severities are then calibrated by evidence and blast radius (:mod:`dbaudit.calibrate`), and the
configuration (selection, severity overrides, per-object suppressions) is applied once over the
findings of all analyses, so a suppression that matches only a drift finding is not reported unused
and a severity the user sets wins over the calibration.

Schema-per-tenant databases (many schemas of one structure) are audited once per structure
(:mod:`dbaudit.tenants`): the rules run on one representative schema per structure, whose findings are
stated for all the schemas that share it, and ``tenant-schema-deviation`` reports the schemas that
differ from it. ``result.model`` is the database as read; ``result.audited_model`` what the rules saw.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from dbaudit.config import Config
from dbaudit.findings import Finding, Note, sort_findings
from dbaudit.messages import msg
from dbaudit.model.locate import object_locations
from dbaudit.model.schema import Location, SchemaModel
from dbaudit.progress import step as progress_step
from dbaudit.redact import redact_url
from dbaudit.report.context import SourceRef

if TYPE_CHECKING:
    from datetime import datetime

    from dbaudit.calibrate import CalibrationInput, DataFact
    from dbaudit.report.context import DatabaseFacts, ReportContext
    from dbaudit.tenants import TenantLayout

Progress = Callable[[str], None]


@dataclass(frozen=True)
class AuditResult:
    """Everything a report needs: the audited model, findings (P0 first), notes and the inputs read."""

    model: SchemaModel
    findings: tuple[Finding, ...]
    notes: tuple[Note, ...]
    sources: tuple[SourceRef, ...]
    inputs: dict[str, Any] = field(default_factory=dict)
    # Alembic's current revisions per version table (``public.alembic_version``) of a live target;
    # ``None`` when the target is not a live database or has no version table.
    alembic_versions: dict[str, tuple[str, ...]] | None = None
    # The tenant clusters found (schemas sharing one structure), when the audit folded any.
    tenants: TenantLayout | None = None

    @property
    def audited_model(self) -> SchemaModel:
        """The model the rules ran on: :attr:`model`, or with each tenant structure's schemas reduced to
        one representative (the report's schema map shows this one)."""
        return self.tenants.model if self.tenants is not None else self.model


def _optional(module: str, attribute: str) -> Any | None:
    """``module.attribute`` when that part of dbaudit exists in this build, else ``None``."""
    try:
        return getattr(importlib.import_module(module), attribute, None)
    except ImportError as exc:
        # Only a missing dbaudit module means "not built"; a missing third-party package is a real error.
        if exc.name is not None and exc.name.startswith("dbaudit"):
            return None
        raise


def load_target(spec: str, *, scratch_url: str | None = None) -> SchemaModel:
    """The audited schema from a URL, a ``.sql`` file or a model JSON file."""
    from dbaudit.sources import load_source  # noqa: PLC0415 - sources load lazily

    return load_source(spec, scratch_url=scratch_url)


def audit(
    target_spec: str,
    *,
    models: str | None = None,
    project_dir: str | None = None,
    migrations: str | None = None,
    code: str | None = None,
    config: Config | None = None,
    scratch_url: str | None = None,
    progress: Progress | None = None,
    since: str | None = None,
    stats: bool | None = None,
    stats_options: Any = None,
) -> AuditResult:
    """Run the whole audit; raises :class:`dbaudit.errors.DbauditError` on unreadable inputs.

    Migration hazards of revisions the database already ran are summarised in one note; those not
    yet applied (by the database's ``alembic_version``) and those after ``since`` are reported.
    Query statistics of a live PostgreSQL target are read when ``pg_stat_statements`` is available
    (``stats=None``), always (``True``: the other runtime facts even without it) or never
    (``False``); ``stats_options`` is a :class:`dbaudit.sources.stats.StatsOptions`.
    """
    from dbaudit.selection import validate_config  # noqa: PLC0415

    step = progress or progress_step
    config = validate_config(config or Config())  # a typo in a selector is an error, not an empty run
    notes: list[Note] = []
    step("reading the database")
    model = load_target(target_spec, scratch_url=scratch_url)
    notes.extend(Note(text) for text in model.source.notes)  # e.g. objects skipped: locked by DDL
    sources = [SourceRef(model.source.kind, redact_url(model.source.name), "target")]
    inputs: dict[str, Any] = {}
    if models is not None:
        step("reading the ORM models")
        inputs["models"] = _read_models(models, project_dir, notes)
        if inputs["models"] is not None:
            sources.append(SourceRef("orm", models, "models"))
    head: SchemaModel | None = None
    if migrations is not None:
        step("upgrading the migrations to head on a throw-away database")
        head = _read_head(migrations, scratch_url, notes)
        sources.append(SourceRef("alembic", migrations, "migrations"))
    if code is not None:
        step("scanning the application code")
        inputs["code"] = _scan_code(code, model, notes)
        if inputs["code"] is not None:
            sources.append(SourceRef("code", code, "code"))
    if stats is not False:
        inputs["runtime"] = _read_statistics(target_spec, model, inputs.get("code"), stats=stats,
                                                options=stats_options, notes=notes, step=step)
        if inputs["runtime"] is not None:
            sources.append(SourceRef("statistics", redact_url(model.source.name), "statistics"))
    if head is not None:
        inputs["migrations"] = head  # drift rules lend its migration locations to database objects
    if config.app_role:
        inputs["app_role"] = config.app_role
    inputs = {k: v for k, v in inputs.items() if v is not None}
    tenants = _plan_tenants(model, config, notes, step)
    audited = tenants.model if tenants is not None else model
    # Models vs database drift runs inside the engine when the drift rules are in the catalogue.
    drift_rules = inputs.get("models") is not None and _optional("dbaudit.drift.rules", "REGISTERED") is not None
    findings = _run_rules(audited, {**inputs, "tenants": tenants} if tenants else inputs, config, notes, step)
    findings += _drift(model, None if drift_rules else inputs.get("models"), head, notes, step)
    if migrations is not None:
        step("linting the migrations")
        findings += _lint(migrations, scratch_url, notes, applied_versions(target_spec, model), since)
    findings = _calibrate(findings, audited, inputs, config, notes)
    from dbaudit.engine import apply_config  # noqa: PLC0415

    kept, config_notes = apply_config(findings, config)
    declared = [object_locations((m,)) for m in (inputs.get("models"), head) if m is not None]
    located = [with_declarations(f, declared) for f in kept]
    return AuditResult(model, sort_findings(located), (*notes, *config_notes), tuple(sources), inputs,
                       alembic_versions=read_alembic_versions(target_spec, model), tenants=tenants)


def report_context(
    result: AuditResult, *, generated_at: datetime | None = None, database: DatabaseFacts | None = None,
) -> ReportContext:
    """The view model every report format of ``result`` is rendered from (:func:`dbaudit.report.render`);
    ``database`` names the database (the JSON's ``database``: name, Alembic revisions, fingerprints)."""
    from datetime import UTC  # noqa: PLC0415
    from datetime import datetime as clock  # noqa: PLC0415
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    from dbaudit.model.statistics import runtime_statistics  # noqa: PLC0415
    from dbaudit.report import build_context  # noqa: PLC0415

    try:
        dbaudit_version = version("dbaudit")
    except PackageNotFoundError:  # pragma: no cover - a source tree without install
        dbaudit_version = "0.0.0"
    models = result.inputs.get("models")
    return build_context(
        result.audited_model, result.findings, generated_at=generated_at or clock.now(UTC),
        dbaudit_version=dbaudit_version,
        notes=result.notes, sources=result.sources, code_facts=result.inputs.get("code"),
        locators=[m for m in (models, result.inputs.get("migrations")) if isinstance(m, SchemaModel)],
        models=models if isinstance(models, SchemaModel) else None,
        statistics=runtime_statistics(result.inputs), database=database, tenants=result.tenants,
    )


def _plan_tenants(model: SchemaModel, config: Config, notes: list[Note], step: Progress) -> TenantLayout | None:
    """The tenant clusters of ``model`` (``tenant-dedupe``), with a note saying what was folded."""
    if not config.tenant_dedupe:
        return None
    from dbaudit.tenants import may_share, plan_tenants  # noqa: PLC0415

    if not may_share(model, config.tenant_min_schemas):
        return None  # a cheap look: no two schemas with the same tables (no step shown for nothing)
    step("looking for schemas that share one structure (tenants)")
    layout = plan_tenants(model, min_schemas=config.tenant_min_schemas)
    if layout is not None:
        schemas = sum(len(c.schemas) for c in layout.clusters)
        notes.append(Note(msg("tenant schemas: {schemas:,} schemas share {structures:,} structures; the rules ran on "
                              "{audited:,} of {total:,} tables (one schema per structure) and each finding says "
                              "which schemas it applies to (tenant-dedupe = false audits every schema)",
                              schemas=schemas, structures=sum(len(c.groups) for c in layout.clusters),
                              audited=len(layout.model.tables), total=len(model.tables)), rule="tenants"))
    return layout


def calibration_input(
    model: SchemaModel, inputs: dict[str, Any], data: Mapping[str, DataFact] | None = None,
) -> CalibrationInput:
    """What the severity calibration weighs for an audit of ``model`` with ``inputs`` (code scan,
    statistics, models), plus data checks by finding fingerprint (``check-data``): a
    :class:`dbaudit.calibrate.CalibrationInput`. ``calibrate(result.findings, calibration_input(
    result.model, result.inputs, data), config)`` recalibrates an audit's findings."""
    from dbaudit.calibrate import CalibrationInput  # noqa: PLC0415

    models = inputs.get("models")
    return CalibrationInput(model, code=inputs.get("code"), runtime=inputs.get("runtime"),
                            models=models if isinstance(models, SchemaModel) else None, data=data or {})


def _calibrate(
    findings: list[Finding], model: SchemaModel, inputs: dict[str, Any], config: Config, notes: list[Note],
) -> list[Finding]:
    """Severities weighed by size, activity, code use and data (:mod:`dbaudit.calibrate`), before the
    configuration applies (a severity the user sets wins)."""
    from dbaudit.calibrate import calibrate  # noqa: PLC0415

    calibrated, calibration_notes = calibrate(findings, calibration_input(model, inputs), config)
    notes.extend(calibration_notes)
    return calibrated


def with_declarations(finding: Finding, declared: list[dict[str, Location]]) -> Finding:
    """A finding about a database object, with no file:line of its own, gets the lines where the models
    and the migrations declare that object: the place a developer will change."""
    if finding.locations or not finding.objects:
        return finding
    found = [loc for locations in declared if (loc := locations.get(finding.objects[0])) is not None]
    return replace(finding, locations=tuple(dict.fromkeys(found))) if found else finding


def _read_statistics(
    target_spec: str, model: SchemaModel, code: Any, *, stats: bool | None, options: Any, notes: list[Note],
    step: Progress,
) -> Any | None:
    """Runtime statistics of a live PostgreSQL target, or ``None`` with a note saying why not."""
    from dbaudit.sources import is_postgres_url  # noqa: PLC0415

    if model.source.kind != "postgresql" or not is_postgres_url(target_spec):
        if stats:
            notes.append(Note(
                msg("--stats needs a live PostgreSQL database; {kind} sources have no query statistics",
                    kind=model.source.kind) if model.source.kind != "postgresql" else
                msg("--stats needs a live PostgreSQL database; a model or snapshot file has no query statistics")))
        return None
    from dbaudit.sources.stats import StatsOptions, read_statistics  # noqa: PLC0415

    step("reading query statistics (pg_stat_statements, EXPLAIN)")
    chosen = options if isinstance(options, StatsOptions) else StatsOptions()
    found = read_statistics(target_spec, model, code=code,
                            options=dataclasses.replace(chosen, require=bool(stats)))
    if found is None:
        notes.append(Note(msg("query statistics not read: pg_stat_statements is not installed or not preloaded in "
                              "the audited database (--stats reads table activity, XID age, bloat and sequence "
                              "growth without it)")))
        return None
    notes.extend(Note(text, rule="statistics") for text in found.notes)
    return found


def _read_models(spec: str, project_dir: str | None, notes: list[Note]) -> SchemaModel | None:
    read_models = _optional("dbaudit.sources.orm", "read_models")
    if read_models is None:
        notes.append(Note(msg("--models given but this build cannot read ORM models; skipped")))
        return None
    model: SchemaModel = read_models(spec, project_dir=project_dir)
    return model


def _read_head(path: str, scratch_url: str | None, notes: list[Note]) -> SchemaModel | None:
    read_head = _optional("dbaudit.sources.alembic_head", "read_migrations_head")
    if read_head is None:
        notes.append(Note(msg("--migrations given but this build cannot upgrade migrations; head drift skipped")))
        return None
    head, _graph = read_head(path, scratch_url=scratch_url)
    model: SchemaModel = head
    return model


def _scan_code(path: str, model: SchemaModel, notes: list[Note]) -> Any | None:
    scan_code = _optional("dbaudit.sources.code", "scan_code")
    if scan_code is None:
        notes.append(Note(msg("--code given but this build has no code scanner; code rules skipped")))
        return None
    return scan_code(path, model)


def _run_rules(
    model: SchemaModel, inputs: dict[str, Any], config: Config, notes: list[Note], step: Progress
) -> list[Finding]:
    from dbaudit.engine import run_rules  # noqa: PLC0415
    from dbaudit.rules import RuleContext  # noqa: PLC0415 - importing registers every rule

    step("running the schema rules")
    # Suppressions and severities are applied once, over every analysis, at the end.
    selection_only = replace(config, per_object_ignores=(), per_file_ignores=(), severity=())
    run = run_rules(RuleContext(model=model, inputs=inputs), selection_only, report_unused=False)
    notes.extend(run.notes)
    tenants = inputs.get("tenants")
    # on a tenant cluster's audited model: each finding stated once for the schemas it applies to
    return tenants.state_once(run.findings) if tenants is not None else list(run.findings)


def _drift(
    model: SchemaModel, orm: SchemaModel | None, head: SchemaModel | None, notes: list[Note], step: Progress
) -> list[Finding]:
    if orm is None and head is None:
        return []
    compare = _optional("dbaudit.drift", "compare")
    if compare is None:
        notes.append(Note(msg("this build has no drift comparison; models/migrations were not compared")))
        return []
    out: list[Finding] = []
    if orm is not None:
        step("comparing the models with the database")
        out += compare(orm, model, left_role="models", right_role="database")
    if head is not None:
        step("comparing the migrations' head with the database")
        out += compare(head, model, left_role="migrations", right_role="database")
    return out


def _lint(
    path: str, scratch_url: str | None, notes: list[Note], versions: tuple[str, ...] | None, since: str | None
) -> list[Finding]:
    lint_migrations = _optional("dbaudit.migrations", "lint_migrations")
    if lint_migrations is None:
        notes.append(Note(msg("this build has no migration lint; migrations were not reviewed")))
        return []
    from dbaudit.migrations.history import applied_revisions, split_history  # noqa: PLC0415

    result = lint_migrations(path, scratch_url=scratch_url)
    notes.extend(result.notes)
    if result.migrations is None:
        return list(result.findings)
    applied = applied_revisions(result.migrations, versions) if versions is not None else None
    if versions is None:
        notes.append(Note(msg("the audited database has no readable alembic_version: every revision is linted as "
                              "pending")))
    kept, history = split_history(result.findings, result.migrations, applied=applied, since=since, where=path)
    notes.extend(history)
    return kept


def _is_version_table(table: Any) -> bool:
    """Alembic's bookkeeping table: one column, ``version_num`` (whatever the table's name)."""
    return len(table.columns) == 1 and table.columns[0].name == "version_num"


def read_alembic_versions(target_spec: str, model: SchemaModel) -> dict[str, tuple[str, ...]] | None:
    """The revisions in every Alembic version table of a live target (``{"public.alembic_version":
    ("3f2a…",)}``), read-only, as snapshots record them; ``None`` when the target is not a live
    database, has no version table or cannot be read again."""
    if "://" not in target_spec or not any(_is_version_table(t) for t in model.tables):
        return None
    from dbaudit.errors import DbauditError  # noqa: PLC0415
    from dbaudit.live import open_live  # noqa: PLC0415

    try:
        with open_live(target_spec) as db:
            return db.alembic_versions() or None
    except DbauditError:
        return None


def applied_versions(target_spec: str, model: SchemaModel) -> tuple[str, ...] | None:
    """The revisions in the audited database's ``alembic_version`` table (read-only), or ``None``
    when the target is not a live PostgreSQL database or has no such table."""
    table = next((t for t in model.tables if t.name == "alembic_version"), None)
    if table is None or model.source.kind != "postgresql":
        return None
    import psycopg  # noqa: PLC0415

    from dbaudit.errors import DbauditError  # noqa: PLC0415
    from dbaudit.sources.postgres.connect import connect_readonly  # noqa: PLC0415
    from dbaudit.sqltext import qualified  # noqa: PLC0415

    try:
        with connect_readonly(target_spec) as conn:
            rows = conn.execute(f"SELECT version_num FROM {qualified(table.schema, table.name)}").fetchall()
    except (DbauditError, psycopg.Error):  # unknown version: every revision is linted in full
        return None
    return tuple(str(row[0]) for row in rows)


__all__ = ["AuditResult", "Progress", "audit", "calibration_input", "load_target", "read_alembic_versions",
           "report_context"]
