"""Rules of the security category: row-level security, privileges, function security, passwords.

Facts come from the catalog (``security``: RLS flags, policies, functions, view options, available
from a live database, a ``.sql`` file and the migrations' head; ``privileges``: owners, grants, roles
and the reading session, from a live database only). The application's role is named by the
``app-role`` setting (``--app-role``); rules that need it are skipped with a note without it, or fall
back to what the grants show, and say so. Precision first: a rule reports only what the catalog
proves, and names its inference in the evidence.
"""

from __future__ import annotations

from collections.abc import Iterator

from dbaudit.findings import Finding, Severity
from dbaudit.messages import join, msg, sql_comment
from dbaudit.model.schema import PUBLIC_GRANTEE, WRITE_PRIVILEGES, Function, Grant, SchemaModel, Table, TableKind
from dbaudit.rules._framework import kind_word
from dbaudit.rules._security import (
    acts_as_owner,
    bypasses_rls,
    grantee_text,
    login_owners,
    policy_columns,
    readers,
    rls_tables,
    tenant_columns,
    writers,
)
from dbaudit.rules.registry import RuleContext, rule
from dbaudit.sqltext import ident, in_comment, literal, qualified

CATEGORY = "security"
MAX_LISTED = 10


def _app_role(ctx: RuleContext) -> str | None:
    value = ctx.inputs.get("app_role")
    return value if isinstance(value, str) and value else None


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED])
    return join("", [shown, msg(" and {n} more", n=len(names) - MAX_LISTED) if len(names) > MAX_LISTED else ""])


def _policies(table: Table) -> str:
    n = len(table.policies)
    return msg("{n} policy", n=n) if n == 1 else msg("{n} policies", n=n)


def _rls_flags_sql(table: Table) -> str:
    return (
        "SELECT c.oid::regclass AS table_name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,\n"
        "       pg_catalog.pg_get_userbyid(c.relowner) AS owner,\n"
        "       (SELECT count(*) FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid) AS policies\n"
        "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n"
        f"WHERE n.nspname = {literal(table.schema)} AND c.relname = {literal(table.name)};"
    )


# --- rls-not-forced ------------------------------------------------------------------------------


@rule("rls-not-forced", category=CATEGORY, severity=Severity.P1, fix="always", requires=("security", "privileges"))
def rls_not_forced(ctx: RuleContext) -> Iterator[Finding]:
    """Row-level security is enabled but not forced on a table its owner writes.

    ## What it does
    Finds tables with `ENABLE ROW LEVEL SECURITY` but not `FORCE ROW LEVEL SECURITY` that the
    owning role writes: the configured application role (`app-role`) is the owner or a member of
    it, or, without that setting, a login role acts as the owner and no other role has a write
    grant on the table (so whoever writes it writes as the owner).

    ## Why is this bad?
    The owner of a table (and every member of the owning role) bypasses its policies unless the
    table forces row-level security. When the application connects as that role, every policy is
    silently ignored: tenants read and overwrite each other's rows while the schema looks protected.

    ## Example
    ```sql
    ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON documents USING (tenant_id = current_setting('app.tenant_id')::int);
    -- the application connects as the table's owner: the policy never applies
    ```

    ## Use instead
    ```sql
    ALTER TABLE documents FORCE ROW LEVEL SECURITY;
    ```
    Better still, let a migration role own the tables and connect the application as a role that
    only holds the grants it needs.
    """
    model = ctx.model
    app_role = _app_role(ctx)
    for table in rls_tables(model):
        if not table.rls_enabled or table.rls_forced or table.owner is None:
            continue
        evidence = _owner_writes(model, table, app_role)
        if evidence is None:
            continue
        yield rls_not_forced.finding(
            objects=[table.qualified_name],
            title=msg("{table}: row-level security is not forced and its owner writes it", table=table.qualified_name),
            evidence=[
                msg("{table}: ROW LEVEL SECURITY enabled, not forced; owner {owner}; {policies}",
                    table=table.qualified_name, owner=table.owner, policies=_policies(table)),
                *evidence,
            ],
            impact=msg("The owning role bypasses every policy of the table: reads and writes through it see every "
                       "tenant's rows."),
            root_cause=msg("ENABLE ROW LEVEL SECURITY exempts the table's owner; FORCE was not set."),
            fix_sql=f"ALTER TABLE {qualified(table.schema, table.name)} FORCE ROW LEVEL SECURITY;",
            verify_sql=_rls_flags_sql(table),
        )


