"""Command-line tasks: `flask --app wsgi user create|disable|enable`, `audit seal|head|verify`,
`render worker|evict`, `demo load`, `backup PATH`."""

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from .auth.models import ROLES
from .domain import Actor
from .errors import flatten_messages
from .extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(render_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(backup_command)


@click.group("user", cls=AppGroup, help="Manage users.")
def user_cli():
    pass


@user_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--display-name", default=None, help="Name shown on signatures, e.g. 'Ana Ruiz, RN'.")
def create_user_command(username, role, display_name):
    """Create USERNAME; the password is read from standard input (one line)."""
    from marshmallow import ValidationError

    from .auth.schemas import NewUserSchema
    from .auth.service import create_user
    from .domain import Conflict

    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise click.ClickException("no password on standard input (send one line, e.g. printf '%s\\n' \"$PW\" | ...)")
    try:
        fields = NewUserSchema().load({"username": username, "password": password, "role": role,
                                       "display_name": display_name})
    except ValidationError as exc:
        problems = "; ".join(f"{p['path']}: {p['message']}" for p in flatten_messages(exc.messages))
        raise click.ClickException(problems) from None
    try:
        user = create_user(Actor.system("cli"), fields["username"], fields["password"], fields["role"],
                           fields.get("display_name"), via="cli")
    except Conflict as exc:
        raise click.ClickException(f"{exc.message} Nothing was changed.") from None
    db.session.commit()
    click.echo(f"created user {user.username!r} with role {role}")


@user_cli.command("disable")
@click.argument("username")
def disable_user_command(username):
    """Disable USERNAME: every session and token ends at once; sign-in and new tokens are refused."""
    _set_disabled(username, True)


@user_cli.command("enable")
@click.argument("username")
def enable_user_command(username):
    """Enable USERNAME again (their old sessions and tokens stay ended)."""
    _set_disabled(username, False)


def _set_disabled(username: str, disabled: bool) -> None:
    from .auth.service import find_user, set_disabled
    from .domain import NotFound

    try:
        user = set_disabled(Actor.system("cli"), None, disabled, user=find_user(username))
    except NotFound as exc:
        raise click.ClickException(f"{exc.message} Nothing was changed.") from None
    db.session.commit()
    click.echo(f"disabled user {user.username!r}: every session and token ended" if disabled
               else f"enabled user {user.username!r}")


@click.group("audit", cls=AppGroup, help="Seal and check the audit trail, publish its head.")
def audit_cli():
    pass


def _seal_all() -> int:
    """Seal what is committed (waiting for a sealer busy elsewhere); the count sealed."""
    from .audit.service import seal

    return seal(wait=True).sealed


@audit_cli.command("seal")
@click.option("--watch", is_flag=True, help="Keep sealing until stopped (Ctrl-C), every --interval seconds.")
@click.option("--interval", default=1.0, show_default=True, type=click.FloatRange(min=0.05),
              help="Seconds between turns with --watch.")
def seal_command(watch, interval):
    """Link committed, unsealed audit events into the hash chain (requests only record them)."""
    import time

    from .audit.service import head, seal

    if not watch:
        sealed = _seal_all()
        click.echo(f"sealed {sealed} events; chain head at sequence {head()['sequence']}")
        db.session.remove()
        return
    click.echo(f"sealing every {interval:g} s (Ctrl-C stops)")
    try:
        while True:
            result = seal(wait=False)
            if result.sealed:
                click.echo(f"sealed {result.sealed} events")
            time.sleep(interval)
    except KeyboardInterrupt:
        pass


@audit_cli.command("head")
def head_command():
    """Seal, then print the chain head as JSON, to keep outside the database (an anchor)."""
    import json

    from .audit.service import head

    _seal_all()
    click.echo(json.dumps(head()))
    db.session.remove()


@audit_cli.command("verify")
@click.option("--anchor", default=None, metavar="FILE_OR_JSON",
              help="A head printed earlier by `audit head` (the JSON, or a file holding it): the chain must "
                   "still hold that event, so deleting the newest events and rewinding the head is found.")
def verify_command(anchor):
    """Seal, then walk the hash chain; exit 1 and name the first broken event if it was tampered with."""
    from .audit.service import BadAnchor, parse_anchor, verify_chain

    saved = None
    if anchor is not None:
        try:
            saved = parse_anchor(_anchor_text(anchor))
        except BadAnchor as exc:
            raise click.BadParameter(str(exc), param_hint="--anchor") from None
    _seal_all()
    report = verify_chain(anchor=saved)
    db.session.remove()
    if report.ok:
        matched = "" if report.anchor_sequence is None else f"; the anchor at sequence {report.anchor_sequence} holds"
        click.echo(f"audit chain intact: {report.checked} events checked{matched}")
        return
    where = f"at event {report.broken_at}" if report.broken_at is not None else "against the anchor"
    click.echo(f"audit chain BROKEN {where}: {report.reason} "
               f"({report.checked} events before it are intact)", err=True)
    sys.exit(1)


def _anchor_text(value: str) -> str:
    """--anchor takes the JSON itself or the name of a file holding it."""
    from pathlib import Path

    if value.lstrip().startswith("{"):
        return value
    try:
        return Path(value).read_text(encoding="utf-8")
    except OSError as exc:
        raise click.BadParameter(f"cannot read {value!r}: {exc.strerror}", param_hint="--anchor") from None


@click.group("render", cls=AppGroup, help="Render documents: the render worker, the cache's bounds.")
def render_cli():
    pass


@render_cli.command("worker")
@click.option("--concurrency", default=None, type=click.IntRange(min=1),
              help="Renders at once (render processes); default HANDOFF_RENDER_PROCESSES.")
def render_worker_command(concurrency):
    """Run the queue's render jobs until stopped (SIGTERM or Ctrl-C finishes the renders under way)."""
    import logging

    from flask import current_app

    from .documents import queue

    if current_app.config["HANDOFF_RENDER_BACKEND"] != "queue":
        raise click.ClickException("the render worker serves HANDOFF_RENDER_BACKEND=queue (PostgreSQL); the "
                                   "embedded default renders in the web processes and needs no worker")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    queue.run_worker(current_app._get_current_object(),
                     concurrency or current_app.config["HANDOFF_RENDER_PROCESSES"])


@render_cli.command("evict")
def render_evict_command():
    """Drop cached documents past HANDOFF_DOCUMENT_CACHE_MAX_AGE_DAYS, then past HANDOFF_DOCUMENT_CACHE_MAX_MB."""
    from flask import current_app

    from .documents.cache import evict_configured

    result = evict_configured(current_app.config)
    db.session.remove()
    click.echo(f"evicted {result.by_age + result.by_size} documents ({result.by_age} by age, {result.by_size} by "
               f"size); {result.kept} kept, {result.kept_bytes} bytes")


@click.group("demo", cls=AppGroup, help="Demo data for trying Handoff out.")
def demo_cli():
    pass


@demo_cli.command("load")
def demo_load_command():
    """Create demo users and synthetic patients with handoffs (skips what already exists)."""
    from .demo.loader import load_demo

    for line in load_demo():
        click.echo(line)
    db.session.commit()


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def backup_command(path, force):
    """Copy the SQLite database to PATH while the app runs (a consistent snapshot; writers carry on).

    On PostgreSQL this refuses and prints the pg_dump command to use instead.
    """
    from pathlib import Path

    from .backup import BackupRefused, backup_sqlite

    try:
        copied = backup_sqlite(db.engine.url, Path(path), replace=force)
    except BackupRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backed up {copied.pages} pages ({copied.bytes} bytes) to {copied.path}; integrity check ok")
