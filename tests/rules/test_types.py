"""Rules of the types category: triggering schemas, near misses, fixes executed on PostgreSQL."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet

from dbaudit.config import Config
from dbaudit.engine import run_rules
from dbaudit.findings import Finding, Severity
from dbaudit.model.schema import Location
from dbaudit.rules import RuleContext
from dbaudit.rules._code_facts import CodeFacts, ColumnValues, EncryptedColumn
from dbaudit.rules.types import stored_lengths
from dbaudit.testing import schema
from tests.rules.conftest import HOSTILE_NAMES, assert_fix_round_trip, findings_for, model_from_ddl

Brief = list[tuple[str, tuple[str, ...]]]


def brief(findings: list[Finding]) -> Brief:
    return [(f.severity.name, f.objects) for f in findings]


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class TestFernetLengths:
    @pytest.mark.parametrize("size", [0, 15, 16, 64, 100, 128, 255])
    def test_matches_real_fernet_tokens(self, size: int) -> None:
        """The computed lengths equal those of real Fernet tokens and their base64."""
        token = Fernet(Fernet.generate_key()).encrypt(b"p" * size)
        assert stored_lengths(size) == (len(token), len(base64.b64encode(token)))


class TestSecretInBoundedVarchar:
    def test_credentials_password_is_p0_with_lengths(self) -> None:
        """credentials.password varchar(255): a 128-char password's token (268) exceeds 255."""
        model = schema().table("credentials", {"id": "bigint", "password": "varchar(255) not null"}).build()
        found = findings_for(model, "secret-in-bounded-varchar")
        assert brief(found) == [("P0", ("public.credentials.password",))]
        assert dict(found[0].data) == {
            "table": "public.credentials",
            "column": "password",
            "column_limit": 255,
            "plaintext_lengths": (16, 64, 128),
            "fernet_token_lengths": (120, 184, 268),
            "base64_fernet_token_lengths": (160, 248, 360),
            "reversible": True,
        }
        assert found[0].evidence[3] == (
            "128-character plaintext: Fernet token 268 chars, base64(Fernet token) 360 chars -> "
            "EXCEEDS 255 even single-encoded"
        )

    def test_whole_p0_finding(self) -> None:
        """The complete P0 finding, with the computed lengths in evidence and data."""
        model = schema().table("credentials", {"id": "bigint", "password": "varchar(255) not null"}).build()
        assert findings_for(model, "secret-in-bounded-varchar") == [
            Finding(
                rule="secret-in-bounded-varchar", category="types", severity=Severity.P0,
                objects=("public.credentials.password",),
                title="Secret column public.credentials.password is character varying(255): ciphertext outgrows it",
                evidence=(
                    "public.credentials.password is character varying(255) (limit 255 characters)",
                    "16-character plaintext: Fernet token 120 chars, base64(Fernet token) 160 chars -> fits 255",
                    "64-character plaintext: Fernet token 184 chars, base64(Fernet token) 248 chars -> fits 255",
                    "128-character plaintext: Fernet token 268 chars, base64(Fernet token) 360 chars -> "
                    "EXCEEDS 255 even single-encoded",
                    "reversible ciphertext, not a one-way hash: public.credentials stores credentials for "
                    "other systems: a secret used to connect must be decrypted, so it is reversible ciphertext",
                ),
                impact=(
                    "Long secrets fail to save or are truncated; a truncated ciphertext cannot be decrypted, "
                    "so connections using it break with no automatic recovery."
                ),
                root_cause="The column length was sized for the plaintext, not for the encrypted encoding.",
                fix_sql=(
                    "-- varchar(n) -> text is binary-compatible: no table rewrite, no index rebuild; only a\n"
                    "-- brief ACCESS EXCLUSIVE lock (retry if the lock timeout expires).\n"
                    "SET lock_timeout = '5s';\n"
                    "ALTER TABLE public.credentials ALTER COLUMN password TYPE text;\n"
                    "RESET lock_timeout;"
                ),
                verify_sql=(
                    "SELECT max(length(password)) AS longest, 255 AS column_limit, "
                    "count(*) FILTER (WHERE length(password) >= 255) AS at_limit\nFROM public.credentials;"
                ),
                data=(
                    ("base64_fernet_token_lengths", (160, 248, 360)),
                    ("column", "password"),
                    ("column_limit", 255),
                    ("fernet_token_lengths", (120, 184, 268)),
                    ("plaintext_lengths", (16, 64, 128)),
                    ("reversible", True),
                    ("table", "public.credentials"),
                ),
            )
        ]

    def test_roomy_ciphertext_is_p1_and_unknown_is_a_note(self) -> None:
        """A varchar(1024) vault secret fits (P1); users.password may be a hash, ciphertext or plain
        text: "unknown", a note and no finding (issue 11, item 8)."""
        model = (
            schema()
            .table("users", {"id": "bigint", "password": "varchar(255)"})
            .table("vault", {"id": "bigint", "api_key": "varchar(1024)"})
            .build()
        )
        run = run_rules(RuleContext(model), Config(select=("secret-in-bounded-varchar",)))
        assert brief(list(run.findings)) == [("P1", ("public.vault.api_key",))]
        assert [n.message for n in run.notes] == [
            "secret-in-bounded-varchar: unknown for 1 bounded secret-like column(s) (public.users.password): "
            "a one-way hash fits, reversible ciphertext may not; pass --code to see what the application stores"]

    def test_one_way_hashes_clean(self, pg_url: str) -> None:
        """bcrypt/argon2 hashes are not ciphertext: *_digest, *_hash, hashed_password, Devise's
        encrypted_password in a Rails schema, Django's auth_user.password."""
        ddl = """
            CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
            CREATE TABLE ar_internal_metadata (key varchar PRIMARY KEY, value varchar);
            CREATE TABLE users (id bigint PRIMARY KEY, encrypted_password varchar(255) NOT NULL,
                                password_digest varchar(100), hashed_password varchar(60),
                                api_key_hash varchar(64));
            CREATE TABLE credentials (id bigint PRIMARY KEY, password_hash varchar(100));
        """
        assert findings_for(model_from_ddl(pg_url, ddl), "secret-in-bounded-varchar") == []

    def test_django_auth_user_password_is_a_hash(self, pg_url: str) -> None:
        """django_migrations marks a Django schema: auth_user.password holds a hasher's string."""
        ddl = """
            CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255), name varchar(255));
            CREATE TABLE auth_user (id serial PRIMARY KEY, password varchar(128) NOT NULL);
        """
        assert findings_for(model_from_ddl(pg_url, ddl), "secret-in-bounded-varchar") == []

    def test_code_scan_marks_ciphertext(self) -> None:
        """The code scan's EncryptedColumn makes an innocuous name P0, and the evidence says why."""
        model = schema().table("users", {"id": "bigint", "blob": "varchar(200)"}).build()
        code = CodeFacts(encrypted_columns=(EncryptedColumn("users", "blob", location=Location("a.py", 1)),))
        found = findings_for(model, "secret-in-bounded-varchar", code=code)
        assert brief(found) == [("P0", ("public.users.blob",))]
        assert found[0].evidence[-1] == (
            "reversible ciphertext, not a one-way hash: the code scan shows the application encrypting it")

    def test_text_hash_and_unrelated_columns_clean(self) -> None:
        """text secrets, hash columns, *_type and unrelated varchars are not reported."""
        model = schema().table("users", {
            "password": "text", "password_hash": "varchar(255)", "token_type": "varchar(20)",
            "name": "varchar(50)",
        }).build()
        assert findings_for(model, "secret-in-bounded-varchar") == []

    @pytest.mark.parametrize("name", ["select", "MixedCase", "n" * 51])
    def test_fix_round_trip(self, pg_url: str, name: str) -> None:
        """ALTER COLUMN TYPE text executes; the column is unbounded afterwards."""
        table = f"{name}_credentials"
        ddl = f"CREATE TABLE {q(table)} (id int PRIMARY KEY, {q(name + '_secret')} varchar(100));"
        assert_fix_round_trip(pg_url, ddl, "secret-in-bounded-varchar", [f"public.{table}.{name}_secret"])


