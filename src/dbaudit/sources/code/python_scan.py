"""Facts from Python application code, read with the AST (nothing is imported or executed).

Two passes: the first maps ORM classes and ``Table`` objects to table names and attributes to column
names; the second reads query shapes (leading-wildcard searches, ``GROUP BY … max()`` "latest row"
queries, page-number ``OFFSET``), encryption and key handling, partition tasks and secrets.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dbaudit.model.code_facts import (
    AutoUpdatedColumn,
    ColumnValues,
    CredentialInConfig,
    EncryptedColumn,
    EphemeralKey,
    JoinCondition,
    LatestRowQuery,
    OffsetPagination,
    PartitionTask,
    SearchKind,
    SearchPattern,
)
from dbaudit.model.schema import Location

_SEARCH_METHODS: dict[str, SearchKind] = {
    "contains": "contains",
    "icontains": "contains",
    "ilike": "ilike",
    "like": "like",
    "notilike": "ilike",
    "notlike": "like",
}
_SECRET_NAME = re.compile(r"(?:^|_)(PASSWORD|PASSWD|SECRET|SECRET_KEY|API_KEY|TOKEN|PRIVATE_KEY)$", re.I)
URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.\-]*://[^\s:/@'\"]+:([^\s@/'\"]+)@[^\s'\"]+", re.I)
PLACEHOLDER = re.compile(r"^(\$\{.*\}|\*+|x+|<.*>|%\(.*\)s|\{.*\}|changeme|password)$", re.I)
_KEY_GENERATORS = ("generate_key", "token_bytes", "token_urlsafe", "urandom", "token_hex")


@dataclass
class OrmMap:
    """Class or ``Table`` variable name -> table name; (class, attribute) -> column name."""

    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[tuple[str, str], str] = field(default_factory=dict)

    def column_of(self, node: ast.expr) -> tuple[str, str] | None:
        """``Cls.attr``, ``table.c.col``, ``cast(Cls.attr, T)`` -> (table, column)."""
        if isinstance(node, ast.Call) and _call_name(node) in ("cast", "func.lower", "lower") and node.args:
            return self.column_of(node.args[0])
        if not isinstance(node, ast.Attribute):
            return None
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id in self.tables:
            column = self.columns.get((owner.id, node.attr), node.attr)
            return self.tables[owner.id], column
        if (
            isinstance(owner, ast.Attribute)
            and owner.attr == "c"
            and isinstance(owner.value, ast.Name)
            and owner.value.id in self.tables
        ):
            return self.tables[owner.value.id], node.attr
        return None


def _call_name(node: ast.Call) -> str:
    parts: list[str] = []
    target: ast.expr = node.func
    while isinstance(target, ast.Attribute):
        parts.append(target.attr)
        target = target.value
    if isinstance(target, ast.Name):
        parts.append(target.id)
    return ".".join(reversed(parts))


def _const_str(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def collect_orm_map(trees: dict[Path, ast.Module]) -> OrmMap:
    orm = OrmMap()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                _collect_class(node, orm)
            elif isinstance(node, ast.Assign) and _is_table_call(node.value):
                assert isinstance(node.value, ast.Call)
                name = _const_str(node.value.args[0])
                for target in node.targets:
                    if name and isinstance(target, ast.Name):
                        orm.tables[target.id] = name
    return orm


def _is_table_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and _call_name(node).split(".")[-1] == "Table" and bool(node.args)


def _collect_class(node: ast.ClassDef, orm: OrmMap) -> None:
    table: str | None = None
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__tablename__" for t in stmt.targets
        ):
            table = _const_str(stmt.value)
    if table is None:
        return
    orm.tables[node.name] = table
    for stmt in node.body:
        target, value = _assignment(stmt)
        if target and isinstance(value, ast.Call) and _call_name(value).split(".")[-1] in (
            "mapped_column", "Column",
        ):
            explicit = _const_str(value.args[0]) if value.args else None
            orm.columns[(node.name, target)] = explicit or target


def _assignment(stmt: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id, stmt.value
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id, stmt.value
    return None, None


@dataclass
class PythonFacts:
    searches: list[SearchPattern] = field(default_factory=list)
    latest_rows: list[LatestRowQuery] = field(default_factory=list)
    offsets: list[OffsetPagination] = field(default_factory=list)
    partition_tasks: list[PartitionTask] = field(default_factory=list)
    encrypted_columns: list[EncryptedColumn] = field(default_factory=list)
    ephemeral_keys: list[EphemeralKey] = field(default_factory=list)
    credentials: list[CredentialInConfig] = field(default_factory=list)
    column_values: list[ColumnValues] = field(default_factory=list)
    auto_updated: list[AutoUpdatedColumn] = field(default_factory=list)
    joins: list[JoinCondition] = field(default_factory=list)


_JOIN_METHODS = frozenset({"join", "outerjoin", "join_from", "outerjoin_from"})


class _ModuleScanner:
    def __init__(self, path: str, tree: ast.Module, orm: OrmMap, facts: PythonFacts) -> None:
        self.path = path
        self.tree = tree
        self.orm = orm
        self.facts = facts
        self.local_values: dict[str, ast.expr] = {}

    def loc(self, node: ast.AST) -> Location:
        """The line of the method name in a chained call (``.offset(`` in a long chain), else the node's."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return Location(self.path, node.func.end_lineno or node.lineno)
        return Location(self.path, getattr(node, "lineno", 1))

    def scan(self) -> None:
        for func in [n for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
            self.local_values = {
                t.id: n.value
                for n in ast.walk(func)
                if isinstance(n, ast.Assign)
                for t in n.targets
                if isinstance(t, ast.Name)
            }
            self._scan_calls(func)
        self.local_values = {}
        self._scan_module_level()

    def _scan_calls(self, scope: ast.AST) -> None:
        for node in ast.walk(scope):
            if not isinstance(node, ast.Call):
                continue
            self._encryption(node, scope)
            if not isinstance(node.func, ast.Attribute):
                continue
            method = node.func.attr
            if method in _SEARCH_METHODS:
                self._search(node, method)
            elif method == "group_by":
                self._latest_row(node)
            elif method == "offset" and node.args and not isinstance(node.args[0], ast.Constant):
                self._offset(node)
            elif method in _JOIN_METHODS:
                self._joins(node)
            if method in _KEY_GENERATORS:
                self._ephemeral_key(node, scope)

    def _search(self, node: ast.Call, method: str) -> None:
        assert isinstance(node.func, ast.Attribute)
        target = self.orm.column_of(node.func.value)
        if target is None:
            return
        kind = _SEARCH_METHODS[method]
        if kind != "contains" and not (node.args and self._leading_wildcard(node.args[0])):
            return
        self.facts.searches.append(SearchPattern(target[0], target[1], kind, self.loc(node)))

    def _leading_wildcard(self, arg: ast.expr) -> bool:
        if isinstance(arg, ast.Name) and arg.id in self.local_values:
            arg = self.local_values[arg.id]
        text = _const_str(arg)
        if text is not None:
            return text.startswith("%")
        if isinstance(arg, ast.JoinedStr) and arg.values:
            return _const_str(arg.values[0]) is not None and str(_const_str(arg.values[0])).startswith("%")
        if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add):
            return self._leading_wildcard(arg.left)
        return False

    def _latest_row(self, node: ast.Call) -> None:
        keys = [self.orm.column_of(a) for a in node.args]
        if not keys or any(k is None for k in keys):
            return
        assert isinstance(node.func, ast.Attribute)
        for inner in ast.walk(node.func.value):
            if isinstance(inner, ast.Call) and _call_name(inner) in ("func.max", "max") and inner.args:
                time_col = self.orm.column_of(inner.args[0])
                tables = {k[0] for k in keys if k is not None}
                if time_col is not None and tables == {time_col[0]}:
                    key_columns = tuple(k[1] for k in keys if k is not None)
                    self.facts.latest_rows.append(
                        LatestRowQuery(time_col[0], key_columns, time_col[1], self.loc(node))
                    )
                    return

    def _joins(self, node: ast.Call) -> None:
        """``.join(Tag, Tag.id == instance_tags.c.tag_id)``: each column equality of the ON clause."""
        for arg in node.args[1:]:
            for cond in ast.walk(arg):
                if not (isinstance(cond, ast.Compare) and len(cond.ops) == 1 and isinstance(cond.ops[0], ast.Eq)):
                    continue
                left, right = self.orm.column_of(cond.left), self.orm.column_of(cond.comparators[0])
                if left is not None and right is not None and left[0] != right[0]:
                    self.facts.joins.append(JoinCondition(*left, *right, self.loc(node)))

    def _offset(self, node: ast.Call) -> None:
        assert isinstance(node.func, ast.Attribute)
        table: str | None = None
        for inner in ast.walk(node.func.value):
            if isinstance(inner, ast.Name) and inner.id in self.orm.tables:
                table = self.orm.tables[inner.id]
                break
            if isinstance(inner, ast.Name) and inner.id in self.local_values:
                for deeper in ast.walk(self.local_values[inner.id]):
                    if isinstance(deeper, ast.Name) and deeper.id in self.orm.tables:
                        table = self.orm.tables[deeper.id]
                        break
                if table:
                    break
        self.facts.offsets.append(OffsetPagination(table, self.loc(node)))

    def _ephemeral_key(self, node: ast.Call, scope: ast.AST) -> None:
        setting = next((name for n in ast.walk(scope) if (name := _key_setting(n))), None)
        if setting is None:
            return
        self.facts.ephemeral_keys.append(EphemeralKey(_call_name(node), setting, self.loc(node)))

    def _encryption(self, node: ast.Call, scope: ast.AST) -> None:
        name = _call_name(node).split(".")[-1]
        if "encrypt" not in name.lower() or not isinstance(scope, ast.FunctionDef):
            return
        cls = _enclosing_class(self.tree, scope)
        if cls is None or cls.name not in self.orm.tables:
            return
        for stmt in ast.walk(scope):
            if isinstance(stmt, ast.Assign) and stmt.value is node:
                for target in stmt.targets:
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                        column = self.orm.columns.get((cls.name, target.attr), target.attr)
                        self.facts.encrypted_columns.append(
                            EncryptedColumn(self.orm.tables[cls.name], column, "base64-fernet", self.loc(node))
                        )

    def _scan_module_level(self) -> None:
        for node in ast.walk(self.tree):
            text = _const_str(node) if isinstance(node, ast.expr) else None
            if text is None:
                continue
            if "PARTITION OF" in text.upper():
                self._partition_task(node)
            match = URL_WITH_PASSWORD.search(text)
            if match and not PLACEHOLDER.match(match.group(1)):
                self.facts.credentials.append(CredentialInConfig("url-password", _url_host(text), self.loc(node)))
        for node in ast.walk(self.tree):
            target, value = _assignment(node) if isinstance(node, ast.stmt) else (None, None)
            secret = _const_str(value)
            if target and _SECRET_NAME.search(target) and secret and not PLACEHOLDER.match(secret):
                self.facts.credentials.append(CredentialInConfig("secret-assignment", target, self.loc(node)))

    def _partition_task(self, node: ast.AST) -> None:
        tables = sorted(
            {
                name
                for n in ast.walk(self.tree)
                if (name := _const_str(n) if isinstance(n, ast.expr) else None)
                and name in set(self.orm.tables.values())
            }
        )
        if tables and not any(t.location and t.location.path == self.path for t in self.facts.partition_tasks):
            self.facts.partition_tasks.append(PartitionTask(tuple(tables), self.loc(node)))


def _key_setting(node: ast.AST) -> str | None:
    """``settings.SOME_KEY`` or ``"SOME_KEY"``: the name of a key setting read in a function."""
    if isinstance(node, ast.Attribute) and node.attr.isupper() and "KEY" in node.attr:
        return node.attr
    text = _const_str(node) if isinstance(node, ast.expr) else None
    return text if text and text.isupper() and text.endswith("_KEY") else None


def _enclosing_class(tree: ast.Module, func: ast.FunctionDef) -> ast.ClassDef | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and func in node.body:
            return node
    return None


def _url_host(text: str) -> str:
    match = URL_WITH_PASSWORD.search(text)
    if match is None:
        return "url"
    return match.group(0).rsplit("@", 1)[-1]


def scan_python(trees: dict[Path, ast.Module], root: Path, orm: OrmMap) -> PythonFacts:
    facts = PythonFacts()
    for path, tree in trees.items():
        _ModuleScanner(path.relative_to(root).as_posix(), tree, orm, facts).scan()
    facts.column_values.extend(_enum_values(trees, root, orm))
    for path, tree in trees.items():
        facts.auto_updated.extend(_auto_updated(tree, path, root))
    return facts


def _auto_updated(tree: ast.Module, path: Path, root: Path) -> Iterator[AutoUpdatedColumn]:
    """Columns an ORM sets on UPDATE: SQLAlchemy ``Column(..., onupdate=...)`` / ``mapped_column`` in a
    class with ``__tablename__``, and Django ``DateTimeField(auto_now=True)`` (table ``Meta.db_table``
    or ``<app>_<model>``, the app being the package that holds the models module)."""
    rel = path.relative_to(root).as_posix()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        table = _class_table(node, path)
        if table is None:
            continue
        for stmt in node.body:
            target, value = _assignment(stmt)
            if not target or not isinstance(value, ast.Call):
                continue
            how = _update_hook(value)
            if how is not None:
                column = _const_str(value.args[0]) if value.args and how == "SQLAlchemy onupdate" else None
                column = column or _keyword_str(value, "db_column") or target
                yield AutoUpdatedColumn(table, column, how, Location(rel, stmt.lineno))


def _class_table(node: ast.ClassDef, path: Path) -> str | None:
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__tablename__"
                                                for t in stmt.targets):
            return _const_str(stmt.value)
    if not any(_dotted(b).split(".")[-1] == "Model" for b in node.bases):
        return None
    for stmt in node.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Meta":
            for inner in stmt.body:
                target, value = _assignment(inner)
                if target == "db_table" and _const_str(value):
                    return _const_str(value)
    package = path.parent.parent if path.parent.name == "models" else path.parent
    return f"{package.name}_{node.name.lower()}"


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _update_hook(call: ast.Call) -> str | None:
    name = _call_name(call).split(".")[-1]
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    if name in ("mapped_column", "Column") and "onupdate" in keywords:
        return "SQLAlchemy onupdate"
    auto_now = keywords.get("auto_now")
    if name in ("DateTimeField", "DateField") and isinstance(auto_now, ast.Constant) and auto_now.value is True:
        return "Django auto_now"
    return None


