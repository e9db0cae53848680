// The outbox: every change for the server waits here (encrypted, in IndexedDB) until the server
// answers 2xx. Retries with capped exponential backoff on unlock, on `online`, on a timer and
// on syncNow(); being offline is learnt from failed requests, never from navigator.onLine alone.
//
// Item kinds (one outbox record each):
//   save      {localId}          the draft's data → POST /handoffs or PUT /handoffs/{id}; the body
//                                is built from the draft when sent, so a newer save simply
//                                replaces the queued one: at most one save per draft is pending
//   finalize  {localId}          POST /handoffs/{id}/finalize, after any pending save of the draft
//   patient   {localId, body}    POST /patients
// Every request carries an Idempotency-Key made here and kept across retries of the same body.
// States: waiting (will be sent), conflict (412: the nurse must choose), error (4xx: the
// nurse must fix something; shown in the outbox screen).

import * as api from "./api.js";
import { OfflineError } from "./api.js";
import { showConflict, closeConflictDialog } from "./conflict.js";
import { canonicalJson, sameData } from "./merge.js";
import * as store from "./store.js";
import { sha256Hex } from "./crypto.js";

const BACKOFF_FIRST_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
const HEARTBEAT_MS = 60_000; // even with nothing failing, look again now and then
const MAX_DOUBTS = 8;

let items = new Map(); // id → item: the in-memory mirror of the outbox store
let intents = 0; // saveDraft()/finalize() calls not yet written to the outbox
let running = false;
let again = false;
let started = false;
let failures = 0;
let retryTimer = null;
let heartbeat = null;
let nextRetryAt = null;
let needsSignIn = false;
let me = null; // username, to recognise our own earlier writes after a lost answer
let seq = 0;
let mutex = Promise.resolve();
const listeners = new Set();
const waiters = new Map(); // patient item id → {resolve, reject}, for createPatient()
const hooks = { toast: () => {}, authNeeded: () => {}, resolved: () => {} };

// Outbox mutations run one at a time (the sync pass and the screens both change items).
function exclusive(task) {
  const run = mutex.then(task);
  mutex = run.catch(() => {});
  return run;
}

const gone = new Set(); // removed items: a request still out for one must not write it back

async function write(item) {
  if (gone.has(item.id)) return;
  items.set(item.id, item);
  await store.outboxPut(item);
}

async function remove(id) {
  gone.add(id);
  items.delete(id);
  await store.outboxDelete(id);
}

const dataHash = (data) => sha256Hex(canonicalJson(data ?? {}));

function newItem(kind, fields) {
  seq = Math.max(seq, ...[...items.values()].map((i) => i.seq || 0)) + 1;
  return { id: crypto.randomUUID(), seq, kind, state: "waiting", createdAt: new Date().toISOString(),
    attempts: 0, errors: [], message: null, attempt: null, doubts: [], rev: 1, ...fields };
}

const saveItemOf = (localId) => [...items.values()].find((i) => i.kind === "save" && i.localId === localId);
const finalizeItemOf = (localId) => [...items.values()].find((i) => i.kind === "finalize" && i.localId === localId);

// ---- status ----

export function status() {
  const all = [...items.values()];
  const conflicts = all.filter((i) => i.state === "conflict")
    .map((i) => ({ id: i.id, kind: i.kind, localId: i.localId, handoffId: i.server ? i.server.id : null }));
  const errors = all.filter((i) => i.state === "error")
    .map((i) => ({ id: i.id, kind: i.kind, localId: i.localId, message: i.message, errors: i.errors }));
  const pending = all.length + intents;
  const state = conflicts.length ? "conflict" : errors.length ? "error" : pending ? "waiting" : "saved";
  return { state, pending, conflicts, errors, offline: failures > 0, needsSignIn, nextRetryAt };
}

export function onChange(callback) {
  listeners.add(callback);
  return () => listeners.delete(callback);
}

function emit() {
  const current = status();
  for (const listener of listeners) {
    try {
      listener(current);
    } catch (error) {
      console.error(error);
    }
  }
}

