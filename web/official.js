// The official view (覆盖): the 15-minute life circle of one facility kind. Station isochrones,
// buildings coloured by their walk to the nearest station, the coverage table (overall, per
// community or street, and the compounds left outside), and where k new stations would
// bring the most households in. Everything comes from this server's /api/coverage routes.

// [wire word, Chinese label, English label]: the facility kinds the API takes.
const KINDS = [
  ['party_mass_centre', '党群服务中心', 'party-mass centre'],
  ['community_centre', '社区党群服务中心', 'community centre'],
  ['compound_station', '小区党群服务站', 'compound station'],
  ['elderly_day_care', '老年人日间照料中心', 'elderly day care'],
  ['canteen', '社区食堂', 'canteen'],
  ['clinic', '社区卫生服务站', 'clinic'],
  ['library', '书屋', 'library'],
  ['disability_home', '残疾人之家', 'disability home'],
  ['youth_space', '青少年活动空间', 'youth space'],
];
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

const $ = (id) => document.getElementById(id);
const esc = (text) => String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const number = (n, digits = 0) => Number(n).toLocaleString('zh-CN', { maximumFractionDigits: digits });
const metres = (m) => `${number(m)} m`;
const percent = (share) => `${number(share * 100, 1)}%`;
const kindOf = (word) => KINDS.find(([w]) => w === word) ?? [word, word, word];
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
  const inflight = {};

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

  // The address: `#coverage?kind=clinic&minutes=15` (or `&meters=500`).
  function readHash(hash) {
    readParams(new URLSearchParams(hash.split('?')[1] ?? ''));
  }
  function readParams(query) {
    const kind = query.get('kind');
    $('coverage-kind').value = KINDS.some(([w]) => w === kind) ? kind : DEFAULT_KIND;
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
  let status = { text: '', error: false };
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
    $('coverage-status').textContent = [status.text, ...notes].filter(Boolean).join(' · ');
    $('coverage-status').classList.toggle('error', status.error || notes.length > 0);
  }

  // One request of each kind at a time: a newer question aborts the older request. A refusal
  // carries the API's error code (`too_large` when the request is over the server's bounds).
  async function getJSON(kind, address, options = {}) {
    inflight[kind]?.abort();
    const controller = (inflight[kind] = new AbortController());
    const response = await fetch(address, { ...options, signal: controller.signal });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(body.error?.message ?? `HTTP ${response.status}`), { code: body.error?.code });
    return body;
  }
  const tooLarge = (err) => err.code === 'too_large';
  const aborted = (err) => err.name === 'AbortError';

  function changed() {
    const input = $('coverage-metres');
    if ($('coverage-circle').value === 'custom' && !input.checkValidity()) {
      say(`自定义距离须在 ${input.min}–${input.max} m 之间 · the distance must be ${input.min}–${input.max} m`, true);
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

  // [upper bound in m or null, colour, Chinese, English] for each bin of the distance legend.
  function bins(limitM) {
    const breaks = [...BREAKS_M.filter((b) => b < limitM), limitM];
    const rows = breaks.map((b, i) => {
      const low = i === 0 ? null : breaks[i - 1];
      const label = low == null ? `≤ ${metres(b)}` : `${number(low)}–${metres(b)}`;
      return [b, NEAR[i], label, 'within the circle'];
    });
    rows.push([Infinity, BEYOND, `> ${metres(limitM)}`, `outside the circle, a station within ${metres(limitM * 2)}`]);
    rows.push([null, NONE, `${metres(limitM * 2)} 内无站点`, `no station within ${metres(limitM * 2)}`]);
    return rows;
  }

  function drawKeys(method) {
    const [, zh] = kindOf($('coverage-kind').value);
    const how = method === 'euclidean' ? ['直线距离', 'straight-line'] : method === 'network' ? ['步行距离', 'walking'] : ['距离', ''];
    $('distance-title').innerHTML = `楼栋：到最近的${esc(zh)}的${how[0]}（m） <small>buildings by ${how[1]} distance to the nearest station, metres</small>`;
    $('distance-keys').innerHTML = bins(limit()).map(([, colour, label, en]) =>
      `<li><span class="key" style="--c:${colour}"></span>${label} <small>${en}</small></li>`).join('');
    $('coverage-keys').innerHTML =
      `<li><span class="key fill dashed" style="--c:${ISOCHRONE}"></span>等时圈 <small>isochrone: area within ${metres(limit())} of a station</small></li>` +
      `<li><span class="key dot" style="--c:${STATION}"></span>现有${esc(zh)} <small>existing station of the kind</small></li>` +
      `<li><span class="pick-key" aria-hidden="true">1</span>建议新站点 <small>suggested site, by rank</small></li>` +
      '<li><span class="key line walk"></span>步行路网 <small>walkways</small></li>';
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
    say('计算中… · working…');
    try {
      body = await getJSON('summary', url('/api/coverage'));
    } catch (err) {
      if (!aborted(err)) say(`覆盖统计加载失败：${err.message}`, true);
      return;
    }
    summary = body;
    const t = body.total;
    say(`${body.kind_label} · ${metres(body.limit_m)} 内覆盖 ${number(t.households_covered)} / ${number(t.households)} 户（${percent(t.households_share)}） · ` +
      `${body.stations} 个站点 (${percent(t.households_share)} of households within ${metres(body.limit_m)})`);
    drawMethod(body);
    drawKeys(body.method);
    drawTotals(body);
    drawAreas(body);
    drawUncovered(body);
  }

  function drawMethod(body) {
    const how = body.method === 'network'
      ? '沿步行路网计算 <small>along the walking network</small>'
      : '按直线距离计算 <small>straight-line distance</small>';
    const off = [];
    if (body.stations_off_network) off.push(`${body.stations_off_network} 个站点不在路网旁 <small>stations off the network</small>`);
    if (body.buildings_off_network) off.push(`${number(body.buildings_off_network)} 栋楼不在路网旁 <small>buildings off the network</small>`);
    $('coverage-method').innerHTML = `距离 <small>method</small>：${how}<br>生活圈 ${metres(body.limit_m)} ≈ ${number(body.minutes, 1)} 分钟` +
      ` <small>at ${number(body.speed_m_per_min, 1)} m/min</small>${off.length ? `<br>${off.join('；')}` : ''}`;
    const warn = body.method === 'euclidean' && body.method_note;
    $('coverage-warning').hidden = !warn;
    if (warn) {
      const zh = /no walking network/.test(body.method_note)
        ? '未载入步行路网，距离按直线计算：直线短于实际步行，覆盖率偏高。'
        : '距离按直线计算：直线短于实际步行，覆盖率偏高。';
      $('coverage-warning').innerHTML = `<strong>注意</strong> ${zh}<br><small lang="en">${esc(body.method_note)}</small>`;
    }
  }

  function drawTotals(body) {
    const t = body.total;
    const rows = [
      ['楼栋', 'buildings', t.buildings_covered, t.buildings, t.buildings_share, '栋'],
      ['户数', 'households', t.households_covered, t.households, t.households_share, '户'],
      ['居民', 'residents', t.population_covered, t.population, t.population_share, '人'],
    ];
    $('coverage-period').innerHTML = `${esc(body.kind_label)} · ${body.stations} 个站点 · 生活圈 ${metres(body.limit_m)}` +
      ` <small>${body.stations} stations, circle ${metres(body.limit_m)}</small>`;
    $('coverage-total-rows').innerHTML = rows.map(([zh, en, covered, total, share, unit]) =>
      `<tr><th scope="row">${zh} <small>${en}</small></th><td class="num">${number(covered)} ${unit}</td>` +
      `<td class="num">${number(total)} ${unit}</td><td class="num">${bar(share)}</td></tr>`).join('');
  }

  function drawAreas(body) {
    const rows = body[$('coverage-by').value] ?? [];
    $('coverage-area-rows').innerHTML = rows.length
      ? rows.map((r) =>
        `<tr><td>${esc(r.name)}</td><td class="num">${number(r.households_covered)} / ${number(r.households)} 户</td>` +
        `<td class="num">${bar(r.households_share)}</td><td class="num">${percent(r.population_share)}` +
        `<br><small>${number(r.population_covered)} / ${number(r.population)} 人</small></td></tr>`).join('')
      : '<tr><td colspan="4" class="empty">没有楼栋 <small>no buildings</small></td></tr>';
  }

  function drawUncovered(body) {
    const list = body.uncovered_compounds;
    const tbody = $('coverage-uncovered-rows');
    tbody.innerHTML = list.length ? '' : '<tr><td colspan="3" class="empty">所有小区均在生活圈内 <small>every compound is covered</small></td></tr>';
    for (const c of list) {
      const tr = document.createElement('tr');
      const nearest = c.nearest_m == null ? `&gt; ${metres(body.limit_m * 2)}` : metres(c.nearest_m);
      const name = c.centre
        ? `<button type="button" class="link" title="在地图上查看 show on the map">${esc(c.name)}</button>`
        : esc(c.name);
      tr.innerHTML = `<td>${name}</td><td class="num">${number(c.households_uncovered)} / ${number(c.households)} 户` +
        `<br><small>${c.buildings_uncovered} 栋 buildings</small></td><td class="num">${nearest}</td>`;
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
      if (tooLarge(err)) note('isochrones', `视野太大，放大地图可看等时圈 · zoom in to see the isochrones (${err.message})`);
      else say(`等时圈加载失败：${err.message}`, true);
      return;
    }
    note('isochrones', '');
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
      note('buildings', '');
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
        note('buildings', `视野内楼栋太多，放大地图可看各楼距离 · zoom in to see each building's distance (${err.message})`);
      } else {
        say(`楼栋距离加载失败：${err.message}`, true);
      }
      return;
    }
    note('buildings', '');
    await layersAdded;
    loaded = { key, box: wanted };
    paintBuildings();
    map.getSource('cov-buildings')?.setData(body);
  }

  // Siting: the plan endpoint picks k sites in order; each is a numbered marker and a row.
  async function suggest() {
    const input = $('siting-add');
    if (!input.checkValidity()) {
      $('siting-summary').innerHTML = `<span class="error">新增站点数须为 1–50 的整数 <small>1 to 50 sites</small></span>`;
      return;
    }
    const request = { kind: $('coverage-kind').value, ...circleBody(), add: Number(input.value), candidates: $('siting-candidates').value };
    $('siting-run').disabled = true;
    $('siting-summary').textContent = '计算中… · working…';
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
        const zoom = tooLarge(err) ? '视野内候选点太多，请放大地图或改用“小区” · zoom in, or choose compounds: ' : '';
        $('siting-summary').innerHTML = `<span class="error">选址计算失败：${zoom}${esc(err.message)}</span>`;
      }
      return;
    } finally {
      $('siting-run').disabled = false;
    }
    drawPlan(result, request);
  }

  function drawPlan(result, request) {
    removeMarkers();
    const last = result.picks.at(-1);
    const after = last ? `${number(last.households_covered)} 户（${percent(last.households_share)}）` : '不变 unchanged';
    const fewer = result.households_covered_before >= result.households
      ? '<br>现有站点已覆盖全部住户，无需新增 <small>every household is already covered</small>'
      : last && last.households_covered >= result.households && result.picks.length < request.add
        ? `<br>${result.picks.length} 处即覆盖全部住户 <small>every household covered with ${result.picks.length} sites</small>`
      : result.picks.length < request.add
        ? `<br>只找到 ${result.picks.length} 处能增加覆盖的位置 <small>no other candidate adds households</small>` : '';
    $('siting-summary').innerHTML = `现有站点覆盖 ${number(result.households_covered_before)} / ${number(result.households)} 户` +
      `（${percent(result.households_share_before)}）→ 新增 ${result.picks.length} 处后 ${after}` +
      `<br><small>${number(result.candidates)} candidates${request.bbox ? ' in view (视野内)' : ''}, ${number(result.candidates_evaluated)} evaluated; ${result.method === 'network' ? 'walking network' : 'straight lines'}, ${metres(result.limit_m)}</small>${fewer}`;
    const list = $('siting-picks');
    list.innerHTML = '';
    for (const pick of result.picks) {
      const { site } = pick;
      const name = site.name ?? site.id ?? `${site.lon.toFixed(5)}, ${site.lat.toFixed(5)}`;
      const item = document.createElement('li');
      item.innerHTML = `<span class="pick-key" aria-hidden="true">${pick.rank}</span>` +
        `<div><button type="button" class="link" title="在地图上查看 show on the map">${esc(name)}</button>` +
        ` <small>${site.type === 'building' ? '楼栋 building' : site.type === 'compound' ? '小区 compound' : '点 point'}</small><br>` +
        `+${number(pick.households_added)} 户 <small>households added</small> → 覆盖 ${number(pick.households_covered)} 户（${percent(pick.households_share)}）</div>`;
      item.querySelector('button').addEventListener('click', () => flyTo([site.lon, site.lat], 16.5));
      list.append(item);
      if (map) {
        const element = document.createElement('div');
        element.className = 'pick-marker';
        element.textContent = String(pick.rank);
        element.setAttribute('role', 'img');
        element.setAttribute('aria-label', `建议新站点 ${pick.rank}：${name}，新增 ${pick.households_added} 户`);
        element.title = `${pick.rank}. ${name} · +${number(pick.households_added)} 户`;
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
    inflight.plan?.abort();
    removeMarkers();
    $('siting-picks').innerHTML = '';
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
    let html;
    if (hit.layer.id === 'cov-buildings') {
      const distance = typeof p.distance_m === 'number' ? metres(p.distance_m) : `&gt; ${metres(circle * 2)}`;
      html = `<p><strong>${esc(p.name)}</strong></p><dl class="facts">` +
        `<dt>最近站点 <small>nearest station</small></dt><dd>${distance}</dd>` +
        `<dt>生活圈内 <small>covered</small></dt><dd>${p.covered ? '是 yes' : '否 no'}</dd>` +
        `<dt>户数 <small>households</small></dt><dd>${number(p.households)} 户</dd>` +
        `<dt>居民 <small>residents</small></dt><dd>${number(p.population)} 人</dd></dl>`;
    } else if (hit.layer.id === 'cov-stations') {
      html = `<p><strong>${esc(p.name)}</strong></p><p class="meta">${esc(kindOf(p.kind)[1])}</p>`;
    } else {
      const reach = p.off_network ? '不在路网旁 <small>off the network: reaches nobody on foot</small>'
        : p.reached_m > 0 ? `可达路段 ${metres(p.reached_m)} <small>walkway reached</small>` : `半径 ${metres(p.limit_m)} <small>straight-line circle</small>`;
      html = `<p><strong>${esc(p.name)}</strong> <small>等时圈 isochrone</small></p><p class="meta">${reach}</p>`;
    }
    popup = new maplibregl.Popup({ maxWidth: '280px' }).setLngLat(e.lngLat).setHTML(html).addTo(map);
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
  return `<span class="share"><span class="share-bar" style="width:${Math.round(share * 100)}%" aria-hidden="true"></span>${percent(share)}</span>`;
}
