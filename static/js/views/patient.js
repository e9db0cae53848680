// One patient: their handoffs (server's, and drafts on this tablet not sent yet); start or carry forward one.
import { el, clear } from "../dom.js";
import { t } from "../i18n/index.js";
import {
  cached,
  checklist,
  patientById,
  rememberPatient,
  patientName,
  placeText,
  heading,
  when,
  statusBadge,
  checklistName,
  errorBox,
  problem,
  isOffline,
} from "./common.js";

const isDone = (a) => !!a && a.done === true;

/** Carry forward: the last I-PASS's data minus who received it and the actions already done. */
export function carryForward(data) {
  const copy = structuredClone(data || {});
  delete copy.receiver;
  if (Array.isArray(copy.action_list)) {
    copy.action_list = copy.action_list.filter((a) => !isDone(a));
    if (!copy.action_list.length) delete copy.action_list;
  }
  return copy;
}

/**
 * What carrying `data` forward brings and leaves behind: {open: [tasks carried], contingencies:
 * [{if, then} carried], done: [tasks left behind]} (entries with nothing typed are not counted).
 */
export function carrySummary(data) {
  const actions = (Array.isArray(data?.action_list) ? data.action_list : []).filter(
    (a) => a && typeof a === "object" && (a.task || "").trim(),
  );
  const plans = Array.isArray(data?.situation_awareness) ? data.situation_awareness : [];
  return {
    open: actions.filter((a) => !isDone(a)).map((a) => a.task.trim()),
    done: actions.filter(isDone).map((a) => a.task.trim()),
    contingencies: plans.filter((c) => c && ((c.if || "").trim() || (c.then || "").trim())),
  };
}

/**
 * What the new draft keeps on this tablet about where it came from (never sent: the server gets
 * only the draft's `data`). `source`: {data, at, signedBy?, signedAt?}, the I-PASS carried forward.
 * → {signedBy (null for an unsigned draft), at, open: [tasks], contingencies: [ifs], done: count}.
 */
export function carriedFrom(source) {
  const got = carrySummary(source.data);
  return {
    signedBy: source.signedBy || null,
    at: (source.signedBy ? source.signedAt : source.at) || null,
    open: got.open,
    contingencies: got.contingencies.map((c) => (c.if || "").trim() || (c.then || "").trim()),
    done: got.done.length,
  };
}

