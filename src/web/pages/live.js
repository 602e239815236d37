// live.js - the live room (/live/{id}, pages/live_page.c): the player, the
// room's events (the pinned card, a live flash sale's countdown, chat,
// likes, viewers, "just bought"), and buying from the card in a sheet
// without leaving the video. The server drew the first screen; this starts
// from its page data and redraws only what the events change.
//
// Events: Server-Sent Events on /api/v1/live/{id}/events (the browser
// resumes with Last-Event-ID by itself); where EventSource is missing or
// never opens, a long-poll of the same route (?after=SEQ&wait=10).
import { errorText } from '../lib/errors.js';
import { api, pageData, yuan } from '../lib/api.js';
import { attachPlayer, roomLowLatency } from '../lib/player.js';

const T = {
  zh: {
    loading: '正在连接…', reconnecting: '信号不稳，正在重新连接…', stopped: '此浏览器无法播放直播',
    idle: '主播马上回来…', ended: '直播已结束', presenting: '讲解中', left: '仅剩 {n} 件', soldOut: '已售罄',
    buy: '马上抢', countdown: '{t} 后开抢', open: '秒杀进行中 · 剩 {n} 件', flashEnded: '秒杀已结束',
    watching: '{n} 人在看', bought: '{who} 刚刚下单', boughtMore: '{who} 等 {all} 人刚刚下单', net: '网络不太稳定，请重试。', failed: '下单失败：',
    missing: '请填写完整的收货地址。', placing: '正在提交…', placed: '下单成功！订单号 {id}', view: '查看订单',
    paid: '支付成功！订单号 {id}', newAddr: '新地址', signin: '请先登录', unmute: '点击开启声音', sent: '', sendFailed: '发送失败：',
  },
  en: {
    loading: 'Connecting…', reconnecting: 'Weak signal, reconnecting…', stopped: 'This browser cannot play the stream',
    idle: 'The farmer will be right back…', ended: 'The session has ended', presenting: 'Now presenting',
    left: 'Only {n} left', soldOut: 'Sold out', buy: 'Buy now', countdown: 'Flash sale in {t}',
    open: 'Flash sale on · {n} left', flashEnded: 'The flash sale has ended', watching: '{n} watching',
    bought: '{who} just ordered', boughtMore: '{who} and {n} others just ordered', net: 'The network is unsteady. Please try again.', failed: 'Could not order: ',
    missing: 'Please fill in the whole address.', placing: 'Placing…', placed: 'Ordered! Order {id}',
    view: 'See the order', paid: 'Paid! Order {id}', newAddr: 'A new address', signin: 'Please sign in first', unmute: 'Tap for sound',
    sent: '', sendFailed: 'Not sent: ',
  },
};
const LOW_STOCK = 30;
const FIELDS = ['name', 'phone', 'province', 'city', 'county', 'detail'];

const data = pageData();
const en = data.lang === 'en';
const t = T[en ? 'en' : 'zh'];
const live = data.live || {};
const id = live.id;
let status = live.status;
let shelf = data.shelf || [];
let flash = null; // {sale_id, sku_id, price_fen, state: 'countdown'|'open'|'sold_out', opensAt, remaining}
const $ = (s) => document.getElementById(s);
const fmt = (s, o) => s.replace(/\{(\w+)\}/g, (m, k) => (o[k] === undefined ? m : o[k]));
const nameOf = (x) => (en && x.name_en ? x.name_en : x.name);
const key = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/[^0-9a-z-]/gi, '');

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') e.className = v; else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k);
  return e;
}

