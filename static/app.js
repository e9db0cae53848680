// Handoff tablet app entry point: registers the service worker (the full app arrives with the PWA issue).
const root = document.getElementById("app");
if ("serviceWorker" in navigator && root) {
  navigator.serviceWorker.register(root.dataset.sw, { scope: "/" }).catch((error) => {
    console.warn("service worker not registered", error);
  });
}
