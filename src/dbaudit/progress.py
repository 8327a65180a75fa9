"""Progress of long work: reported where the work happens, shown by whoever listens.

Library code announces a step and, when it knows how much there is, counts through it::

    progress.step("running the schema rules", total=len(rules), unit="rules")
    for rule in rules:
        ...
        progress.advance()

The command line installs a listener for the length of a command (:func:`listening`): a progress
bar with counts on a terminal, a status line per step in CI logs. Without a listener (the Python
API, tests) a call costs one context-variable lookup.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Protocol


class Listener(Protocol):
    def step(self, description: str, total: int | None, unit: str) -> None:
        """A new step starts (``total`` items of ``unit`` when known)."""

    def advance(self, count: int) -> None:
        """``count`` more items of the current step are done."""


_listener: ContextVar[Listener | None] = ContextVar("dbaudit_progress", default=None)


def step(description: str, *, total: int | None = None, unit: str = "") -> None:
    listener = _listener.get()
    if listener is not None:
        listener.step(description, total, unit)


def advance(count: int = 1) -> None:
    listener = _listener.get()
    if listener is not None:
        listener.advance(count)


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[Listener]:
    """Send the progress of the work done in this block to ``listener``."""
    token = _listener.set(listener)
    try:
        yield listener
    finally:
        _listener.reset(token)


__all__ = ["Listener", "advance", "listening", "step"]