def _owner_writes(model: SchemaModel, table: Table, app_role: str | None) -> list[str] | None:
    """Evidence that the owning role writes the table, or ``None`` when nothing shows it does."""
    if app_role is not None:
        if not acts_as_owner(model, app_role, table.owner):
            return None
        how = msg("is") if app_role == table.owner else msg("is a member of {owner}, i.e. acts as", owner=table.owner)
        return [msg("the application role {app_role} {how} the owner", app_role=app_role, how=how)]
    logins = login_owners(model, table.owner)
    if not logins or writers(table):
        return None
    return [
        msg("login role(s) acting as the owner: {listed}", listed=_listed(logins)),
        msg("no other role has INSERT/UPDATE/DELETE on the table: its writes come from the owner (inferred; set "
            "app-role to name the application's role)"),
    ]


# --- tenant-table-without-policy ---------------------------------------------------------------------


@rule("tenant-table-without-policy", category=CATEGORY, severity=Severity.P1, fix="sometimes",
      requires=("security",))
def tenant_table_without_policy(ctx: RuleContext) -> Iterator[Finding]:
    """A tenant table in a schema that uses row-level security for tenancy has no policy.

    ## What it does
    In each schema where at least one table has row-level security enabled with a policy (RLS is
    the tenancy model there), finds the other tables that carry the tenant column (the columns
    those policies filter on, else `tenant_id`, `organization_id`…) but have no policy. P1 when
    RLS is not enabled on the table (every tenant's rows are visible), P2 when it is enabled
    without a policy (everything is denied to non-owners: an unfinished migration).

    ## Why is this bad?
    Tenancy enforced by policies is only as strong as the table that was forgotten: a query on a
    tenant table without a policy returns, joins and updates every tenant's rows, and nothing in
    the application notices.

    ## Example
    ```sql
    ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
    CREATE POLICY tenant ON invoices USING (tenant_id = current_setting('app.tenant_id')::int);
    CREATE TABLE invoice_lines (id bigint, tenant_id int, invoice_id bigint);  -- no RLS, no policy
    ```

    ## Use instead
    ```sql
    ALTER TABLE invoice_lines ENABLE ROW LEVEL SECURITY;
    ALTER TABLE invoice_lines FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant ON invoice_lines USING (tenant_id = current_setting('app.tenant_id')::int);
    ```
    """
    by_schema: dict[str, list[Table]] = {}
    for table in rls_tables(ctx.model):
        by_schema.setdefault(table.schema, []).append(table)
    for schema, tables in sorted(by_schema.items()):
        protected = [t for t in tables if t.rls_enabled and t.policies]
        if not protected:
            continue
        columns = tenant_columns(protected)
        for table in tables:
            if table.policies:
                continue
            hit = sorted(c.name for c in table.columns if c.name in columns)
            if hit:
                yield _tenant_finding(schema, table, hit, protected)


def _tenant_finding(schema: str, table: Table, columns: list[str], protected: list[Table]) -> Finding:
    example = protected[0]
    policy = example.policies[0]
    evidence = [
        msg("schema {schema} uses row-level security: {listed} have policies (e.g. {example}.{policy}: {value})",
            schema=schema, listed=_listed([t.name for t in protected]), example=example.name, policy=policy.name,
            value=policy.using or policy.with_check),
        msg("{table} has the tenant column {columns} but no policy; row-level security {value}",
            table=table.qualified_name, columns=', '.join(columns),
            value=msg("enabled") if table.rls_enabled else msg("not enabled")),
    ]
    target = qualified(table.schema, table.name)
    statements = [] if table.rls_enabled else [f"ALTER TABLE {target} ENABLE ROW LEVEL SECURITY;"]
    statements.append(f"ALTER TABLE {target} FORCE ROW LEVEL SECURITY;")
    same = [p for p in example.policies if set(policy_columns(example, p)) & set(columns)]
    if same:
        # The same filter as the example table's policy: only when it names a column this table has.
        for p in same:
            clause = f" USING ({p.using})" if p.using else ""
            clause += f" WITH CHECK ({p.with_check})" if p.with_check else ""
            statements.append(f"CREATE POLICY {ident(p.name)} ON {target} AS "
                              f"{'PERMISSIVE' if p.permissive else 'RESTRICTIVE'} FOR {p.command}{clause};")
    else:
        statements.insert(0, sql_comment("-- write the tenant policy for {table} before forcing RLS",
                                         table=table.qualified_name))
    return tenant_table_without_policy.finding(
        objects=[table.qualified_name],
        title=msg("{table} holds tenant rows ({columns}) but has no row-level security policy",
                  table=table.qualified_name, columns=', '.join(columns)),
        evidence=evidence,
        impact=msg("Queries on this table see and change every tenant's rows") if not table.rls_enabled
        else msg("Non-owner roles see no row at all (RLS enabled without a policy denies everything)"),
        root_cause=msg("The table was added after the tenancy policies were written, without its own policy."),
        fix_sql="\n".join(statements),
        verify_sql=_rls_flags_sql(table),
        severity=Severity.P1 if not table.rls_enabled else Severity.P2,
    )


