"""Handoffs: revisions, ETag/If-Match, finalize, amendments, diff, acknowledgements, idempotency."""

import copy

import pytest


def put(user, handoff_id, data, etag, **extra):
    return user.put(f"/api/v1/handoffs/{handoff_id}", json={"data": data, **extra}, headers={"If-Match": etag})


def finalize(user, handoff_id, etag):
    return user.post(f"/api/v1/handoffs/{handoff_id}/finalize", headers={"If-Match": etag})


def test_create_returns_201_with_location_etag_and_body(nurse, make_patient, discharge_scenario):
    patient = make_patient()
    response = nurse.post("/api/v1/handoffs", json={"patient_id": patient["id"], "checklist": "discharge",
                                                    "data": discharge_scenario["data"]})
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/handoffs/{body['id']}")
    assert response.headers["ETag"]
    assert body["checklist"] == {"key": "discharge", "version": 1}
    assert body["revision"] == 1 and body["status"] == "draft"
    assert body["data"] == discharge_scenario["data"]
    assert body["updated_by"] == "nurse" and body["finalized_by"] is None and body["acknowledgements"] == []
    read = nurse.get(f"/api/v1/handoffs/{body['id']}")
    assert read.headers["ETag"] == response.headers["ETag"]
    assert read.get_json() == body


def test_a_draft_may_be_incomplete_but_not_wrong(nurse, make_patient):
    patient = make_patient()
    ok = nurse.post("/api/v1/handoffs", json={"patient_id": patient["id"], "checklist": "discharge", "data": {}})
    assert ok.status_code == 201
    bad = nurse.post("/api/v1/handoffs", json={"patient_id": patient["id"], "checklist": "discharge", "data": {
        "encounter": {"admitted_on": "yesterday", "destination": "moon"},
        "medications": [{"name": "Furosemide", "status": "sometimes"}]}})
    assert bad.status_code == 422
    paths = {e["path"] for e in bad.get_json()["errors"]}
    assert {"encounter.admitted_on", "encounter.destination", "medications.0.status"} <= paths


def test_unknown_patient_or_checklist_is_422(nurse, make_patient):
    patient = make_patient()
    response = nurse.post("/api/v1/handoffs", json={"patient_id": 424242, "checklist": "discharge", "data": {}})
    assert response.status_code == 422 and response.get_json()["errors"][0]["path"] == "patient_id"
    response = nurse.post("/api/v1/handoffs", json={"patient_id": patient["id"], "checklist": "nope", "data": {}})
    assert response.status_code == 422 and response.get_json()["errors"][0]["path"] == "checklist"


def test_put_needs_if_match_428_and_stale_is_412(nurse, make_handoff, discharge_scenario):
    handoff, etag = make_handoff()
    data = copy.deepcopy(discharge_scenario["data"])
    data["encounter"]["unit"] = "6 West"
    missing = nurse.put(f"/api/v1/handoffs/{handoff['id']}", json={"data": data})
    assert missing.status_code == 428
    saved = put(nurse, handoff["id"], data, etag)
    assert saved.status_code == 200
    assert saved.get_json()["revision"] == 2
    assert saved.headers["ETag"] != etag
    stale = put(nurse, handoff["id"], data, etag)
    assert stale.status_code == 412
    assert len(nurse.get(f"/api/v1/handoffs/{handoff['id']}/revisions").get_json()) == 2


def test_finalize_lists_every_missing_field(nurse, make_handoff):
    handoff, etag = make_handoff(data={"encounter": {"unit": "5 North"}})
    response = finalize(nurse, handoff["id"], etag)
    assert response.status_code == 422
    paths = {e["path"] for e in response.get_json()["errors"]}
    assert {"encounter.admitted_on", "encounter.discharged_on", "encounter.attending", "encounter.destination",
            "diagnoses.principal.clinical", "hospital_course", "medications", "warning_signs", "teach_back",
            "contacts"} <= paths
    assert nurse.get(f"/api/v1/handoffs/{handoff['id']}").get_json()["status"] == "draft"


def test_finalize_needs_if_match(nurse, make_handoff):
    handoff, etag = make_handoff()
    assert nurse.post(f"/api/v1/handoffs/{handoff['id']}/finalize").status_code == 428
    assert nurse.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": '"old"'}).status_code == 412


def test_finalize_signs_the_current_revision(nurse, make_handoff):
    handoff, etag = make_handoff()
    response = finalize(nurse, handoff["id"], etag)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "final" and body["revision"] == 1
    assert body["finalized_by"] == "nurse" and body["finalized_at"]
    assert isinstance(body["warnings"], list)
    revisions = nurse.get(f"/api/v1/handoffs/{handoff['id']}/revisions").get_json()
    assert [(r["number"], r["status"], r["signed_by"]) for r in revisions] == [(1, "final", "nurse")]


