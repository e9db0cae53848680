"""Receipts (issue 11, point 7): only of the latest signed revision (an older one: 409, path `revision`), and
never from anyone who wrote or signed the handoff (403), one at a time or through the board's bulk take-over."""

import copy

import pytest


def finalize(user, handoff_id: int, etag: str):
    response = user.post(f"/api/v1/handoffs/{handoff_id}/finalize", headers={"If-Match": etag})
    assert response.status_code == 200, response.get_json()
    return response


def save(user, handoff: dict, etag: str, dose: str, reason: str | None = None):
    data = copy.deepcopy(handoff["data"])
    data["medications"][0]["dose"] = dose
    response = user.put(f"/api/v1/handoffs/{handoff['id']}", headers={"If-Match": etag},
                        json={"data": data, **({"reason": reason} if reason else {})})
    assert response.status_code == 200, response.get_json()
    return response.get_json(), response.headers["ETag"]


def receipt(user, handoff_id: int, revision: int):
    return user.post(f"/api/v1/handoffs/{handoff_id}/acknowledge",
                     json={"revision": revision, "synthesis": "Read back: HF, weigh daily, BMP Friday."})


def bulk(user, handoff_id: int, revision: int):
    return user.post("/api/v1/board/acknowledge", json={"items": [
        {"handoff_id": handoff_id, "revision": revision, "synthesis": "Read back, no changes."}]})


def test_an_older_signed_revision_cannot_be_acknowledged(nurse, physician, make_handoff):
    handoff, etag = make_handoff()
    signed = finalize(nurse, handoff["id"], etag)
    amended, amended_etag = save(nurse, signed.get_json(), signed.headers["ETag"], "12.5 mg", reason="New K+")
    # While the amendment is a draft, revision 1 is still the latest signed one: a receiver may confirm it.
    assert receipt(physician, handoff["id"], 2).status_code == 409  # the draft
    finalize(nurse, handoff["id"], amended_etag)
    refused = receipt(physician, handoff["id"], 1)
    assert refused.status_code == 409
    assert refused.get_json()["errors"] == [{"path": "revision", "message": "Not the latest signed revision (2)."}]
    assert "revision 2" in refused.get_json()["message"]
    assert receipt(physician, handoff["id"], 2).status_code == 201
    acks = nurse.get(f"/api/v1/handoffs/{handoff['id']}").get_json()["acknowledgements"]
    assert [(a["revision"], a["by"]) for a in acks] == [(2, "physician")]


def test_the_latest_signed_revision_can_be_acknowledged_while_an_amendment_is_drafted(nurse, physician,
                                                                                       make_handoff):
    handoff, etag = make_handoff()
    signed = finalize(nurse, handoff["id"], etag)
    save(nurse, signed.get_json(), signed.headers["ETag"], "12.5 mg", reason="Checking the dose")
    assert receipt(physician, handoff["id"], 1).status_code == 201


@pytest.mark.parametrize("who", ["author of a later revision", "signer", "first author"])
def test_no_one_who_wrote_or_signed_a_handoff_may_acknowledge_it(nurse, physician, make_user, make_handoff, who):
    resident = make_user("physician", "resident")
    handoff, etag = make_handoff()  # revision 1 by the nurse
    edited, edited_etag = save(resident, handoff, etag, "20 mg")  # revision 2 by the resident
    signer = physician if who != "first author" else resident
    finalize(signer, handoff["id"], edited_etag)
    person = {"author of a later revision": resident, "signer": physician, "first author": nurse}[who]
    refused = receipt(person, handoff["id"], 2)
    assert refused.status_code == 403
    assert refused.get_json()["message"] == ("You wrote or signed this handoff, so you cannot acknowledge it; "
                                             "the receiver does.")
    board = bulk(person, handoff["id"], 2)
    assert board.status_code == 403 and board.get_json()["errors"][0]["path"] == "items.0"
    receiver = make_user("nurse", "receiver")
    assert receipt(receiver, handoff["id"], 2).status_code == 201
    acks = nurse.get(f"/api/v1/handoffs/{handoff['id']}").get_json()["acknowledgements"]
    assert [a["by"] for a in acks] == ["receiver"]


def test_the_boards_bulk_receipt_refuses_an_older_signed_revision(nurse, physician, make_handoff):
    handoff, etag = make_handoff()
    signed = finalize(nurse, handoff["id"], etag)
    _, amended_etag = save(nurse, signed.get_json(), signed.headers["ETag"], "12.5 mg", reason="New K+")
    finalize(nurse, handoff["id"], amended_etag)
    refused = bulk(physician, handoff["id"], 1)
    assert refused.status_code == 409 and refused.get_json()["errors"][0]["path"] == "items.0.revision"
    assert bulk(physician, handoff["id"], 2).status_code == 201


def test_the_inbox_leaves_out_handoffs_the_user_wrote_or_signed(nurse, make_user, make_handoff):
    resident = make_user("physician", "resident")
    receiver = make_user("nurse", "receiver")
    handoff, etag = make_handoff()
    _, edited_etag = save(resident, handoff, etag, "20 mg")
    finalize(nurse, handoff["id"], edited_etag)
    inbox = "/api/v1/handoffs?awaiting_acknowledgement=true"
    assert [h["id"] for h in resident.get(inbox).get_json()] == []  # wrote revision 2
    assert [h["id"] for h in nurse.get(inbox).get_json()] == []  # wrote revision 1 and signed
    assert [h["id"] for h in receiver.get(inbox).get_json()] == [handoff["id"]]
