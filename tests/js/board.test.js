// The unit board's pure logic: row view model (overdue with an injected clock), status, the
// take-over items and mapping a refusal back to a patient.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  age,
  latestView,
  openActions,
  ownRows,
  refusedItem,
  rememberUnit,
  rowView,
  severityOf,
  statusOf,
  takeoverItems,
  takeoverRows,
} from "../../static/js/views/board/model.js";

const NOW = new Date("2026-11-23T23:00");

const handoff = (id, extra = {}, data = {}) => ({
  id,
  revision: 2,
  status: "final",
  data: {
    illness_severity: "watcher",
    patient_summary: { one_liner: "65F urosepsis, improving." },
    action_list: [
      { task: "Check 22:00 lactate", owner: "Night RN", due: "2026-11-23T22:00", done: false },
      { task: "Recheck glucose", owner: "Night RN", due: "2026-11-24T03:00", done: false },
      { task: "Done already", due: "2026-11-23T20:00", done: true },
    ],
    situation_awareness: [
      { if: "SBP < 90", then: "Bolus" },
      { if: "Glucose > 300", then: "Insulin" },
    ],
    ...data,
  },
  acknowledgements: [],
  ...extra,
});

const row = (id, { handoff: h = handoff(id * 10), acknowledged = false, severity } = {}) => ({
  patient: { id, mrn: `M${id}`, given_name: "Rosa", family_name: `Fam${id}`, unit: "5N", bed: `${id}A` },
  handoff: h,
  illness_severity: severity === undefined ? (h?.data?.illness_severity ?? null) : severity,
  open_actions: 2,
  acknowledged,
});

test("status words: no I-PASS, draft, signed, received", () => {
  assert.equal(statusOf(row(1, { handoff: null })), "none");
  assert.equal(statusOf(row(1, { handoff: handoff(5, { status: "draft" }) })), "draft");
  assert.equal(statusOf(row(1)), "signed");
  assert.equal(statusOf(row(1, { acknowledged: true })), "received");
});

test("severity: the server's value, else none", () => {
  assert.equal(severityOf(row(1, { severity: "unstable" })), "unstable");
  assert.equal(severityOf(row(1, { handoff: null })), "none");
  assert.equal(severityOf({ illness_severity: "bogus" }), "none");
});

test("open actions leave done ones out, sort by due, and mark overdue against the injected clock", () => {
  const open = openActions(handoff(1).data.action_list, NOW);
  assert.deepEqual(
    open.map((a) => [a.task, a.overdue]),
    [
      ["Check 22:00 lactate", true],
      ["Recheck glucose", false],
    ],
  );
  // An hour earlier nothing is overdue yet.
  assert.equal(
    openActions(handoff(1).data.action_list, new Date("2026-11-23T21:00")).some((a) => a.overdue),
    false,
  );
  // No due time: never overdue, listed last.
  const undated = openActions([{ task: "Call family" }, { task: "Soon", due: "2026-11-23T23:30" }], NOW);
  assert.deepEqual(
    undated.map((a) => [a.task, a.overdue]),
    [
      ["Soon", false],
      ["Call family", false],
    ],
  );
  assert.deepEqual(openActions(undefined, NOW), []);
});

test("a row's view: bed, name, one-liner, counts", () => {
  const v = rowView(row(3), NOW);
  assert.equal(v.bed, "3A");
  assert.equal(v.name, "Fam3, Rosa");
  assert.equal(v.oneLiner, "65F urosepsis, improving.");
  assert.equal(v.overdue, 1);
  assert.equal(v.actions.length, 2);
  assert.equal(v.contingencies, 2);
  assert.equal(v.status, "signed");
  assert.equal(v.handoffId, 30);
  const empty = rowView(row(4, { handoff: null }), NOW);
  assert.equal(empty.handoffId, null);
  assert.equal(empty.contingencies, 0);
  assert.equal(empty.oneLiner, "");
});

