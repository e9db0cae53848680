"""FHIR export on property-generated data: hypothesis makes data from the checklist definition itself (every field
of its type, required ones always filled, optional ones sometimes, the definition's rules kept), so that it could
be signed; each document and response is then checked as the API's are (tests/test_fhir.py)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handoff.checklists.builtin import load_builtin_definitions
from handoff.checklists.data_schemas import validate_data
from handoff.fhir import discharge, generic, ipass
from handoff.fhir.export import PatientInfo, Person, Receipt, RevisionAnswers, Settings, SignedRevision
from handoff.fhir.questionnaire import questionnaire, questionnaire_response
from tests.test_fhir import check_document, check_narrative, check_response


@pytest.fixture(autouse=True)
def clean_database():
    """Pure tests of the builders: override conftest's per-test database reset, so no app or database is needed."""
    yield


BUILTINS = {definition["key"]: definition for definition in load_builtin_definitions()}
BUILDERS = {"discharge": discharge.build, "ipass": ipass.build}

# Any text a clinician could type and the app would store: no NUL, no lone surrogates (text_safety refuses them).
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=40).filter(str.strip)
DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
MINUTES = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1))
DATETIMES = st.one_of(
    MINUTES.map(lambda m: m.isoformat(timespec="minutes")),
    MINUTES.map(lambda m: m.isoformat(timespec="seconds") + "Z"),
    MINUTES.map(lambda m: m.isoformat(timespec="microseconds") + "+05:30"),
)
WORDS = st.sampled_from(["within 7 days", "next week", "in 2 weeks", "when the results are back"])


def value_of(spec: dict) -> st.SearchStrategy:
    """Values the draft schema accepts for one field (a list's item when `spec` is one)."""
    kind = spec["type"]
    if kind in ("text", "longtext"):
        return TEXT
    if kind == "datetime_or_text":
        return st.one_of(DATES.map(date.isoformat), DATETIMES, WORDS, TEXT.map(lambda t: "about " + t))
    if kind == "date":
        return DATES.map(date.isoformat)
    if kind == "datetime":
        return DATETIMES
    if kind == "boolean":
        return st.booleans()
    values = [choice["value"] for choice in spec.get("choices", [])]
    if kind == "choice":
        return st.sampled_from(values)
    if kind == "multichoice":
        return st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True)
    if kind == "group":
        return group_of(spec["fields"], spec.get("rules", []))
    return st.lists(value_of(spec["item"]), min_size=1 if spec.get("required") else 0, max_size=3)


def group_of(specs: list[dict], rules: list[dict]) -> st.SearchStrategy:
    required = {spec["key"]: value_of(spec) for spec in specs if spec.get("required") or spec["type"] == "group"}
    optional = {spec["key"]: value_of(spec) for spec in specs if spec["key"] not in required}
    return st.fixed_dictionaries(required, optional=optional).map(lambda data: keep_rules(data, rules))


def _get(data: dict, path: str):
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _set(data: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


def keep_rules(data: dict, rules: list[dict]) -> dict:
    """Make generated data keep the definition's rules, as data a clinician could sign does."""
    for rule in rules:
        if rule["type"] == "exclusive":
            filled = [path for path in rule["fields"] if _get(data, path) not in (None, False, [], "")]
            for path in filled[1:]:
                *parents, last = path.split(".")
                (_get(data, ".".join(parents)) if parents else data).pop(last)
        elif rule["type"] == "not_before":
            later, earlier = _get(data, rule["field"]), _get(data, rule["other"])
            if later and earlier and later < earlier:
                _set(data, rule["field"], earlier)
                _set(data, rule["other"], later)
        elif rule["type"] == "required_if" and _get(data, rule["when"]) == rule["equals"]:
            if not _get(data, rule["field"]):
                _set(data, rule["field"], "Because the patient declined.")
    return data


def signable(definition: dict) -> st.SearchStrategy:
    specs = [spec for section in definition["sections"] for spec in section["fields"]]
    return group_of(specs, definition.get("rules", []))


PEOPLE = st.builds(Person, user_id=st.integers(1, 50), name=TEXT, role=st.sampled_from(["nurse", "physician"]))
PATIENTS = st.builds(
    PatientInfo,
    mrn=TEXT,
    given_name=TEXT,
    family_name=TEXT,
    birth_date=DATES,
    preferred_language=st.sampled_from(["en", "es"]),
)
MOMENTS = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC))
SETTINGS = st.builds(
    Settings,
    base_url=st.sampled_from(["http://localhost:5000", "https://handoff.example.org/ward"]),
    time_zone=st.sampled_from([ZoneInfo("UTC"), ZoneInfo("America/Chicago"), ZoneInfo("Asia/Kolkata")]),
)


