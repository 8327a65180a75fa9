"""What undoes each effect of a fix, computed in plan order against the audited model.

:class:`Tracker` walks the upgrade's steps in the order they will run and remembers what the plan has
created, dropped and renamed so far. From that and the model (index definitions, column types and
defaults, constraint and trigger definitions) it writes, per effect, the statements that restore the
previous state; a drop of something the plan itself created undoes nothing, and a drop of something
already gone (a column drop took its indexes with it) is skipped. At the end it knows which effects
last, and writes their post-checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from dbaudit.fix import catalog
from dbaudit.fix.classify import done_condition, index_table
from dbaudit.fix.steps import Effect, Stmt, Unsupported
from dbaudit.model.schema import Column, ForeignKey, Index, ReferentialAction, SchemaModel, Table, TableKind
from dbaudit.rules._indexing import attach_sql, bounded_name, create_index_sql, identical, index_name, unique_name
from dbaudit.sqltext import column_list, dollar_quoted, ident, literal, qualified

Key = tuple[str, ...]


def _mentions(text: str | None, column: str) -> bool:
    from dbaudit.rules.lifecycle import mentions  # noqa: PLC0415

    return mentions(text, column)


@dataclass
class Tracker:
    """The plan's view of the catalog while its steps are laid out in order."""

    model: SchemaModel
    attached: set[Key] = field(default_factory=set)   # child indexes the plan attaches to a parent
    created: set[Key] = field(default_factory=set)    # objects the plan created (still there or not)
    gone: set[Key] = field(default_factory=set)       # objects that no longer exist at this point
    present: set[Key] = field(default_factory=set)    # objects created or renamed in, still there
    validated: set[Key] = field(default_factory=set)  # constraints validated by the plan
    table_names: dict[tuple[str, str], str] = field(default_factory=dict)  # tables the plan renames
    current: int = -1                                 # position of the step being laid out
    new_partitions: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # parent -> partitions made
    removed_at: dict[Key, int] = field(default_factory=dict)  # the step that first removed an object

    # -- bookkeeping -----------------------------------------------------------------------------

    def _create(self, key: Key) -> None:
        self.created.add(key)
        self.present.add(key)
        self.gone.discard(key)

    def _dropped(self, key: Key) -> bool:
        """Record a drop; True when the plan itself made the object (nothing to restore)."""
        created = key in self.created
        self._remove(key)
        return created

    def _remove(self, key: Key) -> None:
        self.gone.add(key)
        self.present.discard(key)
        self.removed_at.setdefault(key, self.current)

    def redundant(self, e: Effect) -> bool:
        """A drop whose object is already gone (dropped by an earlier step of the plan)."""
        key = self.key(e)
        if e.kind == "rename":
            return self._renamed_key(e, e.name or "") in self.gone
        return e.kind in ("index-", "constraint-", "trigger-", "column-") and key is not None and key in self.gone

    @staticmethod
    def _renamed_key(e: Effect, name: str) -> Key:
        if e.what == "column":
            return ("col", e.schema, e.table or "", name)
        if e.what == "constraint":
            return ("con", e.schema, e.table or "", name)
        return ("rel", e.schema, name)

    @staticmethod
    def key(e: Effect) -> Key | None:
        if e.kind in ("index+", "index-", "partition+"):
            return ("rel", e.schema, e.name or "")
        if e.kind in ("constraint+", "constraint-", "validate"):
            return ("con", e.schema, e.table or "", e.name or "")
        if e.kind in ("column-", "column+"):
            return ("col", e.schema, e.table or "", e.column or "")
        if e.kind in ("trigger+", "trigger-"):
            return ("trg", e.schema, e.table or "", e.name or "")
        return None

    # -- one effect -> the statements that undo it --------------------------------------------------

    def apply(self, e: Effect) -> list[Stmt]:
        """Record ``e`` and return what restores the state before it (in the order to run them)."""
        handlers = {
            "index+": self._index_add, "attach": self._attach, "index-": self._index_drop,
            "constraint+": self._constraint_add, "validate": self._validate, "constraint-": self._constraint_drop,
            "column-": self._column_drop, "column+": self._column_add, "type": self._type,
            "not-null": self._not_null, "rename": self._rename, "trigger+": self._trigger_add,
            "trigger-": self._trigger_drop, "partition+": self._partition_add,
            "row-security": self._row_security, "policy+": self._policy_add,
            "function-setting": self._function_setting,
        }
        return handlers[e.kind](e)

    def _index_add(self, e: Effect) -> list[Stmt]:
        key = ("rel", e.schema, e.name or "")
        self._create(key)
        if key in self.attached:
            return []  # dropped with the parent index it is attached to
        target = qualified(e.schema, e.name or "")
        gone = catalog.relation_absent(e.schema, e.name or "")
        if e.flag:
            return [Stmt(f"DROP INDEX IF EXISTS {target};", "locking", gone)]
        return [Stmt(f"DROP INDEX CONCURRENTLY IF EXISTS {target};", "concurrent", gone)]

    def _attach(self, e: Effect) -> list[Stmt]:
        return []

    def _index_drop(self, e: Effect) -> list[Stmt]:
        if self._dropped(("rel", e.schema, e.name or "")):
            return []
        table = index_table(self.model, e.schema, e.name or "")
        index = next((i for i in table.indexes if i.name == e.name), None) if table is not None else None
        if table is None or index is None:
            raise Unsupported(f"index {e.schema}.{e.name} is not in the audited schema: cannot write its downgrade")
        # partitions the plan made before this drop still exist when the downgrade rebuilds the index
        return recreate_index(self.model, table, index, self.new_partitions.get(table.qualified_name, []))

    def _constraint_add(self, e: Effect) -> list[Stmt]:
        key = ("con", e.schema, e.table or "", e.name or "")
        self._create(key)
        if e.flag:
            self.validated.add(key)
        return [Stmt(f"ALTER TABLE {qualified(e.schema, e.table or '')} DROP CONSTRAINT IF EXISTS "
                     f"{ident(e.name or '')};", "locking",
                     catalog.constraint_absent(e.schema, e.table or "", e.name or ""))]

    def _validate(self, e: Effect) -> list[Stmt]:
        self.validated.add(("con", e.schema, e.table or "", e.name or ""))
        return []

    def _constraint_drop(self, e: Effect) -> list[Stmt]:
        if self._dropped(("con", e.schema, e.table or "", e.name or "")):
            return []
        table = self.model.table(f"{e.schema}.{e.table}")
        if table is None:
            raise Unsupported(f"table {e.schema}.{e.table} is not in the audited schema")
        return recreate_constraint(self.model, table, e.name or "")

    def _column_drop(self, e: Effect) -> list[Stmt]:
        table = self.model.table(f"{e.schema}.{e.table}")
        column = table.column(e.column or "") if table is not None else None
        if table is None or column is None:
            raise Unsupported(f"column {e.schema}.{e.table}.{e.column} is not in the audited schema")
        self._remove(("col", e.schema, e.table or "", e.column or ""))
        out = [add_column(table, column)]
        for index in table.indexes:
            key = ("rel", table.schema, index.name)
            if key in self.gone or index.constraint is not None or not _uses(index, column.name):
                continue
            self._remove(key)
            out += recreate_index(self.model, table, index, self.new_partitions.get(table.qualified_name, []))
        for name in dependent_constraints(table, column.name):
            con = ("con", table.schema, table.name, name)
            if con not in self.gone:
                self._remove(con)
                out += recreate_constraint(self.model, table, name)
        return out

    def _column_add(self, e: Effect) -> list[Stmt]:
        self._create(("col", e.schema, e.table or "", e.column or ""))
        return [Stmt(f"ALTER TABLE {qualified(e.schema, e.table or '')} DROP COLUMN IF EXISTS "
                     f"{ident(e.column or '')};", "locking",
                     catalog.column_absent(e.schema, e.table or "", e.column or ""))]

    def _type(self, e: Effect) -> list[Stmt]:
        table = self.model.table(f"{e.schema}.{e.table}")
        column = table.column(e.column or "") if table is not None else None
        if column is None:
            raise Unsupported(f"column {e.schema}.{e.table}.{e.column} is not in the audited schema")
        return [Stmt(
            f"ALTER TABLE {qualified(e.schema, e.table or '')} ALTER COLUMN {ident(column.name)} TYPE "
            f"{column.type.sql};", "locking",
            catalog.column_type(e.schema, e.table or "", column.name, column.type.sql),
            note=f"back to {column.type.sql}: this scans the table under an ACCESS EXCLUSIVE lock and fails if a "
                 "longer value was stored since the upgrade",
        )]

    def _not_null(self, e: Effect) -> list[Stmt]:
        return [Stmt(f"ALTER TABLE {qualified(e.schema, e.table or '')} ALTER COLUMN {ident(e.column or '')} "
                     "DROP NOT NULL;", "locking",
                     catalog.column_not_null(e.schema, e.table or "", e.column or "", not_null=False))]

    def _rename(self, e: Effect) -> list[Stmt]:
        old, new = e.name or "", e.value or ""
        back = done_condition(Effect("rename", e.schema, e.table, new, value=old, what=e.what))
        if e.what == "column":
            self._remove(("col", e.schema, e.table or "", old))
            self._create(("col", e.schema, e.table or "", new))
            return [Stmt(f"ALTER TABLE {qualified(e.schema, e.table or '')} RENAME COLUMN {ident(new)} TO "
                         f"{ident(old)};", "locking", back)]
        if e.what == "constraint":
            self._remove(("con", e.schema, e.table or "", old))
            self._create(("con", e.schema, e.table or "", new))
            return [Stmt(f"ALTER TABLE {qualified(e.schema, e.table or '')} RENAME CONSTRAINT {ident(new)} TO "
                         f"{ident(old)};", "locking", back)]
        self._remove(("rel", e.schema, old))
        self.present.add(("rel", e.schema, new))
        self.gone.discard(("rel", e.schema, new))
        if e.what == "table":
            self.table_names[(e.schema, old)] = new
        keyword = {"index": "INDEX", "sequence": "SEQUENCE", "table": "TABLE"}[e.what]
        return [Stmt(f"ALTER {keyword} {qualified(e.schema, new)} RENAME TO {ident(old)};", "locking", back)]

    def _trigger_add(self, e: Effect) -> list[Stmt]:
        self._create(("trg", e.schema, e.table or "", e.name or ""))
        return [Stmt(f"DROP TRIGGER IF EXISTS {ident(e.name or '')} ON {qualified(e.schema, e.table or '')};",
                     "locking", catalog.trigger_absent(e.schema, e.table or "", e.name or ""))]

    def _trigger_drop(self, e: Effect) -> list[Stmt]:
        if self._dropped(("trg", e.schema, e.table or "", e.name or "")):
            return []
        table = self.model.table(f"{e.schema}.{e.table}")
        trigger = next((t for t in table.triggers if t.name == e.name), None) if table is not None else None
        if trigger is None or not trigger.definition:
            raise Unsupported(f"trigger {e.name} has no definition in the audited schema: cannot write its downgrade")
        return [Stmt(trigger.definition.rstrip(";") + ";", "locking",
                     catalog.trigger_exists(e.schema, e.table or "", e.name or ""))]

    def _row_security(self, e: Effect) -> list[Stmt]:
        table = qualified(e.schema, e.table or "")
        if e.flag:
            return [Stmt(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;", "locking",
                         catalog.row_security(e.schema, e.table or "", forced=True, on=False))]
        return [Stmt(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;", "locking",
                     catalog.row_security(e.schema, e.table or "", on=False))]

    def _policy_add(self, e: Effect) -> list[Stmt]:
        self._create(("pol", e.schema, e.table or "", e.name or ""))
        return [Stmt(f"DROP POLICY IF EXISTS {ident(e.name or '')} ON {qualified(e.schema, e.table or '')};",
                     "locking")]

    def _function_setting(self, e: Effect) -> list[Stmt]:
        return [Stmt(e.value or "", "locking")]

    def _partition_add(self, e: Effect) -> list[Stmt]:
        self._create(("rel", e.schema, e.name or ""))
        self.new_partitions.setdefault(f"{e.schema}.{e.table}", []).append((e.schema, e.name or ""))
        target = qualified(e.schema, e.name or "")
        body = (f"BEGIN\n  IF to_regclass({literal(target)}) IS NULL THEN RETURN; END IF;\n"
                f"  IF EXISTS (SELECT 1 FROM {target}) THEN\n"
                f"    RAISE EXCEPTION USING MESSAGE = {literal(f'{target} holds rows: detach and keep it instead')};\n"
                f"  END IF;\n  DROP TABLE {target};\nEND")
        return [Stmt(f"DO {dollar_quoted(body)};", "locking", note="dropped only while it is empty")]

    # -- post-checks -----------------------------------------------------------------------------------

    def _renamed_again(self, e: Effect) -> bool:
        """The new name of a rename was itself renamed or dropped later in the plan."""
        return self._renamed_key(e, e.value or "") in self.gone

    def checks(self, e: Effect) -> list[str]:
        """Conditions that must hold once the whole plan ran, for the effects that last."""
        key = self.key(e)
        name, table, column = e.name or "", e.table or "", e.column or ""
        if e.kind == "index+":
            return [catalog.index_exists(e.schema, name, valid=True)] if key in self.present else []
        if e.kind == "partition+":
            return [catalog.relation_exists(e.schema, name)] if key in self.present else []
        if e.kind == "index-":
            return [catalog.relation_absent(e.schema, name)] if key in self.gone else []
        if e.kind == "constraint+" and key in self.present:
            return [catalog.constraint_exists(e.schema, table, name, validated=key in self.validated)]
        if e.kind == "constraint-":
            return [catalog.constraint_absent(e.schema, table, name)] if key in self.gone else []
        if e.kind in ("column-", "column+"):
            present = catalog.column_exists(e.schema, table, column)
            return [present if e.kind == "column+" else catalog.column_absent(e.schema, table, column)]
        if e.kind == "type":
            return [catalog.column_type(e.schema, table, column, e.value or "")]
        if e.kind == "not-null":
            return [catalog.column_not_null(e.schema, table, column)]
        if e.kind == "trigger-" and key in self.gone:
            return [catalog.trigger_absent(e.schema, table, name)]
        if e.kind == "trigger+" and key in self.present:
            return [catalog.trigger_exists(e.schema, table, name)]
        if e.kind == "row-security":
            return [catalog.row_security(e.schema, table, forced=e.flag)]
        if e.kind == "policy+":
            return [catalog.policy_exists(e.schema, table, name)]
        if e.kind == "rename" and not self._renamed_again(e):
            final = self.table_names.get((e.schema, e.table or ""), e.table)  # checked after every rename
            return [c for c in (done_condition(replace(e, table=final)),) if c]
        return []


