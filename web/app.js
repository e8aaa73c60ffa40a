// The Minsheng map page: vector tiles of our own layers, click to locate, search to fly,
// report a problem and track it (report.js); the planner view (planner.js, with the elevator
// retrofit list of elevators.js), the official view (official.js), the life-circle check
// (lifecircle.js) and the staff view (staff.js) are further tabs over the same map. The
// address keeps the view, its choices and the map position; i18n.js holds the strings and
// the server's word lists (/api/vocabulary), util.js the helpers every module shares.

import { createPlanner } from './planner.js';
import { createCoverage } from './official.js';
import { createLifecircle } from './lifecircle.js';
import { createElevators } from './elevators.js';
import { createReports } from './report.js';
import { createFollow } from './follow.js';
import { createStaff } from './staff.js';
import { createBoard } from './board.js';
import { t, th, label, relabel, apply, setLang, getLang, onLang, vocabularyLoaded } from './i18n.js';
import { $, html, render, getJSON } from './util.js';

// The map's style (sources, layers, colours and the legend's palettes) is the server's
// `/style.json`, the same document other map clients use; the page only adds to it.
const STYLE = '/style.json';
async function loadStyle() {
  try {
    return await getJSON(STYLE);
  } catch (err) {
    console.warn(`${STYLE}:`, err.message);
    return null;
  }
}
const served = await loadStyle();
const legend = served?.metadata?.['minsheng:legend'] ?? { compounds: [], buildings: [], stations: [] };
const UNKNOWN = served?.metadata?.['minsheng:unknown'] ?? '#9a9a9a';

const metres = (m) => t('metres', Math.round(m).toLocaleString(getLang() === 'en' ? 'en' : 'zh-CN'));
const colourOf = (palette, value) => palette.find((key) => key.value === value)?.colour ?? UNKNOWN;

function notify(text) {
  $('notice').textContent = text;
  $('notice').hidden = !text;
}

// Legend, built from the palettes the style carries beside the layers that use them (their
// labels are the vocabulary's); both languages in the Chinese view, as the page's own strings.
function fillKeys(list, palette, shape) {
  render($(list), html`${palette.map((key) => html`<li><span class="key ${shape}" style="--c:${key.colour}"></span>${
    getLang() === 'en' ? key.label_en : html`${key.label_zh} <small>${key.label_en}</small>`}</li>`)}`);
}
function fillLegend() {
  fillKeys('key-compounds', legend.compounds, 'fill');
  fillKeys('key-buildings', legend.buildings, 'fill');
  fillKeys('key-stations', legend.stations, 'dot');
}
fillLegend();
const narrow = matchMedia('(max-width: 699px)');
if (!narrow.matches) $('legend').open = $('track').open = true;
apply();
$('lang-toggle').addEventListener('click', () => setLang(getLang() === 'en' ? 'zh' : 'en'));

