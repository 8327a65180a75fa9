"""Rules of the types category: column types that lose data, overflow, or defeat constraints.

Columns of partitions are judged through their partitioned parent (ALTERs on the parent reach
every partition).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from dbaudit.findings import Finding, Severity
from dbaudit.messages import join, msg, sql_comment
from dbaudit.model.schema import Column, ForeignKey, SchemaModel, Sequence, Table
from dbaudit.model.statistics import SequenceGrowth, runtime_statistics
from dbaudit.rules._code_facts import code_facts, resolve_table
from dbaudit.rules._framework import framework
from dbaudit.rules._indexing import Locking, audited_tables, bounded_name, render, sql_for_postgres
from dbaudit.rules._not_null import not_null_fix, null_count_sql
from dbaudit.rules.capacity import growth_text
from dbaudit.rules.registry import RuleContext, rule
from dbaudit.sqltext import ident, literal, qualified

CATEGORY = "types"

INT4_MAX = 2_147_483_647
INT2_MAX = 32_767
NARROW_INTS = {"int2": INT2_MAX, "int4": INT4_MAX}
WIDE_INTS = {"int8": 2**63 - 1, "int4": INT4_MAX}


def _col_object(table: Table, column: Column) -> str:
    return f"{table.qualified_name}.{column.name}"


def _alter_column(table: Table, column: Column, clause: str) -> Locking:
    return Locking(f"ALTER TABLE {qualified(table.schema, table.name)} ALTER COLUMN {ident(column.name)} {clause};")


def _column_facts_sql(table: Table, column: Column) -> str:
    return (
        "SELECT table_schema, table_name, column_name, data_type, character_maximum_length,\n"
        "       is_nullable, column_default\n"
        f"FROM information_schema.columns WHERE table_schema = {literal(table.schema)}\n"
        f"  AND table_name = {literal(table.name)} AND column_name = {literal(column.name)};"
    )


# --- secret-in-bounded-varchar ------------------------------------------------------------------

_SECRET = re.compile(
    r"(^|_)(password|passwd|pwd|secret|token|api_?key|private_?key|access_?key|credential)s?(_|$)"
    r"|encrypt|cipher",
    re.I,
)
# Not secrets at all: metadata about one (its kind, when it expires, a hint).
_NOT_SECRET = re.compile(r"_hint$|_type$|_at$|_expires?|_on$|_count$|_length$|_version$", re.I)
# One-way hashes: fixed length (bcrypt 60, argon2 ~97, Django pbkdf2 ~88), never decrypted.
_ONE_WAY = re.compile(r"hash|digest|bcrypt|argon|scrypt|pbkdf|salt|(^|_)crypted_password$", re.I)
_CIPHERTEXT = re.compile(r"encrypt|cipher|_enc$", re.I)
_SECRET_TABLE = re.compile(r"credential|secret|connection|datasource|vault", re.I)
PLAINTEXT_SIZES = (16, 64, 128)
FERNET_OVERHEAD = 1 + 8 + 16 + 32  # version byte, timestamp, IV, HMAC-SHA256


def fernet_token_length(plaintext_bytes: int) -> int:
    """Length of a Fernet token (base64url text) for a plaintext of ``plaintext_bytes``.

    Token = base64url(0x80 | timestamp(8) | IV(16) | AES-128-CBC ciphertext | HMAC(32)); PKCS7
    padding always adds 1-16 bytes, so the ciphertext is ``16 * (n // 16 + 1)`` bytes.
    """
    raw = FERNET_OVERHEAD + 16 * (plaintext_bytes // 16 + 1)
    return base64_length(raw)


def base64_length(raw_bytes: int) -> int:
    return 4 * math.ceil(raw_bytes / 3)


def stored_lengths(plaintext_bytes: int) -> tuple[int, int]:
    """(Fernet token, base64 of the Fernet token) lengths: single and double encoding."""
    single = fernet_token_length(plaintext_bytes)
    return single, base64_length(single)


def secret_kind(model: SchemaModel, table: Table, column: Column, *, coded: bool) -> tuple[str, str]:
    """(``ciphertext`` | ``hash`` | ``unknown``, why) for a secret-like column.

    Reversible ciphertext: the code scan sees it encrypted, its name says so, or it sits in a table of
    credentials for other systems (a password used to connect must be decrypted). One-way hash: the
    name says so (``*_hash``, ``*_digest``, ``hashed_password``), Devise's ``encrypted_password`` in a
    Rails schema (bcrypt despite its name) and Django's ``auth_user.password`` (a hasher's string).
    """
    name = column.name
    kind = framework(model)
    if coded:
        return "ciphertext", msg("the code scan shows the application encrypting it")
    if _ONE_WAY.search(name):
        return "hash", msg("its name ({name}) marks a one-way hash", name=name)
    if kind == "rails" and name == "encrypted_password":
        return "hash", msg("Devise's encrypted_password in a Rails schema holds a bcrypt hash")
    if kind == "django" and table.name == "auth_user" and name == "password":
        return "hash", msg("Django's auth_user.password holds a password hasher's string (e.g. pbkdf2_sha256$...)")
    if _CIPHERTEXT.search(name):
        return "ciphertext", msg("its name ({name}) says it is encrypted", name=name)
    if _SECRET_TABLE.search(table.name):
        return "ciphertext", msg("{table} stores credentials for other systems: a secret used to connect must be "
                                 "decrypted, so it is reversible ciphertext", table=table.qualified_name)
    return "unknown", msg("nothing says whether it holds a one-way hash, ciphertext or plain text")


@rule("secret-in-bounded-varchar", category=CATEGORY, severity=Severity.P1, fix="always")
@sql_for_postgres
def secret_in_bounded_varchar(ctx: RuleContext) -> Iterator[Finding]:
    """Encrypted secret stored in a `varchar(n)` that the ciphertext can outgrow.

    ## What it does
    Reports `varchar(n)` columns that hold reversible ciphertext and computes the stored length of a
    Fernet token for plaintexts of 16, 64 and 128 characters, single- and double-base64-encoded (as
    `base64.b64encode(Fernet.encrypt(...))` does). P0 when a realistic value exceeds `n`, P1
    otherwise. The evidence says why the value is ciphertext: the code scan shows it encrypted, the
    name says so (`*_encrypted`, `cipher*`), or the table stores credentials for other systems (a
    password used to connect must be decrypted).

    A one-way hash is not ciphertext: it has a fixed length (bcrypt 60 characters, argon2 about
    97) and is never reported (`*_hash`, `*_digest`, `hashed_password`, Devise's
    `encrypted_password` in a Rails schema, Django's `auth_user.password`). A secret-like name
    (`password`, `token`, `api_key`) with nothing saying which is "unknown": a note, not a finding.

    ## Why is this bad?
    Ciphertext grows with the plaintext and with the encoding: a 128-character password becomes
    a 268-character Fernet token and 360 characters once base64-encoded again. The insert fails
    (or an ORM truncates), and a truncated ciphertext can never be decrypted.

    ## Example
    ```sql
    CREATE TABLE credentials (id bigint PRIMARY KEY, password varchar(255) NOT NULL);
    ```

    ## Use instead
    ```sql
    ALTER TABLE credentials ALTER COLUMN password TYPE text;  -- no rewrite from varchar
    ```

    ## Known problems
    Without the code scan, ciphertext is recognised by column and table names only.
    """
    encrypted = {
        (t.qualified_name, e.column): e
        for e in code_facts(ctx.inputs).encrypted_columns
        if (t := resolve_table(ctx.model, e.table)) is not None
    }
    unknown: list[str] = []
    for table in audited_tables(ctx.model):
        for column in table.columns:
            n = column.type.length
            if column.type.name != "varchar" or n is None or column.type.array_dims:
                continue
            fact = encrypted.get((table.qualified_name, column.name))
            if fact is None and (not _SECRET.search(column.name) or _NOT_SECRET.search(column.name)):
                continue
            kind, why = secret_kind(ctx.model, table, column, coded=fact is not None)
            if kind == "ciphertext":
                yield _secret_finding(table, column, n, why)
            elif kind == "unknown":
                unknown.append(_col_object(table, column))
    if unknown:
        shown = join("", [", ".join(unknown[:5]), msg(" and {n} more", n=len(unknown) - 5) if len(unknown) > 5 else ""])
        ctx.note("secret-in-bounded-varchar", msg("secret-in-bounded-varchar: unknown for {n_unknown} bounded "
                                                  "secret-like column(s) ({shown}): a one-way hash fits, "
                                                  "reversible ciphertext may not; pass --code to see what the "
                                                  "application stores",
                                                  n_unknown=len(unknown), shown=shown))


def _secret_finding(table: Table, column: Column, n: int, why: str) -> Finding:
    lengths = {size: stored_lengths(size) for size in PLAINTEXT_SIZES}
    overflow = [size for size, (single, _double) in lengths.items() if single > n]
    severity = Severity.P0 if overflow else Severity.P1
    evidence = [msg("{col_object} is {column_type} (limit {n} characters)",
                    col_object=_col_object(table, column), column_type=column.type.sql, n=n)]
    evidence += [
        msg("{size}-character plaintext: Fernet token {single} chars, base64(Fernet token) {double} chars -> "
            "{value} {n}{value2}",
            size=size, single=single, double=double, value=msg("EXCEEDS") if double > n else msg("fits"), n=n,
            value2=msg(" even single-encoded") if single > n else "")
        for size, (single, double) in lengths.items()
    ]
    evidence.append(msg("reversible ciphertext, not a one-way hash: {why}", why=why))
    return secret_in_bounded_varchar.finding(
        objects=[_col_object(table, column)],
        title=msg("Secret column {col_object} is {column_type}: ciphertext outgrows it",
                  col_object=_col_object(table, column), column_type=column.type.sql),
        evidence=evidence,
        impact=(
            msg("Long secrets fail to save or are truncated; a truncated ciphertext cannot be decrypted, so "
                "connections using it break with no automatic recovery.")
        ),
        root_cause=msg("The column length was sized for the plaintext, not for the encrypted encoding."),
        fix_sql=render(
            [
                sql_comment("-- varchar(n) -> text is binary-compatible: no table rewrite, no index rebuild; only a\n"
                            "-- brief ACCESS EXCLUSIVE lock (retry if the lock timeout expires)."),
                _alter_column(table, column, "TYPE text"),
            ]
        ),
        verify_sql=(
            f"SELECT max(length({ident(column.name)})) AS longest, {n} AS column_limit, "
            f"count(*) FILTER (WHERE length({ident(column.name)}) >= {n}) AS at_limit\n"
            f"FROM {qualified(table.schema, table.name)};"
        ),
        severity=severity,
        data={
            "table": table.qualified_name,
            "column": column.name,
            "column_limit": n,
            "plaintext_lengths": PLAINTEXT_SIZES,
            "fernet_token_lengths": tuple(v[0] for v in lengths.values()),
            "base64_fernet_token_lengths": tuple(v[1] for v in lengths.values()),
            "reversible": True,
        },
    )


# --- timestamp-without-time-zone ----------------------------------------------------------------


@rule("timestamp-without-time-zone", category=CATEGORY, severity=Severity.P2, fix="always", requires=("postgresql",))
def timestamp_without_time_zone(ctx: RuleContext) -> Iterator[Finding]:
    """`timestamp without time zone` column.

    ## What it does
    Reports columns of type `timestamp` (without time zone).

    ## Why is this bad?
    The value carries no zone: whether it means UTC or server-local time depends on who wrote it,
    comparisons with `now()` (a `timestamptz`) silently use the session's `TimeZone`, and
    daylight-saving transitions create ambiguous or missing hours.

    ## Example
    ```sql
    CREATE TABLE events (created_at timestamp DEFAULT now());
    ```

    ## Use instead
    ```sql
    ALTER TABLE events ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC';
    ```

    ## Known problems
    The conversion rewrites the table unless the session `TimeZone` is UTC and no `USING` is
    given (PostgreSQL 12+); state which zone the stored values are in before converting.
    """
    for table in audited_tables(ctx.model):
        for column in table.columns:
            if column.type.name == "timestamp":
                yield _timestamp_finding(table, column)


def _timestamp_finding(table: Table, column: Column) -> Finding:
    name = ident(column.name)
    using = f"TYPE timestamptz USING {name} AT TIME ZONE 'UTC'"
    return timestamp_without_time_zone.finding(
        objects=[_col_object(table, column)],
        title=msg("{col_object} is timestamp without time zone", col_object=_col_object(table, column)),
        evidence=[msg("{col_object} type {column_type}",
                      col_object=_col_object(table, column), column_type=column.type.sql)],
        impact=msg("Values are ambiguous across time zones and DST; comparisons depend on the session."),
        root_cause=msg("`DateTime` without `timezone=True` (or `timestamp`) in the model/migration."),
        fix_sql=render(
            [
                sql_comment("-- Assumes the stored values are UTC; change the zone if they are not. This rewrites\n"
                            "-- the table under an ACCESS EXCLUSIVE lock: on a large table add a timestamptz column,\n"
                            "-- backfill it in batches, and swap instead."),
                _alter_column(table, column, using),
            ]
        ),
        verify_sql=_column_facts_sql(table, column),
    )


# --- int4-key-overflow-risk ---------------------------------------------------------------------


def _generated_key(column: Column) -> bool:
    return bool(
        column.identity or column.serial_sequence or (column.default and column.default.lower().startswith("nextval("))
    )


def _sequence_for(model: SchemaModel, table: Table, column: Column) -> Sequence | None:
    if column.serial_sequence:
        found = model.sequence(column.serial_sequence) or model.sequence(f"{table.schema}.{column.serial_sequence}")
        if found is not None:
            return found
    for seq in model.sequences:
        if seq.owned_by_table == table.qualified_name and seq.owned_by_column == column.name:
            return seq
    match = re.match(r"nextval\('([^']+)'", column.default or "")
    if match:
        name = match.group(1).replace('"', "")
        return model.sequence(name if "." in name else f"{table.schema}.{name}")
    return None


def _key_columns(table: Table) -> list[Column]:
    pk = table.primary_key
    if pk is None:
        return []
    cols = [c for name in pk.columns if (c := table.column(name)) is not None]
    narrow = [c for c in cols if c.type.name in NARROW_INTS and not c.type.array_dims]
    if len(cols) == 1:
        return narrow
    return [c for c in narrow if _generated_key(c)]


@rule("int4-key-overflow-risk", category=CATEGORY, severity=Severity.P2, fix="always")
@sql_for_postgres
def int4_key_overflow_risk(ctx: RuleContext) -> Iterator[Finding]:
    """Integer (int4) key that can run out, or an FK narrower than the key it references.

    ## What it does
    Reports `integer`/`smallint` primary-key columns (serial, identity, or a single-column PK)
    with the sequence usage when known (`last_value` against the column's maximum), and FK
    columns narrower than the key they reference (`int4` referencing `int8`). P1 when a sequence
    is more than 50% used, P2 otherwise.

    ## Why is this bad?
    At 2,147,483,647 inserts fail with "integer out of range" / "nextval: reached maximum"; the
    fix then is an emergency table rewrite. A narrow FK breaks as soon as the referenced bigint key
    passes the int4 range.

    ## Example
    ```sql
    CREATE TABLE events (id serial PRIMARY KEY);
    ```

    ## Use instead
    ```sql
    CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
    ```

    ## Known problems
    Widening an existing column rewrites the table; the generated fix shows both the simple
    `ALTER TYPE` (small tables) and the zero-downtime plan (large tables).
    """
    model = ctx.model
    tables = audited_tables(model)
    incoming: dict[str, list[tuple[Table, ForeignKey]]] = {}
    for other in tables:
        for fk in other.foreign_keys:
            incoming.setdefault(fk.ref_qualified, []).append((other, fk))
    stats = runtime_statistics(ctx.inputs)
    growth = {g.sequence: g for g in stats.sequences} if stats is not None else {}
    for table in tables:
        for column in _key_columns(table):
            referencing = _referencing(incoming.get(table.qualified_name, []), column)
            yield _key_finding(model, table, column, referencing, growth)
        yield from _narrow_fk_findings(model, table)


def _usage(model: SchemaModel, table: Table, column: Column) -> tuple[Sequence | None, float | None]:
    seq = _sequence_for(model, table, column)
    if seq is None or seq.last_value is None:
        return seq, None
    limit = min(NARROW_INTS[column.type.name], seq.max_value or NARROW_INTS[column.type.name])
    return seq, 100.0 * seq.last_value / limit


def _referencing(incoming: list[tuple[Table, ForeignKey]], column: Column) -> list[tuple[Table, str]]:
    """Narrow FK columns of other tables that reference ``column``."""
    out = []
    for other, fk in incoming:
        if column.name not in fk.ref_columns:
            continue
        local = fk.columns[fk.ref_columns.index(column.name)]
        local_col = other.column(local)
        if local_col is not None and local_col.type.name in NARROW_INTS:
            out.append((other, local))
    return out




def _widen_plan(column: str) -> str:
    # An identifier inside a SQL comment must not carry a line break out of the comment.
    return sql_comment(
        "-- Zero-downtime plan for a large table: (1) ADD COLUMN {col}_new bigint; (2) a trigger\n"
        "-- copies {col} into {col}_new on INSERT/UPDATE; (3) backfill {col}_new in batches;\n"
        "-- (4) CREATE UNIQUE INDEX CONCURRENTLY on {col}_new; (5) in one short transaction drop the\n"
        "-- old constraint, ADD PRIMARY KEY USING INDEX, rename the columns, move the sequence.\n"
        "-- The statements below are the simple form: ALTER COLUMN TYPE bigint REWRITES the table\n"
        "-- and its indexes under an ACCESS EXCLUSIVE lock - only for small tables or a window.",
        col=" ".join(ident(column).splitlines()),
    )


def _key_finding(model: SchemaModel, table: Table, column: Column, referencing: list[tuple[Table, str]],
                 growth: dict[str, SequenceGrowth]) -> Finding:
    seq, usage = _usage(model, table, column)
    severity = Severity.P1 if usage is not None and usage > 50 else Severity.P2
    evidence: list[str] = [msg("{col_object} is {column_type} (max {narrow_ints:,})",
                               col_object=_col_object(table, column), column_type=column.type.sql,
                               narrow_ints=NARROW_INTS[column.type.name])]
    if seq is not None:
        evidence.append(
            msg("sequence {seq}: last_value {last_value}, max_value {max_value}{value}",
                seq=seq.qualified_name, last_value=seq.last_value, max_value=seq.max_value,
                value=msg(" -> {usage:.2f}% of the column's range used", usage=usage) if usage is not None else "")
        )
    forecast = growth.get(seq.qualified_name) if seq is not None else None
    if forecast is not None:
        evidence.append(growth_text(forecast))
    if referencing:
        evidence.append(msg("referenced by: {value}",
                            value=", ".join(f"{t.qualified_name}.{c}" for t, c in referencing)))
    statements = [_alter_column(table, column, "TYPE bigint")]
    if seq is not None and not column.identity:
        statements.append(Locking(f"ALTER SEQUENCE {qualified(seq.schema, seq.name)} AS bigint;"))
    statements += [
        Locking(f"ALTER TABLE {qualified(t.schema, t.name)} ALTER COLUMN {ident(c)} TYPE bigint;")
        for t, c in referencing
    ]
    data: dict[str, object] = {"column_max": NARROW_INTS[column.type.name], "table": table.qualified_name,
                               "column": column.name}
    if seq is not None:
        data["sequence"] = seq.qualified_name
    if usage is not None:
        data["sequence_usage_percent"] = round(usage, 4)
    if forecast is not None and forecast.days_left is not None:
        data["days_left"] = round(forecast.days_left, 1)
    return int4_key_overflow_risk.finding(
        objects=[_col_object(table, column)],
        title=msg("Key {col_object} is {column_type}{value}",
                  col_object=_col_object(table, column), column_type=column.type.sql,
                  value=msg(" ({usage:.1f}% used)", usage=usage) if usage is not None else ""),
        evidence=evidence,
        impact=msg("When the sequence passes the int4 range, every insert fails until the key is widened."),
        root_cause=msg("`Integer` primary key / `serial` instead of `BigInteger` / bigint identity."),
        fix_sql=render([_widen_plan(column.name), *statements]),
        verify_sql=_sequence_sql(seq) if seq is not None else _column_facts_sql(table, column),
        severity=severity,
        data=data,
    )


def _sequence_sql(seq: Sequence) -> str:
    return (
        "SELECT schemaname, sequencename, data_type, last_value, max_value,\n"
        "       round(100.0 * coalesce(last_value, 0) / max_value, 2) AS used_percent\n"
        f"FROM pg_sequences WHERE schemaname = {literal(seq.schema)} "
        f"AND sequencename = {literal(seq.name)};"
    )


def _narrow_fk_findings(model: SchemaModel, table: Table) -> Iterator[Finding]:
    for fk in table.foreign_keys:
        ref = model.table(fk.ref_qualified)
        if ref is None:
            continue
        for local, remote in zip(fk.columns, fk.ref_columns, strict=False):
            col, ref_col = table.column(local), ref.column(remote)
            if col is None or ref_col is None:
                continue
            if _narrower(col, ref_col):
                yield _narrow_fk_finding(table, col, ref, ref_col, fk.name)


def _narrower(col: Column, ref_col: Column) -> bool:
    widths = {"int2": 2, "int4": 4, "int8": 8}
    a, b = widths.get(col.type.name), widths.get(ref_col.type.name)
    return a is not None and b is not None and a < b


def _narrow_fk_finding(table: Table, col: Column, ref: Table, ref_col: Column, fk: str) -> Finding:
    return int4_key_overflow_risk.finding(
        objects=[_col_object(table, col), f"{ref.qualified_name}.{ref_col.name}"],
        title=(
            msg("FK column {col_object} ({col_type}) is narrower than {ref}.{ref_col} ({ref_col_type})",
                col_object=_col_object(table, col), col_type=col.type.sql, ref=ref.qualified_name,
                ref_col=ref_col.name, ref_col_type=ref_col.type.sql)
        ),
        evidence=[
            msg("FK {fk}: {col_object} {col_type} -> {ref}.{ref_col} {ref_col_type}",
                fk=fk, col_object=_col_object(table, col), col_type=col.type.sql, ref=ref.qualified_name,
                ref_col=ref_col.name, ref_col_type=ref_col.type.sql)
        ],
        impact=msg("Rows referencing keys beyond the narrow range cannot be inserted."),
        root_cause=msg("The FK column was declared `Integer` while the referenced key is `BigInteger`."),
        fix_sql=render([_widen_plan(col.name), _alter_column(table, col, f"TYPE {ref_col.type.sql}")]),
        verify_sql=_column_facts_sql(table, col),
    )


# --- sequence-type-mismatch --------------------------------------------------------------------

# pg_sequences / format_type names of a sequence's type -> (canonical column type name, maximum)
_SEQUENCE_TYPES = {"smallint": ("int2", INT2_MAX), "integer": ("int4", INT4_MAX), "bigint": ("int8", 2**63 - 1)}
_INT_MAX = {"int2": INT2_MAX, "int4": INT4_MAX, "int8": 2**63 - 1}
_SQL_TYPE = {"int2": "smallint", "int4": "integer", "int8": "bigint"}


@rule("sequence-type-mismatch", category=CATEGORY, severity=Severity.P2, fix="always",
      requires=("sequences",))
@sql_for_postgres
def sequence_type_mismatch(ctx: RuleContext) -> Iterator[Finding]:
    """A serial, identity or `nextval` sequence whose type does not match the column it feeds.

    ## What it does
    For every integer column filled from a sequence (identity, serial/`OWNED BY`, or a
    `DEFAULT nextval(...)`), compares the sequence's type with the column's:

    - a narrower sequence (`AS integer` feeding a `bigint` column, typically a `serial` key later
      widened with `ALTER COLUMN TYPE bigint`, which leaves the sequence `integer`) whose maximum
      is its type's default: inserts will fail at 2,147,483,647 although the column would not.
      P1 when more than half of the sequence is used, P2 otherwise.
    - a wider sequence (`bigint` feeding an `integer` column) on a column that is not a key
      `int4-key-overflow-risk` already reports: the column overflows first, while monitoring of the
      sequence (`pg_sequences`) shows almost nothing used.

    Sequences with a deliberate lower `MAXVALUE` or `CYCLE` are left alone.

    ## Why is this bad?
    The limit that stops inserts is not the one anybody looks at: widening a key to `bigint`
    does not save it if its sequence stays `integer`, and sequence-exhaustion alerts computed from
    a `bigint` sequence never fire for the `integer` column it feeds.

    ## Example
    ```sql
    CREATE TABLE events (id serial PRIMARY KEY);
    ALTER TABLE events ALTER COLUMN id TYPE bigint;  -- events_id_seq stays AS integer
    ```

    ## Use instead
    ```sql
    ALTER SEQUENCE events_id_seq AS bigint;  -- catalog-only, its maximum follows the type
    ```

    ## Known problems
    Why a rule of its own rather than `int4-key-overflow-risk`: here the column is not the
    problem (or not only), and the fix is a catalog-only `ALTER SEQUENCE`, not a table rewrite.
    """
    model = ctx.model
    for table in audited_tables(model):
        keys = {c.name for c in _key_columns(table)}
        for column in table.columns:
            if column.type.name not in _INT_MAX or column.type.array_dims or not _generated_key(column):
                continue
            seq = _sequence_for(model, table, column)
            found = _SEQUENCE_TYPES.get(seq.data_type) if seq is not None else None
            if seq is None or found is None or seq.cycle:
                continue
            seq_type, seq_type_max = found
            column_max = _INT_MAX[column.type.name]
            if seq_type_max < column_max and seq.max_value in (None, seq_type_max):
                yield _narrow_sequence_finding(table, column, seq, seq_type)
            elif seq_type_max > column_max and column.name not in keys and (seq.max_value or 0) > column_max:
                yield _wide_sequence_finding(table, column, seq)


def _sequence_ref(seq: Sequence) -> str:
    return qualified(seq.schema, seq.name)


def _narrow_sequence_finding(table: Table, column: Column, seq: Sequence, seq_type: str) -> Finding:
    limit = seq.max_value or _INT_MAX[seq_type]
    usage = None if seq.last_value is None else 100.0 * seq.last_value / limit
    return _sequence_finding(
        table, column, seq, limit=limit, usage=usage,
        title=msg("inserts stop at {limit:,}", limit=limit),
        impact=msg("Inserts into {table} fail with 'nextval: reached maximum value' at {limit:,}, although the "
                   "column was widened to hold more.",
                   table=table.qualified_name, limit=limit),
        root_cause=msg("A serial column widened with ALTER COLUMN TYPE keeps its integer sequence."),
        comment=sql_comment("-- Catalog-only: the sequence's maximum follows its new type."),
        severity=Severity.P1 if usage is not None and usage > 50 else None,
    )


def _wide_sequence_finding(table: Table, column: Column, seq: Sequence) -> Finding:
    column_max = _INT_MAX[column.type.name]
    return _sequence_finding(
        table, column, seq, limit=column_max,
        usage=None if seq.last_value is None else 100.0 * seq.last_value / column_max,
        title=msg("which overflows first"),
        impact=msg("Inserts fail with 'integer out of range' at {column_max:,} while sequence monitoring shows "
                   "almost nothing used.",
                   column_max=column_max),
        root_cause=msg("The sequence was created with the default bigint type for an integer column."),
        comment=sql_comment("-- Make the sequence's limit the column's (monitoring then shows the real usage); if "
                            "the\n-- column needs a wider range, widen it instead (see int4-key-overflow-risk)."),
    )


def _sequence_finding(
    table: Table, column: Column, seq: Sequence, *, limit: int, usage: float | None, title: str, impact: str,
    root_cause: str, comment: str, severity: Severity | None = None,
) -> Finding:
    """``limit``: the value at which inserts fail; ``usage``: how much of it ``last_value`` uses."""
    evidence = [
        msg("{col_object} is {column_type} (max {int_max:,})",
            col_object=_col_object(table, column), column_type=column.type.sql, int_max=_INT_MAX[column.type.name]),
        msg("sequence {seq} is {data_type} (max_value {value:,}){value2}",
            seq=seq.qualified_name, data_type=seq.data_type, value=seq.max_value or limit,
            value2=f", last_value {seq.last_value:,} ({usage:.2f}% of {limit:,} used)" if usage is not None else ""),
    ]
    data: dict[str, object] = {"fails_at": limit}
    if usage is not None:
        data["usage_percent"] = round(usage, 4)
    return sequence_type_mismatch.finding(
        objects=[seq.qualified_name, _col_object(table, column)],
        title=msg("Sequence {seq} ({data_type}) feeds {column_type} column {col_object}, {title}",
                  seq=seq.qualified_name, data_type=seq.data_type, column_type=column.type.sql,
                  col_object=_col_object(table, column), title=title),
        evidence=evidence,
        impact=impact,
        root_cause=root_cause,
        fix_sql=render([comment, Locking(f"ALTER SEQUENCE {_sequence_ref(seq)} AS {_SQL_TYPE[column.type.name]};")]),
        verify_sql=_sequence_sql(seq),
        severity=severity,
        data=data,
    )


# --- json-not-jsonb -----------------------------------------------------------------------------


@rule("json-not-jsonb", category=CATEGORY, severity=Severity.P2, fix="always", requires=("postgresql",))
def json_not_jsonb(ctx: RuleContext) -> Iterator[Finding]:
    """`json` column instead of `jsonb`.

    ## What it does
    Reports columns of type `json`.

    ## Why is this bad?
    `json` stores the text as is and re-parses it on every access; it has no equality operator
    (so no `DISTINCT`, `GROUP BY` or unique index) and no GIN index support for containment.

    ## Example
    ```sql
    CREATE TABLE logs (context json);
    ```

    ## Use instead
    ```sql
    ALTER TABLE logs ALTER COLUMN context TYPE jsonb USING context::jsonb;
    ```

    ## Known problems
    `jsonb` drops duplicate keys and key order; keep `json` if the exact text matters.
    """
    for table in audited_tables(ctx.model):
        for column in table.columns:
            if column.type.name == "json":
                yield json_not_jsonb.finding(
                    objects=[_col_object(table, column)],
                    title=msg("{col_object} is json, not jsonb", col_object=_col_object(table, column)),
                    evidence=[msg("{col_object} type {column_type}",
                                  col_object=_col_object(table, column), column_type=column.type.sql)],
                    impact=msg("Every access re-parses the text; no equality, no GIN containment index."),
                    root_cause=msg("`JSON` instead of `postgresql.JSONB` in the model."),
                    fix_sql=render(
                        [
                            sql_comment("-- Rewrites the table under an ACCESS EXCLUSIVE lock; on a large table add a\n"
                                        "-- jsonb column, backfill in batches and swap instead."),
                            _alter_column(table, column, f"TYPE jsonb USING {ident(column.name)}::jsonb"),
                        ]
                    ),
                    verify_sql=_column_facts_sql(table, column),
                )


# --- nullable-with-default ----------------------------------------------------------------------


def _non_null_default(column: Column) -> bool:
    default = (column.default or "").strip()
    return bool(default) and not default.upper().startswith("NULL")


@rule("nullable-with-default", category=CATEGORY, severity=Severity.P2, fix="always")
@sql_for_postgres
def nullable_with_default(ctx: RuleContext) -> Iterator[Finding]:
    """Nullable column with a non-null default.

    ## What it does
    Reports a column that has a non-null `DEFAULT` (a flag, `created_at DEFAULT now()`) but still
    accepts `NULL`.

    ## Why is this bad?
    The default shows the intent "always has a value", but an explicit `NULL` (an ORM passing
    `None`, a bulk load) is still accepted, so every reader must handle three states of a boolean
    or a missing creation time.

    ## Example
    ```sql
    CREATE TABLE tags (is_active boolean DEFAULT true);
    ```

    ## Use instead
    ```sql
    ALTER TABLE tags ADD CONSTRAINT tags_is_active_not_null CHECK (is_active IS NOT NULL) NOT VALID;
    ALTER TABLE tags VALIDATE CONSTRAINT tags_is_active_not_null;
    ALTER TABLE tags ALTER COLUMN is_active SET NOT NULL;  -- uses the valid CHECK, no scan
    ALTER TABLE tags DROP CONSTRAINT tags_is_active_not_null;
    ```
    """
    for table in audited_tables(ctx.model):
        for column in table.columns:
            wanted = column.nullable and not column.identity and not column.generated
            if wanted and _non_null_default(column):
                yield _nullable_finding(table, column)


def _nullable_finding(table: Table, column: Column) -> Finding:
    target = qualified(table.schema, table.name)
    col = ident(column.name)
    fix = not_null_fix(table, column, before=[
        sql_comment("-- Backfill existing NULLs first (batch this on a large table)."),
        f"UPDATE {target} SET {col} = DEFAULT WHERE {col} IS NULL;",
    ])
    return nullable_with_default.finding(
        objects=[_col_object(table, column)],
        title=msg("{col_object} has DEFAULT {default} but accepts NULL",
                  col_object=_col_object(table, column), default=column.default),
        evidence=[msg("{col_object} {column_type} DEFAULT {default}, nullable",
                      col_object=_col_object(table, column), column_type=column.type.sql, default=column.default)],
        impact=msg("Explicit NULLs bypass the default; readers must handle a third state."),
        root_cause=msg("`default=` / `server_default=` without `nullable=False` in the model."),
        fix_sql=fix,
        verify_sql=null_count_sql(table, column),
        data={"table": table.qualified_name, "column": column.name},
    )


# --- status-without-check -----------------------------------------------------------------------

# Names of closed vocabularies: a state machine or a small fixed set.
_CLOSED = re.compile(r"(^|_)(status|state|priority|kind|stage|phase|severity|level|mode)$", re.I)
# "type" names a closed set only when the models or the code show its values: on its own it is as
# often open (Rails STI "type" holds class names, "content_type" MIME types, "*_type" next to "*_id"
# a polymorphic reference's table or class name).
_TYPE = re.compile(r"(^|_)type$", re.I)
_POSTAL = frozenset({"country", "country_code", "city", "zip", "zipcode", "zip_code", "postal_code",
                     "postcode", "address", "address1", "address_line1", "street", "line1"})
_TEXT_TYPES = ("varchar", "text", "bpchar")
MAX_CLOSED_VALUES = 20


def _checked(table: Table, column: Column) -> bool:
    word = re.compile(rf"(^|[^\w]){re.escape(column.name)}([^\w]|$)")
    return any(column.name in check.columns or word.search(check.expression) for check in table.checks)


def _in_fk(table: Table, column: Column) -> bool:
    return any(column.name in fk.columns for fk in table.foreign_keys)


def _is_postal_state(table: Table, column: Column) -> bool:
    """``state`` of an address (a region name or code), recognised by the address columns beside it."""
    if not re.search(r"(^|_)state$", column.name, re.I):
        return False
    return "address" in table.name.lower() or any(c.name.lower() in _POSTAL for c in table.columns)


def _known_values(ctx: RuleContext, table: Table, column: Column) -> tuple[str, ...]:
    """The values the models or the code use for the column (empty when no input shows any)."""
    values: set[str] = set(column.model_values)
    models = ctx.inputs.get("models")
    orm = models.table(table.qualified_name) if isinstance(models, SchemaModel) else None
    orm_column = orm.column(column.name) if orm is not None else None
    if orm_column is not None:
        values.update(orm_column.model_values)
    for item in code_facts(ctx.inputs).column_values:
        if item.column == column.name and resolve_table(ctx.model, item.table) is table:
            values.update(item.values)
    return tuple(sorted(values))


@rule("status-without-check", category=CATEGORY, severity=Severity.P2, fix="sometimes")
@sql_for_postgres
def status_without_check(ctx: RuleContext) -> Iterator[Finding]:
    """Status-like text column with no CHECK constraint or enum.

    ## What it does
    Reports `varchar`/`text`/`char` columns that hold a closed set of values, with no CHECK
    constraint, enum type or foreign key to a lookup table: columns named `status`, `state`,
    `priority`, `kind`, `stage`, `phase`, `severity`, `level`, `mode` (or ending in `_status`,
    `_state`…), and any column (a `type` too) whose values the ORM models or the code scan show to
    be a small set (at most 20 values).

    Open vocabularies are left alone: a `type` or `*_type` column without such evidence (Rails STI
    `type` holds class names, `content_type` MIME types, `commentable_type` beside `commentable_id`
    the target of a polymorphic reference), a postal `state` beside address columns, and free text.

    ## Why is this bad?
    The set of valid values lives only in code; a typo, an old worker or a manual fix writes a
    value no reader handles, and the UI and the database drift apart.

    ## Example
    ```sql
    CREATE TABLE sync_sessions (status varchar(20) NOT NULL);
    ```

    ## Use instead
    ```sql
    ALTER TABLE sync_sessions ADD CONSTRAINT sync_sessions_status_check
        CHECK (status IN ('running', 'completed', 'failed')) NOT VALID;
    ALTER TABLE sync_sessions VALIDATE CONSTRAINT sync_sessions_status_check;
    ```

    ## Known problems
    Without models or code a closed set is recognised by its name only.
    """
    for table in audited_tables(ctx.model):
        for column in table.columns:
            if column.type.is_enum or column.type.name not in _TEXT_TYPES or column.type.array_dims:
                continue
            if _checked(table, column) or _in_fk(table, column):
                continue
            values = _known_values(ctx, table, column)
            by_name = bool(_CLOSED.search(column.name)) and not _is_postal_state(table, column)
            by_values = 0 < len(values) <= MAX_CLOSED_VALUES and (by_name or bool(_TYPE.search(column.name))
                                                                  or bool(column.model_values))
            if by_name or by_values:
                yield _status_finding(table, column, values)


def _status_finding(table: Table, column: Column, values: tuple[str, ...]) -> Finding:
    col = ident(column.name)
    evidence = [
        msg("{col_object} {column_type}{value}",
            col_object=_col_object(table, column), column_type=column.type.sql,
            value=f" DEFAULT {column.default}" if column.default else ""),
        msg("no CHECK constraint mentions the column; not an enum; not a foreign key"),
        msg("the models/code use {n_values} values: {values}", n_values=len(values), values=', '.join(values)) if values
        else msg("the name {column} marks a closed set of states", column=column.name),
    ]
    fix = None
    if values:
        check = ident(bounded_name(f"{table.name}_{column.name}_check"))
        target = qualified(table.schema, table.name)
        fix = render([
            Locking(f"ALTER TABLE {target} ADD CONSTRAINT {check} CHECK ({col} IN "
                    f"({', '.join(literal(v) for v in values)})) NOT VALID;"),
            f"ALTER TABLE {target} VALIDATE CONSTRAINT {check};",
        ])
    return status_without_check.finding(
        objects=[_col_object(table, column)],
        title=msg("{col_object} has no CHECK constraint or enum", col_object=_col_object(table, column)),
        evidence=evidence,
        impact=msg("Any string is accepted; invalid states reach readers and reports."),
        root_cause=msg("Allowed values are defined only in application code."),
        fix_sql=fix,
        verify_sql=(f"SELECT {col}, count(*) FROM {qualified(table.schema, table.name)} GROUP BY 1 ORDER BY 2 DESC;"),
        data={"table": table.qualified_name, "column": column.name, "values": values},
    )


# --- char-type ----------------------------------------------------------------------------------


@rule("char-type", category=CATEGORY, severity=Severity.P2, fix="always", requires=("postgresql",))
def char_type(ctx: RuleContext) -> Iterator[Finding]:
    """`character(n)` column.

    ## What it does
    Reports columns of type `character(n)` / `char(n)`.

    ## Why is this bad?
    Values are blank-padded to `n`, trailing spaces are insignificant in some comparisons and
    significant in others (`LIKE`, concatenation), and it is never faster than `text`.

    ## Example
    ```sql
    CREATE TABLE countries (code char(2));
    ```

    ## Use instead
    ```sql
    ALTER TABLE countries ALTER COLUMN code TYPE text;  -- or varchar(2) / text with a CHECK
    ```
    """
    for table in audited_tables(ctx.model):
        for column in table.columns:
            if column.type.name == "bpchar":
                yield char_type.finding(
                    objects=[_col_object(table, column)],
                    title=msg("{col_object} is {column_type}",
                              col_object=_col_object(table, column), column_type=column.type.sql),
                    evidence=[msg("{col_object} type {column_type}",
                                  col_object=_col_object(table, column), column_type=column.type.sql)],
                    impact=msg("Blank padding makes comparisons and lengths surprising."),
                    root_cause=msg("`CHAR(n)` chosen for fixed-length codes."),
                    fix_sql=render(
                        [
                            sql_comment(
                                "-- char(n) -> text strips the padding and REWRITES the table under an\n"
                                "-- ACCESS EXCLUSIVE lock; schedule it, or add a column and swap on large tables."),
                            _alter_column(table, column, "TYPE text"),
                        ]
                    ),
                    verify_sql=_column_facts_sql(table, column),
                )


__all__ = ["base64_length", "fernet_token_length", "stored_lengths"]
