"""The hospital's translation memory (DESIGN 3.6): add, supersede, list, search."""

import pytest


# Words no phrase-library entry uses (mailbox, buzón; cast, yeso), so searches find only these.
def add(client, lang="es", source="Walk to the mailbox TID.", text="Camine hasta el buzón 3 veces al día."):
    return client.post("/api/v1/translations", json={"lang": lang, "source": source, "text": text})


@pytest.mark.parametrize("role", ["nurse", "physician", "admin"])
def test_clinicians_and_admins_add_entries(make_user, role):
    client = make_user(role)
    response = add(client)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {k: body[k] for k in ("lang", "source", "text", "created_by")} == {
        "lang": "es", "source": "Walk to the mailbox TID.", "text": "Camine hasta el buzón 3 veces al día.",
        "created_by": client.username}
    assert isinstance(body["id"], int) and body["created_at"].endswith("Z")


def test_bad_entries_are_422_with_the_field_named(nurse):
    for payload, path in (({"lang": "fr", "source": "Pain", "text": "Douleur"}, "lang"),
                          ({"lang": "es", "source": "   ", "text": "Dolor"}, "source"),
                          ({"lang": "es", "source": "Pain", "text": ""}, "text"),
                          ({"lang": "es", "text": "Dolor"}, "source")):
        response = nurse.post("/api/v1/translations", json=payload)
        assert response.status_code == 422, payload
        assert path in {e["path"] for e in response.get_json()["errors"]}, response.get_json()


def test_without_credentials_it_is_401(client):
    assert client.get("/api/v1/translations").status_code == 401
    assert client.post("/api/v1/translations", json={"lang": "es", "source": "a", "text": "b"}).status_code == 401


def test_a_later_entry_supersedes_and_matching_ignores_case_and_spacing(nurse, physician):
    first = add(nurse, text="Camine hasta el buzón tres veces al día.").get_json()
    second = add(physician, source="  walk to the MAILBOX   tid. ", text="Camine hasta el buzón 3 veces al día; "
                 "vaya despacio.").get_json()
    listed = nurse.get("/api/v1/translations?lang=es&q=buzón").get_json()
    assert [e["id"] for e in listed] == [second["id"]]
    assert first["id"] != second["id"]  # nothing was overwritten: the first entry still exists
    assert listed[0]["text"].endswith("vaya despacio.")


def test_search_covers_source_and_text_and_the_list_is_paginated(nurse):
    add(nurse, source="Keep the cast dry for 48 h", text="Mantenga el yeso seco durante 48 horas.")
    add(nurse, lang="en", source="Mantenga limpio el yeso", text="Keep the cast clean.")
    assert [e["lang"] for e in nurse.get("/api/v1/translations?q=yeso seco").get_json()] == ["es"]
    assert [e["text"] for e in nurse.get("/api/v1/translations?q=yeso&lang=en").get_json()] == ["Keep the cast clean."]
    page = nurse.get("/api/v1/translations?per_page=1")
    assert page.status_code == 200 and len(page.get_json()) == 1
    assert int(page.headers["X-Total-Count"]) >= 2 and 'rel="next"' in page.headers["Link"]


def test_a_hospital_entry_outranks_the_library_even_an_older_one(app, nurse):
    from handoff.extensions import db
    from handoff.translation_memory.models import TranslationEntry
    from handoff.translation_memory.service import source_key

    mine = add(nurse, source="Fever over 101 F", text="Texto del hospital.").get_json()
    with app.app_context():  # a library release added after the hospital's entry
        db.session.add(TranslationEntry(lang="es", source="Fever over 101 F", source_key=source_key("fever over 101 f"),
                                        text="Fiebre de más de 101 °F.", builtin=True, author="library"))
        db.session.commit()
    found = [e for e in nurse.get("/api/v1/translations?lang=es&q=101").get_json()
             if e["source"].casefold() == "fever over 101 f"]
    assert [e["id"] for e in found] == [mine["id"]]
def test_the_phrase_library_ships_in_both_languages(nurse):
    from handoff.translation_memory.service import LIBRARY

    if not LIBRARY.exists():
        pytest.fail(f"the phrase library {LIBRARY} is missing")
    for lang in ("en", "es"):
        response = nurse.get(f"/api/v1/translations?lang={lang}&per_page=1")
        assert int(response.headers["X-Total-Count"]) >= 150, lang
    builtin = nurse.get("/api/v1/translations?lang=es&per_page=200").get_json()
    assert all(e["builtin"] and e["created_by"] is None and e["author"] for e in builtin if e["builtin"])


