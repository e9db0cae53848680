"""Schema generation: the draft and final schemas made from a definition check data and name each path."""

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handoff.checklists.builtin import load_builtin_definitions
from handoff.checklists.data_schemas import REQUIRED, build_data_schema, validate_data
from tests.design import DISCHARGE_CHECKLIST_ITEMS
from tests.json_paths import locations, replaced


@pytest.fixture(autouse=True)
def clean_database():
    """Pure unit tests: override conftest's per-test database reset, so no app or database is needed."""
    yield


SCENARIOS = Path(__file__).parent / "fixtures" / "scenarios"
BUILTINS = {definition["key"]: definition for definition in load_builtin_definitions()}
DISCHARGE, IPASS = BUILTINS["discharge"], BUILTINS["ipass"]


def scenario_data(name: str) -> dict:
    return json.loads((SCENARIOS / f"{name}.json").read_text(encoding="utf-8"))["data"]


WALTER = scenario_data("discharge-heart-failure")
LUCIA = scenario_data("ipass-sepsis-watcher")


DELETE = object()


def walter(**changes) -> dict:
    """The discharge scenario, changed: `a__0__b=v` sets data["a"][0]["b"] to v (DELETE removes it)."""
    data = copy.deepcopy(WALTER)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = data
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value is DELETE:
            del target[last]
        else:
            target[int(last) if isinstance(target, list) else last] = value
    return data


def problems(definition, data, *, final: bool) -> dict[str, str]:
    return {p["path"]: p["message"] for p in validate_data(definition, data, final=final)}


# --- the scenarios ------------------------------------------------------------------------------


@pytest.mark.parametrize("final", [False, True], ids=["draft", "final"])
@pytest.mark.parametrize(
    ("definition", "data"), [(DISCHARGE, WALTER), (IPASS, LUCIA)], ids=["discharge", "ipass"]
)
def test_scenarios_are_valid_as_draft_and_final(definition, data, final):
    assert validate_data(definition, data, final=final) == []


@pytest.mark.parametrize("final", [False, True], ids=["draft", "final"])
def test_load_returns_the_data_exactly_as_posted(final):
    assert build_data_schema(DISCHARGE, final=final).load(WALTER) == WALTER
    assert build_data_schema(IPASS, final=final).load(LUCIA) == LUCIA


# --- required at finalize -----------------------------------------------------------------------

CHECKLIST_STATES = {f"checklist.{item}.state" for item in DISCHARGE_CHECKLIST_ITEMS}
DISCHARGE_REQUIRED = {
    "encounter.admitted_on",
    "encounter.discharged_on",
    "encounter.attending",
    "encounter.destination",
    "diagnoses.principal.clinical",
    "hospital_course",
    "medications",
    "warning_signs",
    "teach_back",
    "contacts",
    *CHECKLIST_STATES,
}
IPASS_REQUIRED = {"illness_severity", "patient_summary.one_liner", "patient_summary.plan"}


@pytest.mark.parametrize(
    ("definition", "required"),
    [(DISCHARGE, DISCHARGE_REQUIRED), (IPASS, IPASS_REQUIRED)],
    ids=["discharge", "ipass"],
)
def test_empty_data_at_finalize_lists_every_required_path(definition, required):
    found = validate_data(definition, {}, final=True)
    assert {p["path"] for p in found} == required
    assert {p["message"] for p in found} == {REQUIRED}
    assert validate_data(definition, {}, final=False) == []


def test_a_missing_required_leaf_fails_finalize_but_not_a_draft():
    data = walter(encounter__attending=DELETE)
    assert validate_data(DISCHARGE, data, final=False) == []
    assert problems(DISCHARGE, data, final=True) == {"encounter.attending": REQUIRED}


@pytest.mark.parametrize("value", [None, "", "   \n"], ids=["null", "empty", "blank"])
def test_null_or_blank_does_not_count_as_filled_in(value):
    data = walter(hospital_course=value, encounter__destination=value if value is None else "")
    data["encounter"]["admitted_on"] = value if value is None else ""
    data["encounter"]["discharged_on"] = value if value is None else ""
    assert validate_data(DISCHARGE, data, final=False) == []
    assert problems(DISCHARGE, data, final=True) == {
        "hospital_course": REQUIRED,
        "encounter.destination": REQUIRED,
        "encounter.admitted_on": REQUIRED,
        "encounter.discharged_on": REQUIRED,
    }


@pytest.mark.parametrize("how", [DELETE, None], ids=["missing", "null"])
@pytest.mark.parametrize("group", ["diagnoses", "diagnoses__principal"], ids=["outer", "inner"])
def test_a_missing_group_reports_each_required_field_inside_it(group, how):
    data = walter(**{group: how})
    assert validate_data(DISCHARGE, data, final=False) == []
    assert problems(DISCHARGE, data, final=True) == {"diagnoses.principal.clinical": REQUIRED}


