"""Rules of the naming category: sequence names that lie about their column, names that are not snake_case."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from dbaudit.findings import Finding, Severity
from dbaudit.messages import join, msg, sql_comment
from dbaudit.model.schema import Column, SchemaModel, Sequence, Table, TableKind
from dbaudit.rules.integrity import col_obj, locations, lock_guarded, rel_obj, relation_names, tsql
from dbaudit.rules.registry import RuleContext, rule
from dbaudit.sqltext import ident, literal, qualified, truncate_identifier

NAMEDATALEN = 64
_SNAKE = re.compile(r"[a-z_][a-z0-9_]*\Z")
_NEXTVAL = re.compile(r"nextval\('((?:[^']|'')+)'::regclass\)")


def pg_object_name(name1: str, name2: str | None, label: str) -> str:
    """PostgreSQL's ``makeObjectName``: the name it gives ``<table>_<column>_seq`` and friends.

    The longer of the two names is shortened byte by byte until the result fits in 63 bytes, never
    splitting a multibyte character, exactly as the server does.
    """
    b1, b2 = name1.encode(), (name2 or "").encode()
    overhead = len(label.encode()) + 1 + (1 if name2 is not None else 0)
    avail = NAMEDATALEN - 1 - overhead
    n1, n2 = len(b1), len(b2)
    while n1 + n2 > avail:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    part1 = b1[:n1].decode(errors="ignore")
    part2 = b2[:n2].decode(errors="ignore")
    return part1 + (f"_{part2}" if name2 is not None else "") + f"_{label}"


def parse_regclass_text(text: str) -> tuple[str | None, str]:
    """Split regclass output (``seq``, ``s."Odd""Name"``) into (schema or None, name)."""
    parts: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == '"':
            j, buf = i + 1, []
            while j < len(text):
                if text[j] == '"' and j + 1 < len(text) and text[j + 1] == '"':
                    buf.append('"')
                    j += 2
                elif text[j] == '"':
                    break
                else:
                    buf.append(text[j])
                    j += 1
            parts.append("".join(buf))
            i = j + 1
        else:
            j = text.find(".", i)
            j = len(text) if j < 0 else j
            parts.append(text[i:j])
            i = j
        if i < len(text) and text[i] == ".":
            i += 1
    return (parts[0], parts[1]) if len(parts) == 2 else (None, parts[-1] if parts else "")


def fed_sequence(model: SchemaModel, table: Table, column: Column) -> str | None:
    """The qualified name of the sequence behind a column (serial/identity, or a nextval default)."""
    if column.serial_sequence:
        return column.serial_sequence
    match = _NEXTVAL.search(column.default or "")
    if match is None:
        return None
    schema, name = parse_regclass_text(match.group(1).replace("''", "'"))
    for candidate in ([schema] if schema else [table.schema, "public", *model.schemas]):
        if model.sequence(f"{candidate}.{name}") is not None:
            return f"{candidate}.{name}"
    return f"{schema or table.schema}.{name}"


# --------------------------------------------------------------------------------------------------
# sequence-name-mismatch


@rule("sequence-name-mismatch", category="naming", severity=Severity.P2, fix="sometimes",
      requires=("sequences",))
def sequence_name_mismatch(ctx: RuleContext) -> Iterator[Finding]:
    """A sequence's name is not `<table>_<column>_seq`, or it is not owned by the column it feeds.

    ## What it does
    For each sequence that feeds exactly one column (serial, identity or a `nextval` default), or
    that a column owns, compares its name with the name PostgreSQL would give it
    (`<table>_<column>_seq`, shortened like the server does) and checks that the column it feeds
    owns it (`OWNED BY`).

    ## Why is this bad?
    Renamed tables leave sequences named after what they used to be (`current_account_sync_data_id_seq`
    behind `account_permission.id`), so people and scripts reset, grant or monitor the wrong object.
    A sequence that is not owned by its column survives `DROP TABLE`/`DROP COLUMN` and is missed by
    `pg_get_serial_sequence`, which tools use to find it.

    ## Example
    ```sql
    CREATE SEQUENCE current_account_sync_data_id_seq;
    CREATE TABLE account_permission (
        id integer PRIMARY KEY DEFAULT nextval('current_account_sync_data_id_seq'));
    ```

    ## Use instead
    ```sql
    ALTER SEQUENCE current_account_sync_data_id_seq OWNED BY account_permission.id;
    ALTER SEQUENCE current_account_sync_data_id_seq RENAME TO account_permission_id_seq;
    ```
    The column default follows automatically: it references the sequence by oid, not by name.

    ## Known problems
    Sequences shared by several columns are left alone. Scripts that name the old sequence
    (`setval('current_account_sync_data_id_seq', …)`) must be updated.

    ## References
    - https://www.postgresql.org/docs/current/sql-altersequence.html
    - https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-SERIAL
    """
    model = ctx.model
    feeders: dict[str, list[tuple[Table, Column]]] = {}
    for table in model.base_tables:
        for column in table.columns:
            fed = fed_sequence(model, table, column)
            if fed is not None:
                feeders.setdefault(fed, []).append((table, column))
    for seq in model.sequences:
        users = feeders.get(seq.qualified_name, [])
        target = _fed_column(model, seq, users)
        if target is not None:
            finding = _sequence_finding(model, seq, target[0], target[1].name, fed=bool(users))
            if finding is not None:
                yield finding


def _fed_column(
    model: SchemaModel, seq: Sequence, users: list[tuple[Table, Column]]
) -> tuple[Table, Column] | None:
    if len(users) == 1:
        return users[0]
    if users or seq.owned_by_table is None or seq.owned_by_column is None:
        return None
    owner = model.table(seq.owned_by_table)
    column = owner.column(seq.owned_by_column) if owner is not None else None
    return (owner, column) if owner is not None and column is not None else None


def _sequence_finding(
    model: SchemaModel, seq: Sequence, table: Table, column: str, *, fed: bool
) -> Finding | None:
    expected = pg_object_name(table.name, column, "seq")
    owned = seq.owned_by_table == table.qualified_name and seq.owned_by_column == column
    misnamed = seq.name != expected
    if owned and not misnamed:
        return None
    evidence = [msg("{seq} {value} {column}",
                    seq=rel_obj(seq.schema, seq.name), value=msg("feeds") if fed else msg("is owned by"),
                    column=col_obj(table, column))]
    statements = []
    if not owned:
        owner = f"{seq.owned_by_table}.{seq.owned_by_column}" if seq.owned_by_table else "no column"
        evidence.append(msg("it is owned by {owner}, not by {column}", owner=owner, column=col_obj(table, column)))
        if seq.schema == table.schema:
            statements.append(
                f"ALTER SEQUENCE {qualified(seq.schema, seq.name)} OWNED BY {tsql(table)}.{ident(column)};"
            )
    if misnamed:
        evidence.append(msg("PostgreSQL would name it {expected}", expected=expected))
        if expected not in relation_names(model, seq.schema):
            statements.append(f"ALTER SEQUENCE {qualified(seq.schema, seq.name)} RENAME TO {ident(expected)};")
        else:
            evidence.append(msg("{expected} is already taken", expected=rel_obj(seq.schema, expected)))
    problems = ((msg("is misnamed"), misnamed), (msg("is not owned by it"), not owned))
    problem = join(msg(" and "), [p for p, bad in problems if bad])
    return sequence_name_mismatch.finding(
        objects=[rel_obj(seq.schema, seq.name)],
        title=msg("sequence {seq} behind {column} {problem}",
                  seq=rel_obj(seq.schema, seq.name), column=col_obj(table, column), problem=problem),
        evidence=evidence,
        impact=msg("Operators reset, grant or monitor the wrong object; an unowned sequence outlives its column "
                   "and is invisible to pg_get_serial_sequence."),
        root_cause=msg("The table or column was renamed (or the sequence created by hand) and the sequence was not "
                       "renamed or re-owned with it."),
        fix_sql=lock_guarded("\n".join(statements)) or None,
        verify_sql=(
            "SELECT pg_catalog.pg_get_serial_sequence("
            f"{literal(qualified(table.schema, table.name))}, {literal(column)}) AS owned_sequence;"
        ),
        locations=locations(table.column(column), table),
        data={"column": col_obj(table, column), "expected_name": expected, "owned": owned},
    )


# --------------------------------------------------------------------------------------------------
# non-snake-case

ObjectKind = Literal["table", "column", "index", "constraint", "sequence"]


@dataclass(frozen=True)
class NamedObject:
    """One name of the schema, with what is needed to report and rename it."""

    kind: ObjectKind
    object_name: str
    name: str
    table: Table | None
    schema: str

    @property
    def rename_sql(self) -> str:
        """The ALTER statement up to ``RENAME ... TO`` (built only for reported names: it is costly)."""
        table = self.table
        if self.kind == "index":
            return f"ALTER INDEX {qualified(self.schema, self.name)} RENAME TO"
        if self.kind == "sequence" or table is None:
            return f"ALTER SEQUENCE {qualified(self.schema, self.name)} RENAME TO"
        if self.kind == "constraint":
            return f"ALTER TABLE {tsql(table)} RENAME CONSTRAINT {ident(self.name)} TO"
        verb = _RELKIND_SQL.get(table.kind, "ALTER TABLE")
        if self.kind == "column":
            return f"{verb} {tsql(table)} RENAME COLUMN {ident(self.name)} TO"
        return f"{verb} {tsql(table)} RENAME TO"


_RELKIND_SQL = {
    TableKind.VIEW: "ALTER VIEW", TableKind.MATERIALIZED_VIEW: "ALTER MATERIALIZED VIEW",
    TableKind.FOREIGN_TABLE: "ALTER FOREIGN TABLE",
}


def constraint_names(table: Table) -> list[str]:
    return [
        *([table.primary_key.name] if table.primary_key else []),
        *(fk.name for fk in table.foreign_keys), *(u.name for u in table.uniques),
        *(c.name for c in table.checks), *(x.name for x in table.exclusions),
    ]


def named_objects(model: SchemaModel) -> Iterator[NamedObject]:
    """Every user-chosen name: relations, columns, indexes and constraints of base tables, sequences.

    Partitions' columns and constraints are inherited from the parent, so only the parent's count.
    """
    for table in model.tables:
        schema, qualified_name = table.schema, table.qualified_name
        yield NamedObject("table", qualified_name, table.name, table, schema)
        if table.kind is TableKind.PARTITION:
            continue
        for column in table.columns:
            yield NamedObject("column", f"{qualified_name}.{column.name}", column.name, table, schema)
        constraints = constraint_names(table)
        for name in constraints:
            yield NamedObject("constraint", f"{schema}.{name}", name, table, schema)
        taken = set(constraints)
        for index in table.indexes:
            if index.constraint is None and index.name not in taken:
                yield NamedObject("index", f"{schema}.{index.name}", index.name, table, schema)
    for seq in model.sequences:
        yield NamedObject("sequence", seq.qualified_name, seq.name, None, seq.schema)


def snake_case(name: str) -> str:
    """A lower snake_case spelling of a name (``MixedCase`` -> ``mixed_case``, ``tëst`` -> ``test``)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", ascii_name)
    snake = re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")
    if snake and snake[0].isdigit():
        snake = f"n_{snake}"
    return truncate_identifier(snake)