class TestTimestampWithoutTimeZone:
    def test_timestamp_finds_timestamptz_clean(self) -> None:
        """Only the timestamp column is reported."""
        model = schema().table("e", {"a": "timestamp", "b": "timestamptz", "c": "date"}).build()
        assert brief(findings_for(model, "timestamp-without-time-zone")) == [("P2", ("public.e.a",))]

    def test_fix_round_trip(self, pg_url: str) -> None:
        """ALTER ... TYPE timestamptz USING ... AT TIME ZONE 'UTC' executes."""
        ddl = 'CREATE TABLE "Évents" ("When" timestamp DEFAULT now()); INSERT INTO "Évents" DEFAULT VALUES;'
        assert_fix_round_trip(pg_url, ddl, "timestamp-without-time-zone", ["public.Évents.When"])


class TestInt4KeyOverflowRisk:
    def test_serial_usage_sets_severity(self) -> None:
        """A serial key 60% used is P1; one with unknown usage P2; bigint identity is clean."""
        model = (
            schema()
            .table("hot", {"id": "serial"}, pk="id")
            .table("cold", {"id": "int"}, pk="id")
            .table("fine", {"id": "bigint identity"}, pk="id")
            .sequence("hot_id_seq", owned_by="hot.id", data_type="integer", last_value=1_300_000_000)
            .build()
        )
        found = findings_for(model, "int4-key-overflow-risk")
        assert brief(found) == [("P1", ("public.hot.id",)), ("P2", ("public.cold.id",))]
        assert dict(found[0].data) == {"column_max": 2147483647, "sequence_usage_percent": 60.536,
                                       "table": "public.hot", "column": "id", "sequence": "public.hot_id_seq"}

    def test_narrow_fk_finds_composite_fk_pk_clean(self) -> None:
        """An int4 FK to a bigint key is reported; a composite PK of FK columns is not a generator."""
        model = (
            schema()
            .table("parent", {"id": "bigint identity"}, pk="id")
            .table("link", {"a": "int not null", "b": "int not null", "parent_id": "int"}, pk=("a", "b"))
            .fk("link", "parent_id", "parent")
            .build()
        )
        assert brief(findings_for(model, "int4-key-overflow-risk")) == [
            ("P2", ("public.link.parent_id", "public.parent.id"))
        ]

    def test_fix_round_trip_widens_key_and_referencing_fk(self, pg_url: str) -> None:
        """ALTER TYPE bigint on the key, its sequence and the referencing FK column execute, for every
        hostile name (one database; the first round trip creates all tables)."""
        ddl = ""
        for name in HOSTILE_NAMES:
            child = f"{name[:50]}_c"
            ddl += f"""
                CREATE TABLE {q(name)} ({q(name)} serial PRIMARY KEY);
                CREATE TABLE {q(child)} (id bigint PRIMARY KEY, ref int REFERENCES {q(name)});
                INSERT INTO {q(name)} DEFAULT VALUES; INSERT INTO {q(child)} VALUES (1, 1);
            """
        evidence = []
        for i, name in enumerate(HOSTILE_NAMES):
            finding = assert_fix_round_trip(pg_url, ddl if i == 0 else "", "int4-key-overflow-risk",
                                            [f"public.{name}.{name}"])
            evidence.append(finding.evidence[-1])
        assert evidence == [f"referenced by: public.{name[:50]}_c.ref" for name in HOSTILE_NAMES]

    def test_narrow_fk_fix_round_trip(self, pg_url: str) -> None:
        """Widening the narrow FK column executes and clears the finding."""
        ddl = """
            CREATE TABLE p (id bigint PRIMARY KEY);
            CREATE TABLE "C c" ("P Id" int REFERENCES p);
        """
        assert_fix_round_trip(pg_url, ddl, "int4-key-overflow-risk", ["public.C c.P Id", "public.p.id"])