def test_groups_without_required_fields_may_be_missing_or_null_at_finalize():
    data = walter(encounter__receiving_clinician=None, self_care=DELETE, concerns=None)
    assert validate_data(DISCHARGE, data, final=True) == []
    assert validate_data(DISCHARGE, walter(checklist={}), final=False) == []
    assert set(problems(DISCHARGE, walter(checklist={}), final=True)) == CHECKLIST_STATES


def test_required_lists_need_an_entry_and_each_entry_its_required_fields():
    data = walter(medications=[], contacts=None, warning_signs=[{"sign": "Chest pain"}], teach_back=DELETE)
    assert validate_data(DISCHARGE, data, final=False) == []
    assert problems(DISCHARGE, data, final=True) == {
        "medications": REQUIRED,
        "contacts": REQUIRED,
        "warning_signs.0.action": REQUIRED,
        "teach_back": REQUIRED,
    }


def test_every_field_may_be_null_in_a_draft():
    for definition in (DISCHARGE, IPASS):
        keys = [spec["key"] for section in definition["sections"] for spec in section["fields"]]
        assert validate_data(definition, dict.fromkeys(keys), final=False) == []


# --- rules (finalize only) ----------------------------------------------------------------------


def test_discharged_before_admitted_fails_finalize_only():
    data = walter(encounter__discharged_on="2026-11-17")
    assert validate_data(DISCHARGE, data, final=False) == []
    assert problems(DISCHARGE, data, final=True) == {
        "encounter.discharged_on": "The discharge date cannot be before the admission date."
    }
    assert validate_data(DISCHARGE, walter(encounter__discharged_on="2026-11-18"), final=True) == []


def test_not_before_is_skipped_when_a_date_is_empty_or_invalid():
    assert validate_data(DISCHARGE, walter(encounter__admitted_on=""), final=False) == []
    assert set(problems(DISCHARGE, walter(encounter__admitted_on="bad"), final=True)) == {
        "encounter.admitted_on"
    }


def test_a_checklist_item_not_done_needs_a_note():
    data = walter(checklist__follow_up_booked={"state": "not_done"})
    assert validate_data(DISCHARGE, data, final=False) == []
    assert problems(DISCHARGE, data, final=True) == {
        "checklist.follow_up_booked.note": "Add a note saying why this is not done."
    }
    blank = walter(checklist__follow_up_booked={"state": "not_done", "note": "  "})
    assert set(problems(DISCHARGE, blank, final=True)) == {"checklist.follow_up_booked.note"}


def test_a_bad_note_is_reported_once_for_what_is_wrong_with_it():
    data = walter(checklist__follow_up_booked={"state": "not_done", "note": 42})
    assert problems(DISCHARGE, data, final=True) == {"checklist.follow_up_booked.note": "Must be text."}


@pytest.mark.parametrize("definition", [DISCHARGE, IPASS], ids=["discharge", "ipass"])
def test_allergies_and_no_known_allergies_exclude_each_other(definition):
    data = copy.deepcopy(WALTER if definition is DISCHARGE else LUCIA)
    data["no_known_allergies"] = True
    assert validate_data(definition, data, final=False) == []
    assert set(problems(definition, data, final=True)) == {"allergies", "no_known_allergies"}
    assert validate_data(definition, {**data, "no_known_allergies": False}, final=True) == []
    assert validate_data(definition, {**data, "allergies": []}, final=True) == []


def test_group_rules_apply_to_each_list_item():
    definition = {
        "key": "meds",
        "version": 1,
        "title": "Meds",
        "sections": [
            {
                "key": "s",
                "title": "S",
                "fields": [
                    {
                        "key": "doses",
                        "label": "Doses",
                        "type": "list",
                        "item": {
                            "label": "Dose",
                            "type": "group",
                            "fields": [
                                {"key": "held", "label": "Held", "type": "boolean"},
                                {"key": "reason", "label": "Why held", "type": "text"},
                            ],
                            "rules": [
                                {"type": "required_if", "field": "reason", "when": "held", "equals": True}
                            ],
                        },
                    },
                ],
            }
        ],
    }
    data = {"doses": [{"held": True, "reason": "NPO"}, {"held": False}, {"held": True}, {"held": 1}]}
    assert validate_data(definition, data, final=False) == [
        {"path": "doses.3.held", "message": "Must be true or false."}
    ]
    assert problems(definition, data, final=True) == {
        "doses.2.reason": "Required when held is true.",
        "doses.3.held": "Must be true or false.",
    }


# --- types, formats, choices, sizes: checked on every save --------------------------------------


