"""Checklist definitions: look them up, publish new versions, validate handoff data."""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..audit import service as audit
from ..domain import Actor, Conflict, NotFound
from ..extensions import db
from .builtin import load_builtin_definitions
from .data_schemas import validate_data
from .definition import READ_ONLY_KEYS
from .models import ChecklistVersion


def latest_versions() -> list[ChecklistVersion]:
    newest = (
        select(ChecklistVersion.key, func.max(ChecklistVersion.version).label("version"))
        .group_by(ChecklistVersion.key)
        .subquery()
    )
    return db.session.scalars(
        select(ChecklistVersion)
        .join(newest, (ChecklistVersion.key == newest.c.key) & (ChecklistVersion.version == newest.c.version))
        .order_by(ChecklistVersion.key)
    ).all()


def find(key: str, version: int | None = None) -> ChecklistVersion | None:
    stmt = select(ChecklistVersion).where(ChecklistVersion.key == key)
    if version is not None:
        stmt = stmt.where(ChecklistVersion.version == version)
    return db.session.scalar(stmt.order_by(ChecklistVersion.version.desc()).limit(1))


def get(key: str, version: int | None = None) -> ChecklistVersion:
    found = find(key, version)
    if found is None:
        which = f"version {version} of " if version is not None else ""
        raise NotFound(f"There is no {which}checklist {key!r}.")
    return found


def publish(actor: Actor, raw: dict) -> ChecklistVersion:
    """Store `raw` as the next version of its key, exactly as posted (read-only keys aside).

    `raw` has passed `ChecklistPublishSchema` (the definition meta-schema).
    """
    definition = {k: v for k, v in raw.items() if k not in READ_ONLY_KEYS}
    previous = find(definition["key"])
    checklist = ChecklistVersion(
        key=definition["key"], version=(previous.version + 1) if previous else 1,
        title=definition["title"], definition=definition, published_by_id=actor.user_id,
    )
    db.session.add(checklist)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("Another version of this checklist was published at the same moment. Try again.") from None
    audit.record(actor, "checklist.publish", "checklist", f"{checklist.key}@{checklist.version}")
    return checklist


def seed_builtin(session) -> int:
    """Insert the built-in definitions that are missing (the tests' clean database; migration 0002 has its own)."""
    added = 0
    for definition in load_builtin_definitions():
        exists = session.scalar(
            select(ChecklistVersion.id).where(
                ChecklistVersion.key == definition["key"], ChecklistVersion.version == definition["version"]
            )
        )
        if exists is None:
            stored = {k: v for k, v in definition.items() if k not in READ_ONLY_KEYS}
            session.add(ChecklistVersion(key=definition["key"], version=definition["version"],
                                         title=definition["title"], definition=stored))
            added += 1
    session.flush()
    return added


def data_problems(checklist: ChecklistVersion, data, *, final: bool) -> list[dict]:
    return validate_data(as_document(checklist), data, final=final)


def as_document(checklist: ChecklistVersion) -> dict:
    """The definition as the API shows it: stored content plus key, version and publication."""
    document = dict(checklist.definition)
    document["key"] = checklist.key
    document["version"] = checklist.version
    return document
