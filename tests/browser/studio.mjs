// studio.mjs - the farmer studio as a farmer on a phone uses it, in
// Debian's Chromium at 390x844 (each step also looked at 1280x800: no
// serious or critical axe-core violation, screenshots kept in SHOT_DIR):
// schedule a session with a cover and two shelf products, go live with an
// ffmpeg push to the key the page shows (the preview plays, the health
// shows a bitrate), pin
// a product, start a flash sale with a 10 s countdown, see orders a buyer
// places (through the API) arrive in the counters, delete a chat message,
// end the session, read its report (totals equal the orders placed); a
// farmer of another cooperative opening the studio URL is refused.
//
//   SHOP_URL= SHOT_DIR= COVER=a.jpg BUYER_TOKEN= FARMER_LOGIN= OTHER_LOGIN=
//   PASSWORD= SKUS=1,2 node studio.mjs
// Prints "studio: N passed, M failed" and "studio-live-id: ID".
import { spawn } from 'node:child_process';
import { launch, suite, signIn, apiAs, until } from './lib.mjs';

const base = process.env.SHOP_URL;
const shots = process.env.SHOT_DIR || '';
const buyer = process.env.BUYER_TOKEN;
const asBuyer = apiAs(base, buyer);
const [sku1, sku2] = (process.env.SKUS || '').split(',').map(Number);
const { check, look, done } = suite('studio', { shots });

const browser = await launch();

// The buyer, through the API with a Bearer token.
const address = { name: '王丽', phone: '13800000000', province: '江西省', city: '萍乡市', county: '安源区', detail: '大城镇 1 号' };

