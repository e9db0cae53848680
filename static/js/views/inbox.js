// Signed handoffs waiting for my acknowledgement; open one, read the summary, give my synthesis.
import { el, clear } from "../dom.js";
import { t } from "../i18n/index.js";
import { renderReadOnly } from "../form/readonly.js";
import {
  cached,
  checklist,
  patientById,
  patientName,
  heading,
  when,
  checklistName,
  errorBox,
  errorsByPath,
  problem,
  isOffline,
  IPASS_READ_KEYS,
} from "./common.js";

// What a receiver reads first, per checklist (other checklists: everything).
const SUMMARY = {
  ipass: IPASS_READ_KEYS,
  discharge: [
    "encounter",
    "diagnoses",
    "allergies",
    "no_known_allergies",
    "medications",
    "pending_results",
    "follow_up",
    "warning_signs",
  ],
};

export async function render(container, ctx, params) {
  const openId = +(params.query?.get("open") || 0);
  const status = el("p", { class: "list-status", role: "status" });
  const list = el("ul", { class: "list inbox-list", "aria-label": t("inbox.waitingLabel") });
  const detail = el("section", {
    class: "panel inbox-detail",
    id: "inbox-detail",
    "aria-labelledby": "inbox-detail-title",
  });
  clear(
    container,
    el(
      "div",
      { class: "screen" },
      heading(t("inbox.title")),
      el("p", { class: "hint" }, t("inbox.hint")),
      el(
        "div",
        { class: `inbox-layout${openId ? " has-detail" : ""}` },
        el("div", {}, status, list),
        openId ? detail : null,
      ),
    ),
  );

  let items = [];
  try {
    const res = await cached(ctx, "inbox", "/handoffs?status=final&awaiting_acknowledgement=true&per_page=200");
    items = res.value;
    if (res.offline) status.textContent = t("common.offlineList");
  } catch (e) {
    status.textContent = problem(e);
  }
  const patients = new Map(
    await Promise.all(
      [...new Set(items.map((x) => x.patient_id))].map(async (id) => [
        id,
        await patientById(ctx, id).catch(() => null),
      ]),
    ),
  );
  clear(
    list,
    items.length
      ? items.map((x) =>
          el(
            "li",
            {},
            el(
              "a",
              {
                class: `list-row inbox-row${x.id === openId ? " current" : ""}`,
                href: `#/inbox?open=${x.id}`,
                data: { handoffId: x.id },
                "aria-current": x.id === openId ? "true" : null,
              },
              el(
                "span",
                { class: "row-main" },
                el(
                  "strong",
                  {},
                  patientName(patients.get(x.patient_id)) || t("inbox.patientNumber", { id: x.patient_id }),
                ),
                " ",
                el("span", { class: "badge" }, checklistName(x.checklist)),
              ),
              el(
                "span",
                { class: "row-meta" },
                x.checklist?.key === "ipass" && x.data?.illness_severity
                  ? el(
                      "span",
                      { class: `severity severity-${x.data.illness_severity}` },
                      severity(x.data.illness_severity),
                    )
                  : null,
                el(
                  "span",
                  {},
                  t("inbox.signedBy", {
                    name: x.finalized_by || x.updated_by,
                    when: when(x.finalized_at || x.updated_at),
                  }),
                ),
              ),
            ),
          ),
        )
      : el("li", { class: "muted empty" }, t("inbox.nothing")),
  );

  if (openId) await showDetail(openId);

  async function showDetail(id) {
    let x;
    try {
      x = (await cached(ctx, `handoff:${id}`, `/handoffs/${id}`)).value;
    } catch (e) {
      clear(detail, el("h2", { id: "inbox-detail-title" }, t("inbox.handoff")), errorBox(e));
      return;
    }
    const def = await checklist(ctx, x.checklist.key, x.checklist.version).catch(() => null);
    const patient = patients.get(x.patient_id) || (await patientById(ctx, x.patient_id).catch(() => null));
    const keys = SUMMARY[x.checklist.key];
    const brief = def && {
      ...def,
      sections: def.sections
        .map((s) => ({ ...s, fields: s.fields.filter((f) => !keys || keys.includes(f.key)) }))
        .filter((s) => s.fields.length),
    };
    const box = el("textarea", {
      id: "synthesis",
      name: "synthesis",
      rows: 5,
      maxlength: 4000,
      required: true,
      "aria-describedby": "synthesis-help",
    });
    const ack = el("button", { type: "button", class: "btn btn-primary", id: "acknowledge" }, t("inbox.acknowledge"));
    const err = el("p", { class: "form-error", role: "alert", id: "synthesis-error" });
    clear(
      detail,
      el(
        "h2",
        { id: "inbox-detail-title" },
        `${checklistName(x.checklist)}${patient ? ` · ${patientName(patient)}` : ""}`,
      ),
      el(
        "p",
        { class: "meta" },
        t("inbox.detailMeta", { number: x.revision, name: x.finalized_by || "", when: when(x.finalized_at) }),
      ),
      brief ? renderReadOnly(brief, x.data || {}) : null,
      el(
        "p",
        {},
        el("a", { href: `#/handoffs/${x.id}` }, t("inbox.openFull")),
        " · ",
        el("a", { href: `#/handoffs/${x.id}/documents` }, t("documents.title")),
      ),
      el(
        "div",
        { class: "field" },
        el(
          "label",
          { for: "synthesis" },
          t("inbox.synthesis"),
          el("span", { class: "req" }, ` ${t("common.required")}`),
        ),
        el("p", { class: "hint", id: "synthesis-help" }, t("inbox.synthesisHelp")),
        box,
        err,
      ),
      el("div", { class: "button-row" }, ack),
    );
    ack.addEventListener("click", async () => {
      const synthesis = box.value.trim();
      box.removeAttribute("aria-invalid");
      err.textContent = "";
      if (!synthesis) {
        box.setAttribute("aria-invalid", "true");
        err.textContent = t("inbox.writeFirst");
        box.focus();
        return;
      }
      ack.disabled = true;
      try {
        const res = await ctx.api.send(
          "POST",
          `/handoffs/${x.id}/acknowledge`,
          { revision: x.revision, synthesis },
          { idempotencyKey: crypto.randomUUID() },
        );
        if (!res.ok) {
          const by = errorsByPath(res.body);
          err.textContent =
            [res.body?.message, ...(by.synthesis || []), ...(by.revision || [])].filter(Boolean).join(" ") ||
            problem(res);
          box.setAttribute("aria-invalid", "true");
          return;
        }
        ctx.store
          .cachePut(
            "inbox",
            items.filter((i) => i.id !== x.id),
          )
          .catch(() => {});
        ctx.toast(t("inbox.acknowledged"));
        ctx.navigate("#/inbox");
      } catch (e) {
        err.textContent = isOffline(e) ? t("inbox.ackNeedsNetwork") : problem(e);
      } finally {
        ack.disabled = false;
      }
    });
  }
}

const SEVERITY_WORDS = { stable: "severity.stable", watcher: "severity.watcher", unstable: "severity.unstable" };
const severity = (v) => (SEVERITY_WORDS[v] ? t(SEVERITY_WORDS[v]) : v);
