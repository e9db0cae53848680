// The outbox engine against a fake server: what reaches the server, how often, and what the
// nurse is told, on the happy path and on every way a request can go wrong on a ward's Wi-Fi.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSyncEngine } from "../../static/js/sync/engine.js";
import { createFakeApi, createFakeClock, createMemoryStore } from "./fakes.js";

async function setup({ username = "ana" } = {}) {
  const store = createMemoryStore();
  const api = createFakeApi({ username });
  const clock = createFakeClock();
  const engine = createSyncEngine({ store, api, clock, random: () => 0.5, log: { error() {} } });
  const events = { conflict: [], toast: [], resolved: [], authNeeded: 0 };
  engine.on("conflict", (conflict) => events.conflict.push(conflict));
  engine.on("toast", (text) => events.toast.push(text));
  engine.on("resolved", (id) => events.resolved.push(id));
  engine.on("authNeeded", () => (events.authNeeded += 1));
  await engine.start({ username });
  await engine.whenIdle();
  return { store, api, clock, engine, events };
}

// A draft of a handoff the server has at revision 1, as the screen stores it after opening it.
async function draftOnServer({ store, api }, data = { encounter: { unit: "4 East" } }) {
  const patient = api.addPatient();
  const { handoff, etag } = api.addHandoff(patient.id, data);
  const draft = await store.putDraft({
    localId: store.newLocalId(),
    handoffId: handoff.id,
    patientId: patient.id,
    checklist: handoff.checklist,
    data,
    etag,
    revision: 1,
    status: "draft",
    syncStamp: 1,
  });
  return { localId: draft.localId, handoffId: handoff.id, patientId: patient.id };
}

// What the screen does when the nurse types and the form is saved.
async function edit({ store, engine }, localId, data) {
  await store.putDraft({ ...(await store.getDraft(localId)), data });
  await engine.saveDraft(localId);
}

async function settled({ engine }) {
  await engine.whenIdle();
  return engine.status();
}

const unit = (unitName) => ({ encounter: { unit: unitName } });

test("a new handoff goes out once with an Idempotency-Key and leaves the outbox after the 2xx", async () => {
  const env = await setup();
  const patient = env.api.addPatient();
  const draft = await env.store.putDraft({
    localId: "d1",
    handoffId: null,
    patientId: patient.id,
    checklist: { key: "discharge", version: 1 },
    data: unit("5 North"),
    etag: null,
    revision: null,
    status: "draft",
  });
  await env.engine.saveDraft(draft.localId);
  assert.equal((await settled(env)).state, "saved");
  const [post] = env.api.writes();
  assert.equal(post.method, "POST");
  assert.ok(post.idempotencyKey);
  const stored = await env.store.getDraft("d1");
  assert.equal(stored.revision, 1);
  assert.equal(stored.handoffId, [...env.api.handoffs.keys()][0]);
  assert.deepEqual(env.engine.list(), []);

  await env.engine.saveDraft("d1"); // nothing changed: no empty revision
  await settled(env);
  assert.equal(env.api.writes().length, 1);
});

test("saveDraft shows 'waiting' before it returns, and queueing does not wait for the network", async () => {
  const env = await setup();
  const { localId } = await draftOnServer(env);
  env.api.faults.push(async () => new Promise(() => {})); // a request that never ends
  const states = [];
  env.engine.onChange((status) => states.push(status.state));
  await env.store.putDraft({ ...(await env.store.getDraft(localId)), data: unit("6 West") });
  const queued = env.engine.saveDraft(localId);
  assert.equal(states[0], "waiting");
  await queued; // resolves although the PUT is still out
  assert.equal(env.engine.status().pending, 1);
});

