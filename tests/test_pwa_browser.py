"""The tablet app in real headless Chromium (Debian's package, driven by Playwright).

A gunicorn server runs on the suite's database; each test signs in as a nurse the suite
created. Screenshots at 1024x768 land in tests/artifacts/screenshots/ for a developer to look at.
"""

import copy
import gzip
import json
from pathlib import Path

from tests.conftest import PASSWORD, load_scenario
from tests.pwa import (
    BROWSER_TEST_MARKS,
    MINIMAL_DISCHARGE,
    SCREENSHOTS,
    fill_form,
    indexeddb_dump,
    shot,
    sign_in,
    start_discharge_for_new_patient,
    two_tablets_in_conflict,
    wait_until_saved,
    wait_until_synced,
)

pytestmark = BROWSER_TEST_MARKS


def test_shell_stays_under_150_kb_gzipped(app):
    from handoff.pwa.routes import shell_manifest

    static = Path(app.static_folder)
    _, urls = shell_manifest(app.static_folder, app.template_folder)
    total = 0
    for url in urls:
        if url.startswith("/static/"):
            total += len(gzip.compress((static / url.removeprefix("/static/")).read_bytes()))
    total += len(gzip.compress((Path(app.template_folder) / "pwa" / "shell.html").read_bytes()))
    assert total < 150 * 1024, f"{total / 1024:.1f} KB"


def test_fill_a_discharge_end_to_end_and_sign(tablet, make_user, admin):
    nurse = make_user("nurse", "ana")
    context, page = tablet()
    sign_in(page, "ana")
    shot(page, "01-patients")
    start_discharge_for_new_patient(page, "Endtoend")
    fill_form(page, MINIMAL_DISCHARGE)
    shot(page, "02-discharge-form")
    page.click("#save")
    wait_until_saved(page, 1)
    page.wait_for_selector("#finalize:enabled")
    page.click("#finalize")
    page.wait_for_selector("#amend")  # the signed, read-only view
    wait_until_synced(page)
    handoffs = nurse.get("/api/v1/handoffs?checklist=discharge").get_json()
    assert len(handoffs) == 1
    handoff = handoffs[0]
    assert handoff["status"] == "final"
    assert handoff["data"]["medications"][0]["name"] == "Cefpodoxime"
    assert handoff["data"]["encounter"]["destination"] == "home"
    assert handoff["data"]["checklist"]["transport_arranged"]["state"] == "done"
    shot(page, "03-signed")


def test_offline_edit_survives_a_reload_and_syncs_exactly_once(tablet, make_user):
    nurse = make_user("nurse", "ben")
    context, page = tablet()
    sign_in(page, "ben")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    start_discharge_for_new_patient(page, "Offline")
    fill_form(page, {"encounter": {"unit": "5 North"}})
    page.click("#save")
    wait_until_saved(page, 1)
    handoff_id = nurse.get("/api/v1/handoffs").get_json()[0]["id"]
    assert len(nurse.get(f"/api/v1/handoffs/{handoff_id}/revisions").get_json()) == 1

    context.set_offline(True)
    page.fill('[data-path="encounter.unit"]', "6 West step-down")
    page.click("#save")
    page.wait_for_selector('#sync-status[data-state="waiting"]')
    page.reload()
    page.fill("#unlock-password", PASSWORD)
    page.click("#unlock-submit")
    page.goto(page.url)  # stay on the same draft
    page.wait_for_selector('[data-path="encounter.unit"]')
    assert page.input_value('[data-path="encounter.unit"]') == "6 West step-down"
    shot(page, "04-offline-draft")

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until_saved(page, 2)
    revisions = nurse.get(f"/api/v1/handoffs/{handoff_id}/revisions").get_json()
    assert [r["number"] for r in revisions] == [1, 2]
    latest = nurse.get(f"/api/v1/handoffs/{handoff_id}").get_json()
    assert latest["data"]["encounter"]["unit"] == "6 West step-down"