// ---- the player ------------------------------------------------------------
const video = $('video');
const state = $('room-state');
let player = null;
// The player's state over the video, in words (role=status: read out as it
// changes) and marked for CSS (a turning ring while loading or
// reconnecting); the video says it is busy meanwhile.
function showState(s) {
  if (!state) return;
  state.textContent = s === 'playing' ? '' : status === 'idle' && s !== 'stopped' ? t.idle : t[s] || '';
  state.hidden = s === 'playing';
  state.dataset.state = s;
  if (video) video.setAttribute('aria-busy', String(s === 'loading' || s === 'reconnecting'));
}
function startPlayer() {
  if (!video || player) return;
  if (status === 'ended') {
    const r = data.replay && data.replay.replay;
    if (r && r.url) player = attachPlayer(video, { hls: r.url.split('#')[0] });
    return;
  }
  // HTTP-FLV first where the browser has MSE (the relay's cached keyframe,
  // one request: the quickest first picture); ?player=hls asks for HLS
  player = attachPlayer(video, { hls: live.hls_url, flv: live.flv_url, lowLatency: roomLowLatency(), onState: showState });
  showState(player.state);
}
startPlayer();
const unmute = $('unmute');
if (unmute && video) {
  unmute.addEventListener('click', () => {
    video.muted = false;
    const p = video.play();
    if (p && p.catch) p.catch(() => {});
    unmute.hidden = true;
  });
}
const moments = $('moments');
if (moments && video) {
  moments.addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-at]');
    if (!b) return;
    video.currentTime = Number(b.dataset.at) || 0;
    const p = video.play();
    if (p && p.catch) p.catch(() => {});
  });
}

// ---- the pinned card ----------------------------------------------------------
function clock(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function drawCard() {
  const card = $('card');
  if (!card) return;
  const x = shelf.find((i) => i.pinned);
  card.hidden = !x;
  if (!x) return;
  const price = x.live_price_fen != null ? x.live_price_fen : x.price_fen;
  const f = flash && flash.sku_id === x.sku_id ? flash : null;
  const stock = f && f.state !== 'countdown' ? f.remaining : x.stock;
  const out = stock <= 0 || (f && f.state === 'sold_out');
  const priceP = el('p', { class: 'room-card-price' }, el('strong', {}, yuan(f ? f.price_fen : price)));
  if ((f ? f.price_fen : price) !== x.price_fen) priceP.append(' ', el('s', {}, yuan(x.price_fen)));
  let flashText = '';
  if (f && f.state === 'countdown') flashText = fmt(t.countdown, { t: clock(f.opensAt - Date.now()) });
  else if (f && f.state === 'open') flashText = fmt(t.open, { n: f.remaining });
  card.replaceChildren(
    x.image_url ? el('img', { class: 'room-card-img', src: x.image_url, alt: '', width: 72, height: 72 })
      : el('div', { class: 'room-card-img noimg' }, en ? 'No image' : '暂无图片'),
    el('div', { class: 'room-card-body' },
      el('p', { class: 'room-card-badge' }, `${t.presenting} · ${x.number}`),
      el('p', { class: 'room-card-name' }, nameOf(x), ' ', el('small', {}, x.spec)),
      priceP,
      el('p', { class: 'room-card-left', id: 'card-left' }, out ? t.soldOut : stock <= LOW_STOCK ? fmt(t.left, { n: stock }) : ''),
      el('p', { class: 'room-card-flash', id: 'card-flash', role: 'status', 'aria-live': 'polite' }, flashText)),
    el('button', {
      class: 'btn btn-primary room-buy', type: 'button', id: 'card-buy', 'data-sku': x.sku_id,
      disabled: out || (f && f.state === 'countdown') || status === 'ended',
    }, out ? t.soldOut : t.buy));
}

function drawShelf() {
  const list = $('shelf-list');
  if (!list) return;
  list.replaceChildren(...shelf.map((x) => el('li', { class: 'shelf-item', 'data-sku': x.sku_id },
    el('span', { class: 'shelf-no' }, String(x.number)),
    el('a', { href: `/p/${x.product_id}` }, nameOf(x), ' ', el('small', {}, x.spec)),
    x.pinned ? el('span', { class: 'tag on' }, t.presenting) : null,
    el('span', { class: 'price' }, yuan(x.live_price_fen != null ? x.live_price_fen : x.price_fen)),
    el('button', { class: 'btn btn-small', type: 'button', 'data-buy': x.sku_id, disabled: x.stock <= 0 || status === 'created' },
      en ? 'Buy' : '去购买'))));
}

function setPinned(skuId) {
  shelf = shelf.map((x) => ({ ...x, pinned: x.sku_id === skuId }));
  drawCard();
  drawShelf();
}

setInterval(() => { if (flash && flash.state === 'countdown') drawCard(); }, 250);

// ---- chat, likes, viewers, "just bought" --------------------------------------------
const chatList = $('chat-list');
function addChat(m) {
  if (!chatList || !m || m.hidden) return;
  chatList.append(el('li', { 'data-id': m.id }, el('b', {}, m.author), ' ', m.text));
  while (chatList.children.length > 50) chatList.firstElementChild.remove();
  chatList.scrollTop = chatList.scrollHeight;
}
const bought = $('bought');
function notice(text) {
  if (!bought) return;
  const n = el('p', { class: 'bought-note' }, text);
  bought.append(n);
  setTimeout(() => n.remove(), 4000);
}

// back from the cashier: /live/ID?paid=ORDER
const paid = new URLSearchParams(location.search).get('paid');
if (paid && /^\d+$/.test(paid) && bought) {
  bought.append(el('p', { class: 'bought-note mine', role: 'status' }, fmt(t.paid, { id: paid }), ' ',
    el('a', { href: `/orders/${paid}` }, t.view)));
}

const chatForm = $('chat-form');
if (chatForm) {
  chatForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const input = $('chat-text');
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    try {
      await api('POST', `/api/v1/live/${id}/chat`, { text });
    } catch (e) {
      input.value = text;
      notice(e.status === 0 ? t.net : t.sendFailed + errorText(e, data.lang));
    }
  });
}

