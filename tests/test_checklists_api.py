"""Checklist API: list, read, publish new versions (admin), refuse malformed definitions."""


def test_list_has_the_builtins(nurse):
    assert nurse.get("/api/v1/checklists").get_json() == [
        {"key": "discharge", "version": 1, "title": nurse.get("/api/v1/checklists/discharge").get_json()["title"]},
        {"key": "ipass", "version": 1, "title": nurse.get("/api/v1/checklists/ipass").get_json()["title"]},
    ]


def test_definition_posts_back_unchanged_as_next_version(admin):
    original = admin.get("/api/v1/checklists/ipass").get_json()
    response = admin.post("/api/v1/checklists", json=original)
    assert response.status_code == 201
    published = response.get_json()
    assert published["version"] == 2
    for key in ("key", "title", "sections"):
        assert published[key] == original[key]
    assert admin.get("/api/v1/checklists/ipass").get_json()["version"] == 2
    assert admin.get("/api/v1/checklists/ipass?version=1").get_json() == original


def test_malformed_definition_is_422_with_the_reason(admin):
    response = admin.post("/api/v1/checklists", json={"key": "Bad Key!", "title": "x", "sections": []})
    assert response.status_code == 422
    paths = {e["path"] for e in response.get_json()["errors"]}
    assert "key" in paths and "sections" in paths
    wrong_type = {"key": "falls", "title": "Falls", "sections": [
        {"key": "s", "title": "S", "fields": [{"key": "risk", "label": "Risk", "type": "colour"}]}]}
    response = admin.post("/api/v1/checklists", json=wrong_type)
    assert response.status_code == 422
    assert any(e["path"] == "sections.0.fields.0.type" for e in response.get_json()["errors"])
    assert admin.post("/api/v1/checklists", json=["not", "an", "object"]).status_code == 422


def test_new_checklist_drives_validation(admin, nurse, make_patient):
    definition = {"key": "falls", "title": "Falls risk", "sections": [{"key": "risk", "title": "Risk", "fields": [
        {"key": "score", "label": "Morse score band", "type": "choice", "required": True,
         "choices": [{"value": "low", "label": "Low"}, {"value": "high", "label": "High"}]}]}]}
    assert admin.post("/api/v1/checklists", json=definition).status_code == 201
    patient = make_patient()
    bad = nurse.post("/api/v1/handoffs", json={"patient_id": patient["id"], "checklist": "falls",
                                               "data": {"score": "medium"}})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["path"] == "score"
    good = nurse.post("/api/v1/handoffs", json={"patient_id": patient["id"], "checklist": "falls", "data": {}})
    assert good.status_code == 201
    final = nurse.post(f"/api/v1/handoffs/{good.get_json()['id']}/finalize", headers={"If-Match": good.headers["ETag"]})
    assert final.status_code == 422 and final.get_json()["errors"][0]["path"] == "score"


def test_unknown_checklist_or_version_is_404(nurse):
    assert nurse.get("/api/v1/checklists/nope").status_code == 404
    assert nurse.get("/api/v1/checklists/discharge?version=99").status_code == 404
