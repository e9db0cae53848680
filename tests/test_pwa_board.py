"""The unit board on the tablet (DESIGN 3.7, issue 9): sickest first with severity in words, a
receiver taking the unit over in one step (all or nothing), and the board opening offline."""

import copy

from tests.conftest import PASSWORD, load_scenario
from tests.pwa import BROWSER_TEST_MARKS, shot, sign_in

pytestmark = BROWSER_TEST_MARKS

UNIT = "5 North"


def ipass_on_unit(client, bed, family, severity, *, sign=True, unit=UNIT, actions=None):
    """A patient on `unit` with an I-PASS handoff (signed unless sign=False); returns (patient, handoff, etag)."""
    patient = client.post("/api/v1/patients", json={
        "mrn": f"BRD-{family}", "given_name": "Rosa", "family_name": family, "birth_date": "1950-05-17",
        "unit": unit, "bed": bed}).get_json()
    data = copy.deepcopy(load_scenario("ipass-sepsis-watcher")["data"])
    data["illness_severity"] = severity
    data["patient_summary"]["one_liner"] = f"{family}: {severity} one-liner."
    if actions is not None:
        data["action_list"] = actions
    created = client.post("/api/v1/handoffs", json={"patient_id": patient["id"], "checklist": "ipass", "data": data})
    assert created.status_code == 201, created.get_json()
    handoff, etag = created.get_json(), created.headers["ETag"]
    if sign:
        signed = client.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": etag})
        assert signed.status_code == 200, signed.get_json()
        handoff, etag = signed.get_json(), signed.headers["ETag"]
    return patient, handoff, etag


def open_board(page, unit=UNIT):
    page.click("#nav-board")
    page.fill("#board-unit", unit)
    page.click("#board-show")
    page.wait_for_selector(".board-row")


def test_board_lists_the_unit_sickest_first_with_severity_in_words(tablet, make_user):
    giver = make_user("nurse", "gia")
    make_user("nurse", "rex")
    ipass_on_unit(giver, "10", "Stableton", "stable")
    ipass_on_unit(giver, "3", "Unstabler", "unstable",
                  actions=[{"task": "Recheck lactate", "owner": "Night RN", "due": "2020-01-01T22:00", "done": False},
                           {"task": "Glucose at 03:00", "due": "2099-01-01T03:00", "done": False}])
    ipass_on_unit(giver, "5", "Watchman", "watcher", sign=False)
    giver.post("/api/v1/patients", json={"mrn": "BRD-None", "given_name": "Rosa", "family_name": "Nobody",
                                         "birth_date": "1950-05-17", "unit": UNIT, "bed": "1"})
    ipass_on_unit(giver, "7", "Elsewhere", "unstable", unit="ICU")

    context, page = tablet()
    sign_in(page, "rex")
    open_board(page)
    rows = page.locator(".board-row")
    assert rows.count() == 4
    texts = rows.all_inner_texts()
    assert [t.split("\n")[0] for t in texts] == ["Bed 3", "Bed 5", "Bed 10", "Bed 1"]
    assert "Unstable" in texts[0] and "Watcher" in texts[1] and "Stable" in texts[2] and "No severity" in texts[3]
    assert "Signed, not yet received" in texts[0] and "Draft" in texts[1] and "No I-PASS yet" in texts[3]
    assert "Unstabler: unstable one-liner." in texts[0]
    assert page.locator('.board-row >> nth=0 >> li.overdue').inner_text().startswith("Recheck lactate")
    assert "Overdue" in page.locator('.board-row >> nth=0 >> li.overdue').inner_text()
    assert page.locator('.board-row >> nth=0 >> li[data-overdue="false"]').count() == 1
    assert "2 contingency plans" in texts[0] and "1 overdue" in texts[0]
    assert page.locator("#board-pdf").get_attribute("href") == "/api/v1/board.pdf?unit=5%20North"
    assert page.locator("#nav-board").get_attribute("aria-current") == "page"
    shot(page, "board-01-tablet")

    # The unit is remembered: the board opens on it next time, and the field offers it.
    page.click("#nav-patients")
    page.click("#nav-board")
    page.wait_for_selector(".board-row")
    assert page.input_value("#board-unit") == UNIT
    assert page.locator('#board-units option[value="5 North"]').count() == 1

    # A row opens the handoff.
    page.locator(".board-row").first.click()
    page.wait_for_url("**/#/handoffs/*")

    # At a phone's width.
    phone = tablet()[1]
    phone.set_viewport_size({"width": 390, "height": 844})
    sign_in(phone, "rex")
    phone.goto(f"/#/board?unit={UNIT}")
    phone.wait_for_selector(".board-row")
    shot(phone, "board-02-phone")

    # In Spanish, the same board in words of the catalogue.
    phone.select_option("#chrome-language", "es")
    phone.wait_for_selector("#nav-board:has-text('Tablero')")
    first = phone.locator(".board-row").first.inner_text()
    assert "Cama 3" in first and "Inestable" in first and "Firmado, sin recibir" in first and "Vencida" in first
    shot(phone, "board-07-phone-es")


