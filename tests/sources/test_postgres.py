"""The live PostgreSQL source: every model field, hostile identifiers, a SELECT-only role, scale."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from dbaudit.errors import ConnectionFailed
from dbaudit.model import (
    CheckConstraint,
    Column,
    ColumnType,
    EnumType,
    ExclusionConstraint,
    ForeignKey,
    Function,
    Grant,
    Index,
    IndexElement,
    Partitioning,
    Policy,
    PrimaryKey,
    ReferentialAction,
    Role,
    SchemaModel,
    SchemaPrivileges,
    Sequence,
    Table,
    TableKind,
    Trigger,
    UniqueConstraint,
    model_from_json,
    model_to_json,
    without_live_facts,
)
from dbaudit.redact import redact_url
from dbaudit.sources.postgres import (
    STATEMENTS_PER_READ,
    Timeouts,
    catalog,
    connect_readonly,
    read_connection,
    read_postgres,
)
from dbaudit.sources.postgres.connect import connection_error
from dbaudit.sources.postgres.reader import _strip_parens
from dbaudit.sqltext import ident, literal, qualified
from tests.sources.generated import create_generated_schema

Conn = psycopg.Connection[tuple[Any, ...]]
EVERY_FIELD_SQL = (Path(__file__).parent / "every_field.sql").read_text()

INT4 = ColumnType("integer", "int4")
INT8 = ColumnType("bigint", "int8")
TEXT = ColumnType("text", "text")
NUMERIC = ColumnType("numeric", "numeric")
DATE = ColumnType("date", "date")
CHAR4 = ColumnType("character(4)", "bpchar", length=4)


def structure(table: Table) -> Table:
    """The table without the values that depend on activity, storage and the test server's user
    (checked separately)."""
    return dataclasses.replace(
        table, stats=None, owner=None,
        indexes=tuple(dataclasses.replace(i, size_bytes=None, scans=None) for i in table.indexes),
    )


def el(column: str | None = None, **kwargs: Any) -> IndexElement:
    return IndexElement(column=column, **kwargs)


def idx(name: str, definition: str, *elements: IndexElement, **kwargs: Any) -> Index:
    return Index(name=name, elements=elements, definition=definition, **kwargs)


@pytest.fixture
def every_field(pg_exec: Conn, pg_url: str) -> SchemaModel:
    pg_exec.execute(EVERY_FIELD_SQL)
    return read_postgres(pg_url)


def with_user(url: str, user: str) -> str:
    """The same database URL, logging in as ``user`` (no password: the test servers trust local logins)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, f"{quote(user)}@{host}", parts.path, parts.query, parts.fragment))


def viewdef(conn: Conn, name: str) -> str:
    row = conn.execute("SELECT pg_get_viewdef(%s::regclass)", (name,)).fetchone()
    assert row is not None
    return str(row[0]).strip()


