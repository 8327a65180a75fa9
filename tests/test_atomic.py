"""Output files are written all-or-nothing."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from dbaudit.atomic import write_text_atomic


class TestWriteTextAtomic:
    def test_writes_with_umask_mode(self, tmp_path: Path) -> None:
        """The file gets the mode a plain open() would give, not mkstemp's private 0600."""
        old = os.umask(0o022)
        try:
            path = write_text_atomic(tmp_path / "sub" / "report.md", "hello\n")
        finally:
            os.umask(old)
        assert path.read_text() == "hello\n"
        assert stat.S_IMODE(path.stat().st_mode) == 0o644

    def test_failure_keeps_old_file_and_leaves_no_temporary(self, tmp_path: Path) -> None:
        """A failed write leaves the previous file intact and no temporary file behind."""
        target = tmp_path / "report.md"
        target.write_text("old")

        with pytest.raises(TypeError):
            write_text_atomic(target, 123)  # type: ignore[arg-type]
        assert target.read_text() == "old"
        assert [p.name for p in tmp_path.iterdir()] == ["report.md"]
