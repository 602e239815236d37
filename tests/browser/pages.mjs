// pages.mjs - the server-rendered pages as people use them, in Debian's
// Chromium: each page at a phone's size (390x844) and a laptop's (1280x800),
// its content present before any script (the HTML itself), no script
// error, no failed request, no serious or critical axe-core violation, a
// screenshot of each kept in SHOT_DIR; then what each page is for (a buyer
// adds a product to the cart, switches the language).
//
//   SHOP_URL=http://127.0.0.1:PORT SHOT_DIR=/tmp/shots node pages.mjs
// Prints "pages: N passed, M failed" and exits non-zero on a failure.
import { launch, suite, axe, SIZES } from './lib.mjs';

const base = process.env.SHOP_URL;
const { check, look, axeCheck, shot, done } = suite('pages', { shots: process.env.SHOT_DIR || '' });

// Every page, with what must be on it before any script runs.
const PAGES = [
  // the newest products come first: other suites' products may push the demo's off the first page,
  // so the home page is checked for product cards, not for one product
  { name: 'home', path: '/', html: ['好物推荐', '合作社', 'href="/p/', '¥', 'og:title', 'href="/c/'] },
  { name: 'home-tea', path: '/?category=tea', html: ['aria-current="page"', '茶叶'] },
  { name: 'product', path: '/p/1', html: ['绿壳乌鸡蛋', '¥39.90', '绿色食品', 'og:image'] },
  { name: 'coop', path: '/c/1', html: ['生产基地', '资质认证', '发证机构', '在售商品', 'og:title'] },
  { name: 'cart-empty', path: '/cart', html: ['购物车还是空的'] },
  { name: 'signin', path: '/signin?next=/cart', html: ['邮箱或手机号', '密码', 'href="/register?next=%2Fcart"'] },
  { name: 'register', path: '/register', html: ['昵称', '至少 8 位'] },
  // English last: ?lang=en is remembered (the fl_lang cookie) for what follows
  { name: 'home-en', path: '/?lang=en', html: ['Products', 'Cooperatives', 'href="/p/'] },
  { name: 'product-en', path: '/p/1?lang=en', html: ['Green-shell black-chicken eggs', 'Add to cart'] },
];

const browser = await launch();

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
  axeCheck(`${p.name} (${label})`, await axe(page));
  check(`${p.name} (${label}): no script error or failed request`, errors.length === 0, errors.join(' | '));
  await shot(page, `${p.name}-${w}x${h}`);
  return page;
}


