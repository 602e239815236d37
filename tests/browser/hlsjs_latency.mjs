// hlsjs_latency.mjs - how far behind live a real player is: hls.js (npm,
// its defaults: low-latency mode on) in Debian's Chromium (headless),
// playing PLAYLIST_URL for SECONDS after a 4 s start.
//
//   node hlsjs_latency.mjs PLAYLIST_URL [SECONDS] [HLS_CONFIG_JSON]
//
// Once a second it samples hls.latency (hls.js's own estimate from
// EXT-X-PROGRAM-DATE-TIME) and now - the playing frame's program date. The
// last line is the summary ops/bench-relay.sh prints:
//   hlsjs: latency_s=1.43 target_s=0.60 behind_ms=1460 low_latency=true parts=true stalled=0 errors=0
// The page is served at the relay's own origin (relay_page.mjs). Exit 1 when
// nothing played.
import { relayPage } from './relay_page.mjs';

const [url, secs = '15', cfg = '{}'] = process.argv.slice(2);
if (!url) {
  console.error('usage: node hlsjs_latency.mjs PLAYLIST_URL [SECONDS] [HLS_CONFIG_JSON]');
  process.exit(2);
}
const { browser, page } = await relayPage(url, './node_modules/hls.js/dist/hls.min.js');
let code = 1;
try {
  const out = await page.evaluate(async ({ url, secs, cfg }) => {
    const v = document.createElement('video');
    v.muted = true;
    v.autoplay = true;
    document.body.appendChild(v);
    const hls = new Hls(JSON.parse(cfg));
    const errors = [];
    hls.on(Hls.Events.ERROR, (e, d) => errors.push(d.details + (d.fatal ? ' (fatal)' : '')));
    hls.loadSource(url);
    hls.attachMedia(v);
    await new Promise(r => setTimeout(r, 4000));
    const samples = [];
    let stalled = 0, last = -1;
    for (let i = 0; i < secs; i++) {
      await new Promise(r => setTimeout(r, 1000));
      if (v.currentTime <= last) stalled++;
      last = v.currentTime;
      samples.push({ latency: hls.latency, target: hls.targetLatency,
                     behind: hls.playingDate ? Date.now() - hls.playingDate.getTime() : null });
    }
    const d = hls.levels[0] && hls.levels[0].details;
    return { samples, errors, stalled, ll: hls.lowLatencyMode, parts: !!(d && d.partList && d.partList.length),
             played: v.currentTime };
  }, { url, secs: Number(secs), cfg });
  const med = a => {
    const b = a.filter(x => x != null && !Number.isNaN(x)).sort((x, y) => x - y);
    return b.length ? b[Math.floor(b.length / 2)] : NaN;
  };
  const lat = med(out.samples.map(s => s.latency)), tgt = med(out.samples.map(s => s.target));
  const behind = med(out.samples.map(s => s.behind));
  for (const e of out.errors) console.error('hls.js:', e);
  console.log(`hlsjs: latency_s=${lat.toFixed(2)} target_s=${tgt.toFixed(2)} behind_ms=${Math.round(behind)} ` +
              `low_latency=${out.ll} parts=${out.parts} stalled=${out.stalled} errors=${out.errors.length}`);
  code = out.played > 1 ? 0 : 1;
} finally {
  await browser.close();
}
process.exit(code);
