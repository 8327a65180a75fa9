"""The report's prose, per language: headings, summary, roadmap, gap map, compatibility table.

Everything here is derived from the numbered groups (:class:`dbaudit.report.context.NumberedGroup`)
and the rule profiles; the words come from :mod:`dbaudit.report.phrases`. Limits follow the expert
report: at most 8 summary bullets (P0/P1 first, one sentence each, about 200 characters with its
evidence link) and at most 8 roadmap actions (P0 first, each naming the findings it closes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dbaudit.findings import Finding, Severity
from dbaudit.messages import translate
from dbaudit.report.phrases import phrase
from dbaudit.report.translate import rule_title as translated_title
from dbaudit.rules.families import FAMILY_ORDER, profile

if TYPE_CHECKING:
    from dbaudit.report.context import NumberedGroup, TableReach

MAX_SUMMARY = 8
MAX_ROADMAP = 8
MAX_BULLET = 200
# Characters of the problems a folded roadmap action names before "and N more".
MAX_FOLD = 240
_RISK_ORDER = ("risk.none", "risk.low", "risk.review", "risk.medium")


@dataclass(frozen=True, slots=True)
class SummaryLine:
    severity: str
    text: str
    numbers: tuple[str, ...]
    location: str | None = None


@dataclass(frozen=True, slots=True)
class RoadmapItem:
    """One action: imperative clauses in the order to do them, the risk, the findings it closes."""

    severity: str
    text: str
    risk: str
    numbers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GapItem:
    family: str
    title: str
    numbers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CompatRow:
    location: str
    type: str
    description: str
    recommendation: str
    number: str
    severity: str = ""


@dataclass(frozen=True)
class Writing:
    """All prose of one report in one language."""

    lang: str
    headings: dict[str, str]
    reach: dict[str, str]
    summary: tuple[SummaryLine, ...]
    roadmap: tuple[RoadmapItem, ...]
    gaps: tuple[GapItem, ...]
    compat: tuple[CompatRow, ...]
    # Why numbered findings have their severity (:mod:`dbaudit.calibrate`), when calibrated.
    calibration: dict[str, str] = field(default_factory=dict)

    def compat_for(self, severity: str) -> tuple[CompatRow, ...]:
        return tuple(r for r in self.compat if r.severity == severity)


def say(lang: str, key: str, **values: object) -> str:
    """``key`` in ``lang`` (English when that language lacks it), formatted with ``values``."""
    text = phrase(lang, key) or phrase("en", key) or key
    return text.format(**values) if values else text


def has(lang: str, key: str) -> bool:
    return phrase(lang, key) is not None or phrase("en", key) is not None


def rule_title(ng: NumberedGroup, lang: str) -> str:
    """The lead rule's title in ``lang`` (``rule.<id>.title``, else the message catalogue's)."""
    return (phrase(lang, f"rule.{ng.rule.id}.title") or translated_title(ng.rule.title, lang)).rstrip(".")


def short(obj: str) -> str:
    """``public.credentials.password`` -> ``credentials.password`` (the schema everyone assumes)."""
    return obj.removeprefix("public.")


def object_list(objects: Sequence[str], lang: str, budget: int) -> str:
    """As many objects as fit in ``budget`` characters, then "and N more"."""
    names = [short(o) for o in dict.fromkeys(objects)]
    # Counts whose names alone are longer than the budget cannot fit: start below them (a group of a
    # large schema has thousands of objects; joining each count's names from the top is quadratic).
    length, start = -2, 0
    for name in names:
        length += len(name) + 2
        if length > budget:
            break
        start += 1
    for count in range(max(start, 1) if names else 0, 0, -1):
        shown = ", ".join(names[:count])
        more = len(names) - count
        text = shown if not more else say(lang, "objects.more", shown=shown, more=more, total=len(names))
        if len(text) <= budget or count == 1:
            return text
    return ""


def _template(ng: NumberedGroup, kind: str, lang: str) -> str | None:
    """The ``kind.<group>`` text, else the family's (``summary.migrations``), else ``None``."""
    for key in (f"{kind}.{ng.group.key}", f"{kind}.{ng.rule.id}"):
        if has(lang, key):
            return key
    if profile(ng.rule.id).applies_once and has(lang, f"{kind}.migrations"):
        return f"{kind}.migrations"
    return None


