// The server's checks on handoff data (handoff/checklists/forms.py), ported rule for rule so the
// form can say what is wrong as the nurse types. validate(def, data, {final}) gives the same
// [{path, message}] list the server's 422 gives: draft rules (types, formats, choices, lengths,
// list sizes, unknown keys) always; required fields and the definition's rules when final.
// Messages come from the catalogue; in English they are the server's words exactly (a browser
// test compares them), and a definition's own rule message is shown as written.
import { onLanguageChange, t } from "../i18n/index.js";

// The "required" message in the current language (a live binding: it follows a language switch).
export let REQUIRED = t("validate.required");
export let EMPTY_ENTRY = t("validate.emptyEntry");
onLanguageChange(() => {
  REQUIRED = t("validate.required");
  EMPTY_ENTRY = t("validate.emptyEntry");
});
const MAX_LENGTH = { text: 500, longtext: 5000, datetime_or_text: 200 };
const MAX_ITEMS = 100;
const MISSING = undefined;

const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const DATETIME =
  /^([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,6})?)?(Z|[+-]([0-9]{2}):([0-9]{2}))?$/;
const LOOKS_LIKE_DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}(T|\n?$)/; // Python's $ also matches before a final \n

export const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

export function isEmpty(v) {
  if (v == null) return true;
  if (typeof v === "string") return !v.trim();
  if (Array.isArray(v)) return !v.length;
  if (isObject(v)) return !Object.keys(v).length;
  return false;
}

export function isValidDate(v) {
  const m = typeof v === "string" && DATE.exec(v);
  if (!m) return false;
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  return (
    d <=
    new Date(Date.UTC(2000, mo, 0)).getUTCDate() -
      (mo === 2 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 1 : 0)
  );
}

export function isValidDatetime(v) {
  const m = typeof v === "string" && DATETIME.exec(v);
  return (
    !!m &&
    isValidDate(m[1]) &&
    +m[2] < 24 &&
    +m[3] < 60 &&
    (m[4] == null || +m[4] < 60) &&
    (m[6] == null || (+m[6] < 24 && +m[7] < 60))
  );
}

const codePoints = (s) => (s.length > 0 ? [...s].length : 0);
const choiceValues = (spec) => spec.choices.map((c) => c.value);

// One field: push errors, return the value as the server's schema would keep it (undefined when
// it failed its checks), so rules judge only valid values, as marshmallow's validates_schema does.
function load(spec, value, path, ctx, isItem = false) {
  const required = ctx.final && !isItem && !!spec.required;
  const err = (message, p = path) => {
    ctx.errors.push({ path: p, message });
    return MISSING;
  };
  const type = spec.type;
  if (type === "group" && ctx.final && !isItem && value == null) {
    loadGroup(spec, {}, path, ctx); // every required field inside is still owed
    return value;
  }
  if (value === undefined) return required ? err(t("validate.required")) : MISSING;
  if (value === null) return isItem ? err(t("validate.emptyEntry")) : required ? err(t("validate.required")) : null;
  let out = value;
  if (type in MAX_LENGTH) {
    if (typeof value !== "string") return err(t("validate.text"));
    const max = spec.max_length ?? MAX_LENGTH[type];
    if (value.length > max && codePoints(value) > max) return err(t("validate.maxLength", { max }));
    if (type === "datetime_or_text" && LOOKS_LIKE_DATE.test(value) && !(isValidDate(value) || isValidDatetime(value))) {
      return err(t("validate.when"));
    }
  } else if (type === "date") {
    if (value !== "" && !isValidDate(value)) return err(t("validate.date"));
  } else if (type === "datetime") {
    if (value !== "" && !isValidDatetime(value)) return err(t("validate.datetime"));
  } else if (type === "choice") {
    const values = choiceValues(spec).join(", ");
    if (value !== "" && (typeof value !== "string" || !choiceValues(spec).includes(value)))
      return err(t("validate.oneOf", { values }));
  } else if (type === "multichoice") {
    const values = choiceValues(spec);
    if (!Array.isArray(value)) return err(t("validate.choiceList", { values: values.join(", ") }));
    if (value.length > values.length) return err(t("validate.tooManyChoices", { max: values.length }));
    let bad = false;
    value.forEach((each, i) => {
      if (!(typeof each === "string" && values.includes(each))) {
        bad = true;
        err(t("validate.oneOf", { values: values.join(", ") }), `${path}.${i}`);
      }
    });
    if (bad) return MISSING;
    if (new Set(value).size < value.length) return err(t("validate.choiceTwice"));
  } else if (type === "boolean") {
    if (typeof value !== "boolean") return err(t("validate.boolean"));
  } else if (type === "group") {
    const before = ctx.errors.length;
    out = loadGroup(spec, value, path, ctx);
    if (ctx.errors.length > before) return isItem ? out || {} : out && Object.keys(out).length ? out : MISSING;
    return out;
  } else if (type === "list") {
    if (!Array.isArray(value)) return err(t("validate.list"));
    const max = spec.max_items ?? MAX_ITEMS;
    if (value.length > max) return err(t("validate.maxItems", { max }));
    const before = ctx.errors.length;
    out = [];
    value.forEach((each, i) => {
      const n = ctx.errors.length;
      const v = load(spec.item, each, `${path}.${i}`, ctx, true);
      if (ctx.errors.length === n || (spec.item.type === "group" && v !== MISSING)) out.push(v);
    });
    if (ctx.errors.length > before) return out.length ? out : MISSING;
  }
  if (required && isEmpty(value)) return err(t("validate.required"));
  return out;
}

