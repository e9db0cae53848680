// The unit board: one row per patient, sickest first (the server's order); it opens offline from
// the copy this tablet last saw. `?mode=takeover` is the receiver taking the whole unit over.
import { el, clear } from "../dom.js";
import { t } from "../i18n/index.js";
import { checklist, dueTime, heading, isOffline, problem } from "./common.js";
import { age, ownRows, rememberUnit, rowView, takeoverRows } from "./board/model.js";
import { renderTakeover } from "./board/takeover.js";
import { boardHash, severityChip, statusChip } from "./board/parts.js";

const AGE_WORDS = {
  now: "board.savedJustNow",
  minutes: "board.savedMinutesAgo",
  hours: "board.savedHoursAgo",
  days: "board.savedDaysAgo",
};

/** The units this tablet has seen: the board's own list, then units of recently opened patients. */
async function knownUnits(ctx) {
  const units = (await ctx.store.cacheGet("board-units").catch(() => null)) || [];
  const recent = (await ctx.store.cacheGet("recent-patients").catch(() => null)) || [];
  const seen = new Set(units.map((u) => u.toLowerCase()));
  const more = recent.map((p) => (p?.unit || "").trim()).filter((u) => u && !seen.has(u.toLowerCase()));
  return [...units, ...new Set(more)];
}

/** The board for a unit, from the server (kept on the tablet) or, offline, the kept copy. */
export async function loadBoard(ctx, unit) {
  const key = `board:${unit}`;
  try {
    const rows = await ctx.api.get(`/board?unit=${encodeURIComponent(unit)}`);
    const copy = { savedAt: new Date().toISOString(), rows };
    await ctx.store.cachePut(key, copy).catch(() => {});
    return { ...copy, offline: false };
  } catch (e) {
    if (!isOffline(e)) throw e;
    const copy = await ctx.store.cacheGet(key).catch(() => null);
    if (!copy) throw e;
    return { ...copy, offline: true };
  }
}

/**
 * So that a row opens offline: keep each patient and (when the tablet's copy is missing or older
 * than the board's revision) the handoff as the handoff screen keeps it, with its ETag. Quietly, in
 * the background; the board never waits for it.
 */
export async function keepForOffline(ctx, rows, signal) {
  const versions = new Set();
  for (const row of rows) {
    if (signal?.aborted) return;
    const p = row.patient;
    const h = row.handoff;
    if (p?.id != null && !(await ctx.store.cacheGet(`patient:${p.id}`).catch(() => null))) {
      await ctx.store.cachePut(`patient:${p.id}`, p).catch(() => {});
    }
    if (!h?.id) continue;
    if (h.checklist?.key) versions.add(`${h.checklist.key}:${h.checklist.version ?? ""}`);
    const kept = await ctx.store.cacheGet(`handoff:${h.id}`).catch(() => null);
    if (kept && kept.revision === h.revision && kept.status === h.status && kept.etag) continue;
    try {
      const res = await ctx.api.send("GET", `/handoffs/${h.id}`);
      if (res.ok) await ctx.store.cachePut(`handoff:${h.id}`, { ...res.body, etag: res.etag }).catch(() => {});
    } catch {
      return; // offline again: try next time
    }
  }
  for (const v of versions) {
    const [key, version] = v.split(":");
    await checklist(ctx, key, version ? Number(version) : undefined).catch(() => null);
  }
}

export const savedAgo = (savedAt, now = new Date()) => {
  const a = age(savedAt, now);
  return t(AGE_WORDS[a.unit], { count: a.count });
};

function dueText(a, now) {
  if (!a.dueAt) return "";
  const time = dueTime(a.dueAt, now).text;
  return a.overdue ? t("board.overdueSince", { time }) : t("board.dueAt", { time });
}

