"""Medicine instructions composed in the patient's language from a discharge checklist's medication entry.

Clinicians type sigs ("40 mg", "PO", "BID", "q6h PRN pain", "c/8h", "VO"); the take-home summary must say
"Take 40 mg by mouth in the morning and 40 mg in the evening." as USP <17> asks for labels, never a code or a bare
frequency, and in Spanish compose the sentence in Spanish rather than swap words (DESIGN.md section 4, "On paper").

`compose(medication, lang)` parses the dose, route and frequency fields into meaning (amounts, route, times of day,
interval, "only if needed for ...", meals, duration) and writes one sentence from that meaning. Safety rules:
- Numbers and units are copied exactly as typed ("8.6/50 mg", "0.5 mL", "21 mg/24 h"); a dose is never guessed.
  One exception, for safety: a thousands comma ("1,000 mg", "5,000 units") is a decimal comma to many Spanish
  readers ("1,000" would read as 1), so in Spanish the number is written without it ("1000 mg"), and from five
  digits grouped by a no-break space as the RAE and SI write them ("50 000 unidades"). English keeps it as typed.
- A daily limit ("max 3,000 mg/day", "no more than 8 tabs in 24 hours") is composed into the sentence ("no more
  than 3,000 mg in one day"); a comma inside a number never splits it into two pieces.
- A dose with any word we do not understand is not composed at all: the whole dose goes to `untranslated` and the
  sentence says "your dose" (dropping a word like "total" from a dose could change how much is taken).
- Other text we cannot compose (reasons we cannot translate safely, "while on oxycodone", "as directed by Dr. Lee")
  is left out of the sentence and returned in `untranslated`, so no sentence is ever half in one language.
- The times the nurse ticked (`schedule`) win over the frequency for the Universal Medication Schedule slots, and the
  sentence says those times, so the row's words and its marks always agree; disagreements go to `notes`.
- Ambiguous abbreviations on the ISMP error-prone list that have two readings (OD, OS, OU, AU, AS, IN, a lowercase
  "u" or "iv") are not parsed: they stay in `untranslated` for a person to read. Tapers ("then ...") likewise.

`until`: `compose` returns the ISO date in `Instruction.until` and writes "until December 1, 2026" itself (a small
month table, no locale machinery); a caller with Babel passes `until_text="Tuesday, December 1, 2026"` (already in
the patient's language) to use its own format. A value that is not an ISO date goes to `untranslated`.

Pure Python (no Flask): it never raises on any input, whatever the types of the fields.
"""

import re
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from ..languages import DEFAULT_LANGUAGE, LANGUAGES

SLOTS = ("morning", "noon", "evening", "bedtime", "as_needed")
_TIMED = SLOTS[:4]


@dataclass(frozen=True)
class Instruction:
    lang: str  # "en" or "es": the language `text` and `amount_per_time` are in
    text: str  # one sentence for the patient ("Take 40 mg by mouth in the morning and 40 mg in the evening.")
    amount_per_time: str  # "40 mg", "1 tablet", "2 tabletas (8.6/50 mg)"; "" when the dose could not be composed
    slots: tuple[str, ...]  # Universal Medication Schedule columns, in SLOTS order
    untranslated: tuple[str, ...]  # source text left out of `text`, as typed (the caller marks it "not translated")
    parsed: bool  # True when dose, route and frequency were all understood (nothing in `untranslated` from them)
    notes: tuple[str, ...]  # for clinicians only, in English (schedule vs frequency disagreements, conflicts)
    until: str  # the ISO date of the last day ("2026-12-01"), "" when none or not a date


# --- Words ------------------------------------------------------------------------------------------------------------

# Per language: slot phrases inside a sentence. Spanish uses "por la tarde" for evening because the schedule table's
# column says "Tarde"; bedtime is "al acostarse".
_SLOT_WORDS = {
    "en": {"morning": "in the morning", "noon": "at noon", "evening": "in the evening", "bedtime": "at bedtime"},
    "es": {"morning": "por la mañana", "noon": "al mediodía", "evening": "por la tarde", "bedtime": "al acostarse"},
}

# Forms a dose is counted in: the typed spellings (English and Spanish), then (singular, plural) per language.
_FORMS = {
    "tablet": (("tablets", "tablet", "tabs", "tab", "tabletas", "tableta", "comprimidos", "comprimido", "comps",
                "comp", "cps", "cp"), {"en": ("tablet", "tablets"), "es": ("tableta", "tabletas")}),
    "capsule": (("capsules", "capsule", "caps", "cap", "cápsulas", "cápsula", "capsulas", "capsula"),
                {"en": ("capsule", "capsules"), "es": ("cápsula", "cápsulas")}),
    "puff": (("puffs", "puff", "disparos", "disparo"), {"en": ("puff", "puffs"), "es": ("inhalación", "inhalaciones")}),
    "inhalation": (("inhalations", "inhalation", "inhalaciones", "inhalación", "inhalacion"),
                   {"en": ("inhalation", "inhalations"), "es": ("inhalación", "inhalaciones")}),
    "drop": (("drops", "drop", "gtts", "gtt", "gts", "gt", "gotas", "gota"),
             {"en": ("drop", "drops"), "es": ("gota", "gotas")}),
    "patch": (("patches", "patch", "parches", "parche"), {"en": ("patch", "patches"), "es": ("parche", "parches")}),
    "spray": (("sprays", "spray", "atomizaciones", "atomización"),
              {"en": ("spray", "sprays"), "es": ("atomización", "atomizaciones")}),
    "suppository": (("suppositories", "suppository", "supp", "supositorios", "supositorio"),
                    {"en": ("suppository", "suppositories"), "es": ("supositorio", "supositorios")}),
    "unit": (("units", "unit", "unidades", "unidad"), {"en": ("unit", "units"), "es": ("unidad", "unidades")}),
    "application": (("applications", "application", "aplicaciones", "aplicación"),
                    {"en": ("application", "applications"), "es": ("aplicación", "aplicaciones")}),
    "packet": (("packets", "packet", "sachets", "sachet", "sobres", "sobre"),
               {"en": ("packet", "packets"), "es": ("sobre", "sobres")}),
    "teaspoon": (("teaspoons", "teaspoon", "tsp", "cucharaditas", "cucharadita"),
                 {"en": ("teaspoon", "teaspoons"), "es": ("cucharadita", "cucharaditas")}),
    "tablespoon": (("tablespoons", "tablespoon", "tbsp", "cucharadas", "cucharada"),
                   {"en": ("tablespoon", "tablespoons"), "es": ("cucharada", "cucharadas")}),
}
_SPELLING_TO_FORM = {spelling: form for form, (spellings, _) in _FORMS.items() for spelling in spellings}
_FORM_RE = "|".join(re.escape(s) for s in sorted(_SPELLING_TO_FORM, key=len, reverse=True))
_SPELLING_TO_FORM["u"] = "unit"  # only an upper-case "U" ("10 U"): read by its own case-sensitive rule

# Units that are symbols: copied exactly as typed, in either language (never "mg" to "miligramos", never IU to UI).
_SYMBOLS = r"(?:mcg|µg|mg|mEq|mmol|mL|ml|IU|UI|gm|g|L|cc|%)(?:\s*/\s*(?:24\s*h(?:rs?|ours?)?|h(?:r|our)?|d(?:ay)?|kg))?"

