"""The patient list and carrying an I-PASS forward on the tablet (issue 9, points 5 and 7): each
patient's unit and bed and the latest handoff's kind, status and severity in words (online and from
the copy kept offline); carry forward shows what comes along and leaves done items behind, and the
new draft says what it carried (kept on the tablet only) until the nurse dismisses it."""

import copy

from tests.conftest import PASSWORD, load_scenario
from tests.pwa import BROWSER_TEST_MARKS, shot, sign_in, wait_until_synced

pytestmark = BROWSER_TEST_MARKS


def new_patient(client, family, **place):
    response = client.post("/api/v1/patients", json={
        "mrn": f"PL-{family}", "given_name": "Rosa", "family_name": family, "birth_date": "1950-05-17", **place})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def start(client, patient, checklist="ipass", sign=False, **changes):
    if checklist == "ipass":
        data = copy.deepcopy(load_scenario("ipass-sepsis-watcher")["data"])
    else:
        data = copy.deepcopy(load_scenario("discharge-heart-failure")["data"])
    data.update(changes)
    created = client.post("/api/v1/handoffs", json={"patient_id": patient["id"], "checklist": checklist, "data": data})
    assert created.status_code == 201, created.get_json()
    handoff, etag = created.get_json(), created.headers["ETag"]
    if sign:
        signed = client.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": etag})
        assert signed.status_code == 200, signed.get_json()
        handoff = signed.get_json()
    return handoff


def row(page, patient):
    return page.locator(f'.patient-row[data-patient-id="{patient["id"]}"]')


def test_the_list_shows_unit_bed_and_the_latest_handoffs_kind_status_and_severity(tablet, make_user):
    giver = make_user("nurse", "gia")
    doctor = make_user("physician", "doc")
    make_user("nurse", "rex")
    received = new_patient(giver, "Aaron", unit="5 North", bed="3")
    ipass = start(giver, received, sign=True, illness_severity="unstable")
    assert doctor.post(f"/api/v1/handoffs/{ipass['id']}/acknowledge",
                       json={"revision": ipass["revision"], "synthesis": "Got it"}).status_code == 201
    waiting = new_patient(giver, "Baker", unit="5 North", bed="4")
    start(giver, waiting, sign=True, illness_severity="stable")
    drafted = new_patient(giver, "Carter", unit="ICU")
    start(giver, drafted, illness_severity="watcher")
    discharged = new_patient(giver, "Dawson", bed="9")
    start(giver, discharged, checklist="discharge")
    nothing = new_patient(giver, "Evans")

    context, page = tablet()
    sign_in(page, "rex")
    page.wait_for_selector(".patient-row .patient-latest")

    def latest(patient):
        line = row(page, patient).locator(".patient-latest")
        return line.get_attribute("data-checklist"), line.get_attribute("data-status"), line.inner_text()

    kind, status, text = latest(received)
    assert (kind, status) == ("ipass", "received")
    assert "I-PASS" in text and "Unstable" in text and "Received" in text
    assert "5 North, bed 3" in row(page, received).inner_text()
    kind, status, text = latest(waiting)
    assert status == "signed" and "Stable" in text and "Signed, not yet received" in text
    kind, status, text = latest(drafted)
    assert status == "draft" and "Watcher" in text and "Draft" in text
    assert "Unit ICU" in row(page, drafted).inner_text()
    kind, status, text = latest(discharged)
    assert (kind, status) == ("discharge", "draft")
    assert "Discharge" in text and "severity" not in text.lower()
    assert "Bed 9" in row(page, discharged).inner_text()
    assert row(page, nothing).locator(".patient-latest").count() == 0
    shot(page, "patients-01-tablet")

    # Offline, the list as last seen still says all of it.
    context.set_offline(True)
    page.click("#nav-board")
    page.click("#nav-patients")
    page.wait_for_selector(".list-status:has-text('Offline')")
    assert row(page, received).locator('.patient-latest[data-status="received"]').count() == 1
    assert "Unstable" in row(page, received).inner_text()
    context.set_offline(False)

    # In Spanish.
    page.select_option("#chrome-language", "es")
    page.wait_for_selector(".patient-latest:has-text('Último traspaso')")
    text = row(page, received).inner_text()
    assert "Inestable" in text and "5 North, cama 3" in text
    shot(page, "patients-02-tablet-es")


