"""Security rules on real PostgreSQL: per rule a triggering schema and a near miss, fixes executed with
hostile names, and a schema secured the way the rules ask for on which none fires."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from dbaudit.config import Config
from dbaudit.engine import run_rules
from dbaudit.findings import Finding, Severity
from dbaudit.model.schema import Extension, SchemaModel
from dbaudit.rules import REGISTRY, RuleContext
from dbaudit.sqltext import ident, qualified
from dbaudit.testing import schema
from tests.rules.conftest import (
    HOSTILE_NAMES,
    assert_fix_round_trip,
    execute_script,
    findings_for,
    model_from_ddl,
    read_model,
    run_query,
)
from tests.sources.test_postgres import with_user

Conn = psycopg.Connection[tuple[object, ...]]
SECURITY_RULES = (
    "rls-not-forced", "tenant-table-without-policy", "security-definer-search-path", "schema-create-for-public",
    "granted-to-public", "app-role-privileged", "extension-in-public", "md5-password", "view-bypasses-rls",
)


@pytest.fixture
def roles(pg_url: str) -> Iterator[Callable[..., str]]:
    """``roles("app", "LOGIN")`` creates a cluster-wide role with a unique name; all are dropped after."""
    made: list[str] = []

    def make(base: str, *options: str) -> str:
        name = f"{base}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE ROLE {} " + " ".join(options)).format(sql.Identifier(name)))
        made.append(name)
        return name

    yield make
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for name in reversed(made):
            conn.execute(sql.SQL("DROP OWNED BY {0}; DROP ROLE {0}").format(sql.Identifier(name)))


def objects(found: list[Finding]) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.severity.name, f.objects) for f in found]


TENANT_TABLE = """
CREATE TABLE docs (id bigint PRIMARY KEY, tenant_id int NOT NULL, body text);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON docs USING (tenant_id = current_setting('app.tenant_id')::int);
"""


class TestRlsNotForced:
    def test_app_role_owns_the_table(self, pg_url: str, roles: Callable[..., str]) -> None:
        """The configured application role owns an RLS table that is not forced: P1 with the fix."""
        app = roles("app", "LOGIN")
        model = model_from_ddl(pg_url, TENANT_TABLE + f"ALTER TABLE docs OWNER TO {ident(app)};")
        (found,) = findings_for(model, "rls-not-forced", app_role=app)
        assert (found.severity, found.objects) == (Severity.P1, ("public.docs",))
        assert found.evidence[1] == f"the application role {app} is the owner"
        assert found.fix_sql == "ALTER TABLE public.docs FORCE ROW LEVEL SECURITY;"

    def test_member_of_the_owner_role_and_inferred_writer(self, pg_url: str, roles: Callable[..., str]) -> None:
        """A login member of the owning role acts as owner; without app-role the sole writer is inferred."""
        owner = roles("owner", "NOLOGIN")
        app = roles("app", "LOGIN", "IN ROLE", ident(owner))
        model = model_from_ddl(pg_url, TENANT_TABLE + f"ALTER TABLE docs OWNER TO {ident(owner)};")
        assert objects(findings_for(model, "rls-not-forced", app_role=app)) == [("P1", ("public.docs",))]
        (inferred,) = findings_for(model, "rls-not-forced")
        assert inferred.evidence[1] == f"login role(s) acting as the owner: {app}"

    def test_near_misses(self, pg_url: str, roles: Callable[..., str]) -> None:
        """Forced RLS, or an application role that only holds grants, is not reported."""
        owner = roles("owner", "NOLOGIN")
        app = roles("app", "LOGIN")
        model = model_from_ddl(pg_url, TENANT_TABLE + f"""
            ALTER TABLE docs OWNER TO {ident(owner)};
            GRANT SELECT, INSERT, UPDATE, DELETE ON docs TO {ident(app)};
            CREATE TABLE forced (id int PRIMARY KEY, tenant_id int);
            ALTER TABLE forced ENABLE ROW LEVEL SECURITY; ALTER TABLE forced FORCE ROW LEVEL SECURITY;
            ALTER TABLE forced OWNER TO {ident(app)};""")
        assert findings_for(model, "rls-not-forced", app_role=app) == []
        assert findings_for(model, "rls-not-forced") == []  # another role holds the write grants


class TestTenantTableWithoutPolicy:
    def test_table_with_the_policy_column_and_no_policy(self, pg_url: str) -> None:
        """In a schema isolating tenants with RLS, a table with tenant_id and no policy is P1 (P2 when
        RLS is on without policy); the fix reuses the policy filter and clears the finding."""
        ddl = TENANT_TABLE + """
            CREATE TABLE doc_lines (id bigint PRIMARY KEY, tenant_id int NOT NULL, doc_id bigint);
            CREATE TABLE doc_tags (id bigint PRIMARY KEY, tenant_id int NOT NULL);
            ALTER TABLE doc_tags ENABLE ROW LEVEL SECURITY;
            CREATE TABLE countries (code text PRIMARY KEY, name text);"""
        model = model_from_ddl(pg_url, ddl)
        found = findings_for(model, "tenant-table-without-policy")
        assert objects(found) == [("P1", ("public.doc_lines",)), ("P2", ("public.doc_tags",))]
        assert "tenant_isolation" in (found[0].fix_sql or "")
        execute_script(pg_url, found[0].fix_sql or "")
        assert objects(findings_for(read_model(pg_url), "tenant-table-without-policy")) == [
            ("P2", ("public.doc_tags",))]

    def test_no_rls_in_the_schema(self, pg_url: str) -> None:
        """tenant_id columns in a schema that does not use RLS at all are not judged."""
        model = model_from_ddl(pg_url, "CREATE TABLE a (id int PRIMARY KEY, tenant_id int);"
                                       "CREATE TABLE b (id int PRIMARY KEY, tenant_id int);")
        assert findings_for(model, "tenant-table-without-policy") == []

    def test_policy_on_the_key_does_not_make_every_table_a_tenant_table(self, pg_url: str) -> None:
        """A per-user policy on users.id does not turn every table with an id into a tenant table."""
        model = model_from_ddl(pg_url, """
            CREATE TABLE users (id int PRIMARY KEY, name text);
            ALTER TABLE users ENABLE ROW LEVEL SECURITY;
            CREATE POLICY self ON users USING (id = current_setting('app.user_id')::int);
            CREATE TABLE products (id int PRIMARY KEY, name text);""")
        assert findings_for(model, "tenant-table-without-policy") == []


DEFINER = "CREATE FUNCTION {name}(a int, b text) RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT a';"


class TestSecurityDefinerSearchPath:
    def test_definer_without_search_path(self, pg_url: str) -> None:
        """A SECURITY DEFINER function without SET search_path is P1; invoker and fixed ones are not."""
        model = model_from_ddl(pg_url, DEFINER.format(name="bad") + """
            CREATE FUNCTION ok(a int) RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
              AS 'SELECT a';
            CREATE FUNCTION plain(a int) RETURNS int LANGUAGE sql AS 'SELECT a';
            CREATE PROCEDURE proc() LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';""")
        found = findings_for(model, "security-definer-search-path")
        assert objects(found) == [("P1", ("public.bad(a integer, b text)",)), ("P1", ("public.proc()",))]
        assert found[1].fix_sql == "ALTER PROCEDURE public.proc() SET search_path = public, pg_temp;"


