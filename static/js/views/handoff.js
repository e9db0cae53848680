// One handoff: the form drawn from its checklist while a draft, read-only once signed (with amend).
// Every keystroke goes to the encrypted draft within ~300 ms; the outbox gets it on #save, after
// 5 s without typing, and when the nurse leaves the screen. `unsent` on the draft marks changes
// written on the tablet but not yet handed to the outbox (a crash in between is recovered on open).
import { h, clear, debounce } from '../form/dom.js';
import { createForm } from '../form/render.js';
import { renderReadOnly } from '../form/readonly.js';
import { validate, REQUIRED } from '../form/validate.js';
import { labelFor } from '../form/paths.js';
import { checklist, patientById, patientName, heading, when, statusBadge, checklistName, errorBox, isOffline } from './common.js';

const WRITE_MS = 300;
const SEND_MS = 5000;
const same = (a, b) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});

export async function render(container, ctx, params) {
  const t = ctx.t;
  const { store, sync } = ctx;
  const root = h('div', { class: 'screen' });
  clear(container, root);
  const alive = () => root.isConnected;
  const fail = (e) => clear(root, heading(t('Handoff')), errorBox(e, t));
  const pending = (localId) => (localId && sync.list ? sync.list().filter((i) => i.localId === localId) : []);

  // One sync listener and one way out for the whole screen (the router aborts ctx.signal when
  // the nurse leaves or the screen is drawn again); each mode sets its handlers.
  let onSync = () => {};
  let onLeave = () => {};
  let gone = false;
  const offSync = sync.onChange(() => { if (alive() && !gone) onSync(); });
  const bye = () => { if (gone) return; gone = true; offSync(); removeEventListener('hashchange', bye); onLeave(); };
  if (ctx.signal) ctx.signal.addEventListener('abort', bye, { once: true });
  else addEventListener('hashchange', bye);

  // --- the draft on this tablet and the server's latest revision ------------------------------
  let draft = params.localId ? await store.getDraft(params.localId) : await store.findDraftByHandoff(params.id);
  if (params.localId && !draft) {
    clear(root, heading(t('Draft')),
      h('p', { class: 'note note-error', role: 'alert' }, t('This draft is not on this tablet (it may have been cleared at sign-out).')),
      h('a', { class: 'btn', href: '#/patients' }, t('Back to patients')));
    return;
  }
  const handoffId = params.id ? +params.id : draft?.handoffId;
  let server = null;
  let offline = false;
  if (handoffId) {
    try {
      const res = await ctx.api.send('GET', `/handoffs/${handoffId}`);
      if (res.ok) {
        server = { ...res.body, etag: res.etag };
        store.cachePut(`handoff:${handoffId}`, server).catch(() => {});
      } else if (!draft) return fail({ status: res.status, body: res.body });
    } catch (e) {
      if (!isOffline(e)) return fail(e);
      offline = true;
      if (!draft) server = await store.cacheGet(`handoff:${handoffId}`).catch(() => null);
      if (!draft && !server) return fail(e);
    }
  }
  if (draft && !pending(draft.localId).length) {
    if (draft.unsent) { // typed, never queued (the app was closed): queue it now; a 412 shows both versions
      draft = await store.putDraft({ ...draft, unsent: false });
      sync.saveDraft(draft.localId);
    } else if (server && !draft.reason && (server.revision !== draft.revision || server.status !== draft.status || server.etag !== draft.etag)) {
      // The server moved on (another tablet saved, signed or amended) and nothing here is unsent.
      draft = await store.putDraft({ ...draft, ...fromServer(server), syncStamp: (draft.syncStamp || 0) + 1 });
    }
  }
  if (server && !draft && server.status === 'draft') {
    draft = await store.putDraft({ localId: newId(store), ...fromServer(server), syncStamp: 1 });
  }
  const base = draft || fromServer(server);
  const def = await checklist(ctx, base.checklist.key, base.checklist.version).catch((e) => e);
  if (!def?.sections) return fail(def);
  let patient = base.patientId != null ? await patientById(ctx, base.patientId).catch(() => null) : null;
  if (!patient && draft?.patientLocalId && sync.pendingPatients) patient = sync.pendingPatients().find((p) => p.localId === draft.patientLocalId);
  if (draft && !draft.label && patient) draft = await store.putDraft({ ...draft, label: `${checklistName(draft.checklist, t)} · ${patientName(patient)}` });

  const signing = () => pending(draft?.localId).find((i) => i.kind === 'finalize');
  if (draft && (draft.status !== 'final' || draft.reason) && !signing()) editForm(); else readOnly();

  function head(x) {
    return h('div', { class: 'page-header' },
      heading(`${checklistName(x.checklist || def, t)}${patient ? ` · ${patientName(patient)}` : ''}`),
      h('span', { id: 'handoff-status' }, badge(x)),
      h('span', { class: 'meta', id: 'handoff-revision' }, x.revision ? `${t('Revision')} ${x.revision}` : ''));
  }
  function badge(x) {
    return statusBadge(x.status === 'final' && !x.reason ? 'final' : x.handoffId ? 'draft' : 'local', t);
  }

  function links(id) {
    if (!id) return null;
    return h('nav', { class: 'links', 'aria-label': t('This handoff') },
      h('a', { class: 'btn', id: 'history-link', href: `#/handoffs/${id}/history` }, t('History')),
      h('a', { class: 'btn', id: 'documents-link', href: `#/handoffs/${id}/documents` }, t('Documents')));
  }

  // --- read-only: signed, or waiting to be signed ---------------------------------------------
  function readOnly() {
    onLeave = () => {};
    const shown = draft && (!server || (draft.revision || 0) >= server.revision)
      ? { ...(server || {}), ...draft, id: draft.handoffId } : fromServer(server, true);
    const sign = signing();
    const warnings = draft?.warnings?.length && draft.revision === shown.revision ? draft.warnings : [];
    const reasonBox = h('textarea', { id: 'amend-reason', name: 'reason', rows: 3, maxlength: 2000, 'aria-describedby': 'amend-help' });
    const amendPanel = h('div', { class: 'panel amend-panel', id: 'amend-panel', hidden: true },
      h('label', { for: 'amend-reason' }, t('Why are you changing a signed handoff?'), h('span', { class: 'req' }, ` (${t('required')})`)),
      reasonBox,
      h('p', { class: 'hint', id: 'amend-help' }, t('The reason is kept with the new revision. The handoff must be signed again.')),
      h('div', { class: 'button-row' },
        h('button', { type: 'button', class: 'btn btn-primary', id: 'amend-confirm', onclick: amend }, t('Start amending')),
        h('button', { type: 'button', class: 'btn', id: 'amend-cancel', onclick: () => toggle(false) }, t('Cancel'))));
    const amendBtn = h('button', { type: 'button', class: 'btn', id: 'amend', 'aria-expanded': 'false', 'aria-controls': 'amend-panel', onclick: () => toggle(true) }, t('Amend'));
    function toggle(open) {
      amendPanel.hidden = !open;
      amendBtn.setAttribute('aria-expanded', String(open));
      (open ? reasonBox : amendBtn).focus();
    }
    const signer = shown.finalized_by || '';
    clear(root, head(shown),
      sign ? h('div', { class: `note${sign.state === 'error' ? ' note-error' : ''}`, role: 'status', id: 'signing' },
        sign.state === 'error' ? `${t('Could not sign')}: ${sign.message || ''}` : t('Waiting to sign: it is sent when the network answers.'),
        sign.state === 'error' ? h('ul', {}, (sign.errors || []).map((e) => h('li', {}, `${labelFor(def, e.path)}: ${e.message}`))) : null,
        sign.state === 'error' && sync.discard ? h('button', {
          type: 'button', class: 'btn', id: 'back-to-edit',
          onclick: async () => { await sync.discard(sign.id); editForm(); },
        }, t('Back to editing')) : null) : null,
      offline ? h('p', { class: 'note' }, t('Offline: this is the copy kept on this tablet.')) : null,
      warnings.length ? h('section', { class: 'note note-warn', id: 'finalize-warnings', 'aria-labelledby': 'warnings-title' },
        h('h2', { id: 'warnings-title' }, t('Suggestions for the patient summary')),
        h('ul', {}, warnings.map((w) => h('li', { data: { code: w.code } }, w.message || w.term || '')))) : null,
      shown.status === 'final' && !sign ? h('p', { class: 'meta' },
        `${t('Signed')}${signer ? ` ${t('by')} ${signer}` : ''}${shown.finalized_at ? `, ${when(shown.finalized_at)}` : ''}.`) : null,
      h('div', { class: 'button-row' }, shown.status === 'final' && !sign ? amendBtn : null, links(shown.id)),
      amendPanel,
      renderReadOnly(def, shown.data || {}, { t }),
      acknowledgements(shown.acknowledgements));
    onSync = () => { // the signature went through (or failed): show the outcome
      if (sign && !signing()) { bye(); render(container, ctx, params); }
      else if (sign && signing()?.state !== sign.state) readOnly();
    };

    async function amend() {
      const reason = reasonBox.value.trim();
      amendPanel.querySelector('.field-error')?.remove();
      if (!reason) {
        reasonBox.setAttribute('aria-invalid', 'true');
        reasonBox.after(h('p', { class: 'field-error', id: 'amend-error', data: { path: 'reason' } }, t('Give a reason.')));
        reasonBox.setAttribute('aria-describedby', 'amend-help amend-error');
        reasonBox.focus();
        return;
      }
      const from = server || shown;
      draft = await store.putDraft({
        ...(draft || { localId: newId(store) }), ...fromServer(from),
        syncStamp: (draft?.syncStamp || 0) + 1, reason, warnings: null, unsent: false,
      });
      ctx.toast(t('Amending: the reason is sent with your next save.'));
      editForm();
    }
  }

  function acknowledgements(list) {
    if (!list?.length) return null;
    return h('section', { class: 'acks' }, h('h2', {}, t('Acknowledged by')),
      h('ul', {}, list.map((a) => h('li', {},
        h('strong', {}, a.by), ` (${a.role || ''}), ${t('revision')} ${a.revision}, ${when(a.created_at)}`,
        a.synthesis ? h('p', { class: 'synthesis' }, a.synthesis) : null))));
  }

  // --- editing ----------------------------------------------------------------------------------
  function editForm() {
    const localId = draft.localId;
    const data = structuredClone(draft.data || {});
    let written = structuredClone(data); // what the store holds
    let chain = Promise.resolve();

    const state = h('p', { class: 'draft-state', id: 'draft-state', role: 'status' });
    const refusedBox = h('div', { class: 'server-errors' });
    const missingCount = h('p', { class: 'missing-count' });
    const missingList = h('ul', { id: 'missing-list' });
    const saveBtn = h('button', { type: 'button', class: 'btn', id: 'save', onclick: () => send(true) }, t('Save'));
    const finalizeBtn = h('button', { type: 'button', class: 'btn btn-primary', id: 'finalize', onclick: finalize, 'aria-describedby': 'finalize-help' }, t('Sign and finalize'));
    const finalizeHelp = h('span', { class: 'visually-hidden', id: 'finalize-help' });
    const form = createForm(def, data, { t, onChange });

    const jump = h('button', {
      type: 'button', class: 'link-button', id: 'missing-jump',
      onclick: () => { const p = root.querySelector('#missing-title'); p.scrollIntoView({ block: 'start' }); p.focus({ preventScroll: true }); },
    });
    clear(root, head(draft),
      draft.reason ? h('p', { class: 'note', id: 'amend-note' }, `${t('Amending a signed handoff. Reason')}: ${draft.reason}`) : null,
      offline ? h('p', { class: 'note' }, t('Offline: changes are kept on this tablet and sent when the network returns.')) : null,
      h('div', { id: 'links-slot' }, links(draft.handoffId)),
      h('div', { class: 'handoff-layout' },
        h('div', { class: 'form-col' }, form.el),
        h('aside', { class: 'side', 'aria-label': t('Before signing') },
          h('section', { class: 'missing-list', id: 'missing-panel', 'aria-labelledby': 'missing-title' },
            h('h2', { id: 'missing-title', tabindex: '-1' }, t('Still missing to sign')), missingCount, missingList),
          refusedBox)),
      h('div', { class: 'toolbar handoff-toolbar', role: 'region', 'aria-label': t('Save and sign') },
        h('div', { class: 'toolbar-state' }, state, jump), saveBtn, finalizeBtn, finalizeHelp));

    // Serialised writes of the latest data; the store keeps the outbox's server fields if newer.
    const write = (extra = {}) => {
      if (same(data, written) && !Object.keys(extra).length) return chain;
      const snapshot = structuredClone(data);
      chain = chain.then(async () => {
        // The data was replaced elsewhere (a conflict settled in the dialog): never write over it.
        const stored = await store.getDraft(localId);
        if (stored && (stored.syncStamp || 0) > (draft.syncStamp || 0) && !same(stored.data, written)) return;
        const next = await store.putDraft({ ...draft, unsent: !same(snapshot, written) || draft.unsent, ...extra, data: snapshot });
        written = snapshot;
        draft = next;
      }).catch((e) => ctx.toast(`${t('Could not keep the draft on this tablet')}: ${e.message}`));
      return chain;
    };
    const writeSoon = debounce(() => write(), WRITE_MS);
    const sendSoon = debounce(() => send(false), SEND_MS);

    // Hand the draft to the outbox (which sends its latest data); on leave, only if changed.
    async function send(always) {
      writeSoon.cancel();
      sendSoon.cancel();
      await chain;
      if (!always && same(data, written) && !draft.unsent) return;
      await write({ unsent: false });
      await sync.saveDraft(localId);
      if (always) ctx.toast(t('Saved on this tablet; sending to the server.'));
    }

    function onChange() {
      writeSoon();
      sendSoon();
      check();
    }

    let lastCount = -1;
    function check() {
      const outbox = pending(localId);
      const refused = outbox.filter((i) => i.state === 'error').flatMap((i) => i.errors || []).filter((e) => e.path);
      const finalErrors = validate(def, data, { final: true });
      form.showErrors([...validate(def, data), ...finalErrors.filter((e) => e.message !== REQUIRED), ...refused]);
      form.showProgress(finalErrors);
      const missing = [...finalErrors, ...refused.filter((e) => !finalErrors.some((f) => f.path === e.path && f.message === e.message))];
      clear(missingList, missing.map((e) => h('li', { data: { path: e.path } },
        h('button', { type: 'button', class: 'link-button', onclick: () => form.focusPath(e.path) },
          h('span', { class: 'where' }, labelFor(def, e.path) || t('The whole form')), ' ', h('span', { class: 'what' }, e.message)))));
      if (missing.length !== lastCount) {
        lastCount = missing.length;
        clear(missingCount, missing.length ? `${missing.length} ${t(missing.length === 1 ? 'thing' : 'things')}` : t('Nothing missing: ready to sign.'));
        missingCount.dataset.count = missing.length;
      }
      finalizeBtn.disabled = missing.length > 0;
      jump.hidden = !missing.length;
      jump.textContent = `${missing.length} ${t('still missing')}`;
      finalizeHelp.textContent = missing.length ? t('Everything in "Still missing to sign" must be filled in first.') : t('Signs this revision with your name.');
      showState(outbox);
    }

    function showState(outbox) {
      const item = outbox.find((i) => i.state === 'conflict') || outbox.find((i) => i.state === 'error') || outbox[0];
      let text;
      if (item?.state === 'conflict') text = t('Changed on another device: choose which version to keep.');
      else if (item?.state === 'error') text = `${t('The server refused this')}: ${item.message || ''}`;
      else if (item || draft.unsent) text = t('Kept on this tablet; waiting to send.');
      else text = draft.handoffId ? `${t('Saved on the server')}, ${t('revision')} ${draft.revision}.` : t('Kept on this tablet.');
      clear(state, text, item?.state === 'conflict' && sync.openConflict
        ? [' ', h('button', { type: 'button', class: 'btn', id: 'open-conflict', onclick: () => sync.openConflict(item.id) }, t('Compare versions'))] : null);
      state.dataset.state = item?.state || (draft.unsent ? 'waiting' : draft.handoffId ? 'saved' : 'local');
      clear(refusedBox, item?.state === 'error' && item.errors?.some((e) => !e.path)
        ? h('ul', { class: 'note note-error' }, item.errors.filter((e) => !e.path).map((e) => h('li', {}, e.message))) : null);
      const b = root.querySelector('#handoff-status');
      if (b) clear(b, badge(draft));
      const slot = root.querySelector('#links-slot');
      if (slot && draft.handoffId && !slot.firstChild) slot.append(links(draft.handoffId));
      const r = root.querySelector('#handoff-revision');
      if (r) r.textContent = draft.revision ? `${t('Revision')} ${draft.revision}` : '';
    }

    async function finalize() {
      if (validate(def, data, { final: true }).length) return;
      finalizeBtn.disabled = true;
      await send(false);
      await chain;
      await sync.finalize(localId);
      ctx.toast(t('Signing: waiting for the server.'));
      readOnly();
    }

    onSync = async () => {
      const stored = await store.getDraft(localId).catch(() => null);
      if (!alive() || !stored) return;
      // A conflict settled in the dialog replaced the data: show the chosen version.
      const replaced = (stored.syncStamp || 0) > (draft.syncStamp || 0) && !same(stored.data, written) && same(data, written);
      draft = { ...stored, data: written };
      if (replaced) { draft = stored; return editForm(); }
      if (draft.status === 'final' && !draft.reason) return readOnly();
      check();
    };
    onLeave = () => { send(false); }; // never lose a keystroke: write, and queue if changed
    addEventListener('pagehide', () => write(), { once: true });
    check();
  }
}

function fromServer(x, keepBody = false) {
  const d = {
    handoffId: x.id, patientId: x.patient_id, checklist: x.checklist, data: structuredClone(x.data || {}),
    etag: x.etag || null, revision: x.revision, status: x.status,
  };
  return keepBody ? { ...x, ...d } : d;
}

const newId = (store) => (store.newLocalId ? store.newLocalId() : crypto.randomUUID());