def heading(ng: NumberedGroup, lang: str) -> str:
    """The finding's heading: the finding's own title for one object (the group's when the title has
    no translation), the group's for several."""
    if len(ng.group.rows) == 1:
        title = ng.group.lead.finding.title
        translated = translate(title, lang)
        if lang == "en" or translated != title:
            return translated
    key = f"heading.{ng.group.key}"
    if has(lang, key):
        text = say(lang, key)
        return text if len(ng.group.rows) == 1 else f"{text} ({len(ng.group.rows)})"
    if len(ng.group.rows) == 1:
        return translate(ng.group.lead.finding.title, lang)
    return say(lang, "fallback.heading", title=rule_title(ng, lang), n=len(ng.group.rows))


def _sentence(ng: NumberedGroup, kind: str, lang: str, budget: int) -> str:
    """One sentence of ``kind`` (summary, action) about the group, its object list cut to fit."""
    key = _template(ng, kind, lang) or f"fallback.{kind}"
    fixed = say(lang, key, objects="", n=len(ng.group.rows), title=rule_title(ng, lang))
    objects = object_list(ng.group.objects, lang, max(budget - len(fixed), 12))
    return say(lang, key, objects=objects, n=len(ng.group.rows), title=rule_title(ng, lang))


# -- I. summary ----------------------------------------------------------------------------------------


def _bare_heading(ng: NumberedGroup, lang: str) -> str:
    key = f"heading.{ng.group.key}"
    return say(lang, key) if has(lang, key) else rule_title(ng, lang)


def _overhead(number: str, location: str | None) -> int:
    """Characters of a Markdown bullet around its sentence: ``- P0: `` and `` ([P0-1](#p0-1), `f:1`)``."""
    return 6 + 2 + (len(number) + 2) + (len(number) + 3) + 1 + (len(location) + 4 if location else 0)


def summary(groups: Sequence[NumberedGroup], lang: str, p2_line: str | None) -> tuple[SummaryLine, ...]:
    """P0 and P1 groups, one sentence each, the rest folded into one line; the P2 count last when
    there is room."""
    serious = [g for g in groups if g.group.severity <= Severity.P1]
    if len(serious) >= MAX_SUMMARY:
        p2_line = None
    room = MAX_SUMMARY - (1 if p2_line else 0)
    shown = serious if len(serious) <= room else serious[: room - 1]
    lines = []
    for ng in shown:
        location = ng.group.locations[0] if ng.group.locations else None
        text = _sentence(ng, "summary", lang, MAX_BULLET - _overhead(ng.number, location))
        if location and len(text) + _overhead(ng.number, location) > MAX_BULLET:
            location = None  # the finding's link is the evidence; the file:line is in the finding
            text = _sentence(ng, "summary", lang, MAX_BULLET - _overhead(ng.number, None))
        lines.append(SummaryLine(ng.group.severity.name, text, (ng.number,), location))
    rest = serious[len(shown):]
    if rest:
        worst = min(g.group.severity for g in rest)
        budget = MAX_BULLET - 10 - sum(len(g.number) * 2 + 6 for g in rest)
        fixed = len(say(lang, "summary.more", n=len(rest), items=""))
        items = object_list([_bare_heading(g, lang) for g in rest], lang, max(budget - fixed, 40))
        lines.append(SummaryLine(worst.name, say(lang, "summary.more", n=len(rest), items=items),
                                 tuple(g.number for g in rest)))
    if p2_line:
        lines.append(SummaryLine("P2", p2_line, ()))
    return tuple(lines)


# -- IV. roadmap ---------------------------------------------------------------------------------------


@dataclass
class _Action:
    """Groups closed by one action; those sharing a template become one clause over all objects."""

    family: str
    groups: list[NumberedGroup]
    fold: bool = False

    @property
    def severity(self) -> Severity:
        return min(g.group.severity for g in self.groups)


def _risk_level(ng: NumberedGroup, lang: str) -> str:
    key = _template(ng, "risk", lang)
    level = say(lang, key) if key else "risk.review"
    return level if level in _RISK_ORDER else "risk.review"


