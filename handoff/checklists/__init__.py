"""Checklists: the structured forms nurses fill, published as versioned definitions.

`definition.py` is the definition format and its meta-schema; `data_schemas.py` turns one
definition into the draft and final schemas that check a handoff's data; both are built from
the strict JSON fields of `fields.py`. `builtin/` holds the definitions that ship with the app;
`service.py` looks definitions up and publishes them.
"""