# --- restoring model objects ----------------------------------------------------------------------------


def _uses(index: Index, column: str) -> bool:
    return (column in index.columns or column in index.include or _mentions(index.predicate, column)
            or any(_mentions(e.expression, column) for e in index.elements))


def dependent_constraints(table: Table, column: str) -> list[str]:
    """Constraints that ``DROP COLUMN`` removes with the column (a primary key makes it unsupported)."""
    if table.primary_key is not None and column in table.primary_key.columns:
        raise Unsupported(f"{column} is part of the primary key of {table.qualified_name}")
    names = [c.name for c in table.checks if column in c.columns or _mentions(c.expression, column)]
    names += [fk.name for fk in table.foreign_keys if column in fk.columns]
    names += [u.name for u in table.uniques if column in u.columns]
    return names


def add_column(table: Table, column: Column) -> Stmt:
    """``ADD COLUMN`` restoring a dropped column as it was: type, collation, default, NOT NULL."""
    if column.identity or column.generated or column.serial_sequence:
        raise Unsupported(f"{column.name} is an identity, generated or serial column: dropping it loses its sequence")
    if not column.nullable and column.default is None:
        raise Unsupported(f"{column.name} is NOT NULL without a default: it cannot be added back to a table with rows")
    text = f"{ident(column.name)} {column.type.sql}"
    if column.collation:
        text += f" COLLATE {'.'.join(ident(p) for p in column.collation.split('.', 1))}"
    if column.default is not None:
        text += f" DEFAULT {column.default}"
    if not column.nullable:
        text += " NOT NULL"
    done = catalog.column_exists(table.schema, table.name, column.name)
    note = f"restores {column.name} with its default ({column.default})" if column.default else None
    return Stmt(f"ALTER TABLE {qualified(table.schema, table.name)} ADD COLUMN IF NOT EXISTS {text};", "locking",
                done, note=note)


