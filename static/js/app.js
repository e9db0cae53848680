// Entry point of the tablet app: sign-in and unlock, the app chrome, the hash router that loads
// one screen module at a time (views/*.js, contract in views/README.md), the sync indicator,
// idle lock, logout, and the "update available" bar.

import * as api from "./api.js";
import * as vaultCrypto from "./crypto.js";
import * as store from "./store.js";
import * as sync from "./sync.js";
import { el } from "./el.js";

const DEFAULT_IDLE_MINUTES = 15;
const IDLE_CHECK_MS = 15_000;
const TOAST_MS = 5_000;

const session = {
  user: null, // {id, username, role, display_name}
  vault: null, // the `meta` record of this device's vault
  idleMinutes: DEFAULT_IDLE_MINUTES,
  lastActivity: Date.now(),
};

const root = document.getElementById("app");
const chrome = document.getElementById("chrome");

// ---- small DOM helpers ----


let toastTimer = null;
function toast(text) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.classList.add("toast-visible");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    box.classList.remove("toast-visible");
    box.textContent = "";
  }, TOAST_MS);
}

// Fixed interface text passes through here so a translation can be added in one place.
function t(text) {
  return text;
}

// A modal question; resolves true (confirm) or false (cancel, Escape).
function confirmDialog({ id, title, text, confirmId, confirmLabel, cancelLabel = "Cancel", danger = false }) {
  return new Promise((resolve) => {
    const confirm = el("button", { type: "button", id: confirmId, class: `btn ${danger ? "btn-danger" : "btn-primary"}`,
      text: confirmLabel });
    const cancel = el("button", { type: "button", class: "btn", text: cancelLabel });
    const dialog = el("dialog", { id, class: "dialog", "aria-labelledby": `${id}-title`, "aria-describedby": `${id}-text` },
      el("h2", { id: `${id}-title`, text: title }),
      el("p", { id: `${id}-text`, text }),
      el("div", { class: "button-row" }, confirm, cancel));
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    confirm.addEventListener("click", () => finish(true));
    cancel.addEventListener("click", () => finish(false));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus(); // the safe choice has the focus
  });
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

// ---- sign-in, unlock ----

function authCard(title, ...content) {
  chrome.hidden = true;
  chrome.replaceChildren();
  const card = el("section", { class: "auth-card", "aria-labelledby": "auth-title" },
    el("h1", { id: "auth-title", text: title }), ...content);
  root.replaceChildren(card);
  return card;
}

function field(id, label, attributes) {
  return el("div", { class: "field" }, el("label", { for: id, text: label }), el("input", { id, name: id, ...attributes }));
}

function showLogin({ message = "", note = "" } = {}) {
  const error = el("p", { id: "login-error", class: "form-error", role: "alert", text: message });
  const submit = el("button", { id: "login-submit", type: "submit", class: "btn btn-primary btn-block", text: t("Sign in") });
  const form = el("form", { id: "login-form", novalidate: true },
    field("login-username", t("Username"), { autocomplete: "username", autocapitalize: "none", spellcheck: "false",
      required: true }),
    field("login-password", t("Password"), { type: "password", autocomplete: "current-password", required: true }),
    error, submit);
  authCard(t("Sign in to Handoff"), note ? el("p", { class: "note", text: note }) : null, form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const username = form.querySelector("#login-username").value.trim();
    const password = form.querySelector("#login-password").value;
    if (!username || !password) {
      error.textContent = t("Enter your username and password.");
      return;
    }
    submit.disabled = true;
    submit.textContent = t("Signing in…");
    try {
      await signIn(username, password);
    } catch (failure) {
      error.textContent = failure.message;
      form.querySelector("#login-password").value = "";
      form.querySelector("#login-password").focus();
    } finally {
      submit.disabled = false;
      submit.textContent = t("Sign in");
    }
  });
  form.querySelector("#login-username").focus();
}

