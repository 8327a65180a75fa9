"""The .sql source: pglast first, then a throw-away database, then the PostgreSQL reader."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from dbaudit.errors import SourceError
from dbaudit.model import EnumType, Partitioning, TableKind
from dbaudit.scratch import ScratchServer
from dbaudit.sources.ddl import parse_sql_text, read_sql_file

REPO = Path(__file__).resolve().parents[2]
PAGILA = REPO / "tests" / "corpus" / "pagila" / "pagila-schema.sql"  # committed with its licence


def write(tmp_path: Path, text: str, name: str = "schema.sql") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


class TestPagila:
    def test_pg_dump_output_loads(self, pg_server: ScratchServer) -> None:
        """pagila's pg_dump schema (SET lines, OWNER TO, partitions, domains, triggers) reads completely."""
        model = read_sql_file(PAGILA, scratch_url=pg_server.admin_url)
        assert (model.source.kind, model.source.name) == ("sql", str(PAGILA))
        assert Counter(t.kind for t in model.tables) == {
            TableKind.TABLE: 14, TableKind.VIEW: 7, TableKind.PARTITION: 7, TableKind.PARTITIONED_TABLE: 1,
            TableKind.MATERIALIZED_VIEW: 1,
        }
        payment = model.table("public.payment")
        assert payment is not None
        assert payment.partitioning == Partitioning("RANGE", "payment_date", ("payment_date",))
        assert [t.name for t in model.partitions_of("public.payment")] == [
            f"payment_p2022_0{month}" for month in range(1, 8)
        ]
        assert model.enums == (EnumType("public", "mpaa_rating", ("G", "PG", "PG-13", "R", "NC-17")),)
        film = model.table("public.film")
        assert film is not None
        assert [(t.name, t.function, t.function_language) for t in film.triggers] == [
            ("film_fulltext_trigger", "pg_catalog.tsvector_update_trigger", "internal"),
            ("last_updated", "public.last_updated", "plpgsql"),
        ]
        release_year = film.column("release_year")
        assert release_year is not None
        assert (release_year.type.sql, release_year.type.name) == ("public.year", "public.year")
        assert (sum(len(t.foreign_keys) for t in model.tables), len(model.sequences)) == (36, 13)


class TestErrors:
    def test_unparsable_sql_names_line_and_column(self, tmp_path: Path) -> None:
        """A syntax error is reported by pglast with FILE:LINE:COLUMN, before any server is used."""
        path = write(tmp_path, "CREATE TABLE a (id int);\n\nCREATE TABLE b (\n  id int,\n  name txet varchar\n);\n")
        with pytest.raises(SourceError) as info:
            read_sql_file(path, scratch_url="postgresql://nobody@127.0.0.1:1/none")
        assert str(info.value) == f'{path}:5:13: invalid SQL: syntax error at or near "varchar"'

    def test_server_error_names_the_statement_line(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """A statement the server rejects is reported with its line (the token's line when the server says)."""
        messages = []
        for name, tail in (("index.sql", "CREATE INDEX ON a\n  (missing);\n"),
                           ("select.sql", "SELECT id,\n  missing FROM a;\n")):
            path = write(tmp_path, "CREATE TABLE a (id int);\n-- comment\n" + tail, name)
            with pytest.raises(SourceError) as info:
                read_sql_file(path, scratch_url=pg_server.admin_url)
            messages.append(str(info.value))
        assert messages == [
            f'{tmp_path / "index.sql"}:3: column "missing" does not exist',
            f'{tmp_path / "select.sql"}:4: column "missing" does not exist',
        ]

    def test_missing_extension_names_the_way_out(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """An extension the scratch server lacks is reported with its line and how to name another server."""
        path = write(tmp_path, "\nCREATE EXTENSION no_such_extension_dbaudit;\n")
        with pytest.raises(SourceError) as info:
            read_sql_file(path, scratch_url=pg_server.admin_url)
        message = str(info.value)
        assert message.startswith(f'{path}:2: extension "no_such_extension_dbaudit" is not available')
        assert message.endswith("name a server that has it with --scratch-url or DBAUDIT_SCRATCH_URL)")

    def test_unreadable_files(self, tmp_path: Path) -> None:
        """A missing file, a directory and non-UTF-8 bytes are one-line source errors."""
        binary = tmp_path / "binary.sql"
        binary.write_bytes(b"CREATE TABLE \xff (id int);")
        messages = []
        for path in (tmp_path / "missing.sql", tmp_path, binary):
            with pytest.raises(SourceError) as info:
                read_sql_file(path)
            messages.append(str(info.value))
        assert messages == [
            f"cannot read {tmp_path / 'missing.sql'}: no such file",
            f"cannot read {tmp_path}: it is a directory",
            f"cannot read {binary}: not UTF-8 text (byte 13)",
        ]


class TestTolerances:
    def test_missing_roles_in_ownership_and_grants_are_skipped(self, tmp_path: Path,
                                                              pg_server: ScratchServer) -> None:
        """OWNER TO / GRANT naming a role the scratch server lacks are skipped, also inside a transaction."""
        path = write(tmp_path, (
            "\\restrict abc123\n"
            "BEGIN;\n"
            "CREATE TABLE t (id int PRIMARY KEY);\n"
            "ALTER TABLE t OWNER TO no_such_role_dbaudit;\n"
            "GRANT SELECT ON t TO no_such_role_dbaudit;\n"
            "CREATE TABLE u (id int REFERENCES t);\n"
            "COMMIT;\n"
            "\\unrestrict abc123\n"
        ))
        model = read_sql_file(path, scratch_url=pg_server.admin_url)
        assert [t.name for t in model.tables] == ["t", "u"]

    def test_full_dump_with_copy_data_reads_the_schema(self, tmp_path: Path, pg_server: ScratchServer) -> None:
        """COPY … FROM stdin blocks of a data dump are skipped; statements after them still run."""
        path = write(tmp_path, (
            "CREATE TABLE public.a (id int PRIMARY KEY, note text);\n"
            "COPY public.a (id, note) FROM stdin;\n"
            "1\thello; world\n"
            "2\t\\N\n"
            "\\.\n"
            "\n"
            "CREATE INDEX a_note ON public.a (note);\n"
        ))
        model = read_sql_file(path, scratch_url=pg_server.admin_url)
        table = model.table("public.a")
        assert table is not None
        assert [i.name for i in table.indexes] == ["a_note", "a_pkey"]

    def test_other_errors_in_privilege_statements_still_fail(self, tmp_path: Path,
                                                             pg_server: ScratchServer) -> None:
        """Only missing-role errors are tolerated: OWNER TO on a missing table is the file's error."""
        path = write(tmp_path, "ALTER TABLE nowhere OWNER TO postgres;\n")
        with pytest.raises(SourceError) as info:
            read_sql_file(path, scratch_url=pg_server.admin_url)
        assert str(info.value) == f'{path}:1: relation "nowhere" does not exist'


class TestParse:
    def test_statements_carry_their_first_line(self) -> None:
        """Statements are split by the real parser, with the line of their first token."""
        statements = parse_sql_text("-- head\nSELECT 1;\n\n  CREATE TABLE \"a;b\" (x text DEFAULT ';');\n"
                                    "ALTER TABLE x OWNER TO y;")
        assert [(s.text, s.line, s.privileges_only) for s in statements] == [
            ("SELECT 1", 2, False),
            ("CREATE TABLE \"a;b\" (x text DEFAULT ';')", 4, False),
            ("ALTER TABLE x OWNER TO y", 5, True),
        ]
