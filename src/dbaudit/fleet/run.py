"""Many audits at once: a bounded pool of worker processes, one per database, each with its own time limit.

Each database is audited in a process of its own (forked where the platform allows, so the rules and
report templates already imported are shared): the server answers several audits at once and the
Python work of the audits runs on every core, where threads would take turns on one. At most
``concurrency`` processes run at a time; each audit holds at most two connections to its database
(the catalog read splits its queries over two), so a fleet opens at most ``2 × concurrency``.

A database that does not answer, or answers slowly, fails alone: its process is stopped when its
time is up (SIGTERM, so its own clean-up runs, then SIGKILL) and the database is reported with one
line saying why; the others go on. A process that dies without a word (killed for memory) is
reported the same way.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any, Literal

from dbaudit.fleet.summary import DatabaseSummary, failed
from dbaudit.messages import msg

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from dbaudit.fleet.worker import AuditJob

# Seconds a stopped worker gets to clean up (drop throw-away databases) before it is killed.
STOP_GRACE_S = 5.0


@dataclass(frozen=True)
class FleetEvent:
    """A database's audit started (``summary`` is ``None``) or ended; ``done`` of ``total`` have ended."""

    kind: Literal["started", "finished"]
    name: str
    done: int
    total: int
    running: int
    summary: DatabaseSummary | None = None


@dataclass
class _Running:
    job: AuditJob
    process: BaseProcess
    reader: Connection
    started: float
    deadline: float


@dataclass(frozen=True)
class PoolStats:
    """What the pool did: the most audits that ran at once (never above the concurrency)."""

    peak_running: int
    concurrency: int


def run_jobs(
    jobs: Sequence[AuditJob], *, concurrency: int, timeouts: Sequence[float],
    on_event: Callable[[FleetEvent], None] | None = None,
) -> tuple[list[DatabaseSummary], PoolStats]:
    """Run every job, at most ``concurrency`` at a time, each within its timeout (seconds); summaries in
    the order of ``jobs``."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    context = _context()
    say = on_event or (lambda _event: None)
    results: dict[int, DatabaseSummary] = {}
    waiting = list(enumerate(jobs))
    waiting.reverse()  # pop() from the end takes them in order
    running: dict[Connection, tuple[int, _Running]] = {}
    peak = 0
    try:
        while waiting or running:
            while waiting and len(running) < concurrency:
                index, job = waiting.pop()
                entry = _start(context, job, timeouts[index])
                running[entry.reader] = (index, entry)
                peak = max(peak, len(running))
                say(FleetEvent("started", job.target.name, len(results), len(jobs), len(running)))
            now = time.monotonic()
            soonest = min(entry.deadline for _, entry in running.values())
            for reader in wait(list(running), timeout=max(0.0, soonest - now)):
                assert isinstance(reader, Connection)
                index, entry = running.pop(reader)
                results[index] = _collect(entry)
                say(FleetEvent("finished", entry.job.target.name, len(results), len(jobs), len(running),
                               results[index]))
            now = time.monotonic()
            for reader, (index, entry) in list(running.items()):
                if now >= entry.deadline:
                    del running[reader]
                    _stop(entry)
                    limit = entry.deadline - entry.started
                    results[index] = failed(entry.job.target.name, "timeout",
                                            msg("timed out after {seconds:g} s", seconds=round(limit, 1)),
                                            elapsed_s=now - entry.started, fail_on=entry.job.config.fail_on.name)
                    say(FleetEvent("finished", entry.job.target.name, len(results), len(jobs), len(running),
                                   results[index]))
    finally:
        for _index, entry in running.values():  # interrupted: no worker outlives the run
            _stop(entry)
    return [results[i] for i in range(len(jobs))], PoolStats(peak, concurrency)


def _context() -> Any:
    """Fork where there is fork (children share the parent's imports); spawn elsewhere."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else "spawn")


def _start(context: Any, job: AuditJob, timeout_s: float) -> _Running:
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(writer, job), name=f"dbaudit-fleet-{job.target.slug}",
                              daemon=True)
    process.start()
    writer.close()  # the child holds the only writer: its exit is the reader's end of file
    started = time.monotonic()
    return _Running(job, process, reader, started, started + timeout_s)


def _child(writer: Connection, job: AuditJob) -> None:
    """In the worker process: audit, then send ("ok", summary) or ("error", one line)."""
    from dbaudit.errors import DbauditError  # noqa: PLC0415
    from dbaudit.redact import redact_text  # noqa: PLC0415

    secrets = _secrets(job.url)
    outcome: tuple[str, Any]
    try:
        from dbaudit.fleet.worker import audit_database  # noqa: PLC0415

        outcome = ("ok", audit_database(job))
    except DbauditError as exc:  # already without secrets
        outcome = ("error", " ".join(str(exc).split()))
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM when the time is up
        outcome = ("error", msg("interrupted"))
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        outcome = ("error", " ".join(redact_text(f"{where}{exc.strerror or exc}", secrets).split()))
    except Exception as exc:  # one database's bug must not end the fleet: reported as its outcome
        detail = " ".join(redact_text(f"{type(exc).__name__}: {exc}", secrets).split())
        outcome = ("error", msg("internal error, please report it: {error}", error=detail))
    try:
        writer.send(outcome)
    except BaseException:  # stopped while sending: the parent no longer listens
        pass
    finally:
        writer.close()


def _secrets(url: str) -> tuple[str, ...]:
    from dbaudit.redact import url_password  # noqa: PLC0415

    password = url_password(url)
    return (password,) if password else ()


def _collect(entry: _Running) -> DatabaseSummary:
    """The worker's answer, or why there is none."""
    name, fail_on = entry.job.target.name, entry.job.config.fail_on.name
    elapsed = time.monotonic() - entry.started
    try:
        kind, payload = entry.reader.recv()
    except (EOFError, OSError):
        entry.process.join(STOP_GRACE_S)
        code = entry.process.exitcode
        return failed(name, "error", msg("the audit process ended without a result (exit code {code})", code=code),
                      elapsed_s=elapsed, fail_on=fail_on)
    finally:
        entry.reader.close()
    entry.process.join(STOP_GRACE_S)
    if entry.process.is_alive():
        _stop(entry)
    if kind == "ok":
        assert isinstance(payload, DatabaseSummary)
        return payload
    return failed(name, "error", str(payload), elapsed_s=elapsed, fail_on=fail_on)


def _stop(entry: _Running) -> None:
    process = entry.process
    if process.is_alive():
        process.terminate()
        process.join(STOP_GRACE_S)
    if process.is_alive():
        process.kill()
        process.join()
    entry.reader.close()


__all__ = ["STOP_GRACE_S", "FleetEvent", "PoolStats", "run_jobs"]
