// The performance board (绩效): per unit, grid, community, street or property company the
// response, on-time, resolution and reopen rates of a month against the month before, a
// sortable table, the red and black lists of property companies (红黑榜), the board as CSV,
// and communities or grids coloured on the map by a chosen rate. The board needs a staff
// token (the one signed in on the staff tab); the red and black lists are public.

import { $, html, render, getJSON, getBlob } from './util.js';
import { t, getLang, onLang } from './i18n.js';
import { staffToken } from './staff.js';

const RATES = ['on_time_rate', 'response_rate', 'resolution_rate', 'reopen_rate'];
// The map's fill: five classes of a rate, red (low) to green (high), cividis-free but
// distinct under the common colour-blindnesses (ColorBrewer RdYlBu); reopening is better low.
const BREAKS = [50, 70, 85, 95];
const COLOURS = ['#d73027', '#fc8d59', '#fee090', '#91bfdb', '#4575b4'];
const NO_DATA = '#c8c8c8';
const MAPPED = { community: 'communities', grid: 'grids' };
const EMPTY = { type: 'FeatureCollection', features: [] };

// This month in China time, as a month input's value.
const thisMonth = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
const number = (n, digits = 0) => Number(n).toLocaleString(getLang() === 'en' ? 'en' : 'zh-CN', { maximumFractionDigits: digits });