def _keyword_str(call: ast.Call, name: str) -> str | None:
    return next((_const_str(k.value) for k in call.keywords if k.arg == name), None)


def _enum_values(trees: dict[Path, ast.Module], root: Path, orm: OrmMap) -> list[ColumnValues]:
    """Values of ``Enum`` classes assigned to a mapped column (``self.status = Status.X.value`` or
    ``server_default=Status.X.value``): the vocabulary the application writes to that column."""
    enums: dict[str, tuple[tuple[str, ...], Location]] = {}
    for path, tree in trees.items():
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id.endswith("Enum") for b in node.bases
            ):
                values = tuple(
                    v for s in node.body if isinstance(s, ast.Assign) and (v := _const_str(s.value))
                )
                if values:
                    enums[node.name] = (values, Location(rel, node.lineno))
    found: dict[tuple[str, str], ColumnValues] = {}
    for tree in trees.values():
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name in orm.tables):
            for node in ast.walk(cls):
                pair = _enum_use(node, cls.name, enums, orm)
                if pair is not None:
                    column, enum = pair
                    values, location = enums[enum]
                    key = (orm.tables[cls.name], column)
                    found[key] = ColumnValues(key[0], key[1], values, location)
    return list(found.values())


def _enum_use(
    node: ast.AST, cls: str, enums: dict[str, tuple[tuple[str, ...], Location]], orm: OrmMap
) -> tuple[str, str] | None:
    """(column, enum class) when ``node`` ties an enum to a column of ``cls``."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        enum = _enum_ref(node.value, enums)
        if enum and isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            return orm.columns.get((cls, target.attr), target.attr), enum
    if isinstance(node, ast.AnnAssign | ast.Assign) and isinstance(node.value, ast.Call):
        target_name, _ = _assignment(node)
        for kw in node.value.keywords:
            enum = _enum_ref(kw.value, enums) if kw.arg in ("default", "server_default") else None
            if enum and target_name:
                return orm.columns.get((cls, target_name), target_name), enum
    return None


def _enum_ref(node: ast.expr | None, enums: dict[str, tuple[tuple[str, ...], Location]]) -> str | None:
    while isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id in enums:
            return node.value.id
        node = node.value
    return None
