"""Queries (issue 10, point 5): no route reads the database once per item, and every list filter has an index.

A route with an N+1 costs more statements for more items. Each test below asks the same route for
a small and a large case (3 and 12 patients on a unit, 2 and 8 revisions, 2 and 8 receipts, 2 and
8 translation entries or audit events) and asserts the statement counts are equal: no number is
hard-coded, so a route may change how it reads as long as its cost stays flat. Only the
statements of the request's own thread are counted (the background audit sealer is off under
TESTING; a render pool's threads, if any, are not the request's queries).
"""

import copy
import re
import threading
import warnings
from collections import Counter

import pytest
from sqlalchemy import event, inspect, text

from handoff.extensions import db


@pytest.fixture
def statements_of(app):
    """`statements_of(call)`: run `call()` (a request, answered 200) and return its SQL statements."""

    def run(call) -> list[str]:
        seen: list[str] = []
        thread = threading.get_ident()

        def count(_conn, _cursor, statement, *_args):
            if threading.get_ident() == thread:
                seen.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            response = call()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:500])
        return seen

    return run


def assert_flat(small: list[str], large: list[str]) -> None:
    """The same number of statements for few items and for many, else name the ones that multiplied."""
    if len(small) != len(large):
        grown = Counter(" ".join(s.split())[:160] for s in large)
        grown.subtract(Counter(" ".join(s.split())[:160] for s in small))
        pytest.fail(f"{len(small)} statements for the small case, {len(large)} for the large one; grown: "
                    + "; ".join(f"{n} x {s}" for s, n in grown.items() if n))


# --- building the cases ----------------------------------------------------------------------------


def _ipass(ipass_scenario, severity="watcher", actions=3):
    data = copy.deepcopy(ipass_scenario["data"])
    data["illness_severity"] = severity
    data["action_list"] = [{"task": f"Task {n}", "owner": "RN", "done": n % 2 == 0} for n in range(actions)]
    return data


def _sign(client, handoff_id, etag):
    response = client.post(f"/api/v1/handoffs/{handoff_id}/finalize", headers={"If-Match": etag})
    assert response.status_code == 200, response.get_json()
    return response.headers["ETag"]


@pytest.fixture
def signed_history(nurse, physician, make_handoff):
    """`signed_history(cycles, ...)`: a handoff signed `cycles` times (amended in between), each
    signed revision acknowledged by the physician: `cycles` revisions and `cycles` receipts."""

    def make(cycles: int, data=None, checklist="discharge", patient=None) -> dict:
        body, etag = make_handoff(data=data, checklist=checklist, patient=patient)
        handoff_id = body["id"]
        for number in range(1, cycles + 1):
            if number > 1:
                changed = copy.deepcopy(body["data"])
                response = nurse.put(f"/api/v1/handoffs/{handoff_id}", json={"data": changed, "reason": "Amended"},
                                     headers={"If-Match": etag})
                assert response.status_code == 200, response.get_json()
                etag = response.headers["ETag"]
            etag = _sign(nurse, handoff_id, etag)
            response = physician.post(f"/api/v1/handoffs/{handoff_id}/acknowledge",
                                      json={"revision": number, "synthesis": f"Read back, revision {number}."})
            assert response.status_code == 201, response.get_json()
        return nurse.get(f"/api/v1/handoffs/{handoff_id}").get_json()

    return make


@pytest.fixture
def make_patient(make_patient):
    """The conftest factory, with family names that start with the unit (so `q=Large` finds them)."""
    counter = iter(range(1, 10_000))

    def make(**overrides):
        if "unit" in overrides and "family_name" not in overrides:
            overrides["family_name"] = f"{overrides['unit']}{next(counter)}"
        return make_patient(**overrides)

    return make


@pytest.fixture
def unit_of(make_patient, signed_history, ipass_scenario):
    """`unit_of(name, size)`: `size` patients on unit `name`, each with a signed, acknowledged I-PASS
    (two revisions, two receipts) and an earlier discharge handoff the board leaves out."""

    def make(name: str, size: int) -> list[dict]:
        patients = []
        for number in range(size):
            patient = make_patient(unit=name, bed=str(number + 1))
            signed_history(1, patient=patient)
            signed_history(2, data=_ipass(ipass_scenario, ("stable", "watcher", "unstable")[number % 3]),
                           checklist="ipass", patient=patient)
            patients.append(patient)
        return patients

    return make


