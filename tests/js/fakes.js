// Fakes for the outbox engine's tests: an in-memory store with store.js's rules, a fake server
// behind the API client's `send` (ETags, revisions, Idempotency-Key replay) whose answers a test
// can lose or refuse on purpose, and a clock whose time moves only when the test says so.
import { ApiError, OfflineError } from "../../static/js/api.js";
import { canonicalJson } from "../../static/js/merge.js";
import { SERVER_FIELDS } from "../../static/js/store.js";

const copy = (value) => (value === undefined ? undefined : structuredClone(value));

/** store.js's drafts, cache and outbox, in memory; every read is a copy, as decryption gives. */
export function createMemoryStore() {
  const drafts = new Map();
  const cache = new Map();
  const outbox = new Map();
  let ids = 0;
  return {
    drafts,
    outbox,
    newLocalId: () => `local-${(ids += 1)}`,
    async putDraft(draft) {
      const stored = drafts.get(draft.localId);
      const next = { ...copy(draft), updatedAt: new Date(0).toISOString() };
      if (stored && (stored.syncStamp || 0) > (draft.syncStamp || 0)) {
        for (const field of SERVER_FIELDS) next[field] = stored[field];
      }
      drafts.set(draft.localId, copy(next));
      return next;
    },
    getDraft: async (localId) => copy(drafts.get(localId)) ?? null,
    async updateDraft(localId, change) {
      const stored = drafts.get(localId);
      if (!stored) return null;
      const next = change(copy(stored));
      if (!next) return copy(stored);
      drafts.set(localId, copy(next));
      return copy(next);
    },
    listDrafts: async () => [...drafts.values()].map(copy),
    deleteDraft: async (localId) => drafts.delete(localId),
    findDraftByHandoff: async (id) => copy([...drafts.values()].find((d) => d.handoffId === Number(id))) ?? null,
    cachePut: async (key, value) => cache.set(key, copy(value)),
    cacheGet: async (key) => copy(cache.get(key)) ?? null,
    outboxPut: async (item) => outbox.set(item.id, copy(item)),
    outboxDelete: async (id) => outbox.delete(id),
    outboxAll: async () => [...outbox.values()].map(copy),
  };
}

const answer = (status, body = null, etag = null) => ({
  ok: status >= 200 && status < 300,
  status,
  body: copy(body),
  etag,
  location: null,
});

/**
 * The API client's send() against a small fake of the server. `faults` is a queue the test fills,
 * one entry per request: null (answer normally), "offline" (the request never arrives), "lost"
 * (the server does the work, the answer never arrives), a status number (the server answers it
 * without doing anything), or a function run while the request is out (then answered normally).
 */
