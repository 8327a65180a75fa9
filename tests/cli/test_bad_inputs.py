"""Every bad input, for every command, ends the same way (issue 17).

Each case runs the command in-process (click's runner, the real servers behind it) and checks the
promise made to users: exit code 2; exactly one line on stderr, starting with ``error:``; no
traceback; no secret (the passwords the case put in a URL, a config file or the environment) in any
output or in any file the run wrote; no partial output file and no temporary file left; no throw-away
database left on the server (this process's ``dbaudit_scratch_<pid>_*`` ones only: other test runs
share the server) and no child process left.

Signals (SIGINT and SIGTERM, on the embedded server and on a named scratch server) and a full disk
need a real process or a real filesystem: they are in ``test_interrupts.py``.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from dbaudit.cli.main import cli
from dbaudit.model import model_to_json
from dbaudit.scratch import ScratchServer, scratch_name_prefix
from dbaudit.testing import schema

SECRET = "hunter2"  # the password every bad URL carries
ENV_SECRET = "Sup3rSecretEnv"  # a password only the environment knows (DATABASE_URL)
EXAMPLES = Path(__file__).resolve().parents[1] / "migrations" / "corpus"


@dataclass(frozen=True)
class Case:
    """One bad input: the command line (``{tmp}``, ``{pg}``… filled in), what it must not leave behind."""

    id: str
    args: tuple[str, ...]
    message: str  # a fragment the one error line must contain (says what went wrong)
    outputs: tuple[str, ...] = ()  # paths (relative to tmp) that must not be written
    env: dict[str, str] = field(default_factory=dict)


def _model_json() -> str:
    model = schema().table("items", cols={"id": "bigint", "name": "text"}, pk="id").build()
    return model_to_json(model)


TABLE = '{"schema": "public", "name": "items", '
# Input files every case may use, written once into the case's directory.
FILES: dict[str, str | bytes] = {
    "good.json": _model_json(),
    "bad_enum.json": _model_json().replace(TABLE, TABLE + '"kind": "spaceship", '),
    "bad_version.json": _model_json().replace('"dbaudit_model_version": 1', '"dbaudit_model_version": 99'),
    "bad_type.json": _model_json().replace('"nullable": false', '"nullable": "no"'),
    "not_json.json": "{not json",
    "invalid.sql": "CREATE TABLE a (x int);\nSELEC 1;\n",
    "cut_short.sql": "CREATE TABLE a (x int);\nCREATE TABLE b (",
    "server_fails.sql": "CREATE TABLE a (x int);\nCREATE TABLE b (y no_such_type);\n",
    "binary.sql": b"\xff\xfe\x00CREATE TABLE \x89PNG\r\n",
    "no_extension.sql": "CREATE EXTENSION dbaudit_no_such_extension;\n",
    "binary.toml": b"\x89PNG\r\n\x1a\n\x00\x00\xff",
    "invalid.toml": "[tool.dbaudit\nselect = [",
    "unknown_key/pyproject.toml": '[tool.dbaudit]\nselekt = ["ALL"]\n',
    "unknown_rule/dbaudit.toml": 'select = ["fk-mising"]\n',
    "unknown_severity/dbaudit.toml": 'severity = { "no-such-rule" = "P0" }\n',
    "unknown_ignore/dbaudit.toml": '[per-object-ignores]\n"public.*" = { rules = ["typo-rule"], reason = "x" }\n',
    "unknown_file_ignore/dbaudit.toml": '[per-file-ignores]\n"versions/*.py" = { rules = ["missing-downgrad"], '
                                        'reason = "x" }\n',
    "url_in_config/dbaudit.toml": f'scratch-url-env = "postgresql://app:{SECRET}@db.example/app"\n',
    "bad_fail_on/dbaudit.toml": 'fail-on = "P7"\n',
    "notes.txt": "not a source",
    "a_file": "a file where a directory is expected",
    "sql_migrations/001_a.sql": "CREATE TABLE a (x int);\n",
    "sql_migrations/002_b.sql": "ALTER TABLE a ADD COLUMN y int;\n",
    "bad_sql_migrations/001_a.sql": "CREATE TABLE a (x int;\n",
}
OLD_REPORT = "an older report\n"


def _alembic(root: Path, env_py: str, revision: str) -> None:
    (root / "migrations" / "versions").mkdir(parents=True)
    shutil.copy(EXAMPLES / "alembic_project" / "script.py.mako", root / "migrations" / "script.py.mako")
    (root / "migrations" / "env.py").write_text(env_py, encoding="utf-8")
    (root / "migrations" / "versions" / "r1.py").write_text(revision, encoding="utf-8")


GOOD_REVISION = ('revision = "r1"\ndown_revision = None\nfrom alembic import op\n\n'
                 'def upgrade():\n    op.execute("CREATE TABLE a (x int)")\n\ndef downgrade():\n    pass\n')
SECRET_ENV_PY = (
    "import os\n"
    "raise RuntimeError('cannot reach ' + os.environ['DATABASE_URL'] + ' (password "
    + ENV_SECRET + " refused)')\n"
)


def _write_inputs(root: Path) -> None:
    for name, content in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    (root / "dir.sql").mkdir()
    (root / "out_is_dir").mkdir()
    existing = root / "existing_set"
    existing.mkdir()
    for name in ("report.md", "report.json"):
        (existing / name).write_text(OLD_REPORT, encoding="utf-8")
    _alembic(root / "alembic_secret", SECRET_ENV_PY, GOOD_REVISION)
    _alembic(root / "alembic_broken", (EXAMPLES / "alembic_project" / "env.py").read_text(encoding="utf-8"),
             'revision = "r1"\ndown_revision = None\ndef upgrade(:\n')
    _alembic(root / "alembic_good", (EXAMPLES / "alembic_project" / "env.py").read_text(encoding="utf-8"),
             GOOD_REVISION)


UNKNOWN_DB = f"postgresql://postgres:{SECRET}@{{pghost}}/dbaudit_no_such_database"
UNREACHABLE = f"postgresql://app:{SECRET}@127.0.0.1:1/app"
BAD_PORT = f"postgresql://app:{SECRET}@127.0.0.1:notaport/app"
QUERY_PASSWORD = f"postgresql://postgres@{{pghost}}/dbaudit_no_such_database?password={SECRET}"

CASES: list[Case] = [
    # the command line itself
    Case("unknown-command", ("no-such-command",), "No such command"),
    Case("unknown-option", ("audit", "--no-such-option"), "No such option"),
    Case("missing-argument", ("inspect",), "Missing argument"),
    Case("rules-unknown-id", ("rules", "fk-mising"), "did you mean 'fk-missing'"),
    Case("rules-bad-format", ("rules", "--format", "yaml"), "'yaml' is not one of"),
    # audit: targets
    Case("audit-no-target", ("audit",), "missing TARGET"),
    Case("audit-unknown-kind", ("audit", "{tmp}/notes.txt"), "cannot tell what kind of source"),
    Case("audit-unknown-scheme", ("audit", f"oracle://scott:{SECRET}@db/orcl"), "cannot tell what kind of source"),
    Case("audit-missing-sql", ("audit", "{tmp}/nowhere.sql"), "no such file"),
    Case("audit-sql-is-dir", ("audit", "{tmp}/dir.sql"), "is a directory"),
    Case("audit-invalid-sql", ("audit", "{tmp}/invalid.sql"), "invalid.sql:2:1: invalid SQL"),
    Case("audit-sql-cut-short", ("audit", "{tmp}/cut_short.sql"), "syntax error at end of input"),
    Case("audit-binary-sql", ("audit", "{tmp}/binary.sql"), "not UTF-8"),
    Case("audit-sql-server-fails", ("audit", "{tmp}/server_fails.sql"), "server_fails.sql:2"),
    Case("audit-sql-missing-extension", ("audit", "{tmp}/no_extension.sql"), "extension"),
    Case("audit-unknown-database", ("audit", UNKNOWN_DB), "unknown database"),
    Case("audit-unreachable", ("audit", UNREACHABLE), "server unreachable"),
    Case("audit-bad-port", ("audit", BAD_PORT), "invalid connection URL"),
    Case("audit-query-password", ("audit", QUERY_PASSWORD), "unknown database"),
    Case("audit-mysql-unreachable", ("audit", f"mysql+pymysql://root:{SECRET}@127.0.0.1:1/x"), "cannot read"),
    Case("audit-mysql-bad-port", ("audit", f"mysql+pymysql://root:{SECRET}@127.0.0.1:abc/x"), "invalid connection"),
    Case("audit-sqlite-missing", ("audit", "sqlite:///{tmp}/nowhere.db"), "no such SQLite database"),
    Case("audit-json-invalid", ("audit", "{tmp}/not_json.json"), "not valid JSON"),
    Case("audit-json-unknown-enum", ("audit", "{tmp}/bad_enum.json"), "'spaceship'"),
    Case("audit-json-version", ("audit", "{tmp}/bad_version.json"), "unsupported model format version"),
    Case("audit-json-bad-type", ("audit", "{tmp}/bad_type.json"), "expected a boolean"),
    Case("audit-scratch-unreachable", ("audit", "{tmp}/server_fails.sql", "--scratch-url", UNREACHABLE),
         "scratch server"),
    # audit: options
    Case("audit-select-unknown", ("audit", "{tmp}/good.json", "--select", "no-such-rule"),
         "'no-such-rule' in --select"),
    Case("audit-ignore-typo", ("audit", "{tmp}/good.json", "--ignore", "fk-mising"), "did you mean 'fk-missing'"),
    Case("audit-select-list-typo", ("audit", "{tmp}/good.json", "--select", "indexes,integrty"), "'integrty'"),
    Case("audit-extend-select-typo", ("audit", "{tmp}/good.json", "--extend-select", "hose"),
         "'hose' in --extend-select"),
    Case("audit-bad-output-format", ("audit", "{tmp}/good.json", "--output-format", "xml"), "'xml' is not one of"),
    Case("audit-output-file-is-dir", ("audit", "{tmp}/good.json", "--output-format", "json", "--output-file",
                                      "{tmp}/out_is_dir"), "is a directory"),
    Case("audit-baseline-missing", ("audit", "{tmp}/good.json", "--baseline", "{tmp}/no_baseline.json"),
         "no_baseline.json"),
    Case("audit-baseline-invalid", ("audit", "{tmp}/good.json", "--baseline", "{tmp}/not_json.json"),
         "not_json.json"),
    Case("audit-bad-format", ("audit", "{tmp}/good.json", "--format", "pdf"), "unknown format 'pdf'"),
    Case("audit-two-formats-stdout", ("audit", "{tmp}/good.json", "--format", "md,json"), "several formats"),
    Case("audit-bad-fail-on", ("audit", "{tmp}/good.json", "--fail-on", "P9"), "'P9' is not one of"),
    Case("audit-bad-lang", ("audit", "{tmp}/good.json", "--lang", "fr"), "'fr' is not one of"),
    Case("audit-out-is-file", ("audit", "{tmp}/good.json", "-o", "{tmp}/a_file"), "not a directory"),
    Case("audit-out-under-file", ("audit", "{tmp}/good.json", "-o", "{tmp}/a_file/reports"), "not a directory"),
    Case("audit-models-unimportable", ("audit", "{tmp}/good.json", "--models", "no_such_pkg_dbaudit.models:Base"),
         "no_such_pkg_dbaudit"),
    Case("audit-migrations-missing", ("audit", "{tmp}/good.json", "--migrations", "{tmp}/no_migrations"),
         "no_migrations"),
    Case("audit-migrations-broken", ("audit", "{tmp}/good.json", "--migrations", "{tmp}/alembic_broken"),
         "alembic_broken"),
    Case("audit-code-missing", ("audit", "{tmp}/good.json", "--code", "{tmp}/no_code_here"), "no_code_here"),
    # audit: configuration files
    Case("config-missing", ("audit", "{tmp}/good.json", "--config", "{tmp}/nowhere.toml"), "does not exist"),
    Case("config-is-dir", ("audit", "{tmp}/good.json", "--config", "{tmp}/dir.sql"), "is a directory"),
    Case("config-binary", ("audit", "{tmp}/good.json", "--config", "{tmp}/binary.toml"), "not a TOML file"),
    Case("config-invalid-toml", ("audit", "{tmp}/good.json", "--config", "{tmp}/invalid.toml"), "invalid TOML"),
    Case("config-unknown-key", ("audit", "{tmp}/good.json", "--config", "{tmp}/unknown_key/pyproject.toml"),
         "unknown key 'selekt' in [tool.dbaudit] (did you mean 'select'?)"),
    Case("config-unknown-rule", ("audit", "{tmp}/good.json", "--config", "{tmp}/unknown_rule/dbaudit.toml"),
         "'fk-mising' in select of"),
    Case("config-unknown-severity-rule",
         ("audit", "{tmp}/good.json", "--config", "{tmp}/unknown_severity/dbaudit.toml"), "in severity of"),
    Case("config-unknown-ignore-rule",
         ("audit", "{tmp}/good.json", "--config", "{tmp}/unknown_ignore/dbaudit.toml"), "in per-object-ignores of"),
    Case("config-unknown-per-file-rule",
         ("audit", "{tmp}/good.json", "--config", "{tmp}/unknown_file_ignore/dbaudit.toml"), "in per-file-ignores of"),
    Case("config-url", ("audit", "{tmp}/good.json", "--config", "{tmp}/url_in_config/dbaudit.toml"),
         "database URLs are not allowed"),
    Case("config-bad-fail-on", ("audit", "{tmp}/good.json", "--config", "{tmp}/bad_fail_on/dbaudit.toml"), "P7"),
    # inspect
    Case("inspect-missing-sql", ("inspect", "{tmp}/nowhere.sql"), "no such file"),
    Case("inspect-unknown-schema", ("inspect", "{pg}", "--schema", "dbaudit_no_such_schema"),
         "no schema 'dbaudit_no_such_schema'"),
    Case("inspect-out-is-dir", ("inspect", "{tmp}/good.json", "-o", "{tmp}/out_is_dir"), "is a directory"),
    Case("inspect-out-under-file", ("inspect", "{tmp}/good.json", "-o", "{tmp}/a_file/model.json"),
         "not a directory", outputs=("a_file/model.json",)),
    Case("inspect-unknown-enum", ("inspect", "{tmp}/bad_enum.json"), "'spaceship'"),
    Case("inspect-unknown-database", ("inspect", UNKNOWN_DB), "unknown database"),
    # drift
    Case("drift-unknown-kind", ("drift", "{tmp}/good.json", "{tmp}/notes.txt"), "cannot tell what kind"),
    Case("drift-bad-format", ("drift", "{tmp}/good.json", "{tmp}/good.json", "--format", "xml"), "unknown format"),
    Case("drift-out-without-format", ("drift", "{tmp}/good.json", "{tmp}/good.json", "-o", "{tmp}/d.md"),
         "-o needs --format", outputs=("d.md",)),
    Case("drift-formats-into-file",
         ("drift", "{tmp}/good.json", "{tmp}/good.json", "--format", "md,json", "-o", "{tmp}/a_file"),
         "not a directory"),
    Case("drift-models-unimportable", ("drift", "models:no_such_pkg_dbaudit:Base", "{tmp}/good.json"),
         "no_such_pkg_dbaudit"),
    Case("drift-migrations-missing", ("drift", "migrations:{tmp}/no_migrations", "{tmp}/good.json"),
         "no_migrations"),
    Case("drift-bad-fail-on", ("drift", "{tmp}/good.json", "{tmp}/good.json", "--fail-on", "P7"), "P7"),
    Case("drift-unknown-enum", ("drift", "{tmp}/good.json", "{tmp}/bad_enum.json"), "'spaceship'"),
    Case("drift-unknown-database", ("drift", "{tmp}/good.json", UNKNOWN_DB), "unknown database"),
    # lint-migrations
    Case("lint-missing-path", ("lint-migrations", "{tmp}/no_migrations"), "no such file or directory"),
    Case("lint-not-migrations", ("lint-migrations", "{tmp}/notes.txt"), "expected a directory"),
    Case("lint-select-unknown", ("lint-migrations", "{tmp}/sql_migrations", "--select", "no-such-rule"),
         "'no-such-rule' in --select"),
    Case("lint-ignore-typo", ("lint-migrations", "{tmp}/sql_migrations", "--ignore", "non-concurent-index"),
         "did you mean 'non-concurrent-index'"),
    Case("lint-extend-select-typo", ("lint-migrations", "{tmp}/sql_migrations", "--extend-select", "migration"),
         "'migration' in --extend-select"),
    Case("lint-output-file-under-file", ("lint-migrations", "{tmp}/sql_migrations", "--output-format", "json",
                                         "--output-file", "{tmp}/a_file/out.json"), "not a directory"),
    Case("lint-config-unknown-rule",
         ("lint-migrations", "{tmp}/sql_migrations", "--config", "{tmp}/unknown_rule/dbaudit.toml"), "'fk-mising'"),
    Case("lint-config-binary", ("lint-migrations", "{tmp}/sql_migrations", "--config", "{tmp}/binary.toml"),
         "not a TOML file"),
    Case("lint-out-is-dir", ("lint-migrations", "{tmp}/sql_migrations", "-o", "{tmp}/out_is_dir"),
         "is a directory"),
    Case("lint-out-under-file", ("lint-migrations", "{tmp}/sql_migrations", "-o", "{tmp}/a_file/lint.txt"),
         "not a directory"),
    Case("lint-invalid-sql", ("lint-migrations", "{tmp}/bad_sql_migrations"), "001_a.sql"),
    Case("lint-since-unknown", ("lint-migrations", "{tmp}/sql_migrations", "--since", "no_such_revision"),
         "unknown revision"),
    Case("lint-broken-revision", ("lint-migrations", "{tmp}/alembic_broken"), "r1.py:3: broken migration file"),
    Case("lint-env-py-secret", ("lint-migrations", "{tmp}/alembic_secret", "--since", "no_such_revision"),
         "unknown revision", env={"DATABASE_URL": f"postgresql://app:{ENV_SECRET}@db.example/app"}),
    Case("lint-bad-fail-on", ("lint-migrations", "{tmp}/sql_migrations", "--fail-on", "P5"), "'P5' is not one of"),
    # demo
    Case("demo-negative-scale", ("demo", "--scale", "-1", "-o", "{tmp}/demo"), "-1.0 is not in the range",
         outputs=("demo",)),
    Case("demo-zero-scale", ("demo", "--scale", "0", "-o", "{tmp}/demo"), "not in the range", outputs=("demo",)),
    Case("demo-bad-format", ("demo", "--format", "pdf", "-o", "{tmp}/demo"), "unknown format", outputs=("demo",)),
    Case("demo-unknown-database", ("demo", "--database", UNKNOWN_DB, "-o", "{tmp}/demo"), "unknown database",
         outputs=("demo",)),
    Case("demo-out-is-file", ("demo", "-o", "{tmp}/a_file"), "not a directory"),
]


def _children() -> set[int]:
    """Processes whose parent is this test process."""
    me = str(os.getpid())
    out = set()
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(") ", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me and fields[0] != "Z":
            out.add(int(stat_file.parent.name))
    return out


def _scratch_databases(server: ScratchServer) -> set[str]:
    """This process's throw-away databases on the test server."""
    pattern = scratch_name_prefix().replace("_", r"\_") + "%"
    with psycopg.connect(server.admin_url) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (pattern,))}


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bad-inputs")
    _write_inputs(root)
    return root


