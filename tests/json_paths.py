"""Helpers for property tests that damage JSON documents at a chosen place."""

import copy


def locations(value, path=()):
    """Every (path, value) inside a JSON value, the value itself included."""
    found = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            found.extend(locations(inner, (*path, key)))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found.extend(locations(inner, (*path, index)))
    return found


def replaced(value, path, new):
    """A copy of `value` with the item at `path` replaced by `new` (the rest shared, not copied)."""
    if not path:
        return new
    value = copy.copy(value)
    value[path[0]] = replaced(value[path[0]], path[1:], new)
    return value
