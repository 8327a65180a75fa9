"""Fleets: many databases audited at once, and the aggregated report over them (``dbaudit fleet``).

- :func:`audit_fleet` audits every target of a fleet file or a list of URLs concurrently (a bounded
  pool of worker processes, a time limit per database), writes each database's report set as
  ``dbaudit audit -o`` does (``OUT/<name>/report.*``) and returns a :class:`FleetResult`;
- :func:`merge_fleet` builds the same result from JSON reports written by separate ``dbaudit audit``
  runs (``--fleet-name NAME``), e.g. one Kubernetes Job per database;
- :func:`write_fleet_report` writes the aggregated report: ``fleet.md``, ``fleet.json``
  (``docs/fleet-schema-v1.json``) and ``fleet.html``.

The aggregated report shows findings by database × rule, the structure drift between the databases
(grouped by schema fingerprint, each group against the largest), and the Alembic revisions side by
side. :meth:`FleetResult.exit_code` follows ``audit``: 2 when a database could not be audited, 1 when
one has a finding at or above its fail-on severity, else 0.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from dbaudit.errors import DbauditError
from dbaudit.fleet.aggregate import FleetResult, RuleRow, StructureGroup
from dbaudit.fleet.config import FleetConfig, FleetTarget, fleet_from_targets, load_fleet
from dbaudit.fleet.run import FleetEvent, PoolStats
from dbaudit.fleet.summary import DatabaseSummary, failed
from dbaudit.fleet.worker import REPORT_FORMATS, AuditJob

if TYPE_CHECKING:
    from dbaudit.config import Config, Lang

DEFAULT_CONCURRENCY = 8
DEFAULT_TIMEOUT_S = 600.0
FLEET_FORMATS = ("md", "json", "html")
FLEET_FILES = {"md": "fleet.md", "json": "fleet.json", "html": "fleet.html"}


def audit_fleet(
    fleet: FleetConfig | str | Path | Sequence[str],
    *,
    output_dir: str | Path | None = None,
    formats: Sequence[str] = REPORT_FORMATS,
    concurrency: int | None = None,
    timeout_s: float | None = None,
    lang: str | None = None,
    fail_on: str | None = None,
    stats: bool | None = None,
    scratch_url: str | None = None,
    on_event: Callable[[FleetEvent], None] | None = None,
) -> FleetResult:
    """Audit every database of ``fleet`` (a fleet file, a :class:`FleetConfig` or a list of URLs).

    At most ``concurrency`` audits run at once (default: the file's, else 8); each gets ``timeout_s``
    seconds (default: the target's, the file's, else 600) and fails alone when it runs out, as one
    that cannot connect does. With ``output_dir`` each database's reports (``formats``) are written to
    ``output_dir/<name>/``. ``fail_on`` (default: the file's, else each target's configuration) sets
    the severity that makes the exit code 1. A configuration file that cannot be read raises
    :class:`dbaudit.errors.UsageError` before anything runs.
    """
    from dbaudit.fleet.run import run_jobs  # noqa: PLC0415

    config = _fleet_config(fleet)
    if not config.targets:
        raise DbauditError("the fleet has no databases")
    chosen_fail_on = fail_on or config.fail_on
    out = Path(output_dir) if output_dir is not None else None
    started = time.perf_counter()
    jobs: list[AuditJob] = []
    timeouts: list[float] = []
    early: dict[str, DatabaseSummary] = {}
    for target in config.targets:
        settings = _target_config(target, config, chosen_fail_on, lang)
        try:
            url = target.resolve_url()
        except DbauditError as exc:  # a missing variable: this database fails, the others run
            early[target.name] = failed(target.name, "error", str(exc), fail_on=settings.fail_on.name)
            continue
        jobs.append(AuditJob(target, url, settings, out, tuple(formats), lang or settings.lang, stats, scratch_url))
        timeouts.append(target.timeout_s or timeout_s or config.timeout_s or DEFAULT_TIMEOUT_S)
    _warm_up()
    chosen = concurrency or config.concurrency or DEFAULT_CONCURRENCY
    summaries, pool = run_jobs(jobs, concurrency=chosen, timeouts=timeouts, on_event=on_event) if jobs else (
        [], PoolStats(0, chosen))
    databases = sorted([*summaries, *early.values()], key=lambda s: s.name)
    return FleetResult(
        tuple(databases), generated_at=datetime.now(UTC), dbaudit_version=_version(), mode="run",
        concurrency=pool.concurrency, peak_running=pool.peak_running, elapsed_s=time.perf_counter() - started,
        source=str(config.path) if config.path is not None else None,
    )


def merge_fleet(
    directory: str | Path, *, expected: Sequence[str] | FleetConfig | str | Path = (), fail_on: str | None = None,
) -> FleetResult:
    """The aggregated result of the audit JSON reports under ``directory``; ``expected`` (names, or a
    fleet file whose targets are expected) turns a missing report into a failed database. Findings
    count against ``fail_on`` (default P1)."""
    from dbaudit.fleet.merge import read_reports  # noqa: PLC0415

    if isinstance(expected, FleetConfig | str | Path):
        config = expected if isinstance(expected, FleetConfig) else load_fleet(expected)
        names: Sequence[str] = [t.name for t in config.targets]
        fail_on = fail_on or config.fail_on
    else:
        names = expected
    summaries, notes = read_reports(directory, expected=names, fail_on=fail_on or "P1")
    if not summaries:
        raise DbauditError(f"{directory}: no audit report (JSON) found")
    return FleetResult(tuple(summaries), generated_at=datetime.now(UTC), dbaudit_version=_version(), mode="merge",
                       source=str(directory), notes=tuple(notes))


def write_fleet_report(
    result: FleetResult, output_dir: str | Path, *, formats: Sequence[str] = FLEET_FORMATS, lang: str = "en",
    reports_dir: str | Path | None = None,
) -> list[Path]:
    """Write the aggregated report (``fleet.md``, ``fleet.json``, ``fleet.html``) into ``output_dir``,
    as one set; links to each database's reports are relative to ``reports_dir`` (default: the same
    directory). Returns the files written."""
    from dbaudit.atomic import write_set_atomic  # noqa: PLC0415
    from dbaudit.fleet.render import render_fleet  # noqa: PLC0415

    out = Path(output_dir)
    base = os.path.relpath(Path(reports_dir).resolve(), out.resolve()) if reports_dir is not None else "."
    files = {FLEET_FILES[fmt]: render_fleet(result, fmt, lang=lang, base=base) for fmt in formats}
    return list(write_set_atomic(out, files, family=FLEET_FILES.values()).written)


def _fleet_config(fleet: FleetConfig | str | Path | Sequence[str]) -> FleetConfig:
    if isinstance(fleet, FleetConfig):
        return fleet
    if isinstance(fleet, str | Path):
        return load_fleet(fleet) if str(fleet).endswith(".toml") else fleet_from_targets([str(fleet)])
    return fleet_from_targets(list(fleet))


def _target_config(target: FleetTarget, config: FleetConfig, fail_on: str | None, lang: str | None) -> Config:
    """The dbaudit configuration of one target's audit: its file (else the nearest one from its
    project or the fleet file's directory), the fleet's fail-on and language over it."""
    from dbaudit.selection import command_config  # noqa: PLC0415

    return command_config(target.config, start_dir=target.project or config.base_dir, fail_on=fail_on,
                          lang=cast("Lang | None", lang))


def _warm_up() -> None:
    """Import and compile what every audit uses once, before the workers fork: they share it instead
    of each paying for it again (the driver, the catalog reader, the rules, the report templates: about
    0.6 s of CPU per process otherwise, several times the audit of a small database)."""
    from importlib import import_module  # noqa: PLC0415

    for module in ("psycopg", "dbaudit.auditing", "dbaudit.atomic", "dbaudit.live.postgres", "dbaudit.rules",
                   "dbaudit.sources.postgres.reader", "dbaudit.sources.stats", "dbaudit.output.sarif",
                   "dbaudit.report.json_report", "dbaudit.report.sarif"):
        import_module(module)
    from dbaudit.report import html, markdown  # noqa: PLC0415

    html.environment().get_template("report.html.j2")  # compiled once, cached in the environment
    markdown.environment().get_template("report.md.j2")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return version("dbaudit")
    except PackageNotFoundError:  # pragma: no cover - a source tree without install
        return "0.0.0"


__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_TIMEOUT_S",
    "FLEET_FILES",
    "FLEET_FORMATS",
    "DatabaseSummary",
    "FleetConfig",
    "FleetEvent",
    "FleetResult",
    "FleetTarget",
    "RuleRow",
    "StructureGroup",
    "audit_fleet",
    "load_fleet",
    "merge_fleet",
    "write_fleet_report",
]
