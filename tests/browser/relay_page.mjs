// relay_page.mjs - a blank page at a relay's origin in Debian's Chromium
// (headless), with a player script loaded: what hlsjs_latency.mjs and
// glass_delay.mjs play streams in. The page is a routed stub at the
// stream's own origin, so Chromium's private-network rules do not block
// the player's requests.
//
//   const { browser, page } = await relayPage(STREAM_URL, './node_modules/hls.js/dist/hls.min.js');
//   ... page.evaluate(...) ...
//   await browser.close();
import { chromium } from 'playwright-core';

export async function relayPage(url, script) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    const page = await browser.newPage();
    const origin = new URL(url).origin;
    await page.route(origin + '/__player.html', r =>
      r.fulfill({ contentType: 'text/html', body: '<!doctype html><html><body></body></html>' }));
    await page.goto(origin + '/__player.html');
    await page.addScriptTag({ path: new URL(script, import.meta.url).pathname });
    return { browser, page };
  } catch (e) {
    await browser.close();
    throw e;
  }
}
