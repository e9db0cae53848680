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


# --- the patient list's glance at each patient's latest handoff (issue 9, point 7) ----------------

def _ipass_data(ipass_scenario, severity):
    import copy

    data = copy.deepcopy(ipass_scenario["data"])
    data["illness_severity"] = severity
    return data


def _listed(client, **query):
    rows = client.get("/api/v1/patients", query_string=query)
    assert rows.status_code == 200, rows.get_json()
    return {p["id"]: p for p in rows.get_json()}


def test_the_list_shows_each_patients_latest_handoff_kind_status_severity_and_receipt(
        nurse, physician, make_patient, make_handoff, ipass_scenario):
    nothing = make_patient(family_name="Nothing")
    discharge = make_patient(family_name="Discharge", unit="5N", bed="4")
    make_handoff(patient=discharge)
    drafted = make_patient(family_name="Drafted")
    make_handoff(patient=drafted, checklist="ipass", data=_ipass_data(ipass_scenario, "watcher"))
    received = make_patient(family_name="Received")
    # An older discharge first: the I-PASS started after it is the latest.
    make_handoff(patient=received)
    ipass, etag = make_handoff(patient=received, checklist="ipass", data=_ipass_data(ipass_scenario, "unstable"))
    signed = nurse.post(f"/api/v1/handoffs/{ipass['id']}/finalize", headers={"If-Match": etag})
    assert signed.status_code == 200, signed.get_json()
    listed = _listed(nurse)
    assert listed[received["id"]]["latest_handoff"] == {
        "id": ipass["id"], "checklist": "ipass", "revision": 1, "status": "final",
        "illness_severity": "unstable", "acknowledged": False}
    ack = physician.post(f"/api/v1/handoffs/{ipass['id']}/acknowledge", json={"revision": 1, "synthesis": "Got it"})
    assert ack.status_code == 201, ack.get_json()

    listed = _listed(nurse)
    assert listed[nothing["id"]]["latest_handoff"] is None
    assert listed[discharge["id"]]["latest_handoff"]["checklist"] == "discharge"
    assert listed[discharge["id"]]["latest_handoff"]["illness_severity"] is None
    assert (listed[discharge["id"]]["unit"], listed[discharge["id"]]["bed"]) == ("5N", "4")
    assert {k: listed[drafted["id"]]["latest_handoff"][k] for k in ("checklist", "status", "illness_severity",
                                                                     "acknowledged")} == {
        "checklist": "ipass", "status": "draft", "illness_severity": "watcher", "acknowledged": False}
    assert listed[received["id"]]["latest_handoff"]["acknowledged"] is True
    # The contract's fields are all still there, unchanged, in the list and in one patient's answer.
    one = nurse.get(f"/api/v1/patients/{received['id']}").get_json()
    assert {k: v for k, v in listed[received["id"]].items() if k != "latest_handoff"} == one
    assert "latest_handoff" not in one


def test_an_amended_handoff_is_a_draft_again_and_no_longer_received(nurse, physician, make_patient, make_handoff,
                                                                    ipass_scenario):
    patient = make_patient()
    data = _ipass_data(ipass_scenario, "stable")
    ipass, etag = make_handoff(patient=patient, checklist="ipass", data=data)
    etag = nurse.post(f"/api/v1/handoffs/{ipass['id']}/finalize", headers={"If-Match": etag}).headers["ETag"]
    assert physician.post(f"/api/v1/handoffs/{ipass['id']}/acknowledge",
                          json={"revision": 1, "synthesis": "Got it"}).status_code == 201
    data["illness_severity"] = "unstable"
    amended = nurse.put(f"/api/v1/handoffs/{ipass['id']}", headers={"If-Match": etag},
                        json={"data": data, "reason": "Worse"})
    assert amended.status_code == 200, amended.get_json()
    latest = _listed(nurse)[patient["id"]]["latest_handoff"]
    assert (latest["revision"], latest["status"], latest["illness_severity"], latest["acknowledged"]) == (
        2, "draft", "unstable", False)


def test_the_latest_handoffs_of_a_page_are_read_in_one_query_whatever_its_size(
        app, nurse, make_patient, make_handoff, ipass_scenario):
    """No query per patient: a page of 2 and a page of 8 cost the same number of statements."""
    from sqlalchemy import event

    from handoff.extensions import db

    for _ in range(8):
        patient = make_patient(unit="Count")
        make_handoff(patient=patient, checklist="ipass", data=_ipass_data(ipass_scenario, "watcher"))
        make_handoff(patient=patient)  # a second handoff each: only the latest is read

    def statements(per_page):
        seen = []

        def count(_conn, _cursor, statement, *_args):
            seen.append(statement)

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                rows = nurse.get(f"/api/v1/patients?unit=Count&per_page={per_page}").get_json()
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
        assert len(rows) == per_page and all(r["latest_handoff"]["checklist"] == "discharge" for r in rows)
        return seen

    small, large = statements(2), statements(8)
    assert len(small) == len(large), [s.split()[0:4] for s in large]
    assert sum("handoffs" in s for s in large) == 1, [s for s in large if "handoffs" in s]
