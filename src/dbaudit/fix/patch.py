"""Model patches: changes to the ORM models a database migration cannot make, as a unified diff.

For ``partitioned-orm-key-mismatch`` the database key is already ``(id, partition key)``; the model
maps ``id`` alone. The patch adds ``primary_key=True`` to the partition key columns' ``mapped_column``
/ ``Column`` call, found with the Python AST at the line the models source recorded, and is written
as a diff ``git apply`` (or ``patch -p1``) takes from the project directory. It is a suggestion: the
code reading rows by id alone (``Session.get``) must change with it.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass
from pathlib import Path

from dbaudit.findings import Finding
from dbaudit.model.schema import SchemaModel

_COLUMN_CALLS = ("mapped_column", "Column")


@dataclass(frozen=True)
class Edit:
    path: str        # relative to the project directory
    line: int        # 1-based line of the call's closing parenthesis
    column: int      # 0-based UTF-8 byte offset of that parenthesis (as the AST counts)
    text: str        # inserted before it


def orm_key_edits(finding: Finding, orm: SchemaModel, project_dir: Path) -> list[Edit] | str:
    """The edits adding the partition key to the mapped primary key, or why there are none."""
    data = dict(finding.data)
    table_name, columns = data.get("table"), data.get("partition_columns")
    if not isinstance(table_name, str) or not isinstance(columns, tuple | list):
        return "the finding carries no table and partition columns"
    table = orm.table(table_name) or next((t for t in orm.tables if t.name == table_name.split(".", 1)[-1]), None)
    if table is None:
        return f"the models do not map {table_name}"
    edits: list[Edit] = []
    for name in columns:
        column = table.column(str(name))
        if column is None or column.location is None:
            return f"the models give no source line for {table_name}.{name}"
        edit = _primary_key_edit(project_dir, column.location.path, column.location.line)
        if isinstance(edit, str):
            return edit
        edits.append(edit)
    return edits


def _primary_key_edit(project_dir: Path, path: str, line: int) -> Edit | str:
    file = project_dir / path
    try:
        source = file.read_text(encoding="utf-8")
        tree = ast.parse(source, filename=str(file))
    except (OSError, SyntaxError, UnicodeDecodeError) as exc:
        return f"cannot read {path}: {exc}"
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and node.lineno <= line
             and (node.end_lineno or node.lineno) >= line and _callee(node) in _COLUMN_CALLS]
    if not calls:
        return f"{path}:{line} has no mapped_column()/Column() call"
    call = min(calls, key=lambda c: (c.end_lineno or c.lineno) - c.lineno)
    if any(k.arg == "primary_key" for k in call.keywords):
        return f"{path}:{line} already sets primary_key"
    if call.end_lineno is None or call.end_col_offset is None:
        return f"{path}:{line}: no source position"
    separator = ", " if call.args or call.keywords else ""
    return Edit(path, call.end_lineno, call.end_col_offset - 1, f"{separator}primary_key=True")


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def unified_diff(project_dir: Path, edits: list[Edit]) -> str:
    """One diff for every edited file (paths ``a/…``/``b/…`` relative to the project directory)."""
    out: list[str] = []
    for path in sorted({e.path for e in edits}):
        before = (project_dir / path).read_text(encoding="utf-8").splitlines(keepends=True)
        after = list(before)
        for edit in sorted((e for e in edits if e.path == path), key=lambda e: (e.line, e.column), reverse=True):
            text = after[edit.line - 1]
            at = len(text.encode()[:edit.column].decode(errors="ignore"))
            after[edit.line - 1] = text[:at] + edit.text + text[at:]
        out += difflib.unified_diff(before, after, fromfile=f"a/{path}", tofile=f"b/{path}")
    return "".join(out)


__all__ = ["Edit", "orm_key_edits", "unified_diff"]
