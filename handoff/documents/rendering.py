"""Renders off the request path (DESIGN 2, issue 10 point 1): single-flight, bounded, time-limited, started at signing.

A request that needs a PDF builds its HTML (that reads the database), records its audit event and commits,
so no transaction and no lock is held while WeasyPrint works. Then `ensure` gives the PDF:

- from the shared cache when it is there (`cache`);
- else it waits for the one render of that document: a request for a document already being rendered
  waits for that render instead of starting another (single-flight);
- the render runs in a bounded pool of processes (`pool`), never on a request's thread, and is stopped
  past `HANDOFF_RENDER_TIMEOUT_SECONDS`; a request waits at most `HANDOFF_RENDER_WAIT_SECONDS` in all.
  Either way it is answered `RenderUnavailable` (503 with Retry-After), and the next request works.
  HTML over `HANDOFF_RENDER_MAX_HTML_BYTES` is refused before any render (`DocumentTooLarge`, 422).

Two backends, chosen by `HANDOFF_RENDER_BACKEND`:
- `inline` (the embedded default: SQLite, `./dev serve`, no extra server): each web process has its own
  small pool; single-flight across the host's processes is an exclusive `flock` on one of `STRIPES` lock
  files (a document's key picks its file), taken before the cache is checked a second time. The kernel
  drops a lock when its process dies, so a crashed render never blocks the next one.
- `queue` (production, PostgreSQL): renders are jobs of procrastinate (`queue`), run by `flask render worker`
  processes on their own hosts. Single-flight is the queue's own job lock (one running job per document,
  one queued), across every host; a request waits for the job, reading its status.

Signing (`prerender_after_commit`) starts the renders of the new revision's documents once the signature is
committed, so the first request after signing is usually a cache hit.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import Flask, current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..domain import DomainError, Invalid
from ..extensions import db
from . import cache
from .pool import Render, RenderStopped, shared

log = logging.getLogger(__name__)

STRIPES = 64
RETRY_AFTER_SECONDS = 30
_PENDING = "handoff.prerender"


class RenderUnavailable(DomainError):
    """The PDF could not be made now (stopped at its time limit, or no render finished in time): 503, Retry-After."""

    def __init__(self, message: str, *, retry_after: int = RETRY_AFTER_SECONDS):
        super().__init__(message)
        self.retry_after = retry_after


class DocumentTooLarge(Invalid):
    """The document is past the content budget: no render is tried (422)."""


@dataclass(frozen=True)
class DocumentJob:
    """One cached document to render: the render itself, and where its PDF is kept."""

    render: Render
    cache_key: str
    kind: str
    lang: str
    handoff_id: int
    revision_number: int
    content_hash: str

    @property
    def lock(self) -> str:
        return f"{self.kind}:{self.lang}:{self.cache_key}"

    def payload(self) -> dict:
        return {**asdict(self), "render": {**asdict(self.render), "layouts": list(self.render.layouts)}}

    @classmethod
    def from_payload(cls, payload: dict) -> DocumentJob:
        render = dict(payload["render"])
        render["layouts"] = tuple(render["layouts"])
        return cls(**{**payload, "render": Render(**render)})


def new_render(layouts, max_pages: int | None) -> Render:
    """A render of `layouts` with this app's static files (and, in tests, its hold)."""
    config = current_app.config
    return Render(layouts=tuple(layouts), max_pages=max_pages, static_root=str(current_app.static_folder),
                  time_limit=config["HANDOFF_RENDER_TIMEOUT_SECONDS"],
                  hold=config.get("HANDOFF_RENDER_HOLD") if current_app.testing else None)


def check_budget(html: str) -> None:
    limit = current_app.config["HANDOFF_RENDER_MAX_HTML_BYTES"]
    size = len(html.encode("utf-8"))
    if size > limit:
        raise DocumentTooLarge(f"This document is too large to print ({size // 1024:,} KiB of text and layout; the "
                               f"limit is {limit // 1024:,} KiB). Shorten the longest fields or split the handoff.")


# --- on request ------------------------------------------------------------------------------------


