"""Guessing is limited the way NIST SP 800-63B §5.2.2 asks (issue 11, point 4): per address, per
name and address with a growing delay, at most 100 failures an hour per name; the client's
address is read behind trusted proxies only; every 429 says when to try again.

The clock of the limits is moved, never waited for: delays are read from `Retry-After`.
"""

import pytest

from handoff import ratelimit
from handoff.extensions import db
from handoff.ratelimit import SignInPolicy
from tests.conftest import PASSWORD

START = 1_800_000_000  # a multiple of every slice below, so the expected waits are exact
ATTACKER = "203.0.113.9"
WORKSTATION = "192.0.2.10"
PROXY = "10.0.0.2"


class Clock:
    def __init__(self):
        self.time = START

    def advance(self, seconds: int) -> None:
        self.time += seconds


@pytest.fixture
def clock(monkeypatch):
    moved = Clock()
    monkeypatch.setattr(ratelimit, "now", lambda: moved.time)
    return moved


@pytest.fixture
def from_address(app):
    """A browser whose TCP peer is `address` (the test client's REMOTE_ADDR)."""

    def make(address: str):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return client

    return make


@pytest.fixture
def trusted(app, monkeypatch):
    def trust(setting: str) -> None:
        monkeypatch.setitem(app.config, "HANDOFF_TRUSTED_PROXIES", setting)

    return trust


def login(client, username, password=PASSWORD, headers=None):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password},
                       headers=headers or {})


def retry_after(response) -> int:
    assert response.status_code == 429, response.get_data(as_text=True)
    return int(response.headers["Retry-After"])


def test_the_defaults_are_the_ones_the_design_names():
    policy = SignInPolicy()
    assert (policy.free, policy.max_delay) == (5, 900)
    assert (policy.address_limit, policy.address_window) == (50, 900)
    assert (policy.account_limit, policy.account_window) == (100, 3600)  # NIST SP 800-63B §5.2.2
    assert [policy.delay_after(n) for n in range(4, 10)] == [0, 1, 2, 4, 8, 16]
    assert policy.delay_after(15) == 900 and policy.delay_after(10_000) == 900


def test_one_address_trying_a_password_on_every_account_is_stopped(app, clock, from_address, nurse, monkeypatch):
    monkeypatch.setitem(app.config, "HANDOFF_LOGIN_ADDRESS_LIMIT", 6)
    attacker = from_address(ATTACKER)
    for name in ("nurse", "physician1", "admin", "nobody", "rn.lee", "md.kim"):
        assert login(attacker, name, "Winter2026!").status_code == 401
    assert retry_after(login(attacker, "someone-new", "Winter2026!")) == 900 + 75  # the window and a slice
    assert retry_after(login(attacker, "nurse")) == 975  # the right password too: no oracle
    assert login(from_address("198.51.100.7"), "someone-new", "Winter2026!").status_code == 401
    assert login(from_address(WORKSTATION), "nurse").status_code == 200
    clock.advance(975)
    assert login(attacker, "someone-new", "Winter2026!").status_code == 401


def test_one_name_from_one_address_waits_longer_after_each_failure(clock, from_address, nurse):
    attacker = from_address(ATTACKER)
    for _ in range(5):
        assert login(attacker, "nurse", "guess").status_code == 401
    waits = []
    for _ in range(5):
        limited = login(attacker, "nurse")  # the right password waits like a wrong one
        waits.append(retry_after(limited))
        assert limited.get_json()["message"] == ratelimit.SIGN_IN_REFUSED
        clock.advance(waits[-1] - 1)
        assert login(attacker, "nurse", "guess").status_code == 429  # one second early
        clock.advance(1)
        assert login(attacker, "nurse", "guess").status_code == 401
    assert waits == [1, 2, 4, 8, 16]


def test_a_success_clears_the_delay_of_that_name_at_that_address(clock, from_address, nurse):
    workstation = from_address(WORKSTATION)
    for _ in range(6):
        login(workstation, "nurse", "typo")
    clock.advance(retry_after(login(workstation, "nurse")))
    assert login(workstation, "nurse").status_code == 200
    for _ in range(5):  # the five free failures are free again
        assert login(workstation, "nurse", "typo").status_code == 401
    assert retry_after(login(workstation, "nurse")) == 1


