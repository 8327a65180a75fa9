"""Every translatable template of the source tree, read from the code (no rule needs to run)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import dbaudit

SRC = Path(dbaudit.__file__).parent
# Functions whose first argument is a catalogued template.
TEMPLATE_FUNCTIONS = ("msg", "sql_comment")


@dataclass(frozen=True)
class Use:
    path: str
    line: int
    function: str
    template: str | None  # None: the first argument is not a string literal
    has_params: bool


@cache
def uses() -> tuple[Use, ...]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "examples" in path.parts or path.parts[-2:] == ("messages", "__init__.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in TEMPLATE_FUNCTIONS and node.args):
                continue
            first = node.args[0]
            template = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
            found.append(Use(str(path.relative_to(SRC)), node.lineno, node.func.id, template,
                             bool(node.keywords)))
    return tuple(found)


def templates() -> dict[str, Use]:
    """Template -> its first use (templates used in several places are catalogued once)."""
    out: dict[str, Use] = {}
    for use in uses():
        if use.template is not None:
            out.setdefault(use.template, use)
    return out
