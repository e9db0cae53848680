"""The app's opportunistic sealer: a background thread per process that seals audit events.

Requests only insert unsealed events (service.record). Each app process (gunicorn worker)
starts one daemon thread on its first request; the thread is woken after every request
that recorded an event and has committed (teardown), waits a moment so a burst of requests
is sealed in one short transaction, and also wakes on a timer to seal events written by
processes that have no sealer (CLI commands, other hosts whose thread is between turns).
It never makes a request wait: it seals on its own connection with `SKIP LOCKED`, so when
another process is sealing it skips its turn. The thread is started lazily, in the process
that serves, because gunicorn forks workers after importing the app (and a `--preload`
master's threads do not survive the fork); CLI commands never start it.

Settings (environment, or the same keys in the app config):
- `HANDOFF_AUDIT_SEALER` — `1` (default) or `0`: run the thread. Off by default under
  TESTING, where tests seal explicitly. Set `0` when `flask audit seal --watch` runs apart.
- `HANDOFF_AUDIT_SEAL_SECONDS` — the timer, in seconds (default 5).
"""

import logging
import os
import threading

from flask import Flask, g
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

SETTLE_SECONDS = 0.2
EXTENSION = "handoff.audit_sealer"


class BackgroundSealer:
    def __init__(self, app: Flask, poll_seconds: float, settle_seconds: float = SETTLE_SECONDS):
        self.app = app
        self.poll_seconds = poll_seconds
        self.settle_seconds = settle_seconds
        self.rounds = 0  # turns taken, for tests and logs
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._turn = threading.Condition()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def ensure_started(self) -> None:
        if self._pid == os.getpid() and self._thread is not None:
            return
        with self._start_lock:
            if self._pid == os.getpid() and self._thread is not None:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="audit-sealer", daemon=True)
            self._pid = os.getpid()
            self._thread.start()

    def nudge(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._pid == os.getpid():
            self._thread.join(timeout)
        self._thread = None

    def wait_for_turn(self, after: int, timeout: float) -> bool:
        """Block until more than `after` turns were taken (True), or `timeout` passes (False)."""
        with self._turn:
            return self._turn.wait_for(lambda: self.rounds > after, timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            if self._stop.wait(self.settle_seconds):
                break
            self.take_turn()

    def take_turn(self) -> None:
        from . import service

        try:
            with self.app.app_context():
                result = service.seal(wait=False)
            if result.sealed:
                log.debug("audit sealer: sealed %d events", result.sealed)
        except DBAPIError as error:  # the database restarting, a deadlock with a maintenance job: next turn
            log.warning("audit sealer: this turn failed, the next one retries: %s", error.orig)
        except Exception:
            log.exception("audit sealer: this turn failed, the next one retries")
        finally:
            with self._turn:
                self.rounds += 1
                self._turn.notify_all()


def _setting(app: Flask, name: str, default: str) -> str:
    return str(app.config.get(name, os.environ.get(name, default)))


def init_app(app: Flask) -> None:
    enabled_default = "0" if app.config.get("TESTING") else "1"
    if _setting(app, "HANDOFF_AUDIT_SEALER", enabled_default).lower() in {"0", "false", "no", "off"}:
        return
    sealer = BackgroundSealer(app, float(_setting(app, "HANDOFF_AUDIT_SEAL_SECONDS", "5")))
    app.extensions[EXTENSION] = sealer

    @app.teardown_request
    def _wake_the_sealer(error):
        # Teardown runs after the request's transaction was committed (or rolled back).
        sealer.ensure_started()
        if error is None and g.pop("audit_recorded", False):
            sealer.nudge()
