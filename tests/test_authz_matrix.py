"""The authorization matrix (issue 11, point 9): every route of the app's own URL map, asked by
every kind of caller, answers the status written in tests/fixtures/authz_matrix.csv.

The callers: a nurse, a physician and an admin (bearer tokens), no credentials, an expired
session, a revoked token, a signed-out session cookie, and a patient's share cookie. The ids in
each path name real records made below (a signed handoff, its patient, a live share link...), so
an answer is about who asks, not 404. Unsafe requests carry the session's CSRF token when they
use a cookie and an empty JSON body `{}`, so a caller let through gets the route's own 4xx for
the body (422, 428) or its success, and one kept out gets 401/403/404 before any of it.

A route without a row fails the test, which prints the row it observed, ready to review and
paste into the table. A row whose route no longer exists fails too.
"""

import csv
import io
import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from handoff.auth.models import Credential, User
from handoff.common import sha256_hex, utcnow
from handoff.extensions import db
from tests.conftest import PASSWORD

TABLE = Path(__file__).parent / "fixtures" / "authz_matrix.csv"
CALLERS = ("nurse", "physician", "admin", "anonymous", "expired_session", "revoked_token", "signed_out_cookie",
           "share_cookie")

# A query that makes a route's answer about the caller (without it, some answer 422 for a missing filter).
QUERIES = {
    "/api/v1/board": "?unit=4 West",
    "/api/v1/board.pdf": "?unit=4 West",
    "/api/v1/handoffs/<int:handoff_id>/diff": "?from=1&to=1",
}
# Requests that would change what the next caller finds get a fresh target each time (see `fresh`).
FRESH_CREDENTIAL_ROUTES = {("POST", "/api/v1/auth/logout")}


def read_table() -> dict[tuple[str, str], dict[str, str]]:
    lines = [line for line in TABLE.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    rows = {}
    for row in csv.DictReader(lines):
        key = (row["method"], row["route"])
        assert key not in rows, f"{TABLE.name}: two rows for {row['method']} {row['route']}"
        rows[key] = {caller: row[caller] for caller in CALLERS}
    return rows


def app_routes(app) -> list[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, rule.rule))
    return sorted(routes, key=lambda route: (route[1], route[0]))


class Records:
    """Real records for the ids in paths, and a way to make a fresh one per request where asked."""

    def __init__(self, app, nurse, physician, admin, make_handoff):
        self.app = app
        self._last_user_id = None
        self.users = {"nurse": nurse, "physician": physician, "admin": admin}
        body, etag = make_handoff()
        signed = nurse.post(f"/api/v1/handoffs/{body['id']}/finalize", headers={"If-Match": etag})
        assert signed.status_code == 200, signed.get_json()
        nurse.patch(f"/api/v1/patients/{body['patient_id']}", json={"unit": "4 West", "bed": "12"})
        self.handoff_id = body["id"]
        self.patient_id = body["patient_id"]
        self.share_token = self.share()["url"].rsplit("/p/", 1)[1].removeprefix("#")  # handed out as /p/#TOKEN
        self._counter = itertools.count(1)

    def share(self) -> dict:
        response = self.users["nurse"].post(f"/api/v1/handoffs/{self.handoff_id}/share", json={})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def credential(self, username: str, kind: str = "bearer") -> tuple[str, int]:
        from handoff.auth.service import issue_credential

        with self.app.app_context():
            user = db.session.scalar(db.select(User).where(User.username == username))
            secret, credential = issue_credential(user, kind)
            ident = credential.id
            db.session.commit()
            db.session.remove()
        return secret, ident

    def user(self) -> int:
        from handoff.auth.service import create_user
        from handoff.domain import Actor

        with self.app.app_context():
            user = create_user(Actor.system("test"), f"matrix{next(self._counter)}", PASSWORD, "nurse")
            ident = user.id
            db.session.commit()
            db.session.remove()
        return ident

    def path_value(self, name: str) -> str:
        """The value of a path parameter; fresh records where a request may use one up."""
        values = {
            "handoff_id": lambda: self.handoff_id,
            "patient_id": lambda: self.patient_id,
            "number": lambda: 1,
            "key": lambda: "discharge",
            "token": lambda: self.share_token,
            "filename": lambda: "js/app.js",
            "share_id": lambda: self.share()["id"],  # revoking uses it up
            "token_id": lambda: self.credential("nurse")[1],  # the nurse's own token: revoking uses it up
            "user_id": self._fresh_user,  # a user of its own: disabling uses it up
            "session_id": lambda: self._session_of_fresh_user(),  # ending it uses it up
            # /users/<user_id>/sessions/<credential_id>: a session of that very user, else the answer is a 404
            "credential_id": lambda: self._session_of_fresh_user(self._last_user_id),
        }
        assert name in values, (f"a route has the path parameter <{name}>: add a value for it to "
                                f"Records.path_value in {Path(__file__).name}")
        return str(values[name]())

    def _fresh_user(self) -> int:
        self._last_user_id = self.user()
        return self._last_user_id

    def _session_of_fresh_user(self, user_id: int | None = None) -> int:
        from handoff.auth.service import issue_credential

        user_id = user_id or self.user()
        with self.app.app_context():
            _secret, credential = issue_credential(db.session.get(User, user_id), "session")
            ident = credential.id
            db.session.commit()
            db.session.remove()
        return ident


