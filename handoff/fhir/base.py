"""What every FHIR resource of an export shares: stable ids, safe text, narrative, times, the Bundle.

Ids are UUIDs derived (UUID v5) from the deployment's base URL, the handoff, its revision and the
resource's role in the document, so exporting a revision twice gives the same ids and the same bundle,
and two hospitals' handoff 1 never share one. Text from the data is cleaned once here: FHIR strings and
XHTML narrative cannot hold most control characters, and narrative is always escaped.
"""

import html
import unicodedata
import uuid
from collections.abc import Iterable
from datetime import date, datetime

from ..checklists.fields import is_valid_date, is_valid_datetime
from ..common import as_utc
from ..languages import LANGUAGE_NAMES
from .export import PatientInfo, Person, Settings, SignedRevision

XHTML = "http://www.w3.org/1999/xhtml"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
URI_IDENTIFIER = "urn:ietf:rfc:3986"
EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
EMPTY_REASONS = {
    "nilknown": "Nil Known",
    "notasked": "Not Asked",
    "notstarted": "Not Started",
    "unavailable": "Unavailable",
}


# --- ids --------------------------------------------------------------------------------------------


class Ids:
    """Stable resource ids for one revision of one handoff (or one checklist version)."""

    def __init__(self, settings: Settings, *scope):
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, settings.base_url)
        self.scope = "/".join(str(part) for part in scope)

    def id(self, *resource) -> str:
        return str(uuid.uuid5(self.namespace, "/".join([self.scope, *(str(part) for part in resource)])))

    def urn(self, *resource) -> str:
        return f"urn:uuid:{self.id(*resource)}"


# --- text -------------------------------------------------------------------------------------------


def clean(value) -> str:
    """Text as FHIR may carry it: other white space becomes a space, other control characters U+FFFD, ends trimmed."""
    if not isinstance(value, str):
        value = "" if value is None else str(value)
    out = []
    for char in value:
        if char in "\t\n\r ":
            out.append(char)
        elif char.isspace():
            out.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cs") or char in "\ufffe\uffff":
            out.append("\ufffd")  # visibly replaced, so a value that was filled in never comes out empty
        else:
            out.append(char)
    return "".join(out).strip()


def text_of(value) -> str | None:
    """A filled-in text value, cleaned; None for anything else (missing, blank, not text)."""
    if not isinstance(value, str):
        return None
    return clean(value) or None


def esc(value) -> str:
    return html.escape(clean(value), quote=True)


def p(*parts: str) -> str:
    """A paragraph of escaped text (each part escaped here)."""
    return f"<p>{''.join(esc(part) for part in parts)}</p>"


def labelled(label: str, value) -> str:
    return f"<p><b>{esc(label)}:</b> {esc(value)}</p>"


def ul(items: Iterable[str]) -> str:
    """A list of escaped items."""
    return "<ul>" + "".join(f"<li>{esc(item)}</li>" for item in items) + "</ul>"


def table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(cell if cell is not None else '')}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def narrative(*blocks: str) -> dict:
    """Generated narrative from blocks built with `p`, `ul`, `table`, `labelled` (already escaped)."""
    content = "".join(block for block in blocks if block) or "<p>No details recorded.</p>"
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{content}</div>'}


def concept(text: str, system: str | None = None, code: str | None = None, display: str | None = None) -> dict:
    found: dict = {}
    if system and code:
        found["coding"] = [{"system": system, "code": code, **({"display": display} if display else {})}]
    found["text"] = clean(text)
    return found


# --- times ------------------------------------------------------------------------------------------


def instant(moment: datetime) -> str:
    """A stored moment (UTC) as a FHIR instant."""
    return as_utc(moment).isoformat(timespec="seconds").replace("+00:00", "Z")


