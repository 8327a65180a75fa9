"""Alembic migrations as a source: the head schema and the revision graph.

The head schema comes from running the project's own migrations (``upgrade heads``) on a throw-away
database and reading it as a live PostgreSQL database. Alembic runs in a child process with the
project directory as working directory and the URL given three ways (``-x url=``, ``sqlalchemy.url``,
``DATABASE_URL``), so whichever the project's ``env.py`` reads, it gets the scratch database. A failing
revision becomes one :class:`SourceError` naming the revision file and line.

The revision graph (ids, down revisions, files, messages, whether ``downgrade()`` does anything, heads
and branch points) is read from ``alembic.script.ScriptDirectory``, without a database.

Objects of the head model get migration locations where it is cheap: for every table, constraint and
index name, the last revision whose ``upgrade()`` mentions it (``op.create_table("t", …)``,
``op.create_primary_key("t_pkey", …)``, raw SQL in ``op.execute``) - so drift findings cite the
revision that created a key.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbaudit.errors import SourceError
from dbaudit.model import Location, SchemaModel, SourceInfo, Table, without_live_facts
from dbaudit.redact import url_password

CHILD_TIMEOUT_SECONDS = 600
_ERROR_MARK = "DBAUDIT-SOURCE-ERROR:"
_CHILD_CODE = "from dbaudit.sources.alembic_head import child_main; child_main()"


@dataclass(frozen=True)
class Revision:
    id: str
    down_revisions: tuple[str, ...]
    path: str
    message: str
    has_downgrade: bool
    branch_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class RevisionGraph:
    """Revisions from base to heads (topological order), with the heads and branch points."""

    revisions: tuple[Revision, ...]
    heads: tuple[str, ...]
    bases: tuple[str, ...]
    branch_points: tuple[str, ...]

    def revision(self, revision_id: str) -> Revision | None:
        return next((r for r in self.revisions if r.id == revision_id), None)


@dataclass(frozen=True)
class AlembicProject:
    """Where the project is: the directory Alembic runs in, its ini file (if any) and scripts."""

    root: Path
    ini: Path | None
    script_location: Path | None


def locate_project(path: str) -> AlembicProject:
    """A directory with ``alembic.ini``, the ini file itself, or a script directory (with ``env.py``)."""
    target = Path(path).resolve()
    if target.is_file() and target.suffix == ".ini":
        return AlembicProject(target.parent, target, None)
    if (target / "alembic.ini").is_file():
        return AlembicProject(target, target / "alembic.ini", None)
    if (target / "env.py").is_file():
        return AlembicProject(target.parent, None, target)
    raise SourceError(f"migrations: {path} has no alembic.ini and is not an Alembic script directory")


def read_revision_graph(path: str) -> RevisionGraph:
    """The revision graph of the project at ``path`` (no database needed)."""
    project = locate_project(path)
    data = _run_child(project, "graph", None)
    return _graph_from_json(data)


def read_migrations_head(
    path: str, *, scratch_url: str | None = None
) -> tuple[SchemaModel, RevisionGraph]:
    """Upgrade a throw-away database to head, read it, and return it with the revision graph."""
    from dbaudit.scratch import scratch_server  # noqa: PLC0415
    from dbaudit.sources.postgres import read_postgres  # noqa: PLC0415

    project = locate_project(path)
    graph = _graph_from_json(_run_child(project, "graph", None))
    with scratch_server(scratch_url).database() as url:
        _run_child(project, "upgrade", url)
        model = without_live_facts(read_postgres(url, name=path))
    display = _display(project)
    model = dataclasses.replace(
        model,
        source=SourceInfo(
            kind="migrations", name=display, dialect="postgresql",
            server_version=model.source.server_version, capabilities=model.source.capabilities,
        ),
    )
    return attach_locations(model, graph, project.root), graph


def load_migrations_spec(spec: str, options: Any) -> SchemaModel:
    """``load_source`` loader for ``migrations:PATH`` (the head schema; the graph is dropped)."""
    return read_migrations_head(spec.split(":", 1)[1], scratch_url=getattr(options, "scratch_url", None))[0]


def _display(project: AlembicProject) -> str:
    here = Path.cwd().resolve()
    target = project.ini.parent if project.ini else (project.script_location or project.root)
    if target == here:
        return "."
    return target.relative_to(here).as_posix() if target.is_relative_to(here) else str(target)


# --- child process ---------------------------------------------------------------------------------


def _run_child(project: AlembicProject, mode: str, url: str | None) -> Any:
    with tempfile.TemporaryDirectory(prefix="dbaudit-alembic-") as tmp:
        out = Path(tmp) / "out.json"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(project.root), env.get("PYTHONPATH", "")) if p)
        env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
        if url is not None:
            env["DATABASE_URL"] = url
        args = [
            sys.executable, "-c", _CHILD_CODE, mode, str(project.root),
            str(project.ini or ""), str(project.script_location or ""), url or "", str(out),
        ]
        secrets = tuple(s for s in (url_password(url) if url else None,) if s)
        try:
            proc = subprocess.run(
                args, cwd=project.root, env=env, capture_output=True, text=True,
                timeout=CHILD_TIMEOUT_SECONDS, check=False,
            )
        except subprocess.TimeoutExpired:
            raise SourceError(f"migrations: {mode} took longer than {CHILD_TIMEOUT_SECONDS}s") from None
        if proc.returncode != 0 or not out.exists():
            raise SourceError(f"migrations: {_child_error(proc.stderr)}", secrets=secrets)
        return json.loads(out.read_text(encoding="utf-8"))


def _child_error(stderr: str) -> str:
    for line in stderr.splitlines():
        if line.startswith(_ERROR_MARK):
            return line[len(_ERROR_MARK):].strip()
    lines = [line for line in stderr.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "Alembic failed without a message"


def child_main() -> None:
    mode, root, ini, script, url, out = sys.argv[1:7]
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        config = _config(ini, script, url)
        result: Any = _graph_data(config, Path(root)) if mode == "graph" else _upgrade(config)
    except Exception as exc:  # any failure of the project's code is one line
        sys.stderr.write(f"{_ERROR_MARK} {' '.join(_describe(exc, mode, root).split())}\n")
        sys.exit(3)
    Path(out).write_text(json.dumps(result), encoding="utf-8")


def _config(ini: str, script: str, url: str) -> Any:
    import argparse  # noqa: PLC0415

    from alembic.config import Config  # noqa: PLC0415

    cmd_opts = argparse.Namespace(x=[f"url={url}"] if url else [])
    config = Config(ini or None, cmd_opts=cmd_opts)
    if script:
        config.set_main_option("script_location", script)
    if url:
        config.set_main_option("sqlalchemy.url", _sqlalchemy_url(url).replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _upgrade(config: Any) -> dict[str, str]:
    from alembic import command  # noqa: PLC0415

    command.upgrade(config, "heads")
    return {"status": "ok"}


def _graph_data(config: Any, root: Path) -> dict[str, Any]:
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    script = ScriptDirectory.from_config(config)
    revisions: list[dict[str, Any]] = []
    for rev in reversed(list(script.walk_revisions("base", "heads"))):
        path = Path(rev.path).resolve()
        shown = _rel(str(path), str(root))
        revisions.append({
            "id": rev.revision,
            "down_revisions": list(_as_tuple(rev.down_revision)),
            "path": shown,
            "message": (rev.doc or "").strip(),
            "has_downgrade": has_working_downgrade(path),
            "branch_labels": sorted(str(label) for label in _as_tuple(rev.branch_labels)),
        })
    children: dict[str, int] = {}
    for item in revisions:
        for parent in item["down_revisions"]:
            children[parent] = children.get(parent, 0) + 1
    return {
        "revisions": revisions,
        "heads": sorted(script.get_heads()),
        "bases": sorted(script.get_bases()),
        "branch_points": sorted(rev for rev, count in children.items() if count > 1),
    }


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _describe(exc: BaseException, mode: str, root: str) -> str:
    import traceback  # noqa: PLC0415

    frames = [
        f for f in traceback.extract_tb(exc.__traceback__)
        if Path(f.filename).is_absolute()
        and Path(f.filename).resolve().is_relative_to(Path(root).resolve())
        and "site-packages" not in Path(f.filename).parts
    ]
    where = ""
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{_rel(exc.filename, root)}:{exc.lineno}"
    elif frames:
        revision_frames = [f for f in frames if "versions" in Path(f.filename).parts] or frames
        where = f"{_rel(revision_frames[-1].filename, root)}:{revision_frames[-1].lineno}"
    action = "upgrade to head failed" if mode == "upgrade" else "cannot read the revisions"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if "(Background on this error" in message:
        message = message.split("(Background on this error")[0].strip()
    return f"{action}{' in ' + where if where else ''}: {type(exc).__name__}: {message}"


def _rel(path: str, root: str) -> str:
    resolved, base = Path(path).resolve(), Path(root).resolve()
    return resolved.relative_to(base).as_posix() if resolved.is_relative_to(base) else str(resolved)


def has_working_downgrade(path: Path) -> bool:
    """``downgrade()`` exists and does something (not only ``pass``, a docstring or a raise)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "downgrade":
            body = [
                stmt for stmt in node.body
                if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))
                and not isinstance(stmt, ast.Pass)
            ]
            return bool(body) and not all(isinstance(stmt, ast.Raise) for stmt in body)
    return False