_ROUTES = {
    # key: (verb en, route phrase en, verb es, route phrase es)
    "oral": ("Take", "by mouth", "Tome", "por la boca"),
    "sublingual": ("Put", "under your tongue", "Ponga", "debajo de la lengua"),
    "subq": ("Inject", "under the skin", "Inyecte", "debajo de la piel"),
    "im": ("Inject", "into a muscle", "Inyecte", "en un músculo"),
    "iv": ("Give", "into a vein", "Ponga", "en la vena"),
    "rectal": ("Put", "in the rectum", "Ponga", "en el recto"),
    "vaginal": ("Put", "in the vagina", "Ponga", "en la vagina"),
    "topical": ("Apply", "to the skin", "Aplique", "sobre la piel"),
    "wound": ("Apply", "to the wound", "Aplique", "en la herida"),
    "affected_area": ("Apply", "to the affected area", "Aplique", "en la zona afectada"),
    "transdermal": ("Put on", "", "Póngase", ""),
    "inhaled": ("Inhale", "", "Inhale", ""),
    "nebulizer": ("Inhale", "with your nebulizer", "Inhale", "con su nebulizador"),
    "eye": ("Put", "in the eye", "Ponga", "en el ojo"),
    "eye_each": ("Put", "in each eye", "Ponga", "en cada ojo"),
    "eye_right": ("Put", "in the right eye", "Ponga", "en el ojo derecho"),
    "eye_left": ("Put", "in the left eye", "Ponga", "en el ojo izquierdo"),
    "eye_affected": ("Put", "in the affected eye", "Ponga", "en el ojo afectado"),
    "ear": ("Put", "in the ear", "Ponga", "en el oído"),
    "ear_each": ("Put", "in each ear", "Ponga", "en cada oído"),
    "ear_right": ("Put", "in the right ear", "Ponga", "en el oído derecho"),
    "ear_left": ("Put", "in the left ear", "Ponga", "en el oído izquierdo"),
    "nasal": ("Use", "in the nose", "Use", "en la nariz"),
    "nasal_each": ("Use", "in each nostril", "Use", "en cada fosa nasal"),
}
# A generic route ("topical", "ophthalmic") may be made precise by a site typed elsewhere ("to wound", "each eye").
_ROUTE_FAMILY = {"wound": "topical", "affected_area": "topical", "eye_each": "eye", "eye_right": "eye",
                 "eye_left": "eye", "eye_affected": "eye", "ear_each": "ear", "ear_right": "ear", "ear_left": "ear",
                 "nasal_each": "nasal", "nebulizer": "inhaled"}

_ROUTE_SPELLINGS = [
    ("oral", r"p\.?o\.?|orally|oral|by\s+mouth|per\s+os|v\.?o\.?|(?:por\s+)?v[ií]a\s+oral|por\s+la\s+boca|por\s+boca"),
    ("sublingual", r"s\.?l\.?|sublingual(?:ly)?|under\s+(?:the|your)\s+tongue|debajo\s+de\s+la\s+lengua"),
    ("subq", r"s\.?q\.?|s\.?c\.?|sub-?q|sub-?cut|subcutaneous(?:ly)?|under\s+the\s+skin|(?:v[ií]a\s+)?subcut[aá]ne[ao]"
             r"|debajo\s+de\s+la\s+piel"),
    ("im", r"i\.?m\.?|intramuscular(?:ly)?|into\s+(?:the|a)\s+muscle|en\s+el\s+m[uú]sculo"),
    ("iv", r"(?-i:IV)|i\.v\.|intravenous(?:ly)?|into\s+a\s+vein|(?:v[ií]a\s+)?(?:intra|endo)venosa|e\.?v\.?"
           r"|en\s+la\s+vena"),
    ("rectal", r"p\.?r\.?|rectal(?:ly)?|per\s+rectum|in\s+the\s+rectum|(?:v[ií]a\s+)?rectal|en\s+el\s+recto"),
    ("vaginal", r"vaginal(?:ly)?|in\s+the\s+vagina|(?:v[ií]a\s+)?vaginal|en\s+la\s+vagina"),
    ("wound", r"(?:to|on)\s+(?:the\s+)?wound|en\s+la\s+herida|sobre\s+la\s+herida"),
    ("affected_area", r"(?:to|on)\s+(?:the\s+)?affected\s+area|en\s+la\s+zona\s+afectada|en\s+el\s+[aá]rea\s+afectada"),
    ("topical", r"topical(?:ly)?|top|to\s+the\s+skin|on\s+the\s+skin|t[oó]pic[oa]|(?:v[ií]a\s+)?t[oó]pica"
                r"|sobre\s+la\s+piel|en\s+la\s+piel"),
    ("transdermal", r"transdermal(?:ly)?|t\.?d\.?|transd[eé]rmic[oa]|(?:v[ií]a\s+)?transd[eé]rmica"),
    ("nebulizer", r"(?:via\s+|by\s+|with\s+)?(?:a\s+)?nebuli[sz]er|nebuli[sz]ed|neb|con\s+(?:el\s+)?nebulizador"
                  r"|nebulizad[oa]"),
    ("inhaled", r"inh\.?|inhaled|inhalation|by\s+inhalation|via\s+inhaler|inhalad[oa]|(?:v[ií]a\s+)?inhalatoria"),
    ("eye_each", r"(?:in(?:to)?\s+)?(?:each|both)\s+eyes?|(?:en\s+)?(?:cada\s+ojo|ambos\s+ojos)"),
    ("eye_right", r"(?:in(?:to)?\s+)?(?:the\s+)?right\s+eye|(?:en\s+)?el\s+ojo\s+derecho"),
    ("eye_left", r"(?:in(?:to)?\s+)?(?:the\s+)?left\s+eye|(?:en\s+)?el\s+ojo\s+izquierdo"),
    ("eye_affected", r"(?:in(?:to)?\s+)?(?:the\s+)?affected\s+eyes?|(?:en\s+)?el\s+ojo\s+afectado"),
    ("eye", r"ophthalmic|oft[aá]lmic[oa]|(?:v[ií]a\s+)?oft[aá]lmica"),
    ("ear_each", r"(?:in(?:to)?\s+)?(?:each|both)\s+ears?|(?:en\s+)?(?:cada\s+o[ií]do|ambos\s+o[ií]dos)"),
    ("ear_right", r"(?:in(?:to)?\s+)?(?:the\s+)?right\s+ear|(?:en\s+)?el\s+o[ií]do\s+derecho"),
    ("ear_left", r"(?:in(?:to)?\s+)?(?:the\s+)?left\s+ear|(?:en\s+)?el\s+o[ií]do\s+izquierdo"),
    ("ear", r"otic|[oó]tic[oa]|(?:v[ií]a\s+)?[oó]tica"),
    ("nasal_each", r"(?:in(?:to)?\s+)?(?:each|both)\s+nostrils?|(?:en\s+)?cada\s+fosa\s+nasal"),
    ("nasal", r"intranasal(?:ly)?|nasal(?:ly)?|(?:v[ií]a\s+)?nasal"),
]

