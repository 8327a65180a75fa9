"""How fix statements are read, ordered, undone and checked (no database: the plan alone)."""

from __future__ import annotations

import pytest

from dbaudit.checkdata.checks import DataCheck
from dbaudit.checkdata.results import CheckResult, Outcome
from dbaudit.findings import Finding, Severity
from dbaudit.fix.classify import classify_script
from dbaudit.fix.plan import FixItem, NotFixed, build_plan, plan_item
from dbaudit.fix.steps import Phase, Unsupported
from dbaudit.model.schema import SchemaModel
from dbaudit.testing import schema


def model() -> SchemaModel:
    return (
        schema()
        .table("p", cols={"id": "integer", "name": "varchar(20) not null"}, pk="id")
        .table("c", cols={"id": "integer", "p_id": "integer", "secret": "varchar(255)",
                          "flag": "boolean not null default false", "gone_at": "timestamptz"}, pk="id")
        .index("c", "p_id", name="c_p_id_idx")
        .index("c", ("p_id", "flag"), name="c_p_id_flag_idx", predicate="flag = false")
        .build()
    )


def finding(rule: str, obj: str, fix: str, severity: Severity = Severity.P2) -> Finding:
    return Finding(rule=rule, category="t", severity=severity, objects=(obj,), title=rule, fix_sql=fix,
                   verify_sql="SELECT 1;")


def item(rule: str, obj: str, fix: str) -> FixItem:
    planned = plan_item(finding(rule, obj, fix), rule + obj, model(), fix, None)
    assert isinstance(planned, FixItem), planned
    return planned


class TestClassify:
    def test_safe_statements_get_their_phase_and_mode(self) -> None:
        """CONCURRENTLY builds first and outside transactions; NOT VALID, VALIDATE, drops, renames in order."""
        script = (
            "SET lock_timeout = '5s';\n"
            "CREATE INDEX CONCURRENTLY c_secret_idx ON public.c (secret);\n"
            "ALTER TABLE public.c ADD CONSTRAINT c_p_id_fkey FOREIGN KEY (p_id) REFERENCES public.p (id) NOT VALID;\n"
            "RESET lock_timeout;\n"
            "ALTER TABLE public.c VALIDATE CONSTRAINT c_p_id_fkey;\n"
            "ALTER TABLE public.c ALTER COLUMN secret TYPE text;\n"
            "DROP INDEX CONCURRENTLY public.c_p_id_idx;\n"
            "ALTER INDEX public.c_secret_idx RENAME TO c_secret_key;\n"
        )
        read = [(c.phase, c.stmt.mode, c.stmt.sql.split(" (")[0]) for c in classify_script(script, model(), where="t")]
        assert read == [
            (Phase.BUILD, "concurrent", "CREATE INDEX CONCURRENTLY IF NOT EXISTS c_secret_idx ON public.c"),
            (Phase.ADD, "locking", "ALTER TABLE public.c ADD CONSTRAINT c_p_id_fkey FOREIGN KEY"),
            (Phase.VALIDATE, "plain", "ALTER TABLE public.c VALIDATE CONSTRAINT c_p_id_fkey;"),
            (Phase.ADD, "locking", "ALTER TABLE public.c ALTER COLUMN secret TYPE text;"),
            (Phase.DROP, "concurrent", "DROP INDEX CONCURRENTLY IF EXISTS public.c_p_id_idx;"),
            (Phase.RENAME, "locking", "ALTER INDEX public.c_secret_idx RENAME TO c_secret_key;"),
        ]

    @pytest.mark.parametrize(("statement", "reason"), [
        ("ALTER TABLE public.c ALTER COLUMN id TYPE bigint;", "not a binary-compatible widening"),
        ("ALTER TABLE public.c ALTER COLUMN secret TYPE varchar(10);", "not a binary-compatible widening"),
        ("CREATE INDEX c_x ON public.c (secret);", "without CONCURRENTLY blocks writes"),
        ("ALTER TABLE public.c ADD CONSTRAINT f FOREIGN KEY (p_id) REFERENCES public.p (id);", "without NOT VALID"),
        ("ALTER TABLE public.c ADD CONSTRAINT k CHECK (id > 0);", "without NOT VALID"),
        ("ALTER TABLE public.c ADD COLUMN u uuid DEFAULT gen_random_uuid();", "volatile default"),
        ("DROP TABLE public.c;", "would lose data"),
        ("SET search_path = app;", "sets search_path"),
        ("VACUUM public.c;", "VACUUM is not a statement a generated fix runs"),
    ])
    def test_unsafe_statements_are_refused_with_the_reason(self, statement: str, reason: str) -> None:
        with pytest.raises(Unsupported, match=reason):
            classify_script(statement, model(), where="t")

    def test_data_changes_are_marked(self) -> None:
        (read,) = classify_script("UPDATE public.c SET flag = DEFAULT WHERE flag IS NULL;", model(), where="t")
        assert read.data_change


