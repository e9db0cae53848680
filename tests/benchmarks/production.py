"""The production benchmark (issue 10, point 4): every figure of the issue's table, as ratios measured in one run.

    .venv/bin/python -m tests.benchmarks.production            # SQLite and a throwaway PostgreSQL, ~6-9 min
    .venv/bin/python -m tests.benchmarks.production --quick    # a smoke run: small counts, one round, ~1-2 min
    ./dev bench [ARGS]                                          # the same

For each database it starts the production server (`gunicorn -c gunicorn.conf.py -w 2 wsgi:app`, the worker
type of gunicorn.conf.py unless `--worker-class` says otherwise) on a fresh database (SQLite in a temporary
folder; PostgreSQL in a cluster of its own, `.ci/pg-throwaway`), drives it from client processes on loopback
(`loadgen`), and prints each figure beside its goal with pass or fail. A figure is the median of `--runs`
rounds; each round measures the two sides of its ratio together, so a machine shared with others slows both.
Everything is written to a JSON file (`--output`) with the machine it ran on. Renders are in-process
(`HANDOFF_RENDER_BACKEND=inline`, each web worker's bounded pool) on both databases: the queue backend moves
the same render to another host and adds a queue hop this machine cannot separate from the render.

Not collected by pytest (no `test_` names); tests/test_benchmark_smoke.py runs this code on tiny counts so it
does not rot, and asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .loadgen import (
    ROOT,
    Server,
    gunicorn,
    machine,
    p50,
    p99,
    request,
    run_clients,
    server_memory,
    wait_until,
)

PASSWORD = "benchmark-password"
SCENARIO = ROOT / "tests" / "fixtures" / "scenarios" / "discharge-heart-failure.json"

# figure key -> (what, goal as text, passes(value))
GOALS = {
    "saves_per_second": ("saves per second, 8 clients, 2 workers", ">= 600", lambda v: v >= 600),
    "save_p50_over_get_p50": ("save p50 / trivial authenticated GET p50", "<= 2", lambda v: v <= 2),
    "uncached_pdf_over_weasyprint": (
        "uncached clinician PDF request / WeasyPrint alone, same HTML",
        "<= 1.1",
        lambda v: v <= 1.1,
    ),
    "clinician_over_reference": ("WeasyPrint: clinician HTML / plain 2-page reference", "<= 1.5", lambda v: v <= 1.5),
    "cached_pdf_over_get": ("cached PDF request / trivial GET", "<= 2", lambda v: v <= 2),
    "save_p99_with_pdfs_over_alone": (
        "save p99 while 4 clients fetch uncached PDFs / alone",
        "<= 1.5",
        lambda v: v <= 1.5,
    ),
    "list_p50_large_over_small": (
        "list and search p50 at 100,000 handoffs / at 1,000 (worst query)",
        "<= 1.5",
        lambda v: v <= 1.5,
    ),
    "render_memory_after_many_over_few": (
        "render workers' RSS after 500 renders / after 10",
        "<= 1.2",
        lambda v: v <= 1.2,
    ),
}


@dataclass
class Settings:
    runs: int = 3
    seconds: float = 4.0  # each timed phase of a round
    latency_pairs: int = 150  # save / GET pairs of the p50 figure
    pdf_samples: int = 4  # uncached PDFs per round (and WeasyPrint-alone renders beside them)
    list_small: int = 1_000
    list_large: int = 100_000
    list_requests: int = 15  # per query and size, per round
    renders_few: int = 10
    renders_many: int = 500
    save_clients: int = 8
    mixed_save_clients: int = 2
    mixed_pdf_clients: int = 4

    @classmethod
    def quick(cls) -> Settings:
        return cls(
            runs=1,
            seconds=1.5,
            latency_pairs=30,
            pdf_samples=2,
            list_small=1_000,
            list_large=10_000,
            list_requests=5,
            renders_few=4,
            renders_many=24,
        )

    @classmethod
    def tiny(cls) -> Settings:
        """For the smoke test: every code path, almost nothing timed."""
        return cls(
            runs=1,
            seconds=0.3,
            latency_pairs=3,
            pdf_samples=1,
            list_small=20,
            list_large=60,
            list_requests=2,
            renders_few=2,
            renders_many=4,
            save_clients=2,
            mixed_save_clients=1,
            mixed_pdf_clients=1,
        )


# --- clients (run in forked processes: plain HTTP, no app) -------------------------------------------------------


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _save_body_template(data: dict) -> str:
    """The JSON of a save with a marker to replace, so each save is new content without re-encoding the data."""
    data = copy.deepcopy(data)
    data["what_matters"] = f"{data.get('what_matters', '')} @@N@@"
    return json.dumps({"data": data})


def _etag(server: Server, token: str, handoff_id: int) -> str:
    status, headers, body, _ = request(server, "GET", f"/api/v1/handoffs/{handoff_id}", headers=_auth(token))
    if status != 200:
        raise RuntimeError(f"GET handoff {handoff_id}: {status} {body[:200]!r}")
    return headers["etag"]


def save_client(
    start_at: float, server: Server, token: str, handoff_id: int, template: str, seconds: float, tag: str
) -> dict:
    """Save new revisions of one handoff, one after the other, for `seconds`."""
    etag = _etag(server, token, handoff_id)
    path = f"/api/v1/handoffs/{handoff_id}"
    latencies, errors, number = [], [], 0
    wait_until(start_at)
    end = start_at + seconds
    while time.time() < end:
        number += 1
        body = template.replace("@@N@@", f"{tag}-{number}").encode()
        status, headers, answer, took = request(
            server, "PUT", path, body, {**_auth(token), "If-Match": etag, "Content-Type": "application/json"}
        )
        if status == 200:
            etag = headers["etag"]
            latencies.append(took)
        else:
            errors.append(f"{status} {answer[:120]!r}")
            etag = _etag(server, token, handoff_id)
    return {"latencies": latencies, "errors": errors, "elapsed": time.time() - start_at}


def pair_client(start_at: float, server: Server, token: str, handoff_id: int, template: str, pairs: int) -> dict:
    """Alternate a save and a trivial authenticated GET (`/api/v1/auth/me`), `pairs` times."""
    etag = _etag(server, token, handoff_id)
    path = f"/api/v1/handoffs/{handoff_id}"
    saves, gets, errors = [], [], []
    wait_until(start_at)
    for number in range(pairs):
        body = template.replace("@@N@@", f"pair-{start_at}-{number}").encode()
        status, headers, answer, took = request(
            server, "PUT", path, body, {**_auth(token), "If-Match": etag, "Content-Type": "application/json"}
        )
        if status != 200:
            errors.append(f"save {status} {answer[:120]!r}")
            etag = _etag(server, token, handoff_id)
            continue
        etag = headers["etag"]
        saves.append(took)
        status, _, answer, took = request(server, "GET", "/api/v1/auth/me", headers=_auth(token))
        if status != 200:
            errors.append(f"get {status} {answer[:120]!r}")
            continue
        gets.append(took)
    return {"saves": saves, "gets": gets, "errors": errors}


def pdf_client(
    start_at: float, server: Server, token: str, handoff_id: int, revisions: list[int], seconds: float | None
) -> dict:
    """Fetch the clinician PDF of each of `revisions` (never rendered before: uncached), for `seconds` or all."""
    latencies, errors, hits = [], [], 0
    wait_until(start_at)
    end = start_at + seconds if seconds else float("inf")
    for number in revisions:
        if time.time() >= end:
            break
        status, headers, answer, took = request(
            server,
            "GET",
            f"/api/v1/handoffs/{handoff_id}/documents/clinician.pdf?revision={number}",
            headers=_auth(token),
        )
        if status != 200:
            errors.append(f"{status} {answer[:120]!r}")
            continue
        hits += headers.get("x-document-cache") == "hit"
        latencies.append(took)
    return {"latencies": latencies, "errors": errors, "hits": hits}


# --- the app side (this process): data set-up, HTML, WeasyPrint alone ------------------------------------------


class Bench:
    """One database under test: the benchmark's own app on it (set-up, bulk loads, HTML) and the server."""

    def __init__(
        self, name: str, url: str, work: Path, settings: Settings, worker_class: str | None, threads: int | None
    ):
        self.name, self.url, self.work, self.settings = name, url, work, settings
        self.worker_class, self.threads = worker_class, threads
        self.scenario = json.loads(SCENARIO.read_text(encoding="utf-8"))
        self.template = _save_body_template(self.scenario["data"])
        self.server: Server | None = None
        self.tokens: list[str] = []

        from handoff import create_app

        self.app = create_app(
            {"TESTING": True, "SECRET_KEY": "benchmark-not-secret", "DATABASE_URL": url, "HANDOFF_AUDIT_SEALER": "0"}
        )

    # set-up ------------------------------------------------------------------------------------------------------

    def prepare_database(self) -> None:
        from flask_migrate import upgrade
        from sqlalchemy import text

        from handoff.auth.service import create_user
        from handoff.domain import Actor
        from handoff.extensions import db

        with self.app.app_context():
            if db.engine.dialect.name == "postgresql":  # a throwaway cluster's database is new; a given URL may not be
                db.session.execute(text("DROP SCHEMA IF EXISTS procrastinate CASCADE"))
                db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                db.session.commit()
            upgrade()
            self.user_id = create_user(Actor.system("benchmark"), "bench", PASSWORD, "nurse").id
            db.session.commit()
            db.engine.dispose()

    def sign_in(self, count: int) -> None:
        """A bearer token per client (tablets each have their own credential)."""
        for _ in range(count):
            status, _, body, _ = request(
                self.server, "POST", "/api/v1/auth/tokens", {"username": "bench", "password": PASSWORD}
            )
            if status != 201:
                raise RuntimeError(f"token: {status} {body[:200]!r}")
            self.tokens.append(json.loads(body)["token"])
        status, _, body, _ = request(
            self.server, "POST", "/api/v1/patients", self.scenario["patient"], _auth(self.tokens[0])
        )
        if status != 201:
            raise RuntimeError(f"patient: {status} {body[:200]!r}")
        self.patient_id = json.loads(body)["id"]

    def new_handoff(self) -> int:
        status, _, body, _ = request(
            self.server,
            "POST",
            "/api/v1/handoffs",
            {"patient_id": self.patient_id, "checklist": "discharge", "data": self.scenario["data"]},
            _auth(self.tokens[0]),
        )
        if status != 201:
            raise RuntimeError(f"handoff: {status} {body[:200]!r}")
        return json.loads(body)["id"]

    def add_revisions(self, handoff_id: int, count: int, tag: str) -> list[int]:
        """`count` new revisions of a handoff, through the API; their numbers."""
        token = self.tokens[0]
        etag = _etag(self.server, token, handoff_id)
        numbers = []
        for i in range(count):
            body = self.template.replace("@@N@@", f"{tag}-{i}").encode()
            status, headers, answer, _ = request(
                self.server,
                "PUT",
                f"/api/v1/handoffs/{handoff_id}",
                body,
                {**_auth(token), "If-Match": etag, "Content-Type": "application/json"},
            )
            if status != 200:
                raise RuntimeError(f"save: {status} {answer[:200]!r}")
            etag = headers["etag"]
            numbers.append(json.loads(answer)["revision"])
        return numbers

    # documents ---------------------------------------------------------------------------------------------------

    def clinician_html(self, handoff_id: int, revision: int) -> str:
        """The HTML the server renders for this revision's clinician PDF (same code, same database)."""
        from handoff.documents import service as documents
        from handoff.extensions import db
        from handoff.handoffs import service as handoffs

        with self.app.test_request_context():
            try:
                return documents.clinician_html(handoffs.document_source(handoff_id, revision))
            finally:
                db.session.rollback()


