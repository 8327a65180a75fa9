"""What Markdown and HTML show of a numbered finding: what tells its objects apart, and scripts once.

The JSON keeps every entry with its full text and scripts; a reader of the report needs each fact
once. Pure functions of a :class:`~dbaudit.report.grouping.FindingGroup` in the report's language,
gathered by :func:`condense` (which :meth:`ReportContext.condensed` caches per language; the JSON
never computes them):

- :func:`object_table`: the rows of a grouped finding with only the columns that differ between
  them: the text every row shares (``… has DEFAULT``, ``… but accepts NULL``, the object's own name)
  is cut, a severity column appears only when the rows differ in severity, one location per row,
  and at most :data:`MAX_ROWS` rows, then "… and N more (all in the JSON report)".
- :func:`condensed_script`: the fix or verification of a group as one script: comments and
  idempotent statements (``CREATE EXTENSION IF NOT EXISTS``) once, the statements of each object
  until :data:`MAX_SCRIPT_LINES`, then comments naming the other objects (those whose statements are
  the same with other names first); inside one object's script, a run of statements repeated per
  partition is shown once with the partitions it repeats for.
- :func:`shorten_labels`: drift evidence names its sides by kind (``models``, ``database``), the
  sources themselves are listed once in section II.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dbaudit.findings import Severity
from dbaudit.messages import translate, translate_sql
from dbaudit.report.grouping import FindingGroup, Row
from dbaudit.report.phrases import phrase
from dbaudit.report.writing import object_list, say, short, shown_evidence

if TYPE_CHECKING:
    from dbaudit.report.context import NumberedGroup

# Rows of an objects table shown before "… and N more".
MAX_ROWS = 8
# Characters of a row's detail before it is cut with "…".
MAX_DETAIL = 150
# Lines of a group's fix / verification before the statements of further objects are summarised in
# a comment (the first object's statements are always shown; a verification query per object is
# usually one query with another name).
MAX_SCRIPT_LINES = 8
MAX_VERIFY_LINES = 4
# P2 findings are written tersely (as the expert does): the first objects' statements only.
MAX_P2_SCRIPT_LINES = 4
MAX_P2_VERIFY_LINES = 2
# A script longer than this is folded (``<details>``) in Markdown and HTML.
FOLD_LINES = 15
# A run of statements repeated at least this many times (per partition) is shown once.
MIN_REPEATS = 3
_MAX_PERIOD = 8


# -- objects table ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectRow:
    number: int
    object: str
    severity: str
    detail: str
    location: str


@dataclass(frozen=True, slots=True)
class ObjectTable:
    """The objects of a grouped finding: which columns to show, the rows shown, how many are not."""

    rows: tuple[ObjectRow, ...]
    total: int
    show_severity: bool
    show_detail: bool
    show_location: bool
    # The folder every shown location is in (``app/models/``), said once in the column's header.
    folder: str = ""

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


# A name cut from inside brackets (`` (位于 path:line)``, ``(`name`)``) takes the brackets with it.
_BRACKETED = re.compile(r"[(（`]\s*\S{0,3}\s*\x00\s*[)）`]")


def _without(text: str, names: Sequence[str], lang: str) -> str:
    """``text`` without the row's own names and locations (whole words only), spaces collapsed: cut at
    either end, and inside the sentence replaced by the language's pronoun (``对 该对象 的``), which
    English does without."""
    pronoun = phrase(lang, "condense.it") or ""
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = _BRACKETED.sub(" ", _marked(text, name))
        text = " ".join(text.split()).strip("\x00 ,;:").replace("\x00", f" {pronoun} ")
    return " ".join(text.split()).strip(" ,;:")


def _word(ch: str) -> bool:
    """What ``\\w`` matches in a ``str`` pattern."""
    return ch.isalnum() or ch == "_"


def _marked(text: str, name: str) -> str:
    """``re.sub(rf"(?:\\bat )?(?<![\\w./]){re.escape(name)}(?![\\w/])", "\\x00", text)`` without compiling
    a pattern per name (a row of a large group names its own object: thousands of names). The match
    starts where the pattern would: the first position where ``at NAME`` or ``NAME`` fits."""
    found = []
    at = text.find(name)
    while at != -1:
        found.append(at)
        at = text.find(name, at + 1)
    if not found:
        return text
    size = len(name)

    def ends_well(end: int) -> bool:
        return end == len(text) or not (_word(text[end]) or text[end] == "/")

    parts: list[str] = []
    pos = 0
    for start in sorted({p for o in found for p in (o - 3, o) if p >= 0}):
        if start < pos:
            continue
        if (text.startswith("at ", start) and text.startswith(name, start + 3) and ends_well(start + 3 + size)
                and (start == 0 or not _word(text[start - 1]))):
            end = start + 3 + size
        elif (text.startswith(name, start) and ends_well(start + size)
              and (start == 0 or not (_word(text[start - 1]) or text[start - 1] in "./"))):
            end = start + size
        else:
            continue
        parts += (text[pos:start], "\x00")
        pos = end
    return "".join(parts) + text[pos:] if parts else text


def _varies(texts: Sequence[str]) -> bool:
    return len(texts) > 1 and len(set(texts)) > 1


# Shared trailing words of evidence lines cut only from this many on: ``search with a leading
# wildcard on`` goes, the ``nullable`` of ``integer DEFAULT 0, nullable`` stays.
_MIN_EVIDENCE_TAIL = 3


def _middles(texts: Sequence[str], *, evidence: bool = False, pronoun: str = "") -> tuple[list[str], bool]:
    """Each text without the words every text starts or ends with (a title's template around its
    parameters). Evidence is a fact rather than a template: only a shared leading label
    (``models:``) and a shared tail of several words are cut. Also says whether a tail was cut."""
    words = [t.split() for t in texts]
    shortest = min((len(w) for w in words), default=0)
    head = 0
    while head < shortest and len({w[head] for w in words}) == 1:
        head += 1
    if evidence and pronoun not in (words[0][:head] if words else ()):
        # a shared head standing for the object (``对 该对象 的``) goes; else only up to a label (``models:``)
        head = max((i + 1 for i in range(head) if words[0][i].endswith(":")), default=0)
    tail = 0
    while tail < shortest - head and len({w[len(w) - 1 - tail] for w in words}) == 1:
        tail += 1
    if evidence and tail < _MIN_EVIDENCE_TAIL:
        tail = 0
    return [" ".join(w[head:len(w) - tail]).strip(" ,;:—-") for w in words], tail > 0


def _names(row: Row) -> list[str]:
    """What a row's texts call its own object and locations: cut from its detail."""
    names = []
    for obj in row.lead.finding.objects[:1]:
        names += [obj, short(obj)]
    for e in row.entries:
        names += [f"{loc.path}:{loc.line}" if loc.line else loc.path for loc in e.finding.locations]
    return names