class TestEveryField:
    """A schema that uses every model field reads back as exactly these values."""

    def test_customers(self, every_field: SchemaModel) -> None:
        """Identity, varchar length, collation, numeric precision, arrays, generated column, comments."""
        table = every_field.table("app.customers")
        assert table is not None
        assert structure(table) == Table(
            schema="app", name="customers", comment="people who buy",
            columns=(
                Column("id", INT8, nullable=False, identity="always", serial_sequence="app.customers_id_seq",
                       position=1),
                Column("email", ColumnType("character varying(255)", "varchar", length=255), nullable=False,
                       comment="login e-mail", position=2),
                Column("name", TEXT, collation="C", position=3),
                Column("balance", ColumnType("numeric(12,2)", "numeric", precision=12, scale=2), nullable=False,
                       default="0", position=4),
                Column("tags", ColumnType("text[]", "text", array_dims=1), position=5),
                Column("matrix", ColumnType("integer[]", "int4", array_dims=2), position=6),
                Column("created_at", ColumnType("timestamp(3) with time zone", "timestamptz", precision=3),
                       default="now()", position=7),
                Column("email_lower", TEXT, generated="lower((email)::text)", position=8),
                Column("code", CHAR4, position=9),
            ),
            primary_key=PrimaryKey("customers_pkey", ("id",)),
            uniques=(UniqueConstraint("customers_email_key", ("email",), nulls_not_distinct=True),),
            checks=(CheckConstraint("customers_balance_check", "balance >= (0)::numeric", ("balance",)),),
            indexes=(
                idx("customers_email_key",
                    "CREATE UNIQUE INDEX customers_email_key ON app.customers USING btree (email) NULLS NOT DISTINCT",
                    el("email"), unique=True, constraint="customers_email_key", nulls_not_distinct=True),
                idx("customers_pkey", "CREATE UNIQUE INDEX customers_pkey ON app.customers USING btree (id)",
                    el("id"), unique=True, primary=True, constraint="customers_pkey"),
            ),
        )

    def test_orders(self, every_field: SchemaModel) -> None:
        """Serial, enum, FKs (actions, deferrable, NOT VALID, MATCH FULL), every index kind, triggers."""
        table = every_field.table("app.orders")
        assert table is not None
        touch_source = "\nBEGIN\n    NEW.note := coalesce(NEW.note, '');\n    RETURN NEW;\nEND\n"
        assert structure(table) == Table(
            schema="app", name="orders",
            columns=(
                Column("id", INT4, nullable=False, default="nextval('app.orders_id_seq'::regclass)",
                       serial_sequence="app.orders_id_seq", position=1),
                Column("customer_id", INT8, nullable=False, position=2),
                Column("ref_code", CHAR4, position=3),
                Column("status", ColumnType("app.status", "app.status", is_enum=True), nullable=False,
                       default="'new'::app.status", position=4),
                Column("total", NUMERIC, position=5),
                Column("note", TEXT, position=6),
                Column("payload", ColumnType("jsonb", "jsonb"), position=7),
            ),
            primary_key=PrimaryKey("orders_pkey", ("id",)),
            foreign_keys=(
                ForeignKey("orders_customer_fk", ("customer_id",), "app", "customers", ("id",),
                           on_delete=ReferentialAction.CASCADE, on_update=ReferentialAction.SET_NULL,
                           deferrable=True, initially_deferred=True),
                ForeignKey("orders_customer_match_fk", ("customer_id",), "app", "customers", ("id",),
                           on_delete=ReferentialAction.RESTRICT, validated=False, match_full=True),
            ),
            checks=(CheckConstraint("orders_total_check", "total > (0)::numeric", ("total",), validated=False),),
            indexes=(
                idx("orders_id_brin", "CREATE INDEX orders_id_brin ON app.orders USING brin (id)",
                    el("id"), method="brin"),
                idx("orders_lower_note",
                    "CREATE INDEX orders_lower_note ON app.orders USING btree "
                    "((lower(note)) text_pattern_ops, (total + 1::numeric) NULLS FIRST)",
                    el(expression="lower(note)", opclass="text_pattern_ops"),
                    el(expression="total + 1::numeric", nulls_first=True)),
                idx("orders_note_c", 'CREATE INDEX orders_note_c ON app.orders USING btree (note COLLATE "C")',
                    el("note", collation="C")),
                idx("orders_note_partial",
                    "CREATE INDEX orders_note_partial ON app.orders USING btree (customer_id DESC, note) "
                    "INCLUDE (total) WHERE (note IS NOT NULL)",
                    el("customer_id", descending=True, nulls_first=True), el("note"),
                    predicate="note IS NOT NULL", include=("total",)),
                idx("orders_payload_gin",
                    "CREATE INDEX orders_payload_gin ON app.orders USING gin (payload jsonb_path_ops)",
                    el("payload", opclass="jsonb_path_ops"), method="gin"),
                idx("orders_pkey", "CREATE UNIQUE INDEX orders_pkey ON app.orders USING btree (id)",
                    el("id"), unique=True, primary=True, constraint="orders_pkey"),
                idx("orders_ref_hash", "CREATE INDEX orders_ref_hash ON app.orders USING hash (ref_code)",
                    el("ref_code"), method="hash"),
            ),
            triggers=(
                Trigger("orders_audit", "AFTER", ("TRUNCATE",), "STATEMENT", "app.audit", "plpgsql",
                        " BEGIN RETURN NULL; END ", enabled=False,
                        definition="CREATE TRIGGER orders_audit AFTER TRUNCATE ON app.orders "
                                   "FOR EACH STATEMENT EXECUTE FUNCTION app.audit()"),
                Trigger("orders_touch", "BEFORE", ("INSERT", "UPDATE"), "ROW", "app.touch", "plpgsql",
                        touch_source,
                        definition="CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE ON app.orders "
                                   "FOR EACH ROW EXECUTE FUNCTION app.touch()"),
            ),
        )

    def test_exclusion_constraint(self, every_field: SchemaModel) -> None:
        """An exclusion constraint keeps its definition and its gist index says which constraint it backs."""
        table = every_field.table("app.bookings")
        assert table is not None
        assert structure(table) == Table(
            schema="app", name="bookings",
            columns=(Column("room", INT4, nullable=False, position=1),
                     Column("during", ColumnType("tstzrange", "tstzrange"), nullable=False, position=2)),
            exclusions=(ExclusionConstraint("bookings_no_overlap", "EXCLUDE USING gist (during WITH &&)"),),
            indexes=(idx("bookings_no_overlap", "CREATE INDEX bookings_no_overlap ON app.bookings USING gist (during)",
                         el("during"), method="gist", constraint="bookings_no_overlap"),),
        )

    def test_partitioned_table_and_partitions(self, every_field: SchemaModel) -> None:
        """The partitioned table has its strategy and key; each partition its parent, bound and own PK."""
        columns = (Column("id", INT8, nullable=False, position=1),
                   Column("created_at", DATE, nullable=False, position=2),
                   Column("kind", TEXT, position=3))

        def pk(table: str, only: str = "") -> tuple[PrimaryKey, Index]:
            index = idx(
                f"{table}_pkey", f"CREATE UNIQUE INDEX {table}_pkey ON {only}app.{table} USING btree (id, created_at)",
                el("id"), el("created_at"), unique=True, primary=True, constraint=f"{table}_pkey")
            # a partition's PK index is attached to the parent's and names it
            parent = None if only else "app.events_pkey"
            return PrimaryKey(f"{table}_pkey", ("id", "created_at")), dataclasses.replace(index, parent_index=parent)

        parent_pk, parent_index = pk("events", "ONLY ")
        assert [structure(t) for t in every_field.tables if t.name.startswith("events")] == [
            Table(schema="app", name="events", kind=TableKind.PARTITIONED_TABLE, columns=columns,
                  primary_key=parent_pk, indexes=(parent_index,),
                  partitioning=Partitioning("RANGE", "created_at", ("created_at",))),
            Table(schema="app", name="events_2024", kind=TableKind.PARTITION, columns=columns,
                  primary_key=pk("events_2024")[0], indexes=(pk("events_2024")[1],), partition_of="app.events",
                  partition_bound="FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"),
            Table(schema="app", name="events_default", kind=TableKind.PARTITION, columns=columns,
                  primary_key=pk("events_default")[0], indexes=(pk("events_default")[1],),
                  partition_of="app.events", partition_bound="DEFAULT"),
        ]
        assert [t.name for t in every_field.partitions_of("app.events")] == ["events_2024", "events_default"]

    def test_views(self, every_field: SchemaModel, pg_exec: Conn) -> None:
        """Views and materialized views carry columns and the server's definition; INSTEAD OF triggers."""
        audit = Trigger("big_orders_instead", "INSTEAD OF", ("DELETE",), "ROW", "app.audit", "plpgsql",
                        " BEGIN RETURN NULL; END ",
                        definition="CREATE TRIGGER big_orders_instead INSTEAD OF DELETE ON "
                                   "app.big_orders_view_trigger FOR EACH ROW EXECUTE FUNCTION app.audit()")
        views = [structure(t) for t in every_field.tables if t.kind in (TableKind.VIEW, TableKind.MATERIALIZED_VIEW)]
        assert views == [
            Table(schema="app", name="big_orders", kind=TableKind.VIEW,
                  columns=(Column("id", INT4, position=1), Column("total", NUMERIC, position=2)),
                  view_definition=viewdef(pg_exec, "app.big_orders"), view_sources=("app.orders",)),
            Table(schema="app", name="big_orders_view_trigger", kind=TableKind.VIEW,
                  columns=(Column("id", INT4, position=1),), triggers=(audit,),
                  view_definition=viewdef(pg_exec, "app.big_orders_view_trigger"), view_sources=("app.orders",)),
            Table(schema="app", name="order_totals", kind=TableKind.MATERIALIZED_VIEW,
                  columns=(Column("customer_id", INT8, position=1), Column("total", NUMERIC, position=2)),
                  view_definition=viewdef(pg_exec, "app.order_totals"), view_sources=("app.orders",)),
        ]

    def test_sequences_enums_extensions_schemas(self, every_field: SchemaModel, pg_exec: Conn) -> None:
        """Sequences (type, bounds, cycle, last value, owner), enums, extensions and schema comments."""
        assert tuple(dataclasses.replace(s, owner=None) for s in every_field.sequences) == (
            Sequence("app", "customers_id_seq", "bigint", 1, 1, 1, 9223372036854775807,
                     owned_by_table="app.customers", owned_by_column="id"),
            Sequence("app", "invoice_no", "integer", 1000, 5, 1000, 99999, cycle=True, last_value=1000),
            Sequence("app", "orders_id_seq", "integer", 1, 1, 1, 2147483647,
                     owned_by_table="app.orders", owned_by_column="id"),
        )
        assert every_field.enums == (EnumType("app", "status", ("new", "paid", "shipped")),)
        rows = pg_exec.execute("SELECT extname, extversion, extnamespace::regnamespace::text FROM pg_extension "
                               "ORDER BY 1").fetchall()
        assert [(e.name, e.version, e.schema) for e in every_field.extensions] == rows
        assert every_field.schemas == ("app", "public")
        assert dict(every_field.schema_comments)["app"] == "application schema"
        assert every_field.source.kind == "postgresql"
        assert every_field.source.server_version == pg_exec.info.parameter_status("server_version")
        assert every_field.has("triggers")
        assert every_field.has("statistics")

    def test_statistics_and_exact_sizes(self, pg_exec: Conn, pg_url: str) -> None:
        """After ANALYZE the estimate and page sizes are filled; exact_sizes matches pg_table_size."""
        pg_exec.execute(EVERY_FIELD_SQL)
        pg_exec.execute("INSERT INTO app.customers (email) SELECT 'u' || g FROM generate_series(1, 3) g")
        pg_exec.execute("ANALYZE app.customers")
        stats = read_postgres(pg_url).table("app.customers").stats  # type: ignore[union-attr]
        assert stats is not None
        assert stats.last_analyze is not None
        assert (stats.rows_estimate, stats.table_bytes, stats.n_live_tup) == (3, 8192, 3)
        assert stats.total_bytes == stats.table_bytes + (stats.index_bytes or 0)
        exact = read_postgres(pg_url, exact_sizes=True).table("app.customers")
        assert exact is not None
        assert exact.stats is not None
        row = pg_exec.execute("SELECT pg_table_size('app.customers'), pg_indexes_size('app.customers'), "
                              "pg_relation_size('app.customers_pkey')").fetchone()
        pkey = next(i for i in exact.indexes if i.name == "customers_pkey")
        assert (exact.stats.table_bytes, exact.stats.index_bytes, pkey.size_bytes) == row
        assert exact.stats.idx_scan == sum(i.scans or 0 for i in exact.indexes)

    def test_column_statistics_and_write_counters(self, pg_exec: Conn, pg_url: str) -> None:
        """pg_stats facts per analyzed column (frequencies only for few distinct values, never the
        values) and the rows written since the statistics reset."""
        pg_exec.execute("CREATE TABLE app_t (id int PRIMARY KEY, status text, note text)")
        pg_exec.execute("INSERT INTO app_t SELECT g, (ARRAY['a', 'b', 'c'])[1 + g % 3], CASE WHEN g % 2 = 0 "
                        "THEN 'n' || g END FROM generate_series(1, 3000) g")
        pg_exec.execute("UPDATE app_t SET note = 'x' WHERE id <= 10")
        pg_exec.execute("DELETE FROM app_t WHERE id <= 5")
        pg_exec.execute("SELECT pg_stat_force_next_flush()")
        pg_exec.execute("ANALYZE app_t")
        stats = read_postgres(pg_url).table("public.app_t").stats  # type: ignore[union-attr]
        assert stats is not None
        assert (stats.n_tup_ins, stats.n_tup_upd, stats.n_tup_del, stats.writes) == (3000, 10, 5, 3015)
        status, note, ident = stats.column("status"), stats.column("note"), stats.column("id")
        assert None not in (status, note, ident)
        assert (status.n_distinct, status.null_frac, len(status.most_common_freqs)) == (3, 0, 3)
        assert abs(sum(status.most_common_freqs) - 1) < 0.001
        assert (ident.n_distinct, ident.most_common_freqs) == (-1, ())
        assert 0.4 < note.null_frac < 0.6
        assert stats.column("missing") is None
        # a superuser reads pg_statistic, any other role the pg_stats view: the same rows
        params = {"ns": [pg_exec.execute("SELECT 'public'::regnamespace::oid").fetchone()[0]]}  # type: ignore[index]
        view, direct = (sorted(pg_exec.execute(catalog.column_stats_query(su), params).fetchall())
                        for su in (False, True))
        assert view == direct
        assert len(view) == 3

    def test_foreign_table(self, pg_exec: Conn, pg_url: str) -> None:
        """A foreign table (file_fdw) is read with its kind and columns."""
        available = pg_exec.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'file_fdw'").fetchone()
        if available is None:
            pytest.skip("file_fdw is not available on this PostgreSQL server")
        pg_exec.execute("CREATE EXTENSION file_fdw; CREATE SERVER files FOREIGN DATA WRAPPER file_fdw; "
                        "CREATE FOREIGN TABLE public.ext_data (a int, b text) SERVER files "
                        "OPTIONS (filename '/dev/null', format 'csv')")
        table = read_postgres(pg_url).table("public.ext_data")
        assert table is not None
        assert structure(table) == Table(schema="public", name="ext_data", kind=TableKind.FOREIGN_TABLE,
                              columns=(Column("a", INT4, position=1), Column("b", TEXT, position=2)))

    def test_schema_filter(self, every_field: SchemaModel, pg_url: str) -> None:
        """Asking for one schema reads only that schema's objects."""
        only = read_postgres(pg_url, schemas=["public"])
        assert (only.schemas, only.tables, only.sequences, only.enums) == (("public",), (), (), ())

    def test_json_round_trip(self, every_field: SchemaModel) -> None:
        """The model of the every-field schema survives JSON and back unchanged, in both layouts."""
        assert model_from_json(model_to_json(every_field)) == every_field
        assert model_from_json(model_to_json(every_field, indent=None)) == every_field

    def test_index_definitions_recreate_the_same_index(self, every_field: SchemaModel, pg_exec: Conn,
                                                       pg_url: str) -> None:
        """Each rebuilt non-constraint index definition executes and recreates an identical index."""
        orders = every_field.table("app.orders")
        assert orders is not None
        for index in orders.indexes:
            if index.constraint is None:
                pg_exec.execute(sql.SQL("DROP INDEX app.{}").format(sql.Identifier(index.name)))
                pg_exec.execute(str(index.definition))
        again = read_postgres(pg_url).table("app.orders")
        assert again is not None
        assert structure(again) == structure(orders)


