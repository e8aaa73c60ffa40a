// Moderation in the staff view (内容审核): a button on the case's description, on each photo
// and on each public reply, for the tokens the server lets moderate; it asks for the action
// (the server's `moderation_actions` words: hide, redact) and a reason, which the audit
// trail keeps. The case's moderation record lists who did what and why, with a revert button
// for the tokens the server lets revert (admins). Who may do either is what `/api/me` says
// the token's role may do (`moderate`, `unmoderate`).

import { $, html, render } from './util.js';
import { t, th, label, list, onLang } from './i18n.js';
import { when } from './report.js';

/**
 * `call(url, options)` asks the API with the token; `current()` is the open staff view,
 * `me()` the token (`/api/me`); `reopen()` shows the case again after a change.
 */
export function createModeration({ call, current, me, reopen }) {
  let target = null; // { target, id, what }

  $('staff-case-body').addEventListener('click', (e) => {
    const button = e.target.closest('button.moderate');
    if (button) ask({ target: button.dataset.target, id: button.dataset.id ? Number(button.dataset.id) : null, what: button.dataset.what });
    const revert = e.target.closest('button.revert');
    if (revert) undo(revert.dataset.moderation, revert);
  });
  $('moderation-form').addEventListener('submit', (e) => { e.preventDefault(); apply(); });
  $('moderation-cancel').addEventListener('click', () => hide());
  onLang(() => { if (target) drawForm(); });

  const allowed = (action) => (me()?.actions ?? []).some((a) => a.code === action);
  const mayModerate = () => allowed('moderate');
  const mayRevert = () => allowed('unmoderate');

  // The case's moderations (in the staff view's report), and those still in force.
  const all = () => current()?.report.moderations ?? [];
  const active = () => all().filter((m) => !m.reverted_at);
  /** Whether a piece of the case is hidden or redacted now. */
  function moderated(kind, id = null) {
    return active().some((m) => m.target === kind && (id == null || Number(m.target_id) === Number(id)));
  }

  /** The button on one piece of the case (markup), and its badge when it is hidden. */
  function button(kind, id, what) {
    const badge = moderated(kind, id) ? html` <span class="badge hidden-badge">${t('hiddenBadge')}</span>` : '';
    if (!mayModerate()) return badge;
    return html`${badge} <button type="button" class="moderate small" data-target="${kind}" data-id="${id ?? ''}" data-what="${what}"
      aria-label="${t('moderateLabel', what)}">${th('moderate')}</button>`;
  }

  /** The case's moderation record (markup). */
  function record() {
    if (!all().length) return html``;
    return html`<h3>${th('moderationTitle')}</h3><ol class="history moderations">${all().map((m) => html`<li data-moderation="${m.id}">
      <strong>${label('moderation_actions', m.action)}</strong> · ${label('moderation_targets', m.target)}${m.target_id != null ? ` #${m.target_id}` : ''}
      <br><small>${t('moderationBy', m.moderated_by, when(m.moderated_at))}</small>
      <span class="quote" translate="no">${m.reason}</span>${m.reverted_at
        ? html`<br><small>${t('moderationReverted', m.reverted_by, when(m.reverted_at))}</small>`
        : mayRevert() ? html` <button type="button" class="revert small" data-moderation="${m.id}">${t('revert')}</button>` : ''}</li>`)}</ol>`;
  }

  function ask(next) {
    target = next;
    $('moderation-reason').value = '';
    say('');
    drawForm();
    $('moderation-form').hidden = false;
    $('moderation-form').scrollIntoView({ block: 'nearest' });
    $('moderation-reason').focus();
  }
  function drawForm() {
    render($('moderation-title'), html`${t('moderateLabel', target.what)}`);
    const chosen = $('moderation-actions').querySelector('input:checked')?.value ?? list('moderation_actions')[0]?.code;
    render($('moderation-actions'), html`${list('moderation_actions').map((w) => html`<label class="choice"><input type="radio" name="moderation-action" value="${w.code}"${
      w.code === chosen ? html` checked` : ''}> ${label('moderation_actions', w.code)}</label>`)}`);
  }
  function hide() {
    target = null;
    $('moderation-form').hidden = true;
  }
  function say(text, ok = false) {
    $('moderation-message').textContent = text;
    $('moderation-message').className = ok ? 'ok' : 'error';
  }

  const casePath = () => `/api/reports/${encodeURIComponent(current().report.case_number)}/moderation`;

  async function apply() {
    const reason = $('moderation-reason').value.trim();
    if (!reason) { say(t('moderationReasonRequired')); $('moderation-reason').focus(); return; }
    const action = $('moderation-actions').querySelector('input:checked')?.value;
    const body = { target: target.target, action, reason };
    if (target.id != null) body.id = target.id;
    $('moderation-apply').disabled = true;
    try {
      await call(casePath(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      hide();
      await reopen();
    } catch (err) {
      say(err.message);
    } finally {
      $('moderation-apply').disabled = false;
    }
  }

  async function undo(id, element) {
    element.disabled = true;
    try {
      await call(`${casePath()}/${encodeURIComponent(id)}/revert`, { method: 'POST' });
      await reopen();
    } catch (err) {
      element.disabled = false;
      $('staff-case-message').textContent = err.message;
      $('staff-case-message').className = 'error';
    }
  }

  return { button, record, moderated, hide };
}
