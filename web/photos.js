// Photos taken with the phone's camera or chosen from its gallery: at most three, each
// previewed with a button to remove it, sent as `photo` parts of a multipart form. The page
// checks the type and size the browser reports only to say so early; the server decides by
// the file's content and re-encodes it without its EXIF (where phones write the home's position).

import { html, render } from './util.js';
import { t, label } from './i18n.js';

export const MAX_PHOTOS = 3;
export const MAX_MB = 5;
const TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);

/**
 * A picker over an `<input type="file">`, drawing previews into `previews` and saying what
 * it refused with `say(text)`. `files()` is what is picked, in order.
 */
export function createPhotoPicker({ input, previews, say }) {
  let picked = []; // { file, url }
  input.addEventListener('change', () => {
    add([...input.files]);
    // The same file may be picked again after it was removed.
    input.value = '';
  });
  previews.addEventListener('click', (e) => {
    const button = e.target.closest('button[data-photo]');
    if (button) remove(Number(button.dataset.photo));
  });

  function add(files) {
    const refused = [];
    for (const file of files) {
      if (!TYPES.has(file.type)) refused.push(t('photoNotImage', file.name));
      else if (file.size > MAX_MB * 1024 * 1024) refused.push(t('photoTooBig', file.name, MAX_MB));
      else if (picked.length >= MAX_PHOTOS) { refused.push(t('photoTooMany', MAX_PHOTOS)); break; }
      else picked.push({ file, url: URL.createObjectURL(file) });
    }
    say(refused.join(' '));
    draw();
  }

  function remove(index) {
    const [gone] = picked.splice(index, 1);
    if (gone) URL.revokeObjectURL(gone.url);
    say('');
    draw();
    input.focus();
  }

  function draw() {
    render(previews, html`${picked.map((p, i) => html`<li><img src="${p.url}" alt="${t('photoPreview', i + 1)}">
      <button type="button" class="remove" data-photo="${i}" aria-label="${t('photoRemove', i + 1)}">×</button></li>`)}`);
    input.disabled = picked.length >= MAX_PHOTOS;
  }

  return {
    files: () => picked.map((p) => p.file),
    clear() {
      for (const p of picked) URL.revokeObjectURL(p.url);
      picked = [];
      say('');
      draw();
    },
    /** Redraws the previews' labels in the current language. */
    redraw: draw,
  };
}

/** A multipart body: `fields` as text parts (objects as their JSON), then each file as a `photo` part. */
export function multipart(fields, files, part = 'photo') {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, typeof value === 'string' ? value : JSON.stringify(value));
  for (const file of files) form.append(part, file, file.name);
  return form;
}

/** The photos of a case (`PublicPhoto`s), each a thumbnail linking to the full image, with
 * its stage's word; `extra(photo, i)` adds markup after each (the staff's moderation buttons). */
export function photoList(photos, extra = () => '') {
  if (!photos?.length) return html``;
  // A hidden photo (staff views only) is served only with the token, which an <img> does not
  // send: `loadPrivate` fetches it.
  return html`<ul class="photos">${photos.map((p, i) => html`<li data-photo="${p.id}">${p.hidden
    ? html`<img data-private="${p.thumb_url}" alt="${t('photoPreview', i + 1)}">`
    : html`<a href="${p.url}" target="_blank" rel="noopener" aria-label="${t('photoOpen', i + 1)}"><img src="${p.thumb_url}" alt="${t('photoPreview', i + 1)}" loading="lazy"></a>`}
    <small>${label('photo_stages', p.stage)}</small>${extra(p, i)}</li>`)}</ul>`;
}

/** Shows the hidden photos under `root` (`data-private`), fetched with `fetchBlob(url)`. */
export function loadPrivate(root, fetchBlob) {
  for (const img of root.querySelectorAll('img[data-private]')) {
    fetchBlob(img.dataset.private).then((blob) => {
      img.addEventListener('load', () => URL.revokeObjectURL(img.src), { once: true });
      img.src = URL.createObjectURL(blob);
    }, (err) => { img.title = err.message; });
  }
}
