// The village console keeps working when the office's link drops: after one visit its page and
// the files it needs are kept here, and served from here while the network fails. What the desk
// enters meanwhile waits in the console's outbox (js/outbox.js), not here.
// Served as /sw.js (OfflineRoutes) so that it may control the console pages.
const SHELL_CACHE = "mb-shell-2";
const PAGE_CACHE = "mb-consoles";
const SHELL = [
  "/static/css/app.css", "/static/js/console.js", "/static/js/outbox.js", "/static/js/stage.js",
  "/static/js/media.js", "/static/js/events.js", "/static/js/i18n.js",
  "/static/manifest.webmanifest", "/static/icons/icon.svg", "/static/icons/icon-192.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== SHELL_CACHE && name !== PAGE_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// Only consoles are kept: no other page (a citizen's account, a planner's list) is ever served
// from this cache. Logging out forgets them.
const consolePath = /^\/musrenbang\/\d+\/desa\/[0-9.]+$/;

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === "/keluar") {
    event.waitUntil(caches.delete(PAGE_CACHE));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate" && consolePath.test(url.pathname)) {
    event.respondWith(networkFirst(request, PAGE_CACHE, url.origin + url.pathname));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(networkFirst(request, SHELL_CACHE, url.origin + url.pathname));
  }
});

// The network first, always: online, a console is never older than the server's; the kept copy
// only when the network fails.
async function networkFirst(request, cacheName, key) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(key);
    if (kept) return kept;
    if (request.mode !== "navigate") throw error;
    return new Response(
      '<!doctype html><html lang="id"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
      "<title>Luring · Musrenbang</title><main><h1>Luring</h1><p>Halaman ini belum pernah dibuka di perangkat ini, " +
      "jadi belum bisa dipakai tanpa sambungan. Buka sekali saat tersambung.</p></main></html>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  }
}
