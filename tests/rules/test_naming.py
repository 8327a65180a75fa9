"""Naming rules: sequence names and ownership, snake_case names."""

from __future__ import annotations

import pytest

from dbaudit.findings import Finding, Severity
from dbaudit.rules.naming import parse_regclass_text, pg_object_name, snake_case
from dbaudit.sqltext import ident
from dbaudit.testing import schema
from tests.rules.conftest import HOSTILE_NAMES, assert_fix_round_trip, findings_for, model_from_ddl, run_query


def q(*parts: str) -> str:
    return ".".join(ident(p) for p in parts)


def brief(findings: list[Finding]) -> list[tuple[str, Severity, tuple[str, ...], str, str | None]]:
    return [(f.rule, f.severity, f.objects, f.title, f.fix_sql) for f in findings]


class TestHelpers:
    def test_pg_object_name_shortens_like_the_server(self, pg_url: str) -> None:
        """The expected sequence name equals what PostgreSQL generates for long and multibyte names."""
        table, column = "t" * 40 + "é" * 10, "c" * 30
        model = model_from_ddl(pg_url, f"CREATE TABLE {ident(table)} ({ident(column)} serial);")
        assert [s.name for s in model.sequences] == [pg_object_name(table, column, "seq")]

    def test_snake_case_and_regclass_parsing(self) -> None:
        """Suggested spellings and regclass text parsing."""
        assert [snake_case(n) for n in ("MixedCase", "HTTPServer", "with space", "tëst", "1st")] == [
            "mixed_case", "http_server", "with_space", "test", "n_1st"]
        assert parse_regclass_text('s."Odd""Name"') == ("s", 'Odd"Name')
        assert parse_regclass_text("seq") == (None, "seq")


class TestSequenceNameMismatch:
    def test_sequence_name_mismatch_finds(self) -> None:
        """A renamed table's sequence, not owned by the column, gets OWNED BY and RENAME."""
        model = (schema().sequence("current_account_sync_data_id_seq", data_type="integer")
                 .table("account_permission", cols={
                     "id": "integer not null default nextval('current_account_sync_data_id_seq'::regclass)"},
                        pk="id").build())
        assert findings_for(model, "sequence-name-mismatch") == [Finding(
            rule="sequence-name-mismatch", category="naming", severity=Severity.P2,
            objects=("public.current_account_sync_data_id_seq",),
            title="sequence public.current_account_sync_data_id_seq behind public.account_permission.id is "
                  "misnamed and is not owned by it",
            evidence=(
                "public.current_account_sync_data_id_seq feeds public.account_permission.id",
                "it is owned by no column, not by public.account_permission.id",
                "PostgreSQL would name it account_permission_id_seq",
            ),
            impact="Operators reset, grant or monitor the wrong object; an unowned sequence outlives its column "
                   "and is invisible to pg_get_serial_sequence.",
            root_cause="The table or column was renamed (or the sequence created by hand) and the sequence was "
                       "not renamed or re-owned with it.",
            fix_sql="SET lock_timeout = '5s';\n"
                    "ALTER SEQUENCE public.current_account_sync_data_id_seq OWNED BY public.account_permission.id;\n"
                    "ALTER SEQUENCE public.current_account_sync_data_id_seq RENAME TO account_permission_id_seq;\n"
                    "RESET lock_timeout;",
            verify_sql="SELECT pg_catalog.pg_get_serial_sequence('public.account_permission', 'id') AS "
                       "owned_sequence;",
            data=(("column", "public.account_permission.id"), ("expected_name", "account_permission_id_seq"),
                  ("owned", False)),
        )]

    def test_owned_but_misnamed_and_name_taken(self) -> None:
        """An owned sequence with a stale name whose expected name is taken: reported without RENAME."""
        model = (schema().sequence("old_seq", owned_by="public.t.id").sequence("t_id_seq")
                 .table("t", cols={"id": "bigint not null default nextval('old_seq'::regclass)"}, pk="id").build())
        [finding] = findings_for(model, "sequence-name-mismatch")
        assert (finding.fix_sql, finding.evidence[-1]) == (None, "public.t_id_seq is already taken")

    def test_sequence_name_mismatch_clean(self) -> None:
        """serial columns, identity-style owned sequences and shared sequences are not reported."""
        model = (schema().table("t", cols={"id": "serial"}, pk="id")
                 .sequence("shared_seq")
                 .table("a", cols={"id": "bigint default nextval('shared_seq'::regclass)"})
                 .table("b", cols={"id": "bigint default nextval('shared_seq'::regclass)"}).build())
        assert findings_for(model, "sequence-name-mismatch") == []

    @pytest.mark.parametrize("name", HOSTILE_NAMES)
    def test_sequence_name_mismatch_fix_round_trip(self, pg_url: str, name: str) -> None:
        """OWNED BY + RENAME run for hostile names; the default follows the sequence."""
        s, t, c = ident(name), q(name, name), ident(name)
        ddl = f"""
        CREATE SCHEMA {s};
        CREATE SEQUENCE {s}."Legacy seq";
        CREATE TABLE {t} ({c} bigint PRIMARY KEY DEFAULT nextval('{q(name, "Legacy seq").replace("'", "''")}'));
        INSERT INTO {t} DEFAULT VALUES;
        """
        finding = assert_fix_round_trip(pg_url, ddl, "sequence-name-mismatch", [f"{name}.Legacy seq"])
        expected = f"{q(name, pg_object_name(name, name, 'seq'))}"
        assert run_query(pg_url, finding.verify_sql or "") == [(expected,)]
        run_query(pg_url, f"INSERT INTO {t} DEFAULT VALUES")


