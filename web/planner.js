// The planner view (规划): where problems are reported, as a heat map and as H3 hexagons with
// their hot and cold spots (Getis-Ord Gi*), a ranked problem list with the change against the
// previous period, and a small timeline. Everything comes from this server.

import { $, html, render, nodes, latestOnly, aborted } from './util.js';
import { t, th, label, list, choice, choiceHtml, fillSelect, getLang, onLang } from './i18n.js';

// Viridis and magma (matplotlib): perceptually even and readable under colour-blindness.
const VIRIDIS = ['#440154', '#443983', '#31688e', '#21918c', '#35b779', '#90d743', '#fde725'];
const MAGMA = ['#3b0f70', '#8c2981', '#de4968', '#fe9f6d', '#fcfdbf'];
const NO_HOUSEHOLDS = '#c8c8c8';
// Gi* classes (the vocabulary's `hot_spot_classes`): [class, colour, line width]. Hot in reds,
// cold in blues and dashed, stronger confidence thicker, so that width and dash tell them
// apart without colour.
const SPOTS = [
  ['hot_99', '#b2182b', 5],
  ['hot_95', '#e34a33', 3.5],
  ['hot_90', '#fc8d59', 2.5],
  ['cold_99', '#08519c', 5],
  ['cold_95', '#3182bd', 3.5],
  ['cold_90', '#6baed6', 2.5],
];
// Case dots by status (the vocabulary's `statuses`).
const STATUS_COLOURS = { open: '#D55E00', closed: '#5c5c5c' };
const AREA_LAYERS = { compound: 'compounds', grid: 'grids', community: 'communities', street: 'streets' };
// Mean H3 cell areas (m²) by resolution, to turn the densest hexagon into cases per m².
const HEX_AREA_M2 = { 8: 737_327, 9: 105_333, 10: 15_048, 11: 2_150 };
const DAY_MS = 86_400_000;
// The coarsest resolution the page falls back to when the view holds too many finer hexagons.
const MIN_RESOLUTION = 8;
// How long the map must rest before hexagons for the view are asked again.
const VIEW_DEBOUNCE_MS = 300;
const empty = () => ({ type: 'FeatureCollection', features: [] });

const number = (n, digits = 0) => Number(n).toLocaleString(getLang() === 'en' ? 'en' : 'zh-CN', { maximumFractionDigits: digits });
// Dates as `YYYY-MM-DD` strings, counted in whole days (UTC arithmetic, so no time zone shifts them).
const addDays = (date, days) => new Date(Date.parse(date) + days * DAY_MS).toISOString().slice(0, 10);
const today = () => { const d = new Date(); return new Date(d - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 10); };

/** Sets up the view; `show` and `hide` switch it on and off, `params` and `read` are its part
 * of the address. `map` may be null (no WebGL). */
