// player.js - the shop's one video player for a live stream (the buyer's
// live room, the farmer's studio preview). Small and owned: the streaming
// libraries (hls.js's light build, mpegts.js) are loaded lazily, each in its own hashed
// chunk of the build (ops/build-web.sh splits dynamic imports), so a page
// that imports this module pays for them only when it plays.
//
//   import { attachPlayer } from '../lib/player.js';
//   const p = attachPlayer(videoEl, {
//     hls: 'https://relay/live/ID/index.m3u8',   // HLS playlist (needed for iPhones)
//     flv: 'https://relay/live/ID.flv',          // HTTP-FLV, optional
//     lowLatency: false,     // true: HTTP-FLV through mpegts.js where the browser has MSE
//                            // (the live room's default: its first picture is the relay's
//                            // cached keyframe, one request away)
//     onState: (state) => {},// 'loading' | 'playing' | 'reconnecting' | 'stopped'
//   });
//   ...
//   p.destroy();             // stops, frees the library and the timers
//   p.state                  // the state now
//
// Which engine: HTTP-FLV by mpegts.js when lowLatency and the browser has
// MediaSource (not only iOS's ManagedMediaSource: iPhones play HLS); else
// hls.js where MSE exists; else the browser's own HLS (iOS Safari before
// 17.1 has no MSE; native HLS always works there). HTTP-FLV that has not
// shown a picture after FLV_TRIES attempts gives way to HLS for good (a
// proxy or network that breaks long HTTP streams). The video is muted so
// it may start by itself (browsers refuse sound without a tap); the page
// offers the unmute.
//
// Recovery: a fatal library error, a video error, or no progress of
// currentTime for STALL_MS while it should play (START_MS before the first
// picture) tears the engine down and
// starts it again after a backoff (1 s, 2 s, 4 s ... at most 10 s), for as
// long as the player is attached: a stall on a weak network and a
// publisher that reconnects both end in the picture going on by itself.
// Meanwhile the state is 'reconnecting' (the video element also carries it
// as data-player-state, for CSS and tests), never a silent black box.

const STALL_MS = 8000; // no progress this long while playing: a stall
const START_MS = 15000; // the first picture may take this long on a weak network
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 10000;
const FLV_TRIES = 2; // HTTP-FLV attempts without a picture before HLS takes over

function hasMSE() {
  const MS = window.ManagedMediaSource || window.MediaSource;
  return !!(MS && MS.isTypeSupported && MS.isTypeSupported('video/mp4; codecs="avc1.42E01E,mp4a.40.2"'));
}

function hasClassicMSE() {
  const MS = window.MediaSource;
  return !!(MS && MS.isTypeSupported && MS.isTypeSupported('video/mp4; codecs="avc1.42E01E,mp4a.40.2"'));
}

function nativeHLS(video) {
  return !!video.canPlayType && video.canPlayType('application/vnd.apple.mpegurl') !== '';
}

// Which engine this browser uses for opts: 'flv', 'hls.js', 'native' or null.
export function playerEngine(video, opts) {
  const mse = hasMSE();
  if (opts.lowLatency && opts.flv && hasClassicMSE()) return 'flv';
  if (opts.hls && mse) return 'hls.js';
  if (opts.hls && nativeHLS(video)) return 'native';
  if (opts.flv && hasClassicMSE()) return 'flv';
  return null;
}

