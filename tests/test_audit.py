"""The audit's orchestration helpers."""

from __future__ import annotations

from dbaudit.auditing import with_declarations
from dbaudit.findings import Finding, Severity
from dbaudit.model.schema import Location

MODEL_LINE = Location("app/models/credential.py", 32)
MIGRATION_LINE = Location("migrations/versions/0001_baseline.py", 373)


def _finding(*locations: Location) -> Finding:
    return Finding(
        rule="secret-in-bounded-varchar", category="types", severity=Severity.P0,
        objects=("public.credentials.password",), title="t", locations=locations,
    )


class TestWithDeclarations:
    def test_database_finding_gets_model_and_migration_lines(self) -> None:
        """A finding without file:line gets where the models and the migrations declare its object."""
        declared = [{"public.credentials.password": MODEL_LINE}, {"public.credentials.password": MIGRATION_LINE}]
        assert with_declarations(_finding(), declared).locations == (MODEL_LINE, MIGRATION_LINE)

    def test_own_locations_are_kept(self) -> None:
        """A finding that already cites code keeps exactly its own locations."""
        own = Location("app/repo.py", 9)
        assert with_declarations(_finding(own), [{"public.credentials.password": MODEL_LINE}]).locations == (own,)

    def test_undeclared_object_is_unchanged(self) -> None:
        """Nothing is invented for an object no source declares."""
        assert with_declarations(_finding(), [{"public.other": MODEL_LINE}]) == _finding()
