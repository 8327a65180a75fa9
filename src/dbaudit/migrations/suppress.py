"""Inline suppressions: ``-- dbaudit: ignore[rule-id] reason`` in SQL, ``# dbaudit: ignore[rule-id]
reason`` in Python revisions.

A comment alone on its line covers the statement (or ``op.*`` call) that starts on the next line of
code; a comment after code covers the statement that line belongs to. Several ids are separated by
commas. The reason is required and every id must be a known migration rule: either mistake is a
usage error naming the file and line. A suppression that matches no finding is reported, so stale
ones do not pile up. Files without the text ``dbaudit:`` are not tokenised.
"""

from __future__ import annotations

import bisect
import difflib
import io
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass

from dbaudit.errors import UsageError
from dbaudit.findings import Finding, Note
from dbaudit.messages import msg
from dbaudit.migrations.source import MigrationSet, Revision
from dbaudit.textpos import LineIndex

_DIRECTIVE = re.compile(r"^(?:--|#)\s*dbaudit:\s*ignore\[([^\]]*)\]\s*(.*?)\s*$")
_MARK = "dbaudit:"


@dataclass(frozen=True, slots=True)
class Suppression:
    path: str
    line: int  # where the comment is
    target: int  # the first line of the statement it covers
    rules: tuple[str, ...]
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "rules": list(self.rules), "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Suppressed:
    finding: Finding
    by: Suppression


def read_suppressions(migrations: MigrationSet, selected: set[str], known: Iterable[str]) -> list[Suppression]:
    """The suppressions written in the selected revisions' files; bad ones raise ``UsageError``."""
    known_ids = sorted(known)
    out: list[Suppression] = []
    for rev in migrations.revisions:
        if rev.id not in selected:
            continue
        try:
            text = (migrations.root / rev.path).read_text(encoding="utf-8")
        except OSError:
            continue
        if _MARK not in text:
            continue
        comments = _python_comments(text) if rev.path.endswith(".py") else _sql_comments(text)
        starts = sorted({st.line for st in rev.statements} | ({rev.upgrade_line} if rev.kind == "alembic" else set()))
        for line, own_line, comment in comments:
            match = _DIRECTIVE.match(comment.strip())
            if match is None:
                continue
            out.append(_suppression(rev, line, match, own_line=own_line, starts=starts, known=known_ids))
    return out


def _suppression(rev: Revision, line: int, match: re.Match[str], *, own_line: bool, starts: list[int],
                 known: list[str]) -> Suppression:
    where = f"{rev.path}:{line}"
    rules = tuple(r.strip() for r in match.group(1).split(",") if r.strip())
    if not rules:
        raise UsageError(f"{where}: suppression names no rule: write -- dbaudit: ignore[rule-id] reason")
    for rule in rules:
        if rule not in known:
            close = difflib.get_close_matches(rule, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise UsageError(f"{where}: unknown rule {rule!r} in suppression{hint}")
    reason = match.group(2).strip()
    if not reason:
        raise UsageError(f"{where}: suppression of {', '.join(rules)} needs a reason after the ]: "
                         "why is it safe here?")
    if own_line:
        after = bisect.bisect_right(starts, line)
        target = starts[after] if after < len(starts) else line + 1
    else:
        before = bisect.bisect_right(starts, line) - 1
        target = starts[before] if before >= 0 else line
    return Suppression(rev.path, line, target, rules, reason)


def _sql_comments(text: str) -> list[tuple[int, bool, str]]:
    """(line, alone on its line, text) of each ``--`` comment mentioning dbaudit."""
    from pglast import parser  # noqa: PLC0415

    lines = LineIndex(text)
    out = []
    for token in parser.scan(text):
        if token.name != "SQL_COMMENT":
            continue
        body = text[token.start:token.end + 1]
        if _MARK not in body:
            continue
        line, column = lines.line_column(token.start)
        line_start = token.start - column + 1
        out.append((line, not text[line_start:token.start].strip(), body))
    return out


def _python_comments(text: str) -> list[tuple[int, bool, str]]:
    out: list[tuple[int, bool, str]] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return out
    for tok in tokens:
        if tok.type == tokenize.COMMENT and _MARK in tok.string:
            out.append((tok.start[0], not tok.line[: tok.start[1]].strip(), tok.string))
    return out


def apply_suppressions(findings: Iterable[Finding], suppressions: list[Suppression],
                       ) -> tuple[list[Finding], list[Suppressed], list[Note]]:
    """Findings left, findings suppressed (with the suppression), notes on unused suppressions."""
    by_place: dict[tuple[str, int], list[Suppression]] = {}
    for s in suppressions:
        by_place.setdefault((s.path, s.target), []).append(s)
    kept: list[Finding] = []
    suppressed: list[Suppressed] = []
    used: set[tuple[Suppression, str]] = set()
    for f in findings:
        match = next((s for loc in f.locations for s in by_place.get((loc.path, loc.line), ())
                      if f.rule in s.rules), None)
        if match is None:
            kept.append(f)
            continue
        suppressed.append(Suppressed(f, match))
        used.add((match, f.rule))
    notes = [Note(msg("{path}:{line}: suppression of {rule} matched no finding (remove it)",
                      path=s.path, line=s.line, rule=rule), rule=rule)
             for s in suppressions for rule in s.rules if (s, rule) not in used]
    return kept, suppressed, notes


__all__ = ["Suppressed", "Suppression", "apply_suppressions", "read_suppressions"]
