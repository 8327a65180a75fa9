"""Write output files all-or-nothing: readers see the old output or the whole new one, never half.

- :func:`write_text_atomic` writes one file: a temporary file beside the target, then a rename.
- :func:`write_set_atomic` writes a set of files that belong together (``report.md``, ``.html``,
  ``.json``, ``.sarif`` of one run) into a temporary directory inside the output directory (each
  given as text, or as a function that writes it into the open file, so that a large report is
  streamed to disk instead of held in memory as one string), then
  swaps the whole set in: the previous files of the set, and *stale* files of the same family that
  this run does not write (``report.html`` left by an earlier run that wrote four formats when this
  one writes only JSON), are moved aside and removed, so the directory never mixes two runs. If the
  swap fails half-way, the previous files are put back. SIGINT and SIGTERM are deferred during the
  swap (a few renames), so an interruption lands before or after it, never inside.

A failure (read-only directory, full disk, a directory where a file should be) raises
:class:`~dbaudit.errors.OutputError` naming the target, with nothing left behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TextIO

from dbaudit.errors import OutputError

STAGING_PREFIX = ".dbaudit-tmp-"
# A file's content: its text, or a function writing it into the open file (streamed output).
Content = str | Callable[[TextIO], None]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _failure(target: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {target}: {exc.strerror or exc}")


def _write_file(path: Path, content: Content) -> None:
    """Create ``path`` (which must not exist) with ``content``, on disk before this returns."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 & ~_umask())
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        if isinstance(content, str):
            handle.write(content)
        else:
            content(handle)
        handle.flush()
        os.fsync(handle.fileno())  # a full disk fails here at the latest, not after the rename


def _prepare_directory(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"cannot write into {directory}: it exists and is not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _failure(directory, exc) from None


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one, never half."""
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"cannot write {target}: it is a directory (name a file)")
    _prepare_directory(target.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _failure(target, exc) from None
    try:
        # mkstemp makes the file private (0600); reports are for sharing, so give it the mode a plain
        # open() would have given.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with signals_deferred():
            os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise _failure(target, exc) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target


@dataclass(frozen=True)
class WrittenSet:
    """What :func:`write_set_atomic` did: the files written and the stale ones it removed."""

    written: tuple[Path, ...]
    removed: tuple[Path, ...]


def write_set_atomic(
    directory: str | Path, files: Mapping[str, Content], *, family: Iterable[str] = (),
) -> WrittenSet:
    """Write ``files`` (name -> text, or a function writing the file's text into an open file) into
    ``directory`` as one set; the functions run one after the other.

    ``family`` names every file a run of this kind may write (all report formats): those present in
    the directory but not in ``files`` are stale and removed with the swap.
    """
    target = Path(directory)
    for name in files:
        if Path(name).name != name or name.startswith(STAGING_PREFIX):
            raise ValueError(f"not a plain file name: {name!r}")
    _prepare_directory(target)
    try:
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=target))
    except OSError as exc:
        raise _failure(target, exc) from None
    try:
        for name, content in files.items():
            try:
                _write_file(staging / name, content)
            except OSError as exc:
                raise _failure(target / name, exc) from None
        stale = [name for name in dict.fromkeys(family) if name not in files and (target / name).exists()]
        with signals_deferred():
            _swap(target, staging, list(files), stale)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # what remains there: the replaced and stale files
    return WrittenSet(tuple(target / name for name in files), tuple(target / name for name in stale))


def _swap(target: Path, staging: Path, names: list[str], stale: list[str]) -> None:
    """Move the current files aside into ``staging/.old``, then the new ones in; undo on failure."""
    aside = staging / ".old"
    aside.mkdir()
    moved_aside: list[str] = []
    moved_in: list[str] = []
    try:
        for name in [*names, *stale]:
            if os.path.lexists(target / name):
                if (target / name).is_dir():
                    raise OutputError(f"cannot write {target / name}: a directory is in the way")
                os.replace(target / name, aside / name)
                moved_aside.append(name)
        for name in names:
            os.replace(staging / name, target / name)
            moved_in.append(name)
    except BaseException as exc:
        for name in moved_in:
            with contextlib.suppress(OSError):
                os.unlink(target / name)
        for name in moved_aside:
            with contextlib.suppress(OSError):
                os.replace(aside / name, target / name)
        if isinstance(exc, OSError):
            raise _failure(target, exc) from None
        raise


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM received in the block are handled when it ends (main thread only: Python
    runs signal handlers there, so elsewhere there is nothing to defer)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[tuple[int, FrameType | None]] = []

    def record(signum: int, frame: FrameType | None) -> None:
        received.append((signum, frame))

    previous: dict[int, object] = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, record)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if callable(handler) or isinstance(handler, int) else signal.SIG_DFL)
        if received:
            signum, frame = received[0]
            handler = previous[signum]
            if callable(handler):
                handler(signum, frame)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), signum)


__all__ = ["STAGING_PREFIX", "WrittenSet", "signals_deferred", "write_set_atomic", "write_text_atomic"]
