"""The discharge document: a signed `discharge` handoff as a FHIR R4 document Bundle.

Shaped like the HL7 International Patient Summary where it applies (Patient, AllergyIntolerance with the
coded "no known allergy", MedicationStatement, Condition) and with the sections of the C-CDA on FHIR
Discharge Summary: hospital course, discharge diagnosis, allergies, discharge medications, plan of
treatment, and the instructions the patient goes home with (warning signs, self-care, what matters).

Follow-ups and pending results are `ServiceRequest`s, not `Appointment`s. A FHIR Appointment is a booked
(or proposed) slot in someone's schedule: once booked it must have a start and an end (app-3) and
participants who accept it. What a discharge records is a request to the next team: "see cardiology
within 7 days", often before any slot exists, with no duration, and sometimes only in words; the slot, if
there is one, lives in the receiving clinic's scheduler. A ServiceRequest (intent `order`) says exactly
that: what is asked, of whom (`performer`: the clinician or clinic to see, or the person who owns a pending
result), by when (`occurrenceDateTime` when a date or time was typed; the words otherwise, as
`patientInstruction`), requested by the signer. Whether the visit is already booked is in its note.
"""

from . import allergies
from .base import (
    LOINC,
    Document,
    Ids,
    choice_label,
    clean,
    composition,
    concept,
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
    ul,
    when,
    yes_no,
)
from .export import Settings, SignedRevision

DISPOSITION = "http://terminology.hl7.org/CodeSystem/discharge-disposition"
# The checklist's destinations as discharge dispositions; "home with services" is still home (the services
# are in the label and the self-care section).
DISPOSITIONS = {
    "home": ("home", "Home"),
    "home_with_services": ("home", "Home"),
    "skilled_nursing": ("snf", "Skilled nursing facility"),
    "rehab": ("rehab", "Rehabilitation"),
    "other_facility": ("other-hcf", "Other healthcare facility"),
}
MEDICATION_STATUS = {"new": "active", "changed": "active", "unchanged": "active", "stopped": "stopped"}
EVENT_TIMING = {"morning": "MORN", "noon": "NOON", "evening": "EVE", "bedtime": "HS"}
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def section_code(code: str, display: str) -> dict:
    return concept(display, LOINC, code, display)


