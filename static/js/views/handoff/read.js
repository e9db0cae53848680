// The handoff read-only: signed (with "Amend"), or waiting to be signed (with the outcome once known).
import { h, clear } from "../../form/dom.js";
import { renderReadOnly } from "../../form/readonly.js";
import { labelFor } from "../../form/paths.js";
import { when } from "../common.js";
import { head, links } from "./parts.js";
import { fromServer, readCopy } from "./reconcile.js";

export function showRead(screen) {
  const { ctx, root, def, server, offline } = screen;
  const { t, store, sync } = ctx;
  const draft = screen.draft;
  const shown = readCopy(draft, server);
  const sign = screen.signing();
  const warnings = draft?.warnings?.length && draft.revision === shown.revision ? draft.warnings : [];
  const reasonBox = h("textarea", { id: "amend-reason", name: "reason", rows: 3, maxlength: 2000,
    "aria-describedby": "amend-help" });
  const amendPanel = h("div", { class: "panel amend-panel", id: "amend-panel", hidden: true },
    h("label", { for: "amend-reason" }, t("Why are you changing a signed handoff?"),
      h("span", { class: "req" }, ` (${t("required")})`)),
    reasonBox,
    h("p", { class: "hint", id: "amend-help" }, t("The reason is kept with the new revision. The handoff must be signed again.")),
    h("div", { class: "button-row" },
      h("button", { type: "button", class: "btn btn-primary", id: "amend-confirm", onclick: amend }, t("Start amending")),
      h("button", { type: "button", class: "btn", id: "amend-cancel", onclick: () => toggle(false) }, t("Cancel"))));
  const amendBtn = h("button", { type: "button", class: "btn", id: "amend", "aria-expanded": "false",
    "aria-controls": "amend-panel", onclick: () => toggle(true) }, t("Amend"));
  function toggle(open) {
    amendPanel.hidden = !open;
    amendBtn.setAttribute("aria-expanded", String(open));
    (open ? reasonBox : amendBtn).focus();
  }
  const signer = shown.finalized_by || "";
  clear(root, head(screen, shown),
    sign ? signingNote(screen, sign) : null,
    offline ? h("p", { class: "note" }, t("Offline: this is the copy kept on this tablet.")) : null,
    warnings.length ? h("section", { class: "note note-warn", id: "finalize-warnings", "aria-labelledby": "warnings-title" },
      h("h2", { id: "warnings-title" }, t("Suggestions for the patient summary")),
      h("ul", {}, warnings.map((w) => h("li", { data: { code: w.code } }, w.message || w.term || "")))) : null,
    shown.status === "final" && !sign ? h("p", { class: "meta" },
      `${t("Signed")}${signer ? ` ${t("by")} ${signer}` : ""}${shown.finalized_at ? `, ${when(shown.finalized_at)}` : ""}.`) : null,
    h("div", { class: "button-row" }, shown.status === "final" && !sign ? amendBtn : null, links(shown.id, t)),
    amendPanel,
    renderReadOnly(def, shown.data || {}, { t }),
    acknowledgements(shown.acknowledgements, t));
  screen.listen({
    onSync: () => { // the signature went through (or failed): show the outcome
      if (sign && !screen.signing()) screen.reopen();
      else if (sign && screen.signing()?.state !== sign.state) showRead(screen);
    },
  });

  async function amend() {
    const reason = reasonBox.value.trim();
    amendPanel.querySelector(".field-error")?.remove();
    if (!reason) {
      reasonBox.setAttribute("aria-invalid", "true");
      reasonBox.after(h("p", { class: "field-error", id: "amend-error", data: { path: "reason" } }, t("Give a reason.")));
      reasonBox.setAttribute("aria-describedby", "amend-help amend-error");
      reasonBox.focus();
      return;
    }
    const from = server || shown;
    screen.draft = await store.putDraft({
      ...(screen.draft || { localId: store.newLocalId() }), ...fromServer(from),
      syncStamp: (screen.draft?.syncStamp || 0) + 1, reason, warnings: null, unsent: false,
    });
    ctx.toast(t("Amending: the reason is sent with your next save."));
    screen.edit();
  }

  function signingNote(screen, item) {
    const failed = item.state === "error";
    return h("div", { class: `note${failed ? " note-error" : ""}`, role: "status", id: "signing" },
      failed ? `${t("Could not sign")}: ${item.message || ""}` : t("Waiting to sign: it is sent when the network answers."),
      failed ? h("ul", {}, (item.errors || []).map((e) => h("li", {}, `${labelFor(def, e.path)}: ${e.message}`))) : null,
      failed && sync.discard ? h("button", {
        type: "button", class: "btn", id: "back-to-edit",
        onclick: async () => { await sync.discard(item.id); screen.edit(); },
      }, t("Back to editing")) : null);
  }
}

function acknowledgements(list, t) {
  if (!list?.length) return null;
  return h("section", { class: "acks" }, h("h2", {}, t("Acknowledged by")),
    h("ul", {}, list.map((a) => h("li", {},
      h("strong", {}, a.by), ` (${a.role || ""}), ${t("revision")} ${a.revision}, ${when(a.created_at)}`,
      a.synthesis ? h("p", { class: "synthesis" }, a.synthesis) : null))));
}