def recreate_index(model: SchemaModel, table: Table, index: Index,
                   new_partitions: list[tuple[str, str]] | None = None) -> list[Stmt]:
    """An index as the model describes it, built without blocking writes (partition by partition, the
    model's partitions and ``new_partitions`` the plan added)."""
    def create(t: Table | tuple[str, str], name: str, *, concurrently: bool, only: bool = False) -> str:
        schema, relation = (t.schema, t.name) if isinstance(t, Table) else t
        text = create_index_sql(schema, relation, name, index.elements, unique=index.unique, method=index.method,
                                predicate=index.predicate, include=index.include, concurrently=concurrently,
                                only=only)
        return text.replace(" CONCURRENTLY ", " CONCURRENTLY IF NOT EXISTS ", 1) + ";"

    if table.kind is not TableKind.PARTITIONED_TABLE:
        return [Stmt(create(table, index.name, concurrently=True), "concurrent",
                     catalog.index_exists(table.schema, index.name))]
    out = [Stmt(create(table, index.name, concurrently=False, only=True), "locking",
                catalog.index_exists(table.schema, index.name))]
    for part in model.partitions_of(table.qualified_name):
        if part.kind is TableKind.PARTITIONED_TABLE:
            raise Unsupported(f"{table.qualified_name} is sub-partitioned: its index is not rebuilt level by level")
        twin = next((i for i in part.indexes if identical(i, index)), None)
        taken = {i.name for t in model.tables if t.schema == part.schema for i in t.indexes}
        child = twin.name if twin is not None else unique_name(index_name(part.name, [str(c) for c in index.columns]),
                                                              taken)
        out.append(Stmt(create(part, child, concurrently=True), "concurrent", catalog.index_exists(part.schema, child)))
        out.append(Stmt(attach_sql(table.schema, index.name, part.schema, child), "locking"))
    for schema, name in new_partitions or ():
        # named after the parent index: PostgreSQL gave the partition's own indexes the column-based names
        child = bounded_name(f"{name}_{index.name}")
        out.append(Stmt(create((schema, name), child, concurrently=True), "concurrent",
                        catalog.index_exists(schema, child)))
        out.append(Stmt(attach_sql(table.schema, index.name, schema, child), "locking"))
    return out


