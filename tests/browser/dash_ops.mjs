// dash_ops.mjs - the cooperative dashboard's orders desk as a co-op admin
// uses it, in Debian's Chromium at 1280x800 (each page also looked at
// 390x844: no serious or critical axe-core violation, screenshots kept in
// SHOT_DIR): a buyer places an order (through the API); the admin sees it
// on the day's orders page, ships it with a tracking number; the buyer's
// /orders/{id} page then shows it shipped with the carrier and number;
// the admin restocks the SKU from the inventory page; the sales page's
// totals equal the day's orders; an admin of another cooperative opening
// the pages is refused with no data.
//
//   SHOP_URL= SHOT_DIR= BUYER_TOKEN= ADMIN_LOGIN= OTHER_LOGIN= PASSWORD= COOP= SKU= node dash_ops.mjs
// Prints "dash_ops-browser: N passed, M failed".
import { launch, suite, signIn, apiAs, until } from './lib.mjs';

const base = process.env.SHOP_URL;
const buyer = process.env.BUYER_TOKEN;
const asBuyer = apiAs(base, buyer);
const coop = Number(process.env.COOP);
const sku = Number(process.env.SKU);
const { check, look: lookBoth, done } = suite('dash_ops-browser', { shots: process.env.SHOT_DIR || '' });
const browser = await launch();
const shots = process.env.SHOT_DIR || '';
// axe and screenshots at both sizes, then back to the co-op office's laptop
async function look(page, name) {
  await lookBoth(page, name);
  await page.setViewportSize({ width: 1280, height: 800 });
}
const address = { name: '赵敏', phone: '13900000000', province: '四川省', city: '成都市', county: '青白江区', detail: '城厢镇 8 号' };
const chinaDay = (iso) => new Date(Date.parse(iso) + 8 * 3600e3).toISOString().slice(0, 10);

