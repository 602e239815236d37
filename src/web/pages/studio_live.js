// studio_live.js - one session in the farmer studio (/studio/{id}): the
// key and its QR code, the preview and the stream's health, the shelf's
// pins, a flash sale, the live counters, chat moderation, the end, the
// report and the replay. Writes go through the API (its role checks);
// the room's events (SSE on /api/v1/live/{id}/events) keep it current.
import { api, pageData, yuan } from '../lib/api.js';
import { attachPlayer } from '../lib/player.js';

const D = pageData();
const en = D.lang === 'en';
const T = en ? {
  copied: 'Copied', sureKey: 'Make a new key? The old one will not start a push any more.',
  sureEnd: 'End the session now? Viewers will see it has ended.', net: 'The network is unsteady. Please try again.',
  failed: 'Could not do it: ', pushing: 'Pushing', reconnecting: 'Reconnecting…', waiting: 'Waiting for the push',
  ended: 'Ended', unreachable: 'Relay not answering', startsIn: (s) => `Flash sale opens in ${s} s`,
  open: (n) => `Flash sale on: ${n} left`, soldOut: 'Sold out', flashEnded: (n) => `Flash sale over: ${n} sold`,
  price: 'Enter the price in yuan, e.g. 19.90.', del: 'Delete', mute: 'Mute', muted: 'Muted',
  pin: 'Pin', unpin: 'Unpin', now: 'Presenting', stock: 'stock',
  rOrders: 'Orders', rUnits: 'Units', rRevenue: 'Revenue', rPeak: 'Peak viewers', rLikes: 'Likes', rDuration: 'Time live',
  noReplay: 'The replay is being prepared…', pLoading: 'Loading the stream…', pReconnecting: 'Reconnecting…',
  pStopped: 'No picture yet', pOff: 'The preview starts when you go live', live: 'Live', idle: 'Paused', created: 'Coming up',
} : {
  copied: '已复制', sureKey: '确定换新密钥吗？旧密钥将不能再开始推流。', sureEnd: '确定现在结束直播吗？',
  net: '网络不太稳定，请重试。', failed: '操作失败：', pushing: '推流中', reconnecting: '重连中…', waiting: '等待推流',
  ended: '已结束', unreachable: '流媒体服务器无响应', startsIn: (s) => `秒杀 ${s} 秒后开始`,
  open: (n) => `秒杀进行中，剩 ${n} 件`, soldOut: '已抢光', flashEnded: (n) => `秒杀结束，共售出 ${n} 件`,
  price: '请填写秒杀价，例如 19.90。', del: '删除', mute: '禁言', muted: '已禁言',
  pin: '讲解', unpin: '取消讲解', now: '讲解中', stock: '库存',
  rOrders: '订单', rUnits: '件数', rRevenue: '成交额', rPeak: '最高在看', rLikes: '点赞', rDuration: '直播时长',
  noReplay: '回放正在生成…', pLoading: '正在加载直播画面…', pReconnecting: '画面重连中…',
  pStopped: '暂无画面', pOff: '开播后这里显示买家看到的画面', live: '直播中', idle: '暂停中', created: '即将开播',
};
const $ = (id) => document.getElementById(id);
const base = `/api/v1/live/${D.id}`;
let status = D.status;

function say(el, text) { if (el) el.textContent = text; }
function failText(e) { return e.status === 0 ? T.net : T.failed + e.message; }
function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined) n.textContent = text;
  return n;
}

// ---- the key and its QR code ----
function showQr(box, img, svg) {
  if (!svg || !$(box)) return;
  $(img).src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
  $(box).hidden = false;
}
// k: the key's answer (stream_key, qr_svg; srt_url and srt_qr_svg when the
// relay takes SRT)
function showKey(k) {
  if (!$('stream-key')) return;
  $('stream-key').value = k.stream_key;
  showQr('qr', 'qr-img', k.qr_svg);
  if ($('srt-url') && k.srt_url) {
    $('srt-url').value = k.srt_url;
    showQr('srt-qr', 'srt-qr-img', k.srt_qr_svg);
  }
}
try {
  const kept = sessionStorage.getItem(`studio-key-${D.id}`);
  if (kept && D.key_visible) {
    showKey(JSON.parse(kept));
  }
  sessionStorage.removeItem(`studio-key-${D.id}`); // shown once
  const note = sessionStorage.getItem(`studio-note-${D.id}`);
  if (note) { say($('shelf-note'), note); sessionStorage.removeItem(`studio-note-${D.id}`); }
} catch (e) { /* no sessionStorage */ }

