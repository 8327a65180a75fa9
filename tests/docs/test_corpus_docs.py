"""dbaudit docs on every real schema of the test corpus (``tests/corpus/**/*.sql`` and the shared
corpus beside the repository): every table, column (with comment), index and FK is in the pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbaudit.docs import build_docs, schema_findings
from dbaudit.errors import SourceError
from dbaudit.model.schema import SchemaModel
from dbaudit.scratch import ScratchServer
from dbaudit.sources import load_source
from tests.docs.coverage import assert_html_covers, assert_markdown_covers

ROOT = Path(__file__).resolve().parents[2]
# The repository's own corpus, then the shared one CI lays beside the clone (../shared/corpus).
CORPUS_DIRS = (ROOT / "tests" / "corpus", ROOT.parent / "shared" / "corpus", Path("/work/shared/corpus"))


def corpus_schemas() -> list[Path]:
    """Every ``<name>/<file>.sql``, the first corpus directory holding a given one winning."""
    found: dict[str, Path] = {}
    for directory in CORPUS_DIRS:
        if directory.is_dir():
            for path in sorted(directory.glob("*/*.sql")):
                found.setdefault(f"{path.parent.name}/{path.name}", path)
    return [found[k] for k in sorted(found)]


def _load(path: Path, scratch_url: str) -> SchemaModel:
    """The schema, or a skip naming the extension this server lacks (the embedded server has no
    contrib; a corpus file may need an extension that is not packaged here, such as pg_partman)."""
    try:
        return load_source(str(path), scratch_url=scratch_url)
    except SourceError as exc:
        if "is not available" in str(exc) and "extension" in str(exc):
            pytest.skip(f"{path.parent.name}/{path.name}: {exc}")
        raise


SCHEMAS = corpus_schemas()
# Loading a large DDL file into a throw-away database takes most of the time (musicbrainz: ~14 s).
LARGE_SQL = 200_000


def _param(path: Path) -> object:
    marks = [pytest.mark.slow] if path.stat().st_size > LARGE_SQL else []
    return pytest.param(path, marks=marks, id=f"{path.parent.name}/{path.stem}")


@pytest.mark.skipif(not SCHEMAS, reason=f"no corpus schema found in {', '.join(map(str, CORPUS_DIRS))}")
@pytest.mark.parametrize("path", [_param(p) for p in SCHEMAS])
def test_docs_cover_the_model(path: Path, pg_server: ScratchServer) -> None:
    """Markdown pages and the HTML file show every table, column, comment, index and FK."""
    model = _load(path, pg_server.admin_url)
    assert model.tables, f"{path} loaded no table"
    pages = build_docs(model, findings=schema_findings(model))
    assert_markdown_covers(pages, model)
    assert_html_covers(pages["index.html"], model)
