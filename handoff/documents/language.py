"""Which language (English or Spanish) a short patient-visible free-text value or sentence is in, offline.

The summary for a Spanish reader must not hand over a sentence that is half English (DESIGN 3.6), so every
free-text value, and each sentence of one, is asked `identify`. Clinicians type short, shorthand-heavy text
("SOB at rest", "f/u PCP 1 wk", "Dr. Samuel Ortiz (PCP)"), where a general language model alone is weak, so:

1. Domain knowledge first. Names (an honorific and the capitalized words after it, runs of capitalized words,
   a value in Title Case throughout), numbers, units, codes and words spelled the same in both languages
   ("Diabetes", "No alcohol", drug names such as "Lisinopril") carry no evidence: a value made only of them is
   `None`, undecidable, and never reported as foreign. English clinical shorthand (SOB, BID, PRN, f/u, q6h)
   and Spanish shorthand (VO, HTA, c/8h) count as evidence for their language.
2. Then the words left go to lingua (`lingua-language-detector`), restricted to English and Spanish, a
   character n-gram model built for short text. Its models are compiled into the wheel: no download, no cache
   directory, no network (tests/test_language_id.py proves it with sockets blocked).

The model's probability and the shorthand evidence are added as log odds, so one English abbreviation in a
Spanish sentence ("Revisar líquidos, peso y BMP") does not make it English, but decides "Echo in 3 mo".
On tests/fixtures/language_id/phrases.tsv this scores in the high 90s; README "Which language a text is in"
has the measured figures and the comparison with py3langid.
"""

import math
import re
import threading
import unicodedata
from collections.abc import Callable
from functools import lru_cache

__all__ = ["identify", "is_in", "sentences"]

# Log odds each shorthand token adds for its language: about what one clearly English (Spanish) short word weighs
# in the model, so a sentence of real words outweighs a stray abbreviation and a bare abbreviation still decides.
_SHORTHAND_WEIGHT = 1.5
# The model's probabilities are clipped before taking log odds: a sure model answer still outweighs any shorthand
# count in a normal sentence, and never is infinite.
_CLIP = 1e-4

# English clinical shorthand that a Spanish sentence would not contain (in a Spanish summary these would be
# glossary work, but their presence is English evidence). Exact case for the upper-case ones: "SOB" but not "sob".
_EN_SHORTHAND_EXACT = frozenset(
    "SOB BID TID QID PRN PO QD QHS QAM NPO HTN PCP BMP CMP CBC BP HR SBP DBP ER ED NC PT OT HS AC HF CHF CKD "
    "COPD CAD UTI MI DM HHRN ASAP HH".split()
)
# Shorthand that is English in any case ("Wk", "TAB", "prn").
_EN_SHORTHAND_ANY = frozenset("bid tid qid prn qd qhs qam npo wk wks mo mos lb lbs yr yrs tab tabs hx dx rx tx".split())
_ES_SHORTHAND_EXACT = frozenset("VO HTA IAM EPOC ICC IRC DM2".split())
_ES_SHORTHAND_ANY = frozenset("sem sems".split())
# Slash shorthand, found before tokenizing because the slash would split it.
_EN_SLASH = re.compile(r"(?<![\w/])(?:f/u|d/c(?:'d)?|w/o|w/|s/p|h/o|r/o|c/o|n/v)(?![\w/])", re.IGNORECASE)
_ES_SLASH = re.compile(r"(?<![\w/])(?:c/u|c/\s*\d+\s*(?:h|hs|hrs|horas?|d|días?|dias?)\.?)(?![\w/])", re.IGNORECASE)
_EN_CODE = re.compile(r"^q\d+h$", re.IGNORECASE)  # q6h, q4h (Spanish writes "c/6h", "cada 6 horas")

# Units, and short words both languages use as they are: no evidence either way.
_NEUTRAL = frozenset(
    "mg mcg g kg ml l dl mmol meq iu ui mmhg min mins h hr hrs seg cm mm km oz iv im sc sq ok rn md np tel ext am pm"
    .split()
)
# Words spelled the same, with the same meaning, in English and Spanish: a value of only these is `None`.
# Kept short and reviewed: only words a patient value could consist of ("Diabetes", "No alcohol", "Hospital").
# "Regular" (a diet, a heartbeat, doses) is "regular" in Spanish too ("dieta regular"); alone, the model gives it
# even odds (0.49) and so called a lone "Regular." Spanish, marking it "Not translated" in an English summary.
_SHARED = frozenset(
    "diabetes no alcohol hospital normal general total doctor angioedema virus control final oral dental local "
    "regular".split()
)
# Drug names end alike in both languages (lisinopril, metoprolol, losartan, insulin glargine is not one).
_SHARED_SUFFIX = re.compile(r"(?:pril|olol|sartan|sartán|dipine|mab|nib|vir)$", re.IGNORECASE)
# Honorifics before a name: "Dr. Samuel Ortiz", "Sra. Carmen Ruiz". The name is no evidence of anything.
_HONORIFICS = frozenset("dr dra drs mr mrs ms miss sr sra srta prof".split())
# Little words that join the parts of a name ("Hospital General de Massachusetts", "Bank of America").
_NAME_PARTICLES = frozenset("de del la las los y of the and".split())