# PRN reasons translated with confidence: key -> (typed spellings, en words, es words after "para").
_REASONS = {
    "severe_pain": (("severe pain", "bad pain", "dolor fuerte", "dolor severo", "dolor intenso"),
                    "severe pain", "el dolor fuerte"),
    "moderate_pain": (("moderate pain", "dolor moderado"), "moderate pain", "el dolor moderado"),
    "mild_pain": (("mild pain", "dolor leve"), "mild pain", "el dolor leve"),
    "chest_pain": (("chest pain", "cp", "dolor de pecho", "dolor en el pecho", "dolor torácico"),
                   "chest pain", "el dolor de pecho"),
    "headache": (("headache", "headaches", "dolor de cabeza", "cefalea"), "headache", "el dolor de cabeza"),
    "pain": (("pain", "dolor"), "pain", "el dolor"),
    "nausea_vomiting": (("nausea/vomiting", "n/v", "nausea or vomiting", "náuseas o vómitos", "nauseas o vomitos",
                         "náuseas y vómitos"), "nausea or vomiting", "las náuseas o los vómitos"),
    "nausea": (("nausea", "náuseas", "nauseas", "náusea"), "nausea", "las náuseas"),
    "vomiting": (("vomiting", "vómitos", "vomitos"), "vomiting", "los vómitos"),
    "sob": (("shortness of breath", "short of breath", "sob", "dyspnea", "falta de aire", "disnea"),
            "shortness of breath", "la falta de aire"),
    "wheezing": (("wheezing", "wheeze", "silbido al respirar", "sibilancias"), "wheezing", "el silbido al respirar"),
    "sleep": (("sleep", "insomnia", "trouble sleeping", "dormir", "insomnio"), "sleep", "dormir"),
    "constipation": (("constipation", "estreñimiento", "estrenimiento"), "constipation", "el estreñimiento"),
    "diarrhea": (("diarrhea", "diarrea"), "diarrhea", "la diarrea"),
    "anxiety": (("anxiety", "ansiedad"), "anxiety", "la ansiedad"),
    "fever": (("fever", "fiebre"), "fever", "la fiebre"),
    "itching": (("itching", "itch", "pruritus", "picazón", "picazon", "comezón", "prurito"), "itching", "la picazón"),
    "cough": (("cough", "tos"), "cough", "la tos"),
    "heartburn": (("heartburn", "acidez"), "heartburn", "la acidez"),
    "muscle_spasms": (("muscle spasms", "muscle spasm", "spasms", "espasmos musculares", "espasmos"),
                      "muscle spasms", "los espasmos musculares"),
}
_REASON_BY_SPELLING = {spelling: key for key, (spellings, _, _) in _REASONS.items() for spelling in spellings}

_MEALS = {
    # key: (en, es, slot the meal implies or None)
    "with_food": ("with food", "con comida", None),
    "with_meals": ("with meals", "con las comidas", None),
    "before_meals": ("before meals", "antes de las comidas", None),
    "after_meals": ("after meals", "después de las comidas", None),
    "empty_stomach": ("on an empty stomach", "en ayunas", None),
    "with_breakfast": ("with breakfast", "con el desayuno", "morning"),
    "before_breakfast": ("before breakfast", "antes del desayuno", "morning"),
    "with_lunch": ("with lunch", "con el almuerzo", "noon"),
    "with_supper": ("with supper", "con la cena", "evening"),
}

_WEEKDAYS = {
    # key: (typed spellings, en "on Mondays", es "los lunes")
    "monday": (("mondays", "monday", "lunes"), "on Mondays", "los lunes"),
    "tuesday": (("tuesdays", "tuesday", "martes"), "on Tuesdays", "los martes"),
    "wednesday": (("wednesdays", "wednesday", "miércoles", "miercoles"), "on Wednesdays", "los miércoles"),
    "thursday": (("thursdays", "thursday", "jueves"), "on Thursdays", "los jueves"),
    "friday": (("fridays", "friday", "viernes"), "on Fridays", "los viernes"),
    "saturday": (("saturdays", "saturday", "sábados", "sábado", "sabado"), "on Saturdays", "los sábados"),
    "sunday": (("sundays", "sunday", "domingos", "domingo"), "on Sundays", "los domingos"),
}

_TIME_UNITS = {
    # key: (typed spellings, en (one, many), es (one, many))
    "minute": (("minutes", "minute", "mins", "min", "minutos", "minuto"), ("minute", "minutes"), ("minuto", "minutos")),
    "hour": (("hours", "hour", "hrs", "hr", "h", "horas", "hora"), ("hour", "hours"), ("hora", "horas")),
    "day": (("days", "day", "d", "días", "día", "dias", "dia"), ("day", "days"), ("día", "días")),
    "week": (("weeks", "week", "wks", "wk", "w", "semanas", "semana"), ("week", "weeks"), ("semana", "semanas")),
    "month": (("months", "month", "mos", "mo", "meses", "mes"), ("month", "months"), ("mes", "meses")),
}
_TIME_UNIT_BY_SPELLING = {s: key for key, (spellings, _, _) in _TIME_UNITS.items() for s in spellings}

_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
}

# The Universal Medication Schedule's standard times for a count per day (Wolf et al.).
_UMS_TIMES = {1: ("morning",), 2: ("morning", "evening"), 3: ("morning", "noon", "evening"),
              4: ("morning", "noon", "evening", "bedtime")}


def _alternation(spellings) -> str:
    return "|".join(re.escape(s).replace(r"\ ", r"\s+") for s in sorted(spellings, key=len, reverse=True))


_THOUSANDS = r"\d{1,3}(?:,\d{3})+(?![\d.,])"  # "1,000", "50,000": a US thousands comma, not a decimal one
_NUM = rf"(?:{_THOUSANDS}|\d+(?:[.,]\d+)?|[.,]\d+)(?:/\d+(?:[.,]\d+)?)*"
_RANGE = rf"(?P<n>{_NUM})(?:\s*(?P<dash>-|–|to|a)\s*(?P<m>{_NUM}))?"
_END = r"(?![\w/])"
_TIME_UNIT_RE = _alternation(_TIME_UNIT_BY_SPELLING)


# --- Parsing ----------------------------------------------------------------------------------------------------------


class _Conflict(Exception):
    """A second, different value for something already read (two routes, two frequencies): not composed."""


