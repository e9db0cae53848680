// One handoff (#/handoffs/:id, #/drafts/:localId): loads this tablet's draft and the server's copy,
// lets reconcile.js decide what to show, then draws the form (handoff/edit.js) while a draft, or
// the read-only view (handoff/read.js) once signed.
import { el, clear } from "../dom.js";
import { t } from "../i18n/index.js";
import { checklist, patientById, patientName, heading, checklistName, errorBox, isOffline } from "./common.js";
import { showEdit } from "./handoff/edit.js";
import { showRead } from "./handoff/read.js";
import { fromServer, reconcile } from "./handoff/reconcile.js";
import { takeRescued } from "../store.js"; // beyond ctx.store: what a closing tab could not write

export async function render(container, ctx, params) {
  const { store, sync } = ctx;
  const root = el("div", { class: "screen" });
  clear(container, root);
  const fail = (e) => clear(root, heading(t("handoff.title")), errorBox(e));

  let draft = params.localId ? await store.getDraft(params.localId) : await store.findDraftByHandoff(params.id);
  if (params.localId && !draft) {
    clear(
      root,
      heading(t("handoff.draftTitle")),
      el("p", { class: "note note-error", role: "alert" }, t("handoff.draftNotHere")),
      el("a", { class: "btn", href: "#/patients" }, t("handoff.backToPatients")),
    );
    return;
  }
  const { server, offline, failure } = await serverCopy(ctx, params.id ? Number(params.id) : draft?.handoffId, draft);
  if (failure) return fail(failure);

  const pending = (localId) => (localId && sync.list ? sync.list().filter((i) => i.localId === localId) : []);
  const rescued = draft ? await takeRescued(draft.localId) : null;
  const opened = reconcile({
    draft,
    server,
    pending: pending(draft?.localId),
    newLocalId: () => store.newLocalId(),
    rescued,
  });
  draft = opened.draft;
  if (opened.store) draft = await store.putDraft(draft);
  if (opened.queue) sync.saveDraft(draft.localId);

  const base = draft || fromServer(server);
  const def = await checklist(ctx, base.checklist.key, base.checklist.version).catch((e) => e);
  if (!def?.sections) return fail(def);
  let patient = base.patientId != null ? await patientById(ctx, base.patientId).catch(() => null) : null;
  if (!patient && draft?.patientLocalId && sync.pendingPatients) {
    patient = sync.pendingPatients().find((p) => p.localId === draft.patientLocalId);
  }
  if (draft && !draft.label && patient) {
    draft = await store.putDraft({
      ...draft,
      label: t("handoff.titleWithPatient", {
        checklist: checklistName(draft.checklist),
        patient: patientName(patient),
      }),
    });
  }

  const screen = createScreen({ container, ctx, params, root, def, patient, server, offline, draft, pending });
  if (opened.mode === "edit" && !screen.signing()) screen.edit();
  else screen.read();
}

// The server's latest copy (kept encrypted for offline use); offline, the kept copy when there is no draft.
async function serverCopy(ctx, handoffId, draft) {
  if (!handoffId) return { server: null, offline: false };
  try {
    const res = await ctx.api.send("GET", `/handoffs/${handoffId}`);
    if (!res.ok) return draft ? { server: null, offline: false } : { failure: { status: res.status, body: res.body } };
    const server = { ...res.body, etag: res.etag };
    ctx.store.cachePut(`handoff:${handoffId}`, server).catch(() => {});
    return { server, offline: false };
  } catch (e) {
    if (!isOffline(e)) return { failure: e };
    if (draft) return { server: null, offline: true };
    const server = await ctx.store.cacheGet(`handoff:${handoffId}`).catch(() => null);
    return server ? { server, offline: true } : { failure: e };
  }
}

// What the two views share: the loaded pieces, the current draft, and one sync listener and one
// way out for the whole screen (the router aborts ctx.signal when the nurse leaves or the screen
// is drawn again); each view sets its handlers with listen().
function createScreen({ container, ctx, params, root, def, patient, server, offline, draft, pending }) {
  let onSync = () => {};
  let onLeave = () => {};
  let onHide = () => {};
  let gone = false;
  const alive = () => root.isConnected;
  const heard = () => {
    if (alive() && !gone) onSync();
  };
  const offSync = ctx.sync.onChange(heard);
  const bye = () => {
    if (gone) return;
    gone = true;
    offSync();
    removeEventListener("hashchange", bye);
    onLeave();
  };
  if (ctx.signal) ctx.signal.addEventListener("abort", bye, { once: true });
  else addEventListener("hashchange", bye);
  // The tab is being closed, reloaded or put away: the page may get no other chance to write.
  // pagehide: the page is unloading (or going into the back-forward cache) and may run nothing more.
  addEventListener(
    "pagehide",
    () => {
      if (!gone) onHide({ unloading: true });
    },
    { signal: ctx.signal },
  );
  document.addEventListener(
    "visibilitychange",
    () => {
      if (document.visibilityState === "hidden" && !gone) onHide({ unloading: false });
    },
    { signal: ctx.signal },
  );

  const screen = {
    ctx,
    root,
    def,
    patient,
    server,
    offline,
    draft,
    alive,
    pending: () => pending(screen.draft?.localId),
    signing: () => screen.pending().find((i) => i.kind === "finalize"),
    // A view calls this once it is built. It then catches up at once: the outbox may have
    // reported while the view was loading and drawing (a save landing right after a conflict
    // was settled), and the view would otherwise show the revision from before it.
    listen(handlers) {
      onSync = handlers.onSync || (() => {});
      onLeave = handlers.onLeave || (() => {});
      onHide = handlers.onHide || (() => {});
      heard();
    },
    edit: () => showEdit(screen),
    read: () => showRead(screen),
    reopen() {
      bye();
      render(container, ctx, params);
    },
  };
  return screen;
}
