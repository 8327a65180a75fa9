"""The rule engine: which rules run, skipping those whose inputs are missing, and configuration applied
to findings.

- :func:`resolve_selection` turns ``select`` / ``extend-select`` / ``ignore`` into rules (the most
  specific selector wins: id over category over ``ALL``; on a tie ``ignore`` wins). ``ALL`` and
  categories name *stable* rules only; a preview rule runs when selected by its id; a removed rule
  never runs (selecting it by id gives a note).
- :func:`run_rules` runs the selected rules on a :class:`RuleContext`. A rule's ``requires`` entries
  are satisfied by the model's dialect (``"postgresql"``: PostgreSQL-only rules skip on SQLite/MySQL
  models), by a model capability (``"triggers"``, ``"statistics"``, ``"partitions"``…) or by an input
  (``"code"``, ``"models"``); when one is missing the rule is skipped with a :class:`Note`.
- :func:`apply_config` applies selection, severity overrides and per-object suppressions to findings
  from ANY analysis (schema rules, drift, migration lint), by rule id and category. A suppression that
  silences nothing yields an ``unused-suppression`` note.
- :func:`exit_code` is 1 when a finding is at or above ``--fail-on``.
"""

from __future__ import annotations

import difflib
import importlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

from dbaudit import progress
from dbaudit.config import Config, ObjectIgnore
from dbaudit.errors import UsageError
from dbaudit.findings import Finding, Note, Severity, sort_findings
from dbaudit.messages import join, msg
from dbaudit.redact import redact_text
from dbaudit.rules.registry import REGISTRY, Rule, RuleContext, RuleRegistry

UNUSED_SUPPRESSION = "unused-suppression"


@dataclass(frozen=True)
class RuleRun:
    """What one engine run produced: findings (P0 first), notes, and which rules ran or were skipped."""

    findings: tuple[Finding, ...]
    notes: tuple[Note, ...]
    rules_run: tuple[str, ...] = ()
    rules_skipped: tuple[str, ...] = ()
    timings: tuple[tuple[str, float], ...] = ()


# --------------------------------------------------------------------------------------------------
# Selection


def _specificity(selector: str, rule_id: str, category: str) -> int:
    """How precisely ``selector`` names a rule: 2 = its id, 1 = its category, 0 = ALL, -1 = not at all."""
    if selector == rule_id:
        return 2
    if selector == category:
        return 1
    if selector == "ALL":
        return 0
    return -1


def is_selected(rule_id: str, category: str, config: Config) -> bool:
    """Whether a rule (by id and category) is selected; works for rules in no registry (drift…)."""
    chosen = max((_specificity(s, rule_id, category) for s in (*config.select, *config.extend_select)),
                 default=-1)
    ignored = max((_specificity(s, rule_id, category) for s in config.ignore), default=-1)
    return chosen >= 0 and chosen > ignored