def _clauses(action: _Action, lang: str) -> list[str]:
    if action.fold:
        # the largest problems by name, the rest counted: the action links every finding it closes
        items = object_list([say(lang, "action.fold_item", title=_bare_heading(g, lang), n=len(g.group.rows))
                             for g in action.groups], lang, MAX_FOLD)
        key = "action.fold" if action.severity > Severity.P1 else "action.fold_serious"
        return [say(lang, key, items=items)]
    by_template: dict[str, list[NumberedGroup]] = {}
    for g in action.groups:
        by_template.setdefault(_template(g, "action", lang) or f"fallback:{g.number}", []).append(g)
    clauses = []
    for key, members in by_template.items():
        objects = [o for g in members for o in g.group.objects]
        template = key if not key.startswith("fallback:") else "fallback.action"
        fixed = len(say(lang, template, objects="", title=rule_title(members[0], lang)))
        clauses.append(say(lang, template, objects=object_list(objects, lang, max(150 - fixed, 40)),
                           title=rule_title(members[0], lang)))
    return clauses


def _merge_by_family(actions: list[_Action]) -> list[_Action]:
    merged: dict[str, _Action] = {}
    for a in actions:
        if a.family in merged:
            merged[a.family].groups += a.groups
        else:
            merged[a.family] = _Action(a.family, list(a.groups))
    return sorted(merged.values(), key=lambda a: a.severity.value)


def roadmap(groups: Sequence[NumberedGroup], lang: str) -> tuple[RoadmapItem, ...]:
    """At most 8 actions, P0 first: one per P0/P1 problem (merged by family when too many), then the
    P2 problems, the tail folded into one maintenance action."""
    serious = [g for g in groups if g.group.severity <= Severity.P1]
    minor = [g for g in groups if g.group.severity > Severity.P1]
    actions = [_Action(profile(g.rule.id).family or g.group.key, [g]) for g in serious]
    if len(actions) > MAX_ROADMAP - 1:
        actions = _merge_by_family(actions)
    if len(actions) > MAX_ROADMAP:
        tail = [g for a in actions[MAX_ROADMAP - 1:] for g in a.groups]
        actions = [*actions[: MAX_ROADMAP - 1], _Action("", tail, fold=True)]
    room = MAX_ROADMAP - len(actions)
    if minor and room > 0:
        if len(minor) <= room:
            actions += [_Action("", [g]) for g in minor]
        else:
            chosen = [g for g in minor if _template(g, "action", lang)][: room - 1]
            actions += [_Action("", [g]) for g in chosen]
            actions.append(_Action("", [g for g in minor if g not in chosen], fold=True))
    return tuple(
        RoadmapItem(
            severity=a.severity.name, text="; ".join(_clauses(a, lang)),
            risk=say(lang, max((_risk_level(g, lang) for g in a.groups), key=_RISK_ORDER.index)),
            numbers=tuple(g.number for g in a.groups),
        )
        for a in actions
    )


# -- gap map, compatibility table, blast radius --------------------------------------------------------


def gaps(groups: Sequence[NumberedGroup], lang: str) -> tuple[GapItem, ...]:
    """The standards/ADRs missing, from the families of the rules that fired, in the expert's order."""
    by_family: dict[str, list[str]] = {}
    for ng in groups:
        for rule_id in ng.group.rules:
            family = profile(rule_id).family
            if family is not None and ng.number not in by_family.get(family, []):
                by_family.setdefault(family, []).append(ng.number)
    return tuple(GapItem(f, say(lang, f"gap.{f}"), tuple(by_family[f])) for f in FAMILY_ORDER if f in by_family)


def compat(groups: Sequence[NumberedGroup], lang: str, fallback: dict[str, str]) -> tuple[CompatRow, ...]:
    """Rows for entries of rules that describe a fallback or a compatibility shim."""
    rows = []
    for ng in groups:
        for entry in ng.group.entries:
            kind = profile(entry.rule).compat
            if kind is None:
                continue
            f = entry.finding
            location = f"{f.locations[0].path}:{f.locations[0].line}" if f.locations else entry.object
            rec_key = next((k for k in (f"compat.rec.{entry.rule}", f"compat.rec.{kind}") if has(lang, k)), None)
            rows.append(CompatRow(
                location=location, type=say(lang, f"compat.{kind}"), description=translate(f.title, lang),
                recommendation=say(lang, rec_key) if rec_key else fallback.get(entry.rule, ""),
                number=ng.number, severity=ng.group.severity.name,
            ))
    return tuple(rows)


def size_text(value: int) -> str:
    """Bytes for a reader: ``88.0 kB``, ``1.4 GB``."""
    size = float(value)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


