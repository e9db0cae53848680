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

Definitions are stored exactly as posted, so nothing here fills in defaults: `data_schemas.py`
applies `DEFAULT_MAX_LENGTH` and `DEFAULT_MAX_ITEMS` when it builds a schema. Field-by-field
structure is checked by the strict fields of `fields.py`, the same ones the data schemas use
(they give precise paths such as `sections.2.fields.0.type`); checks that need a whole object
(keys a type does not take, duplicate keys, rules naming real fields) are `@validates_schema`
hooks on the object that holds what they compare.
"""

from collections.abc import Mapping

from marshmallow import Schema, ValidationError, pre_load, validates_schema
from marshmallow import fields as ma

from ..errors import flatten_messages
from .fields import Bool, Choice, KeyPath, List, Nested, PositiveInt, Slug, Strict, Text, add_error, is_key_path

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


class _MetaSchema(Schema):
    error_messages = {"type": "Must be an object.", "unknown": "Unknown field."}


# --- rules --------------------------------------------------------------------------------------


class RuleSchema(_MetaSchema):
    """One RULE; whether its paths name real fields of the right type is checked by its holder."""

    type = Choice(tuple(RULE_KEYS), what="rule type", required=True)
    field = KeyPath()
    other = KeyPath()
    when = KeyPath()
    equals = Strict()
    fields = List(KeyPath())
    message = Text(max_length=500, blank=False)

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _check_keys_for_type(self, data, original, **kwargs):
        rule_type = original.get("type") if isinstance(original, Mapping) else None
        if not isinstance(rule_type, str) or rule_type not in RULE_KEYS:
            return
        errors: dict = {}
        needed = RULE_KEYS[rule_type]
        for name in needed:
            if name not in original:
                add_error(errors, (name,), f"A {rule_type} rule needs {name!r}.")
        for name in original:
            if name in _RULE_PATH_KEYS and name not in needed:
                add_error(errors, (name,), f"A {rule_type} rule does not take {name!r}.")
        if "equals" in needed and "equals" in original and not isinstance(original["equals"], str | bool):
            add_error(errors, ("equals",), "Must be text, or true or false.")
        paths = original.get("fields") if rule_type == "exclusive" else None
        if isinstance(paths, list):
            if len(paths) < 2:
                add_error(errors, ("fields",), "Name at least two fields.")
            elif len(set(named := [p for p in paths if isinstance(p, str)])) < len(named):
                add_error(errors, ("fields",), "Name each field only once.")
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
        if not is_key_path(path):
            return None  # reported by the rule's own field
        spec, problem = _resolve(specs, path, scope)
        if problem is None and spec.get("type") not in allowed:
            problem = why.format(path=path, type=spec.get("type"))
        if problem is not None:
            add_error(errors, where, problem)
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
                add_error(errors, (index, "other"), "Compare two different fields.")
        elif rule_type == "required_if":
            named((index, "field"), rule.get("field"), _NOT_GROUP, _NAME_A_LEAF)
            when = named((index, "when"), rule.get("when"), _WHEN_TYPES, _WHEN_SINGLE)
            if rule.get("field") == rule.get("when"):
                add_error(errors, (index, "when"), "A field cannot depend on itself.")
            if when is not None and "equals" in rule and (problem := _equals_problem(when, rule["equals"])):
                add_error(errors, (index, "equals"), problem)
        elif rule_type == "exclusive":
            paths = rule.get("fields")  # anything but a list is reported by the rule's own field
            for position, path in enumerate(paths if isinstance(paths, list) else []):
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
    value = Slug(required=True)
    label = Text(max_length=200, blank=False, required=True)


class _FieldShape(_MetaSchema):
    """What a field and a list item share; see FieldSchema and ItemSchema."""

    label = Text(max_length=200, blank=False, required=True)
    type = Choice(FIELD_TYPES, what="field type", required=True)
    help = Text(max_length=1000)
    max_length = PositiveInt()
    max_items = PositiveInt()
    choices = List(Nested(ChoiceSchema))
    item = Nested(lambda: ItemSchema())
    rules = List(Nested(RuleSchema))
    fields = List(Nested(lambda: FieldSchema()))

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
    key = Slug(required=True)
    required = Bool()
    audience = Choice(AUDIENCES)


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
                add_error(errors, (name,), message)
    field_type = spec.get("type")
    if not isinstance(field_type, str) or field_type not in TYPE_KEYS:
        return errors  # the type itself is reported by its field
    for name in spec:
        if name in _TYPED_KEYS and name not in TYPE_KEYS[field_type]:
            add_error(errors, (name,), f"A {field_type} field does not take {name!r}.")
    if field_type == "group" and spec.get("required") is True and not is_item:
        add_error(errors, ("required",), "A group is not required itself: mark the fields inside it as required.")
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
        add_error(errors, ("item",), "A list needs an item: what each entry holds.")
    return errors


def _check_unique_children(errors, spec, name, id_key, missing, empty, duplicate) -> None:
    children = spec.get(name)
    if name not in spec:
        add_error(errors, (name,), missing)
    elif isinstance(children, list):
        if not children:
            add_error(errors, (name,), empty)
        seen = set()
        for index, child in enumerate(children):
            ident = child.get(id_key) if isinstance(child, Mapping) else None
            if isinstance(ident, str):
                if ident in seen:
                    add_error(errors, (name, index, id_key), duplicate.format(ident))
                seen.add(ident)


# --- sections and the definition ----------------------------------------------------------------


class SectionSchema(_MetaSchema):
    key = Slug(required=True)
    title = Text(max_length=200, blank=False, required=True)
    help = Text(max_length=1000)
    fields = List(Nested(FieldSchema), required=True)

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _check_not_empty(self, data, original, **kwargs):
        if isinstance(original, Mapping) and original.get("fields") == []:
            raise ValidationError("A section needs at least one field.", "fields")


class DefinitionSchema(_MetaSchema):
    """The meta-schema: `DefinitionSchema().validate(raw)` is empty for a publishable definition."""

    key = Slug(required=True)
    title = Text(max_length=200, blank=False, required=True)
    description = Text(max_length=5000)
    sections = List(Nested(SectionSchema), required=True)
    rules = List(Nested(RuleSchema))
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
        add_error(errors, ("sections",), "Add at least one section.")
    section_keys: dict[str, int] = {}
    field_keys: dict[str, int] = {}
    for s_index, section in enumerate(sections):
        if not isinstance(section, Mapping):
            continue
        section_key = section.get("key")
        if isinstance(section_key, str):
            if section_key in section_keys:
                add_error(errors, ("sections", s_index, "key"), f"{section_key!r} is already a section.")
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
                add_error(errors, ("sections", s_index, "fields", f_index, "key"), message)
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
                (spec, ("sections", s_index, "fields", f_index), 1) for f_index, spec in enumerate(section["fields"])
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
                add_error(errors, (*path, name), f"Groups and lists nest at most {MAX_NESTING} levels deep.")
            else:
                stack.extend((child, child_path, depth + 1) for child, child_path in nested)
    return errors


def validate_definition(raw) -> list[dict]:
    """Every problem with a checklist definition as `[{"path", "message"}]`; `[]` when it can be published."""
    return flatten_messages(DefinitionSchema().validate(raw))