def test_two_tablets_conflict_and_the_nurse_chooses(tablet, make_user):
    first = make_user("nurse", "cara")
    make_user("nurse", "dev")
    patient = first.post("/api/v1/patients", json={"mrn": "PWA-C", "given_name": "Ida", "family_name": "Conflict",
                                                   "birth_date": "1944-02-02"}).get_json()
    created = first.post("/api/v1/handoffs", json={"patient_id": patient["id"], "checklist": "discharge",
                                                   "data": {"encounter": {"unit": "4 East"}}}).get_json()
    a, b = two_tablets_in_conflict(tablet, ("cara", "dev"), created["id"])
    shot(b, "05-conflict")
    assert "Tablet A unit" in b.inner_text("#conflict") and "Tablet B unit" in b.inner_text("#conflict")
    b.click('#conflict button[data-choose="mine"]')
    wait_until_synced(b)  # from "conflict", so this cannot be the state from before the choice
    revisions = first.get(f"/api/v1/handoffs/{created['id']}/revisions").get_json()
    assert len(revisions) == 3
    assert first.get(f"/api/v1/handoffs/{created['id']}/revisions/2").get_json()["data"]["encounter"]["unit"] \
        == "Tablet A unit"
    assert first.get(f"/api/v1/handoffs/{created['id']}").get_json()["data"]["encounter"]["unit"] == "Tablet B unit"


def test_indexeddb_holds_no_patient_data_in_the_clear_and_logout_empties_it(tablet, make_user):
    make_user("nurse", "eve")
    _, page = tablet()
    sign_in(page, "eve")
    start_discharge_for_new_patient(page, "Zzyzxsecret")
    fill_form(page, {"what_matters": "Wants to see the Quetzalcoatl exhibit"})
    page.click("#save")
    wait_until_saved(page, 1)
    dump = indexeddb_dump(page)
    assert json.loads(dump), "the app keeps its drafts in IndexedDB"
    assert "Zzyzxsecret" not in dump and "Quetzalcoatl" not in dump and "PWA-Zzyzxsecret" not in dump
    page.click("#logout")
    confirm = page.locator("#logout-confirm")
    if confirm.count():
        confirm.click()
    page.wait_for_selector("#login-username")
    after = json.loads(indexeddb_dump(page))
    assert all(not store["rows"] for store in after), after
    cached = page.evaluate("""async () => {
        const found = [];
        for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) found.push(request.url);
        }
        return found;
    }""")
    assert not [url for url in cached if "/api/" in url]


def test_a_shared_tablet_changing_hands_asks_before_deleting_unsent_work(tablet, make_user):
    first = make_user("nurse", "gia")
    make_user("nurse", "hal")
    context, page = tablet()
    sign_in(page, "gia")
    start_discharge_for_new_patient(page, "Handover")
    page.click("#save")
    wait_until_saved(page, 1)
    handoff_id = first.get("/api/v1/handoffs").get_json()[0]["id"]
    context.set_offline(True)  # an edit that cannot be sent yet: one item waits in the outbox
    page.fill('[data-path="encounter.unit"]', "Unsent unit")
    page.click("#save")
    page.wait_for_selector('#sync-status[data-state="waiting"]')
    page.reload()
    page.click("#switch-user")  # "Sign in as someone else" on gia's unlock screen
    context.set_offline(False)
    for choice in ("cancel", "confirm"):
        page.fill("#login-username", "hal")
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#switch-user-title")
        assert page.inner_text("#switch-user-title") == "Delete gia's unsent work?"
        assert "holds 1 unsent item of gia" in page.inner_text("#switch-user-text")
        if choice == "cancel":
            page.click("#switch-user .button-row button:not(#switch-user-confirm)")
            page.wait_for_selector("text=Not signed in. gia's work is still on this tablet.")
            outbox = [store for store in json.loads(indexeddb_dump(page)) if store["store"] == "outbox"]
            assert len(outbox[0]["rows"]) == 1 and "Unsent unit" not in outbox[0]["rows"][0]  # kept, encrypted
        else:
            page.click("#switch-user-confirm")
            page.wait_for_selector("#nav-patients")
    stores = {store["store"]: store["rows"] for store in json.loads(indexeddb_dump(page))}
    assert stores["outbox"] == [] and stores["drafts"] == []  # gia's work is gone, as the dialog said
    assert [r["number"] for r in first.get(f"/api/v1/handoffs/{handoff_id}/revisions").get_json()] == [1]