def count_text(value: int, lang: str) -> str:
    """A row count for a reader: ``2,481``, ``120.0 M`` (``1.2 亿`` in Chinese)."""
    steps = ((100_000_000, "亿"), (10_000, "万")) if lang == "zh" else ((1_000_000_000, "G"), (1_000_000, "M"))
    for unit, name in steps:
        if value >= unit * (10 if name == "万" else 1):
            return f"{value / unit:.1f} {name}"
    return f"{value:,}"


def duration_text(seconds: float, lang: str) -> str:
    """``9.0 days``, ``3.5 hours``, ``12 minutes``, ``40 seconds`` in ``lang``."""
    for unit, size, digits in (("days", 86400, 1), ("hours", 3600, 1), ("minutes", 60, 0)):
        if seconds >= 2 * size:
            return say(lang, f"calibrate.{unit}", n=f"{seconds / size:.{digits}f}")
    return say(lang, "calibrate.seconds", n=f"{seconds:.0f}")


def _rate_text(rate: float) -> str:
    return f"{rate:,.0f}" if rate >= 10 else f"{rate:.1f}"


def _reason_values(values: dict[str, Any], lang: str) -> dict[str, str]:
    """A calibration reason's raw values (rows, bytes, rates, seconds) written for ``lang``."""
    out: dict[str, str] = {}
    for key, value in values.items():
        if key in ("table", "column"):
            out[key] = short(str(value))
        elif key in ("rows", "problems") and isinstance(value, int):
            out[key] = count_text(value, lang)
        elif key == "bytes" and isinstance(value, int):
            out["size"] = size_text(value)
        elif key in ("window", "seconds") and isinstance(value, int | float):
            out[key] = duration_text(float(value), lang)
        elif key == "rate" and isinstance(value, int | float):
            out[key] = _rate_text(float(value))
        elif key == "calls" and isinstance(value, int):
            out[key] = f"{value:,}"
        elif key == "where" and isinstance(value, list | tuple):
            out[key] = ", ".join(str(v) for v in value)
        else:
            out[key] = str(value)
    return out


Verdict = tuple[str, tuple[tuple[str, str], ...]]


def _calibration(data: Mapping[str, Any], lang: str) -> tuple[Verdict, list[str]] | None:
    """The verdict (phrase key and values) of a calibrated finding and its reasons written in ``lang``."""
    before, after, reasons = data.get("calibration.from"), data.get("calibration.to"), data.get("calibration.reasons")
    if not isinstance(before, str) or not isinstance(after, str) or not isinstance(reasons, list):
        return None
    texts: dict[str, list[str]] = {"lower": [], "support": [], "raise": [], "hold": [], "state": []}
    for effect, key, values in reasons:
        texts.setdefault(effect, []).append(say(lang, f"calibrate.{key}", **_reason_values(values, lang)))
    against, favour, informs = texts["lower"] + texts["support"], texts["raise"] + texts["hold"], texts["state"]
    if before != after:
        raised = Severity.parse(after) < Severity.parse(before)
        verdict = ("calibrate.raised" if raised else "calibrate.lowered", (("before", before), ("after", after)))
        return verdict, (favour if raised else against) + informs
    # A cancelled move: what would have moved it, but what held it (facts that only supported the
    # move are left out).
    sep = say(lang, "calibrate.sep")
    moved, held = (texts["lower"], favour) if texts["lower"] else (texts["raise"], texts["hold"])
    parts = [say(lang, "calibrate.but", against=sep.join(moved), support=sep.join(held))] if moved and held else []
    return ("calibrate.kept", (("severity", after),)), parts + informs


def calibration_text(data: Mapping[str, Any], lang: str) -> str | None:
    """Why a finding has its severity (:mod:`dbaudit.calibrate`), from its ``calibration.*`` data, in
    ``lang``: ``severity lowered P1 → P2: tags has 12 rows; …``, or ``None`` when not calibrated."""
    found = _calibration(data, lang)
    if found is None:
        return None
    (key, values), reasons = found
    return say(lang, key, **dict(values), reasons=say(lang, "calibrate.sep").join(reasons))


# One sentence: the verdict and the reasons that fit (the rest counted as "and N more").
MAX_CALIBRATION = 200


