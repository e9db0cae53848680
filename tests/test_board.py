"""Shift change for a whole unit (DESIGN 3.7): unit and bed on patients, the board, taking over at once."""

import copy

import pytest
from sqlalchemy import select


@pytest.fixture
def ipass(make_handoff, ipass_scenario):
    def make(patient, severity="watcher", actions=None, as_user=None):
        data = copy.deepcopy(ipass_scenario["data"])
        if severity is None:
            data.pop("illness_severity")
        else:
            data["illness_severity"] = severity
        if actions is not None:
            data["action_list"] = actions
        return make_handoff(data=data, checklist="ipass", patient=patient, as_user=as_user)

    return make


def sign(client, handoff, etag):
    response = client.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": etag})
    assert response.status_code == 200, response.get_json()
    return response.get_json(), response.headers["ETag"]


def test_patients_have_a_unit_and_bed_changed_by_patch_and_audited(app, nurse, make_patient, admin):
    patient = make_patient(unit=" 5 North ", bed="12B")
    assert (patient["unit"], patient["bed"]) == ("5 North", "12B")
    moved = nurse.patch(f"/api/v1/patients/{patient['id']}", json={"unit": "ICU", "bed": "3"})
    assert moved.status_code == 200 and (moved.get_json()["unit"], moved.get_json()["bed"]) == ("ICU", "3")
    assert moved.get_json()["preferred_language"] == patient["preferred_language"]  # untouched: not sent
    from handoff.audit.models import AuditEvent
    from handoff.extensions import db

    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "patient.update")).one()
        assert event.detail["changes"]["unit"] == {"old": "5 North", "new": "ICU"}
    for body, path in (({}, ""), ({"unit": "x" * 65}, "unit"), ({"bed": "y" * 17}, "bed"),
                       ({"preferred_language": "fr"}, "preferred_language")):
        refused = nurse.patch(f"/api/v1/patients/{patient['id']}", json=body)
        assert refused.status_code == 422 and path in {e["path"] for e in refused.get_json()["errors"]}, body
    assert nurse.patch("/api/v1/patients/999999", json={"bed": "1"}).status_code == 404
    assert admin.patch(f"/api/v1/patients/{patient['id']}", json={"bed": "1"}).status_code == 403


def test_patients_are_listed_by_unit(nurse, make_patient):
    on_unit = make_patient(unit="5 North", bed="1")
    make_patient(unit="ICU", bed="1")
    make_patient()
    listed = nurse.get("/api/v1/patients?unit=5 North").get_json()
    assert [p["id"] for p in listed] == [on_unit["id"]]


def test_the_board_lists_the_unit_sickest_first_then_by_bed(nurse, physician, make_patient, ipass, make_handoff):
    beds = {}
    for bed, severity in (("10", "stable"), ("2", "stable"), ("3", "unstable"), ("4", None), ("5", "watcher")):
        beds[bed] = make_patient(unit="5N", bed=bed)
        ipass(beds[bed], severity=severity)
    no_ipass = make_patient(unit="5N", bed="1")
    make_handoff(patient=no_ipass)  # a discharge handoff is not an I-PASS
    make_patient(unit="ICU", bed="1")
    rows = nurse.get("/api/v1/board?unit=5N").get_json()
    assert [(r["patient"]["bed"], r["illness_severity"]) for r in rows] == [
        ("3", "unstable"), ("5", "watcher"), ("2", "stable"), ("10", "stable"), ("1", None), ("4", None)]
    assert rows[0]["handoff"]["checklist"]["key"] == "ipass" and rows[4]["handoff"] is None
    assert rows[0]["open_actions"] == 2 and rows[0]["acknowledged"] is False
    assert nurse.get("/api/v1/board").status_code == 422


