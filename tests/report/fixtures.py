"""A small hand-built model and findings that every report test renders."""

from __future__ import annotations

from datetime import UTC, datetime

from dbaudit.findings import Finding, Note, Severity
from dbaudit.model.schema import Location, SchemaModel
from dbaudit.report.context import ReportContext, RuleMeta, SourceRef, build_context
from dbaudit.testing import schema

GENERATED_AT = datetime(2025, 12, 26, 8, 30, tzinfo=UTC)
BASELINE = "migrations/versions/20251219161048_baseline_production_schema.py"


def small_model() -> SchemaModel:
    """Credentials, instances, tags and their association; one monthly-partitioned fact table."""
    return (
        schema()
        .table("credentials", cols={"id": "serial", "name": "varchar(255) not null",
                                    "password": "varchar(255) not null"}, pk="id")
        .unique("credentials", "name")
        .index("credentials", "name", name="ix_credentials_name")
        .table("instances", cols={"id": "serial", "name": "varchar(255) not null",
                                  "credential_id": "int", "is_active": "bool not null default true",
                                  "updated_at": "timestamptz default now()"}, pk="id")
        .fk("instances", "credential_id", "credentials")
        .trigger("instances", "update_instances_updated_at")
        .table("tags", cols={"id": "serial", "name": "varchar(50) not null"}, pk="id")
        .table("instance_tags", cols={"instance_id": "int not null", "tag_id": "int not null"},
               pk=("instance_id", "tag_id"))
        .fk("instance_tags", "instance_id", "instances", on_delete="CASCADE")
        .fk("instance_tags", "tag_id", "tags")
        .table("instance_size_stats", cols={"id": "bigint not null", "instance_id": "int not null",
                                            "collected_date": "date not null",
                                            "is_deleted": "bool not null default false"},
               pk=("id", "collected_date"), partition_by=("RANGE", "collected_date"))
        .fk("instance_size_stats", "instance_id", "instances")
        .table("instance_size_stats_2025_12", cols={"id": "bigint not null"},
               partition_of="instance_size_stats")
        .build()
    )


def small_findings() -> list[Finding]:
    """One finding per severity plus a drift finding for the compatibility table."""
    return [
        Finding(
            rule="fk-without-index", category="indexes", severity=Severity.P1,
            objects=("public.instance_tags.tag_id",),
            title="FK instance_tags.tag_id has no index with tag_id leading",
            evidence=("instance_tags_pkey covers (instance_id, tag_id): tag_id is not leading",),
            impact="Deletes of tags scan instance_tags; joins from tags degrade.",
            root_cause="The association table is indexed for one direction only.",
            fix_sql="CREATE INDEX CONCURRENTLY ix_instance_tags_tag_id ON public.instance_tags (tag_id);",
            verify_sql=(
                "SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'public.instance_tags'::regclass;"
            ),
            locations=(Location(BASELINE, 1452),),
        ),
        Finding(
            rule="secret-in-bounded-varchar", category="types", severity=Severity.P0,
            objects=("public.credentials.password",),
            title="credentials.password stores ciphertext in varchar(255)",
            evidence=("a 128-character password encrypts to 348 characters > 255",),
            impact="Long passwords are truncated and can never be decrypted.",
            root_cause="Column length not sized for the encryption output.",
            fix_sql="ALTER TABLE public.credentials ALTER COLUMN password TYPE text;",
            verify_sql="SELECT max(length(password)) FROM public.credentials;",
            locations=(Location("app/models/credential.py", 80), Location(BASELINE, 373)),
            data=(("ciphertext_length_128", 348),),
        ),
        Finding(
            rule="index-duplicates-constraint", category="indexes", severity=Severity.P2,
            objects=("public.ix_credentials_name",),
            title="ix_credentials_name duplicates credentials_name_key",
            evidence=("both index (name)",),
            impact="Every write maintains two identical indexes.",
            fix_sql="DROP INDEX CONCURRENTLY public.ix_credentials_name;",
        ),
        Finding(
            rule="pk-mismatch", category="drift", severity=Severity.P1,
            objects=("public.instance_size_stats",),
            title="ORM primary key (id) differs from database (id, collected_date)",
            evidence=("database: (id, collected_date)", "models: (id)"),
            locations=(Location("app/models/instance_size_stat.py", 47),),
        ),
    ]


def small_context(**kwargs: object) -> ReportContext:
    """The view model of the small model and findings, with a fixed date and version."""
    return build_context(
        small_model(), small_findings(), generated_at=GENERATED_AT, dbaudit_version="0.1.0",
        notes=[Note("no statistics: unused-index skipped", rule="unused-index")],
        sources=[SourceRef("postgresql", "postgresql://app:***@db/whalefall"),
                 SourceRef("orm", "app.models:Base", role="models")],
        rule_lookup=RULES, **kwargs,  # type: ignore[arg-type]
    )


RULES: dict[str, RuleMeta] = {
    "fk-without-index": RuleMeta(
        id="fk-without-index", title="Foreign key without a supporting index", category="indexes",
        severity=Severity.P1, rationale="Deletes on the parent scan the child table.",
        doc="Foreign key without a supporting index\n\n## What it does\nFinds FKs.",
        help_path="docs/rules/fk-without-index.md",
    ),
}
