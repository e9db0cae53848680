"""Readability formulas of `assess` against hand-computed and published values, and the foreign-text rule."""

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handoff.documents import readability
from handoff.documents.readability import HARD_SYLLABLES, Assessment, assess, inflesz_band, readability_grade


def grades(assessment: Assessment) -> dict[str, float]:
    return {formula["name"]: formula["grade"] for formula in assessment.formulas}


def formula(assessment: Assessment, name: str) -> dict:
    return next(result for result in assessment.formulas if result["name"] == name)


# --- English: Flesch-Kincaid and SMOG -------------------------------------------------------------------------------

EASY_EN = "Take your medicine each morning. Call the hospital if you feel sick."


def test_english_hand_computed():
    # CMU syllables: Take 1, your 1, medicine 3, each 1, morning 2 | Call 1, the 1, hospital 3, if 1, you 1, feel 1,
    # sick 1: 12 words, 17 syllables, 2 sentences, 2 polysyllables (medicine, hospital).
    counts = [readability._english_syllables(word) for word in readability._WORD.findall(EASY_EN)]
    assert counts == [1, 1, 3, 1, 2, 1, 1, 3, 1, 1, 1, 1]
    result = assess(EASY_EN, "en")
    assert (result.words, result.sentences) == (12, 2)
    # FK = 0.39 * 12/2 + 11.8 * 17/12 - 15.59 = 2.34 + 16.7167 - 15.59 = 3.4667
    # SMOG = 1.0430 * sqrt(2 * 30 / 2) + 3.1291 = 1.0430 * 5.4772 + 3.1291 = 8.8418
    assert grades(result) == {"flesch_kincaid": 3.5, "smog": 8.8}
    assert result.grade_level == 8.8
    assert [f["name"] for f in result.formulas] == ["flesch_kincaid", "smog"]


def test_flesch_kincaid_published_example():
    # Wikipedia, "Flesch-Kincaid readability tests" (Flesch-Kincaid grade level section): "The Australian platypus is
    # seemingly a hybrid of a mammal and reptilian creature." has 13 words and 24 syllables and grade 11.3
    # (0.39 * 13 + 11.8 * 24/13 - 15.59 = 5.07 + 21.7846 - 15.59 = 11.2646). The CMU counts agree: 24 syllables.
    result = assess("The Australian platypus is seemingly a hybrid of a mammal and reptilian creature.", "en")
    assert result.words == 13
    assert formula(result, "flesch_kincaid")["grade"] == 11.3
    # Polysyllables: Australian, platypus, seemingly, reptilian = 4 in 1 sentence:
    # SMOG = 1.0430 * sqrt(4 * 30) + 3.1291 = 1.0430 * 10.9545 + 3.1291 = 14.5544
    assert formula(result, "smog")["grade"] == 14.6


@pytest.mark.parametrize("polysyllables", [1, 7, 20, 30, 57, 100, 183, 240])
def test_smog_regression_agrees_with_mclaughlins_simplified_grading(polysyllables):
    # McLaughlin 1969, "SMOG Grading - a New Readability Formula", Journal of Reading 12(8):639-646: on a sample of
    # 30 sentences, grade = 3 + square root of the polysyllable count (the quick method, and the conversion table
    # of the SMOG handbook); the regression 1.0430 * sqrt(count * 30/30) + 3.1291 is the same within a grade.
    sentences = ["We go home today."] * 30
    for index in range(polysyllables):
        sentences[index % 30] = sentences[index % 30].replace("home", "hospital home", 1)
    text = " ".join(sentences)
    assert text.count("hospital") == polysyllables
    smog = formula(assess(text, "en"), "smog")["grade"]
    assert smog == round(1.0430 * math.sqrt(polysyllables) + 3.1291, 1)
    assert abs(smog - (3 + math.sqrt(polysyllables))) < 1.0


