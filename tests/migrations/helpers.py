"""Build small migration projects for tests: the corpus base schema plus one migration."""

from __future__ import annotations

import re
import shutil
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
