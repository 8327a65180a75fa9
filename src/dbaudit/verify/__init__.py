"""Verification that tables are split correctly across several databases (``dbaudit verify``).

:func:`verify` reads a ``[databases.NAME]`` configuration (``dbaudit.verify.config``), checks every
database (reachable, unexpected and missing tables, Alembic current vs head) and what crosses
databases (tables present in several, foreign keys and views spanning two), and returns a
:class:`VerifyResult` whose ``to_json()`` is the documented JSON (``docs/snapshot.md``).
"""

from __future__ import annotations

from dbaudit.verify.check import (
    AlembicState,
    CrossReference,
    DatabaseReport,
    Expectations,
    SharedTable,
    VerifyResult,
    problems,
    read_expectations,
    verify,
)
from dbaudit.verify.config import DatabasesConfig, DatabaseSpec, ServeSettings, load_databases

# The public API's name (``dbaudit.verify`` is this package).
verify_databases = verify

__all__ = [
    "AlembicState",
    "CrossReference",
    "DatabaseReport",
    "DatabaseSpec",
    "DatabasesConfig",
    "Expectations",
    "ServeSettings",
    "SharedTable",
    "VerifyResult",
    "load_databases",
    "problems",
    "read_expectations",
    "verify",
    "verify_databases",
]