def test_amending_a_final_handoff_needs_a_reason(nurse, make_handoff, discharge_scenario):
    handoff, etag = make_handoff()
    etag = finalize(nurse, handoff["id"], etag).headers["ETag"]
    data = copy.deepcopy(discharge_scenario["data"])
    data["medications"][0]["dose"] = "20 mg"
    refused = put(nurse, handoff["id"], data, etag)
    assert refused.status_code == 409
    amended = put(nurse, handoff["id"], data, etag, reason="Dose lowered after evening BMP")
    assert amended.status_code == 200
    body = amended.get_json()
    assert body["status"] == "draft" and body["revision"] == 2 and body["finalized_by"] is None
    revisions = nurse.get(f"/api/v1/handoffs/{handoff['id']}/revisions").get_json()
    assert [(r["number"], r["status"]) for r in revisions] == [(1, "final"), (2, "draft")]
    assert revisions[1]["reason"] == "Dose lowered after evening BMP"
    old = nurse.get(f"/api/v1/handoffs/{handoff['id']}/revisions/1").get_json()
    assert old["data"]["medications"][0]["dose"] == "40 mg"
    assert finalize(nurse, handoff["id"], amended.headers["ETag"]).get_json()["status"] == "final"


def test_diff_reports_dotted_paths(nurse, make_handoff, discharge_scenario):
    handoff, etag = make_handoff()
    data = copy.deepcopy(discharge_scenario["data"])
    data["medications"][2]["dose"] = "25 mg"
    data["medications"].append({"name": "Spironolactone", "dose": "12.5 mg", "status": "new"})
    del data["what_matters"]
    put(nurse, handoff["id"], data, etag)
    changes = nurse.get(f"/api/v1/handoffs/{handoff['id']}/diff?from=1&to=2").get_json()
    assert {"path": "medications.2.dose", "old": "50 mg", "new": "25 mg"} in changes
    assert {"path": "medications.5", "old": None, "new": data["medications"][5]} in changes
    assert any(c["path"] == "what_matters" and c["new"] is None for c in changes)
    assert len(changes) == 3
    assert nurse.get(f"/api/v1/handoffs/{handoff['id']}/diff?from=1&to=9").status_code == 404


def test_acknowledgement_by_another_clinician(nurse, physician, make_handoff):
    handoff, etag = make_handoff()
    url = f"/api/v1/handoffs/{handoff['id']}/acknowledge"
    synthesis = {"revision": 1, "synthesis": "HF pt, watch weight, BMP Fri with PCP."}
    assert physician.post(url, json=synthesis).status_code == 409  # still a draft
    finalize(nurse, handoff["id"], etag)
    assert nurse.post(url, json=synthesis).status_code == 403  # the signer
    response = physician.post(url, json=synthesis)
    assert response.status_code == 201
    assert response.get_json()["by"] == "physician"
    assert physician.post(url, json=synthesis).status_code == 409  # once per person and revision
    acks = nurse.get(f"/api/v1/handoffs/{handoff['id']}").get_json()["acknowledgements"]
    assert [(a["revision"], a["by"], a["synthesis"]) for a in acks] == [(1, "physician", synthesis["synthesis"])]
    bad = physician.post(url, json={"revision": 7, "synthesis": " "})
    assert bad.status_code == 422


def test_idempotency_key_replays_the_first_response(nurse, make_patient, discharge_scenario):
    patient = make_patient()
    body = {"patient_id": patient["id"], "checklist": "discharge", "data": discharge_scenario["data"]}
    first = nurse.post("/api/v1/handoffs", json=body, headers={"Idempotency-Key": "tablet-7-0001"})
    again = nurse.post("/api/v1/handoffs", json=body, headers={"Idempotency-Key": "tablet-7-0001"})
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert len(nurse.get(f"/api/v1/handoffs?patient_id={patient['id']}").get_json()) == 1
    other = nurse.post("/api/v1/handoffs", json={**body, "data": {}}, headers={"Idempotency-Key": "tablet-7-0001"})
    assert other.status_code == 409


def test_idempotent_put_replay_makes_no_new_revision(nurse, make_handoff, discharge_scenario):
    handoff, etag = make_handoff()
    data = copy.deepcopy(discharge_scenario["data"])
    data["encounter"]["unit"] = "Step-down"
    headers = {"If-Match": etag, "Idempotency-Key": "outbox-42"}
    url = f"/api/v1/handoffs/{handoff['id']}"
    first = nurse.put(url, json={"data": data}, headers=headers)
    replay = nurse.put(url, json={"data": data}, headers=headers)
    assert first.status_code == replay.status_code == 200
    assert replay.get_json()["revision"] == 2
    assert len(nurse.get(f"{url}/revisions").get_json()) == 2


def test_failed_request_is_not_remembered_under_its_key(nurse, make_handoff):
    handoff, etag = make_handoff()
    url = f"/api/v1/handoffs/{handoff['id']}"
    bad = nurse.put(url, json={"data": {"medications": "none"}}, headers={"If-Match": etag, "Idempotency-Key": "k1"})
    assert bad.status_code == 422
    good = nurse.put(url, json={"data": {}}, headers={"If-Match": etag, "Idempotency-Key": "k2"})
    assert good.status_code == 200


