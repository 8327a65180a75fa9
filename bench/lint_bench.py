"""Benchmark: ``dbaudit lint-migrations`` (static) on 1,000 revisions, and squawk on the same SQL.

Run on purpose, not in the test suite:

    .venv/bin/python bench/lint_bench.py --revisions 1000 --runs 3
    # one migration of 20,000 statements after a baseline, and a 1-statement one (start-up alone):
    .venv/bin/python bench/lint_bench.py --statements 20000 --runs 5

It generates, deterministically, an Alembic project of N chained revisions (a baseline creating 20
tables, then a mix of ``op.create_index``, ``op.add_column``, ``op.alter_column``,
``op.create_foreign_key``, ``op.drop_column``, ``op.execute`` SQL and autocommit blocks) and a
directory holding the same migrations as N ``.sql`` files. It then times, each as a fresh process
(Python start-up included), wall time from outside:

- ``dbaudit lint-migrations ALEMBIC_DIR --format json -o FILE`` (revision graph, AST, offline SQL
  for all revisions, pglast, rules);
- ``dbaudit lint-migrations SQL_DIR --format json -o FILE``;
- ``squawk SQL_DIR/*.sql`` (``pip install squawk-cli`` or ``npm install --prefix /tmp/squawk squawk-cli``;
  ``--squawk PATH``), skipped with a message when squawk cannot be found.

With ``--statements N`` it generates instead a directory ``big/`` (the baseline creating 20 tables,
then one file of N statements, the same mix) and ``tiny/`` (the baseline and one statement), times
both tools on both and reports statements per second after start-up: N / (wall(big) - wall(tiny)).
``--generate-only`` writes the directories (with ``--keep``) and stops, for timing them by other means.

Medians of ``--runs`` runs are printed as a Markdown table, with the number of findings each tool
reported. Tracing is not part of this benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TABLES = 20
ENV_PY = '''from alembic import context

config = context.config


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_offline()
'''
REVISION = '''"""{doc}"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = {down!r}


def upgrade():
{up}


