"""Hospital single sign-on on the tablet, in Debian's Chromium, against a real OpenID Connect provider.

The provider (`oidc-provider-mock`, tests/sso_provider.py) runs on a loopback port; the app is the
production server (gunicorn) configured for it. The nurse taps "Sign in with General Hospital",
authorizes on the provider's own page, comes back signed in, sets a device PIN, and unlocks her
encrypted work with it offline; five wrong PINs delete the local data.
"""

import json

import pytest

from tests.pwa import BROWSER_TEST_MARKS, indexeddb_dump, shot
from tests.sso_provider import provider, set_person, sso_settings

pytestmark = BROWSER_TEST_MARKS

PIN = "480215"


@pytest.fixture(scope="module")
def issuer():
    with provider() as url:
        yield url


@pytest.fixture(scope="module")
def sso_server(database_url, issuer, tmp_path_factory):
    from tests.servers import gunicorn

    log_path = tmp_path_factory.mktemp("sso") / "gunicorn.log"
    settings = {key: str(value) for key, value in sso_settings(issuer).items()}
    with gunicorn(database_url, log_path, extra_env={**settings, "HANDOFF_PRERENDER": "0"}) as base:
        yield base


@pytest.fixture
def sso_tablet(browser, sso_server):
    from tests.pwa import TIMEOUT_MS

    contexts = []

    def open_tablet():
        context = browser.new_context(viewport={"width": 1024, "height": 768}, base_url=sso_server)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context, context.new_page()

    yield open_tablet
    for context in contexts:
        context.close()


def sign_in_at_hospital(page, sub: str) -> None:
    page.goto("/")
    page.click("#sso-sign-in")
    page.get_by_placeholder("sub").fill(sub)  # the provider's own authorization form
    page.get_by_role("button", name="Authorize").click()


def set_pin(page, pin: str = PIN) -> None:
    page.wait_for_selector("#pin-set-form")
    page.fill("#pin-new", pin)
    page.fill("#pin-repeat", pin)
    page.click("#pin-set-submit")


def me(page) -> dict:
    return page.evaluate("fetch('/api/v1/auth/me').then((r) => r.json())")


def test_sign_in_with_the_hospital_set_a_pin_and_unlock_offline_with_it(sso_tablet, issuer):
    set_person(issuer, "00u-amy", preferred_username="amy.chen", name="Amy Chen", roles=["RN"])
    context, page = sso_tablet()
    page.goto("/")
    assert page.inner_text("#sso-sign-in") == "Sign in with General Hospital"
    sign_in_at_hospital(page, "00u-amy")

    page.wait_for_selector("#pin-set-form")
    assert "General Hospital" in page.inner_text("#pin-set-text")
    shot(page, "sso-01-set-pin")
    page.fill("#pin-new", "123456")
    page.fill("#pin-repeat", "123456")
    page.click("#pin-set-submit")
    assert "too easy to guess" in page.inner_text("#pin-set-error")
    page.fill("#pin-new", PIN)
    page.fill("#pin-repeat", "480216")
    page.click("#pin-set-submit")
    assert "not the same" in page.inner_text("#pin-set-error")
    set_pin(page)
    page.wait_for_selector("#nav-patients")
    user = me(page)
    assert (user["username"], user["role"], user["identity_provider"]) == ("amy.chen", "nurse", issuer)

    vault = json.loads(indexeddb_dump(page))
    meta = next(entry for entry in vault if entry["store"] == "meta")
    stored = json.loads(meta["rows"][0])
    assert stored["unlockWith"] == "pin" and stored["pinFailures"] == 0 and stored["iterations"] == 600000
    assert PIN not in indexeddb_dump(page)

    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    context.set_offline(True)
    page.reload()  # offline: the shell comes from the service worker, the key from the PIN
    page.wait_for_selector("#pin-unlock-form")
    assert "amy.chen" in page.inner_text(".auth-card")
    page.fill("#pin", PIN)
    page.click("#pin-unlock-submit")
    page.wait_for_selector("#nav-patients")
    shot(page, "sso-02-unlocked-offline")
    context.set_offline(False)


