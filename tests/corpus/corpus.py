"""The real-world schema corpus: where its files are, how to load them, and the judgement files.

Each ``tests/corpus/<name>/corpus.toml`` names a public schema written by others (file, sha256,
origin, licence, what the server needs). The schema file is committed beside it with its licence
(``LICENSE.txt``), its provenance (``SOURCE.txt``) and the script that assembled it, if any;
``DBAUDIT_CORPUS_DIR`` points at another directory of ``<name>/<file>`` instead. ``judgements.toml``
holds the findings verified by hand: see tests/corpus/README.md.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from dbaudit.findings import Finding

if TYPE_CHECKING:
    import psycopg

HERE = Path(__file__).resolve().parent

Verdict = Literal["true", "false"]


@dataclass(frozen=True)
class Entry:
    name: str
    file: str
    sha256: str
    origin: str
    licence: str
    kind: str
    requires: tuple[str, ...]

    @property
    def path(self) -> Path:
        return corpus_dir() / self.name / self.file


@dataclass(frozen=True)
class Judgement:
    """A finding verified by hand: ``true`` must stay, ``false`` must not come back."""

    rule: str
    object: str
    verdict: Verdict
    reason: str
    # Only findings of this severity (a pattern that is wrong at P1 per table but right once at P2).
    severity: str | None = None
    # A true finding the rules no longer report, on purpose (recall given up for precision): recorded
    # so the loss stays visible; not required to be found.
    missed: bool = False

    def matches(self, finding: Finding) -> bool:
        return (finding.rule == self.rule and self.object in finding.objects
                and (self.severity is None or finding.severity.name == self.severity))


def corpus_dir() -> Path:
    """Where the schema files are: this directory (they are committed here), unless
    ``DBAUDIT_CORPUS_DIR`` names another one laid out the same way (``<name>/<file>``)."""
    return Path(os.environ.get("DBAUDIT_CORPUS_DIR") or HERE)


def entries() -> tuple[Entry, ...]:
    out = []
    for path in sorted(HERE.glob("*/corpus.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        out.append(Entry(data["name"], data["file"], data["sha256"], data["origin"], data["licence"],
                         data["kind"], tuple(data.get("requires", ()))))
    return tuple(out)


def judgements(name: str) -> tuple[Judgement, ...]:
    path = HERE / name / "judgements.toml"
    if not path.is_file():
        return ()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for item in data.get("judgement", ()):
        verdict = item["verdict"]
        if verdict not in ("true", "false"):
            raise ValueError(f"{path}: verdict must be 'true' or 'false', not {verdict!r}")
        out.append(Judgement(item["rule"], item["object"], verdict, item["reason"], item.get("severity"),
                             bool(item.get("missed", False))))
    return tuple(out)


def missing_file(entry: Entry) -> str | None:
    """Why the schema file cannot be used (absent, or not the bytes judged), or None. The files are
    committed: either is an error, not a reason to skip."""
    if not entry.path.is_file():
        return (f"corpus schema {entry.name} not found at {entry.path} "
                f"(tests/corpus/{entry.name}/SOURCE.txt says how to rebuild it)")
    digest = hashlib.sha256(entry.path.read_bytes()).hexdigest()
    if digest != entry.sha256:
        return f"{entry.path} is not the file that was judged (sha256 {digest})"
    return None


def unmet(entry: Entry, admin_url: str) -> str | None:
    """What the schema needs that this PostgreSQL server lacks (an extension, ICU collations), or None."""
    import psycopg  # noqa: PLC0415

    with psycopg.connect(admin_url) as conn:
        for need in entry.requires:
            kind, _, name = need.partition(":")
            if kind == "extension":
                found = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", (name,)).fetchone()
            else:
                found = _icu_works(conn)
            if not found:
                return f"corpus schema {entry.name} needs {need}, which this PostgreSQL server lacks"
    return None


def _icu_works(conn: psycopg.Connection[Any]) -> bool:
    """Whether the server can create an ICU collation. A row of provider ``i`` in pg_collation is not
    enough: PostgreSQL 17+ built without ICU still lists the ``unicode`` collation."""
    import psycopg  # noqa: PLC0415

    try:
        conn.execute("CREATE COLLATION pg_temp.dbaudit_icu_probe (provider = icu, locale = 'und')")
    except psycopg.errors.FeatureNotSupported:
        return False
    finally:
        conn.rollback()
    return True


def judged(findings: Iterable[Finding], items: Iterable[Judgement]) -> dict[Judgement, list[Finding]]:
    """Each judgement with the findings it matches."""
    found = list(findings)
    return {j: [f for f in found if j.matches(f)] for j in items}