// Every unsent item, oldest first, for the outbox screen.
export function list() {
  return [...items.values()].sort((a, b) => a.seq - b.seq).map((i) => structuredClone(i));
}

// Patients registered offline and not yet on the server: [{localId, ...body}].
export function pendingPatients() {
  return list().filter((i) => i.kind === "patient").map((i) => ({ localId: i.localId, ...i.body, state: i.state }));
}

// ---- queueing (the screens) ----

export async function saveDraft(localId) {
  intents += 1;
  emit(); // synchronously: the indicator shows "waiting" before the click handler returns
  try {
    await exclusive(async () => {
      let item = saveItemOf(localId);
      if (!item) item = newItem("save", { localId });
      else {
        item.rev += 1;
        // The nurse changed the form: what failed validation may pass now.
        if (item.state === "error") Object.assign(item, { state: "waiting", errors: [], message: null });
      }
      await write(item);
      const finalize = finalizeItemOf(localId);
      if (finalize && finalize.state === "error") {
        Object.assign(finalize, { state: "waiting", errors: [], message: null });
        await write(finalize);
      }
    });
  } finally {
    intents -= 1;
    emit();
  }
  kick();
}

export async function finalize(localId) {
  intents += 1;
  emit();
  try {
    await exclusive(async () => {
      const item = finalizeItemOf(localId) || newItem("finalize", { localId });
      Object.assign(item, { state: item.state === "conflict" ? "conflict" : "waiting", errors: [], message: null });
      await write(item);
    });
  } finally {
    intents -= 1;
    emit();
  }
  kick();
}

// Resolves with the server's patient when it answers, or, offline, with a provisional
// {id: null, localId, pending: true, ...body} (the patient is sent when the network returns).
// A 409 (duplicate MRN) or 422 answered right away rejects with ApiError and queues nothing.
export async function createPatient(body) {
  const item = newItem("patient", { localId: `patient-${crypto.randomUUID()}`, body, key: crypto.randomUUID() });
  await exclusive(() => write(item));
  emit();
  const outcome = new Promise((resolve, reject) => waiters.set(item.id, { resolve, reject }));
  syncNow();
  return outcome;
}

function settleWaiter(id, how, value) {
  const waiter = waiters.get(id);
  if (!waiter) return;
  waiters.delete(id);
  waiter[how](value);
}

function settleOfflineWaiters() {
  for (const id of [...waiters.keys()]) {
    const item = items.get(id);
    if (item) settleWaiter(id, "resolve", { id: null, localId: item.localId, pending: true, ...item.body });
  }
}

// The outbox screen's "discard" (for saves the draft stays on the tablet; nothing is sent).
export async function discard(itemId) {
  await exclusive(() => remove(itemId));
  emit();
}

// The outbox screen's "try again" for an item in error, and the conflict dialog reopened later.
export async function retry(itemId) {
  await exclusive(async () => {
    const item = items.get(itemId);
    if (item && item.state === "error") {
      Object.assign(item, { state: "waiting", errors: [], message: null });
      await write(item);
    }
  });
  emit();
  syncNow();
}

export function syncNow() {
  failures = 0;
  kick();
}

// ---- the engine ----

function kick() {
  if (!started) return;
  if (running) {
    again = true;
    return;
  }
  run();
}

async function run() {
  running = true;
  clearTimeout(retryTimer);
  retryTimer = null;
  nextRetryAt = null;
  try {
    do {
      again = false;
      await pass();
    } while (again && started);
  } catch (error) {
    console.error("sync pass failed", error);
    scheduleRetry();
  } finally {
    running = false;
    emit();
  }
}

function scheduleRetry() {
  failures += 1;
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (failures - 1));
  const delay = Math.round(base * (0.8 + Math.random() * 0.4)); // jitter: tablets don't retry in step
  nextRetryAt = Date.now() + delay;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => kick(), delay);
}

async function reload() {
  const stored = await store.outboxAll();
  items = new Map(stored.map((item) => [item.id, item]));
}

