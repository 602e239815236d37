// api.js - the shop's JSON API from a page: same-origin fetch with the
// session cookie, the CSRF token the page carries (<meta name="csrf-token">)
// on every write, and one error shape ({status, code, message}). A write
// refused with csrf_failed (a page drawn before its tab's session, another
// tab's sign-in) asks /api/v1/me for the session's token and tries once more.

let recovered = null;
function csrf() {
  if (recovered) return recovered;
  const m = document.querySelector('meta[name="csrf-token"]');
  return m ? m.getAttribute('content') : null;
}

async function recoverCsrf() {
  try {
    const res = await fetch('/api/v1/me', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    recovered = res.ok ? (await res.json()).csrf_token || null : null;
  } catch (e) {
    recovered = null;
  }
  return recovered;
}

export class ApiError extends Error {
  constructor(status, code, message, detail = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = detail; // the error object's other fields (a flash sale's left, held, may_buy, limit)
  }
}

async function send(method, path, body, headers) {
  const h = { Accept: 'application/json', ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const t = csrf();
  if (t && method !== 'GET') h['X-CSRF-Token'] = t;
  try {
    return await fetch(path, {
      method, headers: h, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
}

// api(method, path, body?, headers?) -> the answer's JSON (null for 204);
// throws ApiError for an error answer, and ApiError(0, 'network') when the
// network failed (a weak connection: the caller says so and lets retry).
export async function api(method, path, body, headers = {}) {
  let res = await send(method, path, body, headers);
  let data = null;
  if (res.status === 204) return null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (res.status === 403 && data && data.error && data.error.code === 'csrf_failed' && (await recoverCsrf())) {
    res = await send(method, path, body, headers);
    if (res.status === 204) return null;
    try { data = await res.json(); } catch (e) { data = null; }
  }
  if (!res.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(res.status, err.code || 'error', err.message || res.statusText, err);
  }
  return data;
}

// upload(path, file) -> POSTs a file as the body (its own Content-Type),
// with the CSRF token; the answer's JSON, or throws ApiError as api() does.
export async function upload(path, file) {
  const h = { Accept: 'application/json', 'Content-Type': file.type || 'application/octet-stream' };
  const t = csrf();
  if (t) h['X-CSRF-Token'] = t;
  let res;
  try {
    res = await fetch(path, { method: 'POST', headers: h, credentials: 'same-origin', body: file });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(res.status, err.code || 'error', err.message || res.statusText);
  }
  return data;
}

// The data the server rendered the page from.
export function pageData() {
  const el = document.getElementById('page-data');
  try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
}

// fen as the shop shows money: 3990 -> "¥39.90" (integers only).
export function yuan(fen) {
  let n = Math.round(Number(fen) || 0);
  const sign = n < 0 ? '-' : '';
  n = Math.abs(n);
  return `${sign}¥${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`;
}
