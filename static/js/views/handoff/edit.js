// The handoff form while a draft (or while amending). Every keystroke goes to the encrypted draft
// at once (a tab closed or reloaded right after typing gives the page no time for more), and again
// when the tab is hidden; the outbox gets it on #save, after 5 s without typing, and when the nurse
// leaves the screen. `unsent` on the draft marks changes written on the tablet but not yet handed
// to the outbox (a crash in between is recovered on open, see reconcile.js).
import { button, el, clear, debounce } from "../../dom.js";
import { createForm } from "../../form/render.js";
import { validate, REQUIRED } from "../../form/validate.js";
import { labelFor } from "../../form/paths.js";
import { t } from "../../i18n/index.js";
import { sameData } from "../../merge.js";
import { forgetRescued, rescueNow, sealDraft } from "../../store.js"; // beyond ctx.store: the write at tab close
import { badge, carriedNote, head, links, revisionText } from "./parts.js";
import { catchUp, replacedElsewhere } from "./reconcile.js";
import { createTranslations } from "./translate.js";

const SEND_MS = 5000;

export function showEdit(screen) {
  const { ctx, root, def, offline } = screen;
  const { store, sync } = ctx;
  const localId = screen.draft.localId;
  const data = structuredClone(screen.draft.data || {});
  let written = structuredClone(data); // what the store holds
  let chain = Promise.resolve();

  const state = el("p", { class: "draft-state", id: "draft-state", role: "status" });
  const refusedBox = el("div", { class: "server-errors" });
  const missingCount = el("p", { class: "missing-count" });
  const missingList = el("ul", { id: "missing-list" });
  const saveBtn = button({ class: "btn", id: "save", onclick: () => send(true) }, t("handoff.save"));
  const finalizeBtn = button(
    { class: "btn btn-primary", id: "finalize", onclick: finalize, "aria-describedby": "finalize-help" },
    t("handoff.signAndFinalize"),
  );
  const finalizeHelp = el("span", { class: "visually-hidden", id: "finalize-help" });
  const translations = createTranslations(screen, data);
  const form = createForm(def, data, { onChange, extras: translations.extras });
  const adviceList = el("ul", { id: "translation-advice" });
  const advicePanel = el(
    "section",
    { class: "advice-list", id: "advice-panel", "aria-labelledby": "advice-title", hidden: true },
    el("h3", { id: "advice-title" }, t("translation.adviceTitle", { language: translations.languageName })),
    el("p", { class: "hint" }, t("translation.adviceHelp")),
    adviceList,
  );

  const jump = button({
    class: "link-button",
    id: "missing-jump",
    onclick: () => {
      const title = root.querySelector("#missing-title");
      title.scrollIntoView({ block: "start" });
      title.focus({ preventScroll: true });
    },
  });
  const draft = screen.draft;
  clear(
    root,
    head(screen, draft),
    // What carrying forward brought (kept on this tablet's draft only); not while amending.
    draft.carried && !draft.reason ? carriedNote(draft.carried, dismissCarried) : null,
    draft.reason
      ? el("p", { class: "note", id: "amend-note" }, t("handoff.amendingNote", { reason: draft.reason }))
      : null,
    offline ? el("p", { class: "note" }, t("handoff.offlineEditing")) : null,
    el("div", { id: "links-slot" }, links(draft.handoffId)),
    el(
      "div",
      { class: "handoff-layout" },
      el("div", { class: "form-col" }, form.el),
      el(
        "aside",
        { class: "side", "aria-label": t("handoff.beforeSigning") },
        el(
          "section",
          { class: "missing-list", id: "missing-panel", "aria-labelledby": "missing-title" },
          el("h2", { id: "missing-title", tabindex: "-1" }, t("handoff.missingTitle")),
          missingCount,
          missingList,
          advicePanel,
        ),
        refusedBox,
      ),
    ),
    el(
      "div",
      { class: "toolbar handoff-toolbar", role: "region", "aria-label": t("handoff.toolbarLabel") },
      el("div", { class: "toolbar-state" }, state, jump),
      saveBtn,
      finalizeBtn,
      finalizeHelp,
    ),
  );

  // Serialised writes of the latest data; the store keeps the outbox's server fields if newer.
  const write = (extra = {}) => {
    if (sameData(data, written) && !Object.keys(extra).length) return chain;
    const snapshot = structuredClone(data);
    chain = chain
      .then(async () => {
        // The data was replaced elsewhere (a conflict settled in the dialog): never write over it.
        const next = await store.putDraft(
          { ...screen.draft, unsent: !sameData(snapshot, written) || screen.draft.unsent, ...extra, data: snapshot },
          { unless: (stored) => replacedElsewhere(stored, screen.draft, written) },
        );
        if (!next) return;
        forgetRescued(localId); // a rescue from a page that came back from the cache is older now
        written = snapshot;
        screen.draft = next;
      })
      .catch((e) => ctx.toast(t("handoff.draftNotKept", { error: e.message })));
    return chain;
  };
  // A change is written as soon as the write before it is done; changes made meanwhile share one.
  let nextWrite = null;
  const writeSoon = () => {
    nextWrite ||= chain.then(() => {
      nextWrite = null;
      return write();
    });
  };
  const sendSoon = debounce(() => send(false), SEND_MS);

  // Hand the draft to the outbox (which sends its latest data); on leave, only if changed.
  async function send(always) {
    sendSoon.cancel();
    await chain;
    if (!always && sameData(data, written) && !screen.draft.unsent) return;
    await write({ unsent: false });
    await sync.saveDraft(localId);
    if (always) ctx.toast(t("handoff.savedSending"));
  }

  // The latest data, encrypted ahead: a closing tab gets one synchronous turn, too short to encrypt.
  let sealed = null;
  function seal() {
    const snapshot = structuredClone(data);
    sealDraft({ localId, data: snapshot })
      .then((ready) => {
        if (sameData(snapshot, data)) sealed = ready;
      })
      .catch(() => {});
  }

  function onChange(path) {
    seal();
    writeSoon();
    sendSoon();
    if (path) translations.changed(path);
    check();
  }

  // Dismissed for good: the draft forgets where it came from (focus back to the title).
  function dismissCarried() {
    root.querySelector("#carried-note")?.remove();
    root.querySelector("h1")?.focus();
    write({ carried: null });
  }

  // A line of the missing or advice list: tapping it takes the nurse to the field.
  function jumpItem(path, ...content) {
    return el(
      "li",
      { data: { path } },
      button({ class: "link-button", onclick: () => form.focusPath(path) }, ...content),
    );
  }

  // Untranslated patient-visible text: advice under what is missing (signing stays possible).
  function showAdvice() {
    const advice = translations.advice();
    advicePanel.hidden = !advice.length;
    clear(
      adviceList,
      advice.map((a) =>
        jumpItem(
          a.path,
          el("span", { class: "where" }, labelFor(def, a.path) || a.path),
          " ",
          el("span", { class: "path" }, a.path),
          " ",
          el("span", { class: "what", lang: translations.typing }, a.texts.join(" ")),
        ),
      ),
    );
  }

  let lastCount = -1;
  function check() {
    const outbox = screen.pending();
    const refused = outbox
      .filter((i) => i.state === "error")
      .flatMap((i) => i.errors || [])
      .filter((e) => e.path);
    const finalErrors = validate(def, data, { final: true });
    form.showErrors([...validate(def, data), ...finalErrors.filter((e) => e.message !== REQUIRED), ...refused]);
    form.showProgress(finalErrors);
    const missing = [
      ...finalErrors,
      ...refused.filter((e) => !finalErrors.some((f) => f.path === e.path && f.message === e.message)),
    ];
    clear(
      missingList,
      missing.map((e) =>
        jumpItem(
          e.path,
          el("span", { class: "where" }, labelFor(def, e.path) || t("handoff.wholeForm")),
          " ",
          el("span", { class: "what" }, e.message),
        ),
      ),
    );
    if (missing.length !== lastCount) {
      lastCount = missing.length;
      clear(
        missingCount,
        missing.length ? t("handoff.missingCount", { count: missing.length }) : t("handoff.nothingMissing"),
      );
      missingCount.dataset.count = missing.length;
    }
    finalizeBtn.disabled = missing.length > 0;
    jump.hidden = !missing.length;
    jump.textContent = t("handoff.stillMissing", { count: missing.length });
    finalizeHelp.textContent = missing.length ? t("handoff.finalizeNeedsAll") : t("handoff.finalizeHelp");
    showState(outbox);
    translations.refresh();
    showAdvice();
  }

  function showState(outbox) {
    const now = screen.draft;
    const item = outbox.find((i) => i.state === "conflict") || outbox.find((i) => i.state === "error") || outbox[0];
    let text;
    if (item?.state === "conflict") text = t("handoff.stateConflict");
    else if (item?.state === "error") text = t("handoff.stateRefused", { message: item.message || "" });
    else if (item || now.unsent) text = t("handoff.stateWaiting");
    else text = now.handoffId ? t("handoff.stateSaved", { revision: now.revision }) : t("handoff.stateLocal");
    clear(
      state,
      text,
      item?.state === "conflict" && sync.openConflict
        ? [
            " ",
            button(
              { class: "btn", id: "open-conflict", onclick: () => sync.openConflict(item.id) },
              t("handoff.compareVersions"),
            ),
          ]
        : null,
    );
    state.dataset.state = item?.state || (now.unsent ? "waiting" : now.handoffId ? "saved" : "local");
    clear(
      refusedBox,
      item?.state === "error" && item.errors?.some((e) => !e.path)
        ? el(
            "ul",
            { class: "note note-error" },
            item.errors.filter((e) => !e.path).map((e) => el("li", {}, e.message)),
          )
        : null,
    );
    const status = root.querySelector("#handoff-status");
    if (status) clear(status, badge(now));
    const slot = root.querySelector("#links-slot");
    if (slot && now.handoffId && !slot.firstChild) slot.append(links(now.handoffId));
    const revision = root.querySelector("#handoff-revision");
    if (revision) revision.textContent = revisionText(now.revision);
  }

  async function finalize() {
    if (validate(def, data, { final: true }).length) return;
    finalizeBtn.disabled = true;
    await send(false);
    await chain;
    await sync.finalize(localId);
    ctx.toast(t("handoff.signingToast"));
    screen.read();
  }

  screen.listen({
    onSync: async () => {
      const stored = await store.getDraft(localId).catch(() => null);
      if (!screen.alive() || !stored) return;
      const next = catchUp({ shown: screen.draft, stored, written, data });
      screen.draft = next.draft;
      if (next.redraw === "edit") return screen.edit(); // a conflict settled in the dialog: show the chosen version
      if (next.redraw === "read") return screen.read();
      check();
    },
    onLeave: () => {
      send(false);
    }, // never lose a keystroke: write, and queue if changed
    // Hidden, the page still runs and the write lands; unloading, only the synchronous rescue does.
    onHide: ({ unloading }) => {
      if (unloading && sealed && !sameData(data, written)) rescueNow(sealed);
      write();
    },
  });
  check();
  translations.start({ onChange: () => screen.alive() && showAdvice() });
}
