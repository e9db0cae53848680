"""The benchmark's moving parts that know nothing of the app: the gunicorn under test, HTTP clients in their own
processes, percentiles, and what the machine and its processes look like (/proc).

Clients are forked processes that speak plain `http.client` on loopback, one new connection per request (as a
reverse proxy in front of gunicorn does), so a client costs the machine little and never shares the server's GIL.
"""

from __future__ import annotations

import http.client
import importlib.metadata
import json
import multiprocessing
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# --- the server -------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    host: str
    port: int
    process: subprocess.Popen

    @property
    def pid(self) -> int:
        return self.process.pid


@contextmanager
def gunicorn(
    database_url: str,
    log_path: Path,
    instance_path: Path,
    *,
    workers: int = 2,
    worker_class: str | None = None,
    threads: int | None = None,
    env: dict | None = None,
):
    """The production server, `gunicorn -c gunicorn.conf.py wsgi:app` from the repository root, on a free port.

    `worker_class` / `threads` override the configuration file (gunicorn: the command line wins)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
    ]
    if worker_class:
        command += ["--worker-class", worker_class]
    if threads:
        command += ["--threads", str(threads)]
    command.append("wsgi:app")
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "benchmark-not-secret",
        "HANDOFF_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "HANDOFF_INSTANCE_PATH": str(instance_path),
        "PYTHONWARNINGS": "",
        **(env or {}),
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    server = Server("127.0.0.1", port, process)
    deadline = time.monotonic() + 90
    try:
        while True:  # ready once both workers answer the health check
            try:
                if request(server, "GET", "/healthz")[0] == 200 and len(children(server.pid)) >= workers:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


# --- HTTP ---------------------------------------------------------------------------------------------------------


def request(
    server: Server,
    method: str,
    path: str,
    body: dict | bytes | None = None,
    headers: dict | None = None,
    timeout: float = 60,
) -> tuple[int, dict, bytes, float]:
    """Status, headers (lower-case names), body and seconds taken, on a new connection."""
    payload = json.dumps(body).encode() if isinstance(body, dict) else body
    sent = dict(headers or {})
    if isinstance(body, dict):
        sent["Content-Type"] = "application/json"
    start = time.perf_counter()
    connection = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    try:
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        data = response.read()
        took = time.perf_counter() - start
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data, took
    finally:
        connection.close()


def run_clients(jobs: list[tuple[Callable, tuple]], timeout: float = 600) -> list:
    """Run each `(function, args)` in a forked process at once; their return values, in order.

    Each function gets `start_at` (a `time.time()` a moment ahead) as its first argument and waits for it, so
    every client begins together whatever the cost of forking."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + 0.3 + 0.02 * len(jobs)

    def body(index: int, function: Callable, args: tuple) -> None:
        try:
            queue.put((index, function(start_at, *args), None))
        except BaseException as error:  # reported to the parent, which raises it
            queue.put((index, None, f"{type(error).__name__}: {error}"))

    processes = [context.Process(target=body, args=(i, f, a), daemon=True) for i, (f, a) in enumerate(jobs)]
    for process in processes:
        process.start()
    results: list = [None] * len(jobs)
    try:
        for _ in jobs:
            index, value, error = queue.get(timeout=timeout)
            if error:
                raise RuntimeError(f"client {index} failed: {error}")
            results[index] = value
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
    return results


def wait_until(moment: float) -> None:
    delay = moment - time.time()
    if delay > 0:
        time.sleep(delay)


# --- figures -----------------------------------------------------------------------------------------------------


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


def p99(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


# --- processes and machine ---------------------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@dataclass
class Memory:
    web: list[int] = field(default_factory=list)  # RSS of each gunicorn worker
    render: list[int] = field(default_factory=list)  # RSS of each process below them (render pools, forkservers)

    def as_dict(self) -> dict:
        return {
            "web_rss_bytes": self.web,
            "render_rss_bytes": self.render,
            "web_total": sum(self.web),
            "render_total": sum(self.render),
        }


def server_memory(server: Server) -> Memory:
    memory = Memory()
    for worker in children(server.pid):
        memory.web.append(rss_bytes(worker))
        memory.render += [rss_bytes(p) for p in descendants(worker)]
    return memory


def machine() -> dict:
    """Cores, memory, CPU model, load and the versions of everything measured."""
    cpu_model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    except OSError:
        pass
    versions = {"python": platform.python_version()}
    for package in ("flask", "sqlalchemy", "weasyprint", "gunicorn", "psycopg", "gevent"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            pass
    import sqlite3

    versions["sqlite"] = sqlite3.sqlite_version
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "cpu_model": cpu_model,
        "kernel": platform.release(),
        "load_average": os.getloadavg(),
        "versions": versions,
        "commit": commit,
    }