test("an answer lost after the server saved: the retry gets the stored answer back, no duplicate", async () => {
  const env = await setup();
  const { localId, handoffId } = await draftOnServer(env);
  env.api.faults.push("lost");
  await edit(env, localId, unit("6 West"));
  const afterLoss = await settled(env);
  assert.equal(afterLoss.offline, true);
  assert.equal(afterLoss.pending, 1, "kept until a 2xx is seen");
  assert.equal(env.api.handoffs.get(handoffId).revision, 2, "the server did save it");

  env.clock.advance(1_000); // the backoff timer
  assert.equal((await settled(env)).state, "saved");
  const puts = env.api.writes();
  assert.equal(puts.length, 2);
  assert.equal(puts[1].idempotencyKey, puts[0].idempotencyKey, "the same body keeps its key");
  assert.equal(env.api.handoffs.get(handoffId).revision, 2, "no second revision");
  assert.equal((await env.store.getDraft(localId)).revision, 2);
  assert.deepEqual(env.events.conflict, []);
});

test("a 412 that was my own earlier write is adopted, not shown as a conflict", async () => {
  const env = await setup();
  const { localId, handoffId } = await draftOnServer(env);
  env.api.faults.push("lost");
  await edit(env, localId, unit("6 West"));
  await settled(env);
  await edit(env, localId, unit("7 South")); // typed on before the retry: another body, a new key
  assert.equal((await settled(env)).state, "saved");
  const [lost, stale, next] = env.api.writes();
  assert.equal(stale.answered, 412);
  assert.notEqual(stale.idempotencyKey, lost.idempotencyKey);
  assert.equal(next.answered, 200);
  assert.deepEqual(env.events.conflict, []);
  const server = env.api.handoffs.get(handoffId);
  assert.equal(server.revision, 3);
  assert.deepEqual(server.data, unit("7 South"));
  assert.equal((await env.store.getDraft(localId)).revision, 3);
});

test("another tablet's save is a conflict: both versions kept, the nurse's choice goes on top", async () => {
  const env = await setup();
  const { localId, handoffId } = await draftOnServer(env);
  env.api.editElsewhere(handoffId, unit("Tablet A unit"));
  await edit(env, localId, unit("Tablet B unit"));
  const status = await settled(env);
  assert.equal(status.state, "conflict");
  assert.equal(env.events.conflict.length, 1);
  const conflict = await env.engine.conflictOf(env.events.conflict[0].id);
  assert.deepEqual(conflict.mine, unit("Tablet B unit"));
  assert.deepEqual(conflict.server.data, unit("Tablet A unit"));
  assert.equal(conflict.server.revision, 2);

  // Locked and unlocked before choosing: the conflict is announced again, nothing was sent.
  env.engine.stop();
  await env.engine.start({ username: "ana" });
  await env.engine.whenIdle();
  assert.equal(env.events.conflict.length, 2);
  assert.equal(env.api.handoffs.get(handoffId).revision, 2);

  await env.engine.resolveConflict(conflict.id, { data: conflict.mine });
  assert.equal((await settled(env)).state, "saved");
  assert.deepEqual(env.events.resolved, [conflict.id]);
  const server = env.api.handoffs.get(handoffId);
  assert.equal(server.revision, 3);
  assert.deepEqual(server.data, unit("Tablet B unit"));
  const draft = await env.store.getDraft(localId);
  assert.equal(draft.revision, 3);
  assert.deepEqual(draft.data, unit("Tablet B unit"));
});

test("taking the server's version in a conflict sends nothing", async () => {
  const env = await setup();
  const { localId, handoffId } = await draftOnServer(env);
  env.api.editElsewhere(handoffId, unit("Tablet A unit"));
  await edit(env, localId, unit("Tablet B unit"));
  await settled(env);
  const conflict = await env.engine.conflictOf(env.events.conflict[0].id);
  const writes = env.api.writes().length;
  await env.engine.resolveConflict(conflict.id, { data: conflict.server.data });
  assert.equal((await settled(env)).state, "saved");
  assert.equal(env.api.writes().length, writes);
  assert.deepEqual((await env.store.getDraft(localId)).data, unit("Tablet A unit"));
});

