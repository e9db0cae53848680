// Pieces both handoff views draw: the header (title, status, revision) and the links onward.
import { el } from "../../dom.js";
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