RENDER_NICE = int(os.environ.get("HANDOFF_RENDER_NICE", "10"))  # the server's render processes run this far back
_ALONE: ProcessPoolExecutor | None = None


def _render_timed(html: str) -> tuple[float, bytes]:
    from handoff.documents import renderer

    start = time.perf_counter()
    body = renderer.render_pdf(html, static_root=ROOT / "static")
    return time.perf_counter() - start, body


def weasyprint_alone(html: str) -> tuple[float, int]:
    """Seconds WeasyPrint takes on `html` through the app's one renderer module (its fetcher, its fonts), and pages.

    It runs in a process of its own at the server's render priority (`HANDOFF_RENDER_NICE`), so both sides of
    "uncached PDF / WeasyPrint alone" meet the machine at the same priority; the time is taken inside it."""
    global _ALONE
    if _ALONE is None:
        _ALONE = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=os.nice,
                                     initargs=(RENDER_NICE,))
        _ALONE.submit(_render_timed, reference_html(1)).result()  # imports and fonts loaded before any timing
    took, body = _ALONE.submit(_render_timed, html).result()
    return took, _pages(body)


def _pages(body: bytes) -> int:
    import io

    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(body)).pages)


REFERENCE_SENTENCES = (
    "The patient was admitted with shortness of breath and swelling of both legs.",
    "Daily weights were recorded each morning before breakfast and after voiding.",
    "Medicines were reviewed with the pharmacist and the list was sent to the clinic.",
    "The nurse confirmed that the patient could repeat the warning signs in his own words.",
    "A follow-up visit is booked for next week, and the results of one test are still pending.",
)