def test_take_over_two_patients_then_the_rows_say_received(tablet, make_user):
    giver = make_user("nurse", "gia")
    receiver = make_user("nurse", "rex")
    _, first, _ = ipass_on_unit(giver, "1", "Alpha", "unstable")
    _, second, _ = ipass_on_unit(giver, "2", "Bravo", "stable")
    ipass_on_unit(giver, "3", "Charlie", "watcher", sign=False)

    context, page = tablet()
    sign_in(page, "rex")
    page.goto(f"/#/board?unit={UNIT}")
    page.click("#board-takeover")
    page.wait_for_selector(".takeover-patient")
    assert page.locator(".takeover-patient").count() == 2  # the draft is not an item
    assert "Charlie" in page.inner_text(".takeover-others")
    assert "SBP < 90" in page.inner_text(f'.takeover-patient[data-handoff-id="{first["id"]}"]')
    assert "0 of 2 ready" in page.inner_text("#takeover-progress")

    # Nothing typed for Bravo: nothing is sent, Bravo is named.
    page.fill(f"#takeover-synthesis-{first['id']}", "Alpha unstable: lactate at 22:00, bolus if SBP < 90.")
    page.click("#takeover-accept")
    assert "Bravo" in page.inner_text("#takeover-error")
    assert receiver.get(f"/api/v1/handoffs/{second['id']}").get_json()["acknowledgements"] == []

    page.check(f"#takeover-readback-{second['id']}")
    assert "2 of 2 ready" in page.inner_text("#takeover-progress")
    shot(page, "board-03-takeover")
    page.click("#takeover-accept")
    page.wait_for_selector('.board-row[data-status="received"]')
    statuses = page.locator(".board-row").evaluate_all("rows => rows.map((r) => r.dataset.status)")
    assert statuses == ["received", "draft", "received"]  # Charlie (watcher, draft) sits between
    assert "Received" in page.locator(".board-row").first.inner_text()
    assert page.locator("#board-takeover").count() == 0
    acks = {h["id"]: receiver.get(f"/api/v1/handoffs/{h['id']}").get_json()["acknowledgements"]
            for h in (first, second)}
    assert acks[first["id"]][0]["synthesis"].startswith("Alpha unstable")
    assert acks[second["id"]][0]["synthesis"] == "Read back, no changes."
    shot(page, "board-04-received")


def test_the_take_over_warns_up_front_about_the_receivers_own_handoff_and_accepts_the_rest(tablet, make_user):
    giver = make_user("nurse", "gia")
    receiver = make_user("nurse", "rex")
    _, first, _ = ipass_on_unit(giver, "1", "Alpha", "unstable")
    _, second, _ = ipass_on_unit(giver, "2", "Bravo", "watcher")
    _, own, _ = ipass_on_unit(receiver, "3", "Ownwork", "stable")  # signed by the receiver

    context, page = tablet()
    sign_in(page, "rex")
    page.goto(f"/#/board?unit={UNIT}")
    page.wait_for_selector(".board-row")
    assert "2 handoffs" in page.inner_text("#board-takeover")  # her own is not counted
    page.click("#board-takeover")
    page.wait_for_selector(".takeover-patient")

    # Before anything is accepted: her own handoff is named, and it is not an item.
    warning = page.inner_text("#takeover-own")
    assert "You signed this handoff yourself" in warning and "Bed 3, Ownwork, Rosa" in warning
    assert page.locator(f'#takeover-own li[data-handoff-id="{own["id"]}"]').count() == 1
    assert page.locator(f'.takeover-patient[data-handoff-id="{own["id"]}"]').count() == 0
    assert page.locator(f"#takeover-synthesis-{own['id']}").count() == 0
    assert "0 of 2 ready" in page.inner_text("#takeover-progress")
    # The read-only handoff writes due times for people, not "2026-11-23T22:00".
    card = page.inner_text(f'.takeover-patient[data-handoff-id="{first["id"]}"]')
    assert "Nov 23, 2026, 10:00 PM" in card and "T22:00" not in card
    shot(page, "board-05-own-handoff-warned")

    page.fill(f"#takeover-synthesis-{first['id']}", "Alpha: lactate at 22:00.")
    page.check(f"#takeover-readback-{second['id']}")
    page.click("#takeover-accept")
    page.wait_for_selector('.board-row[data-status="received"]')
    assert page.locator(f'.board-row[data-handoff-id="{own["id"]}"]').get_attribute("data-status") == "signed"
    assert "The signed handoff waiting here is yours" in page.inner_text(".view-board")
    assert page.locator("#board-takeover").count() == 0
    for h in (first, second):
        assert len(receiver.get(f"/api/v1/handoffs/{h['id']}").get_json()["acknowledgements"]) == 1
    assert receiver.get(f"/api/v1/handoffs/{own['id']}").get_json()["acknowledgements"] == []