PATIENT_EDUCATION_EN = [
    "Your heart is not pumping as well as it should. This condition is called heart failure. Take your medications "
    "exactly as prescribed. Weigh yourself every morning after urinating. Call your cardiologist if your weight "
    "increases by more than three pounds in two days. Limit sodium to two grams daily and avoid processed foods.",
    "You were admitted for an infection of the kidneys. You received intravenous antibiotics and your temperature "
    "returned to normal. Continue the antibiotic tablets until the prescription is finished, even if you feel "
    "better. Drink plenty of fluids. Return to the emergency department if you develop vomiting, confusion, or "
    "persistent abdominal pain.",
]
PHYSICIAN_NOTE_EN = ("The patient was admitted with community-acquired pneumonia. Blood cultures remained negative. "
                     "Intravenous ceftriaxone was transitioned to oral amoxicillin on the third hospital day. "
                     "Supplemental oxygen was discontinued. Follow-up chest radiography is recommended in six weeks "
                     "to document resolution.")


@pytest.mark.parametrize("text", PATIENT_EDUCATION_EN)
def test_smog_is_stricter_than_flesch_kincaid_on_clinical_prose_for_patients(text):
    result = assess(text, "en")
    # Measured: FK 6.3 / SMOG 9.7, and FK 11.5 / SMOG 13.0.
    assert grades(result)["smog"] >= grades(result)["flesch_kincaid"] + 1
    assert result.grade_level == grades(result)["smog"] > 8


def test_on_dense_jargon_flesch_kincaid_overtakes_smog_and_the_strictest_still_wins():
    # FK grows with syllables per word, SMOG only with the square root of the polysyllables: on a physician's note
    # (measured FK 13.8, SMOG 13.7) FK is the stricter one, and grade_level takes it.
    result = assess(PHYSICIAN_NOTE_EN, "en")
    assert result.grade_level == max(grades(result).values()) == grades(result)["flesch_kincaid"] >= 13


# --- Spanish: Szigriszt-Pazos (INFLESZ) and Crawford ----------------------------------------------------------------

PLAIN_ES = "Tome una pastilla por la mañana. Llame si tiene fiebre."
DENSE_ES = ("Paciente ingresado por insuficiencia cardíaca descompensada secundaria a transgresión dietética y falta "
            "de adherencia terapéutica, complicada con insuficiencia renal aguda sobre enfermedad renal crónica, que "
            "requirió tratamiento diurético intravenoso con posterior estabilización hemodinámica. Se recomienda "
            "optimización del tratamiento neurohormonal y monitorización ambulatoria de la función renal.")


def test_spanish_hand_computed_plain_patient_text():
    # Syllables: To-me 2, u-na 2, pas-ti-lla 3, por 1, la 1, ma-ña-na 3 | Lla-me 2, si 1, tie-ne 2, fie-bre 2:
    # 10 words, 19 syllables, 2 sentences.
    counts = [readability._spanish_syllables(word) for word in readability._WORD.findall(PLAIN_ES)]
    assert counts == [2, 2, 3, 1, 1, 3, 2, 1, 2, 2]
    result = assess(PLAIN_ES, "es")
    assert (result.words, result.sentences) == (10, 2)
    # Szigriszt-Pazos = 206.835 - 62.3 * 19/10 - 10/2 = 206.835 - 118.37 - 5 = 83.465 -> "muy fácil" (> 80);
    # grade by Flesch's table, 80-90 is grade 6-5: 6 - (83.465 - 80) / 10 = 5.6535
    assert formula(result, "szigriszt_pazos") == {"name": "szigriszt_pazos", "grade": 5.7, "score": 83.5,
                                                  "band": "muy fácil"}
    # Crawford: OP = 100 * 2/10 = 20 sentences, SP = 100 * 19/10 = 190 syllables per 100 words:
    # -0.205 * 20 + 0.049 * 190 - 3.407 = -4.1 + 9.31 - 3.407 = 1.803
    assert formula(result, "crawford") == {"name": "crawford", "grade": 1.8}
    assert result.grade_level == 5.7 <= 6
    assert [f["name"] for f in result.formulas] == ["szigriszt_pazos", "crawford"]