class DischargeDocument:
    def __init__(self, record: SignedRevision, settings: Settings):
        self.record = record
        self.settings = settings
        self.data = record.data if isinstance(record.data, dict) else {}
        self.specs = specs_by_path(record.definition)
        self.doc = Document(Ids(settings, "handoff", record.handoff_id, "revision", record.revision))
        self.patient = self.doc.add(("patient",), patient_resource(record.patient, settings))
        self.author = self.doc.add(("practitioner", record.signer.user_id), practitioner_resource(record.signer))
        self.encounter_ref = {"reference": f"urn:uuid:{self.doc.ids.id('encounter')}"}
        self.signed_at = instant(record.signed_at)

    def label(self, path: str, value) -> str:
        return choice_label(self.specs, path, value)

    def build(self) -> dict:
        diagnoses_section, diagnoses = self.diagnoses()
        self.doc.add(("encounter",), self.encounter(diagnoses))
        sections = [
            self.hospital_course(),
            diagnoses_section,
            self.allergies(),
            self.medications(),
            self.plan_of_treatment(),
            self.warning_signs(),
            self.self_care(),
            self.what_matters(),
        ]
        return self.doc.bundle(
            composition(
                self.doc,
                self.record,
                self.settings,
                loinc="18842-5",
                display="Discharge summary",
                subject=self.patient,
                author=self.author,
                sections=sections,
                encounter=self.encounter_ref,
                title="Discharge summary",
            ),
            self.record.signed_at,
        )

    # --- the stay ---------------------------------------------------------------------------------

    def encounter(self, diagnoses: list[dict]) -> dict:
        stay = group(self.data, "encounter")
        admitted, discharged = (
            when(stay.get("admitted_on"), self.settings),
            when(stay.get("discharged_on"), self.settings),
        )
        period = {**({"start": admitted} if admitted else {}), **({"end": discharged} if discharged else {})}
        if admitted and discharged and discharged < admitted:
            period = {"start": admitted}  # a signed handoff cannot say this; never export a period ending first
        attending = text_of(stay.get("attending"))
        destination = stay.get("destination")
        receiving = group(stay, "receiving_clinician")
        receiver = ", ".join(v for v in (text_of(receiving.get("name")), text_of(receiving.get("organization"))) if v)
        hospitalization: dict = {}
        if isinstance(destination, str) and destination:
            code, display = DISPOSITIONS.get(destination, ("oth", "Other"))
            hospitalization["dischargeDisposition"] = concept(
                self.label("encounter.destination", destination), DISPOSITION, code, display
            )
        if receiver:
            hospitalization["destination"] = {"display": receiver}
        unit = text_of(stay.get("unit"))
        lines = [labelled("Admitted", admitted or "not recorded"), labelled("Discharged", discharged or "not recorded")]
        lines += [labelled("Attending", attending)] if attending else []
        lines += [labelled("Unit", unit)] if unit else []
        lines += (
            [labelled("Going to", self.label("encounter.destination", destination))]
            if "dischargeDisposition" in hospitalization
            else []
        )
        return {
            "resourceType": "Encounter",
            "text": narrative(*lines),
            "status": "finished",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "IMP",
                "display": "inpatient encounter",
            },
            "subject": self.patient,
            **(
                {
                    "participant": [
                        {
                            "type": [
                                concept(
                                    "attender",
                                    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                    "ATND",
                                    "attender",
                                )
                            ],
                            "individual": {"display": attending},
                        }
                    ]
                }
                if attending
                else {}
            ),
            **({"period": period} if period else {}),
            **({"diagnosis": diagnoses} if diagnoses else {}),
            **({"hospitalization": hospitalization} if hospitalization else {}),
            **({"location": [{"location": {"display": unit}}]} if unit else {}),
        }

    def hospital_course(self) -> dict:
        course = text_of(self.data.get("hospital_course"))
        return self.doc.section(
            "Hospital course",
            section_code("8648-8", "Hospital course Narrative"),
            [p(course)] if course else [p("No hospital course recorded.")],
            empty=None if course else "unavailable",
        )

    def diagnoses(self) -> tuple[dict, list[dict]]:
        found = group(self.data, "diagnoses")
        listed = [("principal", group(found, "principal"))] + [("secondary", row) for row in rows(found, "secondary")]
        entries, encounter_diagnoses, table_rows = [], [], []
        for index, (kind, row) in enumerate(listed):
            clinical, plain = text_of(row.get("clinical")), text_of(row.get("plain"))
            if not (clinical or plain):
                continue
            reference = self.doc.add(
                ("condition", index),
                {
                    "resourceType": "Condition",
                    "text": narrative(
                        labelled("Diagnosis", clinical or plain),
                        *([labelled("In the patient's words", plain)] if plain else []),
                    ),
                    "clinicalStatus": concept("Active", CONDITION_CLINICAL, "active", "Active"),
                    "verificationStatus": concept("Confirmed", CONDITION_VERIFICATION, "confirmed", "Confirmed"),
                    "category": [
                        concept(
                            "Encounter Diagnosis",
                            "http://terminology.hl7.org/CodeSystem/condition-category",
                            "encounter-diagnosis",
                            "Encounter Diagnosis",
                        )
                    ],
                    "code": {"text": clinical or plain},
                    "subject": self.patient,
                    "encounter": self.encounter_ref,
                    **({"note": [{"text": f"In the patient's words: {plain}"}]} if plain else {}),
                },
            )
            entries.append(reference)
            encounter_diagnoses.append(
                {
                    "condition": reference,
                    "rank": len(encounter_diagnoses) + 1,
                    "use": concept(
                        "Discharge diagnosis",
                        "http://terminology.hl7.org/CodeSystem/diagnosis-role",
                        "DD",
                        "Discharge diagnosis",
                    ),
                }
            )
            table_rows.append(["Main" if kind == "principal" else "Other", clinical or "", plain or ""])
        blocks = (
            [table(["", "Diagnosis", "In the patient's words"], table_rows)]
            if table_rows
            else [p("No diagnosis recorded.")]
        )
        section = self.doc.section(
            "Discharge diagnosis",
            section_code("11535-2", "Hospital discharge Dx Narrative"),
            blocks,
            entries,
            empty="unavailable",
        )
        return section, encounter_diagnoses

    def allergies(self) -> dict:
        entries, blocks = allergies.entries(self.doc, self.data, self.patient)
        return self.doc.section("Allergies and intolerances", allergies.SECTION_CODE, blocks, entries, empty="notasked")

    def medications(self) -> dict:
        entries, listed = [], []
        for index, row in enumerate(rows(self.data, "medications")):
            name = text_of(row.get("name"))
            if not name:
                continue
            status = row.get("status") if isinstance(row.get("status"), str) else ""
            status_label = self.label("medications.status", status) if status else "Not stated"
            change_note, purpose = text_of(row.get("change_note")), text_of(row.get("purpose"))
            dose, route, frequency = text_of(row.get("dose")), text_of(row.get("route")), text_of(row.get("frequency"))
            schedule = (
                [s for s in row.get("schedule") or [] if isinstance(s, str)]
                if isinstance(row.get("schedule"), list)
                else []
            )
            times = ", ".join(self.label("medications.schedule", s) for s in schedule)
            until = when(row.get("until"), self.settings)
            how = ", ".join(v for v in (dose, route, frequency, times) if v)
            dosage: dict = {"text": how} if how else {}
            if route:
                dosage["route"] = {"text": route}
            timing = [EVENT_TIMING[s] for s in schedule if s in EVENT_TIMING]
            if timing:
                dosage["timing"] = {"repeat": {"when": timing}}
            if "as_needed" in schedule:
                dosage["asNeededBoolean"] = True
            entries.append(
                self.doc.add(
                    ("medication", index),
                    {
                        "resourceType": "MedicationStatement",
                        "text": narrative(
                            labelled("Medicine", name),
                            *([labelled("How to take it", how)] if how else []),
                            labelled("Change", status_label),
                            *([labelled("What changed and why", change_note)] if change_note else []),
                        ),
                        "status": MEDICATION_STATUS.get(status, "unknown"),
                        **(
                            {
                                "statusReason": [
                                    {
                                        **own_code(self.settings, "medication-change", status, status_label),
                                        "text": change_note or status_label,
                                    }
                                ]
                            }
                            if status
                            else {}
                        ),
                        "medicationCodeableConcept": {"text": name},
                        "subject": self.patient,
                        "context": self.encounter_ref,
                        **({"effectivePeriod": {"end": until}} if until else {}),
                        "dateAsserted": self.signed_at,
                        "informationSource": self.author,
                        **({"reasonCode": [{"text": purpose}]} if purpose else {}),
                        "note": [{"text": f"{status_label}" + (f": {change_note}" if change_note else "")}],
                        **({"dosage": [dosage]} if dosage else {}),
                    },
                )
            )
            listed.append([name, how, status_label, change_note or "", purpose or "", until or ""])
        blocks = (
            [table(["Medicine", "How to take it", "Change", "What changed and why", "What it is for", "Until"], listed)]
            if listed
            else [p("No medicines recorded.")]
        )
        return self.doc.section(
            "Discharge medications",
            section_code("10183-2", "Hospital discharge medications Narrative"),
            blocks,
            entries,
            empty="unavailable",
        )

    def plan_of_treatment(self) -> dict:
        entries, visits, pending = [], [], []
        for index, row in enumerate(rows(self.data, "follow_up")):
            with_whom = text_of(row.get("with"))
            if not with_whom:
                continue
            typed = row.get("when")
            occurs = when(typed, self.settings)
            words = text_of(typed) if occurs is None else None
            where, purpose, booked = text_of(row.get("where")), text_of(row.get("purpose")), yes_no(row.get("booked"))
            instruction = "; ".join(
                v for v in (f"When: {words}" if words else None, f"Where: {where}" if where else None) if v
            )
            entries.append(
                self.doc.add(
                    ("follow-up", index),
                    {
                        "resourceType": "ServiceRequest",
                        "text": narrative(
                            labelled("Follow-up with", with_whom),
                            labelled("When", occurs or words or "not set"),
                            *([labelled("Where", where)] if where else []),
                            labelled("Booked", booked or "not stated"),
                        ),
                        "status": "active",
                        "intent": "order",
                        "code": {"text": f"Follow-up visit with {with_whom}"},
                        "subject": self.patient,
                        "encounter": self.encounter_ref,
                        **({"occurrenceDateTime": occurs} if occurs else {}),
                        "authoredOn": self.signed_at,
                        "requester": self.author,
                        "performer": [{"display": with_whom}],
                        **({"locationReference": [{"display": where}]} if where else {}),
                        **({"reasonCode": [{"text": purpose}]} if purpose else {}),
                        **({"patientInstruction": instruction} if instruction else {}),
                        "note": [
                            {
                                "text": {"yes": "Appointment booked.", "no": "Not booked yet."}.get(
                                    booked or "", "Whether it is booked was not stated."
                                )
                            }
                        ],
                    },
                )
            )
            visits.append([with_whom, occurs or words or "", where or "", purpose or "", booked or ""])
        for index, row in enumerate(rows(self.data, "pending_results")):
            test, owner = text_of(row.get("test")), text_of(row.get("owner"))
            if not test:
                continue
            expected = when(row.get("expected_on"), self.settings)
            entries.append(
                self.doc.add(
                    ("pending-result", index),
                    {
                        "resourceType": "ServiceRequest",
                        "text": narrative(
                            labelled("Pending result", test),
                            labelled("Followed up by", owner or "not named"),
                            *([labelled("Expected on", expected)] if expected else []),
                        ),
                        "status": "active",
                        "intent": "order",
                        "code": {"text": f"Follow up the pending result: {test}"},
                        "subject": self.patient,
                        "encounter": self.encounter_ref,
                        **({"occurrenceDateTime": expected} if expected else {}),
                        "authoredOn": self.signed_at,
                        "requester": self.author,
                        **({"performer": [{"display": owner}]} if owner else {}),
                        "note": [
                            {
                                "text": f"Result of {test} is pending at discharge"
                                + (f", expected on {expected}" if expected else "")
                                + (f"; {owner} follows it up." if owner else ".")
                            }
                        ],
                    },
                )
            )
            pending.append([test, expected or "", owner or ""])
        receiving = group(group(self.data, "encounter"), "receiving_clinician")
        receiver = ", ".join(v for v in (text_of(receiving.get(k)) for k in ("name", "organization", "phone")) if v)
        blocks = [labelled("Care passes to", receiver)] if receiver else []
        if visits:
            blocks += [p("Follow-up appointments"), table(["With", "When", "Where", "What for", "Booked"], visits)]
        if pending:
            blocks += [p("Pending results"), table(["Test", "Expected on", "Who follows it up"], pending)]
        if not (visits or pending):
            blocks.append(p("No follow-up appointments or pending results recorded."))
        return self.doc.section(
            "Plan of treatment", section_code("18776-5", "Plan of care note"), blocks, entries, empty="nilknown"
        )

    # --- what the patient goes home with -----------------------------------------------------------

    def warning_signs(self) -> dict:
        signs = [
            [
                text_of(row.get("sign")),
                self.label("warning_signs.action", row.get("action"))
                if isinstance(row.get("action"), str) and row.get("action")
                else "",
            ]
            for row in rows(self.data, "warning_signs")
        ]
        signs = [row for row in signs if row[0]]
        contacts = [
            [text_of(row.get(k)) or "" for k in ("role", "name", "phone", "hours")]
            for row in rows(self.data, "contacts")
        ]
        contacts = [row for row in contacts if any(row)]
        blocks = [table(["Watch for", "What to do"], signs)] if signs else [p("No warning signs recorded.")]
        if contacts:
            blocks += [p("Who to call"), table(["Role", "Name", "Phone", "Hours"], contacts)]
        return self.doc.section(
            "Warning signs and who to call",
            section_code("69730-0", "Instructions"),
            blocks,
            empty=None if signs or contacts else "unavailable",
        )

    def self_care(self) -> dict:
        care = group(self.data, "self_care")
        blocks = [
            labelled(self.label_of(f"self_care.{key}", key), text_of(care.get(key)))
            for key in ("activity", "diet", "wound_care", "equipment", "home_services")
            if text_of(care.get(key))
        ]
        teach = [
            [
                self.label("teach_back.topic", row.get("topic")) if isinstance(row.get("topic"), str) else "",
                self.label("teach_back.result", row.get("result")) if isinstance(row.get("result"), str) else "",
                text_of(row.get("note")) or "",
            ]
            for row in rows(self.data, "teach_back")
        ]
        teach = [row for row in teach if any(row)]
        if teach:
            blocks += [p("Teach-back"), table(["Topic", "Result", "Note"], teach)]
        filled = bool(blocks)
        return self.doc.section(
            "Self-care at home",
            section_code("8653-8", "Hospital Discharge instructions"),
            blocks or [p("No self-care instructions recorded.")],
            empty=None if filled else "nilknown",
        )

    def what_matters(self) -> dict:
        matters = text_of(self.data.get("what_matters"))
        concerns = group(self.data, "concerns")
        worries = [
            self.label_of(f"concerns.{key}", key)
            for key in ("cost", "transport", "caregiver")
            if concerns.get(key) is True
        ]
        notes = text_of(concerns.get("notes"))
        blocks = [p(matters)] if matters else []
        if worries:
            blocks += [p("Concerns about going home:"), ul(worries)]
        if notes:
            blocks.append(labelled("Notes", notes))
        filled = bool(blocks)
        return self.doc.section(
            "What matters to the patient",
            section_code("81338-6", "Patient Goals, preferences, and priorities for care experience"),
            blocks or [p("Nothing recorded about what matters to the patient.")],
            empty=None if filled else "nilknown",
        )

    def label_of(self, path: str, key: str) -> str:
        return clean((self.specs.get(path) or {}).get("label")) or key


def build(record: SignedRevision, settings: Settings) -> dict:
    return DischargeDocument(record, settings).build()
