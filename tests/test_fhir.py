"""FHIR export (DESIGN 3.8, issue 12): every output is read back by an independent library (fhir.resources' R4B
models) and checked against the document rules that library does not enforce (bdl-9, bdl-10, bdl-11, the
Composition first, each entry's fullUrl, every reference resolvable inside the bundle), and every
QuestionnaireResponse against its Questionnaire version.

`check_document` and `check_response` are used by tests/test_fhir_properties.py too.
"""

import copy
import json
import uuid
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class

from handoff.extensions import db

FHIR_JSON = "application/fhir+json"
XHTML_DIV = "{http://www.w3.org/1999/xhtml}div"
ANSWER_KEYS = {
    "string": "valueString",
    "text": "valueString",
    "date": "valueDate",
    "dateTime": "valueDateTime",
    "boolean": "valueBoolean",
    "choice": "valueCoding",
}


# --- the rules ---------------------------------------------------------------------------------------


def parse(resource: dict):
    """Read a resource with the R4B model of its type (raises on anything R4B does not allow)."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def references(value):
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            yield value["reference"]
        for inner in value.values():
            yield from references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from references(inner)


def check_narrative(text: dict) -> str:
    """Narrative is escaped XHTML: one div in the XHTML namespace, well-formed, with something to read."""
    assert text["status"] == "generated"
    root = ElementTree.fromstring(text["div"])  # raises on anything unescaped that breaks the XML
    assert root.tag == XHTML_DIV
    assert not list(root.iter("{http://www.w3.org/1999/xhtml}script"))
    assert all(not name.lower().startswith("on") for element in root.iter() for name in element.attrib)
    readable = "".join(root.itertext()).strip()
    assert readable
    return readable


def sections_of(composition: dict):
    stack = list(composition.get("section", []))
    while stack:
        section = stack.pop(0)
        yield section
        stack.extend(section.get("section", []))


def check_document(bundle: dict) -> dict[str, list[dict]]:
    """Every rule of a FHIR document the R4B models leave unchecked; returns the resources by type."""
    parse(bundle)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "document"
    assert bundle["identifier"]["system"] and bundle["identifier"]["value"]  # bdl-9
    assert bundle["timestamp"]  # bdl-10
    entries = bundle["entry"]
    assert entries[0]["resource"]["resourceType"] == "Composition"  # bdl-11
    assert sum(e["resource"]["resourceType"] == "Composition" for e in entries) == 1
    full_urls = [entry["fullUrl"] for entry in entries]
    assert len(set(full_urls)) == len(full_urls)  # bdl-7
    for entry in entries:
        assert entry["fullUrl"] == f"urn:uuid:{uuid.UUID(entry['resource']['id'])}"
        parse(entry["resource"])
        check_narrative(entry["resource"]["text"])
    assert set(references(bundle)) <= set(full_urls), "a reference does not resolve inside the bundle"
    composition = entries[0]["resource"]
    assert set(full_urls[1:]) <= set(references(composition)), "a resource is not referenced from the Composition"
    for section in sections_of(composition):
        check_narrative(section["text"])
        assert section["title"]
        assert not (section.get("entry") and section.get("emptyReason"))  # cmp-2
    found: dict[str, list[dict]] = {}
    for entry in entries:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def _questions(items: list[dict], found: dict | None = None) -> dict:
    found = {} if found is None else found
    for item in items:
        assert item["linkId"] not in found, f"linkId {item['linkId']} twice"
        found[item["linkId"]] = item
        _questions(item.get("item", []), found)
    return found


def check_questionnaire(questionnaire: dict) -> dict:
    parse(questionnaire)
    check_narrative(questionnaire["text"])
    questions = _questions(questionnaire["item"])
    for item in questions.values():
        assert (item["type"] == "group") == ("item" in item)  # que-1
        assert "answerOption" not in item or item["type"] == "choice"
    return questions


def check_response(response: dict, questionnaire: dict, *, final: bool) -> None:
    """The response answers its questionnaire version: linkIds exist where they are, answers have the item's type
    (a choice one of its options, text within maxLength), only repeating items repeat, and a final revision
    answers every required item of every group it answers."""
    parse(response)
    check_narrative(response["text"])
    check_questionnaire(questionnaire)
    assert response["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"
    assert response["status"] == ("completed" if final else "in-progress")

    def walk(answered: list[dict], asked: list[dict], where: str) -> None:
        by_link = {item["linkId"]: item for item in asked}
        seen = Counter()
        for item in answered:
            assert item["linkId"] in by_link, f"{item['linkId']} is not a question of {where}"
            question = by_link[item["linkId"]]
            seen[item["linkId"]] += 1
            if question["type"] == "group":
                assert "answer" not in item and item["item"]
                walk(item["item"], question["item"], item["linkId"])
                continue
            answers = item["answer"]
            assert answers and (question.get("repeats") or len(answers) == 1)
            for answer in answers:
                (key,) = [k for k in answer if k.startswith("value")]
                assert key == ANSWER_KEYS[question["type"]], f"{item['linkId']}: {key} for a {question['type']}"
                if question["type"] == "choice":
                    options = [o["valueCoding"] for o in question["answerOption"]]
                    assert answer[key] in options
                if "maxLength" in question:
                    assert len(answer[key]) <= question["maxLength"]
        for link, count in seen.items():
            assert count == 1 or by_link[link].get("repeats"), f"{link} repeats"
        if final:
            missing = [q["linkId"] for q in asked if q.get("required") and not seen[q["linkId"]]]
            assert missing == [], f"required and unanswered under {where}"

    walk(response.get("item", []), questionnaire["item"], "the questionnaire")


# --- helpers -----------------------------------------------------------------------------------------


def fhir(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == FHIR_JSON
    return json.loads(response.get_data())


def signed(nurse, make_handoff, data, checklist="discharge", **kwargs):
    body, etag = make_handoff(data=data, checklist=checklist, **kwargs)
    response = nurse.post(f"/api/v1/handoffs/{body['id']}/finalize", headers={"If-Match": etag})
    assert response.status_code == 200, response.get_json()
    return response.get_json(), response.headers["ETag"]


def _values(value, key: str):
    if isinstance(value, dict):
        for name, inner in value.items():
            if name == key:
                yield inner
            else:
                yield from _values(inner, key)
    elif isinstance(value, list):
        for inner in value:
            yield from _values(inner, key)


def by_code(composition: dict) -> dict[str, dict]:
    return {s["code"]["coding"][0]["code"] if "coding" in s["code"] else s["title"]: s for s in composition["section"]}


def resolve(bundle: dict, reference: dict) -> dict:
    return next(e["resource"] for e in bundle["entry"] if e["fullUrl"] == reference["reference"])


# --- the discharge document --------------------------------------------------------------------------


def test_a_signed_discharge_is_a_document_bundle_with_its_clinical_content(
    nurse, make_handoff, make_patient, discharge_scenario
):
    patient = make_patient(preferred_language="es", mrn="MRN-77")
    handoff, _ = signed(nurse, make_handoff, discharge_scenario["data"], patient=patient)
    bundle = fhir(nurse, f"/api/v1/handoffs/{handoff['id']}/fhir")
    found = check_document(bundle)
    data = discharge_scenario["data"]
    composition = bundle["entry"][0]["resource"]
    assert composition["type"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "18842-5",
        "display": "Discharge summary",
    }
    assert composition["status"] == "final" and composition["confidentiality"] == "N"
    assert composition["date"] == bundle["timestamp"] and bundle["timestamp"][:19] == handoff["finalized_at"][:19]
    signer = resolve(bundle, composition["author"][0])
    assert signer["resourceType"] == "Practitioner" and signer["name"][0]["text"] == "nurse"
    assert (
        composition["attester"][0]["mode"] == "legal"
        and composition["attester"][0]["party"] == composition["author"][0]
    )

    (fhir_patient,) = found["Patient"]
    assert fhir_patient["identifier"][0]["value"] == "MRN-77"
    assert fhir_patient["identifier"][0]["type"]["coding"][0]["code"] == "MR"
    assert fhir_patient["birthDate"] == patient["birth_date"]
    assert fhir_patient["name"][0]["family"] == patient["family_name"]
    assert fhir_patient["communication"][0]["language"]["coding"][0]["code"] == "es"
    assert fhir_patient["communication"][0]["preferred"] is True

    (encounter,) = found["Encounter"]
    assert encounter["period"] == {"start": data["encounter"]["admitted_on"], "end": data["encounter"]["discharged_on"]}
    disposition = encounter["hospitalization"]["dischargeDisposition"]
    assert disposition["coding"][0]["system"] == "http://terminology.hl7.org/CodeSystem/discharge-disposition"
    assert (
        disposition["coding"][0]["code"]
        == {
            "home": "home",
            "home_with_services": "home",
            "skilled_nursing": "snf",
            "rehab": "rehab",
            "other_facility": "other-hcf",
        }[data["encounter"]["destination"]]
    )

    conditions = found["Condition"]
    principal = data["diagnoses"]["principal"]
    assert conditions[0]["code"]["text"] == principal["clinical"]
    assert conditions[0]["note"][0]["text"].endswith(principal["plain"])
    assert len(conditions) == 1 + len([d for d in data["diagnoses"].get("secondary", []) if d.get("clinical")])
    assert encounter["diagnosis"][0]["rank"] == 1

    medicines = {m["medicationCodeableConcept"]["text"]: m for m in found["MedicationStatement"]}
    assert list(medicines) == [m["name"] for m in data["medications"]]
    for typed in data["medications"]:
        statement = medicines[typed["name"]]
        assert statement["status"] == ("stopped" if typed["status"] == "stopped" else "active")
        assert statement["statusReason"][0]["coding"][0]["code"] == typed["status"]
        if typed.get("change_note"):
            assert typed["change_note"] in statement["statusReason"][0]["text"]
        assert typed["dose"] in statement["dosage"][0]["text"]

    requests = found["ServiceRequest"]
    follow_ups = [r for r in requests if r["code"]["text"].startswith("Follow-up visit")]
    pending = [r for r in requests if r["code"]["text"].startswith("Follow up the pending result")]
    assert [r["performer"][0]["display"] for r in follow_ups] == [f["with"] for f in data["follow_up"]]
    assert [r["performer"][0]["display"] for r in pending] == [p["owner"] for p in data["pending_results"]]
    assert all(r["intent"] == "order" and r["requester"] == composition["author"][0] for r in requests)

    sections = by_code(composition)
    for code in ("8648-8", "11535-2", "48765-2", "10183-2", "18776-5", "69730-0", "8653-8", "81338-6"):
        assert code in sections, code
    warning_text = check_narrative(sections["69730-0"]["text"])
    assert all(sign["sign"] in warning_text for sign in data["warning_signs"])
    assert data["hospital_course"][:40] in check_narrative(sections["8648-8"]["text"])
    assert {e["reference"] for e in sections["10183-2"]["entry"]} == {
        e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement"
    }


def test_empty_sections_carry_an_empty_reason_and_no_known_allergies_is_coded(nurse, make_handoff, discharge_scenario):
    data = copy.deepcopy(discharge_scenario["data"])
    data.pop("allergies", None)
    data["no_known_allergies"] = True
    for key in ("follow_up", "pending_results", "self_care", "what_matters", "concerns"):
        data.pop(key, None)
    handoff, _ = signed(nurse, make_handoff, data)
    bundle = fhir(nurse, f"/api/v1/handoffs/{handoff['id']}/fhir")
    found = check_document(bundle)
    (allergy,) = found["AllergyIntolerance"]
    assert allergy["code"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "716186003",
        "display": "No known allergy (situation)",
    }
    sections = by_code(bundle["entry"][0]["resource"])
    plan = sections["18776-5"]
    assert "entry" not in plan and plan["emptyReason"]["coding"][0]["code"] == "nilknown"
    assert sections["81338-6"]["emptyReason"]["coding"][0]["code"] == "nilknown"
    assert "emptyReason" not in sections["48765-2"]


def test_user_text_is_escaped_in_every_narrative(nurse, make_handoff, discharge_scenario):
    data = copy.deepcopy(discharge_scenario["data"])
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)> & </div>\x07'
    data["hospital_course"] = attack
    data["medications"][0]["name"] = attack
    data["diagnoses"]["principal"]["plain"] = attack
    handoff, _ = signed(nurse, make_handoff, data)
    bundle = fhir(nurse, f"/api/v1/handoffs/{handoff['id']}/fhir")
    check_document(bundle)
    divs = [value for value in _values(bundle, "div")]
    assert len(divs) > 10 and not [div for div in divs if "<script" in div or "<img" in div]
    medicine = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement")
    assert medicine["medicationCodeableConcept"]["text"] == attack.replace("\x07", "\ufffd")  # data stays data
    course = by_code(bundle["entry"][0]["resource"])["8648-8"]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in course["text"]["div"]
    assert check_narrative(course["text"]).startswith('<script>alert("x")</script><img')


def test_the_same_revision_exports_the_same_bundle(nurse, make_handoff, discharge_scenario):
    handoff, _ = signed(nurse, make_handoff, discharge_scenario["data"])
    first = nurse.get(f"/api/v1/handoffs/{handoff['id']}/fhir").get_data()
    second = nurse.get(f"/api/v1/handoffs/{handoff['id']}/fhir?revision=1").get_data()
    assert first == second
    bundle = json.loads(first)
    assert bundle["identifier"]["value"] == f"urn:uuid:{bundle['id']}"


def test_an_amended_handoff_exports_its_latest_signed_revision_until_signed_again(
    nurse, make_handoff, discharge_scenario
):
    handoff, etag = signed(nurse, make_handoff, discharge_scenario["data"])
    changed = copy.deepcopy(discharge_scenario["data"])
    changed["hospital_course"] = "Amended course."
    saved = nurse.put(
        f"/api/v1/handoffs/{handoff['id']}", json={"data": changed, "reason": "typo"}, headers={"If-Match": etag}
    )
    assert saved.status_code == 200
    first = fhir(nurse, f"/api/v1/handoffs/{handoff['id']}/fhir")
    assert "Amended course." not in json.dumps(first)
    draft = nurse.get(f"/api/v1/handoffs/{handoff['id']}/fhir?revision=2")
    assert draft.status_code == 409 and draft.get_json()["errors"][0]["path"] == "revision"
    again = nurse.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": saved.headers["ETag"]})
    assert again.status_code == 200
    second = fhir(nurse, f"/api/v1/handoffs/{handoff['id']}/fhir")
    check_document(second)
    assert "Amended course." in json.dumps(second) and second["identifier"] != first["identifier"]
    composition = second["entry"][0]["resource"]
    assert composition["relatesTo"] == [
        {"code": "replaces", "targetIdentifier": first["entry"][0]["resource"]["identifier"]}
    ]
    assert fhir(nurse, f"/api/v1/handoffs/{handoff['id']}/fhir?revision=1") == first


def test_a_handoff_never_signed_is_409_and_unknown_records_are_404(nurse, make_handoff, discharge_scenario):
    draft, _ = make_handoff()
    never = nurse.get(f"/api/v1/handoffs/{draft['id']}/fhir")
    assert never.status_code == 409 and "never been signed" in never.get_json()["message"]
    assert nurse.get(f"/api/v1/handoffs/{draft['id']}/fhir?revision=1").status_code == 409
    assert nurse.get("/api/v1/handoffs/9999/fhir").status_code == 404
    assert nurse.get("/api/v1/handoffs/9999/fhir/questionnaire-response").status_code == 404
    handoff, _ = signed(nurse, make_handoff, discharge_scenario["data"])
    assert nurse.get(f"/api/v1/handoffs/{handoff['id']}/fhir?revision=7").status_code == 404
    assert nurse.get(f"/api/v1/handoffs/{handoff['id']}/fhir/questionnaire-response?revision=7").status_code == 404
    bad = nurse.get(f"/api/v1/handoffs/{handoff['id']}/fhir?revision=0")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["path"] == "revision"
    assert nurse.get("/api/v1/checklists/nosuch/fhir").status_code == 404
    assert nurse.get("/api/v1/checklists/discharge/fhir?version=99").status_code == 404
    assert nurse.get("/api/v1/checklists/discharge/fhir?version=x").status_code == 422


def test_exports_need_the_roles_of_the_reads_they_export(
    client, nurse, physician, admin, make_handoff, discharge_scenario
):
    handoff, _ = signed(nurse, make_handoff, discharge_scenario["data"])
    for path in (
        f"/api/v1/handoffs/{handoff['id']}/fhir",
        f"/api/v1/handoffs/{handoff['id']}/fhir/questionnaire-response",
    ):
        assert client.get(path).status_code == 401
        assert admin.get(path).status_code == 403
        assert physician.get(path).status_code == 200
    assert client.get("/api/v1/checklists/discharge/fhir").status_code == 401
    for user in (nurse, physician, admin):
        assert user.get("/api/v1/checklists/discharge/fhir").status_code == 200


def test_exports_of_patient_data_are_audited_and_the_failed_ones_are_not(
    nurse, admin, make_handoff, discharge_scenario
):
    draft, _ = make_handoff()
    assert nurse.get(f"/api/v1/handoffs/{draft['id']}/fhir").status_code == 409
    handoff, _ = signed(nurse, make_handoff, discharge_scenario["data"])
    bundle = fhir(nurse, f"/api/v1/handoffs/{handoff['id']}/fhir")
    fhir(nurse, f"/api/v1/handoffs/{handoff['id']}/fhir/questionnaire-response")
    fhir(nurse, "/api/v1/checklists/discharge/fhir")
    events = admin.get(f"/api/v1/audit?handoff_id={handoff['id']}").get_json()
    exports = [e for e in events if e["action"].startswith("fhir.")]
    assert [e["action"] for e in exports] == ["fhir.document", "fhir.questionnaire_response"]
    assert all(e["username"] == "nurse" and e["patient_id"] == handoff["patient_id"] for e in exports)
    assert exports[0]["detail"]["revision"] == 1 and exports[0]["detail"]["bundle"] == bundle["identifier"]["value"]
    failed = admin.get(f"/api/v1/audit?handoff_id={draft['id']}").get_json()
    assert not [e for e in failed if e["action"].startswith("fhir.")]


# --- the I-PASS document -----------------------------------------------------------------------------


def test_a_signed_ipass_has_the_five_sections_and_the_receivers_synthesis(
    nurse, physician, make_handoff, ipass_scenario
):
    handoff, _ = signed(nurse, make_handoff, ipass_scenario["data"], checklist="ipass")
    awaited = fhir(nurse, f"/api/v1/handoffs/{handoff['id']}/fhir")
    check_document(awaited)
    titles = [s["title"] for s in awaited["entry"][0]["resource"]["section"]]
    assert titles == [
        "Illness severity",
        "Patient summary",
        "Action list",
        "Situation awareness and contingency planning",
        "Synthesis by receiver",
    ]
    synthesis = awaited["entry"][0]["resource"]["section"][4]
    assert synthesis["emptyReason"]["coding"][0]["code"] == "notstarted"
    assert "Awaited" in check_narrative(synthesis["text"])

    said = "Septic, watcher; recheck lactate at 22:00 & call if MAP < 65."
    assert (
        physician.post(
            f"/api/v1/handoffs/{handoff['id']}/acknowledge", json={"revision": 1, "synthesis": said}
        ).status_code
        == 201
    )
    bundle = fhir(nurse, f"/api/v1/handoffs/{handoff['id']}/fhir")
    found = check_document(bundle)
    composition = bundle["entry"][0]["resource"]
    assert composition["type"]["coding"][0]["code"] == "18761-7"
    synthesis = composition["section"][4]
    assert "emptyReason" not in synthesis and said in check_narrative(synthesis["text"])
    assert resolve(bundle, synthesis["author"][0])["name"][0]["text"] == "physician"

    data = ipass_scenario["data"]
    tasks = found["Task"]
    assert [t["description"] for t in tasks] == [a["task"] for a in data["action_list"]]
    for task, action in zip(tasks, data["action_list"], strict=True):
        assert task.get("owner", {}).get("display") == action.get("owner")
        if action.get("due"):
            assert task["restriction"]["period"]["end"].startswith(action["due"][:16])
        assert task["status"] == ("completed" if action.get("done") else "requested")
    (severity,) = found["Observation"]
    assert severity["valueCodeableConcept"]["coding"][0]["code"] == data["illness_severity"]
    plans = check_narrative(composition["section"][3]["text"])
    assert all(plan["if"] in plans and plan["then"] in plans for plan in data["situation_awareness"])


def test_due_times_typed_on_the_ward_carry_the_hospitals_offset(make_app, database_url):
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    from handoff.fhir import ipass
    from handoff.fhir.export import PatientInfo, Person, Settings, SignedRevision

    record = SignedRevision(
        handoff_id=1,
        revision=1,
        checklist_key="ipass",
        checklist_version=1,
        checklist_title="I-PASS",
        definition={"key": "ipass", "version": 1, "sections": []},
        data={
            "illness_severity": "stable",
            "action_list": [
                {"task": "Lactate", "due": "2026-11-23T22:00"},
                {"task": "Cultures", "due": "2026-07-01T08:15:30Z"},
            ],
        },
        patient=PatientInfo("M1", "Ana", "Ruiz", date(1950, 1, 2), "en"),
        signer=Person(1, "Dr. A"),
        signed_at=datetime(2026, 11, 23, 20, 0, tzinfo=UTC),
    )
    bundle = ipass.build(record, Settings("https://h.example", ZoneInfo("America/Chicago")))
    check_document(bundle)
    tasks = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task"]
    assert [t["restriction"]["period"]["end"] for t in tasks] == ["2026-11-23T22:00:00-06:00", "2026-07-01T08:15:30Z"]


# --- Questionnaire and QuestionnaireResponse ---------------------------------------------------------


@pytest.mark.parametrize("key", ["discharge", "ipass"])
def test_each_checklist_is_a_questionnaire_generated_from_its_definition(nurse, key):
    questionnaire = fhir(nurse, f"/api/v1/checklists/{key}/fhir")
    definition = nurse.get(f"/api/v1/checklists/{key}").get_json()
    questions = check_questionnaire(questionnaire)
    assert questionnaire["url"].endswith(f"/api/v1/checklists/{key}/fhir") and questionnaire["version"] == "1"
    assert fhir(nurse, f"/api/v1/checklists/{key}/fhir?version=1") == questionnaire
    assert [i["linkId"] for i in questionnaire["item"]] == [f"section:{s['key']}" for s in definition["sections"]]
    expected = {
        "text": "string",
        "longtext": "text",
        "date": "date",
        "datetime": "dateTime",
        "datetime_or_text": "string",
        "boolean": "boolean",
        "choice": "choice",
        "multichoice": "choice",
        "group": "group",
    }

    def visit(spec, path):
        kind = spec["type"]
        item = questions[path]
        if kind == "list":
            assert item["repeats"] is True and item["required"] == bool(spec.get("required"))
            inner = spec["item"]
            assert item["type"] == expected[inner["type"]]
            for child in inner.get("fields", []):
                visit(child, f"{path}.{child['key']}")
            return
        assert item["type"] == expected[kind] and item["text"] == spec["label"]
        if kind in ("choice", "multichoice"):
            assert [o["valueCoding"]["code"] for o in item["answerOption"]] == [c["value"] for c in spec["choices"]]
            assert item.get("repeats", False) == (kind == "multichoice")
        if kind == "group":
            for child in spec["fields"]:
                visit(child, f"{path}.{child['key']}")
        elif spec.get("required"):
            assert item["required"] is True

    for section in definition["sections"]:
        for spec in section["fields"]:
            visit(spec, spec["key"])
    if key == "discharge":
        assert questions["medications"]["required"] and questions["medications.dose"]["required"]
        assert questions["encounter"]["required"]  # signing needs encounter.admitted_on and more
        assert not questions["self_care"]["required"] and questions["hospital_course"]["type"] == "text"


@pytest.mark.parametrize(("scenario", "key"), [("discharge_scenario", "discharge"), ("ipass_scenario", "ipass")])
def test_a_revision_is_a_response_valid_against_its_questionnaire_version(request, nurse, make_handoff, scenario, key):
    data = request.getfixturevalue(scenario)["data"]
    body, etag = make_handoff(data=data, checklist=key)
    questionnaire = fhir(nurse, f"/api/v1/checklists/{key}/fhir?version=1")
    draft = fhir(nurse, f"/api/v1/handoffs/{body['id']}/fhir/questionnaire-response")
    check_response(draft, questionnaire, final=False)
    assert nurse.post(f"/api/v1/handoffs/{body['id']}/finalize", headers={"If-Match": etag}).status_code == 200
    final = fhir(nurse, f"/api/v1/handoffs/{body['id']}/fhir/questionnaire-response?revision=1")
    check_response(final, questionnaire, final=True)
    answered = json.dumps(final)
    if key == "discharge":
        assert all(m["name"] in answered for m in data["medications"])
        repeated = [i for i in final["item"] if i["linkId"] == "section:medications"][0]["item"]
        assert [i["linkId"] for i in repeated] == ["medications"] * len(data["medications"])


def test_a_checklist_an_admin_publishes_exports_through_the_same_definition(admin, nurse, make_handoff):
    definition = {
        "key": "wound_round",
        "title": "Wound round",
        "sections": [
            {
                "key": "wounds",
                "title": "Wounds",
                "fields": [
                    {"key": "site", "label": "Site", "type": "text", "required": True},
                    {"key": "sizes", "label": "Sizes (cm)", "type": "list", "item": {"label": "Size", "type": "text"}},
                    {
                        "key": "dressings",
                        "label": "Dressing days",
                        "type": "list",
                        "item": {
                            "label": "Days",
                            "type": "multichoice",
                            "choices": [{"value": "mon", "label": "Monday"}, {"value": "thu", "label": "Thursday"}],
                        },
                    },
                    {
                        "key": "checks",
                        "label": "Checks",
                        "type": "list",
                        "required": True,
                        "item": {
                            "label": "Check",
                            "type": "group",
                            "fields": [
                                {"key": "at", "label": "At", "type": "datetime", "required": True},
                                {"key": "ok", "label": "Healing", "type": "boolean"},
                                {
                                    "key": "by",
                                    "label": "By",
                                    "type": "group",
                                    "fields": [{"key": "name", "label": "Name", "type": "text", "required": True}],
                                },
                            ],
                        },
                    },
                ],
            }
        ],
    }
    assert admin.post("/api/v1/checklists", json=definition).status_code == 201
    data = {
        "site": "Left heel <b>",
        "sizes": ["2x3", "1x1"],
        "dressings": [["mon"], ["mon", "thu"]],
        "checks": [{"at": "2026-11-20T09:00", "ok": True, "by": {"name": "Ana"}}],
    }
    handoff, _ = signed(nurse, make_handoff, data, checklist="wound_round")
    bundle = fhir(nurse, f"/api/v1/handoffs/{handoff['id']}/fhir")
    check_document(bundle)
    text = check_narrative(bundle["entry"][0]["resource"]["section"][0]["text"])
    assert "Left heel <b>" in text and "Monday, Thursday" in text
    questionnaire = fhir(nurse, "/api/v1/checklists/wound_round/fhir")
    response = fhir(nurse, f"/api/v1/handoffs/{handoff['id']}/fhir/questionnaire-response")
    check_response(response, questionnaire, final=True)
    questions = check_questionnaire(questionnaire)
    assert questions["dressings"]["type"] == "group" and questions["dressings.item"]["repeats"] is True
    assert questions["checks.by"]["required"] and questions["checks.by.name"]["required"]


# --- every demo and shared-scenario handoff ----------------------------------------------------------


def test_every_demo_handoff_exports_a_valid_document_and_response(app, nurse, physician):
    from sqlalchemy import select

    from handoff.demo.loader import load_demo
    from handoff.handoffs.models import Handoff

    with app.app_context():
        load_demo()
        db.session.commit()
        handoffs = [
            (h.id, h.checklist_key, h.checklist_version, h.status)
            for h in db.session.scalars(select(Handoff).order_by(Handoff.id))
        ]
        db.session.remove()
    assert len(handoffs) >= 10 and {key for _, key, _, _ in handoffs} == {"discharge", "ipass"}
    questionnaires = {key: fhir(nurse, f"/api/v1/checklists/{key}/fhir") for key in ("discharge", "ipass")}
    documents = 0
    for handoff_id, key, _version, status in handoffs:
        response = nurse.get(f"/api/v1/handoffs/{handoff_id}/fhir")
        if status == "final":
            bundle = json.loads(response.get_data())
            check_document(bundle)
            documents += 1
        else:
            assert response.status_code == 409
        answers = fhir(nurse, f"/api/v1/handoffs/{handoff_id}/fhir/questionnaire-response")
        check_response(answers, questionnaires[key], final=status == "final")
    assert documents >= 6


def test_the_openapi_document_lists_the_fhir_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/handoffs/{handoff_id}/fhir",
        "/api/v1/handoffs/{handoff_id}/fhir/questionnaire-response",
        "/api/v1/checklists/{key}/fhir",
    ):
        operation = spec["paths"][path]["get"]
        assert FHIR_JSON in operation["responses"]["200"]["content"]


SCENARIOS = sorted((Path(__file__).parent / "fixtures" / "scenarios").glob("*.json"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_shared_scenario_exports_a_valid_document_and_response(
    path, nurse, physician, make_handoff, make_patient
):
    scenario = json.loads(path.read_text(encoding="utf-8"))
    key = scenario["checklist"]
    patient = make_patient(**{k: v for k, v in scenario["patient"].items() if k != "mrn"})
    handoff, _ = signed(nurse, make_handoff, scenario["data"], checklist=key, patient=patient)
    assert (
        physician.post(
            f"/api/v1/handoffs/{handoff['id']}/acknowledge",
            json={"revision": 1, "synthesis": "Read back and understood."},
        ).status_code
        == 201
    )
    bundle = fhir(nurse, f"/api/v1/handoffs/{handoff['id']}/fhir")
    found = check_document(bundle)
    assert found["Patient"][0]["name"][0]["family"] == scenario["patient"]["family_name"]
    questionnaire = fhir(nurse, f"/api/v1/checklists/{key}/fhir")
    check_response(
        fhir(nurse, f"/api/v1/handoffs/{handoff['id']}/fhir/questionnaire-response"), questionnaire, final=True
    )