def test_dense_clinical_spanish_is_high_by_both_formulas():
    result = assess(DENSE_ES, "es")
    sp = formula(result, "szigriszt_pazos")
    assert sp["band"] == "muy difícil" and sp["score"] < 40
    assert sp["grade"] >= 14
    assert grades(result)["crawford"] >= 10  # far past Crawford's validated range (grades 1 to 6): "very hard"
    assert result.grade_level == max(grades(result).values())


@pytest.mark.parametrize(("score", "band"), [
    (-20.0, "muy difícil"), (0.0, "muy difícil"), (39.9, "muy difícil"),
    (40.0, "algo difícil"), (54.9, "algo difícil"),
    (55.0, "normal"), (64.9, "normal"),
    (65.0, "bastante fácil"), (80.0, "bastante fácil"),
    (80.1, "muy fácil"), (100.0, "muy fácil"), (120.0, "muy fácil"),
])
def test_inflesz_band_boundaries(score, band):
    # Barrio-Cantalejo et al. 2008, An Sist Sanit Navar 31(2):135-152: <40 muy difícil, 40-55 algo difícil,
    # 55-65 normal, 65-80 bastante fácil, >80 muy fácil (a shared boundary goes to the band above, 80 stays below).
    assert inflesz_band(score) == band


def test_szigriszt_pazos_grade_is_the_one_readability_grade_reports():
    for text, lang in [(PLAIN_ES, "es"), (DENSE_ES, "es"), (EASY_EN, "en"), (PHYSICIAN_NOTE_EN, "en")]:
        first = assess(text, lang).formulas[0]
        assert abs(first["grade"] - readability_grade(text, lang)) <= 0.051


def test_language_tags_and_unknown_languages():
    assert [f["name"] for f in assess(PLAIN_ES, "es-MX").formulas] == ["szigriszt_pazos", "crawford"]
    assert [f["name"] for f in assess(EASY_EN, "xx").formulas] == ["flesch_kincaid", "smog"]


# --- Zero and the floor ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("text", ["", "   ", "12 34 !!", None])
def test_no_words_is_zero_for_every_formula(text, lang):
    result = assess(text, lang, foreign=["", "  "])
    assert (result.grade_level, result.words, result.sentences) == (0.0, 0, 0)
    assert [f["grade"] for f in result.formulas] == [0.0, 0.0]
    if lang == "es":
        assert (result.formulas[0]["score"], result.formulas[0]["band"]) == (None, None)


def test_grades_are_never_below_zero():
    # "Sí. No. Ya.": 3 words, 3 syllables, 3 sentences. Crawford: OP = 100, SP = 100:
    # -0.205 * 100 + 0.049 * 100 - 3.407 = -20.5 + 4.9 - 3.407 = -19.007 -> 0
    assert grades(assess("Sí. No. Ya.", "es"))["crawford"] == 0.0
    # "The cat sat.": FK = 0.39 * 3 + 11.8 * 1 - 15.59 = -2.62 -> 0; SMOG = 1.0430 * 0 + 3.1291 -> 3.1
    assert grades(assess("The cat sat.", "en")) == {"flesch_kincaid": 0.0, "smog": 3.1}


def test_assessment_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        assess(EASY_EN, "en").grade_level = 1.0


# --- Foreign (untranslated) stretches --------------------------------------------------------------------------------

