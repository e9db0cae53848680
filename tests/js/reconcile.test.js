// The handoff screen's pure decisions: which copy it opens, what it stores first, and what it
// makes of the outbox's reports while the form is open.
import { test } from "node:test";
import assert from "node:assert/strict";
import { catchUp, readCopy, reconcile } from "../../static/js/views/handoff/reconcile.js";

const server = (revision, data, extra = {}) => ({
  id: 7,
  patient_id: 3,
  checklist: { key: "discharge", version: 1 },
  data,
  revision,
  status: "draft",
  etag: `"7-${revision}"`,
  updated_by: "cara",
  ...extra,
});
const draftAt = (revision, data, extra = {}) => ({
  localId: "d1",
  handoffId: 7,
  patientId: 3,
  checklist: { key: "discharge", version: 1 },
  data,
  revision,
  status: "draft",
  etag: `"7-${revision}"`,
  syncStamp: 4,
  ...extra,
});
const newLocalId = () => "fresh";
const unit = (name) => ({ encounter: { unit: name } });

test("a draft in step with the server opens as it is, nothing stored", () => {
  const draft = draftAt(2, unit("4 East"));
  assert.deepEqual(reconcile({ draft, server: server(2, unit("4 East")), pending: [], newLocalId }), {
    draft,
    store: false,
    queue: false,
    mode: "edit",
  });
});

test("the server moved on and nothing is unsent: the draft takes the server's copy, above the outbox's stamp", () => {
  const opened = reconcile({
    draft: draftAt(2, unit("old")),
    server: server(3, unit("Tablet A")),
    pending: [],
    newLocalId,
  });
  assert.equal(opened.store, true);
  assert.equal(opened.queue, false);
  assert.deepEqual(opened.draft.data, unit("Tablet A"));
  assert.equal(opened.draft.revision, 3);
  assert.equal(opened.draft.etag, '"7-3"');
  assert.equal(opened.draft.syncStamp, 5);
  assert.equal(opened.draft.localId, "d1");
});

test("typed but never queued (the app closed): the nurse's text is kept and queued, never replaced", () => {
  const draft = draftAt(2, unit("typed offline"), { unsent: true });
  const opened = reconcile({ draft, server: server(3, unit("Tablet A")), pending: [], newLocalId });
  assert.deepEqual(opened.draft.data, unit("typed offline"));
  assert.equal(opened.draft.unsent, false);
  assert.equal(opened.draft.revision, 2, "the outbox finds out about revision 3 (a 412 shows both)");
  assert.equal(opened.store, true);
  assert.equal(opened.queue, true);
});

test("while the outbox holds a save of the draft, the server's copy does not replace it", () => {
  const draft = draftAt(2, unit("mine"));
  const opened = reconcile({
    draft,
    server: server(3, unit("theirs")),
    pending: [{ kind: "save", state: "waiting" }],
    newLocalId,
  });
  assert.equal(opened.draft, draft);
  assert.equal(opened.store, false);
});

test("an amendment in progress keeps its draft even when the server moved on", () => {
  const draft = draftAt(2, unit("amending"), { status: "final", reason: "wrong unit" });
  const opened = reconcile({ draft, server: server(3, unit("theirs"), { status: "final" }), pending: [], newLocalId });
  assert.equal(opened.draft, draft);
  assert.equal(opened.mode, "edit");
});

test("no draft on this tablet: a server draft gets a new local one, a signed handoff is only read", () => {
  const opened = reconcile({ draft: null, server: server(1, unit("4 East")), pending: [], newLocalId });
  assert.equal(opened.draft.localId, "fresh");
  assert.equal(opened.draft.syncStamp, 1);
  assert.equal(opened.store, true);
  assert.equal(opened.mode, "edit");
  const signed = reconcile({
    draft: null,
    server: server(2, unit("4 East"), { status: "final" }),
    pending: [],
    newLocalId,
  });
  assert.deepEqual(signed, { draft: null, store: false, queue: false, mode: "read" });
});

test("a draft waiting to be signed opens read-only", () => {
  const opened = reconcile({
    draft: draftAt(2, unit("x")),
    server: null,
    pending: [{ kind: "finalize", state: "waiting" }],
    newLocalId,
  });
  assert.equal(opened.mode, "read");
});

test("the read-only view shows the newer of the draft and the server's copy", () => {
  const signedServer = server(3, unit("server"), { status: "final", finalized_by: "cara" });
  assert.deepEqual(readCopy(draftAt(2, unit("draft")), signedServer).data, unit("server"));
  const shown = readCopy(draftAt(3, unit("draft"), { status: "final" }), signedServer);
  assert.deepEqual(shown.data, unit("draft"));
  assert.equal(shown.finalized_by, "cara", "the server's other fields stay");
  assert.equal(shown.id, 7);
  assert.deepEqual(readCopy(draftAt(2, unit("offline")), null).data, unit("offline"));
});

test("after the outbox saved, the form keeps its data and takes the new revision", () => {
  const shown = draftAt(2, unit("mine"));
  const stored = draftAt(3, unit("mine"), { syncStamp: 6 });
  const next = catchUp({ shown, stored, written: unit("mine"), data: unit("mine") });
  assert.equal(next.redraw, null);
  assert.equal(next.draft.revision, 3);
  assert.equal(next.draft.etag, '"7-3"');
});

test("data replaced by a settled conflict redraws the form, unless the nurse typed since", () => {
  const shown = draftAt(2, unit("before"));
  const stored = draftAt(2, unit("chosen in the dialog"), { syncStamp: 6 });
  const replaced = catchUp({ shown, stored, written: unit("before"), data: unit("before") });
  assert.equal(replaced.redraw, "edit");
  assert.deepEqual(replaced.draft.data, unit("chosen in the dialog"));
  const typed = catchUp({ shown, stored, written: unit("before"), data: unit("typing") });
  assert.equal(typed.redraw, null);
  assert.deepEqual(typed.draft.data, unit("before"), "what this screen wrote, not the dialog's");
});

test("signed on the server meanwhile: the form gives way to the read-only view", () => {
  const next = catchUp({
    shown: draftAt(2, unit("x")),
    stored: draftAt(2, unit("x"), { status: "final", syncStamp: 6 }),
    written: unit("x"),
    data: unit("x"),
  });
  assert.equal(next.redraw, "read");
});

test("text rescued as the tab went away wins over the stored draft and is queued", () => {
  const draft = draftAt(2, unit("stored"));
  const opened = reconcile({
    draft,
    server: server(2, unit("stored")),
    pending: [],
    newLocalId,
    rescued: { data: unit("typed last") },
  });
  assert.deepEqual(opened.draft.data, unit("typed last"));
  assert.equal(opened.store, true);
  assert.equal(opened.queue, true);
  assert.equal(opened.mode, "edit");
  const same = reconcile({
    draft,
    server: server(2, unit("stored")),
    pending: [],
    newLocalId,
    rescued: { data: unit("stored") },
  });
  assert.equal(same.store, false, "already written: nothing to do");
});
