"""House rules: no-ops until configured, then the team's conventions."""

from __future__ import annotations

import pytest

from dbaudit.config import Config, HouseConfig
from dbaudit.engine import run_rules
from dbaudit.findings import Finding, Severity
from dbaudit.rules import RuleContext
from dbaudit.sqltext import ident
from dbaudit.testing import schema
from tests.rules.conftest import HOSTILE_NAMES, assert_fix_round_trip, findings_for

HOUSE = ("house-required-columns", "house-pk-type", "house-naming-pattern", "house-timestamps-trigger")


def q(*parts: str) -> str:
    return ".".join(ident(p) for p in parts)


def brief(findings: list[Finding]) -> list[tuple[str, Severity, tuple[str, ...], str, str | None]]:
    return [(f.rule, f.severity, f.objects, f.title, f.fix_sql) for f in findings]


MODEL = (
    schema()
    .table("Tags", cols={"id": "serial", "name": "text", "updated_at": "timestamptz"}, pk="id")
    .table("tag_links", cols={"tag_id": "integer not null", "other_id": "bigint not null",
                              "created_at": "timestamptz", "updated_at": "timestamptz"}, pk=("tag_id", "other_id"))
    .fk("tag_links", "tag_id", "Tags")
    .table("events", cols={"id": "bigint identity", "at": "date not null", "created_at": "timestamptz",
                           "updated_at": "timestamptz"}, pk=("id", "at"), partition_by=("RANGE", "at"))
    .trigger("events", "events_touch", function_source="BEGIN NEW.updated_at := now(); RETURN NEW; END")
    .build()
)


class TestUnconfigured:
    def test_house_rules_are_no_ops_without_configuration(self) -> None:
        """With no [tool.dbaudit.house], the house rules run and find nothing."""
        run = run_rules(RuleContext(MODEL), Config(select=("house",)))
        assert (run.findings, run.rules_run) == ((), HOUSE)


class TestRequiredColumns:
    def test_house_required_columns_finds(self) -> None:
        """A table without created_at gets an ADD COLUMN ... DEFAULT now() fix."""
        found = findings_for(MODEL, "house-required-columns", options={"columns": ["created_at", "updated_at"]})
        assert brief(found) == [(
            "house-required-columns", Severity.P2, ("public.Tags",),
            "public.Tags lacks required column(s) created_at",
            "SET lock_timeout = '5s';\n"
            'ALTER TABLE public."Tags" ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();\n'
            "RESET lock_timeout;",
        )]

    def test_house_required_columns_clean(self) -> None:
        """Tables that have every required column (partitions are judged through their parent) are fine."""
        model = (schema().table("t", cols={"id": "bigint", "created_at": "timestamptz"}, pk="id")
                 .table("p", cols={"at": "date", "created_at": "timestamptz"}, partition_by=("RANGE", "at"))
                 .table("p_1", cols={"at": "date"}, partition_of="p").build())
        assert findings_for(model, "house-required-columns", options={"columns": ["created_at"]}) == []

    def test_non_timestamp_column_has_no_fix(self) -> None:
        """A required column that is not *_at needs a type decision: no fix."""
        found = findings_for(MODEL, "house-required-columns", options={"columns": ["tenant_id"]})
        assert [(f.objects, f.fix_sql) for f in found] == [
            (("public.Tags",), None), (("public.events",), None), (("public.tag_links",), None)]

    @pytest.mark.parametrize("name", HOSTILE_NAMES)
    def test_house_required_columns_fix_round_trip(self, pg_url: str, name: str) -> None:
        """ADD COLUMN runs with hostile names on a table with rows."""
        s, t = ident(name), q(name, name)
        ddl = f"CREATE SCHEMA {s}; CREATE TABLE {t} (id int PRIMARY KEY); INSERT INTO {t} VALUES (1);"
        assert_fix_round_trip(pg_url, ddl, "house-required-columns", [f"{name}.{name}"],
                              options={"columns": ["created_at", "updated_at"]})


