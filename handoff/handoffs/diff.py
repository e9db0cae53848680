"""What changed between two revisions' data, as `[{"path", "old", "new"}]` with dotted paths.

Lists are compared position by position (`medications.2.dose`), which is how nurses edit
them: a row changed in place shows as that row's fields. A key or row present on one
side only is reported once, whole, with `None` on the other side.
"""

from typing import Any

from ..checklists.fields import same_value

_MISSING = object()


def diff(old: Any, new: Any) -> list[dict]:
    changes: list[dict] = []
    _walk(old, new, "", changes)
    return changes


def _walk(old: Any, new: Any, path: str, changes: list[dict]) -> None:
    if old is _MISSING or new is _MISSING:
        changes.append({"path": path, "old": None if old is _MISSING else old, "new": None if new is _MISSING else new})
    elif isinstance(old, dict) and isinstance(new, dict):
        keys = list(old) + [k for k in new if k not in old]
        for key in keys:
            _walk(old.get(key, _MISSING), new.get(key, _MISSING), _join(path, key), changes)
    elif isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            _walk(old[index] if index < len(old) else _MISSING, new[index] if index < len(new) else _MISSING,
                  _join(path, index), changes)
    elif not same_value(old, new):  # a change from 1 to true is still a change
        changes.append({"path": path, "old": old, "new": new})


def _join(path: str, part) -> str:
    return f"{path}.{part}" if path else str(part)