export function attachPlayer(video, opts = {}) {
  let engine = null; // {stop()} of the running library
  let destroyed = false;
  let backoff = BACKOFF_MIN_MS;
  let retryTimer = null;
  let lastTime = -1;
  let lastProgress = Date.now();
  let generation = 0;
  let played = false; // a picture has moved since attaching
  let flvFailures = 0;
  const self = { state: 'loading', engine: playerEngine(video, opts), destroy };

  function setState(s) {
    if (self.state === s) return;
    self.state = s;
    video.setAttribute('data-player-state', s);
    if (opts.onState) opts.onState(s);
  }
  video.setAttribute('data-player-state', 'loading');
  video.muted = true;
  video.playsInline = true;
  video.setAttribute('playsinline', '');

  function play() {
    const p = video.play();
    if (p && p.catch) p.catch(() => {}); // refused autoplay: the page's controls remain
  }

  function stopEngine() {
    if (engine) {
      try { engine.stop(); } catch (e) { /* already gone */ }
      engine = null;
    }
  }

  // Tears the engine down and tries again after the backoff.
  function recover() {
    if (destroyed || retryTimer) return;
    setState('reconnecting');
    stopEngine();
    if (self.engine === 'flv' && !played && ++flvFailures >= FLV_TRIES && opts.hls) {
      const fallback = playerEngine(video, { hls: opts.hls });
      if (fallback) self.engine = fallback; // HTTP-FLV never got through: HLS from now on
    }
    retryTimer = setTimeout(() => {
      retryTimer = null;
      start();
    }, backoff);
    backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
  }

  async function startHlsJs(gen) {
    const { default: Hls } = await import('hls.js/light');
    if (gen !== generation || destroyed) return;
    if (!Hls.isSupported()) { startNative(); return; }
    const hls = new Hls({
      lowLatencyMode: true,
      maxLiveSyncPlaybackRate: 1.5, // catches up with the live edge (docs/relay.md: ~1.3-1.9 s instead of 2.5-3.2)
      startLevel: 0, // the lowest rendition first: a weak network starts at once
      manifestLoadingMaxRetry: 2,
      levelLoadingMaxRetry: 2,
      fragLoadingMaxRetry: 2,
    });
    hls.on(Hls.Events.ERROR, (ev, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !hls.farmliveMediaRetried) {
        hls.farmliveMediaRetried = true;
        hls.recoverMediaError();
        return;
      }
      recover();
    });
    hls.on(Hls.Events.MANIFEST_PARSED, play);
    hls.loadSource(opts.hls);
    hls.attachMedia(video);
    engine = { stop: () => hls.destroy() };
  }

  async function startFlv(gen) {
    const { default: mpegts } = await import('mpegts.js');
    if (gen !== generation || destroyed) return;
    // The request goes out at once (not after the MediaSource opens) and
    // nothing is held back in a stash: the relay's cached GOP reaches the
    // decoder as it arrives. That GOP comes faster than real time, so the
    // buffer runs ahead at first: catching up by playing a little faster
    // (liveSync) keeps the first picture, where chasing by seeking forward
    // made the decoder start again from the keyframe (seconds on a slow
    // phone).
    const flv = mpegts.createPlayer({ type: 'flv', isLive: true, url: opts.flv }, {
      enableStashBuffer: false, lazyLoad: false, deferLoadAfterSourceOpen: false,
      liveBufferLatencyChasing: false, liveSync: true, liveSyncMaxLatency: 1.5, liveSyncTargetLatency: 0.8,
      liveSyncPlaybackRate: 1.2,
    });
    flv.on(mpegts.Events.ERROR, recover);
    flv.attachMediaElement(video);
    flv.load();
    play();
    engine = {
      stop: () => { flv.pause(); flv.unload(); flv.detachMediaElement(); flv.destroy(); },
    };
  }

  function startNative() {
    video.src = opts.hls;
    play();
    engine = { stop: () => { video.removeAttribute('src'); video.load(); } };
  }

  function start() {
    if (destroyed) return;
    const gen = ++generation;
    lastProgress = Date.now();
    lastTime = -1;
    if (self.state !== 'reconnecting') setState('loading');
    const fail = () => { if (gen === generation) recover(); };
    if (self.engine === 'flv') startFlv(gen).catch(fail);
    else if (self.engine === 'hls.js') startHlsJs(gen).catch(fail);
    else if (self.engine === 'native') startNative();
    else setState('stopped');
  }

  function onError() { if (engine && self.engine !== 'hls.js') recover(); }
  function onPlaying() { lastProgress = Date.now(); }
  // The first media may start a little after 0 (the stream's first picture
  // is shown after a reordered frame or two: 0.08 s): the video would wait
  // at 0 until a stall detector noticed. Start where the media starts.
  function onBuffered() {
    const b = video.buffered;
    if (b.length && video.currentTime < b.start(0) && b.start(0) - video.currentTime < 5) video.currentTime = b.start(0);
  }
  video.addEventListener('error', onError);
  video.addEventListener('playing', onPlaying);
  video.addEventListener('loadedmetadata', onBuffered);
  video.addEventListener('progress', onBuffered);

  // The watchdog: currentTime must move while the stream should play.
  const watch = setInterval(() => {
    if (destroyed || retryTimer || !engine) return;
    const t = video.currentTime;
    if (t !== lastTime && !video.paused) {
      if (lastTime >= 0 && t > lastTime) {
        played = true;
        setState('playing');
        backoff = BACKOFF_MIN_MS;
      }
      lastTime = t;
      lastProgress = Date.now();
      return;
    }
    if (video.paused && (self.state === 'playing' || video.readyState >= 2)) {
      lastProgress = Date.now(); // paused by the viewer, or autoplay refused: not a stall
      return;
    }
    if (Date.now() - lastProgress > (self.state === 'playing' ? STALL_MS : START_MS)) recover();
  }, 500);

  function destroy() {
    destroyed = true;
    clearInterval(watch);
    clearTimeout(retryTimer);
    video.removeEventListener('error', onError);
    video.removeEventListener('playing', onPlaying);
    video.removeEventListener('loadedmetadata', onBuffered);
    video.removeEventListener('progress', onBuffered);
    stopEngine();
    setState('stopped');
  }

  start();
  return self;
}