# --- security-definer-search-path --------------------------------------------------------------------


def _routine(function: Function) -> str:
    return f"{'PROCEDURE' if function.kind == 'procedure' else 'FUNCTION'} " \
           f"{qualified(function.schema, function.name)}({function.arguments})"


def _function_sql(function: Function, columns: str) -> str:
    return (
        f"SELECT p.oid::regprocedure AS routine, {columns}\n"
        "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace\n"
        f"WHERE n.nspname = {literal(function.schema)} AND p.proname = {literal(function.name)}\n"
        f"  AND pg_catalog.pg_get_function_identity_arguments(p.oid) = {literal(function.arguments)};"
    )


@rule("security-definer-search-path", category=CATEGORY, severity=Severity.P1, fix="always",
      requires=("security",))
def security_definer_search_path(ctx: RuleContext) -> Iterator[Finding]:
    """A SECURITY DEFINER function does not fix its search_path.

    ## What it does
    Finds functions and procedures declared `SECURITY DEFINER` without a `SET search_path`
    clause.

    ## Why is this bad?
    A definer function runs with its owner's privileges but resolves unqualified names through the
    caller's `search_path`. A caller who can create objects in any schema on that path (or in
    `pg_temp`) can shadow a table, operator or function the body uses and run their own code as
    the owner: a classic privilege escalation.

    ## Example
    ```sql
    CREATE FUNCTION app.reset_password(uid int) RETURNS void
      LANGUAGE sql SECURITY DEFINER AS $$ UPDATE users SET password = NULL WHERE id = uid $$;
    ```

    ## Use instead
    ```sql
    ALTER FUNCTION app.reset_password(int) SET search_path = app, pg_temp;
    -- and schema-qualify the names in the body
    ```

    ## References
    - https://www.postgresql.org/docs/current/sql-createfunction.html#SQL-CREATEFUNCTION-SECURITY
    """
    for function in ctx.model.functions:
        if not function.security_definer or function.setting("search_path") is not None:
            continue
        yield security_definer_search_path.finding(
            objects=[function.signature],
            title=msg("SECURITY DEFINER {kind} {signature} has no fixed search_path",
                      kind=function.kind, signature=function.signature),
            evidence=[
                msg("{signature}: SECURITY DEFINER, language {value}, owner {value2}",
                    signature=function.signature, value=function.language or "?",
                    value2=function.owner or msg("unknown")),
                msg("settings: {config}",
                    config=", ".join(function.config) if function.config else "none (no SET search_path)"),
            ],
            impact=msg("Any caller who can create objects in a schema on their search_path can run code with the "
                       "privileges of the function's owner."),
            root_cause=msg("The function was declared SECURITY DEFINER without SET search_path."),
            fix_sql=f"ALTER {_routine(function)} SET search_path = {ident(function.schema)}, pg_temp;",
            verify_sql=_function_sql(function, "p.prosecdef AS security_definer, p.proconfig AS settings"),
        )


# --- schema-create-for-public ------------------------------------------------------------------------


