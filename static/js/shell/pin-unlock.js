// Hospital single sign-on on the tablet: the "Sign in with <hospital>" button, the device PIN a nurse
// sets after signing in through the identity provider, and the PIN unlock (offline too) with its
// limit of wrong tries. docs/offline-unlock.md says what the PIN protects and what it does not.
import { el } from "../dom.js";
import { t } from "../i18n/index.js";
import { clearTries, countTry, asPinVault, isPinVault, pinProblem, PIN_MIN_DIGITS, triesLeft } from "../pin.js";
import { confirmDialog, confirmSwitchUser, withStrong } from "./ui.js";

const SSO_LOGIN = "/auth/oidc/login";
// Set when too many wrong PINs wiped the tablet: the server session this tablet may still hold must
// end before anyone can use it (offline, the sign-out could not reach the server).
const END_SESSION_MARK = "handoff:end-server-session";

/** Ends a server session left behind by a wipe; true while that is still owed (offline). */
export async function endLeftoverSession(api, storage = globalThis.localStorage) {
  if (!storage.getItem(END_SESSION_MARK)) return false;
  try {
    await api.logout();
  } catch (failure) {
    if (failure instanceof api.OfflineError) return true;
  }
  storage.removeItem(END_SESSION_MARK);
  return false;
}

/** What the shell page says about single sign-on (handoff/sso/routes.py fills these in). */
export function ssoConfig(doc = document) {
  const data = doc.body?.dataset ?? {};
  return { name: data.ssoName || "", passwordLogin: data.passwordLogin !== "0" };
}

export function ssoButton(name, { id = "sso-sign-in", go = (url) => window.location.assign(url) } = {}) {
  return el("button", {
    type: "button",
    id,
    class: "btn btn-primary btn-block",
    text: t("sso.signInWith", { name }),
    onclick: () => go(SSO_LOGIN),
  });
}

/**
 * createPinScreens({root, chrome, session, api, store, vaultCrypto, wipeLocalData, resume, showLogin, showUnlock})
 * → {afterSsoSignIn(live, vault), showPinUnlock(vault, {message})}. `resume(vault, null, user, idle)`
 * finishes an unlock (session check, enter the app) without ever sending the PIN anywhere.
 */