document.addEventListener('click', async (ev) => {
  const copy = ev.target.closest('[data-copy]');
  if (copy) {
    const input = $(copy.dataset.copy);
    try { await navigator.clipboard.writeText(input.value); } catch (e) { input.select(); document.execCommand('copy'); }
    const was = copy.textContent;
    copy.textContent = T.copied;
    setTimeout(() => { copy.textContent = was; }, 1500);
  }
});
if ($('new-key')) $('new-key').addEventListener('click', async () => {
  if (!window.confirm(T.sureKey)) return;
  $('new-key').disabled = true;
  try {
    showKey(await api('POST', `${base}/key`));
  } catch (e) { say($('key-note'), failText(e)); }
  $('new-key').disabled = false;
});

// ---- preview and health ----
const onAir = () => status === 'live' || status === 'idle';
// The preview: the stream as buyers see it, through the shop's one player
// (lib/player.js: hls.js, native HLS or HTTP-FLV, recovering by itself),
// while the session is on air; the relay's latest thumbnail as its poster
// until the picture plays.
const video = $('preview-video');
let player = null;
function playerState(s) {
  say($('preview-state'), s === 'playing' ? '' : s === 'reconnecting' ? T.pReconnecting : s === 'stopped' ? T.pStopped : T.pLoading);
}
function startPlayer() {
  if (player || !onAir() || !D.live) return;
  player = attachPlayer(video, { hls: D.live.hls_url, flv: D.live.flv_url, onState: playerState });
  playerState(player.state);
}
function stopPlayer() {
  if (player) player.destroy();
  player = null;
  say($('preview-state'), status === 'ended' ? '' : T.pOff);
}
function refreshPreview() {
  if (!onAir() || !D.thumbnail_url || (player && player.state === 'playing')) return;
  const next = new Image();
  next.onload = () => { video.poster = next.src; };
  next.src = `${D.thumbnail_url}?t=${Date.now()}`;
}
if (onAir()) startPlayer(); else stopPlayer();

async function refreshHealth() {
  if (status === 'ended') {
    say($('h-state'), T.ended);
    ['h-bitrate', 'h-fps', 'h-res'].forEach((k) => say($(k), '—'));
    return;
  }
  try {
    const h = await api('GET', `${base}/health`);
    status = h.status;
    if (onAir()) startPlayer();
    say($('h-state'), h.relay !== 'ok' ? T.unreachable : h.publishing ? T.pushing : h.reconnecting ? T.reconnecting : T.waiting);
    say($('h-bitrate'), h.bitrate_kbps == null ? '—' : `${Math.round(h.bitrate_kbps)} kbps`);
    say($('h-fps'), h.fps == null ? '—' : `${Math.round(h.fps * 10) / 10}`);
    say($('h-res'), h.width ? `${h.width}×${h.height}` : '—');
  } catch (e) { /* the next pass tries again */ }
}
refreshPreview();
refreshHealth();
setInterval(refreshPreview, 4000);
setInterval(refreshHealth, 3000);