HOSTILE_SCHEMA = 'Ünï "schema"'
HOSTILE_TABLE = 'we"ird Table'
LONG_NAME = "l" * 63
LONG_UNICODE = "é" * 31 + "x"  # 63 bytes in UTF-8
HOSTILE_COLUMNS = ("select", "Mixed Case", "with space", 'quo"te', LONG_NAME, LONG_UNICODE, "ñandú")


class TestHostileIdentifiers:
    """Quotes, spaces, Unicode, mixed case, reserved words and 63-byte names read back exactly."""

    def test_names_read_back_exactly(self, pg_exec: Conn, pg_url: str) -> None:
        """Every hostile name (schema, table, columns, constraints, index, enum, trigger) is unchanged."""
        table = qualified(HOSTILE_SCHEMA, HOSTILE_TABLE)
        columns = ", ".join(f"{ident(c)} int" for c in HOSTILE_COLUMNS)
        enum = qualified(HOSTILE_SCHEMA, "Status Type")
        pg_exec.execute(f"CREATE SCHEMA {ident(HOSTILE_SCHEMA)}")
        labels = ", ".join(literal(label) for label in ("it's", "A B"))
        pg_exec.execute(f"CREATE TYPE {enum} AS ENUM ({labels})")
        pg_exec.execute(f"CREATE TABLE {table} ({columns}, state {enum}, "
                        f"CONSTRAINT {ident('PK Ü')} PRIMARY KEY ({ident('select')}), "
                        f"CONSTRAINT {ident(LONG_NAME)} CHECK ({ident('Mixed Case')} > 0))")
        pg_exec.execute(f"CREATE TABLE {qualified(HOSTILE_SCHEMA, 'child')} ({ident('from')} int "
                        f"CONSTRAINT {ident('fk to ' + HOSTILE_TABLE)} REFERENCES {table} ({ident('select')}))")
        quote_column = ident('quo"te')
        pg_exec.execute(f"CREATE INDEX {ident('Idx ' + LONG_UNICODE[:20])} ON {table} "
                        f"({ident('with space')} DESC, lower({quote_column}::text)) WHERE {ident('ñandú')} > 1")
        pg_exec.execute(f"CREATE FUNCTION {qualified(HOSTILE_SCHEMA, 'Trig Fn')}() RETURNS trigger "
                        "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")
        pg_exec.execute(f"CREATE TRIGGER {ident('Trig ' + HOSTILE_TABLE)} BEFORE INSERT ON {table} "
                        f"FOR EACH ROW EXECUTE FUNCTION {qualified(HOSTILE_SCHEMA, 'Trig Fn')}()")
        model = read_postgres(pg_url, schemas=[HOSTILE_SCHEMA])
        read = model.table(f"{HOSTILE_SCHEMA}.{HOSTILE_TABLE}")
        assert read is not None
        assert [c.name for c in read.columns] == [*HOSTILE_COLUMNS, "state"]
        assert read.primary_key == PrimaryKey("PK Ü", ("select",))
        assert [(c.name, c.columns) for c in read.checks] == [(LONG_NAME, ("Mixed Case",))]
        assert [(i.name, i.columns, i.predicate) for i in read.indexes] == [
            ("Idx " + LONG_UNICODE[:20], ("with space", None), '"ñandú" > 1'),
            ("PK Ü", ("select",), None),
        ]
        assert [t.name for t in read.triggers] == ["Trig " + HOSTILE_TABLE]
        assert read.triggers[0].function == f"{HOSTILE_SCHEMA}.Trig Fn"
        assert read.column("state") == Column("state", ColumnType(enum, f"{HOSTILE_SCHEMA}.Status Type",
                                                                  is_enum=True), position=8)
        assert model.enums == (EnumType(HOSTILE_SCHEMA, "Status Type", ("it's", "A B")),)
        child = model.table(f"{HOSTILE_SCHEMA}.child")
        assert child is not None
        assert child.foreign_keys == (ForeignKey("fk to " + HOSTILE_TABLE, ("from",), HOSTILE_SCHEMA, HOSTILE_TABLE,
                                                 ("select",)),)
        # The rebuilt index definition quotes every name: dropping and re-running it gives the same index.
        index = read.indexes[0]
        pg_exec.execute(f"DROP INDEX {qualified(HOSTILE_SCHEMA, index.name)}")
        pg_exec.execute(str(index.definition))
        again = read_postgres(pg_url, schemas=[HOSTILE_SCHEMA]).table(read.qualified_name)
        assert again is not None
        assert structure(again).indexes == structure(read).indexes


