// Browser test of closing the loop with the resident (issue 16), all at 375×812 as on a
// phone: a resident files a report with a photo taken "with the camera" and gets a follow-up
// link; staff accept and dispatch with public replies, a handler resolves with a reply and an
// after-photo; the resident opens the link, sees the replies and both photos, comments, rates
// 不满意, which reopens the case (重办); the handler resolves again, the resident rates 满意,
// and the supervisor verifies and closes. A supervisor hides a photo (the public loses it),
// and an admin reverts that. run.mjs imports this file and runs its tests after its own.

import { deflateSync, crc32 } from 'node:zlib';

// A small RGB PNG of one colour with a stripe, made here (no file in the repository): real
// image data for the server to decode and re-encode.
export function png(width, height, [r, g, b]) {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, no filter, no interlace
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3); // filter byte 0, then pixels
    for (let x = 0; x < width; x++) {
      const stripe = Math.abs(x - y) < 4;
      row.set(stripe ? [255 - r, 255 - g, 255 - b] : [r, g, b], 1 + x * 3);
    }
    rows.push(row);
  }
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * The tests, as `[name, fn]` pairs for run.mjs's loop. `h` holds run.mjs's helpers: `api`,
 * `openPage`, `shoot`, `check`, `until`, `aBuilding`, `expectCard`, `state`, `args`, `PHONE`.
 */
