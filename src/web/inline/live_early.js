// live_early.js - inlined by pages/live_page.c right after the live room's
// <video data-flv=URL> (allowed by its hash in the page's CSP; built as a
// classic script by ops/build-web.sh): starts the room's HTTP-FLV request
// while the page's modules still load (lib/player.js, startEarlyFlv).
import { startEarlyFlv } from '../lib/player.js';

startEarlyFlv(document.getElementById('video'));
