// The patients I am working with: drafts on this tablet and recently opened first, then the server's list; search.
import { el, clear, debounce } from "../dom.js";
import { t } from "../i18n/index.js";
import {
  cached,
  checklist,
  checklistName,
  patientById,
  patientName,
  placeText,
  heading,
  problem,
  isOffline,
  statusBadge,
} from "./common.js";
import { latestView } from "./board/model.js";
import { severityChip, statusChip } from "./board/parts.js";

let prefetched = false;

/** Keep every checklist definition on the tablet, so handoffs can be started offline. */
async function prefetchChecklists(ctx) {
  if (prefetched) return;
  try {
    const list = await ctx.api.get("/checklists");
    await Promise.all(list.map((c) => checklist(ctx, c.key)));
    prefetched = true;
  } catch {
    /* offline: try again next time */
  }
}

/** The latest handoff in words: its kind, an I-PASS's severity (word and symbol), its status. */
function latestLine(v) {
  return el(
    "span",
    {
      class: "board-chips patient-latest",
      data: { checklist: v.checklist, status: v.status, severity: v.severity ?? "" },
    },
    el("span", { class: "muted small" }, t("patients.latest", { kind: checklistName({ key: v.checklist }) })),
    v.severity ? severityChip(v.severity) : null,
    statusChip(v.status),
  );
}

export async function render(container, ctx) {
  prefetchChecklists(ctx);
  const search = el("input", {
    type: "search",
    id: "patient-search",
    name: "q",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "patient-search-help",
  });
  const status = el("p", { class: "list-status", role: "status" });
  const list = el("ul", { class: "list patient-list", "aria-label": t("patients.title") });
  clear(
    container,
    el(
      "div",
      { class: "screen" },
      el(
        "div",
        { class: "page-header" },
        heading(t("patients.title")),
        el("a", { class: "btn btn-primary", id: "add-patient", href: "#/patients/new" }, t("patients.add")),
      ),
      el(
        "div",
        { class: "field patient-search" },
        el("label", { for: "patient-search" }, t("patients.find")),
        el("p", { class: "hint", id: "patient-search-help" }, t("patients.findHint")),
        search,
      ),
      status,
      list,
    ),
  );

  const [drafts, recent] = await Promise.all([
    ctx.store.listDrafts().catch(() => []),
    ctx.store.cacheGet("recent-patients").catch(() => null),
  ]);
  const open = new Map(); // patient id -> open drafts on this tablet
  const pidOf = (d) => (d.patientId != null ? +d.patientId : d.patientLocalId);
  for (const d of drafts) if (d.status !== "final") open.set(pidOf(d), (open.get(pidOf(d)) || 0) + 1);
  // Patients added offline, not on the server yet: they come first, under their local id.
  const waiting = (ctx.sync.pendingPatients?.() || []).map((p) => ({ ...p, id: p.localId, pending: true }));
  const draftFirst = [...new Set(drafts.map(pidOf))]; // newest draft first
  const known = new Map((recent || []).map((p) => [p.id, p]));
  for (const id of draftFirst) {
    if (!known.has(id)) {
      const p = await ctx.store.cacheGet(`patient:${id}`).catch(() => null);
      if (p) known.set(id, p);
    }
  }

  const row = (p) => {
    const n = open.get(p.id) || 0;
    const latest = latestView(p.latest_handoff);
    return el(
      "li",
      {},
      el(
        "a",
        { class: "list-row patient-row", href: `#/patients/${p.id}`, data: { patientId: p.id } },
        el(
          "span",
          { class: "row-main" },
          el("strong", { class: "name" }, patientName(p)),
          placeText(p) ? el("span", { class: "patient-place" }, placeText(p)) : null,
        ),
        el(
          "span",
          { class: "patient-side" },
          el(
            "span",
            { class: "row-meta" },
            el("span", {}, t("patients.mrn", { mrn: p.mrn })),
            el("span", {}, t("patients.born", { date: p.birth_date })),
            p.pending ? statusBadge("local") : null,
            n ? el("span", { class: "badge drafts" }, t("patients.openDrafts", { count: n })) : null,
          ),
          latest ? latestLine(latest) : null,
        ),
      ),
    );
  };

  // The server's copy of a patient is the fresher one (it carries the latest handoff); a patient
  // only on this tablet (opened earlier, or offline) keeps the copy the tablet has.
  const fresher = (server) => {
    const byId = new Map(server.map((p) => [p.id, p]));
    return (p) => byId.get(p.id) || p;
  };

  let seq = 0;
  async function show(q) {
    const mine = ++seq;
    const needle = q.trim().toLowerCase();
    const matches = (p) =>
      !needle ||
      `${p.given_name} ${p.family_name} ${p.family_name}, ${p.given_name} ${p.mrn}`.toLowerCase().includes(needle);
    let server = [];
    let note = "";
    status.setAttribute("aria-busy", "true");
    try {
      const res = await cached(
        ctx,
        `patients:${needle}`,
        `/patients${needle ? `?q=${encodeURIComponent(q.trim())}` : ""}`,
      );
      server = res.value;
      if (res.offline) note = t("patients.offlineList");
    } catch (e) {
      note = isOffline(e) ? t("patients.offlineOnlyLocal") : problem(e);
    }
    if (mine !== seq) return;
    // Patients with drafts here come first even when this tablet never cached them (e.g. added offline).
    for (const p of server) if (!known.has(p.id)) known.set(p.id, p);
    for (const id of draftFirst.filter((x) => typeof x === "number" && !known.has(x)).slice(0, 10)) {
      const p = await patientById(ctx, id).catch(() => null);
      if (p) known.set(id, p);
    }
    if (mine !== seq) return;
    const local = [...waiting, ...draftFirst.map((id) => known.get(id)).filter(Boolean), ...(recent || [])]
      .filter(matches)
      .map(fresher(server));
    const seen = new Set();
    const all = [...local, ...server].filter((p) => !seen.has(p.id) && seen.add(p.id));
    clear(list, all.map(row));
    status.removeAttribute("aria-busy");
    clear(status, all.length ? "" : needle ? t("patients.noMatch") : t("patients.none"), note ? ` ${note}` : "");
  }

  const later = debounce(() => show(search.value), 250);
  search.addEventListener("input", later);
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      later.cancel();
      show(search.value);
    }
  });
  await show("");
}