def reference_html(paragraphs: int) -> str:
    """A plain document: headings and paragraphs in the same bundled font, no tables, no margin boxes."""
    body = []
    for number in range(paragraphs):
        if number % 4 == 0:
            body.append(f"<h2>Section {number // 4 + 1}</h2>")
        sentences = " ".join(REFERENCE_SENTENCES[(number + i) % len(REFERENCE_SENTENCES)] for i in range(5))
        body.append(f"<p>{sentences}</p>")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Reference</title>"
        "<link rel='stylesheet' href='/static/documents/fonts.css'>"
        "<style>@page { size: letter; margin: 20mm } body { font-family: 'Atkinson Hyperlegible'; "
        "font-size: 10pt; line-height: 1.35 }</style></head>"
        f"<body><h1>Reference document</h1>{''.join(body)}</body></html>"
    )


def two_page_reference() -> str:
    """The fullest plain reference document that still fits on exactly 2 pages."""
    paragraphs = 4
    while weasyprint_alone(reference_html(paragraphs + 2))[1] <= 2:
        paragraphs += 2
    return reference_html(paragraphs)


# --- the phases -----------------------------------------------------------------------------------------------


def _require_no_errors(what: str, results: list[dict]) -> None:
    errors = [e for r in results for e in r.get("errors", [])]
    if errors:
        raise RuntimeError(f"{what}: {len(errors)} requests failed, first: {errors[0]}")


