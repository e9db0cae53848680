// Every revision of a handoff, and what changed between any two.
import { el, clear, add } from "../dom.js";
import { t } from "../i18n/index.js";
import { labelFor, specAt } from "../form/paths.js";
import { valueText } from "../form/readonly.js";
import { cached, checklist, heading, when, statusBadge, checklistName, errorBox, problem } from "./common.js";

export async function render(container, ctx, params) {
  const id = +params.id;
  const root = el("div", { class: "screen" }, heading(t("history.title")));
  clear(container, root);
  let handoff, revisions, def;
  try {
    [handoff, revisions] = await Promise.all([
      cached(ctx, `handoff:${id}`, `/handoffs/${id}`).then((r) => r.value),
      cached(ctx, `revisions:${id}`, `/handoffs/${id}/revisions`).then((r) => r.value),
    ]);
    def = await checklist(ctx, handoff.checklist.key, handoff.checklist.version).catch(() => null);
  } catch (e) {
    root.append(errorBox(e));
    return;
  }

  const table = el(
    "table",
    { class: "table revisions" },
    el("caption", {}, t("history.caption", { checklist: checklistName(handoff.checklist), count: revisions.length })),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        [t("history.revision"), t("history.author"), t("history.time"), t("history.status"), t("history.reason")].map(
          (x) => el("th", { scope: "col" }, x),
        ),
      ),
    ),
    el(
      "tbody",
      {},
      [...revisions]
        .reverse()
        .map((r) =>
          el(
            "tr",
            { class: "revision-row", data: { number: r.number } },
            el("th", { scope: "row" }, String(r.number)),
            el("td", {}, r.author),
            el("td", {}, when(r.created_at)),
            el("td", {}, statusBadge(r.status), r.signed_by ? ` ${t("history.by", { name: r.signed_by })}` : ""),
            el("td", {}, r.reason || ""),
          ),
        ),
    ),
  );

  const pick = (sel, label, value) =>
    el(
      "div",
      { class: "field" },
      el("label", { for: sel }, label),
      el(
        "select",
        { id: sel, name: sel },
        revisions.map((r) =>
          el(
            "option",
            { value: String(r.number), selected: r.number === value },
            t(r.status === "final" ? "history.optionSigned" : "history.optionDraft", { number: r.number }),
          ),
        ),
      ),
    );
  const last = revisions.at(-1)?.number || 1;
  const from = pick("diff-from", t("history.from"), Math.max(1, last - 1));
  const to = pick("diff-to", t("history.to"), last);
  const status = el("p", { role: "status", class: "list-status" });
  const list = el("ul", { class: "diff", "aria-label": t("history.changesLabel") });

  add(root, [
    el(
      "p",
      { class: "meta" },
      el("a", { class: "back-link", href: `#/handoffs/${id}` }, `← ${t("common.backToHandoff")}`),
    ),
    el("div", { class: "table-wrap" }, table),
    el("h2", {}, t("history.compare")),
    el("div", { class: "diff-pickers" }, from, to),
    status,
    list,
  ]);

  const show = (spec, v) => {
    if (v == null) return el("span", { class: "none" }, t("history.empty"));
    const text = valueText(spec, v);
    return el(
      "span",
      {},
      typeof v === "object" && !Array.isArray(v) && spec?.type !== "multichoice"
        ? Object.entries(v)
            .map(
              ([k, x]) =>
                `${spec?.fields?.find((f) => f.key === k)?.label || k}: ${valueText(
                  spec?.fields?.find((f) => f.key === k),
                  x,
                )}`,
            )
            .join("; ")
        : text,
    );
  };

  let seq = 0;
  async function diff() {
    const a = from.querySelector("select").value,
      b = to.querySelector("select").value;
    const mine = ++seq;
    status.textContent = t("common.loading");
    try {
      const { value } = await cached(ctx, `diff:${id}:${a}:${b}`, `/handoffs/${id}/diff?from=${a}&to=${b}`);
      if (mine !== seq) return;
      clear(
        list,
        value.map((c) => {
          const spec = def ? specAt(def, c.path) : null;
          return el(
            "li",
            { class: "diff-row", data: { path: c.path } },
            el("span", { class: "path" }, def ? labelFor(def, c.path) : c.path),
            el(
              "span",
              { class: "change" },
              el("del", {}, show(spec, c.old)),
              el("span", { "aria-hidden": "true" }, " → "),
              el("span", { class: "visually-hidden" }, ` ${t("history.changedTo")} `),
              el("ins", {}, show(spec, c.new)),
            ),
          );
        }),
      );
      status.textContent =
        revisions.length < 2
          ? t("history.onlyOne")
          : a === b
            ? t("history.same")
            : value.length
              ? t("history.changes", { count: value.length })
              : t("history.noChanges");
    } catch (e) {
      if (mine === seq) {
        clear(list);
        status.textContent = problem(e);
      }
    }
  }
  for (const s of root.querySelectorAll("select")) s.addEventListener("change", diff);
  await diff();
}