SECURITY_SQL = """
CREATE SCHEMA sec;
CREATE TABLE sec.docs (id int PRIMARY KEY, tenant_id int NOT NULL);
ALTER TABLE sec.docs ENABLE ROW LEVEL SECURITY;
ALTER TABLE sec.docs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON sec.docs AS RESTRICTIVE FOR UPDATE TO {app}
  USING (tenant_id = current_setting('app.tenant')::int) WITH CHECK (tenant_id > 0);
CREATE POLICY reader ON sec.docs FOR SELECT USING (true);
CREATE VIEW sec.open_docs WITH (security_invoker = true) AS SELECT id FROM sec.docs;
CREATE SEQUENCE sec.counter;
CREATE FUNCTION sec.definer(a int, VARIADIC b text[]) RETURNS int LANGUAGE sql SECURITY DEFINER
  SET search_path = sec, pg_temp SET work_mem = '8MB' AS 'SELECT a';
CREATE PROCEDURE sec.tidy() LANGUAGE sql AS 'SELECT 1';
REVOKE EXECUTE ON PROCEDURE sec.tidy() FROM PUBLIC;
GRANT SELECT, INSERT ON sec.docs TO {app} WITH GRANT OPTION;
GRANT SELECT ON sec.docs TO PUBLIC;
GRANT USAGE ON SEQUENCE sec.counter TO {app};
GRANT USAGE, CREATE ON SCHEMA sec TO {app};
ALTER TABLE sec.docs OWNER TO {owner};
"""