@pytest.fixture
def fake_render(monkeypatch):
    """Skip WeasyPrint where only the statements of building a document's HTML are being counted."""
    from handoff.documents import renderer

    monkeypatch.setattr(renderer, "render_pdf", lambda html, **_: b"%PDF-1.7 " + str(len(html)).encode())


# --- lists ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["unit={unit}", "unit={unit}&q=Rosa", "q={unit}"])
def test_the_patient_list_costs_the_same_for_3_and_12_patients(nurse, unit_of, statements_of, query):
    unit_of("Small", 3)
    unit_of("Large", 12)

    def listing(unit, size):
        def call():
            response = nurse.get("/api/v1/patients?" + query.format(unit=unit))
            assert len(response.get_json()) == size
            return response
        return statements_of(call)

    # q= matches the start of a name: the family names start with the unit (make_patient above).
    assert_flat(listing("Small", 3), listing("Large", 12))


def test_the_handoff_list_costs_the_same_for_2_and_8_handoffs(nurse, make_patient, signed_history, statements_of):
    few, many = make_patient(), make_patient()
    for _ in range(2):
        signed_history(2, patient=few)
    for _ in range(8):
        signed_history(2, patient=many)

    def listing(patient, size):
        def call():
            response = nurse.get(f"/api/v1/handoffs?patient_id={patient['id']}&status=final&checklist=discharge")
            assert len(response.get_json()) == size
            assert all(len(h["acknowledgements"]) == 2 for h in response.get_json())
            return response
        return statements_of(call)

    assert_flat(listing(few, 2), listing(many, 8))


def test_the_board_costs_the_same_for_3_and_12_patients(nurse, unit_of, statements_of):
    unit_of("Small", 3)
    unit_of("Large", 12)

    def board(unit, size):
        def call():
            response = nurse.get(f"/api/v1/board?unit={unit}")
            rows = response.get_json()
            assert len(rows) == size and all(row["acknowledged"] and row["handoff"] for row in rows)
            return response
        return statements_of(call)

    assert_flat(board("Small", 3), board("Large", 12))


def test_the_board_sheet_costs_the_same_for_3_and_12_patients(nurse, unit_of, statements_of, fake_render):
    unit_of("Small", 3)
    unit_of("Large", 12)
    small = statements_of(lambda: nurse.get("/api/v1/board.pdf?unit=Small"))
    assert_flat(small, statements_of(lambda: nurse.get("/api/v1/board.pdf?unit=Large")))


def test_the_translation_list_costs_the_same_for_2_and_8_entries(nurse, physician, statements_of):
    for number in range(10):
        author = nurse if number % 2 else physician
        lang, word = ("es", "Zorblat") if number < 2 else ("en", "Quenvix")
        response = author.post("/api/v1/translations",
                               json={"lang": lang, "source": f"{word} phrase {number}", "text": f"{word} {number}"})
        assert response.status_code == 201, response.get_json()

    def listing(word, lang, size):
        def call():
            response = nurse.get(f"/api/v1/translations?lang={lang}&q={word}")
            assert len(response.get_json()) == size
            return response
        return statements_of(call)

    assert_flat(listing("Zorblat", "es", 2), listing("Quenvix", "en", 8))


def test_the_audit_list_costs_the_same_for_2_and_8_events(admin, nurse, make_handoff, statements_of):
    few, _ = make_handoff()
    many, _ = make_handoff()
    for _ in range(1):
        nurse.get(f"/api/v1/handoffs/{few['id']}")
    for _ in range(7):
        nurse.get(f"/api/v1/handoffs/{many['id']}")

    def listing(handoff, size):
        def call():
            response = admin.get(f"/api/v1/audit?handoff_id={handoff['id']}&username=nurse")
            assert len(response.get_json()) == size, response.get_json()
            return response
        return statements_of(call)

    assert_flat(listing(few, 2), listing(many, 8))


# --- one handoff ---------------------------------------------------------------------------------


@pytest.fixture
def histories(signed_history):
    """A handoff with 2 revisions and 2 receipts, and one with 8 of each."""
    return signed_history(2), signed_history(8)


