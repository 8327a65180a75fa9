"""Drift comparators: each rule with a triggering pair and near misses (equivalent spellings), models
(SQLAlchemy MetaData) against a real PostgreSQL database, and database against database."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from dbaudit.drift import compare
from dbaudit.drift.dispatch import (
    ComparatorRegistry,
    Context,
    DuplicateComparatorError,
    Pair,
    Side,
)
from dbaudit.findings import Finding, Severity
from dbaudit.model import SchemaModel, SourceInfo, Table
from dbaudit.scratch import ScratchServer
from dbaudit.sources.postgres import read_postgres
from tests.drift.conftest import ReadDb, keys, orm


def _users(md: sa.MetaData, *extra: sa.schema.SchemaItem) -> sa.Table:
    return sa.Table("users", md, sa.Column("id", sa.Integer, primary_key=True), *extra)


class TestTablesAndColumns:
    def test_missing_and_extra_tables_finds(self, read_db: ReadDb) -> None:
        """A table only in the models is missing-table P1; one only in the database is extra-table P2."""
        md = sa.MetaData()
        _users(md)
        sa.Table("orders", md, sa.Column("id", sa.Integer, primary_key=True))
        db = read_db("CREATE TABLE users (id serial PRIMARY KEY); CREATE TABLE audit (id int);")
        assert keys(compare(orm(md), db)) == [
            ("missing-table", "P1", ("public.orders",)),
            ("extra-table", "P2", ("public.audit",)),
        ]

    def test_partitions_views_and_alembic_version_clean(self, read_db: ReadDb) -> None:
        """Partitions, views and alembic_version are never compared against models."""
        md = sa.MetaData()
        sa.Table(
            "stats", md, sa.Column("id", sa.BigInteger, primary_key=True),
            sa.Column("day", sa.Date, primary_key=True), postgresql_partition_by="RANGE (day)",
        )
        db = read_db(
            "CREATE TABLE stats (id bigserial, day date, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);"
            "CREATE TABLE stats_2025 PARTITION OF stats FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');"
            "CREATE VIEW v AS SELECT 1 AS x;"
            "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
        )
        assert compare(orm(md), db) == []

    def test_missing_and_extra_columns_finds(self, read_db: ReadDb) -> None:
        """A mapped column the database lacks is P1; an unmapped NOT NULL column without default is P1,
        an unmapped nullable one P2."""
        md = sa.MetaData()
        _users(md, sa.Column("email", sa.Text))
        db = read_db("CREATE TABLE users (id serial PRIMARY KEY, tenant int NOT NULL, note text);")
        assert keys(compare(orm(md), db)) == [
            ("extra-column", "P1", ("public.users.tenant",)),
            ("missing-column", "P1", ("public.users.email",)),
            ("extra-column", "P2", ("public.users.note",)),
        ]


class TestColumnType:
    def test_length_and_time_zone_finds(self, read_db: ReadDb) -> None:
        """varchar(255) vs String(1024) and timestamp vs DateTime(timezone=True) are mismatches."""
        md = sa.MetaData()
        _users(md, sa.Column("name", sa.String(1024)), sa.Column("seen", sa.DateTime(timezone=True)))
        db = read_db("CREATE TABLE users (id serial PRIMARY KEY, name varchar(255), seen timestamp);")
        findings = compare(orm(md), db)
        assert [(f.rule, f.objects, f.title) for f in findings] == [
            ("column-type-mismatch", ("public.users.name",),
             "Column public.users.name is character varying(1024) in models (test.models:Base) but "
             "character varying(255) in database (db)"),
            ("column-type-mismatch", ("public.users.seen",),
             "Column public.users.seen is timestamp with time zone in models (test.models:Base) but "
             "timestamp without time zone in database (db)"),
        ]

    def test_equivalent_spellings_clean(self, read_db: ReadDb) -> None:
        """int4/INTEGER, String()/varchar/text, serial, numeric(p,s), jsonb, uuid, arrays, enums and
        timestamp(6) compare equal."""
        md = sa.MetaData()
        sa.Table(
            "things", md,
            sa.Column("id", sa.BigInteger, primary_key=True),
            sa.Column("n", sa.Integer),
            sa.Column("s", sa.String),
            sa.Column("t", sa.String),
            sa.Column("amount", sa.Numeric(10, 2)),
            sa.Column("doc", pg.JSONB),
            sa.Column("uid", pg.UUID),
            sa.Column("tags", pg.ARRAY(sa.Integer)),
            sa.Column("kind", sa.Enum("a", "b", name="thing_kind")),
            sa.Column("at", sa.DateTime(timezone=True)),
            sa.Column("small", sa.SmallInteger),
            sa.Column("flag", sa.Boolean),
            sa.Column("ratio", sa.Float),
        )
        db = read_db(
            "CREATE TYPE thing_kind AS ENUM ('a', 'b');"
            "CREATE TABLE things (id bigserial PRIMARY KEY, n integer, s character varying, t text,"
            " amount numeric(10,2), doc jsonb, uid uuid, tags int4[], kind thing_kind,"
            " at timestamp(6) with time zone, small int2, flag boolean, ratio double precision);"
        )
        assert compare(orm(md), db) == []

    def test_text_and_unbounded_varchar_between_databases_finds(
        self, read_db: ReadDb, pg_server: ScratchServer
    ) -> None:
        """The String()/text tolerance is an ORM override: between two databases text vs varchar counts."""
        db = read_db("CREATE TABLE t (id int PRIMARY KEY, c text);")
        with pg_server.database() as other_url, psycopg.connect(other_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY, c varchar)")
            other = read_postgres(other_url, name="prod")
        assert keys(compare(db, other)) == [("column-type-mismatch", "P2", ("public.t.c",))]


class TestNullable:
    def test_not_null_only_in_models_finds(self, read_db: ReadDb) -> None:
        """NOT NULL in the models but nullable in the database is reported, with the safe fix."""
        md = sa.MetaData()
        _users(md, sa.Column("email", sa.Text, nullable=False))
        db = read_db("CREATE TABLE users (id serial PRIMARY KEY, email text);")
        findings = compare(orm(md), db)
        assert [(f.rule, f.severity, f.fix_sql, f.verify_sql) for f in findings] == [(
            "nullable-mismatch", Severity.P2,
            "ALTER TABLE public.users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\n"
            "ALTER TABLE public.users VALIDATE CONSTRAINT users_email_not_null;\n"
            "ALTER TABLE public.users ALTER COLUMN email SET NOT NULL;\n"
            "ALTER TABLE public.users DROP CONSTRAINT users_email_not_null;",
            "SELECT count(*) FROM public.users WHERE email IS NULL;",
        )]

    def test_fix_round_trip(self, read_db: ReadDb, pg_exec: psycopg.Connection[tuple[object, ...]]) -> None:
        """Applying the fix removes the finding."""
        md = sa.MetaData()
        _users(md, sa.Column("email", sa.Text, nullable=False))
        db = read_db("CREATE TABLE users (id serial PRIMARY KEY, email text);")
        fix = compare(orm(md), db)[0].fix_sql
        assert fix is not None
        pg_exec.execute(fix)
        assert compare(orm(md), read_db("")) == []

    def test_primary_key_columns_clean(self, read_db: ReadDb) -> None:
        """Primary-key columns are NOT NULL on both sides even when only a constraint says so."""
        md = sa.MetaData()
        sa.Table("t", md, sa.Column("a", sa.Integer), sa.Column("b", sa.Integer), sa.PrimaryKeyConstraint("a", "b"))
        db = read_db("CREATE TABLE t (a int, b int, PRIMARY KEY (a, b));")
        assert compare(orm(md), db) == []


class TestServerDefault:
    def test_different_value_finds(self, read_db: ReadDb) -> None:
        """'active' vs 'enabled' is a server-default mismatch."""
        md = sa.MetaData()
        _users(md, sa.Column("state", sa.String(20), server_default="active"))
        db = read_db("CREATE TABLE users (id serial PRIMARY KEY, state varchar(20) DEFAULT 'enabled');")
        assert keys(compare(orm(md), db)) == [("server-default-mismatch", "P2", ("public.users.state",))]

    def test_equivalent_spellings_clean(self, read_db: ReadDb) -> None:
        """now() = CURRENT_TIMESTAMP, 'x'::character varying = 'x', '0' = 0, true = 'true'; a column
        without server_default in the models is not compared."""
        md = sa.MetaData()
        _users(
            md,
            sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now()),
            sa.Column("state", sa.String(20), server_default="x"),
            sa.Column("n", sa.Integer, server_default="0"),
            sa.Column("flag", sa.Boolean, server_default="true"),
            sa.Column("python_side", sa.Integer, default=5),
        )
        db = read_db(
            "CREATE TABLE users (id serial PRIMARY KEY, at timestamptz DEFAULT CURRENT_TIMESTAMP,"
            " state varchar(20) DEFAULT 'x'::character varying, n int DEFAULT 0, flag boolean DEFAULT true,"
            " python_side int DEFAULT 7);"
        )
        assert compare(orm(md), db) == []


class TestPrimaryKey:
    def test_partitioned_table_finds_p0(self, read_db: ReadDb) -> None:
        """The models' id alone vs the database's (id, day) on a partitioned table is P0, with the
        duplicate-id verification query."""
        md = sa.MetaData()
        sa.Table(
            "stats", md, sa.Column("id", sa.BigInteger, primary_key=True), sa.Column("day", sa.Date, nullable=False),
            postgresql_partition_by="RANGE (day)",
        )
        db = read_db("CREATE TABLE stats (id bigserial, day date NOT NULL, PRIMARY KEY (id, day)) "
                     "PARTITION BY RANGE (day);")
        assert compare(orm(md), db) == [Finding(
            rule="pk-mismatch", category="drift", severity=Severity.P0, objects=("public.stats",),
            title="Primary key of public.stats is (id) in models (test.models:Base) but (id, day) in database (db)",
            evidence=(
                "models (test.models:Base): PRIMARY KEY (id) as stats_pkey",
                "database (db): PRIMARY KEY (id, day) as stats_pkey",
                "database (db): public.stats is partitioned by RANGE (day)",
            ),
            impact=(
                "The ORM identity map keys rows by (id) alone, but on a partitioned table the database only "
                "guarantees uniqueness together with the partition key: rows in different partitions can share "
                "(id), so Session.get(), merge() and relationship loads return or overwrite the wrong row."
            ),
            root_cause=(
                "The primary key was changed in database (db) and models (test.models:Base) was not updated. "
                "Fix: declare every primary-key column with primary_key=True in the model (no database change "
                "is needed)."
            ),
            verify_sql="SELECT id, count(*) FROM public.stats GROUP BY id HAVING count(*) > 1;",
        )]

    def test_plain_table_finds_p1(self, read_db: ReadDb) -> None:
        """A different primary key on a plain table is P1."""
        md = sa.MetaData()
        sa.Table("t", md, sa.Column("a", sa.Integer, primary_key=True), sa.Column("b", sa.Integer, nullable=False))
        db = read_db("CREATE TABLE t (a int, b int, PRIMARY KEY (a, b));")
        assert keys(compare(orm(md), db)) == [("pk-mismatch", "P1", ("public.t",))]

    def test_same_columns_other_name_and_order_clean(self, read_db: ReadDb) -> None:
        """Primary keys compare by column set, not by name or column order."""
        md = sa.MetaData()
        sa.Table("t", md, sa.Column("a", sa.Integer), sa.Column("b", sa.Integer),
                 sa.PrimaryKeyConstraint("b", "a", name="pk_t"))
        db = read_db("CREATE TABLE t (a int, b int, CONSTRAINT t_pkey PRIMARY KEY (a, b));")
        assert compare(orm(md), db) == []


_PARENT = "CREATE TABLE instances (id serial PRIMARY KEY);"


class TestForeignKeys:
    def _models(self) -> sa.MetaData:
        md = sa.MetaData()
        sa.Table("instances", md, sa.Column("id", sa.Integer, primary_key=True))
        sa.Table("aggs", md, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("instance_id", sa.Integer, sa.ForeignKey("instances.id"), nullable=False))
        return md

    def test_fk_only_in_models_finds(self, read_db: ReadDb) -> None:
        """A foreign key the models declare and the database lacks is P1, fixed with NOT VALID + VALIDATE."""
        db = read_db(_PARENT + "CREATE TABLE aggs (id serial PRIMARY KEY, instance_id int NOT NULL);")
        assert compare(orm(self._models()), db) == [Finding(
            rule="fk-only-in-models", category="drift", severity=Severity.P1,
            objects=("public.aggs.instance_id",),
            title="Foreign key public.aggs(instance_id) -> public.instances exists in models (test.models:Base) "
                  "but not in database (db)",
            evidence=(
                "models (test.models:Base): FOREIGN KEY (instance_id) REFERENCES public.instances (id)",
                "database (db): no foreign key on (instance_id)",
            ),
            impact=(
                "The models assume referential integrity the database does not enforce: orphan rows can be "
                "written by any path (bulk SQL, other services, races), joins silently drop them and ORM "
                "relationships load None."
            ),
            root_cause="The foreign key was declared in models (test.models:Base) but never created in database (db).",
            fix_sql=(
                "ALTER TABLE public.aggs ADD CONSTRAINT aggs_instance_id_fkey FOREIGN KEY (instance_id) "
                "REFERENCES public.instances (id) NOT VALID;\n"
                "ALTER TABLE public.aggs VALIDATE CONSTRAINT aggs_instance_id_fkey;"
            ),
            verify_sql=(
                "SELECT count(*) FROM public.aggs c WHERE c.instance_id IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM public.instances p WHERE p.id = c.instance_id);"
            ),
        )]

    def test_fix_round_trip(self, read_db: ReadDb, pg_exec: psycopg.Connection[tuple[object, ...]]) -> None:
        """The generated fix creates the foreign key and the finding disappears."""
        db = read_db(_PARENT + "CREATE TABLE aggs (id serial PRIMARY KEY, instance_id int NOT NULL);")
        fix = compare(orm(self._models()), db)[0].fix_sql
        assert fix is not None
        pg_exec.execute(fix)
        assert compare(orm(self._models()), read_db("")) == []

    def test_names_from_conventions_clean(self, read_db: ReadDb) -> None:
        """Foreign keys match by columns and target; a convention-generated name does not matter."""
        md = sa.MetaData(naming_convention={"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"})
        sa.Table("instances", md, sa.Column("id", sa.Integer, primary_key=True))
        sa.Table("aggs", md, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("instance_id", sa.Integer, sa.ForeignKey("instances.id"), nullable=False))
        db = read_db(_PARENT + "CREATE TABLE aggs (id serial PRIMARY KEY, instance_id int NOT NULL "
                     "CONSTRAINT whatever_name REFERENCES instances (id));")
        assert compare(orm(md), db) == []

    def test_fk_only_in_database_finds(self, read_db: ReadDb) -> None:
        """A foreign key only the database has is fk-only-in-database P2, with no database fix."""
        md = sa.MetaData()
        sa.Table("instances", md, sa.Column("id", sa.Integer, primary_key=True))
        sa.Table("aggs", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("instance_id", sa.Integer))
        db = read_db(_PARENT + "CREATE TABLE aggs (id serial PRIMARY KEY, instance_id int REFERENCES instances);")
        findings = compare(orm(md), db)
        assert [(f.rule, f.severity.name, f.objects, f.fix_sql) for f in findings] == [
            ("fk-only-in-database", "P2", ("public.aggs.instance_id",), None)
        ]


class TestForeignKeyActions:
    def _models(self, ondelete: str) -> sa.MetaData:
        md = sa.MetaData()
        sa.Table("instances", md, sa.Column("id", sa.Integer, primary_key=True))
        sa.Table("aggs", md, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("instance_id", sa.Integer, sa.ForeignKey("instances.id", ondelete=ondelete)))
        return md

    def test_on_delete_differs_finds(self, read_db: ReadDb) -> None:
        """ON DELETE CASCADE in the models but NO ACTION in the database is fk-action-mismatch P2."""
        db = read_db(_PARENT + "CREATE TABLE aggs (id serial PRIMARY KEY, instance_id int REFERENCES instances);")
        findings = compare(orm(self._models("CASCADE")), db)
        assert [(f.rule, f.severity.name, f.objects, f.title) for f in findings] == [(
            "fk-action-mismatch", "P2", ("public.aggs.instance_id",),
            "Foreign key public.aggs(instance_id) -> public.instances is ON DELETE CASCADE in models "
            "(test.models:Base) but ON DELETE NO ACTION in database (db)",
        )]

    def test_same_action_other_spelling_clean(self, read_db: ReadDb) -> None:
        """ondelete="cascade" (lower case) and ON DELETE CASCADE are the same action."""
        db = read_db(_PARENT + "CREATE TABLE aggs (id serial PRIMARY KEY, "
                     "instance_id int REFERENCES instances ON DELETE CASCADE);")
        assert compare(orm(self._models("cascade")), db) == []


class TestIndexes:
    def test_index_only_in_models_finds(self, read_db: ReadDb) -> None:
        """An index the models declare and the database lacks is reported with CREATE INDEX CONCURRENTLY."""
        md = sa.MetaData()
        _users(md, sa.Column("email", sa.Text), sa.Index("ix_users_email", "email"))
        db = read_db("CREATE TABLE users (id serial PRIMARY KEY, email text);")
        findings = compare(orm(md), db)
        assert [(f.rule, f.severity.name, f.objects, f.fix_sql) for f in findings] == [(
            "index-mismatch", "P2", ("public.ix_users_email", "public.users.email"),
            "CREATE INDEX CONCURRENTLY ix_users_email ON public.users (email);",
        )]

    def test_non_unique_index_only_in_database_clean(self, read_db: ReadDb) -> None:
        """Against models, a non-unique index only the database has is not drift (models need not
        declare every index)."""
        md = sa.MetaData()
        _users(md, sa.Column("email", sa.Text))
        db = read_db("CREATE TABLE users (id serial PRIMARY KEY, email text); CREATE INDEX ON users (email);")
        assert compare(orm(md), db) == []

    def test_unique_index_only_in_database_finds(self, read_db: ReadDb) -> None:
        """A uniqueness rule only the database has is still reported against models."""
        md = sa.MetaData()
        _users(md, sa.Column("email", sa.Text))
        db = read_db("CREATE TABLE users (id serial PRIMARY KEY, email text); "
                     "CREATE UNIQUE INDEX users_email_uq ON users (email);")
        assert keys(compare(orm(md), db)) == [
            ("index-mismatch", "P2", ("public.users_email_uq", "public.users.email"))
        ]

    def test_equivalent_index_forms_clean(self, read_db: ReadDb) -> None:
        """unique=True vs a unique index, index=True vs another name, expression and partial indexes
        spelled differently: all the same."""
        md = sa.MetaData()
        _users(
            md,
            sa.Column("email", sa.Text, unique=True),
            sa.Column("name", sa.Text, index=True),
            sa.Column("active", sa.Boolean),
            sa.Index("ix_lower_name", sa.func.lower(sa.column("name"))),
            sa.Index("ix_active_name", "name", postgresql_where=sa.text("active = true")),
        )
        db = read_db(
            "CREATE TABLE users (id serial PRIMARY KEY, email text, name text, active boolean);"
            "CREATE UNIQUE INDEX users_email_idx ON users (email);"
            "CREATE INDEX users_name_idx ON users (name);"
            "CREATE INDEX users_lower ON users (lower(name));"
            "CREATE INDEX users_active ON users (name) WHERE (active = true);"
        )
        assert compare(orm(md), db) == []

    def test_database_vs_database_non_unique_finds(self, read_db: ReadDb, pg_server: ScratchServer) -> None:
        """Between two databases every index difference counts."""
        db = read_db("CREATE TABLE t (id int PRIMARY KEY, c int); CREATE INDEX t_c ON t (c);")
        with pg_server.database() as other_url, psycopg.connect(other_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY, c int)")
            other = read_postgres(other_url, name="prod")
        findings = compare(db, other)
        assert [(f.rule, f.objects, f.fix_sql) for f in findings] == [
            ("index-mismatch", ("public.t_c", "public.t.c"), "CREATE INDEX CONCURRENTLY t_c ON public.t (c);")
        ]


class TestCheckValues:
    def test_values_used_by_models_rejected_finds_p1(self, read_db: ReadDb) -> None:
        """Enum values the models use but the database CHECK rejects are P1, with a widening fix."""
        md = sa.MetaData()
        _users(md, sa.Column("status", sa.Enum("on", "off", "paused", native_enum=False, length=20)))
        db = read_db("CREATE TABLE users (id serial PRIMARY KEY, status varchar(20) "
                     "CONSTRAINT users_status_check CHECK (status IN ('on', 'off')));")
        findings = compare(orm(md), db)
        assert [(f.rule, f.severity.name, f.title, f.fix_sql) for f in findings] == [(
            "check-values-drift", "P1",
            "public.users.status: 'paused' used by models (test.models:Base) but not allowed by database (db)",
            "ALTER TABLE public.users DROP CONSTRAINT users_status_check,\n"
            "  ADD CONSTRAINT users_status_check CHECK (status IN ('on', 'off', 'paused')) NOT VALID;\n"
            "ALTER TABLE public.users VALIDATE CONSTRAINT users_status_check;",
        )]

    def test_fix_round_trip(self, read_db: ReadDb, pg_exec: psycopg.Connection[tuple[object, ...]]) -> None:
        """The widened CHECK accepts the models' values and the finding disappears."""
        md = sa.MetaData()
        _users(md, sa.Column("status", sa.Enum("on", "off", "paused", native_enum=False, length=20)))
        db = read_db("CREATE TABLE users (id serial PRIMARY KEY, status varchar(20) "
                     "CONSTRAINT users_status_check CHECK (status IN ('on', 'off')));")
        fix = compare(orm(md), db)[0].fix_sql
        assert fix is not None
        pg_exec.execute(fix)
        assert compare(orm(md), read_db("")) == []

    def test_check_lists_differ_finds_p2(self, read_db: ReadDb) -> None:
        """Two CHECK value lists that differ (no value known to be used) are P2."""
        md = sa.MetaData()
        _users(md, sa.Column("status", sa.String(20)), sa.CheckConstraint("status IN ('a', 'b', 'c')"))
        db = read_db("CREATE TABLE users (id serial PRIMARY KEY, status varchar(20) CHECK (status IN ('a', 'b')));")
        assert keys(compare(orm(md), db)) == [("check-values-drift", "P2", ("public.users.status",))]

    def test_same_values_other_spelling_clean(self, read_db: ReadDb) -> None:
        """IN (...) in the models and = ANY (ARRAY[...]) as PostgreSQL prints it are the same list."""
        md = sa.MetaData()
        _users(md, sa.Column("status", sa.String(20)), sa.CheckConstraint("status IN ('b', 'a')"))
        db = read_db("CREATE TABLE users (id serial PRIMARY KEY, status varchar(20) "
                     "CHECK (status = ANY (ARRAY['a'::varchar, 'b'::varchar])));")
        assert compare(orm(md), db) == []

    def test_native_enum_labels_finds(self, read_db: ReadDb) -> None:
        """A native enum with fewer labels in the database than in the models is reported, fixed with
        ALTER TYPE ... ADD VALUE."""
        md = sa.MetaData()
        _users(md, sa.Column("level", sa.Enum("info", "warn", "trace", name="log_level")))
        db = read_db("CREATE TYPE log_level AS ENUM ('info', 'warn');"
                     "CREATE TABLE users (id serial PRIMARY KEY, level log_level);")
        findings = compare(orm(md), db)
        assert [(f.rule, f.severity.name, f.fix_sql) for f in findings] == [
            ("check-values-drift", "P2", None)
        ]