class TestSecurityFacts:
    def test_rls_policies_functions_grants_roles(self, pg_exec: Conn, pg_url: str) -> None:
        """RLS flags, policies, view options and sources, functions, grants, owners and roles read back
        exactly; the model keeps them through JSON."""
        app, owner = f"app_{uuid.uuid4().hex[:8]}", f"own_{uuid.uuid4().hex[:8]}"
        pg_exec.execute(sql.SQL("CREATE ROLE {0} NOLOGIN; CREATE ROLE {1} LOGIN IN ROLE {0}").format(
            sql.Identifier(owner), sql.Identifier(app)))
        try:
            pg_exec.execute(SECURITY_SQL.format(app=ident(app), owner=ident(owner)))
            model = read_postgres(pg_url, schemas=["sec"])
        finally:
            pg_exec.execute(sql.SQL("DROP SCHEMA IF EXISTS sec CASCADE; DROP OWNED BY {0}, {1}; DROP ROLE {1}; "
                                    "DROP ROLE {0}").format(
                sql.Identifier(owner), sql.Identifier(app)))
        docs, view = model.table("sec.docs"), model.table("sec.open_docs")
        assert docs is not None
        assert view is not None
        assert (docs.rls_enabled, docs.rls_forced, docs.owner) == (True, True, owner)
        assert docs.policies == (
            Policy("reader", "SELECT", True, ("PUBLIC",), "true"),
            Policy("tenant", "UPDATE", False, (app,), "tenant_id = (current_setting('app.tenant'::text))::integer",
                   "tenant_id > 0"),
        )
        assert docs.acl == (Grant("PUBLIC", ("SELECT",)), Grant(app, ("INSERT", "SELECT"), grantable=True))
        assert (view.security_invoker, view.view_sources, view.acl) == (True, ("sec.docs",), ())
        (counter,) = model.sequences
        assert counter.acl == (Grant(app, ("USAGE",)),)
        user = model.session.role if model.session else ""
        assert model.functions == (
            Function("sec", "definer", "a integer, VARIADIC b text[]", "function", "sql", True,
                     ("search_path=sec, pg_temp", "work_mem=8MB"), user, (Grant("PUBLIC", ("EXECUTE",)),)),
            Function("sec", "tidy", "", "procedure", "sql", False, (), user, ()),
        )
        assert model.functions[0].setting("search_path") == "sec, pg_temp"
        assert model.schema_privileges == (SchemaPrivileges("sec", user, (Grant(app, ("CREATE", "USAGE")),)),)
        assert model.role(app) == Role(app, can_login=True, member_of=(owner,))
        assert model.role(owner) == Role(owner)
        assert owner in model.memberships(app)
        assert model_from_json(model_to_json(model)) == model