def phase_saves(bench: Bench, handoffs: list[int], clients: int, seconds: float, tag: str) -> dict:
    results = run_clients(
        [
            (save_client, (bench.server, bench.tokens[i], handoffs[i], bench.template, seconds, f"{tag}-{i}"))
            for i in range(clients)
        ]
    )
    _require_no_errors("saves", results)
    latencies = [t for r in results for t in r["latencies"]]
    elapsed = max(r["elapsed"] for r in results)
    return {
        "saves": len(latencies),
        "seconds": elapsed,
        "per_second": len(latencies) / elapsed,
        "p50": p50(latencies),
        "p99": p99(latencies),
    }


def phase_pairs(bench: Bench, handoff_id: int, pairs: int) -> dict:
    [result] = run_clients([(pair_client, (bench.server, bench.tokens[0], handoff_id, bench.template, pairs))])
    _require_no_errors("save/GET pairs", [result])
    return {
        "save_p50": p50(result["saves"]),
        "get_p50": p50(result["gets"]),
        "ratio": p50(result["saves"]) / p50(result["gets"]),
    }


def phase_documents(bench: Bench, handoff_id: int, samples: int, reference: str, tag: str) -> dict:
    """Uncached PDF requests, WeasyPrint alone on the same HTML, the reference, cached requests and trivial GETs,
    interleaved so each pair meets the same machine."""
    token = bench.tokens[0]
    uncached, alone, reference_times, cached, gets, pages = [], [], [], [], [], 0
    for number in bench.add_revisions(handoff_id, samples, tag):
        path = f"/api/v1/handoffs/{handoff_id}/documents/clinician.pdf?revision={number}"
        status, headers, body, took = request(bench.server, "GET", path, headers=_auth(token))
        if status != 200 or headers.get("x-document-cache") != "miss":
            raise RuntimeError(f"uncached PDF: {status} {headers.get('x-document-cache')} {body[:200]!r}")
        uncached.append(took)
        pdf_bytes = len(body)
        took, pages = weasyprint_alone(bench.clinician_html(handoff_id, number))
        alone.append(took)
        reference_times.append(weasyprint_alone(reference)[0])
        for _ in range(3):
            status, headers, body, took = request(bench.server, "GET", path, headers=_auth(token))
            if status != 200 or headers.get("x-document-cache") != "hit":
                raise RuntimeError(f"cached PDF: {status} {headers.get('x-document-cache')}")
            cached.append(took)
            status, _, body, took = request(bench.server, "GET", "/api/v1/auth/me", headers=_auth(token))
            if status != 200:
                raise RuntimeError(f"GET /auth/me: {status}")
            gets.append(took)
    return {
        "uncached_p50": p50(uncached),
        "weasyprint_p50": p50(alone),
        "reference_p50": p50(reference_times),
        "cached_p50": p50(cached),
        "get_p50": p50(gets),
        "clinician_pages": pages,
        "clinician_pdf_bytes": pdf_bytes,
        "uncached_over_weasyprint": p50(uncached) / p50(alone),
        "clinician_over_reference": p50(alone) / p50(reference_times),
        "cached_over_get": p50(cached) / p50(gets),
    }