async function signIn(username, password) {
  const vault = await store.getVault();
  let answer;
  try {
    answer = await api.login(username, password);
  } catch (failure) {
    if (failure instanceof api.ApiError && failure.status === 401) throw new Error(t("Wrong username or password."));
    if (failure instanceof api.OfflineError) {
      // Offline, but this tablet already has this nurse's vault: the password opens it locally.
      if (vault && vault.username === username) {
        await unlockLocally(vault, password);
        return;
      }
      throw new Error(t("No connection. The first sign-in on this tablet needs the network."));
    }
    throw new Error((failure.body && failure.body.message) || t("Sign-in failed. Try again."));
  }

  if (vault && vault.username !== username) {
    // A shared tablet changing hands: the previous nurse's data goes, after a warning.
    const unsent = await store.outboxCount();
    if (unsent > 0) {
      const ok = await confirmDialog({
        id: "switch-user", confirmId: "switch-user-confirm", danger: true,
        title: t(`Delete ${vault.username}'s unsent work?`),
        text: t(`This tablet holds ${plural(unsent, "unsent item")} of ${vault.username}. Signing in as ${username} `
          + "deletes them from this tablet for good. Cancel, and ask them to sign in and send them first."),
        confirmLabel: t(`Delete ${unsent} and sign in`), cancelLabel: t("Cancel"),
      });
      if (!ok) {
        await api.logout().catch(() => {});
        throw new Error(t(`Not signed in. ${vault.username}'s work is still on this tablet.`));
      }
    }
    await wipeLocalData();
    await openVault(null, username, password);
  } else {
    await openVault(vault, username, password);
  }
  await enterApp(answer.user, answer.idle_timeout_minutes);
  requestPersistentStorage();
}

// Unlock (or create) this user's vault with the password just accepted by the server.
async function openVault(vault, username, password) {
  if (!vault) {
    session.vault = await vaultCrypto.createVault(username, password);
    await store.putVault(session.vault);
    return;
  }
  try {
    await vaultCrypto.unlockVault(vault, password);
    session.vault = vault;
  } catch (failure) {
    if (!(failure instanceof vaultCrypto.WrongPasswordError)) throw failure;
    // The server took the password, the vault did not: it was changed since this vault was made.
    session.vault = await askPreviousPassword(vault, password);
  }
}

function askPreviousPassword(vault, newPassword) {
  return new Promise((resolve) => {
    const error = el("p", { class: "form-error", role: "alert", id: "old-password-error" });
    const input = el("input", { id: "old-password", type: "password", autocomplete: "off" });
    const unlock = el("button", { type: "submit", class: "btn btn-primary", text: t("Unlock") });
    const fresh = el("button", { type: "button", class: "btn btn-danger", id: "old-password-discard",
      text: t("Delete the saved work and start fresh") });
    const dialog = el("dialog", { id: "old-password-dialog", class: "dialog", "aria-labelledby": "old-password-title" },
      el("h2", { id: "old-password-title", text: t("Your password has changed") }),
      el("p", { text: t("The work saved on this tablet is locked with your previous password. Enter it to keep "
        + "that work, or delete it and start fresh.") }),
      el("form", { method: "dialog" },
        el("div", { class: "field" }, el("label", { for: "old-password", text: t("Previous password") }), input),
        error, el("div", { class: "button-row" }, unlock, fresh)));
    dialog.addEventListener("cancel", (event) => event.preventDefault());
    dialog.querySelector("form").addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const next = await vaultCrypto.rewrapVault(vault, input.value, newPassword);
        await store.putVault(next);
        dialog.close();
        dialog.remove();
        resolve(next);
      } catch {
        error.textContent = t("Wrong password");
        input.value = "";
        input.focus();
      }
    });
    fresh.addEventListener("click", async () => {
      const unsent = await store.outboxCount();
      if (unsent && !window.confirm(t(`Delete ${plural(unsent, "unsent item")} for good?`))) return;
      dialog.close();
      dialog.remove();
      await wipeLocalData();
      const created = await vaultCrypto.createVault(vault.username, newPassword);
      await store.putVault(created);
      resolve(created);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}

function showUnlock(vault, { message = "" } = {}) {
  const error = el("p", { id: "unlock-error", class: "form-error", role: "alert" });
  const submit = el("button", { id: "unlock-submit", type: "submit", class: "btn btn-primary btn-block", text: t("Unlock") });
  const form = el("form", { id: "unlock-form", novalidate: true },
    // The username field lets password managers fill the right entry; it is not editable here.
    el("input", { type: "text", name: "username", autocomplete: "username", value: vault.username, hidden: true,
      "aria-hidden": "true", tabindex: "-1" }),
    field("unlock-password", t("Password"), { type: "password", autocomplete: "current-password", required: true }),
    error, submit);
  const other = el("button", { type: "button", id: "switch-user", class: "btn btn-quiet btn-block",
    text: t("Sign in as someone else") });
  authCard(t("Unlock Handoff"),
    message ? el("p", { class: "note", role: "status", text: message }) : null,
    el("p", {}, t("Signed in on this tablet as "), el("strong", { text: vault.username }),
      t(". Your password unlocks the work saved here.")),
    form, other);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = form.querySelector("#unlock-password");
    if (!input.value) {
      error.textContent = t("Enter your password.");
      input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = t("Unlocking…");
    try {
      await unlockLocally(vault, input.value);
    } catch (failure) {
      error.textContent = failure instanceof vaultCrypto.WrongPasswordError ? t("Wrong password") : failure.message;
      input.value = "";
      input.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = t("Unlock");
    }
  });
  other.addEventListener("click", async () => {
    const unsent = await store.outboxCount();
    showLogin({ note: unsent
      ? t(`Signing in as someone else deletes ${vault.username}'s work from this tablet, `
        + `including ${plural(unsent, "unsent item")}.`)
      : t(`Signing in as someone else deletes ${vault.username}'s saved work from this tablet.`) });
  });
  form.querySelector("#unlock-password").focus();
}

