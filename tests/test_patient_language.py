"""The patient's language from end to end (DESIGN 3.6): free text typed in English for a patient
who reads Spanish is translated from the memory, or shown as typed and marked, never half and half."""

import copy
import io
import re
from pathlib import Path

import pdfplumber
import pytest
from flask import render_template_string
from flask_babel import force_locale
from pypdf import PdfReader

from handoff.documents.localize import Passage, Segment
from handoff.documents.renderer import render_pdf
from handoff.documents.summary import spanish_personal_a

# Not in the phrase library, so nothing translates it until a test adds an entry.
SIGN = "SOB on the stairs up to the 3rd floor, can't lie flat"


@pytest.fixture
def spanish_discharge(make_patient, make_handoff, discharge_scenario):
    patient = make_patient(preferred_language="es")
    data = copy.deepcopy(discharge_scenario["data"])
    data["warning_signs"][1]["sign"] = SIGN
    handoff, etag = make_handoff(data=data, patient=patient)
    return handoff, etag


def summary(nurse, handoff_id, **query):
    response = nurse.get(f"/api/v1/handoffs/{handoff_id}/documents/patient-summary.html", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def untranslated(nurse, handoff_id, lang="es"):
    response = nurse.get(f"/api/v1/handoffs/{handoff_id}/readability?lang={lang}")
    assert response.status_code == 200
    return response.get_json()["untranslated"]


def test_the_page_declares_its_language_and_marks_text_left_in_another(nurse, spanish_discharge):
    handoff, _ = spanish_discharge
    html = summary(nurse, handoff["id"])
    assert '<html lang="es">' in html
    # The English warning sign sits in its own lang, after a visible Spanish mark; the Spanish
    # glossary never touched it ("SOB" is not "falta de aire" inside an English sentence).
    # The mark and the first word it marks share a span that does not wrap; the rest follows in the same lang.
    marked = re.findall(r'<span class="untranslated-lead"><span class="untranslated-mark">Sin traducir:</span> '
                        r'<span lang="en">([^<\s]*)</span></span><span lang="en">( [^<]*)</span>', html)
    assert SIGN.replace("'", "&#39;") in [first + rest for first, rest in marked], html  # whole, as typed
    assert "falta de aire on the stairs" not in html
    english_summary = summary(nurse, handoff["id"], lang="en")
    assert '<html lang="en">' in english_summary and "untranslated-mark" not in english_summary


def test_no_fixed_sentence_embeds_text_in_another_language(nurse, spanish_discharge):
    handoff, _ = spanish_discharge
    html = summary(nurse, handoff["id"])
    plan = re.search(r'<section class="plan".*?</section>', html, re.S).group()
    assert "lang=" not in plan and "Sin traducir" not in plan
    assert "llame al 911" in plan


def test_readability_lists_every_untranslated_value_with_its_path(nurse, spanish_discharge):
    handoff, _ = spanish_discharge
    data = nurse.get(f"/api/v1/handoffs/{handoff['id']}").get_json()["data"]
    items = untranslated(nurse, handoff["id"])
    by_path = {item["path"]: item["text"] for item in items}
    assert by_path["warning_signs.1.sign"] == SIGN
    assert not [p for p in by_path if p.startswith(("hospital_course", "teach_back", "checklist", "concerns"))]
    for item in items:  # every text is the value as typed, or one sentence of it
        assert item["text"] in _at(data, item["path"]), item
    assert untranslated(nurse, handoff["id"], lang="en") == []  # the clinician typed English


def test_a_translation_from_the_memory_replaces_the_marked_text(nurse, physician, spanish_discharge):
    handoff, _ = spanish_discharge
    added = physician.post("/api/v1/translations", json={
        "lang": "es", "source": "sob on the stairs up to the 3RD floor,  can't lie flat ",
        "text": "Le falta el aire en reposo o no puede acostarse."})
    assert added.status_code == 201
    html = summary(nurse, handoff["id"])
    assert "Le falta el aire en reposo o no puede acostarse." in html and SIGN.replace("'", "&#39;") not in html
    assert "warning_signs.1.sign" not in {item["path"] for item in untranslated(nurse, handoff["id"])}


def test_signing_warns_about_untranslated_text_and_pins_the_memory(nurse, physician, spanish_discharge):
    handoff, etag = spanish_discharge
    signed = nurse.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": etag})
    assert signed.status_code == 200, signed.get_json()
    warnings = [w for w in signed.get_json()["warnings"] if w["code"] == "untranslated"]
    assert {"path": "warning_signs.1.sign", "text": SIGN} in [{"path": w["path"], "text": w["text"]} for w in warnings]
    assert all(w["message"] for w in warnings)
    before = summary(nurse, handoff["id"])
    physician.post("/api/v1/translations", json={"lang": "es", "source": SIGN, "text": "Le falta el aire."})
    assert summary(nurse, handoff["id"]) == before  # what was handed to the patient does not change
    amended = nurse.put(f"/api/v1/handoffs/{handoff['id']}", headers={"If-Match": signed.headers["ETag"]},
                        json={"data": nurse.get(f"/api/v1/handoffs/{handoff['id']}").get_json()["data"],
                              "reason": "Add the Spanish warning sign"})
    assert amended.status_code == 200
    assert "Le falta el aire." in summary(nurse, handoff["id"])  # the new draft reads today's memory
    assert "Le falta el aire." not in summary(nurse, handoff["id"], revision=handoff["revision"])


def test_the_pdf_marks_untranslated_text_in_the_patients_language(nurse, spanish_discharge):
    handoff, _ = spanish_discharge
    response = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Sin traducir:" in text and "SOB on the stairs" in " ".join(text.split())


def _at(data, path: str):
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def pdf_text(body: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())


def test_the_clinician_pdf_states_the_summary_language_and_what_was_left(nurse, spanish_discharge, make_handoff):
    handoff, _ = spanish_discharge
    text = pdf_text(nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf").data)
    assert "The patient's take-home summary is in Spanish" in text
    assert re.search(r"\d+ items? left untranslated", text) and "warning_signs.1.sign" in text
    english, _ = make_handoff()
    text = pdf_text(nurse.get(f"/api/v1/handoffs/{english['id']}/documents/clinician.pdf").data)
    assert "summary is in English; nothing in it was left untranslated" in text


def test_the_clinician_pdf_follows_the_memory_a_draft_reads(nurse, physician, spanish_discharge):
    """The summary's untranslated list is composed once per inputs (documents.service._untranslated): a new entry
    in the memory is a new input, so a draft's clinician PDF stops listing the text at once."""
    handoff, _ = spanish_discharge
    url = f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf"
    assert "warning_signs.1.sign" in pdf_text(nurse.get(url).data)
    assert nurse.get(url).headers["X-Document-Cache"] == "hit"
    added = physician.post("/api/v1/translations", json={"lang": "es", "source": SIGN, "text": "Le falta el aire."})
    assert added.status_code == 201
    again = nurse.get(url)
    assert again.headers["X-Document-Cache"] == "miss" and "warning_signs.1.sign" not in pdf_text(again.data)


def test_a_signed_clinician_pdf_keeps_the_memory_pinned_at_signing(nurse, physician, spanish_discharge):
    handoff, etag = spanish_discharge
    assert nurse.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": etag}).status_code == 200
    url = f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf"
    before = pdf_text(nurse.get(url).data)
    assert "warning_signs.1.sign" in before
    physician.post("/api/v1/translations", json={"lang": "es", "source": SIGN, "text": "Le falta el aire."})
    after = nurse.get(url)
    assert after.headers["X-Document-Cache"] == "hit" and pdf_text(after.data) == before  # what was signed


def test_a_composed_dose_is_shown_in_the_patients_language_and_never_with_a_thousands_comma(
        nurse, make_patient, make_handoff, discharge_scenario):
    data = copy.deepcopy(discharge_scenario["data"])
    data["medications"].append({"name": "Ergocalciferol", "dose": "50,000 units", "route": "PO", "frequency": "weekly",
                                "status": "new"})
    data["medications"].append({"name": "Acetaminophen", "dose": "500 mg", "route": "PO", "status": "new",
                                "frequency": "q6h PRN pain, max 3,000 mg/day"})
    handoff, _ = make_handoff(data=data, patient=make_patient(preferred_language="es"))
    html = summary(nurse, handoff["id"])
    assert "50\u00a0000 unidades" in html and "Tome 50\u00a0000 unidades por la boca una vez a la semana." in html
    assert "no más de 3000 mg en un día." in html
    assert not re.search(r"\d,\d{3}", html)  # neither "50,000" beside the name nor "3,000" in a leftover
    paths = {item["path"] for item in untranslated(nurse, handoff["id"])}
    index = len(data["medications"])
    assert not {f"medications.{index - 2}.dose", f"medications.{index - 1}.frequency"} & paths
    english = summary(nurse, handoff["id"], lang="en")
    assert "Take 50,000 units by mouth once a week." in english and "no more than 3,000 mg in one day." in english


def test_the_demo_shows_a_spanish_reader_with_english_text_partly_translated(app, client):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    token = client.post("/api/v1/auth/tokens", json={"username": "nurse", "password": "handoff-nurse"}).get_json()
    auth = {"Authorization": f"Bearer {token['token']}"}
    patient = client.get("/api/v1/patients?q=DEMO-312455", headers=auth).get_json()[0]
    assert patient["preferred_language"] == "es"
    handoff = client.get(f"/api/v1/handoffs?patient_id={patient['id']}", headers=auth).get_json()[0]
    assert handoff["status"] == "final"
    html = client.get(f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.html", headers=auth)
    html = html.get_data(as_text=True)
    assert "Fiebre de más de 101 °F o escalofríos." in html  # a bilingual nurse's translation
    assert "Sin traducir:" in html and 'lang="en"' in html  # and what nobody has translated yet
    report = client.get(f"/api/v1/handoffs/{handoff['id']}/readability", headers=auth).get_json()
    assert report["untranslated"] and "warning_signs.0.sign" not in {i["path"] for i in report["untranslated"]}


def test_a_name_in_the_plan_keeps_its_capitals(nurse, spanish_discharge):
    handoff, _ = spanish_discharge
    plan = re.search(r'<section class="plan".*?</section>', summary(nurse, handoff["id"]), re.S).group()
    assert "Dr. Samuel Ortiz" in plan and "dr. Samuel" not in plan
    assert "vaya a ver al Dr. Samuel Ortiz" in plan  # "a" + "el" before the title, not "a Dr. Samuel Ortiz"


@pytest.mark.parametrize("name, phrase", [
    ("Dr. Alan Pierce", "al Dr. Alan Pierce"),
    ("Dra. Ana Ruiz", "a la Dra. Ana Ruiz"),
    ("Doctor Luis Vega", "al Doctor Luis Vega"),
    ("doctora Pérez", "a la doctora Pérez"),
    ("Dr Alan Pierce", "al Dr Alan Pierce"),  # without its full stop
    ("DRA. ANA RUIZ", "a la DRA. ANA RUIZ"),  # in capitals
    ("Enf. Marta Gil", "al Enf. Marta Gil"),  # says neither: the form Spanish uses when it does not say
    ("Enfermera Marta Gil", "a la Enfermera Marta Gil"),
    ("Sra. Gómez", "a la Sra. Gómez"),
    ("el Dr. Pierce", "al Dr. Pierce"),  # the article typed with the name contracts too
    ("la Dra. Ruiz", "a la Dra. Ruiz"),
    ("Ana López", "a Ana López"),  # a plain name is left alone
    ("Drake Ramos", "a Drake Ramos"),  # a name that starts like a title is not one
    ("Dr", "a Dr"),  # a title alone names nobody
])
def test_the_person_to_see_takes_the_spanish_article_of_a_title(name, phrase):
    assert spanish_personal_a(name) == phrase


@pytest.mark.parametrize("who, line", [
    ("Dra. Ana Ruiz", "Primero: vaya a ver a la Dra. Ana Ruiz"),
    ("Ana López", "Primero: vaya a ver a Ana López"),
])
def test_the_plan_line_reads_as_spanish_before_a_title_and_a_plain_name(nurse, make_patient, make_handoff,
                                                                        discharge_scenario, who, line):
    data = copy.deepcopy(discharge_scenario["data"])
    data["follow_up"][0]["with"] = who
    handoff, _ = make_handoff(data=data, patient=make_patient(preferred_language="es"))
    plan = re.search(r'<section class="plan".*?</section>', summary(nurse, handoff["id"]), re.S).group()
    assert line in plan, plan
    english = re.search(r'<section class="plan".*?</section>', summary(nurse, handoff["id"], lang="en"), re.S).group()
    assert f"First: see {who}" in english, english  # English has no such article


def test_the_emergency_line_reads_as_spanish_whatever_the_sign_is(nurse, make_patient, make_handoff,
                                                                 discharge_scenario):
    """"Si tiene %(sign)s" read "Si tiene le cuesta respirar" on the demo: a sign can be a clause, not a thing."""
    data = copy.deepcopy(discharge_scenario["data"])
    data["warning_signs"] = [{"sign": "Le cuesta respirar o se desmaya", "action": "call_911"}]
    handoff, _ = make_handoff(data=data, patient=make_patient(preferred_language="es"))
    plan = re.search(r'<section class="plan".*?</section>', summary(nurse, handoff["id"]), re.S).group()
    assert "Si nota esto, llame al 911: le cuesta respirar o se desmaya." in plan, plan


_MARKED = """{% from "documents/_passage.html" import say -%}
<!doctype html><html lang="es"><head><link rel="stylesheet" href="/static/documents/fonts.css">
<link rel="stylesheet" href="/static/documents/summary.css"></head>
<body class="patient-summary">{% for width in widths %}
<p style="width: {{ width }}mm">Llame si nota: {{ say(passage) }}</p>{% endfor %}
</body></html>"""


def test_the_mark_never_ends_a_line_without_the_text_it_marks(app):
    """Rendered in columns of every width from 30 to 80 mm, "Sin traducir:" always shares its line with the first
    word it marks; with the plain space it had before, it ends a line alone at some of these widths."""
    passage = Passage((Segment("Shortness of breath on the stairs, can't lie flat", lang="en", untranslated=True),))
    with app.test_request_context(), force_locale("es"):
        html = render_template_string(_MARKED, passage=passage, widths=range(30, 81, 2))

    def lines(markup: str) -> list[str]:
        with pdfplumber.open(io.BytesIO(render_pdf(markup, static_root=Path(app.static_folder)))) as pdf:
            return [line for page in pdf.pages for line in page.extract_text().splitlines()]

    assert "untranslated-lead" in html
    kept = [line for line in lines(html) if "traducir:" in line]
    assert len(kept) == len(range(30, 81, 2)) and all(line.split()[-1] != "traducir:" for line in kept), kept
    assert all(line.endswith("Sin traducir: Shortness") or "Shortness of" in line for line in kept), kept  # whole words
    before = html.replace('class="untranslated-lead"', "")  # the markup as it was: mark, a space, then the text
    assert any(line.endswith("traducir:") for line in lines(before))
