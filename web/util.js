// What every module of the page shares: `$`, one way to ask the API (`getJSON`, whose errors
// all carry the server's message, status and code), and the `html` template through which
// every piece of markup goes, escaping what it is given unless it is markup made the same way.

export const $ = (id) => document.getElementById(id);

/** Markup made by `html` or `trusted`: the only thing `render` puts into the page. */
class Html {
  constructor(text) { this.text = text; }
  toString() { return this.text; }
}

export const escape = (text) => String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// A value in a template: markup as it is, lists joined, nothing for null, undefined or false,
// anything else escaped text.
function piece(value) {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(piece).join('');
  if (value == null || value === false) return '';
  return escape(value);
}

/** A tagged template: html`<li>${name}</li>` escapes `name`, keeps markup made by `html`. */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => { out += piece(value) + strings[i + 1]; });
  return new Html(out);
}

/** Markup the page itself wrote (its own string tables), never data. */
export const trusted = (text) => new Html(String(text ?? ''));

/** Puts markup made by `html` into `element`; anything else is refused, so data cannot be markup. */
export function render(element, fragment) {
  if (!(fragment instanceof Html)) throw new TypeError('render takes markup made by html``');
  element.innerHTML = fragment.text;
  return element;
}

/** The markup as DOM nodes, for MapLibre's popups (`setDOMContent`). */
export function nodes(fragment) {
  const box = document.createElement('div');
  return render(box, fragment);
}

/** An API refusal: the server's message, with the HTTP status and the error's code. */
export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Fetches JSON; a refusal throws an ApiError with the server's `{"error": {code, message}}`. */
export async function getJSON(url, options = {}) {
  const response = await fetch(url, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(body.error?.message ?? `HTTP ${response.status}`, response.status, body.error?.code);
  return body;
}

/** A file from the API (a CSV export) as a Blob, failing as `getJSON` does. */
export async function getBlob(url, options = {}) {
  const response = await fetch(url, options);
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new ApiError(body.error?.message ?? `HTTP ${response.status}`, response.status, body.error?.code);
  }
  return response.blob();
}

/** `getJSON` that keeps one request of each kind in flight: a newer one aborts the older. */
export function latestOnly() {
  const inflight = {};
  const fetchLatest = (kind, url, options = {}) => {
    inflight[kind]?.abort();
    const controller = (inflight[kind] = new AbortController());
    return getJSON(url, { ...options, signal: controller.signal });
  };
  fetchLatest.abort = (kind) => inflight[kind]?.abort();
  return fetchLatest;
}

/** Whether an error is a request the page aborted on purpose. */
export const aborted = (err) => err?.name === 'AbortError';
