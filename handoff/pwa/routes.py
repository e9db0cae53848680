"""The PWA shell, its manifest and service worker, and the load-balancer health check."""

from flask import Blueprint, current_app, jsonify, render_template, send_from_directory

from ..database import database_answers

bp = Blueprint("pwa", __name__)


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
    response = send_from_directory(current_app.static_folder, "sw.js", mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/healthz")
def healthz():
    if database_answers():
        return jsonify({"status": "ok"})
    response = jsonify({"status": "unavailable", "reason": "database does not answer"})
    response.status_code = 503
    return response
