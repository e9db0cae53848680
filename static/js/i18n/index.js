// The tablet app's own words: t(key, params) looks a message key up in the catalogue of the
// current language (English and Spanish ship). Messages are whole sentences with named
// parameters ("{count} items wait to be sent"), never pieces glued together by the caller,
// so a translator sees the sentence a nurse will read. Plural messages are objects keyed by
// Intl.PluralRules categories ({one: "...", other: "..."}), chosen by the `count` parameter.
import en from "./en.js";
import es from "./es.js";

export const CATALOGUES = { en, es };
export const LANGUAGES = Object.keys(CATALOGUES);
const STORAGE_KEY = "handoff.language"; // the nurse's choice; not patient data
const listeners = new Set();
let current = "en";

/** The first of the browser's preferred languages that ships, else English. */
export function pickLanguage(preferred = globalThis.navigator?.languages ?? []) {
  for (const tag of preferred) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

/** Start in the nurse's saved choice, or the browser's language. */
export function initLanguage(storage = globalThis.localStorage) {
  let saved = null;
  try {
    saved = storage?.getItem(STORAGE_KEY);
  } catch {
    saved = null; // storage can be disabled; the browser's language still applies
  }
  return setLanguage(LANGUAGES.includes(saved) ? saved : pickLanguage(), { storage: null });
}

export function setLanguage(lang, { storage = globalThis.localStorage } = {}) {
  if (!LANGUAGES.includes(lang)) throw new Error(`unknown language ${lang}`);
  current = lang;
  try {
    storage?.setItem(STORAGE_KEY, lang);
  } catch {
    // not saved for next time; the switch still applies now
  }
  if (globalThis.document?.documentElement) document.documentElement.lang = lang;
  for (const listener of listeners) listener(lang);
  return lang;
}

export const language = () => current;

export function onLanguageChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The message for `key` in the current language, with `{name}` parameters filled in. */
export function t(key, params = {}) {
  return format(current, key, params);
}

export function format(lang, key, params = {}) {
  let message = CATALOGUES[lang]?.[key] ?? CATALOGUES.en[key];
  if (message === undefined) {
    // A missing key is a bug a unit test catches; on a ward, show the key rather than nothing.
    console.error(`i18n: no message ${key}`);
    return key;
  }
  if (typeof message === "object") {
    const category = new Intl.PluralRules(lang).select(Number(params.count ?? 0));
    message = message[category] ?? message.other;
  }
  return message.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}