// The address: `#<view>?<its choices>&map=zoom/lat/lon`, with no view word for the resident
// view (`#case=MS00000001&map=…`, the reporter's follow-up `#follow=<secret>`); `#planner`,
// `#coverage?kind=…`, `#lifecircle?…`, `#board?…`, `#staff?…`.
const VIEWS = ['resident', 'planner', 'coverage', 'lifecircle', 'board', 'staff'];
function parseAddress(hash) {
  const text = hash.replace(/^#/, '');
  const word = /^([a-z]+)(?:[?&]|$)/.exec(text);
  const view = word && VIEWS.includes(word[1]) ? word[1] : 'resident';
  return { view, params: new URLSearchParams(word ? text.slice(word[0].length) : text) };
}
function parsePosition(value) {
  const [zoom, lat, lng] = String(value ?? '').split('/').map(Number);
  const ok = [zoom, lat, lng].every(Number.isFinite) && zoom >= 0 && zoom <= 22 && Math.abs(lat) <= 85 && Math.abs(lng) <= 180;
  return ok ? { zoom, center: [lng, lat] } : null;
}
const start = parseAddress(location.hash);
const startPosition = parsePosition(start.params.get('map'));

const style = served ?? {
  version: 8,
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f3f2ee' } }],
};
// Optional raster base map, off by default so the page needs no outside network. Note that
// Chinese providers' tiles (AMap, Tencent, Baidu) are shifted to GCJ-02/BD-09; our data is WGS84.
const params = new URLSearchParams(location.search);
const basemap = params.get('basemap');
if (basemap && /^https?:\/\//.test(basemap)) {
  style.sources.basemap = { type: 'raster', tiles: [basemap], tileSize: 256, attribution: params.get('attribution') ?? '' };
  // Just above the background, under our layers.
  style.layers.splice(1, 0, { id: 'basemap', type: 'raster', source: 'basemap', paint: { 'raster-opacity': 0.6 } });
}
// The style's own layers, which the layer switches and the quieter views restyle.
const LAYERS = style.layers.filter((layer) => layer.source === 'minsheng');

// In the planner and official views the base layers step back: no fills in colour under the
// heat map; in the official view the buildings and stations are its own, coloured by distance.
const QUIET = {
  planner: {
    hidden: new Set(['compounds-fill', 'stations']),
    paint: { buildings: { 'fill-color': '#d6d6d6', 'fill-opacity': 0.7 }, 'compounds-line': { 'line-color': '#6b6b6b' } },
  },
  coverage: {
    hidden: new Set(['compounds-fill', 'stations', 'buildings']),
    paint: { 'compounds-line': { 'line-color': '#6b6b6b' } },
  },
  // The life-circle view colours the compounds by their check.
  lifecircle: {
    hidden: new Set(['compounds-fill', 'stations']),
    paint: { buildings: { 'fill-color': '#d6d6d6', 'fill-opacity': 0.7 }, 'compounds-line': { 'line-color': '#6b6b6b' } },
  },
  // The board colours whole communities or grids: the compounds and buildings would hide them.
  board: {
    hidden: new Set(['compounds-fill', 'stations', 'buildings']),
    paint: { 'compounds-line': { 'line-color': '#6b6b6b' } },
  },
};

const hidden = new Set();
let view = 'resident';
let map = null;
let marker = null;
let baseLoaded;
const ready = new Promise((resolve) => { baseLoaded = resolve; });
try {
  // Starts over Chengdu, where the demo district lies; the TileJSON bounds then fit the real data.
  map = new maplibregl.Map({
    container: 'map', style, center: startPosition?.center ?? [104.06, 30.66], zoom: startPosition?.zoom ?? 10,
    attributionControl: { compact: true },
  });
  // For browser tests and the console: `minsheng.map.queryRenderedFeatures(…)`.
  window.minsheng = Object.assign(window.minsheng ?? {}, { map });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'bottom-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  marker = new maplibregl.Marker({ color: '#000000' });
  map.on('load', () => { baseReady(); baseLoaded(); });
  map.on('click', (e) => { if (view === 'resident') locate(e.lngLat.wrap(), true); });
  map.on('error', (e) => console.warn('map:', e.error?.message ?? e));
  map.on('moveend', () => remember());
} catch (err) {
  console.warn(err);
  notify(t('mapUnavailable'));
}

// Once the style is in: the views' restyling, pointer cursors, and the data's bounds in view.
function baseReady() {
  if (!served) {
    notify(t('layersUnavailable'));
    return;
  }
  quiet(view);
  for (const id of ['compounds-fill', 'buildings', 'stations']) {
    map.on('mouseenter', id, () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', id, () => { map.getCanvas().style.cursor = ''; });
  }
  const [w, s, e, n] = style.sources.minsheng?.bounds ?? [];
  // A position from the address wins over the data's bounds.
  if (n !== undefined && !startPosition) map.fitBounds([[w, s], [e, n]], { padding: clearOfOverlays(), animate: false });
}

// Shows each base layer as its switch says, and restyles them for the planner or official view.
function quiet(name) {
  if (!map) return;
  const quieter = QUIET[name];
  for (const layer of LAYERS) {
    if (!map.getLayer(layer.id)) continue;
    const shown = !hidden.has(layer.id) && !quieter?.hidden.has(layer.id);
    map.setLayoutProperty(layer.id, 'visibility', shown ? 'visible' : 'none');
    const properties = new Set(Object.values(QUIET).flatMap((q) => Object.keys(q.paint[layer.id] ?? {})));
    for (const property of properties) {
      map.setPaintProperty(layer.id, property, quieter?.paint[layer.id]?.[property] ?? layer.paint[property]);
    }
  }
}

// Padding that keeps the map's focus out from under the panel and the card or the problem
// list (when shown): beside them on wide screens, between them on phones (bottom sheets).
function clearOfOverlays() {
  const panel = $('panel').getBoundingClientRect();
  const side = ['card', 'follow', 'ranking', 'coverage-table', 'lc-card', 'board-table', 'staff-case'].find((id) => !$(id).hidden);
  const card = side ? $(side).getBoundingClientRect() : null;
  if (!narrow.matches) {
    return { top: 30, bottom: 30, left: panel.right + 20, right: card ? innerWidth - card.left + 20 : 30 };
  }
  const top = Math.min(panel.bottom + 10, innerHeight / 3);
  return { top, left: 20, right: 20, bottom: card ? Math.min(innerHeight - card.top + 10, innerHeight - top - 40) : 20 };
}

for (const box of document.querySelectorAll('input[data-layers]')) {
  box.addEventListener('change', () => {
    for (const id of box.dataset.layers.split(',')) {
      if (box.checked) hidden.delete(id); else hidden.add(id);
    }
    quiet(view);
  });
}

// Views: resident (居民: the locate card, search, reporting and tracking), planner (规划),
// official (覆盖) and staff (工作台), as tabs; the address names the view and keeps its choices.
const reports = createReports({
  // A tracked case on the map: a marker, not the locate card (which would cover the case on a phone).
  show: ([lng, lat]) => {
    if (view !== 'resident') selectView('resident');
    closeCard();
    fold(false);
    if (!map) return;
    marker.setLngLat([lng, lat]).addTo(map);
    map.flyTo({ center: [lng, lat], zoom: Math.max(map.getZoom(), 17), padding: clearOfOverlays() });
  },
  changed: () => remember(),
});
// The reporter's follow-up, over the resident view: a sheet like the card.
const followUp = createFollow({ changed: () => remember() });
const views = {
  planner: alongside(createPlanner({ map, ready, padding: clearOfOverlays, remember: () => remember() }),
    createElevators({ map, ready, padding: clearOfOverlays })),
  coverage: createCoverage({ map, ready, padding: clearOfOverlays, remember: () => remember() }),
  lifecircle: createLifecircle({ map, ready, padding: clearOfOverlays, remember: () => remember() }),
  board: createBoard({ map, ready, remember: () => remember() }),
  staff: createStaff({ map, ready, padding: clearOfOverlays, remember: () => remember() }),
};
const MAP_LABELS = { resident: 'mapResident', planner: 'mapPlanner', coverage: 'mapCoverage', lifecircle: 'mapLifecircle', board: 'mapBoard', staff: 'mapStaff' };
const tabs = [$('tab-resident'), $('tab-planner'), $('tab-coverage'), $('tab-lifecircle'), $('tab-board'), $('tab-staff')];

// A view with a part of its own beside it (the planner's elevator list), shown and hidden with it.
function alongside(view, part) {
  return { ...view, show() { part.show(); return view.show(); }, hide() { part.hide(); view.hide(); } };
}

// The address for what is on screen; written in place (no history entry per map move).
function address() {
  const params = new URLSearchParams(view === 'resident'
    ? { ...(reports.tracked() ? { case: reports.tracked() } : {}), ...(followUp.secret() ? { follow: followUp.secret() } : {}) }
    : views[view].params());
  if (map) {
    const { lng, lat } = map.getCenter();
    params.set('map', `${map.getZoom().toFixed(2)}/${lat.toFixed(5)}/${lng.toFixed(5)}`);
  }
  const query = params.toString().replace(/%2F/g, '/').replace(/%2C/g, ',');
  if (view === 'resident') return query ? `#${query}` : location.pathname + location.search;
  return `#${view}${query ? `?${query}` : ''}`;
}
let restoring = true;
function remember() {
  if (restoring) return;
  const next = address();
  if (next !== location.hash) history.replaceState(null, '', next);
}
onLangChange();
function onLangChange() {
  $('map').setAttribute('aria-label', t(MAP_LABELS[view] ?? 'mapResident'));
}

// Phones: while a sheet (the card, the case) is open, the panel folds to its tabs so that
// the map between them stays usable; its button unfolds it again.
function fold(folded) {
  document.body.classList.toggle('panel-folded', folded);
  $('panel-toggle').setAttribute('aria-expanded', String(!folded));
  $('panel-toggle').dataset.i18n = folded ? 'panelExpand' : 'panelCollapse';
  render($('panel-toggle'), th($('panel-toggle').dataset.i18n));
}
$('panel-toggle').addEventListener('click', () => fold(!document.body.classList.contains('panel-folded')));
const SHEETS = ['card', 'follow', 'staff-case'];
let sheetOpen = false;
const sheets = new MutationObserver(() => {
  const open = SHEETS.some((id) => !$(id).hidden);
  if (open !== sheetOpen && narrow.matches) fold(open);
  sheetOpen = open;
});
for (const id of SHEETS) sheets.observe($(id), { attributes: true, attributeFilter: ['hidden'] });

function selectView(name) {
  for (const tab of tabs) {
    const on = tab.id === `tab-${name}`;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute('aria-controls')).hidden = !on;
  }
  view = name;
  onLangChange();
  quiet(name);
  if (name !== 'resident') {
    closeCard();
    if (followUp.secret()) followUp.close();
    $('hits').hidden = true;
  }
  // Hide the others first, so that the one shown finds their overlays gone.
  for (const [other, controller] of Object.entries(views)) if (other !== name) controller.hide();
  views[name]?.show();
  remember();
}
for (const tab of tabs) {
  tab.addEventListener('click', () => { fold(false); selectView(tab.id.slice(4)); });
  tab.addEventListener('keydown', (e) => {
    if (!['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) return;
    e.preventDefault();
    const i = tabs.indexOf(tab);
    const next = { ArrowLeft: tabs.at(i - 1), ArrowRight: tabs[(i + 1) % tabs.length], Home: tabs[0], End: tabs.at(-1) }[e.key];
    next.focus();
    selectView(next.id.slice(4));
  });
}

// Locate: the card for a point; only the latest request's answer is shown. `follow` pans the
// map when the card would hide a clicked point.
let latest = 0;
async function locate({ lng, lat }, follow) {
  const ticket = ++latest;
  if (map) marker.setLngLat([lng, lat]).addTo(map);
  showCard(html`<p>${t('locating')}</p>`);
  $('card-report').hidden = true;
  try {
    const body = await getJSON(`/api/locate?lon=${lng.toFixed(7)}&lat=${lat.toFixed(7)}&walk=true`);
    if (ticket !== latest) return;
    showCard(renderLocation(body));
    lastLocation = body;
    const label = body.building?.name ?? `${lat.toFixed(5)}, ${lng.toFixed(5)}`;
    reports.located({ lng, lat }, label, body.inside_grid);
    if (follow && map && covered(map.project([lng, lat]))) map.easeTo({ center: [lng, lat], padding: clearOfOverlays() });
  } catch (err) {
    if (ticket === latest) showCard(html`<p class="error">${t('locateFailed', err.message)}</p>`);
  }
}

// The locate card. Names from the data are marked `translate="no"`: they stay as they are
// in the English view.
function renderLocation(loc) {
  const parts = [];
  const b = loc.building;
  if (b) {
    parts.push(html`<h2 translate="no">${b.name}</h2>
      <p class="meta">${t('buildingFacts', b, b.distance_m > 0 ? metres(b.distance_m) : '')}</p>`);
  } else {
    parts.push(html`<h2>${t('chosenPlace')}</h2><p class="meta">${t('noBuilding')}</p>`);
  }
  if (!loc.inside_grid) {
    const g = loc.outside?.nearest_grid;
    const nearest = g ? html`<br>${t('nearestGrid')}<span translate="no">${g.name}</span> (${metres(loc.outside.nearest_grid_distance_m)})` : '';
    parts.push(html`<p class="outside" role="alert">${th('outside')}${nearest}</p>`);
  }
  const c = loc.compound;
  if (c) {
    parts.push(html`<p>${t('compound')}<strong translate="no">${c.name}</strong>
      <span class="tag" style="--c:${colourOf(legend.compounds, c.kind)}">${label('compound_kinds', c.kind)}</span>${
      c.property_company ? html`<br><small>${t('propertyCompany')}<span translate="no">${c.property_company}</span></small>` : ''}</p>`);
  }
  const chain = loc.grid_chain;
  if (chain) {
    const steps = [chain.street, chain.community, chain.grid, chain.micro_grid].filter(Boolean);
    parts.push(html`<nav aria-label="${t('gridChain')}"><ol class="chain" translate="no">${steps.map((s) => html`<li>${s.name}</li>`)}</ol></nav>`);
  }
  if (loc.contacts.length) {
    parts.push(html`<h3>${th('contactBoard')}</h3><ul class="contacts">${loc.contacts.map((p) =>
      html`<li><span class="role">${label('contact_roles', p.role)}</span> <span translate="no">${p.name}</span>
        <a href="tel:${p.phone.replace(/[^\d+]/g, '')}">${p.phone}</a></li>`)}</ul>`);
  }
  if (loc.stations.length) {
    parts.push(html`<h3>${th('nearestStations')}</h3><ol class="stations">${loc.stations.map((s) =>
      html`<li><span class="key dot" style="--c:${colourOf(legend.stations, s.kind)}"></span><span translate="no">${s.name}</span>
        <span class="distance">${s.walk_m == null ? t('lineDistance', metres(s.distance_m)) : t('walkDistance', metres(s.walk_m))}</span>
        <br><small>${label('facility_kinds', s.kind)}${s.opening_hours ? html` · <span translate="no">${s.opening_hours}</span>` : ''}</small></li>`)}</ol>`);
  }
  return html`${parts}`;
}

function showCard(fragment) {
  render($('card-body'), fragment);
  // One sheet at a time: the card takes the follow-up's place.
  if (followUp.secret()) followUp.close();
  $('card').hidden = false;
  // On a phone the open legend and the card would cover the whole map.
  if (!narrow.matches) return;
  $('legend').open = false;
  $('hits').hidden = true;
}

// Whether a screen point lies under the panel or the card.
function covered({ x, y }) {
  return ['panel', 'card'].some((id) => {
    const r = $(id).getBoundingClientRect();
    return !$(id).hidden && x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;
  });
}
function closeCard() {
  $('card').hidden = true;
  lastLocation = null;
  marker?.remove();
}
let lastLocation = null;
$('card-close').addEventListener('click', closeCard);
document.addEventListener('keydown', (e) => { if (e.key === 'Escape') closeCard(); });

// Search: list the hits; choosing one flies there (and shows a building's card).
$('search').addEventListener('submit', async (e) => {
  e.preventDefault();
  const q = $('q').value.trim();
  if (!q) return;
  const list = $('hits');
  try {
    const body = await getJSON(`/api/search?q=${encodeURIComponent(q)}&limit=10`);
    render(list, body.results.length ? html`` : html`<li class="empty">${t('noHits')}</li>`);
    for (const hit of body.results) {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      render(button, html`<span translate="no">${hit.name}</span> <small>${label('layers', hit.layer)}${hit.detail ? html` · ${detail(hit)}` : ''}</small>`);
      button.addEventListener('click', () => choose(hit));
      item.append(button);
      list.append(item);
    }
  } catch (err) {
    render(list, html`<li class="empty">${t('searchFailed', err.message)}</li>`);
  }
  list.hidden = false;
});

// A hit's detail: a compound's or station's kind (by its Chinese label), or a building's
// compound (a name).
function detail(hit) {
  if (hit.layer === 'compounds') return relabel('compound_kinds', hit.detail);
  if (hit.layer === 'stations') return relabel('facility_kinds', hit.detail);
  return html`<span translate="no">${hit.detail}</span>`;
}

async function choose(hit) {
  $('hits').hidden = true;
  if (!hit.point) return;
  const [lng, lat] = hit.point;
  if (hit.layer === 'buildings') await locate({ lng, lat }, false);
  map?.flyTo({ center: [lng, lat], zoom: hit.layer === 'compounds' ? 16 : 17.5, padding: clearOfOverlays() });
}

// Where am I: the device's position (WGS84 from the Geolocation API) on the locate card.
function geoSay(text) {
  $('geo-status').textContent = text;
  $('geo-status').hidden = !text;
}
$('where-am-i').addEventListener('click', () => {
  if (!navigator.geolocation) { geoSay(t('geoUnsupported')); return; }
  geoSay(t('geoLocating'));
  navigator.geolocation.getCurrentPosition(
    ({ coords }) => {
      geoSay(t('geoAccuracy', Math.round(coords.accuracy).toLocaleString(getLang() === 'en' ? 'en' : 'zh-CN')));
      const point = { lng: coords.longitude, lat: coords.latitude };
      if (view !== 'resident') selectView('resident');
      locate(point, false);
      map?.flyTo({ center: [point.lng, point.lat], zoom: Math.max(map.getZoom(), 17), padding: clearOfOverlays() });
    },
    (err) => geoSay(err.code === err.PERMISSION_DENIED ? t('geoDenied') : t('geoFailed', err.message || err.code)),
    { enableHighAccuracy: true, timeout: 15_000, maximumAge: 60_000 },
  );
});

// Dynamic text follows the language switch: the open card is rendered again.
onLang(() => {
  onLangChange();
  fillLegend();
  if (lastLocation && !$('card').hidden) showCard(renderLocation(lastLocation));
});

// The address on arrival, and addresses typed or followed within the page (`hashchange`).
function follow({ view: name, params }, first) {
  if (views[name]) views[name].read(params);
  if (name !== view) selectView(name);
  if (name === 'resident' && params.get('case') && params.get('case') !== reports.tracked()) {
    fold(false);
    // Without a map position in the address, fly to the case.
    reports.lookup(params.get('case'), first ? !params.get('map') : true);
  }
  if (name === 'resident' && params.get('follow') && params.get('follow') !== followUp.secret()) {
    closeCard();
    followUp.open(params.get('follow'));
  }
  const position = parsePosition(params.get('map'));
  if (position && !first) map?.jumpTo(position);
}
if (!vocabularyLoaded()) notify(t('vocabularyUnavailable'));
follow(start, true);
restoring = false;
remember();
addEventListener('hashchange', () => follow(parseAddress(location.hash), false));