// The next item that may go now: oldest first; a draft's finalize waits for its save; a save
// waits for the patient it belongs to; conflicts and errors wait for the nurse.
function pick(skip) {
  const ordered = [...items.values()].sort((a, b) => a.seq - b.seq);
  return ordered.find((item) => {
    if (item.state !== "waiting" || skip.has(item.id)) return false;
    if (item.kind === "finalize" && saveItemOf(item.localId)) return false;
    return true;
  });
}

async function pass() {
  await exclusive(reload);
  emit();
  const skip = new Set();
  let steps = 0;
  for (;;) {
    const item = pick(skip);
    if (!item || !started) break;
    if ((steps += 1) > 200) break; // a guard against a loop; the next pass carries on
    let outcome;
    try {
      outcome = await process(item);
    } catch (error) {
      if (!(error instanceof OfflineError)) throw error;
      outcome = "offline";
    }
    emit();
    if (outcome === "offline") {
      settleOfflineWaiters();
      scheduleRetry();
      return;
    }
    if (outcome === "signin") {
      settleOfflineWaiters();
      return;
    }
    if (outcome === "skip") skip.add(item.id);
  }
  failures = 0;
  settleOfflineWaiters();
}

async function process(item) {
  item.attempts += 1;
  if (item.kind === "patient") return sendPatient(item);
  if (item.kind === "save") return sendSave(item);
  if (item.kind === "finalize") return sendFinalize(item);
  await exclusive(() => remove(item.id));
  return "next";
}

// Answers that mean "later", not "no".
function transient(status) {
  return status === 429 || status >= 500;
}

async function markError(item, response) {
  const body = response.body || {};
  Object.assign(item, { state: "error", message: body.message || `The server answered ${response.status}.`,
    errors: Array.isArray(body.errors) ? body.errors : [], status: response.status });
  await exclusive(() => write(item));
}

function signInNeeded() {
  needsSignIn = true;
  hooks.authNeeded();
  return "signin";
}

// What the server said about a handoff, written into the draft. `syncStamp` makes these
// fields win over an older copy a screen may still hold (see store.putDraft).
// `syncedHash` is the hash of the data the server holds at `syncedEtag`, so a draft still on
// that ETag with that data sends nothing.
async function applyServer(localId, handoff, etag, extra = {}) {
  const syncedHash = await dataHash(handoff.data);
  return store.updateDraft(localId, (draft) => ({
    ...draft, ...extra,
    handoffId: handoff.id, patientId: handoff.patient_id, checklist: handoff.checklist,
    etag: etag || draft.etag, revision: handoff.revision, status: handoff.status,
    syncedHash, syncedEtag: etag || draft.etag, syncStamp: (draft.syncStamp || 0) + 1,
  }));
}

// Remember a body that may reach the server even if we never see the answer (the network
// drops mid-request, the tablet reloads). If that happened, the server's data is ours.
async function noteDoubt(item, entry) {
  if (navigator.onLine === false) return; // the browser will not even try to send it
  if (item.doubts.some((d) => d.fingerprint === entry.fingerprint)) return;
  item.doubts = [...item.doubts, entry].slice(-MAX_DOUBTS);
  await exclusive(() => write(item));
}

function clearDoubt(item, fingerprint) {
  item.doubts = item.doubts.filter((d) => d.fingerprint !== fingerprint);
}

// Same body → same key (a retry the server recognises); another body → a new key.
async function keyFor(item, fingerprint) {
  if (!item.attempt || item.attempt.fingerprint !== fingerprint) {
    item.attempt = { fingerprint, key: crypto.randomUUID() };
  }
  return item.attempt.key;
}