def _cut(text: str, limit: int = MAX_DETAIL) -> str:
    """``text`` within ``limit`` characters, cut after a whole word when one ends late enough."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    word = head.rsplit(" ", 1)[0]
    return (word if len(word) >= limit * 3 // 4 else head).rstrip(" ,;:") + "…"


def _location(row: Row) -> str:
    loc = next((loc for e in row.entries for loc in e.finding.locations), None)
    if loc is None:
        return ""
    return f"{loc.path}:{loc.line}" if loc.line else loc.path


def row_texts(row: Row, lang: str, labels: Sequence[str] = ()) -> tuple[str, str]:
    """The title and the first evidence line of a row's leading entry, in ``lang``, without the row's
    own object name, its locations and the sources' names."""
    finding = row.lead.finding
    evidence = shown_evidence(finding)
    names = _names(row)
    title = _without(shorten_labels(translate(finding.title, lang), labels), names, lang)
    first = _without(shorten_labels(translate(evidence[0], lang), labels), names, lang) if evidence else ""
    return title, first


def _details(rows: Sequence[Row], lang: str, labels: Sequence[str]) -> list[str]:
    """What tells each row apart: the first evidence line when it differs between rows (with the
    title's parameters when they say more), else the title's parameters; rows led by different
    rules keep their titles."""
    texts = [row_texts(r, lang, labels) for r in rows]
    if len({r.lead.rule for r in rows}) > 1:
        return [t for t, _ in texts]
    titles, _ = _middles([t for t, _ in texts])
    firsts, cut = _middles([e for _, e in texts], evidence=True, pronoun=phrase(lang, "condense.it") or "\x00")
    out = []
    # once, not per row: each looks at every row (a group of a large schema has thousands)
    firsts_vary, titles_vary = _varies(firsts), _varies(titles)
    for title, first in zip(titles, firsts, strict=True):
        if firsts_vary and titles_vary and title and title not in first:
            # both say something: the title's parameters, and the evidence unless its end was cut
            out.append(title if cut else f"{title} — {first}")
        elif firsts_vary:
            out.append(first)
        else:
            out.append(title if titles_vary else "")
    if all(not d or d in short(r.object) for d, r in zip(out, rows, strict=True)):
        return ["" for _ in rows]
    return out


