"""Build small migration projects for tests: the corpus base schema plus one migration."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
BASE_SQL = (CORPUS / "_base.sql").read_text(encoding="utf-8")
_EXPECT = re.compile(r"^(?:--|#) expect: (.+)$", re.MULTILINE)

BASE_REVISION = '''"""base schema of the corpus"""
from alembic import op

revision = "corpus_base"
down_revision = None

BASE_SQL = {sql!r}


def upgrade():
    op.execute(BASE_SQL)


def downgrade():
    op.execute("DROP TABLE audit_log, events, orders, customers")
'''


def expected_rules(path: Path) -> list[str]:
    """The rules a corpus file's ``expect:`` header names, sorted (``safe``: none)."""
    match = _EXPECT.search(path.read_text(encoding="utf-8"))
    assert match is not None, f"{path.name} has no expect: header"
    text = match.group(1).strip()
    return [] if text == "safe" else sorted(r.strip() for r in text.split(","))


def sql_project(tmp: Path, item: Path) -> Path:
    """``000_base.sql`` + ``001_<item>.sql`` in ``tmp``; lint with ``since="000_base"``."""
    (tmp / "000_base.sql").write_text(BASE_SQL, encoding="utf-8")
    shutil.copy(item, tmp / f"001_{item.name}")
    return tmp


def alembic_project(tmp: Path, *items: Path) -> Path:
    """An Alembic script directory with the base revision and ``items``; lint with ``since="corpus_base"``."""
    versions = tmp / "migrations" / "versions"
    versions.mkdir(parents=True)
    for name in ("env.py", "script.py.mako"):
        shutil.copy(CORPUS / "alembic_project" / name, tmp / "migrations" / name)
    (versions / "corpus_base.py").write_text(BASE_REVISION.format(sql=BASE_SQL), encoding="utf-8")
    for item in items:
        shutil.copy(item, versions / item.name)
    return tmp


@dataclass(frozen=True)
class Case:
    """One case of a ``corpus/cases/*.sql`` file: a migration and the rules it must trigger, exactly.

    Headers under ``-- case: NAME``: ``-- expect: rule, rule`` (or ``safe``), optionally
    ``-- target-version: N``, ``-- options: assume-in-transaction`` and ``-- setup: SQL`` lines, run
    in an earlier migration (not linted) so that what they create exists before the case.
    """

    file: str
    name: str
    sql: str
    expect: tuple[str, ...]
    setup: tuple[str, ...] = ()
    target_version: int | None = None
    assume_in_transaction: bool = False


_CASE = re.compile(r"^-- case: (\S+)\n", re.MULTILINE)
_HEADER = re.compile(r"^-- (expect|setup|target-version|options): (.+)$")


def load_cases() -> list[Case]:
    cases: list[Case] = []
    for path in sorted((CORPUS / "cases").glob("*.sql")):
        parts = _CASE.split(path.read_text(encoding="utf-8"))
        for name, body in zip(parts[1::2], parts[2::2], strict=True):
            cases.append(_case(path.name, name, body))
    return cases


def _case(file: str, name: str, body: str) -> Case:
    headers: dict[str, list[str]] = {}
    lines = body.splitlines()
    while lines and (match := _HEADER.match(lines[0])):
        headers.setdefault(match.group(1), []).append(match.group(2).strip())
        lines.pop(0)
    expect = headers["expect"][0]
    version = headers.get("target-version")
    return Case(file, name, "\n".join(lines).strip() + "\n",
                () if expect == "safe" else tuple(sorted(r.strip() for r in expect.split(","))),
                tuple(headers.get("setup", ())), int(version[0]) if version else None,
                "assume-in-transaction" in headers.get("options", []))


def case_project(tmp: Path, case: Case) -> Path:
    """``000_base.sql``, ``000_setup.sql`` and ``001_case.sql``; lint with ``since="000_setup"``."""
    (tmp / "000_base.sql").write_text(BASE_SQL, encoding="utf-8")
    (tmp / "000_setup.sql").write_text("\n".join(case.setup) + "\nSELECT 1;\n", encoding="utf-8")
    (tmp / "001_case.sql").write_text(case.sql, encoding="utf-8")
    return tmp
