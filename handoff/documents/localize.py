"""Free text in the patient's language, or visibly not: the rule of DESIGN 3.6.

Clinicians type English free text, also for a patient who reads Spanish. For each
patient-visible value the summary shows, in this order: the translation memory's entry for
the whole value; else, sentence by sentence, the entry for that sentence, or the sentence
itself with the summary language's glossary applied when the sentence is in that language;
else the sentence exactly as typed, marked as not translated (in its own `lang`). A sentence
is never partly translated: the glossary never touches a sentence in another language.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .glossary import to_plain
from .language import identify, is_in, sentences


@dataclass(frozen=True)
class Segment:
    text: str
    lang: str | None = None  # set only when not the summary's language (then untranslated is true)
    untranslated: bool = False


@dataclass(frozen=True)
class Passage:
    """A free-text value as the patient reads it: one or more segments."""

    segments: tuple[Segment, ...] = ()

    @property
    def in_language(self) -> bool:
        """Every segment is in the summary's language (a fixed sentence may embed this passage)."""
        return not any(segment.untranslated for segment in self.segments)

    def __bool__(self) -> bool:
        return bool(self.segments)

    def __str__(self) -> str:
        return " ".join(segment.text for segment in self.segments)


EMPTY = Passage()


@dataclass
class Localizer:
    """Makes the passages of one summary and remembers what it could not translate."""

    lang: str
    translations: dict[str, str]  # normalized source -> text, from the translation memory
    normalize: Callable[[str], str]
    untranslated: list[dict] = field(default_factory=list)

    def passage(self, value, path: str) -> Passage:
        if not isinstance(value, str) or not value.strip():
            return EMPTY
        whole = self.translations.get(self.normalize(value))
        if whole is not None:
            return Passage((Segment(whole),))
        parts = sentences(value) or [value.strip()]
        segments = []
        foreign = []
        for part in parts:
            translated = self.translations.get(self.normalize(part))
            if translated is not None:
                segments.append(Segment(translated))
            elif is_in(part, self.lang):
                segments.append(Segment(to_plain(part, self.lang).strip()))
            else:
                segments.append(Segment(part, identify(part), untranslated=True))
                foreign.append(part)
        if foreign:
            # One item for a value left wholly in another language (what an interpreter translates),
            # else one per sentence left over; `text` is exactly what a translation's source must match.
            texts = [value.strip()] if len(foreign) == len(parts) else foreign
            self.untranslated.extend({"path": path, "text": text} for text in texts)
        return Passage(tuple(segments))

    def name(self, value) -> Passage:
        """A proper name (a medicine, a clinic, a person): never translated or flagged as another language;
        the glossary still spells out an abbreviation in it ("ASA" is aspirin)."""
        if not isinstance(value, str) or not value.strip():
            return EMPTY
        return Passage((Segment(to_plain(value, self.lang).strip()),))


def translation_sources(values: Iterable[str]) -> list[str]:
    """Every text the memory may hold an entry for: each value and each of its sentences."""
    sources = []
    for value in values:
        if isinstance(value, str) and value.strip():
            sources.append(value)
            sources.extend(sentences(value))
    return sources
