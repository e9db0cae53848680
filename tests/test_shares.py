"""Take-home links: made for signed handoffs only, secret, expiring, revocable (by any staff), rate-limited,
audited; the token travels in the URL fragment; a link shows the newest signed revision."""

import copy
import io
import os
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from handoff.common import utcnow
from handoff.extensions import db
from handoff.shares.models import ShareLink
from handoff.shares.service import GUESS_LIMIT, qr_svg
from tests.pwa import CHROMIUM, TIMEOUT_MS


@pytest.fixture
def signed_handoff(nurse, make_handoff):
    handoff, etag = make_handoff()
    response = nurse.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": etag})
    assert response.status_code == 200
    return response.get_json()


def share(user, handoff_id, **body):
    return user.post(f"/api/v1/handoffs/{handoff_id}/share", json=body)


def token_of(url: str) -> str:
    """The token of a link as handed out, `.../p/#TOKEN`."""
    return url.rsplit("/p/#", 1)[1]


def test_only_signed_handoffs_can_be_shared(nurse, make_handoff):
    draft, _ = make_handoff()
    assert share(nurse, draft["id"]).status_code == 409


def test_share_link_is_secret_expiring_and_has_a_qr_code(app, nurse, signed_handoff):
    response = share(nurse, signed_handoff["id"])
    assert response.status_code == 201
    body = response.get_json()
    # The token is in the fragment, which browsers never send: no access or proxy log sees it.
    assert body["url"].startswith(app.config["HANDOFF_PUBLIC_URL"] + "/p/#")
    token = token_of(body["url"])
    assert len(token) >= 43  # 256 random bits in URL-safe base64 (at least 128 are required)
    assert body["qr_svg"].lstrip().startswith("<svg") and "</svg>" in body["qr_svg"]
    with app.app_context():
        assert body["qr_svg"] == qr_svg(body["url"])  # the QR code is of the fragment form
        link = db.session.scalar(select(ShareLink))
        assert token not in (link.token_hash,)
        assert timedelta(days=29) < link.expires_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None) \
            <= timedelta(days=30)
    assert share(nurse, signed_handoff["id"], expires_in_days=400).status_code == 422


def test_the_link_page_posts_the_fragment_token_and_opens_the_summary_at_a_clean_url(client, nurse, signed_handoff):
    token = token_of(share(nurse, signed_handoff["id"]).get_json()["url"])
    page = client.get("/p/")
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    html = page.get_data(as_text=True)
    assert '<script type="module" src="/static/js/share-open.js"></script>' in html
    assert html.count("<script") == 1  # no inline script (CSP)
    assert '<form id="open-link" method="post" action="/p/open" hidden>' in html
    with client.get("/static/js/share-open.js") as script:
        assert script.status_code == 200
    opened = client.post("/p/open", data={"token": token, "as": "page"})
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/p/summary")
    assert "HttpOnly" in opened.headers["Set-Cookie"] and token not in opened.headers["Set-Cookie"]
    assert opened.headers["Cache-Control"] == "no-store"
    summary = client.get("/p/summary")
    assert summary.status_code == 200 and "Your plan after the hospital" in summary.get_data(as_text=True)
    as_pdf = client.post("/p/open", data={"token": token, "as": "pdf"})
    assert as_pdf.status_code == 303 and as_pdf.headers["Location"].endswith("/p/summary.pdf")
    assert client.post("/p/open", data={"token": token[::-1]}).status_code == 404
    assert client.post("/p/open", data={}).status_code == 404
    # Another site cannot plant its own link's cookie in this browser.
    assert client.post("/p/open", data={"token": token}, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                    reason="Debian chromium is not installed here (.ci/run installs it)")
def test_a_phone_opens_the_link_and_its_token_reaches_the_server_only_in_a_post_body(browser, live_server, nurse,
                                                                                    signed_handoff):
    token = token_of(share(nurse, signed_handoff["id"]).get_json()["url"])
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        sent = []
        page.on("request", lambda request: sent.append((request.method, request.url, request.post_data or "")))
        page.goto(f"/p/#{token}")
        page.wait_for_url(f"{live_server}/p/summary")
        assert "Your plan after the hospital" in page.inner_text("h1")
        assert [(method, url) for method, url, body in sent if token in body] == [("POST", f"{live_server}/p/open")]
        assert [url for _, url, _ in sent if token in url] == []  # never in a URL a server or proxy logs
        page.go_back()  # the history entry before the summary no longer holds the token
        assert token not in page.url
    finally:
        context.close()


def test_the_link_page_is_in_the_phones_language_with_the_other_one_after(client):
    html = client.get("/p/", headers={"Accept-Language": "es-MX,es;q=0.9"}).get_data(as_text=True)
    assert '<html lang="es">' in html and html.index("Abriendo su plan") < html.index("Opening your plan")
    assert '<section lang="en">' in html


def test_the_older_form_of_the_link_still_opens(client, nurse, signed_handoff):
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


