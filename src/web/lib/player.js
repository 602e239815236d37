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
const START_GAP_S = 0.1; // a first picture this far after the start: the browser starts there by itself
const START_GAP_WAIT_MS = 1000; // ... or is helped by a seek after this long

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

// Whether the live room asks for HTTP-FLV (its default; ?player=hls asks for HLS).
export function roomLowLatency() {
  return !/[?&]player=hls/.test(location.search);
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

// The early HTTP-FLV request (src/web/inline/live_early.js, inlined by
// pages/live_page.c right after the room's <video data-flv=URL>): it goes
// out as soon as the video element is parsed, where the player's own would
// leave only after the page's modules, mpegts.js among them, had loaded and
// run (1-2 s later on a slow phone), so the relay's cached GOP arrives
// meanwhile. The player's first HTTP-FLV start reads it (FlvLoader below);
// a player that plays something else drops it.
const EARLY = '__farmliveEarlyFlv';

export function startEarlyFlv(video) {
  const url = video && video.dataset.flv;
  if (!url || !window.fetch || !window.AbortController || window[EARLY]) return;
  if (playerEngine(video, { flv: url, lowLatency: roomLowLatency() }) !== 'flv') return;
  const ctrl = new AbortController();
  const res = fetch(url, { mode: 'cors', signal: ctrl.signal });
  res.catch(() => {}); // the player's loader reports it when it reads it
  window[EARLY] = { url, ctrl, res };
}

function takeEarly(url) {
  const e = window[EARLY];
  if (!e) return null;
  window[EARLY] = null;
  if (e.url === url) return e;
  e.ctrl.abort();
  return null;
}

// An mpegts.js loader (the interface of its BaseLoader: open, abort,
// destroy, status, needStashBuffer and the callbacks it sets) that reads
// the early request when there is one for this URL, else fetches the
// stream as mpegts.js's own fetch loader does.
const LOADER = { idle: 0, connecting: 1, buffering: 2, error: 3, complete: 4 }; // mpegts.js's LoaderStatus
class FlvLoader {
  constructor() {
    this.status = LOADER.idle;
    this.type = 'farmlive-flv';
    this.needStashBuffer = false;
    this.ctrl = null;
    this.onContentLengthKnown = this.onURLRedirect = this.onDataArrival = this.onComplete = this.onError = null;
  }

  isWorking() { return this.status === LOADER.connecting || this.status === LOADER.buffering; }

  open(source, range) {
    const early = takeEarly(source.url);
    const ctrl = early ? early.ctrl : new AbortController();
    this.ctrl = ctrl;
    this.status = LOADER.connecting;
    const from = (range && range.from) || 0;
    const fail = (type, info) => {
      if (ctrl.signal.aborted) return;
      this.status = LOADER.error;
      if (this.onError) this.onError(type, info);
    };
    (early ? early.res : fetch(source.url, { mode: 'cors', signal: ctrl.signal })).then(async (res) => {
      if (!res.ok) { fail('HttpStatusCodeInvalid', { code: res.status, msg: res.statusText }); return; }
      const reader = res.body.getReader();
      let got = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (ctrl.signal.aborted) return;
        if (done) {
          this.status = LOADER.complete;
          if (this.onComplete) this.onComplete(from, from + got - 1);
          return;
        }
        this.status = LOADER.buffering;
        const chunk = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value.buffer : value.slice().buffer;
        got += chunk.byteLength;
        if (this.onDataArrival) this.onDataArrival(chunk, from + got - chunk.byteLength, got);
      }
    }).catch((e) => fail('Exception', { code: -1, msg: e && e.message }));
  }

  abort() {
    if (this.ctrl) this.ctrl.abort();
    if (this.isWorking()) this.status = LOADER.complete;
  }

  destroy() {
    this.abort();
    this.onContentLengthKnown = this.onURLRedirect = this.onDataArrival = this.onComplete = this.onError = null;
  }
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
      liveSyncPlaybackRate: 1.2, customLoader: FlvLoader,
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
    if (self.engine !== 'flv') takeEarly(null); // an early HTTP-FLV request nobody will read
    if (self.engine === 'flv') startFlv(gen).catch(fail);
    else if (self.engine === 'hls.js') startHlsJs(gen).catch(fail);
    else if (self.engine === 'native') startNative();
    else setState('stopped');
  }

  function onError() { if (engine && self.engine !== 'hls.js') recover(); }
  function onPlaying() { lastProgress = Date.now(); }
  // The stream's first picture may be stamped a frame or two after 0 (after
  // reordered frames: 0.08 s), where its audio starts at 0. Chromium starts
  // such a start by itself (the gap is within its tolerance); a seek to the
  // picture meanwhile restarts the pipeline, 0.2-0.6 s more to the first
  // frame on a slow phone. mpegts.js's startup stall jumper seeks on the
  // first 'progress' event while nothing is shown yet: it is held back
  // (this capture listener runs before it on the video) while the gap is
  // that small and the start young, and seeks as before past that.
  // hls.js and the browser's own HLS are started where their media starts.
  let metaAt = 0;
  function onMetadata() { metaAt = Date.now(); onBuffered(); }
  function onBuffered() {
    const b = video.buffered;
    if (self.engine !== 'flv' && b.length && video.currentTime < b.start(0) && b.start(0) - video.currentTime < 5) video.currentTime = b.start(0);
  }
  function holdJumper(ev) {
    onBuffered();
    if (self.engine !== 'flv' || played) return;
    const b = video.buffered;
    if (b.length && video.currentTime < b.start(0) && b.start(0) - video.currentTime <= START_GAP_S &&
        metaAt && Date.now() - metaAt < START_GAP_WAIT_MS) ev.stopImmediatePropagation();
  }
  video.addEventListener('error', onError);
  video.addEventListener('playing', onPlaying);
  video.addEventListener('loadedmetadata', onMetadata);
  video.addEventListener('progress', holdJumper, true);

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
    video.removeEventListener('loadedmetadata', onMetadata);
    video.removeEventListener('progress', holdJumper, true);
    stopEngine();
    takeEarly(null);
    setState('stopped');
  }

  start();
  return self;
}
