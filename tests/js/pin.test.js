// The device PIN: which PINs are accepted, how wrong tries are counted, and that a PIN vault made
// with the app's own crypto opens with the PIN and nothing else (Node's WebCrypto, as in a browser).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MAX_PIN_TRIES,
  asPinVault,
  clearTries,
  countTry,
  isPinVault,
  pinProblem,
  triesLeft,
} from "../../static/js/pin.js";
import * as vaultCrypto from "../../static/js/crypto.js";
import { endLeftoverSession } from "../../static/js/shell/pin-unlock.js";

test("a PIN is 6 to 12 digits, and not one an onlooker guesses first", () => {
  for (const pin of ["480215", "0713924", "271828182845"]) assert.equal(pinProblem(pin), null, pin);
  const refused = {
    "": "pin.tooShort",
    12345: "pin.tooShort",
    "48021a": "pin.notDigits",
    "480 215": "pin.notDigits",
    "４８０２１５": "pin.notDigits", // full-width digits are not what the keypad sends
    1234567890123: "pin.tooLong",
    "000000": "pin.tooSimple",
    777777777: "pin.tooSimple",
    123456: "pin.tooSimple",
    890123: "pin.tooSimple",
    987654: "pin.tooSimple",
  };
  for (const [pin, problem] of Object.entries(refused)) assert.equal(pinProblem(String(pin)), problem, pin);
  assert.equal(pinProblem(undefined), "pin.tooShort");
});

test("each try is counted before the check and cleared by a right PIN; the fifth wrong one leaves none", () => {
  let vault = asPinVault({ username: "amy", salt: new Uint8Array(16) });
  assert.ok(isPinVault(vault) && !isPinVault({ username: "amy" }) && !isPinVault(null));
  const left = [];
  for (let i = 0; i < MAX_PIN_TRIES; i++) {
    vault = countTry(vault); // stored before the PIN is checked
    left.push(triesLeft(vault));
  }
  assert.deepEqual(left, [4, 3, 2, 1, 0]);
  assert.equal(MAX_PIN_TRIES, 5);
  assert.equal(triesLeft(clearTries(countTry(countTry(asPinVault({}))))), MAX_PIN_TRIES);
  assert.equal(countTry({ username: "x" }).pinFailures, 1); // a record from before the counter existed
});

test("a PIN vault opens with its PIN only, with a fresh salt and the full PBKDF2 work each time", async () => {
  const made = asPinVault(await vaultCrypto.createVault("amy", "480215"));
  assert.equal(made.iterations, 600_000);
  const record = await vaultCrypto.encryptRecord({ note: "bed 12" }, "drafts:a");
  vaultCrypto.lock();
  await assert.rejects(vaultCrypto.unlockVault(made, "480216"), vaultCrypto.WrongPasswordError);
  assert.ok(!vaultCrypto.isUnlocked());
  await vaultCrypto.unlockVault(made, "480215");
  assert.deepEqual(await vaultCrypto.decryptRecord(record, "drafts:a"), { note: "bed 12" });
  const again = await vaultCrypto.createVault("amy", "480215");
  assert.notDeepEqual(Buffer.from(again.salt), Buffer.from(made.salt));
  vaultCrypto.lock();
});

class OfflineError extends Error {}

function fakeStorage(entries = {}) {
  const map = new Map(Object.entries(entries));
  return {
    getItem: (key) => (map.has(key) ? map.get(key) : null),
    setItem: (key, value) => map.set(key, String(value)),
    removeItem: (key) => map.delete(key),
    size: () => map.size,
  };
}

test("a server session left by a wipe for wrong PINs is ended before anything else, once the server answers", async () => {
  const calls = [];
  const online = { OfflineError, logout: async () => calls.push("logout") };
  const offline = {
    OfflineError,
    logout: async () => {
      throw new OfflineError();
    },
  };
  assert.equal(await endLeftoverSession(online, fakeStorage()), false);
  assert.deepEqual(calls, []); // nothing owed, nothing sent

  const storage = fakeStorage({ "handoff:end-server-session": "1" });
  assert.equal(await endLeftoverSession(offline, storage), true); // still owed: no PIN set-up meanwhile
  assert.equal(storage.size(), 1);
  assert.equal(await endLeftoverSession(online, storage), false);
  assert.deepEqual(calls, ["logout"]);
  assert.equal(storage.size(), 0);
});