class TestDispatch:
    def _ctx(self, left_role: str, right_role: str) -> Context:
        model = SchemaModel(source=SourceInfo(kind="x", name="m"))
        return Context(Side(model, left_role), Side(model, right_role))

    def test_duplicate_registration_raises(self) -> None:
        """Registering a second comparator for the same target, aspect and qualifier raises."""
        registry = ComparatorRegistry()
        registry.register("table", "a", lambda pair: [])
        with pytest.raises(DuplicateComparatorError, match="table/a"):
            registry.register("table", "a", lambda pair: [])

    def test_qualified_override_wins_for_its_pair_only(self) -> None:
        """A comparator qualified by the source pair replaces the default for that pair alone."""
        registry = ComparatorRegistry()

        def default(pair: object) -> Iterator[Finding]:
            yield from ()

        def orm_only(pair: object) -> Iterator[Finding]:
            yield from ()

        registry.register("column", "type", default)
        registry.register("column", "type", orm_only, qualifier="database:models")
        assert registry.for_target("column", self._ctx("models", "database").qualifier) == [("type", orm_only)]
        assert registry.for_target("column", self._ctx("database", "migrations").qualifier) == [("type", default)]

    def test_branch_is_independent(self) -> None:
        """A branched registry can gain comparators without changing the original."""
        registry = ComparatorRegistry()
        branch = registry.branch()
        branch.register("table", "extra", lambda pair: [])
        assert (registry.for_target("table", "default"), len(branch.for_target("table", "default"))) == ([], 1)

    def test_custom_registry_is_used(self) -> None:
        """compare() runs exactly the comparators of the registry it is given."""
        table = Table(schema="public", name="t")
        model = SchemaModel(source=SourceInfo(kind="postgresql", name="a"), tables=(table,))
        registry = ComparatorRegistry()
        seen: list[str] = []

        def record(pair: Pair[Table]) -> list[Finding]:
            seen.append(pair.table_name)
            return []

        registry.register("table", "record", record)
        assert (compare(model, model, registry=registry), seen) == ([], ["public.t"])