test("409 on a create after a lost answer: the earlier body is replayed, the newer data follows as a PUT", async () => {
  const env = await setup();
  const patient = env.api.addPatient();
  await env.store.putDraft({
    localId: "d1",
    handoffId: null,
    patientId: patient.id,
    checklist: { key: "discharge", version: 1 },
    data: unit("5 North"),
    etag: null,
    revision: null,
    status: "draft",
  });
  env.api.faults.push("lost");
  await env.engine.saveDraft("d1");
  await settled(env);
  await edit(env, "d1", unit("6 West"));
  assert.equal((await settled(env)).state, "saved");
  assert.equal(env.api.handoffs.size, 1, "one handoff, never two");
  const [handoff] = env.api.handoffs.values();
  assert.equal(handoff.revision, 2);
  assert.deepEqual(handoff.data, unit("6 West"));
  assert.deepEqual(
    env.api.writes().map((r) => `${r.method} ${r.answered}`),
    ["POST lost", "POST 409", "POST 201", "PUT 200"],
  );
  assert.equal((await env.store.getDraft("d1")).handoffId, handoff.id);
});

test("a new patient whose MRN exists is refused to the waiting nurse, and nothing stays queued", async () => {
  const env = await setup();
  env.api.addPatient({ mrn: "MRN-7" });
  await assert.rejects(
    env.engine.createPatient({ mrn: "MRN-7", given_name: "Ida", family_name: "Ruiz" }),
    (error) => error.name === "ApiError" && error.status === 409,
  );
  assert.deepEqual(env.engine.list(), []);
});

test("a patient queued offline whose MRN exists meanwhile stays in the outbox as an error", async () => {
  const env = await setup();
  env.api.offline = true;
  const provisional = await env.engine.createPatient({ mrn: "MRN-8", given_name: "Ida", family_name: "Ruiz" });
  assert.equal(provisional.pending, true);
  assert.equal(provisional.id, null);
  env.api.offline = false;
  env.api.addPatient({ mrn: "MRN-8" }); // registered on another tablet
  await env.engine.syncNow();
  const status = await settled(env);
  assert.equal(status.state, "error");
  assert.match(status.errors[0].message, /MRN-8 already exists/);
  assert.equal(env.engine.list().length, 1, "never silently dropped");
});

test("a patient and handoff started offline go once each, the handoff after its patient", async () => {
  const env = await setup();
  env.api.offline = true;
  const provisional = await env.engine.createPatient({ mrn: "MRN-9", given_name: "Ida", family_name: "Ruiz" });
  await env.store.putDraft({
    localId: "d1",
    handoffId: null,
    patientId: null,
    patientLocalId: provisional.localId,
    checklist: { key: "discharge", version: 1 },
    data: unit("Offline ward"),
    etag: null,
    revision: null,
    status: "draft",
  });
  await env.engine.saveDraft("d1");
  await settled(env);
  env.api.offline = false;
  env.api.faults.push("lost"); // the patient is registered, the answer lost: the replay gives it back
  await env.engine.syncNow();
  await settled(env);
  env.clock.advance(1_000);
  assert.equal((await settled(env)).state, "saved");
  assert.equal(env.api.patients.size, 1);
  assert.equal(env.api.handoffs.size, 1);
  const [patient] = env.api.patients.values();
  assert.equal([...env.api.handoffs.values()][0].patient_id, patient.id);
  assert.equal(await env.engine.patientIdFor(provisional.localId), patient.id);
  assert.equal((await env.store.getDraft("d1")).patientId, patient.id);
});