def test_body_over_one_mib_is_413(nurse, make_patient):
    patient = make_patient()
    huge = {"patient_id": patient["id"], "checklist": "discharge", "data": {"what_matters": "x" * (1024 * 1024)}}
    response = nurse.post("/api/v1/handoffs", json=huge)
    assert response.status_code == 413
    assert response.get_json()["message"]


@pytest.mark.parametrize("path", ["/api/v1/handoffs/999", "/api/v1/handoffs/999/revisions",
                                  "/api/v1/handoffs/999/revisions/1", "/api/v1/handoffs/999/diff"])
def test_unknown_handoff_is_404(nurse, path):
    assert nurse.get(path).status_code == 404


def test_list_filters_and_paginates(nurse, make_patient, make_handoff, ipass_scenario):
    walter = make_patient()
    first, etag = make_handoff(patient=walter)
    make_handoff(patient=walter, checklist="ipass", data=ipass_scenario["data"])
    make_handoff()
    finalize(nurse, first["id"], etag)
    mine = nurse.get(f"/api/v1/handoffs?patient_id={walter['id']}")
    assert mine.headers["X-Total-Count"] == "2"
    assert {h["checklist"]["key"] for h in mine.get_json()} == {"discharge", "ipass"}
    finals = nurse.get("/api/v1/handoffs?status=final").get_json()
    assert [h["id"] for h in finals] == [first["id"]]
    assert len(nurse.get("/api/v1/handoffs?checklist=ipass").get_json()) == 1
    page = nurse.get("/api/v1/handoffs?per_page=2&page=2")
    assert page.headers["X-Total-Count"] == "3" and len(page.get_json()) == 1
    assert nurse.get("/api/v1/handoffs?status=signed").status_code == 422


def test_lists_past_the_count_limit_answer_without_a_total_and_still_page(nurse, make_handoff, monkeypatch):
    from handoff import pagination

    monkeypatch.setattr(pagination, "COUNT_LIMIT", 2)  # counting stops here: a list of 100,000 stays fast
    made = [make_handoff()[0]["id"] for _ in range(3)]
    first = nurse.get("/api/v1/handoffs?per_page=1")
    assert first.status_code == 200 and "X-Total-Count" not in first.headers
    assert 'rel="next"' in first.headers["Link"] and 'rel="last"' not in first.headers["Link"]
    pages, url = [], "/api/v1/handoffs?per_page=1"
    while url:  # a client that follows `next` still reaches every handoff, once each
        answer = nurse.get(url)
        pages += [h["id"] for h in answer.get_json()]
        found = [part for part in answer.headers.get("Link", "").split(", ") if part.endswith('rel="next"')]
        url = found[0][1:found[0].index(">")] if found else None
    assert sorted(pages) == sorted(made)
    short = nurse.get("/api/v1/handoffs?per_page=2&page=2")  # a page that is not full is the last: exact total
    assert short.headers["X-Total-Count"] == "3" and 'rel="last"' in short.headers["Link"]
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 3)
    assert nurse.get("/api/v1/handoffs?per_page=1").headers["X-Total-Count"] == "3"


def test_handoff_stays_pinned_to_its_checklist_version(nurse, admin, make_handoff):
    handoff, etag = make_handoff(data={})
    definition = admin.get("/api/v1/checklists/discharge").get_json()
    definition["title"] = "Discharge (2027)"
    published = admin.post("/api/v1/checklists", json=definition)
    assert published.status_code == 201 and published.get_json()["version"] == 2
    assert nurse.get(f"/api/v1/handoffs/{handoff['id']}").get_json()["checklist"]["version"] == 1
    newer, _ = make_handoff(data={})
    assert newer["checklist"] == {"key": "discharge", "version": 2}


def test_checklist_can_be_named_with_key_and_version(nurse, admin, make_patient):
    definition = admin.get("/api/v1/checklists/ipass").get_json()
    admin.post("/api/v1/checklists", json=definition)
    patient = make_patient()
    pinned = nurse.post("/api/v1/handoffs", json={"patient_id": patient["id"],
                                                  "checklist": {"key": "ipass", "version": 1}, "data": {}})
    assert pinned.status_code == 201 and pinned.get_json()["checklist"] == {"key": "ipass", "version": 1}
    missing = nurse.post("/api/v1/handoffs", json={"patient_id": patient["id"],
                                                   "checklist": {"key": "ipass", "version": 9}, "data": {}})
    assert missing.status_code == 422
    wrong = nurse.post("/api/v1/handoffs", json={"patient_id": patient["id"], "checklist": 7, "data": {}})
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["path"] == "checklist"


def test_inbox_lists_signed_handoffs_awaiting_my_acknowledgement(nurse, physician, make_handoff):
    signed, etag = make_handoff()
    finalize(nurse, signed["id"], etag)
    make_handoff()  # a draft: nothing to acknowledge yet
    inbox = "/api/v1/handoffs?awaiting_acknowledgement=true"
    assert [h["id"] for h in physician.get(inbox).get_json()] == [signed["id"]]
    assert nurse.get(inbox).get_json() == []  # the signer is not the receiver
    physician.post(f"/api/v1/handoffs/{signed['id']}/acknowledge", json={"revision": 1, "synthesis": "Got it."})
    assert physician.get(inbox).get_json() == []
