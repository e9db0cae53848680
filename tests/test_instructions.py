"""Medicine instructions composed in the patient's language (issue 8, point 4): handoff/documents/instructions.py.

The table holds the scenario and demo medicines and realistic entries for every SIG code the module reads, typed in
English and in Spanish, each with the exact English and Spanish sentence a patient reads. The property tests show that
`compose` never raises and never loses a number of the dose.
"""

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handoff.documents.instructions import SLOTS, Instruction, compose, stop_text

ROOT = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def clean_database():
    """Pure unit tests: override conftest's per-test database reset, so no app or database is needed."""
    yield


def med(dose, route="", frequency="", schedule=(), **extra) -> dict:
    return {"name": "Medicine", "dose": dose, "route": route, "frequency": frequency, "schedule": list(schedule),
            "status": "new", **extra}


# The first rows are the scenario's and the demo's medicines, in file order; then one or more rows per SIG code.
SENTENCES = [
    (med('40 mg', 'PO', 'BID', ['morning', 'noon']),
     'Take 40 mg by mouth in the morning and 40 mg at noon.',
     'Tome 40 mg por la boca por la mañana y 40 mg al mediodía.'),
    (med('10 mg', 'PO', 'daily', ['morning']),
     'Take 10 mg by mouth in the morning.',
     'Tome 10 mg por la boca por la mañana.'),
    (med('50 mg', 'PO', 'daily', ['morning']),
     'Take 50 mg by mouth in the morning.',
     'Tome 50 mg por la boca por la mañana.'),
    (med('400 mg', 'PO', 'PRN', ['as_needed'], purpose='Pain'),
     'Take 400 mg by mouth, only if needed for pain.',
     'Tome 400 mg por la boca, solo si lo necesita para el dolor.'),
    (med('650 mg', 'PO', 'q6h PRN pain', ['as_needed']),
     'Take 650 mg by mouth every 6 hours, only if needed for pain.',
     'Tome 650 mg por la boca cada 6 horas, solo si lo necesita para el dolor.'),
    (med('40 mg', 'PO', 'daily with breakfast', ['morning'], until='2026-11-15'),
     'Take 40 mg by mouth in the morning, with breakfast, until November 15, 2026.',
     'Tome 40 mg por la boca por la mañana, con el desayuno, hasta el 15 de noviembre de 2026.'),
    (med('100/62.5/25 mcg, 1 inhalation', 'inhaled', 'daily', ['morning']),
     'Take 1 inhalation (100/62.5/25 mcg) in the morning.',
     'Haga 1 inhalación (100/62.5/25 mcg) por la mañana.'),
    (med('250/50 mcg, 1 inhalation', 'inhaled', 'BID', ['morning', 'evening']),
     'Take 1 inhalation (250/50 mcg) in the morning and 1 inhalation in the evening.',
     'Haga 1 inhalación (250/50 mcg) por la mañana y 1 inhalación por la tarde.'),
    (med('100/62.5/25 mcg, 1 puff', 'inhaled', 'daily', ['morning']),
     'Inhale 1 puff (100/62.5/25 mcg) in the morning.',
     'Haga 1 inhalación (100/62.5/25 mcg) por la mañana.'),
    (med('250/50 mcg, 1 puff', 'inhaled', 'BID', ['morning', 'evening']),
     'Inhale 1 puff (250/50 mcg) in the morning and 1 puff in the evening.',
     'Haga 1 inhalación (250/50 mcg) por la mañana y 1 inhalación por la tarde.'),
    (med('18 mcg, 1 capsule inhaled', 'inhaled', 'daily', ['morning']),
     'Inhale the powder from 1 capsule (18 mcg) in the morning.',
     'Inhale el polvo de 1 cápsula (18 mcg) por la mañana.'),
    (med('2 puffs', 'inhaled', 'q4h PRN SOB/wheeze', ['as_needed']),
     'Inhale 2 puffs every 4 hours, only if needed for shortness of breath or wheezing.',
     'Haga 2 inhalaciones cada 4 horas, solo si lo necesita para la falta de aire o el silbido al respirar.'),
    (med('21 mg/24 h', 'transdermal', 'daily, new patch each AM', ['morning']),
     'Put on a new 21 mg/24 hours patch in the morning.',
     'Póngase un parche nuevo de 21 mg/24 horas por la mañana.'),
    (med('10 mg', 'PO', 'daily', ['morning']),
     'Take 10 mg by mouth in the morning.',
     'Tome 10 mg por la boca por la mañana.'),
    (med('40 mg', 'SQ', 'daily', ['evening'], until='2026-12-15'),
     'Inject 40 mg under the skin in the evening, until December 15, 2026.',
     'Inyecte 40 mg debajo de la piel por la tarde, hasta el 15 de diciembre de 2026.'),
    (med('1000 mg', 'PO', 'q8h scheduled', ['morning', 'noon', 'evening']),
     'Take 1000 mg by mouth in the morning, 1000 mg at noon, and 1000 mg in the evening.',
     'Tome 1000 mg por la boca por la mañana, 1000 mg al mediodía y 1000 mg por la tarde.'),
    (med('2.5 mg', 'PO', 'q6h PRN severe pain', ['as_needed'], until='2026-11-27'),
     'Take 2.5 mg by mouth every 6 hours, only if needed for severe pain, until November 27, 2026.',
     'Tome 2.5 mg por la boca cada 6 horas, solo si lo necesita para el dolor fuerte, hasta el 27 de '
     'noviembre de 2026.'),
    (med('8.6/50 mg, 2 tabs', 'PO', 'BID while on oxycodone', ['morning', 'bedtime']),
     'Take 2 tablets (8.6/50 mg) by mouth in the morning and 2 tablets at bedtime.',
     'Tome 2 tabletas (8.6/50 mg) por la boca por la mañana y 2 tabletas al acostarse.'),
    (med('325 mg', 'PO', 'every other day', ['morning']),
     'Take 325 mg by mouth in the morning, every other day.',
     'Tome 325 mg por la boca por la mañana, un día sí y otro no.'),
    (med('2000 IU', 'PO', 'daily', ['morning']),
     'Take 2000 IU by mouth in the morning.',
     'Tome 2000 IU por la boca por la mañana.'),
    (med('5 mg', 'PO', 'daily', ['morning']),
     'Take 5 mg by mouth in the morning.',
     'Tome 5 mg por la boca por la mañana.'),
    (med('75 mcg', 'PO', 'daily before breakfast', ['morning']),
     'Take 75 mcg by mouth in the morning, before breakfast.',
     'Tome 75 mcg por la boca por la mañana, antes del desayuno.'),
    (med('5 mg', 'PO', 'qHS PRN sleep', ['as_needed']),
     'Take 5 mg by mouth at bedtime, only if needed for sleep.',
     'Tome 5 mg por la boca al acostarse, solo si lo necesita para dormir.'),
    (med('18 units', 'SQ', 'qHS', ['bedtime']),
     'Inject 18 units under the skin at bedtime.',
     'Inyecte 18 unidades debajo de la piel al acostarse.'),
    (med('500 mg', 'PO', 'BID with meals', ['morning', 'evening']),
     'Take 500 mg by mouth in the morning and 500 mg in the evening, with meals.',
     'Tome 500 mg por la boca por la mañana y 500 mg por la tarde, con las comidas.'),
    (med('10 mg', 'PO', 'daily', ['morning']),
     'Take 10 mg by mouth in the morning.',
     'Tome 10 mg por la boca por la mañana.'),
    (med('40 mg', 'PO', 'daily', ['evening']),
     'Take 40 mg by mouth in the evening.',
     'Tome 40 mg por la boca por la tarde.'),
    (med('4 g, 4 tablets', 'PO', 'PRN BG < 70', ['as_needed']),
     'Take 4 tablets (4 g) by mouth, only if needed.',
     'Tome 4 tabletas (4 g) por la boca, solo si lo necesita.'),
    (med('1 tab', 'PO', 'BID', []),
     'Take 1 tablet by mouth in the morning and 1 tablet in the evening.',
     'Tome 1 tableta por la boca por la mañana y 1 tableta por la tarde.'),
    (med('2 tabs', 'PO', 'TID', []),
     'Take 2 tablets by mouth in the morning, 2 tablets at noon, and 2 tablets in the evening.',
     'Tome 2 tabletas por la boca por la mañana, 2 tabletas al mediodía y 2 tabletas por la tarde.'),
    (med('1 cap', 'PO', 'QID', []),
     'Take 1 capsule by mouth in the morning, 1 capsule at noon, 1 capsule in the evening, and 1 capsule '
     'at bedtime.',
     'Tome 1 cápsula por la boca por la mañana, 1 cápsula al mediodía, 1 cápsula por la tarde y 1 cápsula '
     'al acostarse.'),
    (med('10 mg', 'PO', 'QHS', []),
     'Take 10 mg by mouth at bedtime.',
     'Tome 10 mg por la boca al acostarse.'),
    (med('10 mg', 'PO', 'HS', []),
     'Take 10 mg by mouth at bedtime.',
     'Tome 10 mg por la boca al acostarse.'),
    (med('20 mg', 'PO', 'QD', []),
     'Take 20 mg by mouth in the morning.',
     'Tome 20 mg por la boca por la mañana.'),
    (med('20 mg', 'PO', 'daily', []),
     'Take 20 mg by mouth in the morning.',
     'Tome 20 mg por la boca por la mañana.'),
    (med('20 mg', 'PO', 'once a day', []),
     'Take 20 mg by mouth in the morning.',
     'Tome 20 mg por la boca por la mañana.'),
    (med('20 mg', 'PO', 'twice daily', []),
     'Take 20 mg by mouth in the morning and 20 mg in the evening.',
     'Tome 20 mg por la boca por la mañana y 20 mg por la tarde.'),
    (med('25 mg', 'PO', 'at night', []),
     'Take 25 mg by mouth at bedtime.',
     'Tome 25 mg por la boca al acostarse.'),
    (med('325 mg', 'PO', 'QOD', []),
     'Take 325 mg by mouth every other day.',
     'Tome 325 mg por la boca un día sí y otro no.'),
    (med('70 mg', 'PO', 'weekly', []),
     'Take 70 mg by mouth once a week.',
     'Tome 70 mg por la boca una vez a la semana.'),
    (med('70 mg', 'PO', 'once a week on Mondays', []),
     'Take 70 mg by mouth on Mondays.',
     'Tome 70 mg por la boca los lunes.'),
    (med('5 mg', 'PO', 'q4h', []),
     'Take 5 mg by mouth every 4 hours.',
     'Tome 5 mg por la boca cada 4 horas.'),
    (med('5 mg', 'PO', 'q4-6h PRN pain', []),
     'Take 5 mg by mouth every 4 to 6 hours, only if needed for pain.',
     'Tome 5 mg por la boca cada 4 a 6 horas, solo si lo necesita para el dolor.'),
    (med('1-2 tabs', 'PO', 'q6h PRN pain', []),
     'Take 1 to 2 tablets by mouth every 6 hours, only if needed for pain.',
     'Tome 1 a 2 tabletas por la boca cada 6 horas, solo si lo necesita para el dolor.'),
    (med('1/2 tab', 'PO', 'daily', []),
     'Take 1/2 tablet by mouth in the morning.',
     'Tome 1/2 tableta por la boca por la mañana.'),
    (med('0.5 mL', 'PO', 'BID', []),
     'Take 0.5 mL by mouth in the morning and 0.5 mL in the evening.',
     'Tome 0.5 mL por la boca por la mañana y 0.5 mL por la tarde.'),
    (med('10 mg', 'PO', 'PRN', []),
     'Take 10 mg by mouth, only if needed.',
     'Tome 10 mg por la boca, solo si lo necesita.'),
    (med('10 mg', 'PO', 'PRN anxiety', []),
     'Take 10 mg by mouth, only if needed for anxiety.',
     'Tome 10 mg por la boca, solo si lo necesita para la ansiedad.'),
    (med('4 mg', 'SL', 'q8h PRN nausea', []),
     'Put 4 mg under your tongue every 8 hours, only if needed for nausea.',
     'Ponga 4 mg debajo de la lengua cada 8 horas, solo si lo necesita para las náuseas.'),
    (med('0.4 mg', 'SL', 'q5min PRN chest pain x 3 doses', []),
     'Put 0.4 mg under your tongue every 5 minutes, only if needed for chest pain, up to 3 doses.',
     'Ponga 0.4 mg debajo de la lengua cada 5 minutos, solo si lo necesita para el dolor de pecho, hasta '
     '3 dosis.'),
    (med('10 units', 'SQ', 'at bedtime', []),
     'Inject 10 units under the skin at bedtime.',
     'Inyecte 10 unidades debajo de la piel al acostarse.'),
    (med('10 units SQ at bedtime', '', '', []),
     'Inject 10 units under the skin at bedtime.',
     'Inyecte 10 unidades debajo de la piel al acostarse.'),
    (med('6 units', 'subq', 'TID AC', []),
     'Inject 6 units under the skin in the morning, 6 units at noon, and 6 units in the evening, before '
     'meals.',
     'Inyecte 6 unidades debajo de la piel por la mañana, 6 unidades al mediodía y 6 unidades por la '
     'tarde, antes de las comidas.'),
    (med('1 mL', 'IM', 'once a week', []),
     'Inject 1 mL into a muscle once a week.',
     'Inyecte 1 mL en un músculo una vez a la semana.'),
    (med('2 g', 'IV', 'q12h', []),
     'Give 2 g into a vein every 12 hours.',
     'Ponga 2 g en la vena cada 12 horas.'),
    (med('1 suppository', 'PR', 'PRN constipation', []),
     'Put 1 suppository in the rectum, only if needed for constipation.',
     'Ponga 1 supositorio en el recto, solo si lo necesita para el estreñimiento.'),
    (med('10 mg', 'PR', 'daily PRN constipation', []),
     'Put 10 mg in the rectum once a day, only if needed for constipation.',
     'Ponga 10 mg en el recto una vez al día, solo si lo necesita para el estreñimiento.'),
    (med('thin layer', 'topical', 'BID', []),
     'Apply a thin layer to the skin in the morning and a thin layer in the evening.',
     'Aplique una capa fina sobre la piel por la mañana y una capa fina por la tarde.'),
    (med('', 'apply to wound', 'daily', []),
     'Apply to the wound in the morning.',
     'Aplique en la herida por la mañana.'),
    (med('1 patch', 'transdermal', 'daily', []),
     'Put on 1 patch in the morning.',
     'Póngase 1 parche por la mañana.'),
    (med('2 puffs', 'inh', 'q4h PRN wheezing', []),
     'Inhale 2 puffs every 4 hours, only if needed for wheezing.',
     'Haga 2 inhalaciones cada 4 horas, solo si lo necesita para el silbido al respirar.'),
    (med('2 puffs', 'inhaled', 'BID', ['morning', 'evening']),
     'Inhale 2 puffs in the morning and 2 puffs in the evening.',
     'Haga 2 inhalaciones por la mañana y 2 inhalaciones por la tarde.'),
    (med('2.5 mg', 'via nebulizer', 'q6h PRN SOB', []),
     'Inhale 2.5 mg with your nebulizer every 6 hours, only if needed for shortness of breath.',
     'Inhale 2.5 mg con su nebulizador cada 6 horas, solo si lo necesita para la falta de aire.'),
    (med('1 drop', 'each eye', 'at bedtime', []),
     'Put 1 drop in each eye at bedtime.',
     'Ponga 1 gota en cada ojo al acostarse.'),
    (med('2 gtt', 'left ear', 'TID x 7 days', []),
     'Put 2 drops in the left ear in the morning, 2 drops at noon, and 2 drops in the evening, for 7 days.',
     'Ponga 2 gotas en el oído izquierdo por la mañana, 2 gotas al mediodía y 2 gotas por la tarde, '
     'durante 7 días.'),
    (med('2 sprays', 'each nostril', 'daily', []),
     'Use 2 sprays in each nostril in the morning.',
     'Use 2 atomizaciones en cada fosa nasal por la mañana.'),
    (med('500 mg', 'PO', 'BID with food', []),
     'Take 500 mg by mouth in the morning and 500 mg in the evening, with food.',
     'Tome 500 mg por la boca por la mañana y 500 mg por la tarde, con comida.'),
    (med('40 mg', 'PO', 'daily before breakfast', []),
     'Take 40 mg by mouth in the morning, before breakfast.',
     'Tome 40 mg por la boca por la mañana, antes del desayuno.'),
    (med('1 tab', 'PO', 'PC', []),
     'Take 1 tablet by mouth in the morning, 1 tablet at noon, and 1 tablet in the evening, after meals.',
     'Tome 1 tableta por la boca por la mañana, 1 tableta al mediodía y 1 tableta por la tarde, después '
     'de las comidas.'),
    (med('500 mg', 'PO', 'TID x 7 days', []),
     'Take 500 mg by mouth in the morning, 500 mg at noon, and 500 mg in the evening, for 7 days.',
     'Tome 500 mg por la boca por la mañana, 500 mg al mediodía y 500 mg por la tarde, durante 7 días.'),
    (med('1 tab', 'PO', 'daily x 2 weeks', []),
     'Take 1 tablet by mouth in the morning, for 2 weeks.',
     'Tome 1 tableta por la boca por la mañana, durante 2 semanas.'),
    (med('17 g', 'PO', 'daily PRN constipation', []),
     'Take 17 g by mouth once a day, only if needed for constipation.',
     'Tome 17 g por la boca una vez al día, solo si lo necesita para el estreñimiento.'),
    (med('5 mg', 'PO', 'q6h PRN itching', []),
     'Take 5 mg by mouth every 6 hours, only if needed for itching.',
     'Tome 5 mg por la boca cada 6 horas, solo si lo necesita para la picazón.'),
    (med('650 mg', 'PO', 'q6h PRN fever', []),
     'Take 650 mg by mouth every 6 hours, only if needed for fever.',
     'Tome 650 mg por la boca cada 6 horas, solo si lo necesita para la fiebre.'),
    (med('1 tab', 'PO', 'qHS PRN sleep', []),
     'Take 1 tablet by mouth at bedtime, only if needed for sleep.',
     'Tome 1 tableta por la boca al acostarse, solo si lo necesita para dormir.'),
    (med('1 tableta', 'VO', 'c/8h', []),
     'Take 1 tablet by mouth every 8 hours.',
     'Tome 1 tableta por la boca cada 8 horas.'),
    (med('500 mg', 'VO', 'cada 12 horas', []),
     'Take 500 mg by mouth every 12 hours.',
     'Tome 500 mg por la boca cada 12 horas.'),
    (med('10 mg', 'vía oral', 'al acostarse', []),
     'Take 10 mg by mouth at bedtime.',
     'Tome 10 mg por la boca al acostarse.'),
    (med('1 comp', 'VO', 'una vez al día por la mañana', []),
     'Take 1 tablet by mouth in the morning.',
     'Tome 1 tableta por la boca por la mañana.'),
    (med('20 mg', 'VO', 'dos veces al día con las comidas', []),
     'Take 20 mg by mouth in the morning and 20 mg in the evening, with meals.',
     'Tome 20 mg por la boca por la mañana y 20 mg por la tarde, con las comidas.'),
    (med('1 tableta', 'VO', 'cada 8 horas si necesita para el dolor', []),
     'Take 1 tablet by mouth every 8 hours, only if needed for pain.',
     'Tome 1 tableta por la boca cada 8 horas, solo si lo necesita para el dolor.'),
    (med('2 tabletas', 'VO', 'c/6h por 5 días', []),
     'Take 2 tablets by mouth every 6 hours, for 5 days.',
     'Tome 2 tabletas por la boca cada 6 horas, durante 5 días.'),
    (med('5 mg', 'PO', 'take as directed by Dr. Lee', []),
     'Take 5 mg by mouth.',
     'Tome 5 mg por la boca.'),
    (med('5 mg', 'PO', 'daily, hold if SBP < 100', []),
     'Take 5 mg by mouth in the morning.',
     'Tome 5 mg por la boca por la mañana.'),
    (med('per sliding scale', 'SQ', 'TID AC', []),
     'Inject your dose under the skin in the morning, your dose at noon, and your dose in the evening, '
     'before meals.',
     'Inyecte su dosis debajo de la piel por la mañana, su dosis al mediodía y su dosis por la tarde, '
     'antes de las comidas.'),
    (med('10 mg', 'PO', 'PRN for muscle cramps', []),
     'Take 10 mg by mouth, only if needed.',
     'Tome 10 mg por la boca, solo si lo necesita.'),
    (med('10 mg', 'PO/NG', 'daily', []),
     'Take 10 mg in the morning.',
     'Tome 10 mg por la mañana.'),
    (med('5 mg', 'PO', 'OD', []),
     'Take 5 mg by mouth.',
     'Tome 5 mg por la boca.'),
    (med('40 mg', 'PO', 'daily', ['morning', 'evening']),
     'Take 40 mg by mouth in the morning and 40 mg in the evening.',
     'Tome 40 mg por la boca por la mañana y 40 mg por la tarde.'),
    (med('1 tab', 'PO', 'TID', ['morning', 'evening']),
     'Take 1 tablet by mouth in the morning and 1 tablet in the evening.',
     'Tome 1 tableta por la boca por la mañana y 1 tableta por la tarde.'),
    (med('10 mg', 'PO', 'daily', ['as_needed']),
     'Take 10 mg by mouth once a day, only if needed.',
     'Tome 10 mg por la boca una vez al día, solo si lo necesita.'),
    (med('1 tab', 'PO', 'BID', ['morning', 'bedtime']),
     'Take 1 tablet by mouth in the morning and 1 tablet at bedtime.',
     'Tome 1 tableta por la boca por la mañana y 1 tableta al acostarse.'),
    (med('1 tab', 'PO', '', ['morning', 'noon', 'evening', 'bedtime']),
     'Take 1 tablet by mouth in the morning, 1 tablet at noon, 1 tablet in the evening, and 1 tablet at '
     'bedtime.',
     'Tome 1 tableta por la boca por la mañana, 1 tableta al mediodía, 1 tableta por la tarde y 1 tableta '
     'al acostarse.'),
    (med('10 U', 'SQ', 'qAM', []),
     'Inject 10 units under the skin in the morning.',
     'Inyecte 10 unidades debajo de la piel por la mañana.'),
    (med('5 mg', 'PO', 'daily', [], until='2026-12-01'),
     'Take 5 mg by mouth in the morning, until December 1, 2026.',
     'Tome 5 mg por la boca por la mañana, hasta el 1 de diciembre de 2026.'),
    (med('5 mg', 'PO', 'daily', [], until='next Friday'),
     'Take 5 mg by mouth in the morning.',
     'Tome 5 mg por la boca por la mañana.'),
    (med('1 tab', 'PO', 'BID', ['morning', 'evening', 'as_needed']),
     'Take 1 tablet by mouth in the morning and 1 tablet in the evening, and more only if needed.',
     'Tome 1 tableta por la boca por la mañana y 1 tableta por la tarde, y más solo si lo necesita.'),
    (med('2 tabs', 'PO', 'daily then 1 tab daily', []),
     'Take 2 tablets by mouth.',
     'Tome 2 tabletas por la boca.'),
    # The demo's Spanish-speaking pneumonia patient (DEMO-312455), typed in English.
    (med('875 mg', 'PO', 'BID x 4 days', ['morning', 'evening'], until='2026-12-01'),
     'Take 875 mg by mouth in the morning and 875 mg in the evening, for 4 days, until December 1, 2026.',
     'Tome 875 mg por la boca por la mañana y 875 mg por la tarde, durante 4 días, hasta el 1 de diciembre de 2026.'),
    (med('250 mg', 'PO', 'daily x 2 days', ['morning']),
     'Take 250 mg by mouth in the morning, for 2 days.',
     'Tome 250 mg por la boca por la mañana, durante 2 días.'),
    (med('1000 mg', 'PO', 'BID with meals', ['morning', 'evening']),
     'Take 1000 mg by mouth in the morning and 1000 mg in the evening, with meals.',
     'Tome 1000 mg por la boca por la mañana y 1000 mg por la tarde, con las comidas.'),
    (med('600 mg', 'PO', 'q12h PRN cough', ['as_needed']),
     'Take 600 mg by mouth every 12 hours, only if needed for cough.',
     'Tome 600 mg por la boca cada 12 horas, solo si lo necesita para la tos.'),
    (med('650 mg', 'PO', 'q6h PRN fever', ['as_needed']),
     'Take 650 mg by mouth every 6 hours, only if needed for fever.',
     'Tome 650 mg por la boca cada 6 horas, solo si lo necesita para la fiebre.'),
    # A thousands comma: kept in English; in Spanish, where many read it as a decimal mark, never written.
    (med('1,000 mg', 'PO', 'BID'),
     'Take 1,000 mg by mouth in the morning and 1,000 mg in the evening.',
     'Tome 1000 mg por la boca por la mañana y 1000 mg por la tarde.'),
    (med('5,000 units', 'SQ', 'q8h'),
     'Inject 5,000 units under the skin every 8 hours.',
     'Inyecte 5000 unidades debajo de la piel cada 8 horas.'),
    (med('50,000 units', 'PO', 'weekly'),
     'Take 50,000 units by mouth once a week.',
     'Tome 50\u00a0000 unidades por la boca una vez a la semana.'),
    (med('2,5 mg', 'VO', 'c/24h'),  # a decimal comma, typed by a Spanish-trained clinician: copied as typed
     'Take 2,5 mg by mouth every 24 hours.',
     'Tome 2,5 mg por la boca cada 24 horas.'),
    # Daily limits, composed (never split at the comma of "3,000" into "max 3" and "000 mg/day").
    (med('500 mg', 'PO', 'q6h PRN pain, max 3,000 mg/day', ['as_needed']),
     'Take 500 mg by mouth every 6 hours, only if needed for pain, no more than 3,000 mg in one day.',
     'Tome 500 mg por la boca cada 6 horas, solo si lo necesita para el dolor, no más de 3000 mg en un día.'),
    (med('1-2 tabs', 'PO', 'q6h prn pain, max 8 tabs in 24 hours', ['as_needed']),
     'Take 1 to 2 tablets by mouth every 6 hours, only if needed for pain, no more than 8 tablets in 24 hours.',
     'Tome 1 a 2 tabletas por la boca cada 6 horas, solo si lo necesita para el dolor, no más de 8 tabletas en 24 '
     'horas.'),
    (med('650 mg', 'PO', 'q6h PRN fever; do not exceed 3 g/day', ['as_needed']),
     'Take 650 mg by mouth every 6 hours, only if needed for fever, no more than 3 g in one day.',
     'Tome 650 mg por la boca cada 6 horas, solo si lo necesita para la fiebre, no más de 3 g en un día.'),
    (med('500 mg', 'VO', 'c/6h si lo necesita para el dolor, máximo 3000 mg al día', ['as_needed']),
     'Take 500 mg by mouth every 6 hours, only if needed for pain, no more than 3000 mg in one day.',
     'Tome 500 mg por la boca cada 6 horas, solo si lo necesita para el dolor, no más de 3000 mg en un día.'),
]