def downgrade():
{down_body}
'''


def rev_id(i: int) -> str:
    return f"r{i:05d}"


def baseline() -> tuple[str, str]:
    sql = "\n".join(
        f"CREATE TABLE t{n} (id serial PRIMARY KEY, c_int integer, c_code varchar(20), c_ts timestamp);"
        for n in range(TABLES))
    return f"    op.execute({sql!r})", sql


def step(i: int) -> tuple[str, str, str]:
    """(upgrade body, downgrade body, equivalent SQL) of revision ``i`` (>= 1)."""
    t = f"t{i % TABLES}"
    kind = i % 8
    if kind == 0:
        return (f'    op.create_index("ix_{i}", "{t}", ["c_int"])', f'    op.drop_index("ix_{i}", table_name="{t}")',
                f"CREATE INDEX ix_{i} ON {t} (c_int);")
    if kind == 1:
        return (f'    op.add_column("{t}", sa.Column("col_{i}", sa.Text()))', f'    op.drop_column("{t}", "col_{i}")',
                f"ALTER TABLE {t} ADD COLUMN col_{i} TEXT;")
    if kind == 2:
        return (f'    op.alter_column("{t}", "c_code", type_=sa.String({50 + i}))', "    pass",
                f"ALTER TABLE {t} ALTER COLUMN c_code TYPE VARCHAR({50 + i});")
    if kind == 3:
        return (f'    op.create_foreign_key("fk_{i}", "{t}", "t0", ["c_int"], ["id"])',
                f'    op.drop_constraint("fk_{i}", "{t}")',
                f"ALTER TABLE {t} ADD CONSTRAINT fk_{i} FOREIGN KEY(c_int) REFERENCES t0 (id);")
    if kind == 4:
        return ('    op.execute("SET lock_timeout = \'5s\'")\n    with op.get_context().autocommit_block():\n'
                f'        op.create_index("cx_{i}", "{t}", ["c_ts"], postgresql_concurrently=True)',
                f'    op.drop_index("cx_{i}", table_name="{t}")',
                f"SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY cx_{i} ON {t} (c_ts);")
    if kind == 5:
        prev = f"t{(i - 4) % TABLES}"
        return (f'    op.drop_column("{prev}", "col_{i - 4}")', "    pass",
                f"ALTER TABLE {prev} DROP COLUMN col_{i - 4};")
    if kind == 6:
        return (f'    op.alter_column("{t}", "c_int", nullable=False)',
                f'    op.alter_column("{t}", "c_int", nullable=True)',
                f"ALTER TABLE {t} ALTER COLUMN c_int SET NOT NULL;")
    sql = f"UPDATE {t} SET c_code = 'x' WHERE id < 10;\nCREATE TABLE aux_{i} (id integer PRIMARY KEY, ref integer);"
    return f"    op.execute({sql!r})", f'    op.drop_table("aux_{i}")', sql


def generate(root: Path, revisions: int) -> tuple[Path, Path]:
    alembic_dir, sql_dir = root / "alembic_project", root / "sql"
    versions = alembic_dir / "migrations" / "versions"
    versions.mkdir(parents=True)
    sql_dir.mkdir()
    (alembic_dir / "migrations" / "env.py").write_text(ENV_PY, encoding="utf-8")
    (alembic_dir / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = postgresql://bench@localhost/bench\n",
        encoding="utf-8")
    for i in range(revisions):
        if i == 0:
            (up, sql), down_body = baseline(), "    pass"
        else:
            up, down_body, sql = step(i)
        down = rev_id(i - 1) if i else None
        (versions / f"{rev_id(i)}.py").write_text(
            REVISION.format(doc=f"revision {i}", rev=rev_id(i), down=down, up=up, down_body=down_body),
            encoding="utf-8")
        (sql_dir / f"{rev_id(i)}.sql").write_text(sql + "\n", encoding="utf-8")
    return alembic_dir, sql_dir


CPU: list[float] = []  # user+sys seconds of each timed child, in run order


def timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time from outside, and (in CPU) the child's user+sys time from the kernel's accounting."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, proc


def dbaudit_run(target: Path, out: Path) -> tuple[float, int]:
    exe = str(Path(sys.executable).parent / "dbaudit")
    seconds, proc = timed([exe, "lint-migrations", str(target), "--format", "json", "-o", str(out)])
    if proc.returncode not in (0, 1):
        raise SystemExit(f"dbaudit failed ({proc.returncode}): {proc.stderr.strip()}")
    return seconds, len(json.loads(out.read_text(encoding="utf-8"))["findings"])


def squawk_run(squawk: str, sql_dir: Path) -> tuple[float, int]:
    files = sorted(str(p) for p in sql_dir.glob("*.sql"))
    seconds, proc = timed([squawk, "--reporter", "json", *files])
    try:
        count = len(json.loads(proc.stdout or "[]"))
    except json.JSONDecodeError:
        count = -1
    if proc.returncode not in (0, 1, 2) or count < 0:
        raise SystemExit(f"squawk failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
    return seconds, count


def generate_statements(root: Path, statements: int) -> tuple[Path, Path]:
    """``big/``: baseline + one file of ``statements`` statements; ``tiny/``: baseline + one statement."""
    big, tiny = root / "big", root / "tiny"
    for directory in (big, tiny):
        directory.mkdir()
        (directory / "000_base.sql").write_text(baseline()[1] + "\n", encoding="utf-8")
    parts: list[str] = []
    count, i = 0, 1
    while count < statements:
        sql = step(i)[2]
        parts.append(sql)
        count += sql.count(";")
        i += 1
    (big / "001_big.sql").write_text("\n".join(parts) + "\n", encoding="utf-8")
    (tiny / "001_tiny.sql").write_text(step(1)[2] + "\n", encoding="utf-8")
    return big, tiny


def statements_main(args: argparse.Namespace, root: Path, squawk: str | None) -> None:
    big, tiny = generate_statements(root, args.statements)
    if args.generate_only:
        print(f"generated {big} and {tiny}")
        return
    runs = {
        "dbaudit lint-migrations": lambda d: dbaudit_run(d, root / "out.json"),
        **({"squawk": lambda d: squawk_run(squawk, d)} if squawk else {}),
    }
    print(f"| tool | {args.statements} statements, median wall s | 1 statement (start-up), median wall s "
          "| statements/s after start-up | findings |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, run in runs.items():
        big_runs = [run(big) for _ in range(args.runs)]
        tiny_runs = [run(tiny) for _ in range(args.runs)]
        wall_big = statistics.median(r[0] for r in big_runs)
        wall_tiny = statistics.median(r[0] for r in tiny_runs)
        rate = args.statements / max(wall_big - wall_tiny, 1e-9)
        print(f"| {name} | {wall_big:.2f} | {wall_tiny:.2f} | {rate:,.0f} | {big_runs[-1][1]} |")


def find_squawk(explicit: str | None) -> str | None:
    for candidate in (explicit, "/tmp/squawk/node_modules/.bin/squawk", shutil.which("squawk")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revisions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--squawk", help="path to the squawk binary")
    parser.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    parser.add_argument("--statements", type=int, help="one migration of N statements instead of N revisions")
    parser.add_argument("--generate-only", action="store_true", help="write the inputs (use --keep) and stop")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="dbaudit-lint-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    squawk = find_squawk(args.squawk)
    if args.statements:
        statements_main(args, root, squawk)
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
        return
    alembic_dir, sql_dir = generate(root, args.revisions)
    rows: list[tuple[str, list[float], list[float], int]] = []
    for name, run in (
        ("dbaudit lint-migrations (Alembic project)", lambda: dbaudit_run(alembic_dir, root / "a.json")),
        ("dbaudit lint-migrations (.sql files)", lambda: dbaudit_run(sql_dir, root / "s.json")),
        *((("squawk (.sql files)", lambda: squawk_run(squawk, sql_dir)),) if squawk else ()),
    ):
        CPU.clear()
        results = [run() for _ in range(args.runs)]
        rows.append((name, [r[0] for r in results], list(CPU), results[-1][1]))
    if squawk is None:
        print("squawk not found (npm install --prefix /tmp/squawk squawk-cli): not measured")
    else:
        version = subprocess.run([squawk, "--version"], capture_output=True, text=True, check=False).stdout.strip()
        print(f"squawk: {version}")
    print(f"\n{args.revisions} revisions, {args.runs} runs, median wall time (fresh process each)\n")
    print("| tool | median wall s | min wall s | median CPU s (user+sys) | findings |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, times, cpu, findings in rows:
        print(f"| {name} | {statistics.median(times):.2f} | {min(times):.2f} | {statistics.median(cpu):.2f} "
              f"| {findings} |")
    if args.keep is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