export function createBoard({ map, ready, remember }) {
  let active = false;
  let board = null;
  let lists = null;
  let sort = { key: 'rank', descending: false };
  let layersAdded = null;
  const geometry = {}; // layer name → its FeatureCollection, fetched once
  let request = null;

  $('board-period').value = thisMonth();
  $('board-form').addEventListener('change', () => { load(); remember(); });
  $('board-form').addEventListener('submit', (e) => e.preventDefault());
  $('board-csv').addEventListener('click', downloadCsv);
  $('board-head').addEventListener('click', (e) => {
    const header = e.target.closest('button[data-sort]');
    if (!header) return;
    const key = header.dataset.sort;
    sort = { key, descending: sort.key === key ? !sort.descending : key !== 'rank' && key !== 'name' };
    renderTable();
  });
  onLang(() => { if (board) renderTable(); if (lists) renderLists(); renderLegend(); });

  const query = () => new URLSearchParams({ group_by: $('board-group').value, period: $('board-period').value || thisMonth() });
  const say = (text) => { $('board-status').textContent = text; };
  const authorised = (options = {}) => ({ ...options, headers: { authorization: `Bearer ${staffToken()}` } });

  async function load() {
    request?.abort();
    const controller = (request = new AbortController());
    const q = query();
    say(t('staffLoading'));
    try {
      [board, lists] = await Promise.all([
        staffToken() ? getJSON(`/api/performance?${q}`, authorised({ signal: controller.signal })) : null,
        getJSON(`/api/performance/red-black?period=${q.get('period')}`, { signal: controller.signal }),
      ]);
      say(board ? t('boardPeriod', q.get('period'), board.previous_since.slice(0, 7), board.groups) : t('boardSignIn'));
    } catch (err) {
      if (err.name === 'AbortError') return;
      board = lists = null;
      say(err.message);
    }
    $('board-csv').disabled = !board;
    renderTable();
    renderLists();
    paint();
  }

  // A rate: the percentage with its counts, and the change in percentage points, coloured
  // by whether it got better (for reopening, lower is better).
  function rate(r, name) {
    if (!r || r.percent == null) return html`<td class="num">–</td>`;
    const better = name === 'reopen_rate' ? -r.change_pp : r.change_pp;
    const change = r.change_pp == null ? '' : html` <small class="${better > 0 ? 'up' : better < 0 ? 'down' : ''}">${r.change_pp > 0 ? '+' : ''}${number(r.change_pp, 1)}</small>`;
    return html`<td class="num">${number(r.percent, 1)}%${change}<br><small>${r.numerator}/${r.denominator}</small></td>`;
  }

  const sortValue = (row, key) => {
    if (key === 'name') return row.name;
    if (key === 'cases') return row.cases;
    if (key === 'rank') return row.rank ?? Infinity;
    return row[key]?.percent ?? null;
  };

  function renderTable() {
    for (const button of document.querySelectorAll('#board-head button[data-sort]')) {
      const th = button.closest('th');
      th.setAttribute('aria-sort', button.dataset.sort === sort.key ? (sort.descending ? 'descending' : 'ascending') : 'none');
    }
    const rows = [...(board?.rows ?? [])];
    const { key, descending } = sort;
    rows.sort((a, b) => {
      const x = sortValue(a, key);
      const y = sortValue(b, key);
      // Missing figures last either way.
      if (x == null || y == null) return (x == null) - (y == null);
      const order = typeof x === 'string' ? x.localeCompare(y, 'zh-CN') : x - y;
      return descending ? -order : order;
    });
    render($('board-rows'), rows.length
      ? html`${rows.map((r) => html`<tr class="${r.small_sample ? 'small-sample' : ''}" data-id="${r.id}">
          <td class="num">${r.rank ?? '–'}</td>
          <td><span translate="no">${r.name}</span>${r.small_sample ? html` <span class="badge sample" title="${t('smallSampleNote', board.min_sample)}">${t('smallSample')}</span>` : ''}</td>
          <td class="num">${r.cases}<br><small>${t('previously', r.previous_cases)}</small></td>
          ${RATES.map((name) => rate(r[name], name))}
        </tr>`)}`
      : html`<tr><td class="empty" colspan="7">${board ? t('boardEmpty') : t('boardSignIn')}</td></tr>`);
  }

  function renderLists() {
    const item = (c) => html`<li><span translate="no">${c.company}</span> <small>${t('listScore', number(c.score, 1), number(c.complaints_per_1000, 1), number(c.on_time_rate, 1))}</small></li>`;
    const one = (id, entries) => render($(id), entries?.length ? html`${entries.map(item)}` : html`<li class="empty">${t('listEmpty')}</li>`);
    one('board-red', lists?.red);
    one('board-black', lists?.black);
  }

  // The CSV needs the token: fetched with the header and saved from a Blob.
  async function downloadCsv() {
    const q = query();
    try {
      const blob = await getBlob(`/api/performance.csv?${q}`, authorised());
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = `performance-${q.get('group_by')}-${q.get('period')}.csv`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 0);
    } catch (err) {
      say(err.message);
    }
  }

  // The map: the board's rows joined by id to the areas' shapes.
  async function addLayers() {
    if (!map) return;
    layersAdded ??= ready.then(() => {
      map.addSource('board-areas', { type: 'geojson', data: EMPTY });
      map.addLayer({
        id: 'board-fill', type: 'fill', source: 'board-areas',
        paint: {
          'fill-color': ['case', ['==', ['get', 'value'], null], NO_DATA,
            ['step', ['get', 'value'], COLOURS[0], ...BREAKS.flatMap((b, i) => [b, COLOURS[i + 1]])]],
          'fill-opacity': 0.6,
        },
      });
      map.addLayer({ id: 'board-line', type: 'line', source: 'board-areas', paint: { 'line-color': '#333333', 'line-width': 1 } });
    });
    await layersAdded;
  }

  async function paint() {
    const layer = MAPPED[board?.group_by];
    $('board-map-note').hidden = Boolean(layer);
    renderLegend();
    if (!map) return;
    await addLayers();
    let features = [];
    if (layer && active) {
      geometry[layer] ??= await getJSON(`/api/layers/${layer}?limit=10000`).catch(() => EMPTY);
      const chosen = $('board-rate').value;
      const byId = new Map(board.rows.map((r) => [r.id, r]));
      features = geometry[layer].features.filter((f) => f.geometry).map((f) => ({
        ...f,
        properties: { id: f.id, value: byId.get(f.id)?.[chosen]?.percent ?? null },
      }));
    }
    map.getSource('board-areas')?.setData({ type: 'FeatureCollection', features });
    for (const id of ['board-fill', 'board-line']) map.setLayoutProperty(id, 'visibility', active ? 'visible' : 'none');
  }

  function renderLegend() {
    const bounds = [0, ...BREAKS, 100];
    render($('board-legend'), html`${COLOURS.map((colour, i) =>
      html`<li><span class="key" style="--c:${colour}"></span>${bounds[i]}–${bounds[i + 1]}%</li>`)}<li><span class="key" style="--c:${NO_DATA}"></span>${t('noData')}</li>`);
  }

  // The address: `#board?group_by=community&period=2026-11&rate=on_time_rate`.
  function params() {
    const q = query();
    q.set('rate', $('board-rate').value);
    return q;
  }
  function read(q) {
    const pick = (id, value) => {
      const select = $(id);
      if ([...select.options].some((o) => o.value === value)) select.value = value;
    };
    pick('board-group', q.get('group_by') ?? 'unit');
    pick('board-rate', q.get('rate') ?? 'on_time_rate');
    if (/^\d{4}-\d{2}$/.test(q.get('period') ?? '')) $('board-period').value = q.get('period');
    if (active) load();
  }

  return {
    params,
    read,
    show() {
      active = true;
      $('board-table').hidden = false;
      load();
    },
    hide() {
      active = false;
      $('board-table').hidden = true;
      if (map?.getLayer('board-fill')) for (const id of ['board-fill', 'board-line']) map.setLayoutProperty(id, 'visibility', 'none');
    },
  };
}
