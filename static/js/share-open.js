// The patient's take-home link, /p/#TOKEN: the token is in the fragment, which a browser never sends,
// so it reaches no server or proxy log. This script takes it out of the address bar (and so out of the
// browser's history) and posts it to /p/open, which trades it for a short-lived cookie and shows the
// summary at a clean URL. A link ending in ".pdf" opens the PDF. No inline script: the CSP forbids it.

// 256 random bits are 43 URL-safe base64 characters; the server accepts 20 to 100.
const TOKEN = /^(?:t=)?([A-Za-z0-9_-]{20,100})(\.pdf)?$/;

/** The token and the form ("page" or "pdf") a fragment names, or null when it names none. */
export function linkFromFragment(hash) {
  const found = TOKEN.exec(String(hash || "").replace(/^#/, ""));
  return found ? { token: found[1], as: found[2] ? "pdf" : "page" } : null;
}

/** Open the link in `doc`'s fragment: clear the fragment, then post the token (or say the link is incomplete). */
export function openLink(doc, loc, hist) {
  const link = linkFromFragment(loc.hash);
  hist.replaceState(null, "", loc.pathname + loc.search);
  const form = doc.getElementById("open-link");
  if (!link || !form) {
    for (const node of doc.querySelectorAll("[data-state=opening]")) node.hidden = true;
    for (const node of doc.querySelectorAll("[data-state=incomplete]")) node.hidden = false;
    return false;
  }
  form.elements.token.value = link.token;
  form.elements.as.value = link.as;
  form.submit();
  return true;
}

if (typeof document !== "undefined" && document.getElementById("open-link")) {
  openLink(document, window.location, window.history);
}
