// Capped exponential backoff: doubling from the first delay, never past the cap, jitter within ±20 %.
import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay, createBackoff } from "../../static/js/backoff.js";

const middle = () => 0.5; // no jitter

test("delays double from one second and stop growing at a minute", () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 8, 20, 1000].map((n) => backoffDelay(n, { random: middle }));
  assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
});

test("jitter stays within 20 % either side, so tablets spread out", () => {
  assert.equal(backoffDelay(1, { random: () => 0 }), 800);
  assert.equal(backoffDelay(1, { random: () => 0.999999 }), 1_200);
  assert.equal(backoffDelay(50, { random: () => 0.999999 }), 72_000);
  for (let i = 0; i < 200; i += 1) {
    const delay = backoffDelay(3);
    assert.ok(delay >= 3_200 && delay <= 4_800, String(delay));
  }
});

test("the counter starts again from the first delay after a success", () => {
  const backoff = createBackoff({ random: middle, firstMs: 500, maxMs: 1_500 });
  assert.deepEqual(
    [backoff.failed(), backoff.failed(), backoff.failed(), backoff.failed()],
    [500, 1_000, 1_500, 1_500],
  );
  assert.equal(backoff.failures, 4);
  backoff.reset();
  assert.equal(backoff.failures, 0);
  assert.equal(backoff.failed(), 500);
});
