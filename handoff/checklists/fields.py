"""Strict JSON field types shared by the definition meta-schema and the generated data schemas.

marshmallow's own fields coerce ("5" -> 5, 1 -> True, True -> 1). A checklist definition and a
handoff's data are both JSON as posted, so these fields accept only the exact JSON type and load
every value unchanged: `schema.load(raw)` returns `raw`. Each field's messages for a missing or
null value are plain defaults here; a schema that means something else by them (the data schemas'
"Required to finalize.") passes `error_messages`.

The value tests the fields rest on (`is_valid_date`, `is_empty`, `same_value`) and `add_error`,
which builds the nested error dict `ValidationError` takes, are here too, for the checks that
need a whole object rather than one field.
"""

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime

from marshmallow import ValidationError, missing
from marshmallow import fields as ma

SLUG = re.compile(r"[a-z][a-z0-9_]{0,63}")
SLUG_MESSAGE = "Use 1 to 64 lowercase letters, digits or _, starting with a letter."
PATH_MESSAGE = "Use field keys joined by dots, e.g. encounter.admitted_on."

DATE_MESSAGE = "Use a date like 2026-11-23."
DATETIME_MESSAGE = "Use a date and time like 2026-11-27T10:30."
WHEN_MESSAGE = 'Use a date and time like 2026-11-27T10:30, or words like "within 7 days".'

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}"  # date, hours and minutes
    r"(:[0-9]{2}(\.[0-9]{1,6})?)?"  # seconds and their fraction, optional
    r"(Z|[+-][0-9]{2}:[0-9]{2})?"  # timezone, optional
)
_LOOKS_LIKE_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T|$)")

MESSAGES = {"required": "Required.", "null": "Must not be null."}


# --- values -------------------------------------------------------------------------------------


def _parses(value, shape: re.Pattern, parse: Callable) -> bool:
    """Text of the exact `shape` that `parse` also accepts (the pattern alone lets 2026-02-30 through)."""
    if not isinstance(value, str) or not shape.fullmatch(value):
        return False
    try:
        parse(value)
    except ValueError:
        return False
    return True


def is_valid_date(value) -> bool:
    return _parses(value, _DATE, date.fromisoformat)


def is_valid_datetime(value) -> bool:
    """ISO 8601 date and time; seconds, fractions and a timezone (Z or ±HH:MM) are optional."""
    return _parses(value, _DATETIME, datetime.fromisoformat)


def is_key_path(value) -> bool:
    """A dotted path of field keys, e.g. `encounter.discharged_on`."""
    return isinstance(value, str) and len(value) <= 1000 and all(SLUG.fullmatch(p) for p in value.split("."))


def is_empty(value) -> bool:
    """Whether a value counts as not filled in: missing, null, blank text, or an empty list or object."""
    if value is None or value is missing:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | Mapping):
        return not value
    return False


def same_value(value, other) -> bool:
    """JSON equality of two values: in Python True == 1, but true and 1 are different JSON values."""
    return type(value) is type(other) and value == other


def add_error(errors: dict, path: tuple, message: str) -> None:
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


# --- fields -------------------------------------------------------------------------------------
# `allow_empty` accepts "", what a form sends for a cleared input; the data schemas take it (and
# count "" as empty when finalizing), the meta-schema does not.


class Strict(ma.Field):
    """Any JSON value, unchanged; the base of every field here."""

    default_error_messages = MESSAGES


class Text(Strict):
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


class DateTimeOrText(Text):
    """A date, a date and time, or words ("within 7 days"); something shaped like a date must be one."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if _LOOKS_LIKE_DATE.match(value) and not (is_valid_date(value) or is_valid_datetime(value)):
            raise ValidationError(WHEN_MESSAGE)
        return value


class Slug(Strict):
    """A checklist, section, field or choice key."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not SLUG.fullmatch(value):
            raise ValidationError(SLUG_MESSAGE)
        return value


class KeyPath(Strict):
    def _deserialize(self, value, attr, data, **kwargs):
        if not is_key_path(value):
            raise ValidationError(PATH_MESSAGE)
        return value


class PositiveInt(Strict):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError("Must be a whole number of at least 1.")
        return value


class Bool(Strict):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Must be true or false.")
        return value


class Date(Strict):
    def __init__(self, *, allow_empty: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.allow_empty = allow_empty

    def _deserialize(self, value, attr, data, **kwargs):
        if not (self.allow_empty and value == "") and not is_valid_date(value):
            raise ValidationError(DATE_MESSAGE)
        return value


class DateTime(Date):
    def _deserialize(self, value, attr, data, **kwargs):
        if not (self.allow_empty and value == "") and not is_valid_datetime(value):
            raise ValidationError(DATETIME_MESSAGE)
        return value


class Choice(Strict):
    """One of `values`; with `what` ("field type"), an unknown one is named in the message."""

    def __init__(self, values: tuple[str, ...], *, what: str = "", allow_empty: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.values = values
        self.what = what
        self.allow_empty = allow_empty

    def _deserialize(self, value, attr, data, **kwargs):
        if self.allow_empty and value == "":
            return value
        if not isinstance(value, str) or value not in self.values:
            unknown = f"Unknown {self.what} {value!r}. " if self.what and isinstance(value, str) else ""
            raise ValidationError(f"{unknown}Must be one of: {', '.join(self.values)}.")
        return value


class MultiChoice(Choice):
    """A list of distinct `values`."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ValidationError(f"Must be a list of choices from: {', '.join(self.values)}.")
        if len(value) > len(self.values):
            raise ValidationError(f"Pick at most {len(self.values)} choices, each once.")
        allowed = f"Must be one of: {', '.join(self.values)}."
        errors = {i: [allowed] for i, each in enumerate(value) if not (isinstance(each, str) and each in self.values)}
        if errors:
            raise ValidationError(errors)
        if len(set(value)) < len(value):
            raise ValidationError("Pick each choice at most once.")
        return value


class List(ma.List):
    default_error_messages = {**MESSAGES, "invalid": "Must be a list."}

    def __init__(self, inner: ma.Field, *, max_items: int | None = None, **kwargs):
        super().__init__(inner, **kwargs)
        self.max_items = max_items

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise self.make_error("invalid")
        # Checked before the items, so a huge list costs one error rather than one per item.
        if self.max_items is not None and len(value) > self.max_items:
            raise ValidationError(f"At most {self.max_items} items.")
        return super()._deserialize(value, attr, data, **kwargs)


class Nested(ma.Nested):
    """An object checked by its own schema (whose `type` message says what to send instead)."""

    default_error_messages = MESSAGES
