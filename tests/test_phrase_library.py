"""The built-in phrase library of the translation memory (handoff/translation_memory/library/phrases.json).

Each entry is one sentence or phrase that clinicians type, in English and in Spanish, and each side is the
source of the other language's entry. A translation that changes a meaning is a patient-safety defect, so
these tests guard what a machine can guard: the numbers (doses, thresholds, days) are the same on both sides,
no English is left on the Spanish side, no source has two different translations, and every side reads plainly.
What only a person can check (that the two sides say the same thing) is the interpreters' review: `reviewed`.
"""

import json
import re
import statistics
from collections import Counter
from pathlib import Path

import pytest

from handoff.documents.readability import readability_grade

LIBRARY = Path(__file__).resolve().parents[1] / "handoff" / "translation_memory" / "library" / "phrases.json"

CATEGORIES = {"purpose", "activity", "diet", "wound_care", "appointment", "medicine_change", "general"}
CONDITIONS = {"heart_failure", "copd", "pneumonia", "diabetes", "surgery", "blood_thinner", "stroke", "sepsis",
              "kidney", "general"}

# English sides kept exactly as clinicians type them (from the scenarios and the demo data), so that the typed
# value matches; their grade comes from the clinician's own words or from a drug name that must not change.
ENGLISH_KEPT_AS_TYPED = {
    "copd-sob-rescue-inhaler",  # "More SOB than usual, or using the rescue inhaler more than every 4 h"
    "copd-fever-mucus",  # "Fever over 101 F, or mucus turns green, yellow or bloody"
    "surg-incision-infection-101-5",  # "Incision red, hot, draining pus, or fever over 101.5 F"
    "gen-new-confusion-sleepy",  # "New confusion or much sleepier than usual"
    "chg-fluid-acetaminophen",  # "Can make fluid build up. Use acetaminophen instead."
    "purpose-rescue-inhaler",  # "Rescue inhaler for sudden shortness of breath"
    "purpose-prevents-clots-hip",  # "Prevents blood clots after hip surgery"
    "purpose-cholesterol-heart",  # "Lowers cholesterol and protects your heart" (the Spanish is the demo's)
    "chg-no-nsaids",  # "Do not take ibuprofen or naproxen." (two drug names)
}
# Spanish sides above the project's ceiling of grade 8: the word the BE FAST sign is named by.
SPANISH_ABOVE_CEILING = {"stroke-balance"}  # "Equilibrio: ..." (grade 8.56)

# A reading-grade formula needs a few words to mean anything: on 1 to 4 words it measures only how long the
# words are ("Anxiety" is grade 32, "Tome con comida." grade 6.1). Such short labels are measured together.
SHORT = 5
ENGLISH_STOPWORDS = {"the", "and", "your", "you", "call", "with", "to", "of", "if", "is", "for", "or", "lb",
                     "lbs", "sob", "pain", "take", "not", "do", "at", "in", "it", "this", "doctor's", "every"}
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def _phrases() -> list[dict]:
    return json.loads(LIBRARY.read_text(encoding="utf-8"))["phrases"]


PHRASES = _phrases()


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _numbers(text: str) -> Counter:
    """The digits of `text`, but not the 2 of O2 (oxygen), which is a name rather than a number."""
    return Counter(re.findall(r"\d+", re.sub(r"\bO2\b", "", text)))


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def test_the_library_loads_with_its_description():
    document = json.loads(LIBRARY.read_text(encoding="utf-8"))
    assert document["about"].strip() and document["fields"].strip()
    assert isinstance(document["phrases"], list)


def test_at_least_150_entries_in_each_language_counting_both_directions():
    spanish = {_normal(p["en"]): p["es"] for p in PHRASES}  # lang es: English source -> Spanish text
    english = {_normal(p["es"]): p["en"] for p in PHRASES}  # lang en: Spanish source -> English text
    assert len(spanish) >= 150
    assert len(english) >= 150


def test_ids_are_unique_slugs():
    ids = [p["id"] for p in PHRASES]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", i) for i in ids)


@pytest.mark.parametrize("side,other", [("en", "es"), ("es", "en")])
def test_no_source_has_two_different_translations(side, other):
    seen: dict[str, str] = {}
    for phrase in PHRASES:
        key = _normal(phrase[side])
        assert seen.setdefault(key, phrase[other]) == phrase[other], phrase[side]


def test_every_category_and_condition_has_entries():
    categories = Counter(p["category"] for p in PHRASES)
    for category in CATEGORIES:
        assert categories[category] > 0, category
    for condition in CONDITIONS:
        assert categories[f"warning_sign.{condition}"] >= 4, condition
    allowed = CATEGORIES | {f"warning_sign.{c}" for c in CONDITIONS}
    assert set(categories) <= allowed, set(categories) - allowed


@pytest.mark.parametrize("phrase", PHRASES, ids=lambda p: p["id"])
def test_both_sides_have_the_same_numbers(phrase):
    """A changed dose, threshold or number of days is the most dangerous translation error."""
    assert _numbers(phrase["en"]) == _numbers(phrase["es"])


