// Carrying an I-PASS forward (what comes along and what stays behind) and due times for people in
// the read-only view.
import { test } from "node:test";
import assert from "node:assert/strict";
import { carryForward, carrySummary } from "../../static/js/views/patient.js";
import { datetimeText } from "../../static/js/form/readonly.js";

const LAST = {
  illness_severity: "watcher",
  patient_summary: { one_liner: "65F urosepsis." },
  action_list: [
    { task: "Recheck lactate", due: "2026-11-23T22:00", done: false },
    { task: "Call family" },
    { task: "Blood cultures", done: true },
    { task: "  ", done: false },
  ],
  situation_awareness: [
    { if: "SBP < 90", then: "Bolus" },
    { if: "", then: "" },
    { if: "Glucose > 300", then: "Insulin" },
  ],
  receiver: { name: "Dr. Night", role: "resident" },
};

test("carry forward keeps open actions and contingencies, leaves done actions and the receiver behind", () => {
  const next = carryForward(LAST);
  assert.deepEqual(
    next.action_list.map((a) => a.task),
    ["Recheck lactate", "Call family", "  "],
  );
  assert.equal(next.situation_awareness.length, 3);
  assert.equal(next.receiver, undefined);
  assert.equal(next.illness_severity, "watcher");
  assert.equal(LAST.action_list.length, 4); // the last I-PASS is not changed
  assert.equal(carryForward({ action_list: [{ task: "x", done: true }] }).action_list, undefined);
});

test("the carry summary counts what is carried and what is left behind", () => {
  const got = carrySummary(LAST);
  assert.deepEqual(got.open, ["Recheck lactate", "Call family"]);
  assert.deepEqual(got.done, ["Blood cultures"]);
  assert.equal(got.contingencies.length, 2);
  assert.deepEqual(carrySummary(undefined), { open: [], done: [], contingencies: [] });
});

test("a due time reads as the time today, else date and time; anything else stays as typed", () => {
  const now = new Date("2026-11-23T08:00");
  assert.match(datetimeText("2026-11-23T19:30", now), /^today at 7:30\sPM$/);
  const other = datetimeText("2026-11-21T19:30", now);
  assert.match(other, /Nov 21, 2026/);
  assert.doesNotMatch(other, /T19:30/);
  assert.equal(datetimeText("within 7 days", now), "within 7 days");
  assert.equal(datetimeText("2026-13-45T99:99", now), "2026-13-45T99:99");
});
