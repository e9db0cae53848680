// Local storage for the app: drafts, the outbox and an offline cache, in IndexedDB, every
// record encrypted (see crypto.js). Record keys are random ids or opaque HMACs, never data.
//
// Stores: `meta` (the wrapped-key vault: the only thing readable before unlock), `drafts`,
// `outbox` (owned by sync.js), `cache` (what screens keep to work offline).

import { decryptRecord, encryptRecord, isUnlocked, opaqueId } from "./crypto.js";

const DB_NAME = "handoff";
const DB_VERSION = 1;
const STORES = ["meta", "drafts", "outbox", "cache"];

let dbPromise = null;

function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        for (const name of STORES) {
          if (!request.result.objectStoreNames.contains(name)) request.result.createObjectStore(name);
        }
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab logging out deletes the database: let it, and reopen next time.
        db.onversionchange = () => {
          db.close();
          dbPromise = null;
        };
        resolve(db);
      };
      request.onerror = () => {
        dbPromise = null;
        reject(request.error);
      };
      request.onblocked = () => console.warn("IndexedDB upgrade blocked by another tab");
    });
  }
  return dbPromise;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function raw(storeName, mode, action) {
  const db = await openDb();
  const tx = db.transaction(storeName, mode);
  const result = await done(action(tx.objectStore(storeName)));
  if (mode === "readwrite") {
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }
  return result;
}

// Operations on one record run one after another: a screen's putDraft and sync's update of the
// same draft must not interleave their read-encrypt-write steps.
const chains = new Map();
function serial(slot, task) {
  const previous = chains.get(slot) || Promise.resolve();
  const next = previous.catch(() => {}).then(task);
  chains.set(slot, next);
  next
    .finally(() => {
      if (chains.get(slot) === next) chains.delete(slot);
    })
    .catch(() => {});
  return next;
}

async function putEncrypted(storeName, key, value) {
  const record = await encryptRecord(value, `${storeName}/${key}`);
  await raw(storeName, "readwrite", (store) => store.put(record, key));
}

async function getDecrypted(storeName, key) {
  const record = await raw(storeName, "readonly", (store) => store.get(key));
  return record === undefined ? null : decryptRecord(record, `${storeName}/${key}`);
}

async function allDecrypted(storeName) {
  const db = await openDb();
  const tx = db.transaction(storeName, "readonly");
  const [keys, records] = await Promise.all([
    done(tx.objectStore(storeName).getAllKeys()),
    done(tx.objectStore(storeName).getAll()),
  ]);
  return Promise.all(records.map((record, i) => decryptRecord(record, `${storeName}/${keys[i]}`)));
}

// ---- vault (readable while locked: it holds only wrapped keys, a salt and the username) ----

export async function getVault() {
  return (await raw("meta", "readonly", (store) => store.get("vault"))) || null;
}

export async function putVault(vault) {
  await raw("meta", "readwrite", (store) => store.put(vault, "vault"));
}

// ---- drafts ----

export function newLocalId() {
  return crypto.randomUUID();
}

// Fields sync.js owns: what the server last said about this draft. A screen holding an older
// copy of the draft must not roll them back when it saves its (newer) data.
export const SERVER_FIELDS = ["handoffId", "etag", "revision", "status", "syncStamp", "syncedHash", "syncedEtag"];

// `unless(stored)` returning true leaves the stored draft as it is (and returns null): a screen
// writing as the tab closes checks and writes in one read, with no time for two.
export function putDraft(draft, { unless } = {}) {
  if (!draft || typeof draft.localId !== "string" || !draft.localId) {
    return Promise.reject(new TypeError("putDraft needs a draft with a string localId"));
  }
  return serial(`drafts/${draft.localId}`, async () => {
    const stored = await getDecrypted("drafts", draft.localId);
    if (unless && unless(stored)) return null;
    const next = { ...draft, updatedAt: new Date().toISOString() };
    if (stored && (stored.syncStamp || 0) > (draft.syncStamp || 0)) {
      for (const field of SERVER_FIELDS) next[field] = stored[field];
    }
    await putEncrypted("drafts", draft.localId, next);
    return next;
  });
}

// ---- the last keystrokes before the tab goes away ----
// IndexedDB aborts writes issued while a page unloads, and an async putDraft started then never
// finishes; localStorage is written synchronously. So a screen seals (encrypts) its latest data
// ahead of time and, as the tab is hidden or closed, puts that sealed copy in localStorage; the
// screen takes it back on the next open. It is encrypted like every record, and destroy() wipes it.
const RESCUE_PREFIX = "handoff.rescue:";
const toBytes = (buffer) => Array.from(new Uint8Array(buffer.buffer || buffer));