def test_foreign_words_count_as_hard_hand_computed_spanish():
    # Own: To-me 2, a-gua 2: 2 words, 4 syllables, 1 sentence. Foreign "Take with food.": 3 words, 1 sentence, each
    # word max(4, its Spanish-rule count) = 4 syllables: 12. Total 5 words, 16 syllables, 2 sentences.
    assert HARD_SYLLABLES == 4
    result = assess("Tome agua. Take with food.", "es", foreign=["Take with food."])
    assert (result.words, result.sentences) == (5, 2)
    # Szigriszt-Pazos = 206.835 - 62.3 * 16/5 - 5/2 = 206.835 - 199.36 - 2.5 = 4.975 -> "muy difícil";
    # grade by Flesch's table, 0-30 is grade 17-14: 17 - 3 * 4.975 / 30 = 16.5025
    assert formula(result, "szigriszt_pazos") == {"name": "szigriszt_pazos", "grade": 16.5, "score": 5.0,
                                                  "band": "muy difícil"}
    # Crawford: OP = 100 * 2/5 = 40, SP = 100 * 16/5 = 320: -8.2 + 15.68 - 3.407 = 4.073
    assert grades(result)["crawford"] == 4.1
    # Scored as if it were Spanish, the English sentence looks easy (Take 2, with 1, food 2 syllables): grade 4.x.
    assert assess("Tome agua. Take with food.", "es").grade_level < 6


def test_foreign_words_count_as_hard_hand_computed_english():
    # Own "Rest.": 1 word, 1 syllable. Foreign "Tome agua.": 2 words, 4 syllables each, both polysyllables.
    # Total: 3 words, 9 syllables, 2 sentences, 2 polysyllables.
    result = assess("Rest. Tome agua.", "en", foreign=("Tome agua.",))
    # FK = 0.39 * 3/2 + 11.8 * 9/3 - 15.59 = 0.585 + 35.4 - 15.59 = 20.395
    # SMOG = 1.0430 * sqrt(2 * 30 / 2) + 3.1291 = 8.8418
    assert grades(result) == {"flesch_kincaid": 20.4, "smog": 8.8}


def test_foreign_stretches_are_found_ignoring_case_and_white_space_as_whole_words():
    text = "Descanse.\nTake with   food.\nRestaurante cerca."
    marked = assess(text, "es", foreign=["take with\nfood."])
    assert marked.sentences == 3 and marked.words == 6
    assert marked.grade_level > assess(text, "es").grade_level
    # "Rest" is not found inside "Restaurante", so the stretch (in the summary somewhere) counts once, on its own.
    inside = assess("Restaurante cerca.", "es", foreign=["Rest"])
    assert (inside.words, inside.sentences) == (3, 2)


def test_a_foreign_stretch_counts_once_per_place_and_nested_stretches_once():
    twice = assess("Tome agua. Take with food. Descanse. Take with food.", "es", foreign=["Take with food."])
    assert (twice.words, twice.sentences) == (9, 4)
    nested = assess("Tome agua. Take with food. Do not drive.", "es",
                    foreign=["Take with food.", "Take with food. Do not drive."])
    assert (nested.words, nested.sentences) == (8, 3)
    # Three English words scored as hard: 3 * 4 = 12 syllables in the total.
    alone = assess("Take with food.", "es", foreign=["Take with food."])
    assert alone.grade_level == 17.0  # wholly foreign: Szigriszt-Pazos below 0, the bottom of Flesch's table


SPANISH_SENTENCES = [PLAIN_ES, "Coma menos sal.", "Camine un poco todos los días.", DENSE_ES,
                     "Si tiene dolor en el pecho o le falta el aire, llame al 911 de inmediato.",
                     "Pésese cada mañana después de orinar y antes de desayunar, y anote el peso en la hoja."]
ENGLISH_SENTENCES = ["OK.", "Thanks.", "Take with food.", "Do not drive.",
                     "Replaces Advair and Spiriva. Rinse mouth after.",
                     "Walk short distances several times a day with oxygen on.",
                     "Home health nurse and respiratory therapist visit within 72 hours to check the oxygen set-up."]


def _mixed(draw_base, draw_foreign, positions, separators):
    parts = list(draw_base)
    for foreign, position in zip(draw_foreign, positions, strict=False):
        parts.insert(position % (len(parts) + 1), foreign)
    text = ""
    for part, separator in zip(parts, separators * len(parts), strict=False):
        text += part + separator
    return text


