"""The patient's take-home summary, as data a template can lay out (DESIGN.md section 4).

Only patient-facing fields are read here: the hospital course, the checklist and the
teach-back notes never reach this view. Fixed text goes through gettext (the caller
sets the locale); free text is shown as the clinician typed it, after the glossary has
replaced abbreviations and jargon (`to_plain`).
"""

from datetime import date, datetime

from flask_babel import format_date, format_time, gettext

from .glossary import to_plain

SCHEDULE_SLOTS = ("morning", "noon", "evening", "bedtime", "as_needed")


def slot_labels() -> dict[str, str]:
    return {"morning": gettext("Morning"), "noon": gettext("Noon"), "evening": gettext("Evening"),
            "bedtime": gettext("Bedtime"), "as_needed": gettext("Only if needed")}


def status_labels() -> dict[str, str]:
    return {"new": gettext("NEW"), "changed": gettext("CHANGED"), "stopped": gettext("STOP"), "unchanged": ""}


def build_patient_summary(patient, data: dict, lang: str) -> dict:
    """Everything the summary shows, in reading order, with plain words already applied."""

    def plain(text) -> str:
        return to_plain(text, lang).strip() if isinstance(text, str) else ""

    encounter = data.get("encounter") or {}
    medications = [m for m in (data.get("medications") or []) if isinstance(m, dict)]
    taking = [_medicine(m, plain) for m in medications if m.get("status") != "stopped"]
    stopped = [_medicine(m, plain) for m in medications if m.get("status") == "stopped"]
    follow_ups = [_appointment(f, plain) for f in (data.get("follow_up") or []) if isinstance(f, dict)]
    signs = [s for s in (data.get("warning_signs") or []) if isinstance(s, dict) and s.get("sign")]
    call_us = [plain(s["sign"]) for s in signs if s.get("action") == "call_clinic"]
    emergency = [plain(s["sign"]) for s in signs if s.get("action") in ("call_911", "go_to_er")]
    contacts = [
        {"role": plain(c.get("role")), "name": plain(c.get("name")), "phone": c.get("phone") or "",
         "hours": plain(c.get("hours"))}
        for c in (data.get("contacts") or []) if isinstance(c, dict)
    ]
    principal = ((data.get("diagnoses") or {}).get("principal")) or {}
    secondary = [d for d in ((data.get("diagnoses") or {}).get("secondary") or []) if isinstance(d, dict)]
    self_care_fields = (("activity", gettext("Activity")), ("diet", gettext("Food and drink")),
                        ("wound_care", gettext("Caring for your wound")), ("equipment", gettext("Equipment")),
                        ("home_services", gettext("Help at home")))
    self_care = data.get("self_care") or {}
    allergies = [
        {"substance": plain(a.get("substance")), "reaction": plain(a.get("reaction"))}
        for a in (data.get("allergies") or []) if isinstance(a, dict) and a.get("substance")
    ]
    return {
        "lang": lang,
        "patient_name": f"{patient.given_name} {patient.family_name}",
        "birth_date": format_date(patient.birth_date, "long"),
        "discharged_on": _format_date_text(encounter.get("discharged_on")),
        "plan": _plan(taking, stopped, follow_ups, call_us, emergency, contacts),
        "reason": plain(principal.get("plain")) or plain(principal.get("clinical")),
        "other_problems": [plain(d.get("plain")) or plain(d.get("clinical")) for d in secondary
                           if d.get("plain") or d.get("clinical")],
        "slots": [(slot, slot_labels()[slot]) for slot in SCHEDULE_SLOTS],
        "medicines": taking,
        "stopped_medicines": stopped,
        "appointments": follow_ups,
        "pending_results": [
            {"test": plain(p.get("test")), "expected_on": _format_date_text(p.get("expected_on")),
             "owner": plain(p.get("owner"))}
            for p in (data.get("pending_results") or []) if isinstance(p, dict) and p.get("test")
        ],
        "call_us_if": call_us,
        "emergency_if": emergency,
        "self_care": [(label, plain(self_care.get(key))) for key, label in self_care_fields
                      if plain(self_care.get(key))],
        "contacts": contacts,
        "what_matters": plain(data.get("what_matters")),
        "allergies": allergies,
        "no_known_allergies": data.get("no_known_allergies") is True,
    }


def _medicine(medication: dict, plain) -> dict:
    schedule = [s for s in (medication.get("schedule") or []) if s in SCHEDULE_SLOTS]
    parts = [plain(medication.get("route")), plain(medication.get("frequency"))]
    how = " ".join(_mid_sentence(part) if index else part for index, part in enumerate(p for p in parts if p))
    return {
        "name": plain(medication.get("name")) or (medication.get("name") or ""),
        "dose": plain(medication.get("dose")),
        "how": how,
        "purpose": plain(medication.get("purpose")),
        "status": medication.get("status") or "unchanged",
        "status_label": status_labels().get(medication.get("status") or "unchanged", ""),
        "change_note": plain(medication.get("change_note")),
        "until": _format_date_text(medication.get("until")),
        "schedule": schedule,
        "has_schedule": bool(schedule),
    }


def _appointment(follow_up: dict, plain) -> dict:
    return {
        "with": plain(follow_up.get("with")),
        "when": _format_when(follow_up.get("when"), plain),
        "when_is_date": _is_iso(follow_up.get("when")),
        "where": plain(follow_up.get("where")),
        "purpose": plain(follow_up.get("purpose")),
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


def _format_when(value, plain) -> str:
    """A datetime reads as "Thursday, November 27, 2026, 10:30 AM"; free text stays as typed."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return plain(value)
    if len(value) <= 10:
        return format_date(moment.date(), "full")
    return f"{format_date(moment.date(), 'full')}, {format_time(moment.time(), 'short')}"


def _mid_sentence(text: str) -> str:
    """"Chest pain" reads as "chest pain" inside a sentence; "BP over 180" keeps its capitals."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _plan(taking, stopped, appointments, call_us, emergency, contacts) -> list[str]:
    """Three lines: First do X. Watch for Y. If Z, call us (health-literacy guidance)."""
    call_us = [_mid_sentence(s) for s in call_us]
    emergency = [_mid_sentence(s) for s in emergency]
    lines = []
    changes = [m for m in taking if m["status"] in ("new", "changed")]
    if appointments and appointments[0]["with"]:
        first = appointments[0]
        if first["when"] and first["when_is_date"]:
            lines.append(gettext("First: see %(who)s on %(when)s.", who=first["with"], when=first["when"]))
        elif first["when"]:
            lines.append(gettext("First: see %(who)s %(when)s.", who=first["with"], when=_mid_sentence(first["when"])))
        else:
            lines.append(gettext("First: see %(who)s.", who=first["with"]))
    elif changes or stopped:
        lines.append(gettext("First: take your medicines as the list below shows. Some are new or changed."))
    else:
        lines.append(gettext("First: take your medicines as the list below shows."))
    if call_us:
        lines.append(gettext("Watch for: %(signs)s.", signs="; ".join(call_us[:2])))
    elif emergency:
        lines.append(gettext("Watch for: %(signs)s.", signs="; ".join(emergency[:2])))
    phone = next((c["phone"] for c in contacts if c["phone"]), "")
    if emergency:
        lines.append(gettext("If %(sign)s, call 911.", sign=emergency[0]))
    elif call_us and phone:
        lines.append(gettext("If you notice any of these, call us at %(phone)s.", phone=phone))
    elif phone:
        lines.append(gettext("If you have questions, call us at %(phone)s.", phone=phone))
    return lines
