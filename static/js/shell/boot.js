// Starts the tablet app: builds the shell's parts (sign-in and unlock, chrome, router, idle lock,
// update bar) with what each needs, wires them together, picks the language (the nurse's choice,
// else the browser's) and shows sign-in or unlock. Nothing runs at import time; app.js calls boot().
import * as api from "../api.js";
import * as vaultCrypto from "../crypto.js";
import * as store from "../store.js";
import * as sync from "../sync.js";
import { initLanguage, onLanguageChange, t } from "../i18n/index.js";
import { createAuth } from "./auth.js";
import { createChrome, createReauth } from "./chrome.js";
import { makeContext } from "./context.js";
import { createIdleLock } from "./idle.js";
import { createRouter } from "./router.js";
import { createSessionEnd, wipeLocalData } from "./session.js";
import { createToast } from "./ui.js";
import { registerServiceWorker } from "./update.js";

export async function boot({ doc = document, win = window } = {}) {
  initLanguage();
  const root = doc.getElementById("app");
  const chromeNode = doc.getElementById("chrome");
  const session = {
    user: null, // {id, username, role, display_name}
    vault: null, // the `meta` record of this device's vault
  };
  const toast = createToast(doc.getElementById("toast"));

  const idle = createIdleLock({ isUnlocked: vaultCrypto.isUnlocked, onLock: (minutes) => sessionEnd.lock(minutes) });
  const router = createRouter({
    root,
    chrome: chromeNode,
    api,
    isUnlocked: vaultCrypto.isUnlocked,
    makeContext: (onLeave) =>
      makeContext({ api, store, sync, user: session.user, navigate: router.navigate, toast, t }, onLeave),
  });
  const reauth = createReauth({ session, api, vaultCrypto, sync, idle });
  const chrome = createChrome({
    chrome: chromeNode,
    session,
    sync,
    navigate: router.navigate,
    toast,
    onLogout: () => sessionEnd.onLogoutClick(),
  });
  const auth = createAuth({
    root,
    chrome: chromeNode,
    session,
    api,
    store,
    vaultCrypto,
    wipeLocalData: () => wipeLocalData(store),
    enterApp,
  });
  const sessionEnd = createSessionEnd({
    root,
    chrome: chromeNode,
    session,
    api,
    store,
    sync,
    vaultCrypto,
    router,
    reauth,
    auth,
  });

  async function enterApp(user, idleMinutes) {
    session.user = user;
    idle.setMinutes(idleMinutes);
    idle.touch();
    await store.cachePut("app:user", user);
    await store.cachePut("app:idle-minutes", idle.minutes);
    chrome.render();
    await sync.start({
      username: user.username,
      toast,
      authNeeded: () => reauth.ask(),
      resolved: () => router.route(), // the chosen data replaced what an open form shows
    });
    router.route();
  }

  const skipLink = doc.querySelector(".skip-link");
  if (skipLink) skipLink.textContent = t("chrome.skipLink");
  // A new language redraws what is on screen: the chrome and the current screen, or the card.
  onLanguageChange(() => {
    if (skipLink) skipLink.textContent = t("chrome.skipLink");
    if (vaultCrypto.isUnlocked() && session.user) {
      chrome.render();
      router.route();
    } else {
      auth.redraw();
    }
  });
  sync.onChange(chrome.showSyncStatus);

  api.onUnauthorized((path) => {
    if (!path.startsWith("/auth/")) reauth.ask();
  });
  win.addEventListener("hashchange", () => router.route());
  idle.start(win, doc);
  skipLink?.addEventListener("click", (event) => {
    // The hash is the router's: move focus without touching it.
    event.preventDefault();
    doc.getElementById("main").focus();
  });

  registerServiceWorker(doc.body.dataset.sw, doc.getElementById("update-ready"));
  let vault = null;
  try {
    vault = await store.getVault();
  } catch (failure) {
    console.error("IndexedDB unavailable", failure);
  }
  if (await auth.resumeSso(vault)) return; // back from the hospital's sign-in: set or enter the device PIN
  if (vault) auth.showUnlock(vault);
  else auth.showLogin();
}