class TestSelectOnlyRole:
    def test_select_only_role_reads_the_same_model(self, every_field: SchemaModel, pg_exec: Conn,
                                                   pg_url: str) -> None:
        """A role with only USAGE and SELECT reads the same model; sequence positions it may not see are None."""
        role = f"dbaudit_ro_{uuid.uuid4().hex[:8]}"
        pg_exec.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        try:
            pg_exec.execute(sql.SQL("GRANT USAGE ON SCHEMA app TO {0}; GRANT SELECT ON ALL TABLES IN SCHEMA app TO {0}")
                            .format(sql.Identifier(role)))
            as_role = read_postgres(with_user(pg_url, role), name="ro")
        finally:
            pg_exec.execute(sql.SQL("DROP OWNED BY {0}; DROP ROLE {0}").format(sql.Identifier(role)))
        portable_before = without_live_facts(every_field)
        expected = dataclasses.replace(
            portable_before, source=dataclasses.replace(portable_before.source, name="ro",
                                                        read_at=as_role.source.read_at),
            sequences=tuple(dataclasses.replace(s, last_value=None, owner=None) for s in every_field.sequences),
            tables=tuple(structure(t) for t in every_field.tables),
        )
        portable = without_live_facts(as_role)
        assert dataclasses.replace(portable, tables=tuple(structure(t) for t in portable.tables)) == expected
        # Who read it, and what that role could not see: stored passwords are unknown, not "none".
        assert as_role.session is not None
        assert (as_role.session.role, as_role.session.superuser, as_role.session.md5_roles) == (role, False, None)
        assert as_role.has("privileges")
        assert not as_role.has("role_passwords")