def phase_mixed(bench: Bench, save_handoffs: list[int], pdf_handoffs: list[int], seconds: float, tag: str) -> dict:
    """Save p99 of a few clients alone, then while others fetch uncached PDFs."""
    s = bench.settings
    saves = [
        (save_client, (bench.server, bench.tokens[i], save_handoffs[i], bench.template, seconds, f"{tag}-alone-{i}"))
        for i in range(s.mixed_save_clients)
    ]
    alone = run_clients(saves)
    _require_no_errors("saves alone", alone)
    # Enough revisions that no PDF client runs out: a render takes at least ~0.2 s, and 2 run at once.
    per_client = max(4, int(seconds * 8))
    revisions = [bench.add_revisions(h, per_client, f"{tag}-pdf") for h in pdf_handoffs[: s.mixed_pdf_clients]]
    saves = [
        (save_client, (bench.server, bench.tokens[i], save_handoffs[i], bench.template, seconds, f"{tag}-mixed-{i}"))
        for i in range(s.mixed_save_clients)
    ]
    pdfs = [
        (pdf_client, (bench.server, bench.tokens[s.mixed_save_clients + i], pdf_handoffs[i], revisions[i], seconds))
        for i in range(s.mixed_pdf_clients)
    ]
    mixed = run_clients(saves + pdfs)
    _require_no_errors("saves and PDFs", mixed)
    alone_latencies = [t for r in alone for t in r["latencies"]]
    mixed_latencies = [t for r in mixed[: s.mixed_save_clients] for t in r["latencies"]]
    pdf_latencies = [t for r in mixed[s.mixed_save_clients :] for t in r["latencies"]]
    return {
        "save_p99_alone": p99(alone_latencies),
        "save_p99_with_pdfs": p99(mixed_latencies),
        "saves_alone": len(alone_latencies),
        "saves_with_pdfs": len(mixed_latencies),
        "pdfs": len(pdf_latencies),
        "pdf_p50": p50(pdf_latencies) if pdf_latencies else None,
        "ratio": p99(mixed_latencies) / p99(alone_latencies),
    }


LIST_QUERIES = {
    "newest 50 handoffs": "/api/v1/handoffs?per_page=50",
    "one patient's handoffs": "/api/v1/handoffs?patient_id={patient}",  # the benchmark's patient: ~20 at both sizes
    "final ipass handoffs": "/api/v1/handoffs?status=final&checklist=ipass&per_page=50",
    "page 5 of drafts": "/api/v1/handoffs?status=draft&page=5&per_page=50",
    "patient search": "/api/v1/patients?q=okafor",
}