test("take-over items: only signed, not received; typed text, else the read-back sentence; missing named", () => {
  const rows = [
    row(1),
    row(2, { acknowledged: true }),
    row(3, { handoff: handoff(30, { status: "draft" }) }),
    row(4, { handoff: null }),
    row(5),
    row(6),
  ];
  assert.deepEqual(
    takeoverRows(rows).map((r) => r.patient.id),
    [1, 5, 6],
  );
  const answers = new Map([
    [10, { synthesis: "  I will check the lactate.  ", readBack: false }],
    [50, { synthesis: "", readBack: true }],
  ]);
  const built = takeoverItems(rows, answers, "Read back, no changes.");
  assert.deepEqual(built.items, [
    { handoff_id: 10, revision: 2, synthesis: "I will check the lactate." },
    { handoff_id: 50, revision: 2, synthesis: "Read back, no changes." },
  ]);
  assert.deepEqual(
    built.rows.map((r) => r.patient.id),
    [1, 5],
  );
  assert.deepEqual(
    built.missing.map((r) => r.patient.id),
    [6],
  );
});

test("a refusal's items.N maps back to the patient of that item", () => {
  const itemRows = [row(1), row(5)];
  const body = {
    message: "Item 1 (handoff 50): Revision 2 has been superseded by revision 3. Nothing was acknowledged.",
    errors: [{ path: "items.1.revision", message: "Superseded by revision 3." }],
  };
  const found = refusedItem(body, itemRows);
  assert.equal(found.index, 1);
  assert.equal(found.row.patient.id, 5);
  assert.equal(found.handoffId, 50);
  assert.deepEqual(found.messages, ["Superseded by revision 3."]);
  // Only the message: still found; an index outside the items: null.
  assert.equal(refusedItem({ message: "Item 0 (handoff 10): no." }, itemRows).row.patient.id, 1);
  assert.equal(refusedItem({ errors: [{ path: "items.7" }] }, itemRows), null);
  assert.equal(refusedItem({ message: "Something else" }, itemRows), null);
  assert.equal(refusedItem(null, itemRows), null);
});

test("age of a saved copy in minutes, hours, days", () => {
  const at = (minutes) => new Date(+NOW - minutes * 60000).toISOString();
  assert.deepEqual(age(at(0.5), NOW), { unit: "now", count: 0 });
  assert.deepEqual(age(at(12), NOW), { unit: "minutes", count: 12 });
  assert.deepEqual(age(at(185), NOW), { unit: "hours", count: 3 });
  assert.deepEqual(age(at(3 * 1440 + 5), NOW), { unit: "days", count: 3 });
  assert.deepEqual(age(at(-5), NOW), { unit: "now", count: 0 });
});

test("remembered units: latest first, no duplicates ignoring case, blanks ignored", () => {
  assert.deepEqual(rememberUnit(["5 North", "ICU"], " icu "), ["icu", "5 North"]);
  assert.deepEqual(rememberUnit(["5 North"], "  "), ["5 North"]);
  assert.deepEqual(rememberUnit(null, "4E"), ["4E"]);
});

test("the receiver's own signed handoffs are left out of her take-over and listed apart", () => {
  const mine = (id, extra = {}) => row(id, { handoff: handoff(id * 10, { finalized_by: "rex", ...extra }) });
  const rows = [row(1), mine(2), mine(3, { status: "draft" }), row(4, { acknowledged: true }), row(5)];
  assert.deepEqual(
    takeoverRows(rows, "rex").map((r) => r.patient.id),
    [1, 5],
  );
  assert.deepEqual(
    ownRows(rows, "rex").map((r) => r.patient.id),
    [2],
  ); // a draft of hers is no take-over item at all
  // Another receiver takes every signed one; without a name nothing is left out.
  assert.deepEqual(
    takeoverRows(rows, "gia").map((r) => r.patient.id),
    [1, 2, 5],
  );
  assert.deepEqual(
    takeoverRows(rows).map((r) => r.patient.id),
    [1, 2, 5],
  );
  assert.deepEqual(ownRows(rows, undefined), []);
});

test("the patient list's latest handoff: kind, status (received only for an I-PASS) and severity", () => {
  const latest = (extra) => ({
    id: 7,
    checklist: "ipass",
    revision: 1,
    status: "final",
    illness_severity: "unstable",
    acknowledged: false,
    ...extra,
  });
  assert.equal(latestView(null), null);
  assert.deepEqual(latestView(latest()), { handoffId: 7, checklist: "ipass", status: "signed", severity: "unstable" });
  assert.equal(latestView(latest({ acknowledged: true })).status, "received");
  assert.equal(latestView(latest({ status: "draft" })).status, "draft");
  assert.equal(latestView(latest({ illness_severity: null })).severity, "none");
  const discharge = latestView(latest({ checklist: "discharge", illness_severity: null, acknowledged: true }));
  assert.deepEqual([discharge.status, discharge.severity], ["final", null]);
});
