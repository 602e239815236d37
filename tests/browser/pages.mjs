// pages.mjs - the server-rendered pages as people use them, in Debian's
// Chromium: each page at a phone's size (390x844) and a laptop's (1280x800),
// its content present before any script (the HTML itself), no script
// error, no failed request, no serious or critical axe-core violation, a
// screenshot of each kept in SHOT_DIR; then what each page is for (a buyer
// adds a product to the cart, switches the language).
//
//   SHOP_URL=http://127.0.0.1:PORT SHOT_DIR=/tmp/shots node pages.mjs
// Prints "pages: N passed, M failed" and exits non-zero on a failure.
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const base = process.env.SHOP_URL;
const shots = process.env.SHOT_DIR || '';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let passed = 0, failed = 0;
function check(desc, ok, detail = '') {
  if (ok) { passed++; return; }
  failed++;
  console.error(`FAIL [pages] ${desc}${detail ? ': ' + detail : ''}`);
}
if (shots) mkdirSync(shots, { recursive: true });

const SIZES = [[390, 844, 'phone'], [1280, 800, 'laptop']];
// Every page, with what must be on it before any script runs.
const PAGES = [
  { name: 'product', path: '/p/1', html: ['绿壳乌鸡蛋', '¥39.90', '绿色食品', 'og:image'] },
  { name: 'product-en', path: '/p/1?lang=en', html: ['Green-shell black-chicken eggs', 'Add to cart'] },
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// Runs axe-core in the page (through the DevTools protocol, which the
// page's Content-Security-Policy does not govern).
async function axe(page) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return res.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
}

async function visit(ctx, p, w, h, label) {
  const page = await ctx.newPage();
  await page.setViewportSize({ width: w, height: h });
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('response', r => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
  const res = await page.goto(base + p.path, { waitUntil: 'networkidle' });
  check(`${p.name} (${label}) answers 200`, res && res.status() === 200, String(res && res.status()));
  const html = await res.text();
  for (const want of p.html) check(`${p.name}: "${want}" is in the HTML itself`, html.includes(want));
  const bad = await axe(page);
  check(`${p.name} (${label}): no serious or critical axe-core violation`, bad.length === 0,
    bad.map(v => `${v.id}: ${v.nodes.length} (${v.help})`).join('; '));
  check(`${p.name} (${label}): no script error or failed request`, errors.length === 0, errors.join(' | '));
  if (shots) await page.screenshot({ path: `${shots}/${p.name}-${w}x${h}.png`, fullPage: true });
  return page;
}

try {
  const ctx = await browser.newContext({ locale: 'zh-CN' });
  for (const p of PAGES)
    for (const [w, h, label] of SIZES) await (await visit(ctx, p, w, h, label)).close();

  // a buyer adds the second option, twice, to a new cart
  const buyer = await browser.newContext({ locale: 'zh-CN' });
  const page = await buyer.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(base + '/p/1', { waitUntil: 'networkidle' });
  await page.locator('label.sku').nth(1).click();
  await page.fill('#qty', '2');
  await page.getByRole('button', { name: '加入购物车' }).click();
  await page.locator('#buy-note a').waitFor({ timeout: 10000 });
  check('the note says the cart holds 1 line', /共 1 件/.test(await page.textContent('#buy-note')));
  const cart = await (await page.request.get(base + '/api/v1/cart')).json();
  const line = (cart.coops || []).flatMap(g => g.items).find(i => i.sku_id === 2);
  check('the cart holds 2 of the second option', line && line.quantity === 2, JSON.stringify(cart));
  await page.getByRole('button', { name: '加入购物车' }).click();
  await page.waitForFunction(() => document.querySelector('#buy-note').textContent.includes('件'));
  const cart2 = await (await page.request.get(base + '/api/v1/cart')).json();
  const line2 = (cart2.coops || []).flatMap(g => g.items).find(i => i.sku_id === 2);
  check('adding again adds to the line (4)', line2 && line2.quantity === 4, JSON.stringify(line2));

  // the language switch is remembered
  await page.goto(base + '/p/1?lang=en', { waitUntil: 'networkidle' });
  await page.goto(base + '/p/1', { waitUntil: 'networkidle' });
  check('English is remembered without ?lang', (await page.textContent('h1')).includes('Green-shell'));
  await page.getByRole('link', { name: '中文' }).click();
  await page.waitForLoadState('networkidle');
  check('the switch goes back to Chinese', (await page.textContent('h1')).includes('绿壳乌鸡蛋'));

  // an unknown product is a page, not a JSON error
  const nf = await page.goto(base + '/p/999999999', { waitUntil: 'networkidle' });
  check('an unknown product is a 404 page', nf.status() === 404 && /<h1>/.test(await nf.text()));
} catch (e) {
  check('the walk-through ran to its end', false, e.stack || String(e));
} finally {
  await browser.close();
}
console.log(`pages: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
