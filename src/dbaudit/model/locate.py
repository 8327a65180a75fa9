"""Where sources declare objects: the file:line an ORM model or a migration gives each object name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dbaudit.model.schema import Location, SchemaModel, Table


def object_locations(models: Iterable[SchemaModel]) -> dict[str, Location]:
    """Object name (as findings spell it) -> where a source declares it; earlier models win."""
    out: dict[str, Location] = {}
    for model in models:
        for table in model.tables:
            prefix = table.schema
            named: list[tuple[str, Location | None]] = [(table.qualified_name, table.location)]
            named += [(f"{table.qualified_name}.{c.name}", c.location or table.location) for c in table.columns]
            named += [(f"{prefix}.{i.name}", i.location or table.location) for i in table.indexes]
            named += [(f"{prefix}.{c.name}", c.location or table.location) for c in table.foreign_keys]
            named += [(f"{prefix}.{c.name}", c.location or table.location) for c in table.uniques]
            named += [(f"{prefix}.{c.name}", c.location or table.location) for c in table.checks]
            if table.primary_key is not None:
                named.append((f"{prefix}.{table.primary_key.name}", table.primary_key.location or table.location))
            for name, loc in named:
                if loc is not None:
                    out.setdefault(name, loc)
        # A sequence is declared with the column it feeds (serial, identity, or OWNED BY).
        for seq in model.sequences:
            if seq.owned_by_table is not None:
                loc = out.get(f"{seq.owned_by_table}.{seq.owned_by_column}") or out.get(seq.owned_by_table)
                if loc is not None:
                    out.setdefault(seq.qualified_name, loc)
    return out


def object_owners(tables: Iterable[Table]) -> dict[str, str]:
    """The table each table, index and constraint name belongs to (``schema.name`` -> table)."""
    owner: dict[str, str] = {}
    for t in tables:
        owner[t.qualified_name] = t.qualified_name
        names = [i.name for i in t.indexes] + [c.name for c in t.foreign_keys] + [c.name for c in t.uniques]
        names += [c.name for c in t.checks] + ([t.primary_key.name] if t.primary_key else [])
        for name in names:
            owner.setdefault(f"{t.schema}.{name}", t.qualified_name)
    return owner


def owning_tables(objects: Iterable[str], owner: Mapping[str, str]) -> list[str]:
    """The tables a finding's objects belong to (a column through its table), sorted, each once."""
    hit = {owner.get(o) or owner.get(o.rpartition(".")[0]) for o in objects}
    return sorted(h for h in hit if h is not None)
