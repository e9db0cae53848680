// The outbox engine: every change for the server waits in the outbox (the store's, encrypted in
// IndexedDB) until the server answers 2xx. It is an object made with its store, API client and
// clock, so it runs in Node's tests as it runs on the tablet; it never touches the DOM (it emits
// events and the shell draws dialogs and toasts).
//
// Item kinds (one outbox record each):
//   save      {localId}          the draft's data → POST /handoffs or PUT /handoffs/{id}; the body
//                                is built from the draft when sent, so a newer save simply
//                                replaces the queued one: at most one save per draft is pending
//   finalize  {localId}          POST /handoffs/{id}/finalize, after any pending save of the draft
//   patient   {localId, body}    POST /patients
// Every request carries an Idempotency-Key made here and kept across retries of the same body.
// States: waiting (will be sent), conflict (412: the nurse must choose), error (4xx: the nurse
// must fix something; shown in the outbox screen). Being offline is learnt from failed
// requests, never from navigator.onLine.
//
// Events (engine.on(name, callback) → unsubscribe): "change" (status()), "conflict"
// ({id, kind, localId}: show the dialog), "resolved" (itemId: the chosen data replaced a draft),
// "toast" (text), "authNeeded" (the server wants the password again).

import { createBackoff } from "../backoff.js";
import { sha256Hex } from "../crypto.js";
import { t } from "../i18n/index.js";
import { canonicalJson, sameData } from "../merge.js";
import { createOutbox } from "./outbox.js";
import { patientIdFor, sendItem } from "./senders.js";

const HEARTBEAT_MS = 60_000; // even with nothing failing, look again now and then
const MAX_STEPS = 200; // a guard against a loop within one pass; the next pass carries on
const EVENTS = ["change", "conflict", "resolved", "toast", "authNeeded"];

export const systemClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (id) => clearTimeout(id),
};

const webCrypto = { randomUUID: () => globalThis.crypto.randomUUID(), sha256Hex };

const isOffline = (error) => error?.name === "OfflineError";

/**
 * store: putDraft/getDraft/updateDraft/listDrafts, cacheGet/cachePut, outboxPut/outboxDelete/outboxAll
 * api: {send(method, path, body, {ifMatch, idempotencyKey}), ApiError}; send throws OfflineError only
 * clock: {now, setTimeout, clearTimeout}; crypto: {randomUUID, sha256Hex}; random: backoff jitter
 * browserOffline(): true when the browser will not even try to send (a request cannot be in doubt)
 */
