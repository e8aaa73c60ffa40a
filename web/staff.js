// The staff view (工作台): sign in with a token, the case queue with filters and pages, a
// case's staff view with its photos, audit trail (public replies and internal notes apart)
// and moderation, and the workflow moves the case allows.

import { $, html, render, getJSON, getBlob } from './util.js';
import { t, th, label, list, choice, fillSelect, onLang } from './i18n.js';
import { when } from './report.js';
import { createMoves } from './moves.js';
import { multipart, photoList, loadPrivate } from './photos.js';
import { createModeration } from './moderation.js';

const TOKEN = 'minsheng.token';
const PAGE = 50;
const EMPTY = { type: 'FeatureCollection', features: [] };

/** The staff token signed in on this tab ('' if none); the performance board uses it too. */
export function staffToken() {
  try { return sessionStorage.getItem(TOKEN) ?? ''; } catch { return ''; }
}

/** Sets up the view; `show`/`hide` switch it, `params`/`read` are its part of the address,
 * `remember()` writes the address. `map` may be null (no WebGL). */
export function createStaff({ map, ready, padding, remember }) {
  let active = false;
  let offset = 0;
  let total = 0;
  let current = null; // the open case's staff view
  let marker = null;
  let layersAdded = null;
  let queueRequest = null;
  let queueRows = [];
  let pendingCase = null; // from the address, opened once the view shows
  let me = null; // /api/me: who the token is

  const token = staffToken;
  const setToken = (value) => {
    try { if (value) sessionStorage.setItem(TOKEN, value); else sessionStorage.removeItem(TOKEN); } catch { /* private mode */ }
  };

  const call = (url, options = {}) => getJSON(url, { ...options, headers: { ...(options.headers ?? {}), authorization: `Bearer ${token()}` } });

  // The filters' menus, from the vocabulary: all, each status's states together ("open"),
  // then every state.
  function fillFilters() {
    const byStatus = list('statuses').map((status) =>
      [list('states').filter((s) => s.status === status.code).map((s) => s.code).join(','), t('allOf', label('statuses', status.code))]);
    fillSelect($('staff-state'), [['', t('all')], ...byStatus, ...list('states').map((s) => [s.code, choice('states', s.code)])]);
    fillSelect($('staff-category'), [['', t('all')], ...list('categories').map((c) => [c.code, choice('categories', c.code)])]);
  }
  fillFilters();

  function say(text) { $('staff-status').textContent = text; }
  function sessionShown() {
    const signedIn = Boolean(token());
    $('staff-login').hidden = signedIn;
    $('staff-session').hidden = !signedIn;
  }

  $('staff-login').addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = $('staff-token').value.trim();
    if (!value) { say(t('staffNoToken')); return; }
    setToken(value);
    $('staff-token').value = '';
    say('');
    offset = 0;
    // Who the token is is the check: a 401 signs out again with the server's message.
    if ((await loadMe()) && (await loadQueue())) sessionShown();
  });
  $('staff-signout').addEventListener('click', signOut);
  $('staff-filters').addEventListener('change', () => { offset = 0; loadQueue(); remember(); });
  $('staff-filters').addEventListener('submit', (e) => e.preventDefault());
  $('staff-prev').addEventListener('click', () => { offset = Math.max(0, offset - PAGE); loadQueue(); remember(); });
  $('staff-next').addEventListener('click', () => { offset += PAGE; loadQueue(); remember(); });
  $('staff-queue').addEventListener('click', (e) => {
    const item = e.target.closest('.case-item');
    if (item) open(item.dataset.case);
  });
  $('staff-case-close').addEventListener('click', closeCase);
  $('staff-actions').addEventListener('submit', (e) => e.preventDefault());
  const moves = createMoves({ post });
  const moderation = createModeration({
    call, current: () => current, me: () => me, reopen: () => open(current.report.case_number, false),
  });
  onLang(() => { fillFilters(); renderMe(); moves.redraw(); if (current) renderCase(current); renderQueue(); });

  async function loadMe() {
    try {
      me = await call('/api/me');
      renderMe();
      return true;
    } catch (err) {
      if (!unauthorised(err)) say(err.message);
      return false;
    }
  }
  // "王督办 · 督办员 · 青龙街道": the token's label, role and scope.
  function renderMe() {
    if (!me) return;
    const scope = me.scope.kind === 'everywhere' ? t('everywhere') : me.scope.name ?? me.scope.id;
    render($('staff-me'), html`<strong translate="no">${me.label}</strong> · ${label('staff_roles', me.role.code)} · <span translate="no">${scope}</span>`);
  }

  function signOut() {
    setToken('');
    me = null;
    $('staff-me').replaceChildren();
    closeCase();
    queueRows = [];
    total = 0;
    $('staff-queue').replaceChildren();
    $('staff-count').textContent = '';
    paintQueue();
    sessionShown();
    $('staff-token').focus();
  }

  function unauthorised(err) {
    if (err.status !== 401) return false;
    signOut();
    say(err.message);
    return true;
  }

  // The queue: newest first, one page at a time.
  function query() {
    const q = new URLSearchParams();
    if ($('staff-state').value) q.set('state', $('staff-state').value);
    if ($('staff-category').value) q.set('category', $('staff-category').value);
    if ($('staff-overdue').checked) q.set('overdue', 'true');
    if ($('staff-supervised').checked) q.set('supervised', 'true');
    return q;
  }

  async function loadQueue() {
    if (!token()) return false;
    const q = query();
    q.set('limit', String(PAGE));
    q.set('offset', String(offset));
    queueRequest?.abort();
    const controller = (queueRequest = new AbortController());
    $('staff-count').textContent = t('staffLoading');
    try {
      const answer = await call(`/api/reports?${q}`, { signal: controller.signal });
      total = answer.total;
      queueRows = answer.reports;
      if (offset > 0 && offset >= total) {
        offset = Math.max(0, Math.floor((total - 1) / PAGE) * PAGE);
        return loadQueue();
      }
      renderQueue();
      paintQueue();
      say('');
      return true;
    } catch (err) {
      if (err.name === 'AbortError') return false;
      $('staff-count').textContent = '';
      if (!unauthorised(err)) say(err.message);
      return false;
    }
  }

  function renderQueue() {
    if (!token()) return;
    const queue = $('staff-queue');
    render(queue, queueRows.length ? html`` : html`<li class="empty">${t('staffEmpty')}</li>`);
    for (const r of queueRows) {
      const item = document.createElement('li');
      item.className = 'case-item';
      item.dataset.case = r.case_number;
      if (current?.report.case_number === r.case_number) item.classList.add('current');
      const button = document.createElement('button');
      button.type = 'button';
      render(button, html`<span class="case-number">${r.case_number}</span>
        <span class="state state-${r.status}">${label('states', r.state)}</span>${flags(r)}
        <br><small>${label('categories', r.category)} · ${when(r.created_at)}</small>
        <br><span class="quote" translate="no">${r.description.slice(0, 60)}${r.description.length > 60 ? '…' : ''}</span>`);
      item.append(button);
      queue.append(item);
    }
    const shown = queueRows.length;
    $('staff-count').textContent = shown ? t('staffPage', offset + 1, offset + shown, total) : '';
    $('staff-prev').disabled = offset === 0;
    $('staff-next').disabled = offset + shown >= total;
  }

  // Badges: overdue, supervised (督办), an extension asked for.
  function flags(r) {
    return html`${r.overdue ? html` <span class="badge overdue">${t('overdue')}</span>` : ''}${
      r.supervised_at ? html` <span class="badge supervised">${label('actions', 'supervise')}</span>` : ''}${
      r.extension_requested_to ? html` <span class="badge extension">${label('actions', 'request_extension')}</span>` : ''}`;
  }

  // The queue's cases as dots, the open case ringed.
  async function addLayers() {
    if (!map) return;
    layersAdded ??= ready.then(() => {
      map.addSource('staff-cases', { type: 'geojson', data: EMPTY });
      map.addLayer({
        id: 'staff-cases', type: 'circle', source: 'staff-cases',
        paint: {
          'circle-radius': ['case', ['get', 'current'], 9, 6],
          'circle-color': ['case', ['get', 'overdue'], '#a40000', ['==', ['get', 'status'], 'open'], '#D55E00', '#5c5c5c'],
          'circle-stroke-color': ['case', ['get', 'current'], '#000000', '#ffffff'],
          'circle-stroke-width': ['case', ['get', 'current'], 3, 1.5],
        },
      });
      map.on('click', 'staff-cases', (e) => { if (active) open(e.features[0].properties.case_number); });
      map.on('mouseenter', 'staff-cases', () => { map.getCanvas().style.cursor = 'pointer'; });
      map.on('mouseleave', 'staff-cases', () => { map.getCanvas().style.cursor = ''; });
    });
    await layersAdded;
  }
  function paintQueue() {
    if (!map) return;
    const features = queueRows.map((r) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: r.point },
      properties: { case_number: r.case_number, status: r.status, overdue: r.overdue, current: current?.report.case_number === r.case_number },
    }));
    map.getSource('staff-cases')?.setData({ type: 'FeatureCollection', features });
    map.getLayer('staff-cases') && map.setLayoutProperty('staff-cases', 'visibility', active ? 'visible' : 'none');
  }

  // One case, as staff see it.
  async function open(caseNumber, fly = true) {
    if (!caseNumber || !token()) return;
    $('staff-case-message').textContent = '';
    try {
      const found = await call(`/api/reports/${encodeURIComponent(caseNumber)}`);
      if (!found.next_states) {
        // The public view: this token may not work on the case (another grid).
        throw Object.assign(new Error(t('notYours', caseNumber)), { status: 403 });
      }
      showCase(found, fly);
    } catch (err) {
      if (!unauthorised(err)) say(err.message);
    }
  }

  function showCase(found, fly) {
    const changedCase = current?.report.case_number !== found.report.case_number;
    current = found;
    renderCase(found, changedCase);
    $('staff-case').hidden = false;
    for (const item of document.querySelectorAll('#staff-queue .case-item')) {
      item.classList.toggle('current', item.dataset.case === found.report.case_number);
    }
    paintQueue();
    if (map) {
      const [lng, lat] = found.report.point;
      marker ??= new maplibregl.Marker({ color: '#0b5394' });
      marker.setLngLat([lng, lat]).addTo(map);
      if (fly) map.flyTo({ center: [lng, lat], zoom: Math.max(map.getZoom(), 17), padding: padding() });
    }
    remember();
  }

  function renderCase(found, fresh = false) {
    const { report: r, history, unit } = found;
    const tel = (phone) => (phone ? html` <a href="tel:${phone.replace(/[^\d+]/g, '')}">${phone}</a>` : '');
    render($('staff-case-title'), html`<span class="case-number">${r.case_number}</span>
      <span class="state state-${r.status}">${label('states', r.state)}</span>${flags(r)}`);
    const facts = [
      [t('caseCategory'), label('categories', r.category)],
      [t('source'), label('sources', r.source)],
      [t('caseFiled'), when(r.created_at)],
      [t('reporter'), r.reporter_name || r.reporter_phone
        ? html`<span translate="no">${r.reporter_name ?? ''}</span>${tel(r.reporter_phone)}`
        : t('anonymous')],
      [t('grid'), [r.grid_id, r.micro_grid_id].filter(Boolean).join(' › ')],
      [t('tier'), label('tiers', r.tier)],
      [t('responder'), html`<span translate="no">${r.responder}</span>${tel(r.responder_phone)}`],
      unit ? [t('unit'), html`<span translate="no">${unit.name}</span> <small>${label('unit_kinds', unit.kind)}</small>${tel(unit.phone)}`] : null,
      r.responded_at ? null : [t('responseDue'), when(r.response_due_at)],
      r.dispatched_at ? [t('dispatchedAt'), when(r.dispatched_at)] : null,
      r.deadline_at ? [t('caseDeadline'), html`${when(r.deadline_at)}${
        r.original_deadline_at && r.original_deadline_at !== r.deadline_at ? html` <small>${t('originalDeadline', when(r.original_deadline_at))}</small>` : ''}`] : null,
      r.extension_requested_to ? [label('actions', 'request_extension'), when(r.extension_requested_to)] : null,
      r.supervised_at ? [label('actions', 'supervise'), when(r.supervised_at)] : null,
      r.reopened ? [t('reopenedTimes'), String(r.reopened)] : null,
      r.resolved_at ? [t('resolvedAt'), when(r.resolved_at)] : null,
      r.closed_at ? [t('caseClosed'), html`${when(r.closed_at)}${r.on_time != null ? html` <small>${t('onTime', r.on_time)}</small>` : ''}`] : null,
      r.supporters ? [t('caseSupporters'), t('people', r.supporters)] : null,
      r.duplicate_of ? [t('duplicateOf'), r.duplicate_of] : null,
    ].filter(Boolean);
    // Moderation buttons on what the public sees: the description, each photo, each reply.
    const photos = r.photos ?? [];
    render($('staff-case-body'), html`<p class="quote" translate="no" id="staff-description">${r.description}</p>
      <p class="moderation-line">${moderation.button('description', null, t('targetDescription'))}</p>
      ${photoList(photos, (p, i) => moderation.button('photo', p.id, t('targetPhoto', i + 1)))}
      <dl class="facts">${facts.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
      <h3>${th('auditTrail')}</h3><ol class="history">${history.map((e) =>
        html`<li data-event="${e.id ?? ''}"><time>${when(e.at)}</time> <strong>${label('actions', e.action)}</strong> · <span translate="no">${e.actor}</span>${
          e.reply ? html`<br><small>${t('publicReply')}</small> <span class="reply quote" translate="no">${e.reply}</span>${
            e.id != null ? moderation.button('reply', e.id, t('targetReply')) : ''}` : ''}${
          e.note ? html`<br><small>${t('internalNote')}</small> <span class="quote" translate="no">${e.note}</span>` : ''}</li>`)}</ol>
      ${moderation.record()}`);
    loadPrivate($('staff-case-body'), (url) => getBlob(url, { headers: { authorization: `Bearer ${token()}` } }));
    if (fresh) moderation.hide();
    moves.show(found, fresh);
  }

  // Every move says which state and version this screen showed: if someone moved the case
  // meanwhile, the server refuses it (409, 412) instead of applying a decision made on an old picture.
  async function post(path, body, action, photos = []) {
    const message = $('staff-case-message');
    message.textContent = '';
    message.className = '';
    for (const button of $('staff-actions').querySelectorAll('button, input')) button.disabled = true;
    const casePath = `/api/reports/${encodeURIComponent(current.report.case_number)}`;
    try {
      // After-photos go up first (the handler may add them only while the case is theirs to
      // resolve); the move then says the version the case has with them.
      let seen = current.report;
      if (photos.length) {
        await call(`${casePath}/photos`, { method: 'POST', body: multipart({}, photos) });
        const now = (await call(casePath)).report;
        if (now.state !== seen.state) throw Object.assign(new Error(t('staleCase', label('states', now.state))), { status: 409 });
        seen = now;
        message.textContent = t('afterPhotosSent', photos.length);
      }
      const found = await call(`${casePath}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'if-match': `"v${seen.version}"` },
        body: JSON.stringify({ ...body, expected_state: seen.state }),
      });
      moves.done();
      showCase(found, false);
      message.textContent = t('moved', found.report.case_number, label('actions', action), label('states', found.report.state));
      message.className = 'ok';
      loadQueue();
    } catch (err) {
      if (!unauthorised(err)) { message.textContent = err.message; message.className = 'error'; }
      // A 409 or 412 may mean someone else moved it: show the case as it is now, with the message.
      if (err.status === 409 || err.status === 412) open(current.report.case_number, false).then(() => { message.textContent = err.message; message.className = 'error'; });
    } finally {
      for (const button of $('staff-actions').querySelectorAll('button, input')) button.disabled = false;
    }
  }

  function closeCase() {
    current = null;
    $('staff-case').hidden = true;
    marker?.remove();
    for (const item of document.querySelectorAll('#staff-queue .case-item.current')) item.classList.remove('current');
    paintQueue();
    if (active) remember();
  }

  // The address: `#staff?state=…&category=…&overdue=true&offset=50&case=MS…`.
  function params() {
    const q = query();
    if (offset) q.set('offset', String(offset));
    if (current) q.set('case', current.report.case_number);
    return q;
  }
  function read(q) {
    const pick = (id, value) => {
      const select = $(id);
      select.value = [...select.options].some((o) => o.value === value) ? value : '';
    };
    pick('staff-state', q.get('state') ?? '');
    pick('staff-category', q.get('category') ?? '');
    $('staff-overdue').checked = q.get('overdue') === 'true';
    $('staff-supervised').checked = q.get('supervised') === 'true';
    offset = Math.max(0, Math.floor(Number(q.get('offset')) / PAGE) * PAGE || 0);
    return q.get('case');
  }

  sessionShown();
  return {
    params,
    read(q) {
      const caseNumber = read(q);
      if (active) { loadQueue(); if (caseNumber && caseNumber !== current?.report.case_number) open(caseNumber); }
      else pendingCase = caseNumber;
    },
    async show() {
      active = true;
      sessionShown();
      await addLayers();
      paintQueue();
      if (current) { $('staff-case').hidden = false; marker?.addTo(map); }
      if (token()) {
        if (!me && !(await loadMe())) return;
        await loadQueue();
        if (pendingCase) { const c = pendingCase; pendingCase = null; open(c); }
      } else {
        $('staff-token').focus();
      }
    },
    hide() {
      active = false;
      $('staff-case').hidden = true;
      marker?.remove();
      paintQueue();
    },
  };
}
