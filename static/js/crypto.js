// Encryption at rest for everything the app keeps in IndexedDB (OWASP ASVS 14.3.3).
//
// A random AES-GCM-256 data key encrypts every record. It is stored only wrapped (encrypted)
// under a key-encryption key derived from the nurse's password with PBKDF2-SHA-256, so the
// device never holds it in the clear. Unwrapped, it is a non-extractable CryptoKey kept in this
// module's memory only: a reload, an idle lock or a logout forgets it, and the password is
// needed again to read anything back. A second wrapped key (HMAC) turns cache keys such as
// "patients?q=smith" into opaque ids, so not even IndexedDB's record keys reveal patient data.

// OWASP's current advice for PBKDF2-HMAC-SHA-256 (the floor we must meet is 310,000).
const PBKDF2_ITERATIONS = 600_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

let dataKey = null; // AES-GCM CryptoKey, non-extractable, memory only
let indexKey = null; // HMAC CryptoKey, non-extractable, memory only

export class WrongPasswordError extends Error {
  constructor() {
    super("Wrong password");
    this.name = "WrongPasswordError";
  }
}

export class LockedError extends Error {
  constructor() {
    super("The local data is locked; unlock with your password first.");
    this.name = "LockedError";
  }
}

export function isUnlocked() {
  return dataKey !== null;
}

// Forget the keys: the encrypted records stay, unreadable until the next unlock.
export function lock() {
  dataKey = null;
  indexKey = null;
}

function randomBytes(length) {
  return crypto.getRandomValues(new Uint8Array(length));
}

// Binds a wrapped key to the user it belongs to, so a vault can't be passed off as another's.
function vaultAad(username) {
  return encoder.encode(`handoff-vault:${username}`);
}

async function deriveKek(password, salt, iterations) {
  const material = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["wrapKey", "unwrapKey"],
  );
}

async function unwrapBoth(vault, kek, extractable) {
  const aad = vaultAad(vault.username);
  try {
    const data = await crypto.subtle.unwrapKey(
      "raw",
      vault.wrappedKey,
      kek,
      { name: "AES-GCM", iv: vault.iv, additionalData: aad },
      { name: "AES-GCM", length: 256 },
      extractable,
      ["encrypt", "decrypt"],
    );
    const index = await crypto.subtle.unwrapKey(
      "raw",
      vault.wrappedIndexKey,
      kek,
      { name: "AES-GCM", iv: vault.indexIv, additionalData: aad },
      { name: "HMAC", hash: "SHA-256" },
      extractable,
      ["sign"],
    );
    return { data, index };
  } catch {
    // AES-GCM's tag check fails for a wrong password: say only that, nothing about why.
    throw new WrongPasswordError();
  }
}

async function wrapBoth(username, keys, kek) {
  const aad = vaultAad(username);
  const iv = randomBytes(12);
  const indexIv = randomBytes(12);
  return {
    iv,
    indexIv,
    wrappedKey: await crypto.subtle.wrapKey("raw", keys.data, kek, { name: "AES-GCM", iv, additionalData: aad }),
    wrappedIndexKey: await crypto.subtle.wrapKey("raw", keys.index, kek, {
      name: "AES-GCM",
      iv: indexIv,
      additionalData: aad,
    }),
  };
}

// A new vault for this user on this device; leaves it unlocked. Returns the record to store
// in the `meta` store: {username, salt, iterations, wrappedKey, iv, wrappedIndexKey, indexIv}.
export async function createVault(username, password) {
  const salt = randomBytes(16);
  const kek = await deriveKek(password, salt, PBKDF2_ITERATIONS);
  // Extractable only for the moment it takes to wrap them; the kept copies are not.
  const fresh = {
    data: await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]),
    index: await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256", length: 256 }, true, ["sign"]),
  };
  const vault = { username, salt, iterations: PBKDF2_ITERATIONS, ...(await wrapBoth(username, fresh, kek)) };
  ({ data: dataKey, index: indexKey } = await unwrapBoth(vault, kek, false));
  return vault;
}

// Unlock with the password; throws WrongPasswordError.
export async function unlockVault(vault, password) {
  const kek = await deriveKek(password, vault.salt, vault.iterations || PBKDF2_ITERATIONS);
  ({ data: dataKey, index: indexKey } = await unwrapBoth(vault, kek, false));
}

// The server password changed since this vault was made: re-wrap the same data key under the
// new password (nothing is re-encrypted) and leave it unlocked. Throws WrongPasswordError.
export async function rewrapVault(vault, oldPassword, newPassword) {
  const oldKek = await deriveKek(oldPassword, vault.salt, vault.iterations || PBKDF2_ITERATIONS);
  const keys = await unwrapBoth(vault, oldKek, true);
  const salt = randomBytes(16);
  const newKek = await deriveKek(newPassword, salt, PBKDF2_ITERATIONS);
  const next = {
    username: vault.username,
    salt,
    iterations: PBKDF2_ITERATIONS,
    ...(await wrapBoth(vault.username, keys, newKek)),
  };
  ({ data: dataKey, index: indexKey } = await unwrapBoth(next, newKek, false));
  return next;
}

function requireKey() {
  if (!dataKey) throw new LockedError();
}

// `slot` (store name and record key) is bound in as additional data, so a record copied
// into another slot fails to decrypt instead of being read as something else.
export async function encryptRecord(value, slot) {
  requireKey();
  const iv = randomBytes(12);
  const plaintext = encoder.encode(JSON.stringify(value));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(slot) },
    dataKey,
    plaintext,
  );
  return { iv, ciphertext };
}

export async function decryptRecord(record, slot) {
  requireKey();
  const plaintext = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: record.iv, additionalData: encoder.encode(slot) },
    dataKey,
    record.ciphertext,
  );
  return JSON.parse(decoder.decode(plaintext));
}

// A stable, opaque id for a text (HMAC-SHA-256, base64url): the same text gives the same id
// for this vault, and the id says nothing about the text.
export async function opaqueId(text) {
  requireKey();
  const mac = await crypto.subtle.sign("HMAC", indexKey, encoder.encode(text));
  return base64url(new Uint8Array(mac));
}

export async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function base64url(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