def object_table(group: FindingGroup, lang: str, labels: Sequence[str] = (), limit: int = MAX_ROWS) -> ObjectTable:
    """The objects of ``group`` with the columns that distinguish them, at most ``limit`` rows."""
    rows = group.rows
    details = []
    for row, text in zip(rows, _details(rows, lang, labels), strict=True):
        also = [say(lang, "condense.also", rule=e.rule) for e in row.entries[1:]]
        details.append(_cut(without_literal_casts(unqualified("; ".join(t for t in (text, *also) if t)))))
    locations = [_location(r) for r in rows[:limit]]
    folders = {loc.rpartition("/")[0] for loc in locations}
    folder = f"{folders.pop()}/" if len(folders) == 1 and len(locations) > 1 and "" not in folders else ""
    shown = tuple(
        ObjectRow(i + 1, short(r.object), r.severity.name, details[i], locations[i].removeprefix(folder))
        for i, r in enumerate(rows[:limit])
    )
    return ObjectTable(
        rows=shown, total=len(rows), show_severity=group.mixed_severity, show_detail=any(details),
        show_location=any(locations), folder=folder,
    )


# ``'success'::character varying`` -> ``'success'``: the cast of a string literal says nothing the
# column's type does not already say.
_CAST = re.compile(r"(?<=')::(?:character varying|text|bpchar|character)\b")


def without_literal_casts(text: str) -> str:
    """Text with the casts PostgreSQL prints after string literals dropped (defaults, CHECKs)."""
    return _CAST.sub("", text)


_PUBLIC = re.compile(r"(?<![\w.'\"])public\.(?=[A-Za-z_])")


def unqualified(text: str) -> str:
    """``public.tags(id)`` -> ``tags(id)`` in prose: the schema everyone assumes, as :func:`short`
    (other schemas stay qualified)."""
    return _PUBLIC.sub("", text)


# -- drift labels ------------------------------------------------------------------------------------


def shorten_labels(text: str, names: Sequence[str]) -> str:
    """``models (app.models:Base): …`` -> ``models: …``: the sources' names (section II lists them) cut
    from the labels drift writes."""
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = text.replace(f" ({name})", "")
    return text


# -- scripts -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Script:
    """A group's fix or verification as shown: the text, and whether to fold it."""

    text: str
    omitted: int = 0

    @property
    def lines(self) -> int:
        return self.text.count("\n") + 1

    @property
    def folded(self) -> bool:
        return self.lines > FOLD_LINES


_STRING = re.compile(r"'(?:[^']|'')*'")
_WORD = re.compile(r"\b[a-z_][a-z0-9_$]*\b")
_NUMBER = re.compile(r"\d+")
_ONCE = re.compile(r"\s*(--|CREATE EXTENSION IF NOT EXISTS\b|CREATE OR REPLACE FUNCTION\b.*;\s*\Z)")
_IDENTIFIER = re.compile(r"\b[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*\b")


def _shape(line: str) -> str:
    """A statement with its names, literals and numbers blanked: the same shape for another object."""
    if line.lstrip().startswith("--"):
        return line.strip()
    return _NUMBER.sub("0", _WORD.sub("x", _STRING.sub("''", line)))


def _once(line: str) -> bool:
    """Lines a script needs only once: comments, ``CREATE EXTENSION IF NOT EXISTS`` and one-line
    ``CREATE OR REPLACE FUNCTION`` (a helper every object's trigger shares)."""
    return bool(_ONCE.match(line))


def _statements(lines: Sequence[str]) -> int:
    """Lines of a part that are its own statements (not comments or shared set-up)."""
    return sum(1 for line in lines if not _once(line))


def _differing(first: Sequence[str], other: Sequence[str]) -> str:
    """The name in ``other`` that is not where ``first`` has it (what a repetition is for): the first
    schema-qualified one (a table), else the first."""
    found = [y for a, b in zip(first, other, strict=True)
             for x, y in zip(_IDENTIFIER.findall(a), _IDENTIFIER.findall(b), strict=False) if x != y]
    return short(next((y for y in found if "." in y), found[0] if found else ""))


def _rotated(lines: Sequence[str], shapes: Sequence[str], start: int, period: int, repeats: int) -> int:
    """Where a run of repeated blocks really starts: a block does not open with ``RESET`` (it closes
    the statement before it), when the lines after the run allow the shift."""
    shift = 0
    end = start + period * repeats
    while (shift < period - 1 and lines[start + shift].lstrip().upper().startswith("RESET")
           and end + shift < len(shapes) and shapes[end + shift] == shapes[start + shift]):
        shift += 1
    return shift


