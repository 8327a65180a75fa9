"""dbaudit.testing: the builder produces what the PostgreSQL source reads for the same DDL."""

from __future__ import annotations

from typing import Any

from dbaudit.model.schema import SchemaModel, Table
from dbaudit.testing import column_type, schema
from tests.rules.conftest import model_from_ddl

DDL = """
CREATE TABLE instances (id serial PRIMARY KEY, name varchar(255) NOT NULL, price numeric(10,2),
                        tags text[], created_at timestamptz DEFAULT now(), CONSTRAINT instances_name_key UNIQUE (name));
CREATE TABLE instance_tags (instance_id integer NOT NULL, tag_id bigint NOT NULL, flag boolean,
                            PRIMARY KEY (instance_id, tag_id),
                            CONSTRAINT instance_tags_instance_id_fkey FOREIGN KEY (instance_id)
                                REFERENCES instances (id) ON DELETE CASCADE);
CREATE INDEX instance_tags_tag_id_idx ON instance_tags (tag_id);
"""


def facts(table: Table) -> dict[str, Any]:
    """The facts rules compare; sources may differ in what they add beyond these."""
    return {
        "columns": [(c.name, c.type.sql, c.type.name, c.type.length, c.type.array_dims, c.nullable)
                    for c in table.columns],
        "pk": table.primary_key.columns if table.primary_key else None,
        "fks": [(f.name, f.columns, f.ref_qualified, f.ref_columns, f.on_delete) for f in table.foreign_keys],
        "uniques": [(u.name, u.columns) for u in table.uniques],
        "indexes": sorted((i.name, i.columns, i.unique, i.primary, i.constraint) for i in table.indexes),
    }


class TestBuilder:
    def test_builder_matches_the_catalog(self, pg_url: str) -> None:
        """Types, keys, constraint indexes and serial sequences equal what read_postgres returns."""
        built = (
            schema()
            .table("instances", cols={"id": "serial", "name": "varchar(255) not null", "price": "numeric(10,2)",
                                      "tags": "text[]", "created_at": "timestamptz default now()"}, pk="id")
            .unique("instances", "name")
            .table("instance_tags", cols={"instance_id": "integer not null", "tag_id": "bigint not null",
                                          "flag": "boolean"}, pk=("instance_id", "tag_id"))
            .fk("instance_tags", "instance_id", "instances", on_delete="CASCADE")
            .index("instance_tags", "tag_id")
            .build()
        )
        read: SchemaModel = model_from_ddl(pg_url, DDL)
        for name in ("public.instances", "public.instance_tags"):
            built_table, read_table = built.table(name), read.table(name)
            assert built_table is not None
            assert read_table is not None
            assert facts(built_table) == facts(read_table)
        assert [(s.qualified_name, s.owned_by_table, s.owned_by_column) for s in built.sequences] == [
            (s.qualified_name, s.owned_by_table, s.owned_by_column) for s in read.sequences]

    def test_column_type_parsing(self) -> None:
        """Type text decomposes like format_type output."""
        assert column_type("varchar(20)[]").sql == "character varying(20)[]"
        assert (column_type("numeric(12, 4)").precision, column_type("numeric(12, 4)").scale) == (12, 4)
        assert column_type("char(3)").name == "bpchar"
        assert column_type("mood", enums={"public.mood"}).is_enum