def group_calibration(ng: NumberedGroup, lang: str) -> str:
    """The calibration of a numbered finding in ``lang``: each verdict once (``severity lowered P1 →
    P2``), with the distinct reasons of its rows, the first ones then "and N more"."""
    verdicts: dict[Verdict, list[str]] = {}
    for entry in ng.group.entries:
        found = _calibration(dict(entry.finding.data), lang)
        if found is not None:
            verdicts.setdefault(found[0], []).extend(found[1])
    sep = say(lang, "calibrate.sep")
    out = []
    for (key, values), reasons in verdicts.items():
        distinct = list(dict.fromkeys(reasons))
        shown = distinct
        while len(shown) > 1 and len(sep.join(shown)) > MAX_CALIBRATION:
            shown = shown[:-1]
        body = sep.join(shown)
        if len(shown) < len(distinct):
            body = say(lang, "objects.more", shown=body, more=len(distinct) - len(shown), total=len(distinct))
        out.append(say(lang, key, **dict(values), reasons=body))
    return " · ".join(out)


def _table_facts(t: TableReach, lang: str) -> str:
    """Rows and size of one table: ``~38,333 rows, 12.2 MB``."""
    if t.rows is not None and t.bytes is not None:
        return say(lang, "reach.rows", rows=f"{t.rows:,}", size=size_text(t.bytes))
    if t.rows is not None:
        return say(lang, "reach.rows_only", rows=f"{t.rows:,}")
    return say(lang, "reach.no_stats")


def reach_text(tables: Sequence[TableReach], lang: str) -> str:
    """The blast radius in one sentence: for one table its rows and size, where the models map it and
    where the code queries it; for several, their count, total size and largest, and which the
    code queries (or the models do not map)."""
    tables = [t for t in tables if t.rows is not None or t.mapped_at is not None or t.queried_at]
    if not tables:
        return ""
    if len(tables) == 1:
        t = tables[0]
        facts = [_table_facts(t, lang)]
        if t.mapped_at is not None:
            facts.append(say(lang, "reach.mapped", where=t.mapped_at) if t.mapped_at else say(lang, "reach.not_mapped"))
        if t.queried_at:
            facts.append(say(lang, "reach.queried", where=object_list(t.queried_at, lang, 70)))
        return f"{short(t.name)} ({'; '.join(facts)})"
    sized = [t for t in tables if t.rows is not None]
    if sized:
        largest = max(sized, key=lambda t: (t.bytes or 0, t.rows or 0))
        parts = [say(lang, "reach.tables", n=len(tables), rows=f"{sum(t.rows or 0 for t in sized):,}",
                     size=size_text(sum(t.bytes or 0 for t in sized)),
                     largest=f"{short(largest.name)} ({_table_facts(largest, lang)})")]
    else:
        parts = [say(lang, "reach.tables_unknown", n=len(tables))]
    queried = [short(t.name) for t in tables if t.queried_at]
    if queried:
        parts.append(say(lang, "reach.queried_tables", tables=object_list(queried, lang, 60)))
    unmapped = [short(t.name) for t in tables if t.mapped_at == ""]
    if unmapped:
        parts.append(say(lang, "reach.unmapped_tables", tables=object_list(unmapped, lang, 60)))
    return "; ".join(parts)


def write(groups: Sequence[NumberedGroup], lang: str, *, p2_line: str | None,
          fallback_recommendations: dict[str, str]) -> Writing:
    return Writing(
        lang=lang,
        headings={ng.number: heading(ng, lang) for ng in groups},
        reach={ng.number: reach_text(ng.reach, lang) for ng in groups if ng.reach},
        summary=summary(groups, lang, p2_line),
        roadmap=roadmap(groups, lang),
        gaps=gaps(groups, lang),
        compat=compat(groups, lang, fallback_recommendations),
        calibration={ng.number: text for ng in groups if (text := group_calibration(ng, lang))},
    )


def shown_evidence(finding: Finding) -> tuple[str, ...]:
    """The evidence lines a report lists: all but the calibration line, which the report writes in
    its own language (:attr:`Writing.calibration`)."""
    line = dict(finding.data).get("calibration.line")
    return finding.evidence if line is None else tuple(e for e in finding.evidence if e != line)


__all__ = [
    "MAX_ROADMAP", "MAX_SUMMARY", "CompatRow", "GapItem", "RoadmapItem", "SummaryLine", "Writing",
    "calibration_text", "count_text", "group_calibration", "heading", "object_list", "reach_text", "roadmap",
    "say", "shown_evidence", "size_text", "summary", "write",
]
