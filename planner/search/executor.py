"""One seam for every many-solve analysis: independent tasks, run in this process or on a
Dask cluster (`dask.distributed`), with the same results whatever runs them.

- `InProcess`: the tasks one after another, here (one worker, no cluster).
- `DaskExecutor`: a `LocalCluster` of worker processes (default: one per core, one thread
  each, so every solver runs single-threaded beside the others), or an existing cluster
  given by its scheduler address (`tcp://HOST:PORT`).

Every task carries what makes it reproducible — its inputs and its own seed — and its
result does not depend on which worker ran it or when; results come back in task order.
A task that raises, or whose worker is lost, is submitted again up to `retries` times, and
every retry is reported (`Executor.retried`); a task still failing after that raises
`TasksFailed` naming each one, never a silently shorter list. Ctrl-C cancels every
pending future before the KeyboardInterrupt goes on (the commands exit 130).

Only this module imports dask.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_RETRIES = 2
"""Times a failed or lost task is submitted again before the run fails."""
CONNECT_TIMEOUT = "10s"
"""How long to try reaching a `--scheduler` before giving up."""


@dataclass(frozen=True)
class Task:
    """One independent unit of work: `fn(*args)`, with a stable key for reports."""

    key: str
    fn: Callable[..., Any]
    args: tuple = ()


class TasksFailed(RuntimeError):
    """Tasks that still failed after their retries: (key, error) each."""

    def __init__(self, failures: Sequence[tuple[str, str]]):
        self.failures = tuple(failures)
        listed = "; ".join(f"{key}: {error}" for key, error in self.failures[:5])
        more = f" (and {len(self.failures) - 5} more)" if len(self.failures) > 5 else ""
        super().__init__(f"{len(self.failures)} task(s) failed after retries: {listed}{more}")


class ExecutorUnavailable(RuntimeError):
    """The cluster could not be started or reached."""


OnDone = Callable[[int, Any], None]
"""Called in the caller's process as each task finishes: (task index, result)."""


@dataclass
class Executor:
    """Runs tasks; subclasses say where."""

    workers: int = 1
    retries: int = DEFAULT_RETRIES
    retried: list[tuple[str, str]] = field(default_factory=list)
    """(task key, error) of every attempt that failed and was submitted again."""
    description: str = "in-process"

    def run(self, tasks: Sequence[Task], on_done: OnDone | None = None) -> list[Any]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the workers (nothing to do in-process)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class InProcess(Executor):
    """Every task here, in order (one worker)."""

    def run(self, tasks: Sequence[Task], on_done: OnDone | None = None) -> list[Any]:
        results: list[Any] = []
        failures: list[tuple[str, str]] = []
        for i, task in enumerate(tasks):
            for attempt in range(self.retries + 1):
                try:
                    result = task.fn(*task.args)
                    break
                except KeyboardInterrupt:
                    raise
                except Exception as exc:  # noqa: BLE001 - retried, then reported
                    error = f"{type(exc).__name__}: {exc}"
                    if attempt < self.retries:
                        self.retried.append((task.key, error))
                    else:
                        failures.append((task.key, error))
                        result = None
            results.append(result)
            if on_done is not None and not (failures and failures[-1][0] == task.key):
                on_done(i, result)  # as on Dask: only a task that succeeded is reported done
        if failures:
            raise TasksFailed(failures)
        return results


@dataclass
class DaskExecutor(Executor):
    """Tasks as futures on a Dask cluster: a LocalCluster started here, or `scheduler`."""

    scheduler: str | None = None
    client: Any = None
    cluster: Any = None

    def __post_init__(self) -> None:
        try:
            import dask
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - dask is a dependency
            raise ExecutorUnavailable(f"dask.distributed is not installed ({exc})") from exc
        try:
            if self.scheduler is not None:
                self.client = Client(self.scheduler, timeout=CONNECT_TIMEOUT)
                self.workers = max(1, len(self.client.scheduler_info()["workers"]))
                self.description = f"Dask cluster at {self.scheduler}, {self.workers} worker(s)"
            else:
                # A task whose worker dies comes back to us as failed (KilledWorker) rather
                # than being re-run silently by the scheduler, so its retry is reported.
                with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
                    self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                                processes=True, dashboard_address=":0",
                                                silence_logs=logging.CRITICAL)
                self.client = Client(self.cluster)
                # Solver libraries print banners on file descriptor 1 themselves; a local
                # worker shares this terminal, and stdout carries machine output only.
                self.client.run(_quiet_stdout)
                self.description = f"Dask LocalCluster, {self.workers} worker process(es)"
        except (OSError, TimeoutError, ValueError) as exc:
            self.close()
            where = self.scheduler or "a LocalCluster"
            raise ExecutorUnavailable(f"could not start or reach {where}: {exc}") from exc

    def run(self, tasks: Sequence[Task], on_done: OnDone | None = None) -> list[Any]:
        from dask.distributed import as_completed

        run_id = uuid.uuid4().hex[:8]
        index: dict[Any, int] = {}
        attempts = [0] * len(tasks)

        def submit(i: int) -> Any:
            task = tasks[i]
            future = self.client.submit(task.fn, *task.args, pure=False,
                                        key=f"{task.key}-{run_id}-{attempts[i]}")
            index[future] = i
            return future

        results: list[Any] = [None] * len(tasks)
        failures: dict[int, str] = {}
        pending = as_completed([submit(i) for i in range(len(tasks))])
        try:
            for future in pending:
                i = index.pop(future)
                if future.status == "finished":
                    results[i] = future.result()
                    if on_done is not None:
                        on_done(i, results[i])
                    continue
                error = _error_of(future)
                if attempts[i] < self.retries:
                    attempts[i] += 1
                    self.retried.append((tasks[i].key, error))
                    pending.add(submit(i))
                else:
                    failures[i] = error
        except KeyboardInterrupt:
            self.client.cancel(list(index))
            raise
        if failures:
            raise TasksFailed([(tasks[i].key, failures[i]) for i in sorted(failures)])
        return results

    def close(self) -> None:
        for part in (self.client, self.cluster):
            if part is not None:
                try:
                    part.close()
                except Exception:  # noqa: BLE001,S110 - closing is best effort
                    pass
        self.client = self.cluster = None


def _quiet_stdout() -> None:
    """Point this worker's file descriptor 1 at the null device."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)


def _error_of(future: Any) -> str:
    try:
        exc = future.exception()
    except Exception as err:  # noqa: BLE001 - a cancelled or lost future
        return f"{type(err).__name__}: {err}"
    return f"{type(exc).__name__}: {exc}" if exc is not None else str(future.status)


def default_workers() -> int:
    """Worker processes of a LocalCluster by default: one per core."""
    return max(1, os.cpu_count() or 1)


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """`scheduler` given: that cluster. Else `workers` (default: the cores) local worker
    processes, or this process alone when that is 1."""
    if scheduler is not None:
        return DaskExecutor(scheduler=scheduler)
    n = default_workers() if workers is None else workers
    if n <= 1:
        return InProcess()
    return DaskExecutor(workers=n)


def timed(fn: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """`fn(*args)` and the seconds it took where it ran (for the benchmark's overhead)."""
    started = time.perf_counter()
    return fn(*args), time.perf_counter() - started