def test_a_superseded_handoff_is_named_and_nothing_is_saved(tablet, make_user):
    giver = make_user("nurse", "gia")
    receiver = make_user("nurse", "rex")
    _, first, _ = ipass_on_unit(giver, "1", "Alpha", "unstable")
    _, second, second_etag = ipass_on_unit(giver, "2", "Bravo", "watcher")

    context, page = tablet()
    sign_in(page, "rex")
    page.goto(f"/#/board?unit={UNIT}&mode=takeover")
    page.wait_for_selector(".takeover-patient")
    page.fill(f"#takeover-synthesis-{first['id']}", "Alpha synthesis")
    page.check(f"#takeover-readback-{second['id']}")
    amended = giver.put(f"/api/v1/handoffs/{second['id']}", headers={"If-Match": second_etag},
                        json={"data": second["data"], "reason": "New lactate"})
    assert amended.status_code == 200, amended.get_json()
    page.click("#takeover-accept")
    page.wait_for_selector("#takeover-error .notice")
    error = page.inner_text("#takeover-error")
    assert "Bed 2, Bravo, Rosa" in error and "Nothing was saved" in error
    assert page.locator(f'.takeover-patient.refused[data-handoff-id="{second["id"]}"]').count() == 1
    assert page.locator(".takeover-patient.refused").count() == 1
    assert page.input_value(f"#takeover-synthesis-{first['id']}") == "Alpha synthesis"
    assert page.is_checked(f"#takeover-readback-{second['id']}")
    shot(page, "board-05-refused")
    for h in (first, second):
        assert receiver.get(f"/api/v1/handoffs/{h['id']}").get_json()["acknowledgements"] == []


def test_the_board_opens_offline_and_says_how_old_it_is(tablet, make_user):
    giver = make_user("nurse", "gia")
    make_user("nurse", "rex")
    ipass_on_unit(giver, "1", "Alpha", "unstable")
    ipass_on_unit(giver, "2", "Bravo", "stable")

    context, page = tablet()
    sign_in(page, "rex")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    open_board(page)
    assert page.locator("#board-pdf").count() == 1
    page.wait_for_selector('.view-board[data-kept-offline="true"]')  # each handoff kept, in the background

    context.set_offline(True)
    page.click("#nav-patients")
    page.click("#nav-board")
    page.wait_for_selector("#board-status.board-age")
    status = page.inner_text("#board-status")
    assert "Saved on this tablet" in status and "Offline" in status
    assert page.locator(".board-row").count() == 2
    assert "Alpha" in page.locator(".board-row").first.inner_text()
    assert page.locator("#board-pdf").count() == 0  # the printable sheet needs the network
    shot(page, "board-06-offline")

    # A row opens its handoff offline too (the board kept it when it was online).
    page.locator(".board-row").first.click()
    page.wait_for_selector(".ro-section")
    assert "Alpha: unstable one-liner." in page.inner_text(".view-handoff")
    page.click("#nav-board")
    page.wait_for_selector("#board-status.board-age")

    # After a reload while offline (the shell from the service worker, unlocked on the tablet).
    page.reload()
    page.fill("#unlock-password", PASSWORD)
    page.click("#unlock-submit")
    page.goto(f"/#/board?unit={UNIT}")
    page.wait_for_selector("#board-status.board-age")
    assert page.locator(".board-row").count() == 2

    # Twelve minutes later (the page's clock moved on), the copy says its age in minutes.
    page.evaluate("""() => { const real = Date.now; const shift = 12 * 60 * 1000;
        Date.now = () => real() + shift; const RealDate = Date;
        globalThis.Date = class extends RealDate { constructor(...a) { super(...(a.length ? a : [real() + shift])); } };
        globalThis.Date.now = () => real() + shift; }""")
    page.click("#nav-patients")
    page.click("#nav-board")
    page.wait_for_selector("#board-status.board-age")
    assert "Saved on this tablet 12 minutes ago." in page.inner_text("#board-status")


def test_at_phone_width_take_over_then_print_the_unit_sheet_from_the_board(tablet, make_user):
    import io

    import pdfplumber

    giver = make_user("nurse", "gia")
    make_user("nurse", "rex")
    _, first, _ = ipass_on_unit(giver, "4", "Delta", "watcher")

    _, phone = tablet()
    phone.set_viewport_size({"width": 390, "height": 844})
    sign_in(phone, "rex")
    phone.goto(f"/#/board?unit={UNIT}")
    phone.click("#board-takeover")
    phone.wait_for_selector(".takeover-patient")
    phone.fill(f"#takeover-synthesis-{first['id']}", "Delta watcher: repeat lactate at 02:00.")
    shot(phone, "board-08-takeover-phone")
    phone.click("#takeover-accept")
    phone.wait_for_selector('.board-row[data-status="received"]')

    # The sheet, as the board's link gives it to the browser (a new tab, signed in by the tablet's session):
    # every page names the patient, MRN and bed, and the receiver's synthesis is printed now that it was received.
    href = phone.get_attribute("#board-pdf", "href")
    assert phone.get_attribute("#board-pdf", "target") == "_blank"
    response = phone.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.body())) as pdf:
        pages = [page.extract_text() or "" for page in pdf.pages]
    assert pages and all("Delta" in text and "BRD-Delta" in text and "4" in text for text in pages)
    whole = " ".join(" ".join(text.split()) for text in pages)
    assert "Synthesis by rex" in whole and "Delta watcher: repeat lactate at 02:00." in whole
