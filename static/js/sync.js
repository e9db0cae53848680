// The tablet's outbox, wired to the browser: one sync engine (sync/engine.js) with the encrypted
// IndexedDB store, the real API client and the browser's timers; the retries on `online` and
// when the tab is shown again; and the conflict dialog the engine asks for. Screens and app.js
// use the functions below (views/README.md, `ctx.sync`).

import * as api from "./api.js";
import { closeConflictDialog, showConflict } from "./conflict.js";
import { t } from "./i18n/index.js";
import * as store from "./store.js";
import { createSyncEngine } from "./sync/engine.js";

const engine = createSyncEngine({
  store,
  api,
  // When the browser knows it is offline it will not even try: such a request cannot be in doubt.
  browserOffline: () => typeof navigator !== "undefined" && navigator.onLine === false,
});

const hooks = { toast: () => {}, authNeeded: () => {}, resolved: () => {} };
engine.on("toast", (text) => hooks.toast(text));
engine.on("authNeeded", () => hooks.authNeeded());
engine.on("resolved", (itemId) => hooks.resolved(itemId));
engine.on("conflict", ({ id }) => openConflict(id));

export const { status, onChange, list, pendingPatients, patientIdFor } = engine;
export const { saveDraft, finalize, createPatient, discard, retry, syncNow } = engine;
export const { resolveConflict, signedIn } = engine;

const showing = new Set(); // conflicts whose dialog is open or waiting its turn

// Show the dialog for a conflict (again, after "Decide later"); the indicator and the outbox
// screen call this too. The nurse's choice goes back to the engine.
export async function openConflict(itemId) {
  if (showing.has(itemId)) return;
  showing.add(itemId);
  try {
    const conflict = await engine.conflictOf(itemId);
    if (!conflict) return;
    const choice = await showConflict({
      mine: conflict.mine,
      server: conflict.server,
      title: conflict.kind === "finalize" ? t("conflict.titleBeforeSigning") : t("conflict.title"),
    });
    if (choice) await engine.resolveConflict(itemId, choice);
  } finally {
    showing.delete(itemId);
  }
}

// After unlock: load the outbox and start sending. The callbacks are app.js's.
export async function start({ username, toast, authNeeded, resolved } = {}) {
  Object.assign(hooks, { ...(toast && { toast }), ...(authNeeded && { authNeeded }), ...(resolved && { resolved }) });
  await engine.start({ username: username || null });
}

// Lock or logout: stop and close any open dialog as "decide later" (nothing is lost).
export function stop() {
  engine.stop();
  closeConflictDialog();
}

if (typeof window !== "undefined") {
  window.addEventListener("online", () => syncNow());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && engine.hasItems) syncNow();
  });
}