class TestSchemaCreateForPublic:
    def test_public_create_is_revoked_by_the_fix(self, pg_url: str) -> None:
        """CREATE granted to PUBLIC on a schema is P1; REVOKE clears it (the PG 15+ default is clean)."""
        assert_fix_round_trip(pg_url, "GRANT CREATE ON SCHEMA public TO PUBLIC;", "schema-create-for-public",
                              ["public"])

    def test_usage_only(self, pg_url: str) -> None:
        """USAGE for PUBLIC (the default) is not reported."""
        model = model_from_ddl(pg_url, "CREATE SCHEMA app; GRANT USAGE ON SCHEMA app TO PUBLIC;"
                                       "REVOKE CREATE ON SCHEMA public FROM PUBLIC;")
        assert findings_for(model, "schema-create-for-public") == []


class TestGrantedToPublic:
    def test_tables_sequences_and_definer_functions(self, pg_url: str, roles: Callable[..., str]) -> None:
        """PUBLIC writes are P1, PUBLIC reads P2, a definer function executable by PUBLIC P1; grants to
        a role and invoker functions (executable by PUBLIC by default) are not reported."""
        app = roles("app", "LOGIN")
        model = model_from_ddl(pg_url, DEFINER.format(name="definer") + f"""
            CREATE TABLE open_rw (id int); GRANT SELECT, INSERT ON open_rw TO PUBLIC;
            CREATE TABLE open_ro (id int); GRANT SELECT ON open_ro TO PUBLIC;
            CREATE TABLE granted (id int); GRANT SELECT, INSERT ON granted TO {ident(app)};
            CREATE SEQUENCE counter; GRANT USAGE ON SEQUENCE counter TO PUBLIC;
            CREATE FUNCTION invoker() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE FUNCTION locked() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = public AS 'SELECT 1';
            REVOKE EXECUTE ON FUNCTION locked() FROM PUBLIC;""")
        assert objects(findings_for(model, "granted-to-public")) == [
            ("P1", ("public.counter",)), ("P1", ("public.definer(a integer, b text)",)),
            ("P1", ("public.open_rw",)), ("P2", ("public.open_ro",)),
        ]


