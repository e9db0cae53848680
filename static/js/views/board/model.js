// The unit board's logic, without DOM, IndexedDB or words: what each row shows, which handoffs a
// take-over acknowledges, and which patient a refusal names. The clock is always passed in.

export const SEVERITIES = ["unstable", "watcher", "stable"];

/** "unstable" | "watcher" | "stable" | "none". */
export function severityOf(row) {
  const value = row?.illness_severity ?? row?.handoff?.data?.illness_severity;
  return SEVERITIES.includes(value) ? value : "none";
}

/** "none" (no I-PASS yet) | "draft" | "signed" (waiting for a receiver) | "received". */
export function statusOf(row) {
  const h = row?.handoff;
  if (!h) return "none";
  if (h.status !== "final") return "draft";
  return row.acknowledged ? "received" : "signed";
}

/** A due value as a Date ("2026-11-23T22:00" is the hospital's local time), or null. */
export function dueDate(due) {
  if (!due || typeof due !== "string") return null;
  const d = new Date(due);
  return Number.isNaN(+d) ? null : d;
}

/** The open (not done) action items, each {task, owner, due, dueAt, overdue}, the soonest due first. */
export function openActions(actions, now) {
  const list = (Array.isArray(actions) ? actions : [])
    .filter((a) => a && a.done !== true && (a.task || "").trim())
    .map((a, index) => {
      const dueAt = dueDate(a.due);
      return { task: a.task, owner: a.owner || "", due: a.due || "", dueAt, overdue: !!dueAt && dueAt < now, index };
    });
  const at = (a) => (a.dueAt ? +a.dueAt : Infinity);
  return list.sort((a, b) => at(a) - at(b) || a.index - b.index);
}

/** What one board row shows. */
export function rowView(row, now) {
  const h = row?.handoff || null;
  const data = h?.data || {};
  const actions = openActions(data.action_list, now);
  const p = row?.patient || {};
  return {
    patientId: p.id,
    handoffId: h?.id ?? null,
    revision: h?.revision ?? null,
    bed: p.bed || "",
    name: p.family_name || p.given_name ? `${p.family_name || ""}, ${p.given_name || ""}` : "",
    mrn: p.mrn || "",
    severity: severityOf(row),
    status: statusOf(row),
    oneLiner: (data.patient_summary?.one_liner || "").trim(),
    actions,
    overdue: actions.filter((a) => a.overdue).length,
    contingencies: (Array.isArray(data.situation_awareness) ? data.situation_awareness : []).filter(
      (s) => s && ((s.if || "").trim() || (s.then || "").trim()),
    ).length,
  };
}

/** Whether `username` signed the row's current I-PASS (the server refuses a receipt from its signer). */
export const signedBy = (row, username) =>
  !!username && statusOf(row) === "signed" && row.handoff.finalized_by === username;

/**
 * Board rows a take-over acknowledges: signed, not yet received, in board order; with `username`,
 * without the ones that receiver signed herself (see `ownRows`).
 */
export const takeoverRows = (rows, username) =>
  (rows || []).filter((r) => statusOf(r) === "signed" && !signedBy(r, username));

/** Signed rows waiting for a receiver that `username` signed herself: another clinician must take them. */
export const ownRows = (rows, username) => (rows || []).filter((r) => signedBy(r, username));

/**
 * What a list of patients says of a patient's latest handoff (the API's `latest_handoff`): its
 * checklist key, status "draft" | "final" (signed; a discharge) | "signed" (an I-PASS waiting for a
 * receiver) | "received", and, for an I-PASS, its severity (`none` when not set). null: no handoff.
 */
export function latestView(latest) {
  if (!latest || latest.id == null) return null;
  const ipass = latest.checklist === "ipass";
  let status = "draft";
  if (latest.status === "final") status = !ipass ? "final" : latest.acknowledged ? "received" : "signed";
  const severity = ipass ? (SEVERITIES.includes(latest.illness_severity) ? latest.illness_severity : "none") : null;
  return { handoffId: latest.id, checklist: latest.checklist, status, severity };
}

/**
 * The POST /board/acknowledge items for the take-over rows. `answers` maps a handoff id to
 * {synthesis, readBack}; `readBackText` is the sentence sent for "Read back, no changes" with
 * nothing typed. → {items, rows (the row of each item, same index), missing (rows with no answer)}.
 */
export function takeoverItems(rows, answers, readBackText) {
  const items = [];
  const itemRows = [];
  const missing = [];
  for (const row of takeoverRows(rows)) {
    const answer = answers?.get ? answers.get(row.handoff.id) : answers?.[row.handoff.id];
    const typed = (answer?.synthesis || "").trim();
    const synthesis = typed || (answer?.readBack ? readBackText : "");
    if (!synthesis) {
      missing.push(row);
      continue;
    }
    items.push({ handoff_id: row.handoff.id, revision: row.handoff.revision, synthesis });
    itemRows.push(row);
  }
  return { items, rows: itemRows, missing };
}

/**
 * Which item a refusal names: the index from `errors[].path` ("items.1.revision"), else from the
 * message ("Item 1 (handoff 7): ..."). → {index, row, handoffId, messages} or null.
 */
export function refusedItem(body, itemRows) {
  let index = null;
  const messages = [];
  for (const e of body?.errors || []) {
    const m = /^items\.(\d+)(?:\.|$)/.exec(e?.path || "");
    if (m && index === null) index = +m[1];
    if (m && +m[1] === index && e.message) messages.push(e.message);
  }
  if (index === null) {
    const m = /\bItem (\d+)\b/.exec(body?.message || "");
    if (m) index = +m[1];
  }
  if (index === null || !itemRows?.[index]) return null;
  const row = itemRows[index];
  return { index, row, handoffId: row.handoff?.id ?? null, messages };
}

/** How old a saved copy is: {unit: "now"|"minutes"|"hours"|"days", count}. */
export function age(savedAt, now) {
  const minutes = Math.max(0, Math.floor((+now - +new Date(savedAt)) / 60000));
  if (minutes < 1) return { unit: "now", count: 0 };
  if (minutes < 60) return { unit: "minutes", count: minutes };
  if (minutes < 48 * 60) return { unit: "hours", count: Math.floor(minutes / 60) };
  return { unit: "days", count: Math.floor(minutes / 1440) };
}

/** The remembered units with `unit` first (trimmed, no duplicates ignoring case, at most 20). */
export function rememberUnit(units, unit) {
  const u = (unit || "").trim();
  const rest = (units || []).filter((x) => x && x.toLowerCase() !== u.toLowerCase());
  return (u ? [u, ...rest] : rest).slice(0, 20);
}