@rule("schema-create-for-public", category=CATEGORY, severity=Severity.P1, fix="always", requires=("privileges",))
def schema_create_for_public(ctx: RuleContext) -> Iterator[Finding]:
    """Every role may create objects in a schema (CREATE granted to PUBLIC).

    ## What it does
    Finds audited schemas on which `PUBLIC` holds `CREATE`: the default for schema `public` before
    PostgreSQL 15, and what databases upgraded from older versions keep.

    ## Why is this bad?
    Any role that can connect can create tables, functions and operators there. Objects placed on
    other users' `search_path` can shadow the ones they mean to call (CVE-2018-1058), and any role
    can fill the schema with objects nobody owns on purpose.

    ## Example
    ```sql
    GRANT CREATE ON SCHEMA public TO PUBLIC;  -- the pre-15 default
    ```

    ## Use instead
    ```sql
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    ```

    ## References
    - https://www.postgresql.org/docs/current/ddl-schemas.html#DDL-SCHEMAS-PATTERNS
    """
    for schema in ctx.model.schema_privileges:
        grant = next((g for g in schema.acl if g.grantee == PUBLIC_GRANTEE and "CREATE" in g.privileges), None)
        if grant is None:
            continue
        yield schema_create_for_public.finding(
            objects=[schema.name],
            title=msg("PUBLIC may create objects in schema {schema}", schema=schema.name),
            evidence=[msg("schema {schema} (owner {value}): {grantee_text}",
                          schema=schema.name, value=schema.owner or 'unknown', grantee_text=grantee_text(grant))],
            impact=msg("Every role can create objects that shadow the ones other roles resolve through "
                       "search_path, and run code when they do."),
            root_cause=msg("The pre-PostgreSQL 15 default (CREATE on public for PUBLIC) was never revoked."),
            fix_sql=f"REVOKE CREATE ON SCHEMA {ident(schema.name)} FROM PUBLIC;",
            verify_sql=(
                "SELECT n.nspname, a.privilege_type\n"
                "FROM pg_catalog.pg_namespace n,\n"
                "     LATERAL pg_catalog.aclexplode(coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) a\n"
                f"WHERE n.nspname = {literal(schema.name)} AND a.grantee = 0;"
            ),
        )


# --- granted-to-public -------------------------------------------------------------------------------


@rule("granted-to-public", category=CATEGORY, severity=Severity.P1, fix="always", requires=("privileges",))
def granted_to_public(ctx: RuleContext) -> Iterator[Finding]:
    """A table, view or sequence is granted to PUBLIC, or a SECURITY DEFINER function is executable by
    every role.

    ## What it does
    Finds relations and sequences with privileges granted to `PUBLIC` (P1 when they include a
    write or `USAGE`/`UPDATE` on a sequence, P2 for read-only grants), and `SECURITY DEFINER`
    functions that `PUBLIC` may execute (PostgreSQL's default for every function unless revoked).
    Ordinary (`SECURITY INVOKER`) functions are not reported: they run with the caller's
    privileges.

    ## Why is this bad?
    `PUBLIC` means every role, including roles created later for other applications, reporting
    tools or contractors. A grant to `PUBLIC` cannot be reasoned about per role, and a definer
    function callable by everyone lends its owner's privileges to anyone who can connect.

    ## Example
    ```sql
    GRANT SELECT, INSERT ON orders TO PUBLIC;
    CREATE FUNCTION app.purge() RETURNS void LANGUAGE sql SECURITY DEFINER AS $$ … $$;
    ```

    ## Use instead
    ```sql
    REVOKE ALL ON orders FROM PUBLIC;
    GRANT SELECT, INSERT ON orders TO app_rw;
    REVOKE EXECUTE ON FUNCTION app.purge() FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION app.purge() TO admin;
    ```
    """
    model = ctx.model
    for table in model.tables:
        if table.kind == TableKind.PARTITION:
            continue
        yield from _public_relation(table.qualified_name, "TABLE", qualified(table.schema, table.name),
                                    table.acl, table.kind.value.replace("_", " "))
    for seq in model.sequences:
        yield from _public_relation(seq.qualified_name, "SEQUENCE", qualified(seq.schema, seq.name), seq.acl,
                                    "sequence")
    for function in model.functions:
        grant = next((g for g in function.acl if g.grantee == PUBLIC_GRANTEE), None)
        if grant is None or not function.security_definer:
            continue
        yield granted_to_public.finding(
            objects=[function.signature],
            title=msg("Every role may execute SECURITY DEFINER {kind} {signature}",
                      kind=function.kind, signature=function.signature),
            evidence=[msg("{signature}: SECURITY DEFINER, owner {value}; {grantee_text}",
                          signature=function.signature, value=function.owner or msg("unknown"),
                          grantee_text=grantee_text(grant))],
            impact=msg("Any role that can connect runs {signature} with the privileges of {value}.",
                       signature=function.signature, value=function.owner or msg("its owner")),
            root_cause=msg("Functions are executable by PUBLIC by default; the grant was not revoked for a definer "
                           "function."),
            fix_sql=f"REVOKE EXECUTE ON {_routine(function)} FROM PUBLIC;\n"
                    + sql_comment("-- then GRANT EXECUTE ON {routine} TO <the roles that need it>;",
                                  routine=_routine(function)),
            verify_sql=_function_sql(function, "p.proacl AS privileges"),
        )


