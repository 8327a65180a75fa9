"""``fix``: the selected findings' fixes as one safe, reversible migration (Alembic revision or SQL).

:func:`plan_fix` audits the target (read-only), keeps the findings of the selected rules (or the
findings named by id), runs the data checks that decide whether data blocks a fix (orphans before a
foreign key, inconsistent rows before a composite key, NULLs before NOT NULL; read-only, full scans
under ``statement_timeout``) and the value census a CHECK is written from, and builds the
:class:`~dbaudit.fix.plan.FixPlan`. :func:`write_fix` writes it as an Alembic revision chained to the
project's head or as ``upgrade.sql``/``downgrade.sql``, plus ``model_patch.diff`` for what only the ORM
models can fix. Nothing is written to the database unless :func:`apply_fix` is called (``--apply``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dbaudit.checkdata.checks import CheckOptions, checks_for
from dbaudit.checkdata.results import CheckResult
from dbaudit.errors import UsageError
from dbaudit.findings import Finding
from dbaudit.fix.plan import FixItem, FixPlan, NotFixed, build_plan, plan_item
from dbaudit.fix.render import Provenance
from dbaudit.fix.steps import Unsupported

if TYPE_CHECKING:
    from dbaudit.auditing import AuditResult
    from dbaudit.config import Config
    from dbaudit.fix.apply import Applied
    from dbaudit.model.schema import SchemaModel

FORMATS = ("alembic", "sql")
PATCH_FILE = "model_patch.diff"
ORM_KEY_RULE = "partitioned-orm-key-mismatch"
VALUES_RULE = "status-without-check"


@dataclass(frozen=True)
class FixResult:
    """The plan and what it was built from."""

    plan: FixPlan
    audit: AuditResult
    results: tuple[CheckResult, ...] = ()
    patch: str = ""                                   # unified diff of ORM model changes
    patched: tuple[Finding, ...] = ()                 # findings the model patch covers
    notes: tuple[str, ...] = field(default=())        # selected rules with nothing to fix, ids not found

    @property
    def model(self) -> SchemaModel:
        model: SchemaModel = self.audit.model
        return model


def plan_fix(
    target: str,
    *,
    select: Sequence[str] = (),
    finding_ids: Sequence[str] = (),
    config: Config | None = None,
    models: str | None = None,
    project_dir: str | None = None,
    scratch_url: str | None = None,
    step: Callable[[str], None] | None = None,
    timeout_s: float = 120.0,
) -> FixResult:
    """Audit ``target`` and plan the fixes of the selected findings; reads, never writes."""
    from dbaudit.auditing import audit  # noqa: PLC0415
    from dbaudit.config import Config as ConfigType  # noqa: PLC0415
    from dbaudit.report.grouping import consolidate  # noqa: PLC0415

    if not select and not finding_ids:
        raise UsageError("choose what to fix: --select RULES or --finding ID")
    base = config or ConfigType()
    chosen = base.merged(select=list(select)) if select else base
    result = audit(target, models=models, project_dir=project_dir, config=chosen, scratch_url=scratch_url,
                   progress=step)
    entries = consolidate(result.findings)
    notes: list[str] = []
    if finding_ids:
        picked = [e for e in entries if any(e.id.startswith(i) for i in finding_ids)]
        notes += [f"--finding {i}: no finding has this id" for i in finding_ids
                  if not any(e.id.startswith(i) for e in entries)]
    else:
        picked = list(entries)
    notes += [f"--select {s}: no finding to fix" for s in select
              if not any(s in (e.finding.rule, e.finding.category) for e in picked)]
    if step is not None:
        step("checking the data the fixes depend on")
    results = _data_checks(target, result.model, [e.finding for e in picked], timeout_s)
    by_key = {r.check.key: r for r in results}
    items: list[FixItem | NotFixed] = []
    patched: list[Finding] = []
    edits: list[object] = []
    for entry in picked:
        finding = entry.finding
        if finding.rule == ORM_KEY_RULE:
            outcome = _orm_patch(finding, result, project_dir)
            if isinstance(outcome, str):
                items.append(NotFixed(finding, entry.id, outcome))
            else:
                patched.append(finding)
                edits += outcome
            continue
        data_result = by_key.get((finding.rule, finding.objects))
        fix_sql = finding.fix_sql
        if finding.rule == VALUES_RULE:
            from dbaudit.fix.special import values_check_sql  # noqa: PLC0415

            try:
                fix_sql = values_check_sql(finding, result.model, data_result)
            except Unsupported as exc:
                items.append(NotFixed(finding, entry.id, str(exc)))
                continue
            data_result = None  # the census shapes the CHECK; it never blocks it
        items.append(plan_item(finding, entry.id, result.model, fix_sql, data_result))
    plan = build_plan(items, result.model)
    patch = ""
    if edits and project_dir is not None:
        from dbaudit.fix.patch import Edit, unified_diff  # noqa: PLC0415

        patch = unified_diff(Path(project_dir), [e for e in edits if isinstance(e, Edit)])
    return FixResult(plan, result, results, patch, tuple(patched), tuple(notes))


def _data_checks(target: str, model: SchemaModel, findings: list[Finding], timeout_s: float,
                 ) -> tuple[CheckResult, ...]:
    """The checks that decide a fix (blocking data, values in use), in full; none without live rows."""
    if model.source.kind != "postgresql" or "://" not in target:
        return ()
    from dbaudit.checkdata.runner import run_checks  # noqa: PLC0415

    options = CheckOptions(full=True, timeout_s=timeout_s, samples=5)
    checks = [c for c in checks_for(findings, model, options) if c.blocks_fix or c.rule == VALUES_RULE]
    return run_checks(target, checks, options) if checks else ()


def _orm_patch(finding: Finding, result: AuditResult, project_dir: str | None) -> list[object] | str:
    from dbaudit.fix.patch import orm_key_edits  # noqa: PLC0415
    from dbaudit.model.schema import SchemaModel as Model  # noqa: PLC0415

    orm = result.inputs.get("models")
    if not isinstance(orm, Model) or project_dir is None:
        return "the ORM models must change (give --models and --project to get a patch)"
    edits = orm_key_edits(finding, orm, Path(project_dir))
    return edits if isinstance(edits, str) else list(edits)


def provenance(target: str, command: str) -> Provenance:
    from dbaudit import __version__  # noqa: PLC0415
    from dbaudit.redact import redact_url  # noqa: PLC0415

    return Provenance(redact_url(target), datetime.now(UTC).isoformat(timespec="seconds"), __version__, command)


def write_fix(
    result: FixResult,
    output_dir: str | Path,
    *,
    fmt: str = "alembic",
    source: Provenance,
    down_revision: str | None = None,
    revision: str | None = None,
    message: str = "dbaudit fixes",
) -> list[Path]:
    """Write the plan (and the model patch) into ``output_dir``; returns the files written."""
    from dbaudit.atomic import write_text_atomic  # noqa: PLC0415

    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (expected {' or '.join(FORMATS)})")
    directory = Path(output_dir)
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"output path {directory} exists and is not a directory")
    files: dict[str, str] = {}
    if fmt == "alembic":
        from dbaudit.fix.alembic_out import new_revision_id, render_revision  # noqa: PLC0415

        rev = revision or new_revision_id()
        files[f"{rev}_dbaudit_fixes.py"] = render_revision(result.plan, source, revision=rev,
                                                           down_revision=down_revision, message=message)
    else:
        from dbaudit.fix.sql_out import render_downgrade, render_upgrade  # noqa: PLC0415

        files["upgrade.sql"] = render_upgrade(result.plan, source)
        files["downgrade.sql"] = render_downgrade(result.plan, source)
    if result.patch:
        files[PATCH_FILE] = result.patch
    written = []
    try:
        for name, text in files.items():
            path = directory / name
            write_text_atomic(path, text)
            written.append(path)
    except OSError as exc:
        raise UsageError(f"cannot write the fix to {directory}: {exc.strerror or exc}") from None
    return written


def apply_fix(result: FixResult, target: str) -> Applied:
    """Run the planned upgrade on ``target`` now: the one time dbaudit writes to an audited database."""
    from dbaudit.fix.apply import apply_plan  # noqa: PLC0415

    return apply_plan(target, result.plan)


__all__ = ["FORMATS", "FixResult", "apply_fix", "plan_fix", "provenance", "write_fix"]
