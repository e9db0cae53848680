"""Any other checklist an admin publishes: a document with one narrative section per checklist section.

No clinical resources are guessed from fields the app knows nothing about; the definition's labels and
choice labels make the narrative, and the QuestionnaireResponse carries every value in structured form.
"""

from .base import (
    Document,
    Ids,
    choice_label,
    clean,
    composition,
    concept,
    esc,
    patient_resource,
    practitioner_resource,
    specs_by_path,
    text_of,
)
from .export import Settings, SignedRevision


def _value_html(spec: dict, value, path: str, specs: dict) -> str:
    kind = spec.get("type")
    if kind == "group" and isinstance(value, dict):
        parts = [
            _field_html(child, value.get(child.get("key")), f"{path}.{child.get('key')}", specs)
            for child in spec.get("fields") or []
            if isinstance(child, dict)
        ]
        parts = [part for part in parts if part]
        return f"<ul>{''.join(parts)}</ul>" if parts else ""
    if kind == "list" and isinstance(value, list) and isinstance(spec.get("item"), dict):
        parts = [_value_html(spec["item"], entry, path, specs) for entry in value]
        parts = [part for part in parts if part]
        return f"<ol>{''.join(f'<li>{part}</li>' for part in parts)}</ol>" if parts else ""
    if kind == "multichoice" and isinstance(value, list):
        return esc(", ".join(choice_label(specs, path, v) for v in value if isinstance(v, str)))
    if kind == "choice" and isinstance(value, str) and value:
        return esc(choice_label(specs, path, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return esc(value) if text_of(value) else ""


def _field_html(spec: dict, value, path: str, specs: dict) -> str:
    shown = _value_html(spec, value, path, specs)
    return f"<li><b>{esc(spec.get('label') or spec.get('key'))}:</b> {shown}</li>" if shown else ""


def build(record: SignedRevision, settings: Settings) -> dict:
    doc = Document(Ids(settings, "handoff", record.handoff_id, "revision", record.revision))
    patient = doc.add(("patient",), patient_resource(record.patient, settings))
    author = doc.add(("practitioner", record.signer.user_id), practitioner_resource(record.signer))
    data = record.data if isinstance(record.data, dict) else {}
    specs = specs_by_path(record.definition)
    sections = []
    for section in record.definition.get("sections") or []:
        items = [
            _field_html(spec, data.get(spec.get("key")), spec.get("key"), specs)
            for spec in section.get("fields") or []
            if isinstance(spec, dict)
        ]
        items = [item for item in items if item]
        title = clean(section.get("title")) or clean(section.get("key")) or "Section"
        blocks = [f"<ul>{''.join(items)}</ul>"] if items else [f"<p>{esc(title)}: nothing recorded.</p>"]
        sections.append(doc.section(title, concept(title), blocks, empty=None if items else "nilknown"))
    return doc.bundle(
        composition(
            doc,
            record,
            settings,
            loinc="34133-9",
            display="Summary of episode note",
            subject=patient,
            author=author,
            sections=sections,
        ),
        record.signed_at,
    )