async function sendPatient(item) {
  const fingerprint = await sha256Hex(`POST /patients ${canonicalJson(item.body)}`);
  await noteDoubt(item, { fingerprint });
  const response = await api.send("POST", "/patients", item.body, { idempotencyKey: item.key });
  clearDoubt(item, fingerprint);
  if (response.ok) {
    const patient = response.body;
    await exclusive(() => remove(item.id));
    await linkPatient(item.localId, patient.id);
    settleWaiter(item.id, "resolve", patient);
    return "next";
  }
  if (response.status === 401) return signInNeeded();
  if (transient(response.status)) return "offline";
  if (waiters.has(item.id)) {
    // The nurse is still on the form: give the answer back to it, keep nothing queued.
    await exclusive(() => remove(item.id));
    settleWaiter(item.id, "reject", new api.ApiError(response.status, response.body));
    return "next";
  }
  await markError(item, response);
  return "next";
}

// Drafts started for a patient registered offline get the real id once the server has it.
async function linkPatient(patientLocalId, patientId) {
  const ids = (await store.cacheGet("sync:patient-ids")) || {};
  ids[patientLocalId] = patientId;
  await store.cachePut("sync:patient-ids", ids);
  for (const draft of await store.listDrafts()) {
    if (draft.patientLocalId === patientLocalId && draft.patientId == null) {
      await store.updateDraft(draft.localId, (d) => ({ ...d, patientId }));
    }
  }
}

// The server id of a patient registered offline, once it is known (else null).
export async function patientIdFor(patientLocalId) {
  const ids = (await store.cacheGet("sync:patient-ids")) || {};
  return ids[patientLocalId] ?? null;
}

async function sendSave(item) {
  let draft = await store.getDraft(item.localId);
  if (!draft) {
    await exclusive(() => remove(item.id)); // the screen discarded the draft
    return "next";
  }
  if (draft.patientId == null && draft.patientLocalId) {
    const id = await patientIdFor(draft.patientLocalId);
    if (id == null) return "skip"; // waits for its patient
    draft = await store.updateDraft(item.localId, (d) => ({ ...d, patientId: id }));
  }
  const creating = draft.handoffId == null;
  if (!creating && !draft.etag) return conflictOrOwnWrite(item, draft);
  if (!creating && draft.syncedEtag === draft.etag && draft.syncedHash === (await dataHash(draft.data))) {
    // Nothing changed since the server's copy: no empty revision (and no amendment of nothing).
    if (draft.reason) await store.updateDraft(item.localId, (d) => ({ ...d, reason: null }));
    await exclusive(() => remove(item.id));
    return "next";
  }
  const method = creating ? "POST" : "PUT";
  const path = creating ? "/handoffs" : `/handoffs/${draft.handoffId}`;
  const body = creating
    ? { patient_id: draft.patientId, checklist: draft.checklist, data: draft.data }
    : { data: draft.data, ...(draft.reason ? { reason: draft.reason } : {}) };
  const fingerprint = await sha256Hex(`${method} ${path} ${draft.etag || ""} ${canonicalJson(body)}`);
  // A create keeps one key whatever the body, so two creates can never both succeed.
  if (creating) item.createKey = item.createKey || crypto.randomUUID();
  const key = creating ? item.createKey : await keyFor(item, fingerprint);
  await noteDoubt(item, { fingerprint, method, path, body, key });
  const revAtStart = item.rev;

  const response = await api.send(method, path, body, { ifMatch: creating ? undefined : draft.etag, idempotencyKey: key });
  clearDoubt(item, fingerprint);

  if (response.ok) {
    await applyServer(item.localId, response.body, response.etag,
      draft.reason ? { reason: null, lastReason: draft.reason } : {});
    item.doubts = []; // the server moved on from every state an unanswered request expected
    item.attempt = null;
    return finishSave(item, body.data);
  }
  if (response.status === 401) return signInNeeded();
  if (transient(response.status)) return "offline";
  if (response.status === 412) return conflictOrOwnWrite(item, draft);
  if (creating && response.status === 409) return recoverCreate(item);
  if (response.status === 422 && item.rev !== revAtStart) {
    await exclusive(() => write(item)); // edited meanwhile: send the new data first
    return "next";
  }
  await markError(item, response);
  return "next";
}