export async function sealDraft(draft) {
  const record = await encryptRecord(
    { data: draft.data, sealedAt: new Date().toISOString() },
    `rescue/${draft.localId}`,
  );
  return {
    localId: draft.localId,
    text: JSON.stringify({ iv: toBytes(record.iv), ciphertext: toBytes(record.ciphertext) }),
  };
}

/** Synchronous: keep a sealed copy through a reload or close. False if storage refused it. */
export function rescueNow(sealed) {
  try {
    localStorage.setItem(RESCUE_PREFIX + sealed.localId, sealed.text);
    return true;
  } catch {
    return false;
  }
}

/** The data rescued for this draft as its tab went away ({data, sealedAt}), or null; taken only once. */
export async function takeRescued(localId) {
  let text = null;
  try {
    text = localStorage.getItem(RESCUE_PREFIX + localId);
    localStorage.removeItem(RESCUE_PREFIX + localId);
  } catch {
    return null;
  }
  if (!text) return null;
  try {
    const { iv, ciphertext } = JSON.parse(text);
    return await decryptRecord({ iv: new Uint8Array(iv), ciphertext: new Uint8Array(ciphertext) }, `rescue/${localId}`);
  } catch {
    return null; // sealed under another key (another user's vault): not ours to read
  }
}

export function forgetRescued(localId) {
  try {
    localStorage.removeItem(RESCUE_PREFIX + localId);
  } catch {
    // storage disabled: nothing was kept there
  }
}

function dropRescued() {
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith(RESCUE_PREFIX)) localStorage.removeItem(key);
  } catch {
    // storage disabled: nothing was kept there
  }
}

export function getDraft(localId) {
  return serial(`drafts/${localId}`, () => getDecrypted("drafts", localId));
}

// Read-modify-write under the draft's lock. `change(draft)` returns the new draft (or null to
// leave it). Used by sync.js; a screen should rather use putDraft.
export function updateDraft(localId, change) {
  return serial(`drafts/${localId}`, async () => {
    const stored = await getDecrypted("drafts", localId);
    if (!stored) return null;
    const next = change(structuredClone(stored));
    if (!next) return stored;
    await putEncrypted("drafts", localId, next);
    return next;
  });
}

export async function listDrafts() {
  const drafts = await allDecrypted("drafts");
  return drafts.sort((a, b) => String(b.updatedAt).localeCompare(String(a.updatedAt)));
}

export function deleteDraft(localId) {
  return serial(`drafts/${localId}`, () => raw("drafts", "readwrite", (store) => store.delete(localId)));
}

// The newest local draft of a server handoff, or null.
export async function findDraftByHandoff(handoffId) {
  const id = Number(handoffId);
  return (await listDrafts()).find((draft) => draft.handoffId === id) || null;
}

// ---- offline cache (screens) ----

export async function cachePut(key, value) {
  const id = await opaqueId(`cache:${key}`);
  return serial(`cache/${id}`, () => putEncrypted("cache", id, { savedAt: new Date().toISOString(), value }));
}

export async function cacheGet(key) {
  const id = await opaqueId(`cache:${key}`);
  const entry = await serial(`cache/${id}`, () => getDecrypted("cache", id));
  return entry ? entry.value : null;
}

// ---- outbox (sync.js only) ----

export function outboxPut(item) {
  return serial(`outbox/${item.id}`, () => putEncrypted("outbox", item.id, item));
}

export function outboxDelete(id) {
  return serial(`outbox/${id}`, () => raw("outbox", "readwrite", (store) => store.delete(id)));
}

export function outboxAll() {
  return allDecrypted("outbox");
}

// Works while locked: logout and "sign in as someone else" warn with it before wiping.
export async function outboxCount() {
  try {
    return await raw("outbox", "readonly", (store) => store.count());
  } catch {
    return 0;
  }
}

// ---- the whole database ----

export function unlocked() {
  return isUnlocked();
}

// Idle lock: drop the offline copies of patient lists and handoffs. Only the nurse's own drafts
// and unsent saves stay (encrypted), so nothing typed is lost while the tablet sits unattended.
export async function clearCache() {
  await raw("cache", "readwrite", (store) => store.clear());
}

// Logout, or another user taking over this tablet: delete everything, vault included.
export async function destroy() {
  if (dbPromise) {
    try {
      (await dbPromise).close();
    } catch {
      // it never opened; nothing to close
    }
    dbPromise = null;
  }
  chains.clear();
  dropRescued();
  await new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
    // Another tab still has it open; it closes on `versionchange` and the delete goes on.
    request.onblocked = () => console.warn("waiting for other tabs to close the local database");
  });
}