@settings(max_examples=200, deadline=None)
@given(base=st.lists(st.sampled_from(SPANISH_SENTENCES), min_size=1, max_size=5),
       foreign=st.lists(st.sampled_from(ENGLISH_SENTENCES), min_size=1, max_size=3),
       positions=st.lists(st.integers(0, 10), min_size=3, max_size=3),
       separators=st.lists(st.sampled_from([" ", "\n"]), min_size=1, max_size=3))
def test_untranslated_sentences_never_lower_the_spanish_grade(base, foreign, positions, separators):
    plain = assess(" ".join(base), "es")
    mixed_text = _mixed(base, foreign, positions, separators)
    mixed = assess(mixed_text, "es", foreign=foreign)
    assert mixed.grade_level >= plain.grade_level
    for name, grade in grades(plain).items():
        assert grades(mixed)[name] >= grade
    foreign_counts = assess(" ".join(foreign), "en")
    assert mixed.sentences == plain.sentences + foreign_counts.sentences
    assert mixed.words == plain.words + foreign_counts.words
    # and never lower than the same text scored as if the English were Spanish
    assert mixed.grade_level >= assess(mixed_text, "es").grade_level


def test_a_short_foreign_sentence_after_long_spanish_ones_does_not_lower_the_grade():
    # "OK." alone would lower words per sentence, which the ease formulas reward; the floor keeps the grade.
    plain = assess(DENSE_ES, "es")
    mixed = assess(DENSE_ES + " OK.", "es", foreign=["OK."])
    assert mixed.sentences == plain.sentences + 1
    assert grades(mixed)["szigriszt_pazos"] >= grades(plain)["szigriszt_pazos"]
    assert grades(mixed)["crawford"] >= grades(plain)["crawford"]


@settings(max_examples=100, deadline=None)
@given(base=st.lists(st.sampled_from(ENGLISH_SENTENCES + PATIENT_EDUCATION_EN), min_size=1, max_size=4),
       foreign=st.lists(st.sampled_from(SPANISH_SENTENCES), min_size=1, max_size=2))
def test_untranslated_sentences_never_lower_the_english_grade(base, foreign):
    plain = assess(" ".join(base), "en")
    mixed = assess(" ".join(base + foreign), "en", foreign=foreign)
    for name, grade in grades(plain).items():
        assert grades(mixed)[name] >= grade


def test_a_foreign_fragment_inside_a_sentence_does_not_split_it():
    # "Para:" is Spanish (Pa-ra, 2 syllables); the 6 English words count 4 syllables each: 1 sentence, 7 words,
    # 26 syllables. Szigriszt-Pazos = 206.835 - 62.3 * 26/7 - 7 = 206.835 - 231.4 - 7 = -31.565
    result = assess("Para: Calms the swelling in your lungs.", "es", foreign=["Calms the swelling in your lungs"])
    assert (result.words, result.sentences) == (7, 1)
    assert formula(result, "szigriszt_pazos")["score"] == -31.6


# --- What is counted: names, medicines, dates and times are not prose a rewrite could make plainer ------------------

def test_medicine_names_in_any_case_are_left_out_of_the_counts():
    text = "Take Atorvastatin at night. Do not take atorvastatin with grapefruit."
    left_out = assess(text, "en", medicines=["Atorvastatin"])
    assert left_out.words == assess(text, "en").words - 2
    assert grades(left_out)["smog"] < grades(assess(text, "en"))["smog"]


def test_proper_names_are_left_out_as_written_even_when_the_next_line_runs_into_them():
    text = "See Dr. Alan WhitakerWhen: Tuesday. Eastside Family Medicine will call you."
    result = assess(text, "en", names=["Dr. Alan Whitaker", "Eastside Family Medicine"])
    assert result.words == 5  # See, Tuesday | will, call, you ("WhitakerWhen" is one word, begun by the name)
    # as written: "family medicine" in lower case is ordinary prose and counts
    assert assess("Your family medicine doctor.", "en", names=["Eastside Family Medicine"]).words == 4