class _Sig:
    def __init__(self):
        self.amounts: list[dict] = []
        self.route: str | None = None
        self.base: tuple | None = None  # ("tpd", n) | ("interval", n, m, unit) | ("qod",) | ("weekly", n)
        self.times: list[str] = []  # slots named in the text ("qHS", "in the morning", "with breakfast")
        self.weekdays: list[str] = []
        self.meals: list[str] = []
        self.prn = False
        self.reasons: list[str] = []
        self.reason_unknown = False
        self.duration: tuple | None = None  # (n, m, unit)
        self.max_doses: str | None = None
        self.daily_limit: tuple[dict, str] | None = None  # (amount, "day" | "24h")
        self.new_patch = False
        self.notes: list[str] = []

    def set_route(self, key: str):
        current = self.route
        if current is None or current == key:
            self.route = key
        elif _ROUTE_FAMILY.get(key) == current:
            self.route = key
        elif _ROUTE_FAMILY.get(current) == key:
            pass
        else:
            raise _Conflict

    def set_base(self, value: tuple):
        if self.base is None or self.base == value:
            self.base = value
            return
        # "BID q12h" says the same thing twice; anything else is two frequencies (a taper, or a typo).
        if _per_day(self.base) is not None and _per_day(self.base) == _per_day(value):
            return
        raise _Conflict

    def add_time(self, slot: str):
        if slot not in self.times:
            self.times.append(slot)

    def add_meal(self, key: str):
        if key not in self.meals:
            self.meals.append(key)
        if _MEALS[key][2]:
            self.add_time(_MEALS[key][2])


