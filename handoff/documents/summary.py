"""The patient's take-home summary, as data a template can lay out (DESIGN.md section 4).

Only patient-facing fields are read here: the hospital course, the checklist and the
teach-back notes never reach this view. Fixed text goes through gettext (the caller
sets the locale). Free text becomes `Passage`s through the `Localizer` (localize.py): in
the patient's language (a translation, or typed so, with the glossary applied), or shown
as typed and marked as not translated. A fixed sentence embeds free text only when that
text is in the patient's language, so no sentence is ever half in one language.
"""

from datetime import date, datetime

from flask_babel import format_date, format_time, get_locale, gettext

from .instructions import compose
from .localize import EMPTY, Localizer, Passage, Segment

SCHEDULE_SLOTS = ("morning", "noon", "evening", "bedtime", "as_needed")
SELF_CARE_FIELDS = ("activity", "diet", "wound_care", "equipment", "home_services")

# How the PDF is tightened, one step at a time, when it would run past its page budget or leave a page but the
# last mostly empty: 0 is the generous layout every summary gets first (and the web page always); 1 sets lines
# closer (summary.css, `fit-1`); 2 also leaves out the box of writing lines for questions; 3 also gives each
# medicine's notes (what it is for, what changed) a line of their own under its row, which may begin the next page.
# Nothing a patient must act on is ever left out, and a medicine's name, dose, instruction and marks never part.
FIT_LEVELS = (0, 1, 2, 3)


def page_budget(data: dict, large_print: bool) -> int | None:
    """The most pages the PDF should take (DESIGN 4, "On paper"): a typical discharge (5 to 8 medicines) on 3
    letter pages at 14 pt and 5 in large print, 12 medicines on 4. Past those, no budget: nothing is tightened.
    """
    taking = sum(1 for _, m in _rows(data, "medications") if m.get("status") != "stopped")
    if large_print:
        return 5 if taking <= 8 else None
    return 3 if taking <= 8 else 4 if taking <= 12 else None


def slot_labels() -> dict[str, str]:
    return {"morning": gettext("Morning"), "noon": gettext("Noon"), "evening": gettext("Evening"),
            "bedtime": gettext("Bedtime"), "as_needed": gettext("Only if needed")}


def status_labels() -> dict[str, str]:
    return {"new": gettext("NEW"), "changed": gettext("CHANGED"), "stopped": gettext("STOP"), "unchanged": ""}


def _rows(data: dict, key: str) -> list[tuple[int, dict]]:
    return [(index, row) for index, row in enumerate(data.get(key) or []) if isinstance(row, dict)]


def patient_texts(data: dict) -> list[str]:
    """Every free-text value the summary may show (what the translation memory is asked about)."""
    texts = []
    principal = ((data.get("diagnoses") or {}).get("principal")) or {}
    texts += [principal.get("plain"), principal.get("clinical"), data.get("what_matters")]
    for _index, d in _rows(data.get("diagnoses") or {}, "secondary"):
        texts += [d.get("plain"), d.get("clinical")]
    for _index, m in _rows(data, "medications"):
        texts += [m.get("dose"), m.get("route"), m.get("frequency"), m.get("purpose"), m.get("change_note")]
    for _index, f in _rows(data, "follow_up"):
        texts += [f.get("with"), f.get("when"), f.get("purpose")]
    for _index, p in _rows(data, "pending_results"):
        texts.append(p.get("test"))
    for _index, s in _rows(data, "warning_signs"):
        texts.append(s.get("sign"))
    for _index, c in _rows(data, "contacts"):
        texts += [c.get("role"), c.get("hours")]
    for _index, a in _rows(data, "allergies"):
        texts.append(a.get("reaction"))
    self_care = data.get("self_care") or {}
    texts += [self_care.get(key) for key in SELF_CARE_FIELDS]
    return [text for text in texts if isinstance(text, str) and text.strip()]