class TestNonSnakeCase:
    def test_non_snake_case_finds(self) -> None:
        """Mixed-case tables and columns, odd index and constraint names are reported with renames."""
        model = (schema().table("OrderItems", cols={"id": "bigint", "OrderId": "bigint"}, pk="id",
                                pk_name="OrderItems_pkey")
                 .index("OrderItems", "OrderId", name="ix order").build())
        assert brief(findings_for(model, "non-snake-case")) == [
            ("non-snake-case", Severity.P2, ("public.OrderItems",), "table public.OrderItems is not snake_case",
             "-- change the application code first\nSET lock_timeout = '5s';\n"
             'ALTER TABLE public."OrderItems" RENAME TO order_items;\nRESET lock_timeout;'),
            ("non-snake-case", Severity.P2, ("public.OrderItems.OrderId",),
             "column public.OrderItems.OrderId is not snake_case",
             "-- change the application code first\nSET lock_timeout = '5s';\n"
             'ALTER TABLE public."OrderItems" RENAME COLUMN "OrderId" TO order_id;\nRESET lock_timeout;'),
            ("non-snake-case", Severity.P2, ("public.OrderItems_pkey",),
             "constraint public.OrderItems_pkey is not snake_case",
             "-- change the application code first\nSET lock_timeout = '5s';\n"
             'ALTER TABLE public."OrderItems" RENAME CONSTRAINT "OrderItems_pkey" TO order_items_pkey;\n'
             "RESET lock_timeout;"),
            ("non-snake-case", Severity.P2, ("public.ix order",), "index public.ix order is not snake_case",
             "-- change the application code first\nSET lock_timeout = '5s';\n"
             'ALTER INDEX public."ix order" RENAME TO ix_order;\nRESET lock_timeout;'),
        ]

    def test_non_snake_case_taken_name_has_no_fix(self) -> None:
        """When the snake_case spelling is already taken, the finding carries no fix."""
        model = schema().table("t", cols={"Name": "text", "name": "text"}).build()
        [finding] = findings_for(model, "non-snake-case")
        assert (finding.objects, finding.fix_sql) == (("public.t.Name",), None)

    def test_non_snake_case_clean(self) -> None:
        """snake_case names, including reserved words and 63-byte names, are fine."""
        model = schema().table("select", cols={"n" * 63: "int", "user_id": "int"}).build()
        assert findings_for(model, "non-snake-case") == []

    @pytest.mark.parametrize("name", [n for n in HOSTILE_NAMES if snake_case(n) != n])
    def test_non_snake_case_fix_round_trip(self, pg_url: str, name: str) -> None:
        """The rename runs for hostile table names."""
        ddl = f"CREATE TABLE {ident(name)} (id int); INSERT INTO {ident(name)} VALUES (1);"
        finding = assert_fix_round_trip(pg_url, ddl, "non-snake-case", [f"public.{name}"])
        assert run_query(pg_url, finding.verify_sql or "") == []