def _per_day(base) -> int | None:
    if not base:
        return None
    if base[0] == "tpd":
        return base[1]
    if base[0] == "interval" and base[2] is None and base[3] == "hour":
        hours = _number(base[1])
        if hours and 24 % hours == 0:
            return int(24 // hours)
    return None


def _number(text: str):
    """The value of a typed number ("1/2", "0,5", "2", "1,000"), to choose singular or plural; None when not one
    number."""
    if re.fullmatch(_THOUSANDS, text):
        return Fraction(text.replace(",", ""))
    parts = text.replace(",", ".").split("/")
    try:
        if len(parts) == 1:
            return Fraction(parts[0])
        if len(parts) == 2:
            return Fraction(parts[0]) / Fraction(parts[1])
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return None  # "8.6/50" is a combination strength, not a count


def _rule(pattern: str, handler, fields=("route", "frequency", "dose")):
    return re.compile(rf"(?:{pattern}){_END}", re.IGNORECASE), handler, fields


def _amount(sig, m):
    if m.groupdict().get("form"):
        form = _SPELLING_TO_FORM[m.group("form").lower()]
        sig.amounts.append({"n": m.group("n"), "m": m.group("m"), "form": form, "symbol": None})
    else:
        symbol = re.sub(r"\s+", " ", m.group("symbol"))
        sig.amounts.append({"n": m.group("n"), "m": m.group("m"), "form": None, "symbol": symbol})


def _layer(kind):
    def handler(sig, m):
        sig.amounts.append({"n": None, "m": None, "form": kind, "symbol": None})
    return handler


def _set(attr, value):
    def handler(sig, m):
        getattr(sig, attr)(value() if callable(value) else value)
    return handler


def _interval(sig, m):
    unit = _TIME_UNIT_BY_SPELLING[m.group("unit").lower()]
    sig.set_base(("interval", m.group("n"), m.group("m"), unit))


def _times_per(unit):
    def handler(sig, m):
        count = _WORD_NUMBERS.get(m.group("k").lower(), m.group("k"))
        sig.set_base(("tpd", int(count)) if unit == "day" else ("weekly", int(count)))
    return handler


def _duration(sig, m):
    if sig.duration is not None:
        raise _Conflict
    sig.duration = (m.group("n"), m.group("m"), _TIME_UNIT_BY_SPELLING[m.group("unit").lower()])


def _max_doses(sig, m):
    if sig.max_doses is not None:
        raise _Conflict
    sig.max_doses = m.group("k")


def _daily_limit(sig, m):
    """"max 3,000 mg/day": the most to take in one day (or in 24 hours, when that is what was typed)."""
    form = m.group("form")
    amount = {"n": m.group("n"), "m": None, "form": _SPELLING_TO_FORM[form.lower()] if form else None,
              "symbol": m.group("symbol")}
    span = "24h" if m.group("hours") or m.group("hours2") else "day"
    if sig.daily_limit is not None and sig.daily_limit != (amount, span):
        raise _Conflict
    sig.daily_limit = (amount, span)


def _weekday(key):
    def handler(sig, m):
        if sig.base is None:
            sig.set_base(("weekly", 1))
        elif sig.base[0] != "weekly":
            raise _Conflict  # "daily on Mondays"
        if key not in sig.weekdays:
            sig.weekdays.append(key)
    return handler


def _times(*slots):
    def handler(sig, m):
        for slot in slots:
            sig.add_time(slot)
    return handler


def _new_patch(sig, m):
    sig.new_patch = True


def _ignore(sig, m):
    pass


_WORD_NUMBERS = {"once": "1", "one": "1", "twice": "2", "two": "2", "three": "3", "four": "4", "una": "1",
                 "dos": "2", "tres": "3", "cuatro": "4"}
_COUNT = r"(?P<k>\d|once|twice|one|two|three|four|una|dos|tres|cuatro)"
_A_DAY = r"(?:(?:a|per|each|every)\s+day|daily|al\s+d[ií]a|por\s+d[ií]a|/\s*d[ií]a|/\s*day|diari[oa]s?|/d|qd)"
_A_WEEK = r"(?:(?:a|per|each|every)\s+week|weekly|a\s+la\s+semana|por\s+semana|/\s*semana|/\s*wk|/\s*week|semanal)"
_TIMES = r"(?:\s*(?:times?|x|veces|vez)\s*)"

_RULES = [
    # Amounts (only read in the dose field: a number in a frequency is never taken as a dose).
    _rule(rf"{_RANGE}\s*(?P<form>{_FORM_RE})\.?", _amount, ("dose",)),
    _rule(rf"{_RANGE}\s*(?P<form>(?-i:U))", _amount, ("dose",)),
    _rule(rf"{_RANGE}\s*(?P<symbol>{_SYMBOLS})", _amount, ("dose",)),
    _rule(r"(?:a\s+)?thin\s+(?:layer|film)|una\s+capa\s+(?:fina|delgada)", _layer("layer"), ("dose",)),
    _rule(r"(?:a\s+)?small\s+amount|una\s+pequeña\s+cantidad|un\s+poco", _layer("small_amount"), ("dose",)),
    # Intervals: q6h, q4-6h, every 6 hours, cada 8 horas, c/8h, q 6 h, q5min, every 3 days.
    _rule(rf"(?:q\.?|every|each|cada|c/)\s*(?P<n>\d+)(?:\s*(?:-|–|to|a)\s*(?P<m>\d+))?\s*(?P<unit>{_TIME_UNIT_RE})\.?",
          _interval),
    # Counts a day.
    _rule(rf"q\.?d\.?|daily|once\s+(?:a\s+day|daily)|every\s+day|each\s+day|1{_TIMES}{_A_DAY}|{_COUNT}(?:{_TIMES}|\s*){_A_DAY}"
          rf"|diariamente|todos\s+los\s+d[ií]as|cada\s+d[ií]a|qday|(?:una|1)\s+vez\s+(?:al|por|a)\s+d[ií]a",
          lambda sig, m: sig.set_base(("tpd", int(_WORD_NUMBERS.get((m.groupdict().get("k") or "1").lower(),
                                                                        m.groupdict().get("k") or "1"))))),
    _rule(rf"{_COUNT}(?:{_TIMES}|\s*){_A_WEEK}", _times_per("week")),
    _rule(r"b\.?i\.?d\.?|twice", lambda sig, m: sig.set_base(("tpd", 2))),
    _rule(r"t\.?i\.?d\.?", lambda sig, m: sig.set_base(("tpd", 3))),
    _rule(r"q\.?i\.?d\.?", lambda sig, m: sig.set_base(("tpd", 4))),
    _rule(rf"(?P<k>\d+){_TIMES}{_A_DAY}", _times_per("day")),
    _rule(r"(?:q\.?\s*o\.?\s*d\.?|every\s+other\s+day|on\s+alternate\s+days|alternate\s+days|cada\s+otro\s+d[ií]a"
          r"|un\s+d[ií]a\s+s[ií]\s+y\s+(?:un\s+d[ií]a\s+no|otro\s+no)|(?:en\s+)?d[ií]as\s+alternos)",
          lambda sig, m: sig.set_base(("qod",))),
    _rule(r"weekly|once\s+(?:a\s+)?week(?:ly)?|every\s+week|q\.?\s*(?:1\s*)?(?:wk|week)|semanal(?:mente)?"
          r"|cada\s+semana|(?:una|1)\s+vez\s+(?:a\s+la|por)\s+semana", lambda sig, m: sig.set_base(("weekly", 1))),
    # Times of day.
    _rule(r"q\.?\s*h\.?\s*s\.?|h\.?s\.?|(?:at|before)\s+bedtime|bedtime|at\s+night|nightly|every\s+night|each\s+night"
          r"|(?:al|antes\s+de)\s+acostarse|antes\s+de\s+dormir|por\s+la\s+noche|en\s+la\s+noche|cada\s+noche",
          _times("bedtime")),
    _rule(r"q\.?\s*a\.?\s*m\.?|(?:every|each)\s+(?:morning|a\.?m\.?)|in\s+the\s+morning|a\.?m\.?|mornings?"
          r"|por\s+la\s+ma[ñn]ana|en\s+la\s+ma[ñn]ana|cada\s+ma[ñn]ana|(?:todas\s+)?las\s+ma[ñn]anas",
          _times("morning")),
    _rule(r"(?:at\s+)?noon|midday|al\s+mediod[ií]a|mediod[ií]a", _times("noon")),
    _rule(r"q\.?\s*p\.?\s*m\.?|(?:every|each)\s+(?:evening|p\.?m\.?)|in\s+the\s+evening|p\.?m\.?|evenings?"
          r"|por\s+la\s+tarde|en\s+la\s+tarde|cada\s+tarde", _times("evening")),
    # Meals.
    _rule(r"a\.?c\.?\s*(?:&|and|\+|y)?\s*h\.?s\.?", lambda sig, m: (sig.add_meal("before_meals"),
                                                                     sig.add_time("bedtime"))),
    _rule(r"a\.?c\.?|before\s+(?:meals|eating)|antes\s+de\s+(?:las\s+)?comidas|antes\s+de\s+comer",
          _set("add_meal", "before_meals")),
    _rule(r"p\.?c\.?|after\s+(?:meals|eating)|despu[eé]s\s+de\s+(?:las\s+)?comidas|despu[eé]s\s+de\s+comer",
          _set("add_meal", "after_meals")),
    _rule(r"with\s+(?:each\s+)?meals|con\s+(?:las|cada)\s+comidas?", _set("add_meal", "with_meals")),
    _rule(r"with\s+(?:food|a\s+meal|a\s+snack)|con\s+(?:la\s+)?comida|con\s+alimentos?",
          _set("add_meal", "with_food")),
    _rule(r"(?:on\s+an?\s+)?empty\s+stomach|en\s+ayunas", _set("add_meal", "empty_stomach")),
    _rule(r"with\s+breakfast|con\s+el\s+desayuno", _set("add_meal", "with_breakfast")),
    _rule(r"before\s+breakfast|antes\s+del\s+desayuno", _set("add_meal", "before_breakfast")),
    _rule(r"with\s+lunch|con\s+el\s+almuerzo", _set("add_meal", "with_lunch")),
    _rule(r"with\s+(?:supper|dinner)|con\s+la\s+cena", _set("add_meal", "with_supper")),
    # Duration and limits.
    _rule(rf"(?:x|for|por|durante)\s*(?P<n>\d+)(?:\s*(?:-|–|to|a)\s*(?P<m>\d+))?\s*(?P<unit>{_TIME_UNIT_RE})\.?"
          r"(?:\s+only|\s+solamente)?", _duration),
    _rule(r"(?:max(?:imum)?\.?(?:\s+of)?|no\s+more\s+than|(?:do\s+)?not\s+(?:to\s+)?exceed|NTE|m[aá]x(?:imo)?\.?"
          r"(?:\s+de)?|no\s+m[aá]s\s+de|sin\s+pasar\s+de)\s*"
          rf"(?P<n>{_NUM})\s*(?:(?P<form>{_FORM_RE})\.?|(?P<symbol>mcg|µg|mg|mEq|mmol|mL|ml|IU|UI|gm|g|L|cc))"
          r"\s*(?:/\s*(?:(?P<hours>24\s*h(?:rs?|ours?)?)|d(?:ay)?|d[ií]a)"
          r"|\s+(?:a|per|each|every|in\s+(?:a|one|1))\s+day|\s+(?:al|por|en\s+un|cada)\s+d[ií]a"
          r"|\s+(?:in|en|per|every|cada)\s+(?P<hours2>24\s*h(?:rs?|ours?|oras)?))", _daily_limit),
    _rule(r"(?:x|up\s+to|max(?:imum)?\.?(?:\s+of)?|hasta|m[aá]ximo)\s*(?P<k>\d+)\s*(?:doses|dose|dosis)",
          _max_doses),
    # Patches replaced each day.
    _rule(r"(?:apply\s+|put\s+on\s+)?(?:a\s+)?new\s+patch|(?:un\s+)?parche\s+nuevo", _new_patch),
    # Words that carry nothing the sentence does not already say.
    _rule(r"scheduled|regularly|programad[oa]|take|tome|tomar|give|use|usar|apply|aplique|aplicar|inject|inyecte"
          r"|inyectar|inhale|inhalar|put|ponga|and|y", _ignore),
]
_RULES += [_rule(r"(?:on\s+|every\s+|los\s+)?(?:" + _alternation(spellings) + ")", _weekday(key))
           for key, (spellings, _, _) in _WEEKDAYS.items()]
# Routes first: "to the wound" before the filler words. A lowercase "iv" is more often a roman numeral than a
# route, so only "IV" and "i.v." are read.
_RULES[0:0] = [_rule(spelling, _set("set_route", key)) for key, spelling in _ROUTE_SPELLINGS]

_PRN = re.compile(r"(?:p\.?r\.?n\.?|as\s+needed|if\s+needed|when\s+needed|only\s+if\s+needed|s\.?o\.?s\.?"
                  r"|seg[uú]n\s+(?:sea\s+)?necesari[oa]|seg[uú]n\s+necesidad|si\s+(?:lo\s+)?necesita|si\s+es\s+necesario"
                  r"|en\s+caso\s+necesario|a\s+demanda)" + _END, re.IGNORECASE)
_REASON_INTRO = re.compile(r"(?:for|para|por|de|if\s+you\s+have|si\s+tiene)\s+", re.IGNORECASE)
_REASON = re.compile(r"(?:(?:the|el|la|los|las)\s+)?(?:" + _alternation(_REASON_BY_SPELLING) + r")(?![\w])",
                     re.IGNORECASE)
_REASON_JOIN = re.compile(r"\s*(?:/|,|\bor\b|\bo\b|\band\b|\by\b|&)\s*", re.IGNORECASE)
_SEQUENCE = re.compile(r"\b(?:then|followed\s+by|taper|luego|despu[eé]s\s+(?!de\b|del\b)|y\s+despu[eé]s)",
                       re.IGNORECASE)
# The comma of "3,000" is part of the number, never a break between words; any other comma is.
_IN_NUMBER = r"(?<=\d),(?=\d{3}(?!\d))"
_COMMA = r"(?:(?<!\d),|,(?!\d{3}(?!\d)))"
_SEPARATORS = re.compile(rf"(?:[\s;:()\[\]+&=]|{_COMMA}|\.(?!\d)|/(?!\d)|-(?=\s)|–)+")
_HARD_BREAK = re.compile(rf"[;()\[\]\n]|{_COMMA}")
_WORD = re.compile(rf"(?:[^\s,;()\[\]]|{_IN_NUMBER})+")


def _scan(text: str, field: str, sig: _Sig) -> list[str]:
    """Reads `text` into `sig`; returns the chunks it could not read, as typed."""
    spans: list[tuple[int, int, str]] = []  # (start, end, "known" | "filler" | "unknown")
    pos = 0
    while pos < len(text):
        gap = _SEPARATORS.match(text, pos)
        if gap:
            pos = gap.end()
            continue
        end, kind = _read_one(text, pos, field, sig)
        if end is None:
            word = _WORD.match(text, pos)
            end = word.end() if word else pos + 1
            kind = "unknown"
        spans.append((pos, end, kind))
        pos = end
    # Unknown words, with the filler words and spaces between them, make one chunk ("take as directed by Dr. Lee"):
    # a reader sees the phrase as typed, not scattered words. Punctuation such as a comma ends a chunk.
    chunks, current = [], None
    for start, end, kind in spans:
        if kind == "known" or (current and _hard_break(text, current[1], start)):
            if current and current[2]:
                chunks.append(text[current[0]:current[1]])
            current = None
        if kind == "known":
            continue
        if current is None:
            current = [start, end, kind == "unknown"]
        else:
            current[1], current[2] = end, current[2] or kind == "unknown"
    if current and current[2]:
        chunks.append(text[current[0]:current[1]])
    return [chunk.strip(" .,;:-") for chunk in chunks if chunk.strip(" .,;:-")]


def _hard_break(text: str, start: int, end: int) -> bool:
    """Whether punctuation between two words ends a chunk (searched in the whole text: "3,000" looks ahead)."""
    found = _HARD_BREAK.search(text, start)
    return found is not None and found.start() < end


def _read_one(text: str, pos: int, field: str, sig: _Sig):
    prn = _PRN.match(text, pos)
    if prn and field != "dose":
        return _read_prn(text, prn.end(), sig), "known"
    for pattern, handler, fields in _RULES:
        if field not in fields:
            continue
        match = pattern.match(text, pos)
        if not match or not match.group(0).strip():
            continue
        try:
            handler(sig, match)
        except _Conflict:
            sig.notes.append(f"{field} '{text.strip()}': '{match.group(0)}' contradicts what another part says; "
                             "left out of the sentence")
            return match.end(), "unknown"
        return match.end(), "filler" if handler is _ignore else "known"
    return None, None


def _read_prn(text: str, pos: int, sig: _Sig) -> int:
    """After "PRN": the reasons, when we know how to say them ("pain", "SOB/wheeze"); else they stay unread."""
    sig.prn = True
    start = pos
    space = re.match(r"\s*", text[pos:])
    pos += space.end()
    intro = _REASON_INTRO.match(text, pos)
    at = intro.end() if intro else pos
    reasons, end = [], None
    while True:
        reason = _REASON.match(text, at)
        if not reason:
            break
        spelling = re.sub(r"^(?:the|el|la|los|las)\s+", "", re.sub(r"\s+", " ", reason.group(0).lower()))
        reasons.append(_REASON_BY_SPELLING[spelling])
        end = reason.end()
        join = _REASON_JOIN.match(text, end)
        if not join:
            break
        at = join.end()
    if reasons:
        for key in reasons:
            if key not in sig.reasons:
                sig.reasons.append(key)
        return end
    if intro:
        sig.reason_unknown = True  # "PRN for muscle cramps": the words after "for" are read as unknown
    return start


# --- Composing --------------------------------------------------------------------------------------------------------


def _language(lang) -> str:
    code = str(lang or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def _field(medication: dict, key: str) -> str:
    value = medication.get(key)
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


_PER_HOURS = re.compile(r"/\s*(\d+)\s*(?:h|hr|hrs)\b\.?", re.IGNORECASE)


def _written_number(typed: str | None, lang: str) -> str | None:
    """The typed number, untouched but for a thousands comma in Spanish (see the module docstring): "1,000" is
    "1000" and "50,000" is "50 000" (a no-break space), never a comma a reader could take for a decimal mark."""
    if typed is None or lang == "en" or not re.fullmatch(_THOUSANDS, typed):
        return typed
    digits = typed.replace(",", "")
    if len(digits) <= 4:
        return digits
    head = len(digits) % 3 or 3
    return "\u00a0".join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])