class TestConnectionSafety:
    def test_session_is_read_only_and_time_limited(self, pg_url: str) -> None:
        """The reader's session refuses writes and carries the timeouts and application name."""
        with connect_readonly(pg_url) as conn:
            settings = conn.execute("SELECT current_setting('statement_timeout'), current_setting('lock_timeout'), "
                                    "current_setting('idle_in_transaction_session_timeout'), "
                                    "current_setting('application_name'), current_setting('transaction_read_only')"
                                    ).fetchone()
            assert settings == ("1min", "2s", "2min", "dbaudit", "on")
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                conn.execute("CREATE TABLE nope (id int)")

    def test_statement_timeout_is_one_clear_line(self, pg_url: str) -> None:
        """A query cut by statement_timeout is reported as such, naming the setting to raise."""
        with connect_readonly(pg_url, timeouts=Timeouts(statement_ms=50)) as conn, \
                pytest.raises(psycopg.errors.QueryCanceled) as info:
            conn.execute("SELECT pg_sleep(2)")
        error = connection_error(pg_url, info.value, during="reading the catalog")
        assert str(error) == (f"cannot read {redact_url(pg_url)}: a catalog query exceeded statement_timeout "
                              "(raise DBAUDIT_STATEMENT_TIMEOUT) (canceling statement due to statement timeout)")

    @pytest.mark.parametrize(("message", "reason"), [
        ("connection timeout expired", "timed out"),
        ('connection failed: connection to server at "10.0.0.1", port 5432 failed: FATAL:  password '
         'authentication failed for user "app"', "authentication failed (bad user name or password)"),
        ("could not translate host name \"nowhere\" to address", "server unreachable"),
    ])
    def test_driver_failures_are_named_and_scrubbed(self, message: str, reason: str) -> None:
        """Each kind of connection failure gets its name; the password (raw or decoded) never shows."""
        url = "postgresql://app:p%40ss@10.0.0.1/db"
        error = connection_error(url, psycopg.OperationalError(f"{message} (password p@ss, raw p%40ss)"))
        assert str(error).startswith(f"cannot read postgresql://app:***@10.0.0.1/db: {reason} (")
        assert "p@ss" not in str(error)
        assert "p%40ss" not in str(error)

    def test_table_locked_for_ddl_does_not_block_the_read(self, every_field: SchemaModel, pg_url: str) -> None:
        """A plain table under ACCESS EXCLUSIVE lock is read without waiting for the lock."""
        with psycopg.connect(pg_url) as locker:
            locker.execute("CREATE TABLE app.plain (id int PRIMARY KEY, v text)")
            locker.commit()
            locker.execute("LOCK TABLE app.plain IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            model = read_postgres(pg_url)
            assert time.monotonic() - started < 1.5
            locker.rollback()
        table = model.table("app.plain")
        assert table is not None
        assert [c.name for c in table.columns] == ["id", "v"]

    @pytest.mark.parametrize(("locked", "skipped"), [
        # a CHECK to deparse: the table is skipped, so is nothing else
        ("app.customers", ["app.customers"]),
        # the views and the materialized view reading it are skipped with it
        ("app.orders", ["app.big_orders", "app.big_orders_view_trigger", "app.order_totals", "app.orders"]),
        # a partitioned table (its key is deparsed): the whole partition tree
        ("app.events", ["app.events", "app.events_2024", "app.events_default"]),
    ])
    def test_locked_object_is_skipped_with_a_note(self, every_field: SchemaModel, pg_url: str, locked: str,
                                                   skipped: list[str]) -> None:
        """A relation locked ACCESS EXCLUSIVE by another session that could only be read by waiting for
        the lock is left out with a note, and the read finishes without waiting; the rest is complete."""
        with psycopg.connect(pg_url) as locker:
            pid = locker.info.backend_pid
            locker.execute(f"LOCK TABLE {locked} IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            model = read_postgres(pg_url)
            elapsed = time.monotonic() - started
            locker.rollback()
        assert elapsed < 1.5, "the read did not wait for the lock (lock_timeout is 2 s)"
        assert list(model.source.skipped) == skipped
        assert sorted(t.qualified_name for t in every_field.tables if t.qualified_name not in skipped) == sorted(
            t.qualified_name for t in model.tables)
        assert [structure(t) for t in model.tables] == [
            structure(t) for t in every_field.tables if t.qualified_name not in skipped]
        (note,) = model.source.notes
        assert note.startswith(locked)
        assert f"skipped: another session (pid {pid}) holds an ACCESS EXCLUSIVE lock" in note

    def test_awaited_lock_also_skips(self, every_field: SchemaModel, pg_url: str) -> None:
        """DDL that is itself waiting for ACCESS EXCLUSIVE (behind a long transaction) would make a reader
        queue behind it too: the relation is skipped, with a note saying the lock is awaited."""
        with psycopg.connect(pg_url) as holder, psycopg.connect(pg_url, autocommit=True) as ddl:
            holder.execute("SELECT 1 FROM app.customers LIMIT 1")  # a long transaction holding a share lock
            waiting = threading.Thread(target=lambda: _quietly(
                ddl, "ALTER TABLE app.customers ADD COLUMN note text"), daemon=True)
            waiting.start()
            deadline = time.monotonic() + 10
            while not holder.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = "
                                     "'app.customers'::regclass").fetchone()[0] and time.monotonic() < deadline:
                time.sleep(0.02)
            model = read_postgres(pg_url)
            holder.rollback()
            waiting.join(10)
        assert "app.customers" in model.source.skipped
        assert any("is waiting for an ACCESS EXCLUSIVE lock" in n for n in model.source.notes)

    def test_lock_wait_gives_up_with_a_clear_error(self, every_field: SchemaModel, pg_url: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
        """A lock the reader cannot skip (here on the catalog itself) ends the wait after lock_timeout,
        a few attempts later, with one line."""
        monkeypatch.setenv("DBAUDIT_LOCK_TIMEOUT", "200")
        with psycopg.connect(pg_url) as locker:
            locker.execute("LOCK TABLE pg_catalog.pg_inherits IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(ConnectionFailed) as info:
                read_postgres(pg_url)
            locker.rollback()
        assert "lock_timeout" in str(info.value)
        assert "\n" not in str(info.value)


def _quietly(conn: psycopg.Connection[Any], statement: str) -> None:
    with contextlib.suppress(psycopg.Error):
        conn.execute(statement)


def _count_statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    executed: list[str] = []
    original = psycopg.Cursor.execute

    def counting(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        executed.append(str(query)[:60])
        return original(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting)
    return executed


class TestReadPlan:
    def test_one_connection_when_a_second_cannot_be_had(self, every_field: SchemaModel, pg_url: str) -> None:
        """If the helper connection fails (connection limits, poolers), one connection reads the same model."""
        def refuse() -> psycopg.Connection[Any]:
            raise psycopg.OperationalError("too many connections")

        with connect_readonly(pg_url) as conn:
            single = read_connection(conn, name=every_field.source.name, helper=refuse)
        with connect_readonly(pg_url) as conn:
            plain = read_connection(conn, name=every_field.source.name)
        strip = [structure(t) for t in every_field.tables]
        assert [structure(t) for t in single.tables] == [structure(t) for t in plain.tables] == strip

    def test_one_connection_when_the_snapshot_cannot_be_exported(self, every_field: SchemaModel, pg_url: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
        """A server that refuses pg_export_snapshot (standby, pooler) still yields the whole model."""
        monkeypatch.setattr(catalog, "EXPORT_SNAPSHOT", "SELECT no_such_function_dbaudit()")
        model = read_postgres(pg_url)
        assert [structure(t) for t in model.tables] == [structure(t) for t in every_field.tables]

    def test_sequence_positions_only_where_32_bits_can_run_out(self, pg_exec: Conn, pg_url: str) -> None:
        """last_value is read for int4 (or int4-owned) sequences, not for bigint ones (no lock taken on them)."""
        pg_exec.execute("CREATE TABLE t (a serial, b bigserial, c int); CREATE SEQUENCE big; "
                        "CREATE SEQUENCE owned_big OWNED BY t.c; "
                        "SELECT nextval('t_a_seq'), nextval('t_b_seq'), nextval('big'), nextval('owned_big')")
        model = read_postgres(pg_url)
        assert [(s.name, s.data_type, s.last_value) for s in model.sequences] == [
            ("big", "bigint", None), ("owned_big", "bigint", 1), ("t_a_seq", "integer", 1), ("t_b_seq", "bigint", None),
        ]


class TestScale:
    def test_statement_count_does_not_depend_on_table_count(self, pg_server: Any, pg_exec: Conn, pg_url: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
        """Reading 10 tables and 500 tables runs the same, fixed number of statements."""
        create_generated_schema(pg_exec, 10, schema="small")
        create_generated_schema(pg_exec, 500, schema="large")
        executed = _count_statements(monkeypatch)
        small = read_postgres(pg_url, schemas=["small"])
        small_count = len(executed)
        executed.clear()
        large = read_postgres(pg_url, schemas=["large"])
        assert (len(small.tables), len(large.tables)) == (10, 500)
        assert small_count == len(executed) == STATEMENTS_PER_READ

    def test_counts_match_the_catalog(self, pg_exec: Conn, pg_url: str) -> None:
        """A 300-table generated schema has exactly the catalog's tables, columns, FKs, indexes, checks, triggers."""
        create_generated_schema(pg_exec, 300)
        model = read_postgres(pg_url, schemas=["gen"])
        row = pg_exec.execute("""
            WITH rel AS (SELECT oid FROM pg_class WHERE relnamespace = 'gen'::regnamespace
                         AND relkind IN ('r', 'p', 'v', 'm', 'f'))
            SELECT (SELECT count(*) FROM rel),
                   (SELECT count(*) FROM pg_attribute WHERE attrelid IN (SELECT oid FROM rel)
                      AND attnum > 0 AND NOT attisdropped),
                   (SELECT count(*) FROM pg_constraint WHERE conrelid IN (SELECT oid FROM rel) AND contype = 'f'),
                   (SELECT count(*) FROM pg_index WHERE indrelid IN (SELECT oid FROM rel)),
                   (SELECT count(*) FROM pg_constraint WHERE conrelid IN (SELECT oid FROM rel) AND contype = 'c'),
                   (SELECT count(*) FROM pg_trigger WHERE tgrelid IN (SELECT oid FROM rel) AND NOT tgisinternal)
        """).fetchone()
        tables = model.tables
        assert (
            len(tables), sum(len(t.columns) for t in tables), sum(len(t.foreign_keys) for t in tables),
            sum(len(t.indexes) for t in tables), sum(len(t.checks) for t in tables),
            sum(len(t.triggers) for t in tables),
        ) == row
        assert len(tables) == 300



class TestExpressionText:
    @pytest.mark.parametrize(("text", "expected"), [
        ("(a > 0)", "a > 0"),
        ("((a > 0) AND (b > 0))", "(a > 0) AND (b > 0)"),
        ("(a) AND (b)", "(a) AND (b)"),
        ("(x = ')')", "x = ')'"),
        ('("a)" > 0)', '"a)" > 0'),
        ("lower(x)", "lower(x)"),
    ])
    def test_outer_parentheses_are_dropped_only_when_they_wrap_everything(self, text: str, expected: str) -> None:
        """Check and predicate texts lose one wrapping pair of parentheses, never a meaningful one."""
        assert _strip_parens(text) == expected
