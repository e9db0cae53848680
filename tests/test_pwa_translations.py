"""Patient-visible free text on the tablet (issue 8, point 8), in real Chromium.

A Spanish-speaking patient's discharge typed in English: each patient-visible text says whether
the Spanish summary has a translation for it, a nurse or interpreter adds one in place, and the
"still missing" panel lists what is left as advice. Warning signs (and other common wording)
offer the phrase library's and the translation memory's entries as the nurse types, offline too.
"""

from tests.conftest import PASSWORD
from tests.pwa import BROWSER_TEST_MARKS, shot, sign_in, wait_until_saved

pytestmark = BROWSER_TEST_MARKS

SIGN = 'input[data-path="warning_signs.0.sign"]'
STATUS = '[data-translation-status="warning_signs.0.sign"]'
UNTRANSLATED = "Pain when you pee that keeps getting worse at night"


def spanish_patient(nurse, family_name: str) -> dict:
    return nurse.post("/api/v1/patients", json={"mrn": f"PWA-TR-{family_name}", "given_name": "Lucía",
                                                "family_name": family_name, "birth_date": "1948-03-09",
                                                "preferred_language": "es"}).get_json()


def open_new_discharge(page, patient_id: int) -> None:
    page.goto(f"/#/patients/{patient_id}")
    page.click("#start-discharge")
    page.wait_for_selector('[data-path="encounter.admitted_on"]')


def add_warning_sign(page, index: int = 0) -> None:
    if page.locator(f'[data-path="warning_signs.{index}.sign"]').count() == 0:
        page.click('button[data-add="warning_signs"]')
    page.wait_for_selector(f'[data-path="warning_signs.{index}.sign"]')


def untranslated_paths(nurse, handoff_id: int) -> list[dict]:
    body = nurse.get(f"/api/v1/handoffs/{handoff_id}/readability?lang=es").get_json()
    return body["untranslated"]


def test_an_untranslated_warning_sign_gets_its_translation_on_the_tablet(tablet, make_user):
    nurse = make_user("nurse", "nia")
    patient = spanish_patient(nurse, "Traduce")
    _, page = tablet()
    sign_in(page, "nia")
    open_new_discharge(page, patient["id"])
    add_warning_sign(page)
    page.fill(SIGN, UNTRANSLATED)
    page.click('button[data-path="warning_signs.0.action"][data-value="call_clinic"]')
    page.wait_for_selector(f'{STATUS}[data-state="untranslated"]')
    assert "Spanish: not translated" in page.inner_text(STATUS)
    add = page.locator('button[data-add-translation="warning_signs.0.sign"]')
    assert add.is_visible() and add.bounding_box()["height"] >= 44

    page.click("#save")
    wait_until_saved(page, 1)
    handoff_id = nurse.get(f"/api/v1/handoffs?patient_id={patient['id']}").get_json()[0]["id"]
    assert {"path": "warning_signs.0.sign", "text": UNTRANSLATED} in untranslated_paths(nurse, handoff_id)

    # The "still missing" panel lists it as advice (signing is not blocked by it), and jumps to the field.
    advice = page.locator('#translation-advice li[data-path="warning_signs.0.sign"]')
    advice.wait_for()
    assert "warning_signs.0.sign" in advice.inner_text() and UNTRANSLATED in advice.inner_text()
    assert page.locator("#missing-list li[data-path='warning_signs.0.sign']").count() == 0
    advice.locator("button").click()
    assert page.evaluate("document.activeElement.dataset.path") == "warning_signs.0.sign"
    shot(page, "translations-01-missing-advice")

    page.click('button[data-add-translation="warning_signs.0.sign"]')
    editor = page.locator(".translation-editor")
    editor.wait_for()
    assert UNTRANSLATED in editor.locator(".tr-source").inner_text()
    assert page.evaluate("document.activeElement.dataset.translationFor") == "warning_signs.0.sign"
    page.fill('textarea[data-translation-for="warning_signs.0.sign"]',
              "Dolor al orinar que empeora cada vez más por la noche")
    page.locator(STATUS).scroll_into_view_if_needed()
    shot(page, "translations-02-editor")
    page.click('button[data-save-translation="warning_signs.0.sign"]')
    page.wait_for_selector(f'{STATUS}[data-state="translated"]')
    assert "Spanish: translated" in page.inner_text(STATUS)
    assert page.locator(".translation-editor").count() == 0
    page.wait_for_selector("#advice-panel", state="hidden")
    shot(page, "translations-03-translated")

    assert not [u for u in untranslated_paths(nurse, handoff_id) if u["path"] == "warning_signs.0.sign"]
    entries = nurse.get("/api/v1/translations?lang=es&q=pee").get_json()
    assert any(e["source"] == UNTRANSLATED and e["created_by"] == "nia" for e in entries)


