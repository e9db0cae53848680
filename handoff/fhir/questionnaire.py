"""Checklists as FHIR Questionnaires and handoff revisions as QuestionnaireResponses, both from the one definition.

The definition drives both (as it drives the data schemas): each section is a group item (linkId
`section:KEY`), each field an item whose linkId is its dotted path in the data (`encounter.admitted_on`,
`medications.name`: list indexes left out, since a list is one repeating item). Types: text -> string,
longtext -> text, date -> date, datetime -> dateTime, datetime_or_text -> string (FHIR has no item that
takes a date or words), boolean -> boolean, choice -> choice with an answerOption per choice,
multichoice -> a repeating choice, group -> group, list -> its item, repeating. `required` is what
signing needs: a required field is required, and a group (or section) is required when something inside
it is (the app checks a missing group's required fields at signing as if it were empty). A list of lists
or of multichoices repeats a group holding its entry (linkId `PATH.item`). The definition's rules
(required_if, exclusive, not_before) are checked by the app at signing and are not expressed here.

The questionnaire's canonical URL is `{HANDOFF_PUBLIC_URL}/api/v1/checklists/KEY/fhir`, where it can be
read, and its version the checklist version; a response names it as `url|version`.
"""

from ..checklists.definition import DEFAULT_MAX_LENGTH
from ..common import as_utc
from .base import URI_IDENTIFIER, Ids, clean, instant, labelled, narrative, p, text_of, ul, when
from .export import RevisionAnswers, Settings

ITEM_TYPES = {
    "text": "string",
    "longtext": "text",
    "date": "date",
    "datetime": "dateTime",
    "datetime_or_text": "string",
    "boolean": "boolean",
    "choice": "choice",
    "multichoice": "choice",
    "group": "group",
}
WRAPPED = ("list", "multichoice")  # a list of these repeats a group holding each entry


def canonical_url(settings: Settings, key: str) -> str:
    return f"{settings.base_url}/api/v1/checklists/{key}/fhir"


def section_link(key: str) -> str:
    return f"section:{key}"


# --- the Questionnaire ------------------------------------------------------------------------------


class _Questions:
    def __init__(self, settings: Settings, key: str):
        self.choices_base = f"{canonical_url(settings, key)}/choices"

    def options(self, spec: dict, link_id: str) -> list[dict]:
        return [
            {
                "valueCoding": {
                    "system": f"{self.choices_base}/{link_id}",
                    "code": choice["value"],
                    "display": clean(choice.get("label")) or choice["value"],
                }
            }
            for choice in spec.get("choices") or []
        ]

    def item(self, spec: dict, link_id: str, label: str | None = None, required: bool | None = None) -> dict:
        """The item for a field (or a list's item, with the list's label and `required`)."""
        kind = spec.get("type")
        found: dict = {"linkId": link_id, "text": clean(label or spec.get("label")) or link_id}
        if kind == "list":
            inner = spec.get("item") or {}
            if inner.get("type") in WRAPPED:
                found.update(
                    type="group",
                    repeats=True,
                    item=[self.item(inner, f"{link_id}.item", inner.get("label") or spec.get("label"), required=True)],
                )
            else:
                found = self.item(inner, link_id, spec.get("label"), required=False)
                found["repeats"] = True
            found["required"] = bool(spec.get("required"))
            return found
        found["type"] = ITEM_TYPES.get(kind, "string")
        if kind == "group":
            found["item"] = [self.item(child, f"{link_id}.{child['key']}") for child in spec.get("fields") or []]
            found["required"] = any(child.get("required") for child in found["item"])
        else:
            found["required"] = bool(spec.get("required")) if required is None else required
        if kind in ("choice", "multichoice"):
            found["answerOption"] = self.options(spec, link_id)
        if kind == "multichoice":
            found["repeats"] = True
        if kind in DEFAULT_MAX_LENGTH:
            found["maxLength"] = spec.get("max_length", DEFAULT_MAX_LENGTH[kind])
        return found


def questionnaire(definition: dict, settings: Settings) -> dict:
    """The checklist version `definition` (as the API shows it: with key and version) as a Questionnaire."""
    key, version = definition["key"], definition["version"]
    questions = _Questions(settings, key)
    items = []
    for section in definition.get("sections") or []:
        children = [questions.item(spec, spec["key"]) for spec in section.get("fields") or []]
        items.append(
            {
                "linkId": section_link(section["key"]),
                "text": clean(section.get("title")) or section["key"],
                "type": "group",
                "required": any(child.get("required") for child in children),
                "item": children,
            }
        )
    title = clean(definition.get("title")) or key
    description = text_of(definition.get("description"))
    return {
        "resourceType": "Questionnaire",
        "id": Ids(settings, "checklist", key, "version", version).id("questionnaire"),
        "text": narrative(p(f"{title} (checklist {key}, version {version})"), ul(item["text"] for item in items)),
        "url": canonical_url(settings, key),
        "identifier": [
            {
                "system": URI_IDENTIFIER,
                "value": Ids(settings, "checklist", key, "version", version).urn("questionnaire"),
            }
        ],
        "version": str(version),
        "name": "".join(part.title() for part in key.split("_")),
        "title": title,
        "status": "active",
        "subjectType": ["Patient"],
        **({"description": description} if description else {}),
        "item": items,
    }