def _public_relation(obj: str, keyword: str, target: str, acl: tuple[Grant, ...], kind: str) -> Iterator[Finding]:
    grant = next((g for g in acl if g.grantee == PUBLIC_GRANTEE), None)
    if grant is None:
        return
    privileges = set(grant.privileges)
    dangerous = WRITE_PRIVILEGES | ({"USAGE", "UPDATE"} if keyword == "SEQUENCE" else set())
    writes = sorted(privileges & dangerous)
    yield granted_to_public.finding(
        objects=[obj],
        title=msg("{capitalize} {obj} is granted to PUBLIC ({sorted})",
                  capitalize=kind_word(kind, capital=True), obj=obj, sorted=', '.join(sorted(privileges))),
        evidence=[msg("{obj}: {grantee_text}", obj=obj, grantee_text=grantee_text(grant))],
        impact=(msg("Every role, present or future, may {value} {obj}.",
                    value=msg("change") if writes else msg("read"), obj=obj)),
        root_cause=msg("A grant to PUBLIC instead of to the roles that need the object."),
        fix_sql=f"REVOKE ALL ON {keyword} {target} FROM PUBLIC;\n"
                + sql_comment("-- then GRANT only what each role needs, e.g. GRANT SELECT ON {keyword} {target} TO "
                              "<role>;", keyword=keyword, target=target),
        verify_sql=(
            "SELECT c.oid::regclass AS object, a.privilege_type\n"
            "FROM pg_catalog.pg_class c, LATERAL pg_catalog.aclexplode(c.relacl) a\n"
            f"WHERE c.oid = {literal(target)}::regclass AND a.grantee = 0;"
        ),
        severity=Severity.P1 if writes else Severity.P2,
    )


# --- app-role-privileged -----------------------------------------------------------------------------


@rule("app-role-privileged", category=CATEGORY, severity=Severity.P1, fix="sometimes",
      requires=("privileges", "app_role"))