// The item leaves the outbox only if the server now holds exactly what the draft holds;
// if the nurse typed on while the request was out, it goes again.
async function finishSave(item, sentData) {
  const now = await store.getDraft(item.localId);
  if (!now || (sameData(now.data, sentData) && !now.reason)) {
    await exclusive(() => remove(item.id));
  } else {
    await exclusive(() => write(item));
  }
  return "next";
}

// A create answered 409 "same key, other body": an earlier body of ours was stored and its
// answer lost. Replaying that body with the same key gets the answer back.
async function recoverCreate(item) {
  for (const doubt of [...item.doubts].reverse()) {
    if (doubt.method !== "POST") continue;
    const response = await api.send("POST", doubt.path, doubt.body, { idempotencyKey: doubt.key });
    if (response.ok) {
      await applyServer(item.localId, response.body, response.etag);
      item.doubts = [];
      item.attempt = null;
      await exclusive(() => write(item)); // now a PUT of the current data, if it differs
      return finishSave(item, doubt.body.data);
    }
  }
  await markError(item, { status: 409, body: { message: "The server refused this new handoff (409)." } });
  return "next";
}

async function fetchServer(handoffId) {
  const response = await api.send("GET", `/handoffs/${handoffId}`);
  if (!response.ok) return { response };
  return { handoff: response.body, etag: response.etag };
}

// 412: someone saved since this draft was read. If the server already holds our data (an
// earlier request of ours whose answer was lost), adopt its ETag and carry on. Otherwise the
// nurse chooses.
async function conflictOrOwnWrite(item, draft) {
  const { handoff, etag, response } = await fetchServer(draft.handoffId);
  if (!handoff) {
    if (response.status === 401) return signInNeeded();
    if (transient(response.status)) return "offline";
    await markError(item, response);
    return "next";
  }
  // No ETag (a draft made without one) also lands here: compare with the server first.
  const ours = sameData(handoff.data, draft.data)
    || (handoff.updated_by === me && item.doubts.some((d) => d.body && sameData(d.body.data, handoff.data)));
  if (ours) {
    await applyServer(item.localId, handoff, etag);
    item.doubts = [];
    item.attempt = null;
    if (item.kind === "save") return finishSave(item, handoff.data);
    await exclusive(() => write(item));
    return "next";
  }
  Object.assign(item, { state: "conflict", server: { ...handoff, etag }, message: "Changed on another device." });
  await exclusive(() => write(item));
  emit();
  openConflict(item.id);
  return "next";
}

async function sendFinalize(item) {
  const draft = await store.getDraft(item.localId);
  if (!draft) {
    await exclusive(() => remove(item.id));
    return "next";
  }
  if (draft.handoffId == null || !draft.etag) {
    // Not on the server yet and nothing queued to put it there: queue that first.
    if (!saveItemOf(item.localId)) await exclusive(() => write(newItem("save", { localId: item.localId })));
    return "skip";
  }
  if (draft.status === "final") {
    await exclusive(() => remove(item.id)); // already signed (and no save of changes pending)
    return "next";
  }
  const path = `/handoffs/${draft.handoffId}/finalize`;
  // Signing is tied to the ETag it signs: the same key for the same state only.
  const fingerprint = `POST ${path} ${draft.etag}`;
  const key = await keyFor(item, fingerprint);
  await noteDoubt(item, { fingerprint, method: "POST", path, key });
  const response = await api.send("POST", path, null, { ifMatch: draft.etag, idempotencyKey: key });
  clearDoubt(item, fingerprint);

  if (response.ok) {
    const warnings = response.body.warnings || [];
    await applyServer(item.localId, response.body, response.etag, { warnings });
    await exclusive(() => remove(item.id));
    hooks.toast(warnings.length
      ? `Signed. ${warnings.length} suggestion${warnings.length === 1 ? "" : "s"} for the patient summary.`
      : "Signed.");
    return "next";
  }
  if (response.status === 401) return signInNeeded();
  if (transient(response.status)) return "offline";
  if (response.status === 412) return conflictOrOwnWrite(item, draft);
  if (response.status === 409) {
    // "Already signed": by an earlier request of ours whose answer was lost, or by someone else.
    const { handoff, etag } = await fetchServer(draft.handoffId);
    if (handoff && handoff.status === "final" && sameData(handoff.data, draft.data)) {
      await applyServer(item.localId, handoff, etag);
      await exclusive(() => remove(item.id));
      return "next";
    }
  }
  if (response.status === 422 && saveItemOf(item.localId)) return "next"; // edited meanwhile; save first
  await markError(item, response);
  return "next";
}