def test_suggestions_while_typing_a_warning_sign_online_and_offline(tablet, make_user):
    nurse = make_user("nurse", "oto")
    patient = spanish_patient(nurse, "Sugiere")
    context, page = tablet()
    sign_in(page, "oto")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    open_new_discharge(page, patient["id"])
    add_warning_sign(page)
    page.locator(SIGN).press_sequentially("Weight")
    options = page.locator('[role="listbox"] [role="option"]')
    options.first.wait_for()
    assert page.get_attribute(SIGN, "aria-expanded") == "true"
    assert 1 <= options.count() <= 6
    sources = [options.nth(i).locator(".suggestion-source").inner_text() for i in range(options.count())]
    assert all("weight" in s.lower() for s in sources), sources
    box = options.first.bounding_box()
    assert box["height"] >= 44
    shot(page, "translations-04-suggestions")

    # Keyboard: down arrow then Enter fills the field with the entry's source wording.
    page.locator(SIGN).press("ArrowDown")
    assert page.get_attribute(SIGN, "aria-activedescendant") == options.first.get_attribute("id")
    page.locator(SIGN).press("Enter")
    assert page.input_value(SIGN) == sources[0]
    assert page.get_attribute(SIGN, "aria-expanded") == "false"
    page.wait_for_selector(f'{STATUS}[data-state="translated"]')  # a library phrase has its Spanish

    # Touch: a tap on a suggestion chooses it too.
    add_warning_sign(page, 1)
    second = 'input[data-path="warning_signs.1.sign"]'
    page.locator(second).press_sequentially("chest")
    options.first.wait_for()
    chosen = options.first.locator(".suggestion-source").inner_text()
    options.first.click()
    assert page.input_value(second) == chosen
    page.click("#save")
    wait_until_saved(page, 1)

    # With the network cut, after a reload: the entries kept on the tablet still answer.
    context.set_offline(True)
    page.reload()
    page.fill("#unlock-password", PASSWORD)
    page.click("#unlock-submit")
    page.goto(page.url)
    page.wait_for_selector(second)
    add_warning_sign(page, 2)
    third = 'input[data-path="warning_signs.2.sign"]'
    page.locator(third).press_sequentially("weight")
    options.first.wait_for()
    offline_sources = [options.nth(i).locator(".suggestion-source").inner_text() for i in range(options.count())]
    assert offline_sources == sources  # the same words, best first, case-insensitive
    options.nth(1 if len(sources) > 1 else 0).click()
    assert page.input_value(third) == sources[1 if len(sources) > 1 else 0]

    # Offline, a translation cannot be saved: the editor says so and keeps what was typed.
    page.fill(third, "Swollen ankles every evening after the walk")
    page.click('button[data-add-translation="warning_signs.2.sign"]')
    page.fill('textarea[data-translation-for="warning_signs.2.sign"]', "Tobillos hinchados cada tarde")
    page.click('button[data-save-translation="warning_signs.2.sign"]')
    page.wait_for_selector('.translation-editor [role="alert"]:has-text("needs the network")')
    assert page.input_value('textarea[data-translation-for="warning_signs.2.sign"]') == "Tobillos hinchados cada tarde"
    shot(page, "translations-05-offline")
    context.set_offline(False)
