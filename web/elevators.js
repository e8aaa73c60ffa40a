// The planner view's elevator retrofit list (加装电梯): walk-ups of four floors or more without an
// elevator, ranked by the server (/api/elevators/candidates: old compounds first, then requests,
// the elderly share and floors), as a table under the problem list, a CSV, and a map layer of the
// buildings; clicking a building on the map marks its row, a row's name flies to the building.

import { $, html, render, getJSON } from './util.js';
import { t, th, onLang, getLang } from './i18n.js';

// How many buildings the table and the map show.
const LIMIT = 50;
const FILL = '#e66101';
const FOCUS = '#111111';
const empty = () => ({ type: 'FeatureCollection', features: [] });

const number = (n, digits = 0) => Number(n).toLocaleString(getLang() === 'en' ? 'en' : 'zh-CN', { maximumFractionDigits: digits });
const percent = (share) => (share == null ? '–' : `${number(share * 100, 1)}%`);

/** The list and layer; `show` and `hide` follow the planner view. `map` may be null. */
export function createElevators({ map, ready, padding }) {
  let active = false;
  let loading = null;
  let candidates = null; // the last answer
  let failure = null;
  let layersAdded = null;
  let focused = null;

  $('show-elevators').addEventListener('change', applyVisibility);
  drawKey();
  onLang(() => { draw(); drawKey(); });

  function drawKey() {
    render($('elevator-keys'), html`<li><span class="key fill" style="--c:${FILL}"></span>${th('elevKey')}</li>`);
  }

  function load() {
    loading ??= (async () => {
      try {
        candidates = await getJSON(`/api/elevators/candidates?limit=${LIMIT}`);
        failure = null;
      } catch (err) {
        failure = err.message;
        loading = null; // asked again the next time the view opens
      }
      draw();
      if (map && candidates) {
        await addLayers();
        map.getSource('elevators')?.setData(candidates);
      }
    })();
    return loading;
  }

  // The table, in the server's rank order.
  function draw() {
    const rows = candidates?.features ?? [];
    $('elevators-count').textContent = candidates ? t('elevCount', rows.length, candidates.total ?? rows.length) : '';
    const body = render($('elevator-rows'), failure
      ? html`<tr><td colspan="6" class="empty error">${t('elevFailed', failure)}</td></tr>`
      : candidates && !rows.length ? html`<tr><td colspan="6" class="empty">${t('elevEmpty')}</td></tr>` : html``);
    for (const feature of rows) {
      const p = feature.properties;
      const tr = document.createElement('tr');
      tr.dataset.rank = String(p.rank);
      tr.dataset.id = String(p.id);
      if (p.id === focused) tr.classList.add('current');
      render(tr, html`<td class="num">${p.rank}</td><td translate="no">${p.compound_name ?? ''}</td>
        <td><button type="button" class="link" title="${t('showOnMap')}" translate="no">${p.label ?? p.id}</button>
          <br><small>${t('households', number(p.households))}</small></td>
        <td class="num">${number(p.floors)}</td>
        <td class="num">${percent(p.elderly_share)}</td>
        <td class="num">${p.requests_per_100_households == null ? '–' : number(p.requests_per_100_households, 1)}
          <br><small>${t('casesCount', number(p.requests ?? 0, 1))}</small></td>`);
      tr.querySelector('button').addEventListener('click', () => focus(p.id, true));
      body.append(tr);
    }
  }

  function addLayers() {
    layersAdded ??= (async () => {
      await ready;
      const before = map.getLayer('compound-labels') ? 'compound-labels' : undefined;
      map.addSource('elevators', { type: 'geojson', data: candidates ?? empty() });
      map.addLayer({ id: 'elev-fill', type: 'fill', source: 'elevators', layout: { visibility: 'none' }, paint: { 'fill-color': FILL, 'fill-opacity': 0.85 } }, before);
      map.addLayer({ id: 'elev-line', type: 'line', source: 'elevators', layout: { visibility: 'none' }, paint: { 'line-color': '#5e2a00', 'line-width': 1.2 } }, before);
      map.addLayer({
        id: 'elev-focus', type: 'line', source: 'elevators', layout: { visibility: 'none' },
        filter: ['==', ['get', 'id'], focused ?? ''], paint: { 'line-color': FOCUS, 'line-width': 3.5 },
      }, before);
      map.on('mouseenter', 'elev-fill', () => { if (active) map.getCanvas().style.cursor = 'pointer'; });
      map.on('mouseleave', 'elev-fill', () => { map.getCanvas().style.cursor = ''; });
      map.on('click', 'elev-fill', (e) => {
        if (!active || !$('show-elevators').checked) return;
        const id = e.features?.[0]?.properties.id;
        if (id != null) focus(id, false);
      });
      applyVisibility();
    })();
    return layersAdded;
  }

  function applyVisibility() {
    if (!map?.getLayer('elev-fill')) return;
    const shown = active && $('show-elevators').checked;
    // Above the planner's heat map and hexagons (added after these, or not yet), under the names.
    const before = map.getLayer('compound-labels') ? 'compound-labels' : undefined;
    if (shown) for (const id of ['elev-fill', 'elev-line', 'elev-focus']) map.moveLayer(id, before);
    for (const id of ['elev-fill', 'elev-line', 'elev-focus']) map.setLayoutProperty(id, 'visibility', shown ? 'visible' : 'none');
  }

  // A building chosen: its row marked (and scrolled to), its outline drawn; from the table, the
  // map flies to it.
  function focus(id, fly) {
    focused = id;
    for (const tr of $('elevator-rows').querySelectorAll('tr')) tr.classList.toggle('current', tr.dataset.id === String(id));
    $('elevator-rows').querySelector('tr.current')?.scrollIntoView({ block: 'nearest' });
    if (!map) return;
    if (map.getLayer('elev-focus')) map.setFilter('elev-focus', ['==', ['get', 'id'], id]);
    const feature = candidates?.features.find((f) => f.properties.id === id);
    if (fly && feature?.geometry) {
      if (!$('show-elevators').checked) { $('show-elevators').checked = true; applyVisibility(); }
      const [w, s, e, n] = bbox(feature.geometry.coordinates);
      map.fitBounds([[w, s], [e, n]], { padding: padding(), maxZoom: 17.5 });
    }
  }

  return {
    async show() {
      active = true;
      await load();
      applyVisibility();
    },
    hide() {
      active = false;
      applyVisibility();
    },
  };
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