@pytest.mark.parametrize(("medication", "english", "spanish"), SENTENCES)
def test_sentence(medication, english, spanish):
    assert compose(medication, "en").text == english
    assert compose(medication, "es").text == spanish


def test_the_table_is_large_and_covers_the_scenario_and_demo_medicines():
    assert len(SENTENCES) >= 60
    scenarios = sorted((ROOT / "tests" / "fixtures" / "scenarios").glob("*.json"))
    files = [*scenarios, ROOT / "handoff" / "demo" / "patients.json"]
    typed = {(m["dose"], m["route"], m["frequency"], tuple(m["schedule"])) for m, _, _ in SENTENCES}
    for path in files:
        for medication in _medications(json.loads(path.read_text(encoding="utf-8"))):
            key = (medication["dose"], medication.get("route", ""), medication.get("frequency", ""),
                   tuple(medication.get("schedule") or ()))
            assert key in typed, (path.name, medication["name"])


def _medications(data):
    if isinstance(data, dict):
        if isinstance(data.get("medications"), list):
            yield from data["medications"]
        for value in data.values():
            yield from _medications(value)
    elif isinstance(data, list):
        for value in data:
            yield from _medications(value)


# --- The other fields ----------------------------------------------------------------------------------------------


def test_instruction_is_a_frozen_dataclass_with_every_field():
    result = compose(med("40 mg", "PO", "BID", ["morning", "evening"]), "en")
    assert result == Instruction(lang="en", text="Take 40 mg by mouth in the morning and 40 mg in the evening.",
                                 amount_per_time="40 mg", slots=("morning", "evening"), untranslated=(), parsed=True,
                                 notes=(), until="")
    with pytest.raises(AttributeError):
        result.text = "changed"