// ---- the shelf ----
function drawShelf(items) {
  const list = $('shelf');
  list.textContent = '';
  for (const it of items) {
    const li = el('li', 'st-item' + (it.pinned ? ' pinned' : ''));
    li.dataset.sku = it.sku_id;
    li.append(el('span', 'st-no', String(it.number)));
    const text = el('span', 'st-text');
    text.append(el('strong', '', en && it.name_en ? it.name_en : it.name), ' ', el('small', 'muted', it.spec), el('br'),
      `${yuan(it.live_price_fen == null ? it.price_fen : it.live_price_fen)} · ${T.stock} ${it.stock}`);
    if (it.pinned) text.append(' ', el('span', 'badge-now', T.now));
    li.append(text);
    if (status !== 'ended') {
      const b = el('button', `btn btn-small ${it.pinned ? 'btn-outline unpin' : 'btn-primary pin'}`, it.pinned ? T.unpin : T.pin);
      b.type = 'button';
      b.dataset.pin = it.sku_id;
      li.append(b);
    }
    list.append(li);
  }
}
async function reloadShelf() {
  try { drawShelf((await api('GET', `${base}/shelf`)).items); } catch (e) { /* the next event tries again */ }
}
$('shelf').addEventListener('click', async (ev) => {
  const b = ev.target.closest('[data-pin]');
  if (!b) return;
  b.disabled = true;
  try {
    if (b.classList.contains('unpin')) await api('DELETE', `${base}/pin`);
    else await api('POST', `${base}/pin`, { sku_id: Number(b.dataset.pin) });
    say($('shelf-note'), '');
    await reloadShelf();
  } catch (e) { say($('shelf-note'), failText(e)); b.disabled = false; }
});

// ---- flash sale ----
let countdown = null;
function tick(opensAt) {
  clearInterval(countdown);
  const draw = () => {
    const s = Math.max(0, Math.ceil((opensAt - Date.now()) / 1000));
    say($('flash-state'), T.startsIn(s));
    if (s <= 0) clearInterval(countdown);
  };
  draw();
  countdown = setInterval(draw, 250);
}
if ($('flash')) $('flash').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const err = $('flash-error');
  say(err, '');
  const m = /^\s*(\d+)(?:\.(\d{1,2}))?\s*$/.exec($('flash-price').value);
  if (!m) { say(err, T.price); $('flash-price').focus(); return; }
  const body = {
    sku_id: Number($('flash-sku').value), price_fen: Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0')),
    quantity: Number($('flash-units').value), per_buyer_limit: Number($('flash-limit').value || 1),
    countdown_s: Number($('flash-countdown').value || 30),
  };
  const btn = $('flash').querySelector('button[type=submit]');
  btn.disabled = true;
  try {
    await api('POST', `${base}/flash-sales`, body);
    tick(Date.now() + body.countdown_s * 1000);
  } catch (e) { say(err, failText(e)); }
  btn.disabled = false;
});

// ---- counters and the report ----
function drawCounts(r) {
  say($('c-orders'), String(r.orders));
  say($('c-units'), String(r.units));
  say($('c-revenue'), yuan(r.revenue_fen));
  say($('c-likes'), String(r.likes));
}
let reportTimer = null;
async function reloadReport() {
  try {
    const r = await api('GET', `${base}/report`);
    drawCounts(r);
    if (status === 'ended') drawReport(r);
  } catch (e) { /* the next event tries again */ }
}
function soonReport() { clearTimeout(reportTimer); reportTimer = setTimeout(reloadReport, 300); }
function clock(s) {
  const t = Math.round(s);
  const h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60, sec = t % 60;
  const two = (n) => String(n).padStart(2, '0');
  return h ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}
function drawReport(r) {
  const dl = $('report-list');
  dl.textContent = '';
  const rows = [[T.rOrders, String(r.orders)], [T.rUnits, String(r.units)], [T.rRevenue, yuan(r.revenue_fen)],
    [T.rPeak, String(r.peak_viewers || 0)], [T.rLikes, String(r.likes || 0)],
    [T.rDuration, clock(r.on_air_s || 0)]];
  rows.forEach((kv) => {
    const d = el('div');
    d.append(el('dt', '', kv[0]), el('dd', '', kv[1]));
    dl.append(d);
  });
  $('report').hidden = false;
}
async function loadReplay(tries) {
  try {
    const r = await api('GET', `${base}/replay`);
    if (r.replay && r.replay.url) {
      $('replay').href = r.replay.url;
      $('replay').hidden = false;
      return;
    }
  } catch (e) { /* below */ }
  say($('chat-note'), '');
  if (tries > 0) setTimeout(() => loadReplay(tries - 1), 3000);
}
if (status === 'ended') { drawReport(D.report); loadReplay(10); }
drawCounts(D.report);

