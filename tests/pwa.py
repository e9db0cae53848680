"""What the browser tests share: Debian's Chromium and how it is started, and the steps a nurse takes.

The fixtures that start the live server and the browser (`live_server`, `browser`, `tablet`)
are in conftest.py, so every browser test module shares one Chromium (Playwright's sync API
allows one per thread).
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.design import DISCHARGE_CHECKLIST_ITEMS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]
TIMEOUT_MS = 15_000

BROWSER_TEST_MARKS = [
    pytest.mark.slow,
    # A developer machine without Debian's chromium skips these; CI (CI=true) never does: there a
    # missing browser fails the run, since .ci/run installs it.
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                       reason="Debian chromium is not installed here (.ci/run installs it)"),
]

# A discharge complete enough to sign, entered the way a nurse would.
MINIMAL_DISCHARGE = {
    "encounter": {"admitted_on": "2026-11-18", "discharged_on": "2026-11-23", "attending": "Dr. Priya Raman",
                  "destination": "home"},
    "diagnoses": {"principal": {"clinical": "CAP", "plain": "A lung infection"}},
    "hospital_course": "IV ceftriaxone then PO cefpodoxime; afebrile 48 h.",
    "medications": [{"name": "Cefpodoxime", "dose": "200 mg", "frequency": "BID", "status": "new"}],
    "warning_signs": [{"sign": "Fever over 101 F", "action": "call_clinic"}],
    "teach_back": [{"topic": "medications", "result": "confirmed"}],
    "checklist": {item: {"state": "done"} for item in DISCHARGE_CHECKLIST_ITEMS},
    "contacts": [{"role": "Clinic", "phone": "555-0100"}],
}


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_selector("#nav-patients")


def wait_until_synced(page) -> None:
    page.wait_for_selector('#sync-status[data-state="saved"][data-pending="0"]')


def wait_until_saved(page, revision: int) -> None:
    """The open form says the server has `revision` (the outbox may not have noticed the click yet
    when the global indicator still shows the previous "saved")."""
    page.wait_for_selector(f'#draft-state[data-state="saved"]:has-text("revision {revision}.")')
    wait_until_synced(page)


def fill_form(page, data: dict, prefix: str = "") -> None:
    """Enter `data` into the definition-driven form, adding list rows as needed."""
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            fill_form(page, value, f"{path}.")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for index, item in enumerate(value):
                if page.locator(f'[data-path^="{path}.{index}."]').count() == 0:
                    page.click(f'button[data-add="{path}"]')
                fill_form(page, item, f"{path}.{index}.")
        elif isinstance(value, list):
            for choice in value:
                page.click(f'button[data-path="{path}"][data-value="{choice}"]')
        elif isinstance(value, bool):
            page.click(f'button[data-path="{path}"][data-value="{str(value).lower()}"]')
        else:
            button = page.locator(f'button[data-path="{path}"][data-value="{value}"]')
            if button.count():
                button.click()
            else:
                page.fill(f'[data-path="{path}"]:is(input, textarea, select)', str(value))


def indexeddb_dump(page) -> str:
    """Every IndexedDB database, store and record on this origin, as raw as the browser holds it."""
    return page.evaluate("""async () => {
        const out = [];
        for (const info of await indexedDB.databases()) {
            const db = await new Promise((ok, fail) => {
                const r = indexedDB.open(info.name); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error);
            });
            for (const name of db.objectStoreNames) {
                const rows = await new Promise((ok, fail) => {
                    const r = db.transaction(name).objectStore(name).getAll();
                    r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error);
                });
                const keys = await new Promise((ok) => {
                    const r = db.transaction(name).objectStore(name).getAllKeys(); r.onsuccess = () => ok(r.result);
                });
                out.push({db: info.name, store: name, keys: keys.map(String), rows: rows.map((v) => {
                    try { return JSON.stringify(v, (k, x) => x instanceof ArrayBuffer || ArrayBuffer.isView(x)
                        ? Array.from(new Uint8Array(x.buffer || x)).join(",") : x); } catch (e) { return String(v); }
                })});
            }
            db.close();
        }
        return JSON.stringify(out);
    }""")


def start_discharge_for_new_patient(page, family_name: str) -> None:
    page.click("#nav-patients")
    page.click("#add-patient")
    page.fill("#patient-mrn", f"PWA-{family_name}")
    page.fill("#patient-given", "Rosa")
    page.fill("#patient-family", family_name)
    page.fill("#patient-birth", "1950-05-17")
    page.click("#patient-save")
    page.wait_for_selector("#start-discharge")
    page.click("#start-discharge")
    page.wait_for_selector('[data-path="encounter.admitted_on"]')


def two_tablets_in_conflict(tablet, usernames, handoff_id: int, init_script: str | None = None):
    """Two nurses open the same handoff; A saves "Tablet A unit", then B saves "Tablet B unit" on the
    revision A replaced, so B's tablet shows the conflict dialog. Returns both pages (a, b)."""
    pages = []
    for username in usernames:
        _, page = tablet()
        if init_script:
            page.add_init_script(init_script)
        sign_in(page, username)
        page.goto(f"/#/handoffs/{handoff_id}")
        page.wait_for_selector('[data-path="encounter.unit"]')
        pages.append(page)
    a, b = pages
    a.fill('[data-path="encounter.unit"]', "Tablet A unit")
    a.click("#save")
    wait_until_saved(a, 2)
    b.fill('[data-path="encounter.unit"]', "Tablet B unit")
    b.click("#save")
    b.wait_for_selector("#conflict")
    return a, b
