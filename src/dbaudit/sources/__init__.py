"""Sources: everything dbaudit can read, each turned into the same :class:`~dbaudit.model.SchemaModel`.

:func:`load_source` picks the reader from the spec. A spec is matched against :data:`PREFIXES`
(URL schemes and ``kind:`` prefixes such as a future ``models:pkg.module:Base`` or
``migrations:path/``) and then :data:`SUFFIXES` (file extensions). Each entry names its loader as
``"module:function"``, imported only when used, with the signature
``loader(spec: str, options: LoadOptions) -> SchemaModel``. A new kind of source is one line in one
of these tables (or a :func:`register_source` call) and a loader function in its own module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dbaudit.errors import UsageError

if TYPE_CHECKING:
    from dbaudit.model.schema import SchemaModel


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """What a loader may need besides its spec."""

    scratch_url: str | None = None
    schemas: tuple[str, ...] | None = None
    exact_sizes: bool = False


Loader = Callable[[str, LoadOptions], "SchemaModel"]

# Spec prefix (matched case-insensitively, longest first) -> "module:function" of its loader.
PREFIXES: dict[str, str] = {
    "postgresql://": "dbaudit.sources:load_postgres_url",
    "postgres://": "dbaudit.sources:load_postgres_url",
    "postgresql+psycopg://": "dbaudit.sources:load_postgres_url",
    "postgresql+psycopg2://": "dbaudit.sources:load_postgres_url",
    "sqlite://": "dbaudit.sources:load_reflected_url",
    "mysql://": "dbaudit.sources:load_reflected_url",
    "mysql+pymysql://": "dbaudit.sources:load_reflected_url",
    "mariadb://": "dbaudit.sources:load_reflected_url",
    "mariadb+pymysql://": "dbaudit.sources:load_reflected_url",
    "models:": "dbaudit.sources.orm:load_models_spec",
    "migrations:": "dbaudit.sources.alembic_head:load_migrations_spec",
}

# File extension (case-insensitive) -> "module:function" of its loader.
SUFFIXES: dict[str, str] = {
    ".sql": "dbaudit.sources:load_sql_file",
    ".json": "dbaudit.sources:load_model_file",
}


def register_source(prefix: str, target: str, *, suffix: bool = False) -> None:
    """Add a kind of source: ``prefix`` (or a file ``suffix``) read by ``"module:function"``."""
    table = SUFFIXES if suffix else PREFIXES
    if prefix.lower() in table and table[prefix.lower()] != target:
        raise ValueError(f"source {prefix!r} is already read by {table[prefix.lower()]}")
    table[prefix.lower()] = target


def load_source(
    spec: str, *, scratch_url: str | None = None, schemas: Sequence[str] | None = None,
    exact_sizes: bool = False,
) -> SchemaModel:
    """Read any supported source into a schema model.

    ``spec`` is a database URL (``postgresql://``, ``sqlite:///``, ``mysql+pymysql://`` …), a ``.sql``
    DDL file, or a ``.json`` model file written by ``dbaudit inspect -o``.
    """
    options = LoadOptions(
        scratch_url=scratch_url, schemas=tuple(schemas) if schemas else None, exact_sizes=exact_sizes,
    )
    model = _resolve(_target(spec))(spec, options)
    missing = [s for s in options.schemas or () if s not in model.schemas]
    if missing:
        # an empty model would pass every rule: a typo in --schema must not read as a clean audit
        from dbaudit.redact import redact_text  # noqa: PLC0415

        raise UsageError(f"no schema {missing[0]!r} in {redact_text(spec)}")
    return model


def is_postgres_url(spec: str) -> bool:
    """Whether ``spec`` names a live PostgreSQL database (not a file holding a PostgreSQL model)."""
    lowered = spec.strip().lower()
    return any(lowered.startswith(prefix) for prefix, target in PREFIXES.items()
               if target.endswith(":load_postgres_url"))


def _target(spec: str) -> str:
    lowered = spec.strip().lower()
    for prefix in sorted(PREFIXES, key=len, reverse=True):
        if lowered.startswith(prefix):
            return PREFIXES[prefix]
    for suffix, target in SUFFIXES.items():
        if lowered.endswith(suffix):
            return target
    schemes = sorted({p.split("+")[0].split("://")[0] + "://" for p in PREFIXES if "://" in p})
    kinds = sorted(p for p in PREFIXES if "://" not in p)
    raise UsageError(
        f"cannot tell what kind of source {_shown(spec)!r} is: expected a database URL "
        f"({', '.join(schemes)}), a file ending in {' or '.join(sorted(SUFFIXES))}"
        + (f", or a spec starting with {', '.join(kinds)}" if kinds else "")
    )


def _shown(spec: str) -> str:
    from dbaudit.redact import redact_text  # noqa: PLC0415

    return redact_text(spec)


def _resolve(target: str) -> Loader:
    module_name, _, attribute = target.partition(":")
    loader: Loader = getattr(importlib.import_module(module_name), attribute)
    return loader


# -- the built-in loaders ---------------------------------------------------------------------


def load_postgres_url(spec: str, options: LoadOptions) -> SchemaModel:
    from dbaudit.sources.postgres import read_postgres  # noqa: PLC0415

    return read_postgres(spec, schemas=options.schemas, exact_sizes=options.exact_sizes)


def load_reflected_url(spec: str, options: LoadOptions) -> SchemaModel:
    from dbaudit.sources.reflect import read_reflected  # noqa: PLC0415

    return read_reflected(spec, schemas=options.schemas)


def load_sql_file(spec: str, options: LoadOptions) -> SchemaModel:
    from dbaudit.sources.ddl import read_sql_file  # noqa: PLC0415

    model = read_sql_file(spec, scratch_url=options.scratch_url)
    return _only_schemas(model, options.schemas)


def load_model_file(spec: str, options: LoadOptions) -> SchemaModel:
    """A model file (``dbaudit inspect -o``) or a snapshot (``dbaudit snapshot``): its schema model."""
    import json  # noqa: PLC0415

    from dbaudit.errors import SourceError  # noqa: PLC0415
    from dbaudit.model.serialize import ModelFormatError, model_from_document  # noqa: PLC0415
    from dbaudit.snapshot.document import SnapshotFormatError, is_snapshot, snapshot_from_document  # noqa: PLC0415
    from dbaudit.sources.ddl import read_text  # noqa: PLC0415

    try:
        document = json.loads(read_text(spec))
        if is_snapshot(document):
            schema = snapshot_from_document(document).schema
            if schema is None:
                raise SourceError(f"cannot read {spec}: the snapshot holds no schema model (taken with --no-schema)")
            model = schema
        else:
            model = model_from_document(document)
    except json.JSONDecodeError as exc:
        raise SourceError(f"cannot read {spec}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except (ModelFormatError, SnapshotFormatError) as exc:
        raise SourceError(f"cannot read {spec}: {exc}") from None
    return _only_schemas(model, options.schemas)


def _only_schemas(model: SchemaModel, schemas: tuple[str, ...] | None) -> SchemaModel:
    """The model restricted to ``schemas`` (files hold every schema; URLs filter in the query)."""
    if not schemas:
        return model
    import dataclasses  # noqa: PLC0415

    keep = set(schemas)
    return dataclasses.replace(
        model,
        schemas=tuple(s for s in model.schemas if s in keep),
        tables=tuple(t for t in model.tables if t.schema in keep),
        sequences=tuple(s for s in model.sequences if s.schema in keep),
        enums=tuple(e for e in model.enums if e.schema in keep),
        schema_comments=tuple(c for c in model.schema_comments if c[0] in keep),
        functions=tuple(f for f in model.functions if f.schema in keep),
        schema_privileges=tuple(p for p in model.schema_privileges if p.name in keep),
    )


__all__ = ["PREFIXES", "SUFFIXES", "LoadOptions", "Loader", "is_postgres_url", "load_source", "register_source"]
