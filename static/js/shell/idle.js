// Idle lock: after `minutes` without a touch, a key or a scroll, the app locks (the shared
// tablet's key leaves memory). The clock and the timer are passed in, so the timing is testable.

export const ACTIVITY_EVENTS = ["pointerdown", "keydown", "touchstart", "wheel", "input"];
export const DEFAULT_IDLE_MINUTES = 15;
export const IDLE_CHECK_MS = 15_000;

/** True once `minutes` have passed since the last activity. */
export function isIdle(now, lastActivity, minutes) {
  return now - lastActivity >= minutes * 60_000;
}

/** A positive number of minutes from the server's answer (or the cached copy), else the default. */
export function idleMinutesFrom(value) {
  return Number(value) > 0 ? Number(value) : DEFAULT_IDLE_MINUTES;
}

/**
 * createIdleLock({isUnlocked, onLock, now, every}) → {start(target, doc), touch(), check(),
 * minutes, setMinutes(n)}. `every(callback, ms)` is the repeating timer (setInterval by default).
 */
export function createIdleLock({ isUnlocked, onLock, now = Date.now, every = setInterval }) {
  let minutes = DEFAULT_IDLE_MINUTES;
  let lastActivity = now();
  const lock = {
    get minutes() {
      return minutes;
    },
    setMinutes(value) {
      minutes = idleMinutesFrom(value);
    },
    touch() {
      lastActivity = now();
    },
    check() {
      if (isUnlocked() && isIdle(now(), lastActivity, minutes)) onLock(minutes);
    },
    /** Listen for activity on `target` (window) and look again when `doc` becomes visible. */
    start(target, doc) {
      for (const type of ACTIVITY_EVENTS) {
        target.addEventListener(type, () => lock.touch(), { capture: true, passive: true });
      }
      every(() => lock.check(), IDLE_CHECK_MS);
      // Timers sleep in a hidden tab: check the moment the tablet is looked at again.
      doc.addEventListener("visibilitychange", () => lock.check());
    },
  };
  return lock;
}