@pytest.mark.parametrize("phrase", PHRASES, ids=lambda p: p["id"])
def test_no_blank_text_and_every_entry_says_who_wrote_it(phrase):
    assert phrase["en"].strip() and phrase["es"].strip()
    assert phrase["en"] == phrase["en"].strip() and phrase["es"] == phrase["es"].strip()
    assert isinstance(phrase["author"], str) and phrase["author"].strip()
    assert isinstance(phrase["reviewed"], bool)
    assert "reviewed_by" in phrase and "reviewed_on" in phrase
    if phrase["reviewed"]:
        assert phrase["reviewed_by"] and re.fullmatch(r"\d{4}-\d{2}-\d{2}", phrase["reviewed_on"] or "")
    else:
        assert phrase["reviewed_by"] is None and phrase["reviewed_on"] is None


@pytest.mark.parametrize("phrase", PHRASES, ids=lambda p: p["id"])
def test_no_english_left_on_the_spanish_side(phrase):
    words = {word.casefold() for word in _words(phrase["es"])}
    assert not words & ENGLISH_STOPWORDS, words & ENGLISH_STOPWORDS
    assert "°F" in phrase["es"] or not re.search(r"\d\s*°?\s*F\b", phrase["en"])  # 101 F -> 101 °F


@pytest.mark.parametrize("phrase", PHRASES, ids=lambda p: p["id"])
def test_each_side_reads_at_grade_6_or_lower(phrase):
    english, spanish = readability_grade(phrase["en"], "en"), readability_grade(phrase["es"], "es")
    if len(_words(phrase["en"])) >= SHORT and phrase["id"] not in ENGLISH_KEPT_AS_TYPED:
        assert english <= 6, (english, phrase["en"])
    if len(_words(phrase["es"])) >= SHORT:
        # Szigriszt-Pazos, mapped to a grade, asks for ease >= 80 at grade 6; some of the plainest Spanish
        # sentences ("Mantenga la herida limpia y seca." 6.4) score just above it, so per entry the bound is
        # the project's ceiling of 8; the library as a whole and its median must be at 6 or lower.
        assert spanish <= 8 or phrase["id"] in SPANISH_ABOVE_CEILING, (spanish, phrase["es"])
        assert spanish <= 9, (spanish, phrase["es"])


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_library_reads_at_grade_6_or_lower(lang):
    texts = [p[lang] for p in PHRASES]
    as_sentences = "\n".join(texts)
    assert readability_grade(as_sentences, lang) <= 6
    assert statistics.median(readability_grade(t, lang) for t in texts) <= 6
    short = [t for t in texts if len(_words(t)) < SHORT]
    assert readability_grade("\n".join(short), lang) <= 6


def test_the_exemption_lists_name_real_entries():
    ids = {p["id"] for p in PHRASES}
    assert ENGLISH_KEPT_AS_TYPED <= ids and SPANISH_ABOVE_CEILING <= ids


def test_the_short_forms_the_demo_and_scenarios_type_are_in_the_library():
    english = {_normal(p["en"]) for p in PHRASES}
    for typed in ["Weight up more than 2 lb in a day or 5 lb in a week", "SOB at rest or can't lie flat",
                  "Chest pain, fainting, or severe trouble breathing", "Removes extra fluid",
                  "Helps your heart and kidneys", "Slows and protects your heart", "Pain",
                  "Can make fluid build up. Use acetaminophen instead.", "Lowers blood pressure",
                  "Walk 10 min TID, increase slowly.", "Low sodium (< 2 g/day). Fluid limit 1.5 L/day.",
                  "Check fluid, weight and BMP", "Adjust heart medicines"]:
        assert _normal(typed) in english, typed


def test_migration_0011_adds_the_lone_regular_pair_once(tmp_path):
    """A hospital's database seeded before the pair existed gets it from 0011; a fresh one (0006 reads the library
    as it ships) is not given it twice."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import func, select, text

    from handoff import create_app
    from handoff.extensions import db
    from handoff.translation_memory.models import TranslationEntry

    def pairs():
        columns = (TranslationEntry.lang, TranslationEntry.source, TranslationEntry.text)
        rows = db.session.execute(select(*columns, func.count())
                                  .where(TranslationEntry.library_id == "diet-regular-alone")
                                  .group_by(*columns).order_by(TranslationEntry.lang)).all()
        db.session.remove()  # the migrations take the database's write lock
        return [tuple(row) for row in rows]

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"})
    with app.app_context():
        upgrade()
        fresh = pairs()
        downgrade(revision="0010_render_queue")  # 0011 takes its pair out again ...
        db.session.execute(text("DELETE FROM translation_entries WHERE library_id = 'diet-regular-alone'"))
        db.session.commit()
        db.session.remove()
        assert pairs() == []  # ... as a database seeded before the pair existed
        upgrade()
        again = pairs()
        db.engine.dispose()
    want = [("en", "Como siempre.", "Regular.", 1), ("es", "Regular.", "Como siempre.", 1)]
    assert fresh == want and again == want
