// One patient: their handoffs (server's, and drafts on this tablet not sent yet); start or carry forward one.
import { el, clear } from "../dom.js";
import { t } from "../i18n/index.js";
import {
  cached,
  checklist,
  patientById,
  rememberPatient,
  patientName,
  heading,
  when,
  statusBadge,
  checklistName,
  errorBox,
  problem,
  isOffline,
} from "./common.js";

/** Carry forward: the last I-PASS's data minus who received it and the actions already done. */
export function carryForward(data) {
  const copy = structuredClone(data || {});
  delete copy.receiver;
  if (Array.isArray(copy.action_list)) {
    copy.action_list = copy.action_list.filter((a) => !(a && a.done === true));
    if (!copy.action_list.length) delete copy.action_list;
  }
  return copy;
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
  const carry = btn("carry-forward", t("patient.carryForward"), () => begin("ipass", true));
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
          : { data: x.data, at: x.updated_at };
      }),
    ...local.filter((d) => d.checklist?.key === "ipass").map((d) => ({ data: d.data, at: d.updatedAt })),
  ].sort((a, b) => String(b.at).localeCompare(String(a.at)))[0];
  carry.disabled = !ipass;
  if (!ipass) carryHelp.textContent = t("patient.nothingToCarry");

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