export function followupTests(h) {
  const { api, openPage, shoot, check, until, aBuilding, expectCard, state, args, PHONE } = h;
  const admin = (path, options = {}) => api(path, { ...options, headers: { authorization: `Bearer ${args.token}`, ...(options.headers ?? {}) } });
  const loop = {}; // what the first test leaves for the next: case, follow link, tokens

  // A staff page at the case, signed in with `secret` (kept in the tab as the sign-in form keeps it).
  async function staffPage(t, secret, caseNumber) {
    const page = await openPage(t, { viewport: PHONE, hash: `#staff?case=${caseNumber}`, session: { 'minsheng.token': secret } });
    await page.waitForFunction((n) => document.getElementById('staff-case-title')?.textContent.includes(n) && !document.getElementById('staff-case').hidden,
      caseNumber, { polling: 100 });
    return page;
  }

  // Clicks an action's button with a reply and note (and after-photos), and waits for the move
  // in the API and on the page.
  async function act(page, caseNumber, action, { reply, photos = [] } = {}, done = () => true) {
    const before = (await admin(`/api/reports/${caseNumber}`)).report.version;
    const button = page.locator(`#move-buttons button.move[data-action="${action}"]`);
    await button.waitFor({ state: 'visible' });
    if (reply) await page.fill('#transition-reply', reply);
    await page.fill('#transition-note', `内部备注：${action}（浏览器测试）`);
    if (photos.length) {
      await page.locator('#after-photo-row').waitFor({ state: 'visible' });
      await page.setInputFiles('#after-photo', photos);
      await page.locator('#after-photo-previews li').nth(photos.length - 1).waitFor();
    }
    await button.click();
    let moved;
    await until(async () => (moved = (await admin(`/api/reports/${caseNumber}`)).report).version > before && moved.state !== undefined && done(moved),
      `${action} did not do its move`);
    await page.waitForFunction(() => document.getElementById('staff-case-message').className === 'ok', null, { polling: 100 })
      .catch(async () => { throw new Error(`${action}: the page says ${await page.locator('#staff-case-message').innerText()}`); });
    return moved;
  }
  const into = (wanted) => (r) => r.state === wanted;

  // The resident's follow-up page, waiting until it shows the case in `state`.
  async function followPage(t, stateWanted) {
    const page = await openPage(t, { viewport: PHONE, hash: loop.hash });
    await page.locator('#follow').waitFor({ state: 'visible' });
    const label = (await api('/api/vocabulary')).states.find((s) => s.code === stateWanted).label_zh;
    await page.waitForFunction((l) => document.querySelector('#follow-body .state')?.textContent.includes(l), label, { polling: 100 })
      .catch(async () => { throw new Error(`the follow-up page does not show ${stateWanted}: ${await page.locator('#follow').innerText()}`); });
    return page;
  }

  async function rate(page, rating, comment) {
    await page.locator('#follow-rate-form').waitFor({ state: 'visible' });
    await page.locator(`#follow-ratings input[value="${rating}"]`).check();
    await page.fill('#follow-rate-comment', comment);
    await page.click('#follow-rate-submit');
  }

  return [
    ['follow-up: a resident files with a photo at 375 px and gets a private follow-up link', async (t) => {
      check(args.token, 'no admin token: pass --token or MINSHENG_TOKEN');
      const { lon, lat, located } = state.building ?? (state.building = await aBuilding());
      const page = await openPage(t, { viewport: PHONE, geolocation: { longitude: lon, latitude: lat, accuracy: 5 } });
      await page.click('#where-am-i');
      await expectCard(page, located);
      await page.click('#report-open');
      await page.locator('#report-form').waitFor({ state: 'visible' });
      // The form takes photos from the camera (or the gallery): capture and accept say so.
      const input = page.locator('#report-photo');
      check(await input.getAttribute('capture') === 'environment' && /image/.test(await input.getAttribute('accept')) && await input.evaluate((el) => el.multiple),
        'the photo input does not offer the camera with several images');
      await page.selectOption('#report-category', 'sanitation');
      await page.fill('#report-description', '垃圾堆在楼道口三天没人清理（跟进测试）');
      await page.fill('#report-name', '跟进居民');
      await page.fill('#report-phone', '13900000000');
      await page.check('#report-notify');
      // Two photos picked, one removed: the preview list follows.
      await page.setInputFiles('#report-photo', [
        { name: 'before.png', mimeType: 'image/png', buffer: png(64, 48, [200, 80, 40]) },
        { name: 'other.png', mimeType: 'image/png', buffer: png(32, 32, [40, 80, 200]) },
      ]);
      await page.locator('#report-photo-previews li').nth(1).waitFor();
      await page.locator('#report-photo-previews li').nth(1).locator('button.remove').click();
      await until(async () => (await page.locator('#report-photo-previews li').count()) === 1, 'removing a photo leaves two previews');
      await page.click('#report-submit');
      // The duplicate pre-check may find another test's open case nearby: file anyway.
      const result = page.locator('#report-result');
      const offered = page.locator('#report-duplicates .me-too').first();
      await until(async () => (await result.isVisible()) || (await offered.isVisible()), 'sending the form neither filed it nor offered a duplicate');
      if (!(await result.isVisible())) await page.click('#report-submit');
      await page.locator('#report-follow').waitFor({ state: 'visible' });
      const caseNumber = (await page.locator('#report-case').innerText()).trim();
      const link = await page.locator('#report-follow-url').inputValue();
      check(/^MS\d{8}$/.test(caseNumber), `the case number shown is "${caseNumber}"`);
      check(link.startsWith('http') && /\/#follow=[A-Za-z0-9_-]{16,}$/.test(link), `the follow-up link is "${link}"`);
      check(await page.locator('#report-follow-open').getAttribute('href') === link, 'the open link is not the follow-up link');
      // The device keeps it, and the track box offers it.
      const kept = await page.evaluate(() => localStorage.getItem('minsheng.follows'));
      check(kept?.includes(caseNumber) && kept.includes(link.split('#follow=')[1]), `the link is not kept on the device: ${kept}`);
      check(await page.locator(`#my-follows a[href="#follow=${link.split('#follow=')[1]}"]`).count() === 1, 'the track box does not offer the follow-up link');
      t.shots.push(await shoot(page, 'follow-filed-phone'));

      // What the server stored: one before-photo, the consent, and no name in public.
      const staffView = await admin(`/api/reports/${caseNumber}`);
      const publicView = await api(`/api/reports/${caseNumber}`);
      check(publicView.report.photos?.length === 1 && publicView.report.photos[0].stage === 'before', `the case has photos ${JSON.stringify(publicView.report.photos)}`);
      check(staffView.report.notify === true, `the consent was not stored: notify ${staffView.report.notify}`);
      check(!JSON.stringify(publicView).includes('13900000000') && !JSON.stringify(publicView).includes('跟进居民'), 'the public view shows the reporter');
      Object.assign(loop, { caseNumber, link, hash: `#follow=${link.split('#follow=')[1]}`, secret: link.split('#follow=')[1] });
      t.log.push(`case ${caseNumber}`);
    }],

    ['follow-up: staff reply, dispatch and resolve with an after-photo, at 375 px', async (t) => {
      check(loop.caseNumber, 'the filing test did not run');
      const { caseNumber } = loop;
      const filed = (await admin(`/api/reports/${caseNumber}`)).report;
      const token = async (role, scope, name) => (await admin('/api/tokens', { method: 'POST', body: JSON.stringify({ role, ...scope, label: name }) })).secret;
      loop.dispatcher = await token('dispatcher', { community: filed.community_id }, '跟进派遣员');
      loop.supervisor = await token('supervisor', { street: filed.street_id }, '跟进督办员');

      const dispatcher = await staffPage(t, loop.dispatcher, caseNumber);
      // Rejecting needs a public reply: the page says so and sends nothing.
      const reject = dispatcher.locator('#move-buttons button.move[data-action="reject"]');
      if (await reject.count()) {
        await dispatcher.fill('#transition-note', '测试');
        await reject.click();
        await dispatcher.waitForFunction(() => /答复/.test(document.getElementById('staff-case-message').textContent), null, { polling: 100 })
          .catch(() => { throw new Error('a rejection without a reply is not refused by the page'); });
        check((await admin(`/api/reports/${caseNumber}`)).report.state === filed.state, 'a rejection without a reply moved the case');
      }
      await act(dispatcher, caseNumber, 'accept', { reply: '您好，已受理，将安排物业清理。' }, into('accepted'));
      await act(dispatcher, caseNumber, 'dispatch', { reply: '已派物业保洁处理。' }, into('dispatched'));
      const unit = (await admin(`/api/reports/${caseNumber}`)).report.unit_id;
      loop.handler = await token('handler', { unit }, '跟进处置人员');

      const handler = await staffPage(t, loop.handler, caseNumber);
      await act(handler, caseNumber, 'start', {}, into('in_progress'));
      // Resolving needs a reply; the after-photo goes up with it.
      await act(handler, caseNumber, 'resolve', {
        reply: '楼道口垃圾已清运完毕。',
        photos: [{ name: 'after.png', mimeType: 'image/png', buffer: png(64, 48, [40, 160, 60]) }],
      }, into('resolved'));
      const { report } = await api(`/api/reports/${caseNumber}`);
      const stages = (report.photos ?? []).map((p) => p.stage).sort();
      check(JSON.stringify(stages) === '["after","before"]', `the case's photos are ${JSON.stringify(stages)}, not before and after`);
      t.shots.push(await shoot(handler, 'follow-staff-resolved-phone'));
    }],

    ['follow-up: the resident sees the replies and both photos, comments, rates 不满意 and the case is reopened', async (t) => {
      check(loop.handler, 'the staff test did not run');
      const { caseNumber } = loop;
      const page = await followPage(t, 'resolved');
      const text = await page.locator('#follow').innerText();
      for (const reply of ['您好，已受理，将安排物业清理。', '已派物业保洁处理。', '楼道口垃圾已清运完毕。']) {
        check(text.includes(reply), `the follow-up page lacks the reply "${reply}"`);
      }
      check(!text.includes('内部备注'), 'the follow-up page shows an internal note');
      check(text.includes('跟进居民') && text.includes('13900000000'), 'the follow-up page does not show the reporter their own contact');
      // Both photos, their thumbnails really loaded.
      await page.waitForFunction(() => {
        const images = [...document.querySelectorAll('#follow .photos img')];
        return images.length === 2 && images.every((img) => img.complete && img.naturalWidth > 0);
      }, null, { polling: 100 }).catch(async () => {
        throw new Error(`the follow-up page does not show two loaded photos: ${await page.locator('#follow .photos').innerHTML().catch(() => 'no list')}`);
      });
      // A comment.
      await page.fill('#follow-comment', '谢谢，但楼梯上还有一些。');
      await page.click('#follow-comment-submit');
      await page.waitForFunction(() => document.getElementById('follow-timeline').textContent.includes('楼梯上还有一些'), null, { polling: 100 });
      // 不满意: the case goes back to work, with a new deadline and a reopen count.
      const before = (await admin(`/api/reports/${caseNumber}`)).report;
      await rate(page, 'unsatisfied', '楼梯上的垃圾还没清。');
      let after;
      await until(async () => (after = (await admin(`/api/reports/${caseNumber}`)).report).state === 'in_progress', 'an unsatisfied rating did not reopen the case');
      check(after.reopened === (before.reopened ?? 0) + 1, `the reopen count is ${after.reopened}, was ${before.reopened}`);
      check(after.deadline_at > Math.floor(Date.now() / 1000), `the new deadline ${after.deadline_at} is not in the future`);
      await page.locator('#follow-reopened').waitFor({ state: 'visible' });
      check(await page.locator('#follow-rate-form').isHidden(), 'the rating form stays after the case was reopened');
      t.shots.push(await shoot(page, 'follow-reopened-phone'));
    }],

    ['follow-up: resolved again, rated 满意, verified and closed; a supervisor hides a photo and an admin reverts it', async (t) => {
      check(loop.handler, 'the staff test did not run');
      const { caseNumber } = loop;
      const handler = await staffPage(t, loop.handler, caseNumber);
      await act(handler, caseNumber, 'resolve', { reply: '楼梯上的垃圾也已清理。' }, into('resolved'));

      const resident = await followPage(t, 'resolved');
      await rate(resident, 'satisfied', '这次干净了，谢谢。');
      await until(async () => (await admin(`/api/reports/${caseNumber}`)).report.rating === 'satisfied', 'the satisfied rating was not stored');
      await resident.locator('#follow-rated').waitFor({ state: 'visible' });
      t.shots.push(await shoot(resident, 'follow-rated-phone'));

      // The supervisor hides the before-photo with a reason.
      const supervisor = await staffPage(t, loop.supervisor, caseNumber);
      const before = (await api(`/api/reports/${caseNumber}`)).report.photos.find((p) => p.stage === 'before');
      const hide = supervisor.locator(`#staff-case-body li[data-photo="${before.id}"] button.moderate`);
      await hide.click();
      await supervisor.locator('#moderation-form').waitFor({ state: 'visible' });
      await supervisor.locator('#moderation-actions input[value="hide"]').check();
      await supervisor.fill('#moderation-reason', '照片拍到了邻居的面孔');
      await supervisor.click('#moderation-apply');
      await until(async () => !(await api(`/api/reports/${caseNumber}`)).report.photos.some((p) => p.id === before.id), 'the hidden photo is still public');
      const served = await fetch(`${args.url.replace(/\/$/, '')}/api/photos/${before.id}`);
      check(served.status === 404, `the hidden photo is served to the public with ${served.status}`);
      await supervisor.locator(`#staff-case-body li[data-photo="${before.id}"] .hidden-badge`).waitFor();

      await act(supervisor, caseNumber, 'verify', {}, into('verified'));
      await act(supervisor, caseNumber, 'close', { reply: '已办结，感谢您的反馈。' }, into('closed'));

      // An admin reverts the hiding: the photo is public again.
      const adminPage = await staffPage(t, args.token, caseNumber);
      await adminPage.locator('#staff-case-body .moderations button.revert').first().click();
      await until(async () => (await api(`/api/reports/${caseNumber}`)).report.photos.some((p) => p.id === before.id), 'the reverted photo is not public again');

      // The resident sees the case finished, with no rating form.
      await resident.reload();
      await resident.locator('#follow').waitFor({ state: 'visible' });
      const closed = (await api('/api/vocabulary')).states.find((s) => s.code === 'closed').label_zh;
      await resident.waitForFunction((l) => document.querySelector('#follow-body .state')?.textContent.includes(l), closed, { polling: 100 });
      check(await resident.locator('#follow-rate-form').isHidden() && await resident.locator('#follow-comment-form').isHidden(), 'a closed case still offers rating or comments');
      const { history } = await admin(`/api/reports/${caseNumber}`);
      t.log.push(`closed; ${history.length} events: ${history.map((e) => e.action).join(', ')}`);
      t.shots.push(await shoot(resident, 'follow-closed-phone'));

      // In English, the view's own words are English: only the data (marked translate="no") is Chinese.
      await resident.click('#lang-toggle');
      const chinese = await resident.evaluate(() => {
        const cjk = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;
        const found = [];
        const walker = document.createTreeWalker(document.getElementById('follow'), NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
          const el = walker.currentNode.parentElement;
          if (el.closest('[translate="no"]') || !el.checkVisibility()) continue;
          if (cjk.test(walker.currentNode.textContent)) found.push(walker.currentNode.textContent.trim().slice(0, 60));
        }
        return found;
      });
      check(chinese.length === 0, `the English follow-up view has Chinese: ${JSON.stringify(chinese)}`);
    }],
  ];
}