// likes: taps are counted here and sent at most once a second
let taps = 0, likeTimer = null, likes = 0;
const likeButton = $('like');
const likesEl = $('likes');
if (likeButton) {
  likeButton.addEventListener('click', () => {
    if (!data.signed_in) { location.assign(`/signin?next=${encodeURIComponent(location.pathname)}`); return; }
    taps++;
    likes++;
    if (likesEl) likesEl.textContent = likes;
    likeButton.classList.remove('pop');
    void likeButton.offsetWidth;
    likeButton.classList.add('pop');
    if (!likeTimer) {
      likeTimer = setTimeout(async () => {
        const n = Math.min(100, taps);
        taps -= n;
        likeTimer = null;
        try { await api('POST', `/api/v1/live/${id}/likes`, { taps: n }); } catch (e) { /* a lost tap is no harm */ }
      }, 1000);
    }
  });
}
const bag = $('bag');
if (bag) bag.addEventListener('click', () => { const s = $('shelf'); if (s) s.scrollIntoView({ behavior: 'smooth' }); });

// ---- the room's events ----------------------------------------------------------
const handlers = {
  status(d) {
    status = d.status;
    const tag = $('room-status');
    if (tag) tag.textContent = { live: en ? 'Live' : '直播中', idle: en ? 'Paused' : '暂停中', ended: t.ended }[d.status] || d.status;
    const room = $('room');
    if (room) room.dataset.status = d.status;
    if (d.status === 'live' && !player) startPlayer();
    if (d.status === 'ended') { if (player) player.destroy(); showState('stopped'); if (state) state.textContent = t.ended; }
    if (d.status === 'idle' && state) { state.hidden = false; state.textContent = t.idle; }
  },
  shelf(d) { const pin = (shelf.find((x) => x.pinned) || {}).sku_id; shelf = (d.items || []).map((x) => ({ ...x, pinned: x.sku_id === pin || x.pinned })); drawCard(); drawShelf(); },
  pin(d) { setPinned(d.moment && d.moment.sku_id); },
  unpin() { setPinned(null); },
  flash_countdown(d) {
    const s = d.sale || {};
    flash = { sale_id: s.id, sku_id: s.sku_id, price_fen: s.price_fen, state: 'countdown', remaining: s.quantity,
      opensAt: Date.now() + (d.countdown_s || 0) * 1000 };
    drawCard();
  },
  flash_open(d) { if (flash && flash.sale_id === d.sale_id) { flash.state = 'open'; flash.remaining = d.remaining; drawCard(); } },
  flash_stock(d) { if (flash && flash.sale_id === d.sale_id) { flash.remaining = d.remaining; drawCard(); } },
  flash_sold_out(d) { if (flash && flash.sale_id === d.sale_id) { flash.state = 'sold_out'; flash.remaining = 0; drawCard(); } },
  flash_ended(d) { if (flash && flash.sale_id === d.sale_id) { flash = null; drawCard(); } },
  chat: addChat,
  chat_deleted(d) { if (chatList) { const li = chatList.querySelector(`li[data-id="${d.id}"]`); if (li) li.remove(); } },
  likes(d) { likes = Math.max(likes, d.total || 0); if (likesEl) likesEl.textContent = likes; },
  viewers(d) { const v = $('viewers'); if (v) v.textContent = fmt(t.watching, { n: d.viewers }); },
  // one notice a moment at most: others counts the orders it stands for
  bought(d) { notice(d.others > 0 ? fmt(t.boughtMore, { who: d.buyer, n: d.others, all: d.others + 1 }) : fmt(t.bought, { who: d.buyer })); },
  replay() { if (status === 'ended') location.reload(); },
};

