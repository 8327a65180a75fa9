"""Output files are written all-or-nothing."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import pytest

from dbaudit.atomic import write_set_atomic, write_text_atomic


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


class TestWriteSetAtomic:
    def test_writer_functions_stream_into_the_files(self, tmp_path: Path) -> None:
        """A file given as a function is written by it into the open file, one file after the other."""
        order: list[str] = []

        def writer(name: str) -> Callable[[TextIO], None]:
            def write(out: TextIO) -> None:
                order.append(name)
                for n in range(3):
                    out.write(f"{name} {n}\n")
            return write

        done = write_set_atomic(tmp_path / "out", {"a.md": writer("a"), "b.json": "text\n", "c.sarif": writer("c")})
        assert order == ["a", "c"]
        assert (tmp_path / "out" / "a.md").read_text() == "a 0\na 1\na 2\n"
        assert (tmp_path / "out" / "b.json").read_text() == "text\n"
        assert [p.name for p in done.written] == ["a.md", "b.json", "c.sarif"]

    def test_failing_writer_keeps_the_previous_set(self, tmp_path: Path) -> None:
        """A writer that raises leaves the previous files as they were and no staging directory."""
        out = tmp_path / "out"
        write_set_atomic(out, {"a.md": "old\n"})

        def broken(handle: TextIO) -> None:
            handle.write("half")
            raise RuntimeError("renderer failed")

        with pytest.raises(RuntimeError):
            write_set_atomic(out, {"a.md": broken})
        assert [p.name for p in out.iterdir()] == ["a.md"]
        assert (out / "a.md").read_text() == "old\n"
