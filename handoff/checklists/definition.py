"""The checklist definition format and its meta-schema: what a publishable checklist definition looks like.

A definition::

    {"key": "discharge", "title": "Discharge", "description"?: "...",
     "sections": [{"key", "title", "help"?, "fields": [FIELD, ...]}, ...],
     "rules"?: [RULE, ...]}

Every field directly inside a section is a top-level key of a handoff's `data`; sections only
group fields for display, so field keys are unique across all sections. A FIELD is
`{"key", "label", "type", "required"?, "help"?, "audience"?, ...}` plus the keys its type takes
(`TYPE_KEYS`); a list's `item` is a FIELD without `key`, `required` or `audience`. A RULE is
`not_before`, `required_if` or `exclusive` (`RULE_KEYS`); its paths are dotted field keys from
the data root (top-level rules) or from the group that carries it.

Definitions are stored exactly as posted, so nothing here fills in defaults: `data_schemas.py` applies
`DEFAULT_MAX_LENGTH` and `DEFAULT_MAX_ITEMS` when it builds a schema. Field-by-field structure is
checked by marshmallow fields (which give precise paths such as `sections.2.fields.0.type`);
checks that need a whole object (keys a type does not take, duplicate keys, rules naming real
fields) are `@validates_schema` hooks on the object that holds what they compare.
"""

import re
from collections.abc import Mapping

from marshmallow import Schema, ValidationError, pre_load, validates_schema
from marshmallow import fields as ma

from ..errors import flatten_messages

SLUG = re.compile(r"[a-z][a-z0-9_]{0,63}")
SLUG_MESSAGE = "Use 1 to 64 lowercase letters, digits or _, starting with a letter."

FIELD_TYPES = (
    "text",
    "longtext",
    "date",
    "datetime",
    "datetime_or_text",
    "choice",
    "multichoice",
    "boolean",
    "group",
    "list",
)
DEFAULT_MAX_LENGTH = {"text": 500, "longtext": 5000, "datetime_or_text": 200}
DEFAULT_MAX_ITEMS = 100
AUDIENCES = ("all", "clinician")

# Keys a field takes beyond key, label, type, required, help and audience, by type.
TYPE_KEYS = {
    "text": {"max_length"},
    "longtext": {"max_length"},
    "datetime_or_text": {"max_length"},
    "date": set(),
    "datetime": set(),
    "boolean": set(),
    "choice": {"choices"},
    "multichoice": {"choices"},
    "group": {"fields", "rules"},
    "list": {"item", "max_items"},
}
_TYPED_KEYS = set().union(*TYPE_KEYS.values())

# The keys each rule type needs; `message` is optional for all of them.
RULE_KEYS = {
    "not_before": ("field", "other"),
    "required_if": ("field", "when", "equals"),
    "exclusive": ("fields",),
}
_RULE_PATH_KEYS = {"field", "other", "when", "equals", "fields"}
# A required_if rule compares `when` with one value, so `when` must hold a single value.
_WHEN_TYPES = ("choice", "boolean", "text")

# Keys the API adds to a definition it returns; accepted and ignored so a GET posts back as is.
READ_ONLY_KEYS = ("version", "published_at", "published_by")

# Deep nesting only makes forms unusable, and each level costs stack in marshmallow: cap it.
MAX_NESTING = 8


# --- errors -------------------------------------------------------------------------------------


def _put(errors: dict, path: tuple, message: str) -> None:
    """Add `message` at `path` inside a nested error dict (the shape ValidationError takes)."""
    *parents, last = path
    for part in parents:
        inner = errors.setdefault(part, {})
        if isinstance(inner, list):  # messages already sit here: keep them as this object's own
            inner = errors[part] = {"_schema": inner}
        errors = inner
    if isinstance(errors.get(last), dict):
        errors[last].setdefault("_schema", []).append(message)
    else:
        errors.setdefault(last, []).append(message)


# --- strict JSON fields -------------------------------------------------------------------------
# marshmallow's own fields coerce (1 -> True, "5" -> 5, True -> 1); a definition is JSON as
# posted, so these accept only the exact JSON type and return the value unchanged.

