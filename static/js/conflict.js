// The conflict dialog: the server's version beside the nurse's, field by field, so neither is
// ever dropped silently. The comparing and merging itself is in merge.js.
import { el } from "./dom.js";
import { language, t } from "./i18n/index.js";
import { differences, merge, sameData } from "./merge.js";

function humanPath(path) {
  return path
    .split(".")
    .map((part) => (/^\d+$/.test(part) ? `#${Number(part) + 1}` : part.replace(/_/g, " ")))
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(" › ");
}

function showValue(value) {
  if (value === undefined || value === null || value === "") return t("conflict.empty");
  if (value === true) return t("conflict.yes");
  if (value === false) return t("conflict.no");
  if (typeof value !== "object") return String(value);
  const text = Array.isArray(value)
    ? value.map(showValue).join("; ")
    : Object.entries(value)
        .map(([k, v]) => `${k.replace(/_/g, " ")}: ${showValue(v)}`)
        .join("; ");
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

let queue = Promise.resolve();
let closeOpen = null;

// One dialog at a time; resolves {data, reason} with the chosen data, or null for "decide later".
// `server` is {data, revision, status, updated_by, updated_at}.
export function showConflict(options) {
  const shown = queue.then(() => openDialog(options));
  queue = shown.catch(() => {});
  return shown;
}

// The app locks (idle) or signs out: close the dialog as "decide later"; nothing is lost.
export function closeConflictDialog() {
  if (closeOpen) closeOpen();
}

function openDialog({ mine, server, title }) {
  return new Promise((resolve) => {
    const rows = differences(mine ?? {}, server.data ?? {});
    const signed = server.status === "final";
    const when = server.updated_at ? new Date(server.updated_at).toLocaleString(language()) : "";

    const fields = rows.map((row, index) =>
      el(
        "fieldset",
        { class: "conflict-field", "data-path": row.path },
        el(
          "legend",
          {},
          el("span", { class: "conflict-label", text: humanPath(row.path) }),
          el("code", { class: "conflict-path", text: row.path }),
        ),
        el(
          "label",
          { class: "conflict-choice" },
          el("input", { type: "radio", name: `conflict-${index}`, value: "mine", checked: true }),
          el("span", { class: "conflict-who", text: t("conflict.mine") }),
          el("span", { class: "conflict-value", text: showValue(row.mine) }),
        ),
        el(
          "label",
          { class: "conflict-choice" },
          el("input", { type: "radio", name: `conflict-${index}`, value: "server" }),
          el("span", { class: "conflict-who", text: t("conflict.server") }),
          el("span", { class: "conflict-value", text: showValue(row.server) }),
        ),
      ),
    );

    const reasonInput = el("input", { id: "conflict-reason", type: "text", autocomplete: "off", maxlength: "500" });
    const reasonError = el("p", { class: "field-error", id: "conflict-reason-error", role: "alert" });
    const reasonBlock = signed
      ? el(
          "div",
          { class: "field" },
          el("label", { for: "conflict-reason", text: t("conflict.reasonLabel") }),
          reasonInput,
          reasonError,
        )
      : null;

    const dialog = el(
      "dialog",
      { id: "conflict", class: "dialog dialog-wide", "aria-labelledby": "conflict-title" },
      el("h2", { id: "conflict-title", text: title || t("conflict.title") }),
      el("p", {
        text: `${t(signed ? "conflict.serverHasSigned" : "conflict.serverHas", {
          revision: server.revision,
          name: server.updated_by || "?",
          when: when || "?",
        })} ${t("conflict.explain")}`,
      }),
      el(
        "div",
        { class: "button-row" },
        el("button", { type: "button", class: "btn btn-primary", "data-choose": "mine", text: t("conflict.keepMine") }),
        el("button", { type: "button", class: "btn", "data-choose": "server", text: t("conflict.takeServer") }),
      ),
      rows.length
        ? el(
            "div",
            { class: "conflict-fields" },
            el("h3", { text: t("conflict.fieldsDiffer", { count: rows.length }) }),
            ...fields,
          )
        : el("p", { text: t("conflict.same") }),
      reasonBlock,
      el(
        "div",
        { class: "button-row" },
        el("button", { type: "button", class: "btn btn-primary", id: "conflict-apply", text: t("conflict.apply") }),
        el("button", { type: "button", class: "btn btn-quiet", id: "conflict-later", text: t("conflict.later") }),
      ),
    );

    const finish = (result) => {
      closeOpen = null;
      if (dialog.open) dialog.close();
      dialog.remove();
      resolve(result);
    };
    const choose = (data) => {
      // Keeping anything of mine on a signed handoff is an amendment: the server needs a reason.
      const reason = reasonInput.value.trim();
      if (signed && !sameData(data, server.data) && !reason) {
        reasonError.textContent = t("conflict.reasonFirst");
        reasonInput.setAttribute("aria-invalid", "true");
        reasonInput.setAttribute("aria-describedby", "conflict-reason-error");
        reasonInput.focus();
        return;
      }
      finish({ data, reason: reason || null });
    };

    dialog.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      if (button.dataset.choose === "mine") choose(structuredClone(mine ?? {}));
      else if (button.dataset.choose === "server") choose(structuredClone(server.data ?? {}));
      else if (button.id === "conflict-apply") {
        const minePaths = fields
          .filter((f) => f.querySelector('input[value="mine"]').checked)
          .map((f) => f.dataset.path);
        choose(merge(server.data, mine, minePaths));
      } else if (button.id === "conflict-later") finish(null);
    });
    // Escape means "later", never a silent choice.
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(null);
    });

    closeOpen = () => finish(null);
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector('[data-choose="mine"]').focus();
  });
}
