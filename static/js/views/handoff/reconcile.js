// The handoff screen's decisions about its draft, without DOM or IndexedDB: given this tablet's
// draft and the server's copy, what the form shows and what must be stored; and, when the outbox
// reports, whether the copy on screen is still the one to show.
import { sameData } from "../../merge.js";

/** A draft made from the server's copy of a handoff; `keepBody` keeps the server's other fields (for reading). */
export function fromServer(server, keepBody = false) {
  const draft = {
    handoffId: server.id,
    patientId: server.patient_id,
    checklist: server.checklist,
    data: structuredClone(server.data || {}),
    etag: server.etag || null,
    revision: server.revision,
    status: server.status,
  };
  return keepBody ? { ...server, ...draft } : draft;
}

const movedOn = (draft, server) =>
  server.revision !== draft.revision || server.status !== draft.status || server.etag !== draft.etag;

/**
 * What the screen opens with.
 *   draft: this tablet's draft, or null; server: the server's copy ({...handoff, etag}), or null offline;
 *   pending: the draft's outbox items; newLocalId(): a fresh random id; rescued: {data} kept as
 *   the tab went away last time (see store.sealDraft), or null.
 * → {draft, store, queue, mode}: the draft to work on (null: only the server's copy, to read),
 *   whether it must be stored (putDraft) first, then handed to the outbox, and "edit" or "read".
 */
export function reconcile({ draft, server, pending = [], newLocalId, rescued = null }) {
  if (draft && rescued && !sameData(rescued.data, draft.data)) {
    // Typed in the tab's last moments and never written: it is newer than the stored draft.
    draft = { ...draft, data: structuredClone(rescued.data), unsent: true };
    const opened = reconcile({ draft, server, pending, newLocalId });
    return { ...opened, store: true };
  }
  let next = draft || null;
  let store = false;
  let queue = false;
  if (draft && !pending.length) {
    if (draft.unsent) {
      // Typed but never queued (the app closed in between): queue it now; a 412 shows both versions.
      next = { ...draft, unsent: false };
      store = queue = true;
    } else if (server && !draft.reason && movedOn(draft, server)) {
      // The server moved on (another tablet saved, signed or amended) and nothing here is unsent.
      next = { ...draft, ...fromServer(server), syncStamp: (draft.syncStamp || 0) + 1 };
      store = true;
    }
  }
  if (!draft && server && server.status === "draft") {
    next = { localId: newLocalId(), ...fromServer(server), syncStamp: 1 };
    store = true;
  }
  const signing = pending.some((item) => item.kind === "finalize");
  const mode = next && (next.status !== "final" || next.reason) && !signing ? "edit" : "read";
  return { draft: next, store, queue, mode };
}

/** The copy the read-only view shows: the draft when it is at least as new as the server's. */
export function readCopy(draft, server) {
  if (draft && (!server || (draft.revision || 0) >= server.revision)) {
    return { ...(server || {}), ...draft, id: draft.handoffId };
  }
  return fromServer(server, true);
}

/** The stored draft's data was replaced by the outbox (a conflict settled in the dialog) since `shown` was read. */
export function replacedElsewhere(stored, shown, written) {
  return Boolean(stored) && (stored.syncStamp || 0) > (shown.syncStamp || 0) && !sameData(stored.data, written);
}

/**
 * The edit view's draft after the outbox reported. shown: the draft the view holds; stored: the
 * store's; written: the data the view last stored; data: what its form holds now.
 * → {draft, redraw}: redraw "edit" (the data was replaced and nothing typed since: show the stored
 * version), "read" (signed meanwhile), or null (keep the form; `draft` has the server's fields).
 */
export function catchUp({ shown, stored, written, data }) {
  if (replacedElsewhere(stored, shown, written) && sameData(data, written)) return { draft: stored, redraw: "edit" };
  const draft = { ...stored, data: written };
  return { draft, redraw: draft.status === "final" && !draft.reason ? "read" : null };
}
