// glass_delay.mjs - what a viewer sees, captured: a real player in Debian's
// Chromium (headless) plays a stream whose publisher burns its wall clock
// into the picture (bench/clock_publisher.py); every 500 ms after a 6 s
// start the playing frame is drawn to a canvas and saved as a PNG named by
// the wall clock of the capture. ops/bench-relay.sh reads the clock back
// from each (tesseract) and subtracts: glass-to-glass delay.
//
//   node glass_delay.mjs hls|flv URL SAMPLES OUTDIR [HLS_CONFIG_JSON]
//
// hls: hls.js with its defaults (low-latency mode on), or the config given. flv: mpegts.js with
// its live low-latency settings (no stash buffer, latency chasing on), as
// live sites use it. The page is served at the relay's own origin
// (relay_page.mjs). Writes OUTDIR/CAPTURE_MS.png; exit 1 when nothing
// played.
import { mkdirSync, writeFileSync } from 'node:fs';
import { relayPage } from './relay_page.mjs';

const [kind, url, samples = '12', outdir, cfg = '{}'] = process.argv.slice(2);
if (!['hls', 'flv'].includes(kind) || !url || !outdir) {
  console.error('usage: node glass_delay.mjs hls|flv URL SAMPLES OUTDIR');
  process.exit(2);
}
mkdirSync(outdir, { recursive: true });
const { browser, page } = await relayPage(url, kind === 'hls' ? './node_modules/hls.js/dist/hls.min.js'
                                                              : './node_modules/mpegts.js/dist/mpegts.js');
let code = 1;
try {
  const shots = await page.evaluate(async ({ kind, url, samples, cfg }) => {
    const v = document.createElement('video');
    v.muted = true;
    v.autoplay = true;
    document.body.appendChild(v);
    if (kind === 'hls') {
      const hls = new Hls(JSON.parse(cfg));
      hls.loadSource(url);
      hls.attachMedia(v);
    } else {
      const p = mpegts.createPlayer({ type: 'flv', isLive: true, url },
                                    { enableStashBuffer: false, liveBufferLatencyChasing: true });
      p.attachMediaElement(v);
      p.load();
      p.play();
    }
    await new Promise(r => setTimeout(r, 6000));
    const c = document.createElement('canvas');
    c.width = 640;
    c.height = 360;
    const g = c.getContext('2d');
    const out = [];
    for (let i = 0; i < samples; i++) {
      await new Promise(r => setTimeout(r, 500));
      if (v.readyState < 2) continue;
      g.drawImage(v, 0, 0, 640, 360);
      out.push({ at: Date.now(), png: c.toDataURL('image/png') });
    }
    return out;
  }, { kind, url, samples: Number(samples), cfg });
  for (const s of shots)
    writeFileSync(`${outdir}/${s.at}.png`, Buffer.from(s.png.split(',')[1], 'base64'));
  console.log(`glass: ${kind} frames=${shots.length}`);
  code = shots.length > 0 ? 0 : 1;
} finally {
  await browser.close();
}
process.exit(code);