def _count_words(amount: dict, lang: str, new: bool = False) -> str:
    """"2 tablets", "1 a 2 tabletas", "40 mg": the typed number untouched, the form word in the language."""
    n, m, form, symbol = amount["n"], amount["m"], amount["form"], amount["symbol"]
    value = _number(m or n) if n else None
    n, m = _written_number(n, lang), _written_number(m, lang)
    if form == "layer":
        return {"en": "a thin layer", "es": "una capa fina"}[lang]
    if form == "small_amount":
        return {"en": "a small amount", "es": "una pequeña cantidad"}[lang]
    number = f"{n} {'to' if lang == 'en' else 'a'} {m}" if m else n
    if symbol is not None:
        # A rate's time in words, as the dose itself reads after the glossary: "21 mg/24 h" is "21 mg/24 hours".
        symbol = _PER_HOURS.sub(lambda rate: f"/{rate.group(1)} {'hours' if lang == 'en' else 'horas'}", symbol)
        return f"{number} {symbol}"
    plural = value is None or value > 1
    word = _FORMS[form][1][lang][1 if plural else 0]
    if new and form == "patch":  # "1 new patch", "1 parche nuevo"
        word = f"new {word}" if lang == "en" else f"{word} {'nuevos' if plural else 'nuevo'}"
    return f"{number} {word}"


def _amount_text(amounts: list[dict], lang: str, new: bool = False) -> tuple[str, str]:
    """(the whole amount, the short amount repeated for later times): "2 tablets (8.6/50 mg)", "2 tablets"."""
    if not amounts:
        return "", ""
    counted = [a for a in amounts if a["form"]]
    primary = counted[0] if counted else amounts[0]
    others = [a for a in amounts if a is not primary]
    short = _count_words(primary, lang, new)
    whole = short + (f" ({', '.join(_count_words(a, lang) for a in others)})" if others else "")
    return whole, short


