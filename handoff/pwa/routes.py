"""The PWA shell, its manifest and service worker, and the load-balancer health check."""

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, send_from_directory

from ..database import database_answers

bp = Blueprint("pwa", __name__)

# What the service worker precaches: the whole shell, nothing with patient data.
SHELL_DIRS = ("js", "css", "icons")


@cache
def shell_manifest(static_folder: str, template_folder: str) -> tuple[str, tuple[str, ...]]:
    """(cache name, URLs to precache). The name is a hash of every shell file, so any change
    to the app's code gives a new cache and the old one is deleted when the new worker activates."""
    static = Path(static_folder)
    files = sorted(p for d in SHELL_DIRS for p in (static / d).rglob("*") if p.is_file() and p.suffix != ".md")
    digest = hashlib.sha256()
    for path in [*files, static / "manifest.webmanifest", Path(template_folder) / "pwa" / "shell.html",
                 Path(template_folder) / "pwa" / "sw.js"]:
        if path.is_file():
            digest.update(path.relative_to(path.parent.parent).as_posix().encode())
            digest.update(path.read_bytes())
    urls = ["/", "/manifest.webmanifest", *(f"/static/{p.relative_to(static).as_posix()}" for p in files)]
    return f"handoff-{digest.hexdigest()[:16]}", tuple(urls)


@bp.get("/")
def shell():
    return render_template("pwa/shell.html")


@bp.get("/manifest.webmanifest")
def manifest():
    response = send_from_directory(current_app.static_folder, "manifest.webmanifest",
                                   mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker():
    # Served from the root so its scope is the whole app; never cached, so updates arrive.
    cache_name, shell_files = shell_manifest(current_app.static_folder, current_app.template_folder)
    body = render_template("pwa/sw.js", cache_name=cache_name, shell_files=list(shell_files))
    return current_app.response_class(body, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})


@bp.get("/healthz")
def healthz():
    if database_answers():
        return jsonify({"status": "ok"})
    response = jsonify({"status": "unavailable", "reason": "database does not answer"})
    response.status_code = 503
    return response
