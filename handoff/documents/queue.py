"""The production render queue: procrastinate, a job queue kept in PostgreSQL (HANDOFF_RENDER_BACKEND=queue).

Why procrastinate (docs/render-queue.md has the comparison): the database stays the only server (no Redis
to run, back up and fail over); a job is a row, deferred by one function call and fetched with
`FOR UPDATE SKIP LOCKED`, workers are woken by LISTEN/NOTIFY; and it has the two locks single-flight
needs, across every host: a `queueing_lock` (at most one queued job per document) and a `lock` (at most one
running job per document, the next one waits for it and then finds the PDF cached).

Its tables live in their own PostgreSQL schema, `procrastinate` (migration 0009), apart from the app's,
and every connection of this module sets `search_path` to it. Web processes defer jobs and read their
status through a small pool of their own (`_web_app`); `flask render worker` runs the jobs (`run_worker`):
each job renders in the worker's own process pool (documents/pool.py: time limit, killed when past it)
and stores the PDF in the shared cache, where the waiting request reads it.

A worker that dies leaves its job "doing"; the worker's minute timer (`maintain`) gives such stalled
jobs back to the queue, drops finished jobs after a day, and keeps the cache within its bounds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading

import procrastinate
from flask import Flask, current_app
from procrastinate import exceptions as queue_errors
from sqlalchemy.engine import make_url

from .rendering import DocumentJob, run_queued

log = logging.getLogger(__name__)

SCHEMA = "procrastinate"
QUEUE = "renders"
RENDER_TASK = "handoff.render_document"
MAINTAIN_TASK = "handoff.render_maintenance"
ACTIVE = frozenset({"todo", "doing"})
KEEP_FINISHED_HOURS = 24
STALLED_AFTER_SECONDS = 60


def _connection_args(config) -> dict:
    url = make_url(config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    return {"conninfo": url.render_as_string(hide_password=False),
            "kwargs": {"options": f"-c search_path={SCHEMA}", "application_name": "handoff-render-queue"}}


# --- web side: defer and watch ---------------------------------------------------------------------


_WEB: dict[tuple[int, str], procrastinate.App] = {}
_WEB_LOCK = threading.Lock()


def _web_app() -> procrastinate.App:
    """This process's queue client (a forked web worker opens its own), over a pool of at most 4 connections."""
    config = current_app.config
    key = (os.getpid(), config["SQLALCHEMY_DATABASE_URI"])
    with _WEB_LOCK:
        app = _WEB.get(key)
        if app is None:
            connector = procrastinate.SyncPsycopgConnector(**_connection_args(config), min_size=1, max_size=4)
            app = procrastinate.App(connector=connector)
            app.open()
            _WEB[key] = app
        return app


def close_web_clients() -> None:
    with _WEB_LOCK:
        for key, app in list(_WEB.items()):
            if key[0] == os.getpid():
                app.close()
            del _WEB[key]


def submit(job: DocumentJob) -> tuple[int, bool]:
    """The id of the job that renders `job` (one already queued or running, else a new one) and whether it is new."""
    for _attempt in range(3):
        existing = active_job(job.lock)
        if existing is not None:
            return existing, False
        try:
            deferrer = _web_app().configure_task(RENDER_TASK, queue=QUEUE, lock=job.lock, queueing_lock=job.lock)
            return deferrer.defer(job=job.payload()), True
        except queue_errors.AlreadyEnqueued:
            continue  # queued by another request meanwhile: that one is ours to wait for
    raise RuntimeError(f"could not queue or find the render job of {job.lock}")


def active_job(lock: str) -> int | None:
    """The oldest queued or running render job of one document."""
    with _web_app().connector.pool.connection() as connection:
        row = connection.execute(
            "SELECT id FROM procrastinate_jobs WHERE lock = %s AND status IN ('todo', 'doing') ORDER BY id LIMIT 1",
            (lock,)).fetchone()
    return row[0] if row else None


def state(job_id: int) -> str | None:
    """The job's status (todo, doing, succeeded, failed, ...), or None once the job is deleted (succeeded)."""
    try:
        return _web_app().job_manager.get_job_status(job_id).value
    except queue_errors.NoResult:
        return None


# --- worker side ---------------------------------------------------------------------------------


def _render_document(context, job: dict) -> None:
    flask_app: Flask = context.additional_context["flask_app"]
    with flask_app.app_context():
        run_queued(DocumentJob.from_payload(job))


async def _maintain(context, timestamp: int) -> None:
    """Every minute, on one worker: stalled jobs back to the queue, old finished jobs out, the cache bounded."""
    manager = context.app.job_manager
    for stalled in await manager.get_stalled_jobs(task_name=RENDER_TASK,
                                                  seconds_since_heartbeat=STALLED_AFTER_SECONDS):
        log.warning("render job %s stalled (its worker stopped answering): queued again", stalled.id)
        await manager.retry_job(stalled)
    await manager.delete_old_jobs(nb_hours=KEEP_FINISHED_HOURS, queue=QUEUE, include_failed=True,
                                  include_cancelled=True, include_aborted=True)
    await asyncio.to_thread(_evict, context.additional_context["flask_app"])


def _evict(flask_app: Flask) -> None:
    from ..extensions import db
    from . import cache

    with flask_app.app_context():
        result = cache.evict_configured(flask_app.config)
        db.session.remove()
    if result.by_age or result.by_size:
        log.info("document cache: evicted %d by age, %d by size", result.by_age, result.by_size)


def worker_app(flask_app: Flask, concurrency: int) -> procrastinate.App:
    connector = procrastinate.PsycopgConnector(**_connection_args(flask_app.config), min_size=1,
                                               max_size=concurrency + 4)
    app = procrastinate.App(connector=connector)
    app.task(name=RENDER_TASK, queue=QUEUE, pass_context=True)(_render_document)
    maintain = app.task(name=MAINTAIN_TASK, queue=QUEUE, pass_context=True)(_maintain)
    app.periodic(cron="* * * * *", periodic_id="render-maintenance")(maintain)
    return app


def run_worker(flask_app: Flask, concurrency: int) -> None:
    """Run render jobs until SIGTERM/SIGINT; `concurrency` renders at once, each in its own process."""
    flask_app.config["HANDOFF_RENDER_PROCESSES"] = concurrency  # the size of this process's render pool
    app = worker_app(flask_app, concurrency)
    name = f"render@{socket.gethostname()}:{os.getpid()}"
    log.info("%s: rendering up to %d documents at once from queue %r", name, concurrency, QUEUE)
    app.run_worker(queues=[QUEUE], concurrency=concurrency, name=name, delete_jobs="successful",
                   additional_context={"flask_app": flask_app})
