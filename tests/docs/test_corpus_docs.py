"""dbaudit docs on every real schema of the test corpus (``tests/corpus/**/*.sql`` and the shared
corpus beside the repository): every table, column (with comment), index and FK is in the pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbaudit.docs import build_docs, schema_findings
from dbaudit.scratch import ScratchServer
from dbaudit.sources import load_source
from tests.docs.coverage import assert_html_covers, assert_markdown_covers

ROOT = Path(__file__).resolve().parents[2]
# The repository's own corpus, then the shared one CI lays beside the clone (../shared/corpus).
CORPUS_DIRS = (ROOT / "tests" / "corpus", ROOT.parent / "shared" / "corpus", Path("/work/shared/corpus"))


def corpus_schemas() -> list[Path]:
    found: dict[str, Path] = {}
    for directory in CORPUS_DIRS:
        if directory.is_dir():
            for path in sorted(directory.glob("*/*.sql")):
                found.setdefault(path.parent.name, path)
    return [found[k] for k in sorted(found)]


SCHEMAS = corpus_schemas()


@pytest.mark.skipif(not SCHEMAS, reason=f"no corpus schema found in {', '.join(map(str, CORPUS_DIRS))}")
@pytest.mark.parametrize("path", SCHEMAS, ids=[p.parent.name for p in SCHEMAS])
def test_docs_cover_the_model(path: Path, pg_server: ScratchServer) -> None:
    """Markdown pages and the HTML file show every table, column, comment, index and FK."""
    model = load_source(str(path), scratch_url=pg_server.admin_url)
    assert model.tables, f"{path} loaded no table"
    pages = build_docs(model, findings=schema_findings(model))
    assert_markdown_covers(pages, model)
    assert_html_covers(pages["index.html"], model)
