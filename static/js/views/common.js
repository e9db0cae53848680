// Helpers the screens share: fetch-and-cache with offline fallback, names, dates, status words.
import { el } from "../dom.js";
import { language, t } from "../i18n/index.js";

export const isOffline = (e) => e?.name === "OfflineError";

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
  const { value } = await cached(
    ctx,
    version ? `checklist:${key}:${version}` : `checklist:${key}`,
    `/checklists/${encodeURIComponent(key)}${version ? `?version=${version}` : ""}`,
  );
  ctx.store.cachePut(`checklist:${key}:${value.version}`, value).catch(() => {});
  return value;
}

export const patientName = (p) => (p ? `${p.family_name}, ${p.given_name}` : "");

/** Where the patient lies: "5 North, bed 12B", "Unit 5 North", "Bed 12B", or "" (neither known). */
export function placeText(p) {
  const unit = (p?.unit || "").trim();
  const bed = (p?.bed || "").trim();
  if (unit && bed) return t("patients.unitAndBed", { unit, bed });
  if (unit) return t("patients.unit", { unit });
  return bed ? t("patients.bed", { bed }) : "";
}

/** Put a patient at the top of "recently opened" (kept encrypted, at most 30). */
export async function rememberPatient(ctx, p) {
  ctx.store.cachePut(`patient:${p.id}`, p).catch(() => {});
  const recent = (await ctx.store.cacheGet("recent-patients").catch(() => null)) || [];
  await ctx.store.cachePut("recent-patients", [p, ...recent.filter((r) => r.id !== p.id)].slice(0, 30)).catch(() => {});
}

export async function patientById(ctx, id) {
  try {
    const { value } = await cached(ctx, `patient:${id}`, `/patients/${id}`);
    return value;
  } catch (e) {
    if (!isOffline(e)) throw e;
    return ((await ctx.store.cacheGet("recent-patients").catch(() => null)) || []).find((p) => p.id === +id) || null;
  }
}

export function when(iso) {
  if (!iso) return "";
  const d = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(+d) ? iso : d.toLocaleString(language(), { dateStyle: "medium", timeStyle: "short" });
}

/**
 * A due time for people, in the tablet's language: {sameDay, text}, the time alone ("19:30") when it
 * falls on the same day as `now`, else date and time ("21 Nov 2026, 19:30"). `d` is a Date.
 */
export function dueTime(d, now = new Date()) {
  const sameDay = d.toDateString() === now.toDateString();
  const text = d.toLocaleString(
    language(),
    sameDay ? { timeStyle: "short" } : { dateStyle: "medium", timeStyle: "short" },
  );
  return { sameDay, text };
}

// Message keys of the built-in checklists' names; another checklist shows its key.
export const CHECKLIST_NAMES = { discharge: "checklist.discharge", ipass: "checklist.ipass" };

// The I-PASS fields a receiver reads before confirming (the inbox and the unit take-over).
export const IPASS_READ_KEYS = [
  "illness_severity",
  "code_status",
  "allergies",
  "no_known_allergies",
  "patient_summary",
  "action_list",
  "situation_awareness",
];
export const checklistName = (c) => (CHECKLIST_NAMES[c?.key] ? t(CHECKLIST_NAMES[c.key]) : c?.key || "");

const STATUS_WORDS = { final: "status.signed", draft: "status.draft", local: "status.local" };

/** Status in words (never colour alone). */
export function statusBadge(status) {
  const text = STATUS_WORDS[status] ? t(STATUS_WORDS[status]) : status;
  return el("span", { class: `status-chip status-${{ local: "waiting" }[status] || status}`, data: { status } }, text);
}

/** A screen's heading, focusable so the router can move focus to it. */
export const heading = (text, ...extra) => el("h1", { tabindex: "-1", class: "view-title" }, text, ...extra);

// The server's own `message` is shown as it sends it.
export function problem(e) {
  if (isOffline(e)) return t("common.offlineNotKept");
  if (e?.status === 404) return t("common.notFound");
  if (e?.status === 403) return t("common.forbidden");
  return e?.body?.message || e?.message || t("common.failed");
}

export const errorBox = (e) => el("p", { class: "note note-error", role: "alert" }, problem(e));

/** [{path, message}] from an API error body, by path. */
export function errorsByPath(body) {
  const out = {};
  for (const e of body?.errors || []) (out[e.path || ""] ||= []).push(e.message);
  return out;
}
