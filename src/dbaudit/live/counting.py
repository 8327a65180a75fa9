"""Exact row counts over N connections: one ``count(*)`` per table, largest tables first.

Each worker thread opens its own read-only connection (a :class:`Counter`) and takes the next table
from a shared queue, so a slow table never holds up the others. A count that hits its time limit is
recorded as such and the run goes on. A partitioned table is not counted itself: its count is the sum
of its partitions' counts (its rows live there), so no row is scanned twice.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from dbaudit.live import CountProgress, CountResult, RelationRows


class Counter(Protocol):
    """One worker's connection: counts one table at a time."""

    def count(self, table: RelationRows) -> CountResult: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...


def count_in_parallel(
    tables: Sequence[RelationRows], open_counter: Callable[[], Counter], *, jobs: int = 1,
    progress: CountProgress | None = None,
) -> dict[str, CountResult]:
    """Exact counts of ``tables`` (partitioned tables summed from their partitions)."""
    leaves = [t for t in tables if t.kind != "partitioned_table"]
    leaves.sort(key=lambda t: (-(t.rows_estimated or 0), -(t.total_bytes or 0), t.qualified_name))
    results = _Pool(leaves, open_counter, max(1, min(jobs, len(leaves))), progress).run() if leaves else {}
    return _with_partition_sums(tables, results)


class _Pool:
    def __init__(self, tables: list[RelationRows], open_counter: Callable[[], Counter], jobs: int,
                 progress: CountProgress | None) -> None:
        self.todo: queue.SimpleQueue[RelationRows] = queue.SimpleQueue()
        for table in tables:
            self.todo.put(table)
        self.total = len(tables)
        self.open_counter = open_counter
        self.jobs = jobs
        self.progress = progress
        self.results: dict[str, CountResult] = {}
        self.errors: list[BaseException] = []
        self.counters: list[Counter] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def run(self) -> dict[str, CountResult]:
        threads = [threading.Thread(target=self._work, name=f"dbaudit-count-{i}", daemon=True)
                   for i in range(self.jobs)]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.2)  # wakes up for Ctrl-C
        except BaseException:
            self.stop.set()
            with self.lock:
                counters = list(self.counters)
            for counter in counters:
                with contextlib.suppress(Exception):
                    counter.cancel()
            for thread in threads:
                thread.join()
            raise
        if len(self.results) < self.total and self.errors:
            raise self.errors[0]
        return self.results

    def _work(self) -> None:
        try:
            counter = self.open_counter()
        except BaseException as exc:
            # An extra connection refused (connection limit, pooler) leaves the work to the others;
            # if no worker could connect, the first error is raised by run().
            with self.lock:
                self.errors.append(exc)
            return
        with self.lock:
            self.counters.append(counter)
        try:
            while not self.stop.is_set():
                try:
                    table = self.todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    result = counter.count(table)
                except BaseException as exc:  # the connection is gone: put the table back, stop
                    self.todo.put(table)
                    with self.lock:
                        self.errors.append(exc)
                    return
                with self.lock:
                    self.results[table.qualified_name] = result
                    done = len(self.results)
                if self.progress is not None:
                    self.progress(done, self.total)
        finally:
            with contextlib.suppress(Exception):
                counter.close()


def _with_partition_sums(
    tables: Sequence[RelationRows], results: dict[str, CountResult]
) -> dict[str, CountResult]:
    children: dict[str, list[RelationRows]] = {}
    for table in tables:
        if table.partition_of is not None:
            children.setdefault(table.partition_of, []).append(table)
    out = dict(results)

    def total(table: RelationRows) -> CountResult:
        if table.kind != "partitioned_table":
            return out.get(table.qualified_name, CountResult(None, "not counted"))
        parts = [total(child) for child in children.get(table.qualified_name, ())]
        failed = next((p.error for p in parts if p.rows is None), None)
        if failed is not None:
            return CountResult(None, f"a partition was not counted ({failed})")
        return CountResult(sum(p.rows or 0 for p in parts))

    for table in tables:
        if table.kind == "partitioned_table":
            out[table.qualified_name] = total(table)
    return out


__all__ = ["Counter", "count_in_parallel"]
