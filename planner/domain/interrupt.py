"""Ctrl-C while pocplan runs: recorded once, turned into a stop request to every solver
that is running, and raised as KeyboardInterrupt only where Python code can unwind safely.

Solver libraries run native code that must not be unwound by an exception raised inside
one of their callbacks (HiGHS swallows it and reports "Solve error"; an exception crossing
C++ can abort the process). So the signal handler (`planner.commands.signals`) calls
`request()`: when a solver is running, it is asked to stop and the KeyboardInterrupt is
raised once its call has returned (`native`); otherwise, and outside a `deferred` section,
the handler raises at once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.05
"""How often the caller of a native solve checks for Ctrl-C (and repeats the stop request)."""

_requested = threading.Event()
_lock = threading.Lock()
_stoppers: dict[int, Callable[[], object]] = {}
_deferred = [0]


def requested() -> bool:
    """Ctrl-C was pressed since the command started."""
    return _requested.is_set()


def request() -> bool:
    """Record Ctrl-C and ask every running solver to stop. True when the interrupt must
    not be raised where the signal arrived (a solver is running, or a file is being put
    in place): it is raised by `raise_if_requested` at the next safe point."""
    _requested.set()
    _stop_all()
    with _lock:
        return bool(_stoppers) or _deferred[0] > 0


def raise_if_requested() -> None:
    if _requested.is_set():
        raise KeyboardInterrupt


def reset() -> None:
    """Forget an earlier Ctrl-C (a new command in the same process, e.g. in tests)."""
    _requested.clear()


def _stop_all() -> None:
    with _lock:
        stoppers = list(_stoppers.values())
    for stop in stoppers:
        with contextlib.suppress(Exception):  # a solver already finished
            stop()


def native(call: Callable[[], T], stop: Callable[[], object] | None) -> T:
    """Run a solver library's blocking `call`, stoppable by Ctrl-C through `stop`.

    On the main thread the call runs on a helper thread while the main thread waits in
    short, interruptible steps, so the signal handler runs at once (Python runs handlers on
    the main thread only, never while it is inside native code). Once `call` has returned,
    a Ctrl-C that arrived meanwhile is raised here."""
    raise_if_requested()
    key = id(call)
    if stop is not None:
        with _lock:
            _stoppers[key] = stop
    try:
        if threading.current_thread() is not threading.main_thread():
            return call()
        return _on_helper_thread(call, stop)
    finally:
        with _lock:
            _stoppers.pop(key, None)
        raise_if_requested()


def _on_helper_thread(call: Callable[[], T], stop: Callable[[], object] | None) -> T:
    box: dict[str, T] = {}
    failure: list[BaseException] = []

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
            failure.append(exc)

    helper = threading.Thread(target=run, name="pocplan-native", daemon=True)
    helper.start()
    while helper.is_alive():
        helper.join(POLL_SECONDS)
        if _requested.is_set() and stop is not None:
            with contextlib.suppress(Exception):  # repeated: a stop sent before the
                stop()                             # solver started may not have counted
    if failure:
        raise failure[0]
    return box["value"]


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """A section Ctrl-C does not cut (putting a finished file in place): the handler only
    records it; the section decides what to do (`raise_if_requested` before committing)."""
    with _lock:
        _deferred[0] += 1
    try:
        yield
    finally:
        with _lock:
            _deferred[0] -= 1