function boardRow(row, now) {
  const v = rowView(row, now);
  const href = v.handoffId ? `#/handoffs/${v.handoffId}` : `#/patients/${v.patientId}`;
  return el(
    "li",
    {},
    el(
      "a",
      {
        class: `board-row severity-edge-${v.severity}`,
        href,
        data: { patientId: v.patientId, handoffId: v.handoffId ?? "", status: v.status, severity: v.severity },
      },
      el(
        "span",
        { class: "board-who" },
        el("span", { class: "board-bed" }, v.bed ? t("board.bed", { bed: v.bed }) : t("board.noBed")),
        el("strong", { class: "board-name" }, v.name),
        el("span", { class: "muted small" }, t("board.mrn", { mrn: v.mrn })),
      ),
      el(
        "span",
        { class: "board-body" },
        el("span", { class: "board-chips" }, severityChip(v.severity), statusChip(v.status)),
        v.oneLiner ? el("span", { class: "board-oneliner" }, v.oneLiner) : null,
        v.actions.length
          ? el(
              "ul",
              { class: "board-actions", "aria-label": t("board.openActions", { count: v.actions.length }) },
              v.actions.map((a) =>
                el(
                  "li",
                  { class: a.overdue ? "overdue" : null, data: { overdue: a.overdue ? "true" : "false" } },
                  el("span", { class: "board-task" }, a.task),
                  a.dueAt ? el("span", { class: "board-due" }, dueText(a, now)) : null,
                  a.owner ? el("span", { class: "muted small" }, a.owner) : null,
                ),
              ),
            )
          : null,
        el(
          "span",
          { class: "row-meta" },
          el("span", {}, t("board.openActions", { count: v.actions.length })),
          v.overdue ? el("span", { class: "board-overdue" }, t("board.overdueCount", { count: v.overdue })) : null,
          el("span", {}, t("board.contingencies", { count: v.contingencies })),
        ),
      ),
    ),
  );
}

export async function render(container, ctx, params) {
  const units = await knownUnits(ctx);
  const unit = (params.query?.get("unit") || units[0] || "").trim();
  const mode = params.query?.get("mode");

  const input = el("input", {
    id: "board-unit",
    name: "unit",
    type: "text",
    value: unit,
    list: "board-units",
    autocomplete: "off",
    maxlength: 64,
    required: true,
  });
  const picker = el(
    "form",
    {
      class: "board-picker",
      onsubmit: (e) => {
        e.preventDefault();
        const chosen = input.value.trim();
        if (chosen) ctx.navigate(boardHash(chosen));
        else input.focus();
      },
    },
    el(
      "div",
      { class: "field" },
      el("label", { for: "board-unit" }, t("board.unit")),
      input,
      el(
        "datalist",
        { id: "board-units" },
        units.map((u) => el("option", { value: u })),
      ),
    ),
    el("button", { type: "submit", class: "btn", id: "board-show" }, t("board.show")),
  );

  // The unit picker with one line under it (no unit yet, or the board could not be read).
  const only = (line) => clear(container, el("div", { class: "screen" }, heading(t("board.title")), picker, line));

  if (!unit) {
    only(el("p", { class: "hint" }, t("board.pickUnit")));
    return;
  }

  let board;
  try {
    board = await loadBoard(ctx, unit);
  } catch (e) {
    only(el("p", { class: "note note-error", role: "alert" }, problem(e)));
    return;
  }
  ctx.store.cachePut("board-units", rememberUnit(units, unit)).catch(() => {});
  if (!board.offline) {
    keepForOffline(ctx, board.rows, ctx.signal)
      .catch(() => {})
      .then(() => (container.dataset.keptOffline = "true"));
  }

  if (mode === "takeover") {
    await renderTakeover(container, ctx, { unit, board });
    return;
  }

  const now = new Date();
  const waiting = takeoverRows(board.rows, ctx.user?.username).length;
  const mine = ownRows(board.rows, ctx.user?.username).length;
  clear(
    container,
    el(
      "div",
      { class: "screen board" },
      el(
        "div",
        { class: "page-header" },
        heading(t("board.titleUnit", { unit })),
        el(
          "div",
          { class: "actions" },
          waiting
            ? el(
                "a",
                { class: "btn btn-primary", id: "board-takeover", href: boardHash(unit, "takeover") },
                t("board.takeOver", { count: waiting }),
              )
            : null,
          board.offline
            ? null
            : el(
                "a",
                {
                  class: "btn",
                  id: "board-pdf",
                  href: `/api/v1/board.pdf?unit=${encodeURIComponent(unit)}`,
                  target: "_blank",
                  rel: "noopener",
                },
                t("board.printable"),
              ),
        ),
      ),
      picker,
      el(
        "p",
        { class: `list-status${board.offline ? " board-age" : ""}`, id: "board-status", role: "status" },
        board.offline
          ? `${t("board.offline")} ${savedAgo(board.savedAt, now)}`
          : t("board.count", { count: board.rows.length }),
      ),
      board.rows.length
        ? el(
            "ul",
            { class: "list board-list", "aria-label": t("board.listLabel", { unit }) },
            board.rows.map((r) => boardRow(r, now)),
          )
        : el("p", { class: "muted empty" }, t("board.empty", { unit })),
      !waiting && board.rows.length
        ? el("p", { class: "hint" }, mine ? t("board.ownOnly", { count: mine }) : t("board.nothingToTakeOver"))
        : null,
    ),
  );
}
