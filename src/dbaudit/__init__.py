"""dbaudit: audit a project's database the way a senior DBA would.

The public API (see docs/api.md)::

    import dbaudit

    result = dbaudit.audit("postgresql://app@db/app", models="app.models:Base")   # AuditResult
    model = dbaudit.inspect("schema.sql")                                         # SchemaModel
    review = dbaudit.lint_migrations("migrations")                                # LintResult

Names are resolved on first use, so ``import dbaudit`` (and every CLI start-up) stays cheap: the
sources, rules and reports load only when asked for. No submodule is named like an exported
function, so ``dbaudit.audit`` is always the function.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dbaudit.api import audit_fleet, inspect, lint_migrations, merge_fleet
    from dbaudit.auditing import AuditResult, audit
    from dbaudit.checkdata import check_data
    from dbaudit.config import Config, load_config
    from dbaudit.docs import build_docs, check_docs, generate_docs
    from dbaudit.drift import compare
    from dbaudit.findings import Finding, Severity
    from dbaudit.fix import apply_fix, plan_fix, write_fix
    from dbaudit.fleet import FleetResult, write_fleet_report
    from dbaudit.migrations import LintResult
    from dbaudit.model import SchemaModel
    from dbaudit.rules.registry import Rule, RuleContext, rule
    from dbaudit.serve import start_server
    from dbaudit.snapshot import diff_snapshots, read_snapshot, take_snapshot, write_snapshot
    from dbaudit.sources import load_source
    from dbaudit.sources.stats import read_statistics
    from dbaudit.verify import verify_databases

_EXPORTS = {
    "audit": "dbaudit.auditing",
    "AuditResult": "dbaudit.auditing",
    "check_data": "dbaudit.checkdata",
    "plan_fix": "dbaudit.fix",
    "write_fix": "dbaudit.fix",
    "apply_fix": "dbaudit.fix",
    "inspect": "dbaudit.api",
    "lint_migrations": "dbaudit.api",
    "audit_fleet": "dbaudit.api",
    "merge_fleet": "dbaudit.api",
    "FleetResult": "dbaudit.fleet",
    "write_fleet_report": "dbaudit.fleet",
    "LintResult": "dbaudit.migrations",
    "Config": "dbaudit.config",
    "load_config": "dbaudit.config",
    "build_docs": "dbaudit.docs",
    "check_docs": "dbaudit.docs",
    "generate_docs": "dbaudit.docs",
    "compare": "dbaudit.drift",
    "Finding": "dbaudit.findings",
    "Severity": "dbaudit.findings",
    "SchemaModel": "dbaudit.model",
    "Rule": "dbaudit.rules.registry",
    "RuleContext": "dbaudit.rules.registry",
    "rule": "dbaudit.rules.registry",
    "load_source": "dbaudit.sources",
    "read_statistics": "dbaudit.sources.stats",
    "take_snapshot": "dbaudit.snapshot",
    "diff_snapshots": "dbaudit.snapshot",
    "read_snapshot": "dbaudit.snapshot",
    "write_snapshot": "dbaudit.snapshot",
    "verify_databases": "dbaudit.verify",
    "start_server": "dbaudit.serve",
}

__all__ = [
    "AuditResult",
    "Config",
    "Finding",
    "FleetResult",
    "LintResult",
    "Rule",
    "RuleContext",
    "SchemaModel",
    "Severity",
    "__version__",
    "apply_fix",
    "audit",
    "audit_fleet",
    "build_docs",
    "check_data",
    "check_docs",
    "compare",
    "diff_snapshots",
    "generate_docs",
    "inspect",
    "lint_migrations",
    "load_config",
    "load_source",
    "merge_fleet",
    "plan_fix",
    "read_snapshot",
    "read_statistics",
    "rule",
    "start_server",
    "take_snapshot",
    "verify_databases",
    "write_fix",
    "write_fleet_report",
    "write_snapshot",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

        try:
            return version("dbaudit")
        except PackageNotFoundError:  # pragma: no cover - a source tree without install
            return "0.0.0"
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'dbaudit' has no attribute {name!r}")
