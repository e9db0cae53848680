// THE FORM, drawn entirely from a checklist definition. Every input carries name and data-path (its
// dotted path in the handoff's data); the form edits `data` in place and calls onChange(path).
import { el, clear } from "../dom.js";
import { t } from "../i18n/index.js";
import { getIn, setIn, specAt } from "./paths.js";

const INITIAL = { group: () => ({}), list: () => [], multichoice: () => [], boolean: () => false };
const idOf = (prefix, path) => `${prefix}-${path}`;
const FOCUSABLE = "input, textarea, select, button[data-value], button[data-add]";

// Labels, help and choices come from the definition as written; the form's own words from the catalogue.
// `extras(spec, path, input)` may return nodes drawn under a text input (suggestions, a translation's status).
export function createForm(def, data, { onChange = () => {}, extras = () => null } = {}) {
  let undo = null; // the last removed list row, for one-tap undo

  const help = (spec, path) => spec.help && el("p", { class: "hint", id: idOf("h", path) }, spec.help);
  const marks = (spec, required) => [
    required && el("span", { class: "req" }, ` ${t("common.required")}`),
    spec.audience === "clinician" && el("span", { class: "badge" }, t("form.clinicianOnly")),
  ];

  function leaf(spec, path, value, required) {
    const id = idOf("f", path);
    const common = {
      id,
      name: path,
      data: { path, type: spec.type },
      "aria-describedby": spec.help ? idOf("h", path) : null,
    };
    const text = typeof value === "string" ? value : value == null ? "" : JSON.stringify(value);
    let input;
    if (spec.type === "longtext") input = el("textarea", { ...common, rows: 4, value: text });
    else if (spec.type === "date" || spec.type === "datetime") {
      input = el("input", { ...common, type: spec.type === "date" ? "date" : "datetime-local", value: text });
      if (text && input.value === "") input.type = "text"; // a value the picker cannot show stays editable
    } else {
      input = el("input", {
        ...common,
        type: "text",
        value: text,
        autocomplete: "off",
        placeholder: spec.type === "datetime_or_text" ? t("form.whenPlaceholder") : null,
      });
    }
    return el(
      "div",
      { class: `field field-${spec.type}`, data: { field: path } },
      el("label", { for: id }, spec.label, marks(spec, required)),
      help(spec, path),
      input,
      extras(spec, path, input),
    );
  }

  function choices(spec, path, value, required) {
    const multi = spec.type === "multichoice";
    const picked = multi ? (Array.isArray(value) ? value : []) : [value];
    return el(
      "div",
      {
        class: `field field-choice${multi ? " multi" : ""}`,
        role: "group",
        "aria-labelledby": idOf("l", path),
        data: { field: path },
      },
      el(
        "span",
        { class: "field-label", id: idOf("l", path) },
        spec.label,
        marks(spec, required),
        multi && el("span", { class: "muted" }, ` ${t("form.pickAll")}`),
      ),
      help(spec, path),
      el(
        "div",
        { class: "choice-group" },
        spec.choices.map((c) =>
          el(
            "button",
            {
              type: "button",
              class: "choice",
              name: path,
              data: { path, value: c.value },
              "aria-pressed": String(picked.includes(c.value)),
              "aria-describedby": spec.help ? idOf("h", path) : null,
            },
            c.label,
          ),
        ),
      ),
    );
  }

  function checkbox(spec, path, value, required) {
    return el(
      "div",
      { class: "field field-boolean", data: { field: path } },
      el(
        "label",
        { class: "checkbox-row" },
        el("input", {
          type: "checkbox",
          id: idOf("f", path),
          name: path,
          data: { path, type: "boolean" },
          checked: value === true,
          "aria-describedby": spec.help ? idOf("h", path) : null,
        }),
        el("span", {}, spec.label, marks(spec, required)),
      ),
      help(spec, path),
    );
  }

  function group(spec, path, value, required, legendHidden, itemOf) {
    const kids = spec.fields.map((f) => field(f, `${path}.${f.key}`, value?.[f.key], !!f.required));
    return el(
      "fieldset",
      { class: itemOf ? "group item" : "group", data: { field: path, hidden: legendHidden ? "1" : null } },
      el("legend", { class: legendHidden ? "visually-hidden" : null }, spec.label, marks(spec, false)),
      help(spec, path),
      kids,
      itemOf,
    );
  }

  function list(spec, path, value, required, legendHidden) {
    const rows = Array.isArray(value) ? value : [];
    const item = spec.item;
    const max = spec.max_items ?? 100;
    const row = (v, i) => {
      const p = `${path}.${i}`;
      const name = `${item.label} ${i + 1}`;
      const remove = el(
        "button",
        {
          type: "button",
          class: "btn btn-danger remove",
          data: { remove: p },
          "aria-label": t("form.removeNamed", { name }),
        },
        t("form.remove"),
      );
      const actions = el("div", { class: "row-actions" }, remove);
      if (item.type === "group")
        return el("li", { class: "repeat-row" }, group({ ...item, label: name }, p, v, false, false, actions));
      return el("li", { class: "repeat-row" }, field({ ...item, label: name }, p, v, false), actions);
    };
    const fs = el(
      "fieldset",
      { class: "repeat", data: { field: path, hidden: legendHidden ? "1" : null } },
      el("legend", { class: legendHidden ? "visually-hidden" : null }, spec.label, marks(spec, required)),
      help(spec, path),
      rows.length
        ? el("ol", { class: "repeat-rows" }, rows.map(row))
        : el("p", { class: "muted empty" }, t("form.noneYet")),
      undo?.path === path &&
        el(
          "p",
          { class: "undo" },
          `${t("form.removed", { name: undo.name })} `,
          el("button", { type: "button", class: "link-button", data: { undo: path } }, t("form.undo")),
        ),
      el(
        "button",
        { type: "button", class: "btn add", data: { add: path }, disabled: rows.length >= max },
        t("form.add", { item: item.label.toLowerCase() }),
      ),
      rows.length >= max && el("p", { class: "hint" }, t("form.atMost", { count: max })),
    );
    return fs;
  }

  function field(spec, path, value, required, legendHidden = false) {
    switch (spec.type) {
      case "group":
        return group(spec, path, value, required, legendHidden);
      case "list":
        return list(spec, path, value, required, legendHidden);
      case "choice":
      case "multichoice":
        return choices(spec, path, value, required);
      case "boolean":
        return checkbox(spec, path, value, required);
      default:
        return leaf(spec, path, value, required);
    }
  }

  const sections = def.sections.map((s) => {
    const only = s.fields.length === 1;
    return el(
      "details",
      { class: "form-section", open: true, id: idOf("sec", s.key), data: { section: s.key } },
      el(
        "summary",
        {},
        el("span", { class: "section-title" }, s.title),
        " ",
        el("span", { class: "section-progress" }),
      ),
      s.help && el("p", { class: "hint" }, s.help),
      s.fields.map((f) => field(f, f.key, data[f.key], !!f.required, only && f.label.length > 0)),
    );
  });
  const formNode = el(
    "form",
    { class: "handoff-form", id: "handoff-form", novalidate: true, onsubmit: (e) => e.preventDefault() },
    sections,
  );

  const container = (path) => {
    for (let p = path; ; p = p.includes(".") ? p.slice(0, p.lastIndexOf(".")) : "") {
      const found = formNode.querySelector(`[data-field="${CSS.escape(p)}"]`);
      if (found || !p) return found;
    }
  };

  function redraw(path) {
    const old = container(path);
    const spec = specAt(def, path);
    const parent = path.includes(".") ? specAt(def, path.slice(0, path.lastIndexOf("."))) : null;
    const required = parent?.type === "list" ? false : !!spec.required;
    old.replaceWith(field(spec, path, getIn(data, path), required, old.dataset.hidden === "1"));
    refreshErrors();
  }

  formNode.addEventListener("input", (e) => {
    const input = e.target.closest("[data-path]");
    if (!input || input.tagName === "BUTTON") return;
    const v = input.type === "checkbox" ? input.checked : input.value === "" ? undefined : input.value;
    setIn(data, input.dataset.path, v);
    onChange(input.dataset.path);
  });

  formNode.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    const { path, value, add, remove, undo: undoPath } = b.dataset;
    if (value !== undefined && path) {
      const spec = specAt(def, path);
      const on = b.getAttribute("aria-pressed") !== "true";
      let next;
      if (spec.type === "multichoice") {
        const cur = getIn(data, path);
        const had = Array.isArray(cur) ? cur : [];
        next = spec.choices.map((c) => c.value).filter((x) => (x === value ? on : had.includes(x)));
        if (!next.length) next = undefined;
      } else next = on ? value : undefined;
      setIn(data, path, next);
      for (const other of b.parentNode.children) {
        other.setAttribute(
          "aria-pressed",
          String(
            spec.type === "multichoice" ? (next || []).includes(other.dataset.value) : other.dataset.value === next,
          ),
        );
      }
      onChange(path);
    } else if (add) {
      const spec = specAt(def, add);
      let rows = getIn(data, add);
      if (!Array.isArray(rows)) {
        rows = [];
        setIn(data, add, rows);
      }
      rows.push((INITIAL[spec.item.type] || (() => ""))());
      undo = null;
      redraw(add);
      container(`${add}.${rows.length - 1}`)
        ?.querySelector(FOCUSABLE)
        ?.focus();
      onChange(add);
    } else if (remove) {
      const listPath = remove.slice(0, remove.lastIndexOf("."));
      const index = +remove.slice(remove.lastIndexOf(".") + 1);
      const rows = getIn(data, listPath);
      const [gone] = rows.splice(index, 1);
      undo = { path: listPath, index, value: gone, name: `${specAt(def, listPath).item.label} ${index + 1}` };
      redraw(listPath);
      const fs = container(listPath);
      (fs.querySelector(`[data-undo]`) || fs.querySelector("[data-add]")).focus();
      onChange(listPath);
    } else if (undoPath && undo?.path !== undoPath) {
      b.closest(".undo")?.remove(); // another list changed since: nothing to undo here any more
    } else if (undoPath) {
      const rows = getIn(data, undoPath) || [];
      if (!Array.isArray(getIn(data, undoPath))) setIn(data, undoPath, rows);
      rows.splice(Math.min(undo.index, rows.length), 0, undo.value);
      const at = `${undoPath}.${Math.min(undo.index, rows.length - 1)}`;
      undo = null;
      redraw(undoPath);
      container(at)?.querySelector(FOCUSABLE)?.focus();
      onChange(undoPath);
    }
  });

  // --- errors and progress -------------------------------------------------------------------
  let shown = [];
  function showErrors(errors) {
    shown = errors;
    refreshErrors();
  }
  function refreshErrors() {
    for (const n of formNode.querySelectorAll(".field-error")) n.remove();
    for (const n of formNode.querySelectorAll("[aria-invalid]")) n.removeAttribute("aria-invalid");
    for (const n of formNode.querySelectorAll('[aria-describedby*="e-"]')) {
      const ids = n
        .getAttribute("aria-describedby")
        .split(" ")
        .filter((x) => x && !x.startsWith("e-"));
      if (ids.length) n.setAttribute("aria-describedby", ids.join(" "));
      else n.removeAttribute("aria-describedby");
    }
    const by = new Map();
    for (const e of shown) {
      const c = container(e.path);
      if (!c) continue;
      if (!by.has(c)) by.set(c, []);
      if (!by.get(c).includes(e.message)) by.get(c).push(e.message);
    }
    for (const [c, messages] of by) {
      const path = c.dataset.field;
      const id = idOf("e", path);
      const node = el(
        "p",
        { class: "field-error", id, data: { path } },
        messages.map((m) => el("span", {}, m)),
      );
      const fieldset = c.tagName === "FIELDSET";
      if (fieldset) (c.querySelector(":scope > .hint") || c.querySelector(":scope > legend")).after(node);
      else c.append(node);
      // Inputs are marked invalid and described by the message; a choice group (buttons) is described by it.
      const inputs = fieldset ? [] : [...c.querySelectorAll("input[data-path], textarea[data-path]")];
      for (const n of inputs.length || fieldset ? inputs : [c]) {
        if (n !== c) n.setAttribute("aria-invalid", "true");
        n.setAttribute("aria-describedby", [n.getAttribute("aria-describedby"), id].filter(Boolean).join(" "));
      }
    }
  }

  /** Per section: [filled, required] counts, given the final-validation errors. */
  function showProgress(finalErrors) {
    const bad = new Set(finalErrors.map((e) => e.path));
    for (const s of def.sections) {
      const req = [];
      for (const f of s.fields) requiredPaths(f, f.key, data[f.key], false, req);
      const done = req.filter((p) => !bad.has(p)).length;
      const keys = new Set(s.fields.map((f) => f.key));
      const errs = finalErrors.filter((e) => keys.has(e.path.split(".")[0])).length;
      const node = formNode.querySelector(`#${CSS.escape(idOf("sec", s.key))} .section-progress`);
      const other = Math.max(0, errs - (req.length - done)); // wrong values and broken rules, not just empty
      const parts = [
        req.length && t("form.requiredDone", { done, count: req.length }),
        other && t("form.toFix", { count: other }),
      ];
      clear(node, !errs ? t(req.length ? "form.complete" : "form.optional") : parts.filter(Boolean).join(" · "));

      node.dataset.state = errs ? "todo" : "done";
    }
  }

  /** Scroll to and focus the input for a data path (opening its section). */
  function focusPath(path) {
    const c = container(path) || container(path.split(".")[0]);
    if (!c) return;
    for (let d = c.closest("details"); d; d = d.parentElement?.closest("details")) d.open = true;
    const target =
      formNode.querySelector(`#${CSS.escape(idOf("f", path))}`) ||
      (c.matches(FOCUSABLE) ? c : c.querySelector(FOCUSABLE));
    (target || c).scrollIntoView({ block: "center" });
    target?.focus({ preventScroll: true });
  }

  return { el: formNode, showErrors, showProgress, focusPath, data };
}

function requiredPaths(spec, path, value, isItem, out) {
  if (spec.type === "group") {
    for (const f of spec.fields) requiredPaths(f, `${path}.${f.key}`, value?.[f.key], false, out);
  } else {
    if (spec.required && !isItem) out.push(path);
    if (spec.type === "list" && Array.isArray(value))
      value.forEach((v, i) => requiredPaths(spec.item, `${path}.${i}`, v, true, out));
  }
}