class TestAppRolePrivileged:
    def test_superuser_and_owner(self, pg_url: str, roles: Callable[..., str]) -> None:
        """A superuser application role is P0; one that owns its tables P1 with the tables listed."""
        boss = roles("boss", "LOGIN", "SUPERUSER")
        app = roles("app", "LOGIN")
        model = model_from_ddl(pg_url, f"CREATE TABLE t1 (id int); CREATE TABLE t2 (id int);"
                                       f"ALTER TABLE t1 OWNER TO {ident(app)};")
        assert objects(findings_for(model, "app-role-privileged", app_role=boss)) == [("P0", (boss,))]
        (owner,) = findings_for(model, "app-role-privileged", app_role=app)
        assert (owner.severity, owner.evidence) == (
            Severity.P1, (f"owner(s) {app}; {app} acts as owner of: public.t1",))

    def test_grants_only_and_skipped_without_the_setting(self, pg_url: str, roles: Callable[..., str]) -> None:
        """An application role with grants only is clean; without app-role the rule is skipped with a note."""
        app = roles("app", "LOGIN")
        model = model_from_ddl(pg_url, f"CREATE TABLE t (id int); GRANT SELECT, INSERT ON t TO {ident(app)};")
        assert findings_for(model, "app-role-privileged", app_role=app) == []
        run = run_rules(RuleContext(model=model), Config(select=("app-role-privileged",)))
        assert [n.message for n in run.notes] == [
            "app-role-privileged skipped: no application role is configured (app-role, --app-role)"]


