// The unlocked app's chrome: brand, navigation, the sync indicator (words and a symbol, never
// colour alone), the nurse's name and sign-out.
import { el } from "../dom.js";
import { t } from "../i18n/index.js";
import { languageField, passwordDialog } from "./ui.js";
import { askSsoSignIn, isPinVault } from "./pin-unlock.js";

/** createChrome({chrome, session, sync, navigate, toast, onLogout}) → {render, showSyncStatus}. */
export function createChrome({ chrome, session, sync, navigate, toast, onLogout }) {
  function render() {
    const navLink = (id, hash, label, extra) =>
      el(
        "li",
        {},
        el("a", { id, href: hash, class: "nav-link" }, el("span", { class: "nav-label", text: label }), extra),
      );
    const name = session.user.display_name || session.user.username;
    chrome.replaceChildren(
      el("a", { href: "#/patients", class: "brand", "aria-label": t("chrome.brandLabel") }, "Handoff"),
      el(
        "nav",
        { class: "nav", "aria-label": t("chrome.main") },
        el(
          "ul",
          {},
          navLink("nav-patients", "#/patients", t("chrome.patients")),
          navLink("nav-board", "#/board", t("chrome.board")),
          navLink("nav-inbox", "#/inbox", t("chrome.inbox")),
          navLink(
            "nav-outbox",
            "#/outbox",
            t("chrome.unsent"),
            el("span", { class: "badge", id: "outbox-count", hidden: true }),
          ),
        ),
      ),
      el(
        "button",
        {
          type: "button",
          id: "sync-status",
          class: "sync-status",
          "data-state": "saved",
          "data-pending": "0",
          onclick: onSyncClick,
        },
        el("span", { class: "sync-icon", "aria-hidden": "true" }),
        el("span", { class: "sync-text", text: t("chrome.syncSaved") }),
      ),
      el("span", { class: "chrome-user", text: name }),
      languageField("chrome-language", { className: "chrome-language" }),
      el("button", {
        type: "button",
        id: "logout",
        class: "btn btn-quiet",
        text: t("chrome.signOut"),
        onclick: onLogout,
      }),
    );
    chrome.hidden = false;
    showSyncStatus(sync.status());
  }

  function showSyncStatus(current) {
    const indicator = document.getElementById("sync-status");
    if (!indicator) return;
    indicator.dataset.state = current.state;
    indicator.dataset.pending = String(current.pending);
    const words = {
      saved: () => t("chrome.syncSaved"),
      waiting: () => t(current.offline ? "chrome.syncOffline" : "chrome.syncSending", { count: current.pending }),
      conflict: () => t("chrome.syncConflict"),
      error: () => t("chrome.syncErrors", { count: current.errors.length }),
    };
    indicator.querySelector(".sync-text").textContent = words[current.state]();
    indicator.title =
      current.state === "saved" ? t("chrome.syncAllOnServer") : t("chrome.syncNotOnServer", { count: current.pending });
    const badge = document.getElementById("outbox-count");
    if (badge) {
      badge.hidden = current.pending === 0;
      badge.textContent = String(current.pending);
      badge.setAttribute("aria-label", t("chrome.unsentCount", { count: current.pending }));
    }
  }

  function onSyncClick() {
    const current = sync.status();
    if (current.state === "conflict") sync.openConflict(current.conflicts[0].id);
    else if (current.state === "error") navigate("#/outbox");
    else if (current.state === "waiting") {
      sync.syncNow();
      toast(t("chrome.tryingToSend"));
    } else toast(t("chrome.everythingSaved"));
  }

  return { render, showSyncStatus };
}

/**
 * createReauth({session, api, vaultCrypto, sync, idle}) → {ask, reset}. The server session ended
 * while the app is unlocked: ask for the password; work goes on meanwhile.
 */
export function createReauth({ session, api, vaultCrypto, sync, idle }) {
  let open = false;
  function ask() {
    if (open || !vaultCrypto.isUnlocked() || !session.vault) return;
    open = true;
    if (isPinVault(session.vault)) {
      // Signed in through the hospital: no password here to ask for; its sign-in page renews the session.
      askSsoSignIn().then(() => (open = false));
      return;
    }
    const { dialog, form, input, error } = passwordDialog({
      id: "reauth",
      titleId: "reauth-title",
      title: t("reauth.title"),
      text: t("reauth.text"),
      inputId: "reauth-password",
      label: t("auth.password"),
      autocomplete: "current-password",
      buttons: [
        el("button", { type: "submit", class: "btn btn-primary", id: "reauth-submit", text: t("auth.signIn") }),
        el("button", { type: "button", class: "btn", value: "later", text: t("reauth.later"), onclick: () => close() }),
      ],
    });
    const close = () => {
      open = false;
      dialog.close();
      dialog.remove();
    };
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      close();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const answer = await api.login(session.vault.username, input.value);
        if (answer.idle_timeout_minutes) idle.setMinutes(answer.idle_timeout_minutes);
        close();
        sync.signedIn();
      } catch (failure) {
        error.textContent = failure instanceof api.OfflineError ? t("reauth.noConnection") : t("auth.wrongPassword");
        input.value = "";
        input.focus();
      }
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  }
  return {
    ask,
    reset: () => {
      open = false;
    },
  };
}
