// Pieces the handoff views draw: the header (title, status, revision), the links onward, and the
// note on a draft made by carrying an I-PASS forward.
import { button, el } from "../../dom.js";
import { datetimeText } from "../../form/readonly.js";
import { t } from "../../i18n/index.js";
import { checklistName, heading, patientName, statusBadge } from "../common.js";

export function badge(x) {
  return statusBadge(x.status === "final" && !x.reason ? "final" : x.handoffId ? "draft" : "local");
}

export function head(screen, x) {
  const { def, patient } = screen;
  const checklist = checklistName(x.checklist || def);
  return el(
    "div",
    { class: "page-header" },
    heading(patient ? t("handoff.titleWithPatient", { checklist, patient: patientName(patient) }) : checklist),
    el("span", { id: "handoff-status" }, badge(x)),
    el("span", { class: "meta", id: "handoff-revision" }, revisionText(x.revision)),
  );
}

export function revisionText(revision) {
  return revision ? t("common.revision", { number: revision }) : "";
}

export function links(id) {
  if (!id) return null;
  return el(
    "nav",
    { class: "links", "aria-label": t("handoff.linksLabel") },
    el("a", { class: "btn", id: "history-link", href: `#/handoffs/${id}/history` }, t("handoff.history")),
    el("a", { class: "btn", id: "documents-link", href: `#/handoffs/${id}/documents` }, t("handoff.documents")),
  );
}

/**
 * The carry-forward note's two sentences for `carried` (patient.js `carriedFrom`): where it came
 * from with what it brought, and what it left behind ("" when nothing was).
 */
export function carriedText(carried, now = new Date()) {
  const at = carried.at ? datetimeText(carried.at, now) : "";
  const counts = {
    open: t("patient.carryOpen", { count: carried.open?.length || 0 }),
    plans: t("patient.carryContingencies", { count: carried.contingencies?.length || 0 }),
  };
  return {
    source: carried.signedBy
      ? t("handoff.carriedSigned", { name: carried.signedBy, when: at, ...counts })
      : t("handoff.carriedDraft", { when: at, ...counts }),
    left: carried.done ? t("handoff.carriedLeft", { count: carried.done }) : "",
  };
}

/** The note itself, at the top of the edit view, until the nurse dismisses it (`onDismiss`). */
export function carriedNote(carried, onDismiss) {
  const { source, left } = carriedText(carried);
  const titles = [
    ...(carried.open || []).map((task) => el("li", { data: { carried: "open" } }, task)),
    ...(carried.contingencies || []).map((plan) =>
      el("li", { data: { carried: "contingency" } }, t("handoff.carriedPlan", { plan })),
    ),
  ];
  return el(
    "section",
    { class: "note carried-note", id: "carried-note", role: "region", "aria-label": t("handoff.carriedLabel") },
    el(
      "div",
      { class: "carried-text" },
      el("p", { id: "carried-summary" }, source, left ? [" ", left] : null),
      titles.length ? el("details", {}, el("summary", {}, t("handoff.carriedShow")), el("ul", {}, titles)) : null,
    ),
    button({ class: "btn btn-quiet", id: "carried-dismiss", onclick: onDismiss }, t("handoff.carriedDismiss")),
  );
}
