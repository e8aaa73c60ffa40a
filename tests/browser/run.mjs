// Browser tests of the map page in the system's headless Chromium (Debian's `chromium`),
// driven by playwright-core (no browser download). tests/browser.rs starts the real server
// on a fresh database with the demo district and runs this file; by hand:
//
//   node tests/browser/run.mjs --url http://127.0.0.1:8080 --screenshots target/screenshots [--token ms_…]
//
// `--token` (or MINSHENG_TOKEN) is an admin's staff token, for the staff test. The
// browser is $CHROMIUM or /usr/bin/chromium. Every wait is on a condition (the map's rendered
// features, an element, an API answer), never a fixed sleep. Page errors, console errors and
// failed requests are printed, and page errors or console errors fail the test they occur in.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { followupTests } from './followup.mjs';
import { lifecircleTests } from './lifecircle.mjs';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    screenshots: { type: 'string', default: 'target/screenshots' },
    token: { type: 'string', default: process.env.MINSHENG_TOKEN ?? '' },
    only: { type: 'string', default: '' },
  },
});
if (!args.url) {
  console.error('usage: node run.mjs --url http://127.0.0.1:PORT [--screenshots DIR] [--token OFFICIAL_TOKEN] [--only NAME]');
  process.exit(2);
}
const BASE = args.url.replace(/\/$/, '');
const SHOTS = args.screenshots;
mkdirSync(SHOTS, { recursive: true });
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = 20_000;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 812 };

// ---------------------------------------------------------------------------------------
// Helpers

