"""Start the real production server (gunicorn, 2 workers) for tests that need one, and a
PostgreSQL cluster of a test's own that it may stop and start again (fault tests)."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, log_path: Path, workers: int = 2, extra_env: dict | None = None):
    """Yield the base URL of a gunicorn serving wsgi:app on a free port; stop it afterwards."""
    with gunicorn_process(database_url, log_path, workers, extra_env) as (base, _process):
        yield base


@contextmanager
def gunicorn_process(database_url: str, log_path: Path, workers: int = 2, extra_env: dict | None = None):
    """Like `gunicorn`, yielding (base URL, the master's Popen) for tests that signal its workers."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-server", "PYTHONWARNINGS": "",
           "HANDOFF_PUBLIC_URL": f"http://127.0.0.1:{port}", **(extra_env or {})}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "60",
             "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:  # readiness: poll the health check until a worker answers
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:  # refused, or queued while the workers still boot
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def worker_pids(master_pid: int) -> list[int]:
    """The gunicorn master's child processes (its workers), read from /proc."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def flask_command(database_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run `flask --app wsgi ARGS` on `database_url` the way an operator would; raise if it fails."""
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONWARNINGS": ""}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                            input=stdin, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result


class PostgresCluster:
    """A throwaway PostgreSQL cluster (.ci/pg-throwaway) that a test stops and starts under a running app."""

    def __init__(self, directory: Path):
        self.directory = directory
        script = ROOT / ".ci" / "pg-throwaway"
        self.bindir = subprocess.run([script, "bindir"], capture_output=True, text=True, check=True).stdout.strip()
        started = subprocess.run([script, "start", str(directory)], capture_output=True, text=True)
        if started.returncode != 0:
            raise RuntimeError(f"pg-throwaway start failed: {started.stderr}")
        self.url = started.stdout.strip()
        self.port = int(self.url.rsplit(":", 1)[1].split("/", 1)[0])

    def _pg_ctl(self, *args: str) -> None:
        command = [f"{self.bindir}/pg_ctl", f"--pgdata={self.directory}/data", *args]
        if os.getuid() == 0:  # pg-throwaway runs the server as `postgres` when we are root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, cwd=self.directory, check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        """Stop the server the way a crash or fail-over looks to clients: connections cut at once."""
        self._pg_ctl("--mode=fast", "--wait", "stop")

    def start(self) -> None:
        self._pg_ctl(f"--log={self.directory}/server.log", "--wait", "--timeout=60", f"--options=-p {self.port}",
                     "start")

    def remove(self) -> None:
        subprocess.run([ROOT / ".ci" / "pg-throwaway", "stop", str(self.directory)], check=True,
                       capture_output=True, timeout=120)


def postgres_binaries_missing() -> str | None:
    """Why a test of its own PostgreSQL cluster cannot run here, or None."""
    result = subprocess.run([ROOT / ".ci" / "pg-throwaway", "bindir"], capture_output=True, text=True)
    return None if result.returncode == 0 else result.stderr.strip()
