"""One database's audit inside a fleet run: the ordinary audit (:func:`dbaudit.audit`), its report set
written as ``dbaudit audit -o`` writes it, and the summary the aggregated report needs."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dbaudit.fleet.summary import DatabaseSummary, summary_from_report

if TYPE_CHECKING:
    from dbaudit.config import Config
    from dbaudit.fleet.config import FleetTarget

REPORT_FORMATS = ("md", "html", "json", "sarif")


@dataclass(frozen=True)
class AuditJob:
    """Everything one database's audit needs, resolved before it starts (URL, configuration)."""

    target: FleetTarget
    url: str
    config: Config
    output_dir: Path | None
    formats: tuple[str, ...]
    lang: str
    stats: bool | None = None
    scratch_url: str | None = None

    @property
    def report_dir(self) -> Path | None:
        return None if self.output_dir is None else self.output_dir / self.target.slug


def audit_database(job: AuditJob) -> DatabaseSummary:
    """Audit one database, write its reports, and summarise them; errors propagate (one line each)."""
    from dbaudit.atomic import write_set_atomic  # noqa: PLC0415
    from dbaudit.auditing import audit, report_context  # noqa: PLC0415
    from dbaudit.fleet.facts import database_facts  # noqa: PLC0415
    from dbaudit.output import default_docs_base  # noqa: PLC0415
    from dbaudit.output.paths import PathMapper  # noqa: PLC0415
    from dbaudit.report import FORMATS, render  # noqa: PLC0415

    started = time.perf_counter()
    target = job.target
    result = audit(job.url, models=target.models, project_dir=target.project, migrations=target.migrations,
                   code=target.code, config=job.config, scratch_url=job.scratch_url, progress=_quiet,
                   stats=job.stats)
    context = report_context(result, database=database_facts(result, target=job.url, name=target.name,
                                                               with_fingerprints=True))
    paths = PathMapper.for_run([target.project, target.migrations, target.code, "."])
    docs = default_docs_base()
    texts = {fmt: render(context, fmt, lang=job.lang, docs_base_uri=docs, paths=paths) for fmt in job.formats}
    document = json.loads(texts["json"] if "json" in texts else render(context, "json"))
    if job.report_dir is not None and texts:
        write_set_atomic(job.report_dir, {FORMATS[fmt]: text for fmt, text in texts.items()},
                         family=FORMATS.values())
    return summary_from_report(
        document, name=target.name, fail_on=job.config.fail_on.name, elapsed_s=time.perf_counter() - started,
        reports=tuple(f"{target.slug}/{FORMATS[fmt]}" for fmt in texts) if job.report_dir is not None else (),
    )


def _quiet(_step: str) -> None:
    """The audit's steps are not shown one by one in a fleet: the fleet shows each database's outcome."""


__all__ = ["REPORT_FORMATS", "AuditJob", "audit_database"]