def test_screens_at_tablet_size(tablet, make_user, make_handoff, nurse):
    discharge = copy.deepcopy(load_scenario("discharge-heart-failure"))
    make_user("nurse", "fay")
    handoff, etag = make_handoff(data=discharge["data"])
    nurse.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": etag})
    _, page = tablet()
    sign_in(page, "fay")
    for name, route, ready in (
        ("06-patient", f"/#/patients/{handoff['patient_id']}", ".handoff-row"),
        ("07-signed-handoff", f"/#/handoffs/{handoff['id']}", "#amend"),
        ("08-history", f"/#/handoffs/{handoff['id']}/history", ".revision-row"),
        ("09-documents", f"/#/handoffs/{handoff['id']}/documents", "#open-patient-summary"),
        ("10-inbox", "/#/inbox", ".inbox-row"),
    ):
        page.goto(route)
        page.wait_for_selector(ready)
        shot(page, name)
    assert len(list(SCREENSHOTS.glob("*.png"))) >= 5


def test_idle_tablet_locks_and_drops_cached_patient_data_but_keeps_drafts(tablet, make_user):
    make_user("nurse", "gil")
    context, page = tablet()
    page.clock.install()
    sign_in(page, "gil")
    start_discharge_for_new_patient(page, "Idlelock")
    fill_form(page, {"encounter": {"unit": "5 North"}})
    page.click("#save")
    wait_until_saved(page, 1)
    page.clock.fast_forward("16:00")
    page.wait_for_selector("#unlock-password")
    stores = {s["store"]: s for s in json.loads(indexeddb_dump(page))}
    assert stores["cache"]["rows"] == []
    assert stores["drafts"]["rows"], "the nurse's own draft stays, encrypted"
    page.fill("#unlock-password", PASSWORD)
    page.click("#unlock-submit")
    page.wait_for_selector("#nav-patients")


def test_new_patient_and_handoff_started_offline_sync_exactly_once(tablet, make_user):
    nurse = make_user("nurse", "hal")
    context, page = tablet()
    sign_in(page, "hal")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.click("#nav-patients")
    page.wait_for_selector("#add-patient")
    context.set_offline(True)
    start_discharge_for_new_patient(page, "Offlinenew")
    fill_form(page, {"encounter": {"unit": "Offline ward"}})
    page.click("#save")
    page.wait_for_selector('#sync-status[data-state="waiting"]')
    assert nurse.get("/api/v1/patients?q=Offlinenew").get_json() == []
    page.click("#nav-outbox")  # unsent items are listed, each with why it waits
    page.wait_for_selector('.outbox-row[data-state="waiting"][data-kind="patient"]')
    assert page.locator('.outbox-row[data-kind="save"]').count() == 1
    page.go_back()
    page.wait_for_selector('[data-path="encounter.unit"]')
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until_saved(page, 1)
    patients = nurse.get("/api/v1/patients?q=Offlinenew").get_json()
    assert len(patients) == 1
    handoffs = nurse.get(f"/api/v1/handoffs?patient_id={patients[0]['id']}").get_json()
    assert len(handoffs) == 1 and handoffs[0]["data"]["encounter"]["unit"] == "Offline ward"
    assert len(nurse.get(f"/api/v1/handoffs/{handoffs[0]['id']}/revisions").get_json()) == 1


