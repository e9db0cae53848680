// The server's JSON API (/api/v1): cookie session, CSRF header, one error shape.
//
// A network failure (offline, DNS, timeout) throws OfflineError; the app never decides it is
// offline from navigator.onLine alone, only from requests that fail.

const BASE = "/api/v1";
const TIMEOUT_MS = 30_000;
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

let csrfToken = null;
const unauthorizedListeners = new Set();

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

export class OfflineError extends Error {
  constructor(cause) {
    super("The server cannot be reached.");
    this.name = "OfflineError";
    this.cause = cause;
  }
}

export function setCsrfToken(token) {
  csrfToken = token || null;
}

// Called with the path whenever the server answers 401 (the session ended or was revoked).
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

async function rawFetch(method, path, { body, headers = {} } = {}) {
  const init = {
    method,
    credentials: "same-origin",
    cache: "no-store",
    headers: { Accept: "application/json", ...headers },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  };
  if (body !== undefined && body !== null) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(BASE + path, init);
  } catch (error) {
    throw new OfflineError(error);
  }
  if (response.status === 401) for (const listener of unauthorizedListeners) listener(path);
  return response;
}

async function parse(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      return await response.json();
    } catch {
      return null;
    }
  }
  return null;
}

// The CSRF token lives in memory only; after a reload it is fetched back from the session.
async function ensureCsrf() {
  if (csrfToken) return;
  const response = await rawFetch("GET", "/auth/session");
  if (response.ok) setCsrfToken((await parse(response)).csrf_token);
}

async function unsafeFetch(method, path, { body, ifMatch, idempotencyKey }) {
  await ensureCsrf();
  const headers = () => ({
    ...(csrfToken ? { "X-CSRF-Token": csrfToken } : {}),
    ...(ifMatch ? { "If-Match": ifMatch } : {}),
    ...(idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {}),
  });
  let response = await rawFetch(method, path, { body, headers: headers() });
  if (response.status === 403) {
    // A token from an older session (signed in again elsewhere in this browser): fetch the
    // current one and try once more. Safe to repeat: POST/PUT carry an Idempotency-Key.
    const stale = csrfToken;
    csrfToken = null;
    await ensureCsrf();
    if (csrfToken && csrfToken !== stale) response = await rawFetch(method, path, { body, headers: headers() });
  }
  return response;
}

// GET → parsed JSON; throws ApiError on a non-2xx answer, OfflineError on a network failure.
export async function get(path) {
  const response = await rawFetch("GET", path);
  const body = await parse(response);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

// GET → the Response itself (documents, HTML, PDFs). Throws OfflineError only.
export function getRaw(path) {
  return rawFetch("GET", path, { headers: { Accept: "*/*" } });
}

// Any method → {ok, status, body, etag, location}. Does NOT throw on HTTP errors (the caller
// looks at `status`; 412 and 422 are normal answers here); throws OfflineError only.
export async function send(method, path, body = null, { ifMatch, idempotencyKey } = {}) {
  const upper = method.toUpperCase();
  const response = UNSAFE.has(upper)
    ? await unsafeFetch(upper, path, { body, ifMatch, idempotencyKey })
    : await rawFetch(upper, path);
  return {
    ok: response.ok,
    status: response.status,
    body: await parse(response),
    etag: response.headers.get("ETag"),
    location: response.headers.get("Location"),
  };
}

// ---- sign-in (app.js) ----

export async function login(username, password) {
  const response = await rawFetch("POST", "/auth/login", { body: { username, password } });
  const body = await parse(response);
  if (!response.ok) throw new ApiError(response.status, body);
  setCsrfToken(body.csrf_token);
  return body;
}

// The live cookie session, or null when there is none (401). Throws OfflineError.
export async function session() {
  const response = await rawFetch("GET", "/auth/session");
  if (response.status === 401) return null;
  const body = await parse(response);
  if (!response.ok) throw new ApiError(response.status, body);
  setCsrfToken(body.csrf_token);
  return body;
}

export async function logout() {
  try {
    if (csrfToken) await rawFetch("POST", "/auth/logout", { headers: { "X-CSRF-Token": csrfToken } });
    else await unsafeFetch("POST", "/auth/logout", {});
  } finally {
    setCsrfToken(null);
  }
}
