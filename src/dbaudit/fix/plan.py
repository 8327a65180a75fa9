"""A fix plan: the selected findings' fixes as one ordered, reversible, checked sequence of steps.

For each finding (in the order given) its fix SQL is classified statement by statement
(:mod:`.classify`); the statements of one finding keep their relative order where they touch the same
objects, and otherwise each statement goes to its phase, so the whole plan runs: concurrent index
builds, catalog-only additions, validations (a later transaction than their ``NOT VALID``), drops,
renames last. A finding whose data would make its fix fail (orphans before a foreign key's VALIDATE,
NULLs before SET NOT NULL) is *blocked*: its statements and the clean-up query are written commented
out, never run. A finding whose fix cannot be run safely or undone is *not fixed*, with the reason.
The :class:`~.undo.Tracker` then writes each step's undo (the downgrade, in reverse order) and the
post-checks of the effects that last.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from dbaudit.checkdata.results import CheckResult, Outcome
from dbaudit.findings import Finding
from dbaudit.fix import catalog
from dbaudit.fix.classify import classify_script
from dbaudit.fix.steps import Classified, Phase, Step, Stmt, Unsupported
from dbaudit.fix.undo import Tracker
from dbaudit.model.schema import SchemaModel


@dataclass(frozen=True)
class FixItem:
    """One finding in the plan: its steps, or why they are written commented out."""

    finding: Finding
    id: str
    statements: tuple[Classified, ...] = ()
    blocked: str | None = None     # the data that blocks the fix (its statements stay commented out)
    cleanup: str | None = None     # the clean-up query to review and run by hand
    note: str | None = None

    @property
    def label(self) -> str:
        return f"{self.finding.severity.name} {self.finding.rule} {', '.join(self.finding.objects[:1])}"


@dataclass(frozen=True)
class NotFixed:
    finding: Finding
    id: str
    reason: str


@dataclass(frozen=True)
class FixPlan:
    items: tuple[FixItem, ...]
    not_fixed: tuple[NotFixed, ...]
    upgrade: tuple[Step, ...]
    downgrade: tuple[tuple[Stmt, int], ...]      # (statement, item index), in the order to run
    # (item index, condition, after the renames): post-checks of the effects that last; those of renames
    # run after the renames, the others before them (while the names they use are still current)
    checks: tuple[tuple[int, str, bool], ...]
    skipped: tuple[str, ...] = field(default=())  # steps left out because an earlier one did the work

    @property
    def before_renames(self) -> tuple[Step, ...]:
        return tuple(s for s in self.upgrade if s.phase is not Phase.RENAME)

    @property
    def renames(self) -> tuple[Step, ...]:
        return tuple(s for s in self.upgrade if s.phase is Phase.RENAME)

    def post_checks(self, *, late: bool) -> tuple[tuple[int, str], ...]:
        return tuple((i, c) for i, c, after in self.checks if after is late)

    @property
    def active(self) -> tuple[FixItem, ...]:
        return tuple(i for i in self.items if i.blocked is None)

    @property
    def blocked(self) -> tuple[FixItem, ...]:
        return tuple(i for i in self.items if i.blocked is not None)


def plan_item(finding: Finding, entry_id: str, model: SchemaModel, fix_sql: str | None,
              result: CheckResult | None) -> FixItem | NotFixed:
    """Classify one finding's fix and decide, from its data check, whether the data blocks it."""
    if not fix_sql:
        return NotFixed(finding, entry_id, "the rule gives no fix SQL for this finding")
    try:
        statements = classify_script(fix_sql, model, where=f"{finding.rule} fix")
    except Unsupported as exc:
        return NotFixed(finding, entry_id, str(exc))
    if not statements:
        return NotFixed(finding, entry_id, "the fix has no statement to run")
    data_changes = [s for s in statements if s.data_change]
    confirmed = result is not None and result.outcome is Outcome.CONFIRMED and result.check.blocks_fix
    if confirmed:
        assert result is not None
        return FixItem(finding, entry_id, tuple(statements), blocked=_blocked_text(result),
                       cleanup=result.check.cleanup_sql or "\n".join(s.stmt.sql for s in data_changes))
    unchecked = None
    if result is not None and result.check.blocks_fix and result.outcome is Outcome.SKIPPED:
        unchecked = (f"the data check did not run ({result.reason}): if bad rows exist, the fix stops at them; "
                     "dbaudit check-data --full tells")
    if data_changes:
        clean = result is not None and result.outcome is Outcome.CLEARED
        if not clean:
            return FixItem(finding, entry_id, tuple(statements),
                           blocked="the fix changes data (a backfill); dbaudit writes it but never runs it",
                           cleanup="\n".join(s.stmt.sql for s in data_changes))
        kept = tuple(s for s in statements if not s.data_change)
        return FixItem(finding, entry_id, kept, note="the data change of this fix is not needed: "
                       f"no {result.check.what if result else 'rows'} at generation time")
    return FixItem(finding, entry_id, tuple(statements), note=unchecked)


