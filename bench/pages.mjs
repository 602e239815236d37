// pages.mjs - the buyer's pages on a weak mobile network, in Debian's
// Chromium through the DevTools protocol (playwright-core from
// tests/browser): 1.6 Mbps down, 750 kbps up, 150 ms round trip, the CPU
// slowed 4x, a cold cache each load. For each page: bytes received before
// the first contentful paint, the first contentful paint, and for the live
// room the first video frame (the video's first "playing"). Medians of
// RUNS loads, one line per page, as JSON lines on stdout:
//   {"page":"live","runs":3,"fcp_ms":..,"bytes_before_fcp":..,"first_frame_ms":..}
//
//   SHOP_URL=... PAGES="home=/ live=/live/ID product=/p/1" RUNS=3 node bench/pages.mjs
//
// A page named live* is waited on for its first frame (PAGES="live=/live/ID
// live_b=http://127.0.0.1:PORT2/live/ID" compares two shops' builds).
//
// TRACE=1 also prints, on stderr, each load's requests as a waterfall (ms
// from the document's request: sent, first byte, done; bytes on the wire;
// the URL), the first contentful paint and the first frame among them.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/browser/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const base = process.env.SHOP_URL;
const runs = Number(process.env.RUNS || 3);
// NAME=PATH (a path with a query keeps its own '='s), or NAME=http://... for a page of another shop (A/B runs)
const pages = (process.env.PAGES || 'home=/').split(/\s+/).filter(Boolean).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]);
const median = (a) => { const s = a.filter((x) => x != null).sort((x, y) => x - y); return s.length ? s[Math.floor((s.length - 1) / 2)] : null; };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--autoplay-policy=no-user-gesture-required',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function once(path, wantFrame) {
  const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  await ctx.addInitScript(() => {
    document.addEventListener('playing', () => { if (!window.__ff) window.__ff = performance.now(); }, true);
    window.__ev = []; // the video's start, for TRACE: ms, and the time in the media where it mattered
    for (const n of ['loadstart', 'loadedmetadata', 'seeking', 'seeked', 'loadeddata', 'playing'])
      document.addEventListener(n, (e) => { if (e.target.tagName === 'VIDEO') window.__ev.push(`${n} ${Math.round(performance.now())}${/^(seek|play)/.test(n) ? ` (at ${e.target.currentTime.toFixed(2)} s)` : ''}`); }, true);
  });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8, connectionType: 'cellular4g',
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  let mono0 = null; // the document's request (navigation start is a few ms before it)
  const chunks = []; // [ms after the document's request, bytes]
  const reqs = new Map(); // requestId -> {url, sent, first, done, bytes} (ms from the document's request)
  const ms = (ts) => Math.round((ts - mono0) * 1000);
  cdp.on('Network.requestWillBeSent', (e) => {
    if (mono0 === null && e.type === 'Document') mono0 = e.timestamp;
    if (mono0 !== null) reqs.set(e.requestId, { url: e.request.url, sent: ms(e.timestamp), first: null, done: null, bytes: 0 });
  });
  cdp.on('Network.responseReceived', (e) => { const q = reqs.get(e.requestId); if (q) q.first = ms(e.timestamp); });
  cdp.on('Network.loadingFinished', (e) => { const q = reqs.get(e.requestId); if (q) { q.done = ms(e.timestamp); q.bytes = e.encodedDataLength; } });
  // one clock (the DevTools protocol's monotonic timestamps) for bytes and
  // paint: wall-clock stamps of the two sides disagreed by more than the
  // load, and counted nothing before paint
  // dataReceived's encodedDataLength is often 0 (the network service reports
  // a response's bytes when it ends): what loadingFinished adds is counted then
  const counted = new Map();
  cdp.on('Network.dataReceived', (e) => {
    if (mono0 === null) return;
    chunks.push([ms(e.timestamp), e.encodedDataLength]);
    counted.set(e.requestId, (counted.get(e.requestId) || 0) + e.encodedDataLength);
  });
  cdp.on('Network.loadingFinished', (e) => {
    if (mono0 !== null) chunks.push([ms(e.timestamp), Math.max(0, e.encodedDataLength - (counted.get(e.requestId) || 0))]);
  });

  await page.goto((/^https?:/.test(path) ? '' : base) + path, { waitUntil: 'load', timeout: 60000 });
  await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0, null, { timeout: 30000 });
  if (wantFrame) await page.waitForFunction(() => window.__ff, null, { timeout: 60000, polling: 100 }).catch(() => {});
  const t = await page.evaluate(() => ({
    origin: performance.timeOrigin,
    fcp: performance.getEntriesByName('first-contentful-paint')[0].startTime,
    ff: window.__ff || null,
    ev: window.__ev,
  }));
  const bytes = chunks.filter(([w]) => w <= t.fcp).reduce((s, [, b]) => s + b, 0);
  if (process.env.TRACE) {
    const lines = [...reqs.values()].sort((a, b) => a.sent - b.sent)
      .map((q) => `  ${String(q.sent).padStart(6)} ${String(q.first ?? '-').padStart(6)} ${String(q.done ?? '-').padStart(6)} ${String(q.bytes).padStart(8)}  ${q.url.replace(base, '').slice(0, 100)}`);
    console.error(`${path}: fcp ${Math.round(t.fcp)} ms, first frame ${t.ff === null ? '-' : Math.round(t.ff)} ms${t.ev.length ? `\n  video: ${t.ev.join(', ')}` : ''}\n    sent  first   done    bytes  url\n${lines.join('\n')}`);
  }
  await ctx.close();
  return { fcp: Math.round(t.fcp), bytes, ff: t.ff === null ? null : Math.round(t.ff) };
}

for (const [name, path] of pages) {
  const got = [];
  for (let i = 0; i < runs; i++) got.push(await once(path, name.startsWith('live')));
  const line = { page: name, path, runs, fcp_ms: median(got.map((g) => g.fcp)), bytes_before_fcp: median(got.map((g) => g.bytes)) };
  if (name.startsWith('live')) line.first_frame_ms = median(got.map((g) => g.ff));
  line.each = got;
  console.log(JSON.stringify(line));
}
await browser.close();