def _join(items: list[str], lang: str) -> str:
    conj = "and" if lang == "en" else "y"
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} {conj} {items[1]}"
    return ", ".join(items[:-1]) + ("," if lang == "en" else "") + f" {conj} {items[-1]}"


def _frequency_words(base, lang: str) -> str:
    if base is None:
        return ""
    en = lang == "en"
    if base[0] == "tpd":
        n = base[1]
        if n == 1:
            return "once a day" if en else "una vez al día"
        return f"{n} times a day" if en else f"{n} veces al día"
    if base[0] == "weekly":
        n = base[1]
        if n == 1:
            return "once a week" if en else "una vez a la semana"
        return f"{n} times a week" if en else f"{n} veces a la semana"
    if base[0] == "qod":
        return "every other day" if en else "un día sí y otro no"
    _, n, m, unit = base
    one, many = _TIME_UNITS[unit][1 if en else 2]
    if m:
        return f"every {n} to {m} {many}" if en else f"cada {n} a {m} {many}"
    if n == "1":
        return f"every {one}" if en else f"cada {one}"
    return f"every {n} {many}" if en else f"cada {n} {many}"


def _format_until(iso: date, lang: str) -> str:
    month = _MONTHS[lang][iso.month - 1]
    return f"{month} {iso.day}, {iso.year}" if lang == "en" else f"{iso.day} de {month} de {iso.year}"


def _verb(sig: _Sig, amount_form: str | None, lang: str) -> tuple[str, str]:
    """(verb, route phrase) for the route and the form: puffs are inhaled, patches put on, drops put in."""
    en = lang == "en"
    route = sig.route
    verb, phrase = None, ""
    if route:
        entry = _ROUTES[route]
        verb, phrase = (entry[0], entry[1]) if en else (entry[2], entry[3])
    if amount_form == "puff":
        verb = "Inhale" if en else "Haga"
        phrase = "" if route in (None, "inhaled", "oral") else phrase
    elif amount_form == "inhalation":
        verb = "Take" if en else "Haga"
        phrase = "" if route in (None, "inhaled", "oral") else phrase
    elif amount_form == "patch" or (route == "transdermal"):
        verb = "Put on" if en else "Póngase"
        phrase = ""
    elif amount_form == "drop" and verb is None:
        verb = "Put" if en else "Ponga"
    elif amount_form == "suppository" and verb is None:
        verb = "Put" if en else "Ponga"
    elif amount_form in ("spray", "unit") and verb is None:
        verb = "Use"  # the same word in both languages
    elif amount_form in ("application", "layer", "small_amount") and verb is None:
        verb = "Apply" if en else "Aplique"
    return verb or ("Take" if en else "Tome"), phrase


def _slots_from(sig: _Sig) -> tuple[str, ...]:
    """UMS slots from the frequency alone (nothing ticked)."""
    if sig.prn:
        return ("as_needed",)
    if sig.times:
        return tuple(s for s in _TIMED if s in sig.times)
    per_day = _per_day(sig.base)
    if sig.base and sig.base[0] == "interval" and per_day not in (1, 2):
        return ()  # every 4, 6 or 8 hours does not fall on morning, noon, evening and bedtime
    if per_day in _UMS_TIMES:
        return _UMS_TIMES[per_day]
    if sig.base is None and set(sig.meals) & {"with_meals", "before_meals", "after_meals"}:
        return _UMS_TIMES[3]
    return ()


def _dose_form(sig: _Sig) -> str | None:
    counted = [a for a in sig.amounts if a["form"]]
    return counted[0]["form"] if counted else None


def _period_words(sig: _Sig, lang: str) -> str:
    """What times of day do not say: "every other day", "once a week", "on Mondays", "every 3 days"."""
    if sig.weekdays:
        return _join([_WEEKDAYS[d][1 if lang == "en" else 2] for d in _WEEKDAYS if d in sig.weekdays], lang)
    if sig.base and (sig.base[0] in ("qod", "weekly") or (sig.base[0] == "interval" and sig.base[3] != "hour"
                                                          and sig.base[3] != "minute")):
        return _frequency_words(sig.base, lang)
    return ""


def compose(medication: dict, lang: str, *, until_text: str | None = None) -> Instruction:
    """One explicit sentence for one medication entry, in `lang` ("en" or "es"); see the module docstring.

    `until_text`: the `until` date already formatted in the patient's language ("Tuesday, December 1, 2026"); when
    omitted the date is written here ("December 1, 2026", "1 de diciembre de 2026").
    """
    language = _language(lang)
    entry = medication if isinstance(medication, dict) else {}
    try:
        return _compose(entry, language, until_text)
    except Exception as error:  # pragma: no cover - a bug here must not take the patient's whole summary down
        source = tuple(s for s in (_field(entry, k) for k in ("dose", "route", "frequency")) if s)
        return Instruction(language, "", "", (), source, False, (f"instruction not composed: {error!r}",), "")


