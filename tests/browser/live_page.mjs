// live_page.mjs - the live room (/live/{id}) as buyers use it, in Debian's
// Chromium at a phone's size, against a real relay fed by ffmpeg (started
// here, so that it can be killed and started again):
//   the room plays (video.currentTime advances); the farmer pins a product
//   through the API and the card shows it within a second (2 s allowed on
//   a loaded machine; the figure is printed); a buyer orders from the card
//   with cash on delivery without leaving the room; my orders lists the
//   order and its line links to /t/{lot}; chat typed in one browser shows
//   in another; a live flash sale counts down and opens; the publisher is
//   killed and pushes again and the player goes on by itself; no serious
//   or critical axe-core violation, screenshots at 390x844 and 1280x800;
//   the room's own HTML+CSS+JS (the player library apart) <= 60 KB gzipped.
//
//   SHOP_URL LIVE_ID PUSH_URL FARMER BUYER BUYER2 SKU FSKU LOT [SHOT_DIR PUSH_LOG] node live_page.mjs
// Prints "live_page: N passed, M failed" and exits non-zero on a failure.
import { openSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { launch, suite, sleep } from './lib.mjs';

const E = process.env;
const base = E.SHOP_URL, id = E.LIVE_ID, shots = E.SHOT_DIR || '';
const SKU = Number(E.SKU), FSKU = Number(E.FSKU);
const BUDGET = 60 * 1024;
const { check, note, look, done } = suite('live_page', { shots, fullPage: false });

// The farmer's API calls (Bearer token: no CSRF).
async function farmer(method, path, body) {
  const res = await fetch(base + path, {
    method, headers: { Authorization: `Bearer ${E.FARMER}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

let push = null;
function startPush() {
  const log = E.PUSH_LOG ? openSync(E.PUSH_LOG, 'a') : 'ignore';
  push = spawn('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc=size=320x568:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', '400', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '25',
    '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', E.PUSH_URL], { stdio: ['ignore', log, log] });
}
async function waitStatus(want, seconds) {
  for (let i = 0; i < seconds * 4; i++) {
    const r = await fetch(`${base}/api/v1/live/${id}`);
    if (r.ok && (await r.json()).status === want) return true;
    await sleep(250);
  }
  return false;
}
// Waits until the page's video has advanced by `by` seconds from where it is.
async function advances(page, by, ms) {
  try {
    await page.waitForFunction(([b]) => {
      const v = document.getElementById('video');
      if (!v) return false;
      if (window.__t0 === undefined) window.__t0 = v.currentTime;
      return v.currentTime - window.__t0 >= b;
    }, [by], { timeout: ms, polling: 200 });
    return true;
  } catch (e) {
    return false;
  } finally {
    await page.evaluate(() => { delete window.__t0; });
  }
}

const browser = await launch({ autoplay: true });
async function buyerContext(token) {
  const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  await ctx.addCookies([{ name: 'fl_session', value: token, url: base }]);
  return ctx;
}

try {
  startPush();
  check('the session goes live with the push', await waitStatus('live', 60));

  // ---- the room, as a buyer opens it
  const ctx = await buyerContext(E.BUYER);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  const flvAsked = [];
  page.on('request', (q) => { if (/\.flv(\?|$)/.test(q.url())) flvAsked.push(q.url()); });
  const cspBlocked = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspBlocked.push(m.text()); });
  const res = await page.goto(`${base}/live/${id}`, { waitUntil: 'domcontentloaded' });
  check('the room answers 200', res && res.status() === 200, String(res && res.status()));
  const html = await res.text();
  for (const want of ['og:image', 'thumb.jpg', '直播中', '直播商品', '¥29.90', 'id="video"', '说点什么'])
    check(`the room's HTML itself has "${want}"`, html.includes(want));
  check('the room plays: currentTime advances', await advances(page, 2, 45000),
    await page.evaluate(() => { const v = document.getElementById('video'); return v && `${v.currentTime} ${v.getAttribute('data-player-state')}`; }));
  let says = true;
  try {
    await page.waitForFunction(() => document.getElementById('video').getAttribute('data-player-state') === 'playing',
      null, { timeout: 10000, polling: 200 });
  } catch (e) { says = false; }
  check('the player says it plays', says, await page.getAttribute('#video', 'data-player-state'));
  // the HTTP-FLV request leaves from the inline script after the <video>
  // (allowed by its hash), and the player reads that one: one request
  check('the room\'s inline script ran (no CSP refusal) and the player took its early request',
    cspBlocked.length === 0 && await page.evaluate(() => window.__farmliveEarlyFlv === null), cspBlocked.join(' | '));
  check('one HTTP-FLV request for the picture', flvAsked.length === 1, flvAsked.join(' '));

  // ---- the farmer pins a product: the card within a second
  check('nothing pinned yet: no card', await page.locator('#card').isHidden());
  const t0 = Date.now();
  const pin = await farmer('POST', `/api/v1/live/${id}/pin`, { sku_id: SKU });
  check('the farmer pins', pin.status === 200 || pin.status === 201, JSON.stringify(pin));
  let shown = true;
  try { await page.locator('#card .room-card-name').waitFor({ state: 'visible', timeout: 10000 }); } catch (e) { shown = false; }
  const pinMs = Date.now() - t0;
  note(`the pinned card appeared ${pinMs} ms after the pin was sent`);
  check('the pinned card appears', shown);
  check(`... within a second (2 s allowed on a loaded machine): ${pinMs} ms`, pinMs <= 2000);
  const card = await page.textContent('#card');
  check('the card shows the live price and the everyday one struck', card.includes('¥29.90') && card.includes('¥39.90'), card);
  check('the card badge says now presenting', card.includes('讲解中'), card);
  await look(page, 'live');

  // ---- a second buyer, whose browser has no EventSource: the room's long-poll
  const ctx2 = await buyerContext(E.BUYER2);
  await ctx2.addInitScript(() => { delete window.EventSource; });
  const page2 = await ctx2.newPage();
  const errors2 = [];
  page2.on('pageerror', e => errors2.push(String(e)));
  await page2.goto(`${base}/live/${id}`, { waitUntil: 'domcontentloaded' });
  check('the second browser (long-poll) plays too', await advances(page2, 1, 45000));

  // ---- a guest: asked to sign in to chat and buy, and brought back to the room
  const anon = await browser.newPage();
  await anon.goto(`${base}/live/${id}`, { waitUntil: 'domcontentloaded' });
  check('a guest is asked to sign in, coming back to the room',
    await anon.getAttribute('.chat-signin', 'href') === `/signin?next=${encodeURIComponent('/live/' + id)}`);
  await anon.close();

  // ---- buy from the card, cash on delivery, without leaving the room
  await page.click('#card-buy');
  await page.locator('#sheet').waitFor({ state: 'visible', timeout: 5000 });
  await look(page, 'live-buy');
  if (await page.locator('#buy-new').isVisible()) {
    await page.fill('#b-name', '李四');
    await page.fill('#b-phone', '13800138001');
    await page.fill('#b-province', '江西省');
    await page.fill('#b-city', '萍乡市');
    await page.fill('#b-county', '安源区');
    await page.fill('#b-detail', '八一街道 99 号');
  }
  await page.check('input[name=payment][value=cod]');
  await page.click('#buy-place');
  let placed = true;
  try { await page.locator('.bought-note.mine').waitFor({ timeout: 15000 }); } catch (e) { placed = false; }
  check('the order is placed from the room', placed, await page.textContent('#buy-error').catch(() => ''));
  check('the buyer is still in the room', new URL(page.url()).pathname === `/live/${id}`);
  check('the sheet closed', await page.locator('#sheet').isHidden());
  check('the video still plays after buying', await advances(page, 1, 20000));
  let proof = true;
  try { await page2.locator('#bought .bought-note', { hasText: '刚刚下单' }).waitFor({ timeout: 15000 }); } catch (e) { proof = false; }
  check('the other buyer sees a masked "just ordered" notice', proof);

  // ---- online: through the sandbox cashier and back to the room
  await page.click('#card-buy');
  await page.locator('#sheet').waitFor({ state: 'visible', timeout: 5000 });
  let offered = true; // the book is read when the sheet opens
  try { await page.locator('#buy-saved input[name=address]:checked').waitFor({ state: 'attached', timeout: 10000 }); } catch (e) { offered = false; }
  check('the saved address is offered', offered);
  await page.check('input[name=payment][value=online]');
  await page.click('#buy-place');
  let cashier = true;
  try { await page.waitForURL(u => u.pathname.startsWith('/pay/'), { timeout: 15000 }); } catch (e) { cashier = false; }
  check('online payment goes to the cashier', cashier, page.url());
  if (cashier) {
    await page.click('#pay');
    let back = true;
    try { await page.waitForURL(u => u.pathname === `/live/${id}` && u.searchParams.has('paid'), { timeout: 15000 }); } catch (e) { back = false; }
    check('paid, the buyer is back in the room', back, page.url());
    check('the room says it is paid', (await page.textContent('#bought')).includes('支付成功'));
    check('and plays again', await advances(page, 1, 45000));
  }

  // ---- likes: taps counted at once, the batched total reaches the other browser
  for (let i = 0; i < 3; i++) await page.click('#like');
  check('taps count at once', Number(await page.textContent('#likes')) >= 3);
  let liked = true;
  try {
    await page2.waitForFunction(() => Number(document.getElementById('likes').textContent) >= 3, null, { timeout: 15000 });
  } catch (e) { liked = false; }
  check('the batched like total reaches the other browser', liked, await page2.textContent('#likes'));

  // ---- chat from a second browser shows in the first (and in its own, by long-poll)
  const said = `鸡蛋新鲜吗 ${Date.now() % 100000}`;
  await page2.fill('#chat-text', said);
  await page2.click('#chat-form button[type=submit]');
  let heard = true;
  try { await page.locator('#chat-list li', { hasText: said }).waitFor({ timeout: 10000 }); } catch (e) { heard = false; }
  check('chat typed in one browser shows in another', heard);
  let echoed = true;
  try { await page2.locator('#chat-list li', { hasText: said }).waitFor({ timeout: 15000 }); } catch (e) { echoed = false; }
  check('... and in the sender\'s, through the long-poll', echoed);
  check('no script error in the long-poll browser', errors2.length === 0, errors2.join(' | '));
  await ctx2.close();

  // ---- a live flash sale on the pinned product: counts down, then opens
  await farmer('POST', `/api/v1/live/${id}/pin`, { sku_id: FSKU });
  await page.locator(`#card-buy[data-sku="${FSKU}"]`).waitFor({ timeout: 10000 });
  const fs = await farmer('POST', `/api/v1/live/${id}/flash-sales`,
    { sku_id: FSKU, price_fen: 1990, quantity: 10, per_buyer_limit: 2, countdown_s: 10, duration_s: 60 });
  check('the farmer starts a flash sale', fs.status === 201, JSON.stringify(fs));
  let counting = true, opened = true;
  try { await page.locator('#card-flash', { hasText: '后开抢' }).waitFor({ timeout: 10000 }); } catch (e) { counting = false; }
  check('the card counts down to the flash sale', counting, await page.textContent('#card'));
  check('the card shows the flash price', (await page.textContent('#card')).includes('¥19.90'));
  try { await page.locator('#card-flash', { hasText: '秒杀进行中' }).waitFor({ timeout: 30000 }); } catch (e) { opened = false; }
  check('the flash sale opens on the card', opened, await page.textContent('#card'));
  check('once open the buy button is enabled', await page.locator('#card-buy').isEnabled());
  // a refusal in the room's language (3 of a sale that allows 2 each)
  await page.click('#card-buy');
  await page.locator('#sheet').waitFor({ state: 'visible', timeout: 5000 });
  try { await page.locator('#buy-saved input[name=address]:checked').waitFor({ state: 'attached', timeout: 10000 }); } catch (e) { /* checked below */ }
  await page.fill('#buy-qty', '3');
  await page.check('input[name=payment][value=cod]');
  await page.click('#buy-place');
  let refused = '';
  try {
    await page.waitForFunction(() => document.getElementById('buy-error').textContent.length > 0, null, { timeout: 15000 });
    refused = await page.textContent('#buy-error');
  } catch (e) { refused = ''; }
  note(`the room's refusal of 3 from a sale of 2 each: ${refused}`);
  check('a refusal in the room is said in Chinese', /[\u4e00-\u9fff]/.test(refused), refused);
  check('... not in the API\'s English', refused.length > 0 && !/[a-z]{4,}/.test(refused), refused);
  await page.click('#buy-close');

  // ---- the publisher dies and comes back: the player goes on by itself
  push.kill('SIGKILL');
  await new Promise((r) => push.once('exit', r));
  let stalled = true;
  try {
    await page.waitForFunction(() => document.getElementById('video').getAttribute('data-player-state') !== 'playing',
      null, { timeout: 30000, polling: 250 });
  } catch (e) { stalled = false; }
  check('the player notices the publisher is gone (reconnecting, not a dead box)', stalled);
  const stateText = await page.textContent('#room-state');
  check('the room says so', /重新连接|马上回来/.test(stateText), stateText);
  check('... where it can be seen, over the video', await page.locator('#room-state').isVisible());
  check('... marked as the player\'s state (a turning ring while reconnecting)',
    ['reconnecting', 'loading'].includes(await page.getAttribute('#room-state', 'data-state')) || /马上回来/.test(stateText),
    await page.getAttribute('#room-state', 'data-state'));
  check('the video names the state as its description', await page.getAttribute('#video', 'aria-describedby') === 'room-state');
  startPush();
  check('the publisher is back', await waitStatus('live', 60));
  check('the player goes on by itself: currentTime advances again', await advances(page, 2, 60000),
    await page.evaluate(() => { const v = document.getElementById('video'); return `${v.currentTime} ${v.getAttribute('data-player-state')}`; }));
  check('no script error in the room', errors.length === 0, errors.join(' | '));

  // ---- my orders: the room's order, its line linking to the lot's trace page
  await page.goto(`${base}/orders`, { waitUntil: 'domcontentloaded' });
  check('my orders lists the order', await page.locator('.order-row').count() >= 1);
  check('my orders says the orders were bought in the room, linking back to it',
    await page.locator(`.order-row a[href="/live/${id}"]`).count() >= 2);
  await page.locator('.order-row a', { hasText: '查看详情' }).first().click();
  await page.waitForURL(u => /^\/orders\/\d+$/.test(u.pathname), { timeout: 10000 });
  const lot = page.locator(`a[href="/t/${E.LOT}"]`);
  check(`the order's line links to /t/${E.LOT}`, await lot.count() === 1);

  // ---- the page's weight: HTML + CSS + the page's script and its static imports, gzipped
  const doc = await (await fetch(`${base}/live/${id}`)).text();
  let bytes = gzipSync(doc, { level: 9 }).length;
  const css = [...doc.matchAll(/href="(\/assets\/[^"]+\.css)"/g)].map(m => m[1]);
  const js = [...doc.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map(m => m[1]);
  const seen = new Set();
  const gz = async (p) => gzipSync(Buffer.from(await (await fetch(base + p)).arrayBuffer()), { level: 9 }).length;
  for (const p of css) bytes += await gz(p);
  while (js.length) {
    const p = js.pop();
    if (seen.has(p)) continue;
    seen.add(p);
    bytes += await gz(p);
    const text = await (await fetch(base + p)).text();
    // static imports only (import"./x.js" / from"./x.js"); import("./x.js") is the lazily loaded player library
    for (const m of text.matchAll(/(?:^|[;}\s])(?:import|from)\s*"\.\/([^"]+\.js)"/g)) js.push('/assets/' + m[1]);
  }
  note(`the room's own HTML+CSS+JS: ${bytes} bytes gzipped over ${seen.size} script file(s)`);
  check(`the room's own HTML+CSS+JS <= 60 KB gzipped (${bytes})`, bytes > 1000 && bytes <= BUDGET);
  // ---- ended: the replay's product moments, as a list to jump to
  const end = await farmer('POST', `/api/v1/live/${id}/end`);
  check('the farmer ends the session', end.status === 200, JSON.stringify(end));
  let replay = null;
  for (let i = 0; i < 240 && !replay; i++) { // the relay finalizes the recording, the shop learns of it
    const r = await fetch(`${base}/api/v1/live/${id}/replay`);
    if (r.ok) replay = (await r.json()).replay;
    if (!replay) await sleep(500);
  }
  check('the replay is ready', !!replay);
  await page.goto(`${base}/live/${id}`, { waitUntil: 'domcontentloaded' });
  check('the ended room lists the product moments', await page.locator('#moments button[data-at]').count() >= 2);
  if (replay) {
    const last = page.locator('#moments button[data-at]').last();
    const at = Number(await last.getAttribute('data-at'));
    try { await page.waitForFunction(() => document.getElementById('video').readyState >= 1, null, { timeout: 30000 }); } catch (e) { /* checked below */ }
    await last.click();
    let jumped = true;
    try {
      await page.waitForFunction((a) => Math.abs(document.getElementById('video').currentTime - a) < 3, at, { timeout: 15000, polling: 200 });
    } catch (e) { jumped = false; }
    check(`a product moment jumps the replay there (${at} s)`, jumped,
      String(await page.evaluate(() => document.getElementById('video').currentTime)));
  }
  await look(page, 'live-ended');

  // ---- a session still to come: a preview
  if (E.SCHED_ID) {
    await page.goto(`${base}/live/${E.SCHED_ID}`, { waitUntil: 'domcontentloaded' });
    check('a scheduled session shows as a preview', (await page.textContent('main')).includes('直播预告'));
    await look(page, 'live-preview');
  }

  // ---- English by the switch
  await page.goto(`${base}/live/${id}?lang=en`, { waitUntil: 'domcontentloaded' });
  check('the room in English', (await page.textContent('main')).includes('Product moments'));
  await page.goto(`${base}/live/${id}?lang=zh`, { waitUntil: 'domcontentloaded' });

  await ctx.close();
} catch (e) {
  check('the walk through the room finished', false, e.stack || String(e));
} finally {
  if (push && push.exitCode === null) push.kill('SIGKILL');
  await browser.close();
}
process.exit(done());
