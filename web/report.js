// The resident's side of cases: the report form under the locate card (with photos, the
// duplicate pre-check and "me too", and the consent to be told of progress), the follow-up
// link it answers with, and tracking a case by its number.

import { $, html, render, getJSON } from './util.js';
import { t, th, label, list, word, choice, fillSelect, onLang, getLang } from './i18n.js';
import { createPhotoPicker, multipart, photoList, MAX_MB } from './photos.js';

const MAX_DESCRIPTION = 2000;
const MINE = 'minsheng.cases';
const FOLLOWS = 'minsheng.follows';
const CASE_NUMBER = /^[A-Za-z0-9_-]{1,40}$/;
// What the server's follow-up secrets look like (base64url).
export const FOLLOW_SECRET = /^[A-Za-z0-9_-]{16,128}$/;

// A fresh Idempotency-Key. randomUUID needs a secure context (https or localhost); a page
// served over plain http elsewhere makes the same 128 random bits another way.
const newKey = () => crypto.randomUUID?.() ??
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

const number = (n) => Number(n).toLocaleString(getLang() === 'en' ? 'en' : 'zh-CN');
const metres = (m) => t('metres', number(Math.round(m)));
// Unix seconds as a local date and time.
export const when = (seconds) =>
  seconds == null ? '' : new Date(seconds * 1000).toLocaleString(getLang() === 'en' ? 'en-GB' : 'zh-CN', { dateStyle: 'medium', timeStyle: 'short' });

// Case numbers this browser filed or supported, newest first, offered in the lookup box.
function mine() {
  try { return JSON.parse(localStorage.getItem(MINE) ?? '[]').filter((c) => CASE_NUMBER.test(c)); } catch { return []; }
}
function keep(caseNumber) {
  const list = [caseNumber, ...mine().filter((c) => c !== caseNumber)].slice(0, 20);
  try { localStorage.setItem(MINE, JSON.stringify(list)); } catch { /* private mode */ }
  listMine();
}
function listMine() {
  $('my-cases').replaceChildren(...mine().map((c) => new Option('', c)));
  const follows = savedFollows();
  render($('my-follows'), html`${follows.map((f) => html`<li><a href="#follow=${f.secret}" class="case-number">${f.case}</a></li>`)}`);
  $('my-follows-box').hidden = follows.length === 0;
}

// The follow-up links this browser was given (the secret is the resident's key to their own
// case: kept on their device only), newest first: `[{ case, secret }]`.
function savedFollows() {
  try {
    return JSON.parse(localStorage.getItem(FOLLOWS) ?? '[]')
      .filter((f) => FOLLOW_SECRET.test(f?.secret ?? '') && CASE_NUMBER.test(f?.case ?? ''));
  } catch { return []; }
}
/** Keeps a case's follow-up secret so that the resident finds the link again. */
export function saveFollow(caseNumber, secret) {
  if (!FOLLOW_SECRET.test(secret ?? '') || !CASE_NUMBER.test(caseNumber ?? '')) return;
  const kept = [{ case: caseNumber, secret }, ...savedFollows().filter((f) => f.case !== caseNumber)].slice(0, 20);
  try { localStorage.setItem(FOLLOWS, JSON.stringify(kept)); } catch { /* private mode */ }
  listMine();
}

/**
 * Sets up the report form and the case lookup. `show(point)` is how the case lookup puts a
 * case on the map; `changed()` tells the page that the case in the address changed.
 */