def build_patient_summary(patient, data: dict, localizer: Localizer) -> dict:
    """Everything the summary shows, in reading order, in the patient's language or marked."""
    text = localizer.passage
    encounter = data.get("encounter") or {}
    medications = _rows(data, "medications")
    taking = [_medicine(m, f"medications.{i}", localizer) for i, m in medications if m.get("status") != "stopped"]
    stopped = [_medicine(m, f"medications.{i}", localizer) for i, m in medications if m.get("status") == "stopped"]
    follow_ups = [_appointment(f, f"follow_up.{i}", localizer) for i, f in _rows(data, "follow_up")]
    signs = [(i, s) for i, s in _rows(data, "warning_signs") if s.get("sign")]
    call_us = [text(s["sign"], f"warning_signs.{i}.sign") for i, s in signs if s.get("action") == "call_clinic"]
    emergency = [text(s["sign"], f"warning_signs.{i}.sign") for i, s in signs
                 if s.get("action") in ("call_911", "go_to_er")]
    contacts = [
        {"role": text(c.get("role"), f"contacts.{i}.role"), "name": localizer.name(c.get("name")),
         "phone": c.get("phone") or "", "hours": text(c.get("hours"), f"contacts.{i}.hours")}
        for i, c in _rows(data, "contacts")
    ]
    diagnoses = data.get("diagnoses") or {}
    self_care_labels = {"activity": gettext("Being active"), "diet": gettext("Food and drink"),
                        "wound_care": gettext("Caring for your wound"), "equipment": gettext("What you need at home"),
                        "home_services": gettext("Help at home")}
    self_care = data.get("self_care") or {}
    self_care_rows = [(self_care_labels[key], text(self_care.get(key), f"self_care.{key}")) for key in SELF_CARE_FIELDS]
    return {
        "lang": localizer.lang,
        "patient_name": f"{patient.given_name} {patient.family_name}",
        "birth_date": format_date(patient.birth_date, "long"),
        "discharged_on": _format_date_text(encounter.get("discharged_on")),
        "plan": _plan(taking, stopped, follow_ups, call_us, emergency, contacts),
        "reason": _diagnosis(diagnoses.get("principal"), "diagnoses.principal", localizer),
        "other_problems": [p for p in (_diagnosis(d, f"diagnoses.secondary.{i}", localizer)
                                       for i, d in _rows(diagnoses, "secondary")) if p],
        "slots": [(slot, slot_labels()[slot]) for slot in SCHEDULE_SLOTS],
        "medicines": taking,
        "stopped_medicines": stopped,
        "appointments": follow_ups,
        "pending_results": [
            {"test": text(p.get("test"), f"pending_results.{i}.test"),
             "expected_on": _format_date_text(p.get("expected_on")), "owner": localizer.name(p.get("owner"))}
            for i, p in _rows(data, "pending_results") if p.get("test")
        ],
        "call_us_if": call_us,
        "emergency_if": emergency,
        "self_care": [(label, passage) for label, passage in self_care_rows if passage],
        "contacts": contacts,
        "what_matters": text(data.get("what_matters"), "what_matters"),
        "allergies": [
            {"substance": localizer.name(a.get("substance")), "reaction": text(a.get("reaction"),
                                                                               f"allergies.{i}.reaction")}
            for i, a in _rows(data, "allergies") if a.get("substance")
        ],
        "no_known_allergies": data.get("no_known_allergies") is True,
    }


def _diagnosis(diagnosis, path: str, localizer: Localizer) -> Passage:
    """The patient's words for a problem when given, else the clinical name."""
    if not isinstance(diagnosis, dict):
        return EMPTY
    if isinstance(diagnosis.get("plain"), str) and diagnosis["plain"].strip():
        return localizer.passage(diagnosis["plain"], f"{path}.plain")
    return localizer.passage(diagnosis.get("clinical"), f"{path}.clinical")


