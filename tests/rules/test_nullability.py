"""Issue 11 item 10: nullable owning foreign keys and creation timestamps, on real PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest

from tests.rules.conftest import assert_fix_round_trip, execute_script, findings_for, model_from_ddl, run_query

PARENT = "CREATE TABLE orders (id bigint PRIMARY KEY);"


class TestNullableOwningFk:
    def test_owning_cascade_key_that_accepts_null_finds(self, pg_url: str) -> None:
        """order_id names its parent and cascades: the fix (CHECK NOT VALID, VALIDATE, SET NOT NULL)
        executes on hostile names; the verification query counts NULL rows."""
        ddl = """
            CREATE TABLE "Örders" (id bigint PRIMARY KEY);
            CREATE TABLE "select items" (id bigint PRIMARY KEY,
                "Örder_id" bigint REFERENCES "Örders" (id) ON DELETE CASCADE);
        """
        finding = assert_fix_round_trip(pg_url, ddl, "nullable-owning-fk", ['public.select items.Örder_id'])
        assert finding.title == (
            "public.select items.Örder_id is nullable although its rows are deleted with their public.Örders parent")
        assert finding.evidence[-1].startswith("how many rows hold NULL is unknown")
        assert finding.verify_sql == 'SELECT count(*) AS null_rows FROM public."select items" WHERE "Örder_id" IS NULL;'
        assert run_query(pg_url, finding.verify_sql) == [(0,)]

    def test_null_rows_make_validate_fail_without_change(self, pg_url: str) -> None:
        """With an orphan NULL row (no statistics yet) the finding stands, and its fix stops at
        VALIDATE: the column stays nullable."""
        model = model_from_ddl(pg_url, PARENT + """
            CREATE TABLE items (id bigint PRIMARY KEY, order_id bigint REFERENCES orders ON DELETE CASCADE);
            INSERT INTO items VALUES (1, NULL);
        """)
        (finding,) = findings_for(model, "nullable-owning-fk")
        assert finding.verify_sql is not None
        assert run_query(pg_url, finding.verify_sql) == [(1,)]
        assert finding.fix_sql is not None
        with pytest.raises(psycopg.errors.CheckViolation):
            execute_script(pg_url, finding.fix_sql)
        assert run_query(pg_url, "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'items'::regclass "
                                 "AND attname = 'order_id'") == [(False,)]

    def test_optional_designs_clean(self, pg_url: str) -> None:
        """Self reference, role column, either/or CHECK, two owners, partial index, SET NULL, NOT NULL,
        and a column whose statistics show NULLs: none is reported."""
        model = model_from_ddl(pg_url, PARENT + """
            CREATE TABLE users (id bigint PRIMARY KEY);
            CREATE TABLE photos (id bigint PRIMARY KEY);
            CREATE TABLE nodes (id bigint PRIMARY KEY, node_id bigint REFERENCES nodes ON DELETE CASCADE);
            CREATE TABLE docs (id bigint PRIMARY KEY, created_by bigint REFERENCES users ON DELETE CASCADE);
            CREATE TABLE comments (id bigint PRIMARY KEY,
                order_id bigint REFERENCES orders ON DELETE CASCADE,
                photo_id bigint REFERENCES photos ON DELETE CASCADE);
            CREATE TABLE notes (id bigint PRIMARY KEY, order_id bigint REFERENCES orders ON DELETE CASCADE,
                user_id bigint, CHECK (num_nonnulls(order_id, user_id) = 1));
            CREATE TABLE tags (id bigint PRIMARY KEY, order_id bigint REFERENCES orders ON DELETE CASCADE);
            CREATE UNIQUE INDEX tags_order ON tags (order_id) WHERE order_id IS NOT NULL;
            CREATE TABLE lines (id bigint PRIMARY KEY, order_id bigint REFERENCES orders ON DELETE SET NULL);
            CREATE TABLE parts (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders ON DELETE CASCADE);
            CREATE TABLE extras (id bigint PRIMARY KEY, order_id bigint REFERENCES orders ON DELETE CASCADE);
            INSERT INTO orders VALUES (1);
            INSERT INTO extras SELECT g, CASE WHEN g % 2 = 0 THEN 1 END FROM generate_series(1, 100) g;
            ANALYZE extras;
        """)
        assert findings_for(model, "nullable-owning-fk") == []

    def test_statistics_without_nulls_are_quoted(self, pg_url: str) -> None:
        """Analyzed rows without NULL: the finding says so instead of 'unknown'."""
        model = model_from_ddl(pg_url, PARENT + """
            CREATE TABLE items (id bigint PRIMARY KEY, order_id bigint REFERENCES orders ON DELETE CASCADE);
            INSERT INTO orders VALUES (1);
            INSERT INTO items SELECT g, 1 FROM generate_series(1, 50) g;
            ANALYZE items;
        """)
        (finding,) = findings_for(model, "nullable-owning-fk")
        assert finding.evidence[-1] == "pg_stats: no NULL in the sampled rows (null_frac = 0)"


class TestNullableCreatedAt:
    def test_creation_time_without_default_finds(self, pg_url: str) -> None:
        """created_at timestamptz with neither NOT NULL nor a default: the fix sets DEFAULT now() and
        NOT NULL without a long lock, and executes on a hostile table name."""
        ddl = 'CREATE TABLE "Tïckets ""x""" (id bigint PRIMARY KEY, created_at timestamptz, note text);'
        finding = assert_fix_round_trip(pg_url, ddl, "nullable-created-at", ['public.Tïckets "x".created_at'])
        assert finding.fix_sql is not None
        assert 'ALTER TABLE public."Tïckets ""x""" ALTER COLUMN created_at SET DEFAULT now();' in finding.fix_sql
        row = run_query(pg_url, """SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
                                  JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                                  WHERE a.attname = 'created_at'""")
        assert row == [("now()",)]

    def test_date_column_gets_current_date(self, pg_url: str) -> None:
        """A Chinese-style create_time date column: DEFAULT CURRENT_DATE."""
        ddl = "CREATE TABLE t (id int PRIMARY KEY, create_time date);"
        finding = assert_fix_round_trip(pg_url, ddl, "nullable-created-at", ["public.t.create_time"])
        assert "SET DEFAULT CURRENT_DATE;" in (finding.fix_sql or "")

    def test_historic_null_rows_get_the_default_only(self, pg_url: str) -> None:
        """Statistics show NULL rows (older than the column): the fix sets the default and stops
        there (no creation time can be invented); it executes and the finding is gone."""
        ddl = """
            CREATE TABLE redirects (id int PRIMARY KEY, created_at timestamptz);
            INSERT INTO redirects SELECT g, CASE WHEN g > 50 THEN now() END FROM generate_series(1, 100) g;
            ANALYZE redirects;
        """
        finding = assert_fix_round_trip(pg_url, ddl, "nullable-created-at", ["public.redirects.created_at"])
        assert finding.evidence[-1].startswith("pg_stats: about 50% of the rows hold NULL")
        assert "SET NOT NULL" not in (finding.fix_sql or "")

    def test_defaults_not_null_trigger_and_other_columns_clean(self, pg_url: str) -> None:
        """A default (nullable-with-default's), NOT NULL, a BEFORE INSERT trigger that fills it,
        updated_at, and a text column named created_at are not reported."""
        model = model_from_ddl(pg_url, """
            CREATE TABLE a (id int PRIMARY KEY, created_at timestamptz DEFAULT now());
            CREATE TABLE b (id int PRIMARY KEY, created_at timestamptz NOT NULL);
            CREATE TABLE c (id int PRIMARY KEY, updated_at timestamptz);
            CREATE TABLE d (id int PRIMARY KEY, created_at text);
            CREATE TABLE e (id int PRIMARY KEY, created_at timestamptz);
            CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS
              $$ BEGIN NEW.created_at := now(); RETURN NEW; END $$;
            CREATE TRIGGER e_stamp BEFORE INSERT ON e FOR EACH ROW EXECUTE FUNCTION stamp();
        """)
        assert findings_for(model, "nullable-created-at") == []
