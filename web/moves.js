// The moves on an open case (办理): one button per entry of the staff view's `actions` (what
// this token may do now), and the inputs those moves take: a public reply (公开答复, which the
// resident reads) beside the internal note, the unit for a dispatch or a reassignment, the
// date asked for in an extension, the original of a duplicate, after-photos with a resolution.

import { $, html, render } from './util.js';
import { t, label, list, choice } from './i18n.js';
import { createPhotoPicker } from './photos.js';

// What each action sends: a transition (`into`: the state that action's move leads into, by
// the vocabulary's states, so a failed verification goes back to where "start" leads and a
// sent-back case to where "accept" leads), or its own route. `note`: the API refuses it
// without one; `reply`: it carries a public reply (`'required'`: the API refuses it without
// one); `unit`, `until`, `original` (of a duplicate), `photos` (after-photos): the inputs it
// takes; `quiet`: a small button.
const MOVES = {
  accept: { into: 'accept', reply: true },
  reject: { into: 'reject', note: true, reply: 'required', quiet: true },
  mark_duplicate: { into: 'mark_duplicate', original: true, reply: true, quiet: true },
  dispatch: { into: 'dispatch', unit: true, reply: true },
  start: { into: 'start', reply: true },
  resolve: { into: 'resolve', reply: 'required', photos: true },
  verify: { into: 'verify', reply: true },
  reopen: { into: 'start', reply: true, quiet: true },
  close: { into: 'close', reply: true },
  return: { into: 'accept', note: true, reply: true, quiet: true },
  escalate: { path: 'escalate', reply: true, quiet: true },
  supervise: { path: 'supervise', note: true, quiet: true },
  reassign: { path: 'reassign', unit: true, note: true, quiet: true },
  request_extension: { path: 'extension', until: true, note: true, quiet: true },
  approve_extension: { path: 'extension/decision', approve: true },
  refuse_extension: { path: 'extension/decision', approve: false, note: true, quiet: true },
};
const stateAfter = (action) => list('states').find((s) => s.action === action)?.code;

const DAY_MS = 86_400_000;
// The calendar day (China time) of a Unix time, for a date input.
const day = (seconds) => new Date(seconds * 1000 + 8 * 3_600_000).toISOString().slice(0, 10);

/** The moves panel of the staff case. `post(path, body)` sends one move (it adds the state
 * and version the screen showed). */
export function createMoves({ post }) {
  $('move-buttons').addEventListener('click', (e) => {
    const button = e.target.closest('button.move');
    if (button) move(button.dataset.action);
  });
  const afterPhotos = createPhotoPicker({
    input: $('after-photo'), previews: $('after-photo-previews'), say: (text) => { $('after-photo-message').textContent = text; },
  });

  function refuse(text, input) {
    $('staff-case-message').textContent = text;
    $('staff-case-message').className = 'error';
    input.focus();
  }

  function move(action) {
    const spec = MOVES[action];
    const note = $('transition-note').value.trim();
    const reply = $('transition-reply').value.trim();
    if (spec.reply === 'required' && !reply) { refuse(t('replyRequired', label('actions', action)), $('transition-reply')); return; }
    if (spec.note && !note) { refuse(t('noteRequired', label('actions', action)), $('transition-note')); return; }
    const body = spec.into ? { to: stateAfter(spec.into) } : {};
    if (note) body.note = note;
    if (reply && spec.reply) body.reply = reply;
    if (spec.unit) body.unit = $('move-unit').value;
    if (spec.approve !== undefined) body.approve = spec.approve;
    if (spec.original) {
      const original = $('transition-duplicate-of').value.trim().toUpperCase();
      if (!original) { refuse(t('duplicateRequired', label('actions', action)), $('transition-duplicate-of')); return; }
      body.duplicate_of = original;
    }
    if (spec.until) {
      const until = $('move-until').value;
      if (!until) { refuse(t('untilRequired'), $('move-until')); return; }
      // The end of the chosen day, China time.
      body.until = `${until}T23:59:59+08:00`;
    }
    post(spec.path ?? 'transition', body, action, spec.photos ? afterPhotos.files() : []);
  }

  /** Draws the buttons and inputs for a staff view; `fresh` when another case was opened. */
  function show(found, fresh) {
    const r = found.report;
    const actions = found.actions.filter((a) => MOVES[a]);
    if (fresh) {
      $('transition-note').value = '';
      $('transition-reply').value = '';
      afterPhotos.clear();
      $('transition-duplicate-of').value = '';
      const due = r.due_at ?? r.deadline_at;
      $('move-until').value = due ? day(due + 7 * DAY_MS / 1000) : '';
    }
    const needs = (what) => actions.some((a) => MOVES[a][what]);
    $('duplicate-row').hidden = !needs('original');
    $('move-until-row').hidden = !needs('until');
    $('move-unit-row').hidden = !needs('unit');
    $('after-photo-row').hidden = !needs('photos');
    // Filled only when a move takes a unit: the names are data, not interface text.
    const select = $('move-unit');
    const chosen = fresh ? found.unit?.id ?? '' : select.value;
    select.replaceChildren(...(needs('unit') ? found.unit_choices : []).map((u) =>
      new Option(`${u.name} · ${choice('unit_kinds', u.kind)}`, u.id)));
    select.value = found.unit_choices.some((u) => u.id === chosen) ? chosen : found.unit?.id ?? found.unit_choices[0]?.id ?? '';
    render($('move-buttons'), actions.length
      ? html`${actions.map((a) => html`<button type="button" class="move ${MOVES[a].quiet ? 'small' : 'primary'}" data-action="${a}">${
        a === 'escalate' && found.escalates_to ? t('escalate', label('actions', a), label('tiers', found.escalates_to)) : label('actions', a)}</button>`)}`
      : html`<p class="meta">${found.next_states.length ? t('noMoves') : t('finalState')}</p>`);
  }

  return {
    show,
    /** After a move went through: the inputs are spent. */
    done() {
      $('transition-note').value = '';
      $('transition-reply').value = '';
      afterPhotos.clear();
    },
    redraw: () => afterPhotos.redraw(),
  };
}
