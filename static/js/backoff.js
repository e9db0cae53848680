// Capped exponential backoff for the outbox: how long to wait after the n-th failure in a row.
// The jitter spreads tablets out so a ward's worth of them do not retry in step after an outage;
// tests pass their own `random` to get exact delays.

export const BACKOFF_FIRST_MS = 1_000;
export const BACKOFF_MAX_MS = 60_000;
const JITTER = 0.2; // ±20 %

/** The delay after `failures` failures in a row (1 → about firstMs, doubling, never above maxMs · 1.2). */
export function backoffDelay(
  failures,
  { firstMs = BACKOFF_FIRST_MS, maxMs = BACKOFF_MAX_MS, random = Math.random } = {},
) {
  const base = Math.min(maxMs, firstMs * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (1 - JITTER + random() * 2 * JITTER));
}

/** A failure counter with its delays: failed() → the next delay; reset() starts again from firstMs. */
export function createBackoff(options = {}) {
  let failures = 0;
  return {
    failed() {
      failures += 1;
      return backoffDelay(failures, options);
    },
    reset() {
      failures = 0;
    },
    get failures() {
      return failures;
    },
  };
}
