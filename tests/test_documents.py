"""Documents read back the way their readers read them: the patient's summary and the clinician PDF."""

import copy
import io
import re

import pytest
from pypdf import PdfReader

from tests.conftest import load_scenario

SIG_ABBREVIATIONS = ["PO", "BID", "TID", "QID", "QHS", "PRN", "SOB", "HTN", "T2DM", "CHF", "COPD", "PCP", "NPO",
                     "f/u", "q6h", "IV", "SNF"]


def unexplained(abbreviation: str, text: str):
    """An abbreviation left bare. "COPD (a long-term lung disease)" is explained, so it counts as plain:
    patients keep hearing the name from their doctors and should recognise it."""
    return re.search(rf"(?<![\w/]){re.escape(abbreviation)}(?![\w/])(?!\s*\()(?!\s+lung disease)", text)


def pdf_pages(body: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(body)).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def finalize(user, handoff_id, etag):
    response = user.post(f"/api/v1/handoffs/{handoff_id}/finalize", headers={"If-Match": etag})
    assert response.status_code == 200, response.get_json()
    return response


@pytest.fixture
def walter(make_patient):
    scenario = load_scenario("discharge-heart-failure")
    return make_patient(**scenario["patient"])


def test_patient_summary_html_has_the_sections_a_patient_needs(nurse, make_handoff, walter):
    handoff, _ = make_handoff(patient=walter)
    response = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.html")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    for heading in ("Your plan in 3 steps", "Why you were in the hospital", "Your medicines",
                    "STOP taking these medicines", "Your visits", "Tests we are still waiting for",
                    "Call us if:", "Call 911 or go to the emergency room if:", "Taking care of yourself at home",
                    "Who to call with questions", "What you told us matters to you", "Questions for your next visit",
                    "Bring this list each time you see a doctor or nurse"):
        assert heading in html, heading
    assert "Walter Okafor" in html and "Dr. Samuel Ortiz will call you with the result" in html


def test_patient_summary_never_shows_clinician_only_fields(nurse, make_handoff, walter, discharge_scenario):
    handoff, _ = make_handoff(patient=walter)
    html = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.html").get_data(as_text=True)
    data = discharge_scenario["data"]
    assert "IV furosemide" not in html and "Echo EF" not in html  # hospital course
    assert "HF clinic will call to schedule" not in html  # a checklist note
    for item in data["teach_back"]:
        if item.get("note"):
            assert item["note"] not in html


def test_medicines_are_a_schedule_with_status_in_words(nurse, make_handoff, walter):
    handoff, _ = make_handoff(patient=walter)
    html = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.html").get_data(as_text=True)
    grid = html[html.index('class="med-grid"'):html.index("</table>")]
    assert "Empagliflozin" in grid and "NEW" in grid and "CHANGED" in grid
    assert "Ibuprofen" not in grid  # stopped medicines are listed on their own
    stopped = html[html.index('class="stopped"'):]
    assert "Ibuprofen" in stopped[: stopped.index("</ul>")]
    for slot in ("Morning", "Noon", "Evening", "Bedtime", "Only if needed"):
        assert f">{slot}<" in grid


def test_glossary_leaves_no_abbreviation_in_the_summary(nurse, make_handoff, walter):
    handoff, _ = make_handoff(patient=walter)
    html = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.html").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", html)
    for abbreviation in SIG_ABBREVIATIONS:
        assert not unexplained(abbreviation, text), abbreviation


def test_spanish_summary_translates_fixed_text(nurse, make_handoff, walter):
    handoff, _ = make_handoff(patient=walter)
    html = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.html?lang=es").get_data(
        as_text=True)
    assert '<html lang="es">' in html
    assert "Sus medicinas" in html and "DEJE DE TOMAR" in html and "Llame al 911" in html
    assert "Your medicines" not in html


def test_a_diet_of_regular_is_english_to_an_english_reader_and_translated_for_a_spanish_one(
        nurse, make_handoff, walter, discharge_scenario):
    # "Regular." alone was identified as Spanish: the English summary marked it "Not translated".
    data = copy.deepcopy(discharge_scenario["data"])
    data["self_care"]["diet"] = "Regular. Encourage protein; Ensure BID."
    handoff, _ = make_handoff(patient=walter, data=data)
    url = f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.html"
    english = nurse.get(url, query_string={"lang": "en"}).get_data(as_text=True)
    spanish = nurse.get(url, query_string={"lang": "es"}).get_data(as_text=True)
    assert "Not translated" not in english and "Regular. Encourage protein" in flat(re.sub(r"<[^>]+>", " ", english))
    assert "Como siempre." in spanish and "Regular." not in spanish  # the phrase library's entry
    report = nurse.get(f"/api/v1/handoffs/{handoff['id']}/readability", query_string={"lang": "en"}).get_json()
    assert not [item for item in report["untranslated"] if item["path"] == "self_care.diet"]


