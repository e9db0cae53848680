"""The bounded pool of render processes (pebble): WeasyPrint runs here, never on a request's thread.

Why processes: a render is CPU-bound Python (it would hold the GIL of a threaded web worker) and can run
away on a huge document; only a process can be stopped from outside. pebble's `ProcessPool` gives each
render a time limit measured from the moment it starts, kills the process that passes it, and starts a
fresh one, so the caller gets `RenderStopped` and the pool lives on. Its processes come from a
`forkserver` (a clean single-threaded parent that has already imported WeasyPrint), never forked from a
web worker that runs threads and holds database connections. A process is replaced after
`MAX_TASKS_PER_PROCESS` renders, so a slow leak in the engine cannot grow a process without bound.

One pool per process that renders (a web worker in the embedded default, `flask render worker` in
production), started on first use, sized by `HANDOFF_RENDER_PROCESSES`.

Render processes run at a lower CPU priority (`HANDOFF_RENDER_NICE`, default 10): on a web host that
renders for itself, a nurse's save (a few milliseconds of CPU) then runs as soon as it arrives instead of
queueing behind a second of WeasyPrint, and the render simply finishes a little later. On an idle host, or
a render host that does nothing else, the priority changes nothing.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
from concurrent.futures import CancelledError
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

from pebble import ProcessExpired, ProcessPool

log = logging.getLogger(__name__)

MAX_TASKS_PER_PROCESS = 200


@dataclass(frozen=True)
class Render:
    """What a render needs and nothing else: HTML (most generous layout first) and its page budget."""

    layouts: tuple[str, ...]
    max_pages: int | None  # None: render layouts[0] as it is
    static_root: str
    time_limit: float | None = None  # seconds, set where the document was asked for; a worker may lower it
    hold: str | None = None  # tests only: a folder of FIFOs the render waits at (see _pause_at)


class RenderStopped(Exception):
    """The render passed its time limit (or its process died) and was stopped."""

    def __init__(self, message: str, *, timed_out: bool):
        super().__init__(message)
        self.timed_out = timed_out


def run(render: Render) -> bytes:
    """Render in this process (the pool's processes call this)."""
    from . import renderer

    if render.hold:
        _pause_at(render.hold)
    static_root = Path(render.static_root)
    if render.max_pages is None or len(render.layouts) == 1:
        return renderer.render_pdf(render.layouts[0], static_root=static_root)
    return renderer.render_pdf_within(render.layouts, max_pages=render.max_pages, static_root=static_root)


def _lower_priority(nice: int) -> None:
    """Each render process's first act (the pool's initializer): step back behind the request threads."""
    if nice > 0:
        os.nice(nice)


def _pause_at(hold: str) -> None:
    """Tests only: say "started" (opening the `started` FIFO blocks until the test reads it), then wait until
    the test opens and closes `release`. A render held and never released is what a runaway render looks like."""
    with open(os.path.join(hold, "started"), "w"):
        pass
    with open(os.path.join(hold, "release")) as gate:
        gate.read()


class Pool:
    def __init__(self, processes: int, nice: int = 0):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["handoff.documents.renderer"])
        self.processes = processes
        self.nice = nice
        self._pool = ProcessPool(max_workers=processes, max_tasks=MAX_TASKS_PER_PROCESS, context=context,
                                 initializer=_lower_priority, initargs=(nice,))
        self._lock = threading.Lock()
        self.started = 0  # renders handed to a process, for tests and logs

    def render(self, render: Render, *, time_limit: float, wait: float) -> bytes:
        """The PDF; `RenderStopped` past `time_limit` seconds of rendering (or the render's own, if lower) or
        `wait` seconds in all."""
        time_limit = min(time_limit, render.time_limit or time_limit)
        with self._lock:
            self.started += 1
        future = self._pool.schedule(run, args=(render,), timeout=time_limit)
        try:
            return future.result(timeout=wait)
        except FutureTimeout:
            future.cancel()  # a render still running is killed; one still queued never starts
            if future.done() and not future.cancelled() and isinstance(future.exception(), FutureTimeout):
                raise RenderStopped(f"the render ran past its {time_limit:g} s limit and was stopped",
                                    timed_out=True) from None
            raise RenderStopped(f"no render finished within {wait:g} s (the render processes are busy)",
                                timed_out=True) from None
        except CancelledError:
            raise RenderStopped("the render was cancelled", timed_out=False) from None
        except ProcessExpired as error:
            raise RenderStopped(f"the render process died ({error})", timed_out=False) from None

    def stop(self) -> None:
        self._pool.stop()
        self._pool.join()


_POOL: Pool | None = None
_POOL_PID: int | None = None
_POOL_LOCK = threading.Lock()


def shared(processes: int, nice: int = 0) -> Pool:
    """This process's pool (a forked web worker gets its own, never its parent's)."""
    global _POOL, _POOL_PID
    with _POOL_LOCK:
        if _POOL is None or _POOL_PID != os.getpid():
            _POOL = Pool(processes, nice)
            _POOL_PID = os.getpid()
            atexit.register(_POOL.stop)
        return _POOL
