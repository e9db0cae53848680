// One sender per outbox item kind (save, finalize, new patient). Each builds its request, sends
// it, and hands the answer to `settle`, the step they share; the recovery paths after a lost
// answer (the server did the work but the tablet never heard) live here too.
//
// A sender returns what the pass should do next: "next" (take the next item), "skip" (this item
// waits for another), "offline" (stop, retry later) or "signin" (stop until signed in again).
// `io` is the engine's side of the bargain (see engine.js).

import { t } from "../i18n/index.js";
import { canonicalJson, sameData } from "../merge.js";
import { classify } from "./classify.js";

const MAX_DOUBTS = 8;
const PATIENT_IDS = "sync:patient-ids";

export function sendItem(io, item) {
  if (item.kind === "patient") return sendPatient(io, item);
  if (item.kind === "save") return sendSave(io, item);
  if (item.kind === "finalize") return sendFinalize(io, item);
  return io.drop(item);
}

// The shared step: 401 and "later" mean the same for every kind; a handler per verdict decides
// the rest, and a refusal no handler takes keeps the item as an error for the nurse.
async function settle(io, item, response, handlers) {
  const verdict = classify(response);
  if (verdict === "signin") return io.signInNeeded();
  if (verdict === "retry") return "offline";
  const handle = handlers[verdict] || handlers.otherwise;
  const outcome = handle ? await handle() : undefined;
  if (outcome) return outcome;
  await io.markError(item, response);
  return "next";
}

// Remember a body that may reach the server even if we never see the answer (the network drops
// mid-request, the tablet reloads): if the server then holds it, it is ours, not a conflict.
async function sendNoted(io, item, { fingerprint, method, path, body = null, key, ifMatch }) {
  if (!io.browserOffline() && !item.doubts.some((d) => d.fingerprint === fingerprint)) {
    item.doubts = [...item.doubts, { fingerprint, method, path, body, key }].slice(-MAX_DOUBTS);
    await io.outbox.exclusive(() => io.outbox.write(item));
  }
  const response = await io.api.send(method, path, body, { ifMatch, idempotencyKey: key });
  item.doubts = item.doubts.filter((d) => d.fingerprint !== fingerprint);
  return response;
}

// The server moved on from every state an unanswered request of ours expected.
function forgetDoubts(item) {
  item.doubts = [];
  item.attempt = null;
}

// Same request → same key (a retry the server recognises); another request → a new key.
function keyFor(io, item, fingerprint) {
  if (!item.attempt || item.attempt.fingerprint !== fingerprint) {
    item.attempt = { fingerprint, key: io.randomUUID() };
  }
  return item.attempt.key;
}

// ---- new patient ----

async function sendPatient(io, item) {
  const fingerprint = await io.hash(`POST /patients ${canonicalJson(item.body)}`);
  const response = await sendNoted(io, item, {
    fingerprint,
    method: "POST",
    path: "/patients",
    body: item.body,
    key: item.key,
  });
  const giveBack = async () => {
    // The nurse is still on the form: the answer goes back to it, nothing stays queued.
    if (!io.hasWaiter(item.id)) return undefined;
    await io.outbox.exclusive(() => io.outbox.remove(item.id));
    io.settleWaiter(item.id, "reject", new io.api.ApiError(response.status, response.body));
    return "next";
  };
  return settle(io, item, response, {
    ok: async () => {
      await io.outbox.exclusive(() => io.outbox.remove(item.id));
      await linkPatient(io.store, item.localId, response.body.id);
      io.settleWaiter(item.id, "resolve", response.body);
      return "next";
    },
    otherwise: giveBack,
  });
}

// Drafts started for a patient registered offline get the real id once the server has it.
async function linkPatient(store, patientLocalId, patientId) {
  const ids = (await store.cacheGet(PATIENT_IDS)) || {};
  ids[patientLocalId] = patientId;
  await store.cachePut(PATIENT_IDS, ids);
  for (const draft of await store.listDrafts()) {
    if (draft.patientLocalId === patientLocalId && draft.patientId == null) {
      await store.updateDraft(draft.localId, (d) => ({ ...d, patientId }));
    }
  }
}

export async function patientIdFor(store, patientLocalId) {
  const ids = (await store.cacheGet(PATIENT_IDS)) || {};
  return ids[patientLocalId] ?? null;
}

// ---- save ----

async function sendSave(io, item) {
  let draft = await io.store.getDraft(item.localId);
  if (!draft) return io.drop(item); // the screen discarded the draft
  if (draft.patientId == null && draft.patientLocalId) {
    const id = await patientIdFor(io.store, draft.patientLocalId);
    if (id == null) return "skip"; // waits for its patient
    draft = await io.store.updateDraft(item.localId, (d) => ({ ...d, patientId: id }));
  }
  const creating = draft.handoffId == null;
  if (!creating && !draft.etag) return conflictOrOwnWrite(io, item, draft);
  if (!creating && draft.syncedEtag === draft.etag && draft.syncedHash === (await io.dataHash(draft.data))) {
    // Nothing changed since the server's copy: no empty revision (and no amendment of nothing).
    if (draft.reason) await io.store.updateDraft(item.localId, (d) => ({ ...d, reason: null }));
    return io.drop(item);
  }
  const method = creating ? "POST" : "PUT";
  const path = creating ? "/handoffs" : `/handoffs/${draft.handoffId}`;
  const body = creating
    ? { patient_id: draft.patientId, checklist: draft.checklist, data: draft.data }
    : { data: draft.data, ...(draft.reason ? { reason: draft.reason } : {}) };
  const fingerprint = await io.hash(`${method} ${path} ${draft.etag || ""} ${canonicalJson(body)}`);
  // A create keeps one key whatever the body, so two creates can never both succeed.
  if (creating) item.createKey = item.createKey || io.randomUUID();
  const key = creating ? item.createKey : keyFor(io, item, fingerprint);
  const revAtStart = item.rev;
  const response = await sendNoted(io, item, {
    fingerprint,
    method,
    path,
    body,
    key,
    ifMatch: creating ? undefined : draft.etag,
  });

  return settle(io, item, response, {
    ok: async () => {
      await io.applyServer(
        item.localId,
        response.body,
        response.etag,
        draft.reason ? { reason: null, lastReason: draft.reason } : {},
      );
      forgetDoubts(item);
      return finishSave(io, item, body.data);
    },
    conflict: () => conflictOrOwnWrite(io, item, draft),
    duplicate: creating ? () => recoverCreate(io, item) : undefined,
    invalid: async () => {
      if (item.rev === revAtStart) return undefined;
      await io.outbox.exclusive(() => io.outbox.write(item)); // edited meanwhile: send the new data first
      return "next";
    },
  });
}