def _check_selectors(config: Config, registry: RuleRegistry, *, strict: bool) -> list[Note]:
    """Selectors naming no rule: an error when ``strict``, else a note (the id may belong to another
    analysis, such as drift or migration lint, whose findings :func:`apply_config` also filters)."""
    known = ["ALL", *registry.categories, *(r.id for r in registry)]
    notes = []
    for selector in dict.fromkeys((*config.select, *config.extend_select, *config.ignore,
                                   *(key for key, _ in config.severity),
                                   *(r for entry in config.per_file_ignores for r in entry.rules))):
        if selector not in known:
            close = difflib.get_close_matches(selector, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            where = f" in {config.path}" if config.path else ""
            message = msg("unknown rule or category {selector!r}{where}{hint}",
                          selector=selector, where=where, hint=hint)
            if strict:
                raise UsageError(message)
            notes.append(Note(msg("{message}; it selects no schema rule", message=message), rule=selector))
    return notes


def resolve_selection(
    config: Config, registry: RuleRegistry = REGISTRY, *, strict: bool = False
) -> tuple[tuple[Rule, ...], tuple[Note, ...]]:
    """The rules to run, in registry order, and notes about selections that cannot run.

    ``strict=True`` turns a selector that names no rule or category into a :class:`UsageError`.
    """
    notes = _check_selectors(config, registry, strict=strict)
    named = set(config.select) | set(config.extend_select)
    rules: list[Rule] = []
    for rule_ in registry:
        if not is_selected(rule_.id, rule_.category, config):
            continue
        if rule_.status == "removed":
            if rule_.id in named:
                notes.append(Note(msg("{id} is a removed rule and no longer runs", id=rule_.id), rule=rule_.id))
            continue
        if rule_.status == "preview" and rule_.id not in named:
            continue
        rules.append(rule_)
    return tuple(rules), tuple(notes)


# --------------------------------------------------------------------------------------------------
# Running


def load_plugins(config: Config) -> None:
    """Import the configured ``plugins`` modules so that their ``@rule`` functions register."""
    for module in config.plugins:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            where = f" (from {config.path})" if config.path else ""
            raise UsageError(f"cannot import rule plugin {module!r}{where}: {exc}") from None


def missing_requirement(rule_: Rule, ctx: RuleContext) -> str | None:
    """The first of the rule's ``requires`` that neither the model nor the inputs provide.

    An entry ``"models|code"`` is satisfied by any of its alternatives.
    """
    model = ctx.model
    for need in rule_.requires:
        if any(
            alt == model.source.dialect or model.has(alt) or ctx.inputs.get(alt) is not None
            for alt in need.split("|")
        ):
            continue
        return need
    return None


def _skip_note(rule_: Rule, need: str, ctx: RuleContext) -> Note:
    source = ctx.model.source
    if need == "postgresql":
        why = msg("it is PostgreSQL-only and {source} is {dialect}", source=source.name, dialect=source.dialect)
    elif need == "runtime":
        why = msg("no query statistics were read (a live PostgreSQL target with pg_stat_statements, or --stats)")
    elif need == "app_role":
        why = msg("no application role is configured (app-role, --app-role)")
    elif set(need.split("|")) <= {"code", "models", "statistics", "migrations"}:
        why = msg("no {inputs} input was given", inputs=join(msg(" or "), need.split("|")))
    else:
        why = msg("the {kind} source {source} does not provide {need}",
                  kind=source.kind, source=source.name, need=need)
    return Note(msg("{id} skipped: {why}", id=rule_.id, why=why), rule=rule_.id)


def run_rule(rule_: Rule, ctx: RuleContext) -> list[Finding]:
    """Run one rule; anything but :class:`Finding` values is a bug in the rule (``TypeError``)."""
    produced = rule_(ctx)
    if produced is None or isinstance(produced, str | bytes | Finding):
        raise TypeError(f"rule {rule_.id} must return an iterable of Finding, got {type(produced).__name__}")
    out = list(produced)
    for item in out:
        if not isinstance(item, Finding):
            raise TypeError(f"rule {rule_.id} returned {type(item).__name__}, not Finding")
    return out


def run_rules(
    ctx: RuleContext,
    config: Config | None = None,
    *,
    registry: RuleRegistry = REGISTRY,
    strict: bool = False,
    report_unused: bool = True,
    raise_errors: bool = False,
) -> RuleRun:
    """Run the selected rules on ``ctx`` and apply ``config`` (severities, suppressions) to the result.

    Options from the configuration (house rules, ``rule-options``) are merged under ``ctx.options``.
    ``strict``: unknown selectors are errors; ``report_unused``: see :func:`apply_config`;
    ``raise_errors``: a rule that raises stops the run (otherwise it is skipped with a note).
    """
    config = config or Config()
    load_plugins(config)
    rules, notes = resolve_selection(config, registry, strict=strict)
    options = config.options()
    for rule_id, values in ctx.options.items():
        options.setdefault(rule_id, {}).update(values)
    ctx = replace(ctx, options=options, notes=[])
    findings: list[Finding] = []
    ran: list[str] = []
    skipped: list[str] = []
    timings: list[tuple[str, float]] = []
    all_notes = list(notes)
    progress.step("running the schema rules", total=len(rules), unit="rules")
    for rule_ in rules:
        progress.advance()
        need = missing_requirement(rule_, ctx)
        if need is not None:
            all_notes.append(_skip_note(rule_, need, ctx))
            skipped.append(rule_.id)
            continue
        started = time.perf_counter()
        try:
            findings.extend(run_rule(rule_, ctx))
        except TypeError:
            raise  # a rule breaking the contract is a bug to fix, not a run-time condition
        except Exception as exc:
            if raise_errors:
                raise
            # one broken rule must not cost the whole audit; the note makes the gap visible
            all_notes.append(Note(msg("{id} failed and reported nothing: {name}: {error}", id=rule_.id,
                                      name=type(exc).__name__, error=redact_text(str(exc))), rule=rule_.id))
            skipped.append(rule_.id)
            continue
        timings.append((rule_.id, time.perf_counter() - started))
        ran.append(rule_.id)
    all_notes.extend(ctx.notes)
    findings, dialect_notes = _postgresql_sql_only(ctx, findings)
    all_notes.extend(dialect_notes)
    kept, config_notes = apply_config(findings, config, report_unused=report_unused)
    return RuleRun(kept, (*all_notes, *config_notes), tuple(ran), tuple(skipped), tuple(timings))


def _postgresql_sql_only(ctx: RuleContext, findings: list[Finding]) -> tuple[list[Finding], list[Note]]:
    """Fix and verification SQL is PostgreSQL's (CONCURRENTLY, NOT VALID, pg_catalog): drop it for
    models of other dialects, with one note, rather than hand out SQL that cannot run there."""
    dialect = ctx.model.source.dialect
    if dialect == "postgresql" or not any(f.fix_sql or f.verify_sql for f in findings):
        return findings, []
    stripped = [replace(f, fix_sql=None, verify_sql=None) for f in findings]
    return stripped, [Note(msg("fix and verification SQL omitted: it is written for PostgreSQL and {source} is "
                               "{dialect}",
                               source=ctx.model.source.name, dialect=dialect))]


# --------------------------------------------------------------------------------------------------
# Configuration on findings


def _object_matches(pattern: str, obj: str) -> bool:
    """A glob matches an object, or one of its parents (``public.t`` matches ``public.t.c``)."""
    parts = obj.split(".")
    return any(fnmatchcase(".".join(parts[:n]), pattern) for n in range(len(parts), 1, -1)) or fnmatchcase(
        obj, pattern
    )


def _suppresses(entry: ObjectIgnore, finding: Finding) -> bool:
    if not any(_specificity(s, finding.rule, finding.category) >= 0 for s in entry.rules):
        return False
    return any(_object_matches(p, obj) for p in entry.patterns for obj in finding.objects)


def _path_matches(pattern: str, path: str) -> bool:
    """A glob matches a path, or (without a leading ``/``) any tail of it made of whole components."""
    path = path.replace("\\", "/")
    if pattern.startswith("/"):
        return fnmatchcase(path.lstrip("/"), pattern.lstrip("/"))
    parts = path.split("/")
    return any(fnmatchcase("/".join(parts[i:]), pattern) for i in range(len(parts)))


def _file_suppresses(entry: ObjectIgnore, finding: Finding) -> bool:
    if not finding.locations:
        return False
    if not any(_specificity(s, finding.rule, finding.category) >= 0 for s in entry.rules):
        return False
    return any(_path_matches(p, finding.locations[0].path) for p in entry.patterns)


def _override(finding: Finding, overrides: dict[str, Severity]) -> Finding:
    severity = overrides.get(finding.rule) or overrides.get(finding.category)
    return finding.with_severity(severity) if severity is not None else finding


def apply_config(
    findings: Iterable[Finding], config: Config, *, report_unused: bool = True
) -> tuple[tuple[Finding, ...], tuple[Note, ...]]:
    """Selection, severity overrides and per-object suppressions, for findings of any analysis.

    Returns the kept findings (P0 first) and notes; ``report_unused=False`` silences the
    ``unused-suppression`` notes (for a partial pass when another analysis will use the entry).
    """
    overrides = config.severity_overrides
    entries = [("per-object-ignores", e, _suppresses) for e in config.per_object_ignores]
    entries += [("per-file-ignores", e, _file_suppresses) for e in config.per_file_ignores]
    used: set[int] = set()
    kept: list[Finding] = []
    for finding in findings:
        if not is_selected(finding.rule, finding.category, config):
            continue
        matched = [i for i, (_, entry, test) in enumerate(entries) if test(entry, finding)]
        if matched:
            used.update(matched)
            continue
        kept.append(_override(finding, overrides))
    notes: list[Note] = []
    if report_unused:
        for i, (key, entry, _) in enumerate(entries):
            if i not in used:
                notes.append(Note(
                    msg("{unused_suppression}: {key} {label} (reason: {reason}) silenced nothing; remove it",
                        unused_suppression=UNUSED_SUPPRESSION, key=key, label=entry.label, reason=entry.reason),
                    rule=UNUSED_SUPPRESSION,
                ))
    return sort_findings(kept), tuple(notes)


def exit_code(findings: Sequence[Finding] | Iterable[Finding], fail_on: Severity = Severity.P1) -> int:
    """0 when no finding is at or above ``fail_on``, else 1 (exit code 2 is for errors, elsewhere)."""
    return 1 if any(f.severity.is_at_least(fail_on) for f in findings) else 0


__all__ = [
    "UNUSED_SUPPRESSION",
    "RuleRun",
    "apply_config",
    "exit_code",
    "is_selected",
    "load_plugins",
    "missing_requirement",
    "resolve_selection",
    "run_rule",
    "run_rules",
]
