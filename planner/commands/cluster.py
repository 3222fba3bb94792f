"""The executor options every many-solve command shares (`--workers`, `--scheduler`) and
opening the executor of `planner.search.executor` with its failures turned into messages:
a cluster that cannot be started or reached, or tasks that failed after their retries,
exit 1 with the reason; every retried task is noted on stderr."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

import typer

from planner.commands.common import ExitCode, fail
from planner.outputs.terminal import Console, print_line
from planner.search.executor import (
    Executor,
    ExecutorUnavailable,
    TasksFailed,
    make_executor,
)

Workers = Annotated[int | None, typer.Option(
    "--workers", min=1, show_default=False,
    help="Worker processes of a local Dask cluster (one solver thread each); default: one "
         "per core; 1: everything in this process.")]
Scheduler = Annotated[str | None, typer.Option(
    "--scheduler", metavar="tcp://HOST:PORT", show_default=False,
    help="Run the tasks on an existing Dask cluster, given by its scheduler's address.")]


@contextlib.contextmanager
def executor_or_exit(err: Console, workers: int | None, scheduler: str | None,
                     default_workers: int | None = None) -> Iterator[Executor]:
    """The executor for `--workers` / `--scheduler` (`default_workers` when neither is given:
    None for one per core)."""
    if scheduler is not None and not scheduler.startswith(("tcp://", "tls://", "inproc://",
                                                           "ucx://")):
        raise fail(ExitCode.USAGE, f"--scheduler '{scheduler}': expected an address such as "
                   "tcp://HOST:8786")
    try:
        executor = make_executor(workers if workers is not None else default_workers,
                                 scheduler)
    except ExecutorUnavailable as exc:
        raise fail(ExitCode.INTERNAL, str(exc)) from None
    try:
        yield executor
    except TasksFailed as exc:
        raise fail(ExitCode.INTERNAL, f"{len(exc.failures)} task(s) failed after "
                   f"{executor.retries} retries; no result was written",
                   [f"{key}: {error}" for key, error in exc.failures]) from None
    finally:
        for key, error in executor.retried:
            print_line(err, f"note: task {key} failed and was retried ({error})")
        executor.close()
