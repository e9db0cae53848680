// A signed handoff, read-only: the definition's sections with what was filled in (empty fields left out).
import { el } from "../dom.js";
import { t } from "../i18n/index.js";
import { isEmpty } from "./validate.js";
import { dueTime } from "../views/common.js";

/** "2026-11-21T19:30" (the hospital's local time, as typed) for people: "today at 19:30" or "21 Nov 2026, 19:30". */
export function datetimeText(value, now = new Date()) {
  const d = /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value) ? new Date(value) : null;
  if (!d || Number.isNaN(+d)) return value;
  const { sameDay, text } = dueTime(d, now);
  return sameDay ? t("readonly.todayAt", { time: text }) : text;
}

/** Plain text of one value, using the definition's labels for choices. */
export function valueText(spec, v) {
  if (v == null || v === "") return "";
  if (spec?.type === "boolean" || typeof v === "boolean")
    return v === true ? t("readonly.yes") : v === false ? t("readonly.no") : String(v);
  const label = (x) => spec?.choices?.find((c) => c.value === x)?.label ?? x;
  if (spec?.type === "choice") return String(label(v));
  if ((spec?.type === "datetime" || spec?.type === "datetime_or_text") && typeof v === "string") return datetimeText(v);
  if (Array.isArray(v) && (spec?.type === "multichoice" || v.every((x) => typeof x !== "object")))
    return v.map(label).join(", ");
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

export function renderValue(spec, v) {
  if (spec?.type === "group" && v && typeof v === "object") return fields(spec.fields, v);
  if (spec?.type === "list" && Array.isArray(v)) {
    return el(
      "ol",
      { class: "ro-list" },
      v.map((item) => el("li", {}, renderValue(spec.item, item))),
    );
  }
  return el("span", { class: spec?.type === "longtext" ? "ro-text long" : "ro-text" }, valueText(spec, v));
}

function fields(specs, data) {
  const rows = specs
    .filter((f) => !isEmpty(data?.[f.key]))
    .map((f) => {
      const wide = f.type === "group" || f.type === "list" ? "wide" : null; // nested fields get the full width
      return [
        el("dt", { class: wide }, f.label),
        el("dd", { class: wide, data: { path: f.key } }, renderValue(f, data[f.key])),
      ];
    });
  return el("dl", { class: "ro-fields" }, rows);
}

export function renderReadOnly(def, data) {
  return el(
    "div",
    { class: "readonly" },
    def.sections.map((s) => {
      const filled = s.fields.some((f) => !isEmpty(data?.[f.key]));
      const only = s.fields.length === 1 && s.fields[0];
      // A section that is one group shows the group's fields; one other field, just its value.
      const body = !filled
        ? el("p", { class: "muted empty" }, t("readonly.nothing"))
        : only?.type === "group"
          ? fields(only.fields, data[only.key])
          : only
            ? el("div", { class: "ro-single", data: { path: only.key } }, renderValue(only, data[only.key]))
            : fields(s.fields, data);

      return el("section", { class: "ro-section", data: { section: s.key } }, el("h3", {}, s.title), body);
    }),
  );
}