def test_the_latest_ipass_counts_and_a_receipt_marks_the_row_acknowledged(nurse, physician, make_patient, ipass):
    patient = make_patient(unit="5N", bed="7")
    ipass(patient, severity="unstable")
    newer, etag = ipass(patient, severity="stable", actions=[{"task": "Recheck K+", "done": True},
                                                             {"task": "Call family", "done": False}])
    row = nurse.get("/api/v1/board?unit=5N").get_json()[0]
    assert row["handoff"]["id"] == newer["id"] and row["illness_severity"] == "stable" and row["open_actions"] == 1
    signed, _ = sign(nurse, newer, etag)
    assert nurse.get("/api/v1/board?unit=5N").get_json()[0]["acknowledged"] is False
    ack = physician.post(f"/api/v1/handoffs/{newer['id']}/acknowledge",
                         json={"revision": signed["revision"], "synthesis": "Stable, call family tonight."})
    assert ack.status_code == 201
    assert nurse.get("/api/v1/board?unit=5N").get_json()[0]["acknowledged"] is True


def test_a_receiver_takes_over_the_unit_in_one_step(nurse, physician, make_patient, ipass):
    items = []
    for bed in ("1", "2"):
        handoff, etag = ipass(make_patient(unit="5N", bed=bed))
        signed, _ = sign(nurse, handoff, etag)
        items.append({"handoff_id": handoff["id"], "revision": signed["revision"],
                      "synthesis": "Read back, no changes"})
    response = physician.post("/api/v1/board/acknowledge", json={"items": items})
    assert response.status_code == 201, response.get_json()
    assert [(a["by"], a["revision"]) for a in response.get_json()] == [("physician", 1), ("physician", 1)]
    assert all(r["acknowledged"] for r in nurse.get("/api/v1/board?unit=5N").get_json())


@pytest.mark.parametrize("bad, status, path", [
    ("own", 403, "items.1"),
    ("superseded", 409, "items.1.revision"),
    ("unknown", 404, "items.1"),
    ("unsigned", 409, "items.1.revision"),
])
def test_one_bad_item_names_its_index_and_nothing_is_saved(nurse, physician, make_patient, ipass, bad, status, path):
    good, etag = ipass(make_patient(unit="5N", bed="1"))
    good_signed, _ = sign(nurse, good, etag)
    other, other_etag = ipass(make_patient(unit="5N", bed="2"), as_user=physician if bad == "own" else None)
    revision = 1
    if bad in ("own", "superseded"):
        signed, signed_etag = sign(physician if bad == "own" else nurse, other, other_etag)
        if bad == "superseded":
            amended = nurse.put(f"/api/v1/handoffs/{other['id']}", headers={"If-Match": signed_etag},
                                json={"data": other["data"], "reason": "New lactate"})
            assert amended.status_code == 200
            sign(nurse, amended.get_json(), amended.headers["ETag"])
    items = [{"handoff_id": good["id"], "revision": good_signed["revision"], "synthesis": "Got it"},
             {"handoff_id": 999999 if bad == "unknown" else other["id"], "revision": revision, "synthesis": "Got it"}]
    response = physician.post("/api/v1/board/acknowledge", json={"items": items})
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert path in {e["path"] for e in body["errors"]} and "Item 1" in body["message"]
    assert nurse.get(f"/api/v1/handoffs/{good['id']}").get_json()["acknowledgements"] == []


def test_bulk_acknowledge_validates_its_items(physician):
    response = physician.post("/api/v1/board/acknowledge", json={"items": [{"handoff_id": 1, "revision": 1}]})
    assert response.status_code == 422 and "items.0.synthesis" in {e["path"] for e in response.get_json()["errors"]}
    assert physician.post("/api/v1/board/acknowledge", json={"items": []}).status_code == 422


def test_a_blank_unit_or_bed_clears_it(nurse, make_patient):
    patient = make_patient(unit="5N", bed="")
    assert patient["bed"] is None
    cleared = nurse.patch(f"/api/v1/patients/{patient['id']}", json={"unit": "  ", "bed": None})
    assert cleared.status_code == 200 and (cleared.get_json()["unit"], cleared.get_json()["bed"]) == (None, None)


