// The Unsent screen (#/outbox): every change the server does not have yet, why it is waiting,
// and what the nurse can do about it. Written with the sync engine (it reads sync.list()).
import { el } from "../dom.js";
import { t } from "../i18n/index.js";
import { checklistName, patientName, when } from "./common.js";

const STATE_TEXT = {
  waiting: { icon: "↻", label: "outbox.stateWaiting" },
  conflict: { icon: "⚠", label: "outbox.stateConflict" },
  error: { icon: "!", label: "outbox.stateError" },
};

async function describe(item, ctx) {
  if (item.kind === "patient") {
    const b = item.body || {};
    return {
      title: t("outbox.newPatient", { name: `${b.given_name || ""} ${b.family_name || ""}`.trim() }),
      detail: b.mrn ? t("outbox.mrn", { mrn: b.mrn }) : "",
      open: null,
    };
  }
  const draft = await ctx.store.getDraft(item.localId);
  if (!draft) return { title: t("outbox.draftGone"), detail: "", open: null };
  const patient = draft.patientId != null ? await ctx.store.cacheGet(`patient:${draft.patientId}`) : null;
  // The label already names the patient (views/handoff.js writes it once the patient is known).
  const what =
    draft.label ||
    (patient
      ? t("handoff.titleWithPatient", { checklist: checklistName(draft.checklist), patient: patientName(patient) })
      : checklistName(draft.checklist));
  return {
    title: t(item.kind === "finalize" ? "outbox.titleSign" : "outbox.titleSave", { what }),
    detail: draft.handoffId
      ? t("outbox.onServer", { id: draft.handoffId, revision: draft.revision ?? "?" })
      : t("outbox.notOnServer"),
    open: draft.handoffId ? `#/handoffs/${draft.handoffId}` : `#/drafts/${encodeURIComponent(draft.localId)}`,
  };
}

export async function render(container, ctx) {
  const heading = el("h1", { text: t("outbox.title") });
  const summary = el("p", { class: "lead" });
  const list = el("ul", { class: "list outbox-list" });
  const sendNow = el("button", {
    type: "button",
    class: "btn btn-primary",
    id: "outbox-send",
    text: t("outbox.sendNow"),
    onclick: () => {
      ctx.sync.syncNow();
      ctx.toast(t("outbox.tryingNow"));
    },
  });
  container.append(el("div", { class: "page-header" }, heading, sendNow), summary, list);

  let drawing = Promise.resolve();
  const draw = () => {
    drawing = drawing
      .then(async () => {
        const items = ctx.sync.list();
        const status = ctx.sync.status();
        sendNow.hidden = items.length === 0;
        summary.textContent =
          items.length === 0
            ? t("outbox.allSent")
            : t(status.offline ? "outbox.waitingOffline" : "outbox.waiting", { count: items.length });
        const rows = [];
        for (const item of items) rows.push(await row(item, ctx));
        list.replaceChildren(...rows);
      })
      .catch((error) => console.error(error));
  };
  ctx.sync.onChange(draw);
  draw();
  await drawing;
}

async function row(item, ctx) {
  const info = await describe(item, ctx);
  const state = STATE_TEXT[item.state] || STATE_TEXT.waiting;
  const actions = el("div", { class: "button-row" });
  if (info.open) actions.append(el("a", { class: "btn", href: info.open, text: t("outbox.open") }));
  if (item.state === "conflict") {
    actions.append(
      el("button", {
        type: "button",
        class: "btn btn-primary",
        text: t("outbox.chooseVersion"),
        onclick: () => ctx.sync.openConflict(item.id),
      }),
    );
  }
  if (item.state === "error") {
    actions.append(
      el("button", {
        type: "button",
        class: "btn",
        text: t("outbox.tryAgain"),
        onclick: () => ctx.sync.retry(item.id),
      }),
    );
  }
  if (item.state === "error" || item.kind === "patient") {
    actions.append(
      el("button", {
        type: "button",
        class: "btn btn-danger",
        text: t("outbox.discard"),
        onclick: async () => {
          const what =
            item.kind === "save"
              ? t("outbox.discardSave")
              : item.kind === "finalize"
                ? t("outbox.discardSign")
                : t("outbox.discardPatient");
          if (window.confirm(what)) await ctx.sync.discard(item.id);
        },
      }),
    );
  }
  const errors = (item.errors || []).length
    ? el(
        "ul",
        { class: "field-errors" },
        ...item.errors.map((e) =>
          el("li", {}, e.path ? el("code", { text: e.path }) : null, e.path ? ": " : "", e.message || ""),
        ),
      )
    : null;
  return el(
    "li",
    { class: `outbox-row state-${item.state}`, "data-state": item.state, "data-kind": item.kind },
    el(
      "div",
      { class: "outbox-main" },
      el(
        "span",
        { class: `status-chip status-${item.state}` },
        el("span", { "aria-hidden": "true", text: state.icon }),
        ` ${t(state.label)}`,
      ),
      el("h2", { class: "outbox-title", text: info.title }),
      info.detail ? el("p", { class: "muted", text: info.detail }) : null,
      item.message && item.state !== "waiting" ? el("p", { class: "outbox-message", text: item.message }) : null,
      errors,
      el("p", {
        class: "muted small",
        text: item.attempts
          ? t("outbox.queuedTried", { when: when(item.createdAt), count: item.attempts })
          : t("outbox.queued", { when: when(item.createdAt) }),
      }),
    ),
    actions,
  );
}
