"""A small process pool with a per-task time limit: a hang or a crash costs one task, never the run.

    for item, result in run_tasks(work, items, jobs=2, timeout=30):
        ...

``work(item)`` runs in a worker process and returns something picklable. A task that runs past
``timeout`` seconds has its worker killed and yields ``Failure("timeout after 30s")``; a worker that
dies (segfault, ``os._exit``, SIGFPE) yields ``Failure("crashed: ...")``; an exception inside ``work``
yields ``Failure("<Type>: <message>")``. Dead workers are replaced, so the run goes on.

``jobs=0`` runs in this process with a SIGALRM watchdog instead (no isolation from crashes; a hang
inside C code is only noticed when it returns to Python). Useful in tests and under a debugger.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Callable, Iterable, Iterator


@dataclass(frozen=True)
class Failure:
    """What a task gave instead of a result."""

    reason: str


class _Timeout(BaseException):
    # A BaseException, so that a kernel's `except Exception` cannot swallow the watchdog.
    pass


def _alarm(signum, frame):
    raise _Timeout()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0][:300]}" if text else type(exc).__name__


def _serve(work: Callable[[Any], Any], conn) -> None:
    """A worker's loop: receive an item, send back ("ok", result) or ("exc", description)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and kills us
    import faulthandler

    faulthandler.disable()  # a crash is the parent's to report, in one line, not a dump over the progress bar
    while True:
        try:
            item = conn.recv()
        except EOFError:
            return
        if item is None:
            return
        try:
            reply = ("ok", work(item))
        except BaseException as e:  # noqa: BLE001 - anything a task raises is its result
            reply = ("exc", _describe(e) + "\n" + traceback.format_exc(limit=-3))
        conn.send(reply)


class _Worker:
    def __init__(self, ctx, work):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(work, child), daemon=True)
        self.process.start()
        child.close()
        self.index: int | None = None
        self.deadline = 0.0

    def give(self, index: int, item: Any, timeout: float) -> None:
        self.index = index
        self.deadline = time.monotonic() + timeout
        self.conn.send(item)

    def stop(self, kill: bool = False) -> None:
        if kill and self.process.is_alive():
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _context():
    # fork: workers inherit the imported runtimes, so starting (and replacing) one costs milliseconds.
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def run_tasks(
    work: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    jobs: int = 2,
    timeout: float = 30.0,
    start_method: str | None = None,
) -> Iterator[tuple[Any, Any]]:
    """Yield ``(item, result or Failure)`` for every item, in completion order. ``start_method`` ("spawn")
    starts workers as fresh interpreters instead of forks (for runtimes a fork does not survive)."""
    items = list(items)
    if jobs <= 0:
        yield from _run_here(work, items, timeout)
        return
    ctx = mp.get_context(start_method) if start_method else _context()
    pending = list(enumerate(items))[::-1]  # pop() from the end keeps the given order
    workers: list[_Worker] = []
    busy: dict[Any, _Worker] = {}
    try:
        for _ in range(min(jobs, len(items))):
            workers.append(_Worker(ctx, work))
        for w in workers:
            if pending:
                i, item = pending.pop()
                w.give(i, item, timeout)
                busy[w.conn] = w
        while busy:
            now = time.monotonic()
            ready = wait(list(busy), timeout=max(0.0, min(w.deadline for w in busy.values()) - now))
            for conn in ready:
                w = busy.pop(conn)
                index = w.index
                try:
                    kind, value = conn.recv()
                    result = value if kind == "ok" else Failure(value.split("\n", 1)[0])
                except (EOFError, OSError):
                    w.process.join(timeout=5)
                    code = w.process.exitcode
                    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
                    result = Failure(f"crashed: worker {how}")
                    w.stop(kill=True)
                    workers.remove(w)
                    w = _Worker(ctx, work)
                    workers.append(w)
                yield items[index], result
                if pending:
                    i, item = pending.pop()
                    w.give(i, item, timeout)
                    busy[w.conn] = w
            now = time.monotonic()
            for conn, w in list(busy.items()):
                if w.deadline <= now and conn not in ready:
                    busy.pop(conn)
                    index = w.index
                    w.stop(kill=True)
                    workers.remove(w)
                    yield items[index], Failure(f"timeout after {timeout:g}s")
                    if pending:
                        w = _Worker(ctx, work)
                        workers.append(w)
                        i, item = pending.pop()
                        w.give(i, item, timeout)
                        busy[w.conn] = w
    finally:
        # Busy workers are only left when the caller stopped early (or Ctrl-C): kill those.
        for w in workers:
            w.stop(kill=w in busy.values())


def _run_here(work, items, timeout) -> Iterator[tuple[Any, Any]]:
    can_alarm = hasattr(signal, "SIGALRM")
    previous = signal.signal(signal.SIGALRM, _alarm) if can_alarm else None
    try:
        for item in items:
            if can_alarm:
                signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                result = work(item)
            except _Timeout:
                result = Failure(f"timeout after {timeout:g}s")
            except Exception as e:  # noqa: BLE001
                result = Failure(_describe(e))
            finally:
                if can_alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            yield item, result
    finally:
        if can_alarm:
            signal.signal(signal.SIGALRM, previous)


def default_jobs() -> int:
    """One worker per core this process may use, at most 4 (cases are small; IPC dominates beyond)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:
        n = os.cpu_count() or 1
    return max(1, min(4, n))