export function createPinScreens({
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
}) {
  const sso = ssoConfig();

  function card(title, ...content) {
    chrome.hidden = true;
    chrome.replaceChildren();
    const node = el(
      "section",
      { class: "auth-card", "aria-labelledby": "auth-title" },
      el("h1", { id: "auth-title", text: title }),
      ...content,
    );
    root.replaceChildren(node);
    return node;
  }

  function pinField(id, label) {
    // type=password hides the digits from onlookers; inputmode brings up the number pad.
    return el(
      "div",
      { class: "field" },
      el("label", { for: id, text: label }),
      el("input", {
        id,
        name: id,
        type: "password",
        inputmode: "numeric",
        autocomplete: "off",
        pattern: "[0-9]*",
        minlength: String(PIN_MIN_DIGITS),
        required: true,
      }),
    );
  }

  function pinForm(name, submitLabel, fields) {
    const error = el("p", { id: `${name}-error`, class: "form-error", role: "alert" });
    const submit = el("button", { id: `${name}-submit`, type: "submit", class: "btn btn-primary btn-block" });
    submit.textContent = submitLabel;
    const form = el("form", { id: `${name}-form`, novalidate: true }, ...fields, error, submit);
    return { form, error, submit };
  }

  /** Back from the provider with a live session: open or make this nurse's PIN vault. */
  async function afterSsoSignIn(live, vault) {
    const username = live.user.username;
    if (vault && vault.username === username) {
      if (isPinVault(vault)) showPinUnlock(vault);
      else showUnlock(vault); // a password vault from before single sign-on: its password still opens it
      return;
    }
    if (vault) {
      // A shared tablet changing hands: the previous nurse's data goes, after a warning.
      if (!(await confirmSwitchUser(store, vault.username, username))) {
        await api.logout().catch(() => {});
        showUnlock(vault, { message: t("auth.stillOnTablet", { name: vault.username }) });
        return;
      }
      await wipeLocalData();
    }
    showPinSetup(live);
  }

  function showPinSetup(live) {
    const { form, error, submit } = pinForm("pin-set", t("pin.set"), [
      pinField("pin-new", t("pin.pin", { count: PIN_MIN_DIGITS })),
      pinField("pin-repeat", t("pin.repeat")),
    ]);
    card(
      t("pin.setTitle"),
      el("p", { id: "pin-set-text", text: t("pin.setText", { name: sso.name, count: PIN_MIN_DIGITS }) }),
      form,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const pin = form.querySelector("#pin-new").value;
      const repeat = form.querySelector("#pin-repeat").value;
      const problem = pinProblem(pin);
      if (problem || pin !== repeat) {
        error.textContent = problem ? t(problem, { count: PIN_MIN_DIGITS }) : t("pin.mismatch");
        form.querySelector("#pin-new").value = "";
        form.querySelector("#pin-repeat").value = "";
        form.querySelector("#pin-new").focus();
        return;
      }
      submit.disabled = true;
      submit.textContent = t("pin.setting");
      const vault = asPinVault(await vaultCrypto.createVault(live.user.username, pin));
      await store.putVault(vault);
      session.vault = vault;
      await resume(vault, null, live);
    });
    form.querySelector("#pin-new").focus();
  }

  function showPinUnlock(vault, { message = "" } = {}) {
    const { form, error, submit } = pinForm("pin-unlock", t("auth.unlock"), [pinField("pin", t("pin.label"))]);
    const other = el("button", {
      type: "button",
      id: "switch-user",
      class: "btn btn-quiet btn-block",
      text: t("auth.signInAsSomeoneElse"),
      onclick: () => showLogin({ note: () => t("auth.switchUserNote", { name: vault.username }) }),
    });
    card(
      t("auth.unlockTitle"),
      message
        ? el("p", { class: "note", role: "status", text: typeof message === "function" ? message() : message })
        : null,
      el("p", {}, ...withStrong("pin.signedInAs", "name", vault.username)),
      form,
      other,
    );
    let current = vault;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = form.querySelector("#pin");
      if (!input.value) {
        error.textContent = t("pin.enter");
        input.focus();
        return;
      }
      submit.disabled = true;
      submit.textContent = t("auth.unlocking");
      const pin = input.value;
      input.value = "";
      // Counted before it is checked: closing the tab mid-check does not give a free guess.
      current = countTry((await store.getVault()) || current);
      await store.putVault(current);
      try {
        await vaultCrypto.unlockVault(current, pin);
      } catch (failure) {
        submit.disabled = false;
        submit.textContent = t("auth.unlock");
        if (!(failure instanceof vaultCrypto.WrongPasswordError)) throw failure;
        if (triesLeft(current) === 0) return wipeAfterTooManyTries();
        error.textContent = t("pin.wrong", { count: triesLeft(current) });
        input.focus();
        return;
      }
      current = clearTries(current);
      await store.putVault(current);
      session.vault = current;
      await resume(current, null, null);
    });
    form.querySelector("#pin").focus();
  }

  async function wipeAfterTooManyTries() {
    vaultCrypto.lock();
    // The server session on this tablet ends too: now if online, else before anything at the next start.
    localStorage.setItem(END_SESSION_MARK, "1");
    await endLeftoverSession(api);
    await wipeLocalData();
    session.vault = null;
    session.user = null;
    showLogin({ message: () => t("pin.wiped", { name: sso.name }) });
  }

  return { afterSsoSignIn, showPinUnlock };
}

/** The server session ended while a PIN user works: offer the hospital's sign-in (the work stays on the tablet). */
export async function askSsoSignIn({ go = (url) => window.location.assign(url) } = {}) {
  const ok = await confirmDialog({
    id: "reauth",
    confirmId: "reauth-sso",
    title: t("reauth.title"),
    text: t("reauth.text"),
    confirmLabel: t("sso.signInWith", { name: ssoConfig().name }),
    cancelLabel: t("reauth.later"),
  });
  if (ok) go(SSO_LOGIN);
}

export { isPinVault };