def _medicine(medication: dict, path: str, localizer: Localizer) -> dict:
    """The instruction is composed in the patient's language from dose, route and frequency (instructions.py);
    what could not be composed follows it, translated or marked, never glued into the sentence."""
    until = _format_date_text(medication.get("until"))
    instruction = compose(medication, localizer.lang, until_text=until or None)
    leftovers = [_own_sentence(localizer.passage(text, f"{path}.{_source_field(medication, text)}"))
                 for text in instruction.untranslated]
    how = Passage((Segment(instruction.text),)) if instruction.text else EMPTY
    schedule = [slot for slot in SCHEDULE_SLOTS if slot in instruction.slots]
    return {
        "name": localizer.name(medication.get("name")),
        # The dose beside the name: as composed in the patient's language when the whole dose was understood
        # ("50 000 unidades", never the typed "50,000 units" marked as English); else as typed, translated or marked.
        "dose": (Passage((Segment(instruction.amount_per_time),)) if instruction.amount_per_time
                 else localizer.passage(medication.get("dose"), f"{path}.dose")),
        "how": _joined([how, *leftovers]),
        "purpose": localizer.passage(medication.get("purpose"), f"{path}.purpose"),
        "status": medication.get("status") or "unchanged",
        "status_label": status_labels().get(medication.get("status") or "unchanged", ""),
        "change_note": localizer.passage(medication.get("change_note"), f"{path}.change_note"),
        "until": "" if instruction.until else until,  # the composed sentence already says until when
        "schedule": schedule,
        "has_schedule": bool(schedule),
    }


def _own_sentence(passage: Passage) -> Passage:
    """A fragment the composer left ("while on oxycodone") follows the composed sentence as a sentence of its own:
    capital first letter and a full stop, so it does not read as a stray tail. Text left in another language is
    shown exactly as typed (it is marked, and a translation must match it)."""
    if not passage or not passage.in_language:
        return passage
    first, *rest = passage.segments
    text = first.text[:1].upper() + first.text[1:]
    if not rest and text[-1:] not in ".!?":
        text += "."
    return Passage((Segment(text, first.lang, first.untranslated), *rest))


def _source_field(medication: dict, text: str) -> str:
    """Which field a part the composer could not use came from (for the path of an untranslated item)."""
    return next((key for key in ("frequency", "route", "dose", "until")
                 if isinstance(medication.get(key), str) and text in medication[key]), "frequency")


def _joined(passages: list[Passage]) -> Passage:
    return Passage(tuple(segment for passage in passages for segment in passage.segments))


def _appointment(follow_up: dict, path: str, localizer: Localizer) -> dict:
    when = follow_up.get("when")
    return {
        "with": localizer.passage(follow_up.get("with"), f"{path}.with"),
        "when": _format_when(when, f"{path}.when", localizer),
        "when_is_date": _is_iso(when),
        "where": localizer.name(follow_up.get("where")),
        "purpose": localizer.passage(follow_up.get("purpose"), f"{path}.purpose"),
        "booked": follow_up.get("booked") is True,
    }


def _format_date_text(value) -> str:
    if not isinstance(value, str) or not value:
        return ""
    try:
        return format_date(date.fromisoformat(value), "full")
    except ValueError:
        return value


def _is_iso(value) -> bool:
    try:
        datetime.fromisoformat(value)
        return True
    except (TypeError, ValueError):
        return False


def _format_when(value, path: str, localizer: Localizer) -> Passage:
    """A datetime reads as "Thursday, November 27, 2026, 10:30 AM"; free text is a passage."""
    if not isinstance(value, str) or not value:
        return EMPTY
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return localizer.passage(value, path)
    if len(value) <= 10:
        return Passage((Segment(format_date(moment.date(), "full")),))
    return Passage((Segment(f"{format_date(moment.date(), 'full')}, {format_time(moment.time(), 'short')}"),))