def test_a_dose_that_is_too_long_is_reported_at_its_path():
    data = walter(medications__2__dose="x" * 501)
    assert problems(DISCHARGE, data, final=False) == {"medications.2.dose": "At most 500 characters."}
    assert validate_data(DISCHARGE, walter(medications__2__dose="x" * 500), final=False) == []


def test_a_value_outside_the_choices_is_refused():
    found = problems(DISCHARGE, walter(encounter__destination="moon"), final=False)
    choices = "home, home_with_services, skilled_nursing, rehab, other_facility"
    assert found == {"encounter.destination": f"Must be one of: {choices}."}


@pytest.mark.parametrize("where", [("surprise",), ("encounter", "ward"), ("medications", 1, "color")])
def test_unknown_keys_are_refused_at_every_level(where):
    data = copy.deepcopy(WALTER)
    target = data
    for part in where[:-1]:
        target = target[part]
    target[where[-1]] = "x"
    expected = {".".join(str(p) for p in where): "Unknown field."}
    assert problems(DISCHARGE, data, final=False) == expected
    assert problems(DISCHARGE, data, final=True) == expected


@pytest.mark.parametrize("value", ["2026-11-18", ""])
def test_dates_accept_iso_dates_and_empty(value):
    assert validate_data(DISCHARGE, walter(encounter__admitted_on=value), final=False) == []


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-5",
        "18/11/2026",
        "2026-02-29",
        "2026-11-18T10:00",
        "yesterday",
        20261118,
        ["2026-11-18"],
        "２０２６-１１-１８",
    ],
)
def test_dates_refuse_anything_else(value):
    found = problems(DISCHARGE, walter(encounter__admitted_on=value), final=False)
    assert found == {"encounter.admitted_on": "Use a date like 2026-11-23."}


@pytest.mark.parametrize(
    "value",
    ["2026-11-23T22:00", "2026-11-23T22:00:05", "2026-11-23T22:00:05.5Z", "2026-11-23T22:00+01:00", ""],
)
def test_datetimes_accept_iso_with_optional_seconds_and_timezone(value):
    assert validate_data(IPASS, {"action_list": [{"task": "Check lactate", "due": value}]}, final=False) == []


@pytest.mark.parametrize(
    "value",
    ["2026-11-23", "2026-11-23 22:00", "2026-11-23T25:00", "tonight", 1700000000, "2026-11-23T22:00+25:00"],
)
def test_datetimes_refuse_anything_else(value):
    found = problems(IPASS, {"action_list": [{"task": "Check lactate", "due": value}]}, final=False)
    assert found == {"action_list.0.due": "Use a date and time like 2026-11-27T10:30."}


@pytest.mark.parametrize(
    "value", ["2026-11-27T10:30", "2026-11-27", "within 7 days", "next week, Tuesday am"]
)
def test_when_takes_a_datetime_or_words(value):
    assert validate_data(DISCHARGE, walter(follow_up__1__when=value), final=False) == []


@pytest.mark.parametrize("value", ["2026-11-31", "2026-11-27T99:00", "x" * 201, 7])
def test_when_refuses_impossible_dates_and_long_text(value):
    assert set(problems(DISCHARGE, walter(follow_up__1__when=value), final=False)) == {"follow_up.1.when"}


@pytest.mark.parametrize(
    ("schedule", "path", "message"),
    [
        ("morning", "medications.0.schedule", "Must be a list of choices from"),
        (["morning", "morning"], "medications.0.schedule", "Pick each choice at most once."),
        (["morning", "midnight"], "medications.0.schedule.1", "Must be one of: morning, noon"),
        (["morning"] * 50, "medications.0.schedule", "Pick at most 5 choices"),
    ],
)
def test_multichoice_takes_unique_listed_values(schedule, path, message):
    found = problems(DISCHARGE, walter(medications__0__schedule=schedule), final=False)
    assert list(found) == [path] and found[path].startswith(message)


def test_multichoice_required_means_at_least_one():
    definition = {
        "key": "m",
        "title": "M",
        "sections": [
            {
                "key": "s",
                "title": "S",
                "fields": [
                    {
                        "key": "days",
                        "label": "Days",
                        "type": "multichoice",
                        "required": True,
                        "choices": [
                            {"value": "mon", "label": "Monday"},
                            {"value": "tue", "label": "Tuesday"},
                        ],
                    }
                ],
            }
        ],
    }
    assert problems(definition, {"days": []}, final=True) == {"days": REQUIRED}
    assert validate_data(definition, {"days": ["tue"]}, final=True) == []


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"hospital_course": 12}, "hospital_course", "Must be text."),
        ({"follow_up__0__booked": "yes"}, "follow_up.0.booked", "Must be true or false."),
        ({"concerns__cost": 1}, "concerns.cost", "Must be true or false."),
        ({"medications": {"name": "Furosemide"}}, "medications", "Must be a list."),
        ({"encounter": ["2026-11-18"]}, "encounter", "Must be a group of fields (a JSON object)."),
        ({"teach_back": [None]}, "teach_back.0", "This entry is empty: fill it in or remove it."),
        ({"contacts": ["555-0100"]}, "contacts.0", "Must be a group of fields (a JSON object)."),
    ],
)
def test_wrong_json_types_are_refused_in_plain_words(change, path, message):
    assert problems(DISCHARGE, walter(**change), final=False) == {path: message}


