"""Refuse a request body no route could read safely, before any route reads it.

- **Text no database can store**: NUL characters and broken Unicode (lone surrogates). PostgreSQL rejects NUL in
  text and UTF-8 cannot encode a lone surrogate, so such input would fail deep in a query as a server error. It is
  refused up front (422), for every route, with the path of the offending value.
- **JSON nested past `MAX_JSON_DEPTH`**: Python's JSON parser recurses, so 100,000 `[` raise RecursionError (a 500
  and a traceback); a few hundred would pass the parser and exhaust the stack later. Both answer 400.
- **Whatever the headers say**: the body is read and checked whenever the request says it is JSON, with or without
  `Content-Length`; a body sent with `Transfer-Encoding: chunked` is read through the same size limit
  (`MAX_CONTENT_LENGTH`, 413) and the same checks. Werkzeug caches what is read, so the route's own parser
  (webargs, through flask-smorest) reads the very same bytes.

`no_format_controls` is for identifiers a person reads off paper (names, MRNs): bidirectional overrides and other
invisible format characters (Unicode category Cf, such as U+202E) can make a printed or faxed identifier read as
another one.
"""

import json
import unicodedata

from flask import Flask, request
from marshmallow import ValidationError

from .errors import abort

MAX_JSON_DEPTH = 32  # a handoff's data nests 4 deep, a checklist definition's groups about 8
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Joiners that some scripts need inside a name (Persian, Hindi, Sinhala); every other format character is refused.
_NAME_JOINERS = frozenset({"\u200c", "\u200d"})


def _bad_text(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def find_unstorable(value, path: str = "") -> str | None:
    """The dotted path of the first string (or key) that cannot be stored, or None. Iterative: any depth is safe."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if _bad_text(item):
                return where
        elif isinstance(item, dict):
            children = []
            for key, inner in item.items():
                if isinstance(key, str) and _bad_text(key):
                    return where or "(key)"
                children.append((inner, f"{where}.{key}" if where else str(key)))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend(reversed([(inner, f"{where}.{index}" if where else str(index))
                                   for index, inner in enumerate(item)]))
    return None


def depth_of(value) -> int:
    """How deep arrays and objects nest in a parsed JSON value (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            stack.extend((inner, depth + 1) for inner in (item.values() if isinstance(item, dict) else item))
    return deepest


def _body() -> bytes:
    """The whole body, read once and cached for the route. Werkzeug stops a body without a length (chunked) at
    `MAX_CONTENT_LENGTH` without complaint, so one more byte is asked for: past the limit, that read is a 413."""
    raw = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(raw) >= limit:
        request.stream.read(1)  # raises RequestEntityTooLarge when the body goes on past the limit
    return raw


def _json_body():
    """The parsed body of a JSON request, or None when it has none; 400 when it cannot be parsed safely."""
    if request.method not in BODY_METHODS:
        return None
    raw = _body()
    if not request.is_json or not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except RecursionError:
        abort(400, f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.",
              [{"path": "", "in": "json", "message": "Send a flatter body."}])
    except (ValueError, UnicodeDecodeError):
        return None  # not JSON: the route's parser answers 400 with its own message, as it always has
    if depth_of(value) > MAX_JSON_DEPTH:
        abort(400, f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.",
              [{"path": "", "in": "json", "message": "Send a flatter body."}])
    return value


def _check_request():
    places = (("query", request.args.to_dict(flat=False)), ("path", request.view_args or {}),
              ("json", _json_body()))
    for location, value in places:
        where = find_unstorable(value)
        if where is not None:
            abort(422, "Text may not contain NUL characters or broken Unicode.",
                  [{"path": where, "in": location, "message": "Remove the invalid characters."}])


def no_format_controls(value: str) -> None:
    """Marshmallow validator for names and MRNs: no invisible format characters (bidi overrides, zero-width)."""
    found = [ch for ch in value if unicodedata.category(ch) == "Cf" and ch not in _NAME_JOINERS]
    if found:
        raise ValidationError(f"Remove the invisible formatting character U+{ord(found[0]):04X}: it can make a "
                              "printed name or number read as another.")


def no_format_controls_at_all(value: str) -> None:
    """For identifiers made of letters and digits only (an MRN): not even the joiners some scripts need in names."""
    if any(unicodedata.category(ch) == "Cf" for ch in value):
        ch = next(ch for ch in value if unicodedata.category(ch) == "Cf")
        raise ValidationError(f"Remove the invisible formatting character U+{ord(ch):04X}: it can make a "
                              "printed number read as another.")


def init_app(app: Flask) -> None:
    app.before_request(_check_request)