def test_preferred_language_is_the_default(nurse, make_handoff, make_patient, discharge_scenario):
    lucia = make_patient(preferred_language="es")
    handoff, _ = make_handoff(patient=lucia)
    html = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.html").get_data(as_text=True)
    assert '<html lang="es">' in html


def test_user_text_is_escaped(nurse, make_handoff, walter, discharge_scenario):
    data = copy.deepcopy(discharge_scenario["data"])
    data["what_matters"] = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    handoff, _ = make_handoff(patient=walter, data=data)
    html = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.html").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_patient_summary_pdf_reads_back(nurse, make_handoff, walter, discharge_scenario):
    handoff, _ = make_handoff(patient=walter)
    response = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = flat(" ".join(pdf_pages(response.data)))
    for medication in discharge_scenario["data"]["medications"]:
        assert medication["name"] in text
    assert "NEW" in text and "CHANGED" in text and "STOP" in text
    assert "Dr. Samuel Ortiz will call you" in text
    assert "Euvolemic" not in text and "HF clinic will call to schedule" not in text


def test_ipass_handoffs_have_no_patient_summary(nurse, make_handoff, ipass_scenario):
    handoff, _ = make_handoff(checklist="ipass", data=ipass_scenario["data"])
    assert nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.html").status_code == 404


@pytest.mark.parametrize("scenario", ["discharge-heart-failure"])
def test_every_scenario_reads_at_grade_8_or_below(nurse, make_handoff, make_patient, scenario):
    data = load_scenario(scenario)
    handoff, _ = make_handoff(patient=make_patient(**{**data["patient"], "preferred_language": "en"}),
                              data=data["data"])
    report = nurse.get(f"/api/v1/handoffs/{handoff['id']}/readability?lang=en").get_json()
    assert report["grade_level"] <= 8, report
    assert report["target"] == 8
    assert all({"term", "suggestion"} <= set(t) for t in report["flagged_terms"])


def test_finalize_returns_reading_advice_as_warnings(nurse, make_handoff, walter, discharge_scenario):
    data = copy.deepcopy(discharge_scenario["data"])
    data["diagnoses"]["principal"]["plain"] = ("Decompensated heart failure exacerbation with pulmonary congestion "
                                               "necessitating intravenous diuresis and hemodynamic optimization, "
                                               "complicated by acute kidney injury superimposed on chronic renal "
                                               "insufficiency requiring nephrotoxin avoidance.")
    handoff, etag = make_handoff(patient=walter, data=data)
    warnings = finalize(nurse, handoff["id"], etag).get_json()["warnings"]
    assert warnings and all(w["message"] for w in warnings)


def test_clinician_pdf_has_identifiers_on_every_page_and_what_a_receiver_needs(
        nurse, physician, make_handoff, walter, discharge_scenario):
    handoff, etag = make_handoff(patient=walter)
    finalize(nurse, handoff["id"], etag)
    physician.post(f"/api/v1/handoffs/{handoff['id']}/acknowledge",
                   json={"revision": 1, "synthesis": "Weight daily, BMP Friday with PCP."})
    response = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf")
    assert response.status_code == 200
    pages = [flat(p) for p in pdf_pages(response.data)]
    assert 1 <= len(pages) <= 3
    for number, page in enumerate(pages, start=1):
        assert "Okafor, Walter" in page and "DEMO-100234" in page and "1947-03-12" in page
        assert "revision 1" in page and f"Page {number} of {len(pages)}" in page
    text = " ".join(pages)
    assert "IV furosemide" in text  # the hospital course is for clinicians
    for medication in discharge_scenario["data"]["medications"]:
        assert medication["name"] in text
    assert "Stop taking" in text and "New" in text and "Changed" in text and "No change" in text
    assert "BMP (kidney function and potassium)" in text and "Dr. Samuel Ortiz" in text
    assert "Signed by" in text and "Weight daily, BMP Friday with PCP." in text
    order = [text.index(title) for title in ("The hospital stay", "Medicines", "Warning signs", "Who to call")]
    assert order == sorted(order)


