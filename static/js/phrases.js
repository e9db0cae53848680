// The phrase library and the hospital's translation memory on the tablet (DESIGN 3.6): the entries
// in force for a language, fetched once (every page) while online, kept in the encrypted store's
// cache for offline use, refreshed now and then; word matching for suggestions as a nurse types;
// and the exact match that says whether a typed value has a translation.
//
// An entry `{lang, source, text}` translates `source` into `lang`: the entries of lang "es" hold
// English sources (what a nurse types in English for a Spanish reader), those of "en" Spanish ones.

export const PER_PAGE = 200; // the API's largest page
export const REFRESH_MS = 6 * 60 * 60 * 1000; // entries older than this are fetched again when online
export const MAX_SUGGESTIONS = 6;
const cacheKey = (lang) => `translations:${lang}`;

/** What the server matches on: case folded, runs of white space made one space, trimmed. */
export function normalize(text) {
  return String(text ?? "")
    .split(/\s+/)
    .filter(Boolean)
    .join(" ")
    .toLowerCase();
}

/** For word matching only: normalized, accents dropped, punctuation read as a space. */
export function fold(text) {
  return normalize(
    String(text ?? "")
      .normalize("NFD")
      .replace(/\p{M}+/gu, "")
      .replace(/[^\p{L}\p{N}]+/gu, " "),
  );
}

/**
 * Entries whose source matches the words typed, best first, at most `limit`.
 * Every typed word must be found in the source: as the start of one of its words (better) or
 * anywhere inside it. Best: the source begins with what was typed; then all words are word
 * prefixes, in order; then fewer substring-only words; then the shorter source; then A to Z.
 * An entry whose source is exactly the text already typed is not offered again; the same source
 * is offered once.
 */
export function rankMatches(entries, query, { limit = MAX_SUGGESTIONS } = {}) {
  const typed = fold(query);
  if (!typed) return [];
  const words = typed.split(" ");
  const seen = new Set();
  const scored = [];
  for (const entry of entries || []) {
    const source = fold(entry?.source);
    if (!source || source === typed || seen.has(source)) continue;
    const sourceWords = source.split(" ");
    let inner = 0;
    let ordered = true;
    let last = -1;
    let found = true;
    for (const word of words) {
      const at = sourceWords.findIndex((w, i) => i > last && w.startsWith(word));
      const anyAt = at >= 0 ? at : sourceWords.findIndex((w) => w.startsWith(word));
      if (anyAt >= 0) {
        if (at < 0) ordered = false;
        else last = at;
        continue;
      }
      if (source.includes(word)) {
        inner += 1;
        continue;
      }
      found = false;
      break;
    }
    if (!found) continue;
    seen.add(source);
    const score = (source.startsWith(typed) ? 0 : 4) + (ordered ? 0 : 2) + inner * 8;
    scored.push({ entry, score, length: source.length, source });
  }
  scored.sort((a, b) => a.score - b.score || a.length - b.length || a.source.localeCompare(b.source));
  return scored.slice(0, limit).map((s) => s.entry);
}

/** The entry translating exactly `text` (normalized), or null. */
export function findTranslation(entries, text) {
  const wanted = normalize(text);
  if (!wanted) return null;
  return (entries || []).find((e) => normalize(e.source) === wanted) || null;
}

/** The other shipped language (two ship: English and Spanish). */
export const otherLanguage = (lang) => (lang === "es" ? "en" : "es");

/**
 * The memory for one tablet session: `entries(lang)` → what is known now (never waits for the
 * network once anything is kept), `load(lang)` → the entries, fetched when missing or stale and
 * online; `remember(entry)` puts a new entry in force locally (after the server took it).
 */
export function createPhraseMemory({ api, store, now = () => Date.now(), refreshMs = REFRESH_MS }) {
  const known = new Map(); // lang -> {fetchedAt, entries}
  const loading = new Map(); // lang -> Promise

  async function fetchAll(lang) {
    const all = [];
    for (let page = 1; page < 100; page += 1) {
      const items = await api.get(`/translations?lang=${encodeURIComponent(lang)}&page=${page}&per_page=${PER_PAGE}`);
      all.push(...items.map(({ lang: l, source, text, builtin }) => ({ lang: l, source, text, builtin })));
      if (items.length < PER_PAGE) break;
    }
    return all;
  }

  async function kept(lang) {
    if (!known.has(lang)) {
      const value = await store.cacheGet(cacheKey(lang)).catch(() => null);
      if (value?.entries && !known.has(lang)) known.set(lang, value);
    }
    return known.get(lang) || null;
  }

  function load(lang, { force = false } = {}) {
    if (loading.has(lang)) return loading.get(lang);
    const job = (async () => {
      const have = await kept(lang);
      if (have && !force && now() - have.fetchedAt < refreshMs) return have.entries;
      try {
        const value = { fetchedAt: now(), entries: await fetchAll(lang) };
        // Entries added on this tablet meanwhile are already in the server's answer.
        known.set(lang, value);
        await store.cachePut(cacheKey(lang), value).catch(() => {});
        return value.entries;
      } catch {
        return have ? have.entries : []; // offline (or the server failed): what is kept, if anything
      }
    })().finally(() => loading.delete(lang));
    loading.set(lang, job);
    return job;
  }

  function entries(lang) {
    return known.get(lang)?.entries || [];
  }

  async function remember({ lang, source, text }) {
    const have = (await kept(lang)) || { fetchedAt: 0, entries: [] };
    const key = normalize(source);
    const next = {
      fetchedAt: have.fetchedAt,
      entries: [{ lang, source, text, builtin: false }, ...have.entries.filter((e) => normalize(e.source) !== key)],
    };
    known.set(lang, next);
    await store.cachePut(cacheKey(lang), next).catch(() => {});
  }

  return { load, entries, remember };
}

let shared = null;
/** One memory per page (the entries are the hospital's, not the nurse's: kept across screens). */
export function phraseMemory(ctx) {
  if (!shared || shared.store !== ctx.store) shared = { store: ctx.store, memory: createPhraseMemory(ctx) };
  return shared.memory;
}
