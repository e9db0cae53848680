// The field-by-field merge behind the conflict dialog: what differs, and what the nurse's choices make.
import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalJson, differences, merge, sameData } from "../../static/js/merge.js";

const server = {
  encounter: { unit: "4 East", attending: "Dr. Raman" },
  medications: [
    { name: "Aspirin", dose: "81 mg" },
    { name: "Lasix", dose: "40 mg" },
  ],
  what_matters: "Going home to her cat",
};
const mine = {
  encounter: { unit: "5 North", attending: "Dr. Raman" },
  medications: [{ name: "Aspirin", dose: "162 mg" }],
  hospital_course: "Diuresed 3 L",
};

test("equal data is equal whatever the key order, and undefined counts as absent", () => {
  assert.equal(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] }), '{"a":[1,{"c":3,"d":2}],"b":1}');
  assert.ok(sameData({ a: 1, b: undefined }, { a: 1 }));
  assert.ok(sameData(null, {}));
  assert.ok(!sameData({ a: 1 }, { a: "1" }));
});

test("differences lists every differing leaf, and a list item only one side has as a whole", () => {
  assert.deepEqual(differences(mine, server), [
    { path: "encounter.unit", mine: "5 North", server: "4 East" },
    { path: "hospital_course", mine: "Diuresed 3 L", server: undefined },
    { path: "medications.0.dose", mine: "162 mg", server: "81 mg" },
    { path: "medications.1", mine: undefined, server: { name: "Lasix", dose: "40 mg" } },
    { path: "what_matters", mine: undefined, server: "Going home to her cat" },
  ]);
  assert.deepEqual(differences(server, structuredClone(server)), []);
});

test("no field chosen as mine gives the server's version; every field gives mine", () => {
  assert.deepEqual(merge(server, mine, []), server);
  const all = differences(mine, server).map((d) => d.path);
  assert.deepEqual(merge(server, mine, all), mine);
});

test("a mix keeps each side's value where it was chosen and touches nothing else", () => {
  const merged = merge(server, mine, ["encounter.unit", "hospital_course"]);
  assert.deepEqual(merged, {
    encounter: { unit: "5 North", attending: "Dr. Raman" },
    medications: server.medications,
    what_matters: "Going home to her cat",
    hospital_course: "Diuresed 3 L",
  });
});

test("removing a list item on my side does not shift the other choices", () => {
  const theirs = { meds: [{ name: "A" }, { name: "B" }, { name: "C" }] };
  const ours = { meds: [{ name: "A" }, { name: "B2" }] };
  // Mine at meds.2 (absent: remove C), the server's at meds.1.name (keep B).
  assert.deepEqual(merge(theirs, ours, ["meds.2"]), { meds: [{ name: "A" }, { name: "B" }] });
  assert.deepEqual(merge(theirs, ours, ["meds.1.name", "meds.2"]), ours);
});

test("merge never changes its inputs", () => {
  const before = structuredClone(server);
  const result = merge(server, mine, ["encounter.unit"]);
  result.encounter.attending = "changed";
  assert.deepEqual(server, before);
});
