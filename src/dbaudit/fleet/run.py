"""Many audits at once: a bounded pool of worker processes, each audit with its own time limit.

Audits run in worker processes (forked where the platform allows, so the driver, the rules and the
compiled report templates the parent imported are shared): the server answers several audits at once
and the audits' Python work runs on every core, where threads would take turns on one. At most
``concurrency`` workers run, each one audit at a time; a worker that finishes takes the next database
(starting a process per database costs more CPU than a small database's audit). Each audit holds at
most two connections to its database (the catalog read splits its queries over two), so a fleet opens
at most ``2 × concurrency``.

A database that does not answer, or answers slowly, fails alone: when its time is up its worker is
stopped (SIGTERM, so its own clean-up runs, then SIGKILL), the database is reported with one line
saying why, and a new worker takes the next database. A worker that dies without a word (killed for
memory) is reported the same way.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
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


@dataclass(frozen=True)
class PoolStats:
    """What the pool did: the most audits that ran at once (never above the concurrency) and the
    worker processes it started (more than the concurrency only when a stopped worker was replaced)."""

    peak_running: int
    concurrency: int
    workers_started: int = 0


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    index: int = -1
    job: AuditJob | None = None
    started: float = 0.0
    deadline: float = 0.0


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
    idle: list[_Worker] = []
    busy: dict[Connection, _Worker] = {}
    peak = started = 0

    def finish(worker: _Worker, summary: DatabaseSummary) -> None:
        results[worker.index] = summary
        say(FleetEvent("finished", summary.name, len(results), len(jobs), len(busy), summary))

    gc.freeze()  # what exists now is shared with the workers: their collections leave it alone
    try:
        while waiting or busy:
            while waiting and len(busy) < concurrency:
                if idle:
                    worker = idle.pop()
                else:
                    worker = _spawn(context)
                    started += 1
                index, job = waiting.pop()
                _assign(worker, index, job, timeouts[index])
                busy[worker.conn] = worker
                peak = max(peak, len(busy))
                say(FleetEvent("started", job.target.name, len(results), len(jobs), len(busy)))
            soonest = min(w.deadline for w in busy.values())
            for conn in wait(list(busy), timeout=max(0.0, soonest - time.monotonic())):
                assert isinstance(conn, Connection)
                worker = busy.pop(conn)
                summary, reusable = _collect(worker)
                if reusable:
                    worker.job = None
                    idle.append(worker)
                else:
                    _stop(worker)
                finish(worker, summary)
            now = time.monotonic()
            for conn, worker in list(busy.items()):
                if now >= worker.deadline:
                    del busy[conn]
                    _stop(worker)
                    assert worker.job is not None
                    limit = worker.deadline - worker.started
                    finish(worker, failed(worker.job.target.name, "timeout",
                                          msg("timed out after {seconds:g} s", seconds=round(limit, 1)),
                                          elapsed_s=now - worker.started, fail_on=worker.job.config.fail_on.name))
    finally:
        for worker in idle:
            _retire(worker)
        for worker in busy.values():  # interrupted: no worker outlives the run
            _stop(worker)
        gc.unfreeze()
    return [results[i] for i in range(len(jobs))], PoolStats(peak, concurrency, started)


def _context() -> Any:
    """Fork where there is fork (workers share the parent's imports); spawn elsewhere."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else "spawn")


def _spawn(context: Any) -> _Worker:
    parent, child = context.Pipe(duplex=True)
    process = context.Process(target=_serve, args=(child, parent), name="dbaudit-fleet-worker", daemon=True)
    process.start()
    child.close()  # the worker holds the only other end: its exit is this end's end of file
    return _Worker(process, parent)


def _assign(worker: _Worker, index: int, job: AuditJob, timeout_s: float) -> None:
    worker.index, worker.job = index, job
    worker.started = time.monotonic()
    worker.deadline = worker.started + timeout_s
    worker.conn.send(job)


def _serve(conn: Connection, parent_end: Connection) -> None:
    """A worker: audit each job it receives and answer ("ok", summary) or ("error", one line), until
    told to stop (``None``) or the parent is gone."""
    parent_end.close()  # forked with it; the parent's end stays the parent's
    parent = os.getppid()
    while True:
        try:
            while not conn.poll(1.0):
                if os.getppid() != parent:  # the parent died without a word (SIGKILL): so does its worker
                    return
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if job is None:
            return
        outcome = _audit(job)
        try:
            conn.send(outcome)
        except BaseException:  # stopped while sending: the parent no longer listens
            return
        if outcome[0] == "stop":
            return
        gc.collect()  # the command line turns collection off; one audit's cycles must not pile up


def _audit(job: AuditJob) -> tuple[str, Any]:
    from dbaudit.errors import DbauditError  # noqa: PLC0415
    from dbaudit.redact import redact_text  # noqa: PLC0415

    secrets = _secrets(job.url)
    try:
        from dbaudit.fleet.worker import audit_database  # noqa: PLC0415

        return ("ok", audit_database(job))
    except DbauditError as exc:  # already without secrets
        return ("error", " ".join(str(exc).split()))
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM when the time is up: this worker ends
        return ("stop", msg("interrupted"))
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return ("error", " ".join(redact_text(f"{where}{exc.strerror or exc}", secrets).split()))
    except Exception as exc:  # one database's bug must not end the fleet: reported as its outcome
        detail = " ".join(redact_text(f"{type(exc).__name__}: {exc}", secrets).split())
        return ("error", msg("internal error, please report it: {error}", error=detail))


def _secrets(url: str) -> tuple[str, ...]:
    from dbaudit.redact import url_password  # noqa: PLC0415

    password = url_password(url)
    return (password,) if password else ()


def _collect(worker: _Worker) -> tuple[DatabaseSummary, bool]:
    """The worker's answer (and whether the worker can take another job), or why there is none."""
    assert worker.job is not None
    name, fail_on = worker.job.target.name, worker.job.config.fail_on.name
    elapsed = time.monotonic() - worker.started
    try:
        kind, payload = worker.conn.recv()
    except (EOFError, OSError):
        worker.process.join(STOP_GRACE_S)
        code = worker.process.exitcode
        return failed(name, "error", msg("the audit process ended without a result (exit code {code})", code=code),
                      elapsed_s=elapsed, fail_on=fail_on), False
    if kind == "ok":
        assert isinstance(payload, DatabaseSummary)
        return payload, True
    return failed(name, "error", payload, elapsed_s=elapsed, fail_on=fail_on), kind == "error"


def _retire(worker: _Worker) -> None:
    """An idle worker's end: asked to stop, then stopped if it does not."""
    with contextlib.suppress(OSError):
        worker.conn.send(None)
    worker.process.join(STOP_GRACE_S)
    _stop(worker)


def _stop(worker: _Worker) -> None:
    process = worker.process
    if process.is_alive():
        process.terminate()
        process.join(STOP_GRACE_S)
    if process.is_alive():
        process.kill()
        process.join()
    worker.conn.close()


__all__ = ["STOP_GRACE_S", "FleetEvent", "PoolStats", "run_jobs"]