def _graph_from_json(data: Any) -> RevisionGraph:
    return RevisionGraph(
        revisions=tuple(
            Revision(
                id=r["id"], down_revisions=tuple(r["down_revisions"]), path=r["path"], message=r["message"],
                has_downgrade=bool(r["has_downgrade"]), branch_labels=tuple(r["branch_labels"]),
            )
            for r in data["revisions"]
        ),
        heads=tuple(data["heads"]),
        bases=tuple(data["bases"]),
        branch_points=tuple(data["branch_points"]),
    )


# --- migration locations ---------------------------------------------------------------------------


def mention_index(
    graph: RevisionGraph, root: Path
) -> tuple[dict[str, Location], dict[str, Location]]:
    """Name -> where revisions create it first (tables) and mention it last (keys, indexes).

    Scanned: each revision's code and SQL string constants outside ``downgrade()``, the module
    docstring and comments (``#`` and SQL ``--``), so a name in ``op.create_primary_key("t_pkey", …)``
    or in a ``CREATE TABLE`` of a baseline's SQL constant is found at its line.
    """
    created: dict[str, Location] = {}
    last: dict[str, Location] = {}
    for revision in graph.revisions:
        for name, number in _create_table_calls(root / revision.path):
            created.setdefault(name, Location(revision.path, number))
        for number, line in _scanned_lines(root / revision.path):
            location = Location(revision.path, number)
            words = _WORD.findall(line)
            if _CREATES_TABLE.search(line):
                for word in words:
                    created.setdefault(word, location)
            for word in words:
                last[word] = location
    return created, last


