// The official view (覆盖): the 15-minute life circle of one facility kind. Station isochrones,
// buildings coloured by their walk to the nearest station, the coverage table (overall, per
// community or street, and the compounds left outside), and where k new stations would
// bring the most households in. Everything comes from this server's /api/coverage routes.

import { $, html, render, nodes, latestOnly, aborted } from './util.js';
import { t, th, label, list, choice, fillSelect, getLang, onLang } from './i18n.js';

// GB 50180-2018's circles as the circle picker's values: 5 and 10 minutes by their metres
// (300 m and 500 m, as the standard gives them), 15 minutes by minutes (1,000 m at the API's
// default walking speed). Anything else in the address is a custom distance.
const PRESETS = ['meters=300', 'meters=500', 'minutes=15'];
// Distance bins within the circle, nearest first, in viridis from yellow (near) to blue;
// beyond the circle dark purple, and no station within the search (twice the circle) grey.
// Viridis stays ordered and distinct under the common colour-blindnesses.
const BREAKS_M = [300, 500, 1000];
const NEAR = ['#fde725', '#7ad151', '#22a884', '#2a788e'];
const BEYOND = '#440154';
const NONE = '#c8c8c8';
const ISOCHRONE = '#21918c';
const STATION = '#111111';
const PICK = '#d55e00';
const DEFAULT_KIND = 'elderly_day_care';
// Buildings are fetched for the view (padded) from this zoom on; the base map shows them from 13.
const BUILDINGS_MIN_ZOOM = 13;
// How long the map must rest before buildings and isochrones for the view are asked again.
const VIEW_DEBOUNCE_MS = 300;

const number = (n, digits = 0) => Number(n).toLocaleString(getLang() === 'en' ? 'en' : 'zh-CN', { maximumFractionDigits: digits });
const metres = (m) => `${number(m)} m`;
const percent = (share) => `${number(share * 100, 1)}%`;
const empty = () => ({ type: 'FeatureCollection', features: [] });

/** Sets up the view; `show` and `hide` switch it on and off, `params` and `read` are its part of the address. `map`
 * may be null (no WebGL): the tables and the siting list still work. */
