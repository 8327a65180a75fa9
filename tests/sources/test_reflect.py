"""The SQLite and MySQL/MariaDB source (``dbaudit.sources.reflect``) against real databases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pymysql
import pytest
import sqlalchemy as sa

from dbaudit.errors import ConnectionFailed, UsageError
from dbaudit.model import (
    CheckConstraint,
    Column,
    ColumnType,
    ForeignKey,
    Index,
    IndexElement,
    PrimaryKey,
    ReferentialAction,
    SchemaModel,
    Table,
    TableKind,
    UniqueConstraint,
    model_from_json,
    model_to_json,
)
from dbaudit.sources.reflect import count_statements, read_reflected

SQLITE_SCHEMA = """
CREATE TABLE "Accounts" (
    id INTEGER PRIMARY KEY,
    email VARCHAR(320) NOT NULL UNIQUE,
    balance NUMERIC(12, 2) NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active'
        CONSTRAINT accounts_status_check CHECK (status IN ('active', 'closed')),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    seen_at TIMESTAMP WITH TIME ZONE,
    flag BOOLEAN,
    doc JSON,
    raw BLOB,
    code CHAR(3),
    score REAL,
    big BIGINT,
    twice INTEGER GENERATED ALWAYS AS (big * 2) VIRTUAL
);
CREATE TABLE orders (
    order_id INTEGER NOT NULL,
    line INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    note TEXT,
    CONSTRAINT orders_pk PRIMARY KEY (order_id, line),
    CONSTRAINT orders_account_fk FOREIGN KEY (account_id) REFERENCES "Accounts" (id)
        ON DELETE CASCADE ON UPDATE SET NULL,
    CONSTRAINT orders_uq UNIQUE (account_id, line),
    CHECK (line > 0)
);
CREATE INDEX ix_orders_note ON orders (lower(note), line DESC);
CREATE UNIQUE INDEX ix_orders_live ON orders (account_id) WHERE note IS NOT NULL;
CREATE VIEW account_emails AS SELECT id, email FROM "Accounts";
"""

HOSTILE = ["Mixed Case", 'we"ird', "it's", "ünïcødé_表", "select", "a" * 63]


def sqlite_db(path: Path, ddl: str) -> str:
    conn = sqlite3.connect(path)
    conn.executescript(ddl)
    conn.close()
    return f"sqlite:///{path}"


def int_type(name: str = "int4", sql: str = "integer") -> ColumnType:
    return ColumnType(sql=sql, name=name)


def col(name: str, ctype: ColumnType, position: int, **kw: object) -> Column:
    return Column(name=name, type=ctype, position=position, **kw)  # type: ignore[arg-type]


@pytest.fixture
def sqlite_model(tmp_path: Path) -> SchemaModel:
    return read_reflected(sqlite_db(tmp_path / "app.db", SQLITE_SCHEMA))


class TestSQLiteModel:
    def test_source_info_marks_postgres_only_facts_unknown(self, sqlite_model: SchemaModel) -> None:
        """The model names SQLite as its source, schema main, and claims no PostgreSQL-only capability."""
        assert sqlite_model.source.kind == "sqlite"
        assert sqlite_model.source.dialect == "sqlite"
        assert sqlite_model.source.capabilities == ()
        assert sqlite_model.source.server_version == sqlite3.sqlite_version
        assert sqlite_model.schemas == ("main",)
        assert [t.name for t in sqlite_model.tables] == ["Accounts", "account_emails", "orders"]

    def test_columns_types_defaults_identity_and_constraints(self, sqlite_model: SchemaModel) -> None:
        """Every column field and constraint of a table is read exactly; unnamed ones get PostgreSQL names."""
        assert sqlite_model.table("main.Accounts") == Table(
            schema="main",
            name="Accounts",
            columns=(
                col("id", int_type(), 1, nullable=False, identity="by default"),
                col("email", ColumnType(sql="varchar(320)", name="varchar", length=320), 2, nullable=False),
                col(
                    "balance",
                    ColumnType(sql="numeric(12, 2)", name="numeric", precision=12, scale=2),
                    3,
                    nullable=False,
                    default="0",
                ),
                col("status", ColumnType(sql="text", name="text"), 4, nullable=False, default="'active'"),
                col(
                    "created_at",
                    ColumnType(sql="timestamp", name="timestamp"),
                    5,
                    nullable=False,
                    default="CURRENT_TIMESTAMP",
                ),
                col("seen_at", ColumnType(sql="timestamp with time zone", name="timestamptz"), 6),
                col("flag", ColumnType(sql="boolean", name="bool"), 7),
                col("doc", ColumnType(sql="json", name="json"), 8),
                col("raw", ColumnType(sql="blob", name="bytea"), 9),
                col("code", ColumnType(sql="char(3)", name="bpchar", length=3), 10),
                col("score", ColumnType(sql="real", name="float4"), 11),
                col("big", ColumnType(sql="bigint", name="int8"), 12),
                col("twice", int_type(), 13, generated="big * 2"),
            ),
            primary_key=PrimaryKey(name="Accounts_pkey", columns=("id",)),
            uniques=(UniqueConstraint(name="Accounts_email_key", columns=("email",)),),
            checks=(
                CheckConstraint(
                    name="accounts_status_check",
                    expression="status IN ('active', 'closed')",
                    columns=("status",),
                ),
            ),
            indexes=(
                Index(
                    name="Accounts_pkey",
                    elements=(IndexElement(column="id"),),
                    unique=True,
                    primary=True,
                    constraint="Accounts_pkey",
                ),
                Index(
                    name="Accounts_email_key",
                    elements=(IndexElement(column="email"),),
                    unique=True,
                    constraint="Accounts_email_key",
                ),
            ),
        )

    def test_foreign_keys_uniques_checks_and_indexes(self, sqlite_model: SchemaModel) -> None:
        """FK actions, composite keys, unnamed checks, partial and expression indexes are read exactly."""
        orders = sqlite_model.table("main.orders")
        assert orders is not None
        assert orders.primary_key == PrimaryKey(name="orders_pk", columns=("order_id", "line"))
        assert orders.foreign_keys == (
            ForeignKey(
                name="orders_account_fk",
                columns=("account_id",),
                ref_schema="main",
                ref_table="Accounts",
                ref_columns=("id",),
                on_delete=ReferentialAction.CASCADE,
                on_update=ReferentialAction.SET_NULL,
            ),
        )
        assert orders.uniques == (UniqueConstraint(name="orders_uq", columns=("account_id", "line")),)
        assert orders.checks == (
            CheckConstraint(name="orders_check", expression="line > 0", columns=("line",)),
        )
        assert orders.indexes == (
            Index(
                name="orders_pk",
                elements=(IndexElement(column="order_id"), IndexElement(column="line")),
                unique=True,
                primary=True,
                constraint="orders_pk",
            ),
            Index(
                name="ix_orders_live",
                elements=(IndexElement(column="account_id"),),
                unique=True,
                predicate="note IS NOT NULL",
                definition="CREATE UNIQUE INDEX ix_orders_live ON orders (account_id) WHERE note IS NOT NULL",
            ),
            Index(
                name="orders_uq",
                elements=(IndexElement(column="account_id"), IndexElement(column="line")),
                unique=True,
                constraint="orders_uq",
            ),
            Index(
                name="ix_orders_note",
                elements=(
                    IndexElement(expression="lower(note)"),
                    IndexElement(column="line", descending=True),
                ),
                definition="CREATE INDEX ix_orders_note ON orders (lower(note), line DESC)",
            ),
        )

    def test_view_with_columns_and_definition(self, sqlite_model: SchemaModel) -> None:
        """A view is a VIEW relation with its columns and its definition text, and no constraints."""
        assert sqlite_model.table("main.account_emails") == Table(
            schema="main",
            name="account_emails",
            kind=TableKind.VIEW,
            columns=(
                col("id", int_type(), 1),
                col("email", ColumnType(sql="varchar(320)", name="varchar", length=320), 2),
            ),
            view_definition='CREATE VIEW account_emails AS SELECT id, email FROM "Accounts"',
        )

    def test_model_round_trips_through_json(self, sqlite_model: SchemaModel) -> None:
        """The reflected model serialises to JSON and back unchanged."""
        assert model_from_json(model_to_json(sqlite_model)) == sqlite_model

    def test_hostile_identifiers_read_back_exactly(self, tmp_path: Path) -> None:
        """Quotes, spaces, Unicode, reserved words and 63-character names come back unchanged."""
        quoted = ['"' + n.replace('"', '""') + '"' for n in HOSTILE]
        ddl = "".join(
            f"CREATE TABLE {q} ({q} INTEGER PRIMARY KEY, {quoted[(i + 1) % len(quoted)]} INTEGER UNIQUE, "
            f"CONSTRAINT {q} FOREIGN KEY ({quoted[(i + 1) % len(quoted)]}) REFERENCES {q} ({q}) "
            "ON DELETE CASCADE);\n"
            for i, q in enumerate(quoted)
        )
        model = read_reflected(sqlite_db(tmp_path / "hostile.db", ddl))
        assert sorted(t.name for t in model.tables) == sorted(HOSTILE)
        for i, name in enumerate(HOSTILE):
            table = model.table(f"main.{name}")
            assert table is not None
            other = HOSTILE[(i + 1) % len(HOSTILE)]
            assert [c.name for c in table.columns] == [name, other]
            assert table.uniques == (UniqueConstraint(name=f"{name}_{other}_key", columns=(other,)),)
            # SQLite keeps no FK names in its catalog; SQLAlchemy recovers them from the table's SQL
            # text but not when a name in the clause contains a double quote: the default name then.
            fk_name = f"{name}_{other}_fkey" if '"' in name + other else name
            assert table.foreign_keys == (
                ForeignKey(
                    name=fk_name,
                    columns=(other,),
                    ref_schema="main",
                    ref_table=name,
                    ref_columns=(name,),
                    on_delete=ReferentialAction.CASCADE,
                ),
            )


class TestSQLiteSafety:
    def test_missing_file_is_a_connection_failure(self, tmp_path: Path) -> None:
        """A path with no database file fails with one line instead of creating an empty database."""
        missing = tmp_path / "nope.db"
        with pytest.raises(ConnectionFailed, match="no such SQLite database file"):
            read_reflected(f"sqlite:///{missing}")
        assert not missing.exists()

    def test_in_memory_url_is_a_usage_error(self) -> None:
        """An in-memory SQLite URL has nothing to read and says so."""
        with pytest.raises(UsageError, match="must name a database file"):
            read_reflected("sqlite://")

    def test_connection_is_read_only(self, tmp_path: Path) -> None:
        """The engine dbaudit opens refuses writes (mode=ro, query_only)."""
        from dbaudit.sources.reflect import _SQLite  # noqa: PLC0415

        url = sqlite_db(tmp_path / "ro.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
        engine = _SQLite().engine(url)
        with engine.connect() as conn, pytest.raises(sa.exc.OperationalError, match=r"readonly|read-only"):
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        engine.dispose()


def _same_shape_sqlite(path: Path, n: int) -> str:
    ddl = "CREATE TABLE t0 (id INTEGER PRIMARY KEY);\n" + "".join(
        f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, p INTEGER REFERENCES t0 (id), code TEXT UNIQUE, "
        f"CHECK (code <> ''));\nCREATE INDEX ix{i} ON t{i} (p);\n"
        for i in range(1, n)
    )
    return sqlite_db(path, ddl)


def _dbaudit_statements(statements: list[str]) -> list[str]:
    """Statements dbaudit issues itself (SQLAlchemy's per-table reflection excluded)."""
    per_table = ("PRAGMA", "SHOW CREATE TABLE", "SELECT sql FROM", "SHOW FULL TABLES", "SELECT name FROM")
    return [s for s in statements if not s.lstrip().startswith(per_table)]


class TestSQLiteRoundTrips:
    def test_statements_grow_by_a_fixed_cost_per_table(self, tmp_path: Path) -> None:
        """dbaudit's own queries are fixed; SQLAlchemy's SQLite dialect adds a constant per table."""
        counts, own = {}, {}
        for n in (10, 20, 100):
            url = _same_shape_sqlite(tmp_path / f"s{n}.db", n)
            with count_statements() as statements:
                read_reflected(url)
            counts[n], own[n] = len(statements), len(_dbaudit_statements(statements))
        assert own[10] == own[100]
        per_table = (counts[20] - counts[10]) / 10
        assert counts[100] - counts[10] == 90 * per_table
        # Pinned so a change in the reflection plan is noticed: PRAGMA table_xinfo, foreign_key_list,
        # index_list, 3 x index_info / table SQL lookups ... per table of this shape.
        assert per_table == 10


# ---------------------------------------------------------------------------------------------------
# MySQL / MariaDB


MYSQL_SCHEMA = [
    """CREATE TABLE parent (
        id INT AUTO_INCREMENT PRIMARY KEY,
        code VARCHAR(20) NOT NULL,
        flag BOOLEAN NOT NULL DEFAULT 0,
        created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        dt DATETIME(3),
        doc JSON,
        UNIQUE KEY uq_code (code)
    ) COMMENT = 'parents here'""",
    """CREATE TABLE `child T` (
        id BIGINT NOT NULL PRIMARY KEY,
        parent_id INT COMMENT 'the parent',
        status ENUM('new', 'done') DEFAULT 'new',
        amount DECIMAL(12, 2) NOT NULL DEFAULT 0,
        name VARCHAR(255) COLLATE utf8mb4_bin,
        body TEXT,
        CONSTRAINT fk_p FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE SET NULL ON UPDATE CASCADE,
        CONSTRAINT ck_amt CHECK (amount >= 0),
        KEY ix_prefix (name(10), amount DESC),
        FULLTEXT KEY ft_body (body)
    )""",
    "CREATE VIEW v AS SELECT id, code FROM parent",
]


def mysql_exec(url: str, statements: list[str]) -> None:
    parsed = sa.engine.make_url(url)
    conn = pymysql.connect(
        host=parsed.host, port=parsed.port or 3306, user=parsed.username, password=parsed.password or "",
        database=parsed.database, autocommit=True, charset="utf8mb4",
    )  # fmt: skip
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        conn.close()


@pytest.fixture
def mysql_model(mysql_url: str) -> SchemaModel:
    mysql_exec(mysql_url, MYSQL_SCHEMA)
    return read_reflected(mysql_url)


@pytest.mark.mysql
class TestMySQLModel:
    def test_source_info(self, mysql_model: SchemaModel, mysql_url: str) -> None:
        """The model names MySQL, the database as its schema, and only comments and statistics as known."""
        database = sa.engine.make_url(mysql_url).database
        assert mysql_model.source.kind == "mysql"
        assert mysql_model.source.dialect == "mysql"
        assert mysql_model.source.capabilities == ("comments", "statistics")
        assert mysql_model.source.server_version is not None
        assert mysql_model.schemas == (database,)
        assert [(t.name, t.kind) for t in mysql_model.tables] == [
            ("child T", TableKind.TABLE),
            ("parent", TableKind.TABLE),
            ("v", TableKind.VIEW),
        ]

    def test_parent_table(self, mysql_model: SchemaModel, mysql_url: str) -> None:
        """AUTO_INCREMENT, BOOLEAN, TIMESTAMP vs DATETIME, MariaDB JSON, unique key, comment map exactly."""
        database = sa.engine.make_url(mysql_url).database
        parent = mysql_model.table(f"{database}.parent")
        assert parent is not None
        assert parent.columns == (
            col("id", ColumnType(sql="int(11)", name="int4"), 1, nullable=False, identity="by default"),
            col("code", ColumnType(sql="varchar(20)", name="varchar", length=20), 2, nullable=False),
            col("flag", ColumnType(sql="tinyint(1)", name="bool"), 3, nullable=False, default="0"),
            col(
                "created",
                ColumnType(sql="timestamp", name="timestamptz"),
                4,
                nullable=False,
                default="current_timestamp()",
            ),
            col("dt", ColumnType(sql="datetime(3)", name="timestamp"), 5),
            col("doc", ColumnType(sql="longtext", name="json"), 6, collation="utf8mb4_bin"),
        )
        assert parent.comment == "parents here"
        assert parent.primary_key == PrimaryKey(name="PRIMARY", columns=("id",))
        assert parent.uniques == (UniqueConstraint(name="uq_code", columns=("code",)),)
        assert parent.checks == (
            CheckConstraint(name="doc", expression="json_valid(`doc`)", columns=("doc",)),
        )
        assert parent.indexes == (
            Index(
                name="PRIMARY",
                elements=(IndexElement(column="id"),),
                unique=True,
                primary=True,
                constraint="PRIMARY",
            ),
            Index(name="uq_code", elements=(IndexElement(column="code"),), unique=True, constraint="uq_code"),
        )
        assert parent.stats is not None
        assert parent.stats.rows_estimate == 0

    def test_child_table(self, mysql_model: SchemaModel, mysql_url: str) -> None:
        """FK actions, CHECK, ENUM, comments, collation, prefix/DESC/FULLTEXT indexes map exactly."""
        database = sa.engine.make_url(mysql_url).database
        assert database is not None
        child = mysql_model.table(f"{database}.child T")
        assert child is not None
        assert child.columns == (
            col("id", ColumnType(sql="bigint(20)", name="int8"), 1, nullable=False),
            col("parent_id", ColumnType(sql="int(11)", name="int4"), 2, comment="the parent"),
            col(
                "status", ColumnType(sql="enum('new','done')", name="enum", is_enum=True), 3, default="'new'"
            ),
            col(
                "amount",
                ColumnType(sql="decimal(12,2)", name="numeric", precision=12, scale=2),
                4,
                nullable=False,
                default="0.00",
            ),
            col(
                "name", ColumnType(sql="varchar(255)", name="varchar", length=255), 5, collation="utf8mb4_bin"
            ),
            col("body", ColumnType(sql="text", name="text"), 6),
        )
        assert child.foreign_keys == (
            ForeignKey(
                name="fk_p",
                columns=("parent_id",),
                ref_schema=database,
                ref_table="parent",
                ref_columns=("id",),
                on_delete=ReferentialAction.SET_NULL,
                on_update=ReferentialAction.CASCADE,
            ),
        )
        assert child.checks == (
            CheckConstraint(name="ck_amt", expression="`amount` >= 0", columns=("amount",)),
        )
        assert child.indexes == (
            Index(
                name="PRIMARY",
                elements=(IndexElement(column="id"),),
                unique=True,
                primary=True,
                constraint="PRIMARY",
            ),
            Index(name="fk_p", elements=(IndexElement(column="parent_id"),)),
            Index(name="ft_body", elements=(IndexElement(column="body"),), method="fulltext"),
            Index(
                name="ix_prefix",
                elements=(
                    IndexElement(column="name", length=10),
                    IndexElement(column="amount", descending=True),
                ),
            ),
        )

    def test_view(self, mysql_model: SchemaModel, mysql_url: str) -> None:
        """A view is a VIEW relation with its columns and the server's definition text."""
        database = sa.engine.make_url(mysql_url).database
        view = mysql_model.table(f"{database}.v")
        assert view is not None
        assert view.kind == TableKind.VIEW
        assert [c.name for c in view.columns] == ["id", "code"]
        assert view.view_definition == (
            f"select `{database}`.`parent`.`id` AS `id`,`{database}`.`parent`.`code` AS `code` "
            f"from `{database}`.`parent`"
        )

    def test_hostile_identifiers_read_back_exactly(self, mysql_url: str) -> None:
        """Quotes, backticks, spaces, Unicode, reserved words and mixed case come back unchanged."""
        names = ["Mixed Case", 'we"ird', "it's", "ünïcødé_表", "select", "a" * 63, "back`tick"]
        quoted = ["`" + n.replace("`", "``") + "`" for n in names]
        mysql_exec(
            mysql_url,
            [
                f"CREATE TABLE {q} ({q} INT PRIMARY KEY, {quoted[(i + 1) % len(quoted)]} INT, "
                f"UNIQUE KEY {q} ({quoted[(i + 1) % len(quoted)]}), CONSTRAINT {q} FOREIGN KEY "
                f"({quoted[(i + 1) % len(quoted)]}) REFERENCES {q} ({q}) ON DELETE CASCADE ON UPDATE CASCADE)"
                for i, q in enumerate(quoted)
            ],
        )
        model = read_reflected(mysql_url)
        database = sa.engine.make_url(mysql_url).database
        assert sorted(t.name for t in model.tables) == sorted(names)
        for i, name in enumerate(names):
            table = model.table(f"{database}.{name}")
            assert table is not None
            other = names[(i + 1) % len(names)]
            assert [c.name for c in table.columns] == [name, other]
            assert table.uniques == (UniqueConstraint(name=name, columns=(other,)),)
            assert table.foreign_keys == (
                ForeignKey(
                    name=name,
                    columns=(other,),
                    ref_schema=database or "",
                    ref_table=name,
                    ref_columns=(name,),
                    on_delete=ReferentialAction.CASCADE,
                    on_update=ReferentialAction.CASCADE,
                ),
            )


@pytest.mark.mysql
class TestMySQLSafety:
    def test_unreachable_server_is_a_connection_failure_without_password(self) -> None:
        """An unreachable server gives ConnectionFailed whose one-line message never shows the password."""
        with pytest.raises(ConnectionFailed) as info:
            read_reflected("mysql://auditor:Sup3r-S3cret@127.0.0.1:1/app")
        message = str(info.value)
        assert "Sup3r-S3cret" not in message
        assert "mysql://auditor:***@127.0.0.1:1/app" in message
        assert "\n" not in message

    def test_bad_password_is_a_connection_failure_without_password(self, mysql_url: str) -> None:
        """Refused credentials give ConnectionFailed that does not repeat the password."""
        url = sa.engine.make_url(mysql_url).set(username="nobody_here", password="Wr0ng-Pa55")
        with pytest.raises(ConnectionFailed) as info:
            read_reflected(url.render_as_string(hide_password=False))
        assert "Wr0ng-Pa55" not in str(info.value)

    def test_session_is_read_only(self, mysql_url: str) -> None:
        """Connections dbaudit opens run read-only transactions: an INSERT is refused."""
        from dbaudit.sources.reflect import _MySQL  # noqa: PLC0415

        mysql_exec(mysql_url, ["CREATE TABLE t (id INT PRIMARY KEY)"])
        engine = _MySQL().engine(mysql_url)
        with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="READ ONLY"):
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        engine.dispose()

    def test_mariadb_url_scheme_uses_pymysql(self, mysql_url: str) -> None:
        """mariadb:// and mysql:// URLs read the same database through PyMySQL."""
        rest = mysql_url.split("://", 1)[1]
        mysql_exec(mysql_url, ["CREATE TABLE t (id INT PRIMARY KEY)"])
        assert [t.name for t in read_reflected(f"mariadb://{rest}").tables] == ["t"]
        assert [t.name for t in read_reflected(f"mysql://{rest}").tables] == ["t"]


@pytest.mark.mysql
class TestMySQLRoundTrips:
    def test_statements_grow_by_one_show_create_table_per_table(self, mysql_url: str) -> None:
        """dbaudit's own queries are fixed; SQLAlchemy's MySQL dialect adds a SHOW CREATE TABLE per table."""
        mysql_exec(mysql_url, ["CREATE TABLE t0 (id INT PRIMARY KEY)"])
        counts, own = {}, {}
        done = 1
        for n in (10, 100):
            mysql_exec(
                mysql_url,
                [
                    f"CREATE TABLE t{i} (id INT PRIMARY KEY, p INT, code VARCHAR(20) UNIQUE, "
                    "CHECK (code <> ''), FOREIGN KEY (p) REFERENCES t0 (id) ON DELETE CASCADE)"
                    for i in range(done, n)
                ],
            )
            done = n
            with count_statements() as statements:
                read_reflected(mysql_url)
            counts[n], own[n] = len(statements), len(_dbaudit_statements(statements))
        assert own[10] == own[100]
        assert counts[100] - counts[10] == 90
