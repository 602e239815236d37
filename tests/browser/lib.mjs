// lib.mjs - what the browser tests share: Debian's Chromium launched
// headless, one suite's pass/fail tally, axe-core's serious and critical
// violations, and a look at a page at a phone's and a laptop's size (axe
// at each, a screenshot of each kept in the suite's SHOT_DIR).
//
//   import { launch, suite, axe, PHONE, SIZES } from './lib.mjs';
//   const browser = await launch({ autoplay: true });
//   const { check, note, look, done } = suite('name', { shots: process.env.SHOT_DIR });
//   check('what must hold', ok, 'what was seen instead');
//   await look(page, 'step-name');          // axe + screenshots at both sizes
//   await browser.close();
//   process.exit(done());                   // prints "name: N passed, M failed"
//   await signIn(page, base, login, password, '/dash');  // through the sign-in form
//   const as = apiAs(base, token); const { status, data } = await as('POST', '/api/v1/orders', body);
//   const v = await until(async () => ..., 30000);       // polls until truthy or the time is up
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

export const PHONE = { width: 390, height: 844 };
export const SIZES = [[390, 844, 'phone'], [1280, 800, 'laptop']];
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Debian's Chromium (CHROMIUM overrides the path); autoplay lets a video
// start without a gesture, as the live room's does.
export function launch({ autoplay = false } = {}) {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  if (autoplay) args.push('--autoplay-policy=no-user-gesture-required');
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args });
}

let axeSource = null;
// axe-core's serious and critical violations on the page as it is now
// (injected through the DevTools protocol, which the page's
// Content-Security-Policy does not govern).
export async function axe(page) {
  if (!axeSource) axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

// One suite's tally. check() counts and prints a failure as
// "FAIL [name] desc: detail"; note() prints a figure; look() checks axe at
// both sizes and keeps a screenshot of each (fullPage unless told), then
// leaves the page at the phone's size; done() prints the tally and gives
// the exit code.
export function suite(name, { shots = '', fullPage = true } = {}) {
  let passed = 0, failed = 0;
  if (shots) mkdirSync(shots, { recursive: true });
  function check(desc, ok, detail = '') {
    if (ok) { passed++; return; }
    failed++;
    console.error(`FAIL [${name}] ${desc}${detail ? ': ' + detail : ''}`);
  }
  function note(s) { console.error(`note [${name}] ${s}`); }
  function axeCheck(desc, bad) {
    check(`${desc}: no serious or critical axe-core violation`, bad.length === 0,
      bad.map((v) => `${v.id}: ${v.nodes.length} (${v.help}) ${v.nodes.map((n) => n.target).join(',')}`).join('; '));
  }
  async function shot(page, file) {
    if (shots) await page.screenshot({ path: `${shots}/${file}.png`, fullPage });
  }
  async function look(page, step) {
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h });
      axeCheck(`${step} (${w}x${h})`, await axe(page));
      await shot(page, `${step}-${w}x${h}`);
    }
    await page.setViewportSize(PHONE);
  }
  function done() {
    console.log(`${name}: ${passed} passed, ${failed} failed`);
    return failed ? 1 : 0;
  }
  return { check, note, axeCheck, shot, look, done };
}

// Signs in through the page's form (/signin?next=NEXT) and waits until the
// browser has left the sign-in page (NEXT may redirect further).
export async function signIn(page, base, login, password, next) {
  await page.goto(`${base}/signin?next=${encodeURIComponent(next)}`, { waitUntil: 'networkidle' });
  await page.fill('#login', login);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/signin', { timeout: 30000 }),
    page.click('form button[type=submit]')]);
}

// A JSON API caller with one bearer token: as(method, path, body, headers)
// resolves to { status, data } (data null when the answer is not JSON).
export function apiAs(base, token) {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(base + path, {
      method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    return { status: res.status, data };
  };
}

// Calls fn every step ms until it gives a truthy value or ms have passed;
// resolves to its last value.
export async function until(fn, ms, step = 250) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await sleep(step);
  }
}