def test_form_controls_are_labelled_and_big_enough_to_touch(tablet, make_user):
    make_user("nurse", "ivy")
    _, page = tablet()
    sign_in(page, "ivy")
    start_discharge_for_new_patient(page, "Touch")
    problems = page.evaluate("""() => {
        const found = [];
        for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a[href]')) {
            const box = el.getBoundingClientRect();
            if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
            const radioOrCheck = el.matches('input[type=radio], input[type=checkbox]');
            const target = radioOrCheck && el.closest('label') ? el.closest('label').getBoundingClientRect() : box;
            if (target.height < 44 || target.width < 44) found.push('small: ' + (el.id || el.name || el.textContent));
            if (el.matches('input, select, textarea') && !(el.labels && el.labels.length)
                && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) {
                found.push('unlabelled: ' + (el.id || el.name));
            }
        }
        return found;
    }""")
    assert problems == []


def _damaged_documents(count: int):
    """Scenario data damaged at random places with wrong types, bad dates, unknown keys and blanks."""
    import random

    from tests.json_paths import locations, replaced

    rng = random.Random(20261125)
    junk = [None, "", "   ", 7, -1.5, True, [], {}, "2026-02-30", "2026-11-27T25:00", "x" * 6000, ["morning"],
            {"unexpected": 1}, "not_a_choice", "home", "2026-11-01", [{"name": "A"}]]
    bases = [("discharge", load_scenario("discharge-heart-failure")["data"]),
             ("ipass", load_scenario("ipass-sepsis-watcher")["data"]), ("discharge", {}), ("ipass", {})]
    for _ in range(count):
        key, data = rng.choice(bases)
        for _ in range(rng.randint(0, 3)):
            where = rng.choice(locations(data))
            data = replaced(data, where, rng.choice(junk)) if where else data
        yield key, data


def test_the_form_validates_exactly_as_the_server_does(tablet, make_user, app):
    """validate.js (the tablet) and forms.py (the server) give the same errors for the same data."""
    from handoff.checklists.builtin import load_builtin_definitions
    from handoff.checklists.data_schemas import validate_data

    definitions = {d["key"]: d for d in load_builtin_definitions()}
    cases = [{"key": key, "data": data, "final": final} for key, data in _damaged_documents(150)
             for final in (False, True)]
    _, page = tablet()
    page.goto("/")
    results = page.evaluate("""async ({definitions, cases}) => {
        const { validate } = await import('/static/js/form/validate.js');
        return cases.map((c) => validate(definitions[c.key], c.data, { final: c.final }));
    }""", {"definitions": definitions, "cases": cases})
    mismatches = []
    for case, in_browser in zip(cases, results, strict=True):
        on_server = validate_data(definitions[case["key"]], case["data"], final=case["final"])
        as_set = lambda errors: sorted((e["path"], e["message"]) for e in errors)  # noqa: E731
        if as_set(in_browser) != as_set(on_server):
            mismatches.append((case, as_set(in_browser), as_set(on_server)))
    assert mismatches == []


def test_carry_forward_share_and_acknowledge_from_the_tablet(tablet, make_user, make_patient, make_handoff,
                                                             nurse, ipass_scenario):
    receiver = make_user("nurse", "jo")
    patient = make_patient()
    ipass, etag = make_handoff(patient=patient, checklist="ipass", data=ipass_scenario["data"])
    nurse.post(f"/api/v1/handoffs/{ipass['id']}/finalize", headers={"If-Match": etag})
    discharge, etag = make_handoff(patient=patient)
    nurse.post(f"/api/v1/handoffs/{discharge['id']}/finalize", headers={"If-Match": etag})
    _, page = tablet()
    sign_in(page, "jo")

    page.goto(f"/#/patients/{patient['id']}")
    page.click("#carry-forward")
    page.click("#carry-start")  # the preview of what is carried comes first
    page.wait_for_selector('[data-path="patient_summary.one_liner"]')
    assert page.input_value('[data-path="patient_summary.one_liner"]') == \
        ipass_scenario["data"]["patient_summary"]["one_liner"]
    page.click("#save")
    wait_until_saved(page, 1)
    ipasses = receiver.get(f"/api/v1/handoffs?patient_id={patient['id']}&checklist=ipass").get_json()
    assert len(ipasses) == 2 and "receiver" not in ipasses[0]["data"]

    page.goto(f"/#/handoffs/{discharge['id']}/documents")
    page.click("#share")
    page.wait_for_selector("#share-qr svg")
    assert "/p/" in page.inner_text("#share-url")
    shot(page, "11-share-qr")

    page.goto("/#/inbox")
    page.click(f'.inbox-row[data-handoff-id="{discharge["id"]}"]')
    page.fill("#synthesis", "HF: daily weights, BMP Friday, PCP owns it.")
    page.click("#acknowledge")
    page.wait_for_function(f"""() => !document.querySelector('.inbox-row[data-handoff-id="{discharge["id"]}"]')""")
    acks = receiver.get(f"/api/v1/handoffs/{discharge['id']}").get_json()["acknowledgements"]
    assert [(a["by"], a["synthesis"]) for a in acks] == [("jo", "HF: daily weights, BMP Friday, PCP owns it.")]