@pytest.fixture(scope="module")
def database(pg_server: ScratchServer, pg_template: str) -> Iterator[str]:
    """One database for the module's cases (they only read it, when they reach it at all)."""
    url = pg_server.create_database(template=pg_template, prefix="dbaudit_t_")
    yield url
    pg_server.drop_database(url)


@pytest.fixture
def run_case(inputs: Path, pg_server: ScratchServer, database: str) -> Callable[[Case], None]:
    pg_url = database
    host = pg_url.split("@", 1)[1].split("/", 1)[0] if "@" in pg_url else "127.0.0.1:5432"

    def run(case: Case) -> None:
        args = [a.format(tmp=inputs, pg=pg_url, pghost=host) for a in case.args]
        before_files = _snapshot(inputs)
        before_dbs = _scratch_databases(pg_server)
        before_children = _children()
        env = {"DBAUDIT_SCRATCH_URL": pg_server.admin_url, "DBAUDIT_DEBUG": "", **case.env}
        result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        everything = result.stdout + result.stderr
        assert result.exit_code == 2, f"exit {result.exit_code}: {everything[-800:]}"
        assert len(lines) == 1, f"not one line on stderr: {result.stderr!r}"
        assert lines[0].startswith("error: "), lines[0]
        assert case.message in lines[0], lines[0]
        assert "Traceback" not in everything
        assert "internal error" not in lines[0], lines[0]
        for secret in (SECRET, ENV_SECRET):
            assert secret not in everything, f"secret in output: {lines[0]}"
        after_files = _snapshot(inputs)
        written = {name: data for name, data in after_files.items() if before_files.get(name) != data}
        assert written == {}, f"files written or changed: {sorted(written)}"
        for name in case.outputs:
            assert not (inputs / name).exists(), f"{name} was created"
        assert _scratch_databases(pg_server) == before_dbs, "a throw-away database was left behind"
        assert _children() <= before_children, "a child process was left running"

    return run


