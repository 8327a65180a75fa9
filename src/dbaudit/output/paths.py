"""File paths as CI tools want them: relative to the repository root.

Each input of a run reports paths relative to its own root (the models' project, the migrations'
directory, the scanned code): ``app/models/tag.py`` means ``backend/app/models/tag.py`` when the
project lives under ``backend/``. GitHub code scanning, workflow annotations and GitLab code quality
resolve every path against the repository root, so :class:`PathMapper` rewrites each path once: it
is resolved against the first input root where that file exists, then made relative to the
repository root: the nearest directory holding ``.git`` upwards from the first input root (else from
the working directory, else the working directory itself).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


def repository_root(start: str | Path = ".") -> Path | None:
    """The nearest directory from ``start`` upwards that holds ``.git`` (a directory or a worktree file)."""
    here = Path(start).resolve()
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return None


@dataclass(frozen=True)
class PathMapper:
    """Maps a location path of a finding to a path relative to ``root`` (POSIX separators).

    ``bases`` are the input roots relative paths were written against, tried in order; a path found
    under none of them is taken against the first (or the working directory). A path outside ``root``
    stays absolute. Without a ``root`` paths are returned as they are.
    """

    root: Path | None = None
    bases: tuple[Path, ...] = ()
    _cache: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def for_run(cls, bases: Iterable[str | Path | None], *, cwd: str | Path = ".") -> PathMapper:
        """The mapper of one run: the repository around the first input (else around ``cwd``, else
        ``cwd`` itself) and the inputs' roots."""
        here = Path(cwd).resolve()
        roots = tuple(dict.fromkeys(Path(b).resolve() for b in bases if b is not None)) or (here,)
        return cls(repository_root(roots[0]) or repository_root(here) or here, roots)

    def __call__(self, path: str) -> str:
        if self.root is None:
            return path
        cached = self._cache.get(path)
        if cached is None:
            cached = self._cache[path] = self._map(path)
        return cached

    def _map(self, path: str) -> str:
        assert self.root is not None
        given = Path(path)
        if given.is_absolute():
            absolute = given
        else:
            candidates = [base / given for base in self.bases] or [Path.cwd() / given]
            absolute = next((c for c in candidates if c.exists()), candidates[0])
        resolved = Path(os.path.normpath(absolute))
        if resolved.is_relative_to(self.root):
            return resolved.relative_to(self.root).as_posix()
        return resolved.as_posix()


__all__ = ["PathMapper", "repository_root"]