def _blocked_text(result: CheckResult) -> str:
    scope = "full scan" if result.sample_percent is None else f"{result.sample_percent:.3g}% sample"
    return f"{result.problems:,} {result.check.what} ({scope} by check-data)"


def build_plan(items: list[FixItem | NotFixed], model: SchemaModel) -> FixPlan:
    """Order the steps of every active item, then write undo statements and post-checks."""
    fixable: list[FixItem] = []
    not_fixed = [i for i in items if isinstance(i, NotFixed)]
    renamed: dict[tuple[str, ...], FixItem] = {}
    # a rename with a purpose (a sequence named after its column) wins over a mere spelling (snake case)
    ordered = sorted((i for i in items if isinstance(i, FixItem)), key=lambda i: i.finding.rule == "non-snake-case")
    for item in ordered:
        sources = [(e.what, e.schema, e.table or "", e.name or "") for c in item.statements for e in c.effects
                   if e.kind == "rename"]
        first = next((renamed[s] for s in sources if s in renamed), None) if item.blocked is None else None
        if first is not None:
            not_fixed.append(NotFixed(item.finding, item.id, f"renames an object the fix of {first.label} "
                                                             "already renames"))
            continue
        if item.blocked is None:
            renamed.update(dict.fromkeys(sources, item))
        fixable.append(item)
    fixable, conflicts = _keep_what_drops_rely_on(fixable, model)
    not_fixed += conflicts
    while True:
        try:
            plan = _lay_out(fixable, not_fixed, model)
            _check_foreign_key_coverage(plan, model)
            return plan
        except _ItemFailed as failed:
            item = fixable.pop(failed.index)
            not_fixed.append(NotFixed(item.finding, item.id, failed.reason))


# Rules whose fix drops an index because another object (the finding's second object) serves instead.
RELIES_ON_SECOND_OBJECT = frozenset({"redundant-index", "index-duplicates-constraint", "duplicate-index",
                                     "unused-index"})


def _keep_what_drops_rely_on(items: list[FixItem], model: SchemaModel) -> tuple[list[FixItem], list[NotFixed]]:
    """An index is dropped as redundant because another serves its queries; when another fix of the
    plan drops that other one (and builds nothing that serves them), the first drop is no longer safe:
    it is not fixed, with the reason."""
    active = [i for i in items if i.blocked is None]
    dropped = {f"{e.schema}.{e.name}": item for item in active
               for c in item.statements for e in c.effects if e.kind in ("index-", "constraint-")}
    built = [(e.schema, e.table, e.keys) for item in active for c in item.statements for e in c.effects
             if e.kind == "index+" and e.covering and e.keys]
    kept: list[FixItem] = []
    refused: list[NotFixed] = []
    for item in items:
        relied = [o for o in item.finding.objects[1:] if item.finding.rule in RELIES_ON_SECOND_OBJECT
                  and o in dropped and dropped[o] is not item and not _served(item, model, built)]
        if relied and item.blocked is None:
            refused.append(NotFixed(item.finding, item.id, f"{relied[0]}, which serves instead of the dropped "
                                    f"index, is itself dropped by the fix of {dropped[relied[0]].label}"))
        else:
            kept.append(item)
    return kept, refused


def _served(item: FixItem, model: SchemaModel, built: list[tuple[str, str | None, tuple[str, ...]]]) -> bool:
    """An index the plan builds leads with the keys of the index this item drops."""
    from dbaudit.fix.classify import index_table  # noqa: PLC0415

    for e in (e for c in item.statements for e in c.effects if e.kind == "index-"):
        table = index_table(model, e.schema, e.name or "")
        index = next((i for i in table.indexes if i.name == e.name), None) if table is not None else None
        if index is None or not index.is_plain:
            return False
        keys = tuple(str(c) for c in index.columns)
        if not any((s, t) == (e.schema, table.name if table else None) and b[:len(keys)] == keys
                   for s, t, b in built):
            return False
    return True