@pytest.mark.parametrize(("text", "lang", "words"), [
    ("Go home Thursday, November 19, 2026, 9:15 AM.", "en", 2),
    ("Vaya el jueves, 3 de diciembre de 2026, 9:15.", "es", 2),
    ("Call 555-0104.", "en", 1),
])
def test_dates_times_and_phone_numbers_are_not_words(text, lang, words):
    assert assess(text, lang).words == words


def test_a_brand_named_alone_is_left_out_like_the_medicine_it_names():
    # "Replaced by Trelegy" names the medicine "... (Trelegy Ellipta)": a rewrite can no more remove it there than in
    # the schedule, so it is left out there too. Lower-case words of a name ("patch") are left out only with it.
    from types import SimpleNamespace

    from handoff.documents.service import _names

    data = {"medications": [{"name": "Fluticasone/umeclidinium/vilanterol (Trelegy Ellipta)"},
                            {"name": "Tiotropium (Spiriva HandiHaler)"}, {"name": "Nicotine patch"}]}
    source = SimpleNamespace(revision=SimpleNamespace(data=data),
                             patient=SimpleNamespace(given_name="Harold", family_name="Jensen"))
    _, medicines = _names(source, "en")
    text = "Replaced by Trelegy. Replaces Spiriva. Put on a new patch. Nicotine helps."
    assert assess(text, "en", medicines=medicines).words == assess(text, "en").words - 3
    assert {"Trelegy", "Ellipta", "Spiriva", "HandiHaler", "Nicotine"} <= set(medicines) and "patch" not in medicines


def test_the_running_footer_is_page_furniture_not_text(nurse, make_handoff):
    # The footer repeats the title at the foot of every printed page (aria-hidden, as for a screen reader).
    from handoff.documents.text import split_visible_text, visible_text

    handoff, _ = make_handoff()
    html = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.html").get_data(as_text=True)
    assert html.count("Your plan after the hospital") == 3  # the <title>, the heading and the footer
    text, _ = split_visible_text(html, "en")
    assert text.count("Your plan after the hospital") == 1 == visible_text(html).count("Your plan after the hospital")
    nested = '<div aria-hidden="true">Foot <div>inner</div> tail</div><p>Shown <b>here</b></p><div>after</div>'
    assert visible_text(nested) == "Shown here.\nafter."


def test_a_name_inside_untranslated_text_still_counts_as_hard():
    text = "Tome agua."
    foreign = ["Dr. Delgado will call."]
    with_name = assess(text, "es", foreign=foreign, names=["Dr. Delgado"])
    assert with_name.words == 2 + 4 and with_name.grade_level == assess(text, "es", foreign=foreign).grade_level


# --- Real summaries through the API: the answer, the strictest grade, untranslated text ------------------------------

def grades_of(report: dict) -> dict[str, float]:
    return {formula["name"]: formula["grade"] for formula in report["formulas"]}


def _report(client, handoff_id, lang):
    response = client.get(f"/api/v1/handoffs/{handoff_id}/readability", query_string={"lang": lang})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_grade_level_is_the_strictest_formula_of_a_real_summary(nurse, make_handoff, lang):
    handoff, _ = make_handoff()
    report = _report(nurse, handoff["id"], lang)
    names = {"en": ["flesch_kincaid", "smog"], "es": ["szigriszt_pazos", "crawford"]}[lang]
    assert [f["name"] for f in report["formulas"]] == names
    assert report["grade_level"] == max(f["grade"] for f in report["formulas"]) == report["strictest_grade"]
    if lang == "es":
        sp = report["formulas"][0]
        assert sp["band"] == inflesz_band(sp["score"])


def test_untranslated_text_raises_the_grade_of_a_real_summary(nurse, make_handoff, make_patient, discharge_scenario):
    patient = make_patient(preferred_language="es")
    plain, _ = make_handoff(patient=patient)
    data = dict(discharge_scenario["data"], what_matters="Wants to keep gardening and to walk his granddaughter to "
                                                          "school every morning before his afternoon appointments.")
    more, _ = make_handoff(patient=patient, data=data)
    before, after = _report(nurse, plain["id"], "es"), _report(nurse, more["id"], "es")
    assert {"path": "what_matters", "text": data["what_matters"]} in after["untranslated"]
    assert after["grade_level"] > before["grade_level"]


