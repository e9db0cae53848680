// Register a patient. Online, the server's answer (409 duplicate MRN, 422) shows next to the fields;
// offline, the patient is queued and can get drafts at once.
import { el, clear } from "../dom.js";
import { t } from "../i18n/index.js";
import { heading, rememberPatient, errorsByPath, problem } from "./common.js";

const FIELDS = [
  ["mrn", "patient-mrn", "patientNew.mrn", { autocomplete: "off", spellcheck: "false", maxlength: 64 }],
  ["given_name", "patient-given", "patientNew.givenName", { autocomplete: "off", maxlength: 100 }],
  ["family_name", "patient-family", "patientNew.familyName", { autocomplete: "off", maxlength: 100 }],
  ["birth_date", "patient-birth", "patientNew.birthDate", { type: "date", min: "1880-01-01" }],
];

export async function render(container, ctx) {
  const today = new Date().toISOString().slice(0, 10);
  const row = ([key, id, label, attrs]) =>
    el(
      "div",
      { class: "field", data: { field: key } },
      el("label", { for: id }, t(label), el("span", { class: "req" }, ` ${t("common.required")}`)),
      el("input", { type: "text", id, name: key, required: true, ...attrs, max: key === "birth_date" ? today : null }),
    );
  const language = el(
    "div",
    { class: "field", data: { field: "preferred_language" } },
    el("label", { for: "patient-language" }, t("patientNew.language")),
    el(
      "select",
      { id: "patient-language", name: "preferred_language" },
      el("option", { value: "en" }, "English"),
      el("option", { value: "es" }, "Español"),
    ),
    el("p", { class: "hint", id: "patient-language-help" }, t("patientNew.languageHelp")),
  );
  const save = el("button", { type: "submit", class: "btn btn-primary", id: "patient-save" }, t("patientNew.title"));
  const formError = el("p", { class: "form-error", role: "alert", id: "patient-form-error" });
  const form = el(
    "form",
    { id: "patient-form", novalidate: true, class: "narrow" },
    FIELDS.map(row),
    language,
    formError,
    el("div", { class: "button-row" }, save, el("a", { class: "btn", href: "#/patients" }, t("common.cancel"))),
  );
  form.querySelector("#patient-language").setAttribute("aria-describedby", "patient-language-help");
  clear(container, el("div", { class: "screen" }, heading(t("patientNew.title")), form));

  function showErrors(byPath) {
    for (const n of form.querySelectorAll(".field-error")) n.remove();
    for (const n of form.querySelectorAll("[aria-invalid]")) {
      n.removeAttribute("aria-invalid");
      n.removeAttribute("aria-describedby");
    }
    form.querySelector("#patient-language").setAttribute("aria-describedby", "patient-language-help");
    let first = null;
    for (const [path, messages] of Object.entries(byPath)) {
      const box = form.querySelector(`[data-field="${CSS.escape(path)}"]`);
      if (!box) continue;
      const input = box.querySelector("input, select");
      const id = `${input.id}-error`;
      box.append(el("p", { class: "field-error", id, data: { path } }, messages.join(" ")));
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), id].filter(Boolean).join(" "));
      first ||= input;
    }
    const other = Object.entries(byPath)
      .filter(([p]) => !form.querySelector(`[data-field="${CSS.escape(p)}"]`))
      .flatMap(([, m]) => m);
    formError.textContent = other.join(" ");
    return first;
  }

  function check(body) {
    const out = {};
    for (const [key, , label] of FIELDS)
      if (!body[key].trim()) out[key] = [t("patientNew.fillIn", { field: t(label) })];
    if (body.birth_date && !out.birth_date) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(body.birth_date)) out.birth_date = [t("patientNew.dateFormat")];
      else if (body.birth_date > today) out.birth_date = [t("patientNew.birthInFuture")];
      else if (body.birth_date < "1880-01-01") out.birth_date = [t("patientNew.birthTooEarly")];
    }
    return out;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = Object.fromEntries(
      ["mrn", "given_name", "family_name", "birth_date", "preferred_language"].map((k) => [
        k,
        form.elements[k].value.trim(),
      ]),
    );
    const local = check(body);
    if (Object.keys(local).length) {
      showErrors(local).focus();
      return;
    }
    showErrors({});
    save.disabled = true;
    try {
      const p = await ctx.sync.createPatient(body);
      if (p.id != null) {
        await rememberPatient(ctx, p);
        ctx.toast(t("patientNew.added"));
        ctx.navigate(`#/patients/${p.id}`);
      } else {
        ctx.toast(t("patientNew.queued"));
        ctx.navigate(`#/patients/${p.localId}`);
      }
    } catch (err) {
      const byPath = errorsByPath(err.body);
      if (!Object.keys(byPath).length) byPath[""] = [problem(err)];
      else if (err.status === 409 && err.body?.message) byPath.mrn = [err.body.message];
      (showErrors(byPath) || save).focus();
    } finally {
      save.disabled = false;
    }
  });
}
