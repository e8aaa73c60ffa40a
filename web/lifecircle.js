// The life-circle tab (生活圈): every compound checked against the facilities GB 50180-2018
// expects within its circles, as a choropleth (/api/lifecircle/compounds), one compound's check
// kind by kind in a card (/api/lifecircle?compound=…) with its printable report, a demand switch
// (households, residents, the elderly, children), the candidate sites the district owns, and the
// fewest new sites that bring a target share of a group within reach (POST /api/coverage/plan with
// the set-covering objective, LSCP). Everything comes from this server.

import { $, html, render, nodes, latestOnly, aborted } from './util.js';
import { t, th, label, list, word, choice, fillSelect, getLang, onLang } from './i18n.js';

// Compounds by required kinds out of reach: 0, 1–2, 3–5, 6–9, 10 or more (of the 17 the
// standard's defaults require: a first class of one or two would leave most real compounds
// in the last); ColorBrewer RdYlBu (blue good, red bad), readable under the common
// colour-blindnesses.
const MISSING_BREAKS = [1, 3, 6, 10];
const MISSING_COLOURS = ['#4575b4', '#fee090', '#fdae61', '#f46d43', '#a50026'];
// Compounds by score: quarters, then a full score; the same palette, reversed.
const SCORE_BREAKS = [0.25, 0.5, 0.75, 1];
const SCORE_COLOURS = ['#a50026', '#f46d43', '#fdae61', '#fee090', '#4575b4'];
const NO_DATA = '#c8c8c8';
const SELECTED = '#111111';
const CANDIDATE = '#7b3294';
// The plan's defaults, as issue 17 asks: 95 % of the elderly within 10 minutes of a day-care centre.
const PLAN_KIND = 'elderly_day_care';
const PLAN_GROUP = 'elderly';
const PLAN_CANDIDATES = ['candidate_sites', 'compounds'];
const FILLS = ['missing_count', 'score'];
// The worst compounds listed in the panel (the map shows them all).
const WORST = 12;
const empty = () => ({ type: 'FeatureCollection', features: [] });

const number = (n, digits = 0) => Number(n).toLocaleString(getLang() === 'en' ? 'en' : 'zh-CN', { maximumFractionDigits: digits });
const metres = (m) => `${number(m)} m`;
const percent = (share) => `${number(share * 100, 1)}%`;
const score = (s) => (s == null ? '–' : number(s * 100, 0));
// A word of a list, or the answer's own label while the vocabulary lacks it.
const wordOr = (name, code, fallback) => (word(name, code) ? label(name, code) : fallback ?? String(code ?? ''));

/** Sets up the view; `show` and `hide` switch it on and off, `params` and `read` are its part of
 * the address. `map` may be null (no WebGL): the lists, the card and the plan still work. */
