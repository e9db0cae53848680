// Leaving the unlocked app: the idle lock (key forgotten, cached patient data dropped, drafts and
// unsent items kept encrypted) and sign-out (everything of the nurse's deleted from the tablet).
import { el } from "../dom.js";
import { t } from "../i18n/index.js";
import { confirmDialog } from "./ui.js";

// Everything with patient data goes: the database (vault included) and any cached response
// that is not the app's own static shell.
export async function wipeLocalData(store) {
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

/**
 * createSessionEnd({root, chrome, session, api, store, sync, vaultCrypto, router, reauth, auth})
 * → {lock(minutes), onLogoutClick, logout}.
 */
export function createSessionEnd({ root, chrome, session, api, store, sync, vaultCrypto, router, reauth, auth }) {
  // Forget the key, clear the screen and the cached patient data; the nurse's encrypted drafts and
  // unsent items stay for the unlock.
  function lock(minutes) {
    sync.stop();
    vaultCrypto.lock();
    store.clearCache().catch(() => {}); // already encrypted; clearing is belt and braces
    router.leave();
    for (const dialog of document.querySelectorAll("dialog")) dialog.remove();
    reauth.reset();
    auth.showUnlock(session.vault, { message: () => t("session.locked", { count: minutes }) });
  }

  function onLogoutClick() {
    // Decided synchronously from the in-memory outbox, so the warning is up before the click ends.
    const unsent = sync.status().pending;
    if (unsent > 0) {
      confirmDialog({
        id: "logout-dialog",
        confirmId: "logout-confirm",
        danger: true,
        title: t("session.logoutTitle", { count: unsent }),
        text: t("session.logoutText", { count: unsent }),
        confirmLabel: t("session.logoutConfirm", { count: unsent }),
        cancelLabel: t("session.stay"),
      }).then((ok) => ok && logout());
    } else {
      logout();
    }
  }

  async function logout() {
    sync.stop();
    vaultCrypto.lock();
    router.leave();
    root.replaceChildren(el("p", { class: "loading", text: t("session.signingOut") }));
    chrome.hidden = true;
    const viaSso = Boolean(session.user && session.user.identity_provider);
    if (!viaSso) await api.logout().catch(() => {}); // offline: the session cookie still dies at its idle timeout
    await wipeLocalData(store);
    if (viaSso) {
      // The server ends the session and sends the browser on to the hospital's sign-out (handoff/sso).
      window.location.assign("/auth/oidc/logout");
      return;
    }
    session.user = null;
    session.vault = null;
    history.replaceState(null, "", "#/patients");
    auth.showLogin({ message: "", note: () => t("session.signedOut") });
  }

  return { lock, onLogoutClick, logout };
}