export function createSyncEngine({
  store,
  api,
  clock = systemClock,
  crypto = webCrypto,
  random = Math.random,
  browserOffline = () => false,
  log = console,
} = {}) {
  const outbox = createOutbox({ store, randomUUID: () => crypto.randomUUID(), now: () => clock.now() });
  const backoff = createBackoff({ random });
  const listeners = Object.fromEntries(EVENTS.map((name) => [name, new Set()]));
  const waiters = new Map(); // patient item id → {resolve, reject}, for createPatient()
  const state = {
    started: false,
    running: null,
    again: false,
    intents: 0,
    needsSignIn: false,
    me: null,
    retryTimer: null,
    heartbeat: null,
    nextRetryAt: null,
  };

  function on(name, callback) {
    listeners[name].add(callback);
    return () => listeners[name].delete(callback);
  }

  function fire(name, value) {
    for (const listener of listeners[name]) {
      try {
        listener(value);
      } catch (error) {
        log.error(error);
      }
    }
  }

  const emit = () => fire("change", status());

  function status() {
    const all = outbox.ordered();
    const conflicts = all
      .filter((i) => i.state === "conflict")
      .map((i) => ({ id: i.id, kind: i.kind, localId: i.localId, handoffId: i.server ? i.server.id : null }));
    const errors = all
      .filter((i) => i.state === "error")
      .map((i) => ({ id: i.id, kind: i.kind, localId: i.localId, message: i.message, errors: i.errors }));
    const pending = all.length + state.intents;
    const summary = conflicts.length ? "conflict" : errors.length ? "error" : pending ? "waiting" : "saved";
    return {
      state: summary,
      pending,
      conflicts,
      errors,
      offline: backoff.failures > 0,
      needsSignIn: state.needsSignIn,
      nextRetryAt: state.nextRetryAt,
    };
  }

  // Every unsent item, oldest first, for the outbox screen.
  const list = () => outbox.ordered().map((i) => structuredClone(i));

  // ---- what the senders need (see senders.js) ----

  const dataHash = (data) => crypto.sha256Hex(canonicalJson(data ?? {}));

  function settleWaiter(id, how, value) {
    const waiter = waiters.get(id);
    if (!waiter) return;
    waiters.delete(id);
    waiter[how](value);
  }

  const io = {
    store,
    api,
    outbox,
    dataHash,
    hash: (text) => crypto.sha256Hex(text),
    randomUUID: () => crypto.randomUUID(),
    me: () => state.me,
    browserOffline,
    hasWaiter: (id) => waiters.has(id),
    settleWaiter,
    toast: (text) => fire("toast", text),
    async drop(item) {
      await outbox.exclusive(() => outbox.remove(item.id));
      return "next";
    },
    signInNeeded() {
      state.needsSignIn = true;
      fire("authNeeded");
      return "signin";
    },
    async markError(item, response) {
      const body = response.body || {};
      Object.assign(item, {
        state: "error",
        message: body.message || t("sync.serverAnswered", { status: response.status }),
        errors: Array.isArray(body.errors) ? body.errors : [],
        status: response.status,
      });
      await outbox.exclusive(() => outbox.write(item));
    },
    // What the server said about a handoff, written into the draft. `syncStamp` makes these fields
    // win over an older copy a screen may still hold (see store.putDraft); `syncedHash` is the hash
    // of the data the server holds at `syncedEtag`, so a draft still there sends nothing.
    async applyServer(localId, handoff, etag, extra = {}) {
      const syncedHash = await dataHash(handoff.data);
      return store.updateDraft(localId, (draft) => ({
        ...draft,
        ...extra,
        handoffId: handoff.id,
        patientId: handoff.patient_id,
        checklist: handoff.checklist,
        etag: etag || draft.etag,
        revision: handoff.revision,
        status: handoff.status,
        syncedHash,
        syncedEtag: etag || draft.etag,
        syncStamp: (draft.syncStamp || 0) + 1,
      }));
    },
    conflicted(item) {
      emit();
      fire("conflict", { id: item.id, kind: item.kind, localId: item.localId });
    },
  };

  // ---- queueing (the screens) ----

  // Counted from the call, so the indicator shows "waiting" before a click handler returns.
  async function queued(change) {
    state.intents += 1;
    emit();
    try {
      await outbox.exclusive(change);
    } finally {
      state.intents -= 1;
      emit();
    }
    kick(); // not awaited: queueing resolves when queued, not when sent
  }

  const clearError = (item) => Object.assign(item, { state: "waiting", errors: [], message: null });

  async function saveDraft(localId) {
    await queued(async () => {
      let item = outbox.saveOf(localId);
      if (!item) item = outbox.newItem("save", { localId });
      else {
        item.rev += 1;
        if (item.state === "error") clearError(item); // the nurse changed the form: it may pass now
      }
      await outbox.write(item);
      const finalizing = outbox.finalizeOf(localId);
      if (finalizing && finalizing.state === "error") {
        clearError(finalizing);
        await outbox.write(finalizing);
      }
    });
  }

  async function finalize(localId) {
    await queued(async () => {
      const item = outbox.finalizeOf(localId) || outbox.newItem("finalize", { localId });
      const inConflict = item.state === "conflict";
      clearError(item);
      if (inConflict) item.state = "conflict";
      await outbox.write(item);
    });
  }

  // Resolves with the server's patient when it answers, or, offline, with a provisional
  // {id: null, localId, pending: true, ...body}. A 409 (MRN exists) or 422 answered while the
  // nurse waits rejects with ApiError and queues nothing.
  async function createPatient(body) {
    const item = outbox.newItem("patient", {
      localId: `patient-${crypto.randomUUID()}`,
      body,
      key: crypto.randomUUID(),
    });
    await outbox.exclusive(() => outbox.write(item));
    emit();
    const outcome = new Promise((resolve, reject) => waiters.set(item.id, { resolve, reject }));
    syncNow();
    return outcome;
  }

  function settleOfflineWaiters() {
    for (const id of [...waiters.keys()]) {
      const item = outbox.get(id);
      if (item) settleWaiter(id, "resolve", { id: null, localId: item.localId, pending: true, ...item.body });
    }
  }

  // The outbox screen's "discard" (for a save the draft stays on the tablet; nothing is sent).
  async function discard(itemId) {
    await outbox.exclusive(() => outbox.remove(itemId));
    emit();
  }

  // The outbox screen's "try again" for an item in error.
  async function retry(itemId) {
    await outbox.exclusive(async () => {
      const item = outbox.get(itemId);
      if (item && item.state === "error") await outbox.write(clearError(item));
    });
    emit();
    syncNow();
  }

  // Also what `online`, a tap on the indicator, and a tab shown again call.
  function syncNow() {
    backoff.reset();
    return kick();
  }

  // ---- the passes ----

  // Resolves when the pass it started (or the one running, and any it asked for) ends.
  function kick() {
    if (!state.started) return Promise.resolve();
    state.again = true;
    if (!state.running) state.running = run();
    return state.running;
  }

  async function run() {
    clock.clearTimeout(state.retryTimer);
    state.retryTimer = null;
    state.nextRetryAt = null;
    try {
      while (state.again && state.started) {
        state.again = false;
        await pass();
      }
    } catch (error) {
      log.error("sync pass failed", error);
      scheduleRetry();
    } finally {
      // In the same turn as the last look at `again`: a kick can never fall between the two.
      state.running = null;
      emit();
    }
  }

  function scheduleRetry() {
    const delay = backoff.failed();
    state.nextRetryAt = clock.now() + delay;
    clock.clearTimeout(state.retryTimer);
    state.retryTimer = clock.setTimeout(() => {
      state.retryTimer = null;
      kick();
    }, delay);
  }

  function armHeartbeat() {
    clock.clearTimeout(state.heartbeat);
    state.heartbeat = clock.setTimeout(() => {
      if (outbox.size && !state.retryTimer) kick();
      armHeartbeat();
    }, HEARTBEAT_MS);
  }

  // The next item that may go now: oldest first; a draft's finalize waits for its save; conflicts
  // and errors wait for the nurse; `skip` holds items that wait for another (a save for its patient).
  function pick(skip) {
    return outbox
      .ordered()
      .find(
        (item) =>
          item.state === "waiting" && !skip.has(item.id) && !(item.kind === "finalize" && outbox.saveOf(item.localId)),
      );
  }

  async function pass() {
    await outbox.exclusive(() => outbox.reload());
    emit();
    const skip = new Set();
    for (let steps = 0; steps < MAX_STEPS; steps += 1) {
      const item = pick(skip);
      if (!item || !state.started) break;
      item.attempts += 1;
      let outcome;
      try {
        outcome = await sendItem(io, item);
      } catch (error) {
        if (!isOffline(error)) throw error;
        outcome = "offline";
      }
      emit();
      if (outcome === "offline" || outcome === "signin") {
        settleOfflineWaiters();
        if (outcome === "offline") scheduleRetry();
        return;
      }
      if (outcome === "skip") skip.add(item.id);
    }
    backoff.reset();
    settleOfflineWaiters();
  }

  // ---- conflicts ----

  // What the dialog shows for a conflict, or null when the item is no longer in conflict.
  async function conflictOf(itemId) {
    const item = outbox.get(itemId);
    if (!item || item.state !== "conflict") return null;
    const draft = await store.getDraft(item.localId);
    if (!draft) return null;
    return {
      id: item.id,
      kind: item.kind,
      localId: item.localId,
      mine: draft.data,
      server: structuredClone(item.server),
    };
  }

  // The nurse chose: the chosen data becomes the draft, on top of the server's ETag, and is queued;
  // if it is exactly the server's, nothing needs sending.
  async function resolveConflict(itemId, { data, reason = null }) {
    let resolved = false;
    await outbox.exclusive(async () => {
      const item = outbox.get(itemId);
      if (!item || item.state !== "conflict") return;
      const server = item.server;
      const keepsServer = sameData(data, server.data);
      const syncedHash = await dataHash(server.data);
      await store.updateDraft(item.localId, (draft) => ({
        ...draft,
        data,
        handoffId: server.id,
        etag: server.etag,
        revision: server.revision,
        status: server.status,
        syncedHash,
        syncedEtag: server.etag,
        reason: keepsServer ? null : reason || draft.reason || null,
        syncStamp: (draft.syncStamp || 0) + 1,
      }));
      Object.assign(item, { state: "waiting", server: null, message: null, errors: [], doubts: [], attempt: null });
      if (item.kind === "save") {
        if (keepsServer) await outbox.remove(item.id);
        else await outbox.write(item);
      } else {
        await outbox.write(item);
        if (!keepsServer && !outbox.saveOf(item.localId))
          await outbox.write(outbox.newItem("save", { localId: item.localId }));
      }
      resolved = true;
    });
    if (!resolved) return;
    emit();
    fire("resolved", itemId);
    kick();
  }

  // ---- lifecycle ----

  // After unlock: load the outbox and start sending; conflicts left from before are announced.
  async function start({ username = null } = {}) {
    state.me = username;
    await outbox.exclusive(() => outbox.reload());
    Object.assign(state, { started: true, needsSignIn: false });
    backoff.reset();
    armHeartbeat();
    emit();
    kick();
    for (const item of outbox.ordered()) {
      if (item.state === "conflict") fire("conflict", { id: item.id, kind: item.kind, localId: item.localId });
    }
  }

  // Signed in again after a 401: carry on.
  function signedIn() {
    state.needsSignIn = false;
    return syncNow();
  }

  // Lock or logout: stop, forget the decrypted mirror (the encrypted outbox stays on disk).
  function stop() {
    state.started = false;
    clock.clearTimeout(state.retryTimer);
    clock.clearTimeout(state.heartbeat);
    Object.assign(state, { retryTimer: null, heartbeat: null, nextRetryAt: null, intents: 0 });
    for (const id of [...waiters.keys()]) settleWaiter(id, "reject", new Error(t("sync.locked")));
    outbox.clear();
    emit();
  }

  // For tests and the shell: resolves once no pass is running.
  async function whenIdle() {
    while (state.running) await state.running;
  }

  return {
    on,
    onChange: (callback) => on("change", callback),
    status,
    list,
    pendingPatients: () =>
      list()
        .filter((i) => i.kind === "patient")
        .map((i) => ({ localId: i.localId, ...i.body, state: i.state })),
    patientIdFor: (patientLocalId) => patientIdFor(store, patientLocalId),
    saveDraft,
    finalize,
    createPatient,
    discard,
    retry,
    syncNow,
    conflictOf,
    resolveConflict,
    start,
    signedIn,
    stop,
    whenIdle,
    get hasItems() {
      return outbox.size > 0;
    },
  };
}
