"""Allergies, as both checklists record them: a list of substances and reactions, or "no known allergies"."""

from .base import LOINC, SNOMED, Document, concept, labelled, narrative, p, rows, table, text_of

CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
SECTION_CODE = concept(
    "Allergies and adverse reactions Document", LOINC, "48765-2", "Allergies and adverse reactions Document"
)


def entries(doc: Document, data: dict, patient: dict) -> tuple[list[dict], list[str]]:
    """An AllergyIntolerance per listed allergy, or the coded "no known allergy" statement (as the IPS does);
    and the narrative blocks saying the same."""
    found, listed = [], []
    for index, row in enumerate(rows(data, "allergies")):
        substance, reaction = text_of(row.get("substance")), text_of(row.get("reaction"))
        if not substance:
            continue
        found.append(
            doc.add(
                ("allergy", index),
                {
                    "resourceType": "AllergyIntolerance",
                    "text": narrative(
                        labelled("Allergy", substance), *([labelled("Reaction", reaction)] if reaction else [])
                    ),
                    "clinicalStatus": concept("Active", CLINICAL, "active", "Active"),
                    "code": {"text": substance},
                    "patient": patient,
                    **({"reaction": [{"manifestation": [{"text": reaction}]}]} if reaction else {}),
                },
            )
        )
        listed.append([substance, reaction or ""])
    if listed:
        return found, [table(["Substance", "Reaction"], listed)]
    if data.get("no_known_allergies") is True:
        found.append(
            doc.add(
                ("allergy", "none-known"),
                {
                    "resourceType": "AllergyIntolerance",
                    "text": narrative(p("No known allergies")),
                    "clinicalStatus": concept("Active", CLINICAL, "active", "Active"),
                    "verificationStatus": concept("Confirmed", VERIFICATION, "confirmed", "Confirmed"),
                    "code": concept("No known allergies", SNOMED, "716186003", "No known allergy (situation)"),
                    "patient": patient,
                },
            )
        )
        return found, [p("No known allergies.")]
    return found, [p("Allergies were not recorded.")]