@pytest.mark.parametrize("path", ["", "/revisions", "/diff", "/diff?from=1&to=2", "/revisions/2"])
def test_reading_a_handoff_costs_the_same_for_2_and_8_revisions_and_receipts(nurse, histories, statements_of, path):
    few, many = histories
    assert (len(few["acknowledgements"]), len(many["acknowledgements"])) == (2, 8)
    small = statements_of(lambda: nurse.get(f"/api/v1/handoffs/{few['id']}{path}"))
    assert_flat(small, statements_of(lambda: nurse.get(f"/api/v1/handoffs/{many['id']}{path}")))


@pytest.mark.parametrize("document", ["documents/patient-summary.html", "documents/patient-summary.html?lang=es",
                                      "readability", "readability?lang=es"])
def test_a_handoffs_pages_cost_the_same_for_2_and_8_revisions_and_receipts(
        nurse, histories, statements_of, document):
    few, many = histories
    small = statements_of(lambda: nurse.get(f"/api/v1/handoffs/{few['id']}/{document}"))
    assert_flat(small, statements_of(lambda: nurse.get(f"/api/v1/handoffs/{many['id']}/{document}")))


@pytest.mark.parametrize("document", ["documents/patient-summary.pdf", "documents/clinician.pdf"])
def test_a_handoffs_pdfs_cost_the_same_for_2_and_8_revisions_and_receipts_cached_or_not(
        nurse, histories, statements_of, document, monkeypatch):
    from handoff.documents import cache

    # The cache's eviction sweep follows a store at most once a minute, whatever the document: the
    # clock decides which request pays for it, so it is left out of the counts.
    monkeypatch.setattr(cache, "evict_now_and_then", lambda *_args, **_kwargs: None, raising=False)
    few, many = histories
    first = {}

    def pdf(handoff, expected_cache):
        def call():
            response = nurse.get(f"/api/v1/handoffs/{handoff['id']}/{document}")
            assert response.headers["X-Document-Cache"] == expected_cache
            first.setdefault(handoff["id"], response.data)
            assert response.data == first[handoff["id"]]
            return response
        return statements_of(call)

    uncached = pdf(few, "miss")
    assert_flat(uncached, pdf(many, "miss"))
    cached = pdf(few, "hit")
    assert_flat(cached, pdf(many, "hit"))


@pytest.mark.parametrize("document", ["documents/patient-summary.html", "readability"])
def test_a_summary_costs_the_same_for_2_and_8_medicines_and_untranslated_lines(
        nurse, make_patient, make_handoff, discharge_scenario, statements_of, document):
    """The translation memory is looked up once for a page, not once per line."""

    def with_medicines(count):
        data = copy.deepcopy(discharge_scenario["data"])
        template = data["medications"][0]
        data["medications"] = [{**template, "name": f"Medicine {n}", "purpose": f"For the thing number {n}"}
                               for n in range(count)]
        data["warning_signs"] = [{**data["warning_signs"][0], "sign": f"You feel odd in way {n}"}
                                 for n in range(count)]
        body, _ = make_handoff(data=data, patient=make_patient(preferred_language="es"))
        return body

    few, many = with_medicines(2), with_medicines(8)
    small = statements_of(lambda: nurse.get(f"/api/v1/handoffs/{few['id']}/{document}"))
    assert_flat(small, statements_of(lambda: nurse.get(f"/api/v1/handoffs/{many['id']}/{document}")))


# --- indexes -------------------------------------------------------------------------------------


# What each list route filters (or searches) by, as (table, indexed expression): a column name, or
# a lower(column) expression for the case-insensitive name and MRN search. An index "covers" a
# filter when the filter is its first column or expression.
LIST_FILTERS = {
    "GET /api/v1/patients?unit=": [("patients", "unit")],
    "GET /api/v1/patients?q= (name or MRN prefix, any case)": [
        ("patients", "lower(family_name)"), ("patients", "lower(given_name)"), ("patients", "lower(mrn)")],
    "GET /api/v1/patients/{id}, the MRN check of POST": [("patients", "mrn")],
    "GET /api/v1/handoffs?patient_id=&status=&checklist=": [
        ("handoffs", "patient_id"), ("handoffs", "status"), ("handoffs", "checklist_key")],
    "the latest handoff of each patient (board, patient list)": [("handoffs", "patient_id")],
    "GET /api/v1/handoffs/{id}/revisions, /revisions/{n}, /diff": [("revisions", "handoff_id")],
    "receipts of a handoff": [("acknowledgements", "handoff_id")],
    "shares of a handoff, a share by its token": [("share_links", "handoff_id"), ("share_links", "token_hash")],
    "rendered documents by cache key": [("rendered_documents", "cache_key")],
    "GET /api/v1/translations?lang= and the summary's lookup by lang and source": [
        ("translation_entries", "lang")],
    "GET /api/v1/audit?handoff_id=&patient_id=&username=&action=&since=": [
        ("audit_events", "handoff_id"), ("audit_events", "patient_id"), ("audit_events", "username"),
        ("audit_events", "action"), ("audit_events", "at")],
    "the sealer's unsealed events": [("audit_events", "sequence")],
    "GET /api/v1/checklists/{key}": [("checklist_versions", "key")],
}