const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
const page = await ctx.newPage();
const errors = [];
page.on('pageerror', e => errors.push(String(e)));
// the relay's thumbnail and playlist answer 404 while a stream starts or
// after it ends (the player retries by itself): only the shop's own
// failures and script errors count
page.on('console', m => {
  const from = (m.location() && m.location().url) || '';
  if (m.type() === 'error' && !(from && !from.startsWith(base))) errors.push(`${m.text()} ${from}`);
});
let push = null, id = '';
try {
  // ---- schedule a session
  await signIn(page, base, process.env.FARMER_LOGIN, process.env.PASSWORD, '/studio');
  check('the studio answers with the new-session form', await page.locator('#new-session').isVisible());
  await look(page, 'studio');
  await page.goto(base + '/account', { waitUntil: 'networkidle' });
  check('a farmer finds the studio from her account page', await page.locator('a[href="/studio"]').count() === 1);
  await page.goto(base + '/studio', { waitUntil: 'networkidle' });
  const title = `田间直播 ${Date.now()}`;
  await page.fill('#title', title);
  await page.check('input[name=when][value=later]');
  const planned = new Date(Date.now() + 8 * 3600e3 + 2 * 3600e3).toISOString().slice(0, 16); // in 2 h, China's clock
  await page.fill('#planned', planned);
  await page.setInputFiles('#cover', process.env.COVER);
  await page.check(`input[name=sku][value="${sku1}"]`);
  await page.check(`input[name=sku][value="${sku2}"]`);
  await page.click('#new-session button[type=submit]');
  await page.waitForURL(u => /^\/studio\/[0-9a-f]{16}$/.test(u.pathname), { timeout: 30000 });
  id = new URL(page.url()).pathname.split('/')[2];
  console.log(`studio-live-id: ${id}`);
  check('the session page shows its title', (await page.textContent('h1')).includes(title));
  check('the shelf holds the two products', await page.locator('#shelf .st-item').count() === 2);
  const key = await page.inputValue('#stream-key');
  const server = await page.inputValue('#rtmp-url');
  check('the key is shown once, after making the session', /^[0-9a-f]{64}$/.test(key), key);
  check('the push URL\'s QR code is shown', await page.locator('#qr-img').isVisible());
  const srt = await page.inputValue('#srt-url');
  check('the SRT push URL under it, the key in its stream id', srt === `srt://${process.env.SRT_ADDR}?streamid=${key}`, srt);
  check('with its own QR code', await page.locator('#srt-qr-img').isVisible());
  await page.click('[data-copy="srt-url"]');
  check('the copy button copies the SRT URL', await page.evaluate(() => navigator.clipboard.readText()) === srt);
  await page.click('[data-copy="stream-key"]');
  check('the copy button copies the key', await page.evaluate(() => navigator.clipboard.readText()) === key);
  const home = await (await fetch(base + '/')).text();
  check('the home page lists the scheduled session', home.includes(title) && home.includes('直播预告'));
  await look(page, 'studio-live-scheduled');

  // ---- go live with an ffmpeg push to the key the page showed
  push = spawn('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i',
    'testsrc=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', '300',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '25', '-c:a', 'aac', '-b:a', '64k',
    '-f', 'flv', `${server}/${key}`], { stdio: 'ignore' });
  await page.locator('#status.on').waitFor({ timeout: 30000 });
  check('the page says live', (await page.textContent('#status')).includes('直播中'));
  const kbps = await until(async () => /^[1-9]\d* kbps$/.test(await page.textContent('#h-bitrate')), 30000);
  check('the health shows a bitrate', kbps, await page.textContent('#h-bitrate'));
  check('the health shows the resolution', (await page.textContent('#h-res')) === '640×360', await page.textContent('#h-res'));
  check('the health says pushing', (await page.textContent('#h-state')) === '推流中');
  const plays = await page.waitForFunction((b) => {
    const v = document.getElementById('preview-video');
    if (window.__t0 === undefined && v.currentTime > 0) window.__t0 = v.currentTime;
    return window.__t0 !== undefined && v.currentTime - window.__t0 >= b;
  }, 1.5, { timeout: 60000 }).then(() => true, () => false);
  check('the preview plays the stream (currentTime advances)', plays,
    await page.evaluate(() => { const v = document.getElementById('preview-video'); return `${v.currentTime} ${v.getAttribute('data-player-state')}`; }));
  check('the player says it plays', (await page.getAttribute('#preview-video', 'data-player-state')) === 'playing');

  // ---- pin a product
  await page.click(`#shelf [data-pin="${sku1}"]`);
  await page.locator(`#shelf li.pinned[data-sku="${sku1}"]`).waitFor({ timeout: 10000 });
  check('the pinned product says 讲解中', (await page.textContent('#shelf li.pinned')).includes('讲解中'));

  // ---- a flash sale with a 10 s countdown
  await page.selectOption('#flash-sku', String(sku2));
  await page.fill('#flash-price', '19.90');
  await page.fill('#flash-units', '5');
  await page.fill('#flash-limit', '2');
  await page.fill('#flash-countdown', '10');
  await page.click('#flash button[type=submit]');
  await page.waitForFunction(() => /秒后开始/.test(document.getElementById('flash-state').textContent), null, { timeout: 10000 });
  check('the countdown runs', /秒杀 \d+ 秒后开始/.test(await page.textContent('#flash-state')));
  await look(page, 'studio-live');
  await page.waitForFunction(() => /秒杀进行中/.test(document.getElementById('flash-state').textContent), null, { timeout: 40000 });
  check('the sale opens after its countdown', /秒杀进行中/.test(await page.textContent('#flash-state')));

  // ---- a buyer orders: the flash sale, and the pinned product
  const sales = await (await fetch(`${base}/api/v1/live/${id}/flash-sales`)).json();
  const sale = sales.items[0];
  const placed = [];
  const fb = await asBuyer('POST', `/api/v1/flash-sales/${sale.id}/orders`, { payment_method: 'cod', address, quantity: 2 },
    { 'Idempotency-Key': `studio-f-${id}` });
  check('the buyer wins two flash units', fb.status === 201, `${fb.status} ${JSON.stringify(fb.data)}`);
  if (fb.data && fb.data.order) placed.push(fb.data.order); else if (fb.data && fb.data.id) placed.push(fb.data);
  const ob = await asBuyer('POST', '/api/v1/orders', { payment_method: 'cod', address, live_id: id, items: [{ sku_id: sku1, quantity: 3 }] },
    { 'Idempotency-Key': `studio-o-${id}` });
  check('the buyer buys the pinned product in the room', ob.status === 201, `${ob.status} ${JSON.stringify(ob.data)}`);
  if (ob.data && ob.data.orders) placed.push(...ob.data.orders);
  const fen = placed.reduce((s, o) => s + o.total_fen, 0);
  const units = placed.reduce((s, o) => s + o.lines.reduce((u, l) => u + l.quantity, 0), 0);
  const yuan = `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
  const counted = await until(async () => (await page.textContent('#c-orders')) === String(placed.length) &&
    (await page.textContent('#c-revenue')) === yuan, 20000);
  check('the orders arrive in the counters', counted,
    `${await page.textContent('#c-orders')} ${await page.textContent('#c-revenue')} want ${placed.length} ${yuan}`);
  check('the units arrive in the counters', (await page.textContent('#c-units')) === String(units));

  // ---- chat: the buyer writes, the farmer deletes
  const msg = await asBuyer('POST', `/api/v1/live/${id}/chat`, { text: '鸡蛋新鲜吗？' });
  check('the buyer writes in the chat', msg.status === 201, String(msg.status));
  const row = page.locator(`#chat li[data-msg="${msg.data && msg.data.id}"]`);
  await row.waitFor({ timeout: 15000 });
  check('the message shows in the studio', (await row.textContent()).includes('鸡蛋新鲜吗？'));
  await row.locator('.chat-del').click();
  await row.waitFor({ state: 'detached', timeout: 10000 });
  const list = await (await fetch(`${base}/api/v1/live/${id}/chat`)).json();
  check('the deleted message is gone for everyone', !list.items.some(m => m.id === msg.data.id));

  // ---- end, then the report
  page.once('dialog', d => d.accept());
  await page.click('#end');
  await page.locator('#report:not([hidden])').waitFor({ timeout: 30000 });
  const report = await until(async () => {
    const t = await page.textContent('#report-list');
    return t.includes(yuan) ? t : '';
  }, 15000);
  check('the report shows the revenue of the orders placed', !!report, await page.textContent('#report-list'));
  const api = await page.evaluate(async (p) => (await fetch(p)).json(), `/api/v1/live/${id}/report`);
  check('the report\'s totals equal the orders placed', api.orders === placed.length && api.units === units &&
    api.revenue_fen === fen, JSON.stringify([api.orders, api.units, api.revenue_fen, placed.length, units, fen]));
  check('the page says ended', (await page.textContent('#status')).includes('已结束'));
  const replay = await until(async () => page.locator('#replay').isVisible(), 30000, 500);
  check('the replay link appears', replay);
  await look(page, 'studio-report');
  check('no script error on the studio', errors.length === 0, errors.join(' | '));

  // ---- a farmer of another cooperative is refused
  const other = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const op = await other.newPage();
  await signIn(op, base, process.env.OTHER_LOGIN, process.env.PASSWORD, '/studio');
  const res = await op.goto(`${base}/studio/${id}`, { waitUntil: 'networkidle' });
  const html = await res.text();
  check('another cooperative\'s farmer gets a refusal (403)', res.status() === 403, String(res.status()));
  check('the refusal says so', html.includes('无权访问'));
  check('... and shows nothing of the session', !html.includes(title) && !html.includes('rtmp://') && !html.includes(id));
  await look(op, 'studio-refused');
  await other.close();
} catch (e) {
  check('the studio flow runs to its end', false, String(e && e.stack || e));
} finally {
  if (push) push.kill('SIGTERM');
  await browser.close();
}
process.exit(done());
