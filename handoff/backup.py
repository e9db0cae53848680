"""Online backup of the embedded SQLite database (`flask --app wsgi backup PATH`).

SQLite's online backup API copies the database page by page through its own connection. Done
in one step, it reads one snapshot: in WAL mode readers never block writers, so the app keeps
saving while the copy is made, and the copy holds exactly the transactions committed before it
began (never half of one). The copy is written beside PATH, checked (`PRAGMA integrity_check`)
and only then moved into place, so PATH is never a partial file.

PostgreSQL has its own tools for this (pg_dump for a logical copy, pg_basebackup with WAL
archiving for point-in-time recovery): the command refuses there and names them.
"""

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL


class BackupRefused(Exception):
    """The backup cannot be made as asked; the message says what to do instead."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    pages: int
    bytes: int


def pg_dump_command(url: URL) -> str:
    """The pg_dump command line an operator runs instead (password left out: use PGPASSWORD or ~/.pgpass)."""
    target = URL.create("postgresql", url.username, None, url.host, url.port, url.database, url.query)
    target = target.render_as_string(hide_password=False)
    return f"pg_dump --format=custom --file=handoff-$(date +%F).dump '{target}'"


def backup_sqlite(url: URL, destination: Path, replace: bool = False) -> BackupResult:
    if url.get_backend_name() != "sqlite":
        raise BackupRefused(
            f"backup copies the embedded SQLite database; this app uses {url.get_backend_name()}. "
            f"Use PostgreSQL's own tools (README, 'Backups'): {pg_dump_command(url)}")
    source_path = url.database
    if not source_path or source_path == ":memory:" or not Path(source_path).is_file():
        raise BackupRefused(f"there is no SQLite database file at {source_path!r} to back up")
    destination = destination.resolve()
    if destination == Path(source_path).resolve():
        raise BackupRefused("the backup must go to another file than the database itself")
    if destination.exists() and not replace:
        raise BackupRefused(f"{destination} exists; choose a new file or pass --force to replace it")
    if not destination.parent.is_dir():
        raise BackupRefused(f"the directory {destination.parent} does not exist")
    partial = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(partial)
    try:
        # pages=-1: the whole database in one step, from one read snapshot (a stepped copy restarts
        # whenever another connection writes, and under steady saves might never finish).
        source.backup(target, pages=-1)
        pages = target.execute("PRAGMA page_count").fetchone()[0]
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        target.close()
        source.close()
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise BackupRefused(f"the copy failed its integrity check ({check}); nothing was written to {destination}")
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, destination)
    return BackupResult(destination, pages, destination.stat().st_size)