def _normal(expression: str) -> str:
    """PostgreSQL's `lower((family_name)::text)` and SQLite's `lower("family_name")` as `lower(family_name)`."""
    expression = re.sub(r"::[a-z ]+", "", "".join(expression.lower().replace('"', "").split()))
    while (unwrapped := re.sub(r"\(\((\w+)\)\)", r"(\1)", expression)) != expression:
        expression = unwrapped
    return expression


def leading_index_expressions(connection, table: str) -> set[str]:
    """The first column or expression of every index on `table` (unique constraints included)."""
    inspector = inspect(connection)
    leading = set()
    with warnings.catch_warnings():
        # SQLite's reflection of unique constraints looks at its indexes too, and warns of the expressions.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        unique = inspector.get_unique_constraints(table)
    for constraint in unique:
        leading.add(constraint["column_names"][0])
    leading.add(inspector.get_pk_constraint(table)["constrained_columns"][0])
    if connection.dialect.name == "sqlite":
        # SQLite's reflection leaves out indexes on expressions: read each index's own definition.
        for (sql,) in connection.execute(text("SELECT sql FROM sqlite_master WHERE type = 'index' AND "
                                              "tbl_name = :table AND sql IS NOT NULL"), {"table": table}):
            inside = sql[sql.index("(") + 1:]
            depth, first = 0, ""
            for char in inside:
                if char in ",)" and depth == 0:
                    break
                depth += {"(": 1, ")": -1}.get(char, 0)
                first += char
            leading.add(_normal(first))
        return {_normal(name) for name in leading}
    for index in inspector.get_indexes(table):
        expressions = index.get("expressions") or index["column_names"]
        leading.add(expressions[0])
    return {_normal(name) for name in leading}


@pytest.mark.parametrize("route", sorted(LIST_FILTERS))
def test_every_list_filter_has_an_index(app, route):
    with app.app_context(), db.engine.connect() as connection:
        for table, expression in LIST_FILTERS[route]:
            assert _normal(expression) in leading_index_expressions(connection, table), (route, table, expression)


def test_the_name_search_reads_the_lower_indexes(app, nurse, make_patient):
    """The search's own statement, explained: each name and the MRN is found through its lower() index.

    On PostgreSQL the planner's choice depends on the table's statistics (a tiny table is rightly
    read whole, and a walk of the family-name index in list order can beat a sort), so sequential
    and plain index scans are switched off for the check: what is left are bitmap scans, which need
    an index whose condition the search matches, here all three lower() indexes; the `~>=~` range
    shows the prefix LIKE served by text_pattern_ops (the default operator class serves a LIKE only
    under the C collation). SQLite has no statistics (the app never runs ANALYZE), so its plan is
    fixed: it takes the index ranges the search adds for it (patients.service).
    """
    for number in range(3):
        make_patient(family_name=f"Rosales{number}")
    seen = []

    def keep(_conn, _cursor, statement, parameters, *_args):
        if statement.lstrip().startswith("SELECT patients.id"):
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        assert len(nurse.get("/api/v1/patients?q=ros").get_json()) == 3
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    (statement, parameters), = seen
    with app.app_context(), engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            for scan in ("seqscan", "indexscan", "indexonlyscan"):
                connection.exec_driver_sql(f"SET LOCAL enable_{scan} = off")
            plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))
            assert plan.count("~>=~") == 3, plan
        else:
            plan = "\n".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                            parameters))
        connection.rollback()
    for column in ("family_name", "given_name", "mrn"):
        assert f"ix_patients_{column}_lower" in plan, plan