export function createFakeApi({ username = "ana" } = {}) {
  const handoffs = new Map();
  const patients = new Map();
  const keys = new Map(); // Idempotency-Key → {fingerprint, response}
  const requests = [];
  const faults = [];
  let nextId = 1;
  const etagOf = (h) => `"${h.id}-${h.revision}-${h.status}"`;
  const view = (h) => answer(200, h, etagOf(h));

  function saveRevision(handoff, data, by) {
    Object.assign(handoff, { data: copy(data), revision: handoff.revision + 1, status: "draft", updated_by: by });
    return view(handoff);
  }

  function handle({ method, path, body, ifMatch }) {
    if (method === "POST" && path === "/patients") {
      if ([...patients.values()].some((p) => p.mrn === body.mrn)) {
        return answer(409, { message: `A patient with MRN ${body.mrn} already exists.` });
      }
      const patient = { id: nextId++, ...body };
      patients.set(patient.id, patient);
      return answer(201, patient);
    }
    if (method === "POST" && path === "/handoffs") {
      if (!patients.has(body.patient_id)) return answer(422, { message: "No such patient.", errors: [] });
      const handoff = {
        id: nextId++,
        patient_id: body.patient_id,
        checklist: body.checklist,
        data: copy(body.data),
        revision: 1,
        status: "draft",
        updated_by: username,
      };
      handoffs.set(handoff.id, handoff);
      return { ...view(handoff), status: 201 };
    }
    const match = /^\/handoffs\/(\d+)(\/finalize)?$/.exec(path);
    const handoff = match && handoffs.get(Number(match[1]));
    if (!handoff) return answer(404, { message: "Not found." });
    if (method === "GET") return view(handoff);
    if (!ifMatch) return answer(428, { message: "If-Match is required." });
    if (ifMatch !== etagOf(handoff)) return answer(412, { message: "Changed since." });
    if (match[2]) {
      if (handoff.status === "final") return answer(409, { message: "Already signed." });
      Object.assign(handoff, { status: "final", finalized_by: username });
      return view(handoff);
    }
    if (handoff.status === "final" && !body.reason) return answer(422, { message: "Give a reason.", errors: [] });
    return saveRevision(handoff, body.data, username);
  }

  function idempotent(request) {
    const key = request.idempotencyKey;
    if (!key) return handle(request);
    const fingerprint = `${request.method} ${request.path} ${canonicalJson(request.body)}`;
    const stored = keys.get(key);
    if (stored) {
      if (stored.fingerprint !== fingerprint) return answer(409, { message: "Key used for another request." });
      return copy(stored.response);
    }
    const response = handle(request);
    if (response.ok) keys.set(key, { fingerprint, response: copy(response) });
    return response;
  }

  async function send(method, path, body = null, { ifMatch, idempotencyKey } = {}) {
    await null; // an answer is never synchronous
    const request = { method, path, body: copy(body), ifMatch, idempotencyKey };
    const fault = faults.shift();
    if (typeof fault === "function") await fault(request);
    if (fault === "offline") {
      requests.push({ ...request, answered: "offline" });
      throw new OfflineError(new TypeError("Failed to fetch"));
    }
    const response = typeof fault === "number" ? answer(fault, { message: `Fault ${fault}.` }) : idempotent(request);
    requests.push({ ...request, answered: fault === "lost" ? "lost" : response.status });
    if (fault === "lost") throw new OfflineError(new TypeError("network changed"));
    return response;
  }

  return {
    send,
    ApiError,
    OfflineError,
    requests,
    faults,
    handoffs,
    patients,
    /** Unreachable until set back to false: every request fails like `fetch` offline. */
    set offline(value) {
      faults.length = 0;
      if (value) faults.push(...Array(1000).fill("offline"));
    },
    /** Another tablet (another nurse) saves this handoff. */
    editElsewhere: (id, data, by = "someone-else") => saveRevision(handoffs.get(id), data, by),
    addPatient(fields = {}) {
      const patient = { id: nextId++, mrn: `MRN-${nextId}`, given_name: "Rosa", family_name: "Diaz", ...fields };
      patients.set(patient.id, patient);
      return patient;
    },
    addHandoff(patientId, data, by = username) {
      const handoff = {
        id: nextId++,
        patient_id: patientId,
        checklist: { key: "discharge", version: 1 },
        data: copy(data),
        revision: 1,
        status: "draft",
        updated_by: by,
      };
      handoffs.set(handoff.id, handoff);
      return { handoff: copy(handoff), etag: etagOf(handoff) };
    },
    writes: () => requests.filter((r) => r.method !== "GET"),
  };
}

/** setTimeout/clearTimeout/now that move only with advance(ms); timers set inside timers work. */
export function createFakeClock(start = Date.UTC(2026, 10, 23, 8)) {
  let now = start;
  let nextId = 1;
  const timers = new Map();
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { at: now + Math.max(0, ms), callback });
      return id;
    },
    clearTimeout: (id) => timers.delete(id),
    /** Delays of the timers still waiting, soonest first. */
    pending: () => [...timers.values()].map((timer) => timer.at - now).sort((a, b) => a - b),
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const [id, due] =
          [...timers.entries()].filter(([, timer]) => timer.at <= until).sort((a, b) => a[1].at - b[1].at)[0] || [];
        if (!due) break;
        timers.delete(id);
        now = due.at;
        due.callback();
      }
      now = until;
    },
  };
}