_TOKEN = re.compile(r"\w+(?:['’]\w+)*")


def _normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _has_digit(word: str) -> bool:
    return any(ch.isdigit() for ch in word)


def _is_title(word: str) -> bool:
    return word[0].isupper() and any(ch.islower() for ch in word[1:])


class _Evidence:
    """What the domain rules found in a text: the words left for the model and the shorthand counts."""

    __slots__ = ("words", "content", "en", "es")

    def __init__(self):
        self.words: list[str] = []  # words for the model (shared words included: they give it context)
        self.content = 0  # words that are neither shared nor names: without one, the model is not asked
        self.en = 0
        self.es = 0


def _evidence(text: str) -> _Evidence:
    ev = _Evidence()
    ev.en += len(_EN_SLASH.findall(text))
    text = _EN_SLASH.sub(" ", text)
    ev.es += len(_ES_SLASH.findall(text))
    text = _ES_SLASH.sub(" ", text)

    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    alpha = [t for t, _, _ in tokens if not _has_digit(t)]
    # Text typed in capitals ("CALL IF FEVER") is read as words, not as codes, once it has a few of them.
    shouting = not any(ch.islower() for ch in text) and (
        sum(len(t) >= 2 and t not in _EN_SHORTHAND_EXACT and t not in _ES_SHORTHAND_EXACT for t in alpha) >= 2
    )
    # Mark name spans: an honorific and the capitalized words after it ("Dr. Samuel Ortiz"); runs of two or more
    # capitalized words (joined by particles) with no punctuation between them ("Eastside Family Medicine").
    in_name = [False] * len(tokens)
    titled = [False] * len(tokens)  # within a name that an honorific starts
    i = 0
    while i < len(tokens):
        last = _name_end(text, tokens, i)
        if last > i:
            in_name[i : last + 1] = [True] * (last + 1 - i)
            if tokens[i][0].lower() in _HONORIFICS:
                titled[i : last + 1] = [True] * (last + 1 - i)
        i = last + 1
    honorific = any(titled)

    # Outside honorific names, a value with no lower-case word and two or more capitalized ones is a name, an
    # address or a place: "Eastside Family Medicine, 210 Elm St", "Tom Becker, RN", "Cardiology, Building B",
    # "Calle 5 de Mayo 123"; and an honorific name with only codes beside it ("Dr. Samuel Ortiz (PCP)") is a name.
    rest = [t for (t, _, _), inside in zip(tokens, titled, strict=True) if not inside and not _has_digit(t)]
    lowered = [t for t in rest if t[0].islower() and t.lower() not in _NEUTRAL and t not in _NAME_PARTICLES]
    titles = sum(_is_title(t) for t in rest)
    if not shouting and not lowered and (titles >= 2 or (honorific and titles == 0)):
        return ev

    for (word, _, _), name in zip(tokens, in_name, strict=True):
        if name:
            continue
        if _has_digit(word):
            ev.en += bool(_EN_CODE.match(word))
            continue
        lower = word.lower()
        if word in _EN_SHORTHAND_EXACT or lower in _EN_SHORTHAND_ANY:
            ev.en += 1
        elif word in _ES_SHORTHAND_EXACT or lower in _ES_SHORTHAND_ANY:
            ev.es += 1
        elif lower in _NEUTRAL or len(word) == 1:
            continue
        elif word.isupper() and not shouting:
            # An unknown upper-case code in normal text (a unit name, "DEMO", an MRN prefix): no evidence.
            continue
        elif lower in _SHARED or _SHARED_SUFFIX.search(lower):
            ev.words.append(lower if shouting else word)
        else:
            ev.words.append(lower if shouting else word)
            ev.content += 1
    return ev