class TestJsonNotJsonb:
    def test_json_finds_jsonb_clean(self) -> None:
        """Only the json column is reported."""
        model = schema().table("l", {"a": "json", "b": "jsonb"}).build()
        assert brief(findings_for(model, "json-not-jsonb")) == [("P2", ("public.l.a",))]

    def test_fix_round_trip(self, pg_url: str) -> None:
        """ALTER ... TYPE jsonb USING col::jsonb executes with data."""
        ddl = """CREATE TABLE "l-og" ("Context" json); INSERT INTO "l-og" VALUES ('{"a": 1}');"""
        assert_fix_round_trip(pg_url, ddl, "json-not-jsonb", ["public.l-og.Context"])


class TestNullableWithDefault:
    def test_flag_and_created_at_find(self) -> None:
        """Nullable columns with a non-null default are reported."""
        model = schema().table("t", {
            "is_active": "bool default true", "created_at": "timestamptz default now()",
            "ok": "bool not null default true", "deleted_at": "timestamptz", "x": "int default NULL::integer",
            "id": "bigint identity",
        }).build()
        assert brief(findings_for(model, "nullable-with-default")) == [
            ("P2", ("public.t.created_at",)), ("P2", ("public.t.is_active",)),
        ]

    def test_not_null_or_no_default_clean(self) -> None:
        """NOT NULL with default, nullable without default: nothing to report."""
        model = schema().table("t", {"a": "bool not null default true", "b": "timestamptz"}).build()
        assert findings_for(model, "nullable-with-default") == []

    def test_fix_round_trip_with_null_rows(self, pg_url: str) -> None:
        """Backfill, CHECK NOT VALID, VALIDATE, SET NOT NULL, DROP CHECK execute on a table with NULLs."""
        ddl = """
            CREATE TABLE "select" ("Is Active" boolean DEFAULT true);
            INSERT INTO "select" VALUES (NULL), (false);
        """
        finding = assert_fix_round_trip(pg_url, ddl, "nullable-with-default", ["public.select.Is Active"])
        assert finding.fix_sql is not None
        assert 'CHECK ("Is Active" IS NOT NULL) NOT VALID;' in finding.fix_sql

    def test_partitioned_fix_round_trip(self, pg_url: str) -> None:
        """The same steps work on a partitioned parent (they recurse to partitions)."""
        ddl = """
            CREATE TABLE s (d date NOT NULL, flag bool DEFAULT false) PARTITION BY RANGE (d);
            CREATE TABLE s_1 PARTITION OF s FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
            INSERT INTO s VALUES ('2025-01-05', NULL);
        """
        assert_fix_round_trip(pg_url, ddl, "nullable-with-default", ["public.s.flag"])


