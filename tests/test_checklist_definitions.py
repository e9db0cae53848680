"""Checklist definitions: the built-ins match DESIGN 3.4 and 3.5; the meta-schema refuses malformed ones."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handoff.checklists.builtin import load_builtin_definitions
from handoff.checklists.definition import MAX_NESTING, READ_ONLY_KEYS, DefinitionSchema, validate_definition
from tests.design import DISCHARGE_CHECKLIST_ITEMS
from tests.json_paths import locations, replaced


@pytest.fixture(autouse=True)
def clean_database():
    """Pure unit tests: override conftest's per-test database reset, so no app or database is needed."""
    yield


BUILTINS = {definition["key"]: definition for definition in load_builtin_definitions()}

STATE = ("choice", True, ("done", "not_applicable", "not_done"))
CHECKLIST_ITEMS = DISCHARGE_CHECKLIST_ITEMS
ALLERGIES = {
    "allergies": ("list", False, None),
    "allergies[]": ("group", False, None),
    "allergies[].substance": ("text", True, None),
    "allergies[].reaction": ("text", False, None),
    "no_known_allergies": ("boolean", False, None),
}

# DESIGN.md 3.4, one entry per field: path -> (type, required at finalize, choice values).
# `[]` stands for "each entry of the list".
DISCHARGE = {
    "encounter": ("group", False, None),
    "encounter.admitted_on": ("date", True, None),
    "encounter.discharged_on": ("date", True, None),
    "encounter.unit": ("text", False, None),
    "encounter.attending": ("text", True, None),
    "encounter.destination": (
        "choice",
        True,
        ("home", "home_with_services", "skilled_nursing", "rehab", "other_facility"),
    ),
    "encounter.receiving_clinician": ("group", False, None),
    "encounter.receiving_clinician.name": ("text", False, None),
    "encounter.receiving_clinician.organization": ("text", False, None),
    "encounter.receiving_clinician.phone": ("text", False, None),
    "diagnoses": ("group", False, None),
    "diagnoses.principal": ("group", False, None),
    "diagnoses.principal.clinical": ("text", True, None),
    "diagnoses.principal.plain": ("text", False, None),
    "diagnoses.secondary": ("list", False, None),
    "diagnoses.secondary[]": ("group", False, None),
    "diagnoses.secondary[].clinical": ("text", False, None),
    "diagnoses.secondary[].plain": ("text", False, None),
    "hospital_course": ("longtext", True, None),
    **ALLERGIES,
    "medications": ("list", True, None),
    "medications[]": ("group", False, None),
    "medications[].name": ("text", True, None),
    "medications[].dose": ("text", True, None),
    "medications[].route": ("text", False, None),
    "medications[].frequency": ("text", False, None),
    "medications[].schedule": ("multichoice", False, ("morning", "noon", "evening", "bedtime", "as_needed")),
    "medications[].status": ("choice", True, ("new", "changed", "unchanged", "stopped")),
    "medications[].purpose": ("text", False, None),
    "medications[].change_note": ("text", False, None),
    "medications[].until": ("date", False, None),
    "follow_up": ("list", False, None),
    "follow_up[]": ("group", False, None),
    "follow_up[].with": ("text", True, None),
    "follow_up[].when": ("datetime_or_text", False, None),
    "follow_up[].where": ("text", False, None),
    "follow_up[].purpose": ("text", False, None),
    "follow_up[].booked": ("boolean", False, None),
    "pending_results": ("list", False, None),
    "pending_results[]": ("group", False, None),
    "pending_results[].test": ("text", True, None),
    "pending_results[].expected_on": ("date", False, None),
    "pending_results[].owner": ("text", True, None),
    "warning_signs": ("list", True, None),
    "warning_signs[]": ("group", False, None),
    "warning_signs[].sign": ("text", True, None),
    "warning_signs[].action": ("choice", True, ("call_clinic", "call_911", "go_to_er")),
    "self_care": ("group", False, None),
    **{
        f"self_care.{key}": ("longtext", False, None)
        for key in ("activity", "diet", "wound_care", "equipment", "home_services")
    },
    "teach_back": ("list", True, None),
    "teach_back[]": ("group", False, None),
    "teach_back[].topic": (
        "choice",
        True,
        ("medications", "warning_signs", "follow_up", "self_care", "other"),
    ),
    "teach_back[].result": ("choice", True, ("confirmed", "needs_reinforcement", "not_done")),
    "teach_back[].note": ("text", False, None),
    "checklist": ("group", False, None),
    **{f"checklist.{item}": ("group", False, None) for item in CHECKLIST_ITEMS},
    **{f"checklist.{item}.state": STATE for item in CHECKLIST_ITEMS},
    **{f"checklist.{item}.note": ("text", False, None) for item in CHECKLIST_ITEMS},
    "contacts": ("list", True, None),
    "contacts[]": ("group", False, None),
    "contacts[].role": ("text", False, None),
    "contacts[].name": ("text", False, None),
    "contacts[].phone": ("text", True, None),
    "contacts[].hours": ("text", False, None),
    "what_matters": ("longtext", False, None),
    "concerns": ("group", False, None),
    "concerns.cost": ("boolean", False, None),
    "concerns.transport": ("boolean", False, None),
    "concerns.caregiver": ("boolean", False, None),
    "concerns.notes": ("longtext", False, None),
}