class TestPlan:
    def test_phases_across_findings(self) -> None:
        """Renames after drops, drops after validations, whatever the findings' order."""
        plan = build_plan([
            item("sequence-name-mismatch", "public.s", "ALTER INDEX public.c_p_id_idx RENAME TO c_pid;"),
            item("fk-missing", "public.c.p_id",
                 "ALTER TABLE public.c ADD CONSTRAINT fk FOREIGN KEY (p_id) REFERENCES public.p (id) NOT VALID;\n"
                 "ALTER TABLE public.c VALIDATE CONSTRAINT fk;"),
            item("fk-without-index", "public.c.secret", "CREATE INDEX CONCURRENTLY c_s ON public.c (secret);"),
        ], model())
        assert [(s.phase, plan.items[s.item].finding.rule) for s in plan.upgrade] == [
            (Phase.BUILD, "fk-without-index"), (Phase.ADD, "fk-missing"), (Phase.VALIDATE, "fk-missing"),
            (Phase.RENAME, "sequence-name-mismatch")]

    def test_downgrade_reverses_and_restores_from_the_model(self) -> None:
        """Dropping a column restores it with its default, and the partial index that used it."""
        plan = build_plan([item("fact-table-lifecycle-columns", "public.c",
                                "ALTER TABLE public.c DROP COLUMN flag, DROP COLUMN gone_at;")], model())
        undo = [stmt.sql for stmt, _ in plan.downgrade]
        assert undo == [
            "ALTER TABLE public.c ADD COLUMN IF NOT EXISTS gone_at timestamp with time zone;",
            "ALTER TABLE public.c ADD COLUMN IF NOT EXISTS flag boolean DEFAULT false NOT NULL;",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS c_p_id_flag_idx ON public.c (p_id, flag) WHERE flag = false;",
        ]

    def test_a_drop_of_something_already_dropped_is_left_out(self) -> None:
        """The column drop took the partial index; the explicit drop of it is skipped, restored once."""
        plan = build_plan([
            item("fact-table-lifecycle-columns", "public.c", "ALTER TABLE public.c DROP COLUMN flag;"),
            item("low-selectivity-index", "public.c_p_id_flag_idx", "DROP INDEX CONCURRENTLY public.c_p_id_flag_idx;"),
        ], model())
        assert len(plan.upgrade) == 1
        assert plan.skipped[0].startswith("P2 low-selectivity-index public.c_p_id_flag_idx: DROP INDEX")
        assert sum("c_p_id_flag_idx" in stmt.sql for stmt, _ in plan.downgrade) == 1

    def test_undo_of_own_creation_is_nothing(self) -> None:
        """A constraint the plan adds then drops (the NOT NULL helper CHECK) needs no undo of the drop."""
        plan = build_plan([item("nullable-with-default", "public.c.secret",
                                "ALTER TABLE public.c ADD CONSTRAINT nn CHECK (secret IS NOT NULL) NOT VALID;\n"
                                "ALTER TABLE public.c VALIDATE CONSTRAINT nn;\n"
                                "ALTER TABLE public.c ALTER COLUMN secret SET NOT NULL;\n"
                                "ALTER TABLE public.c DROP CONSTRAINT nn;")], model())
        assert [stmt.sql for stmt, _ in plan.downgrade] == [
            "ALTER TABLE public.c ALTER COLUMN secret DROP NOT NULL;",
            "ALTER TABLE public.c DROP CONSTRAINT IF EXISTS nn;",
        ]
        assert len(plan.checks) == 2  # the constraint is gone and the column is NOT NULL

    def test_data_blocks_a_fix(self) -> None:
        """Orphans found by the data check block the fix: it is kept, commented, with its clean-up."""
        fk = finding("fk-missing", "public.c.p_id",
                     "ALTER TABLE public.c ADD CONSTRAINT fk FOREIGN KEY (p_id) REFERENCES public.p (id) NOT VALID;",
                     Severity.P1)
        table = model().table("public.c")
        assert table is not None
        check = DataCheck("fk-missing", fk.objects, "orphans", table, "orphan rows", lambda _s: "",
                          blocks_fix=True, cleanup_sql="DELETE FROM public.c WHERE false;")
        planned = plan_item(fk, "id", model(), fk.fix_sql, CheckResult(check, Outcome.CONFIRMED, problems=3))
        assert isinstance(planned, FixItem)
        assert (planned.blocked, planned.cleanup) == ("3 orphan rows (full scan by check-data)",
                                                      "DELETE FROM public.c WHERE false;")
        assert build_plan([planned], model()).upgrade == ()

    def test_backfill_without_data_check_blocks_and_without_nulls_is_dropped(self) -> None:
        script = ("UPDATE public.c SET secret = 'x' WHERE secret IS NULL;\n"
                  "ALTER TABLE public.c ALTER COLUMN secret SET NOT NULL;")
        blocked = plan_item(finding("house", "public.c.secret", script), "id", model(), script, None)
        assert isinstance(blocked, FixItem)
        assert blocked.blocked is not None
        table = model().table("public.c")
        assert table is not None
        check = DataCheck("house", ("public.c.secret",), "nulls", table, "NULL rows", lambda _s: "", blocks_fix=True)
        clean = plan_item(finding("house", "public.c.secret", script), "id", model(), script,
                          CheckResult(check, Outcome.CLEARED, problems=0))
        assert isinstance(clean, FixItem)
        assert [c.data_change for c in clean.statements] == [False]

    def test_unfixable_finding_says_why(self) -> None:
        widen = "ALTER TABLE public.c ALTER COLUMN id TYPE bigint;"
        planned = plan_item(finding("int4-key-overflow-risk", "public.c.id", widen), "id", model(), widen, None)
        assert isinstance(planned, NotFixed)
        assert "rewrites or scans the table" in planned.reason
