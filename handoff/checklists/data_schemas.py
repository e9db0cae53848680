"""Schema generation: one checklist definition becomes the marshmallow schemas that check a handoff's data.

The draft schema checks what every save must get right: JSON types, date formats, allowed
values, lengths, list sizes and unknown keys; any field may be missing or null. The final schema
adds what finalizing needs: required fields and the definition's rules. Both come from the same
definition (never a hand-written schema per checklist), and both are cached because published
definitions never change.

The generated fields are the strict ones of `fields.py`, which the definition meta-schema uses
too: exact JSON types only, every value loaded unchanged, so `schema.load(data)` returns the data
as posted. A cleared input ("") is accepted on every save and counts as empty at finalize.
`validate_data` never raises on any JSON: each problem becomes a `{"path", "message"}` entry.

The definition must have passed `definition.validate_definition`; defaults (`max_length`,
`max_items`) are applied here, at build time, and never written into the definition.
"""

import functools
import json
from collections.abc import Mapping

from marshmallow import Schema, ValidationError, missing, validates_schema
from marshmallow import fields as ma

from ..errors import flatten_messages
from . import fields
from .definition import DEFAULT_MAX_ITEMS, DEFAULT_MAX_LENGTH
from .fields import add_error, is_empty, is_valid_date, same_value

REQUIRED = "Required to finalize."
EMPTY_ENTRY = "This entry is empty: fill it in or remove it."
NOT_AN_OBJECT = "The handoff data must be a JSON object."


# --- fields -------------------------------------------------------------------------------------


class _Group(fields.Nested):
    """A group of fields, nested under its key in the data.

    A group is never required itself. When it is missing or null at finalize, the required
    fields inside it are still owed, so it is checked as if it were `{}`: each missing leaf is
    reported at its own path (`diagnoses.principal.clinical`, not `diagnoses`).
    """

    def __init__(self, nested, *, final: bool, is_item: bool, **kwargs):
        super().__init__(nested, **kwargs)
        self.final = final
        self.is_item = is_item

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if self.final and not self.is_item and (value is missing or value is None):
            self._load({})  # raises with every required leaf; nothing to report otherwise
            return value
        return super().deserialize(value, attr, data, **kwargs)


class _DataSchema(Schema):
    """Base of every generated schema: plain messages, and the definition's rules at finalize."""

    error_messages = {"type": "Must be a group of fields (a JSON object).", "unknown": "Unknown field."}
    _checklist_rules: tuple = ()

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _check_rules(self, data, original, **kwargs):
        errors = rule_errors(self._checklist_rules, data, original)
        if errors:
            raise ValidationError(errors)


def _required_leaf(value) -> None:
    if is_empty(value):
        raise ValidationError(REQUIRED)


def _make_field(spec: Mapping, *, final: bool, is_item: bool = False) -> ma.Field:
    """The marshmallow field for one FIELD (or, with is_item, a list's item)."""
    field_type = spec["type"]
    required = final and not is_item and bool(spec.get("required"))
    options: dict = {
        "required": required,
        "allow_none": not (required or is_item),
        "error_messages": {"required": REQUIRED, "null": EMPTY_ENTRY if is_item else REQUIRED},
    }
    if required:
        options["validate"] = _required_leaf
    if field_type in DEFAULT_MAX_LENGTH:
        field_class = fields.DateTimeOrText if field_type == "datetime_or_text" else fields.Text
        return field_class(max_length=spec.get("max_length", DEFAULT_MAX_LENGTH[field_type]), **options)
    if field_type in ("choice", "multichoice"):
        values = tuple(choice["value"] for choice in spec["choices"])
        if field_type == "multichoice":
            return fields.MultiChoice(values, **options)
        return fields.Choice(values, allow_empty=True, **options)
    if field_type == "group":
        options.pop("validate", None)
        name = spec.get("key", "item")
        nested = _schema_class(spec["fields"], spec.get("rules", ()), final=final, name=name)
        return _Group(nested, final=final, is_item=is_item, **options)
    if field_type == "list":
        inner = _make_field(spec["item"], final=final, is_item=True)
        return fields.List(inner, max_items=spec.get("max_items", DEFAULT_MAX_ITEMS), **options)
    if field_type == "boolean":
        return fields.Bool(**options)
    return (fields.Date if field_type == "date" else fields.DateTime)(allow_empty=True, **options)


def _schema_class(specs, rules, *, final: bool, name: str) -> type[Schema]:
    attrs: dict = {spec["key"]: _make_field(spec, final=final) for spec in specs}
    attrs["_checklist_rules"] = tuple(rules) if final else ()
    return type(f"{name.title().replace('_', '')}Data", (_DataSchema,), attrs)


# --- rules --------------------------------------------------------------------------------------


def _lookup(data, path: str):
    for part in path.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(part)
    return data


def _is_set(value) -> bool:
    return value is not False and not is_empty(value)


def rule_errors(rules, data, original) -> dict:
    """Nested error dict for the RULEs that `data` breaks; paths in the rules are relative to `data`.

    `data` holds only the values that passed their field checks, so a rule never judges a bad
    value twice; `original` is the input as posted, used to tell "left empty" from "invalid".
    """
    errors: dict = {}

    def report(path: str, message: str) -> None:
        add_error(errors, tuple(path.split(".")), message)

    for rule in rules:
        rule_type = rule["type"]
        if rule_type == "not_before":
            later, earlier = _lookup(data, rule["field"]), _lookup(data, rule["other"])
            if is_valid_date(later) and is_valid_date(earlier) and later < earlier:
                report(rule["field"], rule.get("message") or f"Must not be before {rule['other']}.")
        elif rule_type == "required_if":
            triggered = same_value(_lookup(data, rule["when"]), rule["equals"])
            if triggered and is_empty(_lookup(original, rule["field"])):
                default = f"Required when {rule['when']} is {json.dumps(rule['equals'])}."
                report(rule["field"], rule.get("message") or default)
        elif rule_type == "exclusive":
            filled = [path for path in rule["fields"] if _is_set(_lookup(data, path))]
            if len(filled) > 1:
                for path in filled:
                    report(path, rule.get("message") or f"Fill in only one of: {', '.join(rule['fields'])}.")
    return errors


# --- public -------------------------------------------------------------------------------------


def build_data_schema(definition: Mapping, *, final: bool) -> Schema:
    """The draft (`final=False`) or final schema for a definition; shared and cached, so don't modify it.

    The cache key is the definition's canonical JSON, which holds its key and version: a
    published definition never changes, and an unpublished one can never be served a stale schema.
    """
    return _cached_schema(json.dumps(definition, sort_keys=True, separators=(",", ":")), bool(final))


@functools.lru_cache(maxsize=32)
def _cached_schema(canonical: str, final: bool) -> Schema:
    definition = json.loads(canonical)
    specs = [spec for section in definition["sections"] for spec in section["fields"]]
    return _schema_class(specs, definition.get("rules", ()), final=final, name=definition["key"])()


def validate_data(definition: Mapping, data, *, final: bool) -> list[dict]:
    """Every problem with a handoff's `data` as `[{"path": "medications.2.dose", "message": ...}]`.

    Paths are dotted from the data root, list indexes as numbers; `[]` when the data is valid.
    Data that is not a JSON object gives one error at path "".
    """
    if not isinstance(data, Mapping):
        return [{"path": "", "message": NOT_AN_OBJECT}]
    return flatten_messages(build_data_schema(definition, final=final).validate(data))
