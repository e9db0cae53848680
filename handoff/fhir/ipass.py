"""The I-PASS document: a signed `ipass` handoff as a FHIR R4 document Bundle (LOINC 18761-7, transfer summary).

One section per I-PASS element, in its order: Illness severity (with code status), Patient summary (with
allergies), Action list (a `Task` per action: its owner and due time), Situation awareness and contingency
plans, and Synthesis by receiver, taken from the acknowledgements of the exported revision (each receiver
is the section's author). LOINC has no codes for these elements, so the sections carry codes of this app's
own system (`{HANDOFF_PUBLIC_URL}/fhir/CodeSystem/ipass-section`) beside their titles.
"""

from . import allergies
from .base import (
    Document,
    Ids,
    choice_label,
    composition,
    group,
    instant,
    labelled,
    narrative,
    own_code,
    p,
    patient_resource,
    practitioner_resource,
    rows,
    specs_by_path,
    table,
    text_of,
    when,
)
from .export import Settings, SignedRevision

ELEMENTS = {
    "illness-severity": "Illness severity",
    "patient-summary": "Patient summary",
    "action-list": "Action list",
    "situation-awareness": "Situation awareness and contingency planning",
    "synthesis-by-receiver": "Synthesis by receiver",
}


class IpassDocument:
    def __init__(self, record: SignedRevision, settings: Settings):
        self.record = record
        self.settings = settings
        self.data = record.data if isinstance(record.data, dict) else {}
        self.specs = specs_by_path(record.definition)
        self.doc = Document(Ids(settings, "handoff", record.handoff_id, "revision", record.revision))
        self.patient = self.doc.add(("patient",), patient_resource(record.patient, settings))
        self.author = self.doc.add(("practitioner", record.signer.user_id), practitioner_resource(record.signer))
        self.people = {record.signer.user_id: self.author}

    def element(self, code: str) -> dict:
        return own_code(self.settings, "ipass-section", code, ELEMENTS[code])

    def person(self, person) -> dict:
        if person.user_id not in self.people:
            self.people[person.user_id] = self.doc.add(("practitioner", person.user_id), practitioner_resource(person))
        return self.people[person.user_id]

    def build(self) -> dict:
        sections = [self.severity(), self.summary(), self.actions(), self.contingencies(), self.synthesis()]
        return self.doc.bundle(
            composition(
                self.doc,
                self.record,
                self.settings,
                loinc="18761-7",
                display="Transfer summary note",
                subject=self.patient,
                author=self.author,
                sections=sections,
            ),
            self.record.signed_at,
        )

    def severity(self) -> dict:
        severity, code_status = self.data.get("illness_severity"), self.data.get("code_status")
        blocks, entries = [], []
        if isinstance(severity, str) and severity:
            label = choice_label(self.specs, "illness_severity", severity)
            blocks.append(labelled("Illness severity", label))
            entries.append(
                self.doc.add(
                    ("illness-severity",),
                    {
                        "resourceType": "Observation",
                        "text": narrative(labelled("Illness severity (I-PASS)", label)),
                        "status": "final",
                        "code": self.element("illness-severity"),
                        "subject": self.patient,
                        "effectiveDateTime": instant(self.record.signed_at),
                        "performer": [self.author],
                        "valueCodeableConcept": own_code(self.settings, "ipass-illness-severity", severity, label),
                    },
                )
            )
        if isinstance(code_status, str) and code_status:
            blocks.append(labelled("Code status", choice_label(self.specs, "code_status", code_status)))
        return self.doc.section(
            ELEMENTS["illness-severity"],
            self.element("illness-severity"),
            blocks or [p("Illness severity was not recorded.")],
            entries,
            empty="unavailable",
        )

    def summary(self) -> dict:
        summary = group(self.data, "patient_summary")
        blocks = [
            labelled(label, text_of(summary.get(key)))
            for key, label in (
                ("one_liner", "One-liner"),
                ("background", "Background"),
                ("assessment", "Assessment"),
                ("plan", "Plan"),
            )
            if text_of(summary.get(key))
        ]
        filled = bool(blocks)
        allergy_entries, allergy_blocks = allergies.entries(self.doc, self.data, self.patient)
        blocks += [p("Allergies"), *allergy_blocks]
        return self.doc.section(
            ELEMENTS["patient-summary"],
            self.element("patient-summary"),
            blocks,
            allergy_entries,
            empty=None if filled else "unavailable",
        )

    def actions(self) -> dict:
        entries, listed = [], []
        for index, row in enumerate(rows(self.data, "action_list")):
            task = text_of(row.get("task"))
            if not task:
                continue
            owner, due, done = text_of(row.get("owner")), when(row.get("due"), self.settings), row.get("done") is True
            entries.append(
                self.doc.add(
                    ("action", index),
                    {
                        "resourceType": "Task",
                        "text": narrative(
                            labelled("Task", task),
                            labelled("Who", owner or "not named"),
                            labelled("Due", due or "no time set"),
                            labelled("Done", "yes" if done else "no"),
                        ),
                        "status": "completed" if done else "requested",
                        "intent": "order",
                        "description": task,
                        "for": self.patient,
                        "authoredOn": instant(self.record.signed_at),
                        "requester": self.author,
                        **({"owner": {"display": owner}} if owner else {}),
                        **({"restriction": {"period": {"end": due}}} if due else {}),
                    },
                )
            )
            listed.append([task, owner or "", due or "", "yes" if done else "no"])
        blocks = [table(["Task", "Who", "Due", "Done"], listed)] if listed else [p("No actions for the next shift.")]
        return self.doc.section(ELEMENTS["action-list"], self.element("action-list"), blocks, entries, empty="nilknown")

    def contingencies(self) -> dict:
        plans = [
            [text_of(row.get("if")) or "", text_of(row.get("then")) or ""]
            for row in rows(self.data, "situation_awareness")
        ]
        plans = [plan for plan in plans if any(plan)]
        blocks = [table(["If", "Then"], plans)] if plans else [p("No contingency plans recorded.")]
        return self.doc.section(
            ELEMENTS["situation-awareness"],
            self.element("situation-awareness"),
            blocks,
            empty=None if plans else "nilknown",
        )

    def synthesis(self) -> dict:
        receiver = group(self.data, "receiver")
        named = ", ".join(v for v in (text_of(receiver.get("name")), text_of(receiver.get("role"))) if v)
        blocks = [labelled("Receiver named at handoff", named)] if named else []
        authors = []
        for receipt in self.record.receipts:
            authors.append(self.person(receipt.person))
            blocks.append(labelled(f"{receipt.person.name}, {instant(receipt.at)}", receipt.synthesis))
        if not self.record.receipts:
            blocks.append(p(f"Awaited: no receiver has acknowledged revision {self.record.revision} yet."))
        return self.doc.section(
            ELEMENTS["synthesis-by-receiver"],
            self.element("synthesis-by-receiver"),
            blocks,
            empty=None if self.record.receipts else "notstarted",
            author=authors or None,
        )


def build(record: SignedRevision, settings: Settings) -> dict:
    return IpassDocument(record, settings).build()
