// "Take over this unit": the receiver reads each signed handoff (its I-PASS elements, read-only),
// says back a synthesis for each or ticks "Read back, no changes", and accepts the whole unit in
// one POST /board/acknowledge (all or nothing). What was typed stays while the screen is redrawn
// (a language switch) and after a refusal; it is kept in memory only, never on the tablet's disk.
import { el, clear } from "../../dom.js";
import { t } from "../../i18n/index.js";
import { renderReadOnly } from "../../form/readonly.js";
import { checklist, heading, IPASS_READ_KEYS, isOffline, patientName, problem } from "../common.js";
import { ownRows, refusedItem, rowView, statusOf, takeoverItems, takeoverRows } from "./model.js";
import { boardHash, severityChip, statusChip } from "./parts.js";

// {user id + unit} → Map(handoff id → {synthesis, readBack}); dropped once the unit is accepted.
const typed = new Map();

const who = (row) => {
  const name = patientName(row.patient);
  return row.patient?.bed ? t("board.bedAndName", { bed: row.patient.bed, name }) : name;
};

async function readOnly(ctx, h) {
  const def = await checklist(ctx, h.checklist?.key || "ipass", h.checklist?.version).catch(() => null);
  if (!def) return el("p", { class: "muted" }, h.data?.patient_summary?.one_liner || "");
  const brief = {
    ...def,
    sections: def.sections
      .map((s) => ({ ...s, fields: s.fields.filter((f) => IPASS_READ_KEYS.includes(f.key)) }))
      .filter((s) => s.fields.length),
  };
  return renderReadOnly(brief, h.data || {});
}

