/* main.c - farmlive-relay: RTMP ingest on one port, SRT on another (when
 * FARMLIVE_SRT_PORT is set), HLS / HTTP-FLV / recordings / thumbnails out
 * (see relay_rtmp.h, relay_srt.h and relay_http.h).
 *
 * Settings come from FARMLIVE_* variables (config.c); an invalid one stops
 * start-up with a message and exit code 2, as the shop does. Runs until
 * SIGTERM or SIGINT, then: stops the RTMP loop, closes every publisher
 * (the shop hears each unpublish), stops the HTTP server, and frees the hub,
 * which ends every stream and finalises the recordings; exits 0.
 *
 *   main thread                 ingest thread
 *   config, hub, HTTP, RTMP --> rtmp_server_run() (epoll loop)
 *   SRT ----------------------> accept thread, a thread per SRT publisher
 *   sigwait(TERM|INT)
 *   rtmp_server_stop() -------> returns
 *   join; srt_server_free; rtmp_server_free; relay_http_stop;
 *   relay_hub_free; relay_rec_retention_stop (the recordings' retention
 *   thread)
 *
 * The hub's ingest calls (relay_stream.h) expect one caller at a time, as
 * RTMP's one loop is: with SRT's threads beside it, every call goes
 * through the ops below, which hold one ingest lock. */
#include "farmlive/config.h"
#include "farmlive/log.h"
#include "farmlive/relay_http.h"
#include "farmlive/relay_hub.h"
#include "farmlive/relay_record.h"
#include "farmlive/relay_rtmp.h"
#include "farmlive/relay_srt.h"
#include "farmlive/relay_stream.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define EXIT_CONFIG 2

static pthread_mutex_t ingest_lock = PTHREAD_MUTEX_INITIALIZER;

/* Every publish goes through the ingest lock, so the generation read
 * after it is this publisher's. */
static relay_stream *locked_publish(relay_hub *hub, const char *live_id, uint64_t *gen)
{
    pthread_mutex_lock(&ingest_lock);
    relay_stream *s = relay_hub_publish(hub, live_id);
    *gen = s ? relay_stream_publisher_gen(s) : 0;
    pthread_mutex_unlock(&ingest_lock);
    return s;
}

/* A superseded publisher (the other protocol took the stream over) only
 * lets go: the stream is the newer publisher's, no grace period starts. */
static void locked_unpublish(relay_hub *hub, relay_stream *s, uint64_t gen)
{
    pthread_mutex_lock(&ingest_lock);
    if (s && relay_stream_superseded(s, gen))
        relay_stream_release(s);
    else
        relay_hub_unpublish(hub, s);
    pthread_mutex_unlock(&ingest_lock);
}

static void locked_tick(relay_hub *hub, void (*ended)(void *arg, const char *live_id), void *arg)
{
    pthread_mutex_lock(&ingest_lock);
    relay_hub_tick(hub, ended, arg);
    pthread_mutex_unlock(&ingest_lock);
}

static void locked_metadata(relay_stream *s, const uint8_t *amf, size_t len)
{
    pthread_mutex_lock(&ingest_lock);
    relay_stream_metadata(s, amf, len);
    pthread_mutex_unlock(&ingest_lock);
}

static int locked_video(relay_stream *s, uint32_t ts_ms, const uint8_t *body, size_t len)
{
    pthread_mutex_lock(&ingest_lock);
    int rc = relay_stream_video(s, ts_ms, body, len);
    pthread_mutex_unlock(&ingest_lock);
    return rc;
}

static int locked_audio(relay_stream *s, uint32_t ts_ms, const uint8_t *body, size_t len)
{
    pthread_mutex_lock(&ingest_lock);
    int rc = relay_stream_audio(s, ts_ms, body, len);
    pthread_mutex_unlock(&ingest_lock);
    return rc;
}

static const rtmp_hub_ops hub_ops = {
    .publish = locked_publish,
    .unpublish = locked_unpublish,
    .tick = locked_tick,
    .metadata = locked_metadata,
    .video = locked_video,
    .audio = locked_audio,
    .dropped = relay_stream_dropped,
    .superseded = relay_stream_superseded,
    .srt_stats = relay_stream_srt_stats,
    .restream = relay_stream_restream,
    .rendition = relay_stream_rendition,
};