def ensure(job: DocumentJob) -> tuple[bytes, bool]:
    """The PDF and whether it was already made (cached, or rendered by someone else while this waited).

    Call it with no transaction open in `db.session`: it opens only short ones of its own."""
    body = _fetch(job)
    if body is not None:
        return body, True
    if current_app.config["HANDOFF_RENDER_BACKEND"] == "queue":
        return _ensure_queued(job)
    with _stripe(job.cache_key):
        body = _fetch(job)
        if body is not None:
            return body, True
        return _render_and_store(job), False


def render_uncached(render: Render) -> bytes:
    """A document rendered fresh each time (the unit's board sheet): the same bounded, time-limited pool."""
    return _render(render)


def _render(render: Render, *, wait: float | None = None) -> bytes:
    config = current_app.config
    time_limit = min(config["HANDOFF_RENDER_TIMEOUT_SECONDS"], render.time_limit or float("inf"))
    try:
        return shared(config["HANDOFF_RENDER_PROCESSES"], config["HANDOFF_RENDER_NICE"]).render(
            render, time_limit=time_limit, wait=wait or config["HANDOFF_RENDER_WAIT_SECONDS"])
    except RenderStopped as stopped:
        log.warning("render stopped: %s", stopped)
        raise RenderUnavailable(_stopped_message(time_limit)) from None


def _stopped_message(time_limit: float) -> str:
    return (f"The PDF could not be made in time: a render is stopped after {time_limit:g} seconds. Try again in a "
            "minute; if it happens again, the handoff may be too long to print.")


def _render_and_store(job: DocumentJob, *, wait: float | None = None) -> bytes:
    body = _render(job.render, wait=wait)
    _store(job, body)
    return body


def _fetch(job: DocumentJob) -> bytes | None:
    try:
        return cache.lookup(job.cache_key, job.kind, job.lang)
    finally:
        db.session.commit()  # a read: ends the short transaction (SQLite's BEGIN IMMEDIATE included)


def _store(job: DocumentJob, body: bytes) -> None:
    try:
        cache.store(job.cache_key, job.kind, job.lang, body, handoff_id=job.handoff_id,
                    revision_number=job.revision_number, content_hash=job.content_hash)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    try:
        cache.evict_now_and_then(current_app.config)
    except Exception:  # eviction is housekeeping: the PDF is made and kept whatever happens to it
        db.session.rollback()
        log.exception("document cache eviction failed; the next store tries again")


# --- single-flight on one host (inline) ------------------------------------------------------------


class _Stripe:
    """An exclusive flock on the lock file a document's key picks; held from the second cache check to the store."""

    def __init__(self, key: str, *, wait: bool = True):
        folder = _lock_folder()
        folder.mkdir(parents=True, exist_ok=True)
        self._file = open(folder / f"{stripe_of(key):02d}.lock", "a+b")  # held until release()
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            self._file.close()
            raise

    def release(self) -> None:
        if not self._file.closed:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def _stripe(key: str) -> _Stripe:
    with waiting():
        return _Stripe(key)


def stripe_of(key: str) -> int:
    return int(key[:8], 16) % STRIPES


class _Waiting:
    """How many requests of this process are waiting for a render someone else started (tests await it)."""

    def __init__(self):
        self.count = 0
        self._changed = threading.Condition()

    def __enter__(self):
        with self._changed:
            self.count += 1
            self._changed.notify_all()

    def __exit__(self, *exc):
        with self._changed:
            self.count -= 1
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.count >= count, timeout)


_WAITING = _Waiting()


def waiting() -> _Waiting:
    return _WAITING


def _lock_folder() -> Path:
    """One folder per database: single-flight only matters between processes sharing a cache."""
    database = hashlib.sha256(current_app.config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:16]
    return Path(current_app.instance_path) / "render-locks" / database


# --- queue (production) ----------------------------------------------------------------------------


def _ensure_queued(job: DocumentJob) -> tuple[bytes, bool]:
    from . import queue

    job_id, started = queue.submit(job)
    with waiting():
        return _wait_for_job(job, job_id, started)


