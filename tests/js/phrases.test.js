// The phrase library on the tablet: the normalization the server matches on, word matching and
// ranking of suggestions, the exact match that says a value has a translation, and the memory's
// fetch-once, keep, refresh and offline behaviour.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MAX_SUGGESTIONS,
  PER_PAGE,
  createPhraseMemory,
  findTranslation,
  fold,
  normalize,
  rankMatches,
} from "../../static/js/phrases.js";

const entry = (source, text = `es: ${source}`) => ({ lang: "es", source, text });
const sources = (list) => list.map((e) => e.source);

test("normalize casefolds, collapses runs of white space and trims, like the server", () => {
  assert.equal(normalize("  Chest   PAIN\tor\n pressure "), "chest pain or pressure");
  assert.equal(normalize("Dolor  en el PECHO."), "dolor en el pecho.");
  assert.equal(normalize(""), "");
  assert.equal(normalize(null), "");
  assert.equal(normalize(undefined), "");
  // Accents and punctuation are kept: a translation's source must match them exactly.
  assert.notEqual(normalize("Fiebre más alta"), normalize("Fiebre mas alta"));
});

test("fold drops accents and punctuation for word matching only", () => {
  assert.equal(fold("Fiebre MÁS alta de 38 °C."), "fiebre mas alta de 38 c");
  assert.equal(fold("Weight-bearing, as tolerated"), "weight bearing as tolerated");
  assert.equal(fold("  "), "");
});

test("rankMatches: word prefixes, case and accents ignored, the source starting with the words first", () => {
  const entries = [
    entry("Bring your weight log."),
    entry("Weight up more than 2 lb in a day or 5 lb in a week"),
    entry("Weight bearing as tolerated"),
    entry("Chest pain"),
    entry("Lose weight slowly"),
  ];
  assert.deepEqual(sources(rankMatches(entries, "Weight")), [
    "Weight bearing as tolerated",
    "Weight up more than 2 lb in a day or 5 lb in a week",
    "Lose weight slowly",
    "Bring your weight log.",
  ]);
  assert.deepEqual(sources(rankMatches(entries, "WEIGHT")), sources(rankMatches(entries, "weight")));
  assert.deepEqual(sources(rankMatches([entry("Fiebre más alta de 38 °C")], "fiebre mas")), [
    "Fiebre más alta de 38 °C",
  ]);
  assert.deepEqual(sources(rankMatches([entry("Fiebre mas alta")], "Fiebre más")), ["Fiebre mas alta"]);
});

test("rankMatches: every word must be found; words in order beat words out of order; substrings last", () => {
  const entries = [
    entry("Pain in your chest"),
    entry("Chest pain or pressure"),
    entry("Shortness of breath"),
    entry("Headache and chest tightness"),
  ];
  assert.deepEqual(sources(rankMatches(entries, "chest pain")), ["Chest pain or pressure", "Pain in your chest"]);
  assert.deepEqual(sources(rankMatches(entries, "breath short")), ["Shortness of breath"]);
  // "ache" is inside "Headache" only: still offered, after the word-prefix matches of other words.
  assert.deepEqual(sources(rankMatches(entries, "ache")), ["Headache and chest tightness"]);
  assert.deepEqual(rankMatches(entries, "fever"), []);
  assert.deepEqual(rankMatches(entries, "   "), []);
  assert.deepEqual(rankMatches(null, "chest"), []);
});

test("rankMatches: at most six, shorter first among equals, no duplicate or already-typed source", () => {
  const many = Array.from({ length: 20 }, (_, i) => entry(`Swelling ${"x".repeat(20 - i)}`));
  const found = rankMatches(many, "swelling");
  assert.equal(MAX_SUGGESTIONS, 6);
  assert.equal(found.length, 6);
  assert.deepEqual(
    found.map((e) => e.source.length),
    [...found.map((e) => e.source.length)].sort((a, b) => a - b),
  );
  assert.equal(rankMatches(many, "swelling", { limit: 2 }).length, 2);
  const dupes = [
    entry("Chest pain"),
    { lang: "es", source: "chest  PAIN", text: "x" },
    entry("Chest pain or pressure"),
  ];
  assert.deepEqual(sources(rankMatches(dupes, "chest")), ["Chest pain", "Chest pain or pressure"]);
  assert.deepEqual(sources(rankMatches(dupes, "Chest pain")), ["Chest pain or pressure"]);
});

test("findTranslation matches the whole value exactly after normalizing", () => {
  const entries = [entry("Chest pain", "Dolor en el pecho.")];
  assert.equal(findTranslation(entries, "  chest   PAIN ").text, "Dolor en el pecho.");
  assert.equal(findTranslation(entries, "Chest pain or pressure"), null);
  assert.equal(findTranslation(entries, "Chest"), null);
  assert.equal(findTranslation(entries, ""), null);
});

function fakes(pages) {
  const calls = [];
  const cache = new Map();
  let offline = false;
  const api = {
    async get(path) {
      calls.push(path);
      if (offline) throw Object.assign(new Error("offline"), { name: "OfflineError" });
      const page = Number(new URL(path, "http://x").searchParams.get("page"));
      return pages[page - 1] || [];
    },
  };
  const store = {
    async cachePut(key, value) {
      cache.set(key, structuredClone(value));
    },
    async cacheGet(key) {
      return cache.has(key) ? structuredClone(cache.get(key)) : null;
    },
  };
  return { api, store, calls, cache, goOffline: () => (offline = true) };
}

test("the memory fetches every page once, keeps it, refreshes when stale, and answers offline", async () => {
  const full = Array.from({ length: PER_PAGE }, (_, i) => entry(`Phrase ${i}`));
  const { api, store, calls, goOffline } = fakes([full, [entry("Last one")]]);
  let clock = 1000;
  const memory = createPhraseMemory({ api, store, now: () => clock, refreshMs: 100 });
  assert.equal((await memory.load("es")).length, PER_PAGE + 1);
  assert.deepEqual(calls, [
    `/translations?lang=es&page=1&per_page=${PER_PAGE}`,
    `/translations?lang=es&page=2&per_page=${PER_PAGE}`,
  ]);
  await memory.load("es");
  assert.equal(calls.length, 2, "fresh: no second fetch");

  // A new page (a reload): the kept copy answers without the network.
  const again = createPhraseMemory({ api, store, now: () => clock, refreshMs: 100 });
  goOffline();
  assert.equal((await again.load("es")).length, PER_PAGE + 1);
  clock += 1000; // stale, but offline: the kept copy stands
  assert.equal((await again.load("es")).length, PER_PAGE + 1);
  assert.equal(again.entries("es").length, PER_PAGE + 1);

  await again.remember({ lang: "es", source: "Phrase 3", text: "Frase tres" });
  assert.equal(findTranslation(again.entries("es"), "phrase 3").text, "Frase tres");
  assert.equal(again.entries("es").length, PER_PAGE + 1, "the new entry supersedes, it does not add");
  const third = createPhraseMemory({ api, store, now: () => clock, refreshMs: 100 });
  assert.equal(findTranslation(await third.load("es"), "Phrase 3").text, "Frase tres", "kept in the store");
});

test("offline with nothing kept, the memory is empty rather than failing", async () => {
  const { api, store, goOffline } = fakes([]);
  goOffline();
  const memory = createPhraseMemory({ api, store });
  assert.deepEqual(await memory.load("en"), []);
});
