"""`flask --app wsgi backup PATH` (issue 11, point 8): a consistent online copy of the SQLite database,
made while saves stream in, restores with every revision committed before it began; on PostgreSQL
it refuses and names pg_dump."""

import copy
import shutil
import sqlite3
import subprocess
import sys
import threading

import pytest
import requests

from handoff.extensions import db
from tests.servers import ROOT, flask_command


def test_backup_refuses_on_postgresql_and_names_the_pg_dump_command(tmp_path):
    url = "postgresql://handoff:s3cret@db.example.org:5432/handoff"
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "backup", str(tmp_path / "copy.db")],
                            cwd=ROOT, env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin", "PYTHONWARNINGS": ""},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "pg_dump --format=custom" in result.stderr and "postgresql://handoff@db.example.org:5432/handoff" in (
        result.stderr)
    assert "s3cret" not in result.stderr  # the password stays out of terminals and shell history
    assert not (tmp_path / "copy.db").exists()


def test_backup_refuses_to_overwrite_without_force(app, tmp_path):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's backup; the PostgreSQL refusal is tested above")
        url = db.engine.url.render_as_string(hide_password=False)
    existing = tmp_path / "copy.db"
    existing.write_text("keep me")
    with pytest.raises(RuntimeError, match="exists; choose a new file or pass --force"):
        flask_command(url, "backup", str(existing))
    assert existing.read_text() == "keep me"


def _save_until(stop: threading.Event, base: str, token: str, handoff: dict, etag: str, saved: list) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    number = 0
    while not stop.is_set():
        number += 1
        data = copy.deepcopy(handoff["data"])
        data["hospital_course"] = f"save {handoff['id']}-{number}"
        response = session.put(f"{base}/api/v1/handoffs/{handoff['id']}", json={"data": data},
                               headers={"If-Match": etag}, timeout=60)
        assert response.status_code == 200, response.text
        etag = response.headers["ETag"]
        saved.append((handoff["id"], response.json()["revision"]))


def test_online_backup_while_writers_run_restores_every_revision(app, make_app, gunicorn_server, nurse,
                                                                  make_handoff, tmp_path):
    from handoff.handoffs.models import Revision
    from handoff.handoffs.service import content_hash

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's backup; PostgreSQL is backed up with pg_dump (README), refusal tested above")
        url = db.engine.url.render_as_string(hide_password=False)
    base, _log = gunicorn_server
    handoffs = [make_handoff() for _ in range(3)]
    saved: list[tuple[int, int]] = []
    stop = threading.Event()
    writers = [threading.Thread(target=_save_until, args=(stop, base, nurse.token, body, etag, saved))
               for body, etag in handoffs]
    for writer in writers:
        writer.start()
    try:
        while len(saved) < 15:  # the writers are well under way
            writers[0].join(0.05)
        before = list(saved)
        backup = tmp_path / "backup.db"
        output = flask_command(url, "backup", str(backup)).stdout
        while len(saved) < len(before) + 15:  # and still saving after: the copy never stopped them
            writers[0].join(0.05)
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=120)
    assert "integrity check ok" in output
    restored = tmp_path / "restored" / "handoff.db"
    restored.parent.mkdir()
    shutil.copyfile(backup, restored)  # restoring is copying the file back into place
    with sqlite3.connect(restored) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    other = make_app(DATABASE_URL=f"sqlite:///{restored}")
    with other.app_context():
        revisions = db.session.execute(db.select(Revision).order_by(Revision.handoff_id, Revision.number)).scalars()
        found = {}
        for revision in revisions:
            assert revision.content_hash == content_hash("discharge", 1, revision.data)  # whole
            found.setdefault(revision.handoff_id, []).append(revision.number)
        db.session.remove()
    for numbers in found.values():
        assert numbers == list(range(1, len(numbers) + 1))  # a snapshot: no revision missing below the newest
    copied = {(handoff_id, number) for handoff_id, numbers in found.items() for number in numbers}
    assert set(before) <= copied  # every save answered before the backup began is in the copy
    assert {(body["id"], 1) for body, _etag in handoffs} <= copied
    restored_client = other.test_client()
    listing = restored_client.get(f"/api/v1/handoffs/{handoffs[0][0]['id']}/revisions",
                                  headers={"Authorization": f"Bearer {nurse.token}"})
    assert listing.status_code == 200 and len(listing.get_json()) == len(found[handoffs[0][0]["id"]])
