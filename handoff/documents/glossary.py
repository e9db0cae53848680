"""Plain words for patient-facing free text: the glossary that replaces shorthand, and the terms that stay hard.

Clinicians type sigs and shorthand ("Furosemide 40 mg PO BID", "SOB at rest", "f/u with PCP in 7 days"); a patient
at home reads "by mouth twice a day", "shortness of breath", "follow up with main doctor". The glossary is
reviewed data shipped in `glossary/en.json` and `glossary/es.json`; this module only applies it.

Matching rules (why they are this strict: a wrong replacement in a medicine list is worse than a missed one):
- Whole tokens only: a term never matches inside a longer word or a hyphenated name ("PO" not in "POTASSIUM",
  "Portland" or "H2O2"; "tab" not in "K-Tab"; "HR" not in "HRT"; "PT" not in "PTT").
- Abbreviations match the spellings the glossary lists, case and dots included: "PO", "po", "p.o." but not "Po";
  "IV" but not "iv" (lowercase roman numerals number lists); "SOB" but never "sob". A spelling listed in lowercase
  also matches capitalized at the start of a sentence ("Prn" opening a line).
- Clinical words ("hypertension") match in any case, but a capitalized or upper-case form only at the start of a
  sentence or list item: mid-sentence it is most likely a name ("Eastside Cardiology", "Renal Associates"). Nor
  when a capitalized word follows: "Renal Associates" opening a line is a name too.
- Never change a meaning: a term that means two things a patient must tell apart is replaced only in a context that
  decides it, else left as typed and reported by `hard_terms` ("low sodium" before "diet" is low salt, a lab result
  otherwise; "D/C" is stop or discharge; "max 3 g daily" is a limit per day, not a dose once a day).
- Ambiguous abbreviations are replaced only in a safe context, else reported by `hard_terms`: "PT" (physical
  therapy or prothrombin time), "ER"/"ED" (also extended release, erectile dysfunction), "NC"/"SC"/"MD"/"MI"
  (also US states in addresses), "DM" (also dextromethorphan in "Mucinex DM"), "IV" (also "stage IV"), "CP", "MS";
  in Spanish text also "IRA" (renal or respiratory), "MI" (miembro inferior), "FA", "TA" outside a reading.
- Numbers, units (mg, mL, L, g, lb) and medicine names are never changed; "10 min" becomes "10 minutes".

`to_plain` is idempotent: no replacement contains a term, and an explained abbreviation ("COPD (a long-term lung
disease)") is not explained twice. It never raises on any string.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ..languages import DEFAULT_LANGUAGE, LANGUAGES

# Part of the version: changes to the matching rules re-render cached documents just as glossary edits do.
_ENGINE_REVISION = "2"

_MAX_PASSES = 4
_SENTENCE_BREAKS = ".!?:;,/\n\r"  # where a list item may start: "HTN, Hyperlipidemia"
_SENTENCE_ENDS = ".!?:\n\r"  # where a replacement starts with a capital
_OPENERS = " \t\"'“‘([{*•·–—-"


def _glossary_file(lang: str):
    return resources.files(__package__).joinpath("glossary").joinpath(f"{lang}.json")


def _glossary_version() -> str:
    digest = hashlib.sha256(_ENGINE_REVISION.encode())
    for lang in LANGUAGES:
        digest.update(lang.encode() + b"\0" + _glossary_file(lang).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


GLOSSARY_VERSION: str = _glossary_version()


def language_of(lang) -> str:
    """A shipped language from a tag such as "es-MX" or "es_US"; English for anything else."""
    code = str(lang or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


# --- The compiled glossary ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    plain: str  # replacement, or a template with {n} {m} {unit} {per} for a pattern
    hard: bool = False
    exact_forms: frozenset = frozenset()  # the spellings as listed; other case forms need a sentence start
    is_pattern: bool = False
    plain_one: str = ""
    plain_range: str = ""
    group: str = ""  # the pattern's group prefix, to read n, m and unit


@dataclass(frozen=True)
class _Glossary:
    language: str
    patterns: re.Pattern  # the patterns, tried first at each position
    by_first: dict  # lowercased first character -> regex of the literal terms that start with it
    entries: dict  # group name -> _Entry
    units: dict  # lowercased form -> {"one", "many", "per"}


def _boundary_wrap(term_regex: str, term: str) -> str:
    """A token, not part of a longer word: word characters or a hyphen may not touch a word-like edge."""
    head = "(?<![\\w-])" if re.match(r"\w", term) else ""
    tail = "(?![\\w-])" if re.search(r"\w$", term) else ""
    return head + term_regex + tail


def _literal(term: str) -> str:
    return r"\s+".join(re.escape(part) for part in term.split())


def _term_alternatives(entry: dict, case_any: bool) -> list[tuple[int, str]]:
    """(length, regex) for every spelling of one glossary entry, with its context conditions."""
    context = "".join(f"(?<!{text})" for text in entry.get("not_after", []))
    if entry.get("after"):
        context += "(?:" + "|".join(f"(?<={text})" for text in entry["after"]) + ")"
    trailer = ""
    if entry.get("not_before"):
        trailer += f"(?!{entry['not_before']})"
    if entry.get("before"):
        trailer += f"(?={entry['before']})"
    plain = entry.get("plain", "")
    glossed = [plain[len(t):] for t in entry["terms"] if plain.startswith(t) and len(plain) > len(t)]
    for rest in glossed:  # "COPD" -> "COPD (a long-term lung disease)": leave an explained term alone
        trailer += f"(?!{re.escape(rest)})"
    alternatives = []
    for term in entry["terms"]:
        if case_any:
            spelled = f"(?i:{_literal(term)})"
        else:
            spellings = [term]
            if term[:1].islower():
                spellings.append(term[0].upper() + term[1:])
            spelled = "(?:" + "|".join(_literal(s) for s in spellings) + ")"
        alternatives.append((len(term), context + _boundary_wrap(spelled, term) + trailer))
    return alternatives


def _unit_alternation(names: str, units: dict) -> str:
    forms = sorted({form for name in names.split(",") for form in units[name.strip()]["forms"]}, key=len,
                   reverse=True)
    return "|".join(re.escape(form) for form in forms)


@cache
def _glossary(lang: str) -> _Glossary:
    data = json.loads(_glossary_file(lang).read_text(encoding="utf-8"))
    units = data["units"]
    unit_forms = {form.lower(): unit for unit in units.values() for form in unit["forms"]}
    entries: dict[str, _Entry] = {}
    pattern_parts: list[str] = []
    literal_parts: list[tuple[int, int, str, str]] = []
    for index, pattern in enumerate(data.get("patterns", [])):
        group = f"p{index}"
        regex = re.sub(r"\{UNIT:([\w,\s]+)\}", lambda m: _unit_alternation(m.group(1), units), pattern["pattern"])
        regex = regex.replace("(?P<", f"(?P<{group}_")
        if pattern.get("case") == "any":
            regex = f"(?i:{regex})"
        pattern_parts.append(f"(?P<{group}>{regex})")
        entries[group] = _Entry(plain=pattern["plain"], is_pattern=True, plain_one=pattern.get("plain_one", ""),
                                plain_range=pattern.get("plain_range", ""), group=group)
    order = 0
    for section, case_default in (("abbreviations", "exact"), ("words", "any")):
        for entry in data.get(section, []):
            case_any = entry.get("case", case_default) == "any"
            group = f"t{order}"
            forms = {" ".join(term.split()) for term in entry["terms"]}
            entries[group] = _Entry(plain=entry.get("plain") or entry.get("suggestion", ""),
                                    hard=bool(entry.get("hard")), exact_forms=frozenset(forms))
            for term, (length, regex) in zip(entry["terms"], _term_alternatives(entry, case_any), strict=True):
                if not re.match(r"\w", term):
                    raise ValueError(f"glossary {lang}: a term must start with a letter or digit: {term!r}")
                firsts = {term[0].lower(), term[0].upper().lower()}
                for first in firsts:
                    literal_parts.append((length, order, first, f"(?P<{group}_{len(literal_parts)}>{regex})"))
            order += 1
    # Longest spelling first: "PRN pain" before "PRN", "O2 sat" before "O2", "HFrEF" before "HF". One regex per
    # first character: a thousand-way alternation tried at every position would be slow on a whole summary.
    literal_parts.sort(key=lambda part: (-part[0], part[1]))
    grouped: dict[str, list[str]] = {}
    for _, _, first, part in literal_parts:
        grouped.setdefault(first, []).append(part)
    return _Glossary(language=lang, patterns=re.compile("|".join(pattern_parts) or "(?!)"),
                     by_first={first: re.compile("|".join(parts)) for first, parts in grouped.items()},
                     entries=entries, units=unit_forms)


# --- Matching -------------------------------------------------------------------------------------------------------


def _at_sentence_start(text: str, start: int, breaks: str = _SENTENCE_BREAKS) -> bool:
    index = start
    while index > 0 and text[index - 1] in _OPENERS:
        index -= 1
    return index == 0 or text[index - 1] in breaks


def _entry_for(glossary: _Glossary, match: re.Match) -> _Entry:
    return glossary.entries[(match.lastgroup or "").split("_", 1)[0]]


_WORD_START = re.compile(r"(?<![\w-])\w")


def _scan(glossary: _Glossary, text: str):
    """Leftmost matches, left to right, not overlapping; at one position a pattern wins over a literal term."""
    position, length = 0, len(text)
    pattern_match = glossary.patterns.search(text)
    while position < length:
        if pattern_match is not None and pattern_match.start() < position:
            pattern_match = glossary.patterns.search(text, position)
        limit = pattern_match.start() if pattern_match is not None else length
        literal_match = None
        for start in _WORD_START.finditer(text, position, limit):
            regex = glossary.by_first.get(text[start.start()].lower())
            literal_match = regex.match(text, start.start()) if regex is not None else None
            if literal_match is not None:
                break
        match = literal_match or pattern_match
        if match is None:
            return
        yield match
        position = match.end()


_NEXT_TITLE_WORD = re.compile(r"[ \t]+([^\W\d_])([^\W\d_])")


def _name_follows(text: str, end: int) -> bool:
    """ "Renal Associates", "Cardiology Clinic": a capitalized word right after is most likely part of a name."""
    word = _NEXT_TITLE_WORD.match(text, end)
    return word is not None and word.group(1).isupper() and word.group(2).islower()


def _matches(glossary: _Glossary, text: str):
    """Every glossary match to act on, with its entry; a spelling not listed as such needs a sentence start, and
    is not part of a name there ("Renal Associates" opening a line stays as typed)."""
    for match in _scan(glossary, text):
        entry = _entry_for(glossary, match)
        if not entry.is_pattern and " ".join(match.group().split()) not in entry.exact_forms:
            if not _at_sentence_start(text, match.start()) or _name_follows(text, match.end()):
                continue
        yield match, entry


def _is_one(count: str) -> bool:
    count = count.strip()
    return count == "1" or bool(re.fullmatch(r"0*[.,]\d+|1/\d+", count))


def _render(glossary: _Glossary, entry: _Entry, match: re.Match) -> str:
    if not entry.is_pattern:
        return entry.plain
    groups = {key[len(entry.group) + 1:]: value for key, value in match.groupdict().items()
              if value is not None and key.startswith(entry.group + "_")}
    n, m = groups.get("n", ""), groups.get("m", "")
    if m and entry.plain_range:
        template = entry.plain_range
    elif not m and _is_one(n) and entry.plain_one:
        template = entry.plain_one
    else:
        template = entry.plain
    unit_text = groups.get("unit", "")
    unit = glossary.units.get(unit_text.lower())
    count = m or n
    unit_word = (unit["one"] if _is_one(count) else unit["many"]) if unit else unit_text
    replacements = {**groups, "n": n, "m": m, "unit": unit_word, "per": unit["per"] if unit else unit_text}
    # Any other named group is copied as typed: "{lead} a day" keeps "max 3 g" of "max 3 g daily".
    return re.sub(r"\{(\w+)\}", lambda placeholder: replacements.get(placeholder.group(1), ""), template)


_END = re.compile(r"\s*\Z")
_NEXT_WORD = re.compile(r"\s+(?=[^\W\d_])")


def _fit(text: str, match: re.Match, replacement: str) -> str:
    """Sentence case and spacing that fit where the replacement lands."""
    original = match.group()
    start, end = match.span()
    if replacement and original[:1].isupper() and _at_sentence_start(text, start, _SENTENCE_ENDS):
        replacement = replacement[0].upper() + replacement[1:]
    if original.endswith(".") and not replacement.endswith("."):
        # "Take b.i.d. Walk daily": the dot also ended the sentence.
        next_word = _NEXT_WORD.match(text, end)
        if _END.match(text, end) or next_word and text[next_word.end()].isupper():
            replacement += "."
    if replacement and end < len(text) and re.match(r"\w", text[end]) and re.match(r"\w", replacement[-1]):
        replacement += " "  # "w/acute" -> "with acute"
    if replacement and start > 0 and re.match(r"\w", text[start - 1]) and re.match(r"\w", replacement[0]):
        replacement = " " + replacement
    return replacement


# --- Public API -------------------------------------------------------------------------------------------------


def to_plain(text: str, lang: str) -> str:
    """`text` with the glossary's abbreviations and jargon replaced by plain words in `lang` ("en" or "es")."""
    if not text:
        return text or ""
    glossary = _glossary(language_of(lang))
    # The glossary is built so that one pass is final; further passes only guard against an edge case where a
    # replacement gives the next token a context it did not have ("BID2x" -> "twice a day 2x"), so that
    # to_plain(to_plain(x)) == to_plain(x) holds for any string.
    for _ in range(_MAX_PASSES):
        plain = _replace_once(glossary, text)
        if plain == text:
            break
        text = plain
    return text


