"""Where SQLAlchemy models declare things: file and line of tables, columns, keys and indexes.

Read from the Python AST of the modules that define the mapped classes (the class body and its
``__table_args__``) and of every project module that calls ``Table(...)``, never by executing code.
Runs in the child process of :mod:`dbaudit.sources.orm`.
"""

from __future__ import annotations

import ast
import inspect
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from dbaudit.model import Location

CONSTRAINT_CALLS = frozenset(
    {"Index", "UniqueConstraint", "CheckConstraint", "ForeignKeyConstraint", "PrimaryKeyConstraint"}
)


@dataclass
class Entry:
    """One constraint or index call (``Index("ix", "a")``, ``UniqueConstraint("a", name=…)``)."""

    kind: str
    name: str | None
    columns: tuple[str, ...]
    location: Location
    used: bool = False


@dataclass
class TableSite:
    """Everything the source says about where one table is declared."""

    location: Location | None = None
    columns: dict[str, Location] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    # column name -> values of the application enum the models link to it, and where it is declared
    values: dict[str, tuple[tuple[str, ...], Location]] = field(default_factory=dict)

    def take(self, kind: str, name: str | None, columns: tuple[str, ...]) -> Location | None:
        """The location of the matching entry (by name, else by columns), each entry used once."""
        for entry in self.entries:
            if not entry.used and entry.kind == kind and name is not None and entry.name == name:
                entry.used = True
                return entry.location
        for entry in self.entries:
            unnamed = entry.name is None and set(entry.columns) == set(columns)
            if not entry.used and entry.kind == kind and unnamed:
                entry.used = True
                return entry.location
        return None


class Locator:
    """Locations for the tables of one ``MetaData``, relative to ``project_dir``."""

    def __init__(self, project_dir: str, mapped: dict[Any, type]) -> None:
        self.root = Path(project_dir).resolve()
        self.mapped = mapped  # Table -> mapped class
        self._table_calls: dict[str, TableSite] | None = None
        self._named: dict[str, Location] | None = None

    # -- public ---------------------------------------------------------------------------------
    def site(self, table: Any) -> TableSite:
        cls = self.mapped.get(table)
        if cls is not None:
            site = self._class_site(cls, table)
            if site.location is not None:
                return site
        return self._module_table_sites().get(table.name, TableSite())

    def named(self, name: str | None) -> Location | None:
        """Fallback: any project module that mentions ``name`` as an ``Index``/``name=`` argument."""
        if name is None:
            return None
        if self._named is None:
            self._named = {}
            for path in self._project_files():
                for node in ast.walk(_parse(path)):
                    label = _call_name(node)
                    if isinstance(node, ast.Call) and label in CONSTRAINT_CALLS:
                        entry = _entry(node, self._loc(path, node.lineno))
                        if entry.name is not None:
                            self._named.setdefault(entry.name, entry.location)
        return self._named.get(name)

    # -- mapped classes -------------------------------------------------------------------------
    def _class_site(self, cls: type, table: Any) -> TableSite:
        site = TableSite()
        node_path = _class_node(cls)
        if node_path is None:
            return site
        node, path = node_path
        site.location = self._loc(path, node.lineno)
        attr_lines = self._attribute_lines(cls)
        usage = enum_usage(cls, self.root)
        for key, column_names in _mapped_columns(cls, table):
            where = attr_lines.get(key)
            for column_name in column_names:
                if where is not None:
                    site.columns.setdefault(column_name, where)
                if key in usage:
                    site.values.setdefault(column_name, usage[key])
        for klass in cls.__mro__:
            found = _class_node(klass)
            if found is None:
                continue
            class_node, class_path = found
            for stmt in class_node.body:
                if _assigns(stmt) == "__table_args__" and stmt.value is not None:  # type: ignore[attr-defined]
                    site.entries.extend(self._entries(stmt.value, class_path))  # type: ignore[attr-defined]
            if site.entries:
                break
        return site

    def _attribute_lines(self, cls: type) -> dict[str, Location]:
        """Attribute name -> line, the most derived class that assigns it winning (MRO order)."""
        out: dict[str, Location] = {}
        for klass in cls.__mro__:
            found = _class_node(klass)
            if found is None:
                continue
            class_node, path = found
            for stmt in class_node.body:
                key = _assigns(stmt)
                if key is not None:
                    out.setdefault(key, self._loc(path, stmt.lineno))
        return out

    def _entries(self, value: ast.expr, path: str) -> list[Entry]:
        items = value.elts if isinstance(value, ast.Tuple | ast.List) else [value]
        return [
            _entry(item, self._loc(path, item.lineno))
            for item in items
            if isinstance(item, ast.Call) and _call_name(item) in CONSTRAINT_CALLS
        ]

    # -- plain Table(...) calls -----------------------------------------------------------------
    def _module_table_sites(self) -> dict[str, TableSite]:
        if self._table_calls is None:
            self._table_calls = {}
            for path in self._project_files():
                for node in ast.walk(_parse(path)):
                    if not (isinstance(node, ast.Call) and _call_name(node) == "Table" and node.args):
                        continue
                    first = node.args[0]
                    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                        continue
                    self._table_calls.setdefault(first.value, self._table_site(node, path))
        return self._table_calls

    def _table_site(self, call: ast.Call, path: str) -> TableSite:
        site = TableSite(location=self._loc(path, call.lineno))
        for arg in call.args[1:]:
            if not isinstance(arg, ast.Call):
                continue
            label = _call_name(arg)
            if label in ("Column", "mapped_column") and arg.args:
                first = arg.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    site.columns[first.value] = self._loc(path, arg.lineno)
            elif label in CONSTRAINT_CALLS:
                site.entries.append(_entry(arg, self._loc(path, arg.lineno)))
        return site

    def _project_files(self) -> list[str]:
        files = []
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if not path or not path.endswith(".py"):
                continue
            resolved = Path(path).resolve()
            if resolved.is_relative_to(self.root) and "site-packages" not in resolved.parts:
                files.append(str(resolved))
        return sorted(set(files))

    def _loc(self, path: str, line: int) -> Location:
        return _relative(path, self.root, line)