// The key never leaves memory, so every reload, and every idle lock, comes through here.
async function unlockLocally(vault, password) {
  await vaultCrypto.unlockVault(vault, password); // throws WrongPasswordError
  session.vault = vault;
  let user = await store.cacheGet("app:user");
  let idle = await store.cacheGet("app:idle-minutes");
  try {
    let live = await api.session();
    if (!live || live.user.username !== vault.username) {
      // No session (expired, or another user's cookie): the password just typed renews it.
      live = await api.login(vault.username, password).catch((failure) => {
        if (failure instanceof api.OfflineError) throw failure;
        return null; // refused (password changed on the server): work locally; sync asks later
      });
    }
    if (live) {
      user = live.user;
      idle = live.idle_timeout_minutes;
    }
  } catch (failure) {
    if (!(failure instanceof api.OfflineError)) console.warn("session check failed", failure);
  }
  await enterApp(user || { username: vault.username }, idle);
}

function requestPersistentStorage() {
  // Without it the browser may evict IndexedDB under storage pressure, unsent work included.
  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persisted().then((already) => already || navigator.storage.persist()).catch(() => {});
  }
}

// ---- the unlocked app ----

async function enterApp(user, idleMinutes) {
  session.user = user;
  session.idleMinutes = Number(idleMinutes) > 0 ? Number(idleMinutes) : DEFAULT_IDLE_MINUTES;
  session.lastActivity = Date.now();
  await store.cachePut("app:user", user);
  await store.cachePut("app:idle-minutes", session.idleMinutes);
  renderChrome();
  await sync.start({
    username: user.username,
    toast,
    authNeeded: () => askToSignInAgain(),
    resolved: () => route(), // the chosen data replaced what an open form shows
  });
  route();
}

function renderChrome() {
  const navLink = (id, hash, label, extra) => el("li", {}, el("a", { id, href: hash, class: "nav-link" },
    el("span", { class: "nav-label", text: label }), extra));
  const name = session.user.display_name || session.user.username;
  chrome.replaceChildren(
    el("a", { href: "#/patients", class: "brand", "aria-label": t("Handoff, patients") }, "Handoff"),
    el("nav", { class: "nav", "aria-label": t("Main") }, el("ul", {},
      navLink("nav-patients", "#/patients", t("Patients")),
      navLink("nav-inbox", "#/inbox", t("Inbox")),
      navLink("nav-outbox", "#/outbox", t("Unsent"), el("span", { class: "badge", id: "outbox-count", hidden: true })))),
    el("button", { type: "button", id: "sync-status", class: "sync-status", "data-state": "saved", "data-pending": "0",
      onclick: onSyncClick },
    el("span", { class: "sync-icon", "aria-hidden": "true" }), el("span", { class: "sync-text", text: t("All saved") })),
    el("span", { class: "chrome-user", text: name }),
    el("button", { type: "button", id: "logout", class: "btn btn-quiet", text: t("Sign out"), onclick: onLogoutClick }));
  chrome.hidden = false;
  showSyncStatus(sync.status());
}