# DESIGN.md 3.5.
IPASS = {
    "illness_severity": ("choice", True, ("stable", "watcher", "unstable")),
    "code_status": ("choice", False, ("full_code", "dnr", "dnr_dni", "comfort_care")),
    **ALLERGIES,
    "patient_summary": ("group", False, None),
    "patient_summary.one_liner": ("text", True, None),
    "patient_summary.background": ("longtext", False, None),
    "patient_summary.assessment": ("longtext", False, None),
    "patient_summary.plan": ("longtext", True, None),
    "action_list": ("list", False, None),
    "action_list[]": ("group", False, None),
    "action_list[].task": ("text", True, None),
    "action_list[].owner": ("text", False, None),
    "action_list[].due": ("datetime", False, None),
    "action_list[].done": ("boolean", False, None),
    "situation_awareness": ("list", False, None),
    "situation_awareness[]": ("group", False, None),
    "situation_awareness[].if": ("text", True, None),
    "situation_awareness[].then": ("text", True, None),
    "receiver": ("group", False, None),
    "receiver.name": ("text", False, None),
    "receiver.role": ("text", False, None),
}


def field_table(definition: dict) -> dict:
    """path -> (type, required, choice values) for every field of a definition, lists' items as `[]`."""
    table = {}
    pending = [(spec, spec["key"]) for section in definition["sections"] for spec in section["fields"]]
    while pending:
        spec, path = pending.pop()
        choices = tuple(choice["value"] for choice in spec["choices"]) if "choices" in spec else None
        table[path] = (spec["type"], spec.get("required", False), choices)
        pending.extend((child, f"{path}.{child['key']}") for child in spec.get("fields", []))
        if "item" in spec:
            pending.append((spec["item"], f"{path}[]"))
    return table


def all_fields(definition: dict):
    pending = [spec for section in definition["sections"] for spec in section["fields"]]
    while pending:
        spec = pending.pop()
        yield spec
        pending.extend(spec.get("fields", []))
        if "item" in spec:
            pending.append(spec["item"])


# --- the built-ins ------------------------------------------------------------------------------


def test_builtins_load_sorted_by_key_as_fresh_copies():
    first = load_builtin_definitions()
    assert [(d["key"], d["version"]) for d in first] == [("discharge", 1), ("ipass", 1)]
    first[0]["title"] = "changed"
    assert load_builtin_definitions()[0]["title"] != "changed"


@pytest.mark.parametrize("key", ["discharge", "ipass"])
def test_builtins_pass_the_meta_schema(key):
    assert validate_definition(BUILTINS[key]) == []
    assert DefinitionSchema().validate(BUILTINS[key]) == {}


@pytest.mark.parametrize(("key", "expected"), [("discharge", DISCHARGE), ("ipass", IPASS)])
def test_builtin_fields_match_the_design_tables(key, expected):
    assert field_table(BUILTINS[key]) == expected


@pytest.mark.parametrize("key", ["discharge", "ipass"])
def test_builtins_have_a_label_for_every_field_and_choice(key):
    for spec in all_fields(BUILTINS[key]):
        assert spec["label"].strip()
        for choice in spec.get("choices", []):
            assert choice["label"].strip() and choice["label"] != choice["value"]