static void usage(FILE *out)
{
    fprintf(out, "usage: farmlive-relay [serve | help]\n"
                 "  serve  accept RTMP publishers on FARMLIVE_RTMP_PORT (rtmp://HOST:PORT/live/KEY)\n"
                 "         and serve HLS / HTTP-FLV on FARMLIVE_RELAY_HTTP_PORT (default)\n"
                 "Settings: FARMLIVE_* environment variables (see README).\n");
}

static void *ingest_main(void *arg)
{
    rtmp_server_run(arg);
    return NULL;
}

static int serve(const fl_config *cfg)
{
    char err[256];
    sigset_t set;
    int sig = 0, rc = 1, http_started = 0;
    relay_hub *hub = NULL;
    rtmp_server *srv = NULL;
    srt_server *srt = NULL;
    pthread_t ingest;

    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* every thread started below inherits this */

    if (!cfg->internal_secret[0])
        fl_log(FL_LOG_WARN, "config", "FARMLIVE_INTERNAL_SECRET is empty: the shop will refuse every publisher");
    hub = relay_hub_new(cfg);
    if (!hub) {
        fl_log(FL_LOG_ERROR, "start_failed", "cannot create the relay hub");
        goto out_free;
    }
    if (relay_http_start(hub, cfg) < 0)
        goto out_free;
    http_started = 1;
    if (relay_rec_retention_start(cfg->var_dir, cfg->record_keep_days, (uint64_t)cfg->record_max_mb << 20) < 0)
        fl_log(FL_LOG_WARN, "retention", "no retention thread: old recordings stay");
    rtmp_server_opts opts = {.cfg = cfg, .hub = hub, .ops = &hub_ops};
    srv = rtmp_server_new(&opts, err, sizeof(err));
    if (!srv) {
        fl_log(FL_LOG_ERROR, "start_failed", "rtmp: %s", err);
        goto out_free;
    }
    if (cfg->srt_port > 0 && !(srt = srt_server_new(cfg, hub, &hub_ops, err, sizeof(err)))) {
        fl_log(FL_LOG_ERROR, "start_failed", "srt: %s", err);
        goto out_free;
    }
    if (pthread_create(&ingest, NULL, ingest_main, srv) != 0) {
        fl_log(FL_LOG_ERROR, "start_failed", "cannot start the ingest thread");
        goto out_free;
    }
    fl_log(FL_LOG_INFO, "listening", "relay: rtmp://%s:%d/live/KEY, http://%s:%d; shop at %s", cfg->relay_host,
           cfg->rtmp_port, cfg->relay_host, cfg->relay_http_port, cfg->shop_internal_url);
    if (srt)
        fl_log(FL_LOG_INFO, "listening", "relay: srt://%s:%d?streamid=KEY (latency %d ms)", cfg->relay_host,
               cfg->srt_port, cfg->srt_latency_ms);
    sigwait(&set, &sig);
    fl_log(FL_LOG_INFO, "shutdown", "signal %d: closing publishers, finalising recordings", sig);
    rtmp_server_stop(srv);
    pthread_join(ingest, NULL);
    rc = 0;
out_free:
    srt_server_free(srt); /* its publishers' threads end first: the RTMP loop is stopped, the hub still up */
    rtmp_server_free(srv);
    if (http_started)
        relay_http_stop();
    if (hub)
        relay_hub_free(hub);
    relay_rec_retention_stop();
    if (rc == 0)
        fl_log(FL_LOG_INFO, "stopped", "relay stopped");
    return rc;
}

int main(int argc, char **argv)
{
    fl_config cfg;
    char err[512];
    const char *cmd = argc > 1 ? argv[1] : "serve";

    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "serve") != 0) {
        fprintf(stderr, "farmlive-relay: unknown command '%s'\n", cmd);
        usage(stderr);
        return EXIT_CONFIG;
    }
    if (fl_config_load(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "farmlive-relay: %s\n", err);
        return EXIT_CONFIG;
    }
    fl_log_set_level(cfg.log_level);
    return serve(&cfg);
}