def test_the_nurse_signs_in_at_her_workstation_while_an_attacker_is_limited(clock, from_address, nurse):
    attacker = from_address(ATTACKER)
    for _ in range(12):
        login(attacker, "nurse", "guess")
        clock.advance(1)
    assert retry_after(login(attacker, "nurse")) > 1
    assert login(from_address(WORKSTATION), "nurse").status_code == 200
    assert login(from_address(WORKSTATION), "nurse", "typo").status_code == 401  # her own count starts at 0
    assert login(from_address(WORKSTATION), "nurse").status_code == 200


def test_unknown_names_are_answered_and_limited_like_real_ones(clock, from_address, nurse):
    def statuses(name: str, address: str) -> list:
        client = from_address(address)
        answers = [login(client, name, "guess") for _ in range(7)]
        return [(a.status_code, a.headers.get("Retry-After"), a.get_json()["message"]) for a in answers]

    existing = statuses("nurse", ATTACKER)
    assert existing == statuses("no-such-user", "203.0.113.10")
    assert existing[0] == (401, None, "Wrong username or password.") and existing[-1][0] == 429


def test_at_most_100_failures_an_hour_per_account_with_the_real_defaults(app, clock, from_address, nurse):
    """Spread over 50 addresses (two guesses each, never slowed), the 100th failure closes the account."""
    with app.app_context():
        for number in range(99):
            ratelimit.sign_in_failed("nurse", f"198.51.100.{number // 2}")
        db.session.commit()
    assert login(from_address("198.51.100.99"), "nurse", "guess").status_code == 401  # the 100th
    # NIST's backstop: now even the nurse at her workstation waits, with the right password
    # (it is checked only once the wait is over, so it tells a guesser nothing).
    assert retry_after(login(from_address(WORKSTATION), "nurse")) == 3600 + 300  # the hour and a slice
    assert retry_after(login(from_address(WORKSTATION), "NURSE")) == 3900  # names count without case
    assert login(from_address(WORKSTATION), "physician1", "guess").status_code == 401  # other names unaffected
    clock.advance(3899)
    assert login(from_address(WORKSTATION), "nurse").status_code == 429
    clock.advance(1)
    assert login(from_address(WORKSTATION), "nurse").status_code == 200


def test_the_account_cap_holds_over_any_moving_hour_not_per_clock_hour(app, clock, from_address, nurse,
                                                                        monkeypatch):
    monkeypatch.setitem(app.config, "HANDOFF_LOGIN_ACCOUNT_LIMIT", 4)
    clock.advance(3600 - 300)  # the last slice of an hour
    for number in range(4):
        assert login(from_address(f"198.51.100.{number}"), "nurse", "guess").status_code == 401
    clock.advance(300)  # a new clock hour: a fixed window would allow four more at once
    assert retry_after(login(from_address("198.51.100.50"), "nurse", "guess")) == 3600
    clock.advance(3600)
    assert login(from_address("198.51.100.50"), "nurse", "guess").status_code == 401


def test_forwarded_for_is_ignored_from_a_peer_that_is_not_a_trusted_proxy(app, clock, from_address, nurse,
                                                                           trusted, monkeypatch):
    monkeypatch.setitem(app.config, "HANDOFF_LOGIN_ADDRESS_LIMIT", 3)
    trusted(PROXY)
    attacker = from_address(ATTACKER)
    for number in range(3):  # a new made-up address each time does not start a new count
        response = login(attacker, f"user{number}", "guess", headers={"X-Forwarded-For": f"192.0.2.{number}"})
        assert response.status_code == 401
    assert retry_after(login(attacker, "user9", "guess", headers={"X-Forwarded-For": "192.0.2.200"})) > 0