def _mid_sentence(text: str) -> str:
    """"Chest pain" reads as "chest pain" inside a sentence; "BP over 180" keeps its capitals."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _inline(passages: list[Passage], *, names: bool = False) -> list[str] | None:
    """The passages as sentence parts, or None when any is not in the patient's language.

    A name keeps its capitals ("Dr. Alan Pierce", not "dr. Alan Pierce"); other text reads mid-sentence.
    """
    if not passages or not all(passage.in_language for passage in passages):
        return None
    return [str(passage).rstrip(".") if names else _mid_sentence(str(passage).rstrip(".")) for passage in passages]


# Spanish titles before a name take the article, and "a" + "el" is "al": "vaya a ver al Dr. Alan Pierce", "a la Dra.
# Ana Ruiz", but "a Ana López". A title that does not say whether it is a man or a woman (Enf., Lic., Prof., Ing.)
# takes "el", the form Spanish uses when it does not say, as it does with "Dr." before a woman's name.
_SPANISH_TITLES = {
    **dict.fromkeys(("dr", "doctor", "sr", "señor", "enf", "enfermero", "lic", "lcdo", "licdo", "licenciado",
                     "prof", "profesor", "ing", "ingeniero"), "el"),
    **dict.fromkeys(("dra", "doctora", "sra", "señora", "srta", "señorita", "enfermera", "lcda", "licda",
                     "licenciada", "profa", "profesora", "inga", "ingeniera"), "la"),
}


def spanish_personal_a(name: str) -> str:
    """"a" before the person to see, in Spanish: "al Dr. Alan Pierce", "a la Dra. Ana Ruiz", "a Ana López".

    Only a title decides (its first word, with or without its full stop, in any case): a plain name is left alone,
    and an article typed before the title ("el Dr. Pierce") contracts as well."""
    first, _, rest = name.strip().partition(" ")
    if first in ("el", "la") and rest:
        return f"al {rest}" if first == "el" else f"a la {rest}"
    article = _SPANISH_TITLES.get(first.rstrip(".").lower()) if rest else None
    if article == "el":
        return f"al {name.strip()}"
    if article == "la":
        return f"a la {name.strip()}"
    return f"a {name.strip()}"


def _see(line: str, who: str) -> str:
    """The catalogue's Spanish line says "vaya a ver a %(who)s": with a title, "a" needs its article."""
    if get_locale() is None or get_locale().language != "es":
        return line
    return line.replace(f" a {who}", f" {spanish_personal_a(who)}", 1)


def _plan(taking, stopped, appointments, call_us, emergency, contacts) -> list[str]:
    """Three lines: First do X. Watch for Y. If Z, call us (health-literacy guidance).

    Free text goes into a line only when it is in the patient's language; otherwise the line
    points to the list below, so no line mixes two languages.
    """
    lines = []
    changes = [m for m in taking if m["status"] in ("new", "changed")]
    first = appointments[0] if appointments and appointments[0]["with"] else None
    who = _inline([first["with"]], names=True) if first else None
    when = _inline([first["when"]]) if first and first["when"] else None
    if first and who and when and first["when_is_date"]:
        lines.append(_see(gettext("First: see %(who)s on %(when)s.", who=who[0], when=str(first["when"])), who[0]))
    elif first and who and when:
        lines.append(_see(gettext("First: see %(who)s %(when)s.", who=who[0], when=when[0]), who[0]))
    elif first and who and not first["when"]:
        lines.append(_see(gettext("First: see %(who)s.", who=who[0]), who[0]))
    elif first:
        lines.append(gettext("First: go to the appointments listed below."))
    elif changes or stopped:
        lines.append(gettext("First: take your medicines as the list below shows. Some are new or changed."))
    else:
        lines.append(gettext("First: take your medicines as the list below shows."))
    watch = call_us or emergency
    watched = _inline(watch[:2])
    if watched:
        lines.append(gettext("Watch for: %(signs)s.", signs="; ".join(watched)))
    elif watch:
        lines.append(gettext("Watch for the warning signs listed below."))
    phone = next((c["phone"] for c in contacts if c["phone"]), "")
    if emergency:
        sign = _inline(emergency[:1])
        if sign:
            lines.append(gettext("If %(sign)s, call 911.", sign=sign[0]))
        else:
            lines.append(gettext("If you have any of the emergency signs below, call 911."))
    elif call_us and phone:
        lines.append(gettext("If you notice any of these, call us at %(phone)s.", phone=phone))
    elif phone:
        lines.append(gettext("If you have questions, call us at %(phone)s.", phone=phone))
    return lines
