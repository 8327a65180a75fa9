"""Markdown for a snapshot diff (the JSON is :meth:`SnapshotDiff.to_json`)."""

from __future__ import annotations

from dbaudit.snapshot.diff import SnapshotDiff, TableChange, change_word


def _num(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _delta(value: int | None) -> str:
    if value is None:
        return "?"
    return f"+{value:,}" if value > 0 else f"{value:,}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def diff_markdown(diff: SnapshotDiff, *, all_tables: bool = False) -> str:
    """The diff as Markdown: summary, threshold violations, changed tables, schema and Alembic changes.

    Unchanged tables are counted, not listed, unless ``all_tables``.
    """
    old, new = diff.old, diff.new
    lines = [
        "# Snapshot diff",
        "",
        f"- OLD: {old.taken_at.isoformat()} `{old.source.name}` ({'exact' if old.exact else 'estimated'} rows)",
        f"- NEW: {new.taken_at.isoformat()} `{new.source.name}` ({'exact' if new.exact else 'estimated'} rows)",
        f"- tables: {diff.count('changed')} changed, {diff.count('added')} added, {diff.count('removed')} removed, "
        f"{diff.count('unchanged')} unchanged"
        + (f", {diff.count('unknown')} unknown" if diff.count("unknown") else ""),
        "",
    ]
    if diff.violations:
        lines += ["## Thresholds crossed", ""]
        lines += [f"- {v.message}" for v in diff.violations]
        lines.append("")
    shown = [t for t in diff.tables if all_tables or t.status != "unchanged"]
    lines += ["## Tables", ""]
    if shown:
        lines += [
            "| table | status | rows before | rows after | rows Δ | basis | bytes Δ |",
            "| --- | --- | ---: | ---: | ---: | --- | ---: |",
        ]
        lines += [_row(t) for t in shown]
    else:
        lines.append("No table changed.")
    lines.append("")
    lines += _schema_section(diff)
    lines += _alembic_section(diff)
    return "\n".join(lines).rstrip() + "\n"


def _row(t: TableChange) -> str:
    return (f"| `{_cell(t.name)}` | {t.status} | {_num(t.rows_before)} | {_num(t.rows_after)} | "
            f"{_delta(t.rows_delta)} | {t.rows_basis or '-'} | {_delta(t.bytes_delta)} |")


def _schema_section(diff: SnapshotDiff) -> list[str]:
    lines = ["## Schema changes", ""]
    if diff.schema_changes is None:
        lines.append(diff.schema_note or "schema not compared")
    elif not diff.schema_changes:
        lines.append("None (same schema fingerprint)." if diff.old.fingerprint == diff.new.fingerprint
                     else "None.")
    else:
        for finding in diff.schema_changes:
            lines.append(f"- {change_word(finding)}: {_cell(finding.title)} (`{finding.rule}`)")
            lines += [f"  - {_cell(e)}" for e in finding.evidence[:3]]
    lines.append("")
    return lines


def _alembic_section(diff: SnapshotDiff) -> list[str]:
    before, after = diff.old.alembic_versions, diff.new.alembic_versions
    lines = ["## Alembic versions", ""]
    if not before and not after:
        return [*lines, "No Alembic version table in either snapshot.", ""]
    for table in sorted(before.keys() | after.keys()):
        old = ", ".join(before.get(table, ())) or "(none)"
        new = ", ".join(after.get(table, ())) or "(none)"
        mark = "unchanged" if old == new else "changed"
        lines.append(f"- `{table}`: {old} -> {new} ({mark})")
    lines.append("")
    return lines


__all__ = ["diff_markdown"]