def _relative(path: str, root: Path, line: int) -> Location:
    resolved = Path(path).resolve()
    inside = resolved.is_relative_to(root)
    return Location(resolved.relative_to(root).as_posix() if inside else str(resolved), line)


def _mapped_columns(cls: type, table: Any) -> list[tuple[str, tuple[str, ...]]]:
    """(attribute key, column names) for each column property of the class mapped to ``table``."""
    from sqlalchemy import inspect as sa_inspect  # noqa: PLC0415

    mapper: Any = sa_inspect(cls)
    out = []
    for prop in mapper.column_attrs:
        names = tuple(c.name for c in prop.columns if getattr(c, "table", None) is table)
        if names:
            out.append((prop.key, names))
    return out


@cache
def _parse(path: str) -> ast.Module:
    try:
        return ast.parse(Path(path).read_text(encoding="utf-8"), filename=path)
    except (OSError, SyntaxError, ValueError):
        return ast.Module(body=[], type_ignores=[])


def _class_node(cls: type) -> tuple[ast.ClassDef, str] | None:
    """The ``class`` statement of ``cls`` in its module's AST (nested classes by qualified name)."""
    try:
        path = inspect.getsourcefile(cls)
    except TypeError:
        return None
    if path is None or cls.__module__ in ("builtins", "typing"):
        return None
    try:
        start = inspect.getsourcelines(cls)[1]
    except (OSError, TypeError):
        start = 0
    candidates = [
        node
        for node in ast.walk(_parse(path))
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__
    ]
    if not candidates:
        return None
    best = min(candidates, key=lambda n: abs(n.lineno - start))
    return best, path


def _assigns(stmt: ast.stmt) -> str | None:
    """The attribute a class-body statement defines (``x = …``, ``x: T = …``, ``def x`` under a decorator)."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
        return stmt.target.id
    if isinstance(stmt, ast.FunctionDef) and stmt.decorator_list:
        return stmt.name
    return None


def _call_name(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _strings(node: ast.expr) -> tuple[str, ...]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, ast.List | ast.Tuple):
        return tuple(s for item in node.elts for s in _strings(item))
    return ()


def _entry(call: ast.Call, location: Location) -> Entry:
    kind = _call_name(call) or ""
    name: str | None = None
    for keyword in call.keywords:
        value = keyword.value
        if keyword.arg == "name" and isinstance(value, ast.Constant) and isinstance(value.value, str):
            name = value.value
    args = list(call.args)
    if kind == "Index" and args:
        first = _strings(args[0])
        name = first[0] if first else name
        args = args[1:]
    if kind == "ForeignKeyConstraint":
        args = args[:1]
    if kind == "CheckConstraint":
        args = []
    columns = tuple(s for arg in args for s in _strings(arg))
    return Entry(kind=kind, name=name, columns=columns, location=location)


def enum_usage(cls: type, root: Path) -> dict[str, tuple[tuple[str, ...], Location]]:
    """Attribute key -> (values, where declared) of the string enum the class body links to it.

    A link is ``default=``/``server_default=`` naming ``SomeEnum.MEMBER`` in the attribute's own
    ``mapped_column(...)``, or ``self.attr = SomeEnum.MEMBER`` in a method of the class: the models
    then use every member's value for that column, whatever the database allows.
    """
    import enum  # noqa: PLC0415

    found = _class_node(cls)
    module = sys.modules.get(cls.__module__)
    if found is None or module is None:
        return {}
    class_node, _path = found
    namespace = vars(module)
    out: dict[str, tuple[tuple[str, ...], Location]] = {}

    def link(key: str, node: ast.AST) -> None:
        for name in _enum_refs(node):
            candidate = namespace.get(name)
            if not (isinstance(candidate, type) and issubclass(candidate, enum.Enum)):
                continue
            values = tuple(m.value for m in candidate if isinstance(m.value, str))
            where = _class_node(candidate)
            if values and where is not None and key not in out:
                enum_node, enum_path = where
                out[key] = (values, _relative(enum_path, root, enum_node.lineno))

    for stmt in class_node.body:
        key = _assigns(stmt)
        is_call = isinstance(stmt, ast.Assign | ast.AnnAssign) and isinstance(stmt.value, ast.Call)
        if key is not None and is_call:
            assert isinstance(stmt, ast.Assign | ast.AnnAssign)
            assert isinstance(stmt.value, ast.Call)
            for keyword in stmt.value.keywords:
                if keyword.arg in ("default", "server_default", "insert_default"):
                    link(key, keyword.value)
        if isinstance(stmt, ast.FunctionDef):
            for node in ast.walk(stmt):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if (
                            isinstance(target, ast.Attribute)
                            and isinstance(target.value, ast.Name)
                            and target.value.id == "self"
                        ):
                            link(target.attr, node.value)
    return out


def _enum_refs(node: ast.AST) -> list[str]:
    """Names ``X`` used as ``X.MEMBER`` or ``X.MEMBER.value`` inside ``node``."""
    names = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.attr.isupper():
            names.append(sub.value.id)
    return names
