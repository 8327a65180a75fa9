"""Catalog facts of a PostgreSQL database, and the A3 spec parsed into the same shape.

Written for these tests alone (no dbaudit code), so the example is checked independently of the
introspection it is meant to exercise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg

TYPES = {
    "int4": "integer",
    "int8": "bigint",
    "bool": "boolean",
    "float4": "real",
    "timestamptz": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
}
ON_DELETE = {"a": "no action", "c": "cascade", "n": "set null", "r": "restrict", "d": "set default"}


@dataclass
class TableFacts:
    """Everything A3 says about one table, normalised for comparison."""

    columns: dict[str, tuple[str, bool, str | None]] = field(default_factory=dict)
    constraints: set[tuple[Any, ...]] = field(default_factory=set)
    indexes: set[tuple[Any, ...]] = field(default_factory=set)
    triggers: set[tuple[str, str, str]] = field(default_factory=set)
    partitioning: tuple[str, str] | None = None
    partitions: list[tuple[str, str]] = field(default_factory=list)


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(","))


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _monthly_partitions(table: str, window: str) -> list[tuple[str, str]]:
    first, last = (date.fromisoformat(f"{part}-01") for part in window.split(".."))
    partitions, current = [], first
    while current <= last:
        following = _month_after(current)
        partitions.append((f"{table}_{current:%Y_%m}", f"FOR VALUES FROM ('{current}') TO ('{following}')"))
        current = following
    return partitions


def _column(table: str, line: str) -> tuple[str, tuple[str, bool, str | None]]:
    spec, _, default = line.partition(" = ")
    words = spec.split()
    name, raw_type = words[0], words[1]
    col_type = TYPES.get(raw_type, raw_type)
    if raw_type.startswith("varchar("):
        col_type = "character varying" + raw_type[len("varchar") :]
    value: str | None = default or None
    if "serial" in words[2:]:
        value = f"nextval('{table}_id_seq'::regclass)"
    elif value and value.startswith("'") and "::" not in value:
        value += "::character varying"
    return name, (col_type, "NN" in words[2:], value)


def _table_line(table: str, facts: TableFacts, line: str) -> None:
    if m := re.fullmatch(r"pk (\S+) \((.+)\)", line):
        facts.constraints.add(("p", m[1], _names(m[2])))
    elif m := re.fullmatch(r"unique (\S+) \((.+)\)", line):
        facts.constraints.add(("u", m[1], _names(m[2])))
    elif m := re.fullmatch(r"fk (\S+) \((.+)\) -> (\w+)\((.+)\)(?: on delete (cascade|set null))?", line):
        facts.constraints.add(("f", m[1], _names(m[2]), m[3], _names(m[4]), m[5] or "no action"))
    elif m := re.fullmatch(r"check (\S+) (\w+): (.+)", line):
        facts.constraints.add(("c", m[1], m[2], frozenset(_names(m[3]))))
    elif m := re.fullmatch(r"(unique )?index (\S+) \(([^)]+)\)(?: where (.+))?", line):
        facts.indexes.add((m[2], _names(m[3]), bool(m[1]), m[4]))
    elif m := re.fullmatch(r"trigger (\S+) (before|after) (insert|update)", line):
        facts.triggers.add((m[1], m[2].upper(), m[3].upper()))
    elif m := re.fullmatch(r"partition range \((\w+)\) monthly (\S+)", line):
        facts.partitioning = ("range", m[1])
        facts.partitions = _monthly_partitions(table, m[2])
    else:
        name, column = _column(table, line)
        facts.columns[name] = column


def parse_a3(text: str) -> dict[str, TableFacts]:
    tables: dict[str, TableFacts] = {}
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("table "):
            current = line.split()[1]
            tables[current] = TableFacts()
        else:
            _table_line(current, tables[current], line)
    return tables


COLUMNS_SQL = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid)
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND a.attnum > 0 AND NOT a.attisdropped
"""

