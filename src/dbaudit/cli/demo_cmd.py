"""``dbaudit demo``: the bundled WhaleFall example, built and audited end to end.

Starts an embedded PostgreSQL (no server needed), upgrades the example's Alembic migrations to head,
fills it with generated data, then audits it with everything dbaudit has: schema rules, drift
against the example's models and migrations, the migration review and the code scan. Reports go to
``./dbaudit-report/``. ``--database URL`` builds the example into that database and leaves it there.

``--stats`` adds query statistics: the embedded server is started with ``pg_stat_statements``
preloaded (from the PostgreSQL binaries on this machine), the example's read paths run against the
loaded database (``scripts/workload.py``), and the audit reads ``pg_stat_statements``, plans the top
statements and checks candidate indexes with HypoPG when the server has it (section B).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from importlib.resources import as_file, files
from pathlib import Path

import click

from dbaudit.cli.common import check_output, guarded, progress, stderr
from dbaudit.errors import SourceError, UsageError
from dbaudit.redact import redact_text, redact_url

EXAMPLE = "whalefall"
MODELS_IMPORT = "app.models:Base"
STATS_SETTINGS = {"shared_preload_libraries": "pg_stat_statements"}
# Imported by the example project itself (not by dbaudit): installed with ``dbaudit[demo]``.
EXAMPLE_REQUIRES = ("cryptography",)


def check_example_requirements() -> None:
    """The example's own dependencies are an extra: say what to install before starting anything."""
    import importlib.util  # noqa: PLC0415

    missing = [name for name in EXAMPLE_REQUIRES if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(f"the demo's example project needs {', '.join(missing)}: "
                         "pip install 'dbaudit[demo]' (or install it into this environment)")


def example_dir() -> Path:
    """Directory of the bundled example project (inside the installed package)."""
    with as_file(files("dbaudit") / "examples" / EXAMPLE) as path:
        return Path(path)


def build_example(url: str, *, scale: float, seed: int) -> str:
    """Run the example's own build script (migrations + data) in a child process; returns its output."""
    try:
        return run_example_script("build.py", url, "--scale", str(scale), "--seed", str(seed))
    except SourceError as exc:
        raise SourceError(f"building the example failed: {exc}") from None


def run_example_script(name: str, *args: str) -> str:
    """Run one of the example's scripts in a child process (its ``app`` package stays out of dbaudit)."""
    project = example_dir()
    env = {**os.environ, "PYTHONPATH": str(project)}
    done = subprocess.run([sys.executable, str(project / "scripts" / name), *args], cwd=project, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        # the child's last line is its exception ("psycopg.OperationalError: ..."): one line, redacted
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit code {done.returncode}"
        raise SourceError(f"{name} failed: {redact_text(last, tuple(a for a in args if '://' in a))}")
    return done.stdout


def prepare_statistics(url: str, *, rounds: int = 2) -> bool:
    """Give the built example statistics: install pg_stat_statements (and HypoPG when the server has
    it) in schema ``extensions``, VACUUM ANALYZE as a production database is, reset the statistics,
    then run the application's read paths. Writes to the example's own database only; returns whether
    HypoPG is installed."""
    import psycopg  # noqa: PLC0415

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            # In a schema of their own, as extension-in-public asks.
            conn.execute("CREATE SCHEMA IF NOT EXISTS extensions")
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements SCHEMA extensions")
            row = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'").fetchone()
            hypopg = row is not None
            if hypopg:
                conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg SCHEMA extensions")
            conn.execute("VACUUM ANALYZE")
            conn.execute("SELECT extensions.pg_stat_statements_reset()")
    except psycopg.Error as exc:
        raise SourceError(f"preparing query statistics failed: {redact_text(str(exc).splitlines()[0], (url,))}") \
            from None
    run_example_script("workload.py", url, "--rounds", str(rounds))
    return hypopg


def _check_reachable(url: str) -> None:
    """A bad URL or password fails here, in one line, before the example's build script runs."""
    from dbaudit.sources.postgres.connect import connect_readonly  # noqa: PLC0415

    connect_readonly(url).close()


@click.command("demo")
@click.option("--database", "database_url", metavar="URL",
              help="Build the example into this database and leave it there (default: embedded, temporary).")
@click.option("-o", "--output", "output_dir", default="dbaudit-report", show_default=True, metavar="DIR",
              help="Where the reports are written.")
@click.option("--scale", type=click.FloatRange(min=0, min_open=True, max=1000), default=1.0, show_default=True,
              help="Size of the generated data (greater than 0).")
@click.option("--seed", type=int, default=42, show_default=True, help="Seed of the data generator.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--format", "formats", default="md,html,json,sarif", show_default=True, metavar="LIST")
@click.option("--scratch-url", metavar="URL", help="Server for throw-away databases (default: embedded).")
@click.option("--stats", is_flag=True,
              help="Run the example's read paths with pg_stat_statements (and HypoPG) and report them (section B).")
@click.option("--quiet", "-q", is_flag=True, help="No list of findings on stderr (the counts only).")
@guarded
def demo_command(  # noqa: PLR0917 - click passes every option as an argument
    database_url: str | None, output_dir: str, scale: float, seed: int, lang: str, formats: str,
    scratch_url: str | None, stats: bool, quiet: bool,
) -> None:
    """Build the bundled WhaleFall example and audit it (no database server needed)."""
    from dbaudit.auditing import audit  # noqa: PLC0415 - heavy imports after argument parsing
    from dbaudit.cli.audit_cmd import emit_reports, parse_formats  # noqa: PLC0415
    from dbaudit.config import Config  # noqa: PLC0415
    from dbaudit.output.paths import PathMapper  # noqa: PLC0415
    from dbaudit.scratch import embedded_server, scratch_server  # noqa: PLC0415

    chosen = parse_formats(formats, to_dir=True)
    check_example_requirements()
    check_output(output_dir, directory=True)
    project = example_dir()
    started = time.monotonic()
    with progress("starting PostgreSQL") as step, contextlib.ExitStack() as cleanup:
        if database_url is None:
            server = embedded_server(STATS_SETTINGS) if stats and not scratch_url else scratch_server(scratch_url)
            stderr.print(f"[dim]PostgreSQL for the demo: {server.description}[/]")
            # A throw-away database, dropped at the end even on a named server.
            url = cleanup.enter_context(server.database())
        else:
            url = database_url
            _check_reachable(url)
        step(f"building the WhaleFall example (migrations + data, scale {scale})")
        build_example(url, scale=scale, seed=seed)
        stderr.print(f"[green]built[/] the WhaleFall example into {redact_url(url)}")
        if stats:
            step("running the example's read paths with pg_stat_statements")
            prepare_statistics(url)
        result = audit(
            url, models=MODELS_IMPORT, project_dir=str(project), migrations=str(project), code=str(project),
            config=Config(), scratch_url=scratch_url, progress=step, stats=True if stats else None,
        )
        step("writing the reports")
        # The example project is the "repository" its report's SARIF paths are relative to.
        emit_reports(result, chosen, output_dir, lang, quiet=quiet, paths=PathMapper(project, (project,)))
    elapsed = time.monotonic() - started
    report = Path(output_dir) / "report.md"
    stderr.print(f"[bold]demo finished in {elapsed:.0f} s[/]: open {report} (also .html, .json, .sarif)")
    if database_url is not None:
        stderr.print(f"the example database stays at {redact_url(database_url)} for you to explore")
