"""A reviewed corpus of clinicians' phrases: what the glossary must make of each, exactly, in English and Spanish.

Each language's glossary runs on text typed in that language (tests/fixtures/glossary/corpus_en.tsv, corpus_es.tsv:
`input<TAB>expected[<TAB>flagged]`, # comments). The cases are the ones that change meanings: a lab finding against
diet advice, a wound's discharge against leaving the hospital, negative results, doses and units, medicine names
that look like abbreviations, ambiguous abbreviations, names of clinics, negations, times. Where a phrase cannot be
made plain safely, the expected output is the phrase as typed and the third column lists what `hard_terms` flags.
"""

from pathlib import Path

import pytest

from handoff.documents.glossary import hard_terms, to_plain


@pytest.fixture(autouse=True)
def clean_database():
    """Pure unit tests: override conftest's per-test database reset, so no app or database is needed."""
    yield


CORPUS = Path(__file__).parent / "fixtures" / "glossary"


def corpus(lang: str) -> list[tuple[str, str, list[str] | None]]:
    cases = []
    for number, line in enumerate((CORPUS / f"corpus_{lang}.tsv").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.split("\t")
        assert len(columns) in (2, 3), f"corpus_{lang}.tsv line {number}: input<TAB>expected[<TAB>flagged]"
        flagged = [term.strip() for term in columns[2].split(";")] if len(columns) == 3 else None
        cases.append((columns[0], columns[1], flagged))
    return cases


EN, ES = corpus("en"), corpus("es")


def test_the_corpus_is_large_enough_and_has_no_duplicates():
    for cases in (EN, ES):
        assert len(cases) >= 100
        inputs = [text for text, _, _ in cases]
        assert len(inputs) == len(set(inputs))


@pytest.mark.parametrize(("text", "expected", "flagged"), EN, ids=[case[0] for case in EN])
def test_english_phrases(text, expected, flagged):
    check(text, expected, flagged, "en")


@pytest.mark.parametrize(("text", "expected", "flagged"), ES, ids=[case[0] for case in ES])
def test_spanish_phrases(text, expected, flagged):
    check(text, expected, flagged, "es")


def check(text: str, expected: str, flagged: list[str] | None, lang: str):
    plain = to_plain(text, lang)
    assert plain == expected
    assert to_plain(plain, lang) == plain
    if flagged is not None:
        assert [found["term"] for found in hard_terms(plain, lang)] == flagged


@pytest.mark.parametrize("lang", ["en", "es"])
def test_low_sodium_in_hospital_stays_a_lab_finding(lang):
    """Issue 8: "Low sodium in hospital" (why a water pill was stopped) had become diet advice in both glossaries."""
    assert to_plain("Low sodium in hospital", lang) == "Low sodium in hospital"
    assert [found["term"] for found in hard_terms("Low sodium in hospital", lang)] == ["Low sodium"]