def _check_foreign_key_coverage(plan: FixPlan, model: SchemaModel) -> None:
    """A plan must not leave a foreign key without an index it had (``fk-without-index`` would follow):
    the fix whose drop removed the last covering index is not fixed."""
    from dbaudit.rules._indexing import covers_columns  # noqa: PLC0415

    dropped: dict[tuple[str, str], int] = {}  # (schema, index name) -> step position
    built: list[tuple[str, str, tuple[str, ...]]] = []
    for position, step in enumerate(plan.upgrade):
        for e in step.effects:
            if e.kind in {"index-", "constraint-"}:
                dropped.setdefault((e.schema, e.name or ""), position)
            if e.kind == "index+" and e.covering and e.keys:
                built.append((e.schema, e.table or "", e.keys))
            if e.kind == "column-":
                table = model.table(f"{e.schema}.{e.table}")
                for index in table.indexes if table is not None else ():
                    if e.column in index.columns:
                        dropped.setdefault((e.schema, index.name), position)
    for table in model.base_tables:
        for fk in table.foreign_keys:
            had = [i for i in table.indexes if covers_columns(i, fk.columns)]
            if not had or any((table.schema, i.name) not in dropped for i in had):
                continue
            if any((s, t) == (table.schema, table.name) and set(keys[:len(fk.columns)]) == set(fk.columns)
                   for s, t, keys in built):
                continue
            culprit = plan.upgrade[max(dropped[(table.schema, i.name)] for i in had)].item
            raise _ItemFailed(culprit, f"it drops the last index serving foreign key {fk.name} of "
                                       f"{table.qualified_name} ({', '.join(fk.columns)}): keep or replace it first")


class _ItemFailed(Exception):
    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index, self.reason = index, reason


def _lay_out(items: list[FixItem], not_fixed: list[NotFixed], model: SchemaModel) -> FixPlan:
    steps: list[Step] = []
    for n, item in enumerate(items):
        if item.blocked is None:
            steps += _phased(item, n)
    steps.sort(key=lambda s: s.sort_key)
    steps, skipped = _covered_builds(steps, items)
    tracker = Tracker(model)
    tracker.attached = {("rel", e.column or e.schema, e.value or "") for s in steps for e in s.effects
                        if e.kind == "attach"}
    # a unique index that becomes a constraint (USING INDEX) goes with the constraint
    tracker.attached |= {("rel", e.schema, e.value) for s in steps for e in s.effects
                         if e.kind == "constraint+" and e.value}
    placed: list[Step] = []
    for step in steps:
        tracker.current = len(placed)
        if step.effects and all(tracker.redundant(e) for e in step.effects):
            skipped.append(f"{items[step.item].label}: {' '.join(step.stmt.sql.split())[:160]} "
                           "(an earlier step already removed it)")
            continue
        undos: list[list[Stmt]] = []
        try:
            for effect in step.effects:
                undos.append(tracker.apply(effect))
        except Unsupported as exc:
            raise _ItemFailed(step.item, str(exc)) from None
        # one statement's effects are undone last one first (DROP x, ADD x: drop the new x, then restore)
        placed.append(replace(step, undo=tuple(stmt for undo in reversed(undos) for stmt in undo)))
    placed = _temporaries(_replacements(placed, tracker))
    downgrade = tuple((stmt, step.item) for step in reversed(placed) for stmt in step.undo)
    checks = tuple(dict.fromkeys((step.item, c, e.kind == "rename") for step in placed for e in step.effects
                                 for c in tracker.checks(e)))
    return FixPlan(tuple(items), tuple(not_fixed), tuple(placed), downgrade, checks, tuple(skipped))


