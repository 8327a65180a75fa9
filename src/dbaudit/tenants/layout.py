"""The audit of a tenant cluster: one representative schema per structure, findings stated once.

:func:`plan_tenants` finds the clusters and builds the *audited model*: every schema outside the
clusters as it is, and one representative per structure (the template's and each deviant group's),
with the statistics of its tables, indexes and sequences raised to the largest among the schemas it
stands for (the largest table, the index scanned most, the sequence nearest its limit: a finding
judged on sizes or activity holds for the worst tenant, and an index one tenant uses is not unused).

:meth:`TenantLayout.state_once` then turns the rules' findings on that model into findings about the
cluster: a finding on the template schema says it applies to the N schemas of that structure (the
template's and those of deviant groups with the same finding), and is counted once; a deviant group's
finding that the template also has is folded into the template's; one the template does not have
stays, stated for that group's schemas.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from dbaudit.findings import Finding
from dbaudit.messages import msg, sql_comment
from dbaudit.model.schema import Index, SchemaModel, Table, TableStats
from dbaudit.model.schema import Sequence as SequenceModel
from dbaudit.tenants.detect import MIN_SCHEMAS, TenantCluster, TenantGroup, find_clusters

# Names of a group spelled out in a finding; the JSON report's "tenants" lists them all.
SHOWN_NAMES = 5


@dataclass(frozen=True)
class TenantLayout:
    """The clusters of a model and the model the rules run on instead of it."""

    clusters: tuple[TenantCluster, ...]
    model: SchemaModel
    # tables of the full model, and of the audited one
    tables_read: int = 0

    @property
    def representatives(self) -> dict[str, tuple[TenantCluster, TenantGroup]]:
        return {g.representative: (c, g) for c in self.clusters for g in c.groups}

    @property
    def schemas_folded(self) -> int:
        """Schemas not audited themselves (another of their structure was)."""
        return sum(len(g) - 1 for c in self.clusters for g in c.groups)

    def to_json(self) -> list[dict[str, Any]]:
        return [c.to_json() for c in self.clusters]

    def state_once(self, findings: Iterable[Finding]) -> list[Finding]:
        """The rules' findings on :attr:`model` as findings about the clusters (see the module)."""
        reps = self.representatives
        found = list(findings)
        template_keys: dict[tuple[Any, ...], Finding] = {}
        for f in found:
            where = reps.get(_schema_of(f))
            if where is not None and where[1] is where[0].template:
                template_keys[_key(f, where[1].representative)] = f
        # deviant groups that have the template's finding too
        also: dict[int, list[TenantGroup]] = {}
        out: list[Finding] = []
        for f in found:
            where = reps.get(_schema_of(f))
            if where is None:
                out.append(f)
                continue
            cluster, group = where
            if group is cluster.template:
                out.append(f)
                continue
            twin = template_keys.get(_key(f, group.representative))
            if twin is not None:
                also.setdefault(id(twin), []).append(group)
            else:
                out.append(f)
        stated = []
        for f in out:
            where = reps.get(_schema_of(f))
            if where is None:
                stated.append(f)
                continue
            cluster, group = where
            groups = [group, *also.get(id(f), ())]
            stated.append(_applies_to(f, groups, cluster) if sum(len(g) for g in groups) > 1 else f)
        return stated


def plan_tenants(model: SchemaModel, *, min_schemas: int = MIN_SCHEMAS) -> TenantLayout | None:
    """The tenant layout of ``model``, or ``None`` when no structure is shared by ``min_schemas``
    schemas or more (the model is then audited as it is)."""
    clusters = find_clusters(model, min_schemas=min_schemas)
    if not clusters:
        return None
    return TenantLayout(clusters, audited_model(model, clusters), len(model.tables))


def audited_model(model: SchemaModel, clusters: Sequence[TenantCluster]) -> SchemaModel:
    """``model`` with each group of each cluster reduced to its representative, whose statistics are
    the largest of the group's."""
    folded: dict[str, str] = {}  # schema not audited -> its group's representative
    for cluster in clusters:
        for group in cluster.groups:
            for schema in group.schemas[1:]:
                folded[schema] = group.representative
    # per representative table: the same-named tables of the schemas it stands for
    members: dict[str, list[Table]] = {}
    for table in model.tables:
        rep = folded.get(table.schema)
        if rep is not None:
            members.setdefault(f"{rep}.{table.name}", []).append(table)
    sequences: dict[str, list[SequenceModel]] = {}
    for seq in model.sequences:
        rep = folded.get(seq.schema)
        if rep is not None:
            sequences.setdefault(f"{rep}.{seq.name}", []).append(seq)
    kept = [s for s in model.schemas if s not in folded]
    return dataclasses.replace(
        model,
        schemas=tuple(kept),
        tables=tuple(_largest(t, members.get(t.qualified_name, ())) for t in model.tables if t.schema not in folded),
        sequences=tuple(_last_value(s, sequences.get(s.qualified_name, ())) for s in model.sequences
                        if s.schema not in folded),
        enums=tuple(e for e in model.enums if e.schema not in folded),
        functions=tuple(f for f in model.functions if f.schema not in folded),
        schema_comments=tuple((s, c) for s, c in model.schema_comments if s not in folded),
        schema_privileges=tuple(p for p in model.schema_privileges if p.name not in folded),
    )