class TestStatusWithoutCheck:
    def test_status_like_text_finds(self) -> None:
        """status, *_state, priority and level text columns without CHECK are reported."""
        model = schema().table("s", {
            "status": "varchar(20)", "review_state": "text", "level": "varchar(10)", "priority": "text",
            "name": "text",
        }).build()
        assert brief(findings_for(model, "status-without-check")) == [
            ("P2", ("public.s.level",)), ("P2", ("public.s.priority",)), ("P2", ("public.s.review_state",)),
            ("P2", ("public.s.status",)),
        ]

    def test_open_vocabularies_clean(self, pg_url: str) -> None:
        """Open vocabularies are not closed sets (issue 11, item 3): a polymorphic *_type beside its
        *_id, Rails STI type, MIME content_type, a postal state beside address columns, free text."""
        ddl = """
            CREATE TABLE comments (id bigint PRIMARY KEY, commentable_type varchar NOT NULL,
                                   commentable_id bigint NOT NULL, type varchar, body text);
            CREATE TABLE uploads (id bigint PRIMARY KEY, content_type varchar(255), mime_type text,
                                  sync_type text);
            CREATE TABLE addresses (id bigint PRIMARY KEY, street text, city text, state varchar(64),
                                    zip varchar(10), country varchar(2));
        """
        assert findings_for(model_from_ddl(pg_url, ddl), "status-without-check") == []

    def test_type_with_few_code_values_finds_and_fix_runs(self, pg_url: str) -> None:
        """A *_type column whose values the code scan shows to be few is a closed set: reported, with
        a CHECK NOT VALID + VALIDATE fix that executes."""
        ddl = """
            CREATE TABLE restrictions (id bigint PRIMARY KEY, restriction_type varchar(20) NOT NULL);
            INSERT INTO restrictions VALUES (1, 'password'), (2, 'login');
        """
        code = CodeFacts(column_values=(
            ColumnValues("restrictions", "restriction_type", ("none", "password", "groups", "login")),))
        finding = assert_fix_round_trip(pg_url, ddl, "status-without-check",
                                        ["public.restrictions.restriction_type"], code=code)
        assert finding.evidence[-1] == "the models/code use 4 values: groups, login, none, password"

    def test_check_enum_fk_and_integer_clean(self) -> None:
        """A CHECK, an enum type, an FK to a lookup table, or an integer code: not reported."""
        model = (
            schema()
            .enum("log_level", ["INFO", "ERROR"])
            .table("kinds", {"code": "text"}, pk="code")
            .table("s", {"status": "varchar(20)", "level": "log_level", "kind": "text", "state": "int"})
            .check("s", "s_status_check", "status IN ('a', 'b')")
            .fk("s", "kind", "kinds", "code")
            .build()
        )
        assert findings_for(model, "status-without-check") == []


class TestCharType:
    def test_char_finds_varchar_clean(self) -> None:
        """Only character(n) is reported."""
        model = schema().table("c", {"code": "char(2)", "name": "varchar(2)"}).build()
        assert brief(findings_for(model, "char-type")) == [("P2", ("public.c.code",))]

    def test_fix_round_trip(self, pg_url: str) -> None:
        """ALTER ... TYPE text executes."""
        ddl = """CREATE TABLE "Cöuntry" ("ISO" char(2)); INSERT INTO "Cöuntry" VALUES ('de');"""
        assert_fix_round_trip(pg_url, ddl, "char-type", ["public.Cöuntry.ISO"])