@pytest.mark.parametrize(("frequency", "slots"), [
    ("daily", ("morning",)), ("QD", ("morning",)), ("once a day", ("morning",)), ("BID", ("morning", "evening")),
    ("TID", ("morning", "noon", "evening")), ("QID", ("morning", "noon", "evening", "bedtime")),
    ("QHS", ("bedtime",)), ("HS", ("bedtime",)), ("at bedtime", ("bedtime",)), ("PRN", ("as_needed",)),
    ("q6h PRN pain", ("as_needed",)), ("q4h", ()), ("q6h", ()), ("q8h", ()), ("q12h", ("morning", "evening")),
    ("c/12h", ("morning", "evening")), ("QOD", ()), ("weekly", ()), ("AC", ("morning", "noon", "evening")),
    ("dos veces al día", ("morning", "evening")), ("al acostarse", ("bedtime",)), ("", ()),
])
def test_slots_follow_the_universal_medication_schedule_when_nothing_is_ticked(frequency, slots):
    assert compose(med("1 tab", "PO", frequency), "en").slots == slots


def test_the_ticked_schedule_wins_and_the_disagreement_is_noted_for_clinicians():
    furosemide = med("40 mg", "PO", "BID", ["morning", "noon"])
    for lang in ("en", "es"):
        result = compose(furosemide, lang)
        assert result.slots == ("morning", "noon")
        assert result.parsed
        assert len(result.notes) == 1 and "BID" in result.notes[0] and "morning, noon" in result.notes[0]
    assert compose(med("40 mg", "PO", "daily", ["morning", "evening"]), "en").notes
    assert compose(med("40 mg", "PO", "daily", ["evening"]), "en").notes == ()  # once a day, at a ticked time
    assert compose(med("40 mg", "PO", "BID", ["morning", "evening"]), "en").notes == ()