def test_finalize_warns_with_the_strict_grade(nurse, make_handoff, discharge_scenario):
    # Patient-education prose that Flesch-Kincaid passes and SMOG does not (FK 6.3 / SMOG 9.7 on the first one).
    both = " ".join(PATIENT_EDUCATION_EN)
    self_care = dict(discharge_scenario["data"]["self_care"], activity=both, diet=both, home_services=both,
                     wound_care=both)
    data = dict(discharge_scenario["data"], self_care=self_care, what_matters=PATIENT_EDUCATION_EN[1])
    handoff, etag = make_handoff(data=data)
    report = _report(nurse, handoff["id"], "en")
    assert grades_of(report)["flesch_kincaid"] <= 8 < grades_of(report)["smog"] == report["grade_level"]
    signed = nurse.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": etag})
    assert signed.status_code == 200, signed.get_json()
    warning = next(w for w in signed.get_json()["warnings"] if w["code"] == "reading_grade")
    assert warning["grade_level"] == report["grade_level"]


# --- The demo and the shared scenario read at grade 6 or lower by every formula ---------------------------------------

def _demo_discharge_ids(app, client):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    token = client.post("/api/v1/auth/tokens", json={"username": "nurse", "password": "handoff-nurse"}).get_json()
    auth = {"Authorization": f"Bearer {token['token']}"}
    ids = {}
    for patient in client.get("/api/v1/patients?q=DEMO-", headers=auth).get_json():
        for handoff in client.get(f"/api/v1/handoffs?patient_id={patient['id']}&checklist=discharge",
                                  headers=auth).get_json():
            ids[patient["mrn"]] = handoff["id"]
    return ids, auth


DEMO_CASES = [("DEMO-310552", "en"), ("DEMO-310874", "en"), ("DEMO-311209", "es"), ("DEMO-312455", "es"),
              ("DEMO-312455", "en")]


@pytest.mark.parametrize(("mrn", "lang"), DEMO_CASES, ids=[f"{m}-{lang}" for m, lang in DEMO_CASES])
def test_every_demo_discharge_reads_at_grade_6_or_lower_by_every_formula(app, client, mrn, lang):
    ids, auth = _demo_discharge_ids(app, client)
    response = client.get(f"/api/v1/handoffs/{ids[mrn]}/readability", query_string={"lang": lang}, headers=auth)
    report = response.get_json()
    assert all(f["grade"] <= 6 for f in report["formulas"]), report["formulas"]


def test_the_spanish_reader_demo_keeps_a_little_untranslated_and_still_reads_easily(app, client):
    ids, auth = _demo_discharge_ids(app, client)
    report = client.get(f"/api/v1/handoffs/{ids['DEMO-312455']}/readability", headers=auth).get_json()
    assert report["lang"] == "es" and 1 <= len(report["untranslated"]) <= 3
    assert report["grade_level"] <= 6


def test_a_summary_mostly_left_in_another_language_is_clearly_flagged(app, client):
    # DEMO-311209's clinician typed Spanish for a Spanish reader: its English summary is nearly all untranslated.
    ids, auth = _demo_discharge_ids(app, client)
    report = client.get(f"/api/v1/handoffs/{ids['DEMO-311209']}/readability?lang=en", headers=auth).get_json()
    assert len(report["untranslated"]) > 20 and report["grade_level"] >= 12


def test_the_shared_discharge_scenario_reads_at_grade_6_or_lower_by_every_formula(nurse, make_handoff, make_patient,
                                                                                 discharge_scenario):
    handoff, _ = make_handoff(patient=make_patient(**discharge_scenario["patient"]))
    report = _report(nurse, handoff["id"], discharge_scenario["patient"]["preferred_language"])
    assert all(f["grade"] <= 6 for f in report["formulas"]), report["formulas"]
