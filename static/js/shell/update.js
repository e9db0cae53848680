// The service worker and the "update available" bar: a new version is offered, never switched to
// under an open form; the nurse decides when to reload (drafts are saved locally).
import { el } from "../dom.js";
import { t } from "../i18n/index.js";

const UPDATE_CHECK_MS = 30 * 60_000;
const RELOAD_FALLBACK_MS = 3_000;

/** Register `url` as the service worker and show `bar` when a new version waits. */
export async function registerServiceWorker(url, bar) {
  if (!("serviceWorker" in navigator) || !url) return;
  let registration;
  try {
    registration = await navigator.serviceWorker.register(url, { scope: "/" });
  } catch (failure) {
    console.warn("service worker not registered", failure);
    return;
  }
  if (!registration) return; // blocked by policy: the app works, just not offline
  const state = { accepted: false };
  // Only an update (a page already controlled) is offered; the first install just installs.
  const offer = (worker) => {
    if (worker && navigator.serviceWorker.controller) showUpdateBar(bar, worker, state);
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
    if (state.accepted) location.reload();
  });
  setInterval(() => registration.update().catch(() => {}), UPDATE_CHECK_MS);
}

function showUpdateBar(bar, worker, state) {
  const reload = el("button", {
    type: "button",
    class: "btn btn-primary",
    id: "update-reload",
    text: t("update.reload"),
  });
  reload.addEventListener("click", () => {
    state.accepted = true;
    reload.disabled = true;
    worker.postMessage({ type: "SKIP_WAITING" });
    setTimeout(() => location.reload(), RELOAD_FALLBACK_MS); // if controllerchange never comes
  });
  bar.replaceChildren(el("span", { text: t("update.available") }), reload);
  bar.hidden = false;
}