def test_the_unit_sheet_prints_every_patient_in_board_order_with_the_five_elements(nurse, physician, make_patient,
                                                                                  ipass, tmp_path):
    import io
    import re

    from pypdf import PdfReader

    severities = ["stable", "watcher", "unstable", None] * 3
    received = None
    for number, severity in enumerate(severities, start=1):
        handoff, etag = ipass(make_patient(unit="7W", bed=str(number), family_name=f"Unit{number:02d}"),
                              severity=severity)
        if number <= 6 and severity:
            signed, _ = sign(nurse, handoff, etag)
            if number == 3:
                received = physician.post(f"/api/v1/handoffs/{handoff['id']}/acknowledge", json={
                    "revision": signed["revision"], "synthesis": "Watch lactate at 22:00, bolus if MAP under 65."})
                assert received.status_code == 201
    order = [r["patient"]["family_name"] for r in nurse.get("/api/v1/board?unit=7W").get_json()]
    response = nurse.get("/api/v1/board.pdf?unit=7W")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    (tmp_path / "sheet.pdf").write_bytes(response.data)
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.data)).pages]
    assert 1 <= len(pages) <= 6, len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert re.search(r"Bed \d+ · Unit\d\d, Rosa · MRN TEST-\d+", text), text[:200]
    text = " ".join(pages)
    first_seen = list(dict.fromkeys(re.findall(r"Bed \d+ · (Unit\d\d), Rosa · MRN", text)))
    assert first_seen == order
    for label in ("I · Illness severity", "P · Patient summary", "A · Action list",
                  "S · Situation awareness and contingency plans", "S · Synthesis by receiver"):
        assert text.count(label) == 12, label
    assert text.count("Awaited") == 11 and "Watch lactate at 22:00, bolus if MAP under 65." in text
    assert "due Mon 23 Nov 2026, 22:00 UTC" in text  # a due time for people, with the zone named
    assert nurse.get("/api/v1/board.pdf").status_code == 422


def test_a_hospital_time_zone_names_the_zone_and_a_wrong_one_stops_start_up(make_app, make_user):
    from handoff import create_app

    with pytest.raises(RuntimeError, match="HANDOFF_TIME_ZONE"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "HANDOFF_TIME_ZONE": "Mars/Olympus"})
    chicago = make_app(HANDOFF_TIME_ZONE="America/Chicago")
    with chicago.test_request_context():
        from handoff.documents.filters import local_time

        assert local_time("2026-11-23T22:00") == "Mon 23 Nov 2026, 22:00 CST"
        assert local_time("2026-07-01T04:00:00+00:00") == "Tue 30 Jun 2026, 23:00 CDT"


def test_the_ipass_pdf_shows_all_five_elements_and_times_for_people(nurse, physician, make_patient, ipass):
    import io

    from pypdf import PdfReader

    handoff, etag = ipass(make_patient(unit="5N", bed="4"))

    def text():
        body = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf").data
        return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages).split())

    draft = text()
    assert "I-PASS shift handoff handoff" not in draft and "I-PASS shift handoff" in draft
    order = [draft.index(label) for label in ("Illness severity", "Patient summary", "Action list",
                                              "Situation awareness and contingency plans", "Synthesis by receiver")]
    assert order == sorted(order)
    assert "Awaited." in draft and "2026-11-23T22:00" not in draft and "Mon 23 Nov 2026, 22:00 UTC" in draft
    signed, _ = sign(nurse, handoff, etag)
    physician.post(f"/api/v1/handoffs/{handoff['id']}/acknowledge",
                   json={"revision": signed["revision"], "synthesis": "Watcher: lactate at 22:00, glucose at 03:00."})
    received = text()
    assert "Awaited." not in received and "Watcher: lactate at 22:00, glucose at 03:00." in received


def test_the_demo_has_two_units_of_eight_at_mixed_severity(app, client):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    token = client.post("/api/v1/auth/tokens", json={"username": "nurse", "password": "handoff-nurse"}).get_json()
    auth = {"Authorization": f"Bearer {token['token']}"}
    for unit in ("4 West Medicine", "6 East Surgery"):
        rows = client.get(f"/api/v1/board?unit={unit}", headers=auth).get_json()
        assert len(rows) >= 8, unit
        assert {r["illness_severity"] for r in rows} >= {"unstable", "watcher", "stable"}
        states = {"draft" if r["handoff"]["status"] == "draft" else "received" if r["acknowledged"] else "signed"
                  for r in rows if r["handoff"]}
        assert states == {"draft", "signed", "received"}, unit
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert "0 new patients" in again.output