class TestPkType:
    def test_house_pk_type_finds(self) -> None:
        """An integer serial key is reported when bigint/uuid are required; FK and partition keys are not."""
        found = findings_for(MODEL, "house-pk-type", options={"types": ["bigint", "uuid"]})
        assert brief(found) == [(
            "house-pk-type", Severity.P2, ("public.Tags.id",),
            "primary key public.Tags.id is integer, not an allowed key type", None)]

    def test_identity_requirement(self) -> None:
        """"bigint identity" accepts the identity column and rejects a plain bigint."""
        model = (schema().table("a", cols={"id": "bigint identity"}, pk="id")
                 .table("b", cols={"id": "bigint"}, pk="id").build())
        found = findings_for(model, "house-pk-type", options={"types": ["bigint identity"]})
        assert [f.objects for f in found] == [("public.b.id",)]

    def test_house_pk_type_clean(self) -> None:
        """Allowed types are not reported."""
        assert findings_for(MODEL, "house-pk-type", options={"types": ["integer", "bigint"]}) == []


class TestNamingPattern:
    def test_house_naming_pattern_finds(self) -> None:
        """Names failing the configured table and index patterns are reported; other kinds are not judged."""
        model = (schema().table("Tags", cols={"Id": "bigint"}).index("Tags", "Id", name="tagsbyid")
                 .index("Tags", "Id", name="ix_tags_id").build())
        found = findings_for(model, "house-naming-pattern",
                             options={"patterns": {"table": "^[a-z_]+$", "index": "^(ix|uq)_[a-z0-9_]+$"}})
        assert brief(found) == [
            ("house-naming-pattern", Severity.P2, ("public.Tags",),
             "table public.Tags does not match the house table-name-pattern", None),
            ("house-naming-pattern", Severity.P2, ("public.tagsbyid",),
             "index public.tagsbyid does not match the house index-name-pattern", None),
        ]

    def test_house_naming_pattern_clean(self) -> None:
        """Matching names are fine."""
        assert findings_for(MODEL, "house-naming-pattern", options={"patterns": {"column": "^[a-z_]+$"}}) == []


class TestTimestampsTrigger:
    def test_house_timestamps_trigger_finds(self) -> None:
        """Tables with updated_at but no trigger are reported; the partitioned one with a trigger is not."""
        found = findings_for(MODEL, "house-timestamps-trigger", options={"enabled": True, "column": "updated_at"})
        assert [f.objects for f in found] == [("public.Tags.updated_at",), ("public.tag_links.updated_at",)]

    def test_house_timestamps_trigger_clean_when_disabled(self) -> None:
        """Without timestamps-trigger = true the rule finds nothing."""
        assert findings_for(MODEL, "house-timestamps-trigger") == []

    @pytest.mark.parametrize("name", HOSTILE_NAMES)
    def test_house_timestamps_trigger_fix_round_trip(self, pg_url: str, name: str) -> None:
        """The trigger fix runs for hostile table and column names."""
        s, t, c = ident(name), q(name, name), ident(name)
        ddl = f"CREATE SCHEMA {s}; CREATE TABLE {t} (id int PRIMARY KEY, {c} timestamptz);"
        assert_fix_round_trip(pg_url, ddl, "house-timestamps-trigger", [f"{name}.{name}.{name}"],
                              options={"enabled": True, "column": name})


class TestViaConfig:
    def test_configured_house_rules_through_the_engine(self) -> None:
        """HouseConfig reaches the rules when run through the engine."""
        config = Config(select=("house",), house=HouseConfig(required_columns=("created_at",),
                                                             pk_types=("bigint",), timestamps_trigger=True))
        run = run_rules(RuleContext(MODEL), config)
        assert [(f.rule, f.objects) for f in run.findings] == [
            ("house-pk-type", ("public.Tags.id",)),
            ("house-required-columns", ("public.Tags",)),
            ("house-timestamps-trigger", ("public.Tags.updated_at",)),
            ("house-timestamps-trigger", ("public.tag_links.updated_at",)),
        ]