test("offline, the outbox retries on its timer with capped backoff, and `online` sends at once", async () => {
  const env = await setup();
  const { localId, handoffId } = await draftOnServer(env);
  env.api.offline = true;
  await edit(env, localId, unit("6 West"));
  const delays = [];
  for (let i = 0; i < 9; i += 1) {
    const status = await settled(env);
    assert.equal(status.offline, true);
    assert.equal(status.pending, 1);
    const delay = status.nextRetryAt - env.clock.now();
    delays.push(delay);
    env.clock.advance(delay);
  }
  assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);

  env.api.offline = false;
  await env.engine.syncNow(); // what the `online` event calls
  const status = await settled(env);
  assert.equal(status.state, "saved");
  assert.equal(status.offline, false);
  assert.deepEqual(env.api.handoffs.get(handoffId).data, unit("6 West"));
});

test("a queued save replaced by a newer one: only the newest data goes out", async () => {
  const env = await setup();
  const { localId, handoffId } = await draftOnServer(env);
  env.api.offline = true;
  await edit(env, localId, unit("first"));
  await edit(env, localId, unit("second"));
  await edit(env, localId, unit("third"));
  await settled(env);
  assert.equal(env.engine.list().length, 1, "one save per draft");
  env.api.offline = false;
  await env.engine.syncNow();
  await settled(env);
  const sent = env.api.writes().filter((r) => r.answered !== "offline");
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].body.data, unit("third"));
  assert.equal(env.api.handoffs.get(handoffId).revision, 2);
});

test("typing while the request is out sends the newer data right after", async () => {
  const env = await setup();
  const { localId, handoffId } = await draftOnServer(env);
  env.api.faults.push(() => edit(env, localId, unit("typed meanwhile")));
  await edit(env, localId, unit("sent first"));
  assert.equal((await settled(env)).state, "saved");
  assert.deepEqual(
    env.api.writes().map((r) => r.body.data),
    [unit("sent first"), unit("typed meanwhile")],
  );
  assert.equal(env.api.handoffs.get(handoffId).revision, 3);
});

test("signing waits for the pending save; a lost answer is replayed, the nurse told once", async () => {
  const env = await setup();
  const { localId, handoffId } = await draftOnServer(env);
  env.api.faults.push(null, "lost");
  await edit(env, localId, unit("ready"));
  await env.engine.finalize(localId);
  await settled(env);
  env.clock.advance(1_000);
  assert.equal((await settled(env)).state, "saved");
  assert.deepEqual(
    env.api.writes().map((r) => `${r.method} ${r.path} ${r.answered}`),
    [
      `PUT /handoffs/${handoffId} 200`,
      `POST /handoffs/${handoffId}/finalize lost`,
      `POST /handoffs/${handoffId}/finalize 200`,
    ],
  );
  assert.equal(env.api.handoffs.get(handoffId).status, "final");
  assert.equal((await env.store.getDraft(localId)).status, "final");
  assert.deepEqual(env.events.toast, ["Signed."]);
});

test("a 401 stops sending and asks for the password; signing in again carries on", async () => {
  const env = await setup();
  const { localId, handoffId } = await draftOnServer(env);
  env.api.faults.push(401);
  await edit(env, localId, unit("after sign-in"));
  const status = await settled(env);
  assert.equal(status.needsSignIn, true);
  assert.equal(env.events.authNeeded, 1);
  assert.equal(status.pending, 1);
  await env.engine.signedIn();
  assert.equal((await settled(env)).state, "saved");
  assert.deepEqual(env.api.handoffs.get(handoffId).data, unit("after sign-in"));
});

test("a 422 keeps the save as an error with the field messages until the nurse changes the form", async () => {
  const env = await setup();
  const { localId, handoffId } = await draftOnServer(env);
  env.api.faults.push(422);
  await edit(env, localId, unit("bad"));
  const status = await settled(env);
  assert.equal(status.state, "error");
  env.clock.advance(120_000); // neither the heartbeat nor backoff resends a refused body
  assert.equal((await settled(env)).state, "error");
  assert.equal(env.api.writes().length, 1);
  await edit(env, localId, unit("fixed"));
  assert.equal((await settled(env)).state, "saved");
  assert.deepEqual(env.api.handoffs.get(handoffId).data, unit("fixed"));
});
