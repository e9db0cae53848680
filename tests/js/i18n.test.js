// The message catalogue: both languages have the same keys, every key the code uses exists,
// parameters and plurals are filled in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { CATALOGUES, format, pickLanguage } from "../../static/js/i18n/index.js";

const JS_ROOT = new URL("../../static/js/", import.meta.url).pathname;

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "i18n" ? [] : sourceFiles(path);
    return path.endsWith(".js") ? [path] : [];
  });
}

const placeholders = (message) =>
  [
    ...new Set((typeof message === "object" ? Object.values(message).join(" ") : message).match(/\{\w+\}/g) ?? []),
  ].sort();

test("every language has exactly the keys of English, with the same parameters", () => {
  for (const [lang, catalogue] of Object.entries(CATALOGUES)) {
    assert.deepEqual(Object.keys(catalogue).sort(), Object.keys(CATALOGUES.en).sort(), `keys of ${lang}`);
    for (const [key, message] of Object.entries(catalogue)) {
      assert.deepEqual(placeholders(message), placeholders(CATALOGUES.en[key]), `parameters of ${lang} ${key}`);
    }
  }
});

test("every key the app asks for is in the catalogue", () => {
  const used = new Set();
  for (const file of sourceFiles(JS_ROOT)) {
    for (const match of readFileSync(file, "utf8").matchAll(/\bt\(\s*["']([a-z][\w-]*(?:\.[\w-]+)+)["']/g)) {
      used.add(match[1]);
    }
  }
  const missing = [...used].filter((key) => !(key in CATALOGUES.en));
  assert.deepEqual(missing, []);
});

test("parameters are filled in and plurals follow the language's rules", () => {
  CATALOGUES.en["test.items"] = { one: "{count} item", other: "{count} items" };
  CATALOGUES.es["test.items"] = { one: "{count} elemento", other: "{count} elementos" };
  try {
    assert.equal(format("en", "test.items", { count: 1 }), "1 item");
    assert.equal(format("en", "test.items", { count: 3 }), "3 items");
    assert.equal(format("es", "test.items", { count: 0 }), "0 elementos");
  } finally {
    delete CATALOGUES.en["test.items"];
    delete CATALOGUES.es["test.items"];
  }
});

test("the app follows the browser's language when it ships, else English", () => {
  assert.equal(pickLanguage(["es-MX", "en-US"]), "es");
  assert.equal(pickLanguage(["fr-FR", "en-GB"]), "en");
  assert.equal(pickLanguage(["de"]), "en");
});
