// Whether a patient-visible value reaches a Spanish reader translated: the server's readability of
// the saved revision, then the translation memory for what was typed since.
import { test } from "node:test";
import assert from "node:assert/strict";
import { offersSuggestions, translationState } from "../../static/js/views/handoff/translate.js";

const PATH = "warning_signs.0.sign";
const entries = [{ lang: "es", source: "Chest pain", text: "Dolor en el pecho." }];
const savedWith = (value, untranslated) => ({ data: { warning_signs: [{ sign: value }] }, untranslated });

test("blank says nothing; a memory entry for the whole value is translated", () => {
  assert.equal(translationState({ path: PATH, value: "  ", entries, saved: null }), null);
  assert.equal(translationState({ path: PATH, value: undefined, entries, saved: null }), null);
  assert.deepEqual(translationState({ path: PATH, value: " chest  PAIN ", entries, saved: null }), {
    state: "translated",
  });
});

test("typed since the save, without an entry: not translated, the whole value to translate", () => {
  const saved = savedWith("Old text", []);
  assert.deepEqual(translationState({ path: PATH, value: " Swollen ankles ", entries, saved }), {
    state: "untranslated",
    texts: ["Swollen ankles"],
  });
});

test("the saved value: the server's untranslated texts, less those translated since", () => {
  const value = "Chest pain. Legs swell at night.";
  const saved = savedWith(value, [{ path: PATH, text: "Legs swell at night." }]);
  assert.deepEqual(translationState({ path: PATH, value, entries, saved }), {
    state: "untranslated",
    texts: ["Legs swell at night."],
  });
  const more = [...entries, { lang: "es", source: "legs swell at night.", text: "Se le hinchan las piernas." }];
  assert.deepEqual(translationState({ path: PATH, value, entries: more, saved }), { state: "translated" });
  // Not listed by the server: in the summary's language already (or not shown): nothing to say.
  assert.equal(
    translationState({ path: PATH, value: "Dolor al orinar", entries, saved: savedWith("Dolor al orinar", []) }),
    null,
  );
});

test("every sentence with its own entry counts as translated", () => {
  const both = [
    { lang: "es", source: "Chest pain.", text: "Dolor en el pecho." },
    { lang: "es", source: "Fever", text: "Fiebre." },
  ];
  assert.deepEqual(translationState({ path: PATH, value: "Chest pain. Fever", entries: both, saved: null }), {
    state: "translated",
  });
});

test("suggestions are offered on the fields of common wording only", () => {
  for (const path of [
    "warning_signs.3.sign",
    "medications.0.purpose",
    "medications.2.change_note",
    "follow_up.1.purpose",
    "self_care.diet",
    "self_care.wound_care",
  ])
    assert.ok(offersSuggestions(path), path);
  for (const path of ["medications.0.name", "hospital_course", "warning_signs.0.action", "contacts.0.phone"])
    assert.ok(!offersSuggestions(path), path);
});
