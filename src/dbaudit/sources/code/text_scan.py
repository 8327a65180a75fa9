"""Facts from non-Python files: front-end status vocabularies and secrets in configuration files.

These are read as text with narrow patterns; anything ambiguous is left out rather than guessed.
"""

from __future__ import annotations

import re
from pathlib import Path

from dbaudit.model.code_facts import ColumnValues, CredentialInConfig
from dbaudit.model.schema import Location
from dbaudit.sources.code.python_scan import PLACEHOLDER, URL_WITH_PASSWORD
from dbaudit.textpos import LineIndex

# `const STATUS_META = {` / `const SESSION_STATUSES = [` : a name that says which column it lists.
_VOCABULARY = re.compile(r"\b(?:const|let|var)\s+((?:[A-Z0-9]+_)*(STATUS|STATE)(?:ES)?(?:_[A-Z0-9]+)*)\s*=\s*([\[{])")
_OBJECT_KEY = re.compile(r"^\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)['\"]?\s*:", re.M)
_STRING = re.compile(r"['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]")

FRONTEND_SUFFIXES = (".js", ".jsx", ".ts", ".tsx", ".vue")
CONFIG_SUFFIXES = (".ini", ".cfg", ".toml", ".env", ".yaml", ".yml", ".json", ".conf")


def scan_frontend(path: Path, rel: str, tables: dict[str, set[str]]) -> list[ColumnValues]:
    """Status vocabularies in a front-end file, tied to the one table the file name points to."""
    table = _table_for_file(path, tables)
    if table is None:
        return []
    text = path.read_text(encoding="utf-8", errors="replace")
    out: list[ColumnValues] = []
    lines = LineIndex(text)
    for match in _VOCABULARY.finditer(text):
        column = match.group(2).lower()
        if column not in tables[table]:
            continue
        body = _balanced(text, match.end() - 1)
        values = _OBJECT_KEY.findall(body) if match.group(3) == "{" else _STRING.findall(body)
        if values:
            line = lines.line(match.start())
            out.append(ColumnValues(table, column, tuple(dict.fromkeys(values)), Location(rel, line)))
    return out


def _table_for_file(path: Path, tables: dict[str, set[str]]) -> str | None:
    stem = re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_")
    candidates = [t for t in tables if t == stem or t.endswith("_" + stem) or stem.endswith(t)]
    return candidates[0] if len(candidates) == 1 else None


def _balanced(text: str, start: int) -> str:
    """The text of the bracketed literal opening at ``start`` (without nested scanning of strings)."""
    opening = text[start]
    closing = "}" if opening == "{" else "]"
    depth = 0
    for index in range(start, len(text)):
        if text[index] == opening:
            depth += 1
        elif text[index] == closing:
            depth -= 1
            if depth == 0:
                return _top_level(text[start + 1 : index], opening, closing)
    return ""


def _top_level(body: str, opening: str, closing: str) -> str:
    """Drop nested literals so only the first level's keys remain."""
    out: list[str] = []
    depth = 0
    for char in body:
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def scan_config(path: Path, rel: str) -> list[CredentialInConfig]:
    """URLs that carry a password in configuration files (alembic.ini, .env, settings YAML…)."""
    out: list[CredentialInConfig] = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if line.lstrip().startswith(("#", ";", "//")):
            continue
        match = URL_WITH_PASSWORD.search(line)
        if match and not PLACEHOLDER.match(match.group(1)):
            host = match.group(0).rsplit("@", 1)[-1]
            out.append(CredentialInConfig("url-password", host, Location(rel, number)))
    return out