function showSyncStatus(current) {
  const indicator = document.getElementById("sync-status");
  if (!indicator) return;
  indicator.dataset.state = current.state;
  indicator.dataset.pending = String(current.pending);
  const words = {
    saved: t("All saved"),
    waiting: current.offline ? t(`Offline · ${current.pending} waiting`) : t(`Sending ${current.pending}…`),
    conflict: t("Conflict: choose a version"),
    error: t(`${plural(current.errors.length, "item")} need${current.errors.length === 1 ? "s" : ""} attention`),
  };
  indicator.querySelector(".sync-text").textContent = words[current.state];
  indicator.title = current.state === "saved" ? t("Everything is on the server")
    : t(`${plural(current.pending, "change")} not on the server yet`);
  const badge = document.getElementById("outbox-count");
  if (badge) {
    badge.hidden = current.pending === 0;
    badge.textContent = String(current.pending);
    badge.setAttribute("aria-label", t(`${current.pending} unsent`));
  }
}
sync.onChange(showSyncStatus);

function onSyncClick() {
  const current = sync.status();
  if (current.state === "conflict") sync.openConflict(current.conflicts[0].id);
  else if (current.state === "error") navigate("#/outbox");
  else if (current.state === "waiting") {
    sync.syncNow();
    toast(t("Trying to send now."));
  } else toast(t("Everything is saved on the server."));
}

let reauthOpen = false;
// The server session ended while the app is unlocked: ask for the password; work goes on.
function askToSignInAgain() {
  if (reauthOpen || !vaultCrypto.isUnlocked() || !session.vault) return;
  reauthOpen = true;
  const error = el("p", { class: "form-error", role: "alert" });
  const input = el("input", { id: "reauth-password", type: "password", autocomplete: "current-password" });
  const dialog = el("dialog", { id: "reauth", class: "dialog", "aria-labelledby": "reauth-title" },
    el("h2", { id: "reauth-title", text: t("Sign in again to send your work") }),
    el("p", { text: t("Your session on the server has ended. Your work is safe on this tablet.") }),
    el("form", { method: "dialog" },
      el("div", { class: "field" }, el("label", { for: "reauth-password", text: t("Password") }), input), error,
      el("div", { class: "button-row" },
        el("button", { type: "submit", class: "btn btn-primary", id: "reauth-submit", text: t("Sign in") }),
        el("button", { type: "button", class: "btn", value: "later", text: t("Later"),
          onclick: () => close() }))));
  const close = () => {
    reauthOpen = false;
    dialog.close();
    dialog.remove();
  };
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    close();
  });
  dialog.querySelector("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const answer = await api.login(session.vault.username, input.value);
      session.idleMinutes = answer.idle_timeout_minutes || session.idleMinutes;
      close();
      sync.signedIn();
    } catch (failure) {
      error.textContent = failure instanceof api.OfflineError ? t("No connection. Try again later.")
        : t("Wrong password");
      input.value = "";
      input.focus();
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  input.focus();
}
api.onUnauthorized((path) => {
  if (!path.startsWith("/auth/")) askToSignInAgain();
});

// ---- router ----

const ROUTES = [
  [/^\/patients$/, "patients", () => ({})],
  [/^\/patients\/new$/, "patient-new", () => ({})],
  [/^\/patients\/([^/]+)$/, "patient", (m) => ({ id: m[1] })],
  [/^\/handoffs\/([^/]+)\/history$/, "history", (m) => ({ id: m[1] })],
  [/^\/handoffs\/([^/]+)\/documents$/, "documents", (m) => ({ id: m[1] })],
  [/^\/handoffs\/([^/]+)$/, "handoff", (m) => ({ id: m[1] })],
  [/^\/drafts\/([^/]+)$/, "handoff", (m) => ({ localId: m[1] })],
  [/^\/inbox$/, "inbox", () => ({})],
  [/^\/outbox$/, "outbox", () => ({})],
];
const NAV_OF = { patients: "nav-patients", "patient-new": "nav-patients", patient: "nav-patients",
  handoff: "nav-patients", history: "nav-patients", documents: "nav-patients", inbox: "nav-inbox", outbox: "nav-outbox" };

