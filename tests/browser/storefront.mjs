// storefront.mjs - the storefront page as a buyer on a phone sees it, in
// Debian's Chromium: products load, a category filter narrows them, the
// language switch changes the text, a buyer signs in and out.
//
//   SHOP_URL=http://127.0.0.1:PORT SHOT_DIR=/tmp node storefront.mjs
// Prints "browser: N passed, M failed" and exits non-zero on a failure.
import { chromium } from 'playwright-core';

const base = process.env.SHOP_URL;
const shots = process.env.SHOT_DIR || '';
let passed = 0, failed = 0;
function check(desc, ok, detail = '') {
  if (ok) { passed++; return; }
  failed++;
  console.error(`FAIL [browser] ${desc}${detail ? ': ' + detail : ''}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  // 401s are expected (/me before sign-in, a wrong password); anything else
  // that fails to load, or any script error, is not.
  page.on('console', m => {
    if (m.type() === 'error' && !/status of 401/.test(m.text())) errors.push(m.text());
  });
  page.on('response', r => {
    if (r.status() >= 400 && r.status() !== 401) errors.push(`${r.status()} ${r.url()}`);
  });

  await page.goto(base + '/search', { waitUntil: 'networkidle' });
  const cards = page.locator('#grid > li');
  await cards.first().waitFor({ timeout: 10000 });
  const n = await cards.count();
  check('the first page shows products', n >= 10, `${n} cards`);
  const text = await page.locator('#grid').innerText();
  check('a price is shown in yuan', /¥\d+\.\d{2}/.test(text), text.slice(0, 80));
  check('Chinese product names are drawn', /鸡蛋|辣椒|茶/.test(text));
  if (shots) await page.screenshot({ path: `${shots}/storefront.png` });

  await page.locator('#chips button', { hasText: '茶叶' }).first().click();
  await page.waitForTimeout(500);
  const teaText = await page.locator('#grid').innerText();
  const teaCount = await cards.count();
  check('the tea chip narrows the list', teaCount > 0 && teaCount < n, `${teaCount} of ${n}`);
  check('only tea is listed', !/鸡蛋/.test(teaText));

  await page.locator('#lang-btn').click();
  await page.waitForTimeout(300);
  check('the language switch shows English', /Sign in/i.test(await page.locator('#signin-btn').innerText()));
  await page.locator('#lang-btn').click();

  await page.locator('#signin-btn').click();
  await page.locator('#login').fill('buyer@example.com');
  await page.locator('#password').fill('wrong-password');
  await page.locator('#signin-form button[type=submit]').click();
  await page.locator('#signin-error').waitFor({ state: 'visible', timeout: 5000 });
  check('a wrong password shows the server message',
        (await page.locator('#signin-error').innerText()).length > 0);
  await page.locator('#password').fill('farmlive-demo');
  await page.locator('#signin-form button[type=submit]').click();
  await page.locator('#me-name').waitFor({ state: 'visible', timeout: 5000 });
  check('the signed-in name is shown', (await page.locator('#me-name').innerText()).length > 0);
  const cookies = await page.context().cookies();
  const sess = cookies.find(c => c.name === 'fl_session');
  check('the session cookie is HttpOnly', sess && sess.httpOnly === true);
  if (shots) await page.screenshot({ path: `${shots}/signed-in.png` });

  await page.locator('#signout-btn').click();
  await page.locator('#signin-btn').waitFor({ state: 'visible', timeout: 5000 });
  check('sign-out (cookie + CSRF header) works', await page.locator('#signin-btn').isVisible());
  const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
  check('after sign-out /me is 401', me === 401, String(me));

  check('no script errors', errors.length === 0, errors.join(' | '));
} catch (e) {
  check('the browser run completed', false, String(e));
} finally {
  await browser.close();
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