class TestExtensionInPublic:
    def test_extension_in_public_and_elsewhere(self, pg_trgm_url: str) -> None:
        """pg_trgm in public beside the application's table is P2; the same extension in its own schema
        is clean after the fix."""
        found = assert_fix_round_trip(pg_trgm_url, "CREATE EXTENSION pg_trgm; CREATE TABLE docs (id int PRIMARY KEY);",
                                      "extension-in-public", ["public.pg_trgm"])
        assert found.evidence[1] == "schema public also holds 1 table(s) or view(s) of the application"
        model = read_model(pg_trgm_url)
        assert [e.schema for e in model.extensions if e.name == "pg_trgm"] == ["extensions"]

    def test_public_holding_only_extensions_is_their_schema(self, pg_trgm_url: str) -> None:
        """Near miss (MusicBrainz): the application's tables and views live in their own schema, public
        holds the extensions and a helper function: nothing mixes, nothing is reported."""
        model = model_from_ddl(pg_trgm_url, """
            CREATE EXTENSION pg_trgm;
            CREATE FUNCTION public.similar_names(a text, b text) RETURNS real LANGUAGE sql IMMUTABLE
                AS 'SELECT public.similarity(a, b)';
            CREATE SCHEMA app;
            CREATE TABLE app.artist (id int PRIMARY KEY, name text NOT NULL);
            CREATE VIEW app.artist_names AS SELECT name FROM app.artist;
        """)
        assert findings_for(model, "extension-in-public") == []

    def test_a_view_in_public_is_the_application_there(self, pg_trgm_url: str) -> None:
        """One view of the application in public is enough for the extension to mix with it."""
        model = model_from_ddl(pg_trgm_url, """
            CREATE EXTENSION pg_trgm;
            CREATE SCHEMA app;
            CREATE TABLE app.artist (id int PRIMARY KEY, name text NOT NULL);
            CREATE VIEW public.artist_names AS SELECT name FROM app.artist;
        """)
        assert objects(findings_for(model, "extension-in-public")) == [("P2", ("public.pg_trgm",))]

    def test_public_not_read_keeps_the_finding(self) -> None:
        """When public was not read (another schema selected), whether it holds the application is
        unknown: the extension is reported as before."""
        model: SchemaModel = schema(capabilities=("extensions",)).table("app.t", {"id": "int"}).build()
        model = dataclasses.replace(model, schemas=("app",), extensions=(Extension("pg_trgm", "1.6", "public"),))
        assert objects(findings_for(model, "extension-in-public")) == [("P2", ("public.pg_trgm",))]


class TestMd5Password:
    def test_md5_roles_seen_by_a_superuser(self, pg_url: str, roles: Callable[..., str]) -> None:
        """A role whose password is stored as MD5 is reported when pg_authid is readable; a SCRAM one
        is not."""
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("SET password_encryption = 'md5'")
            legacy = roles("legacy", "LOGIN")
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD 'not-a-secret'").format(sql.Identifier(legacy)))
            conn.execute("SET password_encryption = 'scram-sha-256'")
            modern = roles("modern", "LOGIN")
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD 'not-a-secret'").format(sql.Identifier(modern)))
        model = read_model(pg_url)
        (found,) = findings_for(model, "md5-password")
        assert legacy in found.objects
        assert modern not in found.objects
        assert "not-a-secret" not in str(found)

    def test_unknown_for_a_role_that_cannot_read_pg_authid(self, pg_url: str, roles: Callable[..., str]) -> None:
        """Read by a non-superuser, stored passwords are unknown (no finding, role_passwords missing);
        password_encryption = md5 is reported whoever reads it."""
        reader = roles("reader", "LOGIN")
        model = read_model(with_user(pg_url, reader))
        assert model.session is not None
        assert model.session.md5_roles is None
        assert not model.has("role_passwords")
        ctx = RuleContext(model=model)
        assert list(REGISTRY.get("md5-password")(ctx)) == []  # type: ignore[misc]
        assert [n.message.split(":")[1].strip() for n in ctx.notes] == [
            "whether stored passwords are MD5 hashes is unknown"]
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER ROLE {} SET password_encryption = 'md5'").format(sql.Identifier(reader)))
        (found,) = findings_for(read_model(with_user(pg_url, reader)), "md5-password")
        assert found.evidence == ("password_encryption = md5",
                                  "stored passwords: unknown (pg_authid is readable by superusers only)")


