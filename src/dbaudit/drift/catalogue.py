"""The drift rules: id, default severity and documentation (the four headings every rule carries).

``dbaudit.drift.rules`` registers them in the rule catalogue (``dbaudit rules``) so that configuration,
``dbaudit rules ID`` and the audit treat drift like any other category.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbaudit.findings import Severity


@dataclass(frozen=True)
class DriftRule:
    id: str
    severity: Severity
    doc: str
    fix: str = "never"
    # check-values-drift is also an audit rule of the integrity category (dbaudit.rules.integrity);
    # drift findings use the same id and category so configuration treats them alike.
    category: str = "drift"


def _doc(summary: str, what: str, why: str, example: str, instead: str) -> str:
    return (
        f"{summary}\n\n## What it does\n\n{what}\n\n## Why is this bad?\n\n{why}\n\n"
        f"## Example\n\n```sql\n{example}\n```\n\n## Use instead\n\n```sql\n{instead}\n```\n"
    )


_RULES = (
    DriftRule("missing-table", Severity.P1, _doc(
        "A table of the reference source is missing from the other source.",
        "Compares two sources (models, migrations head, a database, a .sql file) and reports tables the "
        "first (reference) source has and the second lacks. Partitions, views and `alembic_version` "
        "are not compared.",
        "When the models declare a table the database does not have, every query of that entity fails "
        "at run time; between two databases it means a deployment or a split went wrong.",
        "-- models: class AuditEvent(Base): __tablename__ = 'audit_events'\n-- database: no audit_events",
        "-- create the table through a migration, or remove the model",
    )),
    DriftRule("extra-table", Severity.P2, _doc(
        "A table exists in the compared source but not in the reference source.",
        "Reports tables the second source has and the first (reference) source lacks.",
        "A table nobody maps is either dead weight or written by code the models do not describe.",
        "-- database: CREATE TABLE legacy_import (...);\n-- models: no LegacyImport",
        "-- map the table, or drop it after checking nobody writes it",
    )),
    DriftRule("missing-column", Severity.P1, _doc(
        "A column of the reference source is missing from the other source.",
        "For tables on both sides, reports columns the reference source has and the other lacks.",
        "A mapped column the database does not have makes every SELECT of the entity fail.",
        "-- models: email = mapped_column(String(255))\n-- database: users has no email",
        "ALTER TABLE users ADD COLUMN email varchar(255);",
    )),
    DriftRule("extra-column", Severity.P2, _doc(
        "A column exists in the compared source but not in the reference source.",
        "For tables on both sides, reports columns only the second source has.",
        "An unmapped NOT NULL column without a default makes every ORM insert fail (then P1); otherwise "
        "it is data the application cannot see.",
        "-- database: ALTER TABLE users ADD COLUMN tenant_id int NOT NULL;\n-- models: no tenant_id",
        "-- map the column, give it a default, or drop it",
    )),
    DriftRule("column-type-mismatch", Severity.P2, _doc(
        "A column's type differs between the two sources.",
        "Compares normalised types (`int4` = `INTEGER`, `varchar` = `String()` without length on "
        "PostgreSQL, `timestamp(6)` = `timestamp`); a different length, precision, time zone or array "
        "is a mismatch.",
        "The application validates, truncates or converts values for a type the database does not have: "
        "longer strings fail, `timestamp` loses the time zone the code assumes.",
        "-- models: String(1024)\n-- database: character varying(255)",
        "ALTER TABLE t ALTER COLUMN c TYPE varchar(1024);  -- widening varchar does not rewrite",
    )),
    DriftRule("nullable-mismatch", Severity.P2, _doc(
        "A column is NOT NULL on one side and nullable on the other.",
        "Compares nullability of columns present on both sides (primary-key columns are NOT NULL).",
        "Models that assume NOT NULL meet NULLs the database accepts; models that allow None fail on "
        "flush against a NOT NULL column.",
        "-- models: nullable=False\n-- database: column accepts NULL",
        "ALTER TABLE t ADD CONSTRAINT t_c_not_null CHECK (c IS NOT NULL) NOT VALID;\n"
        "ALTER TABLE t VALIDATE CONSTRAINT t_c_not_null;\nALTER TABLE t ALTER COLUMN c SET NOT NULL;\n"
        "ALTER TABLE t DROP CONSTRAINT t_c_not_null;",
    ), fix="sometimes"),
    DriftRule("server-default-mismatch", Severity.P2, _doc(
        "A column's server default differs between the two sources.",
        "Compares normalised server defaults (`now()` = `CURRENT_TIMESTAMP`, `'x'::character varying` = "
        "`'x'`). Against models, a column without `server_default` is not compared: the ORM may supply "
        "the value in Python.",
        "Rows written outside the ORM (SQL, other services) get a different value than the models expect.",
        "-- models: server_default='active'\n-- database: DEFAULT 'enabled'",
        "ALTER TABLE t ALTER COLUMN c SET DEFAULT 'active';",
    )),
    DriftRule("pk-mismatch", Severity.P1, _doc(
        "The primary key differs between the two sources.",
        "Compares primary-key column sets. On a partitioned table the severity is P0: the database key "
        "must include the partition key, so `id` alone is not unique across partitions.",
        "The ORM identity map keys rows by the mapped primary key. If the database allows two rows with "
        "the same mapped key, `Session.get`, `merge` and relationship loads return or overwrite the wrong "
        "row.",
        "-- database: PRIMARY KEY (id, collected_date) on a partitioned table\n"
        "-- models: id primary_key=True",
        "-- models: id = mapped_column(BigInteger, primary_key=True)\n"
        "--         collected_date = mapped_column(Date, primary_key=True)",
    )),
    DriftRule("fk-only-in-models", Severity.P1, _doc(
        "The models declare a foreign key the database does not have.",
        "Matches foreign keys by columns and referenced table and columns (names are ignored: naming "
        "conventions generate them) and reports those only the models declare.",
        "The code believes referential integrity holds, but nothing stops orphan rows: deletes of the "
        "parent leave dangling references, joins silently drop rows.",
        "-- models: instance_id = mapped_column(ForeignKey('instances.id'))\n-- database: no FK",
        "ALTER TABLE t ADD CONSTRAINT t_instance_id_fkey FOREIGN KEY (instance_id)\n"
        "  REFERENCES instances (id) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT t_instance_id_fkey;",
    ), fix="sometimes"),
    DriftRule("fk-only-in-database", Severity.P2, _doc(
        "The database has a foreign key the models (or the other database) do not declare.",
        "Matches foreign keys by columns and referenced table and columns and reports those present only "
        "in a realised schema.",
        "The ORM does not know the dependency: unit-of-work ordering and cascades are wrong, and "
        "`alembic revision --autogenerate` proposes dropping the key.",
        "-- database: FOREIGN KEY (tag_id) REFERENCES tags (id)\n-- models: tag_id = mapped_column(Integer)",
        "-- models: tag_id = mapped_column(ForeignKey('tags.id'))",
    ), fix="sometimes"),
    DriftRule("fk-action-mismatch", Severity.P2, _doc(
        "A foreign key present on both sides has different ON DELETE / ON UPDATE actions.",
        "For foreign keys matched by columns and target, compares the referential actions.",
        "Deleting a parent cascades on one side and fails (or leaves rows) on the other: the code's "
        "expectation of what a delete does is wrong.",
        "-- models: ForeignKey('instances.id', ondelete='CASCADE')\n"
        "-- database: REFERENCES instances (id)  -- NO ACTION",
        "-- align the model's ondelete= with the database, or replace the constraint:\n"
        "ALTER TABLE t ADD CONSTRAINT t_instance_id_fkey_new FOREIGN KEY (instance_id)\n"
        "  REFERENCES instances (id) ON DELETE CASCADE NOT VALID;",
    )),
    DriftRule("index-mismatch", Severity.P2, _doc(
        "An index or unique constraint exists on one side only.",
        "Matches indexes by keys, uniqueness, method and predicate, not by name; a unique constraint and "
        "a unique index on the same columns are the same. Against models, non-unique indexes only the "
        "database has are not reported: the ORM need not declare every index.",
        "A missing index the code was written for makes its queries scan; a uniqueness rule only one side "
        "knows makes writes fail unexpectedly or lets duplicates in.",
        "-- models: Index('ix_orders_customer', 'customer_id')\n-- database: no such index",
        "CREATE INDEX CONCURRENTLY ix_orders_customer ON orders (customer_id);",
    ), fix="sometimes"),
    DriftRule("check-values-drift", Severity.P2, _doc(
        "The values a CHECK or enum allows differ from the values the other source allows or uses.",
        "Reads value lists from `CHECK (c IN (...))` / `c = ANY (ARRAY[...])`, enum types and the "
        "application enums the models assign to a column, and compares them. Values the models use but "
        "the database rejects are P1.",
        "A value the application writes but the database rejects fails at flush time (the request or "
        "the background job errors); a value the database allows but the code does not know breaks "
        "reads and dashboards.",
        "-- models: class SyncStatus(StrEnum): PENDING = 'pending'; ...\n"
        "-- database: CHECK (status IN ('running', 'completed'))",
        "ALTER TABLE t DROP CONSTRAINT t_status_check,\n"
        "  ADD CONSTRAINT t_status_check CHECK (status IN ('pending', 'running', 'completed')) NOT VALID;\n"
        "ALTER TABLE t VALIDATE CONSTRAINT t_status_check;",
    ), fix="sometimes", category="integrity"),
)

DRIFT_RULES: dict[str, DriftRule] = {r.id: r for r in _RULES}
