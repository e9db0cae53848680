"""Two defects of the tablet app, each shown in real Chromium (failing before its fix).

(a) After a two-tablet conflict settled with "keep mine", the form showed the revision the nurse
    had rejected while the server held her choice as the next revision: the redrawn form began
    listening to the outbox only once built and missed the save that landed meanwhile.
(b) Text typed in the last moments before the tab was reloaded or closed was lost: the draft was
    written 300 ms after the last keystroke, too late for a page on its way out.
"""

from tests.conftest import PASSWORD
from tests.pwa import BROWSER_TEST_MARKS, sign_in, two_tablets_in_conflict, wait_until_saved, wait_until_synced

pytestmark = BROWSER_TEST_MARKS

# Orders the requests of defect (a) the way a slow ward network can: the redrawn screen reads the
# server's copy, then the outbox's save lands, then the screen finishes loading (the patient).
HOLD_REDRAW = """
(() => {
  const realFetch = window.fetch.bind(window);
  const gate = () => {
    let open;
    const opened = new Promise((resolve) => { open = resolve; });
    return { opened, open };
  };
  window.holdRedraw = (handoffId) => { window.hold = { handoffId, read: gate(), saved: gate() }; };
  window.fetch = async (input, init = {}) => {
    const hold = window.hold;
    if (!hold) return realFetch(input, init);
    const path = new URL(typeof input === "string" ? input : input.url, location.href).pathname;
    const method = (init.method || "GET").toUpperCase();
    const handoff = `/api/v1/handoffs/${hold.handoffId}`;
    if (method === "PUT" && path === handoff) {
      await hold.read.opened;
      const response = await realFetch(input, init);
      if (response.ok) hold.saved.open();
      return response;
    }
    if (method === "GET" && /^\\/api\\/v1\\/patients\\/\\d+$/.test(path)) await hold.saved.opened;
    const response = await realFetch(input, init);
    if (method === "GET" && path === handoff) hold.read.open();
    return response;
  };
})();
"""


def test_keep_mine_shows_the_revision_that_holds_my_choice(tablet, make_user):
    first = make_user("nurse", "kim")
    make_user("nurse", "lea")
    patient = first.post("/api/v1/patients", json={"mrn": "PWA-KEEP", "given_name": "Ida", "family_name": "Keepmine",
                                                   "birth_date": "1944-02-02"}).get_json()
    created = first.post("/api/v1/handoffs", json={"patient_id": patient["id"], "checklist": "discharge",
                                                   "data": {"encounter": {"unit": "4 East"}}}).get_json()
    a, b = two_tablets_in_conflict(tablet, ("kim", "lea"), created["id"], init_script=HOLD_REDRAW)
    b.evaluate(f"window.holdRedraw({created['id']})")
    b.click('#conflict button[data-choose="mine"]')
    wait_until_synced(b)

    assert first.get(f"/api/v1/handoffs/{created['id']}").get_json()["revision"] == 3
    wait_until_saved(b, 3)  # "Saved on the server, revision 3." in the form's own state line
    assert b.inner_text("#handoff-revision") == "Revision 3"
    assert b.input_value('[data-path="encounter.unit"]') == "Tablet B unit"


def test_text_typed_just_before_a_reload_is_kept(tablet, make_user):
    make_user("nurse", "max")
    patient = make_user("nurse", "ned").post(
        "/api/v1/patients", json={"mrn": "PWA-RELOAD", "given_name": "Ida", "family_name": "Reload",
                                  "birth_date": "1944-02-02"}).get_json()
    _, page = tablet()
    sign_in(page, "max")
    page.goto(f"/#/patients/{patient['id']}")
    page.click("#start-discharge")
    page.wait_for_selector('[data-path="encounter.unit"]')
    page.fill('[data-path="encounter.unit"]', "Typed just before the reload")
    page.reload()  # at once: well inside the 300 ms the form waits before writing the draft
    page.fill("#unlock-password", PASSWORD)
    page.click("#unlock-submit")
    page.goto(page.url)
    page.wait_for_selector('[data-path="encounter.unit"]')
    assert page.input_value('[data-path="encounter.unit"]') == "Typed just before the reload"
