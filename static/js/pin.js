// The device PIN's rules, for a nurse who signs in through the hospital's identity provider and so
// never types a password here (docs/offline-unlock.md has the threat model). The PIN is the secret
// the vault's key-wrapping key is derived from (crypto.js: PBKDF2-SHA-256, 600,000 iterations, a
// random salt per vault, in WebCrypto). Pure functions only: the screens are in shell/pin-unlock.js.

export const PIN_MIN_DIGITS = 6;
export const PIN_MAX_DIGITS = 12;
// Wrong PINs in a row before the tablet deletes this nurse's local data and asks for an online sign-in.
export const MAX_PIN_TRIES = 5;

/**
 * Why a new PIN is refused, as a message key, or null when it is acceptable. Refuses the PINs
 * an onlooker or a guesser tries first: one digit repeated, and straight runs up or down.
 */
export function pinProblem(pin) {
  if (typeof pin !== "string" || pin === "") return "pin.tooShort";
  if (!/^[0-9]+$/.test(pin)) return "pin.notDigits";
  if (pin.length < PIN_MIN_DIGITS) return "pin.tooShort";
  if (pin.length > PIN_MAX_DIGITS) return "pin.tooLong";
  if (isTrivial(pin)) return "pin.tooSimple";
  return null;
}

function isTrivial(pin) {
  const digits = [...pin].map(Number);
  const steps = new Set(digits.slice(1).map((digit, i) => (digit - digits[i] + 10) % 10));
  // 000000 (step 0), 123456 / 890123 (step 1), 987654 (step 9): one step all the way.
  return steps.size === 1 && [0, 1, 9].includes([...steps][0]);
}

export function isPinVault(vault) {
  return Boolean(vault && vault.unlockWith === "pin");
}

/** The vault record marked as PIN-unlocked, with no wrong tries yet. */
export function asPinVault(vault) {
  return { ...vault, unlockWith: "pin", pinFailures: 0 };
}

/**
 * The record to store *before* a PIN is checked: the try is counted first, so closing the tab
 * or pulling the battery in the middle of a check does not give a free guess.
 */
export function countTry(vault) {
  return { ...vault, pinFailures: (vault.pinFailures || 0) + 1 };
}

/** After a right PIN: the count starts again. */
export function clearTries(vault) {
  return { ...vault, pinFailures: 0 };
}

/** Tries left after the counted record `vault` turned out wrong; 0 means wipe. */
export function triesLeft(vault) {
  return Math.max(0, MAX_PIN_TRIES - (vault.pinFailures || 0));
}