@pytest.mark.parametrize(("dose", "english", "spanish"), [
    ("40 mg", "40 mg", "40 mg"), ("1 tab", "1 tablet", "1 tableta"), ("2 tabs", "2 tablets", "2 tabletas"),
    ("1/2 tab", "1/2 tablet", "1/2 tableta"), ("1-2 tabs", "1 to 2 tablets", "1 a 2 tabletas"),
    ("0.5 mL", "0.5 mL", "0.5 mL"), ("2 puffs", "2 puffs", "2 inhalaciones"), ("10 U", "10 units", "10 unidades"),
    ("8.6/50 mg, 2 tabs", "2 tablets (8.6/50 mg)", "2 tabletas (8.6/50 mg)"), ("2 gtt", "2 drops", "2 gotas"),
    ("1 cápsula", "1 capsule", "1 cápsula"), ("2000 IU", "2000 IU", "2000 IU"), ("thin layer", "a thin layer",
                                                                              "una capa fina"),
    ("total 10 mg", "", ""), ("see chart", "", ""),
])
def test_amount_per_time_keeps_numbers_and_units(dose, english, spanish):
    assert compose(med(dose, "PO", "daily"), "en").amount_per_time == english
    assert compose(med(dose, "PO", "daily"), "es").amount_per_time == spanish


