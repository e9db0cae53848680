"""Settings, read from the environment in one place (DESIGN.md section 3.1)."""

import os
import secrets
from pathlib import Path

import click

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = Path(os.environ.get("HANDOFF_INSTANCE_PATH", PROJECT_ROOT / "instance"))

ONE_MIB = 1024 * 1024


def _default_database_url() -> str:
    return f"sqlite:///{INSTANCE_PATH / 'handoff.db'}"


def _normalise_database_url(url: str) -> str:
    """Accept the URLs hosting platforms hand out and select the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def from_environment(overrides: dict | None = None) -> dict:
    """Build the Flask config mapping; `overrides` (tests, scripts) win over the environment."""
    overrides = dict(overrides or {})
    env = os.environ
    testing = bool(overrides.get("TESTING", False))
    debug = env.get("FLASK_DEBUG", "") in {"1", "true", "True"}
    # Served over plain http on purpose: tests, `flask run --debug`, `./dev serve` (HANDOFF_DEV=1).
    development = testing or debug or env.get("HANDOFF_DEV") == "1"
    secret_key = overrides.get("SECRET_KEY") or env.get("SECRET_KEY")
    if not secret_key:
        if development:
            secret_key = "dev-only-not-secret"
        elif click.get_current_context(silent=True) is not None:
            # A `flask ...` command (db upgrade, user create) signs nothing; serving does.
            secret_key = secrets.token_hex(32)
        else:
            raise RuntimeError(
                "SECRET_KEY is not set. Set it to a long random value in production "
                "(for example: python3 -c 'import secrets; print(secrets.token_hex(32))')."
            )
    config = {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": _normalise_database_url(
            overrides.pop("DATABASE_URL", None) or env.get("DATABASE_URL") or _default_database_url()
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": ONE_MIB,
        "HANDOFF_PUBLIC_URL": env.get("HANDOFF_PUBLIC_URL", "http://localhost:5000").rstrip("/"),
        # Sessions (README "Production"): idle and absolute lifetimes, checked below; cookies Secure by default.
        "HANDOFF_SESSION_IDLE_MINUTES": env.get("HANDOFF_SESSION_IDLE_MINUTES", "15"),
        "HANDOFF_SESSION_MAX_HOURS": env.get("HANDOFF_SESSION_MAX_HOURS", "12"),
        "SESSION_COOKIE_SECURE": env.get("HANDOFF_COOKIE_SECURE", "0" if development else "1"),
        "HANDOFF_HSTS_SECONDS": env.get("HANDOFF_HSTS_SECONDS", str(365 * 24 * 3600)),
        "HANDOFF_TOKEN_DAYS": int(env.get("HANDOFF_TOKEN_DAYS", "30")),
        # The hospital's time zone: clinical documents write times for people in it, with its name.
        "HANDOFF_TIME_ZONE": env.get("HANDOFF_TIME_ZONE", "UTC"),
        # Reverse proxies whose X-Forwarded-For is believed (http.client_address); none: the socket's address.
        "HANDOFF_TRUSTED_PROXIES": env.get("HANDOFF_TRUSTED_PROXIES", ""),
        # Documents (README "Rendering"): where PDFs are rendered, how long one may take, how big it may be.
        "HANDOFF_RENDER_BACKEND": env.get("HANDOFF_RENDER_BACKEND", "inline"),
        "HANDOFF_RENDER_PROCESSES": int(env.get("HANDOFF_RENDER_PROCESSES", "1")),
        "HANDOFF_RENDER_NICE": int(env.get("HANDOFF_RENDER_NICE", "10")),
        "HANDOFF_RENDER_TIMEOUT_SECONDS": float(env.get("HANDOFF_RENDER_TIMEOUT_SECONDS", "20")),
        "HANDOFF_RENDER_WAIT_SECONDS": float(env.get("HANDOFF_RENDER_WAIT_SECONDS", "25")),
        "HANDOFF_RENDER_MAX_HTML_BYTES": int(env.get("HANDOFF_RENDER_MAX_HTML_BYTES", str(4 * ONE_MIB))),
        "HANDOFF_PRERENDER": env.get("HANDOFF_PRERENDER", "0" if testing else "1") == "1",
        "HANDOFF_DOCUMENT_CACHE_MAX_AGE_DAYS": float(env.get("HANDOFF_DOCUMENT_CACHE_MAX_AGE_DAYS", "30")),
        "HANDOFF_DOCUMENT_CACHE_MAX_MB": float(env.get("HANDOFF_DOCUMENT_CACHE_MAX_MB", "1024")),
        **_sso_settings(env),
        # flask-smorest: the OpenAPI document lives at /api/v1/openapi.json (contract 3.3).
        "API_TITLE": "Handoff",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "JSON_SORT_KEYS": False,
    }
    config.update(overrides)
    _check_time_zone(config["HANDOFF_TIME_ZONE"])
    _check_render_backend(config)
    _check_trusted_proxies(config["HANDOFF_TRUSTED_PROXIES"])
    _check_sessions(config)
    _check_sso(config)
    return config


SWITCH_VALUES = {"1": True, "true": True, "yes": True, "on": True,
                 "0": False, "false": False, "no": False, "off": False}


def _check_sessions(config: dict) -> None:
    """Session lifetimes are whole numbers from 1, the cookie switch is on or off; else refuse to start, naming it.

    Values may come as text (the environment) or as numbers and booleans (tests, scripts)."""
    for name, unit in (("HANDOFF_SESSION_IDLE_MINUTES", "minutes"), ("HANDOFF_SESSION_MAX_HOURS", "hours"),
                       ("HANDOFF_HSTS_SECONDS", "seconds")):
        config[name] = _whole_number(name, config[name], unit, minimum=0 if name == "HANDOFF_HSTS_SECONDS" else 1)
    secure = config["SESSION_COOKIE_SECURE"]
    if not isinstance(secure, bool):
        value = SWITCH_VALUES.get(str(secure).strip().lower())
        if value is None:
            raise RuntimeError(f"HANDOFF_COOKIE_SECURE={secure!r}: use 1 (cookies only over HTTPS) or 0.")
        config["SESSION_COOKIE_SECURE"] = value


def _whole_number(name: str, value, unit: str, minimum: int) -> int:
    if isinstance(value, bool) or not str(value).strip().isdigit() or int(str(value).strip()) < minimum:
        raise RuntimeError(f"{name}={value!r}: give a whole number of {unit}, {minimum} or more.")
    return int(str(value).strip())


def _check_time_zone(name: str) -> None:
    """Refuse to start with a zone no document could be written in, rather than fail at the first PDF."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuntimeError(f"HANDOFF_TIME_ZONE={name!r} is not a time zone name (e.g. America/Chicago, UTC).") from None