export async function renderTakeover(container, ctx, { unit, board }) {
  const memoKey = `${ctx.user?.id ?? ""}:${unit}`;
  if (!typed.has(memoKey)) typed.set(memoKey, new Map());
  const answers = typed.get(memoKey);
  // Leaving for another screen (or signing out) forgets what was typed; a redraw of this one keeps it.
  const here = location.hash;
  ctx.signal?.addEventListener("abort", () =>
    setTimeout(() => {
      if (location.hash !== here || !document.getElementById("nav-board")) typed.delete(memoKey);
    }, 0),
  );
  // The server refuses a receipt from the clinician who signed: say so before "accept", and leave
  // those out, so accepting the rest works.
  const me = ctx.user?.username;
  const rows = takeoverRows(board.rows, me);
  const own = ownRows(board.rows, me);
  const others = board.rows.filter((r) => statusOf(r) !== "signed");

  const progress = el("p", { class: "list-status", id: "takeover-progress", "aria-live": "polite" });
  const error = el("div", { class: "takeover-error", id: "takeover-error", role: "alert", tabindex: "-1" });
  const accept = el(
    "button",
    { type: "button", class: "btn btn-primary", id: "takeover-accept", disabled: !rows.length },
    t("board.acceptUnit", { count: rows.length, unit }),
  );
  const cards = new Map();

  const readBackText = () => t("board.readBackSynthesis");
  const showProgress = () => {
    const ready = takeoverItems(rows, answers, readBackText()).items.length;
    progress.textContent = t("board.readyCount", { ready, count: rows.length });
  };

  const sections = await Promise.all(
    rows.map(async (row, index) => {
      const h = row.handoff;
      const v = rowView(row, new Date());
      const answer = answers.get(h.id) || { synthesis: "", readBack: false };
      answers.set(h.id, answer);
      const box = el("textarea", {
        id: `takeover-synthesis-${h.id}`,
        class: "takeover-synthesis",
        rows: 3,
        maxlength: 4000,
        value: answer.synthesis,
        "aria-describedby": `takeover-help-${h.id}`,
        oninput: () => {
          answer.synthesis = box.value;
          box.removeAttribute("aria-invalid");
          showProgress();
        },
      });
      const tick = el("input", {
        type: "checkbox",
        id: `takeover-readback-${h.id}`,
        class: "takeover-readback",
        checked: answer.readBack,
        onchange: () => {
          answer.readBack = tick.checked;
          box.removeAttribute("aria-invalid");
          showProgress();
        },
      });
      const section = el(
        "section",
        {
          class: "card takeover-patient",
          data: { handoffId: h.id, patientId: row.patient.id },
          "aria-labelledby": `takeover-title-${h.id}`,
        },
        el(
          "h2",
          { id: `takeover-title-${h.id}` },
          t("board.patientOf", { number: index + 1, count: rows.length, name: who(row) }),
        ),
        el("p", { class: "board-chips" }, severityChip(v.severity), statusChip(v.status)),
        await readOnly(ctx, h),
        el(
          "div",
          { class: "field" },
          el("label", { for: box.id }, t("board.synthesisFor", { name: patientName(row.patient) })),
          el("p", { class: "hint", id: `takeover-help-${h.id}` }, t("board.synthesisHelp")),
          box,
        ),
        el("label", { class: "check", for: tick.id }, tick, el("span", {}, t("board.readBack"))),
      );
      cards.set(h.id, { section, box });
      return section;
    }),
  );

  clear(
    container,
    el(
      "div",
      { class: "screen board takeover" },
      heading(t("board.takeOverTitle", { unit })),
      el("p", { class: "hint" }, t("board.takeOverHint")),
      board.offline ? el("p", { class: "notice warnings" }, t("board.takeOverOffline")) : null,
      own.length
        ? el(
            "section",
            { class: "notice warnings takeover-own", id: "takeover-own", "aria-labelledby": "takeover-own-text" },
            el("p", { id: "takeover-own-text" }, t("board.ownWarning", { count: own.length })),
            el(
              "ul",
              {},
              own.map((r) => el("li", { data: { handoffId: r.handoff.id, patientId: r.patient.id } }, who(r))),
            ),
          )
        : null,
      progress,
      rows.length > 1
        ? el(
            "nav",
            { class: "takeover-jump", "aria-label": t("board.jumpLabel") },
            el(
              "ol",
              {},
              rows.map((row) =>
                el(
                  "li",
                  {},
                  el(
                    "button",
                    {
                      type: "button",
                      class: "link",
                      onclick: () => {
                        const title = document.getElementById(`takeover-title-${row.handoff.id}`);
                        title?.setAttribute("tabindex", "-1");
                        title?.focus({ preventScroll: true });
                        title?.scrollIntoView({ block: "start" });
                      },
                    },
                    who(row),
                  ),
                ),
              ),
            ),
          )
        : null,
      rows.length ? sections : el("p", { class: "muted empty" }, t("board.nothingToTakeOver")),
      others.length
        ? el(
            "section",
            { class: "panel takeover-others" },
            el("h2", {}, t("board.notInTakeOver")),
            el(
              "ul",
              { class: "list" },
              others.map((r) => el("li", { class: "list-row" }, el("span", {}, who(r)), statusChip(statusOf(r)))),
            ),
          )
        : null,
      error,
      el(
        "div",
        { class: "toolbar button-row" },
        accept,
        el("a", { class: "btn btn-quiet", href: boardHash(unit), id: "takeover-cancel" }, t("board.backToBoard")),
      ),
    ),
  );
  showProgress();

  const fail = (...lines) => {
    clear(
      error,
      el(
        "div",
        { class: "notice error" },
        lines.filter(Boolean).map((line) => el("p", {}, line)),
      ),
    );
    error.focus({ preventScroll: true });
    error.scrollIntoView({ block: "center" });
  };

  accept.addEventListener("click", async () => {
    clear(error);
    for (const { section, box } of cards.values()) {
      section.classList.remove("refused");
      box.removeAttribute("aria-invalid");
    }
    const built = takeoverItems(rows, answers, readBackText());
    if (built.missing.length) {
      for (const r of built.missing) cards.get(r.handoff.id).box.setAttribute("aria-invalid", "true");
      fail(t("board.missingSynthesis", { names: built.missing.map(who).join("; ") }));
      cards.get(built.missing[0].handoff.id).box.focus();
      return;
    }
    accept.disabled = true;
    try {
      const res = await ctx.api.send(
        "POST",
        "/board/acknowledge",
        { items: built.items },
        { idempotencyKey: crypto.randomUUID() },
      );
      if (!res.ok) {
        const found = refusedItem(res.body, built.rows);
        if (found) {
          const card = cards.get(found.row.handoff.id);
          card.section.classList.add("refused");
          card.box.setAttribute("aria-invalid", "true");
        }
        fail(
          found ? t("board.refusedPatient", { name: who(found.row) }) : t("board.refused"),
          t("board.nothingSaved"),
          res.body?.message || problem(res),
        );
        return;
      }
      const done = new Set(built.items.map((i) => i.handoff_id));
      const rowsAfter = board.rows.map((r) => (r.handoff && done.has(r.handoff.id) ? { ...r, acknowledged: true } : r));
      await ctx.store.cachePut(`board:${unit}`, { savedAt: board.savedAt, rows: rowsAfter }).catch(() => {});
      typed.delete(memoKey);
      ctx.toast(t("board.tookOver", { count: built.items.length, unit }));
      ctx.navigate(boardHash(unit));
    } catch (e) {
      fail(isOffline(e) ? t("board.takeOverNeedsNetwork") : problem(e), t("board.nothingSaved"));
    } finally {
      accept.disabled = false;
    }
  });
}