def phase_lists(bench: Bench) -> dict:
    """The list and search requests at `list_small` handoffs, then (bulk-loaded) at `list_large`."""
    from . import bulk

    s = bench.settings
    token = bench.tokens[0]
    with bench.app.app_context():
        patients = bulk.add_patients(max(20, s.list_large // 50))
        bulk.grow_to(s.list_small, patients, bench.user_id)

    def measure() -> dict:
        times = {name: [] for name in LIST_QUERIES}
        for _ in range(s.runs):
            for name, path in LIST_QUERIES.items():
                for _ in range(s.list_requests):
                    status, _, body, took = request(
                        bench.server, "GET", path.format(patient=bench.patient_id), headers=_auth(token)
                    )
                    if status != 200:
                        raise RuntimeError(f"{path}: {status} {body[:200]!r}")
                    times[name].append(took)
        return {name: p50(samples) for name, samples in times.items()}

    small = measure()
    started = time.monotonic()
    with bench.app.app_context():
        bulk.grow_to(s.list_large, patients, bench.user_id)
    load_seconds = time.monotonic() - started
    large = measure()
    ratios = {name: large[name] / small[name] for name in LIST_QUERIES}
    return {
        "small": s.list_small,
        "large": s.list_large,
        "p50_small": small,
        "p50_large": large,
        "ratios": ratios,
        "worst": max(ratios.values()),
        "bulk_load_seconds": load_seconds,
    }


def phase_memory(bench: Bench) -> dict:
    """RSS of the render processes (each web worker's pool) after a few renders and after many."""
    s = bench.settings
    handoff_id = bench.new_handoff()
    revisions = bench.add_revisions(handoff_id, s.renders_many, "memory")
    clients = 2  # one PDF at a time per web worker, so each worker's pool renders about half

    def render(numbers: list[int]) -> None:
        results = run_clients(
            [
                (pdf_client, (bench.server, bench.tokens[i], handoff_id, numbers[i::clients], None))
                for i in range(clients)
            ],
            timeout=1800,
        )
        _require_no_errors("renders", results)

    render(revisions[: s.renders_few])
    few = server_memory(bench.server)
    render(revisions[s.renders_few :])
    many = server_memory(bench.server)
    return {
        "after_few": few.as_dict(),
        "after_many": many.as_dict(),
        "renders_few": s.renders_few,
        "renders_many": s.renders_many,
        "render_ratio": many.as_dict()["render_total"] / few.as_dict()["render_total"],
        "web_ratio": many.as_dict()["web_total"] / few.as_dict()["web_total"],
    }


def warm_up(bench: Bench) -> None:
    """Start each web worker's render pool (a process importing WeasyPrint) before anything is timed: a server
    that has rendered once is the steady state (signing prerenders)."""
    handoff_id = bench.new_handoff()
    revisions = bench.add_revisions(handoff_id, 6, "warm")
    results = run_clients(
        [(pdf_client, (bench.server, bench.tokens[i], handoff_id, revisions[i::2], None)) for i in range(2)]
    )
    _require_no_errors("warm-up renders", results)


def measure_database(bench: Bench, reference: str, with_memory: bool) -> dict:
    log = bench.work / f"gunicorn-{bench.name}.log"
    bench.prepare_database()
    try:
        return _measure_database(bench, reference, with_memory, log)
    except Exception:
        if log.exists():
            _say(f"[{bench.name}] the server's log ends:\n{log.read_text()[-3000:]}")
        raise


def _measure_database(bench: Bench, reference: str, with_memory: bool, log: Path) -> dict:
    s = bench.settings
    with gunicorn(
        bench.url, log, bench.work / f"instance-{bench.name}", worker_class=bench.worker_class, threads=bench.threads
    ) as server:
        bench.server = server
        clients_needed = max(s.save_clients, s.mixed_save_clients + s.mixed_pdf_clients, 2)
        bench.sign_in(clients_needed)
        save_handoffs = [bench.new_handoff() for _ in range(max(s.save_clients, s.mixed_save_clients))]
        pdf_handoffs = [bench.new_handoff() for _ in range(s.mixed_pdf_clients)]
        documents_handoff = bench.new_handoff()
        warm_up(bench)
        _say(f"[{bench.name}] list and search at {s.list_small:,} and {s.list_large:,} handoffs ...")
        lists = phase_lists(bench)
        rounds = []
        for number in range(s.runs):
            _say(f"[{bench.name}] round {number + 1} of {s.runs}: saves, save/GET, documents, saves beside PDFs ...")
            rounds.append(
                {
                    "saves": phase_saves(bench, save_handoffs, s.save_clients, s.seconds, f"r{number}"),
                    "pairs": phase_pairs(bench, save_handoffs[0], s.latency_pairs),
                    "documents": phase_documents(bench, documents_handoff, s.pdf_samples, reference, f"d{number}"),
                    "mixed": phase_mixed(bench, save_handoffs, pdf_handoffs, s.seconds, f"m{number}"),
                }
            )
        memory = None
        if with_memory:
            _say(f"[{bench.name}] worker memory: {s.renders_few} renders, then {s.renders_many} ...")
            memory = phase_memory(bench)
        log_tail = log.read_text()[-2000:]
    bench.server = None
    with bench.app.app_context():
        from handoff.extensions import db

        db.engine.dispose()

    def median(extract) -> float:
        return statistics.median(extract(r) for r in rounds)

    figures = {
        "saves_per_second": median(lambda r: r["saves"]["per_second"]),
        "save_p50_over_get_p50": median(lambda r: r["pairs"]["ratio"]),
        "uncached_pdf_over_weasyprint": median(lambda r: r["documents"]["uncached_over_weasyprint"]),
        "clinician_over_reference": median(lambda r: r["documents"]["clinician_over_reference"]),
        "cached_pdf_over_get": median(lambda r: r["documents"]["cached_over_get"]),
        "save_p99_with_pdfs_over_alone": median(lambda r: r["mixed"]["ratio"]),
        "list_p50_large_over_small": lists["worst"],
    }
    if memory:
        figures["render_memory_after_many_over_few"] = memory["render_ratio"]
    return {"figures": figures, "rounds": rounds, "lists": lists, "memory": memory, "server_log_tail": log_tail}


# --- databases --------------------------------------------------------------------------------------------------


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class ThrowawayPostgres:
    """`.ci/pg-throwaway start DIR` / `stop DIR`: a PostgreSQL cluster of the benchmark's own."""

    def __init__(self):
        self.script = str(ROOT / ".ci" / "pg-throwaway")
        self.folder = Path(tempfile.mkdtemp(prefix="handoff-bench-pg-", dir="/tmp"))

    def __enter__(self) -> str:
        try:
            started = subprocess.run([self.script, "start", str(self.folder)], capture_output=True, text=True)
        except OSError:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        if started.returncode != 0:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise RuntimeError(f"the throwaway PostgreSQL did not start: {started.stderr.strip()}")
        return started.stdout.strip()

    def __exit__(self, *exc) -> None:
        subprocess.run([self.script, "stop", str(self.folder)], check=False, capture_output=True)


def postgres_available() -> str | None:
    """None when server binaries are there, else why not."""
    found = subprocess.run([str(ROOT / ".ci" / "pg-throwaway"), "bindir"], capture_output=True, text=True)
    return None if found.returncode == 0 else found.stderr.strip()


def run(
    settings: Settings,
    databases: list[str],
    *,
    worker_class: str | None = None,
    threads: int | None = None,
    postgres_url: str | None = None,
    output: Path | None = None,
) -> dict:
    started = datetime.now(UTC)
    result = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": settings.__dict__,
        "worker_class": worker_class or _configured_worker_class(),
        "threads": threads,
        "render_backend": "inline",
        "databases": {},
    }
    reference = two_page_reference()
    work = Path(tempfile.mkdtemp(prefix="handoff-bench-"))  # removed in `finally` below, whatever happens
    _say(
        f"Benchmark: {', '.join(databases)}; worker class {result['worker_class']}; {settings.runs} round(s); "
        f"work folder {work}"
    )
    try:
        for index, name in enumerate(databases):
            with_memory = index == 0  # render memory does not depend on the database: measured once
            if name == "sqlite":
                bench = Bench(name, f"sqlite:///{work}/bench.db", work, settings, worker_class, threads)
                result["databases"][name] = measure_database(bench, reference, with_memory)
            elif postgres_url:
                bench = Bench(name, postgres_url, work, settings, worker_class, threads)
                result["databases"][name] = measure_database(bench, reference, with_memory)
            else:
                why_not = postgres_available()
                if why_not:
                    _say(f"PostgreSQL skipped: {why_not}")
                    result["databases"][name] = {"skipped": why_not}
                    continue
                with ThrowawayPostgres() as url:
                    bench = Bench(name, url, work, settings, worker_class, threads)
                    result["databases"][name] = measure_database(bench, reference, with_memory)
    finally:
        result["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        result["machine"]["load_average_at_end"] = os.getloadavg()
        if output:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(json.dumps(result, indent=2, default=str))
        shutil.rmtree(work, ignore_errors=True)
    return result


def _configured_worker_class() -> str:
    config: dict = {}
    path = ROOT / "gunicorn.conf.py"
    if path.exists():
        exec(compile(path.read_text(), str(path), "exec"), config)  # noqa: S102 (our own configuration file)
    return str(config.get("worker_class", "sync"))


def report(result: dict) -> str:
    lines = []
    m = result["machine"]
    lines.append(
        f"Machine: {m['cores']} cores, {m['memory_gib']} GiB, {m['cpu_model']}; "
        f"load {m['load_average'][0]:.1f} at start; Python {m['versions']['python']}, "
        f"WeasyPrint {m['versions'].get('weasyprint')}, "
        f"gunicorn {m['versions'].get('gunicorn')}, SQLite {m['versions']['sqlite']}; commit {m['commit']}"
    )
    lines.append(
        f"Server: gunicorn, 2 workers, worker class {result['worker_class']}"
        f"{', threads ' + str(result['threads']) if result['threads'] else ''}; renders inline "
        f"(each worker's pool); median of {result['settings']['runs']} round(s)"
    )
    lines.append("")
    lines.append(f"{'figure':<72} {'database':<10} {'value':>9} {'goal':>7}  result")
    for key, (what, goal, passes) in GOALS.items():
        for name, measured in result["databases"].items():
            if "skipped" in measured:
                continue
            value = measured["figures"].get(key)
            if value is None:
                continue
            shown = f"{value:,.0f}" if key == "saves_per_second" else f"{value:.2f}"
            lines.append(f"{what:<72} {name:<10} {shown:>9} {goal:>7}  {'pass' if passes(value) else 'FAIL'}")
    lines.append("")
    for name, measured in result["databases"].items():
        if "skipped" in measured:
            lines.append(f"{name}: skipped ({measured['skipped']})")
            continue
        r = measured["rounds"]
        docs = [x["documents"] for x in r]
        lines.append(
            f"{name}: saves/s by round {[round(x['saves']['per_second']) for x in r]}; "
            f"save p50 {statistics.median(x['pairs']['save_p50'] for x in r) * 1000:.1f} ms, "
            f"GET p50 {statistics.median(x['pairs']['get_p50'] for x in r) * 1000:.1f} ms; "
            f"uncached PDF {statistics.median(d['uncached_p50'] for d in docs) * 1000:.0f} ms, "
            f"WeasyPrint alone {statistics.median(d['weasyprint_p50'] for d in docs) * 1000:.0f} ms "
            f"({docs[0]['clinician_pages']} pages), reference "
            f"{statistics.median(d['reference_p50'] for d in docs) * 1000:.0f} ms, cached "
            f"{statistics.median(d['cached_p50'] for d in docs) * 1000:.1f} ms; save p99 alone "
            f"{statistics.median(x['mixed']['save_p99_alone'] for x in r) * 1000:.1f} ms, beside PDFs "
            f"{statistics.median(x['mixed']['save_p99_with_pdfs'] for x in r) * 1000:.1f} ms"
        )
        lists = measured["lists"]
        lines.append(
            f"{name}: list p50 at {lists['small']:,} / {lists['large']:,} handoffs: "
            + "; ".join(
                f"{q} {lists['p50_small'][q] * 1000:.1f}/{lists['p50_large'][q] * 1000:.1f} ms" for q in LIST_QUERIES
            )
        )
        if measured["memory"]:
            mem = measured["memory"]
            lines.append(
                f"{name}: render processes' RSS {mem['after_few']['render_total'] / 2**20:.0f} MiB after "
                f"{mem['renders_few']} renders, {mem['after_many']['render_total'] / 2**20:.0f} MiB after "
                f"{mem['renders_many']}; web workers {mem['after_few']['web_total'] / 2**20:.0f} -> "
                f"{mem['after_many']['web_total'] / 2**20:.0f} MiB (x{mem['web_ratio']:.2f})"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: small counts, one round")
    parser.add_argument("--runs", type=int, help="rounds per database (median); default 3")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument(
        "--postgres-url", help="a disposable PostgreSQL database to use instead of a throwaway cluster (emptied first)"
    )
    parser.add_argument("--worker-class", help="gunicorn worker class (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, help="gunicorn threads per worker (gthread)")
    parser.add_argument(
        "--output", type=Path, help="JSON file for every figure (default instance/benchmarks/production-TIME.json)"
    )
    args = parser.parse_args(argv)
    settings = Settings.quick() if args.quick else Settings()
    if args.runs:
        settings.runs = args.runs
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(databases) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown databases: {', '.join(sorted(unknown))}")
    output = args.output or ROOT / "instance" / "benchmarks" / f"production-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    result = run(
        settings,
        databases,
        worker_class=args.worker_class,
        threads=args.threads,
        postgres_url=args.postgres_url,
        output=output,
    )
    print(report(result))
    print(f"\nWritten to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
