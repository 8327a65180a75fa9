"""Progress: counts on a terminal, one status line per (slow) step off a terminal, from library code."""

from __future__ import annotations

import io

import psycopg
import pytest
from click.testing import CliRunner
from rich.console import Console

from dbaudit import progress
from dbaudit.cli import common
from dbaudit.cli.common import LogProgress, TerminalProgress
from dbaudit.cli.main import cli


def counted(listener: progress.Listener) -> None:
    """What library code does: a step with a size, counted through."""
    with progress.listening(listener):
        progress.step("running the schema rules", total=3, unit="rules")
        for _ in range(3):
            progress.advance()


class TestLogProgress:
    def test_one_line_per_step_with_counts(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Off a terminal each step that took long enough is one line, with its counts, when it ends."""
        monkeypatch.setattr(common, "STATUS_AFTER_S", 0.0)
        out = io.StringIO()
        listener = LogProgress(Console(file=out, width=200))
        counted(listener)
        listener.step("writing the reports", None, "")
        listener.close()
        lines = out.getvalue().splitlines()
        assert [line.rsplit(" in ", 1)[0] for line in lines] == [
            "dbaudit: running the schema rules: 3/3 rules", "dbaudit: writing the reports:"]

    def test_quick_steps_are_silent(self) -> None:
        """Steps shorter than a second print nothing (logs stay short)."""
        out = io.StringIO()
        listener = LogProgress(Console(file=out))
        counted(listener)
        listener.close()
        assert out.getvalue() == ""

    def test_failed_step_gets_no_status(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A step that did not finish is left to the error line."""
        monkeypatch.setattr(common, "STATUS_AFTER_S", 0.0)
        out = io.StringIO()
        listener = LogProgress(Console(file=out))
        listener.step("running the schema rules", 3, "rules")
        listener.advance(2)
        listener.close(finished=False)
        assert out.getvalue() == ""


class TestTerminalProgress:
    def test_bar_shows_counts(self) -> None:
        """On a terminal the bar shows done/total and the unit of the current step."""
        out = io.StringIO()
        listener = TerminalProgress(Console(file=out, force_terminal=True, width=120))
        listener.step("running the schema rules", 3, "rules")
        listener.advance(2)
        listener._bar.refresh()
        listener.close()
        assert "running the schema rules" in out.getvalue()
        assert "2/3 rules" in out.getvalue()


class TestCommandProgress:
    def test_audit_reports_tables_and_rules(self, pg_url: str, pg_exec: psycopg.Connection[tuple[object, ...]],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
        """An audit off a terminal prints the tables it read and the rules it ran, one line each."""
        monkeypatch.setattr(common, "STATUS_AFTER_S", 0.0)
        pg_exec.execute("CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY)")
        result = CliRunner().invoke(cli, ["audit", pg_url, "-q"])
        lines = [line for line in result.stderr.splitlines() if line.startswith("dbaudit: ")]
        assert any(line.startswith("dbaudit: reading the tables: 2/2 tables in ") for line in lines)
        assert any(line.startswith("dbaudit: running the schema rules: ") and " rules in " for line in lines)

    def test_error_is_the_only_line(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A command failing in its first step prints the error line alone."""
        monkeypatch.setattr(common, "STATUS_AFTER_S", 0.0)
        result = CliRunner().invoke(cli, ["audit", "postgresql://u:secret@127.0.0.1:1/x"])
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1