def compress_runs(lines: Sequence[str], lang: str) -> list[str]:
    """Runs of statements repeated with other names (one block per partition) shown once, then one
    comment: "the same N statements for K more: first … last"."""
    shapes = [_shape(line) for line in lines]
    out: list[str] = []
    i = 0
    while i < len(lines):
        best: tuple[int, int] | None = None  # (period, repeats)
        for period in range(1, _MAX_PERIOD + 1):
            block = shapes[i:i + period]
            if len(block) < period or all(s.startswith("--") for s in block):
                break
            repeats = 1
            while shapes[i + repeats * period: i + (repeats + 1) * period] == block:
                repeats += 1
            if repeats >= MIN_REPEATS and (best is None or repeats * period > best[0] * best[1]):
                best = (period, repeats)
        if best is None:
            out.append(lines[i])
            i += 1
            continue
        period, repeats = best
        shift = _rotated(lines, shapes, i, period, repeats)
        out += lines[i:i + shift]
        i += shift
        first = lines[i:i + period]
        out += first
        names = [_differing(first, lines[i + k * period: i + (k + 1) * period]) for k in range(1, repeats)]
        out.append(say(lang, "condense.repeated", k=period, n=repeats - 1, first=names[0], last=names[-1]))
        i += period * repeats
    return out


def condensed_script(
    parts: Sequence[tuple[str, str | None]], lang: str, limit: int = MAX_SCRIPT_LINES,
) -> Script | None:
    """One script for a group's ``(object, sql)`` parts in ``lang``: comments and idempotent statements
    once, runs repeated per partition once, each object's statements until ``limit`` lines; the
    objects after that named in closing comments (those whose statements are the same with other
    names, then the others)."""
    distinct: dict[str, str] = {}
    for obj, sql in parts:
        if sql and sql.strip() and sql.strip() not in distinct:
            distinct[sql.strip()] = obj
    if not distinct:
        return None
    blocks: list[list[str]] = []
    shapes: set[str] = set()
    same: list[str] = []
    other: list[str] = []
    seen: set[str] = set()
    used = 0
    for sql, obj in distinct.items():
        lines = compress_runs((translate_sql(sql, lang) or sql).splitlines(), lang)
        shape = "\n".join(_shape(line) for line in lines if not _once(line))
        kept = [line for line in lines if not (_once(line) and line in seen)]
        if blocks and used + len(kept) > limit:
            (same if shape in shapes else other).append(obj)
            continue
        seen.update(line for line in lines if _once(line))
        shapes.add(shape)
        blocks.append(kept)
        used += len(kept)
    out: list[str] = []
    for index, kept in enumerate(blocks):
        if out and (_statements(kept) > 1 or _statements(blocks[index - 1]) > 1):
            out.append("")  # one-statement parts (a CREATE INDEX per object) stay together
        out += kept
    for key, objects in (("condense.same_for", same), ("condense.others", other)):
        if objects:
            out.append(say(lang, key, n=len(objects), objects=object_list(objects, lang, 90)))
    text = "\n".join(line.rstrip() for line in out).strip("\n")
    return Script(text, len(same) + len(other))


@dataclass(frozen=True, slots=True)
class Condensed:
    """What Markdown and HTML show of the numbered findings, by number (``P2-1``): the objects table
    of each group of several objects, and each group's fix and verification."""

    objects: dict[str, ObjectTable]
    fix: dict[str, Script]
    verify: dict[str, Script]


def condense(groups: Sequence[NumberedGroup], lang: str, labels: Sequence[str] = ()) -> Condensed:
    """The condensed parts of every numbered finding in ``lang``."""
    objects, fix, verify = {}, {}, {}
    for ng in groups:
        rows = ng.group.rows
        serious = ng.group.severity <= Severity.P1
        if len(rows) > 1:
            objects[ng.number] = object_table(ng.group, lang, labels)
        limit = MAX_SCRIPT_LINES if serious else MAX_P2_SCRIPT_LINES
        if (script := condensed_script([(r.object, r.fix_sql) for r in rows], lang, limit)) is not None:
            fix[ng.number] = script
        limit = MAX_VERIFY_LINES if serious else MAX_P2_VERIFY_LINES
        verification = condensed_script([(r.object, r.verify_sql) for r in rows], lang, limit)
        if verification is not None:
            verify[ng.number] = verification
    return Condensed(objects, fix, verify)


__all__ = [
    "FOLD_LINES",
    "MAX_ROWS",
    "MAX_SCRIPT_LINES",
    "MAX_VERIFY_LINES",
    "Condensed",
    "ObjectRow",
    "ObjectTable",
    "Script",
    "compress_runs",
    "condense",
    "condensed_script",
    "object_table",
    "row_texts",
    "shorten_labels",
    "unqualified",
    "without_literal_casts",
]
