// The reporter's follow-up (`/#follow=<secret>`): their own case with the name and phone they
// gave, its photos, the public updates with the staff's replies, a comment box, and once the
// case is resolved the rating (满意 / 基本满意 / 不满意, the server's `ratings` words); an
// unsatisfied rating sends the case back (重办), which the view then shows. The secret is the
// only key: it stays in the address's fragment (never sent in a Referer) and in this browser.

import { $, html, render, getJSON } from './util.js';
import { t, th, label, list, word, onLang } from './i18n.js';
import { when, saveFollow, FOLLOW_SECRET as SECRET } from './report.js';
import { photoList } from './photos.js';

const MAX_COMMENT = 1000;

/** Sets up the view; `changed()` tells the page the address should change. */
export function createFollow({ changed }) {
  let secret = '';
  let shown = null; // the last answer
  let notice = ''; // what the last action did

  $('follow-close').addEventListener('click', () => close());
  $('follow-comment-form').addEventListener('submit', (e) => { e.preventDefault(); comment(); });
  $('follow-rate-form').addEventListener('submit', (e) => { e.preventDefault(); rate(); });
  onLang(() => { if (shown) draw(shown); });

  const path = (tail = '') => `/api/follow/${encodeURIComponent(secret)}${tail}`;

  async function open(next) {
    secret = String(next ?? '').trim();
    $('follow').hidden = false;
    notice = '';
    changed();
    if (!SECRET.test(secret)) { fail(t('followNotFound')); return; }
    render($('follow-body'), html`<p class="meta">${t('followLoading')}</p>`);
    await load();
    $('follow').focus();
  }

  async function load() {
    try {
      show(await getJSON(path()));
    } catch (err) {
      shown = null;
      fail(err.status === 404 ? t('followNotFound') : err.message);
    }
  }

  function show(body) {
    shown = body;
    saveFollow(caseOf(body).case_number, secret);
    draw(body);
  }

  function fail(text) {
    render($('follow-body'), html`<p class="error">${text}</p>`);
    $('follow-comment-form').hidden = true;
    $('follow-rate-form').hidden = true;
  }

  // The answer (`FollowCase`): the public report, the reporter's own contact and consent,
  // the rating, what they may do now, and the public history.
  const caseOf = (body) => body.report;
  const historyOf = (body) => body.history ?? [];

  function draw(body) {
    const r = caseOf(body);
    const history = historyOf(body);
    // Times it went back to work (重办).
    const reopened = body.reopened ?? 0;
    const contact = [body.reporter_name, body.reporter_phone].filter(Boolean);
    const { notify, rating } = body;
    // Still going: its state has a way on (not closed, rejected or a duplicate).
    const going = (word('states', r.state)?.next_states.length ?? 0) > 0;
    render($('follow-body'), html`<h3 class="case-number">${r.case_number}</h3>
      <dl class="facts">
        <dt>${t('caseState')}</dt><dd><strong class="state state-${r.status}">${label('states', r.state)}</strong></dd>
        <dt>${t('caseCategory')}</dt><dd>${label('categories', r.category)}</dd>
        <dt>${t('caseFiled')}</dt><dd>${when(r.created_at)}</dd>
        ${r.deadline_at && going ? html`<dt>${t('caseDeadline')}</dt><dd>${when(r.deadline_at)}</dd>` : ''}
        ${reopened ? html`<dt>${t('reopenedTimes')}</dt><dd>${reopened}</dd>` : ''}
      </dl>
      ${reopened && going ? html`<p class="warning" id="follow-reopened">${t('reopenedNotice', reopened, when(r.deadline_at))}</p>` : ''}
      ${rating && rating !== 'unrated' ? html`<p class="ok" id="follow-rated">${t('rated', label('ratings', rating))}</p>` : ''}
      ${contact.length ? html`<p class="meta">${t('followYou')}<br><span translate="no">${contact.join(' · ')}</span>${
        notify != null ? html` · ${t(notify ? 'notifyOn' : 'notifyOff')}` : ''}</p>` : ''}
      <p class="quote" translate="no">${r.description}</p>
      ${r.photos?.length ? html`<h4>${th('followPhotos')}</h4>${photoList(r.photos)}` : ''}
      <h4>${th('followUpdates')}</h4>
      <ol class="timeline" id="follow-timeline">${history.map((e) => html`<li data-action="${e.action}">
        <time>${when(e.at)}</time> <strong>${label('actions', e.action)}</strong>${e.to_state ? html` → ${label('states', e.to_state)}` : ''}${
        e.rating ? html` · ${label('ratings', e.rating)}` : ''}${
        e.reply ? html`<p class="reply quote" translate="no">${e.reply}</p>` : ''}</li>`)}</ol>
      ${notice ? html`<p class="ok" role="status">${notice}</p>` : ''}
      ${going ? '' : html`<p class="meta">${t('followFinal')}</p>`}`);
    $('follow-comment-form').hidden = !(body.may_comment ?? going);
    const mayRate = Boolean(body.may_rate);
    $('follow-rate-form').hidden = !mayRate;
    if (mayRate) drawRatings();
  }

  // The choices a resident has: every rating but "unrated", which only the server records.
  function drawRatings() {
    const chosen = $('follow-rate-form').querySelector('input:checked')?.value;
    render($('follow-ratings'), html`${list('ratings').filter((w) => w.code !== 'unrated').map((w) =>
      html`<label class="choice"><input type="radio" name="follow-rating" value="${w.code}"${w.code === chosen ? html` checked` : ''}> ${label('ratings', w.code)}</label>`)}`);
  }

  function say(id, text, ok = false) {
    $(id).textContent = text;
    $(id).className = ok ? 'ok' : 'error';
  }

  async function comment() {
    const text = $('follow-comment').value.trim();
    if (!text) { say('follow-comment-message', t('commentEmpty')); $('follow-comment').focus(); return; }
    await send('/comment', { comment: text.slice(0, MAX_COMMENT) }, 'follow-comment-message', t('commentSent'), () => { $('follow-comment').value = ''; });
  }

  async function rate() {
    const rating = $('follow-rate-form').querySelector('input:checked')?.value;
    if (!rating) { say('follow-rate-message', t('rateChoose')); return; }
    const body = { rating };
    const text = $('follow-rate-comment').value.trim();
    if (text) body.comment = text.slice(0, MAX_COMMENT);
    await send('/rating', body, 'follow-rate-message', t('rated', label('ratings', rating)), () => { $('follow-rate-comment').value = ''; });
  }

  // Sends a comment or a rating; the answer is the case as it is now.
  async function send(tail, body, messageId, done, after) {
    const form = $(messageId).closest('form');
    const buttons = form.querySelectorAll('button');
    for (const b of buttons) b.disabled = true;
    $(messageId).textContent = '';
    try {
      const answer = await getJSON(path(tail), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      after();
      notice = done;
      show(answer);
    } catch (err) {
      say(messageId, err.status === 429 ? t('rateLimited') : err.message);
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  }

  function close() {
    secret = '';
    shown = null;
    $('follow').hidden = true;
    changed();
  }

  return {
    open,
    close,
    /** The secret on screen, for the address ('' when the view is closed). */
    secret: () => secret,
  };
}