# -- statistics of a group: the largest ------------------------------------------------------------------

_STAT_FIELDS = ("rows_estimate", "total_bytes", "table_bytes", "index_bytes", "seq_scan", "idx_scan",
                "n_live_tup", "n_dead_tup", "n_tup_ins", "n_tup_upd", "n_tup_del", "n_tup_hot_upd")


def _largest(table: Table, others: Sequence[Table]) -> Table:
    if not others:
        return table
    stats = _largest_stats(table.stats, [t.stats for t in others])
    indexes = table.indexes
    if any(i.size_bytes is not None or i.scans is not None for t in others for i in t.indexes):
        by_name: dict[str, list[Index]] = {}
        for t in others:
            for i in t.indexes:
                by_name.setdefault(i.name, []).append(i)
        indexes = tuple(_largest_index(i, by_name.get(i.name, ())) for i in table.indexes)
    if stats is table.stats and indexes is table.indexes:
        return table
    return dataclasses.replace(table, stats=stats, indexes=indexes)


_STATS_OF = attrgetter(*_STAT_FIELDS)


def _largest_stats(mine: TableStats | None, others: Sequence[TableStats | None]) -> TableStats | None:
    present = [s for s in others if s is not None]
    if mine is None or not present:
        return mine
    changes: dict[str, Any] = {}
    columns = zip(*map(_STATS_OF, (mine, *present)), strict=True)
    for name, own, values in zip(_STAT_FIELDS, _STATS_OF(mine), columns, strict=True):
        top = max((v for v in values if v is not None), default=None)
        if top != own:
            changes[name] = top
    # "analyzed" means analyzed everywhere: the oldest date counts
    for name in ("last_analyze", "last_autoanalyze"):
        dates = [getattr(s, name) for s in (mine, *present)]
        if any(d is None for d in dates):
            if getattr(mine, name) is not None:
                changes[name] = None
        elif min(dates) != getattr(mine, name):
            changes[name] = min(dates)
    return dataclasses.replace(mine, **changes) if changes else mine


def _largest_index(index: Index, others: Sequence[Index]) -> Index:
    sizes = [i.size_bytes for i in (index, *others) if i.size_bytes is not None]
    scans = [i.scans for i in (index, *others) if i.scans is not None]
    size, scan = max(sizes, default=None), max(scans, default=None)
    if size == index.size_bytes and scan == index.scans:
        return index
    return dataclasses.replace(index, size_bytes=size, scans=scan)


def _last_value(seq: SequenceModel, others: Sequence[SequenceModel]) -> SequenceModel:
    values = [s.last_value for s in (seq, *others) if s.last_value is not None]
    top = max(values, default=None)
    return seq if top == seq.last_value else dataclasses.replace(seq, last_value=top)


# -- findings ----------------------------------------------------------------------------------------


def _schema_of(f: Finding) -> str:
    return f.objects[0].partition(".")[0] if f.objects else ""


def _key(f: Finding, schema: str) -> tuple[Any, ...]:
    """A finding's identity with its schema's name taken out: the same finding on another tenant."""
    prefix = schema + "."
    objects = tuple("\x00" if o == schema else "\x00." + o[len(prefix):] if o.startswith(prefix) else o
                    for o in f.objects)
    return (f.rule, objects)


def names_text(schemas: Sequence[str], shown: int = SHOWN_NAMES) -> str:
    """``a, b, c`` or ``a, b, c and 4,997 more``."""
    head = ", ".join(schemas[:shown])
    if len(schemas) <= shown:
        return head
    return msg("{names} and {more:,} more", names=head, more=len(schemas) - shown)


def _applies_to(f: Finding, groups: Sequence[TenantGroup], cluster: TenantCluster) -> Finding:
    """The finding stated for every schema of ``groups`` (their representatives are in ``data``, the
    JSON report's ``tenants`` lists each group's schemas)."""
    schemas = [s for g in groups for s in g.schemas]
    n = len(schemas)
    template = cluster.template.representative
    fix = f.fix_sql
    if fix:
        fix = sql_comment("-- The same fix applies to each of the {n} schemas listed in the evidence: run it in "
                          "each, with {schema} replaced by the schema's name.", n=n, schema=_schema_of(f)) + "\n" + fix
    return dataclasses.replace(
        f,
        title=msg("{title} (in {n:,} schemas of one structure)", title=f.title, n=n),
        evidence=(*f.evidence, msg("the same structure, and this finding, are in {n:,} schemas: {names}",
                                   n=n, names=names_text(schemas))),
        fix_sql=fix,
        data=(*f.data, ("tenant_schemas", n), ("tenant_template", template),
              ("tenant_groups", [g.representative for g in groups])),
    )


__all__ = ["SHOWN_NAMES", "TenantLayout", "audited_model", "names_text", "plan_tenants"]
