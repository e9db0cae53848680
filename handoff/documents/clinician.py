"""The receiving clinician's handoff document, as data a template can lay out.

The checklist definition drives the layout: its sections in order, each field with its
label, choice values shown by their labels. A few fields get the layout clinicians
expect (medication reconciliation table, pending results with owners, if/then plans).
Values that changed since the previous signed revision are marked.
"""

from ..checklists.fields import is_empty
from ..handoffs.diff import diff
from .filters import local_time

TABLE_FIELDS = {"medications", "pending_results", "follow_up", "action_list", "allergies", "contacts",
                "teach_back", "warning_signs", "diagnoses.secondary"}


def build_clinician_document(*, patient, checklist: dict, revision, signature, acknowledgements,
                             previous_final) -> dict:
    data = revision.data or {}
    changed_paths = {c["path"] for c in diff(previous_final.data, data)} if previous_final else set()
    sections = []
    for section in checklist.get("sections", []):
        rows = [_field_view(field, data.get(field["key"]), field["key"], changed_paths)
                for field in section.get("fields", [])]
        rows = [row for row in rows if row is not None]
        title = section.get("title") or section["key"]
        for row in rows:
            # "Medicines" under the heading "Medicines" says it twice.
            row["show_label"] = not (len(rows) == 1 and row["label"].casefold() == title.casefold())
        if rows:
            sections.append({"title": title, "rows": rows})
    return {
        "patient": {"name": f"{patient.family_name}, {patient.given_name}", "mrn": patient.mrn,
                    "birth_date": patient.birth_date.isoformat()},
        "checklist_title": checklist.get("title") or checklist.get("key"),
        "checklist_ref": f"{checklist.get('key')} v{checklist.get('version')}",
        "revision": revision.number,
        "status": "final" if signature else "draft",
        "signed_by": signature.signed_by.display_name or signature.signed_by.username if signature else None,
        "signed_at": signature.signed_at if signature else None,
        "author": revision.author.display_name or revision.author.username,
        "saved_at": revision.created_at,
        "sections": sections,
        "changes": (diff(previous_final.data, data) if previous_final else []),
        "previous_final": previous_final.number if previous_final else None,
        "acknowledgements": [_receipt(a) for a in acknowledgements],
        # I-PASS ends with the receiver's synthesis: always printed, "awaited" until this revision is received.
        "synthesis": ([_receipt(a) for a in acknowledgements if a.revision_number == revision.number]
                      if checklist.get("key") == "ipass" else None),
    }


def _receipt(ack) -> dict:
    return {"by": ack.user.display_name or ack.user.username, "at": ack.created_at, "revision": ack.revision_number,
            "synthesis": ack.synthesis}


def _changed(path: str, changed_paths: set[str]) -> bool:
    return any(p == path or p.startswith(path + ".") or path.startswith(p + ".") for p in changed_paths)


def _field_view(field: dict, value, path: str, changed_paths: set[str]) -> dict | None:
    kind = field.get("type")
    label = field.get("label") or field["key"]
    if is_empty(value):
        return None
    changed = _changed(path, changed_paths)
    if kind == "group":
        children = [_field_view(child, (value or {}).get(child["key"]), f"{path}.{child['key']}", changed_paths)
                    for child in field.get("fields", []) if isinstance(value, dict)]
        children = [c for c in children if c is not None]
        return {"kind": "group", "label": label, "children": children, "changed": changed} if children else None
    if kind == "list":
        item = field.get("item") or {}
        if item.get("type") == "group":
            columns = [c for c in item.get("fields", [])
                       if any(isinstance(row, dict) and not is_empty(row.get(c["key"])) for row in value)]
            rows = []
            for index, row in enumerate(value):
                if not isinstance(row, dict):
                    continue
                rows.append({
                    "changed": _changed(f"{path}.{index}", changed_paths),
                    "cells": [_display(c, row.get(c["key"])) for c in columns],
                })
            return {"kind": "table", "label": label, "key": field["key"], "columns": [c.get("label") or c["key"]
                    for c in columns], "column_keys": [c["key"] for c in columns], "rows": rows, "changed": changed}
        return {"kind": "value", "label": label, "value": "; ".join(_display(item, v) for v in value),
                "changed": changed}
    return {"kind": "value", "label": label, "value": _display(field, value), "changed": changed}


def _display(field: dict, value) -> str:
    if is_empty(value):
        return ""
    kind = field.get("type")
    labels = {c.get("value"): c.get("label") or c.get("value") for c in field.get("choices") or []
              if isinstance(c, dict)}
    if kind == "choice":
        return str(labels.get(value, value))
    if kind == "multichoice" and isinstance(value, list):
        return ", ".join(str(labels.get(v, v)) for v in value)
    if kind == "boolean":
        return "yes" if value is True else "no"
    if kind in ("datetime", "datetime_or_text") and isinstance(value, str):
        return local_time(value)  # a typed date-time for people, in the hospital's zone; free text stays
    if kind == "group" and isinstance(value, dict):
        parts = [f"{c.get('label') or c['key']}: {_display(c, value.get(c['key']))}"
                 for c in field.get("fields", []) if not is_empty(value.get(c["key"]))]
        return "; ".join(parts)
    return str(value)
