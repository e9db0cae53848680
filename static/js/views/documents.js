// A handoff's documents: the patient summary (HTML, either language), the clinician PDF, printing,
// and a take-home link with a QR code once the handoff is signed.
import { el, clear, add } from "../dom.js";
import { t } from "../i18n/index.js";
import { cached, patientById, heading, checklistName, errorBox, problem, when } from "./common.js";

export async function render(container, ctx, params) {
  const id = +params.id;
  const root = el("div", { class: "screen" }, heading(t("documents.title")));
  clear(container, root);
  let handoff;
  try {
    handoff = (await cached(ctx, `handoff:${id}`, `/handoffs/${id}`)).value;
  } catch (e) {
    root.append(errorBox(e));
    return;
  }
  const patient = await patientById(ctx, handoff.patient_id).catch(() => null);
  const base = `/api/v1/handoffs/${id}/documents`;
  const final = handoff.status === "final";

  const lang = el(
    "select",
    { id: "summary-lang", name: "lang" },
    el("option", { value: "en", selected: patient?.preferred_language !== "es" }, "English"),
    el("option", { value: "es", selected: patient?.preferred_language === "es" }, "Español"),
  );
  const summary = el(
    "a",
    { class: "btn btn-primary", id: "open-patient-summary", target: "_blank", rel: "noopener" },
    t("documents.openSummary"),
  );
  const setLang = () => {
    summary.href = `${base}/patient-summary.html?lang=${lang.value}`;
    summaryPdf.href = `${base}/patient-summary.pdf?lang=${lang.value}`;
  };
  const summaryPdf = el(
    "a",
    { class: "btn", id: "open-patient-summary-pdf", target: "_blank", rel: "noopener" },
    t("documents.summaryPdf"),
  );
  lang.addEventListener("change", setLang);
  const clinician = el(
    "a",
    { class: "btn", id: "open-clinician-pdf", href: `${base}/clinician.pdf`, target: "_blank", rel: "noopener" },
    t("documents.openClinicianPdf"),
  );
  const print = el(
    "button",
    { type: "button", class: "btn", id: "print-summary", onclick: printSummary },
    t("documents.printSummary"),
  );
  setLang();

  add(root, [
    el(
      "p",
      { class: "meta" },
      t("documents.meta", { checklist: checklistName(handoff.checklist), number: handoff.revision }),
      patient ? ` · ${patient.family_name}, ${patient.given_name}` : "",
      " · ",
      el("a", { class: "back-link", href: `#/handoffs/${id}` }, t("common.backToHandoff")),
    ),
    !final ? el("p", { class: "note" }, t("documents.notSigned")) : null,
    el(
      "section",
      { class: "panel doc-block", "aria-labelledby": "doc-patient" },
      el("h2", { id: "doc-patient" }, t("documents.forPatient")),
      el("div", { class: "field" }, el("label", { for: "summary-lang" }, t("documents.language")), lang),
      el("div", { class: "button-row" }, summary, summaryPdf, print),
    ),
    el(
      "section",
      { class: "panel doc-block", "aria-labelledby": "doc-clinician" },
      el("h2", { id: "doc-clinician" }, t("documents.forClinicians")),
      el("div", { class: "button-row" }, clinician),
    ),
  ]);

  // Printing: the PDF opens in the browser's viewer, whose print button prints it as laid out.
  function printSummary() {
    const w = window.open(`${base}/patient-summary.pdf?lang=${lang.value}`, "_blank");
    if (!w) ctx.toast(t("documents.allowPopups"));
  }

  // --- share -----------------------------------------------------------------------------------
  const shareBox = el("div", { class: "share-result", id: "share-result", "aria-live": "polite" });
  if (final) {
    const share = el(
      "button",
      { type: "button", class: "btn btn-primary", id: "share", onclick: doShare },
      t("documents.share"),
    );
    root.append(
      el(
        "section",
        { class: "panel doc-block", "aria-labelledby": "doc-share" },
        el("h2", { id: "doc-share" }, t("documents.takeHome")),
        el("p", { class: "hint" }, t("documents.takeHomeHelp")),
        el("div", { class: "button-row" }, share),
        shareBox,
      ),
    );

    async function doShare() {
      share.disabled = true;
      try {
        const res = await ctx.api.send("POST", `/handoffs/${id}/share`, {}, { idempotencyKey: crypto.randomUUID() });
        if (!res.ok) throw { status: res.status, body: res.body };
        showShare(res.body);
      } catch (e) {
        clear(shareBox, errorBox(e));
      } finally {
        share.disabled = false;
      }
    }
  }

  function showShare(s) {
    const qr = el("figure", { id: "share-qr", class: "qr" });
    const svg = new DOMParser().parseFromString(s.qr_svg || "", "image/svg+xml").documentElement;
    if (svg?.localName === "svg" && !svg.querySelector("script, foreignObject")) {
      const node = document.importNode(svg, true);
      node.setAttribute("role", "img");
      node.setAttribute("aria-label", t("documents.qrLabel"));
      qr.append(node);
    }
    qr.append(el("figcaption", {}, t("documents.scan")));
    const revoke = el("button", { type: "button", class: "btn btn-danger", id: "share-revoke" }, t("documents.revoke"));
    revoke.addEventListener("click", async () => {
      revoke.disabled = true;
      try {
        const res = await ctx.api.send("DELETE", `/shares/${s.id}`);
        if (!res.ok && res.status !== 404) throw { status: res.status, body: res.body };
        clear(shareBox, el("p", { class: "note", id: "share-revoked" }, t("documents.revoked")));
      } catch (e) {
        revoke.disabled = false;
        ctx.toast(problem(e));
      }
    });
    clear(
      shareBox,
      qr,
      el("p", {}, el("a", { id: "share-url", href: s.url, target: "_blank", rel: "noopener noreferrer" }, s.url)),
      el("p", { class: "meta", id: "share-expiry" }, t("documents.expires", { when: when(s.expires_at) })),

      revoke,
    );
  }
}