def test_ipass_clinician_pdf_shows_contingency_plans(nurse, make_handoff, make_patient, ipass_scenario):
    handoff, _ = make_handoff(checklist="ipass", data=ipass_scenario["data"],
                              patient=make_patient(**ipass_scenario["patient"]))
    text = flat(" ".join(pdf_pages(nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf").data)))
    assert "SBP < 90 or MAP < 65" in text and "500 mL LR bolus" in text
    assert "Marquez, Lucia" in text and "DRAFT" in text


def test_clinician_pdf_marks_changes_since_the_previous_signed_revision(nurse, make_handoff, walter,
                                                                         discharge_scenario):
    handoff, etag = make_handoff(patient=walter)
    etag = finalize(nurse, handoff["id"], etag).headers["ETag"]
    data = copy.deepcopy(discharge_scenario["data"])
    data["medications"][0]["dose"] = "80 mg"
    amended = nurse.put(f"/api/v1/handoffs/{handoff['id']}", json={"data": data, "reason": "Diuresis goal"},
                        headers={"If-Match": etag})
    finalize(nurse, handoff["id"], amended.headers["ETag"])
    text = flat(" ".join(pdf_pages(nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf").data)))
    assert "What changed since signed revision 1" in text
    assert "medications.0.dose" in text and "80 mg" in text and "CHANGED" in text
    older = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf?revision=1").data
    assert "What changed since signed revision" not in flat(" ".join(pdf_pages(older)))


def test_pdf_is_rendered_once_and_survives_a_restart(make_app, nurse, make_handoff, walter):
    handoff, _ = make_handoff(patient=walter)
    url = f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf"
    first = nurse.get(url)
    second = nurse.get(url)
    assert first.headers["X-Document-Cache"] == "miss" and second.headers["X-Document-Cache"] == "hit"
    assert first.data == second.data
    restarted = make_app()
    third = restarted.test_client().get(url, headers={"Authorization": f"Bearer {nurse.token}"})
    assert third.headers["X-Document-Cache"] == "hit"


def test_old_revision_renders_its_own_data(nurse, make_handoff, walter, discharge_scenario):
    handoff, etag = make_handoff(patient=walter)
    data = copy.deepcopy(discharge_scenario["data"])
    data["what_matters"] = "Getting back to the choir on Sundays"
    nurse.put(f"/api/v1/handoffs/{handoff['id']}", json={"data": data}, headers={"If-Match": etag})
    base = f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.html"
    assert "choir" in nurse.get(base).get_data(as_text=True)
    assert "granddaughter" in nurse.get(f"{base}?revision=1").get_data(as_text=True)
    assert nurse.get(f"{base}?revision=7").status_code == 404


def _demo_discharges():
    import json
    from pathlib import Path

    entries = json.loads((Path(__file__).parent.parent / "handoff" / "demo" / "patients.json").read_text())
    return [(entry["patient"], item["data"]) for entry in entries for item in entry["handoffs"]
            if item["checklist"] == "discharge" and entry["patient"]["preferred_language"] == "en"]


@pytest.mark.parametrize("patient,data", _demo_discharges(), ids=lambda v: v.get("mrn", "data"))
def test_demo_discharges_read_at_grade_8_or_below_with_no_abbreviation_left(nurse, make_handoff, make_patient,
                                                                            patient, data):
    handoff, _ = make_handoff(patient=make_patient(**patient), data=data)
    report = nurse.get(f"/api/v1/handoffs/{handoff['id']}/readability").get_json()
    assert report["grade_level"] <= 8, report
    text = flat(" ".join(pdf_pages(nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.pdf").data)))
    for abbreviation in SIG_ABBREVIATIONS:
        assert not unexplained(abbreviation, text), abbreviation


@pytest.mark.parametrize("large, minimum", [(False, 14.0), (True, 18.0)])
def test_no_text_in_the_patient_pdf_is_smaller_than_the_body_size(nurse, make_handoff, walter, large, minimum):
    import pdfplumber

    handoff, _ = make_handoff(patient=walter)
    body = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.pdf?large={str(large).lower()}").data
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        sizes = [round(char["size"], 1) for page in pdf.pages for char in page.chars if char["text"].strip()]
    assert sizes and min(sizes) >= minimum