def _replace_once(glossary: _Glossary, text: str) -> str:
    pieces, position = [], 0
    for match, entry in _matches(glossary, text):
        if entry.hard:
            continue
        replacement = _fit(text, match, _render(glossary, entry, match))
        before = text[position:match.start()]
        if glossary.language == "en":
            before = _english_article(before, replacement)
        pieces += [before, replacement]
        position = match.end()
    pieces.append(text[position:])
    return "".join(pieces)


_ARTICLE = re.compile(r"(?<![\w-])(a|an|A|An)(\s+)\Z")


def _english_article(before: str, replacement: str) -> str:
    """ "an anticoagulant" -> "a blood thinner", "a exacerbation"... -> "an": the article fits the new first word."""
    article = _ARTICLE.search(before)
    if article is None or not replacement[:1].isalpha():
        return before
    word = article.group(1)
    if word[0].isupper() and not _at_sentence_start(before, article.start(1), _SENTENCE_ENDS):
        return before  # "Plan A", "Vitamin A": not an article
    first = replacement.lower()
    vowel_sound = first[0] in "aeio" or (first[0] == "u" and not first.startswith(("uri", "use", "usu", "uni")))
    wanted = "an" if vowel_sound else "a"
    if word[0].isupper():
        wanted = wanted.capitalize()
    return before[: article.start(1)] + wanted + before[article.end(1) :]


def _bare(text: str) -> str:
    """A term as words only: the full stop a pattern may take in at a sentence's end changes nothing."""
    return text.casefold().strip(" .,;:")


def hard_terms(text: str, lang: str) -> list[dict]:
    """Terms a patient may not understand that are still in `text`: [{"term", "suggestion"}], first seen first.

    These are the glossary's hard words (no safe automatic replacement, e.g. "euvolemic", "ejection fraction") and
    any glossary term `to_plain` has not replaced yet.
    """
    if not text:
        return []
    glossary = _glossary(language_of(lang))
    found, seen = [], set()
    for match, entry in _matches(glossary, text):
        term = " ".join(match.group().split())
        suggestion = _render(glossary, entry, match)
        if term.casefold() in seen or _bare(suggestion) == _bare(term):
            continue  # a duplicate, or already plain ("5 times a week"; "4 veces al día." ends a sentence)
        seen.add(term.casefold())
        found.append({"term": term, "suggestion": suggestion})
    return found