def _compose(medication: dict, lang: str, until_text) -> Instruction:
    en = lang == "en"
    sig = _Sig()
    untranslated: list[str] = []
    untranslated += _scan(_field(medication, "route"), "route", sig)
    frequency = _field(medication, "frequency")
    if _SEQUENCE.search(frequency):
        # A taper or a sequence ("2 tabs daily x 3 days, then 1 tab daily") is more than one sentence can say safely:
        # none of it is composed, all of it is shown as typed.
        untranslated.append(frequency)
        sig.notes.append(f"frequency '{frequency}' is a sequence or taper; left out of the sentence")
    else:
        untranslated += _scan(frequency, "frequency", sig)
    dose = _field(medication, "dose")
    if dose:
        # The dose is read into a copy first: if any word of it is not understood, none of it is used.
        trial = _Sig()
        trial.__dict__.update({k: list(v) if isinstance(v, list) else v for k, v in sig.__dict__.items()})
        if _scan(dose, "dose", trial) or not trial.amounts:
            untranslated.insert(0, dose)
            sig.notes += [n for n in trial.notes if n not in sig.notes]
            sig.notes.append(f"dose '{dose}' not understood as a whole; left out of the sentence")
        else:
            sig = trial
    parsed = not untranslated

    # The reason after PRN; else the purpose, when it is exactly a reason we know ("Pain").
    if sig.prn and not sig.reasons and not sig.reason_unknown:
        purpose = re.sub(r"\s+", " ", _field(medication, "purpose").lower().strip(" ."))
        if purpose in _REASON_BY_SPELLING:
            sig.reasons.append(_REASON_BY_SPELLING[purpose])

    # Slots: the ticked schedule wins; the frequency gives them when nothing is ticked.
    raw = medication.get("schedule")
    schedule = [s for s in raw if isinstance(s, str)] if isinstance(raw, list) else []
    if any(s not in SLOTS for s in schedule):
        sig.notes.append(f"schedule values not known, ignored: {', '.join(s for s in schedule if s not in SLOTS)}")
    ticked = tuple(s for s in SLOTS if s in schedule)
    slots = ticked or _slots_from(sig)
    if ticked:
        sig.notes += _disagreements(ticked, sig, _field(medication, "frequency"))
    timed = [s for s in slots if s != "as_needed"]
    as_needed = sig.prn or "as_needed" in slots
    # The times the sentence names: the ticked (or UMS) times; for an entry ticked "only if needed", the times its
    # sig names ("qHS PRN sleep": at bedtime). A derived every-12-hours stays "every 12 hours" in words.
    if ticked or not (sig.base and sig.base[0] == "interval"):
        text_times = timed or ([s for s in _TIMED if s in sig.times] if as_needed else [])
    else:
        text_times = []

    form = _dose_form(sig)
    new = sig.new_patch and (form == "patch" or sig.route == "transdermal")
    whole, short = _amount_text(sig.amounts, lang, new)
    verb, route_words = _verb(sig, form, lang)
    if sig.route == "transdermal" and form is None and whole:
        # "21 mg/24 h" is the strength of one patch: "a 21 mg/24 h patch", never an invented count.
        first = short = (f"a {'new ' if new else ''}{whole} patch" if en
                         else f"un parche {'nuevo ' if new else ''}de {whole}")
    elif form == "capsule" and sig.route == "inhaled":
        first, short = ((f"the powder from {whole}", f"the powder from {short}") if en
                        else (f"el polvo de {whole}", f"el polvo de {short}"))
    elif whole:
        first = whole
    elif verb in ("Apply", "Aplique"):
        first = short = ""
    else:
        first = short = "your dose" if en else "su dosis"

    words = [verb, first, route_words]
    qualifiers = []
    period = _period_words(sig, lang)
    if text_times:
        slot_words = _SLOT_WORDS[lang]
        words.append(_join([slot_words[text_times[0]]] + [f"{short} {slot_words[s]}".strip()
                                                           for s in text_times[1:]], lang))
        qualifiers.append(period)
    elif period and sig.weekdays:
        words.append(period)
    elif sig.base:
        words.append(_frequency_words(sig.base, lang))
    qualifiers += [_MEALS[m][0 if en else 1] for m in sig.meals]
    if as_needed:
        needed = "only if needed" if en else "solo si lo necesita"
        reasons = [_REASONS[r][1 if en else 2] for r in sig.reasons]
        if reasons:
            needed += (" for " + " or ".join(reasons)) if en else (" para " + " o ".join(reasons))
        if timed and "as_needed" in slots:
            needed = ("and more " if en else "y más ") + needed
        qualifiers.append(needed)
    if sig.max_doses:
        qualifiers.append(f"up to {sig.max_doses} doses" if en else f"hasta {sig.max_doses} dosis")
    if sig.daily_limit:
        limit, span = sig.daily_limit
        most = _count_words(limit, lang)
        if en:
            qualifiers.append(f"no more than {most} {'in 24 hours' if span == '24h' else 'in one day'}")
        else:
            qualifiers.append(f"no más de {most} {'en 24 horas' if span == '24h' else 'en un día'}")
    if sig.duration:
        n, m, unit = sig.duration
        one, many = _TIME_UNITS[unit][1 if en else 2]
        span = f"{n} {'to' if en else 'a'} {m}" if m else n
        qualifiers.append(f"{'for' if en else 'durante'} {span} {one if not m and n == '1' else many}")

    until_iso, until_raw = "", _field(medication, "until")
    if until_raw:
        until_date = None
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", until_raw):
            try:
                until_date = date.fromisoformat(until_raw)
            except ValueError:
                pass
        if until_date:
            until_iso = until_date.isoformat()
            shown = until_text.strip() if isinstance(until_text, str) and until_text.strip() else None
            shown = shown or _format_until(until_date, lang)
            qualifiers.append(f"until {shown}" if en else f"hasta el {shown}")
        else:
            untranslated.append(until_raw)
            sig.notes.append(f"until '{until_raw}' is not a date (YYYY-MM-DD); left out of the sentence")

    sentence = " ".join(w for w in words if w)
    qualifiers = [q for q in qualifiers if q]
    if qualifiers:
        sentence += ", " + ", ".join(qualifiers)
    return Instruction(lang=lang, text=sentence + ".", amount_per_time=whole, slots=slots,
                       untranslated=tuple(dict.fromkeys(untranslated)), parsed=parsed, notes=tuple(sig.notes),
                       until=until_iso)


def _disagreements(ticked: tuple[str, ...], sig: _Sig, frequency: str) -> list[str]:
    """Where the ticked times and the typed frequency disagree: the ticked times are used, and a clinician is told."""
    notes = []
    timed = [s for s in ticked if s != "as_needed"]
    if "as_needed" in ticked and not sig.prn and sig.base is not None:
        notes.append(f"'only if needed' is ticked but the frequency '{frequency}' does not say PRN; "
                     "the summary says 'only if needed'")
    if sig.prn and timed and "as_needed" not in ticked:
        notes.append(f"the frequency '{frequency}' says PRN but only set times are ticked ({', '.join(timed)}); "
                     "the summary shows the ticked times and says 'only if needed'")
    per_day = _per_day(sig.base) if sig.base else (len(sig.times) or None)
    if timed and per_day and not sig.prn:
        if len(timed) != per_day:
            notes.append(f"the frequency '{frequency}' is {per_day} time(s) a day but {len(timed)} time(s) are ticked "
                         f"({', '.join(timed)}); the summary follows the ticked times")
        elif sig.times and set(sig.times) != set(timed):
            notes.append(f"the frequency '{frequency}' names {', '.join(sig.times)} but {', '.join(timed)} "
                         "are ticked; the summary follows the ticked times")
        elif per_day > 1 and not sig.times and tuple(timed) != _UMS_TIMES.get(per_day, tuple(timed)):
            notes.append(f"the frequency '{frequency}' usually means {', '.join(_UMS_TIMES[per_day])}; "
                         f"the ticked times ({', '.join(timed)}) are used")
        elif sig.base and sig.base[0] == "interval":
            notes.append(f"the frequency '{frequency}' is an interval; the summary shows the ticked times "
                         f"({', '.join(timed)})")
    return notes


def stop_text(medication: dict, lang: str) -> str:
    """"Stop taking Ibuprofen." / "Deje de tomar Ibuprofen.": the name exactly as typed, never translated."""
    lang = _language(lang)
    medication = medication if isinstance(medication, dict) else {}
    name = re.sub(r"\s+", " ", _field(medication, "name"))
    sig = _Sig()
    for field in ("route", "dose"):
        _scan(_field(medication, field), field, sig)
    # Inhalers, patches, drops and creams are used, not taken.
    used = sig.route in ("inhaled", "nebulizer", "transdermal", "topical", "wound", "affected_area") or \
        (sig.route or "").startswith(("eye", "ear", "nasal")) or \
        _dose_form(sig) in ("puff", "inhalation", "patch", "drop", "spray", "application")
    if lang == "en":
        return f"Stop {'using' if used else 'taking'} {name or 'this medicine'}."
    return f"Deje de {'usar' if used else 'tomar'} {name or 'este medicamento'}."