def test_at_least_sixty_cases() -> None:
    """The table covers every command with at least 60 distinct bad inputs."""
    assert len({c.id for c in CASES}) == len(CASES) >= 60
    commands = {c.args[0] for c in CASES}
    assert {"audit", "inspect", "drift", "lint-migrations", "demo", "rules"} <= commands


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_line_and_exit_2(case: Case, run_case: Callable[[Case], None]) -> None:
    """Exit 2, one ``error:`` line naming the problem, no traceback, no secret, nothing left behind."""
    run_case(case)


def test_read_only_output_directory(tmp_path: Path, read_only_dir: Path, run_case: Callable[[Case], None],
                                    inputs: Path) -> None:
    """Reports into a read-only place: refused before the work, nothing written."""
    for command in (("audit", "{tmp}/good.json", "-o", f"{read_only_dir}/reports"),
                    ("lint-migrations", "{tmp}/sql_migrations", "-o", f"{read_only_dir}/lint.json"),
                    ("inspect", "{tmp}/good.json", "-o", f"{read_only_dir}/model.json"),
                    ("drift", "{tmp}/good.json", "{tmp}/good.json", "--format", "json", "-o",
                     f"{read_only_dir}/drift.json")):
        run_case(Case(f"read-only-{command[0]}", command, "not writable"))
    assert list(read_only_dir.iterdir()) == []


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A read-only filesystem (a tmpfs mounted ro, as root), else a directory without write permission."""
    target = tmp_path / "ro"
    target.mkdir()
    mounted = os.geteuid() == 0 and _mount(target, "ro,size=64k")
    if not mounted:
        if os.geteuid() == 0:
            pytest.skip("running as root without permission to mount a read-only tmpfs")
        target.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        yield target
    finally:
        if mounted:
            _umount(target)
        else:
            target.chmod(stat.S_IRWXU)


def _mount(target: Path, options: str) -> bool:
    import subprocess  # noqa: PLC0415

    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
                          capture_output=True, check=False)
    return done.returncode == 0


def _umount(target: Path) -> None:
    import subprocess  # noqa: PLC0415

    subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


def test_no_command_shows_the_help() -> None:
    """``dbaudit`` alone is not an error line: click's help, as before (the exit code is click's: 2 from
    click 8.2 on, 0 before)."""
    result = CliRunner().invoke(cli, [])
    assert result.exit_code in (0, 2)
    assert "Usage: " in result.output
    assert "lint-migrations" in result.output