def _wait_for_job(job: DocumentJob, job_id: int, started: bool) -> tuple[bytes, bool]:
    from . import queue

    config = current_app.config
    deadline = time.monotonic() + config["HANDOFF_RENDER_WAIT_SECONDS"]
    pause = 0.02
    while True:
        state = queue.state(job_id)
        if state not in queue.ACTIVE:
            body = _fetch(job)
            if body is not None:
                return body, not started
            raise RenderUnavailable(_stopped_message(config["HANDOFF_RENDER_TIMEOUT_SECONDS"]))
        if time.monotonic() >= deadline:
            raise RenderUnavailable(f"The PDF is still being made ({config['HANDOFF_RENDER_WAIT_SECONDS']:g} seconds "
                                    "so far). Try again in a moment.")
        time.sleep(pause)  # a status read every 20-250 ms, each its own statement: nothing is held meanwhile
        pause = min(pause * 1.5, 0.25)


def run_queued(job: DocumentJob) -> bool:
    """The render worker's side of a job: render unless cached, keep it. True when it rendered."""
    if _fetch(job) is not None:
        return False
    config = current_app.config
    body = _render(job.render, wait=config["HANDOFF_RENDER_TIMEOUT_SECONDS"] + config["HANDOFF_RENDER_WAIT_SECONDS"])
    # Logged before the PDF is kept, so whoever sees it in the cache also finds the line (tests count renders).
    log.info("rendered %s %s of handoff %d revision %d (%s)", job.kind, job.lang, job.handoff_id,
             job.revision_number, job.cache_key[:12])
    _store(job, body)
    return True


# --- at signing ------------------------------------------------------------------------------------


def prerender_after_commit(build: Callable[[], list[DocumentJob]]) -> None:
    """Start the renders `build` names once the caller's transaction commits (dropped if it rolls back).

    `build` runs after the commit in a fresh session, so it reads the signature as any later request will
    (the same HTML, the same cache key)."""
    if not current_app.config["HANDOFF_PRERENDER"]:
        return
    db.session().info.setdefault(_PENDING, []).append((current_app._get_current_object(), build))


@event.listens_for(Session, "after_commit")
def _start_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    for app, build in pending or ():
        try:
            _start(app, build)
        except Exception:  # signing is committed: a prerender that cannot start leaves the first request to render
            log.exception("could not start the renders of a signed revision")


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _start(app: Flask, build: Callable[[], list[DocumentJob]]) -> None:
    queued = app.config["HANDOFF_RENDER_BACKEND"] == "queue"
    if not queued and not has_request_context():
        return  # a command-line process (the demo loader) would exit before an in-process render ended
    with app.app_context():
        try:
            jobs = build()
        finally:
            db.session.rollback()
        if queued:
            from . import queue

            for job in jobs:
                queue.submit(job)
            return
        # Jobs whose keys share a lock file are rendered one after the other, under one lock taken now, before
        # the signing request answers: a request for them from then on waits for these renders.
        groups: dict[int, list[DocumentJob]] = {}
        for job in jobs:
            groups.setdefault(stripe_of(job.cache_key), []).append(job)
        for group in groups.values():
            try:
                stripe = _Stripe(group[0].cache_key, wait=False)
            except BlockingIOError:
                stripe = None  # another process renders under this lock: wait for it in the thread
            threading.Thread(target=_prerender_inline, args=(app, group, stripe), daemon=True,
                             name="prerender").start()


def _prerender_inline(app: Flask, jobs: list[DocumentJob], stripe: _Stripe | None) -> None:
    try:
        with app.app_context():
            stripe = stripe or _Stripe(jobs[0].cache_key)
            config = app.config
            for job in jobs:
                if _fetch(job) is None:
                    _render_and_store(job, wait=config["HANDOFF_RENDER_TIMEOUT_SECONDS"]
                                      + config["HANDOFF_RENDER_WAIT_SECONDS"])
    except Exception:
        log.exception("a prerender at signing failed; the first request renders it")
    finally:
        if stripe is not None:
            stripe.release()