def test_five_wrong_pins_delete_the_local_data_and_ask_for_an_online_sign_in(sso_tablet, issuer):
    set_person(issuer, "00u-ben", preferred_username="ben.ortiz", roles=["RN"])
    context, page = sso_tablet()
    sign_in_at_hospital(page, "00u-ben")
    set_pin(page)
    page.wait_for_selector("#nav-patients")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#pin-unlock-form")
    for left in (4, 3, 2, 1):
        page.fill("#pin", "111112")
        page.click("#pin-unlock-submit")
        page.wait_for_selector(f'#pin-unlock-error:has-text("{left} more wrong PIN")')
    # A reload does not reset the count: it was stored before each check.
    page.reload()
    page.wait_for_selector("#pin-unlock-form")
    page.fill("#pin", "111112")
    page.click("#pin-unlock-submit")
    page.wait_for_selector("#sso-sign-in")
    assert "Too many wrong PINs" in page.inner_text(".auth-card")
    shot(page, "sso-03-wiped")
    assert all(not entry["rows"] for entry in json.loads(indexeddb_dump(page)))  # drafts, outbox, vault: gone
    # Back online, the session this tablet still held (the sign-out could not reach the server) ends
    # before anything else: reloading does not lead to a new PIN without the hospital's sign-in.
    context.set_offline(False)
    page.reload()
    page.wait_for_selector("#sso-sign-in")
    assert page.evaluate("fetch('/api/v1/auth/session').then((r) => r.status)") == 401
    page.reload()
    page.wait_for_selector("#sso-sign-in")
    sign_in_at_hospital(page, "00u-ben")  # the way back: the hospital's sign-in, then a new PIN
    set_pin(page, "730394")
    page.wait_for_selector("#nav-patients")


def test_a_right_pin_after_wrong_ones_starts_the_count_again(sso_tablet, issuer):
    set_person(issuer, "00u-cy", preferred_username="cy", roles=["MD"])
    context, page = sso_tablet()
    sign_in_at_hospital(page, "00u-cy")
    set_pin(page)
    page.wait_for_selector("#nav-patients")
    page.reload()
    for _ in range(3):
        page.fill("#pin", "111112")
        page.click("#pin-unlock-submit")
        page.wait_for_selector("#pin-unlock-error:has-text('more wrong PIN')")
    page.fill("#pin", PIN)
    page.click("#pin-unlock-submit")
    page.wait_for_selector("#nav-patients")
    stored = json.loads(next(e for e in json.loads(indexeddb_dump(page)) if e["store"] == "meta")["rows"][0])
    assert stored["pinFailures"] == 0


def test_a_person_with_no_handoff_role_sees_a_plain_page(sso_tablet, issuer):
    set_person(issuer, "00u-dee", preferred_username="dee", roles=["Visitor"])
    _, page = sso_tablet()
    sign_in_at_hospital(page, "00u-dee")
    page.wait_for_selector("#sso-message")
    assert "no Handoff role" in page.inner_text("#sso-message")
    assert page.evaluate("fetch('/api/v1/auth/session').then((r) => r.status)") == 401
    shot(page, "sso-04-no-role")


def test_sign_out_ends_both_sessions_and_comes_back_to_handoff(sso_tablet, issuer):
    set_person(issuer, "00u-eve", preferred_username="eve", roles=["RN"])
    _, page = sso_tablet()
    sign_in_at_hospital(page, "00u-eve")
    set_pin(page)
    page.wait_for_selector("#nav-patients")
    page.click("#logout")
    page.wait_for_url(f"{issuer}/oauth2/end_session*")  # the provider's own sign-out page
    page.get_by_role("button", name="End session").click()
    page.wait_for_selector("#sso-sign-in")  # back at Handoff's first screen, nothing of Eve's left
    assert page.evaluate("fetch('/api/v1/auth/session').then((r) => r.status)") == 401
    assert all(not entry["rows"] for entry in json.loads(indexeddb_dump(page)))