// A group's fields (or the whole data): unknown keys, each field, then the rules (final only).
function loadGroup(spec, value, path, ctx) {
  const at = (key) => (path ? `${path}.${key}` : key);
  if (!isObject(value)) {
    ctx.errors.push({ path, message: t("validate.group") });
    return MISSING;
  }
  const specs = spec.fields;
  const known = new Set(specs.map((f) => f.key));
  const out = {};
  for (const f of specs) {
    const v = load(f, value[f.key], at(f.key), ctx);
    if (v !== MISSING) out[f.key] = v;
  }
  for (const key of Object.keys(value))
    if (!known.has(key)) ctx.errors.push({ path: at(key), message: t("validate.unknownField") });
  if (ctx.final)
    for (const e of ruleErrors(spec.rules || [], out, value)) ctx.errors.push({ path: at(e.path), message: e.message });
  return out;
}

export function lookup(data, path) {
  for (const part of path.split(".")) {
    if (!isObject(data)) return null;
    data = data[part];
  }
  return data ?? null;
}

const isSet = (v) => v !== false && !isEmpty(v);

// The definition's RULEs; `data` holds only valid values, `original` the data as typed.
export function ruleErrors(rules, data, original) {
  const out = [];
  for (const rule of rules) {
    if (rule.type === "not_before") {
      const later = lookup(data, rule.field),
        earlier = lookup(data, rule.other);
      if (isValidDate(later) && isValidDate(earlier) && later < earlier) {
        out.push({ path: rule.field, message: rule.message || t("validate.notBefore", { other: rule.other }) });
      }
    } else if (rule.type === "required_if") {
      const when = lookup(data, rule.when);
      if (typeof when === typeof rule.equals && when === rule.equals && isEmpty(lookup(original, rule.field))) {
        out.push({
          path: rule.field,
          message: rule.message || t("validate.requiredIf", { field: rule.when, value: JSON.stringify(rule.equals) }),
        });
      }
    } else if (rule.type === "exclusive") {
      const filled = rule.fields.filter((p) => isSet(lookup(data, p)));
      if (filled.length > 1) {
        for (const p of filled)
          out.push({ path: p, message: rule.message || t("validate.exclusive", { fields: rule.fields.join(", ") }) });
      }
    }
  }
  return out;
}

/** Every problem with `data` under definition `def`, as [{path, message}] (the same message at the same path once). */
export function validate(def, data, { final = false } = {}) {
  if (!isObject(data)) return [{ path: "", message: t("validate.notAnObject") }];

  const ctx = { final, errors: [] };
  const root = { fields: def.sections.flatMap((s) => s.fields), rules: def.rules };
  loadGroup(root, data, "", ctx);
  const seen = new Set();
  return ctx.errors.filter((e) => !seen.has(`${e.path}\n${e.message}`) && seen.add(`${e.path}\n${e.message}`));
}