def cookie_session(app, username: str) -> tuple[object, str]:
    """A browser session of `username`: (client holding the cookie, CSRF token)."""
    client = app.test_client()
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return client, response.get_json()["csrf_token"]


@pytest.fixture
def callers(app, nurse, physician, admin, make_handoff):
    """How each caller asks: a function (method, path, fresh_credential) -> headers."""
    records = Records(app, nurse, physician, admin, make_handoff)

    expired_client, expired_csrf = cookie_session(app, "physician")
    expired_secret = expired_client.get_cookie("handoff_session").value
    with app.app_context():
        idle = timedelta(minutes=app.config["HANDOFF_SESSION_IDLE_MINUTES"] + 1)
        db.session.execute(update(Credential).where(Credential.secret_hash == sha256_hex(expired_secret))
                           .values(last_used_at=utcnow() - idle))
        db.session.commit()
        db.session.remove()

    revoked_secret, revoked_id = records.credential("nurse")
    assert nurse.delete(f"/api/v1/auth/tokens/{revoked_id}").status_code == 204

    out_client, out_csrf = cookie_session(app, "nurse")
    out_secret = out_client.get_cookie("handoff_session").value
    assert out_client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": out_csrf}).status_code == 204

    patient_phone = app.test_client()
    assert patient_phone.get(f"/p/{records.share_token}").status_code == 303
    share_cookie = patient_phone.get_cookie("handoff_share", path="/p").value

    tokens = {role: client.token for role, client in records.users.items()}

    def headers_for(caller: str, fresh_credential: bool) -> dict:
        if caller in tokens:
            token = records.credential(caller)[0] if fresh_credential else tokens[caller]
            return {"Authorization": f"Bearer {token}"}
        return {
            "anonymous": {},
            "expired_session": {"Cookie": f"handoff_session={expired_secret}", "X-CSRF-Token": expired_csrf},
            "revoked_token": {"Authorization": f"Bearer {revoked_secret}"},
            "signed_out_cookie": {"Cookie": f"handoff_session={out_secret}", "X-CSRF-Token": out_csrf},
            "share_cookie": {"Cookie": f"handoff_share={share_cookie}"},
        }[caller]

    return records, headers_for


def ask(app, records: Records, headers_for, method: str, rule: str, caller: str) -> int:
    path = rule
    while "<" in path:
        start, end = path.index("<"), path.index(">")
        name = path[start + 1:end].split(":")[-1]
        path = path[:start] + records.path_value(name) + path[end + 1:]
    path += QUERIES.get(rule, "")
    client = app.test_client(use_cookies=False)
    headers = headers_for(caller, (method, rule) in FRESH_CREDENTIAL_ROUTES)
    body = {} if method in {"POST", "PUT", "PATCH"} else None
    response = client.open(path, method=method, headers=headers, json=body)
    response.close()
    return response.status_code


def test_every_route_answers_every_caller_as_the_table_says(app, callers):
    records, headers_for = callers
    table = read_table()
    routes = app_routes(app)
    problems = []
    missing_rows = []
    for method, rule in routes:
        observed = {caller: str(ask(app, records, headers_for, method, rule, caller)) for caller in CALLERS}
        expected = table.get((method, rule))
        if expected is None:
            line = io.StringIO()
            csv.writer(line, lineterminator="").writerow([method, rule, *observed.values()])
            missing_rows.append(line.getvalue())
            continue
        for caller in CALLERS:
            if observed[caller] != expected[caller]:
                problems.append(f"{method} {rule} as {caller}: expected {expected[caller]}, got {observed[caller]}")
    stale = sorted(set(table) - set(routes))
    message = []
    if missing_rows:
        message.append(f"Routes without a row in tests/fixtures/{TABLE.name}. Check each status is what you intend "
                       f"(columns: method,route,{','.join(CALLERS)}) and add:\n  " + "\n  ".join(missing_rows))
    if stale:
        message.append("Rows for routes the app no longer has (remove them): "
                       + ", ".join(f"{method} {rule}" for method, rule in stale))
    if problems:
        message.append("Answers that differ from the table:\n  " + "\n  ".join(problems))
    assert not message, "\n\n".join(message)


def test_the_table_keeps_out_everyone_without_a_live_credential():
    """Read without running the app: no /api/v1 route but the public ones lets a dead credential in."""
    public = {("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/tokens"), ("GET", "/api/v1/openapi.json")}
    for (method, rule), statuses in read_table().items():
        if not rule.startswith("/api/v1/") or (method, rule) in public:
            continue
        for caller in ("anonymous", "expired_session", "revoked_token", "signed_out_cookie", "share_cookie"):
            assert statuses[caller] == "401", f"{method} {rule} lets {caller} in ({statuses[caller]})"
