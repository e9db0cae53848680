"""The checklist definitions that ship with the app (`discharge` v1, `ipass` v1), read from JSON files.

Each file is one definition exactly as the API would publish it, plus its `version`; the
files are package data, so they are read through importlib.resources rather than a path.
"""

import json
from importlib import resources


def load_builtin_definitions() -> list[dict]:
    """Every built-in definition, sorted by key (then version); fresh dicts on each call, safe to modify."""
    folder = resources.files(__name__)
    definitions = [
        json.loads(entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    ]
    return sorted(definitions, key=lambda definition: (definition["key"], definition["version"]))
