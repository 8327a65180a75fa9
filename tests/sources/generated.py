"""Synthetic schemas of any size for the scale tests (round-trip count, catalog counts, timing)."""

from __future__ import annotations

from typing import Any


def generated_schema_sql(tables: int, *, schema: str = "gen") -> str:
    """DDL for ``tables`` tables: PKs, FKs, checks, plain/partial/expression/GIN indexes, triggers.

    Every 50th table is partitioned by month (three partitions, which count as tables too).
    """
    out = [
        f"CREATE SCHEMA {schema};",
        f"CREATE FUNCTION {schema}.touch() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;",
    ]
    made = 0
    i = 0
    while made < tables:
        name = f"{schema}.t{i:05d}"
        if i % 50 == 49 and tables - made >= 4:
            out.append(
                f"CREATE TABLE {name} (id bigint NOT NULL, created_at date NOT NULL, amount numeric(10,2), "
                f"PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);"
            )
            for month in (1, 2, 3):
                out.append(
                    f"CREATE TABLE {name}_m{month} PARTITION OF {name} "
                    f"FOR VALUES FROM ('2024-{month:02d}-01') TO ('2024-{month + 1:02d}-01');"
                )
            out.append(f"CREATE INDEX ON {name} (created_at DESC);")
            made += 4
            i += 1
            continue
        fk = f", parent_id bigint REFERENCES {schema}.t{i - 1:05d} (id) ON DELETE CASCADE" if i and i % 50 else ""
        out.append(
            f"CREATE TABLE {name} (id bigserial PRIMARY KEY, name varchar(100) NOT NULL, "
            f"status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'done')), "
            f"payload jsonb, updated_at timestamptz DEFAULT now(){fk});"
        )
        out.append(f"CREATE INDEX ON {name} (name) WHERE status = 'new';")
        if i % 3 == 0:
            out.append(f"CREATE INDEX ON {name} (lower(name));")
        if i % 5 == 0:
            out.append(f"CREATE INDEX ON {name} USING gin (payload);")
        if fk:
            out.append(f"CREATE INDEX ON {name} (parent_id);")
        if i % 10 == 0:
            out.append(
                f"CREATE TRIGGER touch BEFORE UPDATE ON {name} FOR EACH ROW EXECUTE FUNCTION {schema}.touch();"
            )
        made += 1
        i += 1
    return "\n".join(out)


def create_generated_schema(conn: Any, tables: int, *, schema: str = "gen", chunk: int = 40) -> None:
    """Create the generated schema through an autocommit connection, a few statements per transaction.

    One transaction for hundreds of tables would hold a lock per object until it commits and can
    exhaust the server's lock table (max_locks_per_transaction) on a busy shared server.
    """
    lines = generated_schema_sql(tables, schema=schema).splitlines()
    for start in range(0, len(lines), chunk):
        conn.execute("\n".join(lines[start:start + chunk]))