def test_lists_hold_at_most_max_items_without_checking_each_one():
    data = walter(medications=[{"name": 5}] * 101)
    assert problems(DISCHARGE, data, final=False) == {"medications": "At most 100 items."}


@pytest.mark.parametrize("data", [[], "data", 3, None], ids=["list", "text", "number", "null"])
def test_data_that_is_not_an_object_is_one_error_at_the_root(data):
    assert validate_data(DISCHARGE, data, final=True) == [
        {"path": "", "message": "The handoff data must be a JSON object."}
    ]


def test_every_problem_is_reported_at_once():
    data = walter(
        encounter__destination="moon",
        medications__2__dose="x" * 501,
        encounter__attending=DELETE,
        checklist__follow_up_booked={"state": "not_done"},
        ward="5N",
    )
    assert set(problems(DISCHARGE, data, final=True)) == {
        "encounter.destination",
        "medications.2.dose",
        "encounter.attending",
        "checklist.follow_up_booked.note",
        "ward",
    }


# --- building and caching -----------------------------------------------------------------------


def test_schemas_are_cached_by_content_and_stage():
    assert build_data_schema(DISCHARGE, final=True) is build_data_schema(copy.deepcopy(DISCHARGE), final=True)
    assert build_data_schema(DISCHARGE, final=True) is not build_data_schema(DISCHARGE, final=False)


def test_an_edited_definition_never_gets_a_stale_schema():
    edited = copy.deepcopy(DISCHARGE)
    edited["sections"][0]["fields"][0]["fields"][2]["required"] = True  # encounter.unit, same key and version
    assert "encounter.unit" in problems(edited, {}, final=True)
    assert "encounter.unit" not in problems(DISCHARGE, {}, final=True)


def test_building_never_writes_defaults_into_the_definition():
    definition = copy.deepcopy(DISCHARGE)
    validate_data(definition, WALTER, final=True)
    build_data_schema(definition, final=False)
    assert definition == DISCHARGE


def test_field_keys_that_are_schema_attribute_names_still_work():
    names = ["fields", "load", "validate", "error_messages", "opts", "many", "dump", "unknown", "partial"]
    definition = {
        "key": "odd",
        "title": "Odd",
        "sections": [
            {
                "key": "s",
                "title": "S",
                "fields": [{"key": name, "label": name, "type": "text", "required": True} for name in names],
            }
        ],
    }
    assert set(problems(definition, {}, final=True)) == set(names)
    assert validate_data(definition, dict.fromkeys(names, "x"), final=True) == []


# --- fuzzing: any JSON at any place gives a list of problems, never an exception -----------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["", " ", "2026-11-23", "2026-11-27T10:30", "home", "not_done", "x" * 600])
)


def all_keys(value) -> set[str]:
    found = set()
    if isinstance(value, dict):
        found |= set(value)
        for inner in value.values():
            found |= all_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= all_keys(inner)
    return found


KEYS = st.sampled_from(sorted(all_keys(WALTER) | all_keys(LUCIA))) | st.text(max_size=10)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=25,
)




def assert_problem_list(found):
    assert isinstance(found, list)
    for problem in found:
        assert set(problem) == {"path", "message"}
        assert isinstance(problem["path"], str) and isinstance(problem["message"], str) and problem["message"]


FUZZ = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@FUZZ
@given(data=json_values, key=st.sampled_from(sorted(BUILTINS)), final=st.booleans())
def test_validate_data_never_raises_on_random_json(data, key, final):
    assert_problem_list(validate_data(BUILTINS[key], data, final=final))


@pytest.mark.slow
@FUZZ
@given(draw=st.data(), key=st.sampled_from(sorted(BUILTINS)), final=st.booleans())
def test_validate_data_never_raises_on_damaged_scenario_data(draw, key, final):
    data = WALTER if key == "discharge" else LUCIA
    for _ in range(draw.draw(st.integers(1, 3))):
        data = replaced(data, draw.draw(st.sampled_from(locations(data))), draw.draw(json_values))
    found = validate_data(BUILTINS[key], data, final=final)
    assert_problem_list(found)
    if not found and isinstance(data, dict):
        # Whatever passes loads unchanged: the schema checks, it never rewrites.
        assert build_data_schema(BUILTINS[key], final=final).load(data) == data