function match(hash) {
  const [path, query = ""] = hash.replace(/^#/, "").split("?");
  for (const [pattern, view, toParams] of ROUTES) {
    const found = pattern.exec(path);
    if (found) {
      const params = toParams(found.map((part) => (part === undefined ? part : decodeURIComponent(part))));
      return { view, params: { ...params, query: new URLSearchParams(query) } };
    }
  }
  return null;
}

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

let renderCount = 0;
let leaving = []; // cleanups of the screen on show: its sync.onChange subscriptions, its signal

async function route() {
  if (!vaultCrypto.isUnlocked()) return;
  const found = match(location.hash);
  if (!found) {
    history.replaceState(null, "", "#/patients");
    return route();
  }
  const current = (renderCount += 1);
  for (const cleanup of leaving.splice(0)) cleanup();

  for (const link of chrome.querySelectorAll(".nav-link")) link.removeAttribute("aria-current");
  const navLink = document.getElementById(NAV_OF[found.view]);
  if (navLink) navLink.setAttribute("aria-current", "page");

  // A fresh container per screen: a slow screen still rendering after the nurse moved on
  // writes into a detached node instead of over the next screen.
  const container = el("div", { class: `view view-${found.view}` }, el("p", { class: "loading", text: t("Loading…") }));
  root.replaceChildren(container);
  const ctx = makeContext();

  try {
    const screen = await import(`./views/${found.view}.js`);
    if (current !== renderCount) return;
    container.replaceChildren();
    await screen.render(container, ctx, found.params);
  } catch (failure) {
    if (current !== renderCount) return;
    console.error(failure);
    container.replaceChildren(errorPanel(failure));
  }
  if (current === renderCount && !container.contains(document.activeElement)) {
    // Move focus to the new screen's heading, so keyboard and screen-reader users land on it.
    const heading = container.querySelector("h1, h2");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  }
}

function errorPanel(failure) {
  let text = t("Something went wrong showing this screen.");
  if (failure instanceof api.OfflineError) text = t("You are offline, and this screen has no copy saved on this tablet yet.");
  else if (failure instanceof api.ApiError && failure.status === 404) text = t("Not found.");
  else if (failure instanceof api.ApiError && failure.status === 403) text = t("Your role does not allow this.");
  else if (failure instanceof api.ApiError && failure.body && failure.body.message) text = failure.body.message;
  else if (failure instanceof TypeError && /module/i.test(failure.message)) {
    text = t("This screen could not be loaded. Reload the app when you are back online.");
  }
  return el("div", { class: "panel panel-error", role: "alert" },
    el("h1", { text: t("Cannot show this") }), el("p", { text }),
    el("div", { class: "button-row" },
      el("button", { type: "button", class: "btn", text: t("Try again"), onclick: () => route() }),
      el("a", { class: "btn btn-quiet", href: "#/patients", text: t("Patients") })));
}

// What a screen gets (views/README.md). Subscriptions made through it end when the nurse
// leaves the screen.
function makeContext() {
  const controller = new AbortController();
  leaving.push(() => controller.abort());
  return {
    api: { get: api.get, getRaw: api.getRaw, send: api.send, ApiError: api.ApiError, OfflineError: api.OfflineError },
    store: {
      putDraft: store.putDraft, getDraft: store.getDraft, listDrafts: store.listDrafts, deleteDraft: store.deleteDraft,
      findDraftByHandoff: store.findDraftByHandoff, newLocalId: store.newLocalId,
      cachePut: store.cachePut, cacheGet: store.cacheGet,
    },
    sync: {
      saveDraft: sync.saveDraft, finalize: sync.finalize, createPatient: sync.createPatient, status: sync.status,
      onChange: (callback) => {
        const off = sync.onChange(callback);
        leaving.push(off);
        return off;
      },
      syncNow: sync.syncNow, list: sync.list, pendingPatients: sync.pendingPatients, patientIdFor: sync.patientIdFor,
      openConflict: sync.openConflict, discard: sync.discard, retry: sync.retry,
    },
    user: session.user,
    navigate,
    toast,
    t,
    signal: controller.signal,
  };
}

window.addEventListener("hashchange", () => route());

// ---- idle lock ----

for (const type of ["pointerdown", "keydown", "touchstart", "wheel", "input"]) {
  window.addEventListener(type, () => {
    session.lastActivity = Date.now();
  }, { capture: true, passive: true });
}

function checkIdle() {
  if (!vaultCrypto.isUnlocked()) return;
  if (Date.now() - session.lastActivity >= session.idleMinutes * 60_000) lockApp();
}
setInterval(checkIdle, IDLE_CHECK_MS);
// Timers sleep in a hidden tab: check the moment the tablet is looked at again.
document.addEventListener("visibilitychange", checkIdle);

// Forget the key, clear the screen and the cached patient data; the nurse's encrypted drafts and
// unsent items stay for the unlock.
function lockApp() {
  sync.stop();
  vaultCrypto.lock();
  store.clearCache().catch(() => {}); // already encrypted; clearing is belt and braces
  for (const cleanup of leaving.splice(0)) cleanup();
  renderCount += 1;
  for (const dialog of document.querySelectorAll("dialog")) dialog.remove();
  reauthOpen = false;
  showUnlock(session.vault, { message: t(`Locked after ${session.idleMinutes} minutes without use.`) });
}

// ---- logout ----

function onLogoutClick() {
  // Decided synchronously from the in-memory outbox, so the warning is up before the click ends.
  const unsent = sync.status().pending;
  if (unsent > 0) {
    confirmDialog({
      id: "logout-dialog", confirmId: "logout-confirm", danger: true,
      title: t(`${plural(unsent, "item")} not sent yet`),
      text: t(`Signing out deletes everything on this tablet, including ${plural(unsent, "change")} the server `
        + "does not have yet. Stay signed in and let them send (check the Unsent list), or sign out anyway."),
      confirmLabel: t(`Delete ${unsent} and sign out`), cancelLabel: t("Stay signed in"),
    }).then((ok) => ok && logout());
  } else {
    logout();
  }
}

async function logout() {
  sync.stop();
  vaultCrypto.lock();
  renderCount += 1;
  for (const cleanup of leaving.splice(0)) cleanup();
  root.replaceChildren(el("p", { class: "loading", text: t("Signing out…") }));
  chrome.hidden = true;
  await api.logout().catch(() => {}); // offline: the session cookie still dies at its idle timeout
  await wipeLocalData();
  session.user = null;
  session.vault = null;
  history.replaceState(null, "", "#/patients");
  showLogin({ message: "", note: t("Signed out. Nothing of yours is left on this tablet.") });
}

// Everything with patient data goes: the database (vault included) and any cached response
// that is not the app's own static shell.
async function wipeLocalData() {
  await store.destroy();
  if (!("caches" in window)) return;
  for (const name of await caches.keys()) {
    if (!name.startsWith("handoff-")) {
      await caches.delete(name);
      continue;
    }
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const { pathname } = new URL(request.url);
      const shell = pathname === "/" || pathname === "/manifest.webmanifest" || pathname.startsWith("/static/");
      if (!shell) await cache.delete(request);
    }
  }
}

