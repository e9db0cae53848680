// The shell's pure parts: which screen a hash opens, and when an idle tablet locks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { matchRoute, NAV_OF, ROUTES } from "../../static/js/shell/router.js";
import { createIdleLock, DEFAULT_IDLE_MINUTES, IDLE_CHECK_MS, isIdle } from "../../static/js/shell/idle.js";

test("hashes open the screens of views/README.md with their params", () => {
  const cases = [
    ["#/patients", "patients", {}],
    ["#/patients/new", "patient-new", {}],
    ["#/patients/12", "patient", { id: "12" }],
    ["#/patients/patient-abc", "patient", { id: "patient-abc" }],
    ["#/handoffs/7", "handoff", { id: "7" }],
    ["#/handoffs/7/history", "history", { id: "7" }],
    ["#/handoffs/7/documents", "documents", { id: "7" }],
    ["#/drafts/x%2Fy", "handoff", { localId: "x/y" }],
    ["#/inbox", "inbox", {}],
    ["#/outbox", "outbox", {}],
  ];
  for (const [hash, view, params] of cases) {
    const found = matchRoute(hash);
    assert.equal(found.view, view, hash);
    const { query, ...rest } = found.params;
    assert.deepEqual(rest, params, hash);
    assert.ok(query instanceof URLSearchParams);
  }
});

test("the query after ? reaches the screen; unknown hashes match nothing", () => {
  assert.equal(matchRoute("#/inbox?open=5").params.query.get("open"), "5");
  assert.equal(matchRoute("#/patients?q=ok").view, "patients");
  for (const hash of ["", "#", "#/", "#/nowhere", "#/patients/1/2", "#/handoffs//history"]) {
    assert.equal(matchRoute(hash), null, hash);
  }
});

test("every routed screen lights a navigation link", () => {
  for (const [, view] of ROUTES) assert.ok(NAV_OF[view], view);
});

function fakeClock() {
  const clock = { now: 0, timers: [] };
  clock.every = (callback, ms) => clock.timers.push({ callback, ms });
  clock.advance = (ms) => {
    clock.now += ms;
    for (const timer of clock.timers) timer.callback();
  };
  return clock;
}

test("the tablet locks once the idle minutes pass without activity, not before", () => {
  const clock = fakeClock();
  const locks = [];
  const lock = createIdleLock({
    isUnlocked: () => true,
    onLock: (minutes) => locks.push(minutes),
    now: () => clock.now,
    every: clock.every,
  });
  lock.setMinutes(2);
  lock.start(new EventTarget(), new EventTarget());
  assert.equal(clock.timers[0].ms, IDLE_CHECK_MS);
  clock.advance(119_000);
  assert.deepEqual(locks, []);
  clock.advance(1_000);
  assert.deepEqual(locks, [2]);
});

test("activity restarts the idle time; a locked app does not lock again", () => {
  const clock = fakeClock();
  const target = new EventTarget();
  let unlocked = true;
  const locks = [];
  const lock = createIdleLock({
    isUnlocked: () => unlocked,
    onLock: (minutes) => locks.push(minutes),
    now: () => clock.now,
    every: clock.every,
  });
  lock.start(target, new EventTarget());
  clock.advance(14 * 60_000);
  target.dispatchEvent(new Event("keydown"));
  clock.advance(14 * 60_000);
  assert.deepEqual(locks, []);
  unlocked = false;
  clock.advance(60 * 60_000);
  assert.deepEqual(locks, []);
});

test("a visible tablet is checked at once; missing or bad idle minutes fall back to the default", () => {
  const clock = fakeClock();
  const doc = new EventTarget();
  const locks = [];
  const lock = createIdleLock({
    isUnlocked: () => true,
    onLock: (minutes) => locks.push(minutes),
    now: () => clock.now,
    every: () => {},
  });
  lock.setMinutes(undefined);
  assert.equal(lock.minutes, DEFAULT_IDLE_MINUTES);
  lock.setMinutes("-3");
  assert.equal(lock.minutes, DEFAULT_IDLE_MINUTES);
  lock.start(new EventTarget(), doc);
  clock.now += DEFAULT_IDLE_MINUTES * 60_000;
  doc.dispatchEvent(new Event("visibilitychange"));
  assert.deepEqual(locks, [DEFAULT_IDLE_MINUTES]);
  assert.equal(isIdle(1000, 0, 1 / 60), true);
  assert.equal(isIdle(999, 0, 1 / 60), false);
});

test("a shared tablet changing hands asks nothing when nothing is unsent", async () => {
  const { confirmSwitchUser } = await import("../../static/js/shell/ui.js");
  let counted = 0;
  const store = {
    outboxCount: async () => {
      counted += 1;
      return 0;
    },
  };
  assert.equal(await confirmSwitchUser(store, "gia", "hal"), true); // no dialog: there is no document here to draw it
  assert.equal(counted, 1);
});
