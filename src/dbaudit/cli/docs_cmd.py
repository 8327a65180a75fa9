"""``dbaudit docs``: write the schema reference (Markdown pages and one HTML file), or check that the
committed one is current (``--check DIR``: exit 1 with a unified diff when it is not, for CI)."""

from __future__ import annotations

import os
import sys

import click

from dbaudit.cli.common import EXIT_FINDINGS, EXIT_OK, guarded, progress, stderr
from dbaudit.errors import UsageError


@click.command("docs")
@click.argument("target", required=False)
@click.option("-o", "--output", "output_dir", metavar="DIR", help="Write README.md, one page per group, index.html.")
@click.option("--check", "check_dir", metavar="DIR", help="Compare with the docs in DIR; exit 1 with a diff if stale.")
@click.option("--format", "formats", default="md,html", show_default=True, metavar="LIST", help="md, html or both.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default=None, help="Language of the fixed text (default en).")
@click.option("--group-by", type=click.Choice(["schema", "prefix", "config"]), default=None,
              help="Pages per schema, per name prefix, or per [tool.dbaudit.docs] domains (default: the "
                   "domains when configured, else schemas when several, else prefixes).")
@click.option("--no-findings", is_flag=True, help="Do not run the schema rules for per-table findings.")
@click.option("--no-stats", is_flag=True, help="Leave out estimated rows and sizes.")
@click.option("--config", "config_path", metavar="FILE", help="dbaudit.toml or pyproject.toml to read.")
@click.option("--scratch-url", metavar="URL", help="Server for throw-away databases (default: embedded).")
@guarded
def docs_command(  # noqa: PLR0917 - click passes every option as an argument
    target: str | None, output_dir: str | None, check_dir: str | None, formats: str, lang: str | None,
    group_by: str | None, no_findings: bool, no_stats: bool, config_path: str | None, scratch_url: str | None,
) -> None:
    """Schema reference of a database URL, .sql file, models:/migrations: spec or model JSON."""
    from dbaudit.config import load_config  # noqa: PLC0415 - heavy imports after argument parsing
    from dbaudit.docs import check_docs, generate_docs, write_docs  # noqa: PLC0415

    if (output_dir is None) == (check_dir is None):
        raise UsageError("give exactly one of -o DIR (write the docs) or --check DIR (compare with them)")
    chosen = tuple(dict.fromkeys(f.strip() for f in formats.split(",") if f.strip()))
    config = load_config(config_path)
    if target is None:
        if not (config.url_env and os.environ.get(config.url_env)):
            raise UsageError("missing TARGET (a database URL, .sql file, models:/migrations: spec or model JSON)"
                             + (f" or set {config.url_env}" if config.url_env else ""))
        target = os.environ[config.url_env]
    scratch_url = scratch_url or (os.environ.get(config.scratch_url_env) if config.scratch_url_env else None)
    with progress("reading the schema") as step:
        pages = generate_docs(target, formats=chosen, lang=lang, group_by=group_by, config=config,
                              scratch_url=scratch_url, with_findings=not no_findings, stats=not no_stats)
        step("writing the docs")
        if output_dir is not None:
            written = write_docs(pages, output_dir)
            stderr.print(f"docs written to {output_dir}: {len(written)} files", soft_wrap=True)
            sys.exit(EXIT_OK)
        result = check_docs(pages, check_dir or "")
    if result.up_to_date:
        stderr.print(f"docs in {check_dir} are up to date ({len(pages)} files)", soft_wrap=True)
        sys.exit(EXIT_OK)
    sys.stdout.write(result.diff)
    sys.stdout.flush()
    parts = [f"{len(v)} {k}" for k, v in (("changed", result.changed), ("missing", result.missing),
                                          ("stale", result.stale)) if v]
    stderr.print(f"docs in {check_dir} are out of date: {', '.join(parts)}; run dbaudit docs -o {check_dir}",
                 soft_wrap=True)
    sys.exit(EXIT_FINDINGS)


__all__ = ["docs_command"]