def test_discharge_marks_what_the_patient_never_sees():
    clinician_only = set()
    pending = [
        (spec, spec["key"]) for section in BUILTINS["discharge"]["sections"] for spec in section["fields"]
    ]
    while pending:
        spec, path = pending.pop()
        if spec.get("audience") == "clinician":
            clinician_only.add(path)
        pending.extend((child, f"{path}.{child['key']}") for child in spec.get("fields", []))
        if "item" in spec:
            pending.append((spec["item"], f"{path}[]"))
    assert clinician_only == {"hospital_course", "teach_back[].note", "checklist"}


def test_builtin_rules():
    discharge, ipass = BUILTINS["discharge"], BUILTINS["ipass"]
    exclusive = {"type": "exclusive", "fields": ["allergies", "no_known_allergies"]}
    not_before = {"type": "not_before", "field": "encounter.discharged_on", "other": "encounter.admitted_on"}
    strip = [{k: v for k, v in rule.items() if k != "message"} for rule in discharge["rules"]]
    assert strip == [not_before, exclusive]
    assert [{k: v for k, v in rule.items() if k != "message"} for rule in ipass["rules"]] == [exclusive]
    checklist = next(s for s in discharge["sections"] if s["key"] == "checklist")["fields"][0]
    for item in checklist["fields"]:
        assert [(r["type"], r["field"], r["when"], r["equals"]) for r in item["rules"]] == [
            ("required_if", "note", "state", "not_done")
        ]


# --- what the meta-schema accepts ---------------------------------------------------------------


def test_read_only_keys_are_accepted_so_a_get_posts_back():
    definition = {
        **BUILTINS["ipass"],
        "version": 7,
        "published_at": "2026-11-20T08:00:00Z",
        "published_by": "admin",
    }
    assert validate_definition(definition) == []


def test_every_key_publishing_strips_is_accepted_whatever_it_holds():
    definition = {**BUILTINS["ipass"], **{key: {"any": ["value", None]} for key in READ_ONLY_KEYS}}
    assert validate_definition(definition) == []


def test_minimal_definition_without_optional_keys_is_valid():
    definition = {
        "key": "falls",
        "title": "Falls",
        "sections": [
            {"key": "risk", "title": "Risk", "fields": [{"key": "score", "label": "Score", "type": "text"}]}
        ],
    }
    assert validate_definition(definition) == []


def test_validating_does_not_change_the_definition():
    definition = copy.deepcopy(BUILTINS["discharge"])
    validate_definition(definition)
    assert definition == BUILTINS["discharge"]


# --- what it refuses, and where it says so ------------------------------------------------------


def section(definition, key):
    return next(s for s in definition["sections"] if s["key"] == key)


def encounter_field(definition, key):
    group = section(definition, "encounter")["fields"][0]
    return next(f for f in group["fields"] if f["key"] == key)


def set_key(path, value):
    def mutate(d):
        *parents, last = path
        target = d
        for part in parents:
            target = target[part]
        target[last] = value

    return mutate


def add_encounter_field(spec):
    return lambda d: section(d, "encounter")["fields"][0]["fields"].append(spec)


E = ("sections", 0, "fields", 0, "fields")  # the encounter group's fields in discharge
ENC = "sections.0.fields.0.fields"