def definition_with_version(key: str) -> dict:
    return {**BUILTINS[key], "version": BUILTINS[key]["version"]}


@st.composite
def signed_revisions(draw, key: str) -> SignedRevision:
    definition = definition_with_version(key)
    data = draw(signable(definition))
    signed_at = draw(MOMENTS)
    receipts = tuple(
        Receipt(person=person, at=signed_at + timedelta(minutes=minutes), synthesis=synthesis)
        for person, minutes, synthesis in draw(st.lists(st.tuples(PEOPLE, st.integers(1, 600), TEXT), max_size=2))
    )
    revision = draw(st.integers(1, 20))
    return SignedRevision(
        handoff_id=draw(st.integers(1, 10**6)),
        revision=revision,
        checklist_key=key,
        checklist_version=definition["version"],
        checklist_title=definition["title"],
        definition=definition,
        data=data,
        patient=draw(PATIENTS),
        signer=draw(PEOPLE),
        signed_at=signed_at,
        receipts=receipts,
        replaces=draw(st.one_of(st.none(), st.integers(1, revision))) if revision > 1 else None,
    )


EXAMPLES = settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("key", sorted(BUILTINS))
def test_generated_data_is_signable(key):
    """The generator makes what finalize accepts, so the properties below are about data that can be exported."""

    @given(data=signable(definition_with_version(key)))
    @EXAMPLES
    def signable_data(data):
        assert validate_data(BUILTINS[key], data, final=True) == []

    signable_data()


@pytest.mark.parametrize("key", sorted(BUILTINS))
def test_any_signable_revision_exports_a_valid_document(key):
    @given(record=signed_revisions(key), where=SETTINGS)
    @EXAMPLES
    def valid_document(record, where):
        bundle = BUILDERS[key](record, where)
        found = check_document(bundle)
        assert bundle == BUILDERS[key](record, where)  # the same revision, the same bundle
        assert found["Patient"][0]["identifier"][0]["system"] == f"{where.base_url}/fhir/sid/mrn"
        if key == "discharge":
            medicines = [m for m in record.data["medications"] if m["name"].strip()]
            assert len(found.get("MedicationStatement", [])) == len(medicines)
        else:
            synthesis = bundle["entry"][0]["resource"]["section"][4]
            assert bool(record.receipts) != ("emptyReason" in synthesis)

    valid_document()


@pytest.mark.parametrize("key", sorted(BUILTINS))
def test_any_signable_revision_is_a_complete_response_to_its_questionnaire(key):
    @given(record=signed_revisions(key), where=SETTINGS, signed=st.booleans())
    @EXAMPLES
    def valid_response(record, where, signed):
        answers = RevisionAnswers(
            handoff_id=record.handoff_id,
            revision=record.revision,
            definition=record.definition,
            data=record.data,
            patient=record.patient,
            author=record.signer,
            saved_at=record.signed_at,
            signed=signed,
        )
        check_response(questionnaire_response(answers, where), questionnaire(record.definition, where), final=signed)

    valid_response()


def test_any_signable_revision_of_a_checklist_without_a_builder_exports_a_valid_document():
    @given(record=signed_revisions("discharge"), where=SETTINGS)
    @EXAMPLES
    def generic_document(record, where):
        bundle = generic.build(record, where)
        check_document(bundle)
        sections = bundle["entry"][0]["resource"]["section"]
        assert [s["title"] for s in sections] == [s["title"] for s in record.definition["sections"]]
        assert all(check_narrative(s["text"]) for s in sections)

    generic_document()
