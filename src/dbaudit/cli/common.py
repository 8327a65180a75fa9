"""What every command shares: exit codes, one-line errors without secrets, consoles, progress."""

from __future__ import annotations

import contextlib
import functools
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from dbaudit.errors import DbauditError
from dbaudit.redact import redact_text

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

P = ParamSpec("P")
R = TypeVar("R")

# Human output goes to stderr so that machine output (JSON on stdout) pipes cleanly.
stderr = Console(stderr=True, highlight=False)
stdout = Console(highlight=False)


def fail(message: str) -> None:
    """Print one redacted error line and exit with code 2."""
    # The message is text, not markup: "[tool.dbaudit]" or "dbaudit[demo]" must print as written.
    stderr.print(f"[bold red]error:[/] {escape(redact_text(message))}", markup=True, highlight=False, soft_wrap=True)
    sys.exit(EXIT_ERROR)


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Turn dbaudit errors (and Ctrl-C) into one line and exit code 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DbauditError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted")
        raise AssertionError("unreachable")

    return wrapper


@contextlib.contextmanager
def progress(description: str, *, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """A spinner with elapsed time on stderr (shown only on a terminal, after about a second).

    Yields a function to update the description as the work moves through its steps.
    """
    show = enabled and stderr.is_terminal
    if not show:
        yield lambda _text: None
        return
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=stderr, transient=True, refresh_per_second=8,
    ) as bar:
        task = bar.add_task(description, start=True)
        started = time.monotonic()

        def update(text: str) -> None:
            bar.update(task, description=text)

        try:
            yield update
        finally:
            if time.monotonic() - started < 1.0:
                bar.update(task, visible=False)


def option_format(default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--format", "formats", default=default, show_default=True,
        help="Comma-separated output formats: md, html, json, sarif.",
    )