// ---- service worker and updates ----

let updateAccepted = false;

async function registerServiceWorker() {
  if (!("serviceWorker" in navigator) || !document.body.dataset.sw) return;
  let registration;
  try {
    registration = await navigator.serviceWorker.register(document.body.dataset.sw, { scope: "/" });
  } catch (failure) {
    console.warn("service worker not registered", failure);
    return;
  }
  if (!registration) return; // blocked by policy: the app works, just not offline
  // Only an update (a page already controlled) is offered; the first install just installs.
  const offer = (worker) => {
    if (worker && navigator.serviceWorker.controller) showUpdateBar(worker);
  };
  offer(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    if (!worker) return;
    worker.addEventListener("statechange", () => {
      if (worker.state === "installed") offer(worker);
    });
  });
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (updateAccepted) location.reload();
  });
  setInterval(() => registration.update().catch(() => {}), 30 * 60_000);
}

// Never switch versions under an open form: the nurse decides when (drafts are saved locally).
function showUpdateBar(worker) {
  const bar = document.getElementById("update-ready");
  const reload = el("button", { type: "button", class: "btn btn-primary", id: "update-reload", text: t("Reload") });
  reload.addEventListener("click", () => {
    updateAccepted = true;
    reload.disabled = true;
    worker.postMessage({ type: "SKIP_WAITING" });
    setTimeout(() => location.reload(), 3_000); // if controllerchange never comes
  });
  bar.replaceChildren(el("span", { text: t("Update available — reload to use the new version. Your work is saved; "
    + "you will unlock again after the reload.") }), reload);
  bar.hidden = false;
}

// ---- start ----

document.querySelector(".skip-link")?.addEventListener("click", (event) => {
  // The hash is the router's: move focus without touching it.
  event.preventDefault();
  document.getElementById("main").focus();
});

async function boot() {
  registerServiceWorker();
  let vault = null;
  try {
    vault = await store.getVault();
  } catch (failure) {
    console.error("IndexedDB unavailable", failure);
  }
  if (vault) showUnlock(vault);
  else showLogin();
}

boot();