def app_role_privileged(ctx: RuleContext) -> Iterator[Finding]:
    """The application's role is a superuser, bypasses row-level security, or owns the tables it writes.

    ## What it does
    With the application's role configured (`app-role` in the configuration, `--app-role`),
    reports when that role is a superuser (P0), has `BYPASSRLS`, or owns (directly or through
    membership) the tables it works on (P1). Skipped without the setting: the role dbaudit
    connects as is usually not the application's.

    ## Why is this bad?
    An application role should hold exactly the grants it needs. A superuser application turns
    any SQL injection into control of the server (files, programs, every database); an owner can
    `DROP`, `ALTER` and `TRUNCATE` its tables and bypasses their row-level security.

    ## Example
    ```sql
    CREATE ROLE app LOGIN SUPERUSER;                 -- or: the migrations run as app and it owns everything
    ```

    ## Use instead
    ```sql
    CREATE ROLE app_owner NOLOGIN;                   -- owns the schema, used by migrations
    CREATE ROLE app LOGIN;                           -- the application
    GRANT USAGE ON SCHEMA public TO app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app;
    ```
    """
    model = ctx.model
    app_role = _app_role(ctx)
    if app_role is None:
        return
    role = model.role(app_role)
    if role is None:
        return  # no object of the audited schemas involves it and it is no superuser
    if role.superuser or role.bypass_rls:
        superuser = role.superuser
        yield app_role_privileged.finding(
            objects=[app_role],
            title=msg("The application role {app_role} is a {value}",
                      app_role=app_role, value=msg("superuser") if superuser else msg("BYPASSRLS role")),
            evidence=[msg("role {app_role}: superuser {lower}, bypassrls {lower2}, login {lower3}",
                          app_role=app_role, lower=str(role.superuser).lower(), lower2=str(role.bypass_rls).lower(),
                          lower3=str(role.can_login).lower())],
            impact=(msg("Any SQL injection or leaked credential controls the whole server.") if superuser
                    else msg("Every row-level security policy is ignored for the application.")),
            root_cause=msg("The application connects with an administrative role."),
            fix_sql=f"ALTER ROLE {ident(app_role)} {'NOSUPERUSER' if superuser else 'NOBYPASSRLS'};\n"
                    + sql_comment("-- then GRANT {role} only the privileges the application uses",
                                  role=ident(app_role)),
            verify_sql=f"SELECT rolname, rolsuper, rolbypassrls FROM pg_catalog.pg_roles "
                       f"WHERE rolname = {literal(app_role)};",
            severity=Severity.P0 if superuser else Severity.P1,
        )
    owned = sorted(t.qualified_name for t in rls_tables(model) if acts_as_owner(model, app_role, t.owner))
    if not owned:
        return
    owners = sorted({t.owner for t in model.tables if t.qualified_name in owned and t.owner})
    yield app_role_privileged.finding(
        objects=[app_role],
        title=msg("The application role {app_role} owns {n_owned} table(s) it works on",
                  app_role=app_role, n_owned=len(owned)),
        evidence=[msg("owner(s) {owners}; {app_role} acts as owner of: {listed}",
                      owners=', '.join(owners), app_role=app_role, listed=_listed(owned))],
        impact=msg("The application can DROP, ALTER and TRUNCATE these tables and bypasses their row-level "
                   "security; a compromised application can destroy the schema."),
        root_cause=msg("Migrations and the application use the same role."),
        fix_sql=sql_comment("-- Move ownership to a NOLOGIN role used by migrations, then grant the application DML "
                            "only:\n")
                + "-- CREATE ROLE app_owner NOLOGIN;\n"
                + "\n".join(f"-- ALTER TABLE {in_comment(name)} OWNER TO app_owner;" for name in owned[:MAX_LISTED]),
        verify_sql="SELECT c.oid::regclass, pg_catalog.pg_get_userbyid(c.relowner) AS owner\n"
                   "FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'p')\n"
                   f"  AND pg_catalog.pg_has_role({literal(app_role)}, c.relowner, 'USAGE');",
    )


# --- extension-in-public -----------------------------------------------------------------------------


@rule("extension-in-public", category=CATEGORY, severity=Severity.P2, fix="sometimes", requires=("extensions",))
def extension_in_public(ctx: RuleContext) -> Iterator[Finding]:
    """An extension is installed in schema public.

    ## What it does
    Finds extensions whose objects live in schema `public` while `public` also holds tables or views of
    the application. A `public` that holds extensions and none of the application's tables (the
    application lives in its own schemas, as MusicBrainz's does in `musicbrainz`) already is the
    extensions' schema under its usual name: nothing is reported there.

    ## Why is this bad?
    The extension's functions and operators mix with the application's objects in the schema every
    role searches first: names collide, `public` cannot be locked down without breaking the
    extension, dumps and ownership get confusing, and an extension function can be shadowed or
    shadow an application function.

    ## Example
    ```sql
    CREATE EXTENSION pg_trgm;            -- lands in public
    ```

    ## Use instead
    ```sql
    CREATE SCHEMA IF NOT EXISTS extensions;
    ALTER EXTENSION pg_trgm SET SCHEMA extensions;   -- relocatable extensions
    -- others: DROP EXTENSION … and CREATE EXTENSION … SCHEMA extensions in a maintenance window
    ```
    """
    in_public = sum(1 for t in ctx.model.tables if t.schema == "public")
    if in_public == 0 and "public" in ctx.model.schemas:
        return  # public was read and holds no table or view: it is the extensions' schema, nothing mixes
    for ext in ctx.model.extensions:
        if ext.schema != "public" or ext.name == "plpgsql":
            continue
        evidence = [msg("extension {ext} {version} in schema public", ext=ext.name, version=ext.version)]
        if in_public:
            evidence.append(msg("schema public also holds {n} table(s) or view(s) of the application", n=in_public))
        yield extension_in_public.finding(
            objects=[f"public.{ext.name}"],
            title=msg("Extension {ext} is installed in schema public", ext=ext.name),
            evidence=evidence,
            impact=msg("Its objects share the schema every role searches first with the application's objects."),
            root_cause=msg("CREATE EXTENSION without a SCHEMA clause on a database whose first schema is public."),
            fix_sql="CREATE SCHEMA IF NOT EXISTS extensions;\n"
                    f"ALTER EXTENSION {ident(ext.name)} SET SCHEMA extensions;\n"
                    + sql_comment("-- fails for extensions that are not relocatable: reinstall those in a maintenance "
                                  "window,\n-- and add extensions to the search_path of the roles that call them"),
            verify_sql="SELECT e.extname, n.nspname, e.extrelocatable FROM pg_catalog.pg_extension e\n"
                       "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace\n"
                       f"WHERE e.extname = {literal(ext.name)};",
        )