def test_forwarded_for_is_walked_from_the_right_past_trusted_proxies_only(app, from_address, trusted):
    from handoff.http import client_addr

    def seen(peer: str, *forwarded: str) -> str:
        with app.test_request_context(environ_base={"REMOTE_ADDR": peer},
                                      headers=[("X-Forwarded-For", value) for value in forwarded]):
            return client_addr()

    assert seen(PROXY, "198.51.100.4") == PROXY  # no proxy trusted by default
    trusted("10.0.0.0/8, 192.0.2.1")
    assert seen(PROXY, "198.51.100.4") == "198.51.100.4"
    assert seen(PROXY, "6.6.6.6, 198.51.100.4") == "198.51.100.4"  # the client wrote the left part
    assert seen(PROXY, "6.6.6.6, 198.51.100.4, 192.0.2.1") == "198.51.100.4"  # two proxies
    assert seen(PROXY, "6.6.6.6", "198.51.100.4:5123, 10.1.2.3") == "198.51.100.4"  # two headers, a port
    assert seen(PROXY, "[2001:db8::7]:443") == "2001:db8::7"
    assert seen(PROXY, "not-an-address") == PROXY
    assert seen(PROXY) == PROXY
    assert seen("198.51.100.4", "10.0.0.9") == "198.51.100.4"  # a client is not a proxy
    trusted("::ffff:10.0.0.2")
    assert seen("::ffff:10.0.0.2", "198.51.100.4") == "198.51.100.4"


def test_a_bad_trusted_proxies_setting_is_refused_with_its_name(app, trusted):
    from handoff.http import client_addr

    trusted("10.0.0.2, proxy.internal")
    with app.test_request_context(environ_base={"REMOTE_ADDR": PROXY}), pytest.raises(ValueError) as refused:
        client_addr()
    assert "HANDOFF_TRUSTED_PROXIES" in str(refused.value) and "proxy.internal" in str(refused.value)


def test_sign_in_limits_count_the_real_client_behind_a_trusted_proxy(clock, from_address, nurse, trusted):
    trusted(PROXY)
    proxy = from_address(PROXY)
    for _ in range(5):
        login(proxy, "nurse", "guess", headers={"X-Forwarded-For": ATTACKER})
    assert retry_after(login(proxy, "nurse", headers={"X-Forwarded-For": ATTACKER})) == 1
    assert login(proxy, "nurse", headers={"X-Forwarded-For": WORKSTATION}).status_code == 200


# --- take-home links ---------------------------------------------------------------------------

@pytest.fixture
def spanish_link(nurse, make_handoff, make_patient):
    handoff, etag = make_handoff(patient=make_patient(preferred_language="es"))
    assert nurse.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": etag}).status_code == 200
    url = nurse.post(f"/api/v1/handoffs/{handoff['id']}/share", json={}).get_json()["url"]
    return url.rsplit("/p/#", 1)[1]  # the token of the link handed out, in its fragment


def guess(number: int) -> str:
    return f"/p/guess{number:040d}"


def test_share_guesses_count_per_patient_behind_a_trusted_proxy(clock, from_address, trusted, spanish_link):
    from handoff.shares.service import GUESS_LIMIT

    trusted(PROXY)
    proxy = from_address(PROXY)  # every patient arrives through the README's reverse proxy
    for number in range(GUESS_LIMIT):
        assert proxy.get(guess(number), headers={"X-Forwarded-For": ATTACKER}).status_code == 404
    assert proxy.get(f"/p/{spanish_link}", headers={"X-Forwarded-For": ATTACKER}).status_code == 429
    opened = proxy.get(f"/p/{spanish_link}", headers={"X-Forwarded-For": "198.51.100.20"})
    assert opened.status_code == 303  # another patient's valid link still opens


def test_share_guesses_from_an_untrusted_peer_cannot_pick_their_address(clock, from_address, spanish_link):
    from handoff.shares.service import GUESS_LIMIT

    guesser = from_address(ATTACKER)
    for number in range(GUESS_LIMIT):
        assert guesser.get(guess(number), headers={"X-Forwarded-For": f"198.51.100.{number}"}).status_code == 404
    assert guesser.get(f"/p/{spanish_link}", headers={"X-Forwarded-For": "198.51.100.99"}).status_code == 429