CONSTRAINTS_SQL = """
SELECT c.relname, k.conname, k.contype,
       ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, o)
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o),
       r.relname,
       ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, o)
             JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o),
       k.confdeltype, pg_get_constraintdef(k.oid)
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class r ON r.oid = k.confrelid
WHERE n.nspname = 'public' AND NOT c.relispartition AND k.contype IN ('p', 'u', 'f', 'c')
  AND k.conparentid = 0
"""

INDEXES_SQL = """
SELECT c.relname, i.relname, x.indisunique,
       ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY u(n, o)
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.n ORDER BY u.o),
       pg_get_expr(x.indpred, x.indrelid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid)
"""

TRIGGERS_SQL = """
SELECT c.relname, t.tgname, t.tgtype
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND NOT t.tgisinternal AND t.tgparentid = 0
"""

PARTITIONS_SQL = """
SELECT p.relname, pt.partstrat, a.attname, c.relname, pg_get_expr(c.relpartbound, c.oid)
FROM pg_partitioned_table pt
JOIN pg_class p ON p.oid = pt.partrelid
JOIN pg_attribute a ON a.attrelid = p.oid AND a.attnum = pt.partattrs[0]
LEFT JOIN pg_inherits h ON h.inhparent = p.oid
LEFT JOIN pg_class c ON c.oid = h.inhrelid
ORDER BY p.relname, c.relname
"""


def _trigger(tgtype: int) -> tuple[str, str]:
    timing = "BEFORE" if tgtype & 2 else "INSTEAD OF" if tgtype & 64 else "AFTER"
    events = [name for bit, name in ((4, "INSERT"), (8, "DELETE"), (16, "UPDATE"), (32, "TRUNCATE")) if tgtype & bit]
    return timing, " OR ".join(events)


def _constraint(row: tuple[Any, ...]) -> tuple[Any, ...]:
    _table, name, kind, columns, ref_table, ref_columns, on_delete, definition = row
    if kind == "f":
        return ("f", name, tuple(columns), ref_table, tuple(ref_columns), ON_DELETE[on_delete])
    if kind == "c":
        return ("c", name, columns[0], frozenset(re.findall(r"'([^']*)'", definition)))
    return (kind, name, tuple(columns))


def read_catalog(conn: psycopg.Connection[Any]) -> dict[str, TableFacts]:
    """The A3-relevant facts of every ordinary or partitioned table in schema public."""
    tables: dict[str, TableFacts] = {}
    for table, column, col_type, not_null, default in conn.execute(COLUMNS_SQL):
        tables.setdefault(table, TableFacts()).columns[column] = (col_type, not_null, default)
    for row in conn.execute(CONSTRAINTS_SQL):
        tables[row[0]].constraints.add(_constraint(row))
    for table, name, unique, columns, predicate in conn.execute(INDEXES_SQL):
        tables[table].indexes.add((name, tuple(columns), unique, predicate))
    for table, name, tgtype in conn.execute(TRIGGERS_SQL):
        tables[table].triggers.add((name, *_trigger(tgtype)))
    for table, strategy, column, partition, bound in conn.execute(PARTITIONS_SQL):
        tables[table].partitioning = ({"r": "range", "l": "list", "h": "hash"}[strategy], column)
        if partition is not None:
            tables[table].partitions.append((partition, bound))
    return tables


def enum_values(conn: psycopg.Connection[Any], name: str) -> list[str]:
    rows = conn.execute(
        "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
        "WHERE t.typname = %s ORDER BY e.enumsortorder",
        (name,),
    ).fetchall()
    return [label for (label,) in rows]


def sequence_owner(conn: psycopg.Connection[Any], sequence: str) -> str | None:
    row = conn.execute(
        "SELECT c.relname || '.' || a.attname FROM pg_depend d "
        "JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
        "JOIN pg_class c ON c.oid = d.refobjid "
        "JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
        "WHERE s.relname = %s AND d.deptype = 'a'",
        (sequence,),
    ).fetchone()
    return row[0] if row else None