export async function render(container, ctx, params) {
  // A patient added offline has a local id ("patient-…") until the server has them.
  const localPid = String(params.id).startsWith("patient-") ? String(params.id) : null;
  if (localPid) {
    const real = await ctx.sync.patientIdFor?.(localPid);
    if (real != null) return ctx.navigate(`#/patients/${real}`);
  }
  const pid = localPid ? null : +params.id;
  let patient;
  try {
    patient = localPid
      ? (ctx.sync.pendingPatients?.() || []).find((p) => p.localId === localPid)
      : await patientById(ctx, pid);
  } catch (e) {
    clear(container, el("div", { class: "screen" }, heading(t("patient.title")), errorBox(e)));
    return;
  }
  if (!patient) {
    clear(
      container,
      el(
        "div",
        { class: "screen" },
        heading(t("patient.title")),
        el("p", { class: "note note-error", role: "alert" }, t("patient.notHere")),
      ),
    );
    return;
  }
  if (!localPid) rememberPatient(ctx, patient);

  const note = el("p", { class: "list-status", role: "status" });
  const list = el("ul", { class: "list handoff-list", "aria-label": t("patient.handoffs") });
  const btn = (id, text, onclick, cls = "btn") => el("button", { type: "button", id, class: cls, onclick }, text);
  const preview = el("section", { class: "panel carry-preview", id: "carry-preview", hidden: true });
  const carry = btn("carry-forward", t("patient.carryForward"), () => showCarry());
  carry.disabled = true; // until the handoffs are read: before that there is nothing to show (a quick tap did nothing)
  const carryHelp = el("p", { class: "muted small", id: "carry-forward-help" }, t("patient.carryForwardHelp"));
  carry.setAttribute("aria-describedby", "carry-forward-help");
  clear(
    container,
    el(
      "div",
      { class: "screen" },
      el("div", { class: "page-header" }, heading(patientName(patient)), localPid ? statusBadge("local") : null),
      el(
        "p",
        { class: "meta" },
        el("span", {}, t("patients.mrn", { mrn: patient.mrn })),
        el("span", {}, t("patients.born", { date: patient.birth_date })),
        placeText(patient) ? el("span", { class: "patient-place" }, placeText(patient)) : null,
        el(
          "span",
          {},
          t("patient.language", { language: patient.preferred_language === "es" ? "Español" : "English" }),
        ),
      ),
      el(
        "div",
        { class: "button-row" },
        btn("start-discharge", t("patient.startDischarge"), () => begin("discharge"), "btn btn-primary"),
        btn("start-ipass", t("patient.startIpass"), () => begin("ipass"), "btn btn-primary"),
        carry,
      ),
      carryHelp,
      preview,
      el("h2", {}, t("patient.handoffs")),
      note,
      list,
    ),
  );

  const drafts = (await ctx.store.listDrafts().catch(() => [])).filter((d) =>
    localPid ? d.patientLocalId === localPid && d.patientId == null : +d.patientId === pid,
  );
  const byHandoff = new Map(drafts.filter((d) => d.handoffId).map((d) => [+d.handoffId, d]));
  let handoffs = [];
  if (localPid) note.textContent = t("patient.notOnServer");
  else
    try {
      const res = await cached(ctx, `handoffs:patient:${pid}`, `/handoffs?patient_id=${pid}&per_page=200`);
      handoffs = res.value;
      if (res.offline) note.textContent = t("common.offlineList");
    } catch (e) {
      note.textContent = isOffline(e) ? t("patient.offlineOnlyDrafts") : problem(e);
    }

  const local = drafts.filter((d) => !d.handoffId);
  const row = (className, href, data, main, meta) =>
    el(
      "li",
      {},
      el(
        "a",
        { class: `list-row ${className}`, href, data },
        el("span", { class: "row-main" }, ...main),
        el("span", { class: "row-meta" }, ...meta.map((text) => el("span", {}, text))),
      ),
    );
  const rows = [
    ...local.map((d) =>
      row(
        "handoff-row local",
        `#/drafts/${d.localId}`,
        { localId: d.localId },
        [el("strong", {}, checklistName(d.checklist)), " ", statusBadge("local")],
        [t("patient.edited", { when: when(d.updatedAt) })],
      ),
    ),
    ...handoffs.map((x) =>
      row(
        "handoff-row",
        `#/handoffs/${x.id}`,
        { handoffId: x.id },
        [
          el("strong", {}, checklistName(x.checklist)),
          " ",
          statusBadge(x.status),
          byHandoff.has(x.id) && byHandoff.get(x.id).status !== "final"
            ? el("span", { class: "badge" }, t("patient.draftHere"))
            : null,
        ],
        [
          t("common.revision", { number: x.revision }),
          x.updated_by
            ? t("patient.updatedBy", { when: when(x.updated_at), name: x.updated_by })
            : t("patient.updated", { when: when(x.updated_at) }),
        ],
      ),
    ),
  ];
  clear(list, rows.length ? rows : el("li", { class: "muted empty" }, t("patient.noHandoffs")));

  // The newest I-PASS, on the server or on this tablet (the tablet's copy wins when newer).
  const ipass = [
    ...handoffs
      .filter((x) => x.checklist?.key === "ipass")
      .map((x) => {
        const d = byHandoff.get(x.id);
        return d && String(d.updatedAt) > String(x.updated_at)
          ? { data: d.data, at: d.updatedAt }
          : {
              data: x.data,
              at: x.updated_at,
              signedBy: x.status === "final" ? x.finalized_by : null,
              signedAt: x.finalized_at,
            };
      }),
    ...local.filter((d) => d.checklist?.key === "ipass").map((d) => ({ data: d.data, at: d.updatedAt })),
  ].sort((a, b) => String(b.at).localeCompare(String(a.at)))[0];
  carry.disabled = !ipass;
  if (!ipass) carryHelp.textContent = t("patient.nothingToCarry");

  // Before anything is copied the nurse sees what comes along and what stays behind.
  function showCarry() {
    const got = carrySummary(ipass.data);
    const tasks = (list) =>
      list.length
        ? el(
            "ul",
            {},
            list.map((x) => el("li", {}, x)),
          )
        : null;
    const start = btn("carry-start", t("patient.carryStart"), () => begin("ipass", true), "btn btn-primary");
    const cancel = btn("carry-cancel", t("patient.carryCancel"), () => {
      preview.hidden = true;
      carry.focus();
    });
    clear(
      preview,
      el("h2", { id: "carry-title", tabindex: "-1" }, t("patient.carryTitle")),
      el(
        "p",
        { id: "carry-source" },
        ipass.signedBy
          ? t("patient.carryFromSigned", { name: ipass.signedBy, when: when(ipass.signedAt) })
          : t("patient.carryFromDraft", { when: when(ipass.at) }),
      ),
      el(
        "ul",
        { class: "carry-counts" },
        el("li", { data: { carry: "open" } }, t("patient.carryOpen", { count: got.open.length }), tasks(got.open)),
        el(
          "li",
          { data: { carry: "contingencies" } },
          t("patient.carryContingencies", { count: got.contingencies.length }),
        ),
        el("li", { data: { carry: "done" } }, t("patient.carryDone", { count: got.done.length }), tasks(got.done)),
      ),
      el("p", { class: "hint" }, t("patient.carryRest")),
      el("div", { class: "button-row" }, start, cancel),
    );
    preview.hidden = false;
    preview.querySelector("#carry-title").focus();
  }

  async function begin(key, forward = false) {
    for (const b of container.querySelectorAll(".button-row button")) b.disabled = true;
    try {
      const def = await checklist(ctx, key);
      const data = forward ? carryForward(ipass.data) : {};
      const localId = ctx.store.newLocalId ? ctx.store.newLocalId() : crypto.randomUUID();
      await ctx.store.putDraft({
        localId,
        handoffId: null,
        patientId: pid,
        ...(localPid ? { patientLocalId: localPid } : {}),
        checklist: { key, version: def.version },
        data,
        etag: null,
        revision: null,
        status: "draft",
        updatedAt: new Date().toISOString(),
        label: `${checklistName({ key })} · ${patientName(patient)}`, // shown in the Unsent list
        ...(forward ? { carried: carriedFrom(ipass) } : {}), // the edit view's note; tablet only
      });
      if (forward) {
        ctx.sync.saveDraft(localId);
        ctx.toast(t("patient.carriedForward"));
      }
      ctx.navigate(`#/drafts/${localId}`);
    } catch (e) {
      ctx.toast(isOffline(e) ? t("patient.checklistNotHere") : problem(e));

      for (const b of container.querySelectorAll(".button-row button")) b.disabled = false;
      carry.disabled = !ipass;
    }
  }
}