# --- the QuestionnaireResponse ----------------------------------------------------------------------


class _Answers:
    def __init__(self, settings: Settings, key: str):
        self.settings = settings
        self.questions = _Questions(settings, key)

    def answer(self, spec: dict, value, link_id: str) -> dict | None:
        kind = spec.get("type")
        if kind == "boolean":
            return {"valueBoolean": value} if isinstance(value, bool) else None
        if kind == "date":
            found = when(value, self.settings)
            return {"valueDate": found} if found and "T" not in found else None
        if kind == "datetime":
            found = when(value, self.settings)
            return {"valueDateTime": found} if found else None
        if kind == "choice":
            options = {o["valueCoding"]["code"]: o["valueCoding"] for o in self.questions.options(spec, link_id)}
            return {"valueCoding": options[value]} if isinstance(value, str) and value in options else None
        text = text_of(value)
        return {"valueString": text} if text else None

    def items(self, spec: dict, value, link_id: str, label: str | None = None) -> list[dict]:
        """The response items for one field's value (a repeating group gives one item per entry)."""
        kind = spec.get("type")
        text = clean(label or spec.get("label")) or link_id
        if kind == "list":
            inner = spec.get("item") or {}
            entries = value if isinstance(value, list) else []
            if inner.get("type") == "group":
                return [item for entry in entries for item in self.items(inner, entry, link_id, spec.get("label"))]
            if inner.get("type") in WRAPPED:
                found = []
                for entry in entries:
                    children = self.items(inner, entry, f"{link_id}.item", inner.get("label") or spec.get("label"))
                    if children:
                        found.append({"linkId": link_id, "text": text, "item": children})
                return found
            answers = [a for entry in entries if (a := self.answer(inner, entry, link_id))]
            return [{"linkId": link_id, "text": text, "answer": answers}] if answers else []
        if kind == "group":
            fields = value if isinstance(value, dict) else {}
            children = [
                item
                for child in spec.get("fields") or []
                for item in self.items(child, fields.get(child["key"]), f"{link_id}.{child['key']}")
            ]
            return [{"linkId": link_id, "text": text, "item": children}] if children else []
        if kind == "multichoice":
            picked = value if isinstance(value, list) else []
            answers = [a for choice in picked if (a := self.answer({**spec, "type": "choice"}, choice, link_id))]
            return [{"linkId": link_id, "text": text, "answer": answers}] if answers else []
        answer = self.answer(spec, value, link_id)
        return [{"linkId": link_id, "text": text, "answer": [answer]}] if answer else []


def questionnaire_response(revision: RevisionAnswers, settings: Settings) -> dict:
    """One revision's data as answers to its checklist version: completed when signed, in progress otherwise."""
    definition = revision.definition
    key, version = definition["key"], definition["version"]
    answers = _Answers(settings, key)
    data = revision.data if isinstance(revision.data, dict) else {}
    items = []
    for section in definition.get("sections") or []:
        children = [
            item
            for spec in section.get("fields") or []
            for item in answers.items(spec, data.get(spec["key"]), spec["key"])
        ]
        if children:
            items.append(
                {
                    "linkId": section_link(section["key"]),
                    "text": clean(section.get("title")) or section["key"],
                    "item": children,
                }
            )
    ids = Ids(settings, "handoff", revision.handoff_id, "revision", revision.revision)
    patient = revision.patient
    status = "completed" if revision.signed else "in-progress"
    return {
        "resourceType": "QuestionnaireResponse",
        "id": ids.id("questionnaire-response"),
        "text": narrative(
            p(
                f"Answers to checklist {key} version {version}: handoff {revision.handoff_id}, "
                f"revision {revision.revision} ({'signed' if revision.signed else 'draft'})."
            ),
            labelled("Patient", f"{patient.family_name}, {patient.given_name} (MRN {patient.mrn})"),
            labelled("Saved by", revision.author.name),
            labelled("Saved at", instant(as_utc(revision.saved_at))),
            labelled("Sections answered", len(items)),
        ),
        "identifier": {"system": URI_IDENTIFIER, "value": ids.urn("questionnaire-response")},
        "questionnaire": f"{canonical_url(settings, key)}|{version}",
        "status": status,
        "subject": {
            "identifier": {"system": f"{settings.base_url}/fhir/sid/mrn", "value": clean(patient.mrn)},
            "display": clean(f"{patient.given_name} {patient.family_name}"),
        },
        "authored": instant(revision.saved_at),
        "author": {"display": clean(revision.author.name) or f"User {revision.author.user_id}"},
        **({"item": items} if items else {}),
    }