def _replacements(steps: list[Step], tracker: Tracker) -> list[Step]:
    """Guards for the "build new, drop old, rename new to old" pattern, so that a run stopped anywhere
    can run again: by name alone "old exists, new absent" holds both before and after it, so the
    rename counts as done only once the drop is done too, and the building steps are skipped then."""
    out = list(steps)
    for r, step in enumerate(steps):
        for e in step.effects:
            if e.kind != "rename" or e.what not in ("index", "sequence", "table"):
                continue
            drop = tracker.removed_at.get(("rel", e.schema, e.value or ""))
            if drop is None or drop >= r or steps[drop].stmt.done is None or step.stmt.done is None:
                continue
            finished = catalog.both(step.stmt.done, steps[drop].stmt.done or "")
            out[r] = replace(out[r], stmt=replace(out[r].stmt, done=finished))
            for b in range(r):
                if any(x.kind in ("index+", "attach") and x.name == e.name and x.schema == e.schema
                       for x in out[b].effects):
                    guard = out[b].stmt.done
                    out[b] = replace(out[b], stmt=replace(out[b].stmt, done=catalog.either(*(
                        [guard] if guard else []), finished)))
    return out


def _temporaries(steps: list[Step]) -> list[Step]:
    """Guards for an object a fix creates and drops again (the CHECK that lets SET NOT NULL skip its
    scan): once it is gone and the steps it served are done, the steps creating and using it are done."""
    out = list(steps)
    for d, step in enumerate(steps):
        for drop in (e for e in step.effects if e.kind == "constraint-"):
            key = Tracker.key(drop)
            made = next((c for c in range(d) if steps[c].item == step.item and any(
                e.kind == "constraint+" and Tracker.key(e) == key for e in steps[c].effects)), None)
            if made is None or step.stmt.done is None:
                continue
            between = [steps[i] for i in range(made + 1, d) if steps[i].item == step.item]
            served = [s.stmt.done for s in between if s.stmt.done and not _touches(s, key)]
            finished = catalog.both(step.stmt.done, *served)
            for i in [made, *(i for i in range(made + 1, d) if steps[i].item == step.item)]:
                if _touches(steps[i], key):
                    guard = out[i].stmt.done
                    out[i] = replace(out[i], stmt=replace(out[i].stmt, done=catalog.either(
                        *([guard] if guard else []), finished)))
    return out


def _touches(step: Step, key: tuple[str, ...] | None) -> bool:
    return any(Tracker.key(e) == key for e in step.effects)


def _covered_builds(steps: list[Step], items: list[FixItem]) -> tuple[list[Step], list[str]]:
    """Leave out a plain index one fix builds when another fix builds one whose keys start with the
    same columns (fk-without-index's ``(a)`` and a composite key's ``(a, b)``): the longer serves both."""
    builds = [(s, e) for s in steps for e in s.effects if e.kind == "index+" and e.value]
    kept: list[Step] = []
    skipped: list[str] = []
    for step in steps:
        own = next((e for e in step.effects if e.kind == "index+" and e.value), None)
        cover = None if own is None else next(
            (other for other, e in builds if other is not step and (e.schema, e.table) == (own.schema, own.table)
             and _leads(own.value or "", e.value or "") and (e.value != own.value or other.item < step.item)),
            None)
        if cover is None:
            kept.append(step)
            continue
        other = next(e for e in cover.effects if e.kind == "index+")
        skipped.append(f"{items[step.item].label}: index {own.name if own else ''} left out, "
                       f"{other.name} built by {items[cover.item].label} covers it")
    return kept, skipped


def _leads(short: str, long: str) -> bool:
    from dbaudit.fix.classify import KEY_SEPARATOR  # noqa: PLC0415

    if short.startswith("=") or long.startswith("="):
        return short == long  # not a plain index: only the very same definition covers it
    a, b = short.split(KEY_SEPARATOR), long.split(KEY_SEPARATOR)
    return len(a) <= len(b) and b[:len(a)] == a


def _phased(item: FixItem, index: int) -> list[Step]:
    """The item's statements as steps: each in its phase, but never before an earlier statement of the
    same finding that touches one of its objects."""
    out: list[Step] = []
    for position, classified in enumerate(item.statements):
        phase = classified.phase
        for earlier in out:
            if earlier.phase > phase and _shares(item.statements[earlier.position], classified):
                phase = earlier.phase
        out.append(Step(classified.stmt, Phase(phase), index, position, classified.effects))
    return out


def _shares(a: Classified, b: Classified) -> bool:
    return bool(a.keys & b.keys)


__all__ = ["FixItem", "FixPlan", "NotFixed", "build_plan", "plan_item"]
