// api.js - the shop's JSON API from a page: same-origin fetch with the
// session cookie, the CSRF token the page carries (<meta name="csrf-token">)
// on every write, and one error shape ({status, code, message}).

function csrf() {
  const m = document.querySelector('meta[name="csrf-token"]');
  return m ? m.getAttribute('content') : null;
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// api(method, path, body?) -> the answer's JSON (null for 204); throws
// ApiError for an error answer, and ApiError(0, 'network') when the
// network failed (a weak connection: the caller says so and lets retry).
export async function api(method, path, body, headers = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const t = csrf();
  if (t && method !== 'GET') h['X-CSRF-Token'] = t;
  let res;
  try {
    res = await fetch(path, {
      method, headers: h, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
  if (res.status === 204) return null;
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
