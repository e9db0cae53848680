// Shell pieces every part of the chrome uses: the toast live region, the modal question, and
// the language control.
import { el } from "../dom.js";
import { format, language, LANGUAGES, setLanguage, t } from "../i18n/index.js";

/** toast(text): a short message in `box` (a polite live region) that clears itself after `ms`. */
export function createToast(box, { ms = 5_000 } = {}) {
  let timer = null;
  return function toast(text) {
    box.textContent = text;
    box.classList.add("toast-visible");
    clearTimeout(timer);
    timer = setTimeout(() => {
      box.classList.remove("toast-visible");
      box.textContent = "";
    }, ms);
  };
}

// A modal question; resolves true (confirm) or false (cancel, Escape).
export function confirmDialog({
  id,
  title,
  text,
  confirmId,
  confirmLabel,
  cancelLabel = t("common.cancel"),
  danger = false,
}) {
  return new Promise((resolve) => {
    const confirm = el("button", {
      type: "button",
      id: confirmId,
      class: `btn ${danger ? "btn-danger" : "btn-primary"}`,
      text: confirmLabel,
    });
    const cancel = el("button", { type: "button", class: "btn", text: cancelLabel });
    const dialog = el(
      "dialog",
      { id, class: "dialog", "aria-labelledby": `${id}-title`, "aria-describedby": `${id}-text` },
      el("h2", { id: `${id}-title`, text: title }),
      el("p", { id: `${id}-text`, text }),
      el("div", { class: "button-row" }, confirm, cancel),
    );
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    confirm.addEventListener("click", () => finish(true));
    cancel.addEventListener("click", () => finish(false));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus(); // the safe choice has the focus
  });
}

/**
 * A modal asking for a password: {dialog, form, input, error}. `buttons` go in its button row;
 * Escape does not close it (the caller decides what cancel means).
 */
/**
 * A shared tablet changing hands: with drafts or changes not yet sent, ask before the previous
 * nurse's data is deleted. Resolves true when nothing is waiting or the nurse confirms.
 */
export async function confirmSwitchUser(store, previousName, newName) {
  const unsent = await store.outboxCount();
  if (unsent === 0) return true;
  return confirmDialog({
    id: "switch-user",
    confirmId: "switch-user-confirm",
    danger: true,
    title: t("auth.switchUserTitle", { name: previousName }),
    text: t("auth.switchUserText", { count: unsent, name: previousName, newName }),
    confirmLabel: t("auth.switchUserConfirm", { count: unsent }),
    cancelLabel: t("common.cancel"),
  });
}

export function passwordDialog({ id, titleId, title, text, inputId, label, autocomplete, errorId, buttons }) {
  const error = el("p", { class: "form-error", role: "alert", id: errorId });
  const input = el("input", { id: inputId, type: "password", autocomplete });
  const field = el("div", { class: "field" }, el("label", { for: inputId, text: label }), input);
  const form = el("form", { method: "dialog" }, field, error, el("div", { class: "button-row" }, ...buttons));
  const dialog = el(
    "dialog",
    { id, class: "dialog", "aria-labelledby": titleId },
    el("h2", { id: titleId, text: title }),
    el("p", { text }),
    form,
  );
  return { dialog, form, input, error };
}

/** A message with one value set in <strong>: a whole sentence for the translator, emphasis kept. */
export function withStrong(key, name, value, params = {}) {
  const [before, after = ""] = t(key, { ...params, [name]: "\u0000" }).split("\u0000");
  return [before, el("strong", { text: value }), after];
}

/** The "Language / Idioma" control (each language named in itself); choosing one switches at once. */
export function languageField(id, { className = "field language-field" } = {}) {
  const select = el(
    "select",
    { id, name: "language", onchange: () => setLanguage(select.value) },
    LANGUAGES.map((lang) =>
      el("option", { value: lang, selected: lang === language() }, format(lang, "language.name")),
    ),
  );
  return el("div", { class: className }, el("label", { for: id, text: t("chrome.language") }), select);
}
