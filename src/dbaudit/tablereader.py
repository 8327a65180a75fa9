"""Validation of a TOML file's tables for the commands that read their own file (``fleet``, ``verify``):
every error names the file and the key; unknown keys get a "did you mean" hint."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dbaudit.errors import UsageError

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class TableReader:
    """Reads values out of ``path``'s tables; relative paths in it are relative to its directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.base = path.resolve().parent

    def fail(self, message: str) -> UsageError:
        return UsageError(f"{self.path}: {message}")

    def keys(self, table: Mapping[str, Any], allowed: Iterable[str], where: str) -> dict[str, Any]:
        """The table with ``-`` in its keys read as ``_``; a key not in ``allowed`` fails, naming ``where``."""
        known = tuple(allowed)
        out = {}
        for key, value in table.items():
            norm = str(key).replace("-", "_")
            if norm not in known:
                close = difflib.get_close_matches(norm, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise self.fail(f"unknown key {key!r} in {where}{hint}")
            out[norm] = value
        return out

    def table(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(f"[{where}] must be a table")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where} must be a non-empty string")
        return value.strip()

    def optional_text(self, value: Any, where: str) -> str | None:
        return None if value is None else self.text(value, where)


__all__ = ["ENV_NAME", "TableReader"]