export function createLifecircle({ map, ready, padding, remember }) {
  let active = false;
  let started = false;
  let layersAdded = null;
  let compounds = null; // the last choropleth answer
  let compoundsGroup = null; // the group it was asked for
  let selected = null; // the chosen compound's id
  let check = null; // its last check answer
  let plan = null; // the last plan answer and request
  let candidates = null; // the candidate sites' FeatureCollection, fetched once
  let markers = [];
  let popup = null;
  let status = null;
  const getJSON = latestOnly();

  fillMenus();
  if (matchMedia('(max-width: 699px)').matches) $('lc-display').open = $('lc-worst-box').open = $('lc-plan-box').open = false;

  $('lc-form').addEventListener('submit', (e) => e.preventDefault());
  $('lc-group').addEventListener('change', () => { remember(); loadCompounds(); if (selected) loadCheck(selected, false); });
  $('lc-fill').addEventListener('change', () => { remember(); paint(); drawLegend(); });
  $('lc-show-compounds').addEventListener('change', applyVisibility);
  $('lc-show-candidates').addEventListener('change', () => { loadCandidates(); applyVisibility(); });
  $('lc-card-close').addEventListener('click', () => choose(null));
  $('lc-plan').addEventListener('submit', (e) => { e.preventDefault(); runPlan(); });
  $('lc-plan-clear').addEventListener('click', clearPlan);
  onLang(() => {
    fillMenus();
    drawLegend();
    drawWorst();
    if (status) say(...status);
    if (check) drawCheck(check);
    if (plan) drawPlanText(plan.result, plan.request);
  });

  // The menus from the vocabulary: the demand groups (with "each kind's own" first), the
  // facility kinds, and the candidates (the layer's own word).
  function fillMenus() {
    const groups = list('demand_groups').map((g) => [g.code, choice('demand_groups', g.code)]);
    fillSelect($('lc-group'), [['', t('lcDemandDefault')], ...groups]);
    const planGroup = $('lc-plan-group').value;
    fillSelect($('lc-plan-group'), groups);
    if (!planGroup && groups.some(([code]) => code === PLAN_GROUP)) $('lc-plan-group').value = PLAN_GROUP;
    const kind = $('lc-plan-kind').value;
    fillSelect($('lc-plan-kind'), list('facility_kinds').map((k) => [k.code, choice('facility_kinds', k.code)]));
    if (!kind && list('facility_kinds').some((k) => k.code === PLAN_KIND)) $('lc-plan-kind').value = PLAN_KIND;
    fillSelect($('lc-plan-candidates'), PLAN_CANDIDATES.map((c) => [c, c === 'compounds' ? t('candCompounds') : choice('layers', c)]));
  }

  // The group asked for: a demand group's code, or '' for each kind's own.
  const group = () => $('lc-group').value;
  const withGroup = (path, extra = {}) => {
    const query = new URLSearchParams(extra);
    if (group()) query.set('group', group());
    const text = query.toString();
    return text ? `${path}?${text}` : path;
  };
  const groupText = (code) => (code ? label('demand_groups', code) : t('lcDemandDefault'));

  function say(text, error = false) {
    status = [text, error];
    $('lc-status').textContent = typeof text === 'function' ? text() : text;
    $('lc-status').classList.toggle('error', error);
  }

  // The choropleth: every compound's score and missing kinds for the chosen group.
  async function loadCompounds() {
    const asked = group();
    say(() => t('lcLoading'));
    let body;
    try {
      body = await getJSON('compounds', withGroup('/api/lifecircle/compounds'));
    } catch (err) {
      if (!aborted(err)) say(() => t('lcFailed', err.message), true);
      return;
    }
    compounds = body;
    compoundsGroup = asked;
    const rows = body.features.map((f) => f.properties);
    const full = rows.filter((p) => p.missing_count === 0).length;
    const mean = rows.length ? rows.reduce((sum, p) => sum + (p.score ?? 0), 0) / rows.length : 0;
    say(() => t('lcSummary', number(rows.length), number(full), score(mean), groupText(compoundsGroup)));
    drawLegend();
    drawWorst();
    if (map) {
      await addLayers();
      map.getSource('lc-compounds')?.setData(body);
    }
  }

  // The fill expression of the chosen measure.
  function fillColour() {
    if ($('lc-fill').value === 'score') {
      const value = ['get', 'score'];
      return ['case', ['!=', ['typeof', value], 'number'], NO_DATA,
        ['step', value, SCORE_COLOURS[0], ...SCORE_BREAKS.flatMap((b, i) => [b, SCORE_COLOURS[i + 1]])]];
    }
    const value = ['get', 'missing_count'];
    return ['case', ['!=', ['typeof', value], 'number'], NO_DATA,
      ['step', value, MISSING_COLOURS[0], ...MISSING_BREAKS.flatMap((b, i) => [b, MISSING_COLOURS[i + 1]])]];
  }
  function paint() {
    if (map?.getLayer('lc-fill')) map.setPaintProperty('lc-fill', 'fill-color', fillColour());
  }

  // The legend: the classes of the chosen measure, each with its number of compounds.
  function drawLegend() {
    const rows = compounds?.features.map((f) => f.properties) ?? [];
    const count = (test) => (compounds ? t('lcCompoundsIn', number(rows.filter(test).length)) : '');
    let keys;
    if ($('lc-fill').value === 'score') {
      const bounds = [0, ...SCORE_BREAKS];
      keys = SCORE_COLOURS.map((colour, i) => {
        const text = i === SCORE_COLOURS.length - 1 ? t('lcScoreFull') : t('lcScoreBand', score(bounds[i]), score(bounds[i + 1]));
        const test = (p) => (i === SCORE_COLOURS.length - 1 ? p.score >= 1 : p.score >= bounds[i] && p.score < bounds[i + 1]);
        return [colour, `${text}${count(test)}`];
      });
    } else {
      const bounds = [0, ...MISSING_BREAKS, Infinity];
      keys = MISSING_COLOURS.map((colour, i) => {
        const [low, high] = [bounds[i], bounds[i + 1] - 1];
        const text = low === 0 ? t('lcMissing', 0) : high === Infinity ? t('lcMissingOrMore', low) : t('lcMissingRange', low, high);
        return [colour, `${text}${count((p) => p.missing_count >= low && p.missing_count <= high)}`];
      });
    }
    $('lc-legend-title').textContent = t($('lc-fill').value === 'score' ? 'lcLegendScore' : 'lcLegendMissing');
    render($('lc-legend'), html`${keys.map(([colour, text]) => html`<li><span class="key fill" style="--c:${colour}"></span>${text}</li>`)}
      <li><span class="key line" style="border-top-color:${SELECTED};border-top-width:3px"></span>${th('lcSelectedKey')}</li>
      <li><span class="key dot" style="--c:${CANDIDATE}"></span>${th('lcCandidateKey')}</li>`);
  }

  // The compounds with the most kinds missing (then the lowest score), as buttons: the keyboard's
  // way to a compound's card.
  function drawWorst() {
    const rows = (compounds?.features ?? []).map((f) => f.properties).filter((p) => p.missing_count > 0)
      .sort((a, b) => b.missing_count - a.missing_count || a.score - b.score || String(a.name).localeCompare(String(b.name), 'zh-CN'))
      .slice(0, WORST);
    const box = render($('lc-worst'), compounds && !rows.length ? html`<li class="empty">${t('lcNoGaps')}</li>` : html``);
    for (const p of rows) {
      const item = document.createElement('li');
      render(item, html`<button type="button" class="link" translate="no">${p.name}</button> <small>${t('lcWorstItem', p.missing_count, score(p.score))}</small>`);
      item.dataset.id = p.id;
      item.querySelector('button').addEventListener('click', () => choose(p.id, true));
      box.append(item);
    }
  }

  // Map layers, added once the base layers are in (so that they draw above them), under the
  // compound names.
  function addLayers() {
    layersAdded ??= (async () => {
      await ready;
      const before = map.getLayer('compound-labels') ? 'compound-labels' : undefined;
      const add = (layer) => map.addLayer({ ...layer, layout: { ...layer.layout, visibility: 'none' } }, before);
      map.addSource('lc-compounds', { type: 'geojson', data: compounds ?? empty() });
      map.addSource('lc-candidates', { type: 'geojson', data: candidates ?? empty() });
      add({ id: 'lc-fill', type: 'fill', source: 'lc-compounds', paint: { 'fill-color': fillColour(), 'fill-opacity': 0.7 } });
      add({ id: 'lc-line', type: 'line', source: 'lc-compounds', paint: { 'line-color': '#ffffff', 'line-width': 1 } });
      add({
        id: 'lc-selected', type: 'line', source: 'lc-compounds', filter: ['==', ['get', 'id'], selected ?? ''],
        paint: { 'line-color': SELECTED, 'line-width': 3 },
      });
      add({
        id: 'lc-candidates', type: 'circle', source: 'lc-candidates',
        paint: {
          'circle-color': CANDIDATE,
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 12, 3, 17, 7],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1.5,
        },
      });
      for (const id of ['lc-fill', 'lc-candidates']) {
        map.on('mouseenter', id, () => { if (active) map.getCanvas().style.cursor = 'pointer'; });
        map.on('mouseleave', id, () => { map.getCanvas().style.cursor = ''; });
      }
      map.on('click', clicked);
      applyVisibility();
    })();
    return layersAdded;
  }

  function applyVisibility() {
    if (!map || !layersAdded) return;
    const groups = [
      [active && $('lc-show-compounds').checked, ['lc-fill', 'lc-line']],
      [active, ['lc-selected']],
      [active && $('lc-show-candidates').checked, ['lc-candidates']],
    ];
    for (const [shown, ids] of groups) {
      for (const id of ids) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', shown ? 'visible' : 'none');
    }
    for (const marker of markers) marker.getElement().style.display = active ? '' : 'none';
  }

  // The candidate sites (公共用房, 闲置场地 …), from the layer's GeoJSON, fetched once when shown.
  async function loadCandidates() {
    if (candidates || !$('lc-show-candidates').checked || !map) return;
    try {
      candidates = await getJSON('candidates', '/api/layers/candidate_sites?limit=10000');
    } catch (err) {
      if (!aborted(err)) say(() => t('lcCandidatesFailed', err.message), true);
      return;
    }
    await addLayers();
    map.getSource('lc-candidates')?.setData(candidates);
  }

  function clicked(e) {
    if (!active) return;
    const layers = ['lc-candidates', 'lc-fill'].filter((id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') === 'visible');
    const [hit] = layers.length ? map.queryRenderedFeatures(e.point, { layers }) : [];
    popup?.remove();
    if (!hit) return;
    const p = hit.properties;
    if (hit.layer.id === 'lc-candidates') {
      const kind = p.kind ? html`<br><small>${wordOr('site_kinds', p.kind)}</small>` : '';
      const area = p.area_m2 ? html` · ${number(p.area_m2)} m²` : '';
      popup = new maplibregl.Popup({ maxWidth: '260px' }).setLngLat(e.lngLat)
        .setDOMContent(nodes(html`<p><strong translate="no">${p.name ?? hit.id ?? ''}</strong>${kind}${area}</p>`)).addTo(map);
      return;
    }
    choose(p.id, false);
  }

  // A compound chosen (from the map or the list; null closes the card).
  function choose(id, fly) {
    selected = id;
    if (map?.getLayer('lc-selected')) map.setFilter('lc-selected', ['==', ['get', 'id'], id ?? '']);
    remember();
    if (!id) {
      check = null;
      getJSON.abort('check');
      drawHint();
      return;
    }
    loadCheck(id, fly);
  }

  function drawHint() {
    render($('lc-card-body'), html`<p class="meta">${t('lcPickHint')}</p>`);
  }

  async function loadCheck(id, fly) {
    $('lc-card').hidden = false;
    let body;
    try {
      body = await getJSON('check', withGroup('/api/lifecircle', { compound: id }));
    } catch (err) {
      if (!aborted(err)) render($('lc-card-body'), html`<p class="error">${t('lcCheckFailed', err.message)}</p>`);
      return;
    }
    check = body;
    drawCheck(body);
    if (fly) flyToCompound(id);
  }

  // The card: score, the group counted, the print link, and one row per required kind.
  function drawCheck(body) {
    const { area } = body;
    const kinds = body.kinds.filter((k) => k.required !== false);
    const missing = body.missing.map((kind) => label('facility_kinds', kind)).join(getLang() === 'en' ? ', ' : '、');
    const rows = kinds.map((k) => {
      const kind = wordOr('facility_kinds', k.kind, k.kind_label);
      const circle = wordOr('circle_levels', k.circle, k.circle_label);
      const nearest = k.nearest
        ? html`<span translate="no">${k.nearest.name}</span>${k.walk_m == null ? '' : html`<br><small>${metres(k.walk_m)}</small>`}${
          k.farthest_m == null || k.farthest_m === k.walk_m ? '' : html`<br><small class="farthest">${t('lcFarthest', metres(k.farthest_m))}</small>`}`
        : html`<small>${t('lcNoFacility')}<br>&gt; ${metres(k.limit_m * 2)}</small>`;
      const pass = k.pass
        ? html`<span class="pass" aria-hidden="true">✓</span><span class="visually-hidden">${t('lcPass')}</span>`
        : html`<span class="fail" aria-hidden="true">✗</span><span class="visually-hidden">${t('lcFail')}</span>`;
      return html`<tr data-kind="${k.kind}" data-pass="${String(k.pass)}" data-affected="${k.affected}" data-demand="${k.demand}" class="${k.pass ? '' : 'failing'}">
        <th scope="row">${kind}<br><small>${circle} · ${t('lcWithin', metres(k.limit_m))}</small></th>
        <td>${nearest}</td><td class="num">${pass}</td>
        <td class="num affected">${t('lcAffected', number(k.affected), t('lcUnit', k.group, number(k.demand)))}</td></tr>`;
    });
    const counted = body.group ? label('demand_groups', body.group) : t('lcDemandDefault');
    const report = `/lifecircle/report?compound=${encodeURIComponent(area.id)}`;
    render($('lc-card-body'), html`<p class="lc-name"><strong translate="no">${area.name}</strong></p>
      <p class="lc-score"><strong>${t('lcScore', score(body.score), body.met, body.required)}</strong></p>
      <p class="meta">${t('lcCounting', counted)}</p>
      <p><a class="lc-print" href="${report}" target="_blank" rel="noopener" title="${t('lcPrintLabel')}">${th('lcPrint')}</a></p>
      <table class="figures lc-kinds">
        <caption class="visually-hidden">${t('lcCaption')}</caption>
        <thead><tr><th scope="col">${th('lcColKind')}</th><th scope="col">${th('lcColNearest')}</th>
          <th scope="col" class="num">${th('lcColPass')}</th><th scope="col" class="num">${th('lcColAffected')}</th></tr></thead>
        <tbody>${rows}</tbody>
      </table>
      <p class="meta">${missing ? t('lcMissingList', missing) : t('lcAllMet')}</p>
      <p class="meta">${t(body.method === 'euclidean' ? 'lcMethodEuclidean' : 'lcMethodNetwork')}</p>`);
  }

  function flyToCompound(id) {
    const feature = compounds?.features.find((f) => f.properties.id === id);
    if (!map || !feature?.geometry) return;
    const [w, s, e, n] = bbox(feature.geometry.coordinates);
    map.fitBounds([[w, s], [e, n]], { padding: padding(), maxZoom: 17 });
  }

  // The plan: the fewest new sites that bring the target share of the group within the circle.
  async function runPlan() {
    const minutes = $('lc-plan-minutes');
    const target = $('lc-plan-target');
    if (!minutes.checkValidity() || !target.checkValidity()) {
      render($('lc-plan-summary'), html`<span class="error">${t('lcPlanInvalid')}</span>`);
      return;
    }
    const request = {
      kind: $('lc-plan-kind').value,
      minutes: Number(minutes.value),
      objective: 'lscp',
      target_share: Math.min(1, Number(target.value) / 100),
      group: $('lc-plan-group').value,
      candidates: $('lc-plan-candidates').value,
    };
    $('lc-plan-run').disabled = true;
    $('lc-plan-summary').textContent = t('working');
    $('lc-plan-bound').textContent = '';
    const post = (body) => getJSON('plan', '/api/coverage/plan', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    let result;
    try {
      try {
        result = await post(request);
      } catch (err) {
        // Too many candidates in the whole district: those in the view.
        if (err.code !== 'too_large' || !map) throw err;
        request.bbox = map.getBounds().toArray().flat();
        result = await post(request);
      }
    } catch (err) {
      if (!aborted(err)) {
        const zoom = err.code === 'too_large' ? t('lcPlanTooMany') : '';
        render($('lc-plan-summary'), html`<span class="error">${t('lcPlanFailed', `${zoom}${err.message}`)}</span>`);
      }
      return;
    } finally {
      $('lc-plan-run').disabled = false;
    }
    drawPlan(result, request);
  }

  const siteName = (site) => site.name ?? site.id ?? `${site.lon.toFixed(5)}, ${site.lat.toFixed(5)}`;

  function drawPlanText(result, request) {
    const groupName = label('demand_groups', result.group ?? request.group);
    const before = result.demand_share_before ?? (result.demand > 0 ? result.demand_covered_before / result.demand : 1);
    render($('lc-plan-summary'), html`${t('lcPlanSummary', groupName, number(result.demand_covered_before), number(result.demand),
      percent(before), result.picks.length, percent(result.achieved_share), percent(result.target_share ?? request.target_share))}
      <br><small>${t('lcPlanDetail', number(result.candidates), Boolean(request.bbox), result.method === 'network', metres(result.limit_m))}</small>`);
    const bound = result.picks.length === 0 ? t('lcPlanNone')
      : result.optimal ? t('lcPlanOptimal', result.picks.length, result.solver)
        : t('lcPlanBound', number(result.lower_bound), result.picks.length, result.solver);
    // The greedy choice for the same target, for comparison.
    const greedy = result.picks.length && result.greedy_sites != null ? t('lcPlanGreedy', result.greedy_sites) : '';
    $('lc-plan-bound').textContent = `${bound}${greedy}`;
    $('lc-plan-bound').dataset.optimal = String(Boolean(result.optimal));
    const picks = render($('lc-plan-picks'), html``);
    for (const pick of result.picks) {
      const { site } = pick;
      const item = document.createElement('li');
      const types = { building: 'siteBuilding', compound: 'siteCompound', point: 'sitePoint' };
      const kind = types[site.type] ? t(types[site.type]) : /candidate/.test(site.type ?? '') ? label('layers', 'candidate_sites') : site.type;
      render(item, html`<span class="pick-key" aria-hidden="true">${pick.rank}</span>
        <div><button type="button" class="link" title="${t('showOnMap')}" translate="no">${siteName(site)}</button> <small>${kind}</small><br>
        ${t('lcPickAdded', number(pick.demand_added), number(pick.demand_covered), percent(pick.demand_share))}</div>`);
      item.dataset.added = String(pick.demand_added);
      item.querySelector('button').addEventListener('click', () => map?.flyTo({ center: [site.lon, site.lat], zoom: Math.max(map.getZoom(), 16.5), padding: padding() }));
      picks.append(item);
    }
  }

  function drawPlan(result, request) {
    removeMarkers();
    plan = { result, request };
    drawPlanText(result, request);
    if (map) {
      for (const pick of result.picks) {
        const element = document.createElement('div');
        element.className = 'pick-marker lc-pick';
        element.textContent = String(pick.rank);
        element.setAttribute('role', 'img');
        element.setAttribute('aria-label', `${t('lcPickLabel', pick.rank, number(pick.demand_added))}${siteName(pick.site)}`);
        element.title = `${pick.rank}. ${siteName(pick.site)} · +${number(pick.demand_added)}`;
        markers.push(new maplibregl.Marker({ element }).setLngLat([pick.site.lon, pick.site.lat]).addTo(map));
      }
    }
    $('lc-plan-clear').hidden = !result.picks.length;
    applyVisibility();
    if (map && result.picks.length) {
      const lons = result.picks.map((p) => p.site.lon);
      const lats = result.picks.map((p) => p.site.lat);
      map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]],
        { padding: padding(), maxZoom: Math.max(map.getZoom(), 15) });
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
    $('lc-plan-picks').replaceChildren();
    $('lc-plan-summary').textContent = '';
    $('lc-plan-bound').textContent = '';
    $('lc-plan-clear').hidden = true;
    $('lc-plan-run').disabled = false;
  }

  // The address: `#lifecircle?group=elderly&fill=score&compound=C001`.
  function params() {
    const query = new URLSearchParams();
    if (group()) query.set('group', group());
    if ($('lc-fill').value !== FILLS[0]) query.set('fill', $('lc-fill').value);
    if (selected) query.set('compound', selected);
    return query;
  }
  function read(query) {
    const before = params().toString();
    const wanted = query.get('group') ?? '';
    $('lc-group').value = list('demand_groups').some((g) => g.code === wanted) ? wanted : '';
    $('lc-fill').value = FILLS.includes(query.get('fill')) ? query.get('fill') : FILLS[0];
    const compound = query.get('compound') || null;
    if (!started) { selected = compound; return; }
    if (params().toString() === before && compound === selected) return;
    paint();
    drawLegend();
    if (group() !== compoundsGroup) loadCompounds();
    if (compound !== selected || compound) choose(compound, false);
  }

  return {
    params,
    read,
    async show() {
      active = true;
      $('lc-card').hidden = false;
      if (!started) {
        started = true;
        if (selected) loadCheck(selected, false); else drawHint();
        loadCompounds();
      }
      if (map) {
        await addLayers();
        loadCandidates();
        applyVisibility();
      }
    },
    hide() {
      active = false;
      $('lc-card').hidden = true;
      popup?.remove();
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
