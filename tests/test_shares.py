"""Take-home links: made for signed handoffs only, secret, expiring, revocable, rate-limited, audited."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, update

from handoff.common import utcnow
from handoff.extensions import db
from handoff.shares.models import ShareLink
from handoff.shares.service import GUESS_LIMIT


@pytest.fixture
def signed_handoff(nurse, make_handoff):
    handoff, etag = make_handoff()
    response = nurse.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": etag})
    assert response.status_code == 200
    return response.get_json()


def share(user, handoff_id, **body):
    return user.post(f"/api/v1/handoffs/{handoff_id}/share", json=body)


def token_of(url: str) -> str:
    return url.rsplit("/p/", 1)[1]


def test_only_signed_handoffs_can_be_shared(nurse, make_handoff):
    draft, _ = make_handoff()
    assert share(nurse, draft["id"]).status_code == 409


def test_share_link_is_secret_expiring_and_has_a_qr_code(app, nurse, signed_handoff):
    response = share(nurse, signed_handoff["id"])
    assert response.status_code == 201
    body = response.get_json()
    assert body["url"].startswith(app.config["HANDOFF_PUBLIC_URL"] + "/p/")
    token = token_of(body["url"])
    assert len(token) >= 43  # 256 random bits in URL-safe base64 (at least 128 are required)
    assert body["qr_svg"].lstrip().startswith("<svg") and "</svg>" in body["qr_svg"]
    with app.app_context():
        link = db.session.scalar(select(ShareLink))
        assert token not in (link.token_hash,)
        assert timedelta(days=29) < link.expires_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None) \
            <= timedelta(days=30)
    assert share(nurse, signed_handoff["id"], expires_in_days=400).status_code == 422


def test_opening_the_link_trades_the_token_for_a_cookie_and_a_clean_url(client, nurse, signed_handoff):
    token = token_of(share(nurse, signed_handoff["id"]).get_json()["url"])
    opened = client.get(f"/p/{token}")
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/p/summary")
    assert opened.headers["Referrer-Policy"] == "no-referrer" and opened.headers["Cache-Control"] == "no-store"
    cookie = opened.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and token not in cookie
    page = client.get("/p/summary")
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "large-print" in html and "Your plan after the hospital" in html
    pdf = client.get(f"/p/{token}.pdf", follow_redirects=True)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_unknown_revoked_and_expired_links_are_404(app, client, nurse, signed_handoff):
    assert client.get("/p/" + "x" * 43).status_code == 404
    revoked = share(nurse, signed_handoff["id"]).get_json()
    assert nurse.delete(f"/api/v1/shares/{revoked['id']}").status_code == 204
    assert client.get(f"/p/{token_of(revoked['url'])}").status_code == 404
    expired = share(nurse, signed_handoff["id"]).get_json()
    with app.app_context():
        db.session.execute(update(ShareLink).where(ShareLink.id == expired["id"])
                           .values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert client.get(f"/p/{token_of(expired['url'])}").status_code == 404
    assert client.get("/p/summary").status_code == 404  # no cookie


def test_revoking_also_ends_an_open_session(client, nurse, signed_handoff):
    link = share(nurse, signed_handoff["id"]).get_json()
    client.get(f"/p/{token_of(link['url'])}")
    assert client.get("/p/summary").status_code == 200
    nurse.delete(f"/api/v1/shares/{link['id']}")
    assert client.get("/p/summary").status_code == 404


def test_guessing_is_rate_limited_across_workers(app, make_app, nurse, signed_handoff):
    other_worker = make_app()
    good = token_of(share(nurse, signed_handoff["id"]).get_json()["url"])
    clients = [app.test_client(), other_worker.test_client()]
    for attempt in range(GUESS_LIMIT):
        assert clients[attempt % 2].get(f"/p/guess{attempt:040d}").status_code == 404
    limited = clients[0].get(f"/p/{good}")
    assert limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 650  # 10 min + a slice
    assert clients[1].get(f"/p/{good}").status_code == 429


def test_every_view_of_a_shared_summary_is_audited(client, nurse, admin, signed_handoff):
    token = token_of(share(nurse, signed_handoff["id"]).get_json()["url"])
    client.get(f"/p/{token}")
    client.get("/p/summary")
    client.get("/p/" + "y" * 43)
    actions = [e["action"] for e in admin.get("/api/v1/audit?per_page=200").get_json()]
    assert {"share.create", "share.open", "share.view", "share.denied"} <= set(actions)


class _CountingHandler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        type(self).hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_handoff_full_of_remote_and_file_links_makes_no_request(nurse, make_handoff, discharge_scenario):
    import copy

    server = ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    _CountingHandler.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        hostile = (f'<img src="http://127.0.0.1:{port}/a.png"><link rel=stylesheet href="http://127.0.0.1:{port}/s.css">'
                   f'<img src="file:///etc/passwd"><style>@import url(http://127.0.0.1:{port}/i.css)</style>')
        data = copy.deepcopy(discharge_scenario["data"])
        data["what_matters"] = hostile
        data["medications"][0]["purpose"] = hostile
        data["hospital_course"] = hostile
        handoff, _ = make_handoff(data=data)
        for path in ("documents/patient-summary.pdf", "documents/clinician.pdf", "documents/patient-summary.html"):
            assert nurse.get(f"/api/v1/handoffs/{handoff['id']}/{path}").status_code == 200
    finally:
        server.shutdown()
        server.server_close()
    assert _CountingHandler.hits == []
