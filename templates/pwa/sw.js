// Handoff service worker: the app shell offline; never anything from /api/ (patient data stays
// in the app's own encrypted IndexedDB copies). Rendered by the server: the cache name is a
// hash of the shell's files, so every release installs a fresh cache and drops the old one.
const CACHE = {{ cache_name|tojson }};
const SHELL = {{ shell_files|tojson }};

self.addEventListener("install", (event) => {
  // `reload` skips the HTTP cache, so the new cache holds exactly this release's files.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" })))));
  // No skipWaiting here: a new version waits until the nurse chooses to reload (see app.js),
  // so it never switches under an open form.
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("handoff-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  // Network only: API answers (patient data) and patients' own share pages are never cached.
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/p/")) return;
  if (request.mode === "navigate") {
    event.respondWith(navigation(request, url));
    return;
  }
  if (SHELL.includes(url.pathname) && !url.search) {
    event.respondWith(caches.open(CACHE).then((cache) => cache.match(url.pathname)).then((hit) => hit || fetch(request)));
  }
});

// The app is one page ("/", hash routes): serve it from the cache so it opens offline and always
// matches the cached scripts. Other pages go to the network, with the shell as the offline page.
async function navigation(request, url) {
  const cache = await caches.open(CACHE);
  if (url.pathname === "/") {
    const hit = await cache.match("/");
    if (hit) return hit;
  }
  try {
    return await fetch(request);
  } catch (error) {
    const shell = await cache.match("/");
    if (shell) return shell;
    throw error;
  }
}
