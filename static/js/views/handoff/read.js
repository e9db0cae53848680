// The handoff read-only: signed (with "Amend"), or waiting to be signed (with the outcome once known).
import { button, el, clear } from "../../dom.js";
import { renderReadOnly } from "../../form/readonly.js";
import { t } from "../../i18n/index.js";
import { labelFor } from "../../form/paths.js";
import { when } from "../common.js";
import { head, links } from "./parts.js";
import { fromServer, readCopy } from "./reconcile.js";

export function showRead(screen) {
  const { ctx, root, def, server, offline } = screen;
  const { store, sync } = ctx;
  const draft = screen.draft;
  const shown = readCopy(draft, server);
  const sign = screen.signing();
  const warnings = draft?.warnings?.length && draft.revision === shown.revision ? draft.warnings : [];
  const reasonBox = el("textarea", {
    id: "amend-reason",
    name: "reason",
    rows: 3,
    maxlength: 2000,
    "aria-describedby": "amend-help",
  });
  const amendPanel = el(
    "div",
    { class: "panel amend-panel", id: "amend-panel", hidden: true },
    el(
      "label",
      { for: "amend-reason" },
      t("handoff.amendWhy"),
      " ",
      el("span", { class: "req" }, t("common.required")),
    ),
    reasonBox,
    el("p", { class: "hint", id: "amend-help" }, t("handoff.amendHelp")),
    el(
      "div",
      { class: "button-row" },
      button({ class: "btn btn-primary", id: "amend-confirm", onclick: amend }, t("handoff.startAmending")),
      button({ class: "btn", id: "amend-cancel", onclick: () => toggle(false) }, t("common.cancel")),
    ),
  );
  const amendBtn = button(
    {
      class: "btn",
      id: "amend",
      "aria-expanded": "false",
      "aria-controls": "amend-panel",
      onclick: () => toggle(true),
    },
    t("handoff.amend"),
  );
  function toggle(open) {
    amendPanel.hidden = !open;
    amendBtn.setAttribute("aria-expanded", String(open));
    (open ? reasonBox : amendBtn).focus();
  }
  const signer = shown.finalized_by || "";
  clear(
    root,
    head(screen, shown),
    sign ? signingNote(screen, sign) : null,
    offline ? el("p", { class: "note" }, t("handoff.offlineReading")) : null,
    warnings.length
      ? el(
          "section",
          { class: "note note-warn", id: "finalize-warnings", "aria-labelledby": "warnings-title" },
          el("h2", { id: "warnings-title" }, t("handoff.suggestionsTitle")),
          el(
            "ul",
            {},
            warnings.map((w) => el("li", { data: { code: w.code } }, w.message || w.term || "")),
          ),
        )
      : null,
    shown.status === "final" && !sign ? el("p", { class: "meta" }, signedText(signer, shown.finalized_at)) : null,
    el("div", { class: "button-row" }, shown.status === "final" && !sign ? amendBtn : null, links(shown.id)),
    amendPanel,
    renderReadOnly(def, shown.data || {}),
    acknowledgements(shown.acknowledgements),
  );
  screen.listen({
    onSync: () => {
      // the signature went through (or failed): show the outcome
      if (sign && !screen.signing()) screen.reopen();
      else if (sign && screen.signing()?.state !== sign.state) showRead(screen);
    },
  });

  async function amend() {
    const reason = reasonBox.value.trim();
    amendPanel.querySelector(".field-error")?.remove();
    if (!reason) {
      reasonBox.setAttribute("aria-invalid", "true");
      reasonBox.after(
        el("p", { class: "field-error", id: "amend-error", data: { path: "reason" } }, t("handoff.giveReason")),
      );
      reasonBox.setAttribute("aria-describedby", "amend-help amend-error");
      reasonBox.focus();
      return;
    }
    const from = server || shown;
    screen.draft = await store.putDraft({
      ...(screen.draft || { localId: store.newLocalId() }),
      ...fromServer(from),
      syncStamp: (screen.draft?.syncStamp || 0) + 1,
      reason,
      warnings: null,
      unsent: false,
    });
    ctx.toast(t("handoff.amendingToast"));
    screen.edit();
  }

  function signingNote(screen, item) {
    const failed = item.state === "error";
    return el(
      "div",
      { class: `note${failed ? " note-error" : ""}`, role: "status", id: "signing" },
      failed ? t("handoff.couldNotSign", { message: item.message || "" }) : t("handoff.waitingToSign"),
      failed
        ? el(
            "ul",
            {},
            (item.errors || []).map((e) => el("li", {}, `${labelFor(def, e.path)}: ${e.message}`)),
          )
        : null,
      failed && sync.discard
        ? button(
            {
              class: "btn",
              id: "back-to-edit",
              onclick: async () => {
                await sync.discard(item.id);
                screen.edit();
              },
            },
            t("handoff.backToEditing"),
          )
        : null,
    );
  }
}

function signedText(signer, at) {
  const time = at ? when(at) : "";
  if (signer)
    return time ? t("handoff.signedByAt", { name: signer, when: time }) : t("handoff.signedBy", { name: signer });
  return time ? t("handoff.signedAt", { when: time }) : t("sync.signed");
}

function acknowledgements(list) {
  if (!list?.length) return null;
  return el(
    "section",
    { class: "acks" },
    el("h2", {}, t("handoff.acknowledgedBy")),
    el(
      "ul",
      {},
      list.map((a) =>
        el(
          "li",
          {},
          el("strong", {}, a.by),
          " ",
          t("handoff.acknowledgement", { role: a.role || "", revision: a.revision, when: when(a.created_at) }),
          a.synthesis ? el("p", { class: "synthesis" }, a.synthesis) : null,
        ),
      ),
    ),
  );
}