@pytest.mark.parametrize(("medication", "untranslated"), [
    (med("5 mg", "PO", "take as directed by Dr. Lee"), ("take as directed by Dr. Lee",)),
    (med("10 mg", "PO", "PRN for muscle cramps"), ("for muscle cramps",)),
    (med("4 g, 4 tablets", "PO", "PRN BG < 70"), ("BG < 70",)),
    (med("8.6/50 mg, 2 tabs", "PO", "BID while on oxycodone"), ("while on oxycodone",)),
    (med("per sliding scale", "SQ", "TID AC"), ("per sliding scale",)),
    (med("2 tabs (total 10 mg)", "PO", "daily"), ("2 tabs (total 10 mg)",)),
    (med("5 mg", "PO", "OD"), ("OD",)),
    (med("1 drop", "OU", "BID"), ("OU",)),
    (med("2 tabs", "PO", "daily x 3 days, then 1 tab daily"), ("daily x 3 days, then 1 tab daily",)),
    (med("5 mg", "PO", "daily", until="next Friday"), ("next Friday",)),
    (med("500 mg", "PO", "q6h PRN, max 3,000 mg/week"), ("max 3,000 mg/week",)),  # one piece, as typed
])
def test_what_cannot_be_composed_is_left_out_and_returned_as_typed(medication, untranslated):
    for lang in ("en", "es"):
        result = compose(medication, lang)
        assert result.untranslated == untranslated
        for part in untranslated:
            assert part not in result.text
    assert compose(medication, "en").parsed is (medication.get("until") is not None)