MALFORMED = {
    "bad slug key": (set_key(("key",), "Discharge v2"), "key", "lowercase"),
    "bad field key": (set_key((*E, 2, "key"), "2nd-unit"), f"{ENC}.2.key", "lowercase"),
    "no sections": (set_key(("sections",), []), "sections", "at least one section"),
    "empty section": (set_key(("sections", 2, "fields"), []), "sections.2.fields", "at least one field"),
    "unknown type": (
        set_key(("sections", 2, "fields", 0, "type"), "number"),
        "sections.2.fields.0.type",
        "Unknown field type 'number'",
    ),
    "duplicate key in group": (
        add_encounter_field({"key": "unit", "label": "Unit", "type": "text"}),
        f"{ENC}.6.key",
        "already a field in this group",
    ),
    "duplicate key across sections": (
        lambda d: section(d, "what_matters")["fields"].append(
            {"key": "medications", "label": "M", "type": "text"}
        ),
        "sections.12.fields.2.key",
        "already a field in section 'medications'",
    ),
    "duplicate section key": (
        set_key(("sections", 1, "key"), "encounter"),
        "sections.1.key",
        "already a section",
    ),
    "choice without choices": (
        lambda d: encounter_field(d, "destination").pop("choices"),
        f"{ENC}.4.choices",
        "needs choices",
    ),
    "choice with no choices": (set_key((*E, 4, "choices"), []), f"{ENC}.4.choices", "at least one choice"),
    "duplicate choice value": (
        lambda d: encounter_field(d, "destination")["choices"].append(
            {"value": "rehab", "label": "Rehab again"}
        ),
        f"{ENC}.4.choices.5.value",
        "'rehab' is already a choice",
    ),
    "bad choice value": (
        set_key((*E, 4, "choices", 0, "value"), "Home!"),
        f"{ENC}.4.choices.0.value",
        "lowercase",
    ),
    "group without fields": (
        lambda d: encounter_field(d, "receiving_clinician").pop("fields"),
        f"{ENC}.5.fields",
        "needs fields",
    ),
    "list without item": (
        lambda d: section(d, "medications")["fields"][0].pop("item"),
        "sections.4.fields.0.item",
        "needs an item",
    ),
    "max_length zero": (set_key((*E, 2, "max_length"), 0), f"{ENC}.2.max_length", "at least 1"),
    "max_length boolean": (set_key((*E, 2, "max_length"), True), f"{ENC}.2.max_length", "whole number"),
    "max_items negative": (
        set_key(("sections", 4, "fields", 0, "max_items"), -3),
        "sections.4.fields.0.max_items",
        "at least 1",
    ),
    "choices on a date": (
        set_key((*E, 0, "choices"), [{"value": "a", "label": "A"}]),
        f"{ENC}.0.choices",
        "A date field does not take 'choices'",
    ),
    "max_items on text": (
        set_key((*E, 2, "max_items"), 5),
        f"{ENC}.2.max_items",
        "does not take 'max_items'",
    ),
    "unknown key on a field": (
        set_key((*E, 2, "placeholder"), "5 North"),
        f"{ENC}.2.placeholder",
        "Unknown field.",
    ),
    "unknown top-level key": (set_key(("owner",), "me"), "owner", "Unknown field."),
    "required group": (set_key((*E, 5, "required"), True), f"{ENC}.5.required", "mark the fields inside it"),
    "required not boolean": (set_key((*E, 0, "required"), "yes"), f"{ENC}.0.required", "true or false"),
    "key on a list item": (
        set_key(("sections", 4, "fields", 0, "item", "key"), "medication"),
        "sections.4.fields.0.item.key",
        "A list item has no key",
    ),
    "bad audience": (
        set_key(("sections", 2, "fields", 0, "audience"), "doctors"),
        "sections.2.fields.0.audience",
        "Must be one of: all, clinician",
    ),
    "blank label": (set_key((*E, 2, "label"), "  "), f"{ENC}.2.label", "blank"),
    "missing label": (lambda d: encounter_field(d, "unit").pop("label"), f"{ENC}.2.label", "Required."),
    "rule names a missing field": (
        set_key(("rules", 0, "field"), "encounter.left_on"),
        "rules.0.field",
        "There is no field 'encounter.left_on' in this checklist",
    ),
    "rule compares a text field": (
        set_key(("rules", 0, "other"), "encounter.unit"),
        "rules.0.other",
        "compares dates, but 'encounter.unit' is a text field",
    ),
    "rule reaches into a list": (
        set_key(("rules", 0, "field"), "medications.until"),
        "rules.0.field",
        "'medications' is a list",
    ),
    "rule of unknown type": (
        set_key(("rules", 0, "type"), "after"),
        "rules.0.type",
        "Unknown rule type 'after'",
    ),
    "rule missing a key": (lambda d: d["rules"][0].pop("other"), "rules.0.other", "needs 'other'"),
    "rule with another type's key": (
        set_key(("rules", 0, "when"), "encounter.unit"),
        "rules.0.when",
        "does not take 'when'",
    ),
    "exclusive with one field": (
        set_key(("rules", 1, "fields"), ["allergies"]),
        "rules.1.fields",
        "at least two",
    ),
    "exclusive naming a group": (
        set_key(("rules", 1, "fields"), ["allergies", "encounter"]),
        "rules.1.fields.1",
        "'encounter' is a group",
    ),
    "group rule naming a missing field": (
        set_key(("sections", 10, "fields", 0, "fields", 0, "rules", 0, "field"), "comment"),
        "sections.10.fields.0.fields.0.rules.0.field",
        "There is no field 'comment' in this group",
    ),
    "required_if equals a value the choice lacks": (
        set_key(("sections", 10, "fields", 0, "fields", 0, "rules", 0, "equals"), "skipped"),
        "sections.10.fields.0.fields.0.rules.0.equals",
        "Must be one of: done, not_applicable, not_done",
    ),
    "required_if on a multichoice": (
        lambda d: d["rules"].append(
            {"type": "required_if", "field": "what_matters", "when": "concerns", "equals": "x"}
        ),
        "rules.2.when",
        "tests a choice, boolean or text field",
    ),
    "not an object": (lambda d: None, "", "Must be an object."),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_definition_is_refused_at_a_precise_path(case):
    mutate, path, message = MALFORMED[case]
    definition = copy.deepcopy(BUILTINS["discharge"])
    if case == "not an object":
        definition = ["not", "a", "definition"]
    mutate(definition)
    problems = validate_definition(definition)
    assert any(p["path"] == path and message in p["message"] for p in problems), problems


@pytest.mark.parametrize("fields", [1, True, "allergies", {"allergies": 1, "no_known_allergies": 2}])
def test_exclusive_fields_that_are_not_a_list_get_one_problem(fields):
    definition = copy.deepcopy(BUILTINS["discharge"])
    definition["rules"][1]["fields"] = fields
    assert validate_definition(definition) == [{"path": "rules.1.fields", "message": "Must be a list."}]


def test_every_problem_is_reported_at_once():
    definition = copy.deepcopy(BUILTINS["discharge"])
    definition["key"] = "Bad"
    definition["sections"][2]["fields"][0]["type"] = "number"
    definition["rules"][0]["other"] = "encounter.nowhere"
    paths = {p["path"] for p in validate_definition(definition)}
    assert {"key", "sections.2.fields.0.type", "rules.0.other"} <= paths


def test_groups_nest_only_so_deep():
    spec = {"key": "leaf", "label": "Leaf", "type": "text"}
    for level in range(MAX_NESTING + 5):
        spec = {"key": f"level_{level}", "label": "Level", "type": "group", "fields": [spec]}
    definition = {"key": "deep", "title": "Deep", "sections": [{"key": "s", "title": "S", "fields": [spec]}]}
    problems = validate_definition(definition)
    assert len(problems) == 1
    assert problems[0]["path"] == "sections.0.fields.0" + ".fields.0" * (MAX_NESTING - 1) + ".fields"
    assert "nest at most" in problems[0]["message"]


def test_very_deep_nesting_is_refused_without_recursion_errors():
    spec = {"label": "Leaf", "type": "text"}
    for _ in range(5000):
        spec = {"label": "Level", "type": "list", "item": spec}
    definition = {
        "key": "deep",
        "title": "Deep",
        "sections": [{"key": "s", "title": "S", "fields": [{"key": "top", **spec}]}],
    }
    assert validate_definition(definition)


# --- fuzzing ------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["text", "group", "list", "choice", "required_if", "encounter.unit", "", "a"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["key", "label", "type", "fields", "item", "choices", "rules", "value", "field", "when"]
            )
            | st.text(max_size=8),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)




FUZZ = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def assert_problem_list(problems):
    assert isinstance(problems, list)
    for problem in problems:
        assert set(problem) == {"path", "message"}
        assert isinstance(problem["path"], str) and isinstance(problem["message"], str) and problem["message"]


@pytest.mark.slow
@FUZZ
@given(raw=json_values)
def test_validate_definition_never_raises_on_random_json(raw):
    problems = validate_definition(raw)
    assert_problem_list(problems)
    assert problems  # random JSON is never a checklist


@pytest.mark.slow
@FUZZ
@given(data=st.data(), key=st.sampled_from(sorted(BUILTINS)))
def test_validate_definition_never_raises_on_a_damaged_builtin(data, key):
    base = BUILTINS[key]
    path = data.draw(st.sampled_from(locations(base)))
    damaged = replaced(base, path, data.draw(json_values))
    assert_problem_list(validate_definition(damaged))