export function createCoverage({ map, ready, padding, remember }) {
  let active = false;
  let started = false;
  let layersAdded = null;
  let popup = null;
  let summary = null;
  let isochrones = empty();
  let markers = [];
  // The question the buildings (and the isochrones) on the map answer, and the box they were
  // fetched for.
  let loaded = { key: '', box: null };
  let loadedIsochrones = { key: '', box: null };
  let moveTimer = 0;
  let plan = null; // the last siting answer and request, drawn again when the language changes
  const getJSON = latestOnly();

  fillKinds();
  readHash(location.hash);
  showCustom();
  if (matchMedia('(max-width: 699px)').matches) $('coverage-display').open = $('siting-box').open = false;

  $('coverage-form').addEventListener('submit', (e) => { e.preventDefault(); changed(); });
  $('coverage-kind').addEventListener('change', changed);
  $('coverage-circle').addEventListener('change', () => {
    showCustom();
    if ($('coverage-circle').value === 'custom') $('coverage-metres').focus();
    changed();
  });
  $('coverage-metres').addEventListener('change', changed);
  $('coverage-by').addEventListener('change', () => summary && drawAreas(summary));
  for (const id of ['show-isochrones', 'show-distance', 'show-walkways']) $(id).addEventListener('change', applyVisibility);
  $('siting').addEventListener('submit', (e) => { e.preventDefault(); suggest(); });
  $('siting-clear').addEventListener('click', clearPlan);
  onLang(() => {
    fillKinds();
    drawKeys(summary?.method);
    showStatus();
    if (summary) { drawSummary(summary); }
    if (plan) drawPlanText(plan.result, plan.request);
  });

  // The kind picker, from the vocabulary's facility kinds.
  function fillKinds() {
    fillSelect($('coverage-kind'), list('facility_kinds').map((k) => [k.code, choice('facility_kinds', k.code)]));
  }

  // The address: `#coverage?kind=clinic&minutes=15` (or `&meters=500`).
  function readHash(hash) {
    readParams(new URLSearchParams(hash.split('?')[1] ?? ''));
  }
  function readParams(query) {
    const kind = query.get('kind');
    $('coverage-kind').value = list('facility_kinds').some((k) => k.code === kind) ? kind : DEFAULT_KIND;
    const meters = Number(query.get('meters'));
    const minutes = Number(query.get('minutes'));
    const preset = query.has('meters') ? `meters=${meters}` : query.has('minutes') ? `minutes=${minutes}` : 'minutes=15';
    if (PRESETS.includes(preset)) {
      $('coverage-circle').value = preset;
    } else if (meters > 0 || minutes > 0) {
      $('coverage-circle').value = 'custom';
      $('coverage-metres').value = String(Math.round(meters > 0 ? meters : (minutes * 1000) / 15));
    }
  }
  const params = () => `kind=${$('coverage-kind').value}&${circleQuery()}`;

  function showCustom() {
    $('coverage-custom').hidden = $('coverage-circle').value !== 'custom';
  }

  // The circle as the API takes it: `minutes=15` or `meters=N`.
  function circleQuery() {
    const choice = $('coverage-circle').value;
    if (choice !== 'custom') return choice;
    const value = Math.round(Number($('coverage-metres').value));
    return `meters=${Number.isFinite(value) && value > 0 ? value : 800}`;
  }
  const circleBody = () => {
    const [key, value] = circleQuery().split('=');
    return { [key]: Number(value) };
  };
  const url = (path, extra = {}) => {
    const query = new URLSearchParams(`kind=${$('coverage-kind').value}&${circleQuery()}`);
    for (const [key, value] of Object.entries(extra)) query.set(key, value);
    return `${path}?${query}`;
  };

  // The status line: the latest message, followed by any note that a layer is not shown
  // because the view is too wide for the server's bounds (kept until that layer loads again).
  // Messages are functions of the language, so that a switch rewrites them.
  let status = { text: null, error: false };
  const viewNotes = {};
  function say(text, error = false) {
    status = { text, error };
    showStatus();
  }
  function note(layer, text) {
    viewNotes[layer] = text;
    showStatus();
  }
  function showStatus() {
    const notes = Object.values(viewNotes).filter(Boolean);
    const lines = [status.text, ...notes].filter(Boolean).map((text) => text());
    $('coverage-status').textContent = lines.join(' · ');
    $('coverage-status').classList.toggle('error', status.error || notes.length > 0);
  }
  const tooLarge = (err) => err.code === 'too_large';

  function changed() {
    const input = $('coverage-metres');
    if ($('coverage-circle').value === 'custom' && !input.checkValidity()) {
      say(() => `${t('distanceRange')}${input.min}–${input.max}`, true);
      return;
    }
    if (active) remember();
    clearPlan();
    refresh();
  }

  function refresh() {
    drawKeys();
    loadSummary();
    loadIsochrones(true);
    loadBuildings(true);
    paintStations();
  }

  // Map layers, added once the base layers are in (so that they draw above them).
  function addLayers() {
    layersAdded ??= (async () => {
      await ready;
      const before = map.getLayer('compound-labels') ? 'compound-labels' : undefined;
      const add = (layer) => map.addLayer({ ...layer, layout: { ...layer.layout, visibility: 'none' } }, before);
      try {
        // The walking network, faint, from its own tile source (it is not in the base tiles).
        const tilejson = await getJSON('walkways', '/tiles/walkways.json');
        const tiles = tilejson.tiles.map((t) => (t.startsWith('/') ? location.origin + t : t));
        map.addSource('walkways', { type: 'vector', tiles, minzoom: tilejson.minzoom, maxzoom: tilejson.maxzoom });
        add({
          id: 'cov-walkways', type: 'line', source: 'walkways', 'source-layer': 'walkways',
          paint: { 'line-color': '#7a7a7a', 'line-width': ['interpolate', ['linear'], ['zoom'], 14, 0.5, 18, 2], 'line-opacity': 0.6 },
        });
      } catch (err) {
        console.warn('/tiles/walkways.json:', err.message);
      }
      map.addSource('cov-isochrones', { type: 'geojson', data: isochrones });
      map.addSource('cov-buildings', { type: 'geojson', data: empty() });
      add({ id: 'cov-iso-fill', type: 'fill', source: 'cov-isochrones', paint: { 'fill-color': ISOCHRONE, 'fill-opacity': 0.14 } });
      add({
        id: 'cov-buildings', type: 'fill', source: 'cov-buildings',
        paint: { 'fill-color': NONE, 'fill-opacity': 0.9, 'fill-outline-color': '#ffffff' },
      });
      add({
        id: 'cov-iso-line', type: 'line', source: 'cov-isochrones',
        paint: { 'line-color': ISOCHRONE, 'line-width': 1.5, 'line-dasharray': [3, 1.5] },
      });
      if (map.getSource('minsheng')) {
        add({
          id: 'cov-stations', type: 'circle', source: 'minsheng', 'source-layer': 'stations',
          filter: ['==', ['get', 'kind'], $('coverage-kind').value],
          paint: {
            'circle-color': STATION,
            'circle-radius': ['interpolate', ['linear'], ['zoom'], 12, 5, 17, 9],
            'circle-stroke-color': '#ffffff',
            'circle-stroke-width': 2.5,
          },
        });
      }
      for (const id of ['cov-buildings', 'cov-stations', 'cov-iso-fill']) {
        map.on('mouseenter', id, () => { if (active) map.getCanvas().style.cursor = 'pointer'; });
        map.on('mouseleave', id, () => { map.getCanvas().style.cursor = ''; });
      }
      map.on('click', clicked);
      map.on('moveend', () => {
        if (!active) return;
        clearTimeout(moveTimer);
        moveTimer = setTimeout(() => { loadBuildings(false); loadIsochrones(false); }, VIEW_DEBOUNCE_MS);
      });
      paintBuildings();
      applyVisibility();
    })();
    return layersAdded;
  }

  function applyVisibility() {
    if (!map || !layersAdded) return;
    const groups = [
      [active && $('show-walkways').checked, ['cov-walkways']],
      [active && $('show-isochrones').checked, ['cov-iso-fill', 'cov-iso-line']],
      [active && $('show-distance').checked, ['cov-buildings']],
      [active, ['cov-stations']],
    ];
    for (const [shown, ids] of groups) {
      for (const id of ids) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', shown ? 'visible' : 'none');
    }
    for (const marker of markers) marker.getElement().style.display = active ? '' : 'none';
  }

  // The limit in metres of the circle asked for (the answers say it too; this is for the legend
  // before they come).
  function limit() {
    const [key, value] = circleQuery().split('=');
    return key === 'minutes' ? (Number(value) * 1000) / 15 : Number(value);
  }

  // [upper bound in m or null, colour, label] for each bin of the distance legend.
  function bins(limitM) {
    const breaks = [...BREAKS_M.filter((b) => b < limitM), limitM];
    const rows = breaks.map((b, i) => {
      const low = i === 0 ? null : breaks[i - 1];
      const range = low == null ? `≤ ${metres(b)}` : `${number(low)}–${metres(b)}`;
      return [b, NEAR[i], `${range} · ${t('withinCircle')}`];
    });
    rows.push([Infinity, BEYOND, `> ${metres(limitM)} · ${t('beyondCircle', metres(limitM * 2))}`]);
    rows.push([null, NONE, t('noStationWithin', metres(limitM * 2))]);
    return rows;
  }

  function drawKeys(method) {
    const kind = label('facility_kinds', $('coverage-kind').value);
    const how = t(method === 'euclidean' ? 'straightLine' : method === 'network' ? 'walking' : 'distance');
    $('distance-title').textContent = t('distanceTitle', kind, how);
    render($('distance-keys'), html`${bins(limit()).map(([, colour, text]) => html`<li><span class="key" style="--c:${colour}"></span>${text}</li>`)}`);
    render($('coverage-keys'), html`<li><span class="key fill dashed" style="--c:${ISOCHRONE}"></span>${t('isochroneKey', metres(limit()))}</li>
      <li><span class="key dot" style="--c:${STATION}"></span>${t('existingStations', kind)}</li>
      <li><span class="pick-key" aria-hidden="true">1</span>${th('suggestedSite')}</li>
      <li><span class="key line walk"></span>${th('walkwaysKey')}</li>`);
  }

  function paintBuildings() {
    if (!map?.getLayer('cov-buildings')) return;
    const distance = ['get', 'distance_m'];
    const steps = bins(limit()).filter(([bound]) => bound != null && Number.isFinite(bound));
    map.setPaintProperty('cov-buildings', 'fill-color', ['case',
      ['!=', ['typeof', distance], 'number'], NONE,
      ...steps.flatMap(([bound, colour]) => [['<=', distance, bound], colour]),
      BEYOND]);
  }

  function paintStations() {
    if (map?.getLayer('cov-stations')) map.setFilter('cov-stations', ['==', ['get', 'kind'], $('coverage-kind').value]);
  }

  // The summary: status line, method, and the coverage table.
  async function loadSummary() {
    let body;
    say(() => t('working'));
    try {
      body = await getJSON('summary', url('/api/coverage'));
    } catch (err) {
      if (!aborted(err)) say(() => t('coverageFailed', err.message), true);
      return;
    }
    summary = body;
    drawSummary(body);
  }

  function drawSummary(body) {
    const total = body.total;
    const kind = () => label('facility_kinds', body.kind);
    say(() => t('coverageSummary', kind(), metres(body.limit_m), number(total.households_covered), number(total.households),
      percent(total.households_share), body.stations));
    drawMethod(body);
    drawKeys(body.method);
    drawTotals(body);
    drawAreas(body);
    drawUncovered(body);
  }

  function drawMethod(body) {
    const off = [];
    if (body.stations_off_network) off.push(t('stationsOff', body.stations_off_network));
    if (body.buildings_off_network) off.push(t('buildingsOff', number(body.buildings_off_network)));
    render($('coverage-method'), html`${th('method')}${th(body.method === 'network' ? 'methodNetwork' : 'methodEuclidean')}<br>${
      t('circleMinutes', metres(body.limit_m), number(body.minutes, 1), number(body.speed_m_per_min, 1))}${off.length ? html`<br>${off.join('; ')}` : ''}`);
    const warn = body.method === 'euclidean' && body.method_note;
    $('coverage-warning').hidden = !warn;
    if (warn) {
      const text = t(/no walking network/.test(body.method_note) ? 'noNetworkWarning' : 'straightWarning');
      render($('coverage-warning'), html`<strong>${t('attention')}</strong> ${text}${getLang() === 'en' ? '' : html`<br><small lang="en">${body.method_note}</small>`}`);
    }
  }

  function drawTotals(body) {
    const totals = body.total;
    const rows = [
      ['rowBuildings', totals.buildings_covered, totals.buildings, totals.buildings_share, 'buildingsCount'],
      ['rowHouseholds', totals.households_covered, totals.households, totals.households_share, 'households'],
      ['rowResidents', totals.population_covered, totals.population, totals.population_share, 'residents'],
    ];
    $('coverage-period').textContent = t('coveragePeriod', label('facility_kinds', body.kind), body.stations, metres(body.limit_m));
    render($('coverage-total-rows'), html`${rows.map(([key, covered, all, share, unit]) =>
      html`<tr><th scope="row">${th(key)}</th><td class="num">${t(unit, number(covered))}</td>
        <td class="num">${t(unit, number(all))}</td><td class="num">${bar(share)}</td></tr>`)}`);
  }

  function drawAreas(body) {
    const rows = body[$('coverage-by').value] ?? [];
    render($('coverage-area-rows'), rows.length
      ? html`${rows.map((r) =>
        html`<tr><td translate="no">${r.name}</td><td class="num">${number(r.households_covered)} / ${t('households', number(r.households))}</td>
          <td class="num">${bar(r.households_share)}</td><td class="num">${percent(r.population_share)}
          <br><small>${number(r.population_covered)} / ${t('residents', number(r.population))}</small></td></tr>`)}`
      : html`<tr><td colspan="4" class="empty">${t('noBuildings')}</td></tr>`);
  }

  function drawUncovered(body) {
    const rows = body.uncovered_compounds;
    const tbody = render($('coverage-uncovered-rows'), rows.length ? html`` : html`<tr><td colspan="3" class="empty">${t('everyCompoundCovered')}</td></tr>`);
    for (const c of rows) {
      const tr = document.createElement('tr');
      const nearest = c.nearest_m == null ? `> ${metres(body.limit_m * 2)}` : metres(c.nearest_m);
      const name = c.centre
        ? html`<button type="button" class="link" title="${t('showOnMap')}" translate="no">${c.name}</button>`
        : html`<span translate="no">${c.name}</span>`;
      render(tr, html`<td>${name}</td><td class="num">${number(c.households_uncovered)} / ${t('households', number(c.households))}
        <br><small>${t('buildingsCount', c.buildings_uncovered)}</small></td><td class="num">${nearest}</td>`);
      tr.querySelector('button')?.addEventListener('click', () => flyTo(c.centre, 17));
      tbody.append(tr);
    }
  }

  function flyTo(centre, zoom) {
    map?.flyTo({ center: centre, zoom: Math.max(map.getZoom(), zoom), padding: padding() });
  }

  // Isochrones of the stations that reach into the view (padded), asked again when the question
  // changes (`force`) or the view leaves the box fetched. Too many for the server in a wide
  // view: the status line asks to zoom in.
  async function loadIsochrones(force) {
    if (!map) return;
    await ready;
    const key = url('');
    const wanted = padded();
    if (!force && covers(loadedIsochrones, key)) return;
    try {
      isochrones = await getJSON('isochrones', url('/api/coverage/isochrones', { bbox: boxText(wanted) }));
    } catch (err) {
      if (aborted(err)) return;
      isochrones = empty();
      loadedIsochrones = { key: '', box: null };
      map.getSource('cov-isochrones')?.setData(isochrones);
      if (tooLarge(err)) note('isochrones', () => t('isochronesTooMany', err.message));
      else say(() => t('isochronesFailed', err.message), true);
      return;
    }
    note('isochrones', null);
    loadedIsochrones = { key, box: wanted };
    // Before the layers are in, they take the latest isochrones when they are added.
    map.getSource('cov-isochrones')?.setData(isochrones);
  }

  // The view's box padded by half its size each way, [west, south, east, north].
  function padded() {
    const b = map.getBounds();
    const [w, s, e, n] = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
    const [dx, dy] = [(e - w) / 2, (n - s) / 2];
    return [Math.max(w - dx, -180), Math.max(s - dy, -90), Math.min(e + dx, 180), Math.min(n + dy, 90)];
  }
  const boxText = (box) => box.map((v) => v.toFixed(6)).join(',');
  // Whether what was loaded answers this question and holds the whole view.
  function covers({ key: loadedKey, box }, key) {
    const b = map.getBounds();
    return loadedKey === key && box && b.getWest() >= box[0] && b.getSouth() >= box[1] && b.getEast() <= box[2] && b.getNorth() <= box[3];
  }

  // Buildings for the view, padded by half its size each way; fetched again when the question
  // changes (`force`) or the view leaves the box fetched.
  async function loadBuildings(force) {
    // Before the layers are in there is nowhere to draw: `show` asks again once they are.
    if (!map || !layersAdded) return;
    const key = url('');
    if (map.getZoom() < BUILDINGS_MIN_ZOOM) {
      if (force) map.getSource('cov-buildings')?.setData(empty());
      loaded = { key: '', box: null };
      note('buildings', null);
      return;
    }
    if (!force && covers(loaded, key)) return;
    const wanted = padded();
    let body;
    try {
      body = await getJSON('buildings', url('/api/coverage/buildings', { bbox: boxText(wanted) }));
    } catch (err) {
      if (aborted(err)) return;
      if (tooLarge(err)) {
        map.getSource('cov-buildings')?.setData(empty());
        loaded = { key: '', box: null };
        note('buildings', () => t('buildingsTooMany', err.message));
      } else {
        say(() => t('buildingsFailed', err.message), true);
      }
      return;
    }
    note('buildings', null);
    await layersAdded;
    loaded = { key, box: wanted };
    paintBuildings();
    map.getSource('cov-buildings')?.setData(body);
  }

  // Siting: the plan endpoint picks k sites in order; each is a numbered marker and a row.
  async function suggest() {
    const input = $('siting-add');
    if (!input.checkValidity()) {
      render($('siting-summary'), html`<span class="error">${t('sitingInvalid')}</span>`);
      return;
    }
    const request = { kind: $('coverage-kind').value, ...circleBody(), add: Number(input.value), candidates: $('siting-candidates').value };
    $('siting-run').disabled = true;
    $('siting-summary').textContent = t('working');
    let result;
    const post = (body) => getJSON('plan', '/api/coverage/plan', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    try {
      try {
        result = await post(request);
      } catch (err) {
        // Too many candidates in the whole map: those in the view, if there is one.
        if (!tooLarge(err) || !map) throw err;
        request.bbox = map.getBounds().toArray().flat();
        result = await post(request);
      }
    } catch (err) {
      if (!aborted(err)) {
        const zoom = tooLarge(err) ? t('sitingTooMany') : '';
        render($('siting-summary'), html`<span class="error">${t('sitingFailed', `${zoom}${err.message}`)}</span>`);
      }
      return;
    } finally {
      $('siting-run').disabled = false;
    }
    drawPlan(result, request);
  }

  // The plan's words: the summary and the list of picks (again on a language switch).
  function drawPlanText(result, request) {
    const last = result.picks.at(-1);
    const after = last ? t('planAfter', number(last.households_covered), percent(last.households_share)) : t('unchanged');
    const fewer = result.households_covered_before >= result.households
      ? t('alreadyCovered')
      : last && last.households_covered >= result.households && result.picks.length < request.add
        ? t('coveredWith', result.picks.length)
      : result.picks.length < request.add
        ? t('onlyFound', result.picks.length) : '';
    render($('siting-summary'), html`${t('planSummary', number(result.households_covered_before), number(result.households),
      percent(result.households_share_before), result.picks.length, after)}
      <br><small>${t('planDetail', number(result.candidates), Boolean(request.bbox), number(result.candidates_evaluated), result.method === 'network', metres(result.limit_m))}</small>${
      fewer ? html`<br>${fewer}` : ''}`);
    const picks = render($('siting-picks'), html``);
    for (const pick of result.picks) {
      const { site } = pick;
      const name = site.name ?? site.id ?? `${site.lon.toFixed(5)}, ${site.lat.toFixed(5)}`;
      const item = document.createElement('li');
      const type = t(site.type === 'building' ? 'siteBuilding' : site.type === 'compound' ? 'siteCompound' : 'sitePoint');
      render(item, html`<span class="pick-key" aria-hidden="true">${pick.rank}</span>
        <div><button type="button" class="link" title="${t('showOnMap')}" translate="no">${name}</button> <small>${type}</small><br>
        ${t('pickAdded', number(pick.households_added), number(pick.households_covered), percent(pick.households_share))}</div>`);
      item.querySelector('button').addEventListener('click', () => flyTo([site.lon, site.lat], 16.5));
      picks.append(item);
    }
  }

  function drawPlan(result, request) {
    removeMarkers();
    plan = { result, request };
    drawPlanText(result, request);
    for (const pick of result.picks) {
      const { site } = pick;
      const name = site.name ?? site.id ?? `${site.lon.toFixed(5)}, ${site.lat.toFixed(5)}`;
      if (map) {
        const element = document.createElement('div');
        element.className = 'pick-marker';
        element.textContent = String(pick.rank);
        element.setAttribute('role', 'img');
        element.setAttribute('aria-label', `${t('pickLabel', pick.rank, number(pick.households_added))}${name}`);
        element.title = `${pick.rank}. ${name} · +${number(pick.households_added)}`;
        markers.push(new maplibregl.Marker({ element }).setLngLat([site.lon, site.lat]).addTo(map));
      }
    }
    $('siting-clear').hidden = !result.picks.length;
    $('siting-summary').scrollIntoView({ block: 'nearest' });
    applyVisibility();
    if (map && result.picks.length) {
      const lons = result.picks.map((p) => p.site.lon);
      const lats = result.picks.map((p) => p.site.lat);
      const bounds = [[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]];
      // Zoom out if needed to show every pick clear of the panel and the table; do not zoom in.
      // 20 px more on each side: a marker is drawn around its point.
      const clear = Object.fromEntries(Object.entries(padding()).map(([side, px]) => [side, px + 20]));
      const { clientWidth: width, clientHeight: height } = map.getContainer();
      const seen = ({ x, y }) => x >= clear.left && x <= width - clear.right && y >= clear.top && y <= height - clear.bottom;
      if (!result.picks.every((p) => seen(map.project([p.site.lon, p.site.lat])))) {
        map.fitBounds(bounds, { padding: clear, maxZoom: map.getZoom() });
      }
    }
  }

  function removeMarkers() {
    for (const marker of markers) marker.remove();
    markers = [];
  }

  function clearPlan() {
    getJSON.abort('plan');
    plan = null;
    removeMarkers();
    $('siting-picks').replaceChildren();
    $('siting-summary').textContent = '';
    $('siting-clear').hidden = true;
    $('siting-run').disabled = false;
  }

  function clicked(e) {
    if (!active) return;
    const layers = ['cov-stations', 'cov-buildings', 'cov-iso-fill']
      .filter((id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') === 'visible');
    const [hit] = layers.length ? map.queryRenderedFeatures(e.point, { layers }) : [];
    popup?.remove();
    if (!hit) return;
    const p = hit.properties;
    const circle = summary?.limit_m ?? limit();
    let content;
    if (hit.layer.id === 'cov-buildings') {
      const distance = typeof p.distance_m === 'number' ? metres(p.distance_m) : `> ${metres(circle * 2)}`;
      content = html`<p><strong translate="no">${p.name}</strong></p><dl class="facts">
        <dt>${th('nearestStation')}</dt><dd>${distance}</dd>
        <dt>${th('covered')}</dt><dd>${t(p.covered ? 'yes' : 'no')}</dd>
        <dt>${th('rowHouseholds')}</dt><dd>${t('households', number(p.households))}</dd>
        <dt>${th('rowResidents')}</dt><dd>${t('residents', number(p.population))}</dd></dl>`;
    } else if (hit.layer.id === 'cov-stations') {
      content = html`<p><strong translate="no">${p.name}</strong></p><p class="meta">${label('facility_kinds', p.kind)}</p>`;
    } else {
      const reach = p.off_network ? t('offNetwork') : p.reached_m > 0 ? t('reached', metres(p.reached_m)) : t('radius', metres(p.limit_m));
      content = html`<p><strong translate="no">${p.name}</strong> <small>${t('isochrone')}</small></p><p class="meta">${reach}</p>`;
    }
    popup = new maplibregl.Popup({ maxWidth: '280px' }).setLngLat(e.lngLat).setDOMContent(nodes(content)).addTo(map);
  }

  return {
    params,
    // An address typed or followed (`hashchange`): take its kind and circle.
    read(query) {
      const before = params();
      readParams(query);
      showCustom();
      if (started && params() !== before) { clearPlan(); refresh(); }
    },
    async show() {
      active = true;
      $('coverage-table').hidden = false;
      if (!started) { started = true; refresh(); }
      if (map) { await addLayers(); paintStations(); applyVisibility(); loadBuildings(false); loadIsochrones(false); }
    },
    hide() {
      active = false;
      $('coverage-table').hidden = true;
      popup?.remove();
      applyVisibility();
    },
  };
}

// A share as a percentage with a small bar behind it (the bar is decoration: the number says it).
function bar(share) {
  return html`<span class="share"><span class="share-bar" style="width:${Math.round(share * 100)}%" aria-hidden="true"></span>${percent(share)}</span>`;
}
