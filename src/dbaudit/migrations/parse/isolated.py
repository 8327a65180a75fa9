"""Run the Alembic loader in a child process: the user's env.py and revision modules are imported
there, never in dbaudit's own process (no ``sys.modules``/``sys.path``/logging side effects, and a
crashing or exiting env.py cannot take dbaudit down).

The child (``child_main``) runs :func:`dbaudit.migrations.parse.alembic.load_alembic` and writes the
result as JSON (statements as SQL text with line and transaction state); the parent parses the SQL
again with pglast, which is cheap next to importing the revisions.
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

from dbaudit.errors import SourceError
from dbaudit.migrations.parse.statements import Statement, parse_statements
from dbaudit.migrations.source import MigrationSet, Revision
from dbaudit.redact import environment_secrets, redact_text

CHILD_TIMEOUT_SECONDS = 600
_ERROR_MARK = "DBAUDIT-SOURCE-ERROR:"
_CHILD_CODE = "from dbaudit.migrations.parse.isolated import child_main; child_main()"


def load_alembic(root: Path, *, ini: Path | None = None, script_location: Path | None = None) -> MigrationSet:
    """The Alembic project at ``root``, loaded in a child process."""
    with tempfile.TemporaryDirectory(prefix="dbaudit-alembic-") as tmp:
        out = Path(tmp) / "migrations.json"
        args = json.dumps({"root": str(root), "ini": str(ini) if ini else None,
                           "script_location": str(script_location) if script_location else None})
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH", "")) if p)
        env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
        try:
            proc = subprocess.run([sys.executable, "-c", _CHILD_CODE, args, str(out)], cwd=root, env=env,
                                  capture_output=True, text=True, timeout=CHILD_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise SourceError(
                f"{root}: loading the Alembic project took longer than {CHILD_TIMEOUT_SECONDS}s") from None
        if proc.returncode != 0 or not out.exists():
            raise SourceError(_child_error(proc.stderr, root))
        return _from_json(json.loads(out.read_text(encoding="utf-8")), root)


def _child_error(stderr: str, root: Path) -> str:
    """The child's one-line error, scrubbed of URL passwords and of the environment's passwords."""
    for line in stderr.splitlines():
        if line.startswith(_ERROR_MARK):
            return redact_text(line[len(_ERROR_MARK):].strip(), environment_secrets())
    lines = [line for line in stderr.splitlines() if line.strip()]
    last = lines[-1].strip() if lines else "no message"
    return redact_text(f"{root}: loading the Alembic project failed: {last}", environment_secrets())


def _from_json(data: dict[str, Any], root: Path) -> MigrationSet:
    revisions = []
    for r in data["revisions"]:
        statements = tuple(_statement(sql, line, tx, r["path"]) for sql, line, tx in r["statements"])
        revisions.append(Revision(
            id=r["id"], path=r["path"], down_revisions=tuple(r["down_revisions"]), statements=statements,
            kind="alembic", upgrade_line=r["upgrade_line"], downgrade_line=r["downgrade_line"],
            has_downgrade=r["has_downgrade"], message=r["message"], partial=r["partial"],
            irreversible=r["irreversible"],
        ))
    return MigrationSet(root=root, kind="alembic", revisions=tuple(revisions), heads=tuple(data["heads"]),
                        notes=tuple(data["notes"]), lock_timeout_in_env=data["lock_timeout_in_env"],
                        statement_timeout_in_env=data["statement_timeout_in_env"],
                        transaction_per_migration=data["transaction_per_migration"])


def _statement(sql: str, line: int, tx: int | None, path: str) -> Statement:
    raws = parse_statements(sql, where=f"{path}:{line}")
    node = raws[0].node if raws else None
    return Statement(sql, node, line, tx is not None, tx)


def _to_json(migrations: MigrationSet) -> dict[str, Any]:
    return {
        "revisions": [{
            "id": r.id, "path": r.path, "down_revisions": list(r.down_revisions), "upgrade_line": r.upgrade_line,
            "downgrade_line": r.downgrade_line, "has_downgrade": r.has_downgrade, "message": r.message,
            "partial": r.partial, "irreversible": r.irreversible,
            "statements": [[s.sql, s.line, s.tx] for s in r.statements],
        } for r in migrations.revisions],
        "heads": list(migrations.heads), "notes": list(migrations.notes),
        "lock_timeout_in_env": migrations.lock_timeout_in_env,
        "statement_timeout_in_env": migrations.statement_timeout_in_env,
        "transaction_per_migration": migrations.transaction_per_migration,
    }


# --- child side ---------------------------------------------------------------------------------


class _StubType(type):
    """Classes standing in for what a missing module would have provided: any attribute is another
    stub, calling one gives an instance, subclassing works; using one for real (a column type, an
    iteration) fails, and that revision is then read from its source."""

    def __getattr__(cls, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _stub(f"{cls.__name__}.{attr}")


def _stub(name: str) -> Any:
    def init(self: object, *args: object, **kwargs: object) -> None:
        del args, kwargs

    return _StubType(name, (), {"__init__": init, "__module__": "dbaudit_stub"})


class _StubModule(types.ModuleType):
    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _stub(f"{self.__name__}.{attr}")


def _guard_imports(root: Path, stubbed: list[tuple[str, str]]) -> None:
    """Imports that fail in the project's own files (env.py, revisions, its packages) get a stub module,
    so that one missing plugin does not stop every revision from loading; each is recorded."""
    real_import = builtins.__import__
    prefix = str(root.resolve()) + os.sep

    def guarded(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
        try:
            return real_import(name, globals, locals, fromlist, level)
        except ImportError:
            importer = str((globals or {}).get("__file__") or "")
            if level != 0 or not importer.startswith(prefix) or "site-packages" in importer:
                raise
            stubbed.append((Path(importer).resolve().relative_to(root.resolve()).as_posix(), name))
            return _StubModule(name)

    builtins.__import__ = guarded


def child_main() -> None:
    """``ARGS_JSON OUT_FILE``: load the project in this process and write it as JSON."""
    from dbaudit.migrations.parse import alembic  # noqa: PLC0415 - child only: imports alembic

    args, out = json.loads(sys.argv[1]), sys.argv[2]
    root = Path(args["root"])
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    stubbed: list[tuple[str, str]] = []
    _guard_imports(root, stubbed)
    try:
        migrations = alembic.load_alembic(
            root, ini=Path(args["ini"]) if args["ini"] else None,
            script_location=Path(args["script_location"]) if args["script_location"] else None,
        )
        migrations = dataclasses.replace(migrations, notes=migrations.notes + tuple(
            f"{path} imports {name}, which cannot be imported here: a stand-in was used to render it offline"
            for path, name in dict.fromkeys(stubbed)))
    except SourceError as exc:
        sys.stderr.write(f"{_ERROR_MARK} {' '.join(str(exc).split())}\n")
        sys.exit(3)
    except Exception as exc:
        sys.stderr.write(f"{_ERROR_MARK} {root}: loading the Alembic project failed: "
                         f"{type(exc).__name__}: {' '.join(str(exc).split())}\n")
        sys.exit(3)
    Path(out).write_text(json.dumps(_to_json(migrations)), encoding="utf-8")
