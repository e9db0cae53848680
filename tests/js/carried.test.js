// The note on a draft made by carrying an I-PASS forward: what the tablet keeps about the source
// (patient.js carriedFrom) and the sentences the edit view shows (handoff/parts.js carriedText).
import { test } from "node:test";
import assert from "node:assert/strict";
import { setLanguage } from "../../static/js/i18n/index.js";
import { carriedFrom } from "../../static/js/views/patient.js";
import { carriedText } from "../../static/js/views/handoff/parts.js";

const SIGNED_AT = new Date(2026, 10, 23, 7, 2).toISOString(); // 7:02 on the tablet's clock
const NOW = new Date(2026, 10, 23, 12, 0);
const DATA = {
  action_list: [
    { task: "Recheck lactate", done: false },
    { task: " Call family " },
    { task: "Blood cultures", done: true },
    { task: "", done: false },
  ],
  situation_awareness: [
    { if: "SBP < 90", then: "Bolus" },
    { if: "", then: "" },
  ],
  receiver: { name: "Dr. Night" },
};

test("a signed source: who, when, the titles carried and the count left behind", () => {
  const carried = carriedFrom({ data: DATA, at: "x", signedBy: "Dana Cruz, RN", signedAt: SIGNED_AT });
  assert.deepEqual(carried, {
    signedBy: "Dana Cruz, RN",
    at: SIGNED_AT,
    open: ["Recheck lactate", "Call family"],
    contingencies: ["SBP < 90"],
    done: 1,
  });
  assert.equal(JSON.stringify(carried).includes("Dr. Night"), false);
});

test("an unsigned source keeps when it was saved and no signer; a plan with no 'if' goes by its 'then'", () => {
  const carried = carriedFrom({ data: { situation_awareness: [{ then: "Call rapid response" }] }, at: SIGNED_AT });
  assert.equal(carried.signedBy, null);
  assert.equal(carried.at, SIGNED_AT);
  assert.deepEqual(carried.contingencies, ["Call rapid response"]);
  assert.deepEqual([carried.open, carried.done], [[], 0]);
});

test("the note reads as whole sentences, in English and Spanish", () => {
  const carried = {
    signedBy: "Dana Cruz, RN",
    at: SIGNED_AT,
    open: ["a", "b"],
    contingencies: ["c"],
    done: 1,
  };
  try {
    setLanguage("en", { storage: null });
    const en = carriedText(carried, NOW);
    assert.match(
      en.source,
      /^Carried from the I-PASS signed by Dana Cruz, RN, today at 7:02\sAM: 2 open action items, 1 contingency plan\.$/,
    );
    assert.equal(en.left, "1 done item left behind.");
    assert.equal(carriedText({ ...carried, done: 0 }, NOW).left, "");
    const draft = carriedText({ ...carried, signedBy: null, open: ["a"], contingencies: [] }, NOW).source;
    assert.match(draft, /^Carried from the I-PASS draft saved today at 7:02\sAM, not signed yet: 1 open action item,/);

    setLanguage("es", { storage: null });
    const es = carriedText({ ...carried, done: 2 }, NOW);
    assert.match(es.source, /^Traído del I-PASS firmado por Dana Cruz, RN, hoy a las 7:02: 2 tareas pendientes, /);
    assert.equal(es.left, "2 tareas hechas se quedaron atrás.");
  } finally {
    setLanguage("en", { storage: null });
  }
});

test("another day gives the date with the time", () => {
  const text = carriedText(
    { signedBy: "gia", at: SIGNED_AT, open: [], contingencies: [], done: 0 },
    new Date(2026, 10, 25),
  );
  assert.match(text.source, /signed by gia, Nov 23, 2026, 7:02\sAM: 0 open action items, 0 contingency plans\.$/);
});