def when(value, settings: Settings) -> str | None:
    """A typed date or date-time as a FHIR date/dateTime; None for anything else (words, blanks).

    A date-time typed without a zone was typed in the hospital's time; FHIR needs the offset and the
    seconds whenever there is a time."""
    if not isinstance(value, str):
        return None
    if is_valid_date(value):
        return value
    if not is_valid_datetime(value):
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=settings.time_zone)
    text = moment.isoformat(timespec="seconds" if not moment.microsecond else "microseconds")
    return text.replace("+00:00", "Z")


def day(value: date) -> str:
    return value.isoformat()


# --- shared resources -------------------------------------------------------------------------------


def patient_resource(patient: PatientInfo, settings: Settings) -> dict:
    """The patient: MRN as identifier, name, birth date, preferred language."""
    name = f"{clean(patient.given_name)} {clean(patient.family_name)}".strip()
    language = patient.preferred_language
    language_name = LANGUAGE_NAMES.get(language, language)
    return {
        "resourceType": "Patient",
        "text": narrative(
            labelled("Patient", name),
            labelled("MRN", patient.mrn),
            labelled("Born", day(patient.birth_date)),
            labelled("Preferred language", language_name),
        ),
        "identifier": [
            {
                "use": "usual",
                "type": concept(
                    "Medical record number",
                    "http://terminology.hl7.org/CodeSystem/v2-0203",
                    "MR",
                    "Medical record number",
                ),
                "system": f"{settings.base_url}/fhir/sid/mrn",
                "value": clean(patient.mrn),
            }
        ],
        "name": [
            {
                "use": "official",
                "text": name,
                **({"family": clean(patient.family_name)} if clean(patient.family_name) else {}),
                **({"given": [clean(patient.given_name)]} if clean(patient.given_name) else {}),
            }
        ],
        "birthDate": day(patient.birth_date),
        "communication": [
            {"language": concept(language_name, "urn:ietf:bcp:47", language, language_name), "preferred": True}
        ],
    }


def practitioner_resource(person: Person) -> dict:
    name = clean(person.name) or f"User {person.user_id}"
    return {"resourceType": "Practitioner", "text": narrative(labelled("Clinician", name)), "name": [{"text": name}]}


def empty_reason(code: str) -> dict:
    return {
        "coding": [{"system": EMPTY_REASON, "code": code, "display": EMPTY_REASONS[code]}],
        "text": EMPTY_REASONS[code],
    }


def with_id(resource: dict, resource_id: str) -> dict:
    """The resource with its id, after its type (where a reader looks for both)."""
    return {"resourceType": resource["resourceType"], "id": resource_id, **resource}


class Document:
    """The resources of one document Bundle: the Composition first, then each resource once, by fullUrl."""

    def __init__(self, ids: Ids):
        self.ids = ids
        self.resources: list[dict] = []

    def add(self, role: tuple, resource: dict) -> dict:
        """Add `resource` under a stable id made from `role`; returns a Reference to it."""
        resource_id = self.ids.id(*role)
        self.resources.append(with_id(resource, resource_id))
        return {"reference": f"urn:uuid:{resource_id}"}

    def section(
        self,
        title: str,
        code: dict,
        blocks: list[str],
        entries: list[dict] | None = None,
        *,
        empty: str | None = None,
        author: list[dict] | None = None,
    ) -> dict:
        """A section with narrative; `empty` (an emptyReason code) when it has nothing to show."""
        found: dict = {
            "title": title,
            "code": code,
            **({"author": author} if author else {}),
            "text": narrative(*blocks),
        }
        if entries:
            found["entry"] = entries
        elif empty:
            found["emptyReason"] = empty_reason(empty)
        return found

    def bundle(self, composition: dict, timestamp: datetime) -> dict:
        """The document: identifier and timestamp (bdl-9, bdl-10), the Composition first (bdl-11)."""
        composition_id = self.ids.id("composition")
        entries = [{"fullUrl": f"urn:uuid:{composition_id}", "resource": with_id(composition, composition_id)}]
        entries += [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in self.resources]
        return {
            "resourceType": "Bundle",
            "id": self.ids.id("bundle"),
            "identifier": {"system": URI_IDENTIFIER, "value": self.ids.urn("bundle")},
            "type": "document",
            "timestamp": instant(timestamp),
            "entry": entries,
        }