# --- md5-password -------------------------------------------------------------------------------------


@rule("md5-password", category=CATEGORY, severity=Severity.P1, fix="sometimes", requires=("privileges",))
def md5_password(ctx: RuleContext) -> Iterator[Finding]:
    """Passwords are stored as MD5 hashes.

    ## What it does
    Reports roles whose stored password is an MD5 hash (visible only to a superuser: `pg_authid`)
    and servers whose `password_encryption` is `md5`, so that every new password is stored that
    way. Read by another role, stored passwords are unknown: the report lists `role_passwords`
    among the facts not available instead of assuming none.

    ## Why is this bad?
    An MD5 hash is salted only with the role name and is itself enough to log in with md5
    authentication: a leaked `pg_authid`, backup or log line is a working credential, and MD5 is
    cheap to brute-force. MD5 passwords are deprecated and will be removed in a future release.

    ## Example
    ```text
    password_encryption = md5
    ```

    ## Use instead
    ```text
    password_encryption = scram-sha-256     # then reset each role's password and use scram-sha-256 in pg_hba.conf
    ```

    ## References
    - https://www.postgresql.org/docs/current/auth-password.html
    """
    session = ctx.model.session
    if session is None:
        return
    roles = list(session.md5_roles or ())
    if not roles and (session.password_encryption or "").lower() != "md5":
        if session.md5_roles is None:
            ctx.note("md5-password", msg("md5-password: whether stored passwords are MD5 hashes is unknown: {role} "
                                         "may not read pg_authid (superusers only); new passwords use {value}",
                                         role=session.role,
                                         value=session.password_encryption or msg("an unknown method")))
        return
    evidence = [msg("password_encryption = {value}", value=session.password_encryption or msg("unknown"))]
    if session.md5_roles is None:
        evidence.append(msg("stored passwords: unknown (pg_authid is readable by superusers only)"))
    elif roles:
        evidence.append(msg("roles with an MD5 password hash: {listed}", listed=_listed(roles)))
    statements = [sql_comment("-- postgresql.conf: password_encryption = 'scram-sha-256', then reload")]
    statements += [sql_comment("-- ALTER ROLE {role} PASSWORD '…';  (re-enter the password so it is stored as SCRAM)",
                               role=ident(r))
                   for r in roles[:MAX_LISTED]]
    statements.append(sql_comment("-- pg_hba.conf: replace md5 with scram-sha-256 once every password is SCRAM"))
    yield md5_password.finding(
        objects=roles or ["password_encryption"],
        title=msg("Passwords are stored as MD5 hashes") if roles else msg("New passwords are stored as MD5 hashes "
                                                                     "(password_encryption = md5)"),
        evidence=evidence,
        impact=msg("A leaked hash is a working credential under md5 authentication and is cheap to brute-force."),
        root_cause=msg("The server kept the pre-PostgreSQL 14 default password_encryption = md5."),
        fix_sql="\n".join(statements),
        verify_sql="SELECT current_setting('password_encryption');\n"
                   + sql_comment("-- as a superuser: SELECT rolname FROM pg_authid WHERE rolpassword LIKE 'md5%';"),
    )


# --- view-bypasses-rls --------------------------------------------------------------------------------