// The item leaves the outbox only if the server now holds exactly what the draft holds; if the
// nurse typed on while the request was out, it goes again.
async function finishSave(io, item, sentData) {
  const now = await io.store.getDraft(item.localId);
  if (!now || (sameData(now.data, sentData) && !now.reason)) return io.drop(item);
  await io.outbox.exclusive(() => io.outbox.write(item));
  return "next";
}

// A create answered 409 "same key, other body": an earlier body of ours was stored and its answer
// lost. Replaying that body with the same key gets the answer back.
async function recoverCreate(io, item) {
  for (const doubt of [...item.doubts].reverse()) {
    if (doubt.method !== "POST") continue;
    const response = await io.api.send("POST", doubt.path, doubt.body, { idempotencyKey: doubt.key });
    if (response.ok) {
      await io.applyServer(item.localId, response.body, response.etag);
      forgetDoubts(item);
      await io.outbox.exclusive(() => io.outbox.write(item)); // now a PUT of the current data, if it differs
      return finishSave(io, item, doubt.body.data);
    }
  }
  await io.markError(item, { status: 409, body: { message: t("sync.createRefused") } });
  return "next";
}

// 412 (or a draft without an ETag): someone saved since this draft was read. If the server holds
// our own data (an earlier request whose answer was lost), adopt its ETag and carry on;
// otherwise the nurse chooses.
async function conflictOrOwnWrite(io, item, draft) {
  const response = await io.api.send("GET", `/handoffs/${draft.handoffId}`);
  return settle(io, item, response, {
    ok: async () => {
      const handoff = response.body;
      const ours =
        sameData(handoff.data, draft.data) ||
        (handoff.updated_by === io.me() && item.doubts.some((d) => d.body && sameData(d.body.data, handoff.data)));
      if (ours) {
        await io.applyServer(item.localId, handoff, response.etag);
        forgetDoubts(item);
        if (item.kind === "save") return finishSave(io, item, handoff.data);
        await io.outbox.exclusive(() => io.outbox.write(item));
        return "next";
      }
      Object.assign(item, {
        state: "conflict",
        server: { ...handoff, etag: response.etag },
        message: t("sync.changedElsewhere"),
      });
      await io.outbox.exclusive(() => io.outbox.write(item));
      io.conflicted(item);
      return "next";
    },
  });
}

// ---- finalize ----

async function sendFinalize(io, item) {
  const draft = await io.store.getDraft(item.localId);
  if (!draft) return io.drop(item);
  if (draft.handoffId == null || !draft.etag) {
    // Not on the server yet and nothing queued to put it there: queue that first.
    if (!io.outbox.saveOf(item.localId)) {
      await io.outbox.exclusive(() => io.outbox.write(io.outbox.newItem("save", { localId: item.localId })));
    }
    return "skip";
  }
  if (draft.status === "final") return io.drop(item); // already signed, and no save of changes pending
  const path = `/handoffs/${draft.handoffId}/finalize`;
  // Signing is tied to the ETag it signs: the same key for the same state only.
  const fingerprint = `POST ${path} ${draft.etag}`;
  const response = await sendNoted(io, item, {
    fingerprint,
    method: "POST",
    path,
    key: keyFor(io, item, fingerprint),
    ifMatch: draft.etag,
  });

  return settle(io, item, response, {
    ok: async () => {
      const warnings = response.body.warnings || [];
      await io.applyServer(item.localId, response.body, response.etag, { warnings });
      await io.outbox.exclusive(() => io.outbox.remove(item.id));
      io.toast(warnings.length ? t("sync.signedWithSuggestions", { count: warnings.length }) : t("sync.signed"));
      return "next";
    },
    conflict: () => conflictOrOwnWrite(io, item, draft),
    duplicate: () => alreadySigned(io, item, draft),
    invalid: () => (io.outbox.saveOf(item.localId) ? "next" : undefined), // edited meanwhile: save first
  });
}

// "Already signed": by an earlier request of ours whose answer was lost, or by someone else
// (then the 409 stays for the nurse to see).
async function alreadySigned(io, item, draft) {
  const response = await io.api.send("GET", `/handoffs/${draft.handoffId}`);
  const handoff = response.ok ? response.body : null;
  if (!handoff || handoff.status !== "final" || !sameData(handoff.data, draft.data)) return undefined;
  await io.applyServer(item.localId, handoff, response.etag);
  return io.drop(item);
}