def _check_trusted_proxies(setting: str) -> None:
    """A mistyped proxy list would fail every request; refuse it at start, naming the entry."""
    from .http import parse_proxies

    try:
        parse_proxies(setting)
    except ValueError as error:
        raise RuntimeError(str(error)) from None


RENDER_BACKENDS = ("inline", "queue")


def _check_render_backend(config: dict) -> None:
    """The queue lives in PostgreSQL: refuse `queue` on SQLite at start, not at the first PDF."""
    backend = config["HANDOFF_RENDER_BACKEND"]
    if backend not in RENDER_BACKENDS:
        raise RuntimeError(f"HANDOFF_RENDER_BACKEND={backend!r}: use one of {', '.join(RENDER_BACKENDS)}.")
    if backend == "queue" and not config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        raise RuntimeError("HANDOFF_RENDER_BACKEND=queue needs PostgreSQL (DATABASE_URL): the render queue is kept "
                           "there. The embedded SQLite default renders in-process (HANDOFF_RENDER_BACKEND=inline).")
    if config["HANDOFF_RENDER_PROCESSES"] < 1:
        raise RuntimeError("HANDOFF_RENDER_PROCESSES must be 1 or more.")
    if not 0 <= config["HANDOFF_RENDER_NICE"] <= 19:
        raise RuntimeError("HANDOFF_RENDER_NICE must be from 0 (the web workers' priority) to 19 (the lowest).")


# --- Hospital single sign-on (DESIGN 3.9, README "Single sign-on"; handoff/sso) ------------------------------


def _sso_settings(env) -> dict:
    return {
        # Exactly as the provider's tokens name it (some end in "/"): `iss` is compared with it as is.
        "HANDOFF_OIDC_ISSUER": env.get("HANDOFF_OIDC_ISSUER", "").strip(),
        "HANDOFF_OIDC_CLIENT_ID": env.get("HANDOFF_OIDC_CLIENT_ID", "").strip(),
        "HANDOFF_OIDC_CLIENT_SECRET": env.get("HANDOFF_OIDC_CLIENT_SECRET", ""),
        "HANDOFF_OIDC_ROLE_CLAIM": env.get("HANDOFF_OIDC_ROLE_CLAIM", "roles").strip(),
        "HANDOFF_OIDC_ROLE_MAP": env.get("HANDOFF_OIDC_ROLE_MAP", ""),
        # The name on the tablet's "Sign in with ..." button.
        "HANDOFF_OIDC_DISPLAY_NAME": env.get("HANDOFF_OIDC_DISPLAY_NAME", "your hospital account").strip(),
        # 0: only the identity provider signs people in (bearer tokens for integrations stay).
        "HANDOFF_PASSWORD_LOGIN": env.get("HANDOFF_PASSWORD_LOGIN", "1").strip() != "0",
        # Flask's signed cookie, used only by sign-on (which sign-in is under way; the ID token for the
        # provider's sign-out). Lax: it must come back on the provider's redirect to the callback.
        "SESSION_COOKIE_NAME": "handoff_sso",
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
    }


def _check_sso(config: dict) -> None:
    """Refuse a half-configured single sign-on at start, saying which setting is wrong."""
    from .sso.settings import SsoSettingsError, parse_role_map

    issuer = config["HANDOFF_OIDC_ISSUER"]
    names = ("HANDOFF_OIDC_ISSUER", "HANDOFF_OIDC_CLIENT_ID", "HANDOFF_OIDC_CLIENT_SECRET")
    given = [name for name in names if config[name]]
    if not given:
        if not config["HANDOFF_PASSWORD_LOGIN"]:
            raise RuntimeError("HANDOFF_PASSWORD_LOGIN=0 needs single sign-on (HANDOFF_OIDC_ISSUER, "
                               "HANDOFF_OIDC_CLIENT_ID, HANDOFF_OIDC_CLIENT_SECRET): nobody could sign in.")
        return
    missing = [name for name in names if not config[name]]
    if missing:
        raise RuntimeError(f"Single sign-on needs {', '.join(names)}; {', '.join(missing)} is not set.")
    if not issuer.startswith(("https://", "http://localhost", "http://127.0.0.1")):
        raise RuntimeError(f"HANDOFF_OIDC_ISSUER={issuer!r} must be an https:// URL (the provider's issuer).")
    if not config["HANDOFF_OIDC_ROLE_CLAIM"]:
        raise RuntimeError("HANDOFF_OIDC_ROLE_CLAIM is empty: name the claim that carries roles (default roles).")
    try:
        parse_role_map(config["HANDOFF_OIDC_ROLE_MAP"])
    except SsoSettingsError as error:
        raise RuntimeError(str(error)) from None