def test_the_patients_429_page_is_in_their_language_private_and_says_when(clock, from_address, spanish_link):
    from handoff.shares.service import GUESS_LIMIT

    phone = from_address(ATTACKER)
    for number in range(GUESS_LIMIT):
        phone.get(guess(number))
    limited = phone.get(f"/p/{spanish_link}", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert limited.status_code == 429 and limited.mimetype == "text/html"
    assert int(limited.headers["Retry-After"]) == 600 + 50  # the window and a slice
    assert limited.headers["Cache-Control"] == "no-store"
    assert limited.headers["Referrer-Policy"] == "no-referrer" and limited.headers["X-Robots-Tag"] == "noindex"
    html = limited.get_data(as_text=True)
    assert '<html lang="es">' in html and html.index("Demasiados intentos") < html.index("Too many tries")
    assert '<section lang="en">' in html  # the other shipped language follows, marked as such

    english = from_address(ATTACKER).get(f"/p/{spanish_link}", headers={"Accept-Language": "en-US"})
    assert english.status_code == 429 and '<html lang="en">' in english.get_data(as_text=True)
    unknown = from_address(ATTACKER).get(guess(99), headers={"Accept-Language": "vi"})
    assert '<html lang="en">' in unknown.get_data(as_text=True)  # no shipped match: English, then Spanish
    assert "Demasiados intentos" in unknown.get_data(as_text=True)


def test_the_429_page_speaks_the_language_of_the_patient_whose_link_this_phone_opened(
        clock, from_address, spanish_link):
    from handoff.shares.service import GUESS_LIMIT

    phone = from_address(ATTACKER)
    assert phone.get(f"/p/{spanish_link}").status_code == 303  # the share cookie names the patient
    for number in range(GUESS_LIMIT):
        phone.get(guess(number))
    limited = phone.get(f"/p/{spanish_link}", headers={"Accept-Language": "en-US"})
    assert retry_after(limited) > 0 and '<html lang="es">' in limited.get_data(as_text=True)


def test_every_429_carries_retry_after(app, clock, from_address, nurse, spanish_link, monkeypatch):
    monkeypatch.setitem(app.config, "HANDOFF_LOGIN_ADDRESS_LIMIT", 2)
    client = from_address(ATTACKER)
    for _ in range(2):
        client.post("/api/v1/auth/tokens", json={"username": "nurse", "password": "guess"})
    from handoff.shares.service import GUESS_LIMIT

    for number in range(GUESS_LIMIT):
        client.get(guess(number))
    answers = [login(client, "nurse"), client.post("/api/v1/auth/tokens", json={"username": "nurse",
                                                                                 "password": PASSWORD}),
               client.get(f"/p/{spanish_link}"), client.get(f"/p/{spanish_link}.pdf")]
    assert [answer.status_code for answer in answers] == [429] * 4
    assert all(int(answer.headers["Retry-After"]) > 0 for answer in answers)
    assert answers[0].get_json()["code"] == 429


def test_failures_of_a_name_at_an_address_are_forgotten_after_a_day(clock, from_address, nurse):
    attacker = from_address(ATTACKER)
    for _ in range(7):
        clock.advance(20)  # longer than each delay: all seven are checked
        assert login(attacker, "nurse", "guess").status_code == 401
    assert retry_after(login(attacker, "nurse")) == 4
    clock.advance(24 * 3600 - 100)  # the first failure is a day old now, the other six are not
    assert login(attacker, "nurse", "guess").status_code == 401
    assert retry_after(login(attacker, "nurse")) == 4  # 7 remembered, not 8
    clock.advance(24 * 3600 + 1)
    for _ in range(5):
        assert login(attacker, "nurse", "guess").status_code == 401


def test_a_mistyped_trusted_proxy_list_stops_start_up_naming_the_entry():
    from handoff import create_app

    with pytest.raises(RuntimeError, match="HANDOFF_TRUSTED_PROXIES: 'proxy.example' is not an IP address"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "HANDOFF_TRUSTED_PROXIES": "10.0.0.0/8, proxy.example"})
    assert create_app({"TESTING": True, "SECRET_KEY": "x", "HANDOFF_TRUSTED_PROXIES": "10.0.0.0/8"}) \
        .config["HANDOFF_TRUSTED_PROXIES"] == "10.0.0.0/8"
