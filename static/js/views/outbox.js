// The Unsent screen (#/outbox): every change the server does not have yet, why it is waiting,
// and what the nurse can do about it. Written with the sync engine (it reads sync.list()).
import { el } from "../el.js";

const STATE_TEXT = {
  waiting: { icon: "↻", label: "Waiting to send" },
  conflict: { icon: "⚠", label: "Conflict: choose a version" },
  error: { icon: "!", label: "Needs attention" },
};


async function describe(item, ctx) {
  const { t } = ctx;
  if (item.kind === "patient") {
    const b = item.body || {};
    return { title: t(`New patient: ${b.given_name || ""} ${b.family_name || ""}`.trim()), detail: b.mrn ? `MRN ${b.mrn}` : "",
      open: null };
  }
  const draft = await ctx.store.getDraft(item.localId);
  if (!draft) return { title: t("A draft that is no longer on this tablet"), detail: "", open: null };
  const patient = draft.patientId != null ? await ctx.store.cacheGet(`patient:${draft.patientId}`) : null;
  const who = patient ? `${patient.given_name} ${patient.family_name}` : draft.patientLabel || "";
  const what = draft.label || `${draft.checklist && draft.checklist.key === "ipass" ? "I-PASS handoff" : "Discharge"}`;
  const action = item.kind === "finalize" ? t("Sign") : t("Save");
  return {
    title: `${action}: ${what}${who ? ` · ${who}` : ""}`,
    detail: draft.handoffId ? t(`Handoff ${draft.handoffId}, revision ${draft.revision ?? "?"}`) : t("Not on the server yet"),
    open: draft.handoffId ? `#/handoffs/${draft.handoffId}` : `#/drafts/${encodeURIComponent(draft.localId)}`,
  };
}

export async function render(container, ctx) {
  const { t } = ctx;
  const heading = el("h1", { text: t("Unsent") });
  const summary = el("p", { class: "lead" });
  const list = el("ul", { class: "list outbox-list" });
  const sendNow = el("button", { type: "button", class: "btn btn-primary", id: "outbox-send", text: t("Send now"),
    onclick: () => {
      ctx.sync.syncNow();
      ctx.toast(t("Trying to send now."));
    } });
  container.append(el("div", { class: "page-header" }, heading, sendNow), summary, list);

  let drawing = Promise.resolve();
  const draw = () => {
    drawing = drawing.then(async () => {
      const items = ctx.sync.list();
      const status = ctx.sync.status();
      sendNow.hidden = items.length === 0;
      summary.textContent = items.length === 0
        ? t("Everything is on the server.")
        : status.offline
          ? t(`${items.length} waiting. The server cannot be reached; they are kept safe here and sent when it can.`)
          : t(`${items.length} not on the server yet.`);
      const rows = [];
      for (const item of items) rows.push(await row(item, ctx));
      list.replaceChildren(...rows);
    }).catch((error) => console.error(error));
  };
  ctx.sync.onChange(draw);
  draw();
  await drawing;
}

async function row(item, ctx) {
  const { t } = ctx;
  const info = await describe(item, ctx);
  const state = STATE_TEXT[item.state] || STATE_TEXT.waiting;
  const actions = el("div", { class: "button-row" });
  if (info.open) actions.append(el("a", { class: "btn", href: info.open, text: t("Open") }));
  if (item.state === "conflict") {
    actions.append(el("button", { type: "button", class: "btn btn-primary", text: t("Choose a version"),
      onclick: () => ctx.sync.openConflict(item.id) }));
  }
  if (item.state === "error") {
    actions.append(el("button", { type: "button", class: "btn", text: t("Try again"),
      onclick: () => ctx.sync.retry(item.id) }));
  }
  if (item.state === "error" || item.kind === "patient") {
    actions.append(el("button", { type: "button", class: "btn btn-danger", text: t("Discard"),
      onclick: async () => {
        const what = item.kind === "save"
          ? t("This change will not be sent. The draft stays on this tablet.")
          : item.kind === "finalize" ? t("The handoff will not be signed.") : t("This patient will not be registered.");
        if (window.confirm(`${t("Discard?")} ${what}`)) await ctx.sync.discard(item.id);
      } }));
  }
  const errors = (item.errors || []).length
    ? el("ul", { class: "field-errors" }, ...item.errors.map((e) => el("li", {},
      e.path ? el("code", { text: e.path }) : null, e.path ? ": " : "", e.message || "")))
    : null;
  return el("li", { class: `outbox-row state-${item.state}`, "data-state": item.state, "data-kind": item.kind },
    el("div", { class: "outbox-main" },
      el("span", { class: `status-chip status-${item.state}` },
        el("span", { "aria-hidden": "true", text: state.icon }), ` ${t(state.label)}`),
      el("h2", { class: "outbox-title", text: info.title }),
      info.detail ? el("p", { class: "muted", text: info.detail }) : null,
      item.message && item.state !== "waiting" ? el("p", { class: "outbox-message", text: item.message }) : null,
      errors,
      el("p", { class: "muted small", text: t(`Queued ${new Date(item.createdAt).toLocaleString()}`
        + (item.attempts ? ` · ${item.attempts} attempt${item.attempts === 1 ? "" : "s"}` : "")) })),
    actions);
}