def _taken(model: SchemaModel, obj: NamedObject) -> set[str]:
    table = obj.table
    if obj.kind == "column" and table is not None:
        return {c.name for c in table.columns}
    names = relation_names(model, obj.schema)
    if obj.kind == "constraint" and table is not None:
        return names | set(constraint_names(table))  # a new set: the cached one stays untouched
    return names


@rule("non-snake-case", category="naming", severity=Severity.P2, fix="sometimes")
def non_snake_case(ctx: RuleContext) -> Iterator[Finding]:
    """A table, column, index, constraint or sequence name is not lower snake_case.

    ## What it does
    Reports names that do not match `[a-z_][a-z0-9_]*`: mixed case, spaces, punctuation, non-ASCII
    letters. The fix renames the object to its snake_case spelling when that name is free.

    ## Why is this bad?
    Such names must be double-quoted in every statement, forever: `"UserId"` and `userid` are
    different identifiers, tools and hand-written SQL get it wrong, and ORMs map them
    inconsistently across databases.

    ## Example
    ```sql
    CREATE TABLE "OrderItems" ("OrderId" bigint, "unit price" numeric);
    ```

    ## Use instead
    ```sql
    ALTER TABLE "OrderItems" RENAME TO order_items;
    ALTER TABLE order_items RENAME COLUMN "OrderId" TO order_id;
    ```
    Renaming is a quick catalog change, but every query, ORM mapping and view that names the old
    spelling breaks: change the application first (or add a view with the old name), then rename.

    ## References
    - https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS
    """
    model = ctx.model
    for obj in named_objects(model):
        if _SNAKE.match(obj.name):
            continue
        suggestion = snake_case(obj.name)
        fixable = bool(suggestion) and suggestion != obj.name and suggestion not in _taken(model, obj)
        yield non_snake_case.finding(
            objects=[obj.object_name],
            title=msg("{kind} {object_name} is not snake_case", kind=obj.kind, object_name=obj.object_name),
            evidence=[msg("{kind} name {obj} does not match [a-z_][a-z0-9_]*", kind=obj.kind, obj=ident(obj.name)),
                      *([msg("suggested name: {suggestion}", suggestion=suggestion)] if suggestion else [])],
            impact=msg("Every statement must quote the name exactly; tools, ORMs and people get it wrong."),
            root_cause=msg("The name was created quoted (by an ORM or a GUI) with capitals or special characters."),
            fix_sql=lock_guarded(sql_comment("-- change the application code first\n")
                                 + f"{obj.rename_sql} {ident(suggestion)};")
            if fixable else None,
            verify_sql=_exists_query(obj),
            locations=locations(obj.table) if obj.kind == "table" else (),
        )


def _exists_query(obj: NamedObject) -> str:
    if obj.kind == "column" and obj.table is not None:
        return ("SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = "
                f"{literal(tsql(obj.table))}::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;")
    if obj.kind == "constraint" and obj.table is not None:
        return ("SELECT conname FROM pg_catalog.pg_constraint WHERE conrelid = "
                f"{literal(tsql(obj.table))}::regclass ORDER BY conname;")
    schema = obj.schema
    return ("SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = "
            f"c.relnamespace WHERE n.nspname = {literal(schema)} AND c.relname = {literal(obj.name)};")
