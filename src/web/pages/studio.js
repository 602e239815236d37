// studio.js - the farmer studio's list page (/studio): "new session", now
// or scheduled. POST /api/v1/live makes it (its key and the key's QR code
// come back once: kept in this tab's sessionStorage for the session's
// page to show), then the cover picture (POST .../cover) and the shelf
// (PUT .../shelf/{sku}); then the session's own page.
import { api, upload, pageData } from '../lib/api.js';

const T = {
  zh: {
    title: '请填写直播标题。', planned: '预约开播请选择计划开播时间。', past: '计划开播时间已经过去了。',
    net: '网络不太稳定，请重试。', failed: '没能创建：', cover: '直播已创建，但封面没能上传：', busy: '正在创建…',
  },
  en: {
    title: 'Give the session a title.', planned: 'Choose the planned start for a scheduled session.',
    past: 'The planned start has already passed.', net: 'The network is unsteady. Please try again.',
    failed: 'Could not create it: ', cover: 'The session was made, but its cover could not be uploaded: ',
    busy: 'Creating…',
  },
};
const t = T[pageData().lang === 'en' ? 'en' : 'zh'];
const form = document.getElementById('new-session');
const err = document.getElementById('new-error');
const plannedField = document.getElementById('planned-field');

function later() { return form.querySelector('input[name=when]:checked').value === 'later'; }
function syncWhen() { plannedField.hidden = !later(); }
form.addEventListener('change', syncWhen);
syncWhen();

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  err.textContent = '';
  const title = form.title.value.trim();
  const body = { title };
  if (!title) { err.textContent = t.title; form.title.focus(); return; }
  if (later()) {
    const v = form.planned.value; // "2026-12-07T20:00", China's clock
    if (!v) { err.textContent = t.planned; form.planned.focus(); return; }
    body.planned_at = `${v.length === 16 ? v + ':00' : v}+08:00`;
    if (Date.parse(body.planned_at) < Date.now()) { err.textContent = t.past; form.planned.focus(); return; }
  }
  const btn = form.querySelector('button[type=submit]');
  const label = btn.textContent;
  btn.disabled = true;
  btn.textContent = t.busy;
  let live;
  try {
    live = await api('POST', '/api/v1/live', body);
  } catch (e) {
    err.textContent = e.status === 0 ? t.net : t.failed + e.message;
    btn.disabled = false;
    btn.textContent = label;
    return;
  }
  try {
    const { stream_key, qr_svg, srt_url, srt_qr_svg } = live;
    sessionStorage.setItem(`studio-key-${live.id}`, JSON.stringify({ stream_key, qr_svg, srt_url, srt_qr_svg }));
  } catch (e) { /* private mode: the page offers a new key */ }
  let problem = '';
  const file = form.cover.files[0];
  if (file) {
    try { await upload(`/api/v1/live/${live.id}/cover`, file); } catch (e) { problem = t.cover + e.message; }
  }
  for (const box of form.querySelectorAll('input[name=sku]:checked')) {
    try { await api('PUT', `/api/v1/live/${live.id}/shelf/${box.value}`, {}); } catch (e) { problem = problem || t.failed + e.message; }
  }
  if (problem) try { sessionStorage.setItem(`studio-note-${live.id}`, problem); } catch (e) { /* shown nowhere */ }
  location.assign(`/studio/${live.id}`);
});
