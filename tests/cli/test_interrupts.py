"""Interruptions and a full disk leave nothing half done (issue 17).

- SIGINT and SIGTERM, on a named scratch server and on the embedded one, in the middle of loading a
  ``.sql`` file: exit code 2, one line, the throw-away database dropped, the embedded server (and
  any ``initdb`` still running) stopped and its directory removed. A real ``dbaudit`` process each.
- A full disk (a small tmpfs, as root; else a per-file size limit) while the reports are written:
  exit code 2, one line, the previous set of reports untouched, no temporary file.
- The set of reports is swapped in whole: an interruption or a failure while it is written leaves
  the old set; a signal during the swap waits for its end; formats of an older run are removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result

import dbaudit.atomic
from dbaudit.atomic import STAGING_PREFIX, write_set_atomic
from dbaudit.cli.main import cli
from dbaudit.errors import OutputError
from dbaudit.model import model_to_json
from dbaudit.scratch import ScratchServer, scratch_name_prefix
from dbaudit.testing import schema

REPORTS = ("report.md", "report.html", "report.json", "report.sarif")
OLD = "report of an earlier run\n"


def _big_sql(path: Path, tables: int = 2500) -> Path:
    """A schema that takes the scratch server several seconds to load."""
    path.write_text("".join(
        f"CREATE TABLE t{i} (id bigint PRIMARY KEY, name text CHECK (name <> ''), parent_id bigint);\n"
        f"CREATE INDEX ON t{i} (lower(name));\n" for i in range(tables)), encoding="utf-8")
    return path


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "dbaudit.cli", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the run to get there")
        time.sleep(0.05)


def _databases(server: ScratchServer, pid: int) -> list[str]:
    pattern = scratch_name_prefix(pid).replace("_", r"\_") + "%"
    with psycopg.connect(server.admin_url) as conn:
        return [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (pattern,))]


def _processes_naming(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            args = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if text in args:
                found.append(args)
    return found


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in stderr
    return lines[0]


MESSAGES = {signal.SIGINT: "error: interrupted", signal.SIGTERM: "error: terminated (SIGTERM)"}


@pytest.mark.slow
class TestSignals:
    @pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
    def test_named_scratch_server_keeps_no_database(self, signum: signal.Signals, tmp_path: Path,
                                                    pg_server: ScratchServer) -> None:
        """Interrupted while the .sql file loads: exit 2, one line, the throw-away database dropped."""
        big = _big_sql(tmp_path / "big.sql")
        env = {k: v for k, v in os.environ.items() if k != "DBAUDIT_DEBUG"}
        env["DBAUDIT_SCRATCH_URL"] = pg_server.admin_url
        proc = _spawn(["inspect", str(big)], env)
        try:
            _wait_for(lambda: bool(_databases(pg_server, proc.pid)) or proc.poll() is not None)
            time.sleep(0.5)  # well into the load
            assert proc.poll() is None, "the load finished before the signal"
            proc.send_signal(signum)
            _, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 2
        assert _one_error_line(stderr) == MESSAGES[signum]
        assert _databases(pg_server, proc.pid) == []

    @pytest.mark.parametrize(("signum", "when"), [
        (signal.SIGTERM, "starting"), (signal.SIGTERM, "loading"), (signal.SIGINT, "loading"),
    ], ids=["SIGTERM-while-the-server-starts", "SIGTERM-while-loading", "SIGINT-while-loading"])
    def test_embedded_server_leaves_no_process_and_no_directory(self, signum: signal.Signals, when: str,
                                                                 tmp_path: Path) -> None:
        """Interrupted while the embedded PostgreSQL starts (initdb) or while the file loads: exit 2, one
        line, no postgres or initdb process left, its temporary directory removed."""
        big = _big_sql(tmp_path / "big.sql")
        private_tmp = Path(tempfile.mkdtemp(prefix="dbaudit-signal-test-"))
        private_tmp.chmod(0o755)  # the embedded server may run as an unprivileged account
        env = {k: v for k, v in os.environ.items() if k not in ("DBAUDIT_SCRATCH_URL", "DBAUDIT_DEBUG")}
        env["TMPDIR"] = str(private_tmp)
        proc = _spawn(["inspect", str(big)], env)
        try:
            def server_dir() -> list[Path]:
                return list(private_tmp.glob("dbaudit-pg-*"))

            if when == "starting":
                _wait_for(lambda: bool(server_dir()) or proc.poll() is not None)
            else:
                _wait_for(lambda: any(server_dir()[0].rglob("postmaster.pid")) if server_dir() else
                          proc.poll() is not None)
                time.sleep(1.0)  # the server is up: the load is under way
            assert proc.poll() is None, "the run ended before the signal"
            proc.send_signal(signum)
            _, stderr = proc.communicate(timeout=90)
            assert proc.returncode == 2
            assert _one_error_line(stderr) == MESSAGES[signum]
            assert _processes_naming(str(private_tmp)) == []
            # pgserver keeps one inter-process lock file per user in platformdirs' runtime directory
            # (runtime-<uid> without XDG_RUNTIME_DIR): shared by design, not a leftover of this run
            shared = {f"runtime-{os.getuid()}", "python_PostgresServer", ".lockfile"}
            assert [p for p in private_tmp.rglob("*") if p.name not in shared] == []
        finally:
            if proc.poll() is None:
                proc.kill()
            shutil.rmtree(private_tmp, ignore_errors=True)


# ------------------------------------------------------------------------------------------------
# A full disk


@contextlib.contextmanager
def _mounted_tmpfs(target: Path, size: str) -> Iterator[bool]:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
                          capture_output=True, check=False) if os.geteuid() == 0 else None
    mounted = done is not None and done.returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


@contextlib.contextmanager
def _file_size_limit(limit: int) -> Iterator[None]:
    """Where no tmpfs can be mounted: files cannot grow past ``limit`` bytes (EFBIG), like a full disk."""
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, old_limit[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)


@pytest.fixture
def nearly_full(tmp_path: Path) -> Iterator[Callable[[int], contextlib.AbstractContextManager[Path]]]:
    """``nearly_full(free)``: a directory holding an earlier run's files, with about ``free`` bytes left."""
    root = tmp_path / "disk"
    with _mounted_tmpfs(root, "96k") as mounted:

        @contextlib.contextmanager
        def make(free: int) -> Iterator[Path]:
            out = root / "out"
            out.mkdir(exist_ok=True)
            for name in (*REPORTS, "lint.json"):
                (out / name).write_text(OLD, encoding="utf-8")
            if mounted:
                stats = os.statvfs(root)
                filler = stats.f_bavail * stats.f_frsize - free
                (root / "filler").write_bytes(b"\0" * max(filler, 0))
                yield out
            else:
                with _file_size_limit(max(free, 1)):
                    yield out

        yield make


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "model.json"
    path.write_text(model_to_json(
        schema().table("items", cols={"id": "bigint", "name": "text"}, pk="id").build()), encoding="utf-8")
    return path


