// One patient: their handoffs (server's, and drafts on this tablet not sent yet); start or carry forward one.
import { el, clear } from '../dom.js';
import {
  cached, checklist, patientById, rememberPatient, patientName, heading, when, statusBadge, checklistName,
  errorBox, problem, isOffline,
} from './common.js';

/** Carry forward: the last I-PASS's data minus who received it and the actions already done. */
export function carryForward(data) {
  const copy = structuredClone(data || {});
  delete copy.receiver;
  if (Array.isArray(copy.action_list)) {
    copy.action_list = copy.action_list.filter((a) => !(a && a.done === true));
    if (!copy.action_list.length) delete copy.action_list;
  }
  return copy;
}

export async function render(container, ctx, params) {
  const t = ctx.t;
  // A patient added offline has a local id ("patient-…") until the server has them.
  const localPid = String(params.id).startsWith('patient-') ? String(params.id) : null;
  if (localPid) {
    const real = await ctx.sync.patientIdFor?.(localPid);
    if (real != null) return ctx.navigate(`#/patients/${real}`);
  }
  const pid = localPid ? null : +params.id;
  let patient;
  try {
    patient = localPid ? (ctx.sync.pendingPatients?.() || []).find((p) => p.localId === localPid) : await patientById(ctx, pid);
  } catch (e) {
    clear(container, el('div', { class: 'screen' }, heading(t('Patient')), errorBox(e, t)));
    return;
  }
  if (!patient) {
    clear(container, el('div', { class: 'screen' }, heading(t('Patient')),
      el('p', { class: 'note note-error', role: 'alert' }, t('This patient is not on this tablet, and the server cannot be reached.'))));
    return;
  }
  if (!localPid) rememberPatient(ctx, patient);

  const note = el('p', { class: 'list-status', role: 'status' });
  const list = el('ul', { class: 'list handoff-list', 'aria-label': t('Handoffs') });
  const btn = (id, text, onclick, cls = 'btn') => el('button', { type: 'button', id, class: cls, onclick }, text);
  const carry = btn('carry-forward', t('Carry forward last I-PASS'), () => begin('ipass', true));
  const carryHelp = el('p', { class: 'muted small', id: 'carry-forward-help' },
    t('Copies the last I-PASS into a new one, without its receiver and without actions marked done.'));
  carry.setAttribute('aria-describedby', 'carry-forward-help');
  clear(container, el('div', { class: 'screen' },
    el('div', { class: 'page-header' }, heading(patientName(patient)), localPid ? statusBadge('local', t) : null),
    el('p', { class: 'meta' },
      el('span', {}, `${t('MRN')} ${patient.mrn}`), el('span', {}, `${t('Born')} ${patient.birth_date}`),
      el('span', {}, `${t('Language')}: ${patient.preferred_language === 'es' ? 'Español' : 'English'}`)),
    el('div', { class: 'button-row' },
      btn('start-discharge', `+ ${t('Start discharge')}`, () => begin('discharge'), 'btn btn-primary'),
      btn('start-ipass', `+ ${t('Start I-PASS')}`, () => begin('ipass'), 'btn btn-primary'),
      carry),
    carryHelp,
    el('h2', {}, t('Handoffs')), note, list));

  const drafts = (await ctx.store.listDrafts().catch(() => []))
    .filter((d) => (localPid ? d.patientLocalId === localPid && d.patientId == null : +d.patientId === pid));
  const byHandoff = new Map(drafts.filter((d) => d.handoffId).map((d) => [+d.handoffId, d]));
  let handoffs = [];
  if (localPid) note.textContent = t('This patient is not on the server yet: they are added when the network returns.');
  else try {
    const res = await cached(ctx, `handoffs:patient:${pid}`, `/handoffs?patient_id=${pid}&per_page=200`);
    handoffs = res.value;
    if (res.offline) note.textContent = t('Offline: the list as it was last seen on this tablet.');
  } catch (e) {
    note.textContent = isOffline(e) ? t('Offline: only drafts on this tablet are shown.') : problem(e, t);
  }

  const local = drafts.filter((d) => !d.handoffId);
  const rows = [
    ...local.map((d) => el('li', {}, el('a', { class: 'list-row handoff-row local', href: `#/drafts/${d.localId}`, data: { localId: d.localId } },
      el('span', { class: 'row-main' }, el('strong', {}, checklistName(d.checklist, t)), ' ', statusBadge('local', t)),
      el('span', { class: 'row-meta' }, el('span', {}, `${t('Edited')} ${when(d.updatedAt)}`))))),
    ...handoffs.map((x) => el('li', {}, el('a', { class: 'list-row handoff-row', href: `#/handoffs/${x.id}`, data: { handoffId: x.id } },
      el('span', { class: 'row-main' }, el('strong', {}, checklistName(x.checklist, t)), ' ', statusBadge(x.status, t),
        byHandoff.has(x.id) && byHandoff.get(x.id).status !== 'final' ? el('span', { class: 'badge' }, t('Draft on this tablet')) : null),
      el('span', { class: 'row-meta' },
        el('span', {}, `${t('Revision')} ${x.revision}`),
        el('span', {}, `${t('Updated')} ${when(x.updated_at)}${x.updated_by ? ` ${t('by')} ${x.updated_by}` : ''}`))))),
  ];
  clear(list, rows.length ? rows : el('li', { class: 'muted empty' }, t('No handoffs yet.')));

  // The newest I-PASS, on the server or on this tablet (the tablet's copy wins when newer).
  const ipass = [
    ...handoffs.filter((x) => x.checklist?.key === 'ipass').map((x) => {
      const d = byHandoff.get(x.id);
      return d && String(d.updatedAt) > String(x.updated_at) ? { data: d.data, at: d.updatedAt } : { data: x.data, at: x.updated_at };
    }),
    ...local.filter((d) => d.checklist?.key === 'ipass').map((d) => ({ data: d.data, at: d.updatedAt })),
  ].sort((a, b) => String(b.at).localeCompare(String(a.at)))[0];
  carry.disabled = !ipass;
  if (!ipass) carryHelp.textContent = t('No I-PASS to carry forward yet.');

  async function begin(key, forward = false) {
    for (const b of container.querySelectorAll('.button-row button')) b.disabled = true;
    try {
      const def = await checklist(ctx, key);
      const data = forward ? carryForward(ipass.data) : {};
      const localId = ctx.store.newLocalId ? ctx.store.newLocalId() : crypto.randomUUID();
      await ctx.store.putDraft({
        localId, handoffId: null, patientId: pid, ...(localPid ? { patientLocalId: localPid } : {}), checklist: { key, version: def.version }, data,
        etag: null, revision: null, status: 'draft', updatedAt: new Date().toISOString(),
        label: `${checklistName({ key }, t)} · ${patientName(patient)}`, // shown in the Unsent list
      });
      if (forward) {
        ctx.sync.saveDraft(localId);
        ctx.toast(t('Carried forward: check every field, then add the new receiver.'));
      }
      ctx.navigate(`#/drafts/${localId}`);
    } catch (e) {
      ctx.toast(isOffline(e) ? t('This checklist is not on this tablet yet: connect once to fetch it.') : problem(e, t));
      for (const b of container.querySelectorAll('.button-row button')) b.disabled = false;
      carry.disabled = !ipass;
    }
  }
}