def _create_table_calls(path: Path) -> list[tuple[str, int]]:
    """(table, line) of every ``op.create_table("name", …)`` call outside ``downgrade()``."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return []
    out = []
    for top in tree.body:
        if isinstance(top, ast.FunctionDef) and top.name == "downgrade":
            continue
        for node in ast.walk(top):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "create_table"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                out.append((node.args[0].value, node.lineno))
    return out


def _scanned_lines(path: Path) -> list[tuple[int, str]]:
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, SyntaxError, ValueError):
        return []
    skipped: set[int] = set()
    for node in tree.body:
        is_docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        is_downgrade = isinstance(node, ast.FunctionDef) and node.name == "downgrade"
        if is_docstring or is_downgrade:
            skipped.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    out = []
    for number, line in enumerate(source.splitlines(), 1):
        stripped = line.strip()
        if number in skipped or stripped.startswith(("#", "--")):
            continue
        out.append((number, line))
    return out


_CREATES_TABLE = re.compile(r"create_table|CREATE\s+(?:UNLOGGED\s+)?TABLE", re.I)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


def attach_locations(model: SchemaModel, graph: RevisionGraph, root: Path) -> SchemaModel:
    """The model with locations from the revisions that mention each table, key and index by name."""
    created, last = mention_index(graph, root)
    if not last:
        return model
    return dataclasses.replace(model, tables=tuple(_locate_table(t, created, last) for t in model.tables))


def _locate_table(table: Table, created: dict[str, Location], last: dict[str, Location]) -> Table:
    """Tables: the first line creating them; keys and indexes: the last revision naming them (the one
    that most recently created or changed them)."""

    def where(name: str, current: Location | None) -> Location | None:
        return current or last.get(name)

    table_location = table.location or created.get(table.name)
    pk = table.primary_key
    if pk is not None:
        pk = dataclasses.replace(pk, location=where(pk.name, pk.location) or table_location)
    return dataclasses.replace(
        table,
        location=table_location,
        primary_key=pk,
        foreign_keys=tuple(
            dataclasses.replace(f, location=where(f.name, f.location)) for f in table.foreign_keys
        ),
        uniques=tuple(dataclasses.replace(u, location=where(u.name, u.location)) for u in table.uniques),
        checks=tuple(dataclasses.replace(c, location=where(c.name, c.location)) for c in table.checks),
        indexes=tuple(dataclasses.replace(i, location=where(i.name, i.location)) for i in table.indexes),
    )