def test_no_english_words_are_glued_into_a_spanish_sentence():
    for medication, _, spanish in SENTENCES:
        for english_word in ("take", "by mouth", "daily", "PRN", "pain", "needed", "tablet ", "hours", "while"):
            assert english_word not in spanish.lower().replace("tableta", ""), (medication, spanish)


def test_a_prn_reason_is_taken_from_the_purpose_only_when_it_is_exactly_a_known_reason():
    assert compose(med("400 mg", "PO", "PRN", purpose="Pain"), "es").text == \
        "Tome 400 mg por la boca, solo si lo necesita para el dolor."
    assert compose(med("2 puffs", "inh", "PRN", purpose="Rescue inhaler"), "en").text == \
        "Inhale 2 puffs, only if needed."


def test_until_is_returned_as_iso_and_the_caller_may_format_it():
    medication = med("40 mg", "SQ", "daily", ["evening"], until="2026-12-01")
    assert compose(medication, "en").until == "2026-12-01"
    assert compose(medication, "en", until_text="Tuesday, December 1, 2026").text == \
        "Inject 40 mg under the skin in the evening, until Tuesday, December 1, 2026."
    assert compose(medication, "es", until_text="martes, 1 de diciembre de 2026").text == \
        "Inyecte 40 mg debajo de la piel por la tarde, hasta el martes, 1 de diciembre de 2026."
    assert compose(med("1 tab", "PO", "daily", until="2026-02-30"), "en").until == ""


