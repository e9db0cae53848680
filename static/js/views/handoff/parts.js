// Pieces both handoff views draw: the header (title, status, revision) and the links onward.
import { h } from "../../form/dom.js";
import { checklistName, heading, patientName, statusBadge } from "../common.js";

export function badge(x, t) {
  return statusBadge(x.status === "final" && !x.reason ? "final" : x.handoffId ? "draft" : "local", t);
}

export function head(screen, x) {
  const { t } = screen.ctx;
  const { def, patient } = screen;
  return h("div", { class: "page-header" },
    heading(`${checklistName(x.checklist || def, t)}${patient ? ` · ${patientName(patient)}` : ""}`),
    h("span", { id: "handoff-status" }, badge(x, t)),
    h("span", { class: "meta", id: "handoff-revision" }, x.revision ? `${t("Revision")} ${x.revision}` : ""));
}

export function links(id, t) {
  if (!id) return null;
  return h("nav", { class: "links", "aria-label": t("This handoff") },
    h("a", { class: "btn", id: "history-link", href: `#/handoffs/${id}/history` }, t("History")),
    h("a", { class: "btn", id: "documents-link", href: `#/handoffs/${id}/documents` }, t("Documents")));
}