// The buyer's flows at 390x844: register, add to cart, check out with a new
// saved address and cash on delivery, my orders, the order, its lot's trace
// page; then pay online through the sandbox cashier; then a guest's cart
// kept through sign-in.
async function buyerFlows() {
  const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  const email = `pages-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;

  // register, coming from a product
  await page.goto(base + '/register?next=/p/1', { waitUntil: 'networkidle' });
  await page.fill('#display_name', '页面买家');
  await page.fill('#login', email);
  await page.fill('#password', 'pages-password-1');
  await page.click('#register button[type=submit]');
  await page.waitForURL(u => u.pathname === '/p/1', { timeout: 15000 });
  check('registering signs in and goes back to the product', (await page.textContent('.top-nav')).includes('我的订单'));

  // add to cart, see it in the cart
  await page.getByRole('button', { name: '加入购物车' }).click();
  await page.locator('#buy-note a').waitFor({ timeout: 10000 });
  await page.goto(base + '/cart', { waitUntil: 'networkidle' });
  check('the cart page lists the line', await page.locator('.line').count() === 1);
  check('the cart shows a total in yuan', /¥\d+\.\d{2}/.test(await page.textContent('#total')));
  await look(page, 'cart');

  // checkout with a new address and cash on delivery
  await page.click('#to-checkout');
  await page.waitForURL(u => u.pathname === '/checkout', { timeout: 10000 });
  check('a first checkout asks for a new address', await page.locator('#addr-new').isVisible());
  await look(page, 'checkout');
  await page.fill('#a-name', '王丽');
  await page.fill('#a-phone', '138 0013 8000');
  await page.fill('#a-province', '江西省');
  await page.fill('#a-city', '萍乡市');
  await page.fill('#a-county', '安源区');
  await page.fill('#a-detail', '八一街道 12 号');
  await page.check('input[name=payment][value=cod]');
  await page.click('#place');
  await page.waitForURL(u => u.pathname === '/checkout/done', { timeout: 15000 });
  check('the order is placed', (await page.textContent('h1')).includes('下单成功'));
  check('cash on delivery is confirmed at once', (await page.textContent('.orders')).includes('已确认'));
  await look(page, 'order-placed');
  const book = await (await page.request.get(base + '/api/v1/me/addresses')).json();
  check('the new address was saved as the default', book.items && book.items.length === 1 && book.items[0].is_default,
    JSON.stringify(book));

  // my orders -> the order -> its lot's trace page
  await page.goto(base + '/orders', { waitUntil: 'networkidle' });
  check('my orders lists the order', await page.locator('.order-row').count() === 1);
  await look(page, 'orders');
  await page.locator('.order-row a', { hasText: '查看详情' }).first().click();
  await page.waitForURL(u => /^\/orders\/\d+$/.test(u.pathname), { timeout: 10000 });
  const detail = await page.textContent('main');
  check('the order shows its timeline', detail.includes('订单进度') && detail.includes('下单'));
  check('the order can still be cancelled', await page.locator('.act-cancel').count() === 1);
  check('dates are China\'s', /\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(detail));
  await look(page, 'order');
  const lot = page.locator('a[href^="/t/"]').first();
  const lotCode = (await lot.getAttribute('href')).slice(3);
  await lot.click();
  await page.waitForURL(u => u.pathname.startsWith('/t/'), { timeout: 10000 });
  check('the line leads to its lot\'s trace page', (await page.textContent('body')).includes(lotCode), lotCode);

  // pay online through the sandbox cashier
  const me = await (await page.request.get(base + '/api/v1/me')).json();
  check('/me gives the CSRF token back', typeof me.csrf_token === 'string' && me.csrf_token.length === 64);
  const put = await page.request.put(base + '/api/v1/cart/items/1', {
    data: { quantity: 1 }, headers: { 'X-CSRF-Token': me.csrf_token } });
  check('another line into the cart (second tab, token from /me)', put.status() === 200, String(put.status()));
  await page.goto(base + '/checkout', { waitUntil: 'networkidle' });
  check('the saved address is chosen', await page.locator('input[name=address]:checked').getAttribute('value') !== 'new');
  await page.check('input[name=payment][value=online]');
  await page.click('#place');
  await page.waitForURL(u => u.pathname === '/checkout/done', { timeout: 15000 });
  check('an online order awaits payment', (await page.textContent('.orders')).includes('待付款'));
  await page.locator('a', { hasText: '去支付' }).first().click();
  await page.waitForURL(u => u.pathname.startsWith('/pay/'), { timeout: 10000 });
  check('the cashier says it is a sandbox', (await page.textContent('.sandbox-banner')).includes('沙箱'));
  await look(page, 'cashier');
  await page.click('#pay');
  await page.waitForURL(u => /^\/orders\/\d+$/.test(u.pathname), { timeout: 15000 });
  check('the order is paid through the signed notice', (await page.textContent('#status')).includes('已付款'),
    await page.textContent('#status'));

  // the account page, then sign out
  await page.goto(base + '/account', { waitUntil: 'networkidle' });
  check('the account shows the address book', (await page.textContent('.addr-list')).includes('八一街道'));
  check('a buyer who sells nothing has no studio link', await page.locator('a[href="/studio"]').count() === 0);
  await look(page, 'account');
  await page.click('#signout');
  await page.waitForURL(u => u.pathname === '/', { timeout: 10000 });
  check('signed out', (await page.textContent('.top-nav')).includes('登录'));
  check('no script error in the buyer\'s flow', errors.length === 0, errors.join(' | '));
  await ctx.close();

  // a guest's cart is kept through sign-in
  const guest = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const g = await guest.newPage();
  await g.goto(base + '/p/1', { waitUntil: 'networkidle' });
  await g.getByRole('button', { name: '加入购物车' }).click();
  await g.locator('#buy-note a').waitFor({ timeout: 10000 });
  await g.goto(base + '/cart', { waitUntil: 'networkidle' });
  check('the guest\'s cart holds the line', await g.locator('.line').count() === 1);
  await g.click('#to-checkout');
  await g.waitForURL(u => u.pathname === '/signin', { timeout: 10000 });
  await look(g, 'signin-from-checkout');
  await g.fill('#login', email);
  await g.fill('#password', 'pages-password-1');
  await g.click('#signin button[type=submit]');
  await g.waitForURL(u => u.pathname === '/checkout', { timeout: 15000 });
  check('after sign-in the checkout holds the guest\'s line', await g.locator('.line').count() === 1);
  await guest.close();
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

  await buyerFlows();
} catch (e) {
  check('the walk-through ran to its end', false, e.stack || String(e));
} finally {
  await browser.close();
}
process.exit(done());