class TestFullDisk:
    def test_audit_reports_keep_the_earlier_set(self, nearly_full: Callable[[int], Any], model_file: Path) -> None:
        """The disk fills up after report.md: exit 2, one line, the earlier four reports untouched."""
        with nearly_full(6000) as out:
            result = _invoke("audit", str(model_file), "-o", str(out))
        line = _one_error_line(result.stderr)
        assert result.exit_code == 2
        assert "No space left on device" in line or "File too large" in line
        assert {p.name: p.read_text() for p in out.iterdir() if p.name in REPORTS} == dict.fromkeys(REPORTS, OLD)
        assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []

    def test_lint_report_keeps_the_earlier_file(self, nearly_full: Callable[[int], Any], tmp_path: Path) -> None:
        """lint-migrations -o on a full disk: exit 2, one line, the earlier file untouched, no temporary."""
        migrations = tmp_path / "migrations"
        migrations.mkdir()
        (migrations / "001.sql").write_text("CREATE INDEX i ON t (c);\n" * 40, encoding="utf-8")
        with nearly_full(0) as out:
            result = _invoke("lint-migrations", str(migrations), "--format", "json", "-o", str(out / "lint.json"))
        _one_error_line(result.stderr)
        assert result.exit_code == 2
        assert (out / "lint.json").read_text() == OLD
        assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []

    def test_drift_and_inspect_on_a_full_disk(self, nearly_full: Callable[[int], Any], model_file: Path) -> None:
        """drift -o DIR and inspect -o FILE on a full disk: exit 2, one line, nothing half written."""
        with nearly_full(0) as out:
            drift = _invoke("drift", str(model_file), str(model_file), "--format", "md,html,json", "-o",
                            str(out / "drift"))
            inspect = _invoke("inspect", str(model_file), "-o", str(out / "model.json"))
        for result in (drift, inspect):
            _one_error_line(result.stderr)
            assert result.exit_code == 2
        assert not (out / "model.json").exists()
        assert not any((out / "drift").glob("drift.*")) if (out / "drift").exists() else True
        assert [p.name for p in out.rglob(".*")] == []