@pytest.mark.parametrize(("medication", "english", "spanish"), [
    ({"name": "ibuprofen", "dose": "400 mg", "route": "PO", "status": "stopped"}, "Stop taking ibuprofen.",
     "Deje de tomar ibuprofen."),
    ({"name": "Zolpidem", "dose": "5 mg", "route": "PO"}, "Stop taking Zolpidem.", "Deje de tomar Zolpidem."),
    ({"name": "Fluticasone/salmeterol (Advair Diskus)", "dose": "250/50 mcg, 1 inhalation", "route": "inhaled"},
     "Stop using Fluticasone/salmeterol (Advair Diskus).", "Deje de usar Fluticasone/salmeterol (Advair Diskus)."),
    ({"name": "Nicotine patch", "dose": "21 mg/24 h", "route": "transdermal"}, "Stop using Nicotine patch.",
     "Deje de usar Nicotine patch."),
    ({"name": "", "dose": "5 mg"}, "Stop taking this medicine.", "Deje de tomar este medicamento."),
])
def test_stop_text_keeps_the_name_as_typed(medication, english, spanish):
    assert stop_text(medication, "en") == english
    assert stop_text(medication, "es") == spanish


def test_language_tags_and_unknown_languages():
    medication = med("1 tab", "PO", "BID")
    assert compose(medication, "es-MX").text == compose(medication, "es").text
    assert compose(medication, "fr").lang == "en"