function dispatch(type, d) {
  const h = handlers[type];
  if (h) try { h(d); } catch (e) { /* one bad event must not stop the room */ }
}

async function longPoll(after) {
  for (;;) {
    try {
      const res = await api('GET', `/api/v1/live/${id}/events?after=${after}&wait=10`);
      for (const d of res.events || []) dispatch(d.type, d); // each names its type, as SSE's event: does
      if (res.last_seq) after = res.last_seq;
    } catch (e) {
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
}

function follow() {
  if (!id || status === 'ended') return;
  if (!window.EventSource) { longPoll(0); return; }
  const es = new EventSource(`/api/v1/live/${id}/events`);
  let opened = false, failures = 0;
  es.onopen = () => { opened = true; failures = 0; };
  es.onerror = () => {
    if (!opened && ++failures >= 3) { es.close(); longPoll(0); } // a proxy that breaks streaming
  };
  for (const type of Object.keys(handlers)) {
    es.addEventListener(type, (ev) => { try { dispatch(type, JSON.parse(ev.data)); } catch (e) { /* ignored */ } });
  }
}
follow();

// Flash sales already announced before the page was drawn.
if (id && status !== 'ended' && status !== 'created') {
  api('GET', `/api/v1/live/${id}/flash-sales?limit=1`).then((res) => {
    const s = (res.items || [])[0];
    if (!s || flash) return;
    const now = Date.now(), opens = Date.parse(s.starts_at), ends = Date.parse(s.ends_at);
    if (!(ends > now)) return;
    const left = s.left != null ? s.left : s.remaining != null ? s.remaining : s.quantity;
    flash = { sale_id: s.id, sku_id: s.sku_id, price_fen: s.price_fen, remaining: left,
      state: opens > now ? 'countdown' : left > 0 ? 'open' : 'sold_out', opensAt: opens };
    drawCard();
  }).catch(() => {});
}

// ---- the buy sheet --------------------------------------------------------------
const sheet = $('sheet');
const form = $('buy-form');
const err = $('buy-error');
let buying = null; // the shelf item
let idemKey = key();
let lastFocus = null;

async function openSheet(skuId) {
  if (!data.signed_in) { location.assign(`/signin?next=${encodeURIComponent(location.pathname)}`); return; }
  const x = shelf.find((i) => i.sku_id === skuId);
  if (!x || !sheet) return;
  buying = x;
  idemKey = key();
  err.textContent = '';
  const same = shelf.filter((i) => i.product_id === x.product_id);
  $('buy-skus').replaceChildren(el('legend', {}, en ? 'Option' : '规格'), ...same.map((i) => el('label', { class: 'sku' },
    el('input', { type: 'radio', name: 'sku', value: i.sku_id, checked: i.sku_id === x.sku_id, disabled: i.stock <= 0 }),
    el('span', { class: 'sku-spec' }, `${nameOf(i)} ${i.spec} / ${i.unit}`), ' ',
    el('span', { class: 'price' }, yuan(flash && flash.sku_id === i.sku_id && flash.state === 'open' ? flash.price_fen
      : i.live_price_fen != null ? i.live_price_fen : i.price_fen)))));
  lastFocus = document.activeElement;
  sheet.hidden = false;
  const first = sheet.querySelector('input[name="sku"]:checked') || sheet.querySelector('input');
  if (first) first.focus();
  try {
    const book = await api('GET', '/api/v1/me/addresses?limit=100');
    const items = book.items || [];
    const saved = $('buy-saved');
    saved.replaceChildren(...items.map((a) => el('label', { class: 'addr' },
      el('input', { type: 'radio', name: 'address', value: a.id, checked: a.is_default || items.length === 1 }),
      ` ${a.name} ${a.phone} ${a.province}${a.city}${a.county}${a.detail}`)),
    ...(items.length ? [el('label', { class: 'addr' }, el('input', { type: 'radio', name: 'address', value: 'new' }), ' ' + t.newAddr)] : []));
    if (items.length && !saved.querySelector('input:checked')) saved.querySelector('input').checked = true;
    $('buy-new').hidden = items.length > 0 && saved.querySelector('input:checked').value !== 'new';
    saved.onchange = (ev) => { $('buy-new').hidden = ev.target.value !== 'new'; };
  } catch (e) { /* a new address then */ }
}

function closeSheet() {
  if (!sheet) return;
  sheet.hidden = true;
  if (lastFocus && lastFocus.focus) lastFocus.focus();
}

document.addEventListener('click', (ev) => {
  const b = ev.target.closest('#card-buy, button[data-buy]');
  if (!b || b.disabled) return;
  openSheet(Number(b.dataset.sku || b.dataset.buy));
});
if (sheet) {
  $('buy-close').addEventListener('click', closeSheet);
  sheet.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeSheet(); });
  sheet.addEventListener('click', (ev) => { if (ev.target === sheet) closeSheet(); });
}