# ------------------------------------------------------------------------------------------------
# The set of reports is written whole


def _old_set(directory: Path) -> None:
    directory.mkdir(exist_ok=True)
    for name in REPORTS:
        (directory / name).write_text(OLD, encoding="utf-8")


NEW = {name: f"new {name}\n" for name in REPORTS}


class TestReportSet:
    def test_interrupted_while_writing_keeps_the_earlier_set(self, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
        """Ctrl-C while the third file is being written: the earlier set stays whole, no temporary left."""
        _old_set(tmp_path / "out")
        original = dbaudit.atomic._write_file
        written: list[str] = []

        def interrupted_on_third(path: Path, text: str) -> None:
            written.append(path.name)
            if len(written) == 3:
                raise KeyboardInterrupt
            original(path, text)

        monkeypatch.setattr(dbaudit.atomic, "_write_file", interrupted_on_third)
        with pytest.raises(KeyboardInterrupt):
            write_set_atomic(tmp_path / "out", NEW, family=REPORTS)
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(REPORTS)
        assert all(p.read_text() == OLD for p in (tmp_path / "out").iterdir())

    def test_signal_during_the_swap_waits_for_its_end(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """SIGINT arriving while the files are swapped in is handled after the last one is in place."""
        _old_set(tmp_path / "out")
        original = os.replace
        calls: list[str] = []

        def replace_then_signal(src: Any, dst: Any) -> None:
            original(src, dst)
            calls.append(str(dst))
            if len(calls) == 2:
                os.kill(os.getpid(), signal.SIGINT)

        monkeypatch.setattr(dbaudit.atomic.os, "replace", replace_then_signal)
        with pytest.raises(KeyboardInterrupt):
            write_set_atomic(tmp_path / "out", NEW, family=REPORTS)
        assert {p.name: p.read_text() for p in (tmp_path / "out").iterdir()} == NEW

    def test_failure_during_the_swap_puts_the_earlier_set_back(self, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
        """A rename that fails half-way through the swap: the earlier set is moved back, whole."""
        _old_set(tmp_path / "out")
        original = os.replace
        calls: list[str] = []

        def failing_sixth(src: Any, dst: Any) -> None:
            calls.append(str(dst))
            if len(calls) == 6:
                raise OSError(28, "No space left on device")
            original(src, dst)

        monkeypatch.setattr(dbaudit.atomic.os, "replace", failing_sixth)
        with pytest.raises(OutputError, match="No space left on device"):
            write_set_atomic(tmp_path / "out", NEW, family=REPORTS)
        assert {p.name: p.read_text() for p in (tmp_path / "out").iterdir()} == dict.fromkeys(REPORTS, OLD)

    def test_formats_of_an_earlier_run_are_removed_and_reported(self, tmp_path: Path, model_file: Path) -> None:
        """audit -o DIR --format json over a four-format report: the other three are removed, and said so."""
        _old_set(tmp_path / "out")
        result = _invoke("audit", str(model_file), "-o", str(tmp_path / "out"), "--format", "json")
        assert result.exit_code == 0, result.stderr
        assert [p.name for p in (tmp_path / "out").iterdir()] == ["report.json"]
        assert json.loads((tmp_path / "out" / "report.json").read_text())["format_version"] == 1
        assert "removed report.md, report.html, report.sarif of an earlier run" in result.stderr

    def test_other_files_in_the_directory_are_left_alone(self, tmp_path: Path) -> None:
        """Only the family's names are replaced or removed; anything else in the directory stays."""
        _old_set(tmp_path / "out")
        (tmp_path / "out" / "notes.txt").write_text("mine", encoding="utf-8")
        done = write_set_atomic(tmp_path / "out", {"report.md": "new\n"}, family=REPORTS)
        assert sorted(p.name for p in done.removed) == ["report.html", "report.json", "report.sarif"]
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["notes.txt", "report.md"]
        assert not any(p.name.startswith(STAGING_PREFIX) for p in (tmp_path / "out").iterdir())