class TestViewBypassesRls:
    def test_view_owned_by_the_table_owner(self, pg_url: str, roles: Callable[..., str]) -> None:
        """A view over an RLS table, readable by another role and running as the table's owner, is P1;
        security_invoker and unreadable views are clean; the fix clears the finding."""
        app = roles("app", "LOGIN")
        ddl = TENANT_TABLE + f"""
            CREATE VIEW recent AS SELECT id, body FROM docs;
            GRANT SELECT ON recent TO {ident(app)};
            CREATE VIEW private AS SELECT id FROM docs;
            CREATE VIEW invoker WITH (security_invoker = true) AS SELECT id FROM docs;
            GRANT SELECT ON invoker TO {ident(app)};"""
        found = assert_fix_round_trip(pg_url, ddl, "view-bypasses-rls", ["public.recent"])
        assert found.fix_sql == "ALTER VIEW public.recent SET (security_invoker = true);"
        assert objects(findings_for(read_model(pg_url), "view-bypasses-rls")) == []
        # PostgreSQL 14 has no security_invoker: the fix says what to do instead.
        model = model_from_ddl(pg_url, "ALTER VIEW recent RESET (security_invoker);")
        old = dataclasses.replace(model, source=dataclasses.replace(model.source, server_version="14.11"))
        (on_14,) = findings_for(old, "view-bypasses-rls")
        assert (on_14.fix_sql or "").startswith("-- PostgreSQL < 15 has no security_invoker")

    def test_view_owner_subject_to_the_policies(self, pg_url: str, roles: Callable[..., str]) -> None:
        """A view whose owner is subject to the table's policies (not owner, no BYPASSRLS) is clean."""
        owner = roles("owner", "NOLOGIN")
        viewer = roles("viewer", "NOLOGIN")
        app = roles("app", "LOGIN")
        model = model_from_ddl(pg_url, TENANT_TABLE + f"""
            ALTER TABLE docs OWNER TO {ident(owner)};
            GRANT SELECT ON docs TO {ident(viewer)};
            CREATE VIEW recent AS SELECT id FROM docs;
            ALTER VIEW recent OWNER TO {ident(viewer)};
            GRANT SELECT ON recent TO {ident(app)};""")
        assert findings_for(model, "view-bypasses-rls") == []


class TestFixesWithHostileNames:
    def test_every_fix_runs_and_clears_its_finding(self, pg_url: str, roles: Callable[..., str]) -> None:
        """One database, every hostile name: RLS tables owned by the application, definer functions,
        schemas open to PUBLIC, PUBLIC grants and views past RLS; each fix (and verification) executes
        and a re-read finds nothing."""
        app = roles("app", "LOGIN")
        ddl = ["CREATE SCHEMA views;"]
        for name in HOSTILE_NAMES:
            table = qualified(name, name)
            ddl += [f"CREATE SCHEMA {ident(name)}; GRANT CREATE ON SCHEMA {ident(name)} TO PUBLIC;",
                    f"CREATE TABLE {table} (id int PRIMARY KEY, tenant_id int);",
                    f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;",
                    f"CREATE POLICY p ON {table} USING (tenant_id = 1);",
                    f"GRANT ALL ON {table} TO PUBLIC;",
                    DEFINER.format(name=table),
                    f"CREATE VIEW {qualified('views', name)} AS SELECT id FROM {table};",
                    f"GRANT SELECT ON {qualified('views', name)} TO {ident(app)};"]
        model = model_from_ddl(pg_url, "\n".join(ddl))
        owner = model.tables[0].owner or ""  # the test server's user owns everything: it is the app here
        chosen = ("rls-not-forced", "security-definer-search-path", "schema-create-for-public",
                  "granted-to-public", "view-bypasses-rls")
        found = [f for rule_id in chosen for f in findings_for(model, rule_id, app_role=owner)]
        expected = set()
        for n in HOSTILE_NAMES:
            function = f"{n}.{n}(a integer, b text)"
            expected |= {("rls-not-forced", f"{n}.{n}"), ("security-definer-search-path", function),
                         ("schema-create-for-public", n), ("granted-to-public", f"{n}.{n}"),
                         ("granted-to-public", function), ("view-bypasses-rls", f"views.{n}")}
        assert {(f.rule, f.objects[0]) for f in found} == expected
        for f in found:
            if f.verify_sql:
                run_query(pg_url, f.verify_sql)
            execute_script(pg_url, f.fix_sql or "")
        again = read_model(pg_url)
        assert [f for rule_id in chosen for f in findings_for(again, rule_id, app_role=owner)] == []


