// What the board and the take-over share: severity and status in words (and colour), the hash.
import { el } from "../../dom.js";
import { t } from "../../i18n/index.js";

const SEVERITY_WORDS = {
  unstable: "severity.unstable",
  watcher: "severity.watcher",
  stable: "severity.stable",
  none: "board.severityNone",
};
const STATUS_WORDS = {
  none: "board.statusNone",
  draft: "board.statusDraft",
  signed: "board.statusSigned",
  received: "board.statusReceived",
  final: "status.signed", // a signed handoff that is not an I-PASS (nothing to receive on the board)
};
const STATUS_CLASS = { none: "info", draft: "draft", signed: "waiting", received: "final", final: "final" };
export const severityChip = (severity) =>
  el("span", { class: `severity severity-${severity}`, data: { severity } }, t(SEVERITY_WORDS[severity]));

export const statusChip = (status) =>
  el("span", { class: `status-chip status-${STATUS_CLASS[status]}`, data: { status } }, t(STATUS_WORDS[status]));

export const boardHash = (unit, mode) =>
  `#/board?unit=${encodeURIComponent(unit)}${mode ? `&mode=${encodeURIComponent(mode)}` : ""}`;