export function createPlanner({ map, ready, padding, remember }) {
  let active = false;
  let started = false;
  let layersAdded = null;
  let tileTemplate = null;
  let popup = null;
  let hexagons = empty();
  // The box the hexagons were asked for; null for the whole map.
  let hexagonBox = null;
  // The last list and timeline, drawn again when the language changes.
  let lastProblems = null;
  let lastTimeline = null;
  const getJSON = latestOnly();
  // The last status line, kept as its key and arguments so that it follows the language.
  let status = null;

  // Controls: the category boxes and the status menu come from the vocabulary; dates default
  // to the last 90 days.
  render($('category-boxes'), html`${list('categories').map((c) =>
    html`<label><input type="checkbox" name="category" value="${c.code}"> <span data-vocab="categories:${c.code}">${choiceHtml('categories', c.code)}</span></label>`)}`);
  setPeriod(90);
  // On a phone the open boxes would cover the map.
  if (matchMedia('(max-width: 699px)').matches) $('filter-box').open = $('display-box').open = false;
  drawLegends();
  onLang(() => {
    drawLegends();
    paintHexagons();
    if (status) say(...status);
    if (lastProblems) drawProblems(lastProblems);
    if (lastTimeline) drawTimeline(lastTimeline);
  });

  function drawLegends() {
    fillSelect($('status'), [['', t('all')], ...list('statuses').map((s) => [s.code, choice('statuses', s.code)])]);
    render($('spot-keys'), html`${SPOTS.map(([code, colour, width]) =>
      html`<li><span class="key line spot${code.startsWith('cold') ? ' cold' : ''}" style="--c:${colour};--w:${width}px"></span>${label('hot_spot_classes', code)}</li>`)}<li><span class="key line none"></span>${label('hot_spot_classes', 'not_significant')}${th('noOutline')}</li>`);
    render($('heat-key'), rampKey(MAGMA, th('heatTitle'), t('fewer'), t('more')));
    render($('case-keys'), html`${list('statuses').map((s) =>
      html`<li><span class="key dot" style="--c:${STATUS_COLOURS[s.code] ?? '#000000'}"></span>${label('statuses', s.code)}${th('caseKey')}</li>`)}`);
  }

  let timer = 0;
  const soon = () => { clearTimeout(timer); timer = setTimeout(refresh, 250); };
  // Hexagons asked for the view follow it, once it has stopped moving.
  let moveTimer = 0;
  map?.on('moveend', () => {
    if (!active || !hexagonBox) return;
    clearTimeout(moveTimer);
    moveTimer = setTimeout(() => loadHexagons(true), VIEW_DEBOUNCE_MS);
  });
  $('filters').addEventListener('change', soon);
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  $('categories-clear').addEventListener('click', () => {
    for (const box of $('category-boxes').querySelectorAll('input')) box.checked = false;
    soon();
  });
  for (const button of document.querySelectorAll('#filters [data-days]')) {
    button.addEventListener('click', () => { setPeriod(Number(button.dataset.days)); soon(); });
  }
  $('resolution').addEventListener('change', () => { loadHexagons(); if (active) remember(); });
  $('fill-by').addEventListener('change', paintHexagons);
  $('group-by').addEventListener('change', () => {
    map?.getSource('focus')?.setData({ type: 'FeatureCollection', features: [] });
    loadProblems();
  });
  for (const id of ['show-heat', 'show-hexagons', 'show-spots']) $(id).addEventListener('change', applyVisibility);

  function setPeriod(days) {
    $('until').value = today();
    $('since').value = addDays(today(), -days + 1);
  }

  // The filter as a query string: categories and status as comma lists, and the period as
  // [since, until + 1 day) since the API's `until` is exclusive and the form's is inclusive.
  function filter() {
    const query = new URLSearchParams();
    const categories = [...$('category-boxes').querySelectorAll('input:checked')].map((box) => box.value);
    if (categories.length) query.set('category', categories.join(','));
    if ($('status').value) query.set('status', $('status').value);
    if ($('since').value) query.set('since', $('since').value);
    if ($('until').value) query.set('until', addDays($('until').value, 1));
    return query;
  }
  const withFilter = (path, extra = {}) => {
    const query = filter();
    for (const [key, value] of Object.entries(extra)) query.set(key, value);
    const text = query.toString();
    return text ? `${path}?${text}` : path;
  };

  // The status line: a function of the language, so that a switch rewrites it.
  function say(text, error = false) {
    status = [text, error];
    $('planner-status').textContent = typeof text === 'function' ? text() : text;
    $('planner-status').classList.toggle('error', error);
  }

  function refresh() {
    if ($('since').value && $('until').value && $('since').value > $('until').value) {
      say(() => t('datesReversed'), true);
      return;
    }
    if (active) remember();
    $('csv').href = withFilter('/api/stats/problems.csv', { group_by: $('group-by').value });
    if (tileTemplate) map.getSource('reports')?.setTiles([withFilter(tileTemplate)]);
    loadHexagons();
    loadProblems();
    loadTimeline();
  }

  // Map layers, added once the base layers are in (so that they draw above them).
  function addLayers() {
    layersAdded ??= (async () => {
      await ready;
      try {
        const tilejson = await getJSON('tilejson', '/tiles/reports.json');
        const template = tilejson.tiles[0].split('?')[0];
        // Absolute: MapLibre fetches tiles from a worker, where a bare path would not resolve.
        tileTemplate = template.startsWith('/') ? location.origin + template : template;
      } catch (err) {
        console.warn('/tiles/reports.json:', err.message);
        say(() => t('heatFailed', err.message), true);
      }
      const before = map.getLayer('compound-labels') ? 'compound-labels' : undefined;
      const add = (layer) => map.addLayer({ ...layer, layout: { ...layer.layout, visibility: 'none' } }, before);
      map.addSource('hexagons', { type: 'geojson', data: hexagons });
      map.addSource('focus', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
      add({ id: 'hex-fill', type: 'fill', source: 'hexagons', paint: { 'fill-color': VIRIDIS[0], 'fill-opacity': 0.6 } });
      add({ id: 'hex-line', type: 'line', source: 'hexagons', paint: { 'line-color': '#ffffff', 'line-width': 0.6, 'line-opacity': 0.7 } });
      if (tileTemplate) {
        map.addSource('reports', { type: 'vector', tiles: [withFilter(tileTemplate)], maxzoom: 18 });
        add({
          id: 'heat', type: 'heatmap', source: 'reports', 'source-layer': 'reports',
          paint: {
            // Cells below zoom 14 carry their number of cases, single cases 1: weigh by it.
            'heatmap-weight': ['interpolate', ['linear'], ['coalesce', ['get', 'count'], 1], 0, 0, 1, 1, 10_000, 10_000],
            'heatmap-color': ['interpolate', ['linear'], ['heatmap-density'],
              0, 'rgba(59,15,112,0)', 0.05, 'rgba(59,15,112,0.45)',
              ...MAGMA.slice(1).flatMap((c, i) => [0.25 + i * 0.25, c])],
            'heatmap-opacity': ['interpolate', ['linear'], ['zoom'], 14, 0.85, 17, 0.55],
          },
        });
        add({
          id: 'cases', type: 'circle', source: 'reports', 'source-layer': 'reports', minzoom: 15,
          paint: {
            'circle-color': ['match', ['get', 'status'], ...Object.entries(STATUS_COLOURS).flat(), '#000000'],
            'circle-radius': ['interpolate', ['linear'], ['zoom'], 15, 2.5, 18, 5],
            'circle-stroke-color': '#ffffff',
            'circle-stroke-width': 1,
          },
        });
      }
      const significant = ['!=', ['get', 'class'], 'not_significant'];
      const width = ['match', ['get', 'class'], ...SPOTS.flatMap(([c, , w]) => [c, w]), 0];
      const colour = ['match', ['get', 'class'], ...SPOTS.flatMap(([c, k]) => [c, k]), '#000000'];
      add({ id: 'spot-casing', type: 'line', source: 'hexagons', filter: significant,
        paint: { 'line-color': '#ffffff', 'line-width': ['+', width, 2.5] } });
      add({ id: 'spot-hot', type: 'line', source: 'hexagons', filter: ['in', 'hot', ['get', 'class']],
        paint: { 'line-color': colour, 'line-width': width } });
      add({ id: 'spot-cold', type: 'line', source: 'hexagons', filter: ['in', 'cold', ['get', 'class']],
        paint: { 'line-color': colour, 'line-width': width, 'line-dasharray': [1.5, 1] } });
      add({ id: 'focus', type: 'line', source: 'focus', paint: { 'line-color': '#111111', 'line-width': 3 } });
      for (const id of ['hex-fill', 'cases']) {
        map.on('mouseenter', id, () => { if (active) map.getCanvas().style.cursor = 'pointer'; });
        map.on('mouseleave', id, () => { map.getCanvas().style.cursor = ''; });
      }
      map.on('click', clicked);
      drawHexagons();
      applyVisibility();
    })();
    return layersAdded;
  }

  function applyVisibility() {
    if (!map || !layersAdded) return;
    const [heat, fill, spots] = ['show-heat', 'show-hexagons', 'show-spots'].map((id) => active && $(id).checked);
    // The cells stay (transparent, still clickable for their popup) while only the spots show.
    const groups = [[heat, ['heat', 'cases']], [fill || spots, ['hex-fill', 'hex-line']],
      [spots, ['spot-casing', 'spot-hot', 'spot-cold']], [active, ['focus']]];
    for (const [shown, ids] of groups) {
      for (const id of ids) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', shown ? 'visible' : 'none');
    }
    if (map.getLayer('hex-fill')) map.setPaintProperty('hex-fill', 'fill-opacity', fill ? 0.65 : 0);
  }

  // Hexagons: fetched for the filter and resolution; their colours follow the data. The whole
  // map when the server allows it (one request per filter); else the view, padded, asked again
  // when the view moves, at the chosen resolution or the finest coarser one the server allows
  // there, and the status line says so.
  async function loadHexagons(moved = false) {
    if (moved && !hexagonBox) return;
    const chosen = Number($('resolution').value);
    let box = moved ? viewBox() : null;
    let resolution = chosen;
    for (;;) {
      const extra = box ? { resolution, bbox: box.map((v) => v.toFixed(6)).join(',') } : { resolution };
      try {
        hexagons = await getJSON('hexagons', withFilter('/api/heatmap', extra));
        break;
      } catch (err) {
        if (aborted(err)) return;
        if (err.code === 'too_large' && map && !box) {
          box = viewBox();
        } else if (err.code === 'too_large' && box && resolution > MIN_RESOLUTION) {
          resolution -= 1;
        } else {
          hexagons = empty();
          drawHexagons();
          say(() => (err.code === 'too_large' ? t('tooManyHexagons', err.message) : t('hexagonsFailed', err.message)), true);
          return;
        }
      }
    }
    hexagonBox = box;
    const cells = hexagons.features.map((f) => f.properties);
    const total = cells.reduce((sum, c) => sum + c.count, 0);
    const hot = cells.filter((c) => c.class.startsWith('hot')).length;
    const cold = cells.filter((c) => c.class.startsWith('cold')).length;
    const scope = () => (!box ? '' : resolution < chosen ? t('inViewCoarser', resolution, chosen) : t('inView'));
    say(() => t('hexagonSummary', number(total), number(cells.length), hot, cold) + scope());
    drawHexagons();
  }

  // The view's box, padded by half its size each way: [west, south, east, north].
  function viewBox() {
    const b = map.getBounds();
    const [w, s, e, n] = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
    const [dx, dy] = [(e - w) / 2, (n - s) / 2];
    return [Math.max(w - dx, -180), Math.max(s - dy, -90), Math.min(e + dx, 180), Math.min(n + dy, 90)];
  }

  function drawHexagons() {
    paintHexagons();
    if (!map?.getSource('hexagons')) return;
    map.getSource('hexagons').setData(hexagons);
    // The heat map's scale follows the densest hexagon, so that a narrow filter still shows.
    const peak = Math.max(0, ...hexagons.features.map((f) => f.properties.count));
    const area = HEX_AREA_M2[hexagons.resolution] ?? HEX_AREA_M2[10];
    if (!map.getLayer('heat')) return;
    for (const [property, value] of Object.entries(heatScale(peak / area, map.getCenter().lat))) {
      map.setPaintProperty('heat', property, value);
    }
  }

  function paintHexagons() {
    const property = $('fill-by').value;
    const values = hexagons.features.map((f) => f.properties[property]).filter((v) => typeof v === 'number').sort((a, b) => a - b);
    // The ramp ends at the 95th percentile (rounded up to a round number) so that one
    // extreme hexagon does not wash out the rest; above it is the ramp's last colour.
    const high = values.length >= 20 ? values[Math.floor(values.length * 0.95)] : values.at(-1) ?? 0;
    const top = roundUp(Math.max(high, 1));
    const above = (values.at(-1) ?? 0) > top;
    render($('fill-key'), html`${rampKey(VIRIDIS, th(property === 'count' ? 'hexFillCount' : 'hexFillRate'), '0', `${above ? '≥ ' : ''}${number(top)}`)}${
      property === 'count' ? '' : html`<ul class="keys"><li><span class="key" style="--c:${NO_HOUSEHOLDS}"></span>${th('noHouseholds')}</li></ul>`}`);
    if (!map?.getLayer('hex-fill')) return;
    const value = ['get', property];
    map.setPaintProperty('hex-fill', 'fill-color', ['case', ['==', ['typeof', value], 'number'],
      ['interpolate', ['linear'], value, ...VIRIDIS.flatMap((c, i) => [(top * i) / (VIRIDIS.length - 1), c])],
      NO_HOUSEHOLDS]);
  }

  // Ranked list, with the period the server counted and the change against the one before.
  async function loadProblems() {
    const groupBy = $('group-by').value;
    $('csv').href = withFilter('/api/stats/problems.csv', { group_by: groupBy });
    let list;
    try {
      list = await getJSON('problems', withFilter('/api/stats/problems', { group_by: groupBy }));
    } catch (err) {
      if (!aborted(err)) {
        lastProblems = null;
        render($('problem-rows'), html`<tr><td colspan="5" class="error">${t('problemsFailed', err.message)}</td></tr>`);
      }
      return;
    }
    lastProblems = { list, groupBy };
    drawProblems(lastProblems);
  }

  function drawProblems({ list, groupBy }) {
    render($('period'), html`${t('period')} ${span(list.since, list.until)}<br><small>${t('comparedWith')} ${span(list.previous_since, list.previous_until)}</small>`);
    const body = render($('problem-rows'), list.rows.length ? html`` : html`<tr><td colspan="5" class="empty">${t('noReports')}</td></tr>`);
    for (const row of list.rows) {
      const tr = document.createElement('tr');
      const id = groupBy === 'grid' || groupBy === 'community' ? html` <small>${row.id}</small>` : '';
      render(tr, html`<td>${row.rank}</td><td><button type="button" class="link" title="${t('showOnMap')}" translate="no">${row.name}</button>${id}</td>
        <td class="num">${number(row.count)}</td>
        <td class="num">${row.rate_per_1000 == null ? '–' : number(row.rate_per_1000, 1)}</td>
        <td class="num">${change(row)}</td>`);
      tr.querySelector('button').addEventListener('click', () => zoomTo(groupBy, row.id));
      body.append(tr);
    }
  }

  async function zoomTo(groupBy, id) {
    let feature;
    try {
      feature = await getJSON('area', `/api/layers/${AREA_LAYERS[groupBy]}/${encodeURIComponent(id)}`);
    } catch (err) {
      if (!aborted(err)) say(() => t('locateFailedArea', err.message), true);
      return;
    }
    if (!map || !layersAdded) return;
    await layersAdded;
    map.getSource('focus')?.setData(feature);
    const [w, s, e, n] = bbox(feature.geometry.coordinates);
    map.fitBounds([[w, s], [e, n]], { padding: padding(), maxZoom: 18 });
  }

  // Timeline: weeks for a period up to half a year, months beyond, as an inline SVG.
  async function loadTimeline() {
    const days = $('since').value && $('until').value ? (Date.parse($('until').value) - Date.parse($('since').value)) / DAY_MS : 365;
    const interval = days <= 183 ? 'week' : 'month';
    let timeline;
    try {
      timeline = await getJSON('timeline', withFilter('/api/stats/timeline', { interval }));
    } catch (err) {
      if (!aborted(err)) {
        lastTimeline = null;
        render($('timeline'), html`<p class="error">${t('timelineFailed', err.message)}</p>`);
      }
      return;
    }
    lastTimeline = { buckets: timeline.buckets, interval };
    drawTimeline(lastTimeline);
  }
  function drawTimeline({ buckets, interval }) {
    render($('timeline'), bars(buckets, interval));
  }

  function clicked(e) {
    if (!active) return;
    const layers = ['cases', 'hex-fill'].filter((id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') === 'visible');
    const [hit] = layers.length ? map.queryRenderedFeatures(e.point, { layers }) : [];
    popup?.remove();
    if (!hit) return;
    const content = hit.layer.id === 'cases' ? caseHtml(hit.properties) : hexagonHtml(hit.properties);
    popup = new maplibregl.Popup({ maxWidth: '280px' }).setLngLat(e.lngLat).setDOMContent(nodes(content)).addTo(map);
  }

  // The address: `#planner?category=parking,pets&status=open&since=…&until=…&resolution=9`,
  // dates inclusive as the form shows them.
  function params() {
    const query = new URLSearchParams();
    const categories = [...$('category-boxes').querySelectorAll('input:checked')].map((box) => box.value);
    if (categories.length) query.set('category', categories.join(','));
    for (const id of ['status', 'since', 'until']) if ($(id).value) query.set(id, $(id).value);
    if ($('resolution').value !== '10') query.set('resolution', $('resolution').value);
    return query;
  }
  function read(query) {
    const before = params().toString();
    const categories = new Set((query.get('category') ?? '').split(','));
    for (const box of $('category-boxes').querySelectorAll('input')) box.checked = categories.has(box.value);
    const status = query.get('status') ?? '';
    $('status').value = [...$('status').options].some((o) => o.value === status) ? status : '';
    const date = /^\d{4}-\d{2}-\d{2}$/;
    if (date.test(query.get('since') ?? '')) $('since').value = query.get('since');
    if (date.test(query.get('until') ?? '')) $('until').value = query.get('until');
    const resolution = query.get('resolution') ?? '10';
    $('resolution').value = ['8', '9', '10', '11'].includes(resolution) ? resolution : '10';
    if (started && params().toString() !== before) refresh();
  }

  return {
    params,
    read,
    async show() {
      active = true;
      $('ranking').hidden = false;
      if (!started) { started = true; refresh(); }
      if (map) { await addLayers(); applyVisibility(); }
    },
    hide() {
      active = false;
      $('ranking').hidden = true;
      popup?.remove();
      applyVisibility();
    },
  };
}

// The heat map's radius (about 60 m on the ground, 8–120 px on screen) and intensity per
// zoom, so that the densest place (`peak` cases per m²) comes out near the top of the ramp.
// A MapLibre kernel sums to 2πσ²/√(2π) (σ = radius / 3) per unit of weight and peaks at
// 1/√(2π): the intensity is capped so that one lone case stays in the middle of the ramp.
function heatScale(peak, lat) {
  const radius = [];
  const intensity = [];
  for (let z = 8; z <= 20; z += 1) {
    const metresPerPixel = (78_271.517 * Math.cos((lat * Math.PI) / 180)) / 2 ** z;
    const r = Math.min(120, Math.max(8, 60 / metresPerPixel));
    const density = peak * metresPerPixel ** 2 * 2.5066 * (r / 3) ** 2;
    radius.push(z, r);
    intensity.push(z, density > 0 ? Math.min(0.7 / density, 0.9) : 0.9);
  }
  return {
    'heatmap-radius': ['interpolate', ['linear'], ['zoom'], ...radius],
    'heatmap-intensity': ['interpolate', ['linear'], ['zoom'], ...intensity],
  };
}

function rampKey(colours, title, low, high) {
  return html`<p class="ramp-title">${title}</p><div class="ramp" style="background:linear-gradient(to right, ${colours.join(', ')})"></div>
    <div class="ramp-labels"><span>${low}</span><span>${high}</span></div>`;
}

function roundUp(value) {
  const step = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((m) => m * step).find((v) => v >= value);
}

// A period from the API's [since, until) times as inclusive dates.
function span(since, until) {
  const last = until.slice(11, 19) === '00:00:00' ? addDays(until.slice(0, 10), -1) : until.slice(0, 10);
  return t('dateSpan', since.slice(0, 10), last);
}

function change({ change, change_pct: pct, previous_count: previous }) {
  const [arrow, word, css] = change > 0 ? ['▲', t('up'), 'up'] : change < 0 ? ['▼', t('down'), 'down'] : ['', t('same'), 'same'];
  const percent = pct == null ? (previous === 0 && change > 0 ? t('newArea') : '') : `${pct > 0 ? '+' : ''}${number(pct, 1)}%`;
  return html`<span class="${css}" title="${t('previous', number(previous))}"><span aria-hidden="true">${arrow}</span>
    <span class="visually-hidden">${word}</span> ${number(Math.abs(change))}${percent ? html`<br><small>${percent}</small>` : ''}</span>`;
}

function hexagonHtml(p) {
  const rate = Number.isFinite(p.rate_per_1000) ? t('perThousand', number(p.rate_per_1000, 1)) : html`– ${th('noHouseholds')}`;
  return html`<dl class="facts">
    <dt>${th('hexCases')}</dt><dd>${t('casesCount', number(p.count))}</dd>
    <dt>${th('hexHouseholds')}</dt><dd>${t('households', number(p.households))}</dd>
    <dt>${th('hexRate')}</dt><dd>${rate}</dd>
    <dt>${th('hexZ')}</dt><dd>${number(p.z, 2)}</dd>
    <dt>${th('hexP')}</dt><dd>${Number(p.p) < 0.001 ? '< 0.001' : number(p.p, 3)}</dd>
    <dt>${th('hexClass')}</dt><dd>${label('hot_spot_classes', p.class)}</dd>
    </dl><p class="meta"><small>H3 ${p.h3}</small></p>`;
}

function caseHtml(p) {
  return html`<p><strong>${p.case_number}</strong></p><dl class="facts">
    <dt>${th('caseCategoryShort')}</dt><dd>${label('categories', p.category)}</dd>
    <dt>${th('caseStatusShort')}</dt><dd>${label('states', p.state)} <small>${label('statuses', p.status)}</small></dd>
    <dt>${th('caseFiledShort')}</dt><dd>${p.created}</dd></dl>`;
}

function bbox(coordinates) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  (function walk(c) {
    if (typeof c[0] === 'number') {
      box[0] = Math.min(box[0], c[0]); box[1] = Math.min(box[1], c[1]);
      box[2] = Math.max(box[2], c[0]); box[3] = Math.max(box[3], c[1]);
    } else c.forEach(walk);
  })(coordinates);
  return box;
}

function bars(buckets, interval) {
  if (!buckets.length) return html`<p class="meta">${t('noData')}</p>`;
  const [width, height, gap] = [320, 80, 2];
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const step = width / buckets.length;
  const weekly = interval === 'week';
  const label = (b) => (weekly ? t('weekFrom', b.start.slice(0, 10)) : b.start.slice(0, 7));
  const rects = buckets.map((b, i) => {
    const h = (b.count / max) * height;
    return html`<rect x="${(i * step + gap / 2).toFixed(1)}" y="${(height - h).toFixed(1)}" width="${Math.max(1, step - gap).toFixed(1)}" height="${h.toFixed(1)}">
      <title>${label(b)}: ${t('casesCount', number(b.count))}</title></rect>`;
  });
  const summary = buckets.map((b) => `${label(b)} ${t('casesCount', b.count)}`).join(', ');
  return html`<svg viewBox="0 0 ${width} ${height + 14}" role="img" aria-label="${t('timelineLabel', weekly, summary)}">${rects}
    <text x="0" y="${height + 12}">${label(buckets[0])}</text><text x="${width}" y="${height + 12}" text-anchor="end">${label(buckets.at(-1))}</text></svg>
    <figcaption>${t('timelineCaption', weekly, number(max))}</figcaption>`;
}