const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
const page = await ctx.newPage();
const errors = [];
page.on('pageerror', e => errors.push(String(e)));
page.on('console', m => { if (m.type() === 'error') errors.push(`${m.text()} ${(m.location() || {}).url || ''}`); });
try {
  // ---- a buyer's order arrives
  await asBuyer('PUT', `/api/v1/cart/items/${sku}`, { quantity: 3 });
  const placed = await asBuyer('POST', '/api/v1/orders', { payment_method: 'cod', address },
    { 'Idempotency-Key': `dash-ops-${Date.now()}` });
  check('the buyer places an order', placed.status === 201, JSON.stringify(placed.data));
  const order = placed.data.orders[0];
  const day = chinaDay(order.created_at);

  // ---- the admin sees it and ships it
  await signIn(page, base, process.env.ADMIN_LOGIN, process.env.PASSWORD, `/dash/${coop}/orders`);
  await page.goto(`${base}/dash/${coop}/orders?date=${day}`, { waitUntil: 'networkidle' });
  const row = page.locator(`tr[data-order="${order.id}"]`);
  check('the day\'s orders page lists the order', await row.isVisible());
  check('... with its recipient and items', (await row.textContent()).includes('赵敏') &&
    (await row.textContent()).includes('×3'));
  check('the CSV link names the day', (await page.getAttribute('#csv', 'href')).endsWith(`orders.csv?date=${day}`));
  await look(page, 'dash-orders');
  await row.locator('input.pick').check();
  check('the ship form appears for the ticked order', await page.locator('#ship').isVisible());
  await page.click('#ship button[type=submit]');
  check('a missing carrier is named in the page', (await page.textContent('#ship-error')).includes('快递公司'));
  const tracking = `SF${Date.now()}`;
  await page.fill('#carrier', '顺丰速运');
  await page.fill(`#tn-${order.id}`, tracking);
  await page.click('#ship button[type=submit]');
  const ok = await page.locator(`#ship-results li.ok[data-order="${order.id}"]`).waitFor({ timeout: 15000 })
    .then(() => true, () => false);
  check('the page says the order shipped', ok, await page.textContent('#ship-results'));
  check('its row says shipped, with the tracking number',
    (await row.locator('.st').textContent()).includes('已发货') && (await row.textContent()).includes(tracking));
  await look(page, 'dash-orders-shipped');

  // ---- the buyer sees it shipped
  const bctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 },
    extraHTTPHeaders: { Authorization: `Bearer ${buyer}` } });
  const bpage = await bctx.newPage();
  const res = await bpage.goto(`${base}/orders/${order.id}`, { waitUntil: 'networkidle' });
  check('the buyer\'s order page answers', res.status() === 200, String(res.status()));
  const text = await bpage.textContent('main');
  check('the buyer\'s order page says shipped, with the carrier and number',
    text.includes('已发货') && text.includes('顺丰速运') && text.includes(tracking), text.slice(0, 300));
  if (shots) await bpage.screenshot({ path: `${shots}/dash-buyer-order-390x844.png`, fullPage: true });
  await bctx.close();

  // ---- restock from the inventory page
  await page.goto(`${base}/dash/${coop}/inventory`, { waitUntil: 'networkidle' });
  const srow = page.locator(`tr[data-sku="${sku}"]`);
  const availBefore = Number(await srow.locator('.avail').textContent());
  check('the inventory page shows the SKU\'s units on hand', availBefore >= 0 && await srow.isVisible());
  await look(page, 'dash-inventory');
  await srow.locator('button[data-restock]').click();
  await page.click('#restock button[type=submit]');
  check('a missing quantity is named in the dialog', (await page.textContent('#restock-error')).includes('数量'));
  await page.fill('#rs-qty', '5');
  await page.fill('#rs-note', '新一批入库');
  await page.click('#restock button[type=submit]');
  const grown = await until(async () => {
    const v = await page.locator(`tr[data-sku="${sku}"] .avail`).textContent().catch(() => '');
    return Number(v) === availBefore + 5;
  }, 15000);
  check('the units on hand grow by the restock', grown,
    `${availBefore} -> ${await page.locator(`tr[data-sku="${sku}"] .avail`).textContent().catch(() => '?')}`);

  // ---- the sales page's totals equal the day's orders
  const sold = await page.evaluate(async ({ c, d }) => {
    let n = 0, fen = 0, cursor = '';
    for (let i = 0; i < 100; i++) {
      const r = await (await fetch(`/api/v1/coops/${c}/orders?date=${d}&limit=100&cursor=${cursor}`)).json();
      for (const o of r.items) {
        if (['paid', 'confirmed', 'shipped', 'delivered', 'completed'].includes(o.status)) {
          n++;
          fen += o.total_fen;
        }
      }
      if (!r.next_cursor) break;
      cursor = r.next_cursor;
    }
    return { n, fen };
  }, { c: coop, d: day });
  await page.goto(`${base}/dash/${coop}/sales?from=${day}&to=${day}`, { waitUntil: 'networkidle' });
  const shown = Number(await page.textContent('#t-orders'));
  check('the sales page counts the day\'s orders', shown === sold.n, `${shown} vs ${sold.n}`);
  const yuan = `¥${Math.floor(sold.fen / 100)}.${String(sold.fen % 100).padStart(2, '0')}`;
  check('the sales page\'s revenue is their total', (await page.textContent('#t-revenue')) === yuan,
    `${await page.textContent('#t-revenue')} vs ${yuan}`);
  check('the day\'s row says the same', (await page.textContent(`#days tr[data-date="${day}"]`)).includes(yuan));
  await look(page, 'dash-sales');

  // ---- settings: the profile, the 360p rendition, another platform to stream to
  const coopApi = async () => page.evaluate(async (c) => (await fetch(`/api/v1/coops/${c}`)).json(), coop);
  const before = await coopApi();
  await page.goto(`${base}/dash/${coop}/settings`, { waitUntil: 'networkidle' });
  check('the settings page shows the cooperative\'s name', (await page.inputValue('#cs-name')) === before.name);
  await look(page, 'dash-settings');
  const story = `${before.description || ''} 鸡蛋每天现捡现发。`.trim();
  await page.fill('#cs-description', story);
  await Promise.all([page.waitForEvent('framenavigated'), page.click('#profile button[type=submit]')]);
  await page.waitForLoadState('networkidle');
  check('the profile is saved (the page shows it again)', (await page.inputValue('#cs-description')) === story);
  check('... and the API has it', (await coopApi()).description === story);
  await page.check('#rendition input[value=auto]');
  await Promise.all([page.waitForEvent('framenavigated'), page.click('#rendition button[type=submit]')]);
  await page.waitForLoadState('networkidle');
  check('the 360p rendition is chosen: auto', (await coopApi()).low_rendition === 'auto');
  check('... and shown checked', await page.isChecked('#rendition input[value=auto]'));
  await page.fill('#ta-name', '抖音');
  await page.fill('#ta-url', 'rtmp://push.example.com/live');
  await page.click('#target-add button[type=submit]');
  check('a push URL without a key is refused in the page', (await page.textContent('#target-add .form-error')).includes('推流码'));
  const key = `stream-${Date.now()}-secretpart`;
  await page.fill('#ta-url', `rtmp://push.example.com/live/${key}`);
  await Promise.all([page.waitForEvent('framenavigated'), page.click('#target-add button[type=submit]')]);
  await page.waitForLoadState('networkidle');
  const trow = page.locator('#targets li').first();
  check('the platform is listed', (await trow.textContent().catch(() => '')).includes('抖音'));
  check('... its key never shown again', !(await page.content()).includes(key));
  await look(page, 'dash-settings-target');
  await Promise.all([page.waitForEvent('framenavigated'), trow.locator('button.target-toggle').click()]);
  await page.waitForLoadState('networkidle');
  check('the platform is turned off', (await page.locator('#targets li').first().textContent()).includes('已停用'));
  page.once('dialog', (d) => d.accept());
  await Promise.all([page.waitForEvent('framenavigated'), page.locator('#targets li').first().locator('button.target-remove').click()]);
  await page.waitForLoadState('networkidle');
  check('the platform is removed', await page.locator('#no-targets').isVisible());
  await page.check('#rendition input[value=default]');
  await Promise.all([page.waitForEvent('framenavigated'), page.click('#rendition button[type=submit]')]);
  await page.waitForLoadState('networkidle');
  check('the rendition back to the platform\'s setting', (await coopApi()).low_rendition === 'default');
  check('no script errors on the admin\'s pages', errors.length === 0, errors.join(' | '));

  // ---- an admin of another cooperative
  const octx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
  const opage = await octx.newPage();
  await signIn(opage, base, process.env.OTHER_LOGIN, process.env.PASSWORD, '/account');
  for (const p of ['orders', 'inventory', 'sales', 'settings']) {
    const r = await opage.goto(`${base}/dash/${coop}/${p}?date=${day}`, { waitUntil: 'networkidle' });
    check(`another cooperative's admin: /dash/${coop}/${p} is 403`, r.status() === 403, String(r.status()));
    check(`... a refusal in words (${p})`, await opage.locator('#refused').isVisible());
    const html = await opage.content();
    check(`... with no data of the cooperative (${p})`, !html.includes('data-order') && !html.includes('赵敏') &&
      !html.includes(tracking) && !html.includes('t-orders'));
  }
  await look(opage, 'dash-refused');
  await octx.close();
} catch (e) {
  check('the walk-through ran to its end', false, String(e && e.stack || e));
}
await browser.close();
process.exit(done());
