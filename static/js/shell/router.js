// The hash router: which screen module a hash opens (views/README.md lists the routes), and the
// navigation that draws it into a fresh container, with focus moved to its heading.
import { el } from "../dom.js";
import { t } from "../i18n/index.js";

export const ROUTES = [
  [/^\/patients$/, "patients", () => ({})],
  [/^\/patients\/new$/, "patient-new", () => ({})],
  [/^\/patients\/([^/]+)$/, "patient", (m) => ({ id: m[1] })],
  [/^\/handoffs\/([^/]+)\/history$/, "history", (m) => ({ id: m[1] })],
  [/^\/handoffs\/([^/]+)\/documents$/, "documents", (m) => ({ id: m[1] })],
  [/^\/handoffs\/([^/]+)$/, "handoff", (m) => ({ id: m[1] })],
  [/^\/drafts\/([^/]+)$/, "handoff", (m) => ({ localId: m[1] })],
  [/^\/inbox$/, "inbox", () => ({})],
  [/^\/outbox$/, "outbox", () => ({})],
  [/^\/board$/, "board", () => ({})],
];

// The chrome's navigation link that is "current" on each screen.
export const NAV_OF = {
  patients: "nav-patients",
  "patient-new": "nav-patients",
  patient: "nav-patients",
  handoff: "nav-patients",
  history: "nav-patients",
  documents: "nav-patients",
  inbox: "nav-inbox",
  outbox: "nav-outbox",
  board: "nav-board",
};

/** {view, params} for a location hash ("#/patients/7?x=1"), or null when no route matches. */
export function matchRoute(hash) {
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

/** What the error panel says when a screen throws (`api` gives the error classes). */
export function errorText(failure, { ApiError, OfflineError }) {
  if (failure instanceof OfflineError) return t("router.offline");
  if (failure instanceof ApiError && failure.status === 404) return t("common.notFound");
  if (failure instanceof ApiError && failure.status === 403) return t("common.forbidden");
  if (failure instanceof ApiError && failure.body && failure.body.message) return failure.body.message;
  if (failure instanceof TypeError && /module/i.test(failure.message)) {
    return t("router.moduleFailed");
  }
  return t("router.failed");
}

/**
 * createRouter({root, chrome, api, isUnlocked, makeContext}) → {route, navigate, leave}.
 * `makeContext(onLeave)` builds a screen's ctx; cleanups passed to onLeave run when the nurse
 * leaves the screen. `leave()` drops the current screen (lock, logout) so a late render is ignored.
 */
export function createRouter({
  root,
  chrome,
  api,
  isUnlocked,
  makeContext,
  importView = (view) => import(`../views/${view}.js`),
}) {
  let renderCount = 0;
  const leaving = []; // cleanups of the screen on show: its sync.onChange subscriptions, its signal

  function leave() {
    renderCount += 1;
    for (const cleanup of leaving.splice(0)) cleanup();
  }

  function navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  async function route() {
    if (!isUnlocked()) return;
    const found = matchRoute(location.hash);
    if (!found) {
      history.replaceState(null, "", "#/patients");
      return route();
    }
    leave();
    const current = renderCount;

    for (const link of chrome.querySelectorAll(".nav-link")) link.removeAttribute("aria-current");
    const navLink = document.getElementById(NAV_OF[found.view]);
    if (navLink) navLink.setAttribute("aria-current", "page");

    // A fresh container per screen: a slow screen still rendering after the nurse moved on
    // writes into a detached node instead of over the next screen.
    const container = el(
      "div",
      { class: `view view-${found.view}` },
      el("p", { class: "loading", text: t("common.loading") }),
    );
    root.replaceChildren(container);
    const ctx = makeContext((cleanup) => leaving.push(cleanup));

    try {
      const screen = await importView(found.view);
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
    return el(
      "div",
      { class: "panel panel-error", role: "alert" },
      el("h1", { text: t("router.cannotShow") }),
      el("p", { text: errorText(failure, api) }),
      el(
        "div",
        { class: "button-row" },
        el("button", { type: "button", class: "btn", text: t("router.tryAgain"), onclick: () => route() }),
        el("a", { class: "btn btn-quiet", href: "#/patients", text: t("chrome.patients") }),
      ),
    );
  }

  return { route, navigate, leave };
}