if ($('end')) $('end').addEventListener('click', async () => {
  if (!window.confirm(T.sureEnd)) return;
  $('end').disabled = true;
  try {
    await api('POST', `${base}/end`);
    ended();
  } catch (e) { say($('chat-note'), failText(e)); $('end').disabled = false; }
});
function ended() {
  if (status === 'ended' && $('report').hidden === false) return;
  status = 'ended';
  stopPlayer();
  say($('status'), T.ended);
  $('status').classList.remove('on');
  if ($('end-panel')) $('end-panel').hidden = true;
  if ($('flash')) $('flash').hidden = true;
  if ($('push-panel')) $('push-panel').hidden = true;
  if ($('planned')) $('planned').hidden = true;
  reloadShelf();
  reloadReport();
  refreshHealth();
  loadReplay(20);
}

// ---- chat ----
function drawMessage(m) {
  if (document.querySelector(`#chat li[data-msg="${m.id}"]`)) return;
  const li = el('li');
  li.dataset.msg = m.id;
  li.append(el('strong', '', m.author), el('span', 'chat-text', m.text));
  if (m.account_id) li.dataset.account = m.account_id;
  const del = el('button', 'btn btn-small btn-outline chat-del', T.del);
  del.type = 'button';
  const mute = el('button', 'btn btn-small btn-outline chat-mute', T.mute);
  mute.type = 'button';
  li.append(del, mute);
  $('chat').append(li);
  $('chat').scrollTop = $('chat').scrollHeight;
}
async function loadChat() {
  try {
    const page = await api('GET', `${base}/chat`);
    page.items.slice().reverse().forEach(drawMessage);
  } catch (e) { /* empty until the first event */ }
}
$('chat').addEventListener('click', async (ev) => {
  const li = ev.target.closest('li[data-msg]');
  const b = ev.target.closest('button');
  if (!li || !b) return;
  b.disabled = true;
  try {
    if (b.classList.contains('chat-del')) {
      await api('DELETE', `${base}/chat/${li.dataset.msg}`);
      li.remove();
    } else {
      await api('POST', `${base}/mutes`, { message_id: Number(li.dataset.msg) });
      b.textContent = T.muted;
    }
  } catch (e) { say($('chat-note'), failText(e)); b.disabled = false; }
});
loadChat();

// ---- the room's events ----
const on = {
  status: (e) => {
    status = e.status;
    if (e.status === 'ended') { ended(); return; }
    say($('status'), T[e.status] || e.status);
    if ($('planned')) $('planned').hidden = true;
    $('status').classList.toggle('on', onAir());
    if (onAir()) startPlayer();
    refreshHealth();
  },
  viewers: (e) => say($('c-viewers'), String(e.viewers)),
  likes: (e) => say($('c-likes'), String(e.total)),
  bought: soonReport,
  chat: drawMessage,
  chat_deleted: (e) => { const li = document.querySelector(`#chat li[data-msg="${e.id}"]`); if (li) li.remove(); },
  shelf: (e) => drawShelf(e.items),
  pin: reloadShelf,
  unpin: reloadShelf,
  flash_countdown: (e) => tick(Date.now() + e.countdown_s * 1000),
  flash_open: (e) => { clearInterval(countdown); say($('flash-state'), T.open(e.remaining)); },
  flash_stock: (e) => say($('flash-state'), T.open(e.remaining)),
  flash_sold_out: () => say($('flash-state'), T.soldOut),
  flash_ended: (e) => { say($('flash-state'), T.flashEnded(e.sold)); soonReport(); },
  replay: () => loadReplay(0),
};
if (window.EventSource) {
  const es = new EventSource(`${base}/events`);
  Object.keys(on).forEach((type) => {
    es.addEventListener(type, (m) => { try { on[type](JSON.parse(m.data)); } catch (e) { /* a malformed event */ } });
  });
}