def fk_clause(fk: ForeignKey) -> str:
    text = (f"FOREIGN KEY ({column_list(fk.columns)}) REFERENCES {qualified(fk.ref_schema, fk.ref_table)} "
            f"({column_list(fk.ref_columns)})")
    if fk.match_full:
        text += " MATCH FULL"
    if fk.on_update is not ReferentialAction.NO_ACTION:
        text += f" ON UPDATE {fk.on_update.value}"
    if fk.on_delete is not ReferentialAction.NO_ACTION:
        text += f" ON DELETE {fk.on_delete.value}"
    if fk.deferrable:
        text += " DEFERRABLE" + (" INITIALLY DEFERRED" if fk.initially_deferred else "")
    return text


def recreate_constraint(model: SchemaModel, table: Table, name: str) -> list[Stmt]:
    """A dropped constraint added back the safe way: NOT VALID then VALIDATE, or USING INDEX."""
    target = qualified(table.schema, table.name)
    exists = catalog.constraint_exists(table.schema, table.name, name)
    validated = catalog.constraint_exists(table.schema, table.name, name, validated=True)
    validate = Stmt(f"ALTER TABLE {target} VALIDATE CONSTRAINT {ident(name)};", "plain", validated)
    fk = next((f for f in table.foreign_keys if f.name == name), None)
    if fk is not None:
        if table.kind is TableKind.PARTITIONED_TABLE:
            return [Stmt(f"ALTER TABLE {target} ADD CONSTRAINT {ident(name)} {fk_clause(fk)};", "locking", exists,
                         note="a partitioned table takes no NOT VALID foreign key: this validates while adding")]
        return [Stmt(f"ALTER TABLE {target} ADD CONSTRAINT {ident(name)} {fk_clause(fk)} NOT VALID;", "locking",
                     exists), validate]
    check = next((c for c in table.checks if c.name == name), None)
    if check is not None:
        return [Stmt(f"ALTER TABLE {target} ADD CONSTRAINT {ident(name)} CHECK ({check.expression}) NOT VALID;",
                     "locking", exists), validate]
    unique = next((u for u in table.uniques if u.name == name), None)
    if unique is not None and table.kind is TableKind.TABLE:
        index = next((i for i in table.indexes if i.constraint == name), None)
        build = create_index_sql(table.schema, table.name, name, index.elements if index else (), unique=True,
                                 concurrently=True) if index else (
            f"CREATE UNIQUE INDEX CONCURRENTLY {ident(name)} ON {target} ({column_list(unique.columns)})")
        return [
            Stmt(build.replace(" CONCURRENTLY ", " CONCURRENTLY IF NOT EXISTS ", 1) + ";", "concurrent",
                 catalog.index_exists(table.schema, name)),
            Stmt(f"ALTER TABLE {target} ADD CONSTRAINT {ident(name)} UNIQUE USING INDEX {ident(name)};", "locking",
                 exists),
        ]
    raise Unsupported(f"constraint {name} on {table.qualified_name} cannot be restored by a downgrade")


__all__ = ["Tracker", "add_column", "dependent_constraints", "fk_clause", "recreate_constraint", "recreate_index"]