def test_carry_forward_shows_what_it_brings_and_leaves_done_items_behind(tablet, make_user):
    giver = make_user("nurse", "gia")
    receiver = make_user("nurse", "rex")
    patient = new_patient(giver, "Forward", unit="5 North", bed="7")
    actions = [
        {"task": "Recheck lactate at 22:00", "owner": "Night RN", "due": "2026-11-23T22:00", "done": False},
        {"task": "Blood cultures drawn", "done": True},
        {"task": "Call the family", "done": False},
        {"task": "Give 2 L LR", "done": True},
        {"task": "PT evaluation", "done": False},
    ]
    last = start(giver, patient, sign=True, action_list=actions)

    context, page = tablet()
    sign_in(page, "rex")
    page.goto(f"/#/patients/{patient['id']}")
    page.click("#carry-forward")
    page.wait_for_selector("#carry-preview:not([hidden])")
    preview = page.inner_text("#carry-preview")
    assert "Carried from the I-PASS signed by gia on" in preview
    assert page.inner_text('#carry-preview li[data-carry="open"]').startswith("3 open action items")
    assert "2 contingency plans" in page.inner_text('#carry-preview li[data-carry="contingencies"]')
    done = page.inner_text('#carry-preview li[data-carry="done"]')
    assert done.startswith("2 done items left behind") and "Blood cultures drawn" in done and "Give 2 L LR" in done
    assert page.evaluate("document.activeElement.id") == "carry-title"
    shot(page, "patients-03-carry-preview")

    page.click("#carry-start")
    page.wait_for_url("**/#/drafts/*")
    page.wait_for_selector('[data-path="action_list.0.task"]')
    tasks = page.locator('[data-path^="action_list."][data-path$=".task"]').evaluate_all(
        "inputs => inputs.map((i) => i.value)")
    assert tasks == ["Recheck lactate at 22:00", "Call the family", "PT evaluation"]
    wait_until_synced(page)

    # The draft itself says where it came from and what it brought, in words, in a labelled region.
    note = page.get_by_role("region", name="Carried forward")
    summary = note.locator("#carried-summary").inner_text()
    assert summary.startswith("Carried from the I-PASS signed by gia, today at "), summary
    assert summary.endswith(": 3 open action items, 2 contingency plans. 2 done items left behind."), summary
    note.locator("summary").click()
    assert note.locator('li[data-carried="open"]').all_inner_texts() == tasks
    assert note.locator('li[data-carried="contingency"]').count() == 2
    dismiss = page.locator("#carried-dismiss").bounding_box()
    assert dismiss["width"] >= 44 and dismiss["height"] >= 44
    shot(page, "patients-04-carried-draft")
    draft_url = page.url

    handoffs = receiver.get(f"/api/v1/handoffs?patient_id={patient['id']}&checklist=ipass").get_json()
    carried = next(h for h in handoffs if h["id"] != last["id"])
    assert carried["status"] == "draft"
    assert [a["task"] for a in carried["data"]["action_list"]] == tasks
    assert not any(a.get("done") for a in carried["data"]["action_list"])
    assert carried["data"]["situation_awareness"] == last["data"]["situation_awareness"]
    assert "receiver" not in carried["data"]
    # What was carried stays on the tablet: never in the handoff the server holds.
    assert "carried" not in carried["data"] and "carried" not in carried
    full = receiver.get(f"/api/v1/handoffs/{carried['id']}").get_json()
    assert "carried" not in full["data"] and "carried" not in full

    # The note survives a reload while offline (shell from the service worker, draft from IndexedDB).
    context.set_offline(True)
    page.reload()
    page.fill("#unlock-password", PASSWORD)
    page.click("#unlock-submit")
    page.goto(draft_url)
    page.wait_for_selector("#carried-note")
    assert page.inner_text("#carried-summary") == summary
    context.set_offline(False)

    # In Spanish too.
    page.select_option("#chrome-language", "es")
    page.wait_for_selector("#carried-summary:has-text('Traído del I-PASS firmado por gia, hoy a las')")
    assert page.inner_text("#carried-summary").endswith(
        ": 3 tareas pendientes, 2 planes de contingencia. 2 tareas hechas se quedaron atrás.")
    shot(page, "patients-05-carried-draft-es")
    page.select_option("#chrome-language", "en")
    page.wait_for_selector("#carried-summary:has-text('Carried from')")

    # Dismissed, it is gone for good (focus back on the title), and nothing more went to the server.
    page.click("#carried-dismiss")
    assert page.locator("#carried-note").count() == 0
    assert page.evaluate("document.activeElement.tagName") == "H1"
    page.reload()
    page.fill("#unlock-password", PASSWORD)
    page.click("#unlock-submit")
    page.goto(draft_url)
    page.wait_for_selector('[data-path="action_list.0.task"]')
    assert page.locator("#carried-note").count() == 0
    wait_until_synced(page)
    again = receiver.get(f"/api/v1/handoffs/{carried['id']}").get_json()
    assert again["revision"] == full["revision"] and "carried" not in again["data"]