@rule("view-bypasses-rls", category=CATEGORY, severity=Severity.P1, fix="always", requires=("security", "privileges"))
def view_bypasses_rls(ctx: RuleContext) -> Iterator[Finding]:
    """A view reads tables with row-level security as its owner, who bypasses their policies.

    ## What it does
    Finds views (and materialized views) that other roles may read, over a table with row-level
    security, which run with the privileges of a view owner who bypasses that table's policies (its
    owner without `FORCE ROW LEVEL SECURITY`, a superuser, a `BYPASSRLS` role). From PostgreSQL 15
    a view with `security_invoker = true` runs as the caller and is not reported.

    ## Why is this bad?
    A view normally checks permissions and policies as its owner, not as the role that queries it.
    A role that may read the view reads every row of the protected table through it: the policies
    the table declares never run.

    ## Example
    ```sql
    ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
    CREATE VIEW recent_documents AS SELECT * FROM documents WHERE created_at > now() - interval '7 days';
    GRANT SELECT ON recent_documents TO app;
    ```

    ## Use instead
    ```sql
    ALTER VIEW recent_documents SET (security_invoker = true);   -- PostgreSQL 15+
    ```
    On PostgreSQL 14 and older, replace the view with a `SECURITY INVOKER` set-returning function,
    or let a role subject to the policies own it.
    """
    model = ctx.model
    supports_invoker = _server_major(model) is None or (_server_major(model) or 0) >= 15
    for view in model.tables:
        if view.kind not in (TableKind.VIEW, TableKind.MATERIALIZED_VIEW) or view.owner is None:
            continue
        if view.kind == TableKind.VIEW and view.security_invoker:
            continue
        audience = [g.grantee for g in readers(view)]
        if not audience:
            continue  # only its owner (and superusers) can read it: nothing is exposed
        for name in view.view_sources:
            table = model.table(name)
            if table is None or not table.rls_enabled:
                continue
            why = bypasses_rls(model, view.owner, table)
            if why is not None:
                yield _view_finding(view, table, why, audience, invoker=supports_invoker)
                break


def _server_major(model: SchemaModel) -> int | None:
    version = model.source.server_version or ""
    head = version.split(".", 1)[0].split(" ", 1)[0]
    return int(head) if head.isdigit() else None


def _view_finding(view: Table, table: Table, why: str, audience: list[str], *, invoker: bool) -> Finding:
    target = qualified(view.schema, view.name)
    if view.kind == TableKind.MATERIALIZED_VIEW:
        grantees = ", ".join(ident(a) if a != PUBLIC_GRANTEE else "PUBLIC" for a in audience)
        fix = (sql_comment("-- {view} stores rows read as its owner: no option makes it apply the policies.\n",
                           view=view.qualified_name)
               + f"REVOKE SELECT ON {target} FROM {grantees};")
    elif invoker:
        fix = f"ALTER VIEW {target} SET (security_invoker = true);"
    else:
        fix = sql_comment("-- PostgreSQL < 15 has no security_invoker: replace {view} with a SECURITY INVOKER\n"
                          "-- set-returning function, or give the view an owner that is subject to the policies.",
                          view=view.qualified_name)
    return view_bypasses_rls.finding(
        objects=[view.qualified_name],
        title=msg("{capitalize} {view} reads {table} past its row-level security",
                  capitalize=kind_word(view.kind.value, capital=True), view=view.qualified_name,
                  table=table.qualified_name),
        evidence=[
            msg("{table}: row-level security enabled{value}, {policies}",
                table=table.qualified_name, value=msg(", forced") if table.rls_forced else "",
                policies=_policies(table)),
            msg("{view} (owner {owner}) runs as its owner{value}: {why}",
                view=view.qualified_name, owner=view.owner,
                value="" if view.kind == TableKind.MATERIALIZED_VIEW else msg(" (security_invoker not set)"), why=why),
            msg("readable by: {listed}", listed=_listed(audience)),
        ],
        impact=msg("Roles that may read {view} see every row of {table}, whatever its policies say.",
                   view=view.qualified_name, table=table.qualified_name),
        root_cause=msg("Views check permissions and policies as their owner unless security_invoker is set."),
        fix_sql=fix,
        verify_sql="SELECT c.oid::regclass AS view, c.reloptions FROM pg_catalog.pg_class c\n"
                   f"WHERE c.oid = {literal(target)}::regclass;",
    )