def test_the_sentences_read_at_grade_6_or_below():
    from handoff.documents.readability import readability_grade

    # Scored together, as the summary lists them (one sentence per medicine); the long ones are lists of times.
    assert readability_grade("\n".join(english for _, english, _ in SENTENCES), "en") <= 6
    assert readability_grade("\n".join(spanish for _, _, spanish in SENTENCES), "es") <= 6


# --- Properties ------------------------------------------------------------------------------------------------------

_TYPED = st.one_of(st.text(max_size=40), st.sampled_from(
    ["40 mg", "1-2 tabs", "q6h PRN pain", "BID", "PO", "c/8h", "1/2 tab", "8.6/50 mg, 2 tabs", "PRN for", "x 7 days",
     "PRN SOB/", "0,5 mL", "then", "2 puffs", "10 U", "every 0 hours", "q0h", "1/0 tab", "9" * 5000 + " mg"]))
_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _TYPED, st.lists(_TYPED, max_size=3),
                    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2))
_ENTRIES = st.fixed_dictionaries({}, optional={key: _VALUES for key in (
    "name", "dose", "route", "frequency", "status", "purpose", "change_note", "until")} | {
    "schedule": st.one_of(_VALUES, st.lists(st.one_of(st.sampled_from(SLOTS), _TYPED), max_size=5))})


@settings(max_examples=400, deadline=None)
@given(medication=st.one_of(_ENTRIES, _VALUES), lang=st.one_of(st.sampled_from(["en", "es"]), _TYPED, st.none()),
       until_text=st.one_of(st.none(), _TYPED))
def test_compose_never_raises(medication, lang, until_text):
    result = compose(medication, lang, until_text=until_text)
    assert isinstance(result, Instruction)
    assert not any(note.startswith("instruction not composed") for note in result.notes)
    assert result.text.endswith(".") and result.text[:1].isupper()
    assert set(result.slots) <= set(SLOTS)
    assert isinstance(stop_text(medication, lang), str)


@settings(max_examples=400, deadline=None)
@given(dose=_TYPED, route=_TYPED, frequency=_TYPED, lang=st.sampled_from(["en", "es"]))
def test_every_number_of_the_dose_is_in_the_sentence_or_shown_as_typed(dose, route, frequency, lang):
    result = compose(med(dose, route, frequency), lang)
    for number in re.findall(r"\d+", dose):
        assert number in result.text or any(number in part for part in result.untranslated)
    if result.amount_per_time:  # a composed dose: every number of it is in the sentence, unchanged
        for number in re.findall(r"\d+", dose):
            assert number in result.text


@pytest.mark.parametrize(("medication", "english"), [(m, e) for m, e, _ in SENTENCES])
def test_every_number_of_a_table_dose_is_in_its_sentences(medication, english):
    spanish = compose(medication, "es").text
    for number in re.findall(r"\d+(?:[.,/]\d+)*", medication["dose"]):
        if compose(medication, "en").amount_per_time:
            thousands = re.fullmatch(r"\d{1,3}(?:,\d{3})+", number)  # written without its comma in Spanish
            assert number in english
            assert (number.replace(",", "") if thousands else number) in spanish.replace("\u00a0", "")


@settings(max_examples=300, deadline=None)
@given(value=st.integers(min_value=1_000, max_value=9_999_999), form=st.sampled_from(["mg", "units", "mcg", "mL"]))
def test_a_thousands_comma_keeps_its_value_and_never_reaches_a_spanish_reader(value, form):
    typed = f"{value:,} {form}"
    english, spanish = compose(med(typed, "PO", "daily"), "en"), compose(med(typed, "PO", "daily"), "es")
    assert english.amount_per_time.startswith(f"{value:,} ")  # as typed
    number = spanish.amount_per_time.split(" ")[0]
    assert "," not in spanish.text and "." not in number
    assert int(number.replace("\u00a0", "")) == value  # the same amount, read by any reader
    assert (number == str(value)) is (value < 10_000)  # grouped by no-break spaces from five digits