@pytest.mark.parametrize("role", ["nurse", "physician", "admin"])
def test_any_staff_member_can_revoke_any_link_and_it_is_audited(client, make_user, nurse, admin, signed_handoff,
                                                                 role):
    link = share(nurse, signed_handoff["id"]).get_json()
    someone = make_user(role)  # not the nurse who made the link
    assert someone.delete(f"/api/v1/shares/{link['id']}").status_code == 204
    assert client.get(f"/p/{token_of(link['url'])}").status_code == 404
    events = admin.get("/api/v1/audit?action=share.revoke").get_json()
    revoked = [e for e in events if e["record_id"] == str(link["id"])]
    assert [e["username"] for e in revoked] == [someone.username]
    assert client.delete(f"/api/v1/shares/{link['id']}").status_code == 401
    assert someone.delete("/api/v1/shares/999999").status_code == 404


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


def amend_and_sign(user, handoff: dict, etag: str, dose: str) -> dict:
    data = copy.deepcopy(handoff["data"])
    data["medications"][0]["dose"] = dose
    amended = user.put(f"/api/v1/handoffs/{handoff['id']}", headers={"If-Match": etag},
                       json={"data": data, "reason": "Dose lowered after the last lab"})
    assert amended.status_code == 200, amended.get_json()
    signed = user.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": amended.headers["ETag"]})
    assert signed.status_code == 200, signed.get_json()
    return signed.get_json()


@pytest.mark.parametrize("lang, notice", [("en", "This plan was updated"), ("es", "Este plan fue actualizado")])
def test_an_amended_handoff_shows_its_newest_signed_revision_and_says_so(client, nurse, admin, make_handoff,
                                                                         make_patient, lang, notice):
    handoff, etag = make_handoff(patient=make_patient(preferred_language=lang))
    old_dose = handoff["data"]["medications"][0]["dose"]
    signed = nurse.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": etag})
    token = token_of(share(nurse, handoff["id"]).get_json()["url"])
    assert client.post("/p/open", data={"token": token}).status_code == 303
    first = client.get("/p/summary").get_data(as_text=True)
    assert old_dose in first and notice not in first

    # Amended (a draft): the newest signed revision is still the first, and nothing says otherwise.
    amended = nurse.put(f"/api/v1/handoffs/{handoff['id']}", headers={"If-Match": signed.headers["ETag"]},
                        json={"data": handoff["data"], "reason": "Checking the dose"})
    assert amended.status_code == 200
    assert notice not in client.get("/p/summary").get_data(as_text=True)
    # Signed again with another dose: the same link shows it, and says the plan was updated.
    amend_and_sign(nurse, amended.get_json(), amended.headers["ETag"], "77 mg")
    page = client.get("/p/summary").get_data(as_text=True)
    assert "77 mg" in page and old_dose not in page and notice in page
    assert page.index(notice) < page.index("77 mg")  # before the plan, not after it
    assert client.get("/p/summary.pdf").status_code == 200
    views = admin.get(f"/api/v1/audit?action=share.view&handoff_id={handoff['id']}").get_json()
    assert [e["detail"]["revision"] for e in views] == [1, 1, 3, 3]  # oldest first: which revision was shown


def pdf_text(body: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())


@pytest.mark.parametrize("lang, heading, sentence", [
    ("en", "This plan was updated", "Your care team changed your plan after this link was made."),
    ("es", "Este plan fue actualizado", "Su equipo de salud cambió su plan después de crear este enlace."),
])
def test_the_pdf_of_an_amended_link_says_the_plan_was_updated(app, nurse, make_handoff, make_patient, lang, heading,
                                                              sentence):
    notice = f"{heading} {sentence}"
    handoff, etag = make_handoff(patient=make_patient(preferred_language=lang))
    signed = nurse.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": etag})
    early, late = app.test_client(), app.test_client()
    early_token = token_of(share(nurse, handoff["id"]).get_json()["url"])
    opened = early.post("/p/open", data={"token": early_token, "as": "pdf"})
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/p/summary.pdf")
    before = pdf_text(early.get("/p/summary.pdf").data)
    assert heading not in before and sentence not in before  # signed once: nothing to say

    amend_and_sign(nurse, signed.get_json(), signed.headers["ETag"], "77 mg")
    after = pdf_text(early.get("/p/summary.pdf").data)
    assert notice in after and "77 mg" in after
    assert after.index(notice) < after.index("77 mg")  # before the plan, on the first page

    # The same revision from the clinician's route and from a link made after the amendment: no notice. The link's
    # PDF was cached first, under its own key; neither of these is served that copy.
    staff = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.pdf?large=true")
    assert staff.status_code == 200 and heading not in pdf_text(staff.data) and "77 mg" in pdf_text(staff.data)
    late.post("/p/open", data={"token": token_of(share(nurse, handoff["id"]).get_json()["url"]), "as": "pdf"})
    fresh = pdf_text(late.get("/p/summary.pdf").data)
    assert "77 mg" in fresh and heading not in fresh
    assert notice in pdf_text(early.get("/p/summary.pdf").data)  # and the first link's cached copy still says it


class _CountingHandler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        type(self).hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_handoff_full_of_remote_and_file_links_makes_no_request(nurse, make_handoff, discharge_scenario):
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