SECURED = """
CREATE SCHEMA extensions;
CREATE TABLE tenants (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE projects (id bigint PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants, name text);
CREATE TABLE tasks (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, project_id bigint REFERENCES projects);
CREATE VIEW open_tasks WITH (security_invoker = true) AS SELECT id, tenant_id FROM tasks;
CREATE FUNCTION current_tenant() RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = public, pg_temp AS $$ SELECT current_setting('app.tenant_id')::bigint $$;
REVOKE EXECUTE ON FUNCTION current_tenant() FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
"""


class TestSecuredSchema:
    def test_no_security_rule_fires(self, pg_url: str, roles: Callable[..., str]) -> None:
        """RLS forced with tenant policies everywhere, invoker views, a locked definer function, a
        non-owner application role with DML grants: no security rule fires."""
        owner = roles("owner", "NOLOGIN")
        app = roles("app", "LOGIN")
        grants = [f"ALTER TABLE {t} OWNER TO {ident(owner)};" for t in ("tenants", "projects", "tasks")]
        grants += [f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY; ALTER TABLE {t} FORCE ROW LEVEL SECURITY;"
                   for t in ("tenants", "projects", "tasks")]
        grants += [f"CREATE POLICY tenant ON {t} USING (tenant_id = current_tenant());" for t in ("projects", "tasks")]
        grants += ["CREATE POLICY tenant ON tenants USING (id = current_tenant());",
                   f"ALTER VIEW open_tasks OWNER TO {ident(owner)};",
                   f"GRANT USAGE ON SCHEMA public TO {ident(app)};",
                   f"GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, projects, tasks, open_tasks TO {ident(app)};",
                   f"GRANT EXECUTE ON FUNCTION current_tenant() TO {ident(app)};"]
        model = model_from_ddl(pg_url, SECURED + "\n".join(grants))
        run = run_rules(RuleContext(model=model, inputs={"app_role": app}), Config(select=("security",)))
        assert run.findings == ()
        assert set(run.rules_run) == set(SECURITY_RULES)


class TestCapabilities:
    def test_sqlite_database_skips_every_security_rule(self, tmp_path: Path) -> None:
        """A live SQLite database has no roles, grants or policies: every security rule is skipped with a
        note saying so, none reports."""
        import sqlite3  # noqa: PLC0415

        from dbaudit.sources.reflect import read_reflected  # noqa: PLC0415

        path = tmp_path / "app.db"
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE docs (id integer PRIMARY KEY, tenant_id integer)")
        model = read_reflected(f"sqlite:///{path}")
        assert (model.functions, model.roles, model.session, model.schema_privileges) == ((), (), None, ())
        run = run_rules(RuleContext(model=model, inputs={"app_role": "app"}), Config(select=("security",)))
        assert (run.findings, set(run.rules_skipped)) == ((), set(SECURITY_RULES))

    def test_skipped_with_a_note_on_models_without_security_facts(self) -> None:
        """An ORM/SQLite/MySQL model (no security or privileges facts) skips every rule that needs them."""
        model: SchemaModel = schema(capabilities=("extensions",)).table("t", {"id": "int"}).build()
        run = run_rules(RuleContext(model=model, inputs={"app_role": "app"}), Config(select=("security",)))
        assert run.findings == ()
        assert set(run.rules_skipped) == set(SECURITY_RULES) - {"extension-in-public"}
        assert all("does not provide" in n.message for n in run.notes)
