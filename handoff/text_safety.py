"""Refuse text no database can store: NUL characters and broken Unicode (lone surrogates).

PostgreSQL rejects NUL in text and UTF-8 cannot encode a lone surrogate, so such input
would fail deep in a query as a server error. It is refused up front, for every route,
with the path of the offending value.
"""

from flask import Flask, request

from .errors import abort


def _bad_text(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def find_unstorable(value, path: str = "") -> str | None:
    """The dotted path of the first string (or key) that cannot be stored, or None."""
    if isinstance(value, str):
        return path if _bad_text(value) else None
    if isinstance(value, dict):
        for key, inner in value.items():
            inner_path = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _bad_text(key):
                return path or "(key)"
            found = find_unstorable(inner, inner_path)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, inner in enumerate(value):
            found = find_unstorable(inner, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def _check_request():
    places = (("query", request.args.to_dict(flat=False)), ("path", request.view_args or {}))
    if request.is_json and request.content_length:
        places += (("json", request.get_json(silent=True)),)
    for location, value in places:
        where = find_unstorable(value)
        if where is not None:
            abort(422, "Text may not contain NUL characters or broken Unicode.",
                  [{"path": where, "in": location, "message": "Remove the invalid characters."}])


def init_app(app: Flask) -> None:
    app.before_request(_check_request)