class Skip extends Error {}
const skip = (reason) => { throw new Skip(reason); };
function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function api(path, options = {}) {
  const response = await fetch(BASE + path, {
    ...options,
    headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(`${options.method ?? 'GET'} ${path}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}

// A building to click or stand at: the first of the layer, with a point inside it (the mean
// of its outer ring's corners: the demo's buildings are convex) that /api/locate confirms.
async function aBuilding() {
  const layer = await api('/api/layers/buildings?limit=1');
  const feature = layer.features[0];
  check(feature, '/api/layers/buildings returned no building');
  let ring = feature.geometry.coordinates[0];
  if (feature.geometry.type === 'MultiPolygon') ring = ring[0];
  const corners = ring.slice(0, -1);
  const lon = corners.reduce((s, c) => s + c[0], 0) / corners.length;
  const lat = corners.reduce((s, c) => s + c[1], 0) / corners.length;
  const located = await api(`/api/locate?lon=${lon.toFixed(7)}&lat=${lat.toFixed(7)}`);
  check(located.building, `/api/locate found no building at the centre of ${feature.id}`);
  return { id: feature.id, lon, lat, located };
}

let browser;
// A new page (in its own context) at the map, with its errors collected. The map object is
// `window.minsheng.map` (app.js exposes it for these tests). `session`: sessionStorage entries
// the page starts with (a staff token, as the sign-in form keeps it).
async function openPage(test, { viewport = DESKTOP, hash = '', geolocation, session } = {}) {
  const context = await browser.newContext({
    viewport,
    deviceScaleFactor: 1,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    isMobile: viewport.width < 700,
    hasTouch: viewport.width < 700,
    ...(geolocation ? { geolocation, permissions: ['geolocation'] } : {}),
  });
  context.setDefaultTimeout(TIMEOUT);
  if (session) await context.addInitScript((entries) => { for (const [k, v] of Object.entries(entries)) sessionStorage.setItem(k, v); }, session);
  const page = await context.newPage();
  test.pages.push(page);
  page.on('pageerror', (err) => test.errors.push(`page error: ${err.stack ?? err.message}`));
  page.on('console', (msg) => {
    const line = `console.${msg.type()}: ${msg.text()}`;
    if (msg.type() === 'error') test.errors.push(line);
    else if (msg.type() === 'warning') test.log.push(line);
  });
  page.on('requestfailed', (request) => {
    // A request the page aborted on purpose (a newer filter) is not a failure.
    const failure = request.failure()?.errorText ?? '';
    if (!failure.includes('ERR_ABORTED')) test.errors.push(`request failed: ${request.url()} ${failure}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) test.errors.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  await page.goto(`${BASE}/${hash}`);
  await page.waitForFunction(() => window.minsheng?.map, null, { timeout: TIMEOUT }).catch(() => {
    throw new Error('window.minsheng.map is not set: app.js must expose the map (`window.minsheng = { map }`)');
  });
  await idle(page);
  return page;
}

// Waits until the map has loaded its style and tiles and stands still.
async function idle(page) {
  await page.waitForFunction(() => {
    // After a reload the page may not have set up its map yet.
    const map = window.minsheng?.map;
    if (!map) return false;
    // The page's own source is added (and the map fitted to it) once its TileJSON arrives,
    // which may be after MapLibre's own "load".
    return map.getSource('minsheng') && map.loaded() && map.areTilesLoaded() && !map.isMoving();
  }, null, { polling: 100 });
}

// Waits until the named layers (those of them that exist) have rendered at least one
// feature on screen; returns the number per layer.
async function rendered(page, layers, what) {
  try {
    await page.waitForFunction((ids) => {
      const map = window.minsheng.map;
      return ids.every((id) => map.getLayer(id) && map.queryRenderedFeatures({ layers: [id] }).length > 0);
    }, layers, { polling: 100 });
  } catch (err) {
    const counts = await page.evaluate((ids) => Object.fromEntries(ids.map((id) => {
      const map = window.minsheng.map;
      if (!map.getLayer(id)) return [id, 'no such layer'];
      return [id, `${map.queryRenderedFeatures({ layers: [id] }).length} features, visibility ${map.getLayoutProperty(id, 'visibility') ?? 'visible'}`];
    })), layers);
    throw new Error(`${what}: no rendered features: ${JSON.stringify(counts)} (${err.message.split('\n')[0]})`);
  }
  await idle(page);
  return page.evaluate((ids) => Object.fromEntries(ids.map((id) => [id, window.minsheng.map.queryRenderedFeatures({ layers: [id] }).length])), layers);
}

// Puts a lon/lat at a point of the screen where the map itself (not the panel or a card) is
// under the pointer, at `zoom`, and returns that point.
async function bringIntoView(page, lon, lat, zoom) {
  // Let the page finish starting first: its own first fit to the data would move the map
  // after our jump and send the click elsewhere.
  await idle(page);
  await page.evaluate(async ({ lon, lat, zoom }) => {
    const map = window.minsheng.map;
    const canvas = map.getCanvas();
    const box = canvas.getBoundingClientRect();
    map.jumpTo({ center: [lon, lat], zoom });
    const free = [[0.5, 0.5], [0.5, 0.7], [0.5, 0.85], [0.7, 0.5], [0.8, 0.5], [0.5, 0.3]]
      .map(([fx, fy]) => ({ x: box.left + box.width * fx, y: box.top + box.height * fy }))
      .find(({ x, y }) => document.elementFromPoint(x, y) === canvas);
    if (!free) throw new Error('no point of the map is free of the panel and cards');
    const at = map.project([lon, lat]);
    map.panBy([at.x + box.left - free.x, at.y + box.top - free.y], { animate: false });
  }, { lon, lat, zoom });
  await idle(page);
  // Where the point is now that the map has settled.
  return page.evaluate(({ lon, lat }) => {
    const map = window.minsheng.map;
    const box = map.getCanvas().getBoundingClientRect();
    const p = map.project([lon, lat]);
    return { x: p.x + box.left, y: p.y + box.top };
  }, { lon, lat });
}

// Polls an API condition (every 100 ms) until it holds.
async function until(condition, message) {
  const deadline = Date.now() + TIMEOUT;
  while (!(await condition())) {
    check(Date.now() < deadline, message);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function shoot(page, name) {
  await idle(page);
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

// The locate card for a building: its name, the grid chain and the contact board with tel: links.
async function expectCard(page, located) {
  const card = page.locator('#card');
  await card.waitFor({ state: 'visible' });
  await page.waitForFunction((name) => document.querySelector('#card-body h2')?.textContent.includes(name), located.building.name, { polling: 100 })
    .catch(async () => { throw new Error(`the card does not name ${located.building.name}: ${await card.innerText()}`); });
  const chain = await card.locator('.chain li').allInnerTexts();
  const expected = ['street', 'community', 'grid', 'micro_grid'].map((k) => located.grid_chain?.[k]?.name).filter(Boolean);
  check(JSON.stringify(chain) === JSON.stringify(expected), `the card's grid chain ${JSON.stringify(chain)} is not ${JSON.stringify(expected)}`);
  const contacts = await card.locator('.contacts li').count();
  check(contacts === located.contacts.length && contacts > 0, `the card lists ${contacts} contacts, the API ${located.contacts.length}`);
  const tel = await card.locator('.contacts a[href^="tel:"]').count();
  check(tel === contacts, `${tel} of ${contacts} contacts have a tel: link`);
  // The demo has a walking network: the nearest stations are given by walking distance.
  const distances = await card.locator('.stations .distance').allInnerTexts();
  check(distances.length > 0 && distances.every((d) => /步行|on foot/.test(d)), `the stations' distances are not walks: ${JSON.stringify(distances)}`);
}

// ---------------------------------------------------------------------------------------
// Tests, in order. Each gets `t` with its pages, collected errors and log lines.

const state = { building: null, cases: [], follows: {} };

const tests = [
  ['resident: clicking a building shows its card (desktop)', async (t) => {
    const building = (state.building = await aBuilding());
    const page = await openPage(t);
    const point = await bringIntoView(page, building.lon, building.lat, 16.5);
    await idle(page);
    await page.mouse.click(point.x, point.y);
    await expectCard(page, building.located);
    t.shots.push(await shoot(page, 'resident'));
  }],

  ['resident: the card on a phone (375×812)', async (t) => {
    const { located, lon, lat } = state.building ?? (state.building = await aBuilding());
    const page = await openPage(t, { viewport: PHONE });
    const point = await bringIntoView(page, lon, lat, 17);
    await idle(page);
    await page.mouse.click(point.x, point.y);
    await expectCard(page, located);
    t.shots.push(await shoot(page, 'resident-phone'));
  }],

  ['planner: the heat map and the hexagons render features', async (t) => {
    const page = await openPage(t);
    await page.click('#tab-planner');
    const hash = await page.evaluate(() => location.hash);
    check(hash === '#planner' || hash.startsWith('#planner&') || hash.startsWith('#planner?'), `the planner tab sets ${hash}, not #planner`);
    await page.locator('#show-hexagons').check();
    const counts = await rendered(page, ['heat', 'hex-fill', 'hex-line'], 'planner');
    t.log.push(`rendered features: ${JSON.stringify(counts)}`);
    // The side list and the timeline come from the same filter.
    await page.locator('#problem-rows tr').first().waitFor();
    check(!(await page.locator('#problem-rows .empty').count()), 'the problem list is empty');
    await page.locator('#timeline svg rect').first().waitFor({ state: 'attached' });
    await page.waitForFunction(() => /六边形/.test(document.getElementById('planner-status').textContent), null, { polling: 100 });
    t.shots.push(await shoot(page, 'planner'));
  }],

  ['official: the coverage view renders isochrones and buildings by distance', async (t) => {
    const page = await openPage(t, { hash: '#coverage?kind=elderly_day_care&minutes=15' });
    check(await page.locator('#coverage-view').isVisible(), '#coverage… does not open the official view');
    // Buildings by distance are fetched from zoom 13: zoom in if the district view is wider.
    await page.evaluate(() => {
      const map = window.minsheng.map;
      if (map.getZoom() < 14) map.jumpTo({ zoom: 14 });
    });
    const counts = await rendered(page, ['cov-iso-fill', 'cov-iso-line', 'cov-buildings', 'cov-stations'], 'coverage');
    t.log.push(`rendered features: ${JSON.stringify(counts)}`);
    // Buildings are coloured by a distance the API gave them.
    const distances = await page.evaluate(() => window.minsheng.map.queryRenderedFeatures({ layers: ['cov-buildings'] })
      .filter((f) => typeof f.properties.distance_m === 'number').length);
    t.log.push(`buildings on screen with a distance: ${distances}`);
    await page.locator('#coverage-total-rows tr').first().waitFor();
    await page.waitForFunction(() => document.getElementById('coverage-method').textContent.trim() !== '', null, { polling: 100 });
    t.shots.push(await shoot(page, 'coverage'));
  }],

  ['resident: report twice at one place; the second sees the duplicate hint and the case number', async (t) => {
    const { lon, lat, located } = state.building ?? (state.building = await aBuilding());
    // The resident stands at the building: "where am I" uses the browser's position.
    const resident = await openPage(t, { viewport: PHONE, geolocation: { longitude: lon, latitude: lat, accuracy: 5 } });
    if (!(await resident.locator('#report-open').count())) skip('resident report UI not present (#report-open missing)');
    // A category with no open report within 50 m yet, so that only our first report makes the second a duplicate.
    let category;
    for (const c of ['noise', 'sanitation', 'pets', 'parking', 'other', 'safety_hazard', 'neighbour_dispute', 'property_service']) {
      if ((await api(`/api/reports/nearby?lon=${lon}&lat=${lat}&category=${c}`)).reports.length === 0) { category = c; break; }
    }
    check(category, `every category already has an open report near ${lon},${lat}`);
    t.log.push(`category ${category} at ${located.building.name}`);

    const report = async (description, expectDuplicates) => {
      await resident.click('#where-am-i');
      await expectCard(resident, located);
      await resident.click('#report-open');
      await resident.locator('#report-form').waitFor({ state: 'visible' });
      const prechecked = resident.waitForResponse((r) => r.url().includes('/api/reports/nearby'), { timeout: 5_000 }).catch(() => null);
      const select = resident.locator('#report-category');
      if ((await select.evaluate((el) => el.tagName)) === 'SELECT') await select.selectOption(category);
      else await select.locator(`input[value="${category}"]`).check();
      await resident.fill('#report-description', description);
      await resident.fill('#report-name', '测试居民');
      await resident.fill('#report-phone', '13800000000');
      if (expectDuplicates) {
        // The page runs the duplicate pre-check when the form is sent (or earlier): either
        // way, sending shows the open case instead of filing a new one.
        if (!(await resident.locator('#report-duplicates .me-too').count())) await resident.click('#report-submit');
        await resident.locator('#report-duplicates .me-too').first().waitFor({ state: 'visible' });
        return null;
      }
      // The pre-check ran and found nothing: no "me too" to offer.
      await prechecked;
      check(!(await resident.locator('#report-duplicates .me-too').count()), 'the first report already shows a duplicate hint');
      await resident.click('#report-submit');
      await resident.locator('#report-result #report-case').waitFor({ state: 'visible' });
      const number = (await resident.locator('#report-case').innerText()).trim();
      check(/^MS\d{8}$/.test(number), `the case number shown is "${number}"`);
      // The reporter's private link: the staff test rates through it before verifying.
      const link = await resident.locator('#report-follow-url').inputValue();
      if (link.includes('#follow=')) state.follows[number] = link.split('#follow=')[1];
      return number;
    };
    const first = await report('楼道灯坏了，晚上看不见（浏览器测试）', false);
    state.cases.push(first);
    const filed = (await api(`/api/reports/${first}`)).report;
    check(filed.category === category, `case ${first} has category ${filed.category}, not ${category}`);
    check(filed.building_id === located.building.id, `case ${first} is at building ${filed.building_id}, not ${located.building.id}`);
    t.log.push(`first report: ${first}`);
    t.shots.push(await shoot(resident, 'report'));

    await resident.reload();
    await idle(resident);
    await report('同一个问题，再报一次（浏览器测试）', true);
    const hint = await resident.locator('#report-duplicates').innerText();
    t.log.push(`duplicate hint: ${hint.replace(/\s+/g, ' ').slice(0, 120)}`);
    check(hint.includes(first), `the duplicate hint does not name ${first}: ${hint}`);
    t.shots.push(await shoot(resident, 'report-duplicate'));
    // "Me too" supports the first case instead of filing a second.
    const before = filed.supporters;
    await resident.locator('#report-duplicates .me-too').first().click();
    await until(async () => (await api(`/api/reports/${first}`)).report.supporters > before, `"me too" did not add a supporter to ${first}`);
  }],

  ['staff: a dispatcher, a handler and a supervisor move a case through the buttons', async (t) => {
    check(args.token, 'no admin token: pass --token or MINSHENG_TOKEN');
    const admin = (path, options = {}) => api(path, { ...options, headers: { authorization: `Bearer ${args.token}` } });
    let caseNumber = state.cases[0];
    if (!caseNumber) {
      // The resident test did not run: file the case through the API.
      const { lon, lat } = state.building ?? (state.building = await aBuilding());
      caseNumber = (await api('/api/reports', { method: 'POST', body: JSON.stringify({ category: 'sanitation', description: '垃圾桶满了（浏览器测试）', lon, lat }) })).report.case_number;
    }
    const filed = (await admin(`/api/reports/${caseNumber}`)).report;
    t.log.push(`case ${caseNumber} in community ${filed.community_id}, street ${filed.street_id}`);
    // Tokens for the case's community, street and (once dispatched) unit, made by the admin.
    const token = async (role, scope, label) =>
      (await admin('/api/tokens', { method: 'POST', body: JSON.stringify({ role, ...scope, label }) })).secret;
    const dispatcher = await token('dispatcher', { community: filed.community_id }, '测试派遣员');
    const supervisor = await token('supervisor', { street: filed.street_id }, '测试督办员');

    const page = await openPage(t);
    await page.click('#tab-staff');
    const signIn = async (secret, who) => {
      if (await page.locator('#staff-signout').isVisible()) await page.click('#staff-signout');
      await page.fill('#staff-token', secret);
      await page.click('#staff-signin');
      await page.waitForFunction((name) => document.getElementById('staff-me').textContent.includes(name), who, { polling: 100 });
      const item = page.locator(`#staff-queue .case-item[data-case="${caseNumber}"]`);
      await item.waitFor({ state: 'visible' });
      await item.click();
      await page.waitForFunction((n) => document.getElementById('staff-case-title').textContent.includes(n), caseNumber, { polling: 100 });
    };
    // Clicks the action's button (with a note) and waits until the case is as `done` says,
    // in the API, and until the page shows its new version.
    const act = async (action, done) => {
      const before = (await admin(`/api/reports/${caseNumber}`)).report.version;
      const button = page.locator(`#move-buttons button.move[data-action="${action}"]`);
      await button.waitFor({ state: 'visible' });
      await page.fill('#transition-note', `浏览器测试：${action}`);
      // A public reply on every move (rejecting and resolving require one).
      await page.fill('#transition-reply', `浏览器测试答复：${action}`);
      await button.click();
      let moved;
      await until(async () => (moved = (await admin(`/api/reports/${caseNumber}`)).report).version > before && done(moved), `${action} did not do its move`);
      await page.waitForFunction((label) => document.getElementById('staff-case-title').textContent.includes(label)
        && document.getElementById('staff-case-message').className === 'ok', moved.state_label, { polling: 100 });
      return moved;
    };
    const into = (state) => (r) => r.state === state;

    await signIn(dispatcher, '测试派遣员');
    const me = await page.locator('#staff-me').innerText();
    check(/派遣员/.test(me), `the signed-in line does not name the dispatcher's role: ${me}`);
    // The dispatcher may not start work: no such button.
    check(!(await page.locator('#move-buttons [data-action="start"]').count()), 'a dispatcher is offered "start"');
    await act('accept', into('accepted'));
    // Dispatch offers the units serving the place, the routed one chosen.
    await page.locator('#move-unit-row').waitFor({ state: 'visible' });
    const routed = (await admin(`/api/reports/${caseNumber}`)).unit?.id;
    check(routed && (await page.locator('#move-unit').inputValue()) === routed, `the unit menu does not default to the routed unit ${routed}`);
    await act('dispatch', into('dispatched'));
    t.shots.push(await shoot(page, 'staff'));

    const unit = (await admin(`/api/reports/${caseNumber}`)).report.unit_id;
    const handler = await token('handler', { unit }, '测试处置人员');
    await signIn(handler, '测试处置人员');
    await act('start', into('in_progress'));
    // More time: the date picked in the page, a week past the deadline by default.
    await page.locator('#move-until-row').waitFor({ state: 'visible' });
    const asked = await act('request_extension', (r) => r.extension_requested_to != null);

    await signIn(supervisor, '测试督办员');
    check(await page.locator('#staff-case-title .badge').count() > 0, 'the pending extension is not flagged on the case');
    const extended = await act('approve_extension', (r) => r.extension_requested_to == null);
    check(extended.deadline_at === asked.extension_requested_to, `the deadline ${extended.deadline_at} is not the one asked for, ${asked.extension_requested_to}`);
    await act('supervise', (r) => r.supervised_at != null);

    await signIn(handler, '测试处置人员');
    await act('resolve', into('resolved'));
    // A resident's case is verified after the resident rated it: through their link.
    if (state.follows[caseNumber]) {
      await api(`/api/follow/${state.follows[caseNumber]}/rating`, { method: 'POST', body: JSON.stringify({ rating: 'satisfied' }) });
    }
    await signIn(supervisor, '测试督办员');
    await act('verify', into('verified'));
    await act('close', into('closed'));
    // The audit trail names each role, in the page and in the API.
    const trail = await page.locator('#staff-case .history').innerText();
    for (const role of ['dispatcher#', 'handler#', 'supervisor#']) check(trail.includes(role), `the audit trail does not name ${role}: ${trail}`);
    const { history } = await admin(`/api/reports/${caseNumber}`);
    t.log.push(`closed; ${history.length} events: ${history.map((e) => `${e.action} by ${e.actor.split(' ')[0]}`).join(', ')}`);
    t.shots.push(await shoot(page, 'staff-closed'));
  }],

  ['official: the performance board ranks, sorts, lists and colours the map', async (t) => {
    check(args.token, 'no staff token: pass --token or MINSHENG_TOKEN');
    // Last month (China time): the demo's year of cases fills it.
    const now = new Date(Date.now() + 8 * 3_600_000);
    const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
    const auth = { headers: { authorization: `Bearer ${args.token}` } };
    const expected = await api(`/api/performance?group_by=community&period=${month}`, auth);
    const lists = await api(`/api/performance/red-black?period=${month}`);
    check(expected.rows.length > 1, `the demo has no board for ${month}`);
    const page = await openPage(t);
    await page.click('#tab-staff');
    await page.fill('#staff-token', args.token);
    await page.click('#staff-signin');
    await page.locator('#staff-session').waitFor({ state: 'visible' });
    await page.click('#tab-board');
    await page.fill('#board-period', month);
    await page.selectOption('#board-group', 'community');
    const ids = () => page.locator('#board-rows tr').evaluateAll((rows) => rows.map((r) => r.dataset.id));
    const ranked = expected.rows.map((r) => r.id).join(',');
    await page.waitForFunction((want) => [...document.querySelectorAll('#board-rows tr')].map((r) => r.dataset.id).join(',') === want, ranked, { polling: 100 })
      .catch(async () => { throw new Error(`the board does not list the API rows in rank order: ${await ids()} (API: ${ranked})`); });
    const small = expected.rows.filter((r) => r.small_sample).length;
    check(await page.locator('#board-rows .badge.sample').count() === small, `${small} small samples are not all marked`);
    // Sorting: the on-time header sorts by that rate, highest first, missing figures last.
    await page.click('#board-head button[data-sort="on_time_rate"]');
    const byOnTime = [...expected.rows].sort((a, b) => {
      const [x, y] = [a.on_time_rate.percent, b.on_time_rate.percent];
      if (x == null || y == null) return (x == null) - (y == null);
      return y - x;
    }).map((r) => r.id);
    check(JSON.stringify(await ids()) === JSON.stringify(byOnTime), 'sorting by the on-time rate does not order the rows');
    // The red and black lists, as the API gives them.
    const names = (id) => page.locator(`#${id} li span`).allInnerTexts();
    check(JSON.stringify(await names('board-red')) === JSON.stringify(lists.red.map((c) => c.company)), 'the red list differs from the API');
    check(JSON.stringify(await names('board-black')) === JSON.stringify(lists.black.map((c) => c.company)), 'the black list differs from the API');
    // The communities coloured on the map, with a legend.
    const counts = await rendered(page, ['board-fill'], 'board');
    t.log.push(`rendered features: ${JSON.stringify(counts)}`);
    check(await page.locator('#board-legend li').count() > 2, 'the board has no legend');
    // The CSV, fetched with the token and saved.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#board-csv')]);
    check(download.suggestedFilename().endsWith('.csv'), `the CSV is saved as ${download.suggestedFilename()}`);
    t.shots.push(await shoot(page, 'board'));
  }],
  ['language: the English view is English in every panel, the planner and official ones included', async (t) => {
    check(args.token, 'no staff token: pass --token or MINSHENG_TOKEN');
    const { lon, lat, located } = state.building ?? (state.building = await aBuilding());
    // A case to track and to open in the staff view.
    const caseNumber = state.cases[0] ?? (await api('/api/reports', {
      method: 'POST', body: JSON.stringify({ category: 'noise', description: '夜间施工噪音（浏览器测试）', lon, lat }),
    })).report.case_number;
    const vocabulary = await api('/api/vocabulary');
    const page = await openPage(t);
    await page.click('#lang-toggle');
    check(await page.evaluate(() => document.documentElement.lang) === 'en', 'the page language is not en after the switch');

    // Visible text of the panel and the open side panels, with every <details> open, minus
    // what the page marks as names from the data (`translate="no"`) and what is marked as in
    // another language (the switch back to Chinese). Options, aria-labels, titles and
    // placeholders count too. Menus, legends, table heads and headings hold no data names.
    const leaks = () => page.evaluate(() => {
      const cjk = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;
      for (const box of document.querySelectorAll('details')) box.open = true;
      const foreign = (el) => el.closest('[translate="no"]') || (el.closest('[lang]')?.lang ?? 'en') !== 'en';
      const roots = ['panel', 'card', 'ranking', 'coverage-table', 'lc-card', 'board-table', 'staff-case'].map((id) => document.getElementById(id)).filter((el) => !el.hidden);
      const found = [];
      let checked = 0;
      const look = (root, where, text) => {
        if (!text || !text.trim()) return;
        checked += 1;
        if (cjk.test(text)) found.push(`#${root.id} ${where}: ${text.trim().slice(0, 80)}`);
      };
      for (const root of roots) {
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
          const el = walker.currentNode.parentElement;
          if (foreign(el) || el.closest('title, script, style') || !el.checkVisibility()) continue;
          look(root, el.tagName.toLowerCase(), walker.currentNode.textContent);
        }
        for (const option of root.querySelectorAll('option')) if (!foreign(option)) look(root, 'option', option.textContent);
        for (const el of root.querySelectorAll('[aria-label], [title], [placeholder]')) {
          if (foreign(el)) continue;
          for (const name of ['aria-label', 'title', 'placeholder']) look(root, `[${name}]`, el.getAttribute(name));
        }
      }
      const named = [...document.querySelectorAll('label, legend, summary, option, th, dt, h3, h4, .keys li, .ramp-title, figcaption')]
        .filter((el) => el.querySelector('[translate="no"]') || el.closest('[translate="no"]'))
        .map((el) => el.outerHTML.slice(0, 100));
      if (cjk.test(document.title)) found.push(`title: ${document.title}`);
      return { found, checked, named };
    });
    const expectEnglish = async (view, least) => {
      const { found, checked, named } = await leaks();
      t.log.push(`${view}: ${checked} texts checked`);
      check(found.length === 0, `${view}: Chinese in the English view:\n  ${found.join('\n  ')}`);
      check(named.length === 0, `${view}: menus or headings marked as data names: ${named.join(', ')}`);
      check(checked >= least, `${view}: only ${checked} texts checked: is the view drawn?`);
    };

    // Resident: the card of a building, the legend, and a tracked case.
    const point = await bringIntoView(page, lon, lat, 16.5);
    await page.mouse.click(point.x, point.y);
    await expectCard(page, located);
    await page.click('#report-open');
    await page.locator('#report-form').waitFor({ state: 'visible' });
    await page.fill('#case-number', caseNumber);
    await page.evaluate(() => { document.getElementById('track').open = true; });
    await page.click('#case-lookup-submit');
    await page.locator('#case-status .history li').first().waitFor();
    const categories = await page.locator('#report-category option').allInnerTexts();
    check(JSON.stringify(categories) === JSON.stringify(vocabulary.categories.map((c) => c.label_en)),
      `the report form's categories are not the vocabulary's English labels: ${JSON.stringify(categories)}`);
    await expectEnglish('resident', 60);
    t.shots.push(await shoot(page, 'english-resident'));

    // Planner: filters, legends, the problem list and the timeline.
    await page.click('#tab-planner');
    await page.locator('#problem-rows tr').first().waitFor();
    await page.locator('#timeline svg').waitFor({ state: 'attached' });
    await page.waitForFunction(() => /hexagons/.test(document.getElementById('planner-status').textContent), null, { polling: 100 });
    await expectEnglish('planner', 60);
    t.shots.push(await shoot(page, 'english-planner'));

    // Official: the coverage table, the method, and a siting suggestion.
    await page.click('#tab-coverage');
    await page.locator('#coverage-total-rows tr').first().waitFor();
    await page.waitForFunction(() => document.getElementById('coverage-method').textContent.trim() !== '', null, { polling: 100 });
    await page.click('#siting-run');
    await page.locator('#siting-picks li').first().waitFor();
    await expectEnglish('official', 60);
    t.shots.push(await shoot(page, 'english-coverage'));

    // Life circle: the legend, the worst compounds and one compound's check.
    await page.click('#tab-lifecircle');
    await page.locator('#lc-worst li button').first().click();
    await page.locator('#lc-card-body tbody tr').first().waitFor();
    await expectEnglish('life circle', 40);
    t.shots.push(await shoot(page, 'english-lifecircle'));

    // Staff: the queue and a case with its audit trail and buttons.
    await page.click('#tab-staff');
    await page.fill('#staff-token', args.token);
    await page.click('#staff-signin');
    await page.selectOption('#staff-state', '');
    const item = page.locator(`#staff-queue .case-item[data-case="${caseNumber}"]`);
    await item.waitFor({ state: 'visible' });
    await item.click();
    await page.waitForFunction((n) => document.getElementById('staff-case').textContent.includes(n), caseNumber, { polling: 100 });
    await page.locator('#staff-case .history li').first().waitFor();
    await expectEnglish('staff', 40);
    t.shots.push(await shoot(page, 'english-staff'));

    // The performance board (the staff token signed in above).
    await page.click('#tab-board');
    await page.locator('#board-rows tr').first().waitFor();
    await page.locator('#board-red li').first().waitFor();
    await expectEnglish('board', 30);

    // And back: the menus speak Chinese again.
    await page.click('#lang-toggle');
    const zh = await page.locator('#staff-category option').allInnerTexts();
    check(zh.some((text) => text.includes(vocabulary.categories[0].label_zh)), `the category menu is not Chinese again: ${JSON.stringify(zh)}`);
  }],
  ['accessibility and language: every control is named, the tabs take the keyboard, English switches', async (t) => {
    const page = await openPage(t);
    await idle(page);
    for (const tab of ['#tab-resident', '#tab-planner', '#tab-coverage', '#tab-lifecircle', '#tab-board', '#tab-staff']) {
      await page.click(tab);
      // Every visible control must have an accessible name: a <label>, aria-label(ledby),
      // its own text, or a title.
      const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => el.offsetParent !== null && el.type !== 'hidden')
        .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
          || el.textContent.trim() || el.title))
        .map((el) => el.outerHTML.slice(0, 100)));
      check(unnamed.length === 0, `${tab}: controls without a name: ${JSON.stringify(unnamed)}`);
    }
    // The tab list follows the arrow keys, as WAI-ARIA tabs do.
    await page.click('#tab-resident');
    await page.focus('#tab-resident');
    await page.keyboard.press('ArrowRight');
    check(await page.evaluate(() => document.activeElement?.id === 'tab-planner'), 'ArrowRight does not move from the resident tab to the planner tab');
    // Tab reaches the search box from the tabs.
    await page.click('#tab-resident');
    let reached = false;
    for (let i = 0; i < 15 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.id === 'q');
    }
    check(reached, 'the search box cannot be reached with the Tab key');
    // English, and back.
    await page.click('#lang-toggle');
    check(await page.evaluate(() => document.documentElement.lang) === 'en', 'the page language is not en after the switch');
    const tabText = (await page.locator('#tab-resident').innerText()).trim();
    check(tabText === 'Resident', `the resident tab reads "${tabText}" in English`);
    t.shots.push(await shoot(page, 'english'));
    await page.click('#lang-toggle');
    check(await page.evaluate(() => document.documentElement.lang) === 'zh-CN', 'the page language is not zh-CN after switching back');
  }],
];

