"""The Python side of an Alembic revision: its ``op.*`` calls (with lines) and its downgrade.

Only the AST is read here, nothing is imported: the SQL comes from Alembic's offline mode, and the
calls found here give that SQL its line in the revision file.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from dbaudit.errors import SourceError
from dbaudit.migrations.parse import ops_sql

# op function -> position of its table argument (the keyword names are tried first).
_TABLE_ARG: dict[str, int] = {
    "create_index": 1, "drop_index": 1, "create_foreign_key": 1, "create_unique_constraint": 1,
    "create_primary_key": 1, "create_check_constraint": 1, "drop_constraint": 1,
    "add_column": 0, "drop_column": 0, "alter_column": 0, "create_table": 0, "drop_table": 0,
    "rename_table": 0, "batch_alter_table": 0, "create_table_comment": 0, "bulk_insert": 0,
}
# op.* functions that change nothing themselves (no SQL to read)
_HELPERS = frozenset({"get_bind", "get_context", "f", "inline_literal", "implementation_for", "invoke",
                      "run_async", "register_operation"})
_TABLE_KEYWORDS = ("table_name", "source_table", "old_table_name", "table")


@dataclass(frozen=True, slots=True)
class OpCall:
    """One ``op.<name>(...)`` call in ``upgrade()``."""

    name: str
    line: int
    table: str | None = None
    sql: str | None = None  # the SQL of ``op.execute`` when it is a literal (or a module constant)
    sql_line: int = 0  # line where that literal starts
    autocommit: bool = False  # inside ``with op.get_context().autocommit_block():``
    call_sql: str | None = None  # the SQL of the call read from its literal arguments (not execute)
    unreadable: str | None = None  # why call_sql could not be read


@dataclass(frozen=True, slots=True)
class RevisionSource:
    """What the AST of one revision file says."""

    upgrade_line: int
    downgrade_line: int | None  # None: no downgrade() at all
    downgrade_empty: bool
    ops: tuple[OpCall, ...]
    downgrade_raises: str | None = None  # the exception a downgrade() that only raises raises


def read_revision_source(path: Path, display: str) -> RevisionSource:
    """Parse one revision file; a syntax error is a ``SourceError`` naming the file and line."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=display)
    except SyntaxError as exc:
        raise SourceError(f"{display}:{exc.lineno}: broken migration file: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{display}: cannot read migration file: {exc}") from None
    constants = _module_strings(tree)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    upgrade = functions.get("upgrade")
    downgrade = functions.get("downgrade")
    ops = tuple(_op_calls(upgrade, constants)) if upgrade else ()
    return RevisionSource(
        upgrade_line=upgrade.lineno if upgrade else 1,
        downgrade_line=downgrade.lineno if downgrade else None,
        downgrade_empty=downgrade is None or _is_empty(downgrade),
        ops=ops,
        downgrade_raises=_raises(downgrade),
    )


def _module_strings(tree: ast.Module) -> dict[str, tuple[str, int]]:
    """Module-level ``NAME = "..."`` constants: baselines often keep their SQL in one."""
    out: dict[str, tuple[str, int]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            literal = _string(node.value, {})
            if literal is not None:
                out[node.targets[0].id] = literal
    return out


def _raises(func: ast.FunctionDef | None) -> str | None:
    """``NotImplementedError: why`` when the function only raises (an irreversible revision declared
    so on purpose), else None."""
    body = [s for s in (func.body if func else [])
            if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return None
    exc = body[0].exc
    call = exc if isinstance(exc, ast.Call) else None
    name = ast.unparse(call.func if call else exc)
    message = next((a.value for a in (call.args if call else []) if isinstance(a, ast.Constant)
                    and isinstance(a.value, str)), None)
    return f"{name}: {' '.join(message.split())}" if message else name


def _is_empty(func: ast.FunctionDef) -> bool:
    """A downgrade that does nothing: only ``pass``, ``...``, a docstring or a ``raise``."""
    for stmt in func.body:
        if isinstance(stmt, ast.Pass | ast.Raise):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        return False
    return True


def _autocommit_lines(func: ast.FunctionDef) -> set[int]:
    """Lines inside ``with ...autocommit_block():`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.With) and any(
            isinstance(item.context_expr, ast.Call) and isinstance(item.context_expr.func, ast.Attribute)
            and item.context_expr.func.attr == "autocommit_block" for item in node.items
        ):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def _op_calls(func: ast.FunctionDef, constants: dict[str, tuple[str, int]]) -> list[OpCall]:
    calls: list[OpCall] = []
    autocommit = _autocommit_lines(func)
    for node in ast.walk(func):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        if not (isinstance(owner, ast.Name) and owner.id == "op"):
            continue
        name = node.func.attr
        sql: tuple[str, int] | None = None
        call_sql, unreadable = None, None
        if name == "execute":
            sql = _string(node.args[0], constants) if node.args else None
            unreadable = None if sql else "op.execute of a value that is not a string literal"
        elif name not in _HELPERS:
            try:
                call_sql = ops_sql.call_sql(name, node)
            except ops_sql.Unreadable as exc:
                unreadable = str(exc)
        calls.append(OpCall(
            name=name, line=node.lineno, table=_table_arg(name, node),
            sql=sql[0] if sql else None, sql_line=sql[1] if sql else 0, autocommit=node.lineno in autocommit,
            call_sql=call_sql, unreadable=unreadable,
        ))
    calls.sort(key=lambda c: c.line)
    return calls


def _string(node: ast.expr, constants: dict[str, tuple[str, int]]) -> tuple[str, int] | None:
    """A string literal, ``sa.text("...")``/``text("...")`` of one, or a module constant name."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, node.lineno
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        fname = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if fname == "text":
            return _string(node.args[0], constants)
    return None


def _table_arg(name: str, call: ast.Call) -> str | None:
    for kw in call.keywords:
        if kw.arg in _TABLE_KEYWORDS and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
            return kw.value.value
    pos = _TABLE_ARG.get(name)
    if pos is not None and len(call.args) > pos:
        arg = call.args[pos]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
    return None
