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