def _name_end(text: str, tokens: list[tuple[str, int, int]], i: int) -> int:
    """The index of the last token of a name starting at token i, or i when no name starts there."""
    word = tokens[i][0]
    if word.lower() in _HONORIFICS and i + 1 < len(tokens) and _is_title(tokens[i + 1][0]):
        j = i + 1
    elif _is_title(word):
        j = i
    else:
        return i
    while j + 1 < len(tokens) and _joined(text, tokens[j], tokens[j + 1]):
        nxt = tokens[j + 1][0]
        if nxt.lower() in _HONORIFICS:
            break  # "Call Dr. Ortiz": the name starts at the honorific, "Call" is a word
        if _is_title(nxt):
            j += 1
        elif (
            nxt.lower() in _NAME_PARTICLES
            and j + 2 < len(tokens)
            and _is_title(tokens[j + 2][0])
            and _joined(text, tokens[j + 1], tokens[j + 2])
        ):
            j += 2
        else:
            break
    return j


def _joined(text: str, a: tuple[str, int, int], b: tuple[str, int, int]) -> bool:
    """Two tokens are parts of one name when only spaces (or a dot after an initial/honorific) lie between."""
    gap = text[a[2] : b[1]]
    return gap.strip() in ("", ".")


# The model, built once on first use. lingua's detector is safe to share between threads once built.
_detector = None
_detector_lock = threading.Lock()


def _lingua_detector():
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                from lingua import Language, LanguageDetectorBuilder

                _detector = (
                    LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH)
                    .with_preloaded_language_models()
                    .build()
                )
    return _detector


def _lingua_p_english(text: str) -> float:
    from lingua import Language

    return _lingua_detector().compute_language_confidence(text, Language.ENGLISH)


def _decide(text: str, p_english: Callable[[str], float]) -> str | None:
    ev = _evidence(text)
    score = (ev.en - ev.es) * _SHORTHAND_WEIGHT
    if ev.content:
        p = min(max(p_english(" ".join(ev.words)), _CLIP), 1 - _CLIP)
        score += math.log(p / (1 - p))
    if score > 0:
        return "en"
    if score < 0:
        return "es"
    return None


@lru_cache(maxsize=8192)
def _identify_normalized(text: str) -> str | None:
    return _decide(text, _lingua_p_english)


def identify(text: str) -> str | None:
    """The language of `text`: "en", "es", or None when it has nothing to decide on (only names, numbers, codes)."""
    if not text or not text.strip():
        return None
    return _identify_normalized(_normalize(text))


def is_in(text: str, lang: str) -> bool:
    """Whether `text` reads as `lang`: True when it is in `lang` or undecidable (never foreign for nothing)."""
    found = identify(text)
    return found is None or found == lang


# Words before a dot that do not end a sentence: titles, address words, Latin and clinical abbreviations.
_NO_BREAK_BEFORE_DOT = frozenset(
    "dr dra drs mr mrs ms sr sra srta prof st ave av blvd rd apt dept no núm num vs approx aprox etc tab tabs "
    "jr sta sto ud uds".split()
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")


def sentences(text: str) -> list[str]:
    """The sentences of a free-text value, each an exact substring of it, stripped, end punctuation kept.

    A line break always ends a sentence. A "." ends one only before white space and a capital, a digit or an
    opening mark, and not after a title or abbreviation ("Dr.", "St.", "e.g.", "p.o."), so decimals ("1.5"),
    "Dr. Samuel Ortiz" and "1 tab p.o. daily" stay whole. "!" and "?" before white space always end one.
    """
    out: list[str] = []
    for line in re.split(r"\r\n|\r|\n", text or ""):
        start = 0
        for m in _SENTENCE_END.finditer(line):
            if _ends_sentence(line, m):
                piece = line[start : m.end()].strip()
                if piece:
                    out.append(piece)
                start = m.end()
        piece = line[start:].strip()
        if piece:
            out.append(piece)
    return out


def _ends_sentence(line: str, m: re.Match) -> bool:
    punct = m.group()
    rest = line[m.end() :].lstrip()
    if not rest:
        return True
    if "!" in punct or "?" in punct or "…" in punct:
        return True
    if not (rest[0].isupper() or rest[0].isdigit() or rest[0] in "¿¡\"'“‘([-•*"):
        return False
    before = re.search(r"(\S+)$", line[: m.start()])
    word = before.group(1) if before else ""
    bare = word.lstrip("(\"'“‘[").lower()
    if bare in _NO_BREAK_BEFORE_DOT:
        return False
    # A dotted abbreviation ("e.g", "p.o", "a.m") or an initial ("J"): the dot belongs to it.
    if "." in bare or (len(bare) == 1 and bare.isalpha()):
        return False
    return True
