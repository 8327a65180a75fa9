"""Structural keys: a schema's own name is taken out, everything else that rules read stays in."""

from __future__ import annotations

from dbaudit.engine import run_rules
from dbaudit.model.schema import SchemaModel
from dbaudit.rules import RuleContext
from dbaudit.tenants import find_clusters, plan_tenants
from dbaudit.tenants.structure import SELF, Normalizer, schema_structures
from dbaudit.testing import SchemaBuilder, schema


def tenant(builder: SchemaBuilder, s: str, *, extra: bool = False, plan_schema: str = "public",
           far: bool = False) -> SchemaBuilder:
    cols = {"id": "serial", "account_id": "int not null", "plan_id": "int"}
    if extra:
        cols["note"] = "text"
    return (
        builder.table(f"{s}.accounts", cols={"id": "serial", "name": "text" if far else "text not null"}, pk="id")
        .table(f"{s}.orders", cols=cols, pk="id")
        .fk(f"{s}.orders", "account_id", f"{s}.accounts")
        .fk(f"{s}.orders", "plan_id", f"{plan_schema}.plans")
        .index(f"{s}.orders", "account_id", name="orders_account_idx")
    )


def model(*schemas: str, extra: tuple[str, ...] = (), plan_schemas: dict[str, str] | None = None,
          far: tuple[str, ...] = ()) -> SchemaModel:
    builder = schema().table("public.plans", cols={"id": "serial"}, pk="id")
    for s in schemas:
        tenant(builder, s, extra=s in extra, plan_schema=(plan_schemas or {}).get(s, "public"), far=s in far)
    return builder.build()


class TestNormalizer:
    def test_own_schema_name_is_taken_out_of_texts(self) -> None:
        """``t1.`` and ``"t1".`` are replaced where an identifier starts; other schemas and longer names stay."""
        norm = Normalizer("t1")
        assert norm.text("nextval('t1.orders_id_seq'::regclass)") == f"nextval('{SELF}.orders_id_seq'::regclass)"
        assert norm.text('CREATE INDEX i ON "t1".orders (a)') == f"CREATE INDEX i ON {SELF}.orders (a)"
        assert norm.text("public.f(xt1.a, t1x.b)") == "public.f(xt1.a, t1x.b)"
        assert norm.name("t1.orders") == f"{SELF}.orders"
        assert norm.name("public.plans") == "public.plans"

    def test_quoted_schema_names(self) -> None:
        """A schema whose name needs quotes is found in its quoted spelling."""
        norm = Normalizer('Tenant "1"')
        assert norm.text('ON "Tenant ""1""".orders USING btree') == f"ON {SELF}.orders USING btree"


class TestStructures:
    def test_equal_tenants_have_equal_keys(self) -> None:
        """Tenants built alike (own FKs, serial defaults naming their own sequences) have one key."""
        structures = schema_structures(model("t1", "t2"))
        assert structures["t1"].key == structures["t2"].key
        assert structures["t1"].key != structures["public"].key

    def test_reference_to_another_schema_is_structure(self) -> None:
        """A foreign key to public.plans and one to elsewhere.plans are different structures."""
        m = model("t1", "t2", plan_schemas={"t2": "elsewhere"})
        structures = schema_structures(m)
        assert structures["t1"].tables["orders"] != structures["t2"].tables["orders"]
        assert structures["t1"].tables["accounts"] == structures["t2"].tables["accounts"]

    def test_keys_are_interned(self) -> None:
        """Equal keys of different schemas are one key: 30 tenants hold no more keys than 3."""
        few = schema_structures(model("t1", "t2", "t3"))
        many = schema_structures(model(*(f"t{n}" for n in range(30))))
        assert few["t1"].tables["orders"] == few["t3"].tables["orders"]
        assert len(many["t1"].keys.keys) == len(few["t1"].keys.keys)


class TestClusters:
    def test_cluster_with_a_deviant(self) -> None:
        """Three equal tenants form the template group; a fourth with an extra column deviates."""
        (cluster,) = find_clusters(model("t1", "t2", "t3", "t4", extra=("t4",)))
        assert cluster.template.schemas == ("t1", "t2", "t3")
        (deviant,) = cluster.deviants
        assert [(d.change, d.kind, d.object, d.detail) for d in deviant.differences] == [
            ("extra", "column", "t4.orders.note", "text")]

    def test_far_schema_is_not_a_deviant(self) -> None:
        """A schema with the same table names whose tables all differ (orders has an extra column,
        accounts a nullable name) is not close: at least half of the tables must be identical."""
        m = model("t1", "t2", "t3", "t4", extra=("t4",), far=("t4",))
        (cluster,) = find_clusters(m)
        assert cluster.schemas == ("t1", "t2", "t3")

    def test_audited_model_keeps_one_schema_per_structure(self) -> None:
        """The rules see public, the template and the deviant: 1 + 2 + 2 tables of 9."""
        layout = plan_tenants(model("t1", "t2", "t3", "t4", extra=("t4",)))
        assert layout is not None
        assert layout.model.schemas == ("public", "t1", "t4")
        assert [t.qualified_name for t in layout.model.tables] == [
            "public.plans", "t1.accounts", "t1.orders", "t4.accounts", "t4.orders"]
        assert layout.schemas_folded == 2


class TestDeviationRule:
    def test_triggers_on_a_deviant(self) -> None:
        """tenant-schema-deviation reports the deviating schema, with the template and the difference."""
        layout = plan_tenants(model("t1", "t2", "t3", "t4", extra=("t4",)))
        assert layout is not None
        run = run_rules(RuleContext(model=layout.model, inputs={"tenants": layout}))
        (found,) = [f for f in run.findings if f.rule == "tenant-schema-deviation"]
        assert found.objects == ("t4", "t4.orders.note")
        assert dict(found.data) == {"template": "t1", "schemas": ["t4"], "differences": 1}

    def test_near_miss_identical_tenants(self) -> None:
        """Tenants that all share the structure deviate in nothing: no finding."""
        layout = plan_tenants(model("t1", "t2", "t3"))
        assert layout is not None
        run = run_rules(RuleContext(model=layout.model, inputs={"tenants": layout}))
        assert [f for f in run.findings if f.rule == "tenant-schema-deviation"] == []

    def test_near_miss_without_tenant_input(self) -> None:
        """Without the audit's tenant layout (tenant-dedupe off) the rule reports nothing."""
        run = run_rules(RuleContext(model=model("t1", "t2", "t3", "t4", extra=("t4",))))
        assert [f for f in run.findings if f.rule == "tenant-schema-deviation"] == []
