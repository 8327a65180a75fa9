"""What every command shares: exit codes, one-line errors without secrets, consoles, progress."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from dbaudit.errors import DbauditError, UsageError
from dbaudit.progress import listening
from dbaudit.redact import redact_text

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

P = ParamSpec("P")
R = TypeVar("R")

# Human output goes to stderr so that machine output (JSON on stdout) pipes cleanly.
stderr = Console(stderr=True, highlight=False)
stdout = Console(highlight=False)


DEBUG_ENV = "DBAUDIT_DEBUG"  # set to 1 to see the traceback of an internal error


def one_line(message: str) -> str:
    """``message`` redacted and on one line (a name may hold a newline; a driver message often does)."""
    return " ".join(redact_text(message).split())


def fail(message: str) -> None:
    """Print one redacted error line and exit with code 2."""
    # The message is text, not markup: "[tool.dbaudit]" or "dbaudit[demo]" must print as written.
    stderr.print(f"[bold red]error:[/] {escape(one_line(message))}", markup=True, highlight=False, soft_wrap=True)
    sys.exit(EXIT_ERROR)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where SIGINT would raise KeyboardInterrupt, so that the same cleanup runs:
    throw-away databases dropped, the embedded server stopped, temporary files removed."""


def install_signal_handlers() -> None:
    """SIGTERM interrupts like Ctrl-C (Python's default kills the process without any cleanup).

    The first SIGINT or SIGTERM interrupts; later ones, while the cleanup runs, are ignored so that
    the cleanup itself is not cut short (SIGKILL still ends the process at once).
    """

    def interrupt(signum: int, _frame: object) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    signal.signal(signal.SIGTERM, interrupt)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, interrupt)


def _os_error(exc: OSError) -> str:
    """``cannot write /x/report.md: No space left on device`` from any OSError, without a traceback."""
    name = exc.filename if exc.filename is not None else ""
    what = exc.strerror or str(exc) or type(exc).__name__
    return f"{name}: {what}" if name else what


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Turn every failure (and Ctrl-C, SIGTERM) into one line and exit code 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DbauditError as exc:
            fail(str(exc))
        except Terminated:
            fail("terminated (SIGTERM)")
        except KeyboardInterrupt:
            fail("interrupted")
        except OSError as exc:
            fail(_os_error(exc))
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # click's own: the group prints them as one line
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            fail(f"internal error, please report it: {type(exc).__name__}: {exc} "
                 f"(set {DEBUG_ENV}=1 for the traceback)")
        raise AssertionError("unreachable")

    return wrapper


def check_output(path: str | os.PathLike[str], *, directory: bool) -> None:
    """Fail before the work, not after it, when ``path`` cannot be written: a file where a directory
    is wanted (or the reverse), or a read-only place. The write itself is still atomic and checked."""
    target = Path(path)
    if target.exists():
        if directory and not target.is_dir():
            raise UsageError(f"output directory {target} exists and is not a directory")
        if not directory and target.is_dir():
            raise UsageError(f"output file {target} is a directory (name a file)")
    existing = target if directory and target.is_dir() else target.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"cannot write {target}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write {target}: {existing} is not writable (read-only or no permission)")


STATUS_AFTER_S = 1.0  # off a terminal, a step that took at least this long gets its status line


class _Counts(ProgressColumn):
    """``12/64 rules`` when the step has a known size, nothing otherwise."""

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        return Text(f"{int(task.completed)}/{int(task.total)} {task.fields.get('unit', '')}".rstrip())


class TerminalProgress:
    """On a terminal: a spinner, the step, a bar with counts when the step has a size, elapsed time.
    Transient; a command done within a second leaves nothing on the screen."""

    def __init__(self, console: Console, description: str = "") -> None:
        self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=24),
                             _Counts(), TimeElapsedColumn(), console=console, transient=True,
                             refresh_per_second=8)
        self._task = self._bar.add_task(description, total=None, unit="")
        self._started = time.monotonic()
        self._bar.start()

    def step(self, description: str, total: int | None, unit: str) -> None:
        self._bar.update(self._task, description=description, total=total, completed=0, unit=unit)

    def advance(self, count: int) -> None:
        self._bar.advance(self._task, count)

    def close(self, *, finished: bool = True) -> None:
        if time.monotonic() - self._started < 1.0 or not finished:
            self._bar.update(self._task, visible=False)
        self._bar.stop()


class LogProgress:
    """Off a terminal (CI logs, pipes): one status line per step that took a second or more, when it
    ends: ``dbaudit: running the schema rules: 64/64 rules in 1.3 s``."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._current: tuple[str, int | None, str, float] | None = None
        self._done = 0

    def step(self, description: str, total: int | None, unit: str) -> None:
        self._finish()
        self._current = (description, total, unit, time.monotonic())
        self._done = 0

    def advance(self, count: int) -> None:
        self._done += count
        if self._current is not None and self._current[1] is not None and self._done >= self._current[1]:
            self._finish()  # a counted step ends with its last item, not when the next one starts

    def close(self, *, finished: bool = True) -> None:
        if not finished:
            self._current = None
        self._finish()

    def _finish(self) -> None:
        if self._current is None:
            return
        description, total, unit, started = self._current
        self._current = None
        elapsed = time.monotonic() - started
        if elapsed < STATUS_AFTER_S:
            return
        counts = f"{self._done}/{total} {unit}".rstrip() + " " if total is not None else ""
        self._console.print(f"dbaudit: {description}: {counts}in {elapsed:.1f} s", markup=False,
                            highlight=False, soft_wrap=True)


@contextlib.contextmanager
def progress(description: str, *, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """Progress of a command on stderr, also of the library code it calls (:mod:`dbaudit.progress`).

    Yields a function to name the next step. On a terminal a progress bar with counts; off a
    terminal a status line per step of a second or more; nothing when not ``enabled``.
    """
    if not enabled:
        yield lambda _text: None
        return
    # The opening description shows on the bar; off a terminal only named steps get a status line.
    listener = TerminalProgress(stderr, description) if stderr.is_terminal else LogProgress(stderr)
    try:
        with listening(listener):
            yield lambda text: listener.step(text, None, "")
    except BaseException:
        listener.close(finished=False)  # a step that failed gets the error line, not a status line
        raise
    listener.close()


def option_format(default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--format", "formats", default=default, show_default=True,
        help="Comma-separated output formats: md, html, json, sarif.",
    )


def split_values(values: tuple[str, ...]) -> list[str]:
    """Repeated and comma-separated option values alike: ``--select a,b --select c``."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]