if (form) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const skuId = Number((form.querySelector('input[name="sku"]:checked') || {}).value || (buying && buying.sku_id));
    const qty = Math.max(1, Math.min(99, parseInt($('buy-qty').value, 10) || 1));
    const pick = (form.querySelector('input[name="address"]:checked') || {}).value || 'new';
    const address = {};
    const button = $('buy-place');
    try {
      if (pick === 'new') {
        for (const f of FIELDS) address[f] = $(`b-${f}`).value.trim();
        if (FIELDS.some((f) => !address[f])) { err.textContent = t.missing; return; }
      } else {
        const book = await api('GET', '/api/v1/me/addresses?limit=100');
        const a = (book.items || []).find((x) => String(x.id) === pick) || {};
        for (const f of FIELDS) address[f] = a[f] || '';
      }
      button.disabled = true;
      button.textContent = t.placing;
      const payment = (form.querySelector('input[name="payment"]:checked') || {}).value || 'cod';
      const body = { payment_method: payment, address, live_id: id };
      let orders;
      if (flash && flash.sku_id === skuId && flash.state === 'open') {
        orders = [await api('POST', `/api/v1/flash-sales/${flash.sale_id}/orders`, { ...body, quantity: qty }, { 'Idempotency-Key': idemKey })];
      } else {
        const res = await api('POST', '/api/v1/orders', { ...body, items: [{ sku_id: skuId, quantity: qty }] }, { 'Idempotency-Key': idemKey });
        orders = res.orders || [];
      }
      if (pick === 'new') api('POST', '/api/v1/me/addresses', address).catch(() => {}); // remembered for next time
      const o = orders[0] || {};
      if (payment === 'online' && o.id) {
        location.assign(`/pay/${o.id}?next=${encodeURIComponent(location.pathname)}`);
        return;
      }
      closeSheet();
      const note = el('p', { class: 'bought-note mine', role: 'status' }, fmt(t.placed, { id: o.id }), ' ',
        el('a', { href: `/orders/${o.id}` }, t.view));
      if (bought) { bought.append(note); setTimeout(() => note.remove(), 8000); }
    } catch (e) {
      err.textContent = e.status === 0 ? t.net : t.failed + errorText(e, data.lang);
    } finally {
      button.disabled = false;
      button.textContent = en ? 'Place the order' : '提交订单';
    }
  });
}