def composition(
    doc: Document,
    record: SignedRevision,
    settings: Settings,
    *,
    loinc: str,
    display: str,
    subject: dict,
    author: dict,
    sections: list[dict],
    encounter: dict | None = None,
    title: str | None = None,
) -> dict:
    """The Composition of a signed revision: final, the signer as author and legal attester, signed at `date`.

    Its title is `title`, else the checklist's title."""
    title = title or clean(record.checklist_title) or record.checklist_key
    patient = record.patient
    found = {
        "resourceType": "Composition",
        "text": narrative(
            p(title),
            labelled("Patient", f"{patient.family_name}, {patient.given_name}"),
            labelled("MRN", patient.mrn),
            labelled("Signed by", record.signer.name),
            labelled("Signed at", instant(record.signed_at)),
            labelled(
                "Handoff",
                f"{record.handoff_id}, revision {record.revision}, checklist "
                f"{record.checklist_key} version {record.checklist_version}",
            ),
        ),
        "identifier": {"system": URI_IDENTIFIER, "value": doc.ids.urn("composition")},
        "status": "final",
        "type": concept(display, LOINC, loinc, display),
        "subject": subject,
        **({"encounter": encounter} if encounter else {}),
        "date": instant(record.signed_at),
        "author": [author],
        "title": title,
        "confidentiality": "N",
        "attester": [{"mode": "legal", "time": instant(record.signed_at), "party": author}],
        "section": sections,
    }
    if record.replaces is not None:  # an amendment: the document of the revision signed before it is replaced
        earlier = Ids(settings, "handoff", record.handoff_id, "revision", record.replaces)
        found["relatesTo"] = [
            {"code": "replaces", "targetIdentifier": {"system": URI_IDENTIFIER, "value": earlier.urn("composition")}}
        ]
    return found


def own_code(settings: Settings, system: str, code: str, display: str) -> dict:
    """A code of this app's own (I-PASS sections, severities, medicine changes): no standard code says it."""
    return concept(display, f"{settings.base_url}/fhir/CodeSystem/{system}", code, display)


# --- reading the data through the definition --------------------------------------------------------


def specs_by_path(definition: dict) -> dict[str, dict]:
    """Every field of a definition by its dotted path without list indexes (`medications.status`)."""
    found: dict[str, dict] = {}
    stack = [
        (spec, spec.get("key"))
        for section in definition.get("sections") or []
        for spec in section.get("fields") or []
        if isinstance(spec, dict)
    ]
    while stack:
        spec, path = stack.pop()
        if not isinstance(path, str):
            continue
        found[path] = spec
        inner = spec.get("item") if spec.get("type") == "list" else spec
        if isinstance(inner, dict) and inner.get("type") == "group":
            stack += [
                (child, f"{path}.{child.get('key')}") for child in inner.get("fields") or [] if isinstance(child, dict)
            ]
    return found


def choice_label(specs: dict[str, dict], path: str, value) -> str:
    """How a clinician reads a choice value: its label in the definition (the value itself if none)."""
    spec = specs.get(path) or {}
    if spec.get("type") == "list" and isinstance(spec.get("item"), dict):
        spec = spec["item"]
    for choice in spec.get("choices") or []:
        if isinstance(choice, dict) and choice.get("value") == value:
            return clean(choice.get("label")) or str(value)
    return clean(value)


def group(data, key: str) -> dict:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def rows(data, key: str) -> list[dict]:
    value = data.get(key) if isinstance(data, dict) else None
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def yes_no(value) -> str | None:
    return {True: "yes", False: "no"}.get(value) if isinstance(value, bool) else None
