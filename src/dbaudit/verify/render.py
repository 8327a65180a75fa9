"""Markdown for a verification result (the JSON is :meth:`VerifyResult.to_json`)."""

from __future__ import annotations

from dbaudit.verify.check import DatabaseReport, VerifyResult, problems


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(f"`{n}`" for n in names) if names else "none"


def verify_markdown(result: VerifyResult) -> str:
    lines = ["# Database split verification", "",
             f"Result: **{'OK' if result.ok else 'problems found'}** ({result.config_path})", ""]
    found = list(problems(result))
    if found:
        lines += ["## Problems", ""] + [f"- {p}" for p in found] + [""]
    lines += ["## Databases", ""]
    for report in result.databases:
        lines += _database(report)
    return "\n".join(lines).rstrip() + "\n"


def _database(report: DatabaseReport) -> list[str]:
    lines = [f"### {report.name}", ""]
    if not report.reachable:
        return [*lines, f"- reachable: no ({report.error})", ""]
    lines.append(f"- reachable: yes ({report.dialect}, {len(report.tables)} tables)")
    if report.same_database_as:
        lines.append(f"- same database as: {', '.join(report.same_database_as)}")
    lines.append(f"- unexpected tables ({len(report.unexpected_tables)}): {_names(report.unexpected_tables)}")
    lines.append(f"- missing tables ({len(report.missing_tables)}): {_names(report.missing_tables)}")
    alembic = report.alembic
    if alembic is not None and alembic.head is not None:
        current = ", ".join(alembic.current) if alembic.current else f"none (no {alembic.version_table} table)"
        verdict = "at head" if alembic.ok else "NOT at head"
        lines.append(f"- Alembic: current {current}, head {', '.join(alembic.head)} ({verdict})")
    elif alembic is not None and alembic.current:
        lines.append(f"- Alembic: current {', '.join(alembic.current)} (no migrations configured)")
    lines.append("")
    return lines


__all__ = ["verify_markdown"]
