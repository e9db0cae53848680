// Helpers the screens share: fetch-and-cache with offline fallback, names, dates, status words.
import { el } from '../dom.js';

export const isOffline = (e) => e?.name === 'OfflineError';

/** GET path and keep an encrypted copy under key; offline, answer from that copy. */
export async function cached(ctx, key, path) {
  try {
    const value = await ctx.api.get(path);
    ctx.store.cachePut(key, value).catch(() => {});
    return { value, offline: false };
  } catch (e) {
    if (!isOffline(e)) throw e;
    const value = await ctx.store.cacheGet(key).catch(() => null);
    if (value == null) throw e;
    return { value, offline: true };
  }
}

/** A checklist definition (latest, or one version): cached under both names, published ones never change. */
export async function checklist(ctx, key, version) {
  if (version) {
    const copy = await ctx.store.cacheGet(`checklist:${key}:${version}`).catch(() => null);
    if (copy) return copy;
  }
  const { value } = await cached(ctx, version ? `checklist:${key}:${version}` : `checklist:${key}`,
    `/checklists/${encodeURIComponent(key)}${version ? `?version=${version}` : ''}`);
  ctx.store.cachePut(`checklist:${key}:${value.version}`, value).catch(() => {});
  return value;
}

export const patientName = (p) => (p ? `${p.family_name}, ${p.given_name}` : '');

/** Put a patient at the top of "recently opened" (kept encrypted, at most 30). */
export async function rememberPatient(ctx, p) {
  ctx.store.cachePut(`patient:${p.id}`, p).catch(() => {});
  const recent = (await ctx.store.cacheGet('recent-patients').catch(() => null)) || [];
  await ctx.store.cachePut('recent-patients', [p, ...recent.filter((r) => r.id !== p.id)].slice(0, 30)).catch(() => {});
}

export async function patientById(ctx, id) {
  try {
    const { value } = await cached(ctx, `patient:${id}`, `/patients/${id}`);
    return value;
  } catch (e) {
    if (!isOffline(e)) throw e;
    return ((await ctx.store.cacheGet('recent-patients').catch(() => null)) || []).find((p) => p.id === +id) || null;
  }
}

export function when(iso) {
  if (!iso) return '';
  const d = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(+d) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export const CHECKLIST_NAMES = { discharge: 'Discharge', ipass: 'I-PASS' };
export const checklistName = (c, t = (s) => s) => t(CHECKLIST_NAMES[c?.key] || c?.key || '');

/** Status in words (never colour alone). */
export function statusBadge(status, t = (s) => s) {
  const text = { final: 'Signed', draft: 'Draft', local: 'Not sent yet' }[status] || status;
  return el('span', { class: `status-chip status-${{ local: 'waiting' }[status] || status}`, data: { status } }, t(text));
}

/** A screen's heading, focusable so the router can move focus to it. */
export const heading = (text, ...extra) => el('h1', { tabindex: '-1', class: 'view-title' }, text, ...extra);

export function problem(e, t = (s) => s) {
  if (isOffline(e)) return t('You are offline, and this is not kept on this tablet yet.');
  if (e?.status === 404) return t('Not found.');
  if (e?.status === 403) return t('Your role does not allow this.');
  return e?.body?.message || e?.message || t('Something went wrong.');
}

export const errorBox = (e, t) => el('p', { class: 'note note-error', role: 'alert' }, problem(e, t));

/** [{path, message}] from an API error body, by path. */
export function errorsByPath(body) {
  const out = {};
  for (const e of body?.errors || []) (out[e.path || ''] ||= []).push(e.message);
  return out;
}
