"""``check-data``: run the verification of each finding on live data, read-only, within time limits.

:func:`check_data` audits a live PostgreSQL database (the same inputs as :func:`dbaudit.audit`), builds
one :class:`DataCheck` per finding that has one (orphan rows of missing foreign keys, rows breaking a
redundant column's consistency, ids repeated across partitions, values near a column's length limit,
NULLs in columns a fix makes NOT NULL, values in use of status columns, sequence exhaustion,
partitions missing ahead), runs them (:mod:`dbaudit.checkdata.runner`) and applies the results to the
findings (:mod:`dbaudit.checkdata.results`) as evidence, then recalibrates them (:mod:`dbaudit.calibrate`:
confirmed by the data rises a level unless something lowers it; cleared says so). Nothing is ever
written to the audited database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dbaudit.checkdata.checks import CheckOptions, DataCheck, checks_for
from dbaudit.checkdata.results import CheckResult, Outcome, apply_results, with_severity_change
from dbaudit.checkdata.runner import run_checks
from dbaudit.errors import UsageError
from dbaudit.findings import Finding, sort_findings

if TYPE_CHECKING:
    from dbaudit.auditing import AuditResult
    from dbaudit.config import Config
    from dbaudit.model.schema import SchemaModel


@dataclass(frozen=True)
class CheckDataResult:
    """The audit with its findings updated by the data, and every check's result."""

    audit: AuditResult
    results: tuple[CheckResult, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.audit.findings

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)


def require_live_postgres(target: str, model: SchemaModel) -> None:
    if model.source.kind != "postgresql" or "://" not in target:
        raise UsageError("check-data needs a live PostgreSQL database URL (a .sql file or a model JSON has no rows)")


def check_findings(
    url: str, model: SchemaModel, findings: tuple[Finding, ...], options: CheckOptions | None = None, *,
    inputs: Mapping[str, Any] | None = None, config: Config | None = None,
) -> tuple[tuple[Finding, ...], tuple[CheckResult, ...]]:
    """Run the data check of every finding that has one; the findings come back with the results as
    evidence and recalibrated (:mod:`dbaudit.calibrate` weighs the data with size, activity and code
    use of the audit's ``inputs``: confirmed by the data rises a level, unless something lowers it)."""
    from dbaudit.auditing import calibration_input  # noqa: PLC0415
    from dbaudit.calibrate import calibrate  # noqa: PLC0415

    opts = options or CheckOptions()
    require_live_postgres(url, model)
    results = run_checks(url, list(checks_for(findings, model, opts)), opts)
    checked = apply_results(findings, results)
    recalibrated, _notes = calibrate(checked, calibration_input(model, dict(inputs or {})), config)
    changed = [with_severity_change(b, a) for b, a in zip(checked, recalibrated, strict=True)]
    return sort_findings(changed), results


def check_data(
    target: str,
    *,
    config: Config | None = None,
    models: str | None = None,
    project_dir: str | None = None,
    migrations: str | None = None,
    options: CheckOptions | None = None,
    scratch_url: str | None = None,
    step: Callable[[str], None] | None = None,
) -> CheckDataResult:
    """Audit ``target`` (a PostgreSQL URL) and check its findings on the data; read-only."""
    from dbaudit.auditing import audit  # noqa: PLC0415

    result = audit(target, models=models, project_dir=project_dir, migrations=migrations, config=config,
                   scratch_url=scratch_url, progress=step)
    findings, results = check_findings(target, result.model, result.findings, options,
                                       inputs=result.inputs, config=config)
    return CheckDataResult(replace(result, findings=findings), results)


__all__ = [
    "CheckDataResult",
    "CheckOptions",
    "CheckResult",
    "DataCheck",
    "Outcome",
    "apply_results",
    "check_data",
    "check_findings",
    "checks_for",
    "run_checks",
]