export function createReports({ show, changed }) {
  let place = null; // { lng, lat, label }
  let checked = ''; // the point and category whose duplicates the resident has seen
  let tracked = ''; // the case in the lookup box and the address
  let lastCase = null;
  let lastReport = null; // the report just filed, whose routing the result shows
  // The filing in progress: its body and its Idempotency-Key. A retry of the same form (after
  // an error or a lost answer) sends the same key, so the server files it at most once.
  let filing = null;

  listMine();
  fillCategories();
  const photos = createPhotoPicker({ input: $('report-photo'), previews: $('report-photo-previews'), say: (text) => { $('report-photo-message').textContent = text; } });
  // Consent to texts means something only with a phone to text.
  const consent = () => {
    const phone = Boolean($('report-phone').value.trim());
    $('report-notify').disabled = !phone;
    if (!phone) $('report-notify').checked = false;
  };
  $('report-phone').addEventListener('input', consent);
  consent();
  const photoNote = () => { $('report-photo-note').textContent = t('photoNote', MAX_MB); };
  photoNote();
  $('report-follow-copy').addEventListener('click', copyFollow);
  $('report-open').addEventListener('click', () => openForm(!$('report-form').hidden ? false : true));
  $('report-description').addEventListener('input', count);
  $('report-category').addEventListener('change', () => { fillSubcategories(); resetDuplicates(); });
  $('report-form').addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  $('report-another').addEventListener('click', () => {
    $('report-result').hidden = true;
    $('report-description').value = '';
    count();
    openForm(true);
  });
  $('case-lookup').addEventListener('submit', (e) => {
    e.preventDefault();
    lookup($('case-number').value, true);
  });
  count();
  onLang(() => { count(); fillCategories(); photos.redraw(); photoNote(); if (lastCase) renderCase(lastCase); if (lastReport) routing(lastReport); });

  // The category menu, from the vocabulary.
  function fillCategories() {
    fillSelect($('report-category'), list('categories').map((c) => [c.code, choice('categories', c.code)]));
    fillSubcategories();
  }

  // The subcategory menu, shown only when the chosen category has subcategories (admins add them).
  function fillSubcategories() {
    const children = word('categories', $('report-category').value)?.subcategories ?? [];
    const both = (s) => (getLang() === 'en' ? s.label_en : `${s.label_zh} ${s.label_en}`);
    fillSelect($('report-subcategory'), [['', t('noSubcategory')], ...children.map((s) => [s.code, both(s)])]);
    $('report-subcategory-field').hidden = children.length === 0;
  }

  function count() {
    $('report-count').textContent = t('reportCount', $('report-description').value.length, MAX_DESCRIPTION);
  }
  function where() {
    $('report-place').textContent = place.label;
  }

  function openForm(open) {
    $('report-form').hidden = !open;
    $('report-open').setAttribute('aria-expanded', String(open));
    if (open) {
      $('report-result').hidden = true;
      $('report-category').focus();
    }
  }

  function resetDuplicates() {
    checked = '';
    $('report-duplicate-box').hidden = true;
    $('report-duplicates').replaceChildren();
    render($('report-submit'), th('reportSubmit'));
    $('report-submit').dataset.i18n = 'reportSubmit';
  }

  function error(text) {
    $('report-error').textContent = text;
  }

  async function submit() {
    if (!place) return;
    const form = $('report-form');
    error('');
    if (!form.reportValidity()) return;
    const category = $('report-category').value;
    const key = `${place.lng},${place.lat},${category}`;
    const button = $('report-submit');
    button.disabled = true;
    try {
      if (checked !== key) {
        // The pre-check: open cases of this category nearby are offered before a new one is filed.
        error(t('reportChecking'));
        const query = new URLSearchParams({ lon: place.lng.toFixed(7), lat: place.lat.toFixed(7), category });
        const nearby = await getJSON(`/api/reports/nearby?${query}`);
        error('');
        checked = key;
        if (nearby.reports.length) {
          showDuplicates(nearby.reports, nearby.total);
          return;
        }
      }
      error(t('reportSending'));
      const body = {
        category,
        description: $('report-description').value.trim(),
        lon: Number(place.lng.toFixed(7)),
        lat: Number(place.lat.toFixed(7)),
      };
      const subcategory = $('report-subcategory').value;
      if (subcategory && !$('report-subcategory-field').hidden) body.subcategory = subcategory;
      const name = $('report-name').value.trim();
      const phone = $('report-phone').value.trim();
      if (name) body.reporter_name = name;
      if (phone) body.reporter_phone = phone;
      if (phone && $('report-notify').checked) body.notify = true;
      const files = photos.files();
      // The same form with the same photos is the same filing: it keeps its key.
      const text = JSON.stringify([body, files.map((f) => [f.name, f.size, f.lastModified])]);
      if (filing?.body !== text) filing = { body: text, key: newKey() };
      // With photos, a multipart form: the report's JSON as the part `report`, each photo a part `photo`.
      const answer = await getJSON('/api/reports', files.length
        ? { method: 'POST', headers: { 'idempotency-key': filing.key }, body: multipart({ report: body }, files) }
        : { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': filing.key }, body: JSON.stringify(body) });
      filing = null;
      error('');
      photos.clear();
      received(answer);
    } catch (err) {
      error(err.status === 429 ? t('rateLimited') : err.message);
    } finally {
      button.disabled = false;
    }
  }

  function showDuplicates(reports, total) {
    const list = $('report-duplicates');
    list.replaceChildren();
    for (const r of reports) {
      const item = document.createElement('li');
      item.dataset.case = r.case_number;
      render(item, html`<p><strong>${label('categories', r.category)}</strong> · ${r.case_number} · ${label('states', r.state)} · ${t('distanceAway', metres(r.distance_m))}</p>
        <p class="quote" translate="no">${r.description}</p>`);
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'me-too small';
      render(button, th('meToo'));
      button.addEventListener('click', () => meToo(r.case_number, button));
      const said = document.createElement('span');
      said.className = 'said';
      said.setAttribute('role', 'status');
      item.append(button, said);
      list.append(item);
    }
    // The server lists the nearest few; say how many more there are.
    if (total > reports.length) {
      const more = document.createElement('li');
      more.className = 'meta';
      more.textContent = t('duplicatesMore', number(total - reports.length));
      list.append(more);
    }
    $('report-duplicate-box').hidden = false;
    $('report-duplicate-box').scrollIntoView({ block: 'nearest' });
    $('report-submit').dataset.i18n = 'reportSubmitAnyway';
    render($('report-submit'), th('reportSubmitAnyway'));
  }

  async function meToo(caseNumber, button) {
    button.disabled = true;
    const said = button.nextElementSibling;
    try {
      const answer = await getJSON(`/api/reports/${encodeURIComponent(caseNumber)}/support`, { method: 'POST' });
      said.textContent = t('meTooDone', answer.supporters);
      keep(caseNumber);
      $('case-number').value = caseNumber;
    } catch (err) {
      button.disabled = false;
      said.textContent = err.status === 429 ? t('rateLimited') : err.message;
    }
  }

  function routing(report) {
    render($('report-routing'), html`<dt>${t('grid')}</dt><dd>${report.grid_id}</dd>
      <dt>${t('tier')}</dt><dd>${label('tiers', report.tier)}</dd>
      <dt>${t('responder')}</dt><dd><span translate="no">${report.responder}</span>${report.responder_phone
        ? html` <a href="tel:${report.responder_phone.replace(/[^\d+]/g, '')}">${report.responder_phone}</a>` : ''}</dd>`);
  }

  function received({ report, follow, follow_url: followUrl }) {
    keep(report.case_number);
    lastReport = report;
    $('report-case').textContent = report.case_number;
    routing(report);
    // The private follow-up link, kept on this device so that the resident finds it again.
    const link = followUrl ?? (follow ? `${location.origin}/#follow=${follow}` : '');
    $('report-follow').hidden = !link;
    $('report-follow-url').value = link;
    $('report-follow-open').href = link;
    $('report-follow-message').textContent = '';
    if (follow) saveFollow(report.case_number, follow);
    $('report-form').hidden = true;
    $('report-open').setAttribute('aria-expanded', 'false');
    $('report-result').hidden = false;
    $('report-description').value = '';
    count();
    resetDuplicates();
    $('case-number').value = report.case_number;
    $('report-result').focus();
  }

  async function copyFollow() {
    const input = $('report-follow-url');
    try {
      await navigator.clipboard.writeText(input.value);
      $('report-follow-message').textContent = t('copied');
    } catch {
      // No clipboard (a page served over plain http): select it for the resident to copy.
      input.select();
      $('report-follow-message').textContent = t('copyFailed');
    }
  }

  // Tracking: the public view of a case and its history.
  async function lookup(text, fly) {
    const caseNumber = String(text ?? '').trim().toUpperCase();
    if (!caseNumber) return;
    $('case-number').value = caseNumber;
    $('track').open = true;
    const out = $('case-status');
    if (!CASE_NUMBER.test(caseNumber)) {
      render(out, html`<p class="error">${t('trackNotFound', caseNumber)}</p>`);
      return;
    }
    tracked = caseNumber;
    changed();
    render(out, html`<p class="meta">${t('locating')}</p>`);
    try {
      const body = await getJSON(`/api/reports/${encodeURIComponent(caseNumber)}`);
      if (tracked !== caseNumber) return;
      lastCase = body;
      renderCase(body);
      if (fly) show(body.report.point);
    } catch (err) {
      lastCase = null;
      render(out, html`<p class="error">${err.status === 404 ? t('trackNotFound', caseNumber) : err.message}</p>`);
    }
  }

  function renderCase({ report: r, history }) {
    const facts = [
      [t('caseState'), html`<strong class="state state-${r.status}">${label('states', r.state)}</strong>${
        r.on_time != null ? html` <small>${t('onTime', r.on_time)}</small>` : ''}`],
      [t('caseCategory'), label('categories', r.category)],
      [t('caseFiled'), when(r.created_at)],
      r.deadline_at ? [t('caseDeadline'), when(r.deadline_at)] : null,
      r.closed_at ? [t('caseClosed'), when(r.closed_at)] : null,
      [t('tier'), label('tiers', r.tier)],
      [t('responder'), html`<span translate="no">${r.responder}</span>`],
      r.supporters ? [t('caseSupporters'), t('people', number(r.supporters))] : null,
      r.duplicate_of ? [t('duplicateOf'), r.duplicate_of] : null,
    ].filter(Boolean);
    render($('case-status'), html`<h3 class="case-number">${r.case_number}</h3>
      <dl class="facts">${facts.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
      <p class="quote" translate="no">${r.description}</p>
      ${photoList(r.photos)}
      <h4>${t('caseHistory')}</h4><ol class="history">${history.map((e) =>
        html`<li><time>${when(e.at)}</time> ${label('actions', e.action)}${
          e.reply ? html`<br><span class="reply quote" translate="no">${e.reply}</span>` : ''}</li>`)}</ol>`);
  }

  return {
    /** The locate card found a place: the form reports there (only inside a grid). */
    located(point, label, insideGrid) {
      place = insideGrid ? { ...point, label } : null;
      resetDuplicates();
      error('');
      $('card-report').hidden = !insideGrid;
      $('report-result').hidden = true;
      // A form already open stays open (with what was typed) for the new point.
      if (place) where();
    },
    lookup,
    /** The tracked case, for the address. */
    tracked: () => tracked,
    forget() { tracked = ''; },
  };
}
