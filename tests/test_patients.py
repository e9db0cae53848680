"""Patients: register, duplicate MRN, search, validation (contract 3.3)."""


def test_create_and_read_patient(nurse):
    body = {"mrn": "MRN-1", "given_name": "Walter", "family_name": "Okafor", "birth_date": "1947-03-12",
            "preferred_language": "es"}
    response = nurse.post("/api/v1/patients", json=body)
    assert response.status_code == 201
    created = response.get_json()
    assert {k: created[k] for k in body} == body
    assert response.headers["Location"].endswith(f"/api/v1/patients/{created['id']}")
    assert nurse.get(f"/api/v1/patients/{created['id']}").get_json()["mrn"] == "MRN-1"


def test_duplicate_mrn_is_409(nurse, make_patient):
    patient = make_patient(mrn="DUP-1")
    again = nurse.post("/api/v1/patients", json={**{k: patient[k] for k in ("given_name", "family_name",
                                                                                "birth_date")}, "mrn": "DUP-1"})
    assert again.status_code == 409
    assert "DUP-1" in again.get_json()["message"]


def test_unknown_patient_is_404(nurse):
    assert nurse.get("/api/v1/patients/999999").status_code == 404


def test_bad_patient_fields_are_422_with_paths(nurse):
    response = nurse.post("/api/v1/patients", json={"mrn": "", "given_name": "A", "birth_date": "12/03/1947",
                                                    "preferred_language": "fr"})
    assert response.status_code == 422
    paths = {e["path"] for e in response.get_json()["errors"]}
    assert {"mrn", "family_name", "birth_date", "preferred_language"} <= paths


def test_search_by_name_or_mrn_is_paginated(nurse, make_patient):
    make_patient(given_name="Lucia", family_name="Marquez", mrn="S-100")
    make_patient(given_name="Luis", family_name="Marquez", mrn="S-101")
    make_patient(given_name="Walter", family_name="Okafor", mrn="S-200")
    assert [p["given_name"] for p in nurse.get("/api/v1/patients?q=marq").get_json()] == ["Lucia", "Luis"]
    assert [p["mrn"] for p in nurse.get("/api/v1/patients?q=S-200").get_json()] == ["S-200"]
    assert [p["given_name"] for p in nurse.get("/api/v1/patients?q=lucia marquez").get_json()] == ["Lucia"]
    page = nurse.get("/api/v1/patients?q=marquez&per_page=1&page=2")
    assert page.headers["X-Total-Count"] == "2"
    assert [p["given_name"] for p in page.get_json()] == ["Luis"]
    assert 'rel="prev"' in page.headers["Link"]
    assert nurse.get("/api/v1/patients?q=%25").get_json() == []


def test_every_timestamp_is_utc_with_a_z_on_every_database(nurse, make_patient, make_handoff):
    """One date-time spelling everywhere: a patient's created_at used to lack a zone on SQLite."""
    import re

    patient = make_patient()
    handoff, _ = make_handoff(patient=patient)
    utc = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
    assert utc.fullmatch(patient["created_at"]), patient["created_at"]
    assert utc.fullmatch(nurse.get(f"/api/v1/patients/{patient['id']}").get_json()["created_at"])
    assert utc.fullmatch(handoff["created_at"]) and utc.fullmatch(handoff["updated_at"])
