"""SQLAlchemy models as a source: ``package.module:Base`` (or ``:metadata``, or a registry) -> SchemaModel.

The user's models are imported in a child Python process with the project directory first on
``sys.path``; the child converts the ``MetaData`` and prints the model JSON. The user's module-level
side effects, ``sys.modules`` entries and mapper registries therefore never touch the dbaudit process,
and a syntax error or a missing import in the models becomes one :class:`SourceError` line.

Conversion follows PostgreSQL semantics: types go through the ``postgresql`` dialect's type compiler
and are spelled the way ``format_type`` prints them; constraint names follow the metadata's naming
convention or, without one, the names PostgreSQL would generate. Every table, column, key and index
keeps the file and line of its declaration (the mapped class body, ``__table_args__``, or a
``Table(...)`` call), relative to the project directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from dbaudit.errors import SourceError
from dbaudit.model import ModelFormatError, SchemaModel, model_from_json

CHILD_TIMEOUT_SECONDS = 300
_ERROR_MARK = "DBAUDIT-SOURCE-ERROR:"
_CHILD_CODE = "from dbaudit.sources.orm import child_main; child_main()"


def read_models(import_spec: str, *, project_dir: str | None = None, bind_key: str | None = None) -> SchemaModel:
    """Import ``import_spec`` in a child process (project dir on ``sys.path``) and return its model.

    ``bind_key`` keeps only the tables bound to that key: Flask-SQLAlchemy's ``__bind_key__`` (the
    ``bind_key`` in the table's or its metadata's ``info``, or ``db.metadatas[key]`` when the spec
    names the ``db`` object)."""
    project = Path(project_dir or os.getcwd()).resolve()
    if not project.is_dir():
        raise SourceError(f"models: project directory {project} does not exist")
    if ":" not in import_spec:
        raise SourceError(f"models: {import_spec!r} is not an import path of the form package.module:Base")
    with tempfile.TemporaryDirectory(prefix="dbaudit-orm-") as tmp:
        out = Path(tmp) / "model.json"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(project), env.get("PYTHONPATH", "")) if p)
        env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _CHILD_CODE, import_spec, str(project), str(out), bind_key or ""],
                cwd=project, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise SourceError(
                f"models: importing {import_spec} took longer than {CHILD_TIMEOUT_SECONDS}s"
            ) from None
        if proc.returncode != 0 or not out.exists():
            raise SourceError(f"models: cannot load {import_spec}: {_child_error(proc.stderr)}")
        try:
            return model_from_json(out.read_text(encoding="utf-8"))
        except ModelFormatError as exc:  # pragma: no cover - the child writes what we read
            raise SourceError(f"models: {exc}") from None


def _child_error(stderr: str) -> str:
    """The child's one-line error, or the last line of an unexpected crash."""
    for line in stderr.splitlines():
        if line.startswith(_ERROR_MARK):
            return line[len(_ERROR_MARK):].strip()
    lines = [line for line in stderr.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "the import process failed without a message"


def error_line(message: str) -> str:
    """How the child reports a failure on stderr (parsed back by :func:`_child_error`)."""
    return f"{_ERROR_MARK} {' '.join(message.split())}"


# --- child side: everything below runs in the child process -------------------------------------


def child_main() -> None:
    """Entry point of the child: ``spec project_dir out_file`` -> model JSON in ``out_file``."""
    from dbaudit.model import model_to_json  # noqa: PLC0415 - child only

    spec, project, out = sys.argv[1:4]
    bind_key = sys.argv[4] if len(sys.argv) > 4 else ""
    if project not in sys.path:
        sys.path.insert(0, project)
    try:
        metadata = load_metadata(spec)
        keep = None
        if bind_key:
            metadata, keep = select_bind(spec, metadata, bind_key)
        model = metadata_to_model(metadata, name=spec, project_dir=project)
        if keep is not None:
            import dataclasses  # noqa: PLC0415

            model = dataclasses.replace(model, tables=tuple(t for t in model.tables if t.qualified_name in keep))
    except Exception as exc:
        sys.stderr.write(error_line(describe_exception(exc, project)) + "\n")
        sys.exit(3)
    Path(out).write_text(model_to_json(model), encoding="utf-8")


def describe_exception(exc: BaseException, project: str) -> str:
    """``SyntaxError: invalid syntax (app/models.py:3)``: the error and where the user's code raised it."""
    import traceback  # noqa: PLC0415

    where = ""
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{_display_path(exc.filename, project)}:{exc.lineno}"
        message = exc.msg
    else:
        message = str(exc)
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if _inside(f.filename, project)]
        if frames:
            where = f"{_display_path(frames[-1].filename, project)}:{frames[-1].lineno}"
    text = f"{type(exc).__name__}: {message}"
    return f"{text} (at {where})" if where else text


def _inside(path: str, project: str) -> bool:
    if not Path(path).is_absolute():  # "<frozen importlib._bootstrap>" and the like
        return False
    try:
        resolved = Path(path).resolve()
    except OSError:
        return False
    return resolved.is_relative_to(Path(project).resolve()) and "site-packages" not in resolved.parts


def _display_path(path: str, project: str) -> str:
    """A path relative to the project directory when it lies inside it, else absolute."""
    resolved = Path(path).resolve()
    root = Path(project).resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else resolved.as_posix()


def load_metadata(spec: str) -> Any:
    """Import ``module:attr`` and return the ``MetaData`` of a DeclarativeBase, registry or MetaData."""
    import importlib  # noqa: PLC0415

    import sqlalchemy as sa  # noqa: PLC0415
    from sqlalchemy import orm  # noqa: PLC0415

    module_name, _, attribute = spec.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise AttributeError(f"module {module_name!r} has no attribute {attribute!r}")
        target = getattr(target, part)
    if isinstance(target, sa.MetaData):
        return target
    if isinstance(target, orm.registry):
        return target.metadata
    metadata = getattr(target, "metadata", None)
    if isinstance(metadata, sa.MetaData):
        return metadata
    raise TypeError(f"{spec} is neither a DeclarativeBase subclass, a registry nor a MetaData")


def select_bind(spec: str, metadata: Any, bind_key: str) -> tuple[Any, set[str] | None]:
    """The metadata of ``bind_key`` and, when it is shared with other binds, the tables to keep."""
    import importlib  # noqa: PLC0415

    module_name, _, attribute = spec.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    metadatas = getattr(target, "metadatas", None)  # Flask-SQLAlchemy 3: one MetaData per bind key
    if isinstance(metadatas, dict):
        if bind_key not in metadatas:
            raise KeyError(f"{spec} has no bind key {bind_key!r} (known: {', '.join(map(str, metadatas))})")
        return metadatas[bind_key], None
    keep = {
        f"{table.schema or 'public'}.{table.name}"
        for table in metadata.tables.values()
        if bind_key in (table.info.get("bind_key"), table.metadata.info.get("bind_key"))
    }
    if not keep:
        raise KeyError(f"no table of {spec} is bound to bind key {bind_key!r}")
    return metadata, keep


def metadata_to_model(metadata: Any, *, name: str, project_dir: str) -> SchemaModel:
    """Convert a ``MetaData`` (with the mapped classes that use it) to the schema model."""
    from dbaudit.sources import _orm_convert  # noqa: PLC0415 - keeps SQLAlchemy out of the parent

    return _orm_convert.convert(metadata, name=name, project_dir=project_dir)


def load_models_spec(spec: str, options: object) -> SchemaModel:
    """``load_source`` loader for ``models:package.module:Base`` (project directory: the cwd)."""
    return read_models(spec.split(":", 1)[1])