_BASE_MESSAGES = {"required": "Required.", "null": "Must not be null."}


class _Strict(ma.Field):
    default_error_messages = _BASE_MESSAGES


class _Text(_Strict):
    def __init__(self, *, max_length: int, blank: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length
        self.blank = blank

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Must be text.")
        if not self.blank and not value.strip():
            raise ValidationError("Must not be blank.")
        if len(value) > self.max_length:
            raise ValidationError(f"At most {self.max_length} characters.")
        return value


class _Slug(_Strict):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not SLUG.fullmatch(value):
            raise ValidationError(SLUG_MESSAGE)
        return value


def _is_path(value) -> bool:
    """A dotted path of field keys, e.g. `encounter.discharged_on`."""
    return isinstance(value, str) and len(value) <= 1000 and all(SLUG.fullmatch(p) for p in value.split("."))


class _Path(_Strict):
    def _deserialize(self, value, attr, data, **kwargs):
        if not _is_path(value):
            raise ValidationError("Use field keys joined by dots, e.g. encounter.admitted_on.")
        return value


class _PositiveInt(_Strict):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError("Must be a whole number of at least 1.")
        return value


class _Bool(_Strict):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Must be true or false.")
        return value


class _OneOf(_Strict):
    def __init__(self, values, *, what: str = "", **kwargs):
        super().__init__(**kwargs)
        self.values = values
        self.what = what

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or value not in self.values:
            unknown = f"Unknown {self.what} {value!r}. " if self.what and isinstance(value, str) else ""
            raise ValidationError(f"{unknown}Must be one of: {', '.join(self.values)}.")
        return value


class _List(ma.List):
    default_error_messages = {**_BASE_MESSAGES, "invalid": "Must be a list."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def _nested(schema, **kwargs) -> ma.Nested:
    return ma.Nested(schema, error_messages=_BASE_MESSAGES, **kwargs)


class _MetaSchema(Schema):
    error_messages = {"type": "Must be an object.", "unknown": "Unknown field."}


# --- rules --------------------------------------------------------------------------------------


class RuleSchema(_MetaSchema):
    """One RULE; whether its paths name real fields of the right type is checked by its holder."""

    type = _OneOf(tuple(RULE_KEYS), what="rule type", required=True)
    field = _Path()
    other = _Path()
    when = _Path()
    equals = ma.Raw(allow_none=False, error_messages=_BASE_MESSAGES)
    fields = _List(_Path())
    message = _Text(max_length=500, blank=False)

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _check_keys_for_type(self, data, original, **kwargs):
        rule_type = original.get("type") if isinstance(original, Mapping) else None
        if not isinstance(rule_type, str) or rule_type not in RULE_KEYS:
            return
        errors: dict = {}
        needed = RULE_KEYS[rule_type]
        for name in needed:
            if name not in original:
                _put(errors, (name,), f"A {rule_type} rule needs {name!r}.")
        for name in original:
            if name in _RULE_PATH_KEYS and name not in needed:
                _put(errors, (name,), f"A {rule_type} rule does not take {name!r}.")
        if "equals" in needed and "equals" in original and not isinstance(original["equals"], str | bool):
            _put(errors, ("equals",), "Must be text, or true or false.")
        paths = original.get("fields") if rule_type == "exclusive" else None
        if isinstance(paths, list):
            if len(paths) < 2:
                _put(errors, ("fields",), "Name at least two fields.")
            elif len(set(named := [p for p in paths if isinstance(p, str)])) < len(named):
                _put(errors, ("fields",), "Name each field only once.")
        if errors:
            raise ValidationError(errors)


def _resolve(specs: list, path: str, scope: str) -> tuple[Mapping | None, str | None]:
    """Find the field a rule path names among `specs`: (field, None) or (None, why not)."""
    spec: Mapping | None = None
    walked: list[str] = []
    for segment in path.split("."):
        if spec is not None:
            so_far = ".".join(walked)
            if spec.get("type") == "list":
                return None, f"{so_far!r} is a list: put rules about its entries on the list's item."
            if spec.get("type") != "group":
                return None, f"{so_far!r} is a {spec.get('type')} field, not a group."
            specs = spec.get("fields") if isinstance(spec.get("fields"), list) else []
        walked.append(segment)
        spec = next((s for s in specs if isinstance(s, Mapping) and s.get("key") == segment), None)
        if spec is None:
            return None, f"There is no field {'.'.join(walked)!r} in {scope}."
    return spec, None


_NOT_GROUP = tuple(t for t in FIELD_TYPES if t != "group")
_DATES_ONLY = "A not_before rule compares dates, but {path!r} is a {type} field."
_NAME_A_LEAF = "{path!r} is a group: name a field inside it."
_WHEN_SINGLE = "A required_if rule tests a choice, boolean or text field, but {path!r} is a {type} field."


def _rule_reference_errors(rules: list, specs: list, scope: str) -> dict:
    """Errors (keyed by rule index) for rules naming fields that are missing or of the wrong type."""
    errors: dict = {}

    def named(where: tuple, path, allowed: tuple[str, ...], why: str) -> Mapping | None:
        """The field at `path` if it exists and has an allowed type; else record why not at `where`."""
        if not _is_path(path):
            return None  # reported by the rule's own field
        spec, problem = _resolve(specs, path, scope)
        if problem is None and spec.get("type") not in allowed:
            problem = why.format(path=path, type=spec.get("type"))
        if problem is not None:
            _put(errors, where, problem)
            return None
        return spec

    for index, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            continue
        rule_type = rule.get("type")
        if rule_type == "not_before":
            named((index, "field"), rule.get("field"), ("date",), _DATES_ONLY)
            named((index, "other"), rule.get("other"), ("date",), _DATES_ONLY)
            if rule.get("field") == rule.get("other"):
                _put(errors, (index, "other"), "Compare two different fields.")
        elif rule_type == "required_if":
            named((index, "field"), rule.get("field"), _NOT_GROUP, _NAME_A_LEAF)
            when = named((index, "when"), rule.get("when"), _WHEN_TYPES, _WHEN_SINGLE)
            if rule.get("field") == rule.get("when"):
                _put(errors, (index, "when"), "A field cannot depend on itself.")
            if when is not None and "equals" in rule and (problem := _equals_problem(when, rule["equals"])):
                _put(errors, (index, "equals"), problem)
        elif rule_type == "exclusive":
            for position, path in enumerate(rule.get("fields") or []):
                named((index, "fields", position), path, _NOT_GROUP, _NAME_A_LEAF)
    return errors


def _equals_problem(when: Mapping, equals) -> str | None:
    """Why `equals` can never match the field `when`, or None when it can."""
    if when.get("type") == "boolean":
        return None if isinstance(equals, bool) else "Must be true or false: the field is a boolean."
    if not isinstance(equals, str):
        return "Must be text."
    if when.get("type") == "choice":
        choices = when.get("choices") if isinstance(when.get("choices"), list) else []
        values = [c.get("value") for c in choices if isinstance(c, Mapping)]
        if equals not in values:
            return f"Must be one of: {', '.join(str(v) for v in values)}."
    return None


# --- fields -------------------------------------------------------------------------------------


class ChoiceSchema(_MetaSchema):
    value = _Slug(required=True)
    label = _Text(max_length=200, blank=False, required=True)


class _FieldShape(_MetaSchema):
    """What a field and a list item share; see FieldSchema and ItemSchema."""

    label = _Text(max_length=200, blank=False, required=True)
    type = _OneOf(FIELD_TYPES, what="field type", required=True)
    help = _Text(max_length=1000)
    max_length = _PositiveInt()
    max_items = _PositiveInt()
    choices = _List(_nested(ChoiceSchema))
    item = _nested(lambda: ItemSchema())
    rules = _List(_nested(RuleSchema))
    fields = _List(_nested(lambda: FieldSchema()))

    is_item = False

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _check_keys_for_type(self, data, original, **kwargs):
        if isinstance(original, Mapping):
            errors = _field_shape_errors(original, is_item=self.is_item)
            if errors:
                raise ValidationError(errors)

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _check_rule_references(self, data, original, **kwargs):
        # Read from the original: a rule naming a field that has another problem is still checked.
        if not isinstance(original, Mapping) or original.get("type") != "group":
            return
        rules, specs = original.get("rules"), original.get("fields")
        if isinstance(rules, list) and isinstance(specs, list):
            errors = _rule_reference_errors(rules, specs, "this group")
            if errors:
                raise ValidationError({"rules": errors})


class FieldSchema(_FieldShape):
    key = _Slug(required=True)
    required = _Bool()
    audience = _OneOf(AUDIENCES)


class ItemSchema(_FieldShape):
    """A list's `item`: a field without key, required or audience (the list carries those)."""

    # Declared only so their presence gets a clearer message than "Unknown field."
    key = ma.Raw(allow_none=True)
    required = ma.Raw(allow_none=True)
    audience = ma.Raw(allow_none=True)

    is_item = True


_ITEM_KEY_MESSAGES = {
    "key": "A list item has no key: the list's key names it.",
    "required": "A list item cannot be required: make the list required, or fields inside the item.",
    "audience": "A list item has no audience of its own: set it on the list.",
}


def _field_shape_errors(spec: Mapping, *, is_item: bool) -> dict:
    """Errors for keys that don't fit the field's type, and for what its type needs but lacks."""
    errors: dict = {}
    if is_item:
        for name, message in _ITEM_KEY_MESSAGES.items():
            if name in spec:
                _put(errors, (name,), message)
    field_type = spec.get("type")
    if not isinstance(field_type, str) or field_type not in TYPE_KEYS:
        return errors  # the type itself is reported by its field
    for name in spec:
        if name in _TYPED_KEYS and name not in TYPE_KEYS[field_type]:
            _put(errors, (name,), f"A {field_type} field does not take {name!r}.")
    if field_type == "group" and spec.get("required") is True and not is_item:
        _put(errors, ("required",), "A group is not required itself: mark the fields inside it as required.")
    if field_type in ("choice", "multichoice"):
        _check_unique_children(
            errors,
            spec,
            "choices",
            "value",
            f"A {field_type} field needs choices.",
            "Add at least one choice.",
            "{!r} is already a choice.",
        )
    elif field_type == "group":
        _check_unique_children(
            errors,
            spec,
            "fields",
            "key",
            "A group needs fields.",
            "Add at least one field.",
            "{!r} is already a field in this group.",
        )
    elif field_type == "list" and "item" not in spec:
        _put(errors, ("item",), "A list needs an item: what each entry holds.")
    return errors


def _check_unique_children(errors, spec, name, id_key, missing, empty, duplicate) -> None:
    children = spec.get(name)
    if name not in spec:
        _put(errors, (name,), missing)
    elif isinstance(children, list):
        if not children:
            _put(errors, (name,), empty)
        seen = set()
        for index, child in enumerate(children):
            ident = child.get(id_key) if isinstance(child, Mapping) else None
            if isinstance(ident, str):
                if ident in seen:
                    _put(errors, (name, index, id_key), duplicate.format(ident))
                seen.add(ident)


# --- sections and the definition ----------------------------------------------------------------


class SectionSchema(_MetaSchema):
    key = _Slug(required=True)
    title = _Text(max_length=200, blank=False, required=True)
    help = _Text(max_length=1000)
    fields = _List(_nested(FieldSchema), required=True)

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _check_not_empty(self, data, original, **kwargs):
        if isinstance(original, Mapping) and original.get("fields") == []:
            raise ValidationError("A section needs at least one field.", "fields")


class DefinitionSchema(_MetaSchema):
    """The meta-schema: `DefinitionSchema().validate(raw)` is empty for a publishable definition."""

    key = _Slug(required=True)
    title = _Text(max_length=200, blank=False, required=True)
    description = _Text(max_length=5000)
    sections = _List(_nested(SectionSchema), required=True)
    rules = _List(_nested(RuleSchema))
    # Read-only keys the API adds; accepted whatever they hold and ignored.
    version = ma.Raw(allow_none=True)
    published_at = ma.Raw(allow_none=True)
    published_by = ma.Raw(allow_none=True)

    @pre_load
    def _limit_nesting(self, raw, **kwargs):
        errors = _nesting_errors(raw)
        if errors:
            raise ValidationError(errors)
        return raw

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _check_unique_keys(self, data, original, **kwargs):
        if isinstance(original, Mapping) and isinstance(original.get("sections"), list):
            errors = _section_key_errors(original["sections"])
            if errors:
                raise ValidationError(errors)

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _check_rule_references(self, data, original, **kwargs):
        rules = original.get("rules") if isinstance(original, Mapping) else None
        sections = original.get("sections") if isinstance(original, Mapping) else None
        if isinstance(rules, list) and isinstance(sections, list):
            specs = [
                spec
                for section in sections
                if isinstance(section, Mapping) and isinstance(section.get("fields"), list)
                for spec in section["fields"]
            ]
            errors = _rule_reference_errors(rules, specs, "this checklist")
            if errors:
                raise ValidationError({"rules": errors})


def _section_key_errors(sections: list) -> dict:
    """Empty section list, repeated section keys, and field keys repeated anywhere at the top level."""
    errors: dict = {}
    if not sections:
        _put(errors, ("sections",), "Add at least one section.")
    section_keys: dict[str, int] = {}
    field_keys: dict[str, int] = {}
    for s_index, section in enumerate(sections):
        if not isinstance(section, Mapping):
            continue
        section_key = section.get("key")
        if isinstance(section_key, str):
            if section_key in section_keys:
                _put(errors, ("sections", s_index, "key"), f"{section_key!r} is already a section.")
            section_keys.setdefault(section_key, s_index)
        specs = section.get("fields")
        for f_index, spec in enumerate(specs if isinstance(specs, list) else []):
            key = spec.get("key") if isinstance(spec, Mapping) else None
            if not isinstance(key, str):
                continue
            if key in field_keys:
                first = field_keys[key]
                first_key = sections[first].get("key")
                where = "this section" if first == s_index else f"section {first_key!r}"
                message = f"{key!r} is already a field in {where}."
                _put(errors, ("sections", s_index, "fields", f_index, "key"), message)
            else:
                field_keys[key] = s_index
    return errors


def _nesting_errors(raw) -> dict:
    """Refuse groups and lists nested deeper than MAX_NESTING, before marshmallow recurses into them."""
    errors: dict = {}
    if not isinstance(raw, Mapping) or not isinstance(raw.get("sections"), list):
        return errors
    stack = []
    for s_index, section in enumerate(raw["sections"]):
        if isinstance(section, Mapping) and isinstance(section.get("fields"), list):
            stack.extend(
                (spec, ("sections", s_index, "fields", f_index), 1)
                for f_index, spec in enumerate(section["fields"])
            )
    while stack:
        spec, path, depth = stack.pop()
        if not isinstance(spec, Mapping):
            continue
        children = []
        if isinstance(spec.get("fields"), list) and spec["fields"]:
            nested = [(child, (*path, "fields", i)) for i, child in enumerate(spec["fields"])]
            children.append(("fields", nested))
        if "item" in spec:
            children.append(("item", [(spec["item"], (*path, "item"))]))
        for name, nested in children:
            if depth >= MAX_NESTING:
                _put(errors, (*path, name), f"Groups and lists nest at most {MAX_NESTING} levels deep.")
            else:
                stack.extend((child, child_path, depth + 1) for child, child_path in nested)
    return errors


def validate_definition(raw) -> list[dict]:
    """Every problem with a checklist definition as `[{"path", "message"}]`; `[]` when it can be published."""
    return flatten_messages(DefinitionSchema().validate(raw))