// ---- conflicts ----

const openConflicts = new Set();

// Show the dialog for a conflict (again, after "decide later"); the app's indicator and the
// outbox screen call this too.
export async function openConflict(itemId) {
  if (openConflicts.has(itemId)) return;
  const item = items.get(itemId);
  if (!item || item.state !== "conflict") return;
  const draft = await store.getDraft(item.localId);
  if (!draft) return;
  openConflicts.add(itemId);
  try {
    const choice = await showConflict({
      mine: draft.data,
      server: item.server,
      title: item.kind === "finalize"
        ? "Before signing: this handoff was changed on another device"
        : "This handoff was changed on another device",
    });
    if (choice && started) await resolveConflict(itemId, choice);
  } finally {
    openConflicts.delete(itemId);
  }
}

// The nurse chose: the chosen data becomes the draft, on top of the server's ETag, and is
// queued; if it is exactly the server's, nothing needs sending.
export async function resolveConflict(itemId, { data, reason = null }) {
  await exclusive(async () => {
    const item = items.get(itemId);
    if (!item || item.state !== "conflict") return;
    const server = item.server;
    const keepsServer = sameData(data, server.data);
    const syncedHash = await dataHash(server.data);
    await store.updateDraft(item.localId, (draft) => ({
      ...draft, data, handoffId: server.id, etag: server.etag, revision: server.revision, status: server.status,
      syncedHash, syncedEtag: server.etag,
      reason: keepsServer ? null : reason || draft.reason || null, syncStamp: (draft.syncStamp || 0) + 1,
    }));
    Object.assign(item, { state: "waiting", server: null, message: null, errors: [], doubts: [], attempt: null });
    if (item.kind === "save") {
      if (keepsServer) await remove(item.id);
      else await write(item);
    } else {
      await write(item);
      if (!keepsServer && !saveItemOf(item.localId)) await write(newItem("save", { localId: item.localId }));
    }
  });
  emit();
  hooks.resolved(itemId);
  kick();
}

// ---- lifecycle (app.js) ----

// After unlock: load the outbox and start sending.
export async function start({ username, toast, authNeeded, resolved } = {}) {
  me = username || null;
  Object.assign(hooks, { ...(toast && { toast }), ...(authNeeded && { authNeeded }), ...(resolved && { resolved }) });
  await exclusive(reload);
  started = true;
  needsSignIn = false;
  failures = 0;
  clearInterval(heartbeat);
  heartbeat = setInterval(() => {
    if (items.size && !retryTimer) kick();
  }, HEARTBEAT_MS);
  emit();
  kick();
  for (const item of items.values()) if (item.state === "conflict") openConflict(item.id);
}

// Signed in again after a 401: carry on.
export function signedIn() {
  needsSignIn = false;
  syncNow();
}

// Lock or logout: stop, forget the decrypted mirror (the encrypted outbox stays on disk).
export function stop() {
  started = false;
  clearTimeout(retryTimer);
  clearInterval(heartbeat);
  retryTimer = null;
  heartbeat = null;
  nextRetryAt = null;
  closeConflictDialog();
  for (const id of [...waiters.keys()]) settleWaiter(id, "reject", new Error("The app was locked."));
  items = new Map();
  intents = 0;
  emit();
}

// Count of unsent items, from the mirror when unlocked, else from the store (still encrypted).
export async function unsentCount() {
  return started ? items.size : store.outboxCount();
}

if (typeof window !== "undefined") {
  window.addEventListener("online", () => syncNow());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && items.size) syncNow();
  });
}