// ---------------------------------------------------------------------------------------
// The run: one browser, the tests in order, a summary; the exit code says whether all passed.

// The resident's follow-up loop (issue 16), at phone size.
tests.push(...followupTests({ api, openPage, shoot, check, until, aBuilding, expectCard, state, args, PHONE }));
// The life-circle tab and the planner's elevator list (issue 17).
tests.push(...lifecircleTests({ api, openPage, rendered, shoot, check, PHONE, shots: SHOTS }));

const started = Date.now();
browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  // WebGL through SwiftShader (software), as a machine without a GPU has it.
  args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--no-sandbox', '--disable-dev-shm-usage'],
});
console.log(`chromium ${browser.version()} (${CHROMIUM}), server ${BASE}, screenshots in ${SHOTS}`);
const results = { passed: 0, failed: 0, skipped: 0 };
for (const [name, fn] of tests) {
  if (args.only && !name.includes(args.only)) continue;
  const t = { pages: [], errors: [], log: [], shots: [] };
  const t0 = Date.now();
  let outcome;
  try {
    await fn(t);
    if (t.errors.length) throw new Error(`the page reported ${t.errors.length} error(s)`);
    outcome = 'ok';
  } catch (err) {
    outcome = err instanceof Skip ? 'skip' : 'fail';
    if (outcome === 'skip') t.reason = err.message;
    else {
      // Playwright colours its call log; the test output is plain text.
      t.failure = (err.stack ?? String(err)).replace(/\x1b\[[0-9;]*m/g, '');
      // A screenshot of the page as it failed.
      const page = t.pages.findLast((p) => !p.isClosed());
      const path = join(SHOTS, `FAILED-${name.split(':')[0]}-${tests.findIndex(([n]) => n === name)}.png`);
      if (page && (await page.screenshot({ path }).then(() => true, () => false))) t.shots.push(path);
    }
  }
  for (const page of t.pages) await page.context().close().catch(() => {});
  const ms = Date.now() - t0;
  if (outcome === 'ok') { results.passed += 1; console.log(`ok       ${name} (${ms} ms)`); }
  if (outcome === 'skip') { results.skipped += 1; console.log(`SKIPPED: ${t.reason} — ${name}`); }
  if (outcome === 'fail') { results.failed += 1; console.log(`FAILED   ${name} (${ms} ms)\n  ${t.failure.replace(/\n/g, '\n  ')}`); }
  for (const line of t.log) console.log(`         ${line}`);
  for (const line of t.errors) console.log(`         ${line}`);
  for (const shot of t.shots) console.log(`         screenshot ${shot}`);
}
await browser.close();
console.log(`${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(results.failed ? 1 : 0);