def test_history_shows_the_diff_of_any_two_revisions(tablet, make_user, make_handoff, nurse, discharge_scenario):
    make_user("nurse", "kim")
    handoff, etag = make_handoff()
    for unit in ("6 West", "7 East"):
        data = copy.deepcopy(discharge_scenario["data"])
        data["encounter"]["unit"] = unit
        etag = nurse.put(f"/api/v1/handoffs/{handoff['id']}", json={"data": data},
                         headers={"If-Match": etag}).headers["ETag"]
    _, page = tablet()
    sign_in(page, "kim")
    page.goto(f"/#/handoffs/{handoff['id']}/history")
    page.wait_for_selector('.diff-row[data-path="encounter.unit"]')
    assert page.locator(".revision-row").count() == 3
    assert "6 West" in page.inner_text(".diff") and "7 East" in page.inner_text(".diff")
    page.select_option("#diff-from", "1")
    page.wait_for_function("() => document.querySelector('.diff').innerText.includes('5 North')")
    assert "6 West" not in page.inner_text(".diff")  # 1 -> 3 skips the middle value
    shot(page, "12-history-diff")


def test_sign_in_works_from_the_keyboard_alone(tablet, make_user):
    make_user("nurse", "lou")
    _, page = tablet()
    page.goto("/")
    page.wait_for_selector("#login-username")
    page.focus("#login-username")
    page.keyboard.type("lou")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "login-password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#nav-patients")


def test_the_app_speaks_the_browsers_language_and_the_nurse_can_switch(tablet, make_user):
    make_user("nurse", "ana")
    _, page = tablet(locale="es-ES")
    page.goto("/")
    page.wait_for_selector("#login-submit")
    assert page.inner_text("#auth-title") == "Iniciar sesión en Handoff"
    assert page.inner_text("#login-submit") == "Iniciar sesión"
    assert page.inner_text("label[for=login-password]") == "Contraseña"
    assert page.evaluate("document.documentElement.lang") == "es"
    shot(page, "13-sign-in-es")
    page.fill("#login-username", "ana")
    page.select_option("#login-language", "en")  # on the sign-in card; what was typed stays
    page.wait_for_selector("#auth-title:text-is('Sign in to Handoff')")
    assert page.input_value("#login-username") == "ana"
    page.select_option("#login-language", "es")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#add-patient")
    assert page.inner_text("#app h1") == "Pacientes"
    assert page.inner_text("#add-patient") == "+ Añadir paciente"
    assert page.inner_text("#nav-inbox") == "Recibidos"
    assert page.inner_text("#sync-status") == "Todo guardado"
    shot(page, "14-patients-es")

    page.select_option("#chrome-language", "en")  # the chrome's "Language / Idioma" control
    page.wait_for_selector("#add-patient:text-is('+ Add patient')")
    assert page.inner_text("#app h1") == "Patients"
    assert page.inner_text("#nav-inbox") == "Inbox"
    assert page.inner_text("#sync-status") == "All saved"
    assert page.evaluate("document.documentElement.lang") == "en"
    page.reload()  # the nurse's choice outlasts the browser's language
    page.wait_for_selector("#unlock-submit:text-is('Unlock')")
