// Sign-in and unlock: the server checks the password the first time on a tablet; after that the
// same password opens this nurse's vault locally (offline too). A shared tablet changing hands
// deletes the previous nurse's data, after a warning.
import { el } from "../dom.js";
import { t } from "../i18n/index.js";
import { confirmSwitchUser, languageField, passwordDialog, withStrong } from "./ui.js";
import { createPinScreens, endLeftoverSession, isPinVault, ssoButton, ssoConfig } from "./pin-unlock.js";

/**
 * createAuth({root, chrome, session, api, store, vaultCrypto, wipeLocalData, enterApp})
 * → {showLogin, showUnlock, unlockLocally, resumeSso}. `session.vault` is set once a vault is open;
 * `enterApp(user, idleMinutes)` draws the unlocked app.
 */
export function createAuth({ root, chrome, session, api, store, vaultCrypto, wipeLocalData, enterApp }) {
  const sso = ssoConfig();
  // Single sign-on's screens: the device PIN instead of a password (pin-unlock.js).
  const pins = createPinScreens({
    root,
    chrome,
    session,
    api,
    store,
    vaultCrypto,
    wipeLocalData,
    resume,
    showLogin,
    showUnlock,
  });

  function authCard(title, ...content) {
    chrome.hidden = true;
    chrome.replaceChildren();
    const card = el(
      "section",
      { class: "auth-card", "aria-labelledby": "auth-title" },
      el("h1", { id: "auth-title", text: title }),
      ...content,
    );
    root.replaceChildren(card);
    return card;
  }

  function field(id, label, attributes) {
    return el(
      "div",
      { class: "field" },
      el("label", { for: id, text: label }),
      el("input", { id, name: id, ...attributes }),
    );
  }

  // What is on screen, so a language switch can draw it again.
  let shown = null;
  const text = (value) => (typeof value === "function" ? value() : value);

  function redraw() {
    if (!shown || !root.contains(shown.card)) return;
    const typed = shown.card.querySelector("#login-username")?.value;
    shown.show(...shown.args);
    if (typed) root.querySelector("#login-username").value = typed;
  }

  // #NAME-form with its fields, then #NAME-error and the #NAME-submit button.
  function authForm(name, submitLabel, fields) {
    const error = el("p", { id: `${name}-error`, class: "form-error", role: "alert" });
    const submit = el("button", {
      id: `${name}-submit`,
      type: "submit",
      class: "btn btn-primary btn-block",
      text: submitLabel,
    });
    const form = el("form", { id: `${name}-form`, novalidate: true }, ...fields, error, submit);
    return { form, error, submit };
  }

  /** `message` and `note`: text, or a function giving it (so it follows a language switch). */
  function showLogin({ message = "", note = "" } = {}) {
    const { form, error, submit } = authForm("login", t("auth.signIn"), [
      field("login-username", t("auth.username"), {
        autocomplete: "username",
        autocapitalize: "none",
        spellcheck: "false",
        required: true,
      }),
      field("login-password", t("auth.password"), {
        type: "password",
        autocomplete: "current-password",
        required: true,
      }),
    ]);
    error.textContent = text(message);
    const card = authCard(
      t("auth.signInTitle"),
      note ? el("p", { class: "note", text: text(note) }) : null,
      !sso.passwordLogin && message ? el("p", { class: "form-error", role: "alert", text: text(message) }) : null,
      sso.name ? ssoButton(sso.name) : null,
      sso.name && sso.passwordLogin ? el("p", { id: "password-sign-in-note", text: t("sso.orPassword") }) : null,
      sso.passwordLogin ? form : null,
      languageField("login-language"),
    );
    shown = { card, show: showLogin, args: [{ message, note }] };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const username = form.querySelector("#login-username").value.trim();
      const password = form.querySelector("#login-password").value;
      if (!username || !password) {
        error.textContent = t("auth.enterUsernamePassword");
        return;
      }
      submit.disabled = true;
      submit.textContent = t("auth.signingIn");
      try {
        await signIn(username, password);
      } catch (failure) {
        error.textContent = failure.message;
        form.querySelector("#login-password").value = "";
        form.querySelector("#login-password").focus();
      } finally {
        submit.disabled = false;
        submit.textContent = t("auth.signIn");
      }
    });
    if (sso.passwordLogin) form.querySelector("#login-username").focus();
  }

  async function signIn(username, password) {
    const vault = await store.getVault();
    let answer;
    try {
      answer = await api.login(username, password);
    } catch (failure) {
      if (failure instanceof api.ApiError && failure.status === 401) throw new Error(t("auth.wrongUsernameOrPassword"));
      if (failure instanceof api.OfflineError) {
        // Offline, but this tablet already has this nurse's vault: the password opens it locally.
        if (vault && vault.username === username) {
          await unlockLocally(vault, password);
          return;
        }
        throw new Error(t("auth.firstSignInNeedsNetwork"));
      }
      throw new Error((failure.body && failure.body.message) || t("auth.signInFailed"));
    }

    if (vault && vault.username !== username) {
      // A shared tablet changing hands: the previous nurse's data goes, after a warning.
      if (!(await confirmSwitchUser(store, vault.username, username))) {
        await api.logout().catch(() => {});
        throw new Error(t("auth.stillOnTablet", { name: vault.username }));
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
      const unlock = el("button", { type: "submit", class: "btn btn-primary", text: t("auth.unlock") });
      const fresh = el("button", {
        type: "button",
        class: "btn btn-danger",
        id: "old-password-discard",
        text: t("auth.startFresh"),
      });
      const { dialog, form, input, error } = passwordDialog({
        id: "old-password-dialog",
        titleId: "old-password-title",
        title: t("auth.passwordChangedTitle"),
        text: t("auth.passwordChangedText"),
        inputId: "old-password",
        label: t("auth.previousPassword"),
        autocomplete: "off",
        errorId: "old-password-error",
        buttons: [unlock, fresh],
      });
      dialog.addEventListener("cancel", (event) => event.preventDefault());
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        try {
          const next = await vaultCrypto.rewrapVault(vault, input.value, newPassword);
          await store.putVault(next);
          dialog.close();
          dialog.remove();
          resolve(next);
        } catch {
          error.textContent = t("auth.wrongPassword");
          input.value = "";
          input.focus();
        }
      });
      fresh.addEventListener("click", async () => {
        const unsent = await store.outboxCount();
        if (unsent && !window.confirm(t("auth.deleteUnsentForGood", { count: unsent }))) return;
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
    if (isPinVault(vault)) return pins.showPinUnlock(vault, { message });
    const { form, error, submit } = authForm("unlock", t("auth.unlock"), [
      // The username field lets password managers fill the right entry; it is not editable here.
      el("input", {
        type: "text",
        name: "username",
        autocomplete: "username",
        value: vault.username,
        hidden: true,
        "aria-hidden": "true",
        tabindex: "-1",
      }),
      field("unlock-password", t("auth.password"), {
        type: "password",
        autocomplete: "current-password",
        required: true,
      }),
    ]);
    const other = el("button", {
      type: "button",
      id: "switch-user",
      class: "btn btn-quiet btn-block",
      text: t("auth.signInAsSomeoneElse"),
    });
    const card = authCard(
      t("auth.unlockTitle"),
      message ? el("p", { class: "note", role: "status", text: text(message) }) : null,
      el("p", {}, ...withStrong("auth.signedInAs", "name", vault.username)),
      form,
      other,
      languageField("unlock-language"),
    );
    shown = { card, show: showUnlock, args: [vault, { message }] };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = form.querySelector("#unlock-password");
      if (!input.value) {
        error.textContent = t("auth.enterPassword");
        input.focus();
        return;
      }
      submit.disabled = true;
      submit.textContent = t("auth.unlocking");
      try {
        await unlockLocally(vault, input.value);
      } catch (failure) {
        error.textContent =
          failure instanceof vaultCrypto.WrongPasswordError ? t("auth.wrongPassword") : failure.message;
        input.value = "";
        input.focus();
      } finally {
        submit.disabled = false;
        submit.textContent = t("auth.unlock");
      }
    });
    other.addEventListener("click", async () => {
      const unsent = await store.outboxCount();
      showLogin({
        note: () =>
          unsent
            ? t("auth.switchUserNoteUnsent", { name: vault.username, count: unsent })
            : t("auth.switchUserNote", { name: vault.username }),
      });
    });
    form.querySelector("#unlock-password").focus();
  }

  // The key never leaves memory, so every reload, and every idle lock, comes through here.
  async function unlockLocally(vault, password) {
    await vaultCrypto.unlockVault(vault, password); // throws WrongPasswordError
    await resume(vault, password);
  }

  // After the vault opened: check the server session and enter the app. `password` is null for a
  // PIN vault (single sign-on): a PIN is never sent anywhere, so a missing session is renewed later
  // through the hospital's sign-in, not here.
  async function resume(vault, password, live = null) {
    session.vault = vault;
    let user = await store.cacheGet("app:user");
    let idle = await store.cacheGet("app:idle-minutes");
    try {
      live = live || (await api.session());
      if (live && live.user.username !== vault.username && password === null) {
        await api.logout().catch(() => {}); // another user's cookie on this tablet: not this nurse's session
        live = null;
      } else if ((!live || live.user.username !== vault.username) && password !== null) {
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

  /** Back from the hospital's sign-in (a live session, no vault of this nurse yet): true if it took over. */
  async function resumeSso(vault) {
    if (!sso.name) return false;
    // After a wipe for wrong PINs, a session left on the server must not let anyone set a new PIN.
    if (await endLeftoverSession(api)) return false;
    let live = null;
    try {
      live = await api.session();
    } catch {
      return false; // offline: the vault, if any, opens as usual
    }
    if (!live || !live.user.identity_provider || (vault && vault.username === live.user.username)) return false;
    await pins.afterSsoSignIn(live, vault);
    return true;
  }

  return { showLogin, showUnlock, unlockLocally, resumeSso, redraw };
}

function requestPersistentStorage() {
  // Without it the browser may evict IndexedDB under storage pressure, unsent work included.
  if (navigator.storage && navigator.storage.persist) {
    navigator.storage
      .persisted()
      .then((already) => already || navigator.storage.persist())
      .catch(() => {});
  }
}
